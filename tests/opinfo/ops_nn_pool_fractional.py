"""Records for fractional max pooling with fixed ``_random_samples`` (so both frameworks pick
the same windows). Inputs are random floats, so each window's maximum is unique."""

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, I, OpRecord, Sample, T


def _u(*shape):
    return T(shape, 0.0, 1.0, grad=False)  # samples in [0, 1), in the input's dtype


def _rec(name, samples, errors):
    return OpRecord(name, getattr(F, name), getattr(TF, name), samples, errors=errors,
                    jvp=True)


_ERRORS_2D = [
    ErrorInput((T((1, 2, 7, 6)), 3), dict(output_size=(6, 4)), RuntimeError,
               r"fractional_max_pool2d: pool height 3 too large relative to input height 7"),
    ErrorInput((T((2, 3, 7, 6)), 2, 3, None, False, _u(2, 3, 3)), {}, RuntimeError, r"expected _random_samples of shape \(at least 2, 3, 2\)"),
    ErrorInput((T((2, 3, 7, 6)), 2, 3, None, False, _u(1, 3, 2)), {}, RuntimeError, r"expected _random_samples of shape \(at least 2, 3, 2\)"),
    ErrorInput((T((2, 3, 7, 6)), 2, 3, None, False, _u(2, 3)), {}, RuntimeError, r"expected _random_samples to have 3 dimensions"),
    ErrorInput((T((2, 3, 7, 6)), 2, 3, None, False, T((2, 3, 2), dtype="float64")), {},
               RuntimeError, r"_random_samples to have the same dtype as input"),
    ErrorInput((T((7, 6)), 2), dict(output_size=3), RuntimeError,
               r"fractional_max_pool2d: expected a 3D \(unbatched\) or 4D \(batched\) input"),
    ErrorInput((T((2, 0, 7, 6)), 2), dict(output_size=3), RuntimeError,
               r"non-zero size for non-batch dimensions"),
    ErrorInput((T((2, 3, 7, 6)), 2), {}, ValueError,
               r"fractional_max_pool2d requires specifying either an output_size or an "
               r"output_ratio"),
    ErrorInput((T((2, 3, 7, 6)), 2), dict(output_ratio=(0.5, 0.5, 0.5)), ValueError,
               r"requires output_ratio to either be a single Int or tuple of Ints"),
    ErrorInput((I((2, 3, 7, 6)), 2), dict(output_size=3), RuntimeError,
               r"fractional_max_pool2d: expected a floating-point tensor, got int64"),
]

# Positional: (input, kernel_size, output_size, output_ratio, return_indices,
# _random_samples), since the tensor specs are materialised only among the arguments.
RECORDS = [
    _rec("fractional_max_pool2d", [
        Sample((T((2, 3, 11, 9)), (3, 2), (5, 4), None, True, _u(2, 3, 2)), name="size"),
        Sample((T((2, 2, 10, 8)), 2, None, (0.5, 0.75), False, _u(3, 2, 2)), name="ratio"),
        Sample((T((3, 10, 10)), 3, (1, 8), None, True, _u(1, 3, 2)), name="unbatched"),
        Sample((T((0, 2, 6, 6)), 2, 3, None, False, _u(0, 2, 2)), name="empty-batch"),
    ], _ERRORS_2D),
    _rec("fractional_max_pool3d", [
        Sample((T((2, 2, 7, 6, 5)), (2, 3, 2), (4, 3, 3), None, True, _u(2, 2, 3)),
               name="size"),
        Sample((T((2, 6, 6, 7)), 2, None, 0.5, False, _u(1, 2, 3)), name="unbatched-ratio"),
    ], [
        ErrorInput((T((1, 2, 5, 5, 5)), 2), dict(output_size=4), RuntimeError,
                   r"fractional_max_pool3d: pool time 2 too large relative to input time 5"),
        ErrorInput((T((1, 2, 5, 5, 5)), 2, 3, None, False, _u(1, 2, 2)), {}, RuntimeError, r"expected _random_samples of shape \(at least 1, 2, 3\)"),
    ]),
    OpRecord("fractional_max_pool2d_with_indices", F.fractional_max_pool2d_with_indices,
             TF.fractional_max_pool2d_with_indices, [
                 Sample((T((2, 3, 9, 9)), 3, 4, None, False, _u(2, 3, 2)))
             ]),
    OpRecord("fractional_max_pool3d_with_indices", F.fractional_max_pool3d_with_indices,
             TF.fractional_max_pool3d_with_indices, [
                 Sample((T((1, 2, 6, 6, 6)), 2, None, (0.5, 0.6, 0.7), False, _u(1, 2, 3)))
             ]),
]
