"""ember.nn.init: distributions (bounds and moments) and exact schemes against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember.nn import init

torch = pytest.importorskip("torch")

SHAPE = (64, 32, 3)  # fan_in 96, fan_out 192


def _both(name, *args, shape=SHAPE, **kwargs):
    e = ember.empty(*shape)
    t = torch.empty(*shape)
    getattr(init, name)(e, *args, **kwargs)
    getattr(torch.nn.init, name)(t, *args, **kwargs)
    return e.numpy().astype(np.float64).ravel(), t.numpy().astype(np.float64).ravel()


@pytest.mark.parametrize("name,args,kwargs", [
    ("uniform_", (-0.5, 2.0), {}),
    ("normal_", (1.0, 3.0), {}),
    ("trunc_normal_", (), {"mean": 0.5, "std": 1.0, "a": -1.0, "b": 1.5}),
    ("xavier_uniform_", (), {"gain": 2.0}),
    ("xavier_normal_", (), {}),
    ("kaiming_uniform_", (), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (), {"a": 0.2, "nonlinearity": "leaky_relu"}),
    ("kaiming_normal_", (), {"mode": "fan_out", "nonlinearity": "tanh"}),
])
def test_distributions_match_torch(name, args, kwargs):
    e, t = _both(name, *args, **kwargs)
    se = t.std() / math.sqrt(len(t))
    assert abs(e.mean() - t.mean()) < 6 * se + 1e-9
    assert abs(e.std() - t.std()) < 0.05 * t.std()
    if "uniform" in name or name == "trunc_normal_":  # hard bounds: the same range
        spread = t.std()
        assert abs(e.min() - t.min()) < 0.02 * spread and abs(e.max() - t.max()) < 0.02 * spread
    else:  # Gaussian: the fourth moment (kurtosis 3) as well
        kurt = ((e - e.mean()) ** 4).mean() / e.var() ** 2
        assert abs(kurt - 3) < 0.4


def test_exact_schemes_match_torch():
    for name, args, shape in (("constant_", (0.3,), (3, 4)), ("ones_", (), (3, 4)),
                              ("zeros_", (), (3, 4)), ("eye_", (), (3, 5)),
                              ("dirac_", (), (4, 3, 3)), ("dirac_", (2,), (4, 2, 3, 3)),
                              ("dirac_", (), (2, 2, 3, 3, 1))):
        e, t = _both(name, *args, shape=shape)
        np.testing.assert_array_equal(e, t, err_msg=name)


def test_calculate_gain_and_fans():
    for nl, p in (("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                  ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                  ("leaky_relu", 3), ("selu", None)):
        assert init.calculate_gain(nl, p) == torch.nn.init.calculate_gain(nl, p)
    for bad in (("foo", None), ("leaky_relu", "x")):
        with pytest.raises(ValueError):
            init.calculate_gain(*bad)
    for shape in ((3, 4), (5, 2, 3), (6, 4, 3, 2)):
        assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError):
        init.eye_(ember.empty(2, 2, 2))
    with pytest.raises(ValueError):
        init.dirac_(ember.empty(2, 2))


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (4, 3, 2), (6, 6)])
def test_orthogonal(shape):
    w = init.orthogonal_(ember.empty(*shape, dtype=ember.float64), gain=1.5)
    m = w.reshape(shape[0], -1).numpy()
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, 2.25 * np.eye(min(rows, cols)), atol=1e-10)
    with pytest.raises(ValueError):
        init.orthogonal_(ember.empty(3))


def test_in_place_on_parameters_and_generator():
    p = ember.nn.Parameter(ember.empty(4, 5))
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_, init.zeros_,
               lambda t: init.trunc_normal_(t, std=0.02)):
        assert fn(p) is p
        assert p.requires_grad and p.grad_fn is None and type(p) is ember.nn.Parameter
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    a = init.kaiming_uniform_(ember.empty(3, 4), generator=g1)
    b = init.kaiming_uniform_(ember.empty(3, 4), generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    ember.manual_seed(7)
    c = init.normal_(ember.empty(3))
    ember.manual_seed(7)
    np.testing.assert_array_equal(c.numpy(), init.normal_(ember.empty(3)).numpy())
    with pytest.warns(UserWarning):
        init.kaiming_uniform_(ember.empty(0, 3))
