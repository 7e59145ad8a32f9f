"""The hook-based weight_norm / spectral_norm of ember.nn.utils against torch.nn.utils: same
state-dict keys both ways, same outputs, gradients and power-iteration buffers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember import nn

from .harness import check_layer, load_torch_weights

torch = pytest.importorskip("torch")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def _both(make_e, make_t, wrap_e, wrap_t, **kw):
    return (lambda: _quiet(wrap_e, make_e(), **kw)), (lambda: _quiet(wrap_t, make_t(), **kw))


@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_conv_matches_torch(dim):
    e, t = _both(lambda: nn.Conv2d(2, 3, 3), lambda: torch.nn.Conv2d(2, 3, 3),
                 nn.utils.weight_norm, torch.nn.utils.weight_norm, dim=dim)
    check_layer(e, t, [(2, 2, 5, 5)])


def test_weight_norm_linear_and_other_names():
    e, t = _both(lambda: nn.Linear(3, 4), lambda: torch.nn.Linear(3, 4),
                 nn.utils.weight_norm, torch.nn.utils.weight_norm)
    check_layer(e, t, [(5, 3)])
    e, t = _both(lambda: nn.Linear(3, 4), lambda: torch.nn.Linear(3, 4),
                 nn.utils.weight_norm, torch.nn.utils.weight_norm, name="bias")
    check_layer(e, t, [(5, 3)])
    assert list(e().state_dict()) == ["weight", "bias_g", "bias_v"]


def test_weight_norm_warns_and_keeps_the_weight():
    m = nn.Linear(3, 4)
    w = m.weight.detach().clone()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(m)
    np.testing.assert_allclose(m.weight.detach().numpy(), w.numpy(), rtol=1e-6)
    assert "weight" not in m._parameters and isinstance(m.weight_g, nn.Parameter)


def test_remove_weight_norm_matches_torch():
    em = _quiet(nn.utils.weight_norm, nn.Linear(3, 4).double(), dim=None)
    tm = _quiet(torch.nn.utils.weight_norm, torch.nn.Linear(3, 4).double(), dim=None)
    load_torch_weights(em, tm)
    nn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert isinstance(em.weight, nn.Parameter) and not em._forward_pre_hooks
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-12)


def test_weight_norm_errors():
    m = _quiet(nn.utils.weight_norm, nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same "
                       "parameter weight"):
        _quiet(nn.utils.weight_norm, m)
    with pytest.raises(ValueError, match=r"weight_norm of 'weight' not found in Linear\("):
        nn.utils.remove_weight_norm(nn.Linear(2, 2))
    with pytest.raises(AttributeError, match=r"weight_norm: Linear has no parameter named "
                       r"'foo' \(its parameters: \['weight', 'bias'\]\)"):
        _quiet(nn.utils.weight_norm, nn.Linear(2, 2), name="foo")
    with pytest.raises(IndexError, match=r"weight_norm: dim 2 is out of range for a weight of "
                       r"shape \(2, 2\)"):
        _quiet(nn.utils.weight_norm, nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="not initialized yet"):
        _quiet(nn.utils.weight_norm, nn.LazyLinear(2))


@pytest.mark.parametrize("make,dims", [
    (lambda lib: lib.nn.Linear(3, 4), [None]),
    (lambda lib: lib.nn.Conv2d(2, 3, 3), [None, 1]),
    (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3), [None]),  # default dim 1
])
def test_spectral_norm_matches_torch(make, dims):
    for dim in dims:
        for n_iter in (1, 3):
            kw = dict(dim=dim, n_power_iterations=n_iter)
            e, t = _both(lambda: make(ember), lambda: make(torch), nn.utils.spectral_norm,
                         torch.nn.utils.spectral_norm, **kw)
            ins = [(2, 3)] if isinstance(e(), nn.Linear) else [(2, 2, 5, 5)]
            # train mode runs power iteration: the u and v buffers are compared after each
            # forward, the weight gradient goes through sigma
            check_layer(e, t, ins)


def test_spectral_norm_layout_and_removal():
    em = nn.utils.spectral_norm(nn.Conv2d(2, 3, 3).double())
    tm = torch.nn.utils.spectral_norm(torch.nn.Conv2d(2, 3, 3).double())
    assert list(em.state_dict()) == list(tm.state_dict()) == \
        ["bias", "weight_orig", "weight_u", "weight_v"]
    assert list(em._buffers) == ["weight_u", "weight_v"]
    load_torch_weights(em, tm)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    for _ in range(3):
        em(ember.tensor(x))
        tm(torch.tensor(x))
    nn.utils.remove_spectral_norm(em)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-12)
    sigma = np.linalg.svd(em.weight.detach().numpy().reshape(3, -1), compute_uv=False)[0]
    assert abs(sigma - 1) < 0.2  # normalised: after a few power steps sigma is close to 1


def test_spectral_norm_state_dict_from_torch_eval():
    # a torch checkpoint loaded into ember gives the same eval output (no power step)
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3)).double()
    x = torch.randn(2, 4, dtype=torch.float64)
    tm(x)
    em = nn.utils.spectral_norm(nn.Linear(4, 3)).double()
    load_torch_weights(em, tm)
    em.eval()
    tm.eval()
    np.testing.assert_allclose(em(ember.tensor(x.numpy())).detach().numpy(),
                               tm(x).detach().numpy(), rtol=1e-12)


def test_spectral_norm_errors():
    m = nn.utils.spectral_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(m)
    with pytest.raises(ValueError, match=r"spectral_norm of 'weight' not found in Linear\("):
        nn.utils.remove_spectral_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                       "n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(AttributeError, match="spectral_norm: Linear has no parameter named"):
        nn.utils.spectral_norm(nn.Linear(2, 2), name="foo")
    with pytest.raises(IndexError, match=r"spectral_norm: dim 3 is out of range for 'weight' "
                       r"of shape \(2, 2\)"):
        nn.utils.spectral_norm(nn.Linear(2, 2), dim=3)
