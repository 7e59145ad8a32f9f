"""histogram and histogramdd (ember/ops/histogram.py) against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _convert(lib, value):
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, list):
        return [_convert(lib, v) for v in value]
    return value


def _both(fn_name, data, *args, **kwargs):
    out = []
    for lib in (ember, torch):
        fn = getattr(lib, fn_name)
        out.append(fn(_convert(lib, data), *_convert(lib, list(args)),
                      **{k: _convert(lib, v) for k, v in kwargs.items()}))
    return out


def _check(fn_name, data, *args, **kwargs):
    e, t = _both(fn_name, data, *args, **kwargs)
    assert type(e).__name__ == type(t).__name__.split(".")[-1]
    e_edges = [e.bin_edges] if fn_name == "histogram" else list(e.bin_edges)
    t_edges = [t.bin_edges] if fn_name == "histogram" else list(t.bin_edges)
    for a, b in zip(e_edges, t_edges, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert e.hist.dtype.name == str(t.hist.dtype).split(".")[-1]
    # counts are exact; weighted sums may differ in the last bits (summation order)
    np.testing.assert_allclose(e.hist.numpy(), t.hist.numpy(), rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_matches_torch(dtype):
    rng = np.random.default_rng(0)
    for i in range(25):
        a = rng.normal(size=rng.integers(0, 200)).astype(dtype)
        _check("histogram", a, int(rng.integers(1, 20)))
        _check("histogram", a, 7, range=(-1.0, 1.5), density=True)
        _check("histogram", a.reshape(-1, 1), 5, weight=rng.random((a.size, 1)).astype(dtype),
               density=bool(i % 2))
        _check("histogram", a, np.sort(rng.normal(size=5)).astype(dtype), density=bool(i % 2))
        _check("histogram", np.round(a * 3) / 3, 6)  # many values exactly on edges
    _check("histogram", np.array([2.0, 2.0], dtype), 2)  # one value: widened by 0.5
    _check("histogram", np.array([1.0, np.nan, 2.0], dtype), 2, range=(0.0, 3.0))


def test_histogram_method_and_fields():
    e = ember.tensor([1.0, 2.0, 2.5]).histogram(3)
    t = torch.tensor([1.0, 2.0, 2.5]).histogram(3)
    np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())
    hist, edges = e  # a named tuple, as torch.return_types.histogram
    assert hist is e.hist and edges is e.bin_edges


def test_histogramdd_matches_torch():
    rng = np.random.default_rng(1)
    pts = rng.random((40, 2)).astype("float32")
    _check("histogramdd", pts, 3)
    _check("histogramdd", pts, [3, 4], range=[0.0, 1.0, 0.0, 2.0], density=True)
    _check("histogramdd", pts.reshape(4, 10, 2), [2, 5], weight=rng.random((4, 10)).astype(
        "float32"))
    _check("histogramdd", pts, [np.array([0.0, 0.5, 1.0], "float32"),
                                np.array([0.0, 0.2, 1.0], "float32")])
    _check("histogramdd", rng.random((30, 3)), [2, 3, 4])


@pytest.mark.parametrize("args,kwargs,exc,match", [
    ((ember.tensor([1, 2]), 3), {}, RuntimeError, "histogram: expected a floating point "
                                                  "input, got int64"),
    ((ember.tensor([1.0]), 0), {}, RuntimeError, "histogram: bins must be > 0, but got 0"),
    ((ember.tensor([1.0]), 3), {"range": (3.0, 1.0)}, RuntimeError,
     "histogram: min should not exceed max, but got min 3.0 max 1.0"),
    ((ember.tensor([1.0, float("inf")]), 2), {}, RuntimeError,
     r"histogram: dimension 0's range \[1.0, inf\] is not finite"),
    ((ember.tensor([1.0, 2.0]), 2), {"weight": ember.ones(3)}, RuntimeError,
     r"histogram: expected weight to have the input's shape \(2,\), got \(3,\)"),
    ((ember.tensor([1.0]), 2), {"weight": ember.ones(1, dtype=ember.float64)}, RuntimeError,
     "input tensor and weight tensor should have the same dtype"),
    ((ember.tensor([1.0]), ember.tensor([[0.0, 1.0]])), {}, RuntimeError,
     "histogram: bins tensor should have one dimension"),
])
def test_histogram_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ember.histogram(*args, **kwargs)


def test_histogramdd_errors():
    with pytest.raises(RuntimeError, match="histogramdd: The size of bins must be equal to "
                                           "the innermost dimension of the input"):
        ember.histogramdd(ember.zeros(4, 2), bins=[3])
    with pytest.raises(RuntimeError, match="histogramdd: range should have 4 elements"):
        ember.histogramdd(ember.zeros(4, 2), bins=3, range=[0.0, 1.0])


@pytest.mark.parametrize("shape, exc, match", [
    ((5,), RuntimeError, "histogramdd: input tensor should have at least 2 dimensions"),
    ((), IndexError, "Dimension specified as -1 but tensor has no dimensions"),
])
def test_histogramdd_needs_points_in_rows(shape, exc, match):
    # PyTorch refuses a 1-D input (not read as N points in one dimension) and a 0-d one
    with pytest.raises(exc, match=match):
        torch.histogramdd(torch.zeros(shape), bins=2)
    with pytest.raises(exc, match=match):
        ember.histogramdd(ember.zeros(shape), bins=2)
