"""Every optimizer against PyTorch: 20 steps on a tiny MLP, same gradients on both sides."""

from __future__ import annotations

import numpy as np
import pytest

import ember

from .harness import Pair

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1, betas=(0.8, 0.99))),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.001, momentum=0.5, alpha=0.9, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
]

# Group 1 (the biases) overrides some options; group 0 keeps the constructor's.
GROUP_OPTIONS = {
    "SGD": dict(lr=0.02, momentum=0.5, weight_decay=0.1),
    "Adam": dict(lr=0.02, weight_decay=0.1, amsgrad=True),
    "AdamW": dict(lr=0.02, weight_decay=0.5),
    "Adamax": dict(lr=0.005, weight_decay=0.1),
    "NAdam": dict(lr=0.005, weight_decay=0.1),
    "RAdam": dict(lr=0.005, weight_decay=0.1),
    "RMSprop": dict(lr=0.005, centered=True, momentum=0.3),
    "Adagrad": dict(lr=0.05, weight_decay=0.1),
    "Adadelta": dict(lr=0.5, rho=0.8),
}
BASE = {"SGD": dict(lr=0.05, momentum=0.9), "Adam": dict(lr=0.01), "AdamW": dict(lr=0.01),
        "Adamax": dict(), "NAdam": dict(), "RAdam": dict(), "RMSprop": dict(lr=0.01),
        "Adagrad": dict(), "Adadelta": dict()}


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch(name, kwargs):
    pair = Pair(name, kwargs)
    pair.step(20)
    pair.assert_close()


@pytest.mark.parametrize("name", sorted(GROUP_OPTIONS))
def test_param_groups_match_torch(name):
    pair = Pair(name, BASE[name], options=[{}, GROUP_OPTIONS[name]])
    pair.step(20)
    pair.assert_close()
    assert pair.eopt.param_groups[1]["lr"] == GROUP_OPTIONS[name]["lr"]


@pytest.mark.parametrize("name", sorted(GROUP_OPTIONS))
def test_state_dict_midway_continues_identically(name):
    pair = Pair(name, BASE[name], options=[{}, GROUP_OPTIONS[name]])
    pair.step(10)
    saved = pair.eopt.state_dict()
    fresh = getattr(ember.optim, name)(
        [{"params": [pair.ep["w1"], pair.ep["w2"]]},
         {"params": [pair.ep["b1"], pair.ep["b2"]]}], **BASE[name])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == GROUP_OPTIONS[name]["lr"]
    # the loaded state is a copy: stepping the fresh optimizer leaves the saved dict alone
    before = {i: {k: v.numpy().copy() for k, v in s.items() if isinstance(v, ember.Tensor)}
              for i, s in saved["state"].items()}
    pair.eopt = fresh
    pair.step(10)
    pair.assert_close()
    for i, s in before.items():
        for k, v in s.items():
            np.testing.assert_array_equal(saved["state"][i][k].numpy(), v)


def test_state_dict_format_matches_torch():
    pair = Pair("Adam", dict(lr=0.01, amsgrad=True), options=[{}, dict(lr=0.02)])
    pair.step(2)
    e, t = pair.eopt.state_dict(), pair.topt.state_dict()
    assert [g["params"] for g in e["param_groups"]] == [g["params"] for g in t["param_groups"]]
    assert set(e["state"]) == set(t["state"])
    for i in t["state"]:
        assert set(e["state"][i]) == set(t["state"][i])
        for k, v in t["state"][i].items():
            np.testing.assert_allclose(e["state"][i][k].numpy(), v.numpy(), rtol=1e-5)
            assert e["state"][i][k].dtype.name == str(v.dtype).split(".")[1]
    for eg, tg in zip(e["param_groups"], t["param_groups"]):
        assert all(eg[k] == tg[k] for k in eg)


def test_lion_matches_numpy_reference():
    pair = Pair("Adam", {})  # only for its parameters and data
    params = list(pair.ep.values())
    opt = ember.optim.Lion(params, lr=0.01, betas=(0.9, 0.99), weight_decay=0.1)
    ref = [p.detach().numpy().copy() for p in params]
    m = [np.zeros_like(r) for r in ref]
    from .harness import loss_fn

    for _ in range(20):
        opt.zero_grad()
        loss_fn(pair.ep, pair.x, pair.y).backward()
        grads = [p.grad.numpy().copy() for p in params]
        opt.step()
        for r, mi, g in zip(ref, m, grads):
            r *= np.float32(1 - 0.01 * 0.1)
            r -= np.float32(0.01) * np.sign(np.float32(0.9) * mi + np.float32(0.1) * g)
            mi[...] = np.float32(0.99) * mi + np.float32(0.01) * g
        # Lion's update is ±lr: compare each step, so a sign flip near zero can't hide
        for p, r in zip(params, ref):
            np.testing.assert_allclose(p.detach().numpy(), r, rtol=1e-5, atol=1e-6)
            r[...] = p.detach().numpy()  # resync rounding drift (the update is a sign)


def test_lion_maximize_moves_uphill():
    w = ember.tensor([1.0, -1.0], requires_grad=True)
    opt = ember.optim.Lion([w], lr=0.1, maximize=True)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.1, -1.1], rtol=1e-6)


def test_step_skips_params_without_grad_and_bumps_version():
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    va, vb = a._version[0], b._version[0]
    opt.step()
    assert a._version[0] == va + 1 and b._version[0] == vb
    assert b.tolist() == [1.0] and b not in opt.state
    assert not a.requires_grad or a.grad_fn is None


def test_closure_loss_returned_and_grad_enabled():
    w = ember.tensor([2.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and abs(w.item() - 1.6) < 1e-6


def test_non_contiguous_param():
    base = ember.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    p = base.t().detach().requires_grad_()  # a transposed view: not C-contiguous
    assert not p.is_contiguous()
    tp = __import__("torch").tensor(p.detach().numpy(), requires_grad=True)
    eopt, topt = ember.optim.Adam([p], lr=0.1), __import__("torch").optim.Adam([tp], lr=0.1)
    for _ in range(3):
        p.grad = ember.tensor(np.ones((4, 3), np.float32))
        tp.grad = __import__("torch").ones(4, 3)
        eopt.step()
        topt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6)
