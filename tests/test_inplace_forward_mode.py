"""Forward-mode AD (``ember.jvp``) through in-place ops: the tangent follows the written
value, as in PyTorch (``torch.func.jvp``)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _setitem(x):
    y = x * 1
    y[0] = x[1] * 3
    return y


def _copy_into_zeros(x):
    return x.new_zeros(3).copy_(x.sin())


CASES = {
    "mul_ by a number": lambda x: x.clone().mul_(2.0),
    "mul_ by itself": lambda x: (x * 1).mul_(x),
    "add_ a tensor": lambda x: (x * 1).add_(x.exp()),
    "sub_ with alpha": lambda x: (x * 1).sub_(x * x, alpha=0.5),
    "div_": lambda x: (x * 1).div_(x + 1),
    "pow_": lambda x: (x * 1).pow_(2),
    "clamp_": lambda x: (x * 1).clamp_(max=1.5),
    "fill_ (zero tangent)": lambda x: (x * 1).fill_(3.0),
    "zero_ then add_": lambda x: (x * 1).zero_().add_(x),
    "copy_ into a constant": _copy_into_zeros,
    "setitem": _setitem,
    "chained": lambda x: (x * 2).add_(1).mul_(x).tanh_(),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tangents_follow_in_place_writes(case) -> None:
    x0 = np.array([0.5, 1.0, 2.0])
    fn = CASES[case]
    value, tangent = ember.jvp(fn, (ember.tensor(x0),), (ember.tensor([1.0, -2.0, 0.5]),))
    t_value, t_tangent = torch.func.jvp(fn, (torch.tensor(x0),),
                                        (torch.tensor([1.0, -2.0, 0.5]),))
    np.testing.assert_allclose(value.numpy(), t_value.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tangent.numpy(), t_tangent.numpy(), rtol=1e-12, atol=1e-15)


def test_an_in_place_op_on_a_view_under_forward_mode_is_refused_before_writing() -> None:
    x = ember.tensor([1.0, 2.0])
    seen = []

    def fn(x):
        y = x * 1
        seen.append(y)
        y[0].mul_(2)
        return y

    with pytest.raises(NotImplementedError, match="forward-mode AD through an in-place op on "
                                                  "a view"):
        ember.jvp(fn, (x,), (ember.ones(2),))
    assert seen[0].tolist() == [1.0, 2.0]  # nothing was written
