"""Records for joining and splitting (ember/ops/join.py) and squeeze/flatten/flip."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def _rec(name, samples, errors=(), variant="", ember_fn=None, torch_fn=None, **kw):
    """A record with second order and forward mode on unless it says otherwise (a linear
    movement op: exact, and both apply); ops_composite, ops_linalg_more and ops_shape_more
    use it too."""
    kw.setdefault("second_order", True)
    kw.setdefault("jvp", True)
    return OpRecord(name, ember_fn or getattr(ember, name), torch_fn or getattr(torch, name),
                    samples, errors=list(errors), variant=variant, **kw)


CAT_SAMPLES = [
    Sample(([T((2, 3)), T((1, 3)), T((4, 3))],), name="dim0"),
    Sample(([T((2, 3)), T((2, 1))],), {"dim": -1}, name="dim-1"),
    Sample(([T((2, 0, 3)), T((2, 2, 3))],), {"dim": 1}, name="empty"),
    Sample(([T((2, 3)), T((0,))],), name="legacy-empty"),
    Sample(([T((3,))],), name="single"),
]

SPLIT_SAMPLES = [
    Sample((T((5, 3)), 2), name="size"),
    Sample((T((5, 3)), [1, 0, 2], 1), name="sections"),
    Sample((T((4, 3)), 4, -2), name="one"),
    Sample((T((0, 3)), 2), name="empty"),
]

RECORDS = [
    _rec("cat", CAT_SAMPLES, [
        ErrorInput(([T((2, 3)), T((3, 2))], 1), {}, RuntimeError,
                   r"cat: sizes of tensors must match except in dimension 1: tensor 0 has "
                   r"shape \(2, 3\) but tensor 1 has shape \(3, 2\)"),
        ErrorInput(([T((2, 3)), T((2, 3, 1))],), {}, RuntimeError,
                   r"cat: tensors must have the same number of dimensions: tensor 0 has shape "
                   r"\(2, 3\) but tensor 1 has shape \(2, 3, 1\)"),
        ErrorInput(([T(()), T(())],), {}, RuntimeError, r"cat: zero-dimensional tensor"),
        ErrorInput(([],), {}, ValueError, r"cat: expected a non-empty list"),
        ErrorInput(([T((2,))], 1), {}, IndexError, r"cat: dimension out of range"),
        ErrorInput((T((2,)),), {}, TypeError, r"cat: expected a sequence of Tensors"),
    ]),
    _rec("concatenate", CAT_SAMPLES[:2]),
    OpRecord("cat", ember.cat, torch.cat,
             [Sample(([I((2, 3)), T((1, 3), grad=False)],), name="int-float"),
              Sample(([I((2,), dtype="int32"), I((1,))],), name="int32-int64")],
             dtypes=("float32",), grad=False, variant="promote"),
    _rec("stack", [
        Sample(([T((2, 3)), T((2, 3)), T((2, 3))],), name="dim0"),
        Sample(([T((2, 3)), T((2, 3))],), {"dim": -1}, name="dim-1"),
        Sample(([T(()), T(())],), name="0d"),
        Sample(([T((0, 2))],), {"dim": 1}, name="empty"),
    ], [ErrorInput(([T((2, 3)), T((2, 4))],), {}, RuntimeError,
                   r"stack: expects each tensor to be equal size, but got \(2, 3\) at entry 0 "
                   r"and \(2, 4\) at entry 1"),
        ErrorInput(([T((2, 3))], 3), {}, IndexError, r"stack: dimension out of range")]),
    _rec("split", SPLIT_SAMPLES, [
        ErrorInput((T((5, 3)), [2, 2]), {}, RuntimeError,
                   r"split: split_with_sizes expects split_sizes to be non-negative and sum "
                   r"exactly to 5 .*but got split_sizes=\[2, 2\]"),
        ErrorInput((T((5, 3)), 0), {}, RuntimeError, r"split: split_size must be a positive"),
        ErrorInput((T(()), 1), {}, RuntimeError, r"split: expects at least a 1-dimensional"),
        ErrorInput((T((5, 3)), 2, 2), {}, IndexError, r"split: dimension out of range"),
    ]),
    _rec("chunk", [Sample((T((5, 3)), 3), name="uneven"),
                   Sample((T((6, 3)), 4), name="fewer"),
                   Sample((T((2, 6)), 2, -1), name="dim"),
                   Sample((T((0, 3)), 2), name="empty")],
         [ErrorInput((T((5,)), 0), {}, RuntimeError,
                     r"chunk: number of chunks must be greater than 0, got 0")]),
    _rec("tensor_split", [Sample((T((7, 2)), 3), name="sections"),
                          Sample((T((7, 2)), [1, 5]), name="indices"),
                          Sample((T((7, 2)), [5, 2, -1]), name="unordered"),
                          Sample((T((2, 4)), (1, 9), 1), name="beyond"),
                          Sample((T((0, 2)), 2), name="empty")],
         [ErrorInput((T((5,)), 0), {}, RuntimeError,
                     r"tensor_split: number of sections must be larger than 0")]),
    _rec("unbind", [Sample((T((3, 2)),), name="dim0"), Sample((T((2, 3, 2)), -1), name="dim-1"),
                    Sample((T((1,)),), name="1d"), Sample((T((0, 2)), 1), name="empty")],
         [ErrorInput((T(()),), {}, IndexError, r"unbind: dimension specified as 0 but tensor "
                                                r"has no dimensions"),
          ErrorInput((T((2, 3)), 2), {}, IndexError, r"unbind: dimension out of range")]),
    _rec("narrow", [Sample((T((5, 3)), 0, 1, 3), name="dim0"),
                    Sample((T((5, 3)), -1, -2, 2), name="negative-start"),
                    Sample((T((5, 3)), 1, 3, 0), name="empty")],
         [ErrorInput((T((5, 3)), 0, 3, 3), {}, RuntimeError,
                     r"narrow: start \(3\) \+ length \(3\) exceeds dimension 0 of size 5"),
          ErrorInput((T((5, 3)), 0, 6, 0), {}, IndexError,
                     r"narrow: start \(6\) out of range for dimension 0 of size 5"),
          ErrorInput((T(()), 0, 0, 1), {}, RuntimeError, r"narrow: cannot be applied to a 0-dim")]),
    _rec("squeeze", [Sample((T((1, 3, 1)),), name="all"), Sample((T((1, 3, 1)), -1), name="int"),
                     Sample((T((1, 3, 1)), (0, 1)), name="tuple"),
                     Sample((T((2, 3)), 0), name="noop"), Sample((T(()),), name="0d"),
                     Sample((T((1, 0)),), name="empty")],
         [ErrorInput((T((1, 3)), 2), {}, IndexError,
                     r"squeeze: dimension out of range \(expected to be in range of \[-2, 1\], "
                     r"but got 2\)"),
          ErrorInput((T(()), 1), {}, IndexError, r"squeeze: dimension out of range"),
          ErrorInput((T((1, 1)), (0, 0)), {}, RuntimeError, r"squeeze: dim \(0, 0\) appears "
                                                            r"multiple times")]),
    _rec("unsqueeze", [Sample((T((2, 3)), 0), name="front"), Sample((T((2, 3)), -1), name="back"),
                       Sample((T((2, 3)), 1), name="mid"), Sample((T(()), 0), name="0d"),
                       Sample((T((0,)), 1), name="empty")],
         [ErrorInput((T((2, 3)), 3), {}, IndexError,
                     r"unsqueeze: dimension out of range \(expected to be in range of \[-3, 2\], "
                     r"but got 3\)")]),
    _rec("flatten", [Sample((T((2, 3, 4)),), name="all"), Sample((T((2, 3, 4)), 1), name="start"),
                     Sample((T((2, 3, 4, 2)), 1, 2), name="mid"), Sample((T(()),), name="0d"),
                     Sample((T((2, 0, 3)), 0, 1), name="empty")],
         [ErrorInput((T((2, 3, 4)), 2, 1), {}, RuntimeError,
                     r"flatten: start_dim \(2\) cannot come after end_dim \(1\)")]),
    _rec("flip", [Sample((T((3, 4)), (0,)), name="dim0"), Sample((T((2, 3, 4)), (0, -1)),
                                                                  name="dims"),
                  Sample((T(()), ()), name="0d"), Sample((T((0, 3)), (0, 1)), name="empty")],
         [ErrorInput((T((3, 4)), (0, 0)), {}, RuntimeError, r"flip: dim \(0, 0\) appears "
                                                            r"multiple times"),
          ErrorInput((T((3, 4)), (2,)), {}, IndexError, r"flip: dimension out of range")]),
    _rec("fliplr", [Sample((T((3, 4)),))]),
    _rec("flipud", [Sample((T((3, 4)),))]),
]
