"""PyTorch's implementation switches (foreach, fused, capturable, differentiable) and
``named_parameters()`` as optimizer input, each against torch.optim."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import ember
from ember import optim

from .harness import Pair

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
         "LBFGS"]
FUSED = ["SGD", "Adam", "AdamW", "Adagrad"]  # the optimizers whose PyTorch signature has fused


def _params(sig: inspect.Signature) -> list:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    ours = inspect.signature(getattr(optim, name).__init__)
    theirs = inspect.signature(getattr(torch.optim, name).__init__)
    assert _params(ours) == _params(theirs)


@pytest.mark.parametrize("name", NAMES[:-1])
def test_group_options_match_torch(name):
    e = getattr(optim, name)([ember.zeros(2, requires_grad=True)])
    t = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert e.state_dict()["param_groups"] == t.state_dict()["param_groups"]


@pytest.mark.parametrize("name", NAMES[:-1])
@pytest.mark.parametrize("switch", ["foreach", "fused"])
def test_switches_keep_the_trajectory(name, switch):
    if switch == "fused" and name not in FUSED:
        pytest.skip("PyTorch has no fused variant of this optimizer")
    pair = Pair(name, {switch: True})
    pair.step(5)
    pair.assert_close()
    assert pair.eopt.param_groups[0][switch] is True


@pytest.mark.parametrize("name", FUSED)
def test_fused_conflicts_raise_like_torch(name):
    for kwargs, match in [(dict(fused=True, foreach=True), "cannot be `True` together"),
                          (dict(fused=True, differentiable=True), "does not support")]:
        with pytest.raises(RuntimeError, match=match):
            getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)
        with pytest.raises(RuntimeError, match=match):
            getattr(optim, name)([ember.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name", NAMES[:-1])
def test_differentiable_and_capturable_are_refused(name):
    w = ember.zeros(1, requires_grad=True)
    with pytest.raises(NotImplementedError, match=rf"{name}\(differentiable=True\)"):
        getattr(optim, name)([w], differentiable=True)
    if "capturable" in inspect.signature(getattr(optim, name).__init__).parameters:
        with pytest.raises(NotImplementedError, match=rf"{name}\(capturable=True\)"):
            getattr(optim, name)([w], capturable=True)
    # a group may switch them on too; it is refused the same way
    opt = getattr(optim, name)([w])
    with pytest.raises(NotImplementedError, match="differentiable"):
        opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)],
                             "differentiable": True})


# ---------------------------------------------------------------------- named parameters
def _named(params: dict, split: bool) -> list:
    if not split:
        return list(params.items())
    return [{"params": [(k, params[k]) for k in ("w1", "w2")]},
            {"params": [(k, params[k]) for k in ("b1", "b2")], "lr": 0.02}]


@pytest.mark.parametrize("name", NAMES[:-1])
@pytest.mark.parametrize("split", [False, True])
def test_named_parameters_trajectory_and_state_dict(name, split):
    pair = Pair(name, {"lr": 0.01})
    pair.eopt = getattr(optim, name)(_named(pair.ep, split), lr=0.01)
    pair.topt = getattr(torch.optim, name)(_named(pair.tp, split), lr=0.01)
    pair.step(5)
    pair.assert_close()
    e, t = pair.eopt.state_dict(), pair.topt.state_dict()
    assert e["param_groups"] == t["param_groups"]
    assert [g["param_names"] for g in e["param_groups"]] == (
        [["w1", "w2"], ["b1", "b2"]] if split else [["w1", "b1", "w2", "b2"]])
    assert set(e["state"]) == set(t["state"])


def test_module_named_parameters():
    model = ember.nn.Linear(3, 2)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"][0] is model.weight
    model(ember.ones(1, 3)).sum().backward()
    before = model.bias.detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(model.bias.detach().numpy(), before - 0.1, rtol=1e-6)


def test_lbfgs_accepts_named_parameters():
    w = ember.tensor([3.0, -2.0], requires_grad=True)
    opt = optim.LBFGS([("w", w)], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 1.0], rtol=1e-5)


def test_named_and_unnamed_cannot_mix():
    def both(lib, make):
        a, b = (lib.zeros(1, requires_grad=True) for _ in range(2))
        with pytest.raises(ValueError) as info:
            make(lib, a, b)
        return str(info.value)

    cases = [
        lambda lib, a, b: lib.optim.SGD([("a", a), b], lr=0.1),
        lambda lib, a, b: lib.optim.SGD([{"params": [("a", a)]}, {"params": [b]}], lr=0.1),
        lambda lib, a, b: lib.optim.SGD([{"params": [a]}, {"params": [("b", b)]}], lr=0.1),
    ]
    for make in cases:
        assert both(ember, make) == both(torch, make)


def test_bad_named_entry_is_a_clear_type_error():
    w = ember.zeros(1, requires_grad=True)
    with pytest.raises(TypeError, match=r"\(name: str, tensor\) pairs"):
        optim.SGD([("w", w, 1)], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([("w", 3.0)], lr=0.1)


@pytest.mark.parametrize("saved_named,live_named", [(False, True), (True, False), (True, True)])
def test_load_state_dict_param_names_like_torch(saved_named, live_named):
    def run(lib):
        a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        src = [("x", a), ("y", b)] if saved_named else [a, b]
        dst = [("a", a), ("b", b)] if live_named else [a, b]
        opt = lib.optim.Adam(dst, lr=0.5)
        opt.load_state_dict(lib.optim.Adam(src, lr=0.1).state_dict())
        return opt.param_groups[0].get("param_names"), opt.param_groups[0]["lr"]

    assert run(ember) == run(torch)


def test_load_state_dict_fills_missing_switches():
    w = ember.zeros(1, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    old = opt.state_dict()
    for key in ("foreach", "fused", "capturable", "differentiable"):
        del old["param_groups"][0][key]  # a state dict saved before these options existed
    fresh = optim.Adam([w], lr=0.5)
    fresh.load_state_dict(old)
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["foreach"] is None
