"""``nn.AdaptiveLogSoftmaxWithLoss`` against PyTorch with copied weights: the layer harness
(state-dict names, outputs, loss, input and parameter gradients, round trip, one SGD step),
unbatched input, unused clusters, ``log_prob``, ``predict`` on each of its paths, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember

from .harness import check_layer, load_torch_weights

torch = pytest.importorskip("torch")

CASES = [  # in_features, n_classes, cutoffs, div_value, head_bias, targets
    (8, 10, [4, 7], 4.0, False, [0, 5, 9, 3, 6, 7, 8, 1]),
    (16, 20, [3, 8, 15], 2.0, True, [19, 2, 8, 14, 0, 15, 3, 7]),
    (6, 5, [2], 1.5, False, [4, 3, 2]),
    (8, 10, [4, 7], 4.0, True, [0, 1, 2, 3]),  # clusters unused: no gradient there
    (8, 10, [4, 7], 4.0, False, [5]),  # one row: PyTorch's squeeze() makes the head part 0-d
]


def _pair(in_features, n_classes, cutoffs, div_value, head_bias):
    return (lambda: ember.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs,
                                                        div_value, head_bias),
            lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs,
                                                        div_value, head_bias))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}-{c[2]}-{len(c[5])}")
def test_layer_matches_pytorch(case):
    *args, targets = case
    make_e, make_t = _pair(*args)
    check_layer(make_e, make_t, [(len(targets), args[0]), np.array(targets)])


def _twins(*args, seed=0):
    torch.manual_seed(seed)
    make_e, make_t = _pair(*args)
    tm, em = make_t().double(), make_e().to(ember.float64)
    load_torch_weights(em, tm)
    return em, tm


def test_unbatched_input():
    em, tm = _twins(8, 10, [4, 7], 4.0, True)
    x = np.random.default_rng(0).standard_normal(8)
    for target in (2, 5, 9):
        ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        got, want = em(ex, ember.tensor(target)), tm(tx, torch.tensor(target))
        assert tuple(got.output.shape) == tuple(want.output.shape) == ()
        np.testing.assert_allclose(got.output.item(), want.output.item(), rtol=1e-12)
        np.testing.assert_allclose(got.loss.item(), want.loss.item(), rtol=1e-12)
        got.loss.backward()
        want.loss.backward()
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_log_prob_and_its_gradient():
    em, tm = _twins(16, 20, [3, 8, 15], 2.0, True)
    x = np.random.default_rng(1).standard_normal((5, 16))
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got, want = em.log_prob(ex), tm.log_prob(tx)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(got.exp().sum(1).detach().numpy(), np.ones(5), rtol=1e-12)
    cot = np.random.default_rng(2).standard_normal((5, 20))
    got.backward(ember.tensor(cot))
    want.backward(torch.tensor(cot))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    for (name, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)


@pytest.mark.parametrize("shift", [-50.0, 50.0, None], ids=["shortlist", "clusters", "mixed"])
def test_predict_paths(shift):
    """The head's bias moves every row's best head logit into the shortlist, onto a cluster,
    or (None) leaves a mix, so each of predict's three paths runs."""
    em, tm = _twins(8, 12, [3, 7], 2.0, True, seed=3)
    x = np.random.default_rng(4).standard_normal((40, 8)) * 3
    if shift is not None:
        bias = np.zeros(5)
        bias[3:] = shift
        with torch.no_grad():
            tm.head.bias.copy_(torch.tensor(bias))
        load_torch_weights(em, tm)
    got, want = em.predict(ember.tensor(x)), tm.predict(torch.tensor(x))
    assert got.dtype == ember.int64 and got.tolist() == want.tolist()
    assert got.tolist() == em.log_prob(ember.tensor(x)).argmax(1).tolist()
    head_best = tm.head(torch.tensor(x)).argmax(1)
    if shift is None:
        assert (head_best >= 3).any() and (head_best < 3).any()


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 4], [4, 10], [3, 3], [2.5]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
    with pytest.raises(ValueError, match="cutoffs should be a sequence"):
        ember.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)


@pytest.mark.parametrize("x_shape,target,exc,match", [
    ((3, 8), [0, 1], RuntimeError, "Input and target should have the same size"),
    ((3, 2, 8), [0, 1, 2], RuntimeError, "1D target tensor expects 2D input tensors"),
    ((2, 8), 1, RuntimeError, "0D target tensor expects 1D input tensors"),
    ((2, 8), [[0, 1], [1, 0]], RuntimeError, "0D or 1D target tensor expected"),
    ((2, 8), [0, 10], RuntimeError, r"Target values should be in \[0, 9\], but values in "
                                    r"range \[0, 10\] were found"),
    ((2, 8), [-1, 3], RuntimeError, r"Target values should be in \[0, 9\]"),
])
def test_forward_errors(x_shape, target, exc, match):
    em, tm = _twins(8, 10, [4, 7], 4.0, False)
    x = np.zeros(x_shape)
    with pytest.raises(exc, match=match):
        tm(torch.tensor(x), torch.tensor(target))
    with pytest.raises(exc, match="AdaptiveLogSoftmaxWithLoss: " + match):
        em(ember.tensor(x), ember.tensor(target))


def test_float_target_and_1d_log_prob_are_errors():
    em, _ = _twins(8, 10, [4, 7], 4.0, False)
    with pytest.raises(TypeError, match="expected an integer target"):
        em(ember.zeros(2, 8, dtype=ember.float64), ember.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"log_prob: expected a 2D input"):
        em.log_prob(ember.zeros(8, dtype=ember.float64))


def test_output_is_the_named_tuple():
    em, _ = _twins(8, 10, [4, 7], 4.0, False)
    out = em(ember.zeros(2, 8, dtype=ember.float64), ember.tensor([0, 9]))
    assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
    assert out[0] is out.output and out[1] is out.loss
