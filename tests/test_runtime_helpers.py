"""Top-level helpers against PyTorch: is_floating_point, is_complex, is_nonzero, can_cast,
empty_strided, set_printoptions, the thread counts and the deterministic switch."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import ember
from ember.backends import _mkl, _numba

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_queries_match_torch(dtype):
    e = ember.ones(1, dtype=getattr(ember, dtype))
    t = torch.ones(1, dtype=getattr(torch, dtype))
    assert ember.is_floating_point(e) == torch.is_floating_point(t)
    assert ember.is_complex(e) == torch.is_complex(t)
    assert ember.is_nonzero(e) == torch.is_nonzero(t)
    assert ember.is_nonzero(e * 0) == torch.is_nonzero(t * 0)


def test_query_errors_match_torch():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="with no values is ambiguous"):
            lib.is_nonzero(lib.ones(0))
        with pytest.raises(RuntimeError, match="with more than one value is ambiguous"):
            lib.is_nonzero(lib.ones(2))
        with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor"):
            lib.is_floating_point([1.0])
        with pytest.raises(TypeError, match=r"argument 'to' \(position 2\) must be"):
            lib.can_cast(lib.float32, "int")


def test_can_cast_matches_torch_on_every_pair():
    for a in DTYPES:
        for b in DTYPES:
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


@pytest.mark.parametrize("size,stride", [((2, 3), (3, 1)), ((2, 3), (1, 2)), ((0, 3), (3, 1)),
                                         ((2, 2), (0, 1)), ((), ()), ((3, 1, 2), (1, 7, 3))])
def test_empty_strided_layout_matches_torch(size, stride):
    e = ember.empty_strided(size, stride)
    t = torch.empty_strided(size, stride)
    assert tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride()
    assert e.dtype == ember.float32 and e.storage_offset() == 0
    # the buffer spans exactly the storage PyTorch allocates
    extent = t.untyped_storage().nbytes()
    if e.numel():
        low, high = np.lib.array_utils.byte_bounds(e.numpy())
        assert high - low == extent
    e.fill_(2.0)  # writable, through the strides
    assert e.numel() == 0 or float(e.sum()) == 2.0 * e.numel()


def test_empty_strided_options_and_errors():
    x = ember.empty_strided((2,), (1,), dtype=ember.float64, requires_grad=True)
    assert x.dtype == ember.float64 and x.requires_grad and x.is_leaf
    for args in [((2, 3), (3,)), ((-1,), (1,)), ((2,), (-1,))]:
        for lib in (ember, torch):
            with pytest.raises(RuntimeError):
                lib.empty_strided(*args)
    with pytest.raises(RuntimeError, match=r"dimensionality of sizes \(2\) must match"):
        ember.empty_strided((2, 3), (3,))


# ---------------------------------------------------------------------- print options
@pytest.fixture
def restore_printoptions():
    yield
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


VALUES = [np.array([1.23456, -200.5, 3.0]), np.array([1e-6, 1.0, 12345.678]),
          np.array([1.0, 2.0, 3e9]), np.arange(30.0).reshape(5, 6) / 7,
          np.linspace(-1, 1, 2000), np.array([0.5, np.nan, -np.inf])]
OPTIONS = [dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False),
           dict(threshold=10, edgeitems=1), dict(linewidth=30), dict(profile="short"),
           dict(profile="full", linewidth=200), dict(profile="short", precision=5)]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_set_printoptions_matches_torch(options, restore_printoptions):
    ember.set_printoptions(**options)
    torch.set_printoptions(**options)
    for values in VALUES:
        values = values.astype(np.float32)
        assert repr(ember.tensor(values)) == repr(torch.tensor(values)).replace("torch.",
                                                                                "ember.")
    assert repr(ember.arange(50)) == repr(torch.arange(50))


def test_sci_mode_resets_when_left_out(restore_printoptions):
    ember.set_printoptions(sci_mode=True)
    ember.set_printoptions(precision=4)  # sci_mode=None again, as in PyTorch
    assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
    with pytest.raises(ValueError, match="unknown profile 'long'"):
        ember.set_printoptions(profile="long")


# ---------------------------------------------------------------------- threads
@pytest.fixture
def restore_threads():
    before, optim_before = ember.get_num_threads(), ember.optim.get_num_threads()
    yield
    ember.set_num_threads(before)
    ember.optim.set_num_threads(optim_before)


def test_set_num_threads_reaches_the_libraries(restore_threads):
    if _mkl._lib is not None:
        _mkl._lib.MKL_Set_Num_Threads_Local(2)  # as torch.set_num_threads(2) leaves it
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    assert ember.optim.get_num_threads() == 1
    if _mkl._lib is not None:
        assert _mkl._lib.MKL_Get_Max_Threads() == 1
    if _numba.loaded():
        assert sys.modules["numba"].get_num_threads() == 1
    ember.set_num_threads(2)
    assert ember.get_num_threads() == 2 and ember.optim.get_num_threads() == 2
    if _mkl._lib is not None:
        assert _mkl._lib.MKL_Get_Max_Threads() == 2


def test_numba_count_applies_when_its_kernels_load_later(monkeypatch):
    monkeypatch.setattr(_numba, "_threads", None)
    monkeypatch.setattr(_numba, "_kernels", {})
    _numba.set_threads(1)  # nothing loaded: only recorded
    assert _numba._threads == 1
    if _numba.loaded():  # loading the kernels applies it
        assert sys.modules["numba"].get_num_threads() == 1
        _numba.set_threads(sys.modules["numba"].config.NUMBA_NUM_THREADS)


def test_thread_count_errors_match_torch():
    for lib in (ember, torch):
        for bad in (0, -1):
            with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
                lib.set_num_threads(bad)
            with pytest.raises(RuntimeError,
                               match="set_num_interop_threads expects a positive integer"):
                lib.set_num_interop_threads(bad)


def test_interop_threads_are_recorded():
    before = ember.get_num_interop_threads()
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    ember.set_num_interop_threads(before)


def test_deterministic_switch_matches_torch():
    try:
        for lib in (ember, torch):
            assert not lib.are_deterministic_algorithms_enabled()
            lib.use_deterministic_algorithms(True, warn_only=True)
            assert lib.are_deterministic_algorithms_enabled()
            assert lib.is_deterministic_algorithms_warn_only_enabled()
            lib.use_deterministic_algorithms(False)
            assert not lib.is_deterministic_algorithms_warn_only_enabled()
            with pytest.raises(TypeError, match="'mode'.* must be bool, not str"):
                lib.use_deterministic_algorithms("yes")
    finally:
        ember.use_deterministic_algorithms(False)
        torch.use_deterministic_algorithms(False)
