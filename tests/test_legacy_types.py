"""The legacy type objects (ember.FloatTensor, ...) and Tensor.type() against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
         "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]
DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool"]


def _same(e: ember.Tensor, t: torch.Tensor, values: bool = True) -> None:
    assert e.dtype.name == str(t.dtype).split(".")[1]
    assert tuple(e.shape) == tuple(t.shape)
    if values:
        np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("args", [
    ([1.7, 2.0, 0.0],), ([[1, 0], [3, 4]],), (2, 3), (0,), (), (ember.Size([2, 1]),),
    (np.array([1, 2, 3], dtype=np.int64),), (np.array([0.5, 1.5], dtype=np.float64),),
], ids=["floats", "nested", "sizes", "zero", "empty", "Size", "int-array", "float-array"])
def test_constructor_matches_torch(name, args):
    targs = tuple(torch.Size(a) if isinstance(a, ember.Size) else a for a in args)
    sizes = all(isinstance(a, int) for a in args) or isinstance(args[0], ember.Size)
    # PyTorch leaves a sized tensor uninitialised (ember fills zeros): compare the values of
    # data arguments only
    _same(getattr(ember, name)(*args), getattr(torch, name)(*targs), values=not sizes)


@pytest.mark.parametrize("name,dtype", zip(TYPES, DTYPES))
def test_tensor_argument_is_viewed_or_refused(name, dtype):
    src = ember.zeros(3, dtype=getattr(ember, dtype))
    view = getattr(ember, name)(src)
    assert view.dtype == src.dtype and view.data_ptr() == src.data_ptr()
    other = "int64" if dtype != "int64" else "float32"
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            getattr(lib, name)(lib.zeros(3, dtype=getattr(lib, other)))
    with pytest.raises(TypeError, match=rf"{name}\(\): expected a tensor of dtype"):
        getattr(ember, name)(ember.zeros(3, dtype=getattr(ember, other)))


def test_bad_arguments_raise_type_error_like_torch():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.FloatTensor(3.0)
        with pytest.raises(TypeError):
            lib.FloatTensor([1.0], requires_grad=True)


def test_isinstance_tests_dtype_like_torch():
    for ename, dtype in zip(TYPES, DTYPES):
        e = ember.zeros(2, dtype=getattr(ember, dtype))
        t = torch.zeros(2, dtype=getattr(torch, dtype))
        for other in TYPES:
            assert isinstance(e, getattr(ember, other)) == isinstance(t, getattr(torch, other))
        assert isinstance(getattr(ember, ename)([1]), ember.Tensor)
    assert not isinstance(np.zeros(2, np.float32), ember.FloatTensor)
    assert not issubclass(ember.FloatTensor, ember.Tensor)
    assert repr(ember.FloatTensor) == "<class 'ember.FloatTensor'>"


def test_float_tensor_ignores_the_default_dtype():
    previous = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.FloatTensor([1]).dtype == ember.float32
        assert ember.Tensor([1]).dtype == ember.float64
    finally:
        ember.set_default_dtype(previous)


@pytest.mark.parametrize("dtype", DTYPES)
def test_type_name_matches_torch(dtype):
    e = ember.zeros(2, dtype=getattr(ember, dtype))
    t = torch.zeros(2, dtype=getattr(torch, dtype))
    assert e.type() == t.type().replace("torch.", "ember.")


@pytest.mark.parametrize("target", DTYPES)
def test_type_converts_like_torch(target):
    values = np.array([1.5, 2.0, 0.0], dtype=np.float32)
    e, t = ember.tensor(values), torch.tensor(values)
    name = ember.zeros(1, dtype=getattr(ember, target)).type()
    for e_arg, t_arg in [(getattr(ember, target), getattr(torch, target)),
                         (name, name.replace("ember.", "torch.")),
                         (name.replace("ember.", "torch."), name.replace("ember.", "torch.")),
                         (getattr(ember, TYPES[DTYPES.index(target)]),
                          getattr(torch, TYPES[DTYPES.index(target)]))]:
        _same(e.type(e_arg), t.type(t_arg))
        assert (e.type(e_arg) is e) == (t.type(t_arg) is t)


def test_type_errors():
    x = ember.zeros(2)
    with pytest.raises(ValueError, match="invalid type: 'ember.Foo'"):
        x.type("ember.Foo")
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        x.type(3)
    for lib in (ember, torch):
        with pytest.raises(ValueError):
            lib.zeros(2).type("torch.Foo")
        with pytest.raises(TypeError):
            lib.zeros(2).type(3)
