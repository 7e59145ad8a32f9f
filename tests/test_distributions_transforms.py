"""ember.distributions.transforms and TransformedDistribution against PyTorch: forward and
inverse values, log-det-Jacobians and their gradients, densities of transformed
distributions (tanh-squashed Gaussian policies, affine and sigmoid chains), and KL."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from ember.distributions import transforms as ET

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 3)) * 2


def _pair(name):
    loc, scale = RNG.normal(size=3), RNG.uniform(0.5, 2, size=3)
    return {
        "exp": (ET.ExpTransform(), TT.ExpTransform()),
        "sigmoid": (ET.SigmoidTransform(), TT.SigmoidTransform()),
        "tanh": (ET.TanhTransform(), TT.TanhTransform()),
        "affine-number": (ET.AffineTransform(0.5, -2.0), TT.AffineTransform(0.5, -2.0)),
        "affine-tensor": (ET.AffineTransform(ember.tensor(loc), ember.tensor(scale)),
                          TT.AffineTransform(torch.tensor(loc), torch.tensor(scale))),
        "affine-event": (ET.AffineTransform(ember.tensor(loc), ember.tensor(scale), event_dim=1),
                         TT.AffineTransform(torch.tensor(loc), torch.tensor(scale),
                                            event_dim=1)),
    }[name]


NAMES = ["exp", "sigmoid", "tanh", "affine-number", "affine-tensor", "affine-event"]


@pytest.mark.parametrize("name", NAMES)
def test_transform_values_and_jacobians_match_torch(name):
    e, t = _pair(name)
    ex = ember.tensor(X, dtype=ember.float64, requires_grad=True)
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    ey, ty = e(ex), t(tx)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(e.inv(ey).detach().numpy(), t.inv(ty).detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    ej, tj = e.log_abs_det_jacobian(ex, ey), t.log_abs_det_jacobian(tx, ty)
    assert tuple(ej.shape) == tuple(tj.shape)
    np.testing.assert_allclose(ej.detach().numpy(), tj.detach().numpy(), rtol=1e-12)
    (ej.sum() + ey.sum()).backward()
    (tj.sum() + ty.sum()).backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    assert e.event_dim == t.event_dim and e.bijective == t.bijective
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.inv.inv is e and repr(e.inv.domain) == repr(t.inv.domain)


def test_transform_equality_and_cache():
    assert ET.ExpTransform() == ET.ExpTransform() and ET.ExpTransform() != ET.TanhTransform()
    assert ET.AffineTransform(1.0, 2.0) == ET.AffineTransform(1.0, 2.0)
    assert ET.AffineTransform(1.0, 2.0) != ET.AffineTransform(1.0, 3.0)
    t = ET.TanhTransform(cache_size=1)
    x = ember.tensor([30.0])  # tanh rounds to 1: only the cache gives x back
    assert t.inv(t(x)) is x
    with pytest.raises(ValueError, match="cache_size"):
        ET.ExpTransform(cache_size=2)


def _squashed(lib, T, loc, scale):
    tr = ET if lib is ED else TT
    return lib.TransformedDistribution(
        lib.Normal(T(loc), T(scale)),
        [tr.TanhTransform(), tr.AffineTransform(T(np.array([1.0, 2.0, 3.0])), 2.0)])


def test_tanh_squashed_normal_matches_torch():
    loc, scale = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 1.5, size=3)
    e = _squashed(ED, lambda v: ember.tensor(v, dtype=ember.float64, requires_grad=True),
                  loc, scale)
    t = _squashed(TD, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
                  loc, scale)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(t.batch_shape),
                                                            tuple(t.event_shape))
    y = np.tanh(RNG.normal(size=(5, 2, 3))) * 2 + np.array([1.0, 2.0, 3.0])
    elp = e.log_prob(ember.tensor(y, dtype=ember.float64))
    tlp = t.log_prob(torch.tensor(y, dtype=torch.float64))
    np.testing.assert_allclose(elp.detach().numpy(), tlp.detach().numpy(), rtol=1e-9)
    elp.sum().backward()
    tlp.sum().backward()
    np.testing.assert_allclose(e.base_dist.loc.grad.numpy(), t.base_dist.loc.grad.numpy(),
                               rtol=1e-9)
    ember.manual_seed(0)
    s = e.rsample((7,))
    assert tuple(s.shape) == (7, 2, 3) and bool(e.support.check(s).all())
    assert e.has_rsample
    np.testing.assert_allclose(e.expand((4, 2, 3)).log_prob(ember.tensor(y[:4])).detach()
                               .numpy(), tlp.detach().numpy()[:4], rtol=1e-9)


def test_event_dim_transform_reinterprets_batch_like_torch():
    loc = RNG.normal(size=(2, 3))
    e = ED.TransformedDistribution(ED.Normal(ember.tensor(loc), 1.0),
                                   ET.AffineTransform(0.0, ember.tensor([1.0, 2.0, 3.0]),
                                                      event_dim=1))
    t = TD.TransformedDistribution(TD.Normal(torch.tensor(loc), 1.0),
                                   TT.AffineTransform(0.0, torch.tensor([1.0, 2.0, 3.0]),
                                                      event_dim=1))
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(t.batch_shape),
                                                            tuple(t.event_shape))
    x = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(e.log_prob(ember.tensor(x)).numpy(),
                               t.log_prob(torch.tensor(x)).numpy(), rtol=1e-6)


def test_decreasing_transform_cdf_matches_torch():
    e = ED.TransformedDistribution(ED.Normal(0.0, 1.0), ET.AffineTransform(1.0, -2.0))
    t = TD.TransformedDistribution(TD.Normal(0.0, 1.0), TT.AffineTransform(1.0, -2.0))
    v = np.array([-1.0, 0.5, 3.0], dtype=np.float32)
    np.testing.assert_allclose(e.cdf(ember.tensor(v)).numpy(), t.cdf(torch.tensor(v)).numpy(),
                               rtol=1e-6)
    u = np.array([0.1, 0.5, 0.9], dtype=np.float32)
    np.testing.assert_allclose(e.icdf(ember.tensor(u)).numpy(),
                               t.icdf(torch.tensor(u)).numpy(), rtol=1e-6)


def test_lognormal_kl_and_errors_match_torch():
    ep, eq = ED.LogNormal(0.3, 1.2), ED.LogNormal(-0.5, 0.7)
    tp, tq = TD.LogNormal(0.3, 1.2), TD.LogNormal(-0.5, 0.7)
    np.testing.assert_allclose(ED.kl_divergence(ep, eq).item(), TD.kl_divergence(tp, tq).item(),
                               rtol=1e-6)
    with pytest.raises(NotImplementedError):
        ED.kl_divergence(ep, ED.TransformedDistribution(ED.Normal(0.0, 1.0),
                                                        ET.TanhTransform()))
    with pytest.raises(ValueError, match="Expected parameter scale"):
        ED.LogNormal(0.0, -1.0)
    with pytest.raises(ValueError, match="within the support"):
        ED.LogNormal(0.0, 1.0).log_prob(ember.tensor(-1.0))
    with pytest.raises(ValueError, match="transforms must be"):
        ED.TransformedDistribution(ED.Normal(0.0, 1.0), "exp")
    assert repr(ED.LogNormal(0.0, 1.0).support) == repr(TD.LogNormal(0.0, 1.0).support)
