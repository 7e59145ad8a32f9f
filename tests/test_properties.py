"""Hypothesis property tests: broadcasting, reductions and indexing against NumPy, and the
gradient identities they imply."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

SETTINGS = settings(max_examples=60, deadline=None)
FLOATS = st.floats(-10, 10, allow_nan=False, width=32)


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    max_side=4))
    a = draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=FLOATS))
    b = draw(hnp.arrays(np.float32, shapes.input_shapes[1], elements=FLOATS))
    return a, b


@SETTINGS
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "maximum"]))
def test_broadcasting_matches_numpy(pair, name):
    a, b = pair
    out = getattr(ember, name)(ember.tensor(a), ember.tensor(b))
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
           "maximum": np.maximum}[name](a, b)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6, atol=1e-6)


@SETTINGS
@given(broadcastable_pair())
def test_broadcast_gradients_sum_over_expanded_dims(pair):
    # d(sum(a + b))/da counts how many output elements each element of a feeds.
    a, b = pair
    ta, tb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    (ta + tb).sum().backward()
    out_size = np.broadcast_shapes(a.shape, b.shape)
    n = int(np.prod(out_size))
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    np.testing.assert_allclose(ta.grad.numpy(), np.full(a.shape, n / max(a.size, 1)))
    np.testing.assert_allclose(tb.grad.numpy(), np.full(b.shape, n / max(b.size, 1)))


@st.composite
def array_and_dims(draw):
    arr = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                          elements=st.floats(-10, 10, allow_nan=False)))
    dims = draw(st.lists(st.integers(-arr.ndim, arr.ndim - 1), unique_by=lambda d: d % arr.ndim,
                         max_size=arr.ndim))
    keepdim = draw(st.booleans())
    return arr, tuple(dims) if dims else None, keepdim


@SETTINGS
@given(array_and_dims(), st.sampled_from(["sum", "mean", "amax", "amin", "prod"]))
def test_reductions_match_numpy(case, name):
    arr, dims, keepdim = case
    ref_fn = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
              "prod": np.prod}[name]
    if dims is None:
        out, ref = getattr(ember, name)(ember.tensor(arr)), ref_fn(arr)
    else:
        if name == "prod":
            dims = dims[0]  # torch.prod reduces one dim at a time
        out = getattr(ember, name)(ember.tensor(arr), dim=dims, keepdim=keepdim)
        ref = ref_fn(arr, axis=dims, keepdims=keepdim)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


@st.composite
def array_and_index(draw):
    arr = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1,
                                                       max_side=5),
                          elements=st.floats(-10, 10, allow_nan=False)))
    index = draw(hnp.basic_indices(arr.shape, allow_newaxis=True, allow_ellipsis=True))
    parts = index if isinstance(index, tuple) else (index,)
    # PyTorch (and ember) only take positive slice steps; NumPy also takes negative ones.
    assume(all(not isinstance(p, slice) or (p.step or 1) > 0 for p in parts))
    return arr, index


@SETTINGS
@given(array_and_index())
def test_basic_indexing_matches_numpy(case):
    arr, index = case
    out = ember.tensor(arr)[index]
    ref = arr[index]
    assert out.shape == np.shape(ref)
    np.testing.assert_array_equal(out.numpy(), ref)


@SETTINGS
@given(array_and_index())
def test_indexing_gradient_scatters_ones(case):
    # The gradient of sum(x[index]) is the number of times each element was selected.
    arr, index = case
    x = ember.tensor(arr, requires_grad=True)
    x[index].sum().backward()
    counts = np.zeros_like(arr)
    counts[index] += 1  # basic indices select each element at most once
    np.testing.assert_array_equal(x.grad.numpy(), counts)


@SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-10, 10, allow_nan=False)), st.data())
def test_integer_array_indexing_matches_numpy(arr, data):
    idx = data.draw(hnp.arrays(np.int64, st.integers(0, 6),
                               elements=st.integers(-arr.shape[0], arr.shape[0] - 1)))
    x = ember.tensor(arr, requires_grad=True)
    out = x[ember.tensor(idx)]
    np.testing.assert_array_equal(out.detach().numpy(), arr[idx])
    out.sum().backward()
    counts = np.zeros_like(arr)
    np.add.at(counts, idx, 1)  # repeated indices accumulate
    np.testing.assert_array_equal(x.grad.numpy(), counts)
