"""Records for writes at computed positions: ``diagonal_scatter``, ``select_scatter``,
``slice_scatter``, ``fill_diagonal_``, ``put``/``put_`` and ``index_reduce``."""

import numpy as np
import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def _both(fn_name, *extra, **kw):
    """ember and torch callables for ``x.<fn_name>(*args, *extra, **kw)`` where the extras
    that are arrays become each framework's tensors."""
    def make(module):
        def run(*args):
            conv = [module.tensor(a) if isinstance(a, np.ndarray) else a for a in extra]
            return getattr(args[0], fn_name)(*args[1:], *conv, **kw)
        return run
    return make(ember), make(torch)


def _ip(method, *extra, **kw):
    def make(module):
        def run(x, *args):
            y = x.clone()
            conv = [module.tensor(a) if isinstance(a, np.ndarray) else a for a in extra]
            assert getattr(y, method)(*args, *conv, **kw) is y
            return y
        return run
    return make(ember), make(torch)


def _put(accumulate, inplace=False):
    # repeated positions only where they add up (which copy wins is unspecified)
    index = np.array([0, -1, 4, 4]) if accumulate else np.array([0, -1, 4, 2])

    def make(module):
        def run(x, source):
            target = x.clone() if inplace else x
            fn = target.put_ if inplace else target.put
            return fn(module.tensor(index), source, accumulate=accumulate)
        return run
    return make(ember), make(torch)


def _reduce_ip(reduce):
    index = np.array([0, 2, 0, 1])

    def make(module):
        def run(x, source):
            y = x.clone()
            assert y.index_reduce_(0, module.tensor(index), source, reduce) is y
            return y
        return run
    return make(ember), make(torch)


RECORDS = [
    OpRecord("diagonal_scatter", ember.diagonal_scatter, torch.diagonal_scatter,
             [Sample((T((3, 3)), T((3,)))), Sample((T((3, 4)), T((3,)), 1), name="offset"),
              Sample((T((2, 3, 4)), T((4, 1)), -1, 0, 1), name="dims"),
              Sample((T((3, 4)), T((0,)), 5), name="empty-diag"),
              Sample((T((3, 3)), T((3,), dtype="float64")), name="cast")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3, 3)), T((2,))), {}, RuntimeError,
                                r"diagonal_scatter: expected src to have a size equal to the "
                                r"slice of self. src size = \[2\], slice size = \[3\]")]),
    OpRecord("select_scatter", ember.select_scatter, torch.select_scatter,
             [Sample((T((3, 4)), T((4,)), 0, 1)), Sample((T((3, 4)), T((3,)), -1, -2), name="neg"),
              Sample((T((3,)), T(()), 0, 2), name="0d-src"),
              Sample((T((0, 2)), T((0,)), 1, 0), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3, 3)), T((3,)), 0, 5), {}, IndexError,
                                r"select.*index 5 .*out of range"),
                     ErrorInput((T((3, 3)), T((2,)), 0, 0), {}, RuntimeError,
                                r"select_scatter: expected src to have a size equal")]),
    OpRecord("slice_scatter", ember.slice_scatter, torch.slice_scatter,
             [Sample((T((4, 3)), T((4, 3)))), Sample((T((4, 3)), T((2, 3)), 0, 1, 3), name="range"),
              Sample((T((3, 5)), T((3, 2)), 1, 1, None, 2), name="step"),
              Sample((T((3, 5)), T((3, 2)), -1, -2), name="neg"),
              Sample((T((3, 5)), T((3, 0)), 1, 4, 2), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3, 3)), T((3, 1)), 1, 0, 3, 2), {}, RuntimeError,
                                r"slice_scatter: expected src to have a size equal to the slice "
                                r"of self. src size = \[3, 1\], slice size = \[3, 2\]"),
                     ErrorInput((T((3, 3)), T((3, 3)), 0, 0, 3, 0), {}, RuntimeError,
                                r"slice step must be positive")]),
    OpRecord("fill_diagonal_", *_ip("fill_diagonal_", 2.5),
             [Sample((T((3, 3)),)), Sample((T((2, 4)),), name="wide"),
              Sample((T((3, 3, 3)),), name="cube"), Sample((T((7, 3)),), name="tall")],
             errors=[ErrorInput((T((2, 3, 3)), 1.0), {}, RuntimeError,
                                r"fill_diagonal_: all dimensions of input must be of equal "
                                r"length"),
                     ErrorInput((T((3,)), 1.0), {}, RuntimeError,
                                r"fill_diagonal_: dimensions must larger than 1")]),
    OpRecord("fill_diagonal_", *_ip("fill_diagonal_", -1.0, wrap=True),
             [Sample((T((7, 3)),)), Sample((T((2, 4)),), name="wide")], variant="wrap"),
    OpRecord("put", *_put(False), [Sample((T((2, 3)), T((4,)))),
                                   Sample((T((2, 3)), T((2, 2))), name="2d-source")],
             errors=[ErrorInput((T((2, 3)), T((3,))), {}, IndexError,
                                r"put_\(\): Expected source and index to have the same number "
                                r"of elements, but got source.numel\(\) = 3, index.numel\(\) "
                                r"= 4"),
                     ErrorInput((T((2, 3)), I((4,), 5)), {}, RuntimeError,
                                r"put_\(\): self and source expected to have the same dtype, "
                                r"but got self.dtype = (float32|Float) and source.dtype = "
                                r"(int64|Long)")]),
    OpRecord("put", *_put(True), [Sample((T((2, 3)), T((4,))))], variant="accumulate"),
    OpRecord("put_", *_put(True, inplace=True), [Sample((T((2, 3)), T((4,))))],
             errors=[ErrorInput((T((2,)), T((4,))), {}, IndexError,
                                r"put_\(\): out of range: tried to access index 4 on a tensor of "
                                r"2 elements"),
                     ErrorInput((T((2, 3)), T((4,), dtype="float64")), {}, RuntimeError,
                                r"put_\(\): self and source expected to have the same dtype")]),
    *[OpRecord("index_reduce", *_both("index_reduce", reduce, include_self=include_self),
               [Sample((T((3, 2)), 0, I((4,), 3), T((4, 2)))),
                Sample((T((2, 3)), 1, I((4,), 3), T((2, 4))), name="dim1"),
                Sample((T((3,)), -1, I((2,), 3), T((2,))), name="1d"),
                Sample((T((3, 2)), 0, I((0,), 3), T((0, 2))), name="empty")],
               variant=f"{reduce}-{include_self}",
               errors=[ErrorInput((T((3, 2)), 0, I((2,), 3), T((1, 2))), {}, RuntimeError,
                                  r"index_reduce_\(\): Number of indices \(2\) should be equal "
                                  r"to source.size\(dim\): \(1\), for dim: 0")])
      for reduce in ("prod", "mean", "amax", "amin") for include_self in (True, False)],
    OpRecord("index_reduce", *_both("index_reduce", "sum"), [], variant="bad-reduce",
             errors=[ErrorInput((T((3, 2)), 0, I((2,), 3), T((2, 2))), {}, RuntimeError,
                                r"index_reduce\(\): Expected reduce to be one of prod, mean, "
                                r"amax or amin but got sum")]),
    OpRecord("index_reduce_", *_reduce_ip("amax"), [Sample((T((3, 2)), T((4, 2))))],
             errors=[ErrorInput((T((3, 2)), T((3, 2))), {}, RuntimeError,
                                r"index_reduce_\(\): Number of indices \(4\)")]),
]
