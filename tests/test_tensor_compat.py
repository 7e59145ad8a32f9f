"""The tensor queries and the complex-number API on real tensors, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_is_signed_matches_torch(dtype):
    e, t = ember.zeros(2, dtype=getattr(ember, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    assert ember.is_signed(e) == torch.is_signed(t) == e.is_signed() == t.is_signed()


def test_queries_match_torch():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)
    for x, y in [(a, a), (a, b), (a[:1], a)]:
        assert ember.is_same_size(ember.tensor(x), ember.tensor(y)) == torch.is_same_size(
            torch.tensor(x), torch.tensor(y))
        assert ember.tensor(x).is_same_size(ember.tensor(y)) == torch.is_same_size(
            torch.tensor(x), torch.tensor(y))
    e, t = ember.ones(2), torch.ones(2)
    assert e.get_device() == t.get_device() == -1
    assert e.is_inference() == t.is_inference() is False
    assert ember.is_inference(e) is False
    assert e.is_complex() == t.is_complex() is False
    assert ember.tensor([0.5]).is_nonzero() == torch.tensor([0.5]).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value"):
        ember.ones(2).is_nonzero()
    with pytest.raises(TypeError, match="is_same_size.*must be Tensor"):
        ember.is_same_size(e, [1.0, 1.0])


@pytest.mark.parametrize("obj_pair", [
    (lambda m: m.ones(2), "FloatTensor"), (lambda m: m.ones(2, dtype=m.int64), "LongTensor"),
    (lambda m: 3, "int"), (lambda m: [1], "list"), (lambda m: np.float32, "numpy.float32"),
])
def test_typename_matches_torch(obj_pair):
    make, _ = obj_pair
    got, want = ember.typename(make(ember)), torch.typename(make(torch))
    assert got == want.replace("torch.", "ember.")


def test_new_matches_torch():
    e, t = ember.ones(2, dtype=ember.int32), torch.ones(2, dtype=torch.int32)
    for args in [(2, 3), ([1.7, -2.0],), ()]:
        got, want = e.new(*args), t.new(*args)
        assert tuple(got.shape) == tuple(want.shape) and got.dtype.name == "int32"
        if args and isinstance(args[0], list):
            assert got.tolist() == want.tolist()


def test_real_tensor_complex_api_returns_itself_like_torch():
    x = ember.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    for name in ["conj", "resolve_conj", "resolve_neg", "conj_physical"]:
        assert getattr(x, name)() is x and getattr(ember, name)(x) is x
        assert getattr(torch, name)(torch.ones(2)).is_conj() is False
    assert x.real is x and ember.real(x) is x
    assert not x.is_conj() and not x.is_neg()
    assert ember.conj_physical_(x) is x
    np.testing.assert_array_equal(ember.isreal(x).numpy(),
                                  torch.isreal(torch.tensor([-1.5, 0.0, 2.0])).numpy())


def test_imag_raises_like_torch():
    with pytest.raises(RuntimeError) as want:
        _ = torch.ones(2).imag
    for get in (lambda x: x.imag, ember.imag):
        with pytest.raises(RuntimeError) as got:
            get(ember.ones(2))
        assert str(want.value).rstrip(".") in str(got.value)


def test_angle_nan_inf_and_gradient_like_torch():
    values = [-np.inf, -2.0, -0.0, 0.0, 3.0, np.inf, np.nan]
    x, t = ember.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ex, tx = ember.angle(x), torch.angle(t)
    np.testing.assert_array_equal(ex.detach().numpy(), tx.detach().numpy())
    ex.sum().backward()
    tx.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
