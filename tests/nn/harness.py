"""The layer harness: every layer is checked the same way against its PyTorch twin.

``check_layer(make_ember, make_torch, inputs)``:

1. parameter and buffer names, shapes and counts match PyTorch's;
2. PyTorch's weights are loaded into the ember layer (through ``load_state_dict``);
3. in train and eval mode: the outputs, the gradients of the inputs and of every parameter
   match PyTorch's for the same random cotangent;
4. the state dict round-trips into a freshly built ember layer (same outputs);
5. one SGD step (lr 0.1) on both sides gives the same parameters and the same next output.

``check_default_init(make_ember, make_torch)`` compares the distribution of each parameter's
default initialisation with PyTorch's (a two-sample Kolmogorov-Smirnov test).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import ember

torch = __import__("pytest").importorskip("torch")


def _to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, ember.Tensor):
        return np.asarray(t.detach().numpy(), dtype=np.float64)
    return t.detach().double().numpy()


def _flat_outputs(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat_outputs(x)]
    if out is None:
        return []
    return [out]


def _close(what: str, got: Any, want: Any, atol: float, rtol: float) -> None:
    g, w = _to_numpy(got), _to_numpy(want)
    assert g.shape == w.shape, f"{what}: shape {g.shape} != torch {w.shape}"
    np.testing.assert_allclose(g, w, atol=atol, rtol=rtol, err_msg=what)


def load_torch_weights(em: Any, tm: Any) -> None:
    """Copy a torch module's state dict into the ember twin."""
    state = {k: ember.tensor(v.detach().cpu().numpy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(state)


def _inputs(specs: Sequence[Any], dtype: str, seed: int) -> tuple[list, list]:
    """Inputs from specs: a shape (random floats requiring grad), or an array used as is."""
    rng = np.random.default_rng(seed)
    e_in, t_in = [], []
    for spec in specs:
        if isinstance(spec, tuple):
            arr = rng.standard_normal(spec).astype(dtype)
            e_in.append(ember.tensor(arr, requires_grad=True))
            t_in.append(torch.tensor(arr, requires_grad=True))
        else:
            arr = np.asarray(spec)
            e_in.append(ember.tensor(arr))
            t_in.append(torch.from_numpy(arr.copy()))
    return e_in, t_in


def check_layer(make_ember: Callable[[], Any], make_torch: Callable[[], Any],
                inputs: Sequence[Any], *, dtype: str = "float64", atol: float = 1e-8,
                rtol: float = 1e-7, modes: Sequence[str] = ("train", "eval"),
                train_step: bool = True, seed: int = 0) -> None:
    """Run the checks in the module docstring; raise AssertionError naming what differs."""
    torch.manual_seed(seed)
    tm, em = make_torch(), make_ember()
    if dtype == "float64":
        tm = tm.double()
        em = em.to(ember.float64)
    t_state, e_state = tm.state_dict(), em.state_dict()
    assert list(e_state) == list(t_state), f"state dict keys {list(e_state)} != {list(t_state)}"
    for k in t_state:
        assert tuple(e_state[k].shape) == tuple(t_state[k].shape), f"{k}: shape differs"
    e_count = sum(p.numel() for p in em.parameters())
    assert e_count == sum(p.numel() for p in tm.parameters()), "parameter count differs"
    load_torch_weights(em, tm)

    for mode in modes:
        getattr(tm, mode)()
        getattr(em, mode)()
        e_in, t_in = _inputs(inputs, dtype, seed + 1)
        # One forward per side, so layers that update buffers (BatchNorm) stay in step.
        t_out = tm(*t_in)
        e_out = em(*e_in)
        t_outs = [o for o in _flat_outputs(t_out) if o.requires_grad]
        e_outs = [o for o in _flat_outputs(e_out) if o.requires_grad]
        for i, (e, t) in enumerate(zip(_flat_outputs(e_out), _flat_outputs(t_out))):
            _close(f"{mode}: output {i}", e, t, atol, rtol)
        assert len(e_outs) == len(t_outs), f"{mode}: differentiable outputs differ"
        rng = np.random.default_rng(seed + 2)
        cots = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in t_outs]
        t_targets = [x for x in t_in if x.requires_grad] + [p for _, p in tm.named_parameters()]
        e_targets = [x for x in e_in if x.requires_grad] + [p for _, p in em.named_parameters()]
        names = [f"input {i}" for i, x in enumerate(t_in) if x.requires_grad] + \
            [n for n, _ in tm.named_parameters()]
        if t_outs:
            t_grads = torch.autograd.grad(t_outs, t_targets, [torch.tensor(c) for c in cots],
                                          allow_unused=True)
            e_grads = ember.autograd.grad(e_outs, e_targets, [ember.tensor(c) for c in cots],
                                          allow_unused=True)
            for name, eg, tg in zip(names, e_grads, t_grads):
                if tg is None and eg is None:
                    continue
                eg = np.zeros(1) if eg is None else eg
                tg = torch.zeros(1) if tg is None else tg
                _close(f"{mode}: gradient of {name}", eg, tg, atol, rtol)
        for (en, eb), (tn, tb) in zip(em.named_buffers(), tm.named_buffers()):
            assert en == tn
            if eb is not None and tb is not None:
                _close(f"{mode}: buffer {en} after forward", eb, tb, atol, rtol)

    _check_round_trip(make_ember, em, inputs, dtype, atol, rtol, seed)
    if train_step:
        _check_sgd_step(em, tm, inputs, dtype, atol, rtol, seed)


def _check_round_trip(make_ember, em, inputs, dtype, atol, rtol, seed) -> None:
    fresh = make_ember()
    if dtype == "float64":
        fresh = fresh.to(ember.float64)
    fresh.load_state_dict(em.state_dict())
    em.eval()
    fresh.eval()
    e_in, _ = _inputs(inputs, dtype, seed + 3)
    with ember.no_grad():
        a, b = em(*e_in), fresh(*e_in)
    for x, y in zip(_flat_outputs(a), _flat_outputs(b)):
        _close("state-dict round trip", x, y, 0, 0)


def _check_sgd_step(em, tm, inputs, dtype, atol, rtol, seed) -> None:
    if not list(tm.parameters()):
        return
    em.train()
    tm.train()
    e_in, t_in = _inputs(inputs, dtype, seed + 4)
    for module, xs in ((em, e_in), (tm, t_in)):
        loss = sum(o.pow(2).sum() for o in _flat_outputs(module(*xs)) if o.requires_grad)
        loss.backward()
    with ember.no_grad():
        for p in em.parameters():
            if p.grad is not None:
                p.sub_(p.grad * 0.1)
    with torch.no_grad():
        for p in tm.parameters():
            if p.grad is not None:
                p.sub_(p.grad * 0.1)
    for (name, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        _close(f"after one SGD step: {name}", ep, tp, atol * 10, rtol * 10)


def check_default_init(make_ember: Callable[[], Any], make_torch: Callable[[], Any],
                       samples: int = 3) -> None:
    """Each parameter's default initialisation has PyTorch's distribution: values pooled
    over ``samples`` fresh layers on each side pass a two-sample KS test (alpha 1e-3)."""
    e_vals: dict[str, list] = {}
    t_vals: dict[str, list] = {}
    for i in range(samples):
        ember.manual_seed(i)
        torch.manual_seed(i)
        for name, p in make_ember().named_parameters():
            e_vals.setdefault(name, []).append(_to_numpy(p).ravel())
        for name, p in make_torch().named_parameters():
            t_vals.setdefault(name, []).append(_to_numpy(p).ravel())
    assert list(e_vals) == list(t_vals)
    for name in t_vals:
        e, t = np.concatenate(e_vals[name]), np.concatenate(t_vals[name])
        if t.std() == 0:  # constant init (ones, zeros)
            np.testing.assert_array_equal(e, t, err_msg=f"{name}: constant init differs")
            continue
        # Two-sample Kolmogorov-Smirnov test at alpha = 1e-3: the largest gap between the
        # two empirical CDFs must stay under the critical value.
        grid = np.sort(np.concatenate([e, t]))
        gap = np.abs(np.searchsorted(np.sort(e), grid, side="right") / len(e)
                     - np.searchsorted(np.sort(t), grid, side="right") / len(t)).max()
        critical = 1.95 * np.sqrt((len(e) + len(t)) / (len(e) * len(t)))
        assert gap <= critical, (
            f"{name}: default init differs from PyTorch's (KS distance {gap:.3f} > "
            f"{critical:.3f}; ember mean/std {e.mean():.4g}/{e.std():.4g}, torch "
            f"{t.mean():.4g}/{t.std():.4g})"
        )
