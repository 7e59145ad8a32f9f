"""Reverse-mode engine: backward, autograd.grad, accumulation, hooks, modes, compared with
PyTorch where PyTorch defines the answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests.test_autograd_prims import close, exp, pair, sin, tanh


def _f(lib_sin, lib_exp, x, w):
    """A small graph with a diamond: ``h`` feeds two branches that meet again."""
    h = lib_sin(x * w)
    return (h * h + lib_exp(h) * w).sum()


def _both(xv=(0.3, -1.2, 2.0), wv=(1.5, 0.5, -0.7)):
    (xe, xt), (we, wt) = pair(xv), pair(wv)
    return xe, xt, we, wt


# ----------------------------------------------------------------------------- backward
def test_backward_matches_torch_and_accumulates_across_calls():
    xe, xt, we, wt = _both()
    for _ in range(2):  # the second call adds to .grad
        _f(sin, exp, xe, we).backward()
        _f(torch.sin, torch.exp, xt, wt).backward()
        close(xe.grad, xt.grad)
        close(we.grad, wt.grad)


def test_backward_with_gradient_retain_graph_and_inputs():
    xe, xt, we, wt = _both()
    ye, yt = sin(xe) * we, torch.sin(xt) * wt
    ge, gt = pair([1.0, -2.0, 0.5], requires_grad=False)
    ye.backward(ge, retain_graph=True, inputs=[xe])
    yt.backward(gt, retain_graph=True, inputs=[xt])
    close(xe.grad, xt.grad)
    assert we.grad is None and wt.grad is None  # not in ``inputs``
    ye.backward(ge, inputs=we)
    yt.backward(gt, inputs=wt)
    close(we.grad, wt.grad)
    close(xe.grad, xt.grad)


def test_backward_inputs_can_be_non_leaves():
    xe, xt, _, _ = _both()
    he, ht = xe * 2, xt * 2
    (he * he).sum().backward(inputs=[he])
    (ht * ht).sum().backward(inputs=[ht])
    close(he.grad, ht.grad)
    assert xe.grad is None and xt.grad is None


def test_diamond_graph_accumulates_every_path():
    xe, xt, _, _ = _both()
    ae, at = xe * 2, xt * 2
    ((ae * ae) + ae * 3 + sin(ae)).sum().backward()
    ((at * at) + at * 3 + torch.sin(at)).sum().backward()
    close(xe.grad, xt.grad)


def test_same_tensor_used_twice_in_one_op():
    xe, xt, _, _ = _both()
    (xe * xe).sum().backward()
    (xt * xt).sum().backward()
    close(xe.grad, xt.grad)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_gradient_is_differentiable():
    xe, xt, _, _ = _both()
    (xe * xe * xe).sum().backward(create_graph=True)
    (xt * xt * xt).sum().backward(create_graph=True)
    assert xe.grad.requires_grad
    (ge,) = ember.autograd.grad(xe.grad.sum(), xe)
    (gt,) = torch.autograd.grad(xt.grad.sum(), xt)
    close(ge, gt)


def test_second_backward_without_retain_graph_names_the_node():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"SumBackward.*second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    xe, xt, we, wt = _both()
    ye, yt = _f(sin, exp, xe, we), _f(torch.sin, torch.exp, xt, wt)
    ye.backward(retain_graph=True)
    ye.backward()
    yt.backward(retain_graph=True)
    yt.backward()
    close(xe.grad, xt.grad)


def test_backward_on_non_scalar_without_gradient_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad_output has shape \(3,\).*shape \(2,\)"):
        (x * 2).backward(ember.ones(3))


def test_backward_of_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(2).sum().backward()


@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.bool])
def test_integer_tensors_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError, match=f"floating-point.*{dtype}"):
        ember.zeros(2, dtype=dtype, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        ember.zeros(2, dtype=dtype).requires_grad_()


def test_requires_grad_cannot_be_cleared_on_a_non_leaf():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


# ----------------------------------------------------------------------------- no aliasing
def test_leaf_grads_never_alias_each_other_or_the_user_gradient():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([3.0, 4.0], requires_grad=True)
    seed = ember.tensor([1.0, 1.0])
    (a + b).backward(seed)  # add's backward hands the same gradient to both inputs
    a.grad.add_(10.0)
    assert b.grad.tolist() == [1.0, 1.0]
    assert seed.tolist() == [1.0, 1.0]


def test_leaf_output_grad_does_not_alias_the_seed():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    seed = ember.tensor([5.0, 6.0])
    x.backward(seed)
    x.grad.mul_(0.0)
    assert seed.tolist() == [5.0, 6.0]


def test_retained_grad_does_not_alias_the_leaf_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    (h * 1.0).sum().backward()
    x.grad.add_(1.0)
    assert h.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def test_grad_accumulation_is_in_place_on_an_owned_buffer():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first and first.tolist() == [5.0, 5.0]


# ----------------------------------------------------------------------------- retain_grad
def test_retain_grad_on_non_leaves_matches_torch():
    xe, xt, we, wt = _both()
    he, ht = sin(xe * we), torch.sin(xt * wt)
    he.retain_grad()
    ht.retain_grad()
    assert he.retains_grad
    (tanh(he) * he).sum().backward()
    (torch.tanh(ht) * ht).sum().backward()
    close(he.grad, ht.grad)
    close(xe.grad, xt.grad)


def test_retain_grad_on_a_leaf_is_a_no_op_and_needs_requires_grad():
    x = ember.ones(2, requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        ember.ones(2).retain_grad()


# ----------------------------------------------------------------------------- autograd.grad
def test_grad_for_leaf_and_non_leaf_inputs_and_several_outputs():
    xe, xt, we, wt = _both()
    he, ht = sin(xe * we), torch.sin(xt * wt)
    oe = [(he * he).sum(), (exp(he) * xe).sum()]
    ot = [(ht * ht).sum(), (torch.exp(ht) * xt).sum()]
    ge = ember.autograd.grad(oe, [xe, he, we])
    gt = torch.autograd.grad(ot, [xt, ht, wt])
    for e, t in zip(ge, gt):
        close(e, t)
    assert xe.grad is None and we.grad is None  # grad() leaves .grad alone


def test_grad_and_backward_with_a_tensor_listed_twice_in_inputs_like_torch():
    xe, xt, we, wt = _both()
    he, ht = sin(xe * we), torch.sin(xt * wt)
    ge = ember.autograd.grad((he * he).sum() * we.sum(), [he, xe, he, xe, we])
    gt = torch.autograd.grad((ht * ht).sum() * wt.sum(), [ht, xt, ht, xt, wt])
    for e, t in zip(ge, gt):
        close(e, t)
    (sin(xe * we) * we).sum().backward(inputs=[xe, we, xe])
    (torch.sin(xt * wt) * wt).sum().backward(inputs=[xt, wt, xt])
    close(xe.grad, xt.grad)  # accumulated once
    close(we.grad, wt.grad)


def test_grad_with_grad_outputs_for_non_scalar_outputs():
    xe, xt, _, _ = _both()
    ve, vt = pair([1.0, 2.0, -1.0], requires_grad=False)
    (ge,) = ember.autograd.grad(sin(xe) * xe, xe, grad_outputs=ve)
    (gt,) = torch.autograd.grad(torch.sin(xt) * xt, xt, grad_outputs=vt)
    close(ge, gt)


def test_grad_of_a_non_leaf_alone():
    xe, xt, _, _ = _both()
    he, ht = xe * 2, xt * 2
    close(ember.autograd.grad((he * he).sum(), he)[0], torch.autograd.grad((ht * ht).sum(), ht)[0])


def test_grad_unused_inputs():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    z = ember.tensor([3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*allow_unused"):
        ember.autograd.grad((x * x).sum(), [x, z])
    gx, gz = ember.autograd.grad((x * x).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 4.0] and gz is None
    gx, gz = ember.autograd.grad((x * x).sum(), [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0]


def test_grad_input_that_does_not_require_grad_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 does not require grad"):
        ember.autograd.grad((x * x).sum(), [x, ember.ones(2)])


# ----------------------------------------------------------------------------- hooks
def test_hooks_on_leaves_and_non_leaves_replace_the_gradient_like_torch():
    xe, xt, _, _ = _both()
    he, ht = xe * 2, xt * 2
    seen = []
    he.register_hook(lambda g: seen.append(g.tolist()))  # returns None: gradient unchanged
    he.register_hook(lambda g: g * 10)
    ht.register_hook(lambda g: g * 10)
    xe.register_hook(lambda g: g + 1)
    xt.register_hook(lambda g: g + 1)
    sin(he).sum().backward()
    torch.sin(ht).sum().backward()
    close(xe.grad, xt.grad)
    np.testing.assert_allclose(seen[0], torch.cos(ht).tolist())


def _leaf_hook_cases(lib) -> dict:
    """Leaf hooks under autograd.grad, backward(inputs=) and a leaf that is also an output;
    retain_grad followed by an in-place write."""
    out = {}
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    z = lib.tensor([1.0, 1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append("x") or g * 10)
    z.register_hook(lambda g: calls.append("z"))
    out["grad"] = lib.autograd.grad((x * x * z).sum(), x)[0].tolist()
    out["grad_calls"] = list(calls)  # z is not an input: its hook does not run
    calls.clear()
    (x * z).sum().backward(inputs=[x])
    out["inputs"] = (x.grad.tolist(), z.grad, list(calls))
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(g.tolist()) or g * 5)
    w.register_post_accumulate_grad_hook(lambda t: seen.append(("post", t.grad.tolist())))
    lib.autograd.backward([w, w * 3], [lib.ones(2), lib.ones(2)])
    out["leaf_root"] = (seen, w.grad.tolist())
    out["leaf_root_grad"] = lib.autograd.grad([w, w * 2], [w], [lib.ones(2), lib.ones(2)])[0]
    c = lib.tensor([1.0, 2.0], requires_grad=True)
    d = c * 2
    d.retain_grad()
    d.mul_(3)
    (d * d).sum().backward()
    out["retain_inplace"] = (d.grad.tolist(), c.grad.tolist())
    return out


def test_leaf_hooks_run_once_on_the_summed_gradient_in_every_entry_point():
    ours, ref = _leaf_hook_cases(ember), _leaf_hook_cases(torch)
    ref["leaf_root_grad"] = ref["leaf_root_grad"].tolist()
    ours["leaf_root_grad"] = ours["leaf_root_grad"].tolist()
    assert ours == ref
    assert ours["grad"] == [20.0, 40.0] and ours["leaf_root_grad"] == [15.0, 15.0]


def test_hook_handle_remove():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    handle = h.register_hook(lambda g: g * 100)
    leaf_handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    leaf_handle.remove()
    (h * 1).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        ember.ones(2).register_hook(lambda g: g)


# ----------------------------------------------------------------------------- modes
def test_modes_as_context_managers_nest():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad and not ember.is_grad_enabled()
        with ember.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
        with ember.set_grad_enabled(True):
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with ember.inference_mode():
        assert ember.autograd.is_inference_mode_enabled() and not (x * 2).requires_grad
        with ember.inference_mode(False):
            assert not (x * 2).requires_grad  # inference_mode(False) changes nothing
    assert ember.is_grad_enabled() and not ember.autograd.is_inference_mode_enabled()


@pytest.mark.parametrize("make,records", [
    (lambda: ember.no_grad(), False), (lambda: ember.no_grad, False),
    (lambda: ember.enable_grad(), True), (lambda: ember.enable_grad, True),
    (lambda: ember.inference_mode(), False), (lambda: ember.inference_mode, False),
    (lambda: ember.set_grad_enabled(False), False),
], ids=["no_grad()", "no_grad", "enable_grad()", "enable_grad", "inference_mode()",
        "inference_mode", "set_grad_enabled(False)"])
def test_modes_as_decorators(make, records):
    x = ember.ones(2, requires_grad=True)

    @make()
    def f():
        return x * 2

    assert ember.is_grad_enabled()  # building set_grad_enabled's decorator left the mode alone
    with ember.no_grad():
        assert f().requires_grad is records
    assert f().requires_grad is records
    assert ember.is_grad_enabled()


def test_decorated_generator_keeps_the_mode_across_yields():
    x = ember.ones(2, requires_grad=True)

    @ember.no_grad()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad

    assert list(gen()) == [False, False]
    assert ember.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call():
    x = ember.ones(2, requires_grad=True)
    try:
        ember.set_grad_enabled(False)
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
        ember.set_grad_enabled(True)
        assert (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)


def test_detach_and_requires_grad_():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    d = h.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert not h.is_leaf and h.grad_fn.name().startswith("Mul") and x.is_leaf
    d.requires_grad_()
    (d * 3).sum().backward()
    assert d.grad.tolist() == [3.0, 3.0] and x.grad is None
    with ember.no_grad():
        d.mul_(0.0)  # shares memory with h
    assert h.tolist() == [0.0, 0.0]


def test_backward_inputs_with_a_retained_non_leaf_adds_its_gradient_once():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.retain_grad()
        (h * h).sum().backward(inputs=[h])
        return h.grad.tolist(), x.grad

    assert run(ember) == run(torch)
