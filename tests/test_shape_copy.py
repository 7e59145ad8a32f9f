"""``unravel_index``, ``broadcast_shapes`` and the memory of the ``*_copy`` variants,
against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("indices,shape", [
    ([4, 1, 0, 5], (2, 3)), ([10, -7, -1], (2, 3)), (7, (2, 2, 2)), ([3, 4], 6),
    ([], (0,)), ([[1, 2], [3, 0]], (4,)), ([5], ()),
])
def test_unravel_index_matches_torch(indices, shape):
    got = ember.unravel_index(ember.tensor(indices, dtype=ember.int64), shape)
    want = torch.unravel_index(torch.tensor(indices, dtype=torch.int64), shape)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == ember.int64
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_unravel_index_errors_like_torch():
    with pytest.raises(TypeError, match="expected 'indices' to be integer dtype"):
        ember.unravel_index(ember.tensor([1.0]), (2, 3))
    with pytest.raises(ValueError, match="'shape' cannot have negative values"):
        ember.unravel_index(ember.tensor([1]), (2, -3))
    with pytest.raises(RuntimeError, match=r"unravel_index: .*shape \(2, 0\)"):
        ember.unravel_index(ember.tensor([0]), (2, 0))


@pytest.mark.parametrize("shapes", [
    [(2, 1), (3,), 3], [(5, 1, 4), (3, 1)], [()], [], [(0,), (1,)], [4, (2, 1)],
])
def test_broadcast_shapes_matches_torch(shapes):
    got, want = ember.broadcast_shapes(*shapes), torch.broadcast_shapes(*shapes)
    assert isinstance(got, ember.Size) and tuple(got) == tuple(want)


def test_broadcast_shapes_errors_like_torch():
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2, 1), (3, 2))
    with pytest.raises(RuntimeError, match="broadcast_shapes"):
        ember.broadcast_shapes((2, 1), (3, 2))
    with pytest.raises(ValueError, match="negative length"):
        ember.broadcast_shapes((-1,))


@pytest.mark.parametrize("name,args", [
    ("transpose_copy", (0, 1)), ("expand_copy", ((2, 3, 4),)), ("alias_copy", ()),
    ("diagonal_copy", ()), ("slice_copy", (1, 0, 4, 2)), ("view_copy", ((4, 3),)),
])
def test_copy_variants_own_contiguous_memory(name, args):
    x = ember.arange(12.0).reshape(3, 4)
    y = getattr(ember, name)(x, *args)
    assert y.is_contiguous()
    before = x.clone()
    y.fill_(-1.0)
    np.testing.assert_array_equal(x.numpy(), before.numpy())


def test_detach_copy_is_cut_from_the_graph_and_unbind_copy_like_torch():
    # torch.detach_copy's result claims requires_grad (with a NotImplemented grad_fn); a
    # detached copy has no gradient, as ember's has none
    e = ember.ones(2, 3, requires_grad=True)
    t = torch.ones(2, 3, requires_grad=True)
    assert ember.detach_copy(e).requires_grad is False
    got = ember.unbind_copy(e * 2, 1)
    want = torch.unbind_copy(t * 2, 1)
    assert len(got) == len(want) and all(g.is_contiguous() for g in got)
