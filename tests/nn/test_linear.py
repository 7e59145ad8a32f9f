"""Linear, Bilinear, LazyLinear, Identity, Flatten and Unflatten against PyTorch."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.harness import check_default_init, check_layer


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    check_layer(lambda: ember.nn.Linear(4, 3, bias=bias), lambda: torch.nn.Linear(4, 3, bias),
                [(2, 5, 4)])


def test_linear_default_init():
    check_default_init(lambda: ember.nn.Linear(20, 30), lambda: torch.nn.Linear(20, 30))


def test_bilinear():
    check_layer(lambda: ember.nn.Bilinear(3, 2, 4), lambda: torch.nn.Bilinear(3, 2, 4),
                [(5, 3), (5, 2)])
    # enough bias entries (out_features) for the range check to be meaningful
    check_default_init(lambda: ember.nn.Bilinear(8, 5, 200), lambda: torch.nn.Bilinear(8, 5, 200))


def test_linear_error_names_the_layer():
    net = ember.nn.Module()
    net.fc1 = ember.nn.Linear(784, 10)
    with pytest.raises(RuntimeError) as info:
        net.fc1(ember.zeros(32, 28, 28))
    assert str(info.value) == ("fc1 (Linear, in_features=784, out_features=10, bias=True): "
                               "expected input of shape (..., 784), got (32, 28, 28)")


def test_lazy_linear_materialises_at_first_call():
    ember.manual_seed(0)
    fc = ember.nn.LazyLinear(3)
    assert fc.in_features == 0
    out = fc(ember.randn(2, 5))
    assert type(fc) is ember.nn.Linear and fc.in_features == 5
    assert tuple(fc.weight.shape) == (3, 5) and tuple(out.shape) == (2, 3)
    bound = 1 / 5 ** 0.5
    assert float(fc.weight.abs().max()) <= bound and float(fc.bias.abs().max()) <= bound
    # and it matches torch once both hold the same weights
    tfc = torch.nn.Linear(5, 3).double()
    check_layer(lambda: _lazy(5), lambda: tfc, [(2, 5)])


def test_lazy_linear_loads_a_state_dict_before_the_first_call():
    tfc = torch.nn.Linear(4, 3).double()
    fc = ember.nn.LazyLinear(3)
    fc.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tfc.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4))
    np.testing.assert_allclose(fc(ember.tensor(x)).detach().numpy(),
                               tfc(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    assert type(fc) is ember.nn.Linear and fc.in_features == 4


def _lazy(n):
    fc = ember.nn.LazyLinear(3)
    fc(ember.zeros(1, n))
    return fc


def test_identity_flatten_unflatten():
    check_layer(lambda: ember.nn.Identity(3, x=1), lambda: torch.nn.Identity(3, x=1), [(2, 3)])
    check_layer(lambda: ember.nn.Flatten(), lambda: torch.nn.Flatten(), [(2, 3, 4)])
    check_layer(lambda: ember.nn.Flatten(0, 1), lambda: torch.nn.Flatten(0, 1), [(2, 3, 4)])
    check_layer(lambda: ember.nn.Unflatten(1, (2, 3)), lambda: torch.nn.Unflatten(1, (2, 3)),
                [(4, 6)])


def test_reprs_match_torch():
    for e, t in ((ember.nn.Linear(4, 3), torch.nn.Linear(4, 3)),
                 (ember.nn.Bilinear(3, 2, 4, bias=False), torch.nn.Bilinear(3, 2, 4, False)),
                 (ember.nn.Flatten(), torch.nn.Flatten())):
        assert repr(e) == repr(t)


def test_weight_gradient_is_laid_out_like_the_weight():
    """PyTorch's layout contract: a parameter's gradient has the parameter's strides, so an
    optimizer update streams through contiguous memory (a transposed gradient made the
    benchmark MLP's SGD step 3x slower)."""
    layer = ember.nn.Linear(6, 4)
    x = ember.randn(5, 3, 6)
    layer(x).sum().backward()
    assert layer.weight.grad._data.flags.c_contiguous
    expected = np.einsum("bto,bti->oi", np.ones((5, 3, 4)), x.numpy())
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-5)
