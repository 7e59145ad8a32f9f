"""Records for ember.nn.functional pooling. Max-pooling samples use distinct values (random
floats), so the argmax, and so the gradient, is unique."""

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T


def _rec(name, samples, **kw):
    return OpRecord(name, getattr(F, name), getattr(TF, name), samples, **kw)


RECORDS = [
    _rec("max_pool2d", [
        Sample((T((2, 3, 8, 7)), 3), dict(stride=2, padding=1, ceil_mode=True,
                                           return_indices=True), name="ceil-indices"),
        Sample((T((2, 3, 8, 7)), (2, 3)), dict(stride=(1, 2), dilation=(2, 1)),
               name="dilated"),
        Sample((T((3, 5, 5)), 2), name="unbatched"),
    ], errors=[
        ErrorInput((T((1, 1, 5, 5)), 3), dict(padding=2), RuntimeError,
                   r"max_pool2d: pad should be at most half of effective kernel size"),
        ErrorInput((T((5, 5)), 2), {}, RuntimeError,
                   r"max_pool2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input"),
        ErrorInput((T((1, 1, 2, 2)), 3), {}, RuntimeError,
                   r"max_pool2d: output size is too small"),
    ]),
    _rec("max_pool1d", [Sample((T((2, 3, 8)), 3), dict(stride=2, ceil_mode=True,
                                                        return_indices=True))]),
    _rec("max_pool3d", [Sample((T((1, 2, 4, 3, 4)), 2), dict(stride=1, padding=1))]),
    _rec("avg_pool2d", [
        Sample((T((2, 3, 8, 7)), 3), dict(stride=2, padding=1, ceil_mode=True,
                                           count_include_pad=False), name="exclude-pad"),
        Sample((T((2, 3, 8, 7)), 3), dict(stride=2, padding=1, ceil_mode=True),
               name="include-pad"),
        Sample((T((3, 8, 7)), 3), dict(stride=2, padding=1, divisor_override=5),
               name="divisor"),
    ], second_order=True, jvp=True),
    _rec("avg_pool1d", [Sample((T((1, 2, 7)), 3), dict(stride=2, padding=1))]),
    _rec("avg_pool3d", [Sample((T((1, 2, 5, 3, 4)), 2), dict(stride=2, ceil_mode=True))]),
    _rec("adaptive_avg_pool2d", [
        Sample((T((2, 3, 8, 7)), (3, 4)), name="shrink"),
        Sample((T((3, 2, 3)), (5, None)), name="grow-unbatched"),
    ], second_order=True, jvp=True),
    _rec("adaptive_avg_pool1d", [Sample((T((2, 3, 7)), 5))]),
    _rec("adaptive_avg_pool3d", [Sample((T((1, 2, 5, 7, 3)), (2, 3, None)))]),
    _rec("adaptive_max_pool2d", [Sample((T((2, 3, 8, 7)), (3, 4)), dict(return_indices=True))],
         errors=[ErrorInput((T((2, 3)), 2), {}, RuntimeError,
                            r"adaptive_max_pool2d: expected a 3-D \(unbatched\)")]),
    _rec("adaptive_max_pool1d", [Sample((T((3, 7)), 5), dict(return_indices=True))]),
    _rec("lp_pool2d", [Sample((T((2, 3, 8, 7), low=0.5), 2, 3), dict(stride=2, ceil_mode=True))]),
    _rec("lp_pool1d", [Sample((T((2, 3, 8), low=0.5), 3, 2)),
                       Sample((T((2, 3, 8)), float("inf"), 2), name="inf")]),
    _rec("lp_pool3d", [
        Sample((T((2, 2, 4, 5, 3), low=0.5), 2, 2), dict(stride=(1, 2, 1)), name="p2"),
        Sample((T((2, 3, 5, 3), low=0.5), 1.5, (2, 3, 1)), dict(ceil_mode=True, stride=2),
               name="unbatched-ceil"),
        Sample((T((1, 2, 4, 4, 4)), float("inf"), 2), name="inf"),
        Sample((T((1, 2, 4, 4, 4)), float("-inf"), (2, 1, 2)), name="-inf"),
        Sample((T((0, 2, 4, 4, 4), low=0.5), 2, 2), name="empty-batch"),
    ], second_order=True, jvp=True, errors=[
        ErrorInput((T((4, 4, 4)), 2, 2), {}, RuntimeError,
                   r"lp_pool3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input"),
    ]),
]
