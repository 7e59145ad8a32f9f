"""ember.distributions: argument and sample validation (the errors PyTorch raises), the
default-validation switch, constraints, kl_divergence (values and gradients against
PyTorch, dispatch, register_kl) and the sampling ops behind the distributions."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.distributions as ED
from ember.distributions import constraints

torch = pytest.importorskip("torch")
TD = torch.distributions
C = torch.distributions.constraints


@pytest.mark.parametrize("make,param,constraint", [
    (lambda lib, T: lib.Normal(T([0.0]), T([-1.0])), "scale", "GreaterThan(lower_bound=0.0)"),
    (lambda lib, T: lib.Exponential(T([0.0])), "rate", "GreaterThan(lower_bound=0.0)"),
    (lambda lib, T: lib.Poisson(T([-1.0])), "rate", "GreaterThanEq(lower_bound=0.0)"),
    (lambda lib, T: lib.Gamma(T([0.0]), T([1.0])), "concentration", "GreaterThan("),
    (lambda lib, T: lib.Dirichlet(T([1.0, -1.0])), "concentration",
     "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"),
    (lambda lib, T: lib.Binomial(T([2.5]), T([0.5])), "total_count",
     "IntegerGreaterThan(lower_bound=0)"),
    (lambda lib, T: lib.Bernoulli(probs=T([1.5])), "probs",
     "Interval(lower_bound=0.0, upper_bound=1.0)"),
    (lambda lib, T: lib.Categorical(logits=T([float("nan"), 0.0])), "logits",
     "IndependentConstraint(Real(), 1)"),
    (lambda lib, T: lib.Uniform(T([2.0]), T([1.0])), "low", "LessThan(upper_bound="),
    (lambda lib, T: lib.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 1.0],
                                                                         [0.0, 1.0]])),
     "scale_tril", "LowerCholesky()"),
])
def test_invalid_parameters_raise_like_torch(make, param, constraint):
    with pytest.raises(ValueError) as want:
        make(TD, torch.tensor)
    with pytest.raises(ValueError) as got:
        make(ED, ember.tensor)
    for msg in (str(want.value), str(got.value)):
        assert f"Expected parameter {param}" in msg and constraint in msg


def test_invalid_values_raise_like_torch():
    with pytest.raises(ValueError, match="within the support") as got:
        ED.Exponential(ember.tensor([1.0])).log_prob(ember.tensor([-1.0]))
    assert "GreaterThanEq(lower_bound=0.0)" in str(got.value)
    with pytest.raises(ValueError, match="within the support"):
        ED.Bernoulli(0.5).log_prob(ember.tensor(0.5))
    with pytest.raises(ValueError, match="must be a Tensor"):
        ED.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match="broadcastable"):
        ED.Normal(ember.zeros(3), 1.0).log_prob(ember.zeros(2))
    with pytest.raises(ValueError, match="event_shape"):
        ED.MultivariateNormal(ember.zeros(3), ember.eye(3)).log_prob(ember.zeros(2))


def test_constructor_argument_errors():
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        ED.Bernoulli()
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        ED.Categorical(probs=ember.ones(2), logits=ember.ones(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        ED.Categorical(probs=ember.tensor(1.0))
    with pytest.raises(ValueError, match="Exactly one of"):
        ED.MultivariateNormal(ember.zeros(2))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        ED.MultivariateNormal(ember.tensor(0.0), ember.eye(1))


def test_validate_args_switches():
    assert ED.Normal(ember.tensor([0.0]), ember.tensor([-1.0]), validate_args=False).scale \
        .item() == -1.0
    try:
        ED.Distribution.set_default_validate_args(False)
        d = ED.Normal(0.0, -1.0)  # no error with validation off
        assert d.log_prob(ember.tensor(0.0)).isnan().item()
    finally:
        ED.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ED.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        ED.Distribution.set_default_validate_args("yes")


@pytest.mark.parametrize("name", ["real", "positive", "nonnegative", "unit_interval",
                                  "boolean", "nonnegative_integer", "positive_integer",
                                  "simplex", "real_vector", "one_hot", "lower_cholesky",
                                  "positive_definite", "lower_triangular", "symmetric"])
def test_constraints_check_matches_torch(name):
    rng = np.random.default_rng(1)
    values = [rng.normal(size=(3, 4)), np.abs(rng.normal(size=(3, 4))),
              rng.integers(-1, 3, (3, 4)).astype(float), np.eye(4)[[0, 2, 3]],
              np.full((3, 4), 0.25), np.array([[0.0, 1.0], [1.0, 0.0]]),
              np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 1.0], [1.0, 2.0]]),
              np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([np.nan, 0.5])]
    for v in values:
        if getattr(C, name).event_dim > v.ndim:
            continue  # PyTorch needs a matrix for the matrix constraints
        got = getattr(constraints, name).check(ember.tensor(v))
        want = getattr(C, name).check(torch.tensor(v))
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=f"{name} {v}")
    assert repr(getattr(constraints, name)) == repr(getattr(C, name))


def test_constraint_properties_match_torch():
    for name in ["boolean", "nonnegative_integer", "simplex", "real_vector", "one_hot",
                 "positive_definite", "real"]:
        e, t = getattr(constraints, name), getattr(C, name)
        assert (e.is_discrete, e.event_dim) == (t.is_discrete, t.event_dim), name
    ci = constraints.integer_interval(0, 3)
    assert repr(ci) == repr(C.integer_interval(0, 3))
    assert ci.check(ember.tensor([0.0, 3.0, 4.0, 1.5])).tolist() == [True, True, False, False]
    assert constraints.is_dependent(constraints.dependent)
    assert repr(ED.Categorical(logits=ember.zeros(3)).support) == \
        repr(TD.Categorical(logits=torch.zeros(3)).support)


# ------------------------------------------------------------------------------------ KL
def _pair(lib, T, kind):
    rng = np.random.default_rng(2)
    a = lambda *s: T(rng.normal(size=s))  # noqa: E731
    pos = lambda *s: T(rng.uniform(0.5, 2.0, size=s))  # noqa: E731
    spd = rng.normal(size=(3, 3))
    spd = T(spd @ spd.T + 3 * np.eye(3))
    tril = T(np.linalg.cholesky(rng.normal(size=(2, 3, 3)) @ np.ones((3, 3)) * 0
                                + 2 * np.eye(3) + np.tril(rng.uniform(0, 0.5, (3, 3)), -1)))
    return {
        "Normal": (lib.Normal(a(3), pos(3)), lib.Normal(a(3), pos(3))),
        "Uniform": (lib.Uniform(T([-1.0, 0.0]), T([1.0, 0.5])),
                    lib.Uniform(T([-2.0, 0.1]), T([2.0, 3.0]))),
        "Exponential": (lib.Exponential(pos(3)), lib.Exponential(pos(3))),
        "Laplace": (lib.Laplace(a(3), pos(3)), lib.Laplace(a(3), pos(3))),
        "Bernoulli": (lib.Bernoulli(logits=a(3)), lib.Bernoulli(probs=T([0.2, 0.0, 1.0]))),
        "Categorical": (lib.Categorical(logits=a(2, 4)),
                        lib.Categorical(probs=T([0.1, 0.2, 0.3, 0.4]))),
        "OneHotCategorical": (lib.OneHotCategorical(logits=a(2, 4)),
                              lib.OneHotCategorical(logits=a(4))),
        "MultivariateNormal": (lib.MultivariateNormal(a(2, 3), covariance_matrix=spd),
                               lib.MultivariateNormal(a(3), scale_tril=tril)),
        "Independent": (lib.Independent(lib.Normal(a(2, 3), pos(2, 3)), 1),
                        lib.Independent(lib.Normal(a(2, 3), pos(2, 3)), 1)),
        "Exponential-Normal": (lib.Exponential(pos(3)), lib.Normal(a(3), pos(3))),
        "Laplace-Normal": (lib.Laplace(a(3), pos(3)), lib.Normal(a(3), pos(3))),
        "Normal-Laplace": (lib.Normal(a(3), pos(3)), lib.Laplace(a(3), pos(3))),
        "Uniform-Exponential": (lib.Uniform(T([-1.0, 0.5]), T([1.0, 2.0])),
                                lib.Exponential(pos(2))),
        "Uniform-Normal": (lib.Uniform(T([-1.0, 0.5]), T([1.0, 2.0])), lib.Normal(a(2), pos(2))),
        "Normal-Uniform": (lib.Normal(a(2), pos(2)), lib.Uniform(T([-1.0, 0.5]), T([1.0, 2.0]))),
        "Exponential-Uniform": (lib.Exponential(pos(2)),
                                lib.Uniform(T([-1.0, 0.5]), T([1.0, 2.0]))),
        "Poisson": (lib.Poisson(pos(3)), lib.Poisson(pos(3))),
        "Bernoulli-Poisson": (lib.Bernoulli(logits=a(3)), lib.Poisson(pos(3))),
        "Gamma": (lib.Gamma(pos(3), pos(3)), lib.Gamma(pos(3), pos(3))),
        "Beta": (lib.Beta(pos(3), pos(3)), lib.Beta(pos(3), pos(3))),
        "Dirichlet": (lib.Dirichlet(pos(2, 4)), lib.Dirichlet(pos(4))),
        "Binomial": (lib.Binomial(T([3.0, 5.0, 5.0]), logits=a(3)),
                     lib.Binomial(T([3.0, 4.0, 5.0]), probs=T([0.2, 0.5, 0.7]))),
        "Laplace-Exponential": (lib.Laplace(a(2), pos(2)), lib.Exponential(pos(2))),
    }[kind]


@pytest.mark.parametrize("kind", ["Normal", "Uniform", "Exponential", "Laplace", "Bernoulli",
                                  "Categorical", "OneHotCategorical", "MultivariateNormal",
                                  "Independent", "Exponential-Normal", "Laplace-Normal",
                                  "Normal-Laplace", "Uniform-Exponential", "Uniform-Normal",
                                  "Normal-Uniform", "Exponential-Uniform",
                                  "Laplace-Exponential", "Poisson", "Bernoulli-Poisson",
                                  "Gamma", "Beta", "Dirichlet", "Binomial"])
def test_kl_divergence_matches_torch(kind):
    leaves_e, leaves_t = [], []

    def T_e(v):
        leaves_e.append(ember.tensor(v, dtype=ember.float64, requires_grad=True))
        return leaves_e[-1]

    def T_t(v):
        leaves_t.append(torch.tensor(v, dtype=torch.float64, requires_grad=True))
        return leaves_t[-1]

    ep, eq = _pair(ED, T_e, kind)
    tp, tq = _pair(TD, T_t, kind)
    ekl, tkl = ED.kl_divergence(ep, eq), TD.kl_divergence(tp, tq)
    np.testing.assert_allclose(ekl.detach().numpy(), tkl.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    finite = torch.isfinite(tkl)
    if not finite.any():
        return
    tg = torch.autograd.grad(tkl[finite].sum(), leaves_t, allow_unused=True)
    eg = ember.autograd.grad(ekl[ember.tensor(finite.numpy())].sum(), leaves_e,
                             allow_unused=True)
    for g1, g2 in zip(eg, tg):
        if g2 is None:  # a parameter the finite entries do not depend on
            assert g1 is None or not g1.numpy().any()
            continue
        np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-9, atol=1e-12)


def test_binomial_kl_with_larger_q_count_is_not_implemented():
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        ED.kl_divergence(ED.Binomial(2, ember.tensor(0.5)), ED.Binomial(3, ember.tensor(0.5)))


def test_gamma_family_scalar_parameters_match_torch():
    for e, t in [(ED.Beta(2.0, 3.0), TD.Beta(2.0, 3.0)), (ED.Gamma(2.0, 3.0), TD.Gamma(2.0, 3.0))]:
        assert tuple(e.batch_shape) == tuple(t.batch_shape) == ()
        # float32: the entropy sums lgamma/digamma terms of size ~5 that cancel to ~0.2, so
        # the error is absolute, a few float32 eps times the terms' size
        np.testing.assert_allclose(e.entropy().item(), t.entropy().item(), rtol=1e-6,
                                   atol=1e-6)
        assert e.sample((5,)).shape == (5,)


def test_kl_dispatch_and_register():
    with pytest.raises(NotImplementedError, match="p type Normal and q type Bernoulli"):
        ED.kl_divergence(ED.Normal(0.0, 1.0), ED.Bernoulli(0.5))

    class MyNormal(ED.Normal):
        pass

    # subclasses use the parent's rule until a more specific one is registered
    p, q = MyNormal(0.0, 1.0), ED.Normal(1.0, 1.0)
    assert ED.kl_divergence(p, q).item() == 0.5
    ED.register_kl(MyNormal, ED.Normal)(lambda p, q: ember.tensor(-1.0))
    try:
        assert ED.kl_divergence(p, q).item() == -1.0
    finally:
        from ember.distributions import kl

        del kl._KL_REGISTRY[MyNormal, ED.Normal]
        kl._KL_MEMOIZE.clear()
    with pytest.raises(TypeError, match="Distribution subclass"):
        ED.register_kl(int, ED.Normal)


# ------------------------------------------------------------------------- sampling ops
def test_sampling_ops_moments_and_errors():
    ember.manual_seed(0)
    n = 40000
    rate = ember.full((n,), 3.0, dtype=ember.float64)
    x = ember.poisson(rate).numpy()
    assert abs(x.mean() - 3.0) < 5 * np.sqrt(3.0 / n) and np.all(x == np.round(x))
    b = ember.binomial(ember.full((n,), 10.0), ember.tensor(0.3)).numpy()
    assert abs(b.mean() - 3.0) < 5 * np.sqrt(2.1 / n) and b.max() <= 10
    g = ember._standard_gamma(ember.full((n,), 2.5, dtype=ember.float64)).numpy()
    assert abs(g.mean() - 2.5) < 5 * np.sqrt(2.5 / n)
    assert abs(g.var() - 2.5) < 0.1
    d = ember._sample_dirichlet(ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)
                                .expand(n, 3)).numpy()
    np.testing.assert_allclose(d.sum(-1), 1.0)
    assert np.all(np.abs(d.mean(0) - np.array([1, 2, 3]) / 6) < 0.01)
    with pytest.raises(RuntimeError, match="poisson"):
        ember.poisson(ember.tensor([-1.0]))
    with pytest.raises(RuntimeError, match="binomial"):
        ember.binomial(ember.tensor([2.0]), ember.tensor([1.5]))
    with pytest.raises(RuntimeError, match="_standard_gamma"):
        ember._standard_gamma(ember.tensor([0.0]))
    with pytest.raises(RuntimeError, match="floating-point"):
        ember.poisson(ember.tensor([1, 2]))
