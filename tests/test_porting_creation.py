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
