"""The threaded copy of block-swapped views (``_numba_layout``): which layouts it takes,
bit-for-bit agreement with NumPy's copy, and the ops that reach it."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backends import _numba
from ember.backends._numba_layout import block_swap, swapped_copy

needs_numba = pytest.mark.skipif(not _numba.ENABLED, reason="numba is not installed")
RNG = np.random.default_rng(7)


@pytest.fixture
def forced(monkeypatch):
    """The kernel taken at every size."""
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)


@pytest.mark.parametrize("shape,perm,groups", [
    ((35, 32, 256), (1, 0, 2), (1, 35, 32, 256)),           # (T, B, H) read batch-first
    ((4, 3, 5, 16), (0, 2, 1, 3), (4, 3, 5, 16)),           # heads moved past the sequence
    ((2, 3, 4, 5, 16), (0, 3, 1, 2, 4), (2, 12, 5, 16)),    # a block of two axes
    ((2, 3, 4, 5, 16), (2, 3, 0, 1, 4), (1, 6, 20, 16)),    # two blocks of two
    ((2, 3, 4, 5, 2, 8), (0, 2, 3, 1, 4, 5), (2, 3, 20, 16)),  # rows of two axes
    ((1, 6, 1, 7, 16), (3, 1, 0, 2, 4), (1, 6, 7, 16)),     # unit axes anywhere
    ((6, 7, 5), (1, 0, 2), (1, 6, 7, 5)),                   # short rows: recognised
])
def test_block_swap_finds_the_blocks(shape, perm, groups) -> None:
    base = RNG.standard_normal(shape).astype(np.float32)
    found = block_swap(base.transpose(perm))
    assert found is not None and found[1] == groups
    src, (outer, a, b, inner) = found
    assert src.flags.c_contiguous and np.shares_memory(src, base)
    # src read in the swapped order is the view itself
    view = base.transpose(perm)
    np.testing.assert_array_equal(src.transpose(0, 2, 1, 3).reshape(view.shape), view)


@pytest.mark.parametrize("make", [
    lambda a: a,                                   # already contiguous
    lambda a: a.transpose(2, 1, 0),                # a reversal, not one swap
    lambda a: a.transpose(1, 0, 2)[:, ::2],        # gaps between rows
    lambda a: a.transpose(1, 0, 2)[::-1],          # a negative stride
    lambda a: a[:, :, :1].transpose(1, 0, 2),      # rows cut short: gaps
    lambda a: np.broadcast_to(a[:1], (4, 6, 16)).transpose(1, 0, 2),  # zero stride
    lambda a: a.reshape(2, 2, 6, 16).transpose(1, 0, 3, 2),  # two swaps
    lambda a: np.lib.stride_tricks.as_strided(a, (6, 4, 16), (64, 64, 4)),  # equal strides
    lambda a: np.lib.stride_tricks.as_strided(a, (6, 4, 16), (32, 64, 4)),  # rows overlap
], ids=["contiguous", "reversed", "gaps", "negative", "cut", "broadcast", "two-swaps",
        "equal-strides", "overlapping"])
def test_block_swap_declines_other_layouts(make) -> None:
    assert block_swap(make(RNG.standard_normal((4, 6, 16)).astype(np.float32))) is None


def _specials(shape, dtype) -> np.ndarray:
    x = RNG.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    picks = RNG.choice(flat.size, size=flat.size // 5, replace=False)
    flat[picks] = np.array([np.nan, np.inf, -np.inf, -0.0], dtype)[picks % 4]
    return x


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,perm,skip", [
    ((35, 32, 256), (1, 0, 2), 0), ((4, 3, 5, 16), (0, 2, 1, 3), 0),
    ((2, 3, 4, 5, 16), (0, 3, 1, 2, 4), 0), ((3, 7, 1, 33), (2, 1, 0, 3), 0),
    ((5, 6, 17), (1, 0, 2), 1),  # a view that starts inside its buffer
])
def test_swapped_copy_equals_numpys_copy_bitwise(forced, used_kernels, dtype, shape, perm,
                                                 skip) -> None:
    base = _specials(shape, dtype)[skip:]
    view = base.transpose(perm)
    got = swapped_copy(view)
    assert got is not None and "swap_blocks" in used_kernels
    assert got.flags.c_contiguous and got.shape == view.shape and got.dtype == dtype
    assert not np.shares_memory(got, base)
    np.testing.assert_array_equal(got.view(f"i{got.itemsize}"),
                                  np.ascontiguousarray(view).view(f"i{got.itemsize}"))


@needs_numba
def test_swapped_copy_declines(forced, monkeypatch) -> None:
    x = np.ones((6, 5, 32), np.float32)
    assert swapped_copy(x) is None                                        # contiguous
    assert swapped_copy(x.astype(np.int32).transpose(1, 0, 2)) is None    # not floating
    assert swapped_copy(x.astype(">f4").transpose(1, 0, 2)) is None      # byte-swapped
    assert swapped_copy(x[:, :, :8].transpose(1, 0, 2)) is None          # not one block swap
    assert swapped_copy(np.ones((6, 5, 8), np.float32).transpose(1, 0, 2)) is None  # short
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1 << 16)
    assert swapped_copy(x.transpose(1, 0, 2)) is None                     # small
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)
    monkeypatch.setattr(_numba, "ENABLED", False)
    assert swapped_copy(x.transpose(1, 0, 2)) is None


@needs_numba
def test_ops_that_copy_a_swapped_view_use_the_kernel(forced, used_kernels, monkeypatch
                                                     ) -> None:
    """``reshape`` (and its gradient), ``contiguous`` and ``linear`` on a transposed input
    copy it through the kernel, with the values NumPy's copy gives."""
    a = RNG.standard_normal((9, 4, 32))
    w = RNG.standard_normal((5, 32))

    def run():
        x = ember.tensor(a, requires_grad=True)
        flat = x.transpose(0, 1).reshape(-1, 32)
        (flat * ember.tensor(np.arange(36.0)[:, None])).sum().backward()
        made = x.detach().transpose(0, 1).contiguous()
        with ember.no_grad():
            out = ember.nn.functional.linear(x.detach().transpose(0, 1), ember.tensor(w))
        return [flat.detach().numpy(), x.grad.numpy(), made.numpy(), out.numpy()]

    fast = run()
    assert "swap_blocks" in used_kernels
    assert fast[2].flags.c_contiguous
    monkeypatch.setattr(_numba, "ENABLED", False)
    for f, s in zip(fast, run(), strict=True):
        np.testing.assert_array_equal(f, s)


@needs_numba
def test_linear_copies_only_inputs_it_cannot_view(forced, monkeypatch) -> None:
    """The no-graph linear flattens a view it can reshape as it lies (a column slice of a
    joint projection) without a copy, and copies a transposed one."""
    from ember.backends.base import Backend

    copies = []
    real = Backend.contiguous
    monkeypatch.setattr(Backend, "contiguous", lambda self, x: copies.append(x.shape)
                        or real(self, x))
    joint = RNG.standard_normal((4, 9, 96)).astype(np.float32)
    w = ember.tensor(RNG.standard_normal((5, 32)).astype(np.float32))
    with ember.no_grad():
        sliced = ember.tensor(joint)[..., :32]
        out = ember.nn.functional.linear(sliced, w)
        assert copies == []
        np.testing.assert_allclose(out.numpy(), joint[..., :32] @ w.numpy().T, rtol=1e-5,
                                   atol=1e-5)
        ember.nn.functional.linear(ember.tensor(joint[..., :32].copy()).transpose(0, 1), w)
    assert copies == [(9, 4, 32)]
