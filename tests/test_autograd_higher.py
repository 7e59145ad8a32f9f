"""Higher-order reverse mode (Hessian-vector products, gradient penalties, nested grad) and
forward mode (dual tensors, ``ember.jvp``), against PyTorch and analytic derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.func

import ember
import ember.autograd.forward_ad as fwAD
from tests.test_autograd_prims import close, cos, exp, log, pair, sin, sqrt, tanh


def _loss(lib, x, w):
    s, e, t = lib
    return (s(x * w) * e(x) + t(x * x) * w).sum()


EMBER = (sin, exp, tanh)
TORCH = (torch.sin, torch.exp, torch.tanh)


# ----------------------------------------------------------------------------- second order
def test_hessian_vector_product_matches_torch_hvp():
    (xe, xt), (we, _) = pair([0.3, -0.8, 1.1]), pair([0.5, 1.5, -2.0], requires_grad=False)
    ve, vt = pair([1.0, -1.0, 0.5], requires_grad=False)
    wt = torch.tensor(we.numpy())
    (ge,) = ember.autograd.grad(_loss(EMBER, xe, we), xe, create_graph=True)
    (hve,) = ember.autograd.grad((ge * ve).sum(), xe)
    _, hvt = torch.autograd.functional.hvp(lambda x: _loss(TORCH, x, wt), xt.detach(), vt)
    close(hve, hvt)


def test_gradient_penalty_backward_to_parameters_matches_torch():
    """WGAN-GP: the norm of dD/dx, penalised, differentiated with respect to D's weights."""
    rng = np.random.default_rng(0)
    xs, w1s, w2s = rng.standard_normal((4, 3)), rng.standard_normal((3,)), rng.standard_normal(())

    def critic(lib, x, w1, w2):
        s, _, t = lib
        return (t(x * w1) * w2 + s(x) * w1).sum(-1)

    def penalty(lib, lib_sqrt, x, w1, w2, grad):
        out = critic(lib, x, w1, w2)
        (gx,) = grad(out.sum(), x)
        norm = lib_sqrt((gx * gx).sum(-1) + 1e-12)
        return ((norm - 1) * (norm - 1)).mean() + out.mean()

    xe = ember.tensor(xs, requires_grad=True)
    w1e, w2e = ember.tensor(w1s, requires_grad=True), ember.tensor(w2s, requires_grad=True)
    pe = penalty(EMBER, sqrt, xe, w1e, w2e,
                 lambda o, x: ember.autograd.grad(o, x, create_graph=True))
    pe.backward()
    xt = torch.tensor(xs, requires_grad=True)
    w1t, w2t = torch.tensor(w1s, requires_grad=True), torch.tensor(w2s, requires_grad=True)
    pt = penalty(TORCH, torch.sqrt, xt, w1t, w2t,
                 lambda o, x: torch.autograd.grad(o, x, create_graph=True))
    pt.backward()
    close(pe, pt)
    for e, t in ((w1e, w1t), (w2e, w2t), (xe, xt)):
        close(e.grad, t.grad)


@pytest.mark.parametrize("f,derivs", [
    (sin, lambda x: (math.cos(x), -math.sin(x), -math.cos(x))),
    (exp, lambda x: (math.exp(x),) * 3),
    (tanh, lambda x: (1 - math.tanh(x) ** 2,
                      -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
                      (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2))),
    (lambda x: x * x * x * x - x * 3, lambda x: (4 * x ** 3 - 3, 12 * x ** 2, 24 * x)),
    (lambda x: sin(x) * exp(x), lambda x: (math.exp(x) * (math.sin(x) + math.cos(x)),
                                           2 * math.exp(x) * math.cos(x),
                                           2 * math.exp(x) * (math.cos(x) - math.sin(x)))),
], ids=["sin", "exp", "tanh", "polynomial", "sin*exp"])
def test_first_second_third_derivatives_by_nested_grad(f, derivs):
    points = [-1.3, 0.2, 0.9]
    x = ember.tensor(points, dtype=ember.float64)
    d1 = ember.grad(lambda x: f(x).sum())
    d2 = ember.grad(lambda x: d1(x).sum())
    d3 = ember.grad(lambda x: d2(x).sum())
    expected = np.array([derivs(p) for p in points])
    for order, d in enumerate((d1, d2, d3)):
        got = d(x)
        assert not got.requires_grad
        np.testing.assert_allclose(got.numpy(), expected[:, order], rtol=1e-10, atol=1e-12)


def test_third_derivative_with_autograd_grad_matches_torch():
    xe, xt = pair([0.4, -0.6])
    ge, gt = tanh(sin(xe) * xe).sum(), torch.tanh(torch.sin(xt) * xt).sum()
    for _ in range(3):
        (ge,) = ember.autograd.grad(ge.sum(), xe, create_graph=True)
        (gt,) = torch.autograd.grad(gt.sum(), xt, create_graph=True)
        close(ge, gt)


# ----------------------------------------------------------------------------- forward mode
def _composite(lib):
    s, e, t = lib
    return lambda x, y: (t(s(x) * y + e(x * 0.5)), x * y - y)


def test_jvp_of_a_composition_matches_torch_func_jvp():
    (xe, xt), (ye, yt) = pair([0.3, -1.0, 2.0], requires_grad=False), pair([1.5, 0.2, -0.4],
                                                                         requires_grad=False)
    (te, tt), (ue, ut) = pair([1.0, 0.5, -2.0], requires_grad=False), pair([0.1, -1.0, 3.0],
                                                                          requires_grad=False)
    oute, tane = ember.jvp(_composite(EMBER), (xe, ye), (te, ue))
    outt, tant = torch.func.jvp(_composite(TORCH), (xt, yt), (tt, ut))
    for a, b in zip(oute + tane, outt + tant):
        close(a, b)


def test_dual_tensors_make_unpack_match_torch_forward_ad():
    (xe, xt), (te, tt) = pair([0.3, 1.2], requires_grad=False), pair([1.0, -2.0],
                                                                      requires_grad=False)
    with fwAD.dual_level():
        de = fwAD.make_dual(xe, te)
        pe, qe = fwAD.unpack_dual(exp(sin(de)) * de)
        assert fwAD.unpack_dual(xe).tangent is None  # the primal itself is not dual
    import torch.autograd.forward_ad as tfw

    with tfw.dual_level():
        pt, qt = tfw.unpack_dual(torch.exp(torch.sin(tfw.make_dual(xt, tt))) * tfw.make_dual(xt, tt))
    close(pe, pt)
    close(qe, qt)


def test_tangents_are_dropped_when_the_level_exits():
    x = ember.tensor([1.0])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ember.ones(1))
        y = d * 3
    assert fwAD.unpack_dual(y).tangent is None and fwAD.unpack_dual(d).tangent is None


def test_integer_casts_carry_no_tangent_as_in_torch_forward_ad():
    # x - x.long() is x's fractional part: its tangent is x's, not x's minus a truncated copy
    # of it (which the int64 output carried before)
    import torch.autograd.forward_ad as tfw

    (xe, xt), (te, tt) = pair([1.5, -2.25], requires_grad=False), pair([0.7, 2.6],
                                                                       requires_grad=False)
    with fwAD.dual_level():
        de = fwAD.make_dual(xe, te)
        assert fwAD.unpack_dual(de.long()).tangent is None
        qe = fwAD.unpack_dual(de - de.long()).tangent
    with tfw.dual_level():
        dt = tfw.make_dual(xt, tt)
        assert tfw.unpack_dual(dt.long()).tangent is None
        qt = tfw.unpack_dual(dt - dt.long()).tangent
    close(qe, qt)


def test_make_dual_outside_a_level_and_bad_tangents_raise():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="dual_level"):
        fwAD.make_dual(x, ember.ones(2))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match=r"tangent shape \(3,\).*\(2,\)"):
            fwAD.make_dual(x, ember.ones(3))


def test_op_without_jvp_rule_raises_not_implemented_naming_it():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="autograd_test_log"):
        ember.jvp(lambda x: log(x * 2), (x,), (ember.ones(2),))


def test_forward_and_reverse_mode_agree_on_jacobian_columns():
    x = ember.tensor([0.2, -0.7, 1.4], dtype=ember.float64)
    f = lambda x: cos(x) * tanh(x) + x * x  # noqa: E731 - elementwise: J is diagonal
    _, tangent = ember.jvp(f, (x,), (ember.ones(3, dtype=ember.float64),))
    (row,) = ember.vjp(f, x)[1](ember.ones(3, dtype=ember.float64))
    close(tangent, torch.tensor(row.numpy()))
