"""``ember.autograd.functional`` (vjp, jvp, jacobian, hessian, vhp, hvp) against
``torch.autograd.functional``: values, shapes, tuple structure, create_graph gradients and
errors, on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import ember
import ember.autograd.functional as EF
from tests.test_func import same

RNG = np.random.default_rng(11)


def data(*shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    return tuple(ember.tensor(a) for a in arrays), tuple(torch.tensor(a) for a in arrays)


def one_in_one_out(lib):
    return lambda x: lib.exp(x).sum(dim=1) * x[0, :2]


def two_in_two_out(lib):
    return lambda x, y: (lib.sin(x) * y.sum(), (x[:2] * lib.tanh(y[1:])).sum())


def scalar(lib):
    return lambda x, y: (lib.sin(x) * lib.exp(y) * x).sum()


@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_products_match_torch_for_tensor_and_tuple_conventions(name):
    (x,), (xt,) = data((2, 3))
    (v,), (vt,) = data(2 if name == "vjp" else (2, 3))
    same(getattr(EF, name)(one_in_one_out(ember), x, v),
         getattr(TF, name)(one_in_one_out(torch), xt, vt))
    (x, y), (xt, yt) = data(3, 3)
    if name == "vjp":
        (va, vb), (vat, vbt) = data(3, ())
    else:
        (va, vb), (vat, vbt) = data(3, 3)
    same(getattr(EF, name)(two_in_two_out(ember), (x, y), (va, vb)),
         getattr(TF, name)(two_in_two_out(torch), (xt, yt), (vat, vbt)))


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_hessian_products_match_torch(name):
    (x, y, v, w), (xt, yt, vt, wt) = data(3, 3, 3, 3)
    same(getattr(EF, name)(scalar(ember), (x, y), (v, w)),
         getattr(TF, name)(scalar(torch), (xt, yt), (vt, wt)))
    same(getattr(EF, name)(lambda x: (x ** 3).sum(), x, v),
         getattr(TF, name)(lambda x: (x ** 3).sum(), xt, vt))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch(strategy, vectorize):
    (x, y), (xt, yt) = data(3, 3)
    kw = {"strategy": strategy, "vectorize": True if strategy == "forward-mode" else vectorize}
    same(EF.jacobian(two_in_two_out(ember), (x, y), **kw),
         TF.jacobian(two_in_two_out(torch), (xt, yt), **kw))
    (x,), (xt,) = data((2, 3))
    same(EF.jacobian(one_in_one_out(ember), x, **kw),
         TF.jacobian(one_in_one_out(torch), xt, **kw))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian_matches_torch(strategy):
    (x, y), (xt, yt) = data(3, 3)
    kw = {"outer_jacobian_strategy": strategy, "vectorize": strategy == "forward-mode"}
    same(EF.hessian(scalar(ember), (x, y), **kw), TF.hessian(scalar(torch), (xt, yt), **kw))
    same(EF.hessian(lambda x: (x ** 3).sum(), x, **kw),
         TF.hessian(lambda x: (x ** 3).sum(), xt, **kw))


@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_create_graph_gradients_flow_back_like_torch(name):
    (x, y), (xt, yt) = data(3, 3)
    x.requires_grad_(True)
    xt.requires_grad_(True)
    fn = scalar if name == "hessian" else two_in_two_out
    je = getattr(EF, name)(fn(ember), (x, y), create_graph=True)
    jt = getattr(TF, name)(fn(torch), (xt, yt), create_graph=True)
    same(je, jt)
    le = sum(((j * j).sum() for row in je for j in row), ember.zeros(()))
    lt = sum(((j * j).sum() for row in jt for j in row), torch.zeros((), dtype=torch.float64))
    same(ember.autograd.grad(le, x), torch.autograd.grad(lt, xt))
    plain = getattr(EF, name)(fn(ember), (x, y))
    assert not plain[0][0].requires_grad  # without create_graph the results are detached


def test_outputs_are_detached_unless_create_graph():
    (x,), _ = data(3)
    x.requires_grad_(True)
    out, g = EF.vjp(lambda x: x * x, x, ember.ones(3))
    assert not out.requires_grad and not g.requires_grad
    out, g = EF.vjp(lambda x: x * x, x, ember.ones(3), create_graph=True)
    assert out.requires_grad and g.requires_grad


def test_unused_inputs_give_zeros_or_strict_errors_like_torch():
    (x, y), (xt, yt) = data(3, 3)
    same(EF.vjp(lambda x, y: x * 2, (x, y), ember.ones(3)),
         TF.vjp(lambda x, y: x * 2, (xt, yt), torch.ones(3, dtype=torch.float64)))
    same(EF.jacobian(lambda x, y: x * 2, (x, y)), TF.jacobian(lambda x, y: x * 2, (xt, yt)))
    cases = [
        (lambda m, lib: m.vjp(lambda x, y: x * 2, (x, y) if m is EF else (xt, yt),
                              (ember.ones(3) if m is EF else torch.ones(3).double()),
                              strict=True)),
        (lambda m, lib: m.jacobian(lambda x, y: x * 2, (x, y) if m is EF else (xt, yt),
                                   strict=True)),
        (lambda m, lib: m.hessian(lambda x: x.sum(), x if m is EF else xt, strict=True)),
        (lambda m, lib: m.jvp(lambda x: x.detach(), x if m is EF else xt,
                              x if m is EF else xt, strict=True)),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as want:
            case(TF, torch)
        with pytest.raises(RuntimeError, match=_escape(str(want.value))):
            case(EF, ember)


def _escape(message):
    import re

    return re.escape(message)


def test_errors_match_torch():
    (x, y), (xt, yt) = data(3, 3)
    calls = [
        lambda m, a, b: m.vjp(lambda x: x * 2, a),  # v needed for a non-scalar output
        lambda m, a, b: m.jvp(lambda x: x * 2, a),  # v needed for a non-scalar input
        lambda m, a, b: m.vjp(lambda x, y: (x, y), (a, b), (b,)),  # wrong tuple length
        lambda m, a, b: m.vjp(lambda x: x, a, b[:2]),  # wrong size
        lambda m, a, b: m.hvp(lambda x: x * 2, a, b),  # not a single element
        lambda m, a, b: m.vhp(lambda x: (x, x), a, b),  # not a single tensor
        lambda m, a, b: m.jacobian(lambda x: x, a, strategy="sideways"),
        lambda m, a, b: m.jacobian(lambda x: x, a, strict=True, vectorize=True),
        lambda m, a, b: m.jacobian(lambda x: x, a, create_graph=True, strategy="forward-mode"),
        lambda m, a, b: m.vjp(lambda x: x, [a], b),  # a list is not a tuple of tensors
    ]
    for call in calls:
        with pytest.raises(Exception) as want:
            call(TF, xt, yt)
        with pytest.raises(type(want.value)) as got:
            call(EF, x, y)
        assert str(got.value) == str(want.value).replace("torch.Size([3])", "(3,)").replace(
            "torch.Size([2])", "(2,)").replace("torch.Tensor", "ember.tensor.Tensor")
