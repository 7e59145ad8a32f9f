"""matmul's backward for two matrices, each operand row-major or a transposed view: values
and second derivatives against PyTorch, and each gradient laid out like its operand (the
layout an optimizer then updates in place)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(7)


def _operand(shape: tuple[int, int], transposed: bool) -> tuple[ember.Tensor, ember.Tensor]:
    """A leaf and the matrix of ``shape`` made from it: the leaf itself, or the transposed
    (column-major) view of a row-major leaf, as ``weight.t()`` is."""
    if transposed:
        leaf = ember.tensor(RNG.standard_normal(shape[::-1]), requires_grad=True)
        return leaf, leaf.t()
    leaf = ember.tensor(RNG.standard_normal(shape), requires_grad=True)
    return leaf, leaf


@pytest.mark.parametrize("a_transposed", [False, True])
@pytest.mark.parametrize("b_transposed", [False, True])
def test_matrix_product_gradients_match_torch_and_keep_layouts(a_transposed,
                                                               b_transposed) -> None:
    (_, a), (_, b) = _operand((5, 7), a_transposed), _operand((7, 3), b_transposed)
    g = RNG.standard_normal((5, 3))
    ga, gb = ember.autograd.grad(ember.matmul(a, b), [a, b], ember.tensor(g),
                                 create_graph=True)
    ta, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (a, b))
    tga, tgb = torch.autograd.grad(ta @ tb, [ta, tb], torch.tensor(g), create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), tga.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gb.detach().numpy(), tgb.detach().numpy(), rtol=1e-12)
    for grad, operand, transposed in ((ga, a, a_transposed), (gb, b, b_transposed)):
        assert operand._data.flags.f_contiguous == transposed
        assert grad._data.flags.f_contiguous == transposed
        assert grad._data.flags.c_contiguous != transposed
    # second order, through the recorded backward
    (ggb,) = ember.autograd.grad((ga * ga).sum(), [b])
    (tggb,) = torch.autograd.grad((tga * tga).sum(), [tb])
    np.testing.assert_allclose(ggb.numpy(), tggb.numpy(), rtol=1e-10)
