"""``scalar_tensor``, ``asarray`` and ``frombuffer`` against PyTorch."""

from __future__ import annotations

import array

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("value,dtype", [(3, None), (True, None), (2.5, "float64"),
                                         (7, "int32"), (-1, "int8")])
def test_scalar_tensor_matches_torch(value, dtype):
    got = ember.scalar_tensor(value, dtype=None if dtype is None else getattr(ember, dtype))
    want = torch.scalar_tensor(value, dtype=None if dtype is None else getattr(torch, dtype))
    assert got.shape == () and got.dtype.name == str(want.dtype).replace("torch.", "")
    assert got.item() == want.item()


def test_scalar_tensor_refuses_sequences_like_torch():
    with pytest.raises(TypeError, match=r"scalar_tensor\(\): argument 's' \(position 1\) must "
                                        r"be Number, not list"):
        ember.scalar_tensor([1])
    assert ember.scalar_tensor(ember.tensor(2)).item() == torch.scalar_tensor(
        torch.tensor(2)).item()


@pytest.mark.parametrize("obj", [[1, 2.5], 3, 2.5, True, [[1, 2], [3, 4]], np.float64(2.5),
                                 np.arange(3, dtype=np.int32)])
def test_asarray_dtype_and_values_match_torch(obj):
    got, want = ember.asarray(obj), torch.asarray(obj)
    assert got.dtype.name == str(want.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_asarray_shares_memory_like_torch():
    for module in (ember, torch):
        a = np.arange(3.0)
        module.asarray(a)[0] = 9.0
        assert a[0] == 9.0
        b = np.arange(3.0)
        module.asarray(b, copy=True)[0] = 9.0
        assert b[0] == 0.0
        x = module.ones(2)
        assert module.asarray(x) is x
        y = module.asarray(x, requires_grad=True)
        assert y is x and x.requires_grad
        assert module.asarray(x, dtype=module.float64).dtype == module.float64


@pytest.mark.parametrize("dtype", [None, "float64"])
def test_asarray_copy_of_a_tensor_keeps_the_graph_like_torch(dtype):
    grads, copies = [], []
    for module in (ember, torch):
        a = module.tensor([1.0, -2.0, 3.0], requires_grad=True)
        x = (a * a).reshape(3, 1).t()
        y = module.asarray(x, copy=True, dtype=None if dtype is None else getattr(module, dtype))
        x.data[0, 0] = 100.0  # a real copy: editing the source does not reach it
        (y * module.tensor([[1.0, 2.0, 3.0]], dtype=y.dtype)).sum().backward()
        grads.append(a.grad.tolist())
        copies.append((y.tolist(), y.requires_grad, y.is_leaf, y.dtype.is_floating_point))
    assert grads[0] == grads[1] and copies[0] == copies[1]


def test_asarray_copy_false_refuses_to_copy_like_torch():
    for module in (ember, torch):
        with pytest.raises(ValueError):
            module.asarray(np.arange(3.0), dtype=module.float32, copy=False)
        with pytest.raises(ValueError):
            module.asarray([1, 2], copy=False)


def test_frombuffer_shares_the_buffer_like_torch():
    for module in (ember, torch):
        buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
        x = module.frombuffer(buf, dtype=module.int32)
        assert x.tolist() == [1, 2]
        x[0] = 7
        assert buf[0] == 7
        assert module.frombuffer(buf, dtype=module.int32, count=1, offset=4).tolist() == [2]
        floats = array.array("f", [1.0, 2.0])
        assert module.frombuffer(floats, dtype=module.float32).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("buffer,kwargs,match", [
    (bytearray(8), {"offset": 3}, r"buffer length \(5 bytes\) after offset \(3 bytes\) must "
                                  r"be a multiple of element size \(4\)"),
    (bytearray(8), {"count": 3}, r"requested buffer length \(3 \* 4 bytes\) after offset "
                                 r"\(0 bytes\) must not be greater than actual buffer length"),
    (bytearray(), {}, r"both buffer length \(0\) and count \(-1\) must not be 0"),
    (bytearray(8), {"offset": 8}, r"offset \(8 bytes\) must be non-negative and no greater "
                                  r"than buffer length \(8 bytes\) minus 1"),
])
def test_frombuffer_errors_like_torch(buffer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        torch.frombuffer(buffer, dtype=torch.int32, **kwargs)
    with pytest.raises(ValueError, match="frombuffer: " + match):
        ember.frombuffer(buffer, dtype=ember.int32, **kwargs)
