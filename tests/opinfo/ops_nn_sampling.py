"""Records for ember.nn.functional.affine_grid and grid_sample (nn/functional/sampling.py).
Grid points are drawn in [-1.3, 1.3], so some fall outside the input and exercise the
padding modes; random points keep away from the pixel boundaries where the bilinear weights
have kinks (and nearest rounding jumps), so finite differences are meaningful."""

import itertools

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T


def _grid(shape):
    return T(shape, low=-1.3, high=1.3)


def _samples(mode):
    out = []
    for pad, align in itertools.product(("zeros", "border", "reflection"), (False, True)):
        out.append(Sample((T((2, 3, 4, 5)), _grid((2, 3, 6, 2))),
                          dict(mode=mode, padding_mode=pad, align_corners=align),
                          name=f"2d-{pad}-{align}"))
        if mode == "bicubic":  # 2-D only, as in PyTorch
            continue
        out.append(Sample((T((1, 2, 3, 4, 2)), _grid((1, 2, 3, 2, 3))),
                          dict(mode=mode, padding_mode=pad, align_corners=align),
                          name=f"3d-{pad}-{align}"))
    out += [
        Sample((T((1, 1, 1, 1)), _grid((1, 2, 2, 2))), dict(mode=mode, align_corners=True,
                                                            padding_mode="reflection"),
               name="unit-input"),
        Sample((T((1, 2, 1, 3)), _grid((1, 2, 2, 2))), dict(mode=mode, align_corners=False,
                                                            padding_mode="reflection"),
               name="single-row"),
        Sample((T((0, 2, 3, 3)), _grid((0, 2, 2, 2))), dict(mode=mode, align_corners=False),
               name="empty-batch"),
        Sample((T((1, 2, 3, 3)), _grid((1, 0, 2, 2))), dict(mode=mode, align_corners=False),
               name="empty-grid"),
    ]
    return out


_ERRORS = [
    ErrorInput((T((1, 1, 3, 3)), T((1, 2, 2, 3))), dict(align_corners=False), RuntimeError,
               r"grid_sample: expected grid to have size 2 in last dimension, got input of "
               r"shape \(1, 1, 3, 3\) and grid of shape \(1, 2, 2, 3\)"),
    ErrorInput((T((1, 1, 3, 3)), T((2, 2, 2, 2))), dict(align_corners=False), RuntimeError,
               r"grid_sample: expected grid and input to have same batch size"),
    ErrorInput((T((1, 1, 3, 3)), T((1, 2, 2))), dict(align_corners=False), RuntimeError,
               r"grid_sample: expected a 4-D or 5-D input and a grid with as many dims"),
    ErrorInput((T((1, 1, 0, 3)), T((1, 2, 2, 2))), dict(align_corners=False), RuntimeError,
               r"grid_sample: expected input to have non-empty spatial dimensions"),
    ErrorInput((T((1, 1, 3, 3)), T((1, 2, 2, 2))), dict(mode="foo", align_corners=False),
               ValueError, r"expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: "
               r"'foo'"),
    ErrorInput((T((1, 1, 3, 3)), T((1, 2, 2, 2))), dict(padding_mode="foo"), ValueError,
               r"expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
               r"'foo'"),
    ErrorInput((T((1, 1, 3, 3)), T((1, 2, 2, 2), dtype="float64")), dict(align_corners=False),
               RuntimeError, r"grid_sample: expected input and grid of one floating dtype"),
    ErrorInput((T((1, 1, 2, 3, 3)), T((1, 2, 2, 2, 3))), dict(mode="bicubic",
                                                             align_corners=False),
               RuntimeError, r"grid_sampler\(\): bicubic interpolation only supports 4D input, "
               r"got input of shape \(1, 1, 2, 3, 3\) and grid of shape \(1, 2, 2, 2, 3\)"),
]

_AFFINE_ERRORS = [
    ErrorInput((T((1, 3, 3)), (1, 1, 2, 2)), dict(align_corners=False), ValueError,
               r"affine_grid: expected a batch of 2D affine matrices of shape Nx2x3 for size "
               r"\(1, 1, 2, 2\). Got \(1, 3, 3\)"),
    ErrorInput((T((1, 2, 3)), (1, 1, 2)), dict(align_corners=False), NotImplementedError,
               r"affine_grid only supports 4D and 5D sizes"),
    ErrorInput((T((1, 2, 3)), (1, 1, 0, 2)), dict(align_corners=False), ValueError,
               r"affine_grid: expected non-zero, positive output size. Got \(1, 1, 0, 2\)"),
]

RECORDS = [
    OpRecord("nn.functional.grid_sample", F.grid_sample, TF.grid_sample,
             _samples("bilinear"), second_order=True, jvp=True, errors=_ERRORS),
    OpRecord("nn.functional.grid_sample", F.grid_sample, TF.grid_sample,
             _samples("nearest"), variant="nearest"),
    OpRecord("nn.functional.grid_sample", F.grid_sample, TF.grid_sample,
             _samples("bicubic"), second_order=True, jvp=True, variant="bicubic"),
    OpRecord("nn.functional.affine_grid", F.affine_grid, TF.affine_grid, [
        Sample((T((2, 2, 3)), (2, 3, 4, 5)), dict(align_corners=False), name="2d"),
        Sample((T((2, 2, 3)), [2, 1, 1, 5]), dict(align_corners=True), name="2d-unit-align"),
        Sample((T((2, 3, 4)), (2, 1, 3, 4, 2)), dict(align_corners=True), name="3d-align"),
        Sample((T((1, 3, 4)), (1, 2, 2, 1, 3)), dict(align_corners=False), name="3d"),
    ], second_order=True, jvp=True, errors=_AFFINE_ERRORS),
]
