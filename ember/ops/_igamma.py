"""The regularised incomplete gamma functions ``P(a, x)`` (``gammainc``) and
``Q(a, x) = 1 - P(a, x)`` (``gammaincc``) on backend arrays, in float64 without SciPy.

The regions are Cephes' (as in PyTorch), so that whichever of ``P`` and ``Q`` is small is the
one computed directly and keeps its relative accuracy:

* the series ``P = D (1 + x / (a+1) + x^2 / ((a+1)(a+2)) + ...)`` for ``x <= max(1, a)``,
  with ``D = x^a e^-x / Gamma(a + 1)``;
* Legendre's continued fraction for ``Q`` (modified Lentz) for ``x > max(1.1, a)``;
* for small ``a`` and ``x <= 1.1``, ``Q = -expm1(a log x - lgamma(1 + a)) -
  x^a / Gamma(a) sum_n (-x)^n / (n! (a + n))``, where ``1 - P`` would cancel.

``D`` comes from Stirling's series for ``a >= 10``: ``log D = a log1pmx((x - a) / a) -
log(2 pi a) / 2 - S(a)``, which keeps the large terms ``a log x`` and ``lgamma(a)`` from
cancelling. The series and the fraction run until every element has converged, at most
``_MAX_TERMS`` terms. About ``9 sqrt(a)`` are needed where ``x`` is near a large ``a``
(where Cephes and PyTorch switch to Temme's uniform expansion, not written here): above
``a`` ~ 4e6 such elements give NaN rather than a truncated, wrong value.
"""

from __future__ import annotations

import math
from typing import Any

from ._ndtr import quiet
from .math_gamma import _LGAMMA1, _STIRLING, _horner, lgamma_array

_EPS = 1.1102230246251565e-16  # 2^-53
_MAX_TERMS = 20000
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log1pmx(xp: Any, u: Any, log1p_u: Any) -> Any:
    """``log(1 + u) - u`` without cancellation for ``u`` near 0: with ``s = u / (2 + u)``,
    ``log(1 + u) = 2 atanh(s)`` and ``u = 2 s / (1 - s)``, so the difference is
    ``-2 s^2 / (1 - s) + 2 (s^3 / 3 + s^5 / 5 + ...)``. Elsewhere ``log1p_u`` (computed by
    the caller from exact quantities) minus ``u``."""
    near = (u > -0.5) & (u < 2.0)
    s = xp.where(near, u, 0.0) / (2.0 + xp.where(near, u, 0.0))  # |s| <= 1/2
    s2 = s * s
    odd = xp.zeros_like(s)
    for k in range(27, 0, -1):  # s^2 / 3 + s^4 / 5 + ..., (1/4)^27 / 55 < 1e-18
        odd = (odd + 1.0 / (2 * k + 1)) * s2
    series = -2.0 * s2 / (1.0 - s) + 2.0 * s * odd
    return xp.where(near, series, log1p_u - u)


def _lgamma1p(xp: Any, a: Any) -> Any:
    """``lgamma(1 + a)`` for ``a >= 0``, by the Taylor series at 1 for ``a <= 1/4`` (where
    forming ``1 + a`` would round ``a`` away)."""
    small = a <= 0.25
    return xp.where(small, _horner(_LGAMMA1, xp.where(small, a, 0.0)), lgamma_array(xp, 1.0 + a))


def log_prefactor(xp: Any, a: Any, x: Any) -> Any:
    """``log(x^a e^-x / Gamma(a + 1))`` for ``a > 0``, ``x > 0``."""
    big = a >= 10.0
    ab = xp.where(big, a, 10.0)
    # log(x / a), not log1p((x - a) / a): the rounding of (x - a) / a near -1 would be
    # magnified
    stirling = (ab * _log1pmx(xp, (x - ab) / ab, xp.log(x / ab)) - 0.5 * xp.log(ab) - _HALF_LOG_2PI
                - _horner(_STIRLING, 1.0 / (ab * ab)) / ab)
    return xp.where(big, stirling, a * xp.log(x) - x - _lgamma1p(xp, a))


def _series_p(xp: Any, a: Any, x: Any) -> Any:
    """``P`` by its power series (``x <= max(1, a)``)."""
    term, total, den = xp.ones_like(x), xp.ones_like(x), a.copy()
    for n in range(_MAX_TERMS):
        den = den + 1.0
        term = term * (x / den)
        total = total + term
        if n % 8 == 7 and bool(xp.all(term <= _EPS * total)):
            break
    # NaN, not a truncated sum, where _MAX_TERMS did not suffice (see the module docstring)
    total = xp.where(term <= _EPS * total, total, xp.nan)
    return xp.exp(log_prefactor(xp, a, x)) * total


def _fraction_q(xp: Any, a: Any, x: Any) -> Any:
    """``Q`` by Legendre's continued fraction (``x > max(1.1, a)``), modified Lentz."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = xp.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d
    done = xp.zeros(x.shape, dtype=bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        # converged elements are frozen: further factors of 1 +- ulp would drift them
        h = xp.where(done, h, h * delta)
        done = done | (xp.abs(delta - 1.0) <= 2 * _EPS)
        if i % 8 == 0 and bool(xp.all(done)):
            break
    h = xp.where(done, h, xp.nan)  # not converged within _MAX_TERMS
    # x^a e^-x / Gamma(a) = a D
    return xp.exp(log_prefactor(xp, a, x)) * a * h


def _series_q_small_a(xp: Any, a: Any, x: Any) -> Any:
    """``Q`` for small ``a`` and ``x <= 1.1`` (Cephes' ``igamc`` series)."""
    fac, total = xp.ones_like(x), xp.zeros_like(x)
    for n in range(1, 60):  # 1.1^60 / 60! < 1e-78
        fac = fac * (-x / n)
        total = total + fac / (a + n)
    logx = xp.log(x)
    lead = -xp.expm1(a * logx - _lgamma1p(xp, a))
    # x^a / Gamma(a) = a x^a / Gamma(1 + a)
    return lead - a * xp.exp(a * logx - _lgamma1p(xp, a)) * total


def _regions(xp: Any, a: Any, x: Any) -> tuple[Any, Any]:
    """Masks: where ``Q`` comes from the fraction, and where from the small-``a`` series
    (elsewhere ``P`` comes from its series)."""
    fraction = (x > 1.1) & (x >= a)
    with quiet(xp):
        small_x = (x <= 0.5) & (-0.4 / xp.log(x) >= a)
    small = small_x | ((x > 0.5) & (x <= 1.1) & (x * 1.1 >= a))
    return fraction, small & ~fraction


def _edges(xp: Any, a: Any, x: Any, lower: bool, out: Any) -> Any:
    """PyTorch's values where ``a`` or ``x`` is 0, inf, negative or NaN."""
    one, zero = (1.0, 0.0) if lower else (0.0, 1.0)
    # in increasing priority, as PyTorch's tests run: a NaN loses to the rules after it
    out = xp.where(xp.isnan(a) | xp.isnan(x), xp.nan, out)
    out = xp.where(xp.isinf(x), one, out)
    out = xp.where(xp.isinf(a), xp.where(xp.isinf(x), xp.nan, zero), out)
    out = xp.where(x == 0, zero, out)
    out = xp.where(a == 0, xp.where(x > 0, one, xp.nan), out)
    return xp.where((x < 0) | (a < 0), xp.nan, out)


def _both(xp: Any, a: Any, x: Any) -> tuple[Any, Any, Any]:
    """``P`` where computed directly, ``Q`` where computed directly, and which is which."""
    a, x = xp.broadcast_arrays(a, x)
    with quiet(xp):
        valid = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
        a1, x1 = xp.where(valid, a, 1.0), xp.where(valid, x, 1.0)
        fraction, small = _regions(xp, a1, x1)
        p_series = _series_p(xp, xp.where(fraction | small, 1.0, a1),
                             xp.where(fraction | small, 0.5, x1))
        q_frac = _fraction_q(xp, xp.where(fraction, a1, 1.0), xp.where(fraction, x1, 2.0))
        q_small = _series_q_small_a(xp, xp.where(small, a1, 1.0), xp.where(small, x1, 0.5))
        q = xp.where(fraction, q_frac, q_small)
        return p_series, q, fraction | small


def gammainc_array(xp: Any, a: Any, x: Any) -> Any:
    """``P(a, x)`` of float64 arrays (broadcast)."""
    p, q, is_q = _both(xp, a, x)
    with quiet(xp):
        return _edges(xp, a, x, True, xp.where(is_q, 1.0 - q, p))


def gammaincc_array(xp: Any, a: Any, x: Any) -> Any:
    """``Q(a, x)`` of float64 arrays (broadcast)."""
    p, q, is_q = _both(xp, a, x)
    with quiet(xp):
        return _edges(xp, a, x, False, xp.where(is_q, q, 1.0 - p))
