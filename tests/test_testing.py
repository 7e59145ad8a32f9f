"""``ember.testing.assert_close`` and ``make_tensor`` against ``torch.testing``: the same
inputs must pass or fail alike, with the same exception type and message (dtype and type
names aside)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember.testing import assert_close, make_tensor

torch = pytest.importorskip("torch")
NAN, INF = math.nan, math.inf


def _both(lib, value):
    """``value`` with every ('t', data, dtype name) leaf made a tensor of ``lib``."""
    if isinstance(value, tuple) and value and value[0] == "t":
        return lib.tensor(value[1], dtype=getattr(lib, value[2]))
    if isinstance(value, list):
        return [_both(lib, v) for v in value]
    if isinstance(value, dict):
        return {k: _both(lib, v) for k, v in value.items()}
    return value


def _outcome(lib, fn, actual, expected, kwargs):
    try:
        fn(_both(lib, actual), _both(lib, expected), **kwargs)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        text = str(exc).replace("torch.", "ember.").replace("ember.Tensor", "ember.tensor.Tensor")
        return type(exc), text
    return None


def t(data, dtype="float32"):
    return ("t", data, dtype)


CASES = [
    (t([1.0, 2.0, 3.0]), t([1.0, 2.5, 3.0]), {}),
    (t([1.0, 2.0, 3.0]), t([1.0, 2.0 + 1e-6, 3.0]), {}),  # within float32's tolerance
    (t([1.0, 2.0, 3.0]), t([1.0, 2.0]), {}),
    (t([1.0, 2.0]), t([1.0, 2.0], "float64"), {}),
    (t([1.0, 2.0]), t([1.0, 2.0], "float64"), {"check_dtype": False}),
    (t([1.0], "float16"), t([1.01]), {"check_dtype": False}),
    (t([1.0], "bfloat16"), t([1.05], "bfloat16"), {}),
    (t([1.0], "float16"), t([1.0005], "float16"), {}),
    (t([1, 2, 3], "int64"), t([1, 2, 4], "int64"), {}),
    (t([1, 2], "uint8"), t([2, 1], "uint8"), {}),
    (t([True, False], "bool"), t([True, True], "bool"), {}),
    (t([[1.0, NAN]]), t([[1.0, NAN]]), {}),
    (t([[1.0, NAN]]), t([[1.0, NAN]]), {"equal_nan": True}),
    (t([INF, 1.0]), t([INF, 1.0]), {}),
    (t([INF]), t([-INF]), {}),
    (t([1.0, 2.0]), t([0.0, 2.0]), {}),
    (t(1.0), t(2.0), {}),
    (t([[1.0, 2.0], [3.0, 4.0]]), t([[1.0, 2.0], [3.0, 4.5]], "float32"), {}),
    (t([1.0, 2.0]), t([1.1, 2.0]), {"rtol": 0.2, "atol": 0.0}),
    (t([1.0, 2.0]), t([1.0, 2.0]), {"rtol": 0.0, "atol": 0.0}),
    (t([1.0, 2.0]), t([2.0, 2.0]), {"rtol": 0.0, "atol": 0.0}),
    (t([1.0]), t([1.0]), {"rtol": 1e-3}),
    (t([1.0]), t([1.0]), {"atol": 1e-3}),
    (t([]), t([]), {}),
    ([t(1.0), 2], [t(1.0), 3], {}),
    ({"a": t([1.0])}, {"b": t([1.0])}, {}),
    ({"a": [1, 2]}, {"a": [1, 3]}, {}),
    ({"b": t([1.0]), "a": t([3.0])}, {"b": t([2.0]), "a": t([1.0])}, {}),
    ([1, 2], [1, 2, 3], {}),
    ((1, 2), [1, 2], {}),
    (1, 1.0, {}),
    (1, 1.0, {"check_dtype": False}),
    (1.0, 1.0 + 1e-9, {}),
    (1.0, NAN, {"equal_nan": True}),
    (NAN, NAN, {}),
    (NAN, NAN, {"equal_nan": True}),
    (True, False, {}),
    (None, None, {}),
    (t(1.0), None, {}),
    (t(1.0), 1.0, {}),
    ("a", "a", {}),
    (np.float32(1.0), 1.0, {}),
    (t([1.0, 2.0]), t([1.0, 3.0]), {"msg": "custom"}),
    ([t([1.0, 2.0])], [t([1.0, 3.0])], {"msg": lambda m: "Prefix: " + m}),
    ([t([1.0]), "a"], [t([2.0]), "a"], {}),  # unsupported types are reported first
    ([t([1.0]), t([1.0])], [t([2.0]), t([1.0])], {"rtol": 0.1}),
]


@pytest.mark.parametrize("actual,expected,kwargs", CASES)
def test_assert_close_matches_pytorch(actual, expected, kwargs) -> None:
    want = _outcome(torch, torch.testing.assert_close, actual, expected, kwargs)
    got = _outcome(ember, assert_close, actual, expected, kwargs)
    assert got == want


def test_numpy_arrays_stride_and_subclasses() -> None:
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(AssertionError, match="Greatest absolute difference: 1.0 at index"):
        assert_close(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(ember.tensor([1.0]), np.array([1.0]))
    with pytest.raises(AssertionError, match=r"'stride\(\)' do not match: \(3, 1\) != \(1, 2\)"):
        assert_close(ember.ones(2, 3), ember.ones(3, 2).t(), check_stride=True)
    assert_close(ember.ones(2, 3), ember.ones(3, 2).t())
    param = ember.nn.Parameter(ember.ones(2))
    assert_close(param, ember.ones(2))  # subclasses allowed by default; grads ignored
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(param, ember.ones(2), allow_subclasses=False)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
def test_make_tensor_ranges_match_pytorch(dtype) -> None:
    made = make_tensor(400, dtype=getattr(ember, dtype), device="cpu").numpy()
    reference = torch.testing.make_tensor(400, dtype=getattr(torch, dtype), device="cpu").numpy()
    assert made.dtype == reference.dtype
    if dtype != "bool":  # the default ranges: [-9, 9) floats, [-9, 10) ints, [0, 10) uint8
        low, high = {"uint8": (0, 9), "int64": (-9, 9)}.get(dtype, (-9, 9))
        assert low <= made.min() and made.max() <= high
        assert reference.min() >= low and reference.max() <= high


def test_make_tensor_options() -> None:
    t = make_tensor((3, 4), dtype=ember.float32, device="cpu", low=1, high=2,
                    requires_grad=True, noncontiguous=True)
    assert t.shape == (3, 4) and t.requires_grad and not t.is_contiguous()
    assert bool(((t >= 1) & (t < 2)).all())
    z = make_tensor(50, dtype=ember.int64, device="cpu", low=0, high=1, exclude_zero=True)
    assert z.tolist() == [1] * 50
    for lib in (ember, torch):
        with pytest.raises(ValueError, match=r"`low` must be less than `high`, but got 3 >= 1"):
            lib.testing.make_tensor(2, dtype=lib.float32, device="cpu", low=3, high=1)
        with pytest.raises(ValueError, match="is not supported for boolean and integral"):
            lib.testing.make_tensor(2, dtype=lib.int64, device="cpu", requires_grad=True)
        with pytest.raises(ValueError, match="cannot be NaN"):
            lib.testing.make_tensor(2, dtype=lib.float32, device="cpu", low=NAN)
        with pytest.raises(ValueError, match=r"is \[300, 400\), but \w+.uint8 only supports"):
            lib.testing.make_tensor(2, dtype=lib.uint8, device="cpu", low=300, high=400)
