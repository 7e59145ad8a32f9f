"""Records for the layer functions at top level (``ember.batch_norm``, ``ember.kl_div``, ...),
called with PyTorch's top-level signatures (positional, ATen's integer reductions) against the
same ``torch.<name>``."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

_TOL = dict(atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4)


def _rec(name, samples, errors=(), **kw):
    return OpRecord(name, getattr(ember, name), getattr(torch, name), samples,
                    variant="toplevel", errors=list(errors), **kw)


def _target_pm1(shape):
    return I(shape, high=2)  # 0/1, mapped to -1/+1 below


_LAYERS = [
    _rec("conv1d", [Sample((T((2, 3, 6)), T((4, 3, 3)), T((4,)), 2, 1, 1, 1))], **_TOL),
    _rec("conv2d", [Sample((T((1, 2, 5, 5)), T((2, 1, 3, 3)), None, 1, "same", 1, 2))],
         **_TOL),
    _rec("conv3d", [Sample((T((1, 2, 3, 3, 3)), T((2, 2, 2, 2, 2))))], **_TOL),
    _rec("conv_transpose1d", [Sample((T((1, 2, 4)), T((2, 3, 3)), T((3,)), 2, 1, 1))],
         **_TOL),
    _rec("conv_transpose2d", [Sample((T((1, 2, 3, 3)), T((2, 2, 2, 2))))], **_TOL),
    _rec("conv_transpose3d", [Sample((T((1, 2, 2, 2, 2)), T((2, 1, 2, 2, 2))))], **_TOL),
    _rec("conv_tbc", [Sample((T((5, 2, 3)), T((3, 3, 4)), T((4,)), 1), name="pad"),
                      Sample((T((4, 1, 2)), T((2, 2, 3)), T((3,)))),
                      Sample((T((3, 0, 2)), T((2, 2, 3)), T((3,))), name="empty-batch")],
         second_order=True, errors=[
             ErrorInput((T((5, 2)), T((3, 3, 4)), T((4,))), {}, RuntimeError,
                        r"conv_tbc: Input must have 3 dims: time, batch, in_channel, got \(5, 2\)"),
             ErrorInput((T((5, 2, 3)), T((3, 2, 4)), T((4,))), {}, RuntimeError,
                        r"conv_tbc: Input dim 2 \(input channels\) is not == dim 1"),
             ErrorInput((T((5, 2, 3)), T((3, 3, 4)), T((5,))), {}, RuntimeError,
                        r"conv_tbc: Bias size must equal dim 2"),
         ], **_TOL),
    _rec("batch_norm", [
        Sample((T((4, 3, 2)), T((3,)), T((3,)), None, None, True, 0.1, 1e-5, False)),
        Sample((T((4, 3)), None, None, T((3,), grad=False), T((3,), 0.5, 2.0, grad=False),
                False, 0.1, 1e-5, True), name="eval"),
    ], **_TOL),
    _rec("instance_norm", [
        Sample((T((2, 3, 5)), T((3,)), T((3,)), None, None, True, 0.1, 1e-5, False)),
    ], **_TOL),
    _rec("layer_norm", [Sample((T((2, 3, 4)), [3, 4], T((3, 4)), T((3, 4)), 1e-5, False)),
                        Sample((T((2, 5)), (5,)), name="defaults")], **_TOL),
    _rec("group_norm", [Sample((T((2, 4, 3)), 2, T((4,)), T((4,)), 1e-5, True)),
                        Sample((T((2, 4)), 4), name="defaults")], **_TOL),
    _rec("rms_norm", [Sample((T((2, 3)), [3], T((3,)), 1e-6))], **_TOL),
    _rec("bilinear", [Sample((T((2, 3)), T((2, 4)), T((5, 3, 4)), T((5,))))], **_TOL),
    _rec("threshold", [Sample((T((3, 4)), 0.5, -2.0))]),
    _rec("celu", [Sample((T((3, 4)),)), Sample((T((2,)), 0.5), name="alpha")],
         second_order=True, jvp=True),
    _rec("selu", [Sample((T((3, 4)),)), Sample((T(()),), name="0-d")], second_order=True),
    _rec("rrelu", [Sample((T((3, 4)),)), Sample((T((5,)), 0.2, 0.4, False), name="eval")]),
    _rec("prelu", [Sample((T((2, 3, 4)), T((3,)))), Sample((T((2, 3)), T((1,))), name="one")]),
    _rec("hardshrink", [Sample((T((3, 4)),)), Sample((T((5,)), 1.0), name="lambd")]),
    _rec("max_pool1d", [Sample((T((2, 3, 7)), 3, [], 1, 1, True)),
                        Sample((T((1, 6)), 2), name="unbatched")]),
    _rec("max_pool2d", [Sample((T((1, 2, 5, 5)), 2, 1, 0, 2, False))]),
    _rec("max_pool3d", [Sample((T((1, 2, 4, 4, 4)), (2, 2, 2)))]),
    _rec("avg_pool1d", [Sample((T((2, 3, 7)), 3, 2, 1, True, False)),
                        Sample((T((2, 6)), 2), name="default-stride")]),
    _rec("adaptive_avg_pool1d", [Sample((T((2, 3, 7)), 3))]),
    _rec("adaptive_max_pool1d", [Sample((T((2, 3, 7)), 3))]),
    _rec("max_pool1d_with_indices", [Sample((T((2, 3, 7)), 2, 2, 1))]),
    _rec("constant_pad_nd", [Sample((T((2, 3)), [1, 2, 0, 1], 1.5)),
                             Sample((T((2, 4)), [-1, 1]), name="negative")],
         second_order=True, jvp=True),
    _rec("pixel_shuffle", [Sample((T((1, 8, 2, 3)), 2))]),
    _rec("pixel_unshuffle", [Sample((T((1, 2, 4, 6)), 2))]),
    _rec("channel_shuffle", [Sample((T((1, 6, 2, 2)), 3))]),
    _rec("native_channel_shuffle", [Sample((T((2, 4, 3)), 2))], grad=False),  # torch: none
    _rec("cosine_similarity", [Sample((T((3, 4)), T((1, 4)), 1, 1e-8))], **_TOL),
    _rec("pairwise_distance", [Sample((T((3, 4)), T((3, 4)), 1.0, 1e-6, True))], **_TOL),
    _rec("embedding", [Sample((T((5, 3)), I((2, 4), high=5)), name="plain"),
                       Sample((T((5, 3)), I((6,), high=5), 2), name="padding"),
                       Sample((T((5, 3)), I((6,), high=5), -1, True), name="freq")],
         fd=False),  # padding rows and scale_grad_by_freq change the gradient on purpose
]


def _signed(fn, k):
    """Call ``fn`` with argument ``k``, 0/1 labels, as -1/+1 in the inputs' dtype."""
    def call(*args, **kwargs):
        args = list(args)
        args[k] = (args[k] * 2 - 1).to(args[0].dtype)
        return fn(*args, **kwargs)
    return call


_REDUCTION_ERRORS = [
    ErrorInput((T((3,)), T((3,))), dict(reduction="mean"), TypeError,
               r"kl_div\(\): argument 'reduction' must be int, not str"),
    ErrorInput((T((3,)), T((3,))), dict(reduction=3), ValueError,
               r"kl_div: reduction must be one of 0 \(none\), 1 \(mean\), 2 \(sum\), got 3"),
]

_LOSSES = [
    _rec("kl_div", [Sample((T((3, 4)), T((3, 4), 0.1, 1.0))),
                    Sample((T((3, 4)), T((3, 4)), 0), dict(log_target=True), name="none-log"),
                    Sample((T((3, 4)), T((3, 4), 0.1, 1.0), 2), name="sum")],
         errors=_REDUCTION_ERRORS),
    OpRecord("margin_ranking_loss", _signed(ember.margin_ranking_loss, 2),
             _signed(torch.margin_ranking_loss, 2),
             [Sample((T((5,)), T((5,)), _target_pm1((5,)), 0.3, 0)),
              Sample((T((5,)), T((5,)), _target_pm1((5,)))), ], variant="toplevel"),
    OpRecord("hinge_embedding_loss", _signed(ember.hinge_embedding_loss, 1),
             _signed(torch.hinge_embedding_loss, 1),
             [Sample((T((5,)), _target_pm1((5,)), 0.5, 2))], variant="toplevel"),
    OpRecord("cosine_embedding_loss", _signed(ember.cosine_embedding_loss, 2),
             _signed(torch.cosine_embedding_loss, 2),
             [Sample((T((4, 3)), T((4, 3)), _target_pm1((4,)), 0.2, 1))], variant="toplevel",
             **_TOL),
    _rec("poisson_nll_loss", [Sample((T((4,)), T((4,), 0.0, 3.0), True, False, 1e-8, 1)),
                              Sample((T((4,), 0.5, 2.0), T((4,), 0.0, 3.0), False, True, 1e-8,
                                      0), name="full")], **_TOL),
    _rec("triplet_margin_loss", [Sample((T((3, 4)), T((3, 4)), T((3, 4)), 1.0, 2.0, 1e-6,
                                         True, 2))], **_TOL),
    _rec("binary_cross_entropy_with_logits", [
        Sample((T((3, 4)), T((3, 4), 0.0, 1.0), T((4,), grad=False),
                T((4,), 0.5, 2.0, grad=False), 0)),  # torch: no gradient for either weight
        Sample((T((3,)), T((3,), 0.0, 1.0)), name="defaults"),
    ], **_TOL),
]

RECORDS = _LAYERS + _LOSSES
