"""ember.distributions against torch.distributions: densities, entropies, moments, cdf/icdf
and their gradients on the same float64 parameters and values; sample shapes and moments
(checked statistically with a fixed seed); argument validation; expand."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED

torch = pytest.importorskip("torch")
TD = torch.distributions

RNG = np.random.default_rng(0)


def _spd(n: int, batch: tuple = ()) -> np.ndarray:
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# name -> (parameters as numpy arrays, keyword form, values to evaluate log_prob at)
CASES = {
    "Normal": (dict(loc=RNG.normal(size=(2, 3)), scale=RNG.uniform(0.5, 2, size=3)),
               RNG.normal(size=(4, 2, 3))),
    "Uniform": (dict(low=RNG.uniform(-2, -1, size=3), high=RNG.uniform(1, 2, size=(2, 3))),
                RNG.uniform(-0.9, 0.9, size=(2, 3))),
    "Exponential": (dict(rate=RNG.uniform(0.5, 2, size=(2, 3))), RNG.uniform(0, 3, (2, 3))),
    "Laplace": (dict(loc=RNG.normal(size=3), scale=RNG.uniform(0.5, 2, size=(2, 3))),
                RNG.normal(size=(2, 3))),
    "Poisson": (dict(rate=RNG.uniform(0.5, 5, size=(2, 3))),
                RNG.integers(0, 8, (4, 2, 3)).astype(float)),
    "Gamma": (dict(concentration=RNG.uniform(0.5, 4, size=(2, 3)), rate=RNG.uniform(0.5, 2, 3)),
              RNG.uniform(0.1, 4, (4, 2, 3))),
    "Beta": (dict(concentration1=RNG.uniform(0.5, 4, size=3),
                  concentration0=RNG.uniform(0.5, 4, size=(2, 3))), RNG.uniform(0.05, 0.95, (2, 3))),
    "Dirichlet": (dict(concentration=RNG.uniform(0.5, 4, size=(2, 4))),
                  RNG.dirichlet(np.ones(4), size=(3, 2))),
    "Binomial(probs)": (dict(total_count=np.array([5.0, 5.0, 5.0]),
                             probs=RNG.uniform(0.1, 0.9, size=(2, 3))),
                        RNG.integers(0, 6, (2, 3)).astype(float)),
    "Binomial(logits)": (dict(total_count=np.array([7.0]), logits=RNG.normal(size=(2, 3))),
                         RNG.integers(0, 8, (4, 2, 3)).astype(float)),
    "LogNormal": (dict(loc=RNG.normal(size=(2, 3)), scale=RNG.uniform(0.2, 0.5, size=3)),
                  RNG.uniform(0.1, 3, (4, 2, 3))),
    "Bernoulli(probs)": (dict(probs=RNG.uniform(0.1, 0.9, size=(2, 3))),
                         RNG.integers(0, 2, (2, 3)).astype(float)),
    "Bernoulli(logits)": (dict(logits=RNG.normal(size=(2, 3))),
                          RNG.integers(0, 2, (2, 3)).astype(float)),
    "Categorical(probs)": (dict(probs=RNG.uniform(0.1, 1, size=(2, 4))),
                           RNG.integers(0, 4, (3, 2)).astype(float)),
    "Categorical(logits)": (dict(logits=RNG.normal(size=(2, 4))),
                            RNG.integers(0, 4, (3, 2)).astype(float)),
    "OneHotCategorical(logits)": (dict(logits=RNG.normal(size=(2, 4))),
                                  np.eye(4)[RNG.integers(0, 4, (3, 2))]),
    "MultivariateNormal(covariance_matrix)": (
        dict(loc=RNG.normal(size=(2, 3)), covariance_matrix=_spd(3)), RNG.normal(size=(4, 2, 3))),
    "MultivariateNormal(precision_matrix)": (
        dict(loc=RNG.normal(size=3), precision_matrix=_spd(3, (2,))), RNG.normal(size=(2, 3))),
    "MultivariateNormal(scale_tril)": (
        dict(loc=RNG.normal(size=3), scale_tril=np.linalg.cholesky(_spd(3, (2,)))),
        RNG.normal(size=(5, 1, 3))),
}
NO_RSAMPLE = {"Gamma", "Beta", "Dirichlet"}
# Parameters that are discrete-valued or where torch's gradient is not of a smooth map.
DISCRETE_VALUE = {"Categorical(probs)", "Categorical(logits)"}


def _make(case: str, lib, params: dict, requires_grad: bool = False):
    cls = getattr(lib, case.split("(")[0])
    if lib is ED:
        ts = {k: ember.tensor(v, dtype=ember.float64, requires_grad=requires_grad)
              for k, v in params.items()}
    else:
        ts = {k: torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)
              for k, v in params.items()}
    return cls(**ts), ts


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _entropies(e, t):
    """Both entropies, or zeros where PyTorch has none (Poisson) and ember must have none."""
    try:
        te = t.entropy()
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            e.entropy()
        return ember.zeros(()), torch.zeros(())
    return e.entropy(), te


def _close(got, want, tol=1e-10):
    np.testing.assert_allclose(_np(got), _np(want), rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_torch(case):
    params, value = CASES[case]
    e, _ = _make(case, ED, params)
    t, _ = _make(case, TD, params)
    assert tuple(e.batch_shape) == tuple(t.batch_shape)
    assert tuple(e.event_shape) == tuple(t.event_shape)
    # Gamma/Beta/Dirichlet have no rsample in ember (no implicit reparameterisation yet)
    assert e.has_rsample == (t.has_rsample and case not in NO_RSAMPLE)
    ev, tv = ember.tensor(value, dtype=ember.float64), torch.tensor(value, dtype=torch.float64)
    _close(e.log_prob(ev), t.log_prob(tv))
    _close(*_entropies(e, t))
    for prop in ("mean", "variance", "stddev", "mode"):
        _close(getattr(e, prop), getattr(t, prop))
    for name in ("probs", "logits", "covariance_matrix", "precision_matrix", "scale_tril"):
        if hasattr(t, name):
            _close(getattr(e, name), getattr(t, name))


@pytest.mark.parametrize("case", ["Normal", "Uniform", "Exponential", "Laplace", "LogNormal"])
def test_cdf_icdf_match_torch(case):
    params, value = CASES[case]
    e, _ = _make(case, ED, params)
    t, _ = _make(case, TD, params)
    _close(e.cdf(ember.tensor(value)), t.cdf(torch.tensor(value)))
    u = RNG.uniform(0.01, 0.99, size=(2, 3))
    _close(e.icdf(ember.tensor(u)), t.icdf(torch.tensor(u)))


@pytest.mark.parametrize("case", sorted(set(CASES) - DISCRETE_VALUE))
def test_gradients_match_torch(case):
    params, value = CASES[case]
    e, eparams = _make(case, ED, params, requires_grad=True)
    t, tparams = _make(case, TD, params, requires_grad=True)
    ev, tv = ember.tensor(value, dtype=ember.float64), torch.tensor(value, dtype=torch.float64)
    eh, th = _entropies(e, t)
    (e.log_prob(ev).sum() + eh.sum() + e.mean.sum() + e.variance.sum()).backward()
    (t.log_prob(tv).sum() + th.sum() + t.mean.sum() + t.variance.sum()).backward()
    for k in params:
        _close(eparams[k].grad, tparams[k].grad, 1e-9)


def test_categorical_gradients_match_torch():
    params, value = CASES["Categorical(logits)"]
    e, ep = _make("Categorical(logits)", ED, params, requires_grad=True)
    t, tp = _make("Categorical(logits)", TD, params, requires_grad=True)
    (e.log_prob(ember.tensor(value)).sum() + e.entropy().sum()).backward()
    (t.log_prob(torch.tensor(value)).sum() + t.entropy().sum()).backward()
    _close(ep["logits"].grad, tp["logits"].grad)


def test_normal_log_prob_double_backward_matches_torch():
    loc, scale = np.array([0.3, -1.0]), np.array([0.7, 1.5])
    el = ember.tensor(scale, dtype=ember.float64, requires_grad=True)
    tl = torch.tensor(scale, dtype=torch.float64, requires_grad=True)
    x = np.array([1.0, 2.0])
    (eg,) = ember.autograd.grad(ED.Normal(ember.tensor(loc), el).log_prob(
        ember.tensor(x)).sum(), el, create_graph=True)
    (tg,) = torch.autograd.grad(TD.Normal(torch.tensor(loc), tl).log_prob(
        torch.tensor(x)).sum(), tl, create_graph=True)
    (eg2,) = ember.autograd.grad(eg.sum(), el)
    (tg2,) = torch.autograd.grad(tg.sum(), tl)
    _close(eg2, tg2)


# ------------------------------------------------------------------------------- sampling
def _moments_ok(samples: np.ndarray, mean: np.ndarray, var: np.ndarray, n: int) -> None:
    """Sample mean within 5 standard errors of the mean; sample variance within 5 of its own
    standard error (estimated from the fourth central moment)."""
    m = samples.mean(0)
    assert np.all(np.abs(m - mean) < 5 * np.sqrt(var / n) + 1e-12), (m, mean)
    c = samples - samples.mean(0)
    v = (c**2).mean(0)
    se_v = np.sqrt(np.maximum((c**4).mean(0) - v**2, 0) / n)
    assert np.all(np.abs(v - var) < 5 * se_v + 1e-12), (v, var)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sample_shapes_and_moments(case):
    params, _ = CASES[case]
    e, _ = _make(case, ED, params)
    ember.manual_seed(0)
    n = 20000
    s = e.sample((n,))
    assert tuple(s.shape) == (n, *e.batch_shape, *e.event_shape)
    assert tuple(e.sample().shape) == (*e.batch_shape, *e.event_shape)
    assert tuple(e.sample((2, 3)).shape) == (2, 3, *e.batch_shape, *e.event_shape)
    assert bool(e.support.check(s).all())
    if case.startswith("Categorical"):
        # the category frequencies against the probabilities
        onehot = np.eye(e._num_events)[s.numpy().astype(int)]
        p = _np(e.probs)
        _moments_ok(onehot, p, p * (1 - p), n)
        return
    _moments_ok(s.numpy(), _np(e.mean), _np(e.variance), n)


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if c.split("(")[0] in
                                  ("Normal", "Uniform", "Exponential", "Laplace",
                                   "MultivariateNormal", "LogNormal")])
def test_rsample_gradient_flows_and_matches_pathwise_derivative(case):
    params, _ = CASES[case]
    e, eparams = _make(case, ED, params, requires_grad=True)
    ember.manual_seed(1)
    e.rsample((3,)).sum().backward()
    for k, p in eparams.items():
        assert p.grad is not None and p.grad.shape == p.shape, k
    if case == "Normal":  # d(loc + eps * scale)/d loc = 1 per draw
        np.testing.assert_allclose(eparams["loc"].grad.numpy(), np.full((2, 3), 3.0))


def test_sampling_is_reproducible_with_manual_seed():
    d = ED.Normal(ember.zeros(4), ember.ones(4))
    ember.manual_seed(5)
    a = d.sample((3,)).tolist()
    ember.manual_seed(5)
    assert d.sample((3,)).tolist() == a
    ember.manual_seed(5)
    b = ED.Categorical(logits=ember.zeros(6)).sample((50,)).tolist()
    ember.manual_seed(5)
    assert ED.Categorical(logits=ember.zeros(6)).sample((50,)).tolist() == b


def test_sample_has_no_gradient():
    loc = ember.zeros(3, requires_grad=True)
    assert not ED.Normal(loc, 1.0).sample().requires_grad
    assert ED.Normal(loc, 1.0).rsample().requires_grad


# ------------------------------------------------------------------------------- shapes
def test_scalar_parameters_give_empty_batch_shape():
    for e, t in [(ED.Normal(0.0, 1.0), TD.Normal(0.0, 1.0)),
                 (ED.Bernoulli(0.3), TD.Bernoulli(0.3)),
                 (ED.Exponential(2.0), TD.Exponential(2.0))]:
        assert tuple(e.batch_shape) == tuple(t.batch_shape) == ()
        assert e.mean.dtype == ember.float32


@pytest.mark.parametrize("case", sorted(CASES))
def test_expand_matches_torch(case):
    params, _ = CASES[case]
    e, _ = _make(case, ED, params)
    t, _ = _make(case, TD, params)
    shape = (5, *t.batch_shape)
    ex, tx = e.expand(shape), t.expand(shape)
    assert type(ex) is type(e)
    assert tuple(ex.batch_shape) == tuple(tx.batch_shape)
    _close(ex.mean, tx.mean)
    assert tuple(ex.sample().shape) == tuple(tx.sample().shape)


def test_independent_matches_torch():
    loc, scale = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 1.5, (2, 3))
    e = ED.Independent(ED.Normal(ember.tensor(loc), ember.tensor(scale)), 1)
    t = TD.Independent(TD.Normal(torch.tensor(loc), torch.tensor(scale)), 1)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(t.batch_shape),
                                                            tuple(t.event_shape))
    x = RNG.normal(size=(4, 2, 3))
    _close(e.log_prob(ember.tensor(x)), t.log_prob(torch.tensor(x)))
    _close(e.entropy(), t.entropy())
    assert e.has_rsample and repr(e.support) == repr(t.support)
    assert tuple(e.expand((7, 2)).batch_shape) == (7, 2)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        ED.Independent(ED.Normal(ember.zeros(2), 1.0), 2)


def test_enumerate_support_matches_torch():
    for e, t in [(ED.Bernoulli(ember.tensor([0.2, 0.4])), TD.Bernoulli(torch.tensor([0.2, 0.4]))),
                 (ED.Categorical(logits=ember.zeros(2, 3)),
                  TD.Categorical(logits=torch.zeros(2, 3))),
                 (ED.OneHotCategorical(logits=ember.zeros(2, 3)),
                  TD.OneHotCategorical(logits=torch.zeros(2, 3)))]:
        for expand in (True, False):
            np.testing.assert_array_equal(e.enumerate_support(expand).numpy(),
                                          t.enumerate_support(expand).numpy())


def test_repr_matches_torch():
    e = ED.Normal(ember.zeros(2), 1.0)
    t = TD.Normal(torch.zeros(2), 1.0)
    assert repr(e).replace("ember", "torch") == repr(t)
    assert repr(ED.Normal(0.0, 1.0)) == repr(TD.Normal(0.0, 1.0))
