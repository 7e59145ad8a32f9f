"""Records for ember.nn.functional's activations (ember/nn/functional/activation*.py)."""

import torch
import torch.nn.functional as TF

import ember.nn.functional as F

from .core import B, ErrorInput, OpRecord, Sample, T

_BASIC = [Sample((T((3, 4)),)), Sample((T(()),), name="0d"), Sample((T((0, 2)),), name="empty")]


def _rec(name, samples=None, second_order=True, efn=None, tfn=None, **kw):
    return OpRecord(f"nn.functional.{name}", efn or getattr(F, name), tfn or getattr(TF, name),
                    samples or _BASIC, second_order=second_order, **kw)


def _wide(shape=(3, 4)):
    """Inputs spread over several units, to reach every piece of piecewise activations."""
    return T(shape, low=-8.0, high=8.0)


def _dim_samples():
    return [Sample((T((3, 4)), 1)), Sample((T((2, 3, 4)), 0), name="dim0"),
            Sample((T((2, 3, 4)), -1), name="dim-1"), Sample((T(()), 0), name="0d"),
            Sample((T((0, 3)), 1), name="empty"),
            Sample((T((2, 3), low=-30.0, high=30.0), 1), name="large")]


_SOFTMAX_ERRORS = [
    ErrorInput((T((2, 3)), 2), {}, IndexError, r"softmax: dimension out of range"),
    ErrorInput((B((2, 3)), 1), {}, RuntimeError, r"softmax: expected a floating-point input"),
]

RECORDS = [
    _rec("softmax", _dim_samples(), jvp=True, errors=_SOFTMAX_ERRORS),
    _rec("log_softmax", _dim_samples(), jvp=True, errors=[
        ErrorInput((T((2, 3)), -3), {}, IndexError, r"log_softmax: dimension out of range")]),
    _rec("softmin", _dim_samples()[:3]),
    _rec("softmax", [Sample((T((3, 4)), 1), {"dtype": None})], variant="dtype_arg",
         efn=lambda x, d, dtype: F.softmax(x, d, dtype=__import__("ember").float64),
         tfn=lambda x, d, dtype: TF.softmax(x, d, dtype=torch.float64)),
    _rec("softmax", [Sample((T((3, 4)), 1))], variant="half", dtypes=("float16",)),
    _rec("relu", second_order=False),
    _rec("relu6", [Sample((_wide(),)), Sample((T(()),), name="0d")], second_order=False),
    _rec("hardtanh", [Sample((_wide(),)), Sample((_wide(), -2.0, 3.0), name="bounds")],
         second_order=False, errors=[
             ErrorInput((T((2,)), 2.0, 1.0), {}, ValueError, r"hardtanh: min_val \(2.0\)")]),
    # PyTorch's hardsigmoid backward multiplies by the float32 constant 1.0f / 6 even in
    # float64, so its gradient is off by ~3e-8 relative; ember's uses the float64 1/6.
    _rec("hardsigmoid", [Sample((_wide(),))], second_order=False,
         f64_tol=(1e-10, 1e-9, 1e-9, 1e-7)),
    _rec("hardswish", [Sample((_wide(),))], second_order=True),
    _rec("leaky_relu", [Sample((T((3, 4)),)), Sample((T((3, 4)), 0.2), name="slope")],
         second_order=False),
    _rec("elu", [Sample((T((3, 4)),)), Sample((_wide(), 0.5), name="alpha"),
                 Sample((T((2,), low=50.0, high=100.0),), name="large")], second_order=False),
    _rec("selu", [Sample((T((3, 4)),))], second_order=False),
    _rec("celu", [Sample((T((3, 4)),)), Sample((T((3, 4)), 2.0), name="alpha")],
         second_order=False, errors=[
             ErrorInput((T((2,)), 0.0), {}, RuntimeError, r"celu: .*alpha")]),
    _rec("gelu", [Sample((_wide(),)), Sample((_wide(),), {"approximate": "tanh"}, name="tanh")],
         errors=[ErrorInput((T((2,)),), {"approximate": "x"}, ValueError, r"gelu: approximate")]),
    _rec("silu"),
    _rec("mish", [Sample((_wide(),))]),
    _rec("softplus", [Sample((_wide(),)), Sample((_wide(), 2.0, 5.0), name="beta")]),
    _rec("softsign"),
    _rec("tanhshrink"),
    _rec("logsigmoid", [Sample((_wide(),)), Sample((T((3,), low=-200, high=200),), name="big")]),
    _rec("softshrink", [Sample((T((3, 4)),)), Sample((T((3, 4)), 1.0), name="lambd")],
         second_order=False, errors=[
             ErrorInput((T((2,)), -1.0), {}, RuntimeError, r"softshrink: lambda")]),
    _rec("hardshrink", [Sample((T((3, 4)),)), Sample((T((3, 4)), 1.0), name="lambd")],
         second_order=False),
    _rec("threshold", [Sample((T((3, 4)), 0.5, -2.0))], second_order=False),
    _rec("prelu", [Sample((T((2, 3, 4)), T((3,)))), Sample((T((2, 3)), T((1,))), name="one"),
                   Sample((T((3,)), T((1,))), name="1d")], second_order=False, errors=[
        ErrorInput((T((2, 3)), T((2,))), {}, RuntimeError,
                   r"prelu: mismatch in parameter count.*2 entries.*\(2, 3\).*3 channels")]),
    _rec("rrelu", [Sample((T((3, 4)),)), Sample((T((3, 4)), 0.1, 0.3), name="bounds")],
         second_order=False),
    _rec("glu", [Sample((T((3, 4)),)), Sample((T((4, 3)), 0), name="dim0")], errors=[
        ErrorInput((T((3, 5)),), {}, RuntimeError, r"glu: halving dimension must be even.*5")]),
    _rec("sigmoid", jvp=True),
    _rec("tanh", jvp=True),
]

# In-place variants, run on a clone so the input stays a leaf.
for _name in ("relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "rrelu_"):
    RECORDS.append(OpRecord(
        f"nn.functional.{_name}", (lambda n: lambda x: getattr(F, n)(x.clone()))(_name),
        (lambda n: lambda x: getattr(TF, n)(x.clone()))(_name), [Sample((T((3, 4)),))]))
for _name in ("relu", "elu", "leaky_relu", "hardtanh", "relu6", "silu", "mish", "hardswish",
              "hardsigmoid", "selu", "celu"):
    RECORDS.append(OpRecord(
        f"nn.functional.{_name}", (lambda n: lambda x: getattr(F, n)(x.clone(), inplace=True))(
            _name), (lambda n: lambda x: getattr(TF, n)(x.clone(), inplace=True))(_name),
        [Sample((T((3, 4)),))], variant="inplace", f64_tol=(1e-10, 1e-9, 1e-9, 1e-7)))
RECORDS.append(OpRecord(
    "nn.functional.threshold_", lambda x: F.threshold_(x.clone(), 0.1, 2.0),
    lambda x: TF.threshold_(x.clone(), 0.1, 2.0), [Sample((T((3, 4)),))]))
