"""Norms of half-precision tensors are computed in float32, as PyTorch's: squares of
values above ~256 overflow float16, and a clipped gradient must not become zero."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

LARGE = np.array([1000.0, 300.0, -700.0, 0.5])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, -1, float("inf")])
def test_vector_norm_of_half_tensors_does_not_overflow(dtype, ord) -> None:
    got = ember.linalg.vector_norm(ember.tensor(LARGE).to(getattr(ember, dtype)), ord)
    want = torch.linalg.vector_norm(torch.tensor(LARGE).to(getattr(torch, dtype)), ord)
    assert got.dtype.name == dtype
    np.testing.assert_allclose(got.float().item(), want.float().item(), rtol=1e-3)
    assert np.isfinite(got.float().item())


def test_total_norm_and_clipping_of_half_gradients_match_pytorch() -> None:
    grads = {"ember": [], "torch": []}
    for lib, name in ((ember, "ember"), (torch, "torch")):
        params = [lib.zeros(4, dtype=lib.float16, requires_grad=True),
                  lib.zeros(4, dtype=lib.float32, requires_grad=True)]
        for p in params:
            p.grad = lib.tensor(LARGE).to(p.dtype)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm=1.0)
        grads[name] = [total.float().item()] + [p.grad.float().numpy() for p in params]
        assert total.dtype == lib.float32  # the norms' stack promotes, as PyTorch's
    np.testing.assert_allclose(grads["ember"][0], grads["torch"][0], rtol=1e-3)
    for got, want in zip(grads["ember"][1:], grads["torch"][1:]):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-4)
        assert np.abs(got).max() > 0.1  # clipped, not zeroed by an infinite norm
