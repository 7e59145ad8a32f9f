"""Creation functions against PyTorch: values, dtype, shape, requires_grad and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

# Expressions evaluated with M = ember and M = torch; results must agree exactly.
SAME = [
    "arange(5)", "arange(0, 1, 0.1)", "arange(5, 0, -1)", "arange(1.0, -1.0, -0.3)",
    "arange(0.5, 3)", "arange(5, dtype=M.float64)", "arange(-0.5, 3, 1.5, dtype=M.int64)",
    "arange(0)", "arange(1, 2.0000001, 0.1)", "arange(-3, 10, 3)", "arange(5, 5)",
    "arange(3.0, requires_grad=True)", "arange(0, 5, 0.5, dtype=M.float16)",
    "arange(M.tensor(4))", "arange(10, 0, -0.7)", "arange(0, 1, 1 / 3)",
    "linspace(0, 1, 5)", "linspace(2, 3, 1)", "linspace(2, 3, 0)", "linspace(-1, 1, 7)",
    "linspace(0, 10, 5, dtype=M.int64)", "linspace(-1, 1, 7, dtype=M.float64)",
    "linspace(0, 1, 3, requires_grad=True)", "linspace(0, 10, 4, dtype=M.int32)",
    "linspace(-3, 7, 9, dtype=M.float16)", "linspace(-1, 1.3, 10)", "linspace(-1, 1.3, 100)",
    "linspace(-7.25, 31.5, 257, dtype=M.float64)", "linspace(5, -5, 33)",
    "logspace(0, 2, 3)", "logspace(0, 2, 5)", "logspace(0, 3, 4, base=2)",
    "logspace(0, 2, 3, dtype=M.int64)", "logspace(-2, 2, 9, dtype=M.float64)",
    "eye(3)", "eye(2, 4)", "eye(3, dtype=M.int32)", "eye(2, dtype=M.bool)", "eye(0)",
    "zeros(2, 3)", "zeros((2, 3))", "zeros([2, 3], dtype=M.int8)", "zeros(())", "zeros(0, 3)",
    "ones(2, requires_grad=True)", "ones(2, dtype=M.bfloat16)", "ones(M.tensor(2), 3)",
    "full((2,), 3)", "full((2,), 3.5)", "full((2,), True)", "full((2, 2), 7, dtype=M.float16)",
    "full((2,), float('nan'))", "full((2,), 2, requires_grad=True, "
    "dtype=M.float64)",
    "empty(2, 3).zero_()", "empty(2, dtype=M.int16).zero_()",
    "zeros_like(M.ones(2, dtype=M.int32))", "ones_like(M.ones(2), dtype=M.float64)",
    "full_like(M.ones(2, dtype=M.int32), 2.7)", "full_like(M.ones(2), 7)",
    "empty_like(M.ones(2, 2)).zero_()", "zeros_like(M.ones(2), requires_grad=True)",
    "ones_like(M.ones(2, 3, dtype=M.uint8))",
    "tensor([1, 2])", "tensor([1.0, 2])", "tensor([True, False])", "tensor([True, 2])",
    "tensor([])", "tensor(3.5)", "tensor([[1, 2], [3, 4]])", "tensor([1, 2], dtype=M.float16)",
    "tensor([1.0], requires_grad=True)", "tensor(np.array([1.0, 2.0]))",
    "tensor(np.float64(2.0))", "tensor(np.int32(2))", "tensor(np.array([True]))",
    "tensor([M.tensor(1.0), M.tensor(2.0)])", "tensor([np.float32(1), np.float32(2)])",
    "tensor(((1, 2), (3, 4)), dtype=M.float64)", "tensor([0, 2], dtype=M.bool)",
    "tensor([1.7, -1.7], dtype=M.int64)", "tensor(np.zeros((2, 0, 3), dtype=np.int16))",
    "tensor([[]])", "as_tensor([1, 2])", "as_tensor(np.arange(3), dtype=M.float32)",
    "as_tensor([1.5])", "as_tensor(M.tensor([1, 2]), dtype=M.float64)",
]

# Expressions both libraries reject, with the ember error type and message.
ERRORS = [
    ("arange(0, 5, -1)", RuntimeError, "arange: upper bound and lower bound inconsistent"),
    ("arange(0, 5, 0)", RuntimeError, "arange: step must be nonzero"),
    ("arange(0, -5)", RuntimeError, "arange: upper bound and lower bound inconsistent"),
    ("arange(0, 2.5, 0.5, dtype=M.int64)", RuntimeError, "arange: step must be nonzero"),
    ("arange(3, requires_grad=True)", RuntimeError, "int64"),
    ("arange(0, float('inf'))", RuntimeError, "arange: unsupported range"),
    ("linspace(0, 1, -1)", RuntimeError, "linspace: number of steps must be non-negative"),
    ("logspace(0, 1, -2)", RuntimeError, "logspace: number of steps must be non-negative"),
    ("eye(-1)", RuntimeError, "eye: n must be greater or equal to 0"),
    ("eye(2, -3)", RuntimeError, "eye: m must be greater or equal to 0"),
    ("zeros(-1, 2)", RuntimeError, r"zeros: size must be a sequence of non-negative ints"),
    ("full((-1,), 1.0)", RuntimeError, "full: size must be"),
    ("ones(2.0)", TypeError, "ones: size must be a sequence of ints"),
    ("zeros(2, dtype=M.int64, requires_grad=True)", RuntimeError,
     "only floating-point tensors can require gradients, got dtype ember.int64"),
    ("tensor([1], requires_grad=True)", RuntimeError, "ember.int64"),
    ("full((2,), 3, requires_grad=True)", RuntimeError, "ember.int64"),
    ("tensor([[1, 2], [3]])", ValueError, "inhomogeneous"),
    ("tensor(['a'])", TypeError, "tensor: could not convert"),
]

# dtypes PyTorch has and ember does not.
UNSUPPORTED = [
    ("tensor(np.array([1j]))", "does not support the NumPy dtype complex128"),
    ("tensor(np.array([1], dtype=np.uint16))", "NumPy dtype uint16"),
    ("as_tensor(np.array([1], dtype=np.uint32))", "NumPy dtype uint32"),
    ("tensor([1, 2], dtype=np.complex64)", "NumPy dtype complex64"),
    ("zeros(2, dtype='complex64')", "unknown dtype name 'complex64'"),
]


def _eval(lib, expr):
    return eval("M." + expr, {"M": lib, "np": np})


@pytest.mark.parametrize("expr", SAME)
def test_matches_torch(expr):
    e, t = _eval(ember, expr), _eval(torch, expr)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    assert e.requires_grad == t.requires_grad
    expected = t.detach().to(torch.float64).numpy() if t.is_floating_point() else \
        t.detach().numpy()
    np.testing.assert_array_equal(e.detach().numpy().astype(expected.dtype), expected)


@pytest.mark.parametrize("expr,exc,match", ERRORS)
def test_errors(expr, exc, match):
    with pytest.raises(exc, match=match):
        _eval(ember, expr)
    with pytest.raises(Exception):  # noqa: B017 - torch rejects it too (its own types)
        _eval(torch, expr)


@pytest.mark.parametrize("expr,match", UNSUPPORTED)
def test_unsupported_dtypes(expr, match):
    with pytest.raises(TypeError, match=match):
        _eval(ember, expr)


def test_default_float_dtype_is_used():
    ember.set_default_dtype(ember.float64)
    try:
        for t in (ember.tensor([1.5]), ember.zeros(2), ember.arange(0.0, 1.0, 0.5),
                  ember.linspace(0, 1, 3), ember.eye(2), ember.full((2,), 1.5)):
            assert t.dtype is ember.float64
        assert ember.arange(3).dtype is ember.int64
    finally:
        ember.set_default_dtype(ember.float32)


def test_tensor_copies_and_as_tensor_shares():
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 7.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    s = ember.as_tensor(a)
    a[1] = 8.0
    assert s.tolist() == [7.0, 8.0, 2.0]
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    assert ember.tensor(x) is not x and ember.tensor(x).tolist() == [1.0, 1.0]


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64 and t.shape == (2, 3)
    a[0, 0] = 100.0
    assert t.tolist()[0][0] == 100.0
    t.add_(1)
    assert a[0, 0] == 101.0
    strided = np.arange(6).reshape(2, 3)[:, ::2]
    assert ember.from_numpy(strided).stride() == torch.from_numpy(strided).stride()
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray, got list"):
        ember.from_numpy([1, 2])
    with pytest.raises(TypeError, match="complex128"):
        ember.from_numpy(np.array([1j]))
    with pytest.raises(TypeError, match="<U1"):
        ember.from_numpy(np.array(["a"]))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float16", "float32", "float64"])
def test_dlpack_round_trip_with_torch_and_numpy(dtype):
    src = torch.tensor([0, 1, 1], dtype=getattr(torch, dtype))
    e = ember.from_dlpack(src)
    assert e.dtype is getattr(ember, dtype) and e.tolist() == src.tolist()
    back = torch.from_dlpack(e)
    assert back.dtype == src.dtype and back.tolist() == src.tolist()
    if dtype != "bool":
        src[0] = 1  # zero-copy: the three share memory
        assert e.tolist()[0] == 1 and back.tolist()[0] == 1
    n = np.from_dlpack(e)
    assert n.dtype == e.numpy().dtype
    assert ember.from_dlpack(n).tolist() == e.tolist()


def test_dlpack_bfloat16_is_a_clear_error():
    with pytest.raises(BufferError, match="bfloat16"):
        torch.from_dlpack(ember.ones(2, dtype=ember.bfloat16))
    with pytest.raises(TypeError, match="from_dlpack: can't import"):
        ember.from_dlpack(torch.ones(2, dtype=torch.bfloat16))


def test_dlpack_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError, match="requires grad"):
        torch.from_dlpack(ember.ones(2, requires_grad=True))


def test_creation_on_unavailable_device():
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        ember.zeros(2, device="cuda")
    assert ember.zeros(2, device="cpu").device == "cpu"
    assert ember.arange(3, device=ember.device("cpu")).device.type == "cpu"


def test_as_tensor_of_a_tensor_converts_like_to_and_keeps_the_graph():
    import torch

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    assert ember.as_tensor(x, dtype=ember.float32) is x  # torch: the same tensor
    assert torch.as_tensor(tx, dtype=torch.float32) is tx
    y, ty = ember.as_tensor(x, dtype=ember.float64), torch.as_tensor(tx, dtype=torch.float64)
    assert y.dtype is ember.float64 and y.requires_grad == ty.requires_grad
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [2.0, 4.0]
