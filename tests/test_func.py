"""``ember.func`` (jacrev, jacfwd, hessian, vmap, grad_and_value, functional_call, pytree
arguments, has_aux) against ``torch.func`` on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func

import ember

RNG = np.random.default_rng(7)


def pairs(*shapes, requires_grad=False):
    """Random float64 data as (ember tensors, torch tensors)."""
    arrays = [RNG.standard_normal(s) for s in shapes]
    return ([ember.tensor(a, requires_grad=requires_grad) for a in arrays],
            [torch.tensor(a, requires_grad=requires_grad) for a in arrays])


def same(e, t, atol=1e-10):
    """Assert equal values and the same tuple/list/dict structure."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=atol)
    elif isinstance(t, dict):
        assert isinstance(e, dict) and set(e) == set(t)
        for k in t:
            same(e[k], t[k], atol)
    elif isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t), (type(e), type(t))
        for a, b in zip(e, t):
            same(a, b, atol)
    else:
        assert e == t


def f2(lib):
    return lambda x, y: (lib.sin(x) * y.sum(), lib.exp(x[:2]) * lib.tanh(y).mean())


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,)])
@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(name, argnums):
    (xe, ye), (xt, yt) = pairs(3, (2, 2))
    je = getattr(ember.func, name)(f2(ember), argnums)(xe, ye)
    jt = getattr(torch.func, name)(f2(torch), argnums)(xt, yt)
    same(je, jt)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobians_of_pytree_arguments_and_outputs_with_aux(name):
    (ae, be), (at, bt) = pairs((2,), (3,))

    def fn(lib):
        return lambda p: ({"u": p["a"] * p["b"].sum(), "v": [lib.cos(p["b"])]}, p["a"].sum())

    je, auxe = getattr(ember.func, name)(fn(ember), has_aux=True)({"a": ae, "b": be})
    jt, auxt = getattr(torch.func, name)(fn(torch), has_aux=True)({"a": at, "b": bt})
    same(je, jt)
    same(auxe, auxt)


def test_hessian_matches_torch_and_compositions_agree():
    (xe, ye), (xt, yt) = pairs(3, 3)

    def fn(lib):
        return lambda x, y: (lib.sin(x) * lib.exp(y) * x).sum()

    he = ember.func.hessian(fn(ember), argnums=(0, 1))(xe, ye)
    same(he, torch.func.hessian(fn(torch), argnums=(0, 1))(xt, yt))
    for outer in (ember.func.jacrev, ember.func.jacfwd):
        for inner in (ember.func.jacrev, ember.func.jacfwd):
            same(outer(inner(fn(ember)))(xe, ye), torch.func.hessian(fn(torch))(xt, yt))


def test_nested_grad_counts_only_uses_through_the_argument():
    # d/dx [d/dy (x * y)](y = x) = d/dx x = 1: the inner grad must not see the outer x's
    # use as a use of y (perturbation confusion)
    (xe,), (xt,) = pairs(3)
    ge = ember.func.grad(lambda x: ember.func.grad(lambda y: (x * y).sum())(x).sum())(xe)
    gt = torch.func.grad(lambda x: torch.func.grad(lambda y: (x * y).sum())(x).sum())(xt)
    same(ge, gt)


def test_grad_and_value_with_pytree_argument():
    (ae, be), (at, bt) = pairs(2, (2, 3))

    def fn(lib):
        return lambda p, s: ((lib.sin(p[0]) @ p[1]).sum() * s, p[1].mean())

    ge, (ve, auxe) = ember.func.grad_and_value(fn(ember), has_aux=True)((ae, be), 2.0)
    gt, (vt, auxt) = torch.func.grad_and_value(fn(torch), has_aux=True)((at, bt), 2.0)
    same(ge, gt)
    same(ve, vt)
    same(auxe, auxt)


def test_vjp_with_aux_and_dict_outputs():
    (xe,), (xt,) = pairs(3)
    (ce, de), (ct, dt) = pairs(3, 3)

    def fn(lib):
        return lambda x: ({"s": lib.sin(x), "c": lib.cos(x) * x}, x.sum())

    oute, fe, auxe = ember.func.vjp(fn(ember), xe, has_aux=True)
    outt, ft, auxt = torch.func.vjp(fn(torch), xt, has_aux=True)
    same(oute, outt)
    same(auxe, auxt)
    same(fe({"s": ce, "c": de}), ft({"s": ct, "c": dt}))


def test_jvp_with_aux_and_pytree_primals():
    (xe, ye, te, ue), (xt, yt, tt, ut) = pairs(3, 3, 3, 3)

    def fn(lib):
        return lambda p: (lib.sin(p["x"]) * p["y"], p["x"] * 2)

    re = ember.func.jvp(fn(ember), ({"x": xe, "y": ye},), ({"x": te, "y": ue},), has_aux=True)
    rt = torch.func.jvp(fn(torch), ({"x": xt, "y": yt},), ({"x": tt, "y": ut},), has_aux=True)
    same(re, rt)
    with pytest.raises(RuntimeError, match="strict=True"):
        ember.func.jvp(fn(ember), (xe,), (te,), strict=True)


def test_jacrev_gradients_flow_to_closed_over_and_input_tensors():
    (we, xe), (wt, xt) = pairs((2, 3), 3, requires_grad=True)

    def fn(lib, w):
        return lambda x: lib.tanh(w @ x)

    for name in ("jacrev", "jacfwd"):
        je = getattr(ember.func, name)(fn(ember, we))(xe)
        jt = getattr(torch.func, name)(fn(torch, wt))(xt)
        same(je, jt)
        ge = ember.autograd.grad((je * je).sum(), [we, xe])
        gt = torch.autograd.grad((jt * jt).sum(), [wt, xt])
        same(ge, gt)


def test_functional_call_through_grad():
    fc = ember.nn.Linear(3, 2).double()
    tc = torch.nn.Linear(3, 2).double()
    tc.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fc.state_dict().items()})
    (xe,), (xt,) = pairs((4, 3))
    pe = {k: v.detach() for k, v in fc.named_parameters()}
    pt = {k: v.detach() for k, v in tc.named_parameters()}
    ge = ember.func.grad(lambda p: ember.func.functional_call(fc, p, (xe,)).pow(2).sum())(pe)
    gt = torch.func.grad(lambda p: torch.func.functional_call(tc, p, (xt,)).pow(2).sum())(pt)
    same(ge, gt)


def test_transform_errors_match_torch():
    x = ember.ones(2)
    with pytest.raises(ValueError, match="chunk_size` should be greater than 0"):
        ember.func.jacrev(lambda x: x, chunk_size=0)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        ember.func.grad(lambda x: x.sum(), argnums=())
    with pytest.raises(RuntimeError, match="randomness"):
        ember.func.jacfwd(lambda x: x, randomness="sometimes")
    with pytest.raises(RuntimeError, match=r"\(output, aux\)"):
        ember.func.jacrev(lambda x: x, has_aux=True)(x)
    with pytest.raises(TypeError, match="output 0 must be a Tensor"):
        ember.func.jacrev(lambda x: 1.0)(x)


@pytest.mark.parametrize("make_fn", [
    lambda lib: lambda x, y: lib.ones(()),  # constant
    lambda lib: lambda x, y: x.sum().long(),  # integer output: no gradient
    lambda lib: lambda x, y: (y * 2).sum(),  # depends on the other argument only
    lambda lib: lambda x, y: lib.func.grad(lambda z: lib.ones(()))(x).sum(),  # nested
], ids=["constant", "integer", "other-argument", "nested"])
def test_grad_of_an_output_that_does_not_depend_on_the_argument_is_zeros(make_fn):
    (xe, ye), (xt, yt) = pairs((3,), (2,))
    same(ember.func.grad(make_fn(ember))(xe, ye), torch.func.grad(make_fn(torch))(xt, yt))


def test_grad_needs_a_zero_dim_output_and_vjp_float_outputs_like_torch():
    x = ember.ones(2)
    # torch raises RuntimeError here; ember's TypeError is kept (and tested above).
    with pytest.raises(TypeError, match=r"scalar tensor, got shape \(1,\)"):
        ember.func.grad(lambda x: x.sum(0, keepdim=True))(x)
    with pytest.raises(RuntimeError, match="Expected f"):
        torch.func.grad(lambda x: x.sum(0, keepdim=True))(torch.ones(2))
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=r"vjp\(f, \.\.\.\): All outputs of f must be "
                                               r"floating-point or complex Tensors, got Tensor "
                                               r"with dtype \w+\.int64"):
            lib.func.vjp(lambda x: (x * 2, x.long()), lib.ones(2))


@pytest.mark.parametrize("in_dims,out_dims", [(0, 0), (1, 0), (-1, -1), ((0, None), 1)])
def test_vmap_matches_torch(in_dims, out_dims):
    (xe, ye), (xt, yt) = pairs((3, 3), (3, 3))

    def fn(lib):
        return lambda x, y: lib.sin(x) * y.sum() + x @ lib.tanh(y if y.dim() == 1 else y[0])

    same(ember.vmap(fn(ember), in_dims, out_dims)(xe, ye),
         torch.vmap(fn(torch), in_dims, out_dims)(xt, yt))


def test_vmap_nested_in_dims_pytrees_kwargs_and_unmapped_outputs():
    (ae, be, ce), (at, bt, ct) = pairs((2, 4), (4, 2), (3,))

    def fn(lib):
        return lambda p, c, scale=1.0: ({"s": (p["a"] * p["b"]) * scale}, [c.sum(), c])

    args_e, args_t = ({"a": ae, "b": be}, ce), ({"a": at, "b": bt}, ct)
    in_dims = ({"a": 1, "b": 0}, None)
    out_dims = ({"s": 0}, [0, None])
    same(ember.vmap(fn(ember), in_dims, out_dims)(*args_e, scale=2.0),
         torch.vmap(fn(torch), in_dims, out_dims)(*args_t, scale=2.0))


def test_vmap_gradients_flow_and_nest_with_grad():
    (xe, we), (xt, wt) = pairs((4, 3), 3, requires_grad=True)
    ye = ember.vmap(lambda row: ember.tanh(row * we).sum())(xe)
    yt = torch.vmap(lambda row: torch.tanh(row * wt).sum())(xt)
    same(ye, yt)
    same(ember.autograd.grad(ye.sum(), [xe, we]), torch.autograd.grad(yt.sum(), [xt, wt]))
    # per-example gradients, the common use of vmap(grad(...))
    pe = ember.vmap(ember.func.grad(lambda w, x: ember.tanh(x @ w)), in_dims=(None, 0))
    pt = torch.func.vmap(torch.func.grad(lambda w, x: torch.tanh(x @ w)), in_dims=(None, 0))
    same(pe(we.detach(), xe.detach()), pt(wt.detach(), xt.detach()))


def test_vmap_randomness():
    x = ember.ones(3)
    with pytest.raises(RuntimeError, match="random operation while in randomness error mode"):
        ember.vmap(lambda r: r * ember.rand(()))(x)
    same_draws = ember.vmap(lambda r: r * ember.rand(()), randomness="same")(x)
    assert len(set(same_draws.tolist())) == 1
    different = ember.vmap(lambda r: r * ember.rand(()), randomness="different")(x)
    assert len(set(different.tolist())) == 3


def test_vmap_errors_match_torch():
    cases = [
        (lambda lib: lambda x, y: x + y, [(2, 3), (3, 3)], {}),
        (lambda lib: lambda x: x, [()], {}),
        (lambda lib: lambda x: x, [(2,)], {"in_dims": 2}),
        (lambda lib: lambda x: x, [(2,)], {"in_dims": None}),
        (lambda lib: lambda x: 1.0, [(2,)], {}),
    ]
    for make, shapes, kw in cases:
        (*_e,), (*_t,) = pairs(*shapes)
        with pytest.raises(ValueError) as want:
            torch.vmap(make(torch), **kw)(*_t)
        with pytest.raises(ValueError) as got:
            ember.vmap(make(ember), **kw)(*_e)
        assert str(got.value) == str(want.value), (got.value, want.value)
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        ember.vmap(lambda x: x)(1.0)
