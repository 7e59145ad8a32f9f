"""Records for the composite ops PyTorch code often reaches for (ember/ops/composite.py)."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _rec(name, samples, errors=(), variant="", ember_fn=None, torch_fn=None, **kw):
    return OpRecord(name, ember_fn or getattr(ember, name), torch_fn or getattr(torch, name),
                    samples, second_order=True, jvp=True, errors=list(errors), variant=variant,
                    **kw)


def _grids(lib, indexing):
    return lambda *ts: lib.meshgrid(*ts, indexing=indexing)


RECORDS = [
    _rec("meshgrid", [Sample((T((3,)), T((2,)))), Sample((T((2,)), T(()), T((4,))), name="3"),
                      Sample((T((3,)),), name="one"), Sample((T((0,)), T((2,))), name="empty")],
         [ErrorInput((T((2, 2)), T((2,))), {}, RuntimeError,
                     r"meshgrid: expected 0-D or 1-D tensors, got 2-D at 0")],
         ember_fn=_grids(ember, "ij"), torch_fn=_grids(torch, "ij")),
    _rec("meshgrid", [Sample((T((3,)), T((2,)))), Sample((T((2,)), T((3,)), T((4,))), name="3")],
         variant="xy", ember_fn=_grids(ember, "xy"), torch_fn=_grids(torch, "xy")),
    _rec("addcmul", [Sample((T((2, 3)), T((2, 3)), T((3,))), {"value": 0.5}),
                     Sample((T(()), T((2,)), T((2, 1))), name="broadcast"),
                     Sample((T((0, 3)), T((0, 3)), T((3,))), name="empty")],
         [ErrorInput((T((2, 3)), T((4,)), T((3,))), {}, RuntimeError, r"broadcast")]),
    _rec("addcdiv", [Sample((T((2, 3)), T((2, 3)), T((3,), low=0.5, high=2.0)),
                            {"value": -2.0}),
                     Sample((T(()), T((2,)), T((2, 1), low=0.5, high=2.0)), name="broadcast")]),
    _rec("diff", [Sample((T((3, 5)),)), Sample((T((3, 5)), 2, 0), name="n2-dim0"),
                  Sample((T((3, 5)), 1, -1, T((3, 2)), T((3, 1))), name="pre-append"),
                  Sample((T((4,)), 5), name="past-length"), Sample((T((2, 0)),), name="empty")],
         [ErrorInput((T(()),), {}, RuntimeError, r"diff: expects input to be at least one"),
          ErrorInput((T((3,)), -1), {}, RuntimeError, r"diff: order must be non-negative")]),
    _rec("trace", [Sample((T((3, 3)),)), Sample((T((2, 4)),), name="wide"),
                   Sample((T((0, 2)),), name="empty")],
         [ErrorInput((T((3,)),), {}, RuntimeError, r"trace: expected a matrix")]),
]
