"""Records for ``ember.special``'s ndtr, ndtri, log_ndtr, erfcx, entr, xlog1py,
multigammaln and gammainc/gammaincc, and the top-level/Tensor forms igamma, igammac and
mvlgamma.

The ranges keep to where PyTorch's own values are accurate: its float64 ``ndtr`` is
``(1 + erf(x / sqrt 2)) / 2``, which loses relative accuracy below about -5 (0 at -10), so the
far tails are compared with mpmath in tests/test_special_more.py instead. ``gammainc``'s
``input`` (the shape ``a``) has no gradient in PyTorch, so it is not differentiated here.
"""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

S, ES = torch.special, ember.special


def _unary(name, low, high, wide, **kw):
    samples = [Sample((T((3, 4), low, high),)), Sample((T((9,), *wide),), name="wide"),
               Sample((T((), low, high),), name="0d"), Sample((T((0, 3)),), name="empty")]
    errors = [ErrorInput(([0.5],), {}, TypeError, r"expected a Tensor as input, got list")]
    return OpRecord(f"special.{name}", getattr(ES, name), getattr(S, name), samples,
                    second_order=True, jvp=True, errors=errors, **kw)


def _half_error(name):
    return ErrorInput((T((2,), 0.1, 0.9, dtype="float16"),), {}, NotImplementedError,
                      rf'"{name}_cpu" not implemented for float16')


def _gamma_samples():
    a = lambda shape, lo, hi: T(shape, lo, hi, grad=False)  # noqa: E731
    return [Sample((a((3, 4), 0.1, 5), T((3, 4), 0.01, 8))),
            Sample((a((4, 1), 0.5, 3), T((5,), 0.1, 4)), name="broadcast"),
            Sample((a((6,), 40, 60), T((6,), 35, 65)), name="large-a"),
            Sample((a((6,), 1e-3, 0.05), T((6,), 1e-3, 1.1)), name="small-a"),
            Sample((a((), 1, 2), T((), 0.5, 3)), name="0d"),
            Sample((a((0, 3), 1, 2), T((0, 3), 0.5, 3)), name="empty")]


_GAMMA_ERRORS = [
    ErrorInput((I((3,)), I((3,))), {}, NotImplementedError, r'"igamma_cpu" not implemented for '
               r"int64 \(input int64 \(3,\), other int64 \(3,\)\)"),
    ErrorInput((T((3,)), 2.0), {}, TypeError, r"igamma: expected other to be a Tensor, got float"),
]


def _igamma_(a, x):
    y = a.clone()
    assert y.igamma_(x) is y
    return y


def _mvlgamma_(x):
    y = x.clone()
    assert y.mvlgamma_(3) is y
    return y


RECORDS = [
    _unary("ndtr", -3, 3, (-8, 8)),
    OpRecord("special.ndtri", ES.ndtri, S.ndtri,
             [Sample((T((3, 4), 0.02, 0.98),)), Sample((T((9,), 1e-6, 1e-3),), name="tail"),
              Sample((T((), 0.3, 0.7),), name="0d"), Sample((T((0, 3)),), name="empty")],
             second_order=True, jvp=True, errors=[_half_error("ndtri")]),
    OpRecord("special.log_ndtr", ES.log_ndtr, S.log_ndtr,
             [Sample((T((3, 4), -30, 6),)), Sample((T((9,), -60, 10),), name="wide"),
              Sample((T((), -2, 2),), name="0d")],
             second_order=True, jvp=True, errors=[_half_error("log_ndtr")],
             # PyTorch's gradient exp(-(y + x^2/2)) / sqrt(2 pi) cancels for x << 0: y and
             # x^2/2 are near 450 at x = -30, whose float32 ulp (3e-5) is the relative error
             grad_rtol=3e-4),
    OpRecord("special.erfcx", ES.erfcx, S.erfcx,
             [Sample((T((3, 4), -3, 10),)), Sample((T((9,), -8, 200),), name="wide"),
              Sample((T((), -1, 1),), name="0d")],
             second_order=True, jvp=True, errors=[_half_error("erfcx")]),
    OpRecord("special.entr", ES.entr, S.entr,
             [Sample((T((3, 4), 0.05, 3),)), Sample((T((6,), -1, 2, grad=False),), name="signs"),
              Sample((T((), 0.1, 1),), name="0d")],
             second_order=True, jvp=True, fd=True),
    OpRecord("special.entr", ES.entr, S.entr, [Sample((I((6,), 3, -1),))], dtypes=("float32",),
             grad=False, variant="int"),
    OpRecord("special.xlog1py", ES.xlog1py, S.xlog1py,
             [Sample((T((3, 4), -2, 2), T((3, 4), -0.9, 3))),
              Sample((T((4, 1), -2, 2), T((5,), -0.5, 2)), name="broadcast"),
              Sample((T((3,), -2, 2), 0.5), name="scalar-other"),
              Sample((2.0, T((3,), -0.5, 2)), name="scalar-input")],
             second_order=True, jvp=True,
             errors=[ErrorInput((1.0, 2.0), {}, TypeError, r"expected at least one Tensor")]),
    OpRecord("special.multigammaln", ES.multigammaln, S.multigammaln,
             [Sample((T((3, 4), 1.5, 6), 3)), Sample((T((5,), 0.2, 4), 1), name="p1"),
              Sample((T((), 3, 5),), {"p": 4}, name="0d")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2,), 2, 3), 0), {}, RuntimeError,
                                r"mvlgamma: p has to be greater than or equal to 1")]),
    OpRecord("mvlgamma", ember.mvlgamma, torch.mvlgamma, [Sample((T((4,), 2, 5),), {"p": 2})]),
    OpRecord("mvlgamma_", _mvlgamma_, _mvlgamma_, [Sample((T((4,), 2, 5),))]),
    OpRecord("special.gammainc", ES.gammainc, S.gammainc, _gamma_samples(), second_order=True,
             jvp=True, errors=_GAMMA_ERRORS),
    OpRecord("special.gammaincc", ES.gammaincc, S.gammaincc, _gamma_samples(),
             second_order=True, jvp=True),
    OpRecord("igamma", ember.igamma, torch.igamma, _gamma_samples()[:2]),
    OpRecord("igammac", ember.igammac, torch.igammac, _gamma_samples()[:2]),
    OpRecord("igamma_", _igamma_, _igamma_, _gamma_samples()[:1]),
    OpRecord("special.gammainc", ES.gammainc, S.gammainc,
             [Sample((T((3,), 0.5, 3, dtype="float32", grad=False), T((3,), 0.5, 3)))],
             # PyTorch's backward evaluates lgamma(input) in input's float32, so only the
             # values (computed in float64 by both) are compared
             dtypes=("float64",), grad=False, variant="mixed"),
]
