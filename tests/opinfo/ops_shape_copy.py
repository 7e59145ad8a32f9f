"""Records for the ``*_copy`` variants of the view ops, ``split_with_sizes`` and
``sum_to_size``."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _pair(name):
    return getattr(ember, name), getattr(torch, name)


def _method(name):
    return (lambda x, *a, **k: getattr(x, name)(*a, **k),
            lambda x, *a, **k: getattr(x, name)(*a, **k))


SMOOTH = dict(second_order=True, jvp=True)

RECORDS = [
    OpRecord("view_copy", *_pair("view_copy"),
             [Sample((T((2, 6)), (3, 4))), Sample((T((2, 6)), (-1,)), name="infer"),
              Sample((T(()), (1,)), name="0d")], **SMOOTH,
             errors=[ErrorInput((T((2, 6)), (5,)), {}, RuntimeError, r"shape|size")]),
    OpRecord("permute_copy", *_pair("permute_copy"),
             [Sample((T((2, 3, 4)), (2, 0, 1))), Sample((T((0, 3)), (1, 0)), name="empty")],
             **SMOOTH, errors=[ErrorInput((T((2, 3)), (0, 0)), {}, RuntimeError, r"permute")]),
    OpRecord("transpose_copy", *_pair("transpose_copy"), [Sample((T((2, 3, 4)), 0, -1))],
             **SMOOTH, errors=[ErrorInput((T((2, 3)), 0, 2), {}, IndexError, r"out of range")]),
    OpRecord("t_copy", *_pair("t_copy"), [Sample((T((2, 3)),)), Sample((T((3,)),), name="1d")],
             **SMOOTH, errors=[ErrorInput((T((2, 3, 4)),), {}, RuntimeError, r"<= 2 dim")]),
    OpRecord("squeeze_copy", *_pair("squeeze_copy"),
             [Sample((T((1, 3, 1)),)), Sample((T((1, 3, 1)), 2), name="dim")], **SMOOTH,
             errors=[ErrorInput((T((1, 3)), 3), {}, IndexError, r"out of range")]),
    OpRecord("unsqueeze_copy", *_pair("unsqueeze_copy"), [Sample((T((2, 3)), 1))], **SMOOTH,
             errors=[ErrorInput((T((2, 3)), 4), {}, IndexError, r"out of range")]),
    OpRecord("expand_copy", *_pair("expand_copy"),
             [Sample((T((3, 1)), (2, 3, 4))), Sample((T((3, 1)), (-1, 2)), name="keep")],
             **SMOOTH, errors=[ErrorInput((T((3, 2)), (3, 4)), {}, RuntimeError, r"expand")]),
    OpRecord("diagonal_copy", *_pair("diagonal_copy"),
             [Sample((T((3, 4)),)), Sample((T((2, 3, 4)), 1, 0, 2), name="dims")], **SMOOTH,
             errors=[ErrorInput((T((3,)),), {}, (RuntimeError, IndexError), r"diagonal")]),
    OpRecord("select_copy", *_pair("select_copy"), [Sample((T((3, 4)), 1, -1))], **SMOOTH,
             errors=[ErrorInput((T((3, 4)), 0, 3), {}, IndexError, r"out of range")]),
    OpRecord("slice_copy", *_pair("slice_copy"),
             [Sample((T((4, 5)),)), Sample((T((4, 5)), 1, 1, 4, 2), name="step"),
              Sample((T((4, 5)), -1, -3), name="neg")], **SMOOTH,
             errors=[ErrorInput((T((4, 5)), 0, 0, 4, 0), {}, RuntimeError,
                                r"slice_copy: slice step must be positive")]),
    OpRecord("split_copy", *_pair("split_copy"),
             [Sample((T((5, 2)), 2)), Sample((T((2, 5)), 3, 1), name="dim")], **SMOOTH,
             errors=[ErrorInput((T((5, 2)), 2, 2), {}, IndexError, r"out of range"),
                     ErrorInput((T((5, 2)), [2, 3]), {}, TypeError,
                                r"split_copy\(\): argument 'split_size' \(position 2\) must be "
                                r"int, not list")]),
    OpRecord("split_with_sizes_copy", *_pair("split_with_sizes_copy"),
             [Sample((T((2, 5)), [2, 3], 1))], **SMOOTH,
             errors=[ErrorInput((T((5,)), [2, 2]), {}, RuntimeError,
                                r"split_with_sizes expects split_sizes to sum exactly to 5")]),
    OpRecord("split_with_sizes", *_pair("split_with_sizes"),
             [Sample((T((5, 2)), [2, 3])), Sample((T((2, 5)), [0, 5], -1), name="zero-size")],
             **SMOOTH,
             errors=[ErrorInput((T((5,)), [2, 2]), {}, RuntimeError,
                                r"split_with_sizes expects split_sizes to sum exactly to 5 "
                                r"\(input tensor's size at dimension 0\), but got "
                                r"split_sizes=\[2, 2\]")]),
    OpRecord("unbind_copy", *_pair("unbind_copy"), [Sample((T((3, 2)), 1))], **SMOOTH,
             errors=[ErrorInput((T((3, 2)), 2), {}, IndexError, r"out of range")]),
    OpRecord("unfold_copy", *_pair("unfold_copy"), [Sample((T((3, 7)), 1, 3, 2))], **SMOOTH,
             errors=[ErrorInput((T((3, 2)), 1, 3, 1), {}, RuntimeError, r"unfold|size")]),
    OpRecord("alias_copy", *_pair("alias_copy"), [Sample((T((3, 2)),))], **SMOOTH,
             errors=[ErrorInput(([1.0],), {}, TypeError, r"alias_copy\(\): argument 'input'")]),
    OpRecord("detach_copy", *_pair("detach_copy"), [Sample((T((3, 2)),))], grad=False),
    OpRecord("as_strided_copy", *_pair("as_strided_copy"),
             [Sample((T((3, 4)), (2, 2), (1, 2), 1))], **SMOOTH,
             errors=[ErrorInput((T((2, 3)), (10,), (1,)), {}, RuntimeError, r"out of bounds")]),
    OpRecord("narrow_copy", *_pair("narrow_copy"),
             [Sample((T((4, 5)), 1, 1, 3)), Sample((T((4, 5)), -2, 0, 0), name="empty")],
             **SMOOTH, errors=[ErrorInput((T((4, 5)), 0, 3, 2), {}, (IndexError, RuntimeError),
                                          r"narrow")]),
    OpRecord("narrow_copy", *_method("narrow_copy"), [Sample((T((4, 5)), 0, 1, 2))],
             variant="method"),
    OpRecord("sum_to_size", *_method("sum_to_size"),
             [Sample((T((2, 3, 4)), 3, 1)), Sample((T((2, 3, 4)), (1, 3, 4)), name="tuple"),
              Sample((T((2, 3)), 2, 3), name="same"), Sample((T(()), ()), name="0d"),
              Sample((T((0, 3)), 3), name="empty")], **SMOOTH,
             errors=[ErrorInput((T((2, 3)), 2, 2), {}, RuntimeError,
                                r"sum_to_size: size \{\[2, 2\]\} is not expandable to size "
                                r"\{\[2, 3\]\}")]),
]
