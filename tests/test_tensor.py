"""The Tensor API: metadata, requires_grad rules, conversions to Python and NumPy, repr."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def test_metadata():
    x = ember.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3
    assert x.numel() == 24 and x.nelement() == 24 and x.element_size() == 4
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dtype is ember.float32 and x.device == "cpu" and not x.is_cuda
    assert x.is_floating_point() and not ember.zeros(1, dtype=ember.int8).is_floating_point()
    assert x.stride() == torch.zeros(2, 3, 4).stride() and x.stride(0) == 12
    assert x.is_contiguous()
    with pytest.raises(IndexError, match=r"size: dimension out of range \(expected to be in "
                                         r"range of \[-3, 2\], but got 3\)"):
        x.size(3)
    s = ember.tensor(1.0)
    assert s.shape == () and s.ndim == 0 and s.numel() == 1 and s.size() == ()


def test_size_is_a_tuple_that_prints_like_torch():
    x, t = ember.zeros(2, 3), torch.zeros(2, 3)
    for e, ref in ((x.shape, t.shape), (x.size(), t.size()), (x.shape[1:], t.shape[1:]),
                   (x.shape + (4,), t.shape + (4,)), (ember.tensor(1.0).shape, torch.tensor(1.).shape)):
        assert isinstance(e, tuple) and e == tuple(ref)
        assert repr(e) == repr(ref).replace("torch.", "ember.")
        assert str(e) == str(ref).replace("torch.", "ember.")
        assert f"{e}" == f"{ref}".replace("torch.", "ember.")
    assert isinstance(x.shape, ember.Size) and x.shape.numel() == t.shape.numel() == 6
    assert x.shape[0] == 2 and type(x.shape[0]) is int and ember.zeros(x.shape).shape == (2, 3)


def test_format_like_torch():
    """A 0-d tensor formats as its Python scalar; others only with an empty spec."""
    for value in (2.567, 3, True):
        e, t = ember.tensor(value), torch.tensor(value)
        for spec in ("", ".2f" if not isinstance(value, bool) else "", ">6"):
            assert format(e, spec) == format(t, spec)
    assert f"{ember.tensor([1.0, 2.0])}" == f"{torch.tensor([1.0, 2.0])}"
    with pytest.raises(TypeError):
        format(ember.tensor([1.0]), ".2f")


def test_requires_grad_rules():
    x = ember.ones(2)
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert x.requires_grad_(False) is x and not x.requires_grad
    for dtype in (ember.int64, ember.int32, ember.uint8, ember.bool):
        t = ember.zeros(2, dtype=dtype)
        with pytest.raises(RuntimeError, match=f"only floating-point tensors can require "
                                               f"gradients, got dtype ember.{dtype.name}"):
            t.requires_grad = True
        with pytest.raises(RuntimeError, match=dtype.name):
            t.requires_grad_()
    for dtype in (ember.float16, ember.bfloat16, ember.float64):
        assert ember.zeros(1, dtype=dtype).requires_grad_().requires_grad


def test_item():
    assert ember.tensor(2.5).item() == 2.5 and isinstance(ember.tensor(2.5).item(), float)
    assert ember.tensor([7]).item() == 7 and isinstance(ember.tensor([7]).item(), int)
    assert ember.tensor([[True]]).item() is True
    assert ember.tensor(1.1, dtype=ember.bfloat16).item() == \
        torch.tensor(1.1, dtype=torch.bfloat16).item()
    assert ember.tensor(3, dtype=ember.uint8).item() == 3
    with pytest.raises(RuntimeError, match="item: a tensor with 2 elements cannot be converted"):
        ember.ones(2).item()
    with pytest.raises(RuntimeError, match="0 elements"):
        ember.ones(0).item()


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float16", "bfloat16", "float32", "float64"])
def test_tolist_matches_torch(dtype):
    values = [[0.1, -1.5, 3.0], [1e3, 0.0, 2.0]] if dtype.startswith(("float", "bf")) else \
        [[1, 0, 1], [0, 1, 1]] if dtype == "bool" else [[1, 2, 3], [4, 5, 100]]
    e = ember.tensor(values, dtype=getattr(ember, dtype))
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    assert e.tolist() == t.tolist()
    assert e[0].tolist() == t[0].tolist() if hasattr(ember.Tensor, "__getitem__") else True
    assert ember.tensor(5, dtype=getattr(ember, dtype)).tolist() == \
        torch.tensor(5, dtype=getattr(torch, dtype)).tolist()


def test_numpy_shares_memory_and_refuses_grad():
    x = ember.arange(4.0)
    n = x.numpy()
    n[0] = 10.0
    assert x.tolist()[0] == 10.0
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"numpy: .*requires grad.*detach\(\)"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0, 1.0]
    assert w.numpy(force=True).tolist() == [1.0, 1.0]


def test_array_protocol():
    x = ember.arange(6).reshape(2, 3)
    a = np.asarray(x)
    assert a.dtype == np.int64 and a.shape == (2, 3)
    a[0, 0] = 100  # shares memory
    assert x.tolist()[0][0] == 100
    c = np.asarray(x, copy=True)
    c[0, 0] = -1
    assert x.tolist()[0][0] == 100
    assert np.asarray(x, copy=False) is not None
    f = np.asarray(x, dtype=np.float32)
    assert f.dtype == np.float32 and f[0, 0] == 100.0
    with pytest.raises(ValueError, match="needs a copy, but copy=False"):
        np.asarray(x, dtype=np.float32, copy=False)
    assert np.array(x).tolist() == x.tolist()
    assert np.asarray(ember.ones(2, requires_grad=True)).tolist() == [1.0, 1.0]


def test_dlpack_protocol():
    x = ember.arange(3.0)
    assert x.__dlpack_device__() == (1, 0)
    t = torch.from_dlpack(x)
    x.add_(1)
    assert t.tolist() == [1.0, 2.0, 3.0]
    assert np.from_dlpack(x).tolist() == [1.0, 2.0, 3.0]


def test_len_iter_and_python_numbers():
    x = ember.arange(6).reshape(3, 2)
    assert len(x) == 3
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1))
    if hasattr(ember.Tensor, "unbind"):
        rows = list(x)
        assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
        assert [v.item() for v in ember.tensor([1.5, 2.5])] == [1.5, 2.5]
    assert bool(ember.tensor([1])) is True and bool(ember.tensor(0.0)) is False
    with pytest.raises(RuntimeError, match="2 elements is ambiguous"):
        bool(ember.ones(2))
    with pytest.raises(RuntimeError, match="0 elements is ambiguous"):
        bool(ember.ones(0))
    assert float(ember.tensor([2])) == 2.0 and int(ember.tensor(-1.7)) == -1
    assert int(ember.tensor(2.9)) == int(torch.tensor(2.9))
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert range(10)[ember.tensor([3])] == 3
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ember.tensor(1.0)]
    with pytest.raises(ValueError, match="only one element tensors can be converted"):
        float(ember.ones(2))  # PyTorch's type and message


def test_slots_stay_lean():
    assert not hasattr(ember.ones(1), "__dict__")
    assert len(ember.Tensor.__slots__) <= 12


# ----------------------------------------------------------------------------- repr
REPR_CASES = [
    "tensor([1, 2, 3])", "tensor([1.0, 2.0])", "tensor([1.5, -2.25, 3.0])",
    "tensor([1e10, 1.0])", "tensor([1e-5, 1.0])", "tensor([123456.789, 1.5])",
    "tensor([float('nan'), 1.0, float('inf')])", "tensor([float('nan'), float('-inf')])",
    "tensor([True, False])", "tensor(3.5)", "tensor(3)", "tensor(True)", "tensor(-0.25)",
    "tensor([])", "zeros(0, 3)", "zeros(2, 0)", "zeros(0, dtype=M.int32)",
    "tensor([[1.5, 2.0], [-3.0, 4.25]])", "arange(24).reshape(2, 3, 4)",
    "arange(24.).reshape(2, 3, 4) / 7", "arange(2000)", "arange(2000.) / 3",
    "arange(3000).reshape(1000, 3)", "arange(5000.).reshape(50, 100)",
    "arange(4096.).reshape(16, 16, 16)", "tensor([1.0, 2.0], requires_grad=True)",
    "tensor([1, 2], dtype=M.int32)", "tensor([1.5], dtype=M.float16)",
    "tensor([1.5], dtype=M.bfloat16)", "tensor([1.5], dtype=M.float64)",
    "tensor([-1, 200], dtype=M.int16)", "tensor([1e-10, 1e10])", "tensor([0.0, -0.0])",
    "tensor([1e8, 1.0])", "tensor([100000000.0])", "tensor([1e-4, 1.0])",
    "tensor([0.001, 1000.0])", "tensor([0.1234567, 12345.6])", "tensor([1e20])",
    "tensor(1e-7)", "tensor([-5.0, 0.0])", "tensor([[1, -20], [300, 4]])",
    "arange(100.).reshape(10, 10)", "tensor([1.0, 2.0], requires_grad=True) * 2",
    "ones(2, 3, dtype=M.float64, requires_grad=True)", "tensor([float('nan')])",
    "tensor([1.123456789], dtype=M.float64)", "arange(30.).reshape(3, 10) * 1000.5",
    "tensor([1e-3, 2e-3])", "tensor([65504.0], dtype=M.float16)",
    "tensor([0, 255], dtype=M.uint8)", "tensor([[True], [False]])",
    "arange(60.).reshape(3, 20) - 30", "arange(12.).reshape(1, 3, 4) * 1e9",
    "ones(40, dtype=M.float64, requires_grad=True)", "zeros(3, 0, 2, dtype=M.float64)",
]


@pytest.mark.parametrize("expr", REPR_CASES)
def test_repr_matches_torch(expr):
    e = repr(eval("M." + expr, {"M": ember}))
    t = repr(eval("M." + expr, {"M": torch})).replace("torch.", "ember.")
    # Node names are ember's own (MulScalarBackward vs MulBackward0): compare the rest.
    e, t = (re.sub(r"grad_fn=<\w+>", "grad_fn=<...>", r) for r in (e, t))
    assert e == t


def test_repr_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for expr in ("tensor([1.5])", "tensor([1.5], dtype=M.float32)", "zeros(0)",
                     "zeros(0, dtype=M.float32)"):
            e = repr(eval("M." + expr, {"M": ember}))
            assert e == repr(eval("M." + expr, {"M": torch})).replace("torch.", "ember.")
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_pickling_refused_with_a_pointer_to_what_exists():
    # the message once pointed at an ember.save that does not exist
    import pickle

    with pytest.raises(TypeError, match="not pickled") as info:
        pickle.dumps(ember.ones(2))
    assert "ember.save" not in str(info.value) and "safetensors" in str(info.value)
