"""The optional MKL matrix-product path (ember/backends/_mkl.py) against NumPy's matmul.

Every layout BLAS can read directly (row-major, transposed, strided rows, batched with
broadcast or stride-0 batches) must give NumPy's result; everything else must be declined
(None), so the backend falls back to NumPy.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from ember.backends import _mkl, _numba, matmul

needs_mkl = pytest.mark.skipif(not _mkl.enabled(), reason="the mkl package is not installed")
RNG = np.random.default_rng(0)


def _rand(*shape: int, dtype=np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def _close(got: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    tol = 1e-4 if a.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.sqrt(a.shape[-1]) * 4)


@pytest.fixture(params=["compiled", "ctypes"])
def call_route(request, monkeypatch) -> str:
    """Run a 2-D product test through each way of calling cblas_?gemm: from numba-compiled
    code (when numba is installed) and through ctypes. The compiled route is spied on, so a
    test that passes without taking it fails."""
    if request.param == "ctypes":
        monkeypatch.setattr(_mkl, "compiled_gemm", None)
        yield "ctypes"
        return
    if _mkl.compiled_gemm is None or not _numba.loaded():
        pytest.skip("numba is not installed")
    calls = []
    compiled = _mkl.compiled_gemm

    def spy(*args):
        calls.append(compiled(*args))
        return calls[-1]

    monkeypatch.setattr(_mkl, "compiled_gemm", spy)
    yield "compiled"
    assert calls and all(done is True for done in calls)


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_matrix_layouts(dtype, trans_a: bool, trans_b: bool, call_route: str) -> None:
    m, k, n = 96, 130, 70
    a = _rand(k, m, dtype=dtype).T if trans_a else _rand(m, k, dtype=dtype)
    b = _rand(n, k, dtype=dtype).T if trans_b else _rand(k, n, dtype=dtype)
    out = _mkl.matmul(a, b)
    assert out is not None and out.dtype == dtype and out.flags.c_contiguous
    _close(out, a, b)


@needs_mkl
def test_strided_rows_and_views(call_route: str) -> None:
    big = _rand(200, 300)
    a = big[10:110, 5:205]           # leading dimension 300, offset start
    b = _rand(400, 90)[::2]          # every other row: leading dimension 180
    out = _mkl.matmul(a, b)
    assert out is not None
    _close(out, a, b)


@needs_mkl
def test_out_is_written_and_returned(call_route: str) -> None:
    a, b = _rand(128, 256), _rand(256, 64)
    out = np.full((128, 64), np.nan, np.float32)
    assert _mkl.matmul(a, b, out) is out
    _close(out, a, b)


@needs_mkl
@pytest.mark.parametrize("shape_a,shape_b", [
    ((8, 64, 96), (8, 96, 80)),          # same batch
    ((64, 96), (8, 96, 80)),             # left operand broadcast (stride-0 batch)
    ((8, 64, 96), (96, 80)),             # right operand broadcast
    ((2, 3, 64, 96), (2, 3, 96, 80)),    # two batch dims, collapsible
    ((1, 3, 64, 96), (2, 1, 96, 80)),    # broadcast in different dims: declined or right
])
def test_batched(shape_a, shape_b) -> None:
    a, b = _rand(*shape_a), _rand(*shape_b)
    out = matmul(a, b)  # through the backend: MKL where it can, NumPy where it cannot
    assert out.shape == np.broadcast_shapes(shape_a[:-2], shape_b[:-2]) + (64, 80)
    _close(out, a, b)


@needs_mkl
def test_batched_transposed_operands() -> None:
    q, k = _rand(4, 2, 128, 64), _rand(4, 2, 128, 64)
    out = _mkl.matmul(q, np.swapaxes(k, -1, -2))
    assert out is not None
    _close(out, q, np.swapaxes(k, -1, -2))


@needs_mkl
def test_declines_what_blas_cannot_take() -> None:
    a = _rand(128, 256)
    b = _rand(256, 128)
    assert _mkl.matmul(a[:, ::2], b[::2]) is None         # no unit-stride dimension
    assert _mkl.matmul(a, b.astype(np.float64)) is None   # mixed dtypes
    assert _mkl.matmul(a.astype(np.int64), b.astype(np.int64)) is None
    assert _mkl.matmul(a.astype(">f4"), b.astype(">f4")) is None  # byte-swapped
    assert _mkl.matmul(_rand(4, 8), _rand(8, 4)) is None  # too small to pay
    assert _mkl.matmul(a, b, np.empty((128, 128), np.float64)) is None  # wrong out dtype
    assert _mkl.matmul(a, b, np.empty((128, 128), np.float32).T) is None  # out not C order
    square = _rand(256, 256)
    assert _mkl.matmul(square, square, square) is None    # out overlaps an operand


def _attention_views(n: int, h: int, length: int, d: int, dtype=np.float32):
    """q, k, v as multi-head attention keeps them: (N, H, L, D) views of one (L, N, 3*H*D)
    projection, whose (N, H) batch no single stride walks."""
    proj = _rand(length, n, 3 * h * d, dtype=dtype).reshape(length, n, 3, h, d)
    return tuple(proj[:, :, i].transpose(1, 2, 0, 3) for i in range(3))


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_head_views_take_the_pointer_path(dtype, monkeypatch) -> None:
    q, k, v = _attention_views(2, 3, 128, 64, dtype)
    kt = np.swapaxes(k, -1, -2)
    p = _rand(2, 3, 128, 128, dtype=dtype)
    for a, b in ((q, kt), (p, v)):
        assert _mkl._batch_stride(a if a is q else b, (2, 3), a.itemsize) is None
        got = _mkl.matmul(a, b)
        assert got is not None and got.flags.c_contiguous
        _close(got, a, b)
    monkeypatch.setattr(_mkl, "_gemm_pointers", {})  # an MKL without cblas_?gemm_batch
    assert _mkl.matmul(q, kt) is None


@needs_mkl
@pytest.mark.parametrize("shape_b,make_a,make_b", [
    # a 3-D permuted (interleaved) batch with a negative-stride one
    ((6, 96, 80), lambda: _rand(64, 6, 96).transpose(1, 0, 2), lambda b: b[::-1]),
    # two batch dims permuted: strides (64*96, 4*64*96)
    ((4, 3, 96, 80), lambda: _rand(3, 4, 64, 96).transpose(1, 0, 2, 3), lambda b: b),
    # negative stride on the outer of two batch dims
    ((4, 3, 96, 80), lambda: _rand(4, 3, 64, 96)[::-1], lambda b: b),
    # broadcast operands (batch 1, missing batch dims) against a non-uniform batch
    ((5, 3, 96, 80), lambda: _rand(1, 5, 64, 96), lambda b: b.transpose(1, 0, 2, 3)),
    ((5, 3, 96, 80), lambda: _rand(5, 64, 96), lambda b: b.transpose(1, 0, 2, 3)),
    ((5, 3, 96, 80), lambda: _rand(64, 96), lambda b: b.transpose(1, 0, 2, 3)[:, ::-1]),
    ((4, 1, 96, 80), lambda: _rand(3, 4, 64, 96).transpose(1, 0, 2, 3), lambda b: b),
])
def test_batches_no_single_stride_walks(shape_b, make_a, make_b) -> None:
    a, b = make_a(), make_b(_rand(*shape_b))
    got = _mkl.matmul(a, b)
    assert got is not None
    assert got.shape == np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (64, 80)
    _close(got, a, b)


@needs_mkl
def test_pointer_arrays_of_a_two_level_batch() -> None:
    """The addresses of a (3, 5) batch: one per matrix, in C order, any strides."""
    x = _rand(5, 3, 64, 96).transpose(1, 0, 2, 3)[:, ::-1]
    want = [x[i, j].ctypes.data for i in range(3) for j in range(5)]
    assert _mkl._matrix_addresses(x, (3, 5)).tolist() == want
    y = _rand(5, 96, 80)  # broadcast along the first batch dim
    assert _mkl._matrix_addresses(y, (3, 5)).tolist() == [y[j].ctypes.data
                                                          for _ in range(3) for j in range(5)]
    got = _mkl.matmul(x, y)
    assert got is not None
    _close(got, x, y)


@needs_mkl
def test_out_with_merged_heads() -> None:
    """An (N, H, L, D) product written into (N, L, H, D) memory: heads come out merged."""
    n, h, length, d = 2, 3, 128, 64
    p, (_, _, v) = _rand(n, h, length, length), _attention_views(n, h, length, d)
    merged = np.full((n, length, h, d), np.nan, np.float32)
    out = merged.transpose(0, 2, 1, 3)
    assert _mkl.matmul(p, v, out) is out
    _close(out, p, v)
    assert not np.isnan(merged).any()
    _close(merged[:, :, 1], p[:, 1], v[:, 1])  # head 1 sits at columns D..2D of each row


@needs_mkl
def test_out_view_leaves_the_rest_of_its_buffer() -> None:
    a, b = _rand(2, 3, 64, 96), _rand(3, 96, 80)
    big = np.full((2, 64, 3, 2, 80), 7.0, np.float32)
    out = big[..., 0, :].transpose(0, 2, 1, 3)  # every other column block, heads merged
    assert out.shape == (2, 3, 64, 80) and not out.flags.c_contiguous
    assert _mkl.matmul(a, b, out) is out
    _close(out, a, b)
    untouched = np.ones(big.shape, bool)
    untouched[..., 0, :] = False
    assert (big[untouched] == 7.0).all()


@needs_mkl
@pytest.mark.parametrize("batch_first", [True, False])
def test_out_with_one_batch_stride(batch_first: bool) -> None:
    """Strided outs one stride walks: rows longer than n (strided API) and matrices
    interleaved in memory (MKL's strided API refuses stridec < ldc*m: pointer path)."""
    a, b = _rand(4, 64, 96), _rand(4, 96, 80)
    if batch_first:
        big = np.full((4, 64, 100), 7.0, np.float32)
        out = big[:, :, 10:90]
    else:
        big = np.full((64, 4, 100), 7.0, np.float32)
        out = big[:, :, 10:90].transpose(1, 0, 2)
    assert _mkl.matmul(a, b, out) is out
    _close(out, a, b)
    assert (big[..., :10] == 7.0).all() and (big[..., 90:] == 7.0).all()


@needs_mkl
def test_batch_of_one() -> None:
    """A batch of one matrix: MKL checks stridec >= ldc*m even then (a stride of 0 failed)."""
    a, b = _rand(1, 1, 64, 96), _rand(96, 80)
    _close(_mkl.matmul(a, b), a, b)
    out = np.full((1, 64, 2, 80), np.nan, np.float32)[:, :, 1].reshape(1, 1, 64, 80)
    assert _mkl.matmul(a, b, out) is out
    _close(out, a, b)


@needs_mkl
def test_declines_outs_it_cannot_write() -> None:
    from numpy.lib.stride_tricks import as_strided

    a, b = _rand(4, 64, 96), _rand(96, 80)
    buffer = np.zeros((4, 64, 96 + 80), np.float32)
    buffer[..., :96] = a
    shares = buffer[..., :96], buffer[..., 96:]
    assert _mkl.matmul(shares[0], b, shares[1]) is None              # overlaps ``a``
    plane = np.zeros((64, 80), np.float32)
    zero_stride = as_strided(plane, (4, 64, 80), (0,) + plane.strides)
    assert zero_stride.flags.writeable
    assert _mkl.matmul(a, b, zero_stride) is None                    # batch entries collide
    assert _mkl.matmul(a, b, np.zeros((4, 64, 160), np.float32)[..., ::2]) is None
    assert _mkl.matmul(a, b, np.zeros((4, 64, 80), np.float32)[:, ::-1]) is None
    readonly = np.zeros((4, 64, 80), np.float32)[:, :, :]
    readonly.flags.writeable = False
    assert _mkl.matmul(a, b, readonly) is None


def test_backend_matches_numpy_either_way() -> None:
    """The backend's result is NumPy's whether or not MKL is enabled (also without mkl)."""
    a, b = _rand(64, 128), _rand(128, 256)
    previous = _mkl.set_enabled(True)
    try:
        with_mkl = matmul(a, b)
        _mkl.set_enabled(False)
        without = matmul(a, b)
    finally:
        _mkl.set_enabled(previous)
    _close(with_mkl, a, b)
    np.testing.assert_array_equal(without, a @ b)


def test_environment_switch_turns_it_off() -> None:
    code = "from ember.backends import _mkl; print(_mkl.enabled())"
    env = dict(os.environ, EMBER_BLAS="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


@needs_mkl
def test_training_ops_route_through_mkl_and_match_torch() -> None:
    """Linear forward and backward at a size that takes the MKL path, against PyTorch."""
    torch = pytest.importorskip("torch")
    import ember

    x, w, bias = _rand(128, 300), _rand(200, 300), _rand(200)
    ex, ew, eb = (ember.tensor(v, requires_grad=True) for v in (x, w, bias))
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
    ember.nn.functional.linear(ex, ew, eb).square().sum().backward()
    torch.nn.functional.linear(tx, tw, tb).square().sum().backward()
    for e, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=2e-4, atol=2e-3)


@needs_mkl
def test_declines_leading_dimensions_past_32_bits() -> None:
    """BLAS takes 32-bit leading dimensions: a wider one must not be truncated."""
    from numpy.lib.stride_tricks import as_strided

    base = np.zeros(1024, np.float32)
    # rows 2**31 + 64 elements apart (never read: the product must be declined first)
    a = as_strided(base, (2, 512), (((1 << 31) + 64) * 4, 4))
    assert _mkl.matmul(a, _rand(512, 1024)) is None


@needs_mkl
def test_ilp64_environment_and_no_environment_changes() -> None:
    code = ("import os, numpy as np; from ember.backends import matmul; "
            "print(float(matmul(np.ones((256, 512), np.float32), "
            "np.ones((512, 256), np.float32))[0, 0]), "
            "sorted(k for k in os.environ if k.startswith(('KMP_', 'MKL_'))))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KMP_", "MKL_"))}
    env["MKL_INTERFACE_LAYER"] = "ILP64"  # would crash 32-bit-integer calls
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "512.0 ['MKL_INTERFACE_LAYER']"
