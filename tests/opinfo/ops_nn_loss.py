"""Records for ember.nn.functional's losses (ember/nn/functional/loss*.py)."""

import numpy as np
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F

from .core import ErrorInput, I, OpRecord, Sample, T

_RED = ("mean", "sum", "none")


def _rec(name, samples, second_order=True, efn=None, tfn=None, **kw):
    return OpRecord(f"nn.functional.{name}", efn or getattr(F, name), tfn or getattr(TF, name),
                    samples, second_order=second_order, **kw)


def _reductions(args, **kwargs):
    return [Sample(args, {"reduction": r, **kwargs}, name=r) for r in _RED]


def _signs(shape):
    """A fixed target of 1 and -1 (a constant, not a random spec)."""
    values = np.where(np.arange(int(np.prod(shape))) % 3 == 0, -1.0, 1.0).reshape(shape)
    return _Const(values)


class _Const:
    """A constant array argument: converted per library and dtype by the record lambdas."""

    def __init__(self, values):
        self.values = values


def _wrap(fn, lib):
    """Turn _Const arguments into tensors of the first tensor argument's dtype."""
    def call(*args, **kwargs):
        like = next(a for a in args if not isinstance(a, _Const))
        conv = [lib_tensor(lib, a.values, like) if isinstance(a, _Const) else a for a in args]
        return fn(*conv, **kwargs)
    return call


def lib_tensor(lib, values, like):
    if lib is torch:
        return torch.tensor(values, dtype=like.dtype)
    return ember.tensor(values, dtype=like.dtype)


def _c(name, samples, **kw):
    """A record whose samples may hold _Const arguments."""
    return _rec(name, samples, efn=_wrap(getattr(F, name), ember),
                tfn=_wrap(getattr(TF, name), torch), **kw)


_PROB = T((3, 4), low=0.05, high=0.95)
_PROB_T = T((3, 4), low=0.0, high=1.0)


def _weighted_ce():
    w = T((4,), low=0.5, high=2.0, grad=False)
    return [
        *_reductions((T((3, 4)), I((3,), 4))),
        Sample((T((3, 4)), I((3,), 4), w), name="weight"),
        Sample((T((3, 4)), I((3,), 4), w), {"reduction": "sum"}, name="weight-sum"),
        Sample((T((2, 4, 3)), I((2, 3), 4), w), name="nd-weight"),
        Sample((T((2, 4, 2, 3)), I((2, 2, 3), 4)), {"reduction": "none"}, name="4d"),
        Sample((T((4,)), I((), 4)), name="unbatched"),
        Sample((T((3, 4)), I((3,), 4)), {"ignore_index": 1}, name="ignore"),
        Sample((T((3, 4)), I((3,), 4), w), {"ignore_index": 2, "label_smoothing": 0.2},
               name="ignore-weight-smooth"),
        Sample((T((3, 4)), I((3,), 4)), {"label_smoothing": 0.1, "reduction": "none"},
               name="smooth-none"),
        Sample((T((2, 4, 3)), I((2, 3), 4)), {"label_smoothing": 0.3, "reduction": "sum"},
               name="smooth-nd-sum"),
        Sample((T((0, 4)), I((0,), 4)), {"reduction": "sum"}, name="empty"),
    ]


def _prob_ce():
    p = T((3, 4), low=0.0, high=1.0, grad=False)
    return [Sample((T((3, 4)), p), name="probs"),
            Sample((T((3, 4)), p), {"label_smoothing": 0.2, "reduction": "sum"},
                   name="probs-smooth"),
            Sample((T((3, 4)), p, T((4,), low=0.5, high=2, grad=False)), name="probs-weight"),
            Sample((T((2, 4, 3)), T((2, 4, 3), low=0, high=1)), {"reduction": "none"},
                   name="probs-nd")]


_CE_ERRORS = [
    ErrorInput((T((3, 4)), I((3,), 5, low=4)), {}, IndexError,
               r"cross_entropy: target 4 is out of bounds for 4 classes"),
    ErrorInput((T((3, 4)), I((3,), -1, low=-2)), {}, IndexError,
               r"cross_entropy: target -2 is out of bounds for 4 classes"),
    ErrorInput((T((3, 4)), I((2,), 4)), {}, ValueError,
               r"cross_entropy: expected input batch_size \(3\) to match target batch_size "
               r"\(2\).*\(3, 4\).*\(2,\)"),
    ErrorInput((T((2, 4, 3)), I((2, 5), 4)), {}, RuntimeError,
               r"cross_entropy: expected target of shape \(2, 3\).*\(2, 4, 3\), got \(2, 5\)"),
    ErrorInput((T((3, 4)), I((3,), 4), T((3,))), {}, RuntimeError,
               r"cross_entropy: weight tensor should be defined either for all 4 classes"),
    ErrorInput((T((3, 4)), I((3,), 4)), {"label_smoothing": 1.5}, ValueError,
               r"cross_entropy: label_smoothing must be between 0.0 and 1.0"),
    ErrorInput((T((3, 4)), I((3,), 4)), {"reduction": "avg"}, ValueError,
               r"cross_entropy: 'avg' is not a valid value for reduction"),
    ErrorInput((T((3, 4)), T((3,))), {}, RuntimeError,
               r"cross_entropy: expected class indices of an integer dtype"),
]

_MM_T = I((3,), 4)
# multilabel_margin_loss targets: class indices, a sample's list ends at its first -1
_ML_T = I((3, 4), 4, low=-1)


def _cosine_distance(lib):
    sim = F.cosine_similarity if lib is ember else TF.cosine_similarity
    return lambda x, y: 1.0 - sim(x, y)


def _twd(distance):
    """triplet_margin_with_distance_loss records with a given distance function."""
    def fn(lib, mod):
        def call(a, p, n, **kw):
            if distance is not None:
                kw["distance_function"] = distance(lib)
            return mod.triplet_margin_with_distance_loss(a, p, n, **kw)
        return call
    return dict(efn=fn(ember, F), tfn=fn(torch, TF))

RECORDS = [
    _rec("cross_entropy", _weighted_ce() + _prob_ce(), errors=_CE_ERRORS),
    _rec("nll_loss", [*_reductions((T((3, 4)), I((3,), 4))),
                      Sample((T((3, 4)), I((3,), 4), T((4,), low=0.5, high=2, grad=False)),
                             {"ignore_index": 0}, name="weight-ignore"),
                      Sample((T((2, 4, 3)), I((2, 3), 4)), {"reduction": "none"}, name="nd")],
         errors=[ErrorInput((T((3, 4)), I((3,), 9, low=7)), {"ignore_index": 7}, IndexError,
                            r"nll_loss: target 8 is out of bounds for 4 classes")]),
    _rec("mse_loss", [*_reductions((T((3, 4)), T((3, 4)))),
                      Sample((T((3, 4)), T((3, 4)), None, None, "mean",
                              T((3, 4), low=0.1, high=1, grad=False)), name="weight"),
                      Sample((T(()), T(())), name="0d")],
         errors=[ErrorInput((T((3,)), T((3,))), {"reduction": "x"}, ValueError,
                            r"mse_loss: 'x' is not a valid value for reduction"),
                 ErrorInput((T((3,)), T((3,))), {"weight": T((2,))}, ValueError,
                            r"mse_loss: weights and input must have the same size.*\(2,\)")]),
    _rec("l1_loss", [*_reductions((T((3, 4)), T((3, 4)))),
                     Sample((T((3, 4)), T((3, 4)), None, None, "mean",
                             T((3, 4), 0.1, 1, grad=False)), name="weight")],
         second_order=False),
    _rec("smooth_l1_loss", [*_reductions((T((3, 4)), T((3, 4)))),
                            Sample((T((3, 4)), T((3, 4))), {"beta": 0.5}, name="beta"),
                            Sample((T((3, 4)), T((3, 4))), {"beta": 0.0}, name="beta0")],
         second_order=False),
    _rec("huber_loss", [*_reductions((T((3, 4)), T((3, 4)))),
                        Sample((T((3, 4)), T((3, 4))), {"delta": 0.5}, name="delta"),
                        Sample((T((3, 4)), T((3, 4)), "sum", 1.0,
                                T((3, 4), 0.1, 1, grad=False)), name="weight")],
         second_order=False),
    _c("soft_margin_loss", [*_reductions((T((3, 4)), _signs((3, 4))))]),
    _rec("binary_cross_entropy", [*_reductions((_PROB, _PROB_T)),
                                  Sample((_PROB, _PROB_T, T((3, 4), 0.1, 1, grad=False)),
                                         name="weight")],
         errors=[ErrorInput((T((3,), 1.5, 2.0), T((3,), 0, 1)), {}, RuntimeError,
                            r"binary_cross_entropy: all elements of input should be between 0 "
                            r"and 1"),
                 ErrorInput((T((3,), 0, 1), T((2,), 0, 1)), {}, ValueError,
                            r"binary_cross_entropy: .*target size \(\(2,\)\).*input size "
                            r"\(\(3,\)\)")]),
    _rec("binary_cross_entropy_with_logits", [
        *_reductions((T((3, 4), -5, 5), _PROB_T)),
        Sample((T((3, 4), -5, 5), _PROB_T, T((4,), 0.5, 3, grad=False), None, None, "mean",
                T((4,), 0.5, 3, grad=False)), name="pos"),
        Sample((T((3,), -300, 300), T((3,), 0, 1)), name="large")],
         errors=[ErrorInput((T((3,)), T((2,))), {}, ValueError,
                            r"binary_cross_entropy_with_logits: target size \(\(2,\)\) must "
                            r"be the same as input size \(\(3,\)\)")]),
    _rec("kl_div", [*_reductions((T((3, 4), -3, 0), T((3, 4), 0, 1))),
                    Sample((T((3, 4), -3, 0), T((3, 4), 0, 1)), {"reduction": "batchmean"},
                           name="batchmean"),
                    Sample((T((3, 4), -3, 0), T((3, 4), -3, 0)),
                           {"log_target": True, "reduction": "batchmean"}, name="log_target")],
         errors=[ErrorInput((T((3,)), T((3,))), {"reduction": "bm"}, ValueError,
                            r"kl_div: 'bm' is not a valid value")]),
    _rec("poisson_nll_loss", [*_reductions((T((3, 4)), T((3, 4), 0, 3))),
                              Sample((T((3, 4), 0.1, 3), T((3, 4), 0, 3), False), name="prob"),
                              Sample((T((3, 4)), T((3, 4), 0, 4), True, True), name="full")]),
    _rec("gaussian_nll_loss", [
        *_reductions((T((3, 4)), T((3, 4)), T((3, 4), 0.1, 2))),
        Sample((T((3, 4)), T((3, 4)), T((3,), 0.1, 2)), name="homoscedastic"),
        Sample((T((3, 4)), T((3, 4)), T((3, 1), 0.1, 2)), {"full": True}, name="full")],
         errors=[ErrorInput((T((3, 4)), T((3, 4)), T((2, 4), 0, 1)), {}, ValueError,
                            r"gaussian_nll_loss: var is of incorrect size.*\(2, 4\)"),
                 ErrorInput((T((3,)), T((3,)), T((3,), -2, -1)), {}, ValueError,
                            r"gaussian_nll_loss: var has negative entry")]),
    # var below eps is clamped without a gradient cut (PyTorch clamps under no_grad): the
    # gradient is not the finite difference there, so only the comparison with torch runs.
    _rec("gaussian_nll_loss", [Sample((T((3, 4)), T((3, 4)), T((3, 4), 0.0, 1e-6)))],
         variant="clamped", fd=False),
    _c("cosine_embedding_loss", [
        *_reductions((T((4, 3)), T((4, 3)), _signs((4,)))),
        Sample((T((4, 3)), T((4, 3)), _signs((4,)), 0.3), name="margin"),
        Sample((T((3,)), T((3,)), _signs(())), name="1d")], errors=[
        ErrorInput((T((4, 3)), T((4, 2)), T((4,))), {}, RuntimeError,
                   r"cosine_embedding_loss: expected input1 and input2 of one shape.*\(4, 3\) "
                   r"and \(4, 2\)")]),
    _c("margin_ranking_loss", [*_reductions((T((5,)), T((5,)), _signs((5,)))),
                               Sample((T((5,)), T((5,)), _signs((5,)), 0.5), name="margin")],
       second_order=False, errors=[
           ErrorInput((T((5,)), T((5, 1)), T((5,))), {}, RuntimeError,
                      r"margin_ranking_loss: all input tensors should have the same number")]),
    _c("hinge_embedding_loss", [*_reductions((T((3, 4)), _signs((3, 4)))),
                                Sample((T((3, 4)), _signs((3, 4)), 0.5), name="margin")],
       second_order=False),
    _rec("triplet_margin_loss", [
        *_reductions((T((4, 3)), T((4, 3)), T((4, 3)))),
        Sample((T((4, 3)), T((4, 3)), T((4, 3))), {"p": 1.0, "swap": True}, name="p1-swap"),
        Sample((T((3,)), T((3,)), T((3,))), {"margin": 2.0}, name="1d")], errors=[
        ErrorInput((T((4, 3)), T((3,)), T((4, 3))), {}, RuntimeError,
                   r"triplet_margin_loss: .*anchor 2D, positive 1D, and negative 2D")]),
    _rec("multilabel_soft_margin_loss", [
        *_reductions((T((3, 4)), _PROB_T)),
        Sample((T((3, 4)), _PROB_T, T((4,), 0.5, 2, grad=False)), name="weight")]),
    _rec("multi_margin_loss", [
        *_reductions((T((3, 4)), _MM_T)),
        Sample((T((3, 4)), _MM_T, 2, 0.5, T((4,), 0.5, 2, grad=False)), name="p2-weight"),
        Sample((T((4,)), I((), 4)), name="unbatched")], second_order=False, errors=[
        ErrorInput((T((3, 4)), _MM_T), {"p": 3}, ValueError,
                   r"multi_margin_loss: only p == 1 and p == 2 supported"),
        ErrorInput((T((3, 4)), I((3,), 6, low=5)), {}, IndexError,
                   r"multi_margin_loss: target 5 is out of bounds for 4 classes")]),
    _rec("multilabel_margin_loss", [
        *_reductions((T((3, 4)), _ML_T)),
        Sample((T((5,)), I((5,), 5, low=-1)), name="unbatched"),
        Sample((T(()), I((), 1)), name="0-d"),
        # "none" only: PyTorch's sum and mean of an empty batch read uninitialised memory
        Sample((T((0, 4)), I((0, 4), 4)), {"reduction": "none"}, name="empty-batch"),
        Sample((T((2, 6)), I((2, 6), 6)), {"reduction": "none"}, name="no-end-marker"),
    ], second_order=False, errors=[
        ErrorInput((T((3, 4)), I((3, 4), 5, low=4)), {}, RuntimeError,
                   r"multilabel_margin_loss: target values must be class indices in "
                   r"\[0, 4\) or -1 .*got 4"),
        ErrorInput((T((3, 4)), I((3, 3), 3)), {}, RuntimeError,
                   r"multilabel_margin_loss: inconsistent target size: \(3, 3\) for input of "
                   r"size: \(3, 4\)"),
        ErrorInput((T((3, 4)), I((3, 4), 3, dtype="int32")), {}, RuntimeError,
                   r"multilabel_margin_loss: expected target of dtype int64"),
        ErrorInput((T((2, 3, 4)), I((2, 3, 4), 3)), {}, RuntimeError,
                   r"multilabel_margin_loss: expected a non-empty vector \(C,\) or a matrix"),
    ]),
    _rec("triplet_margin_with_distance_loss", [
        *_reductions((T((4, 3)), T((4, 3)), T((4, 3)))),
        Sample((T((4, 3)), T((1, 3)), T((4, 3))), {"swap": True, "margin": 2.0},
               name="broadcast-swap"),
        Sample((T((3,)), T((3,)), T((3,))), name="1d"),
        Sample((T((0, 3)), T((0, 3)), T((0, 3))), {"reduction": "sum"}, name="empty"),
    ], **_twd(None), errors=[
        ErrorInput((T((4, 3)), T((3,)), T((4, 3))), {}, RuntimeError,
                   r"triplet_margin_with_distance_loss: .*anchor 2D, positive 1D, and "
                   r"negative 2D"),
        ErrorInput((T((4, 3)), T((4, 3)), T((4, 3))), {"margin": 0.0}, ValueError,
                   r"triplet_margin_with_distance_loss: margin must be greater than 0, got 0"),
        ErrorInput((T((4, 3)), T((4, 3)), T((4, 3))), {"reduction": "avg"}, ValueError,
                   r"triplet_margin_with_distance_loss: 'avg' is not a valid value"),
    ]),
    _rec("triplet_margin_with_distance_loss", [
        Sample((T((4, 3)), T((4, 3)), T((4, 3))), {"swap": True}, name="swap"),
        Sample((T((2, 4, 3)), T((2, 4, 3)), T((2, 4, 3))), {"reduction": "none"}, name="3d"),
    ], **_twd(_cosine_distance), variant="cosine"),
]
