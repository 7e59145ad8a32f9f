"""The function transforms ``ember.grad``, ``value_and_grad``, ``vjp`` and ``jvp``, against
``torch.func``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func

import ember
from tests.test_autograd_prims import close, exp, pair, sin, tanh


def _f(lib):
    s, e, t = lib
    return lambda x, y: (s(x) * e(y * 0.5) + t(x * y)).sum()


EMBER = (sin, exp, tanh)
TORCH = (torch.sin, torch.exp, torch.tanh)


def _inputs():
    (xe, xt), (ye, yt) = (pair([0.3, -1.0, 2.0], requires_grad=False),
                          pair([1.5, 0.2, -0.4], requires_grad=False))
    return xe, xt, ye, yt


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,)])
def test_grad_argnums_matches_torch_func(argnums):
    xe, xt, ye, yt = _inputs()
    ge = ember.grad(_f(EMBER), argnums)(xe, ye)
    gt = torch.func.grad(_f(TORCH), argnums)(xt, yt)
    if isinstance(argnums, int):
        close(ge, gt)
    else:
        assert isinstance(ge, tuple) and len(ge) == len(argnums)
        for e, t in zip(ge, gt):
            close(e, t)
    assert not xe.requires_grad and xe.grad is None  # the caller's tensors are untouched


def test_value_and_grad_with_aux_matches_torch_func():
    xe, xt, ye, yt = _inputs()

    def with_aux(lib):
        f = _f(lib)
        return lambda x, y: (f(x, y), {"double": x * 2})

    (ve, auxe), ge = ember.value_and_grad(with_aux(EMBER), (0, 1), has_aux=True)(xe, ye)
    gt, (vt, auxt) = torch.func.grad_and_value(with_aux(TORCH), (0, 1), has_aux=True)(xt, yt)
    close(ve, vt)
    close(auxe["double"], auxt["double"])
    assert not ve.requires_grad and not auxe["double"].requires_grad
    for e, t in zip(ge, gt):
        close(e, t)


def test_grad_with_aux():
    x = ember.tensor([1.0, 2.0])
    g, aux = ember.grad(lambda x: ((x * x).sum(), "note"), has_aux=True)(x)
    assert g.tolist() == [2.0, 4.0] and aux == "note"


def test_grad_of_non_scalar_function_raises():
    with pytest.raises(TypeError, match=r"scalar tensor.*shape \(2,\)"):
        ember.grad(lambda x: x * 2)(ember.ones(2))


def test_grad_argnum_errors():
    with pytest.raises(ValueError, match="argnums 2 is out of range for 1 arguments"):
        ember.grad(lambda x: x.sum(), argnums=2)(ember.ones(2))
    with pytest.raises(TypeError, match="argument 0 must be floating point"):
        ember.grad(lambda x: x.sum())(ember.ones(2, dtype=ember.int64))


def test_nested_grad_gives_the_hessian_diagonal_like_torch_func():
    xe, xt, ye, yt = _inputs()
    d2e = ember.grad(lambda x, y: ember.grad(_f(EMBER))(x, y).sum())(xe, ye)
    d2t = torch.func.grad(lambda x, y: torch.func.grad(_f(TORCH))(x, y).sum())(xt, yt)
    close(d2e, d2t)


def test_vjp_matches_torch_func_for_one_and_several_outputs():
    xe, xt, ye, yt = _inputs()
    ce, ct = pair([1.0, -2.0, 0.5], requires_grad=False)
    oute, fe = ember.vjp(lambda x, y: sin(x) * y, xe, ye)
    outt, ft = torch.func.vjp(lambda x, y: torch.sin(x) * y, xt, yt)
    close(oute, outt)
    assert not oute.requires_grad
    for e, t in zip(fe(ce), ft(ct)):
        close(e, t)
    for e, t in zip(fe(ce), ft(ct)):  # vjp_fn can be called again
        close(e, t)

    (o1, o2), fe2 = ember.vjp(lambda x: (exp(x), x * 3), xe)
    _, ft2 = torch.func.vjp(lambda x: (torch.exp(x), x * 3), xt)
    close(fe2((ce, ce))[0], ft2((ct, ct))[0])
    with pytest.raises(ValueError, match="2 outputs but vjp_fn got 1"):
        fe2((ce,))


def test_jvp_matches_torch_func_for_several_outputs():
    xe, xt, ye, yt = _inputs()
    (te, tt), (ue, ut) = pair([1.0, 0.0, -1.0], requires_grad=False), pair([0.5, 2.0, 1.0],
                                                                          requires_grad=False)

    def fn(lib):
        s, e, t = lib
        return lambda x, y: (s(x) * y, t(e(x) - y))

    oe, te_out = ember.jvp(fn(EMBER), (xe, ye), (te, ue))
    ot, tt_out = torch.func.jvp(fn(TORCH), (xt, yt), (tt, ut))
    for a, b in zip(oe + te_out, ot + tt_out):
        close(a, b)


def test_jvp_of_an_output_independent_of_the_inputs_is_zero():
    out, tangent = ember.jvp(lambda x: ember.ones(2), (ember.ones(2),), (ember.ones(2),))
    np.testing.assert_array_equal(tangent.numpy(), [0.0, 0.0])


def test_jvp_argument_count_mismatch_raises():
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ember.jvp(lambda x, y: x, (ember.ones(1), ember.ones(1)), (ember.ones(1),))
