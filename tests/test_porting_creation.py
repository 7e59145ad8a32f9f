"""Creation functions called the ways PyTorch allows (``size=`` and ``low=``/``high=``
keywords), memory-format constants and scalar conversions; each against PyTorch."""

from __future__ import annotations

import pytest

import ember

torch = pytest.importorskip("torch")

CALLS = [
    ("zeros", (), {"size": (2, 3)}),
    ("zeros", (), {"size": [2, 3]}),
    ("zeros", (), {"size": ()}),
    ("ones", (), {"size": (0, 2)}),
    ("empty", (), {"size": (4,)}),
    ("rand", (), {"size": (2, 3)}),
    ("randn", (), {"size": (3,), "dtype": "float64"}),
    ("full", (), {"size": (2,), "fill_value": 3}),
    ("full", (), {"size": (2,), "fill_value": 1.5}),
    ("randint", (), {"low": 2, "high": 5, "size": (3,)}),
    ("randint", (), {"high": 5, "size": (3,)}),
    ("randint", (5,), {"size": (3,)}),
    ("randint", (2,), {"high": 5, "size": (3,)}),
]


def _call(lib, name, args, kwargs):
    kwargs = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
    return getattr(lib, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=lambda v: str(v))
def test_creation_keywords_match_pytorch(name, args, kwargs) -> None:
    mine, theirs = _call(ember, name, args, kwargs), _call(torch, name, args, kwargs)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    if name == "randint":
        low = kwargs.get("low", args[0] if len(args) == 1 and "high" in kwargs else 0)
        assert all(low <= v < 5 for v in mine.tolist())
    if name == "full":
        assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword_errors_match_pytorch(name) -> None:
    for lib in (ember, torch):
        with pytest.raises(TypeError, match=f"{name}\\(\\) (got multiple values for argument "
                                            "'size'|received an invalid combination)"):
            getattr(lib, name)(2, size=(2,))
        with pytest.raises(TypeError, match="argument 'size' must be tuple of ints, not int"):
            getattr(lib, name)(size=2)


def _layouts(lib):
    x = lib.ones(2, 3, 4, 5)
    nhwc = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    return [x, nhwc, lib.ones(2, 1, 1, 1), lib.ones(0, 3, 2, 2), lib.ones(2, 3),
            lib.ones(2, 3, 4, 5, 6), lib.ones(2, 3, 4, 5, 6).permute(0, 2, 3, 4, 1).contiguous()
            .permute(0, 4, 1, 2, 3), x.transpose(2, 3)]


def test_is_contiguous_per_memory_format_matches_pytorch() -> None:
    names = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]
    for mine, theirs in zip(_layouts(ember), _layouts(torch)):
        for name in names:
            got = mine.is_contiguous(memory_format=getattr(ember, name))
            assert got == theirs.is_contiguous(memory_format=getattr(torch, name)), (
                tuple(theirs.shape), theirs.stride(), name)


def test_memory_format_arguments_match_pytorch() -> None:
    for lib in (ember, torch):
        x = lib.ones(2, 3, 4, 5)
        assert repr(lib.channels_last) == f"{lib.__name__}.channels_last"
        assert isinstance(lib.preserve_format, lib.memory_format)
        for fmt in ("contiguous_format", "channels_last", "preserve_format"):
            y = x.contiguous(memory_format=getattr(lib, fmt))
            assert tuple(y.shape) == (2, 3, 4, 5)
        assert x.to(lib.float64, memory_format=lib.channels_last).dtype == lib.float64
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.ones(2, 3).contiguous(memory_format=lib.channels_last)
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.ones(2, 3).to(memory_format=lib.channels_last)
        with pytest.raises(TypeError, match="is_contiguous\\(\\): argument 'memory_format' must "
                                            f"be {lib.__name__}.memory_format, not str"):
            x.is_contiguous(memory_format="channels_last")
    # ember keeps row-major data: the copy is C-contiguous, not NHWC (see ember.channels_last)
    assert ember.ones(2, 3, 4, 5).contiguous(memory_format=ember.channels_last).is_contiguous()


@pytest.mark.parametrize("shape", [(2,), (0,), (2, 2)])
def test_int_float_of_several_elements_raise_like_pytorch(shape) -> None:
    for lib in (ember, torch):
        for convert in (int, float):
            with pytest.raises(ValueError, match="only one element tensors can be converted "
                                                 "to Python scalars"):
                convert(lib.ones(*shape))
    assert int(ember.tensor([[2.7]])) == int(torch.tensor([[2.7]])) == 2
    assert float(ember.tensor([1.5])) == 1.5


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like", "clone"])
def test_like_functions_and_clone_take_memory_format(name) -> None:
    for lib in (ember, torch):
        fn = getattr(lib, name)
        x2, x4 = lib.ones(2, 3), lib.ones(2, 3, 4, 5)
        assert tuple(fn(x2, memory_format=lib.preserve_format).shape) == (2, 3)
        assert tuple(fn(x4, memory_format=lib.channels_last).shape) == (2, 3, 4, 5)
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            fn(x2, memory_format=lib.channels_last)
        with pytest.raises(TypeError, match="memory_format"):  # PyTorch's wording varies
            fn(x2, memory_format="channels_last")
