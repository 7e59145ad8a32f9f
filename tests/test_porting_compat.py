"""Script boilerplate from PyTorch programs that must run unchanged on a CPU-only ember:
backend flags, the float32 matmul precision and the CUDA memory queries; each against
PyTorch."""

from __future__ import annotations

import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.fixture
def restore_precision():
    before_e, before_t = ember.get_float32_matmul_precision(), torch.get_float32_matmul_precision()
    yield
    ember.set_float32_matmul_precision(before_e)
    torch.set_float32_matmul_precision(before_t)


def test_backend_flags_have_pytorchs_defaults() -> None:
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction"):
        assert getattr(ember.backends.cuda.matmul, name) == getattr(torch.backends.cuda.matmul,
                                                                    name), name
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(ember.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert ember.backends.cuda.is_built() == torch.backends.cuda.is_built()
    assert ember.backends.backend_for_device(ember.device("cpu")).name == "cpu"  # still a package


@pytest.mark.usefixtures("restore_precision")
def test_allow_tf32_is_a_view_of_the_matmul_precision() -> None:
    for lib in (ember, torch):
        lib.backends.cuda.matmul.allow_tf32 = True
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")
        assert lib.backends.cuda.matmul.allow_tf32 is False
        lib.set_float32_matmul_precision("medium")
        assert lib.backends.cuda.matmul.allow_tf32 is True
        lib.backends.cudnn.benchmark = True  # settable, read back
        assert lib.backends.cudnn.benchmark is True
        lib.backends.cudnn.benchmark = False


@pytest.mark.usefixtures("restore_precision")
def test_matmul_precision_errors_match_pytorch() -> None:
    for lib in (ember, torch):
        lib.set_float32_matmul_precision("high")
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("low")
        assert lib.get_float32_matmul_precision() == "high"  # the call had no effect
        with pytest.raises(RuntimeError, match="expects a str, but got int"):
            lib.set_float32_matmul_precision(3)
        with pytest.raises(RuntimeError, match="expects a bool"):
            lib.backends.cuda.matmul.allow_tf32 = "yes"
        with pytest.raises(TypeError, match="allow_fp16_reduced_precision_reduction expects"):
            lib.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = "yes"
        with pytest.raises(AttributeError, match="Unknown attribute allow_tf33"):
            lib.backends.cuda.matmul.allow_tf33 = True


def test_cuda_memory_queries_without_a_device() -> None:
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved"):
        assert getattr(ember.cuda, name)() == getattr(torch.cuda, name)() == 0, name
    assert ember.cuda.empty_cache() is None and torch.cuda.empty_cache() is None
    assert ember.cuda.reset_peak_memory_stats() is None
    assert ember.cuda.synchronize() is None  # no queued work on the CPU
