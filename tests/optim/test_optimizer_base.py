"""The Optimizer base: construction errors, groups, zero_grad, state_dict validation, and a
step that allocates nothing parameter-sized."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import ember
from ember import optim


def _p(*values):
    return ember.tensor(list(values) or [1.0], requires_grad=True)


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.AdamW(p, eps=-1e-8), "Invalid epsilon value"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value"),
    (lambda p: optim.RAdam(p, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda p: optim.Adamax(p, lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value"),
    (lambda p: optim.RMSprop(p, momentum=-0.1), "Invalid momentum value"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Lion(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    (lambda p: optim.LBFGS(p, lr=-1), "Invalid learning rate"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make([_p()])


def test_bad_params():
    w = _p()
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([w, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)


def test_duplicate_params_raise():
    a, b = _p(), _p()
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a]}, {"params": [a, b]}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([a, b, a], lr=0.1)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": a})


def test_add_param_group_fills_defaults():
    a, b = _p(), _p()
    opt = optim.Adam([a], lr=0.1, betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "lr": 0.01})
    g = opt.param_groups[1]
    assert g["params"] == [b] and g["lr"] == 0.01 and g["betas"] == (0.8, 0.9)
    assert opt.defaults["lr"] == 0.1


def test_zero_grad():
    w = _p(1.0, 2.0)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()  # no gradient: nothing to do
    w.grad = (w * 3).detach()
    opt.step()  # a manually set gradient is used
    np.testing.assert_allclose(w.detach().numpy(), [0.7, 1.4], rtol=1e-6)


def test_zero_grad_detaches_graph_grads():
    w = _p(1.0)
    opt = optim.SGD([w], lr=0.1)
    (w ** 3).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and w.grad.tolist() == [0.0]


def test_load_state_dict_validates():
    a, b = _p(), _p()
    opt = optim.Adam([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([a, b]).load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([{"params": [a, b]}, {"params": [_p()]}]).load_state_dict(opt.state_dict())


def test_load_state_dict_casts_to_param_dtype():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    a64 = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    opt64 = optim.Adam([a64], lr=0.1)
    opt64.load_state_dict(opt.state_dict())
    s = opt64.state[a64]
    assert s["exp_avg"].dtype == ember.float64 and s["step"].dtype == ember.float32
    assert s["exp_avg"]._data is not opt.state[a]["exp_avg"]._data


def test_repr_lists_groups():
    text = repr(optim.SGD([_p()], lr=0.5))
    assert text.startswith("SGD (") and "lr: 0.5" in text


# ---------------------------------------------------------------------- memory
N = 1 << 20  # 1M float32 = 4 MiB


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda p: optim.Adam(p, lr=0.1, weight_decay=0.01),
    lambda p: optim.AdamW(p, lr=0.1, amsgrad=True),
], ids=["SGD-nesterov", "Adam", "AdamW-amsgrad"])
def test_step_allocates_no_parameter_sized_temporaries(make):
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal(N).astype(np.float32), requires_grad=True)
    w.grad = ember.tensor(rng.standard_normal(N).astype(np.float32))
    opt = make([w])
    opt.step()  # the first step creates the state buffers
    opt.step()  # and the second compiles (or loads) a fused kernel where one is installed
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < N * 4 // 8, f"peak {peak} bytes during a step on a {N * 4}-byte parameter"
