"""``cdist`` beyond its op records: the Euclidean matrix-product path never builds the
``(P, R, M)`` differences, and the difference path gives PyTorch's values and gradients
when it walks the rows in several steps."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import ember
from ember.ops import distance_p


def test_euclidean_cdist_by_products_needs_memory_for_the_result_only() -> None:
    rng = np.random.default_rng(0)
    a = ember.tensor(rng.standard_normal((300, 512)).astype(np.float32))
    b = ember.tensor(rng.standard_normal((300, 512)).astype(np.float32))
    ember.cdist(a[:30], b[:30])  # first-call work (imports, compiled kernels) out of the count
    tracemalloc.start()
    try:
        result = ember.cdist(a, b)  # 300 rows > 25: PyTorch's matrix-product path
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the differences would take 300 * 300 * 512 * 4 bytes = 184 MB; the result 0.36 MB
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    expected = np.sqrt(((a.numpy()[:, None] - b.numpy()[None]) ** 2).sum(-1))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-4)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, math.inf])
def test_difference_path_in_many_row_steps_matches_torch(monkeypatch, p) -> None:
    # a step of one or two rows of x1 (out of 7) in the forward and in both gradients,
    # with duplicated rows (zero distances, where the gradient is 0)
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(distance_p, "_CHUNK", 64)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 7, 4))
    b = np.concatenate([rng.standard_normal((2, 5, 4)), a[:, :2]], axis=1)
    go = rng.standard_normal((2, 7, 7))
    xe, ye = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    kw = dict(p=p, compute_mode="donot_use_mm_for_euclid_dist")
    oe, ot = ember.cdist(xe, ye, **kw), torch.cdist(xt, yt, **kw)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12)
    oe.backward(ember.tensor(go))
    ot.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ye.grad.numpy(), yt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_fractional_p_gradient_is_zero_where_a_coordinate_difference_is_zero(p) -> None:
    # rows that share one coordinate at a non-zero distance: PyTorch's _cdist_backward
    # gives that coordinate a 0 gradient for p < 1 (not sign(0) * 0 ** (p - 1) = NaN)
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.0], [2.0, 3.0]])
    b = np.array([[0.0, 5.0], [1.0, 1.0], [0.0, 1.0]])
    xe, ye = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ge = ember.autograd.grad(ember.cdist(xe, ye, p=p).sum(), [xe, ye], create_graph=True)
    gt = torch.autograd.grad(torch.cdist(xt, yt, p=p).sum(), [xt, yt])
    for e, t in zip(ge, gt):
        np.testing.assert_allclose(e.detach().numpy(), t.numpy(), rtol=1e-12)
    # the second derivative (PyTorch has none) stays finite at those coordinates
    (hx,) = ember.autograd.grad((ge[0] ** 2).sum(), [xe])
    assert np.isfinite(hx.numpy()).all()


def test_fractional_p_forward_mode_is_zero_where_a_coordinate_difference_is_zero() -> None:
    # PyTorch has no forward mode for cdist: compare with its reverse-mode Jacobian
    torch = pytest.importorskip("torch")
    import ember.autograd.forward_ad as fwad

    a = np.array([[0.0, 1.0], [2.0, 3.0]])
    b = np.array([[0.0, 5.0], [1.0, 1.0], [0.0, 1.0]])
    ta = np.array([[0.5, -1.0], [2.0, 0.25]])
    jac = torch.autograd.functional.jacobian(
        lambda x: torch.cdist(x, torch.tensor(b), p=0.5), torch.tensor(a))
    expected = (jac * torch.tensor(ta)).sum((-2, -1)).numpy()
    with fwad.dual_level():
        out = ember.cdist(fwad.make_dual(ember.tensor(a), ember.tensor(ta)), ember.tensor(b),
                          p=0.5)
        tangent = fwad.unpack_dual(out).tangent
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-12)


def test_pdist_never_builds_all_pairwise_differences() -> None:
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((600, 64)).astype(np.float32))
    ember.pdist(x[:30])  # first-call work out of the count
    tracemalloc.start()
    try:
        result = ember.pdist(x, p=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the pairwise differences would take 600 * 599 / 2 * 64 * 4 bytes = 46 MB
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    a = x.numpy()
    i, j = np.triu_indices(600, 1)
    np.testing.assert_allclose(result.numpy(), np.abs(a[i] - a[j]).sum(-1), rtol=1e-5)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, math.inf])
def test_pdist_in_many_row_steps_matches_torch(monkeypatch, p) -> None:
    # duplicated rows (zero distances: gradient 0), a shared coordinate, and at p=inf rows
    # with two coordinates tied for the maximum (each gets the gradient, as PyTorch's)
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(distance_p, "_CHUNK", 16)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((7, 3))
    a[4] = a[1]
    a[5, 0] = a[0, 0]
    a[6] = a[2] + np.array([1.0, -1.0, 0.5])
    go = rng.standard_normal(21)
    xe, xt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    oe, ot = ember.pdist(xe, p=p), torch.pdist(xt, p=p)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12)
    oe.backward(ember.tensor(go))
    ot.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
