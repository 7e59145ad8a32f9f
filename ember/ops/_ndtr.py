"""The normal distribution's tails on backend arrays, in float64 and without SciPy:
``erfcx`` (the scaled complementary error function), ``ndtr``, ``log_ndtr`` and ``ndtri``.

* ``erfcx(x) = exp(x^2) erfc(x)`` for ``x >= 0`` as ``t exp(f(t))`` with ``t = 2 / (2 + x)``
  and ``f`` a Chebyshev series on ``t`` in ``[0, 1]`` (the form of Numerical Recipes' erfc;
  the coefficients are the expansion of ``log(erfcx(x) / t)``, computed to 50 digits with
  mpmath and cut below 1e-19); ``2 exp(x^2) - erfcx(-x)`` for ``x < 0``.
* The tail ``Q(a) = ndtr(-a)`` of ``a >= 0``: ``erfcx(a / sqrt 2) exp(-a^2 / 2) / 2`` beyond 1,
  with ``a^2`` split so that the large exponent is exact; ``1/2 - erf(a / sqrt 2) / 2`` by
  the Taylor series of erf below. Relative accuracy holds far into the tails, where the
  textbook ``erfc(-x / sqrt 2) / 2`` loses digits to the rounding of ``x / sqrt 2``.
* ``ndtri``: a first guess (Abramowitz and Stegun 26.2.23, within 4.5e-4) refined by Newton
  steps on ``log Q(a) = log q`` in the tails and on ``erf(a / sqrt 2) / 2 = 1/2 - q`` near
  the median, so both the tiny probabilities and those near 1/2 keep relative accuracy.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from ._bessel import _chebyshev

ERFCX_CHEB = (
    -1.3026537197817094, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632,
    -0.0009465953444820369, 0.00036683949785276145, 4.252332480690777e-05,
    -2.0278578112534242e-05, -1.6242900046470256e-06, 1.3036558355805232e-06,
    1.5626441722066142e-08, -8.523809591492654e-08, 6.5290544390988515e-09,
    5.059343495551469e-09, -9.91364156493033e-10, -2.273651222931836e-10,
    9.646791102015527e-11, 2.3940380830391146e-12, -6.886027526497553e-12,
    8.944879273090725e-13, 3.130921399342958e-13, -1.1270822361367252e-13,
    3.810905255189232e-16, 7.106097613609237e-15, -1.5230282014571043e-15,
    -9.457494571291233e-17, 1.210237189224279e-16, -2.816663087747177e-17,
    5.003005559445902e-20, 2.3281042579529253e-18, -8.446077682509006e-19,
    7.376840893227907e-20, 5.969608022607842e-20, -2.7923313339388495e-20,
)

_SQRT_HALF = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)


def quiet(xp: Any) -> Any:
    """Silence NumPy's floating-point warnings: overflow to inf and 0 * inf are meant."""
    errstate = getattr(xp, "errstate", None)
    return contextlib.nullcontext() if errstate is None else errstate(all="ignore")


def _erfcx_positive(xp: Any, x: Any) -> Any:
    """``erfcx(x)`` for ``x >= 0`` (0 at inf)."""
    t = 2.0 / (2.0 + x)
    return t * xp.exp(_chebyshev(xp, 4.0 * t - 2.0, ERFCX_CHEB))


def _exp_neg_half_square(xp: Any, x: Any) -> Any:
    """``exp(-x^2 / 2)`` with ``x = m + f``, ``m`` a multiple of 1/128: ``m^2 / 2`` is exact,
    so the rounding of ``x^2`` (relative 1e-16, absolute 1e-13 at ``x = 38``) does not
    reach the exponent (Cephes' ``expx2``)."""
    x = xp.minimum(x, 1e3)  # the result is 0 long before; keeps inf - inf out of f
    m = xp.round(x * 128.0) / 128.0
    f = x - m
    return xp.exp(-0.5 * (m * m)) * xp.exp(-(m * f + 0.5 * (f * f)))


def _erf_taylor(xp: Any, z: Any) -> Any:
    """``erf(z)`` for ``|z| <= 1`` by its Taylor series (relative accuracy near 0)."""
    z2 = z * z
    term, total = z, z
    for n in range(1, 22):  # 1 / (21! 43) < 1e-21
        term = term * (-z2 / n)
        total = total + term / (2 * n + 1)
    return _TWO_OVER_SQRT_PI * total


def erfcx_array(xp: Any, x: Any) -> Any:
    """``exp(x^2) erfc(x)`` of a float64 array (inf below about -26.6, 0 at inf)."""
    with quiet(xp):
        pos = _erfcx_positive(xp, xp.abs(x))
        # 2 exp(x^2) with the square split as in _exp_neg_half_square
        m = xp.round(xp.maximum(x, -1e3) * 128.0) / 128.0  # -1e3: past the overflow
        f = xp.maximum(x, -1e3) - m
        twice = 2.0 * xp.exp(m * m) * xp.exp(f * (2.0 * m + f))
        return xp.where(x < 0, twice - pos, pos)


def upper_tail_array(xp: Any, a: Any) -> Any:
    """``Q(a) = P(N > a) = ndtr(-a)`` for ``a >= 0`` (a float64 array)."""
    with quiet(xp):
        near = a < 1.0
        z = xp.where(near, a, 0.0) * _SQRT_HALF
        central = 0.5 - 0.5 * _erf_taylor(xp, z)
        far = xp.where(near, 1.0, a)
        tail = 0.5 * _erfcx_positive(xp, far * _SQRT_HALF) * _exp_neg_half_square(xp, far)
        return xp.where(near, central, tail)


def ndtr_array(xp: Any, x: Any) -> Any:
    """The standard normal CDF of a float64 array."""
    q = upper_tail_array(xp, xp.abs(x))
    return xp.where(x < 0, q, 1.0 - q)


def log_ndtr_array(xp: Any, x: Any) -> Any:
    """``log(ndtr(x))`` of a float64 array, finite far below where ``ndtr`` underflows."""
    with quiet(xp):
        low = x < -1.0
        far = xp.where(low, x, -1.0)
        # log Q(-x) = log(erfcx(-x / sqrt 2) / 2) - x^2 / 2, with no exp to underflow
        tail = xp.log(0.5 * _erfcx_positive(xp, -far * _SQRT_HALF)) - 0.5 * (far * far)
        q = upper_tail_array(xp, xp.where(low, 0.0, xp.abs(x)))
        near = xp.where(x < 0, xp.log(q), xp.log1p(-q))
        return xp.where(low, tail, near)


def _log_upper_tail(xp: Any, a: Any) -> Any:
    """``log Q(a)`` for ``a >= 0``."""
    return log_ndtr_array(xp, -a)


def ndtri_array(xp: Any, p: Any) -> Any:
    """The standard normal quantile of a float64 array (-inf at 0, inf at 1, NaN outside
    ``[0, 1]``)."""
    with quiet(xp):
        q = xp.minimum(p, 1.0 - p)  # exact for p >= 1/2 (Sterbenz)
        inside = (q > 0) & (q <= 0.5)
        q = xp.where(inside, q, 0.25)
        # A&S 26.2.23: a = t - (c0 + c1 t + c2 t^2) / (1 + d1 t + d2 t^2 + d3 t^3)
        t = xp.sqrt(-2.0 * xp.log(q))
        a = t - ((0.010328 * t + 0.802853) * t + 2.515517) / (
            ((0.001308 * t + 0.189269) * t + 1.432788) * t + 1.0)
        a = xp.maximum(a, 0.0)
        central = q >= 0.25
        half_gap = xp.abs(xp.where(central, p, 0.25) - 0.5)  # 1/2 - q, exact on [1/4, 3/4]
        log_q = xp.log(q)
        for _ in range(4):
            # near the median: Newton on erf(a / sqrt 2) / 2 - (1/2 - q), whose derivative
            # is the density; in the tails on log Q(a) - log q, whose derivative is
            # -density / Q and Q / density = sqrt(pi / 2) erfcx(a / sqrt 2)
            density = math.sqrt(0.5 / math.pi) * _exp_neg_half_square(xp, a)
            step_c = (0.5 * _erf_taylor(xp, xp.minimum(a, 1.0) * _SQRT_HALF) - half_gap) / density
            ratio = _SQRT_HALF_PI * _erfcx_positive(xp, a * _SQRT_HALF)
            step_t = (_log_upper_tail(xp, a) - log_q) * ratio
            a = xp.where(central, a - step_c, a + step_t)
        out = xp.where(p < 0.5, -a, a)
        out = xp.where(p == 0, -xp.inf, xp.where(p == 1, xp.inf, out))
        out = xp.where(p == 0.5, 0.0, out)
        return xp.where(inside | (p == 0) | (p == 1), out, xp.nan)
