"""Records for max, min, amax, amin, argmax, argmin (ember/ops/reduction_minmax.py).

Tie samples round the input to integers in place (outside the graph, the same values for
ember and torch), so several elements share the extreme: PyTorch splits the gradient of
max()/amax evenly among them and gives max(dim)'s gradient to the first index. Ties are
points where the op is not differentiable, so those records skip finite differences."""

import numpy as np
import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def tied(x):
    """Round ``x`` in place to integers in [-2, 2]: many ties."""
    arr = x.detach().numpy()
    arr[...] = np.round(arr)
    return x


def _with_ties(fn):
    return lambda x, *args, **kw: fn(tied(x), *args, **kw)


FULL = [Sample((T((3, 4)),), name="all"), Sample((T((2, 3, 4)),), name="3d"),
        Sample((T(()),), name="0d")]
BY_DIM = [
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": -2, "keepdim": True}, name="neg-keep"),
    Sample((T((2, 3, 4)),), {"dim": 0}, name="dim0"),
    Sample((T(()),), {"dim": 0}, name="0d-dim"),
    Sample((T(()),), {"dim": -1, "keepdim": True}, name="0d-keep"),
    Sample((T((0, 3)),), {"dim": 1}, name="empty"),
]
AMAX = [
    Sample((T((3, 4)),), name="all"),
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": (0, -1), "keepdim": True}, name="dims-keep"),
    Sample((T((2, 3, 4)),), {"dim": -2}, name="neg"),
    Sample((T(()),), name="0d"),
    Sample((T((0, 3)),), {"dim": 1}, name="empty"),
    Sample((T((3, 4)),), {"axis": 0, "keepdims": True}, name="axis-keepdims"),
]
TIES_FULL = [Sample((T((3, 4)),), name="ties"), Sample((T((2, 2, 3)),), name="ties-3d")]
TIES_DIM = [Sample((T((3, 5)),), {"dim": 1}, name="ties"),
            Sample((T((4, 3)),), {"dim": 0, "keepdim": True}, name="ties-keep")]
INT = [Sample((I((3, 4), 4),), name="int-all"), Sample((I((3, 4), 4),), {"dim": 1}, name="int-dim")]
BINARY = [Sample((T((3, 4)), T((3, 4))), name="same"), Sample((T((3, 1)), T((4,))), name="bcast")]


def _records(name, ember_fn, torch_fn, arg_ember, arg_torch, amax_e, amax_t, am_name):
    empty = ErrorInput((T((0, 3)),), {}, RuntimeError,
                       f"{name}: expected reduction dim to be specified for an input with no "
                       r"elements \(shape \(0, 3\)\)")
    return [
        OpRecord(name, ember_fn, torch_fn, FULL + BY_DIM, jvp=True,
                 errors=[empty,
                         ErrorInput((T((2, 3)),), {"dim": 2}, IndexError,
                                    f"{name}: dimension out of range"),
                         ErrorInput((T((0, 3)),), {"dim": 0}, IndexError,
                                    rf"{name}: expected reduction dim 0 to have non-zero size, "
                                    r"got input of shape \(0, 3\)")]),
        OpRecord(name, _with_ties(ember_fn), _with_ties(torch_fn), TIES_FULL + TIES_DIM,
                 fd=False, variant="ties"),
        OpRecord(name, ember_fn, torch_fn, INT, dtypes=("float32",), grad=False,
                 variant="int"),
        OpRecord(name, ember_fn, torch_fn, BINARY, jvp=True, variant="binary"),
        OpRecord(am_name, amax_e, amax_t, AMAX, jvp=True,
                 errors=[ErrorInput((T((0, 3)),), {}, RuntimeError, f"{am_name}: expected "
                                    "reduction dim to be specified"),
                         ErrorInput((T((2, 3)),), {"dim": (0, 0)}, RuntimeError,
                                    f"{am_name}: dim \\(0, 0\\) appears multiple times")]),
        OpRecord(am_name, _with_ties(amax_e), _with_ties(amax_t), TIES_FULL + TIES_DIM,
                 fd=False, variant="ties"),
        OpRecord("arg" + name, arg_ember, arg_torch,
                 [Sample((T((3, 4)),), name="all"), Sample((T((3, 4)),), {"keepdim": True},
                                                           name="all-keep"),
                  Sample((T((2, 3, 4)),), {"dim": -1}, name="dim"),
                  Sample((T((2, 3, 4)),), {"dim": 1, "keepdim": True}, name="dim-keep"),
                  Sample((T(()),), name="0d"), Sample((T(()),), {"dim": 0}, name="0d-dim"),
                  Sample((T((0, 3)),), {"dim": 1}, name="empty"),
                  Sample((I((3, 4)),), {"dim": 0}, name="int")],
                 dtypes=("float32",), grad=False,
                 errors=[ErrorInput((T((0, 3)),), {}, RuntimeError, f"arg{name}: expected "
                                    "reduction dim to be specified"),
                         ErrorInput((T((2, 3)),), {"dim": (0, 1)}, TypeError,
                                    f"arg{name}: dim must be an int, got tuple")]),
        # PyTorch documents the first index among ties for argmax/argmin.
        OpRecord("arg" + name, _with_ties(arg_ember), _with_ties(arg_torch),
                 TIES_FULL + TIES_DIM, dtypes=("float32",), grad=False, variant="ties"),
    ]


RECORDS = [
    # The binary form by PyTorch's keyword: max(input, other=t).
    OpRecord(name, lambda a, b, fn=fn, **kw: fn(a, other=b, **kw),
             lambda a, b, fn=tfn, **kw: fn(a, other=b, **kw), BINARY, variant="other-keyword",
             errors=[ErrorInput((T((3,)), T((3,))), {"dim": 0}, TypeError,
                                f"{name}: got both dim=0 and other=")])
    for name, fn, tfn in (("max", ember.max, torch.max), ("min", ember.min, torch.min))
] + (
    _records("max", ember.max, torch.max, ember.argmax, torch.argmax, ember.amax, torch.amax,
             "amax")
    + _records("min", ember.min, torch.min, ember.argmin, torch.argmin, ember.amin,
               torch.amin, "amin")
)
