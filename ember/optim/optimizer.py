"""``Optimizer``: parameter groups, per-parameter state, ``state_dict`` and the step loop.

A subclass implements only the per-parameter update, as in Keras: ``_init_state(p, group,
state)`` fills a fresh state dict, ``_update(p, grad, state, group)`` changes ``p`` in place
(on backend arrays, see ``_update.py``). The base walks the groups, skips parameters without
a gradient, runs under ``no_grad`` and bumps each updated parameter's version counter.

>>> import ember
>>> w = ember.tensor([1.0, 2.0], requires_grad=True)
>>> opt = ember.optim.SGD([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step(); opt.zero_grad()
>>> w.tolist(), w.grad
([0.0, 0.0], None)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import zero_grads
from ..backends import backend_of
from ..tensor import Tensor, _make
from ._update import LIGHT_UPDATE_MIN, Workspace

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with ``'params'`` and options), ``defaults``
    and ``state`` (a dict per parameter, keyed by the parameter tensor)."""

    # parameters smaller than this update on the caller's thread alone (see _update.py)
    _thread_min_blocks = LIGHT_UPDATE_MIN

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._work = Workspace()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        if isinstance(params, set):  # PyTorch checks this only per group; a set never works
            self.add_param_group({"params": params})
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params, names = _split_names(list(params))
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        if names is not None:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        check_implementation(type(self).__name__, group)
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                kind = "with names" if "param_names" in group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):
            # PyTorch only warns here; a parameter stepped twice per step is always a bug.
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        for p in params:
            self._eager_state(p, group)

    def _eager_state(self, p: Tensor, group: dict[str, Any]) -> None:
        """Hook for optimizers that create state at construction (Adagrad, as in PyTorch)."""

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop the gradients (``set_to_none=True``) or fill them with zeros in place."""
        for group in self.param_groups:
            zero_grads(group["params"], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._group_step(group)
        return loss

    def _group_step(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                self._init_state(p, group, state)
            self._update(p, p.grad, state, group)
            p._version[0] += 1
            if not state:  # stateless (SGD without momentum): no entry, as in PyTorch
                del self.state[p]

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        """Fill a fresh parameter's ``state`` (e.g. ``step`` and moment buffers)."""

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers for subclasses
    def _map_blocks(self, p: Tensor, arrays: tuple, nscratch: int,
                    fn: Callable[..., None]) -> None:
        """Call ``fn(xp, p_block, *array_blocks, *scratch)`` on every cache-sized block of
        ``(p, *arrays)`` with ``nscratch`` scratch blocks, spread over the optimizer threads
        (see ``_update.Workspace.map``). ``fn`` is the update's math for one block: it must
        change only its own blocks, in place."""
        xp = backend_of(p._data).xp
        self._work.map(xp, (p._data, *arrays), nscratch, partial(fn, xp),
                       self._thread_min_blocks)

    @staticmethod
    def _bump_step(state: dict[str, Any]) -> float:
        """``state['step'] += 1`` (a float32 0-d tensor, as PyTorch keeps it); the new count."""
        step = state["step"]._data
        step += 1
        return float(step)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's format: ``{'state': {index: {...}}, 'param_groups': [{..., 'params':
        [indices]}]}``; the state's tensors are the live buffers (not copies), as in PyTorch."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()``: group options are replaced and state tensors are copied,
        cast to their parameter's dtype and device (``step`` keeps its dtype)."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {i: p for g, s in zip(self.param_groups, saved)
                  for i, p in zip(s["params"], g["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                p = id_map[key]
                state[p] = {k: _cast(p, v, k) for k, v in value.items()}
            else:
                state[key] = value
        self.state = state
        self.param_groups = [_loaded_group(g, s, self.defaults)
                             for g, s in zip(self.param_groups, saved)]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _split_names(params: list) -> tuple[list, list[str] | None]:
    """Split ``named_parameters()``-style ``(name, tensor)`` pairs into tensors and names;
    names are ``None`` when no entry is a pair (all or none must be, as in PyTorch)."""
    pairs = [isinstance(p, tuple) for p in params]
    if not any(pairs):
        return params, None
    if not all(pairs):
        raise ValueError("all optimizer params should be with/without names. Some param names "
                         "are missing")
    for p in params:
        if len(p) != 2 or not isinstance(p[0], str):
            raise TypeError("optimizer params given as tuples must be (name: str, tensor) "
                            f"pairs, as named_parameters() yields, but got {p!r}")
    return [p[1] for p in params], [p[0] for p in params]


def _loaded_group(group: dict[str, Any], saved: dict[str, Any],
                  defaults: dict[str, Any]) -> dict[str, Any]:
    """A loaded group: the saved options on the live parameters. Like PyTorch, the live
    ``param_names`` are kept when the saved group has none, and options missing from an
    older state dict (e.g. ``foreach``) take the optimizer's defaults."""
    out = {k: v for k, v in saved.items() if k != "params"}
    out["params"] = group["params"]
    if "param_names" in group and "param_names" not in out:
        out["param_names"] = group["param_names"]
    for k, v in defaults.items():
        if v is not required:
            out.setdefault(k, v)
    return out


def _cast(p: Tensor, value: Any, key: str | None = None) -> Any:
    if isinstance(value, Tensor):
        if key == "step":
            return _make(value._data.copy())
        # A copy even when nothing changes: the loaded optimizer must not share buffers with
        # the source (PyTorch shares them when no cast is needed).
        dtype = p.dtype if p.is_floating_point() and value.is_floating_point() else None
        out = value.detach().to(device=p.device, dtype=dtype)
        return _make(out._data.copy() if out._data is value._data else out._data)
    if isinstance(value, dict):
        return {k: _cast(p, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(p, v) for v in value)
    return value


# ---------------------------------------------------------------------- validation
def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok`` (PyTorch's constructor checks)."""
    if not ok:
        raise ValueError(message)


def check_implementation(name: str, group: dict[str, Any]) -> None:
    """Check PyTorch's implementation switches in a group.

    ``foreach`` and ``fused`` pick among PyTorch's three copies of each update; ember has
    one implementation (blocked, multi-threaded, see ``_update.py``), so both are accepted
    and recorded but change nothing. ``differentiable`` (a step that autograd can see) and
    ``capturable`` (CUDA graph capture) cannot be honoured: ember updates raw arrays outside
    the graph, so they raise ``NotImplementedError`` instead of being silently ignored."""
    fused, foreach = group.get("fused"), group.get("foreach")
    if fused and group.get("differentiable"):
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if group.get("differentiable"):
        raise NotImplementedError(
            f"{name}(differentiable=True) is not supported: ember's optimizers update the "
            "parameters in place outside autograd, so a step cannot be differentiated")
    if group.get("capturable"):
        raise NotImplementedError(
            f"{name}(capturable=True) is not supported: ember has no CUDA graph capture, so "
            "the step counters stay host-side floats (the default capturable=False)")


def check_common(lr: float, eps: float | None = None, betas: tuple | None = None,
                 weight_decay: float = 0.0) -> None:
    """The checks most optimizers share, with PyTorch's messages."""
    check(0.0 <= lr, f"Invalid learning rate: {lr}")
    if eps is not None:
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    if betas is not None:
        check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def new_step() -> Tensor:
    """A fresh ``step`` counter: a float32 0-d tensor, PyTorch's representation."""
    from ..ops.creation import tensor

    return tensor(0.0)


def zeros_like(p: Tensor) -> Tensor:
    """A zero state buffer shaped like ``p`` (contiguous, same dtype and device)."""
    xp = backend_of(p._data).xp
    return _make(xp.zeros(p._data.shape, dtype=p._data.dtype))
