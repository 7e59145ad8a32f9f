"""``cdist`` beyond its op records: the Euclidean matrix-product path never builds the
``(P, R, M)`` differences."""

from __future__ import annotations

import tracemalloc

import numpy as np

import ember


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
