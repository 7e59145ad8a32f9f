"""Activation layers against torch.nn (layer harness), and the random activations."""

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from tests.nn.harness import check_default_init, check_layer

torch = pytest.importorskip("torch")
tnn = torch.nn

X = (3, 4)

LAYERS = [
    ("ReLU", (), X), ("ReLU6", (), X), ("SELU", (), X), ("SiLU", (), X), ("Mish", (), X),
    ("Hardsigmoid", (), X), ("Hardswish", (), X), ("Sigmoid", (), X), ("Tanh", (), X),
    ("Softsign", (), X), ("Tanhshrink", (), X), ("LogSigmoid", (), X),
    ("LeakyReLU", (0.2,), X), ("ELU", (0.5,), X), ("CELU", (1.5,), X), ("GELU", (), X),
    ("GELU", ("tanh",), X), ("Softplus", (2.0, 3.0), X), ("Hardtanh", (-0.5, 0.7), X),
    ("Threshold", (0.1, -2.0), X), ("Softshrink", (0.3,), X), ("Hardshrink", (0.3,), X),
    ("GLU", (0,), (4, 3)), ("Softmax", (1,), X), ("LogSoftmax", (-1,), X),
    ("Softmin", (0,), X), ("Softmax2d", (), (2, 3, 2, 2)), ("PReLU", (), (2, 3, 2)),
    ("PReLU", (3, 0.1), (2, 3, 2)),
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_layer_matches_torch(name, args, shape):
    check_layer(lambda: getattr(nn, name)(*args), lambda: getattr(tnn, name)(*args), [shape])


def test_rrelu_eval_matches_torch():
    check_layer(lambda: nn.RReLU(0.1, 0.3), lambda: tnn.RReLU(0.1, 0.3), [X], modes=("eval",))


def test_prelu_default_init():
    check_default_init(lambda: nn.PReLU(4), lambda: tnn.PReLU(4))


def test_inplace_layer_modifies_input():
    x = ember.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert y is x and x.tolist() == [0.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2)) == repr(tnn.LeakyReLU(0.2))
    assert repr(nn.PReLU(3)) == repr(tnn.PReLU(3))


def test_rrelu_training_slopes_are_random_in_bounds():
    ember.manual_seed(0)
    x = ember.full((2000,), -1.0, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = (-y).detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.05
    y.sum().backward()  # the gradient is the sampled slope
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)
    assert F.rrelu(ember.tensor([2.0]), training=True).tolist() == [2.0]


def test_gumbel_softmax_samples_follow_the_softmax():
    ember.manual_seed(0)
    logits = ember.tensor([1.0, 0.0, -1.0])
    y = F.gumbel_softmax(logits.expand(4000, 3), tau=0.5, hard=True)
    assert tuple(y.shape) == (4000, 3) and set(np.unique(y.numpy())) == {0.0, 1.0}
    assert y.sum(-1).tolist() == [1.0] * 4000
    freq = y.mean(0).numpy()
    want = F.softmax(logits, 0).numpy()  # argmax of logits + Gumbel noise ~ softmax(logits)
    np.testing.assert_allclose(freq, want, atol=0.03)


def test_gumbel_softmax_hard_is_straight_through():
    ember.manual_seed(1)
    logits = ember.randn(5, 4, requires_grad=True)
    w = ember.randn(5, 4)
    ember.manual_seed(2)
    (F.gumbel_softmax(logits, hard=True) * w).sum().backward()
    hard_grad = logits.grad.clone()
    logits.grad = None
    ember.manual_seed(2)
    (F.gumbel_softmax(logits, hard=False) * w).sum().backward()
    np.testing.assert_allclose(hard_grad.numpy(), logits.grad.numpy(), rtol=1e-6, atol=1e-7)
    soft = F.gumbel_softmax(logits, tau=1e3)  # a high temperature flattens the sample
    np.testing.assert_allclose(soft.detach().numpy(), 0.25, atol=0.01)


def test_softmax_implicit_dim_warns_like_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        got = F.softmax(ember.tensor(x))
    with pytest.warns(UserWarning):
        want = torch.nn.functional.softmax(torch.tensor(x))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_softmax_is_stable_and_handles_inf():
    x = ember.tensor([[1000.0, 0.0], [float("-inf"), 0.0], [float("-inf"), float("-inf")]])
    tx = torch.tensor(x.numpy())
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), torch.softmax(tx, 1).numpy())
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy(), torch.log_softmax(tx, 1).numpy())


def test_prelu_module_error_names_the_layer():
    m = nn.PReLU(3)
    with pytest.raises(RuntimeError, match=r"PReLU\(num_parameters=3\).*mismatch in parameter"):
        m(ember.zeros(2, 4))


def test_softmax_tensor_methods_match_torch():
    x = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    t = torch.from_numpy(x)
    e = ember.from_numpy(x)
    np.testing.assert_allclose(e.softmax(-1).numpy(), t.softmax(-1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(e.log_softmax(dim=0).numpy(), t.log_softmax(dim=0).numpy(),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_relu_backward_is_exact_with_nan_and_signed_zero_gradients(dtype):
    """relu's backward masks by bits, not by `where`: NaN, inf and -0.0 must come out as
    PyTorch's (masked positions +0.0, kept positions unchanged)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 9)).astype(np.float32)
    x[0, :3] = 0.0
    g = rng.normal(size=(7, 9)).astype(np.float32)
    g[1, :] = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.nan, 1.0, -0.0, 2.0]
    tx = torch.tensor(x, dtype=dtype, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g, dtype=dtype))
    ex = ember.tensor(x).to(getattr(ember, str(dtype).split(".")[1])).requires_grad_()
    ember.relu(ex).backward(ember.tensor(g).to(ex.dtype))
    want = tx.grad.float().numpy()
    got = ex.grad.float().numpy()
    assert np.array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_array_equal(got, want)
