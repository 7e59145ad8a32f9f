"""Gradients at the edges of the linear-algebra ops, compared with PyTorch: determinants of
exactly singular matrices, and the ``input`` of the ``add*mm`` family with ``beta=0``
(which the generated parity tests cannot tell apart from "no gradient")."""

import numpy as np
import pytest
import torch

import ember

SINGULAR = [np.diag([2.0, 0.0]), np.array([[1.0, 2.0], [2.0, 4.0]]),
            np.array([[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 3.0]], np.eye(3) * 2]),
            np.zeros((2, 2)), np.stack([np.zeros((2, 2)), np.eye(2), np.diag([2.0, 0.0])])]


@pytest.mark.parametrize("m", SINGULAR, ids=["diag", "rank1", "batch", "zeros", "batch-zeros"])
@pytest.mark.parametrize("name", ["det", "linalg.det"])
def test_det_gradient_of_exactly_singular_matrix_is_the_cofactor_matrix(m, name):
    # PyTorch's reference value is its SVD-based formula, which it takes when the graph is
    # kept (create_graph=True); without it, a determinant of exactly 0 gets a zero gradient
    # from its LU path, which is not the derivative (d det(diag(2, 0)) / dA[1, 1] = 2).
    t = torch.tensor(m, requires_grad=True)
    tfn = torch.linalg.det if name == "linalg.det" else torch.det
    (expected,) = torch.autograd.grad(tfn(t).sum(), t, create_graph=True)
    e = ember.tensor(m, requires_grad=True)
    efn = ember.linalg.det if name == "linalg.det" else ember.det
    efn(e).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), expected.detach().numpy(), atol=1e-12)


def test_det_gradient_of_diag_is_the_product_of_the_others():
    e = ember.tensor(np.diag([2.0, 0.0, 5.0]), requires_grad=True)
    ember.linalg.det(e).backward()
    np.testing.assert_allclose(e.grad.numpy(), np.diag([0.0, 10.0, 0.0]), atol=1e-12)


@pytest.mark.parametrize("fn", [lambda a: ember.logdet(a), lambda a: ember.linalg.slogdet(a)[1]],
                         ids=["logdet", "slogdet"])
def test_log_determinant_of_singular_matrix_has_an_infinite_gradient(fn):
    # d log|det A| / dA = A^{-T} does not exist; PyTorch returns inf/NaN too, not an error.
    e = ember.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    out = fn(e)
    assert out.item() == -np.inf
    out.backward()
    assert not np.isfinite(e.grad.numpy()).any()


def test_singular_inverse_raises_linalg_error():
    with pytest.raises(ember.linalg.LinAlgError, match="linalg.inv: Singular matrix"):
        ember.linalg.inv(ember.zeros(2, 2))
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


ADD_OPS = {
    "addmm": ((2, 3), (2, 4), (4, 3)), "addmm-bcast": ((3,), (2, 4), (4, 3)),
    "addr": ((2, 3), (2,), (3,)), "addbmm": ((2, 3), (5, 2, 4), (5, 4, 3)),
    "baddbmm": ((5, 2, 3), (5, 2, 4), (5, 4, 3)), "addmv": ((2,), (2, 4), (4,)),
}


@pytest.mark.parametrize("op", list(ADD_OPS))
@pytest.mark.parametrize("alpha", [1, 0])
def test_beta_zero_gives_input_a_zero_gradient_and_ignores_its_nan(op, alpha):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ADD_OPS[op]]
    arrays[0][...] = np.nan  # beta=0: input is not read, NaN included
    name = op.split("-")[0]
    e = [ember.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_out = getattr(ember, name)(*e, beta=0, alpha=alpha)
    t_out = getattr(torch, name)(*t, beta=0, alpha=alpha)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    e_grads = ember.autograd.grad(e_out.sum(), e)
    t_grads = torch.autograd.grad(t_out.sum(), t)
    assert e_grads[0] is not None
    for eg, tg in zip(e_grads, t_grads):
        np.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-12)


@pytest.mark.parametrize("op", ["linalg.solve_triangular", "triangular_solve"])
def test_singular_triangular_solve_error_names_the_op(op):
    # PyTorch's triangular solve divides by the zero pivot (inf/NaN); ember's goes through
    # an LU solve, which refuses the matrix: the error must name the op that was called
    U, b = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0], [1.0]])
    expected = torch.linalg.solve_triangular(torch.tensor(U), torch.tensor(b), upper=True)
    assert not torch.isfinite(expected).any()
    with pytest.raises(ember.linalg.LinAlgError, match=rf"^{op}: Singular matrix"):
        if op == "triangular_solve":
            ember.triangular_solve(ember.tensor(b), ember.tensor(U))
        else:
            ember.linalg.solve_triangular(ember.tensor(U), ember.tensor(b), upper=True)


@pytest.mark.parametrize("where", [0, 1])
def test_cholesky_ex_reports_nan_input_like_lapack(where) -> None:
    m = np.eye(3)
    m[where, where] = np.nan
    got = ember.linalg.cholesky_ex(ember.tensor(m))
    want = torch.linalg.cholesky_ex(torch.tensor(m))
    assert got.info.item() == want.info.item() == where + 1
    np.testing.assert_array_equal(got.L.numpy(), want.L.numpy())


def test_lu_backward_on_a_singular_input_names_the_op() -> None:
    a = ember.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], requires_grad=True)
    P, L, U = ember.linalg.lu(a)  # factors without error, as torch's
    assert U.diagonal().abs().min().item() == 0.0
    with pytest.raises(ember.linalg.LinAlgError, match=r"linalg.lu / lu_factor backward: U of "
                       r"shape \(3, 3\) has a zero on its diagonal"):
        (L.sum() + U.sum()).backward()
