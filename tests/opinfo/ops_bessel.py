"""Records for the modified Bessel functions ``i0`` (and ``i0_``) and ``ember.special``'s
``i0e``, ``i1``, ``i1e``, on both sides of the series/asymptotic switch at |x| = 30."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

SAMPLES = [Sample((T((3, 4), -5, 5),)), Sample((T((6,), -45, 45),), name="wide"),
           Sample((T((), 28, 32),), name="0d-switch"), Sample((T((0, 3)),), name="empty")]
# integers give float32, where PyTorch's float32 kernels are within a few ulp of the value
INT = [Sample((I((5,), 6, -6),))]
# values reach ~1e18 on the wide sample: compare relative to them
TOL = dict(atol=1e-6, rtol=2e-6, grad_atol=1e-6, grad_rtol=2e-6,
           f64_tol=(1e-12, 1e-12, 1e-12, 1e-11))
NOT_TENSOR = [ErrorInput(([1.0],), {}, TypeError, r"expected a Tensor as input, got list")]


def _ip(x):
    y = x.clone()
    assert y.i0_() is y
    return y


RECORDS = [
    OpRecord("i0", ember.i0, torch.i0, SAMPLES, second_order=True, jvp=True, errors=NOT_TENSOR,
             **TOL),
    OpRecord("i0_", _ip, _ip, SAMPLES[:2], second_order=True, **TOL,
             errors=[ErrorInput((I((3,)),), {}, RuntimeError,
                                r"i0_: result type float32 can't be cast to the desired output "
                                r"type int64")]),
    OpRecord("special.i0e", ember.special.i0e, torch.special.i0e, SAMPLES, second_order=True,
             jvp=True, errors=NOT_TENSOR, **TOL),
    OpRecord("special.i1", ember.special.i1, torch.special.i1, SAMPLES, second_order=True,
             jvp=True, errors=NOT_TENSOR, **TOL),
    OpRecord("special.i1e", ember.special.i1e, torch.special.i1e, SAMPLES, second_order=True,
             jvp=True, errors=NOT_TENSOR, **TOL),
    *[OpRecord(name, fn, want, INT, dtypes=("float32",), grad=False, variant="int", **TOL)
      for name, fn, want in [("i0", ember.i0, torch.i0),
                             ("special.i0e", ember.special.i0e, torch.special.i0e),
                             ("special.i1", ember.special.i1, torch.special.i1),
                             ("special.i1e", ember.special.i1e, torch.special.i1e)]],
]
