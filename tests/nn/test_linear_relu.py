"""The fused ``linear_relu`` primitive (bias and ReLU in one pass over the product) against
PyTorch's ``relu(linear(...))``, float64 finite differences, and the unfused composition."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backends import _numba
from ember.nn.functional.linear import linear_relu

torch = pytest.importorskip("torch")


def _inputs(rows: int, dtype, bias: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 48)).astype(dtype)
    w = rng.standard_normal((64, 48)).astype(dtype) * 0.2
    b = rng.standard_normal(64).astype(dtype) if bias else None
    return x, w, b


# 2048 rows x 64 = 131072 outputs: the threaded numba kernel's size; 8 rows: its serial twin
# (NumPy's passes without numba)
@pytest.mark.parametrize("rows", [8, 2048])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch_values_and_gradients(rows, dtype, bias) -> None:
    x, w, b = _inputs(rows, dtype, bias)
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    out = linear_relu(*ours)
    ref = torch.relu(torch.nn.functional.linear(*theirs))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                               atol=rtol)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(ember.tensor(g))
    ref.backward(torch.tensor(g))
    for a, r in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=rtol * 10,
                                   atol=rtol * 10)


@pytest.mark.parametrize("rows", [8, 2048])
def test_nan_and_negative_zero_as_relu(rows) -> None:
    """NaN passes through and -0.0 comes out +0.0, as ``relu`` (NumPy's maximum)."""
    x, w, b = _inputs(rows, np.float32, True)
    x[0, 0] = np.nan
    w[1] = 0.0
    b[1] = -0.0  # row 1 of the output: 0 * x + (-0.0) = +0.0 or -0.0 before the ReLU
    args = [ember.tensor(a) for a in (x, w, b)]
    out = linear_relu(*args).numpy()
    ref = ember.relu(ember.nn.functional.linear(*args)).numpy()
    np.testing.assert_array_equal(out, ref)
    assert np.isnan(out[0]).all() and not np.signbit(out[:, 1]).any()


@pytest.mark.parametrize("rows, kernel", [(8, "bias_relu_rows_serial"),
                                          (2048, "bias_relu_rows")])
def test_numba_kernel_is_used_and_agrees_with_numpy(monkeypatch, used_kernels, rows,
                                                    kernel) -> None:
    if not _numba.loaded():
        pytest.skip("numba not installed")
    x, w, b = _inputs(rows, np.float32, True)
    x[0, 0] = np.nan
    args = [ember.tensor(a) for a in (x, w, b)]
    fused = linear_relu(*args).numpy()
    assert kernel in used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    plain = linear_relu(*args).numpy()
    np.testing.assert_array_equal(fused, plain)


def test_finite_differences_and_double_backward() -> None:
    x, w, b = _inputs(6, np.float64, True, seed=3)
    x += 0.05 * np.sign(x)  # keep the pre-activations away from the kink
    # directional central differences: <c, J v> against <J^T c, v>
    rng = np.random.default_rng(6)
    directions = [rng.standard_normal(a.shape) for a in (x, w, b)]
    cotangent = rng.standard_normal((6, 64))
    leaves = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    (linear_relu(*leaves) * ember.tensor(cotangent)).sum().backward()
    reverse = sum(float((t.grad.numpy() * d).sum()) for t, d in zip(leaves, directions))

    def f(step: float) -> float:
        moved = [ember.tensor(a + step * d) for a, d in zip((x, w, b), directions)]
        return float((linear_relu(*moved).numpy() * cotangent).sum())

    eps = 1e-6
    assert abs((f(eps) - f(-eps)) / (2 * eps) - reverse) < 1e-6 * max(1.0, abs(reverse))
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    gx = ember.autograd.grad((linear_relu(*ours) ** 2).sum(), ours[0], create_graph=True)[0]
    rx = torch.autograd.grad((torch.relu(torch.nn.functional.linear(*theirs)) ** 2).sum(),
                             theirs[0], create_graph=True)[0]
    second = ember.autograd.grad(gx.sin().sum(), ours[1])[0]
    ref = torch.autograd.grad(rx.sin().sum(), theirs[1])[0]
    np.testing.assert_allclose(second.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


def test_forward_mode() -> None:
    import ember.autograd.forward_ad as fwAD

    x, w, b = _inputs(5, np.float64, True, seed=4)
    t = np.random.default_rng(5).standard_normal(x.shape)
    args = [ember.tensor(a) for a in (x, w, b)]
    with fwAD.dual_level():
        out = linear_relu(fwAD.make_dual(args[0], ember.tensor(t)), *args[1:])
        tangent = fwAD.unpack_dual(out).tangent.numpy()
    pre = x @ w.T + b
    np.testing.assert_allclose(tangent, np.where(pre > 0, t @ w.T, 0.0), atol=1e-12)


def test_other_inputs_fall_back_to_the_composition() -> None:
    x = ember.randn(3, 4, dtype=ember.float64)
    w = ember.randn(5, 4)  # float32: not the fused case; linear names the mismatch
    with pytest.raises(RuntimeError, match="linear: expected all tensors to have the same"):
        linear_relu(x, w)
