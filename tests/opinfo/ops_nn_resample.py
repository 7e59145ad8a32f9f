"""Records for ember.nn.functional pad, interpolate and pixel (un)shuffle."""

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T

_PAD = [Sample((T((2, 3, 4, 5)), (2, 1, 1, 3)), dict(mode=m), name=m)
        for m in ("constant", "reflect", "replicate", "circular")]
_PAD += [Sample((T((2, 3, 4, 5)), (2, -1, 1, 0, 1, 1)), dict(value=2.5), name="crop-3dims"),
         Sample((T((3, 4)), (1, 2)), dict(mode="circular"), name="circular-1d")]

_INTERP = [Sample((T((2, 3, 4, 6)),), dict(mode=m, **kw), name=f"{m}-{i}")
           for m in ("nearest", "nearest-exact", "bilinear", "bicubic", "area")
           for i, kw in enumerate([dict(size=(5, 9)), dict(scale_factor=1.7),
                                   dict(scale_factor=(0.6, 2.3), recompute_scale_factor=True)])]
_INTERP += [
    Sample((T((2, 3, 4, 6)),), dict(mode="bilinear", size=(5, 9), align_corners=True),
           name="bilinear-corners"),
    Sample((T((1, 2, 4, 5)),), dict(mode="bicubic", scale_factor=2.5, align_corners=True),
           name="bicubic-corners"),
    Sample((T((2, 3, 6)),), dict(mode="linear", scale_factor=2.5), name="linear"),
    Sample((T((1, 2, 4, 3, 5)),), dict(mode="trilinear", size=(3, 5, 7)), name="trilinear"),
]

RECORDS = [
    OpRecord("pad", F.pad, TF.pad, _PAD, second_order=True, errors=[
        ErrorInput((T((1, 2, 3)), (3, 3)), dict(mode="reflect"), ValueError,
                   r"pad: padding \(3, 3\) should be smaller than the input size 3"),
        ErrorInput((T((1, 2, 3)), (1,)), {}, ValueError,
                   r"pad: padding length must be divisible by 2"),
    ]),
    OpRecord("interpolate", F.interpolate, TF.interpolate, _INTERP, second_order=True, errors=[
        ErrorInput((T((1, 2, 3)),), dict(size=4, scale_factor=2.0), ValueError,
                   r"interpolate: exactly one of size or scale_factor"),
        ErrorInput((T((1, 2, 3)),), dict(size=4, mode="bilinear"), ValueError,
                   r"interpolate: mode 'bilinear' expects a 4-D input"),
        ErrorInput((T((1, 2, 3)),), dict(size=4, align_corners=True), ValueError,
                   r"interpolate: align_corners can only be set"),
    ]),
    OpRecord("pixel_shuffle", F.pixel_shuffle, TF.pixel_shuffle,
             [Sample((T((2, 8, 3, 4)), 2)), Sample((T((18, 2, 2)), 3), name="unbatched")],
             errors=[ErrorInput((T((1, 6, 2, 2)), 2), {}, RuntimeError,
                                r"pixel_shuffle: the channel count 6")]),
    OpRecord("pixel_unshuffle", F.pixel_unshuffle, TF.pixel_unshuffle,
             [Sample((T((2, 2, 4, 6)), 2))]),
]
