"""ember.nn.utils against torch.nn.utils."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.utils import parametrizations, parametrize

torch = pytest.importorskip("torch")


class Lin(nn.Module):
    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(ember.randn(o, i))
        self.bias = nn.Parameter(ember.randn(o))

    def forward(self, x):
        return x @ self.weight.mT + self.bias


def _grads(seed: int = 0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (5,), (2, 2))]
    e = [nn.Parameter(ember.tensor(a)) for a in arrays]
    t = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    for p, a in zip(e, arrays):
        p.grad = ember.tensor(a * 10)
    for p, a in zip(t, arrays):
        p.grad = torch.tensor(a * 10)
    return e, t


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    e, t = _grads()
    en = nn.utils.clip_grad_norm_(e, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(t, max_norm, float(norm_type))
    assert isinstance(en, ember.Tensor) and en.ndim == 0
    np.testing.assert_allclose(en.item(), tn.item(), rtol=1e-12)
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([nn.Parameter(ember.ones(2))], 1.0).item() == 0.0
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    nn.utils.clip_grad_norm_(p, 1.0)  # allowed without the flag


def test_clip_grad_value_and_vectors():
    e, t = _grads()
    assert nn.utils.clip_grad_value_(e, 2.5) is None
    torch.nn.utils.clip_grad_value_(t, 2.5)
    for a, b in zip(e, t):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    v = nn.utils.parameters_to_vector(e)
    tv = torch.nn.utils.parameters_to_vector(t)
    np.testing.assert_array_equal(v.detach().numpy(), tv.detach().numpy())
    new = ember.arange(v.numel(), dtype=ember.float64)
    nn.utils.vector_to_parameters(new, e)
    assert e[1].tolist() == [12.0, 13.0, 14.0, 15.0, 16.0] and type(e[1]) is nn.Parameter
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters([1.0], e)


def _load(em, tm):
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def test_weight_norm_matches_torch():
    for dim in (0, 1, None):
        em, tm = Lin(3, 4).double(), torch.nn.Linear(3, 4).double()
        parametrizations.weight_norm(em, dim=dim)
        torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
        assert list(em.state_dict()) == list(tm.state_dict())
        for k, v in tm.state_dict().items():
            assert tuple(em.state_dict()[k].shape) == tuple(v.shape), k
        _load(em, tm)
        x = np.random.default_rng(1).standard_normal((5, 3))
        eo, to = em(ember.tensor(x)), tm(torch.tensor(x))
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
        (eo ** 2).sum().backward()
        (to ** 2).sum().backward()
        for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
            assert en == tn
            np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-10)
        assert type(em).__name__ == "ParametrizedLin"
        assert parametrize.is_parametrized(em, "weight") and not parametrize.is_parametrized(
            em, "bias")


def test_weight_norm_init_keeps_the_weight():
    m = Lin(3, 4)
    w = m.weight.detach().clone()
    parametrizations.weight_norm(m)
    np.testing.assert_allclose(m.weight.detach().numpy(), w.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape,dim", [((4, 3), None), ((6, 2, 3), None), ((2, 3, 4), 1)])
def test_spectral_norm_matches_torch(shape, dim):
    class W(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(ember.randn(*shape, dtype=ember.float64))

    class TW(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.randn(*shape, dtype=torch.float64))

    em, tm = W(), TW()
    parametrizations.spectral_norm(em, dim=dim)
    torch.nn.utils.parametrizations.spectral_norm(tm, dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    _load(em, tm)
    for mode in ("train", "train", "eval"):
        getattr(em, mode)()
        getattr(tm, mode)()
        np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(),
                                   rtol=1e-10)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[k].numpy(), v.numpy(), rtol=1e-10)
    # the largest singular value of the normalised weight is ~1 after many iterations
    em.train()
    for _ in range(30):
        w = em.weight
    mat = w.detach().numpy().reshape(shape[0], -1) if dim is None else None
    if mat is not None:
        np.testing.assert_allclose(np.linalg.svd(mat, compute_uv=False)[0], 1.0, rtol=1e-6)


def test_parametrize_set_and_remove():
    class Double(nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            return x / 2

    m = Lin(2, 2)
    w0 = m.weight
    parametrize.register_parametrization(m, "weight", Double())
    assert m.parametrizations.weight.original is w0
    m.weight = ember.ones(2, 2)
    assert w0.tolist() == [[0.5, 0.5], [0.5, 0.5]] and m.weight.tolist() == [[1.0, 1.0]] * 2
    parametrize.register_parametrization(m, "weight", Double())  # chained
    assert m.weight.tolist() == [[2.0, 2.0]] * 2
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is Lin and m.weight is w0 and m.weight.tolist() == [[2.0, 2.0]] * 2
    assert list(m.state_dict()) == ["bias", "weight"]  # re-registered last, as in torch
    with pytest.raises(ValueError):
        parametrize.register_parametrization(m, "nope", Double())
    with pytest.raises(ValueError):
        parametrize.remove_parametrizations(m, "weight")


def test_checkpoint_gradients_equal_plain():
    lin = Lin(4, 4).double()
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)

    def block(t, scale=1.0):
        return (lin(t).tanh() * scale).sin()

    nn.utils.checkpoint(block, x, scale=2.0).pow(2).sum().backward()
    ckpt = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in lin.parameters()]
    x.grad = None
    lin.zero_grad()
    block(x, scale=2.0).pow(2).sum().backward()
    plain = [x.grad.numpy()] + [p.grad.numpy() for p in lin.parameters()]
    for a, b in zip(ckpt, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_checkpoint_does_not_keep_intermediates():
    refs = []

    def block(t):
        h = t.exp()  # exp saves its output for backward in the plain version
        refs.append(weakref.ref(h))
        return h.sin()

    x = ember.randn(5, requires_grad=True)
    out_plain = block(x)
    gc.collect()
    assert refs[-1]() is not None  # kept alive by the graph
    del out_plain
    out = nn.utils.checkpoint(block, x)
    gc.collect()
    assert refs[-1]() is None
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (x.exp().cos() * x.exp()).detach().numpy(),
                               rtol=1e-6)


def test_checkpoint_replays_random_state():
    x = ember.randn(50, requires_grad=True)

    def noisy(t):
        return t * ember.rand(50)

    nn.utils.checkpoint(noisy, x).sum().backward()
    ember.manual_seed(123)
    g = x.grad.clone()
    x.grad = None
    state = ember.get_rng_state()
    y = nn.utils.checkpoint(noisy, x)
    after = ember.rand(3)
    ember.set_rng_state(state)
    mask = ember.rand(50)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), mask.numpy())
    assert g.shape == (50,) and after.shape == (3,)
