"""Records for gather/scatter, the index_* ops, take and the masked ops (ember/ops/scatter.py,
ember/ops/scatter_reduce.py)."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

# Index tensors without repeats along the scattered dim, for ops where a repeated write has
# no well-defined winner (scatter, index_copy): fixed, built per library.
ROWS = [[2, 0, 1], [0, 3, 2]]  # for dim 0 of a (4, 3) tensor


def _both(make):
    return make(ember), make(torch)


def _rec(name, pair, samples, variant="", **kw):
    kw.setdefault("second_order", True)
    return OpRecord(name, pair[0], pair[1], samples, variant=variant, **kw)


GATHER = [
    _rec("gather", (ember.gather, torch.gather),
         [Sample((T((4, 3)), 0, I((2, 3), 4)), name="dim0"),
          Sample((T((4, 3)), 1, I((4, 5), 3)), name="dim1-repeats"),
          Sample((T((4, 3)), -1, I((2, 2), 3)), name="smaller"),
          Sample((T(()), 0, I((), 1)), name="0d"),
          Sample((T((4, 3)), 0, I((0, 3), 4)), name="empty")],
         jvp=True,
         errors=[ErrorInput((T((4, 3)), 1, ember.tensor([[0, -1]])), {}, IndexError,
                            r"gather: index -1 is out of bounds for dimension 1 with size 3"),
                 ErrorInput((T((4, 3)), 0, ember.tensor([[4]])), {}, IndexError,
                            r"gather: index 4 is out of bounds for dimension 0 with size 4"),
                 ErrorInput((T((4, 3)), 0, ember.tensor([0])), {}, RuntimeError,
                            r"gather: index tensor must have the same number of dimensions"),
                 ErrorInput((T((4, 3)), 0, ember.tensor([[0.0]])), {}, RuntimeError,
                            r"gather: expected index to have dtype int64")]),
    _rec("take_along_dim", (ember.take_along_dim, torch.take_along_dim),
         [Sample((T((4, 3)), I((2, 3), 4), 0), name="dim0"),
          Sample((T((4, 1)), I((1, 5), 4), 0), name="broadcast"),
          Sample((T((4, 3)), I((5,), 12)), name="flat")],
         jvp=True,
         errors=[ErrorInput((T((4, 3)), ember.tensor([[-1]]), 0), {}, IndexError,
                            r"take_along_dim: index -1 is out of bounds for dimension 0")]),
    _rec("index_select", (ember.index_select, torch.index_select),
         [Sample((T((4, 3)), 0, I((5,), 4)), name="dim0"),
          Sample((T((4, 3)), -1, I((2,), 3)), name="dim1"),
          Sample((T((4, 3)), 1, I((), 3)), name="0d-index"),
          Sample((T((4, 3)), 0, I((0,), 4)), name="empty")],
         jvp=True,
         errors=[ErrorInput((T((4, 3)), 0, ember.tensor([1, -1])), {}, IndexError,
                            r"index_select: index -1 is out of bounds for dimension 0 with "
                            r"size 4 \(negative indices are not wrapped\)")]),
    _rec("take", (ember.take, torch.take),
         [Sample((T((4, 3)), I((2, 3), 12, -12)), name="2d-neg"),
          Sample((T(()), I((2,), 1)), name="0d")],
         jvp=True,
         errors=[ErrorInput((T((4, 3)), ember.tensor([12])), {}, IndexError,
                            r"take: index 12 is out of bounds for dimension 0 with size 12")]),
]


def _scatter(mod):
    return lambda x, s: mod.scatter(x, 0, mod.tensor(ROWS), s)


def _scatter_value(mod):
    return lambda x: mod.scatter(x, 1, mod.tensor([[2], [0]]), value=1.5)


def _index_copy(mod):
    return lambda x, s: mod.index_copy(x, 0, mod.tensor([3, 0]), s)


SCATTER = [
    _rec("scatter", _both(_scatter),
         [Sample((T((4, 3)), T((2, 3))), name="exact")]),
    # torch reads only the corner of a larger src, but has no gradient for it
    _rec("scatter", _both(_scatter), [Sample((T((4, 3)), T((3, 4))), name="larger-src")],
         variant="larger-src", grad=False),
    _rec("scatter", _both(_scatter_value), [Sample((T((4, 3)),))], variant="value"),
    _rec("scatter_add", (ember.scatter_add, torch.scatter_add),
         [Sample((T((4, 3)), 0, I((5, 3), 4), T((5, 3))), name="repeats"),
          Sample((T((4, 3)), 1, I((2, 2), 3), T((2, 2))), name="dim1"),
          Sample((T(()), 0, I((), 1), T(())), name="0d")],
         errors=[ErrorInput((T((4, 3)), 0, ember.tensor([[5]]), T((1, 1))), {}, IndexError,
                            r"scatter_add: index 5 is out of bounds for dimension 0 with size 4"),
                 ErrorInput((T((4, 3)), 0, ember.tensor([[1, 1]]), T((1, 1))), {},
                            RuntimeError, r"scatter_add: expected index \(1, 2\) to be no "
                            r"larger than self \(4, 3\) apart from dimension 0 and no larger "
                            r"than src \(1, 1\)")]),
    _rec("index_add", (ember.index_add, torch.index_add),
         [Sample((T((4, 3)), 0, I((5,), 4), T((5, 3))), name="repeats"),
          Sample((T((4, 3)), 1, I((2,), 3), T((4, 2))), {"alpha": 2.0}, name="alpha"),
          Sample((T((4,)), 0, I((0,), 4), T((0,))), name="empty")],
         errors=[ErrorInput((T((4, 3)), 0, ember.tensor([0]), T((2, 3))), {}, RuntimeError,
                            r"index_add: source shape \(2, 3\) must match self shape")]),
    _rec("index_copy", _both(_index_copy), [Sample((T((4, 3)), T((2, 3))), name="rows")]),
    _rec("index_fill", (ember.index_fill, torch.index_fill),
         [Sample((T((4, 3)), 1, I((2,), 3), -1.0), name="number"),
          # one index: torch counts a repeated index twice in the value's gradient
          Sample((T((4, 3)), 0, I((1,), 4), T(())), name="tensor-value")],
         errors=[ErrorInput((T((4, 3)), 0, ember.tensor([4]), 0.0), {}, IndexError,
                            r"index_fill: index 4 is out of bounds for dimension 0 with size 4")]),
    _rec("masked_fill", (ember.masked_fill, torch.masked_fill),
         [Sample((T((3, 4)), B((3, 4)), 0.5), name="number"),
          Sample((T((3, 4)), B((4,)), T(())), name="broadcast-tensor"),
          Sample((T(()), B(()), 2.0), name="0d"),
          Sample((T((0, 4)), B((0, 4)), 1.0), name="empty")],
         jvp=True,
         errors=[ErrorInput((T((3, 4)), B((3, 4)), T((2,))), {}, RuntimeError,
                            r"masked_fill: only supports a 0-dimensional value tensor"),
                 ErrorInput((T((3, 4)), B((2, 4)), 1.0), {}, RuntimeError,
                            r"masked_fill: shapes \(2, 4\), \(3, 4\) are not broadcastable")]),
    _rec("masked_select", (ember.masked_select, torch.masked_select),
         [Sample((T((3, 4)), B((3, 4))), name="same"),
          Sample((T((3, 1)), B((4,))), name="broadcast"),
          Sample((T(()), B(())), name="0d")],
         jvp=True),
]


def _reduce(reduce, include_self):
    def make(mod):
        return lambda x, i, s: mod.scatter_reduce(x, 0, i, s, reduce, include_self=include_self)

    return make


REDUCE = [
    _rec("scatter_reduce", _both(_reduce(r, inc)),
         [Sample((T((4, 3)), I((5, 3), 4), T((5, 3))), name="repeats"),
          Sample((T((4,)), I((2,), 4), T((2,))), name="1d")],
         variant=f"{r}-{'self' if inc else 'noself'}", second_order=r in ("sum", "mean"),
         errors=[] if (r, inc) != ("sum", True) else
         [ErrorInput((T((4,)), 0, ember.tensor([0]), T((1,)), "max"), {}, RuntimeError,
                     r"scatter_reduce: reduce argument must be one of")])
    for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)
]
REDUCE[0].ember_fn, REDUCE[0].torch_fn = ember.scatter_reduce, torch.scatter_reduce
REDUCE[0].samples = [Sample((T((4, 3)), 0, I((5, 3), 4), T((5, 3)), "sum"), name="repeats")]

RECORDS = GATHER + SCATTER + REDUCE
