"""``Sequential`` runs a plain ``Linear`` followed by a plain ``ReLU`` as one fused
``linear_relu`` op, and ``linear`` under ``no_grad`` runs its primitive's forward without
``apply``. Both must be invisible: same values and gradients as PyTorch, hooks and
subclasses still honoured, errors still named after the Linear."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import nn
from ember.autograd import forward_ad as fwad
from ember.nn.functional.linear import linear, linear_relu

torch = pytest.importorskip("torch")


def _twins(dtype=np.float32, sizes=(12, 32, 16, 5)):
    """An ember MLP and a PyTorch MLP with the same weights."""
    ours = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(),
                         nn.Linear(sizes[1], sizes[2]), nn.ReLU(inplace=True),
                         nn.Linear(sizes[2], sizes[3]))
    theirs = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                                 torch.nn.Linear(sizes[1], sizes[2]),
                                 torch.nn.ReLU(inplace=True),
                                 torch.nn.Linear(sizes[2], sizes[3]))
    ours.to(dtype=ember.float64 if dtype == np.float64 else ember.float32)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    return ours, theirs


def _count_fused(monkeypatch) -> list:
    calls = []
    original = nn.Linear._forward_relu

    def counting(self, input):
        calls.append(self)
        return original(self, input)

    monkeypatch.setattr(nn.Linear, "_forward_relu", counting)
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("leading", [(7,), (3, 4), (2, 3, 2)])
def test_fused_mlp_matches_torch(monkeypatch, dtype, leading) -> None:
    calls = _count_fused(monkeypatch)
    ours, theirs = _twins(dtype)
    x = np.random.default_rng(0).standard_normal((*leading, 12)).astype(dtype)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xe), theirs(xt)
    assert len(calls) == 2  # both Linear + ReLU pairs ran fused
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(ember.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=tol * 10, atol=tol * 10)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol * 10,
                                   atol=tol * 10, err_msg=name)
    with ember.no_grad(), torch.no_grad():
        np.testing.assert_allclose(ours(ember.tensor(x)).numpy(),
                                   theirs(torch.tensor(x)).numpy(), rtol=tol, atol=tol)


def test_hooks_and_subclasses_turn_fusion_off(monkeypatch) -> None:
    calls = _count_fused(monkeypatch)
    ours, theirs = _twins()
    x = np.random.default_rng(2).standard_normal((6, 12)).astype(np.float32)
    seen = []
    handle = ours[0].register_forward_hook(
        lambda m, i, o: seen.append(o.detach().numpy().copy()))
    relu_calls = []
    ours[3].register_forward_pre_hook(lambda m, i: relu_calls.append(1))
    out = ours(ember.tensor(x))
    assert calls == [] and len(relu_calls) == 1  # each pair has a module with a hook
    # the hook saw the Linear's own output, before the ReLU
    with torch.no_grad():
        pre = theirs[0](torch.tensor(x)).numpy()
    np.testing.assert_allclose(seen[0], pre, rtol=1e-5, atol=1e-6)
    assert (seen[0] < 0).any()
    handle.remove()

    class LeakyAsRelu(nn.ReLU):  # a subclass's own forward must run
        def forward(self, input):
            return ember.nn.functional.leaky_relu(input, 0.5)

    model = nn.Sequential(ours[0], LeakyAsRelu())
    got = model(ember.tensor(x)).detach().numpy()
    assert calls == [] and (got < 0).any()
    with torch.no_grad():
        np.testing.assert_allclose(got, torch.nn.functional.leaky_relu(
            theirs[0](torch.tensor(x)), 0.5).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_replaced_forwards_and_iterators_are_honoured(monkeypatch) -> None:
    """A forward replaced on an instance or on the class (as wrapping libraries do), or a
    subclass's own ``__iter__``, runs as written: the pair is not fused."""
    calls = _count_fused(monkeypatch)
    x = ember.randn(4, 3)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU())
    model[0].forward = lambda inp: ember.zeros(4, 5) + 7.0
    assert model(x).tolist() == [[7.0] * 5] * 4
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU())
    model[1].forward = lambda inp: inp * 0 + 3.0
    assert model(x).tolist() == [[3.0] * 5] * 4
    monkeypatch.setattr(nn.Linear, "forward", lambda self, inp: ember.ones(4, 5) * -2.0)
    assert nn.Sequential(nn.Linear(3, 5), nn.ReLU())(x).tolist() == [[0.0] * 5] * 4
    monkeypatch.undo()
    calls = _count_fused(monkeypatch)

    class SkipFirst(nn.Sequential):
        def __iter__(self):
            return iter(list(self._modules.values())[1:])

    model = SkipFirst(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
    with ember.no_grad():
        np.testing.assert_allclose(model(x).numpy(), model[2](ember.relu(x)).numpy(),
                                   rtol=1e-6)
    assert calls == []


def test_zero_in_features_with_leading_dims() -> None:
    for grad in (False, True):
        with ember.set_grad_enabled(grad):
            out = nn.Sequential(nn.Linear(0, 4), nn.ReLU())(ember.ones(2, 3, 0))
            assert tuple(out.shape) == (2, 3, 4)


def test_fused_errors_name_the_linear() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    with pytest.raises(RuntimeError, match=r"0 \(Linear, in_features=4.*got \(2, 5\)"):
        model(ember.ones(2, 5))
    with pytest.raises(RuntimeError, match=r"^0 \(Linear, in_features=4.*float64.*float32"):
        model(ember.ones(2, 4, dtype=ember.float64))


def test_relu_last_and_linear_last_are_not_fused(monkeypatch) -> None:
    calls = _count_fused(monkeypatch)
    relu_first = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))
    linear_only = nn.Sequential(nn.Linear(3, 2))
    x = ember.tensor([[-1.0, 2.0, -3.0]])
    with ember.no_grad():
        np.testing.assert_allclose(relu_first(x).numpy(),
                                   relu_first[1](ember.relu(x)).numpy(), rtol=1e-6)
        np.testing.assert_allclose(linear_only(x).numpy(), linear_only[0](x).numpy(),
                                   rtol=1e-6)
    assert calls == []


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_no_grad_linear_equals_the_recorded_op(relu, bias) -> None:
    """Under no_grad the primitive's forward runs directly; it must give the very values
    the recorded op gives, an output that needs no gradient, and C-contiguous rows."""
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((9, 6)).astype(np.float32))
    w = ember.tensor(rng.standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True) \
        if bias else None
    fn = linear_relu if relu else linear
    recorded = fn(x, w, b)
    with ember.no_grad():
        plain = fn(x, w, b)
    assert recorded.requires_grad and not plain.requires_grad and plain.grad_fn is None
    assert plain.is_contiguous()
    np.testing.assert_array_equal(plain.numpy(), recorded.detach().numpy())


def test_no_grad_linear_keeps_forward_mode_and_anomaly_mode() -> None:
    rng = np.random.default_rng(4)
    x, tx = (rng.standard_normal((3, 5)) for _ in range(2))
    w = rng.standard_normal((2, 5))
    with ember.no_grad(), fwad.dual_level():
        dual = fwad.make_dual(ember.tensor(x), ember.tensor(tx))
        out = ember.nn.functional.linear(dual, ember.tensor(w))
        tangent = fwad.unpack_dual(out).tangent
    np.testing.assert_allclose(tangent.numpy(), tx @ w.T, rtol=1e-12)
    with ember.no_grad(), ember.autograd.detect_anomaly():
        bad = ember.tensor(np.full((1, 5), np.nan))
        with pytest.raises(RuntimeError, match="linear"):
            ember.nn.functional.linear(bad, ember.tensor(w))


@pytest.mark.parametrize("size", ["large", "small"])
@pytest.mark.parametrize("in_memory_order", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "permuted", "sliced"])
def test_no_grad_linear_on_batched_inputs_equals_the_recorded_op(in_memory_order, layout,
                                                                  size):
    """N-d inputs under no_grad are flattened as arrays; values, shape and memory layout
    are those of the recorded op's (which flattens with view ops), above and below the
    size where a permuted input runs on its rows in memory order."""
    from ember.nn.functional.linear import linear_in_memory_order

    rng = np.random.default_rng(5)
    rows = 40 if size == "large" else 4  # 30720 or 3072 elements
    base = ember.tensor(rng.standard_normal((rows, 32, 24)).astype(np.float32))
    x = {"contiguous": base, "permuted": base.transpose(0, 1),
         "sliced": base[:, ::2]}[layout]
    assert x.is_contiguous() == (layout == "contiguous")
    w = ember.tensor(rng.standard_normal((7, 24)).astype(np.float32), requires_grad=True)
    b = ember.tensor(rng.standard_normal(7).astype(np.float32), requires_grad=True)
    fn = linear_in_memory_order if in_memory_order else linear
    recorded = fn(x, w, b)
    with ember.no_grad():
        plain = fn(x, w, b)
    assert plain.shape == recorded.shape and plain.stride() == recorded.stride()
    assert plain.is_contiguous() == (not in_memory_order or layout != "permuted"
                                     or size == "small")
    np.testing.assert_array_equal(plain.numpy(), recorded.detach().numpy())
