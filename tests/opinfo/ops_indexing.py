"""Records for ``tensor[key]`` (ember/ops/indexing.py)."""

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T


def _getitem(key):
    return lambda x: x[key]


def _rec(variant, key, shapes, **kw):
    """A getitem record for a fixed (tensor-free) key applied to inputs of ``shapes``."""
    samples = [Sample((T(s),), name=str(s)) for s in shapes]
    return OpRecord("__getitem__", _getitem(key), _getitem(key), samples, variant=variant,
                    second_order=True, jvp=True, **kw)


BASIC = [
    _rec("int", 1, [(3, 4), (2, 3, 4)]),
    _rec("neg-int", (-1, -2), [(3, 4), (2, 3, 4)]),
    _rec("slice", (slice(1, None), slice(None, None, 2)), [(3, 4), (4, 5, 2), (0, 4)]),
    _rec("neg-bounds", (slice(-2, None), slice(-3, -1)), [(3, 4), (5, 6)]),
    _rec("step", (slice(None, None, 3), slice(1, 5, 2)), [(7, 6)]),
    _rec("none-ellipsis", (None, Ellipsis, None, 0), [(3, 4), (2, 3, 4)]),
    _rec("ellipsis", (Ellipsis,), [(), (3,)]),
    _rec("0d-none", (None,), [(), (2,)]),
    _rec("all-ints", (0, 1), [(2, 3)]),
    _rec("bool-scalar", (slice(None), True), [(2, 3)]),
    _rec("false", False, [(2, 3), ()]),
    _rec("list", [0, 2, 0, -1], [(3, 4), (3,)]),
    _rec("nested-list", ([[0, 1], [1, 1]], slice(None), [0, 1]), [(2, 3, 2)]),
    _rec("int-and-list", (0, slice(None), [0, 1]), [(2, 3, 4)]),
    _rec("none-between", ([0, 1], None, [0, 1]), [(2, 3, 4)]),
    _rec("empty-list", ([],), [(3, 4)]),
]


def _tensor_rec(variant, fn, samples):
    return OpRecord("__getitem__", fn, fn, samples, variant=variant, second_order=True,
                    jvp=True)


ADVANCED = [
    _tensor_rec("index", lambda x, i: x[i],
                [Sample((T((4, 3)), I((5,), 4)), name="1d"),
                 Sample((T((4, 3)), I((2, 3), 4, -4)), name="2d-neg"),
                 Sample((T((4,)), I((), 4)), name="0d-index"),
                 Sample((T((4, 3)), I((0,), 4)), name="empty-index"),
                 Sample((T((0, 3)), I((0,), 1)), name="empty-input")]),
    _tensor_rec("two-index", lambda x, i, j: x[i, j],
                [Sample((T((4, 3)), I((5,), 4), I((5,), 3)), name="same"),
                 Sample((T((4, 3)), I((2, 1), 4), I((3,), 3)), name="broadcast"),
                 Sample((T((4, 3, 2)), I((2,), 4), I((2,), 3)), name="rest")]),
    _tensor_rec("slice-between", lambda x, i, j: x[i, 1:, j],
                [Sample((T((4, 3, 2)), I((5,), 4), I((5,), 2)), name="first")]),
    _tensor_rec("adjacent", lambda x, i, j: x[:, i, j],
                [Sample((T((2, 4, 3)), I((2, 2), 4), I((2,), 3)), name="middle")]),
    _tensor_rec("ellipsis-index", lambda x, i: x[..., i],
                [Sample((T((2, 3, 4)), I((5,), 4)), name="last")]),
    _tensor_rec("mask", lambda x, m: x[m],
                [Sample((T((3, 4)), B((3, 4))), name="full"),
                 Sample((T((3, 4)), B((3,))), name="leading"),
                 Sample((T(()), B(())), name="0d"),
                 Sample((T((0, 2)), B((0, 2))), name="empty")]),
    _tensor_rec("mask-mixed", lambda x, m, i: x[i, m],
                [Sample((T((3, 4, 2)), B((4, 2)), I((1,), 3)), name="index-mask")]),
]

RECORDS = BASIC + ADVANCED + [
    OpRecord("__getitem__", lambda x, i: x[:, i], lambda x, i: x[:, i], [], variant="errors",
             errors=[ErrorInput((T((2, 3)), ember.tensor([0, 5])), {}, IndexError,
                                r"__getitem__: index 5 is out of bounds for dimension 1 with "
                                r"size 3"),
                     ErrorInput((T((2, 3)), ember.tensor([-4])), {}, IndexError,
                                r"index -4 is out of bounds for dimension 1 with size 3"),
                     ErrorInput((T((2, 3)), ember.tensor([0.5])), {}, IndexError,
                                r"tensors used as indices must be long, int, byte or bool"),
                     ErrorInput((T((2, 3)), ember.tensor([True, False])), {}, IndexError,
                                r"the shape of the mask \[2\] at index 1 does not match the "
                                r"shape of the indexed tensor \[2, 3\]")]),
    OpRecord("__getitem__", lambda x, k: x[k], lambda x, k: x[k], [], variant="key-errors",
             errors=[ErrorInput((T((2, 3)), (0, 0, 0)), {}, IndexError,
                                r"too many indices for tensor of dimension 2"),
                     ErrorInput((T((2, 3)), 2), {}, IndexError,
                                r"index 2 is out of bounds for dimension 0 with size 2"),
                     ErrorInput((T((2, 3)), (0, -4)), {}, IndexError,
                                r"index -4 is out of bounds for dimension 1 with size 3"),
                     ErrorInput((T((2, 3)), slice(None, None, -1)), {}, ValueError,
                                r"slice step must be greater than zero, got -1"),
                     ErrorInput((T((2, 3)), "a"), {}, IndexError,
                                r"only integers, slices .* are valid indices, got str")]),
]
