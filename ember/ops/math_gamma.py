"""The gamma family: ``lgamma``, ``digamma`` and ``polygamma``, computed with the array
namespace alone (no SciPy), in float64, then rounded to the input's dtype. Re-exported by
``math.py``.

* ``lgamma``: Stirling's series for ``x >= 10`` with the recurrence
  ``lgamma(x) = lgamma(x + k) - log(x (x+1) ... (x+k-1))`` below it; the Taylor series of
  ``lgamma(1 + e)`` (zeta values) within 1/4 of 1 and 2, where lgamma is 0 and the recurrence
  would cancel; the reflection ``lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)`` for
  ``x < 0``.
* ``digamma``: the recurrence ``psi(x) = psi(x + 1) - 1 / x`` up to 10, then the asymptotic
  series (Bernoulli numbers); ``psi(x) = psi(1 - x) - pi / tan(pi x)`` for ``x < 0``.
* ``polygamma(n, x)``: the same for the n-th derivative, reflected through the n-th
  derivative of ``pi cot(pi x)``.

Each one's derivative is the next (``polygamma(n + 1)``), so gradients of any order exist.
Against PyTorch in float64, over [-20, 60] (tests/test_gamma.py): lgamma and digamma agree
to about 1e-14 relative away from their zeros; PyTorch's own trigamma (``polygamma(1)``, the
gradient of digamma) is accurate only to about 5e-10.

>>> import ember
>>> [round(v, 12) for v in ember.lgamma(ember.tensor([0.5, 1.0, 4.0],
...                                                   dtype=ember.float64)).tolist()]
[0.572364942925, 0.0, 1.791759469228]
>>> round(ember.digamma(ember.tensor([1.0], dtype=ember.float64)).item(), 12)  # -Euler
-0.577215664902
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from ..tensor import Tensor
from ._reduce import quiet
from .elementwise import float_input, unary_op

_EULER = 0.57721566490153286061  # the Euler-Mascheroni constant
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG_PI = math.log(math.pi)
_SHIFT = 10.0  # the recurrences move x to at least this before the asymptotic series


def _bernoulli(count: int) -> list[Fraction]:
    """B_2, B_4, ..., B_2count, exactly (the Akiyama-Tanigawa algorithm)."""
    out, a = [], []
    for m in range(2 * count + 1):
        a.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            out.append(a[0])
    return out


_B2K = _bernoulli(10)


def _zeta(s: int) -> float:
    """Riemann zeta at an integer ``s >= 2``: 20 terms plus the Euler-Maclaurin tail."""
    n = 20
    terms = [float(k) ** -s for k in range(1, n)]
    terms += [n ** (1.0 - s) / (s - 1), 0.5 * n ** -float(s)]
    rising = float(s)  # s (s+1) ... (s + 2j - 2)
    for j, b in enumerate(_B2K[:6], start=1):
        terms.append(float(b) / math.factorial(2 * j) * rising * n ** (-s - 2.0 * j + 1))
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return math.fsum(terms)


# lgamma(1 + e) = -Euler e + sum_{k >= 2} (-1)^k zeta(k) / k e^k, for |e| <= 1/4.
_LGAMMA1 = [0.0, -_EULER] + [(-1) ** k * _zeta(k) / k for k in range(2, 28)]
# Stirling: lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2) = sum B_2k / (2k (2k-1) z^(2k-1))
_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_B2K[:8], start=1)]
# digamma: psi(z) - (log z - 1 / (2z)) = -sum B_2k / (2k z^2k)
_DIGAMMA = [float(b / (2 * k)) for k, b in enumerate(_B2K[:8], start=1)]


def _horner(coefficients, z):
    """``sum c[k] z^k``, highest power first."""
    out = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = out * z + c
    return out


def _log_sin_pi_abs(xp, x):
    """``log |sin(pi x)|`` from the distance of ``x`` to the nearest even integer (exact
    arithmetic before the sine, so accurate near every integer); ``log(pi t)`` for tiny
    ``t``, where ``pi * t`` would be subnormal."""
    s = xp.abs(x - 2.0 * xp.round(0.5 * x))  # in [0, 1]
    t = xp.minimum(s, 1.0 - s)  # in [0, 1/2], sin(pi t) = |sin(pi x)|
    return xp.where(t < 1e-8, _LOG_PI + xp.log(t), xp.log(xp.sin(math.pi * t)))


def lgamma_array(xp, x):
    """``log |Gamma(x)|`` of a float64 array (inf at 0 and the negative integers)."""
    with quiet(xp):
        reflect = x < 0
        y = xp.where(reflect, 1.0 - x, x)  # >= 0 (and >= 1 where reflected)
        # the recurrence up to _SHIFT, then Stirling
        z, prod = y.copy(), xp.ones_like(y)
        for _ in range(int(_SHIFT)):
            low = z < _SHIFT
            prod = xp.where(low, prod * z, prod)
            z = xp.where(low, z + 1.0, z)
        inv = 1.0 / z
        out = ((z - 0.5) * (xp.log(z) - 1.0) + (_HALF_LOG_2PI - 0.5)
               + inv * _horner(_STIRLING, inv * inv)) - xp.log(prod)
        # within 1/4 of 1 and 2: the Taylor series (lgamma(2 + e) = log1p(e) + lgamma(1 + e))
        e1, e2 = y - 1.0, y - 2.0
        out = xp.where(xp.abs(e1) <= 0.25, _horner(_LGAMMA1, e1), out)
        out = xp.where(xp.abs(e2) <= 0.25, xp.log1p(e2) + _horner(_LGAMMA1, e2), out)
        # log(pi) - log|sin|, not log(pi / |sin|): pi / sin(pi x) overflows for tiny x
        out = xp.where(reflect, (_LOG_PI - _log_sin_pi_abs(xp, x)) - out, out)
        return xp.where(xp.isinf(x), xp.inf, out)  # lgamma(-inf) = inf too, as C's


def digamma_array(xp, x):
    """``psi(x)``, the logarithmic derivative of Gamma, of a float64 array (-inf at +0,
    +inf at -0, NaN at the negative integers)."""
    with quiet(xp):
        reflect = x < 0
        y = xp.where(reflect, 1.0 - x, x)
        acc = xp.zeros_like(y)
        for _ in range(int(_SHIFT)):
            low = y < _SHIFT
            acc = xp.where(low, acc - 1.0 / y, acc)
            y = xp.where(low, y + 1.0, y)
        inv2 = 1.0 / (y * y)
        out = acc + xp.log(y) - 0.5 / y - inv2 * _horner(_DIGAMMA, inv2)
        out = xp.where(xp.isinf(y), xp.inf, out)
        fraction = x - xp.trunc(x)
        out = xp.where(reflect, out - math.pi / xp.tan(math.pi * fraction), out)
        out = xp.where(reflect & (fraction == 0), xp.nan, out)  # negative integers
        return xp.where(x == 0, xp.copysign(xp.inf, -x), out)


@functools.cache
def _cot_derivative(n: int) -> list[int]:
    """Coefficients (lowest power first) of ``P_n`` with ``d^n/dx^n cot(x) = P_n(cot x)``:
    ``P_0(c) = c``, ``P_{k+1}(c) = -(1 + c^2) P_k'(c)``."""
    p = [0, 1]
    for _ in range(n):
        d = [k * p[k] for k in range(1, len(p))] or [0]
        q = [0] * (len(d) + 2)
        for k, c in enumerate(d):
            q[k] -= c
            q[k + 2] -= c
        p = q
    return p


@functools.cache
def _polygamma_series(n: int) -> list[float]:
    return [float(b * math.factorial(2 * k + n - 1) / math.factorial(2 * k))
            for k, b in enumerate(_B2K, start=1)]


def polygamma_array(xp, n: int, x):
    """``psi^(n)(x)``, the n-th derivative of digamma (``n >= 1``), of a float64 array."""
    if n == 0:
        return digamma_array(xp, x)
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
    with quiet(xp):
        reflect = x < 0
        y = xp.where(reflect, 1.0 - x, x)
        # psi^(n)(x) = psi^(n)(x + 1) + (-1)^(n+1) n! / x^(n+1)
        acc = xp.zeros_like(y)
        shift = _SHIFT + n
        for _ in range(int(shift)):
            low = y < shift
            acc = xp.where(low, acc + y ** -(n + 1.0), acc)
            y = xp.where(low, y + 1.0, y)
        # (-1)^(n+1) [(n-1)! / y^n + n! / (2 y^(n+1)) + sum B_2k (2k+n-1)! / (2k)! / y^(2k+n)]
        inv, inv2 = 1.0 / y, 1.0 / (y * y)
        tail = inv2 * _horner(_polygamma_series(n), inv2) * inv ** n
        out = sign * (math.factorial(n - 1) * inv ** n + 0.5 * math.factorial(n) * inv ** (n + 1)
                      + tail + math.factorial(n) * acc)
        # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))
        r = x - xp.round(x)
        cot = 1.0 / xp.tan(math.pi * r)
        reflected = -sign * out - math.pi ** (n + 1) * _horner(_cot_derivative(n), cot)
        return xp.where(reflect, reflected, out)


def _in_float64(fn):
    def forward(ctx, x, **attrs):
        return fn(ctx.xp, x.astype("float64"), **attrs).astype(x.dtype, copy=False)

    return forward


_lgamma = unary_op("lgamma", _in_float64(lgamma_array), lambda g, x, y: g * digamma(x),
                   save_x=True)
_digamma = unary_op("digamma", _in_float64(digamma_array),
                    lambda g, x, y: g * _polygamma(x, n=1), save_x=True)
_polygamma = unary_op("polygamma",
                      _in_float64(lambda xp, x, *, n: polygamma_array(xp, n, x)),
                      lambda g, x, y, *, n: g * _polygamma(x, n=n + 1), save_x=True)


def lgamma(input: Tensor) -> Tensor:
    """``log |Gamma(input)|`` (inf at 0 and the negative integers); its gradient is
    :func:`digamma`.

    >>> import ember
    >>> ember.lgamma(ember.tensor([3.0])).tolist()
    [0.6931471824645996]
    """
    return _lgamma(float_input("lgamma", input))


def digamma(input: Tensor) -> Tensor:
    """``psi(input)``, the derivative of :func:`lgamma`; its gradient is ``polygamma(1, x)``.

    >>> import ember
    >>> round(ember.digamma(ember.tensor([2.0])).item(), 6)
    0.422784
    """
    return _digamma(float_input("digamma", input))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of :func:`digamma` (``n = 0`` is digamma itself).

    >>> import ember
    >>> round(ember.polygamma(1, ember.tensor([1.0])).item(), 6)  # pi^2 / 6
    1.644934
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma: n must be non-negative, got {n}")
    x = float_input("polygamma", input)
    return _digamma(x) if n == 0 else _polygamma(x, n=n)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


__all__ = ["lgamma", "digamma", "polygamma"]
