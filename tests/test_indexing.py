"""Indexing cases that don't fit an op record: views, ``__setitem__`` and in-place forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.tensor(a), torch.tensor(a)


def test_basic_index_is_a_view_sharing_the_version_counter():
    x = ember.arange(12.0).reshape(3, 4)
    v = x[1, 1:]
    v.add_(100)
    assert x[1].tolist() == [4.0, 105.0, 106.0, 107.0]
    assert v._version is x._version


def test_advanced_index_is_a_copy():
    x = ember.arange(4.0)
    y = x[[0, 1]]
    y.add_(1)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("key", [
    (1,), (slice(None), [0, 2]), ([0, 0, 2], [1, 1, 3]), (Ellipsis, 0), (None, 1, [2, 3]),
])
def test_setitem_without_graph_matches_torch(key):
    e, t = _pair((3, 4))
    e[key] = 7.5
    t[key] = 7.5
    np.testing.assert_allclose(e.numpy(), t.numpy())


def test_setitem_with_mask_and_tensor_value():
    e, t = _pair((3, 4))
    e[ember.tensor(e.numpy() > 0)] = ember.tensor(-1.0)
    t[t > 0] = torch.tensor(-1.0, dtype=torch.float64)
    np.testing.assert_allclose(e.numpy(), t.numpy())


def test_setitem_casts_to_the_tensor_dtype():
    x = ember.zeros(3, dtype=ember.int64)
    x[1] = 2.7
    assert x.tolist() == [0, 2, 0] and x.dtype is ember.int64


def test_setitem_gradients_match_torch():
    a, ta = _pair((3, 4), 1)
    v, tv = _pair((3,), 2)
    for t in (a, v, ta, tv):
        t.requires_grad_(True)
    y = a * 2
    y[:, 1] = v * 3
    ty = ta * 2
    ty[:, 1] = tv * 3
    w = np.random.default_rng(3).standard_normal((3, 4))
    (y * ember.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


def test_setitem_on_leaf_requiring_grad_raises():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x[0] = 1.0


def test_getitem_out_of_range_names_dim_size_and_index():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x[0, 3]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 3"):
        x[:, ember.tensor([-5])]


@pytest.mark.parametrize("key", [3, -1, slice(1, 4), (2, 1), (slice(None), slice(0, 3, 2)),
                                 (-2, slice(None, None, 3)), (slice(2, 1),)])
def test_plain_int_and_slice_keys_read_and_write_like_torch(key):
    """Python ints and slices take a short path (no general key parse): the same values,
    views sharing memory and version, gradients and writes as PyTorch."""
    e, t = _pair((5, 4), 4)
    e.requires_grad_(True)
    t.requires_grad_(True)
    (e[key] * 3).sum().backward()
    (t[key] * 3).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())
    plain, tplain = _pair((5, 4), 5)
    view = plain[key]
    assert view._base is plain and view._version is plain._version
    np.testing.assert_allclose(view.numpy(), tplain[key].numpy())
    value = np.random.default_rng(6).standard_normal(tuple(tplain[key].shape))
    plain[key] = ember.tensor(value)  # same shape and dtype: written directly
    tplain[key] = torch.tensor(value)
    plain[key] = ember.tensor(value, dtype=ember.float32) * 2  # another dtype: cast
    tplain[key] = torch.tensor(value, dtype=torch.float32) * 2
    np.testing.assert_allclose(plain.numpy(), tplain.numpy())
    assert plain._version[0] == 2


def test_plain_keys_out_of_range_or_too_many_raise_like_the_general_path():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0 with size 2"):
        x[-3]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 1, 0]
    with pytest.raises(ValueError, match="slice step must be greater than zero"):
        x[::-1]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x[0, 3] = ember.tensor(1.0)


@pytest.mark.parametrize("name,args", [
    ("index_add_", (0, [0, 2], "src")), ("index_copy_", (0, [2, 0], "src")),
    ("index_fill_", (0, [1], -2.0)), ("masked_fill_", ("mask", 3.0)),
    ("scatter_", (0, [[1, 0, 2]], "row")), ("scatter_add_", (0, [[1, 1, 2]], "row")),
    ("scatter_reduce_", (0, [[1, 1, 2]], "row", "amax")),
])
def test_inplace_forms_match_torch(name, args):
    e, t = _pair((3, 3), 4)
    src_e, src_t = _pair((2, 3), 5)
    row_e, row_t = _pair((1, 3), 6)
    mask = np.random.default_rng(7).random((3, 3)) < 0.5

    def conv(mod, a):
        if a == "src":
            return src_e if mod is ember else src_t
        if a == "row":
            return row_e if mod is ember else row_t
        if a == "mask":
            return mod.tensor(mask)
        return mod.tensor(a) if isinstance(a, list) else a

    out_e = getattr(e, name)(*[conv(ember, a) for a in args])
    getattr(t, name)(*[conv(torch, a) for a in args])
    assert out_e is e
    np.testing.assert_allclose(e.numpy(), t.numpy())


def test_inplace_scatter_with_graph_gives_gradients():
    x, tx = _pair((3, 3), 8)
    s, ts = _pair((1, 3), 9)
    for t in (x, s, tx, ts):
        t.requires_grad_(True)
    y = x * 1
    y.index_add_(0, ember.tensor([2]), s)
    ty = tx * 1
    ty.index_add_(0, torch.tensor([2]), ts)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy())


def test_sort_gradient_goes_to_the_source_positions():
    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, _ = ember.sort(x)
    (values * ember.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_gather_and_scatter_reject_negative_indices():
    x = ember.zeros(3)
    with pytest.raises(IndexError, match=r"scatter: index -1 .* dimension 0 with size 3"):
        ember.scatter(x, 0, ember.tensor([-1]), ember.ones(1))
    with pytest.raises(IndexError, match=r"index_copy: index -1 .* dimension 0 with size 3"):
        ember.index_copy(x, 0, ember.tensor([-1]), ember.ones(1))
