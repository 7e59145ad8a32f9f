"""Memory sharing of the shape ops: views share memory and the version counter with their
input, as in PyTorch; copies (flip, roll, repeat, non-viewable reshape, ...) own their memory."""

from __future__ import annotations

import numpy as np
import pytest

import ember

VIEWS = {
    "reshape": lambda x: x.reshape(4, 3),
    "view": lambda x: x.view(2, 2, 3),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "permute": lambda x: x.permute(1, 0),
    "transpose": lambda x: x.transpose(0, 1),
    "movedim": lambda x: x.movedim(0, 1),
    "expand": lambda x: x.unsqueeze(0).expand(2, 3, 4),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "diagonal": lambda x: x.diagonal(1),
    "flatten": lambda x: x.flatten(),
    "split-last": lambda x: x.split(1)[-1],
    "chunk-last": lambda x: x.chunk(2, 1)[1],
    "tensor_split-mid": lambda x: x.tensor_split([1, 2])[1],
    "unbind-last": lambda x: x.unbind(1)[-1],
    "iter": lambda x: list(x)[1],
    "select": lambda x: x.select(1, -2),
    "hsplit-last": lambda x: x.hsplit(2)[-1],
    "unfold": lambda x: x.unfold(1, 2, 2),
    "unfold-overlapping": lambda x: x.unfold(1, 3, 1),
}

COPIES = {
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1, 0),
    "repeat-ones": lambda x: x.repeat(1, 1),
    "tile": lambda x: x.tile((1, 2)),
    "repeat_interleave": lambda x: x.repeat_interleave(1, 0),
    "tril": lambda x: x.tril(),
    "diag": lambda x: x.diag(),
    "cat-single": lambda x: ember.cat([x]),
    "reshape-transposed": lambda x: x.T.reshape(-1),
    "flatten-transposed": lambda x: x.T.flatten(),
}


def _base() -> ember.Tensor:
    return ember.arange(12, dtype=ember.float32).reshape(3, 4).clone()


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_version(name):
    x = _base()
    v = VIEWS[name](x)
    assert np.shares_memory(v.numpy(), x.numpy()), name
    assert v._version is x._version, f"{name}: the view must share the version counter"
    assert v._base is x, f"{name}: a view's base is the tensor that owns the memory"
    before = x._version[0]
    x.add_(1)
    assert v._version[0] == before + 1


@pytest.mark.parametrize("name", COPIES)
def test_copies_own_their_memory(name):
    x = _base()
    out = COPIES[name](x)
    assert not np.shares_memory(out.numpy(), x.numpy()), name
    assert out._base is None


def test_writes_through_views_reach_the_base():
    x = ember.zeros(3, 3)
    x.diagonal().add_(1)
    x.narrow(0, 0, 1).fill_(5)
    assert x.tolist() == [[5.0, 5.0, 5.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    a, b = x.split([1, 2])
    b.mul_(2)
    assert x.tolist() == [[5.0, 5.0, 5.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    assert a.tolist() == [[5.0, 5.0, 5.0]]


def test_view_refuses_a_non_viewable_layout():
    with pytest.raises(RuntimeError, match=r"view: shape \(6,\) is not compatible"):
        ember.zeros(2, 3).T.view(6)
    assert ember.zeros(2, 3).T.view(3, 1, 2).shape == (3, 1, 2)  # inserting 1s is fine


@pytest.mark.parametrize("make", [lambda x: x.transpose(1, 2), lambda x: x.permute(2, 0, 3, 1),
                                  lambda x: x[:, ::2]], ids=["transpose", "permute", "step"])
def test_contiguous_gives_a_row_major_copy_that_view_accepts(make):
    # the attention idiom y.transpose(1, 2).contiguous().view(B, T, C); a copy that kept the
    # transposed layout made .view() refuse it
    x = ember.randn(2, 4, 3, 5, requires_grad=True)
    y = make(x)
    assert not y.is_contiguous()
    c = y.contiguous()
    assert c.is_contiguous() and c.stride() == ember.empty(*c.shape).stride()
    c.view(-1).sum().backward()
    np.testing.assert_array_equal(c.detach().numpy(), y.detach().numpy())
    assert x.grad is not None and x.grad.shape == x.shape


def test_version_check_catches_in_place_edit_of_a_split_piece():
    x = ember.ones(4, requires_grad=True)
    y = x * 1
    a, b = y.split(2)
    z = (b * b).sum()  # saves b
    with ember.no_grad():
        a.add_(1)  # bumps the counter shared by y, a and b
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_unused_split_outputs_get_zero_gradients():
    x = ember.arange(6, dtype=ember.float64).requires_grad_()
    pieces = x.split([2, 1, 3])
    (pieces[1] * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 0.0, 0.0, 0.0]


def test_iterating_a_tensor_gives_its_rows():
    rows = [r.tolist() for r in ember.tensor([[1, 2], [3, 4]])]
    assert rows == [[1, 2], [3, 4]]
    assert list(ember.zeros(0, 2)) == []
