"""Loss layers against torch.nn (layer harness), ctc_loss against torch, and loss errors."""

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from tests.nn.harness import check_layer

torch = pytest.importorskip("torch")
tnn = torch.nn

RNG = np.random.default_rng(0)
X = (4, 3)
CLASSES = RNG.integers(0, 3, size=(4,))
PROBS = RNG.uniform(0, 1, size=X)
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
W = np.array([0.5, 2.0, 1.0])


def _pair(cls, *args, weight=None, **kwargs):
    """(make_ember, make_torch) for ``cls(*args, **kwargs)``, with an optional class weight."""
    def make(lib, module):
        extra = {} if weight is None else {"weight": lib.tensor(weight)}
        return lambda: getattr(module, cls)(*args, **extra, **kwargs)
    return make(ember, nn), make(torch, tnn)


LAYERS = [
    (_pair("L1Loss"), [X, X]),
    (_pair("MSELoss", reduction="sum"), [X, X]),
    (_pair("SmoothL1Loss", beta=0.5), [X, X]),
    (_pair("HuberLoss", "none", 0.5), [X, X]),
    (_pair("SoftMarginLoss"), [X, PROBS.round() * 2 - 1]),
    (_pair("KLDivLoss", reduction="batchmean"), [X, PROBS]),
    (_pair("PoissonNLLLoss", full=True), [X, PROBS * 3]),
    (_pair("BCEWithLogitsLoss", pos_weight=None), [X, PROBS]),
    (_pair("NLLLoss", weight=W, ignore_index=1), [X, CLASSES]),
    (_pair("CrossEntropyLoss", weight=W, label_smoothing=0.1), [X, CLASSES]),
    (_pair("CrossEntropyLoss", reduction="none"), [X, PROBS]),
    (_pair("CrossEntropyLoss"), [(2, 3, 5), RNG.integers(0, 3, size=(2, 5))]),
    (_pair("MultiLabelSoftMarginLoss", weight=W), [X, PROBS.round()]),
    (_pair("MultiMarginLoss", 2, 0.5, weight=W), [X, CLASSES]),
    (_pair("CosineEmbeddingLoss", 0.2), [X, X, SIGNS]),
    (_pair("MarginRankingLoss", 0.1), [(4,), (4,), SIGNS]),
    (_pair("HingeEmbeddingLoss", 0.5), [X, np.tile(SIGNS[:, None], 3)]),
    (_pair("TripletMarginLoss", swap=True), [X, X, X]),
    (_pair("TripletMarginWithDistanceLoss", margin=0.5, swap=True), [X, X, X]),
    (_pair("MultiLabelMarginLoss", reduction="sum"),
     [X, np.array([[2, 0, -1], [1, -1, 2], [0, 1, 2], [-1, 0, 0]])]),
]


@pytest.mark.parametrize("pair,inputs", LAYERS, ids=lambda v: v[0]().__class__.__name__
                         if isinstance(v, tuple) and callable(v[0]) else None)
def test_loss_layer_matches_torch(pair, inputs):
    check_layer(pair[0], pair[1], inputs)


class _Probs:
    """Wrap a probability loss so the harness's normal inputs become probabilities."""

    @staticmethod
    def make(lib, module, loss):
        class Wrapped(module.Module):
            def __init__(self):
                super().__init__()
                self.loss = loss(lib)

            def forward(self, x, t):
                return self.loss(lib.sigmoid(x), t)
        return Wrapped


def test_bce_layer_matches_torch():
    def loss(lib):
        return (nn if lib is ember else tnn).BCELoss(weight=lib.tensor(PROBS + 0.5))
    check_layer(lambda: _Probs.make(ember, nn, loss)(), lambda: _Probs.make(torch, tnn, loss)(),
                [X, PROBS])


def test_gaussian_nll_layer_matches_torch():
    class Var(nn.Module):
        def forward(self, x, t, v):
            return nn.GaussianNLLLoss(full=True)(x, t, v.exp())

    class TVar(tnn.Module):
        def forward(self, x, t, v):
            return tnn.GaussianNLLLoss(full=True)(x, t, v.exp())
    check_layer(Var, TVar, [X, PROBS, (4, 1)])


def test_weight_is_a_buffer_like_torch():
    e = nn.CrossEntropyLoss(weight=ember.tensor(W))
    t = tnn.CrossEntropyLoss(weight=torch.tensor(W))
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=ember.ones(3)).state_dict()) == ["pos_weight"]


def test_legacy_reduction_flags():
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    x, t = ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0])
    assert F.l1_loss(x, t, size_average=False).item() == 3.0


def test_cross_entropy_errors_name_value_and_classes():
    with pytest.raises(IndexError, match="target 7 is out of bounds for 3 classes"):
        F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 7]))
    # ignore_index is the only value outside [0, C) that is accepted
    out = F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, -100]))
    assert abs(out.item() - np.log(3)) < 1e-6
    all_ignored = F.cross_entropy(ember.zeros(2, 3), ember.tensor([-100, -100]))
    want = torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(all_ignored.item()) and np.isnan(want.item())


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"weight": W},
                                    {"weight": W, "label_smoothing": 0.1}, {"nll": True}])
def test_all_ignored_targets_give_nan_loss_and_zero_gradient(kwargs):
    # a batch of padding only: the loss is nan (0 / 0) but the gradient is zero, as in
    # PyTorch; a nan gradient would turn every weight into nan at the next optimizer step
    kwargs = dict(kwargs)
    nll = kwargs.pop("nll", False)
    x = RNG.standard_normal((3, 3))
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    fe = F.nll_loss if nll else F.cross_entropy
    ft = torch.nn.functional.nll_loss if nll else torch.nn.functional.cross_entropy
    ke = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    le = fe(xe, ember.tensor([-100, -100, -100]), **ke)
    lt = ft(xt, torch.tensor([-100, -100, -100]), **kt)
    le.backward()
    lt.backward()
    assert np.isnan(le.item()) and np.isnan(lt.item())
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_module_loss_error_names_the_layer():
    with pytest.raises(IndexError, match=r"CrossEntropyLoss.*target 3 is out of bounds"):
        nn.CrossEntropyLoss()(ember.zeros(2, 3), ember.tensor([0, 3]))


def _ctc_case(targets, in_lens, tg_lens, seed=0, **kwargs):
    x = np.random.default_rng(seed).standard_normal((6, len(in_lens), 5))
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F.ctc_loss(F.log_softmax(xe, 2), ember.tensor(targets), in_lens, tg_lens, **kwargs)
    lt = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(targets), in_lens,
                                      tg_lens, **kwargs)
    np.testing.assert_allclose(le.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    le.sum().backward()
    lt.sum().backward()
    return xe.grad.numpy(), xt.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_loss_matches_torch(reduction):
    targets = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
    g, want = _ctc_case(targets, [6, 5, 4], [3, 2, 0], reduction=reduction)
    np.testing.assert_allclose(g, want, atol=1e-12)


def test_ctc_loss_concatenated_targets_and_blank():
    g, want = _ctc_case(np.array([1, 3, 4, 0, 1]), [6, 5, 6], [2, 3, 0], blank=2)
    np.testing.assert_allclose(g, want, atol=1e-12)


def test_ctc_loss_impossible_alignment_and_zero_infinity():
    targets = np.array([[1, 1, 1, 1], [1, 2, 0, 0]])  # 4 repeats need 7 steps, only 6 given
    loss = F.ctc_loss(F.log_softmax(ember.randn(6, 2, 5), 2), ember.tensor(targets), [6, 6],
                      [4, 2], reduction="none")
    assert np.isinf(loss[0].item()) and np.isfinite(loss[1].item())
    g, want = _ctc_case(targets, [6, 6], [4, 2], zero_infinity=True, reduction="sum")
    np.testing.assert_allclose(g, want, atol=1e-12)
    assert not g[:, 0].any()


def test_ctc_loss_unbatched_and_module():
    x = np.random.default_rng(1).standard_normal((5, 4))
    le = nn.CTCLoss()(F.log_softmax(ember.tensor(x), 1), ember.tensor([1, 2]), [5], [2])
    lt = tnn.CTCLoss()(torch.tensor(x).log_softmax(1), torch.tensor([1, 2]), [5], [2])
    np.testing.assert_allclose(le.item(), lt.item(), rtol=1e-10)
    with pytest.raises(RuntimeError, match=r"input_lengths.*\[0, 5\].*got input_lengths\[0\] = 6"):
        F.ctc_loss(F.log_softmax(ember.tensor(x), 1), ember.tensor([1]), [6], [1])


def test_triplet_with_distance_and_multilabel_margin_modules():
    for lib in (nn, tnn):
        with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to "
                           "be greater than 0, got -1 instead"):
            lib.TripletMarginWithDistanceLoss(margin=-1)
    # the default distance is a PairwiseDistance child, as in PyTorch
    assert repr(nn.TripletMarginWithDistanceLoss()) == repr(tnn.TripletMarginWithDistanceLoss())
    assert repr(nn.MultiLabelMarginLoss()) == repr(tnn.MultiLabelMarginLoss())
    loss = nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1),
                                            reduction="none")
    a = ember.zeros(2, 3)
    assert loss(a, a + 2, a + 1).tolist() == [4.0, 4.0]  # 1 + 6 - 3


def _multilabel_both(x, target, reduction="mean"):
    """multilabel_margin_loss and the input gradient in ember and in torch."""
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F.multilabel_margin_loss(xe, ember.tensor(target), reduction=reduction)
    lt = torch.nn.functional.multilabel_margin_loss(xt, torch.tensor(target),
                                                    reduction=reduction)
    le.sum().backward()
    lt.sum().backward()
    return (le.detach().numpy(), xe.grad.numpy()), (lt.detach().numpy(), xt.grad.numpy())


def test_multilabel_margin_loss_with_many_classes_matches_torch():
    # 5000 classes: the loss pairs only the listed targets with the classes (a dense
    # (N, C, C) float64 comparison would take 12.8 GB here)
    rng = np.random.default_rng(0)
    n, c = 64, 5000
    x = rng.standard_normal((n, c))
    target = np.full((n, c), -1, np.int64)
    for row in range(n):
        k = rng.integers(0, 6)
        target[row, :k] = rng.choice(c, k, replace=False)
    target[3, 7] = 5  # after the first -1: not a target
    target[4, :3] = [9, 9, 2]  # a repeated target
    for reduction in ("none", "sum", "mean"):
        (le, ge), (lt, gt) = _multilabel_both(x, target, reduction)
        np.testing.assert_allclose(le, lt, rtol=1e-12)
        np.testing.assert_allclose(ge, gt, rtol=1e-12, atol=1e-15)


def test_multilabel_margin_loss_gradient_is_zero_at_a_zero_margin():
    # 1 - x[target] + x[i] == 0 exactly: PyTorch counts the pair only where it is > 0
    x = np.array([[1.0, 0.0, 0.5, -2.0]])
    target = np.array([[0, -1, 1, 1]])
    (le, ge), (lt, gt) = _multilabel_both(x, target)
    np.testing.assert_allclose(le, lt, rtol=1e-12)
    np.testing.assert_array_equal(ge, gt)
