"""Safety and memory: version counters, freeing saved tensors, a steady training loop, and
anomaly detection naming the op and the user's line."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import ember
from tests.test_autograd_prims import sqrt, tanh


# ----------------------------------------------------------------------------- versions
def test_in_place_ops_bump_the_version_shared_with_views():
    x = ember.zeros(2)
    v = x.detach()
    before = x._version[0]
    x.add_(1.0)
    x.mul_(2.0)
    assert x._version[0] == before + 2 and v._version[0] == x._version[0]


def test_backward_through_a_saved_then_modified_tensor_names_the_op():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: MulBackward.*"
                                           r"shape \(2,\) at version 0.*version 1"):
        y.backward()


def test_modifying_a_tensor_the_backward_does_not_read_is_fine():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h + 1.0).sum()  # add saves nothing
    h.add_(1.0)
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


# An operand whose values only the other operands' gradients read (``x`` in ``x @ w`` when
# only ``x`` requires a gradient) may be modified before backward, as in PyTorch; it is an
# error exactly when a gradient that reads it is needed.
_SAVED_CASES = {
    "mul": lambda m, x, c: x * c,
    "mul, constant first": lambda m, x, c: c * x,
    "div": lambda m, x, c: x / c,
    "div, constant first": lambda m, x, c: c / x,
    "matmul": lambda m, x, c: x @ c,
    "matmul, constant first": lambda m, x, c: c @ x,
    "linear": lambda m, x, c: m.nn.functional.linear(x, c),
    "linear + bias": lambda m, x, c: m.nn.functional.linear(x, c, c[0]),
    "linear as the weight": lambda m, x, c: m.nn.functional.linear(c, x),
    "linear + relu module": lambda m, x, c: _linear_relu(m, c)(x),
    "einsum": lambda m, x, c: m.einsum("ij,jk->ik", x, c),
}


def _linear_relu(module, weight):
    """``Linear(3, 3)`` + ``ReLU`` holding ``weight`` (ember runs the pair as one op)."""
    layer = module.nn.Linear(3, 3)
    with module.no_grad():
        layer.weight.copy_(weight)
        layer.bias.fill_(-1.0)
    layer.requires_grad_(weight.requires_grad)  # a frozen layer never reads its input
    return module.nn.Sequential(layer, module.nn.ReLU())


def _mutate_then_backward(module, case: str, constant_requires_grad: bool):
    data = (np.arange(9.0).reshape(3, 3) / 7 + 0.5).astype(np.float32)
    base = module.tensor(data, requires_grad=True)
    constant = module.tensor(data[::-1].copy(), requires_grad=constant_requires_grad)
    x = base * 1  # a non-leaf, so it may be modified in place
    y = _SAVED_CASES[case](module, x, constant)
    x.mul_(3.0)
    try:
        (y * y).sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return None
    return base.grad.numpy()


@pytest.mark.parametrize("constant_requires_grad", [False, True])
@pytest.mark.parametrize("case", sorted(_SAVED_CASES))
def test_a_saved_operand_modified_in_place_is_an_error_only_when_its_values_are_read(
        case, constant_requires_grad):
    torch = pytest.importorskip("torch")
    expected = _mutate_then_backward(torch, case, constant_requires_grad)
    got = _mutate_then_backward(ember, case, constant_requires_grad)
    assert (got is None) == (expected is None), (case, got, expected)
    if expected is not None:
        np.testing.assert_allclose(got, expected, rtol=1e-5)


# ----------------------------------------------------------------------------- memory
def test_saved_tensors_are_released_after_backward():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    z = h * h
    node = z.grad_fn
    ref = weakref.ref(h)
    loss = z.sum()
    del h
    gc.collect()
    assert ref() is not None  # the graph keeps it for backward
    loss.backward()
    gc.collect()
    assert ref() is None and node._saved == ()


def test_retain_graph_keeps_saved_tensors_until_the_last_backward():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    z = tanh(x * x)
    node = z.grad_fn
    z.sum().backward(retain_graph=True)
    assert node._out_data is not None
    z.sum().backward()
    assert node._out_data is None
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * xs * (1 - np.tanh(xs ** 2) ** 2),
                               rtol=1e-12)


def test_grad_releases_the_graph_too():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    z = x * x
    node = z.grad_fn
    ember.autograd.grad(z.sum(), x)
    assert node._saved == ()


def test_training_loop_does_not_grow_memory():
    w = ember.tensor(np.full((4, 8), 0.1), requires_grad=True)
    b = ember.zeros(8, requires_grad=True)
    x = ember.tensor(np.linspace(-1, 1, 32).reshape(4, 8))

    def step():
        h = tanh(x * w + b)
        loss = (h * h).sum() + (h * 3.0).mean()
        loss.backward()
        with ember.no_grad():
            w.sub_(w.grad * 0.01)
            b.sub_(b.grad * 0.01)
        w.grad = b.grad = None

    def growth(steps: int) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            for _ in range(steps):
                step()
            gc.collect()
            return tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()

    for _ in range(20):  # warm caches (plain ctx, op objects) before measuring
        step()
    # NumPy keeps a bounded cache of small freed blocks (array dims), which tracemalloc
    # counts: 5-16 KB over a window whatever its length. A leak grows with the steps: any
    # Python object (16 bytes or more) kept each step adds 16 KB more over 1500 steps than
    # over 500 (a graph node or a tensor is far larger).
    short, long = growth(500), growth(1500)
    assert long - short < 16_384, f"memory grew by {short} bytes over 500 steps and by " \
                                  f"{long} over 1500"


# ----------------------------------------------------------------------------- anomaly
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_forward_names_the_op_and_the_user_line():
    x = ember.tensor([-1.0, 4.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"op 'autograd_test_sqrt' produced NaN.*"
                                               r"test_autograd_safety.py:\d+.*sqrt\(x\)"):
            sqrt(x)
    assert not ember.autograd.is_anomaly_enabled()
    sqrt(x)  # outside the context: no check


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_backward_names_the_node_and_the_forward_line():
    x = ember.tensor([0.0, 4.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = sqrt(x) * 0.0  # d sqrt / dx at 0 is inf; times 0 gives NaN in backward
        with pytest.raises(RuntimeError, match=r"AutogradTestSqrtBackward returned NaN.*input 0"
                                               r".*test_autograd_safety.py:\d+.*sqrt\(x\) \* 0"):
            y.sum().backward()


def test_anomaly_backward_in_a_custom_function_and_as_decorator():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    @ember.autograd.detect_anomaly()
    def run():
        x = ember.tensor([1.0], requires_grad=True)
        y = Bad.apply(x)  # the line the error must point to
        y.sum().backward()

    with pytest.raises(RuntimeError, match=r"BadBackward returned NaN.*y = Bad.apply\(x\)"):
        run()
    assert not ember.autograd.is_anomaly_enabled()


def test_without_anomaly_mode_nan_gradients_pass_silently():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = ember.tensor([1.0], requires_grad=True)
    Bad.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_backward_through_a_saved_then_modified_output_raises():
    """Ops whose backward reads their output (exp, the LSTM's hidden states) refuse an
    output changed in place since, as PyTorch does; in-place forms of such ops still work."""
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp()
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*saved its output"):
        y.sum().backward()
    z = x.clone()
    z.exp_()
    z.sum().backward()
    assert x.grad is not None
    lstm = ember.nn.LSTM(3, 4)
    out, _ = lstm(ember.randn(5, 2, 3))
    loss = out.sum()
    out.mul_(0.0)
    with pytest.raises(RuntimeError, match=r"inplace operation: LstmSequenceBackward"):
        loss.backward()
