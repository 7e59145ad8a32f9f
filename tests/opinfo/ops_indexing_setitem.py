"""Records for ``tensor[key] = value`` (ember/ops/indexing.py), through a clone so that the
write is differentiable with respect to both the tensor and the value."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _set(key):
    def fn(x, v):
        y = x.clone()
        y[key] = v
        return y

    return fn


def _set_index(mod):
    def fn(x, v):
        y = x.clone()
        y[:, mod.tensor([3, -4])] = v  # distinct elements: a repeated write has no gradient
        return y

    return fn


def _set_bad(x, i, v):
    y = x.clone()
    y[:, i] = v
    return y


def _rec(variant, key, samples, errors=()):
    return OpRecord("__setitem__", _set(key), _set(key), samples, variant=variant,
                    second_order=True, errors=list(errors))


RECORDS = [
    _rec("int", 1, [Sample((T((3, 4)), T((4,))), name="row"),
                    Sample((T((3, 4)), T(())), name="0d-value"),
                    Sample((T((3, 4)), 2.5), name="number"),
                    Sample((T((3, 4)), T((1, 4))), name="leading-1")],
         errors=[ErrorInput((T((3, 4)), T((3,))), {}, RuntimeError,
                            r"__setitem__: shape mismatch: value tensor of shape \(3,\) cannot "
                            r"be broadcast to indexing result of shape \(4,\)")]),
    _rec("slice", (slice(None), slice(1, None, 2)),
         [Sample((T((3, 4)), T((3, 1))), name="broadcast"),
          Sample((T((0, 4)), T((2,))), name="empty")]),
    _rec("ellipsis", Ellipsis, [Sample((T(()), T(())), name="0d")]),
    _rec("list", ([0, 2], [1, 3]), [Sample((T((3, 4)), T((2,))), name="pairs"),
                                     Sample((T((3, 4)), T(())), name="0d-value")]),
    _rec("mixed", (0, slice(None), [0, 1]), [Sample((T((2, 3, 4)), T((3, 2))), name="int-list")]),
    OpRecord("__setitem__", _set_index(ember), _set_index(torch),
             [Sample((T((3, 4)), T((3, 2))), name="tensor"),
              Sample((T((3, 4)), T((3, 1))), name="broadcast")],
             variant="tensor-index", second_order=True),
    OpRecord("__setitem__", _set_bad, _set_bad, [], variant="errors",
             errors=[ErrorInput((T((3, 4)), ember.tensor([4]), 1.0), {}, IndexError,
                                r"__setitem__: index 4 is out of bounds for dimension 1 with "
                                r"size 4")]),
]
