"""Records for ember.nn.functional convolutions, transposed convolutions, unfold and fold."""

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, I, OpRecord, Sample, T

_CONV2D = [
    Sample((T((2, 3, 6, 5)), T((4, 3, 3, 3)), T((4,))), name="bias"),
    Sample((T((2, 4, 7, 6)), T((6, 2, 3, 2))),
           dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2), name="groups"),
    Sample((T((1, 4, 5, 5)), T((4, 1, 3, 3)), T((4,))), dict(padding=1, groups=4),
           name="depthwise"),
    Sample((T((2, 3, 5, 6)), T((2, 3, 2, 3))), dict(padding="same", dilation=2), name="same"),
    Sample((T((3, 5, 5)), T((2, 3, 3, 3))), dict(padding="valid"), name="unbatched"),
    Sample((T((0, 3, 5, 5)), T((2, 3, 3, 3))), name="empty-batch"),
    Sample((T((1, 2, 4, 4), noncontig=True), T((3, 2, 2, 2)), T((3,))), dict(stride=2),
           name="strided-input"),
]

_CONV_ERRORS = [
    ErrorInput((T((5, 5)), T((2, 3, 3, 3))), {}, RuntimeError,
               r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, got shape "
               r"\(5, 5\)"),
    ErrorInput((T((1, 4, 5, 5)), T((2, 3, 3, 3))), {}, RuntimeError,
               r"conv2d: .*weight of shape \(2, 3, 3, 3\).*to have 3 channels, got 4"),
    ErrorInput((T((1, 3, 2, 2)), T((2, 3, 3, 3))), {}, RuntimeError,
               r"conv2d: padded input size per channel \(2, 2\) is smaller than the "
               r"\(dilated\) kernel size \(3, 3\)"),
    ErrorInput((T((1, 3, 5, 5)), T((2, 3, 3, 3))), dict(padding="same", stride=2),
               ValueError, r"conv2d: padding='same' is not supported for strided"),
    ErrorInput((T((1, 3, 5, 5)), T((2, 3, 3, 3))), dict(padding="full"), ValueError,
               r"conv2d: invalid padding string 'full'"),
    ErrorInput((I((1, 3, 5, 5)), I((2, 3, 3, 3))), {}, RuntimeError,
               r"conv2d: expected a floating-point tensor, got int64"),
]

_TRANSPOSE2D = [
    Sample((T((2, 4, 3, 3)), T((4, 3, 3, 2)), T((6,))),
           dict(stride=2, padding=1, output_padding=1, groups=2), name="groups"),
    Sample((T((1, 2, 3, 4)), T((2, 3, 3, 3))),
           dict(stride=(2, 3), dilation=(2, 1), output_padding=(1, 2)), name="dilated"),
    Sample((T((2, 3, 3)), T((2, 2, 2, 2))), name="unbatched"),
]

RECORDS = [
    OpRecord("conv2d", F.conv2d, TF.conv2d, _CONV2D, second_order=True, jvp=True,
             atol=1e-4, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4, errors=_CONV_ERRORS),
    OpRecord("conv1d", F.conv1d, TF.conv1d, [
        Sample((T((2, 3, 7)), T((4, 3, 3)), T((4,))), dict(stride=2, padding=2), name="bias"),
        Sample((T((2, 4, 6)), T((4, 2, 2))), dict(padding="same", dilation=3, groups=2),
               name="same-groups"),
        Sample((T((3, 5)), T((2, 3, 2))), name="unbatched"),
    ], second_order=True, atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4, errors=[
        ErrorInput((T((1, 2, 3, 5)), T((2, 2, 2))), {}, RuntimeError,
                   r"conv1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input"),
    ]),
    OpRecord("conv3d", F.conv3d, TF.conv3d, [
        Sample((T((2, 2, 4, 3, 4)), T((3, 2, 2, 2, 3)), T((3,))),
               dict(stride=(1, 2, 1), padding=(1, 0, 1)), name="bias"),
        Sample((T((1, 4, 3, 3, 3)), T((2, 2, 2, 2, 2))), dict(groups=2, dilation=2,
                                                               padding=1), name="groups"),
    ], atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4),
    OpRecord("conv_transpose2d", F.conv_transpose2d, TF.conv_transpose2d, _TRANSPOSE2D,
             second_order=True, atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4, errors=[
                 ErrorInput((T((1, 2, 3, 3)), T((2, 2, 3, 3))), dict(output_padding=1),
                            RuntimeError, r"conv_transpose2d: output_padding must be smaller"),
                 ErrorInput((T((1, 3, 3, 3)), T((2, 2, 3, 3))), {}, RuntimeError,
                            r"conv_transpose2d: .*to have 2 channels, got 3"),
             ]),
    OpRecord("conv_transpose1d", F.conv_transpose1d, TF.conv_transpose1d, [
        Sample((T((2, 2, 4)), T((2, 3, 3)), T((3,))), dict(stride=3, padding=1,
                                                            output_padding=2), name="bias"),
    ], atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4),
    OpRecord("conv_transpose3d", F.conv_transpose3d, TF.conv_transpose3d, [
        Sample((T((1, 2, 2, 3, 2)), T((2, 2, 2, 2, 2)), T((4,))),
               dict(stride=(2, 1, 2), groups=2, padding=(0, 1, 0)), name="bias"),
    ], atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4),
    OpRecord("unfold", F.unfold, TF.unfold, [
        Sample((T((2, 3, 5, 4)), (2, 3)), dict(dilation=(1, 2), padding=1, stride=(2, 1)),
               name="args"),
        Sample((T((2, 4, 4)), 2), name="unbatched"),
    ], second_order=True, jvp=True, errors=[
        ErrorInput((T((1, 1, 2, 2)), 3), {}, RuntimeError,
                   r"unfold: padded input size \(2, 2\) is smaller than the"),
    ]),
    OpRecord("fold", F.fold, TF.fold, [
        Sample((T((2, 12, 12)), (4, 5), (2, 2)), dict(stride=(2, 1), padding=(0, 1)),
               name="args"),
        Sample((T((4, 9)), 4, 2), name="unbatched"),
    ], second_order=True, jvp=True, errors=[
        ErrorInput((T((1, 4, 8)), 3, 2), {}, RuntimeError,
                   r"fold: .*number of sliding blocks 4, got 8"),
    ]),
]
