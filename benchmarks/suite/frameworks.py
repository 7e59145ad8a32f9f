"""Per-framework step functions: ember and PyTorch (eager, one class since their APIs match)
and JAX (jit; see ``jax_models``). Each ``Steps`` object owns its model, optimizer and data
and exposes ``train()`` (zero_grad, forward, loss, backward, optimizer step) and ``infer()``
(forward under no_grad, model in eval mode)."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from .workloads import Workload, loss_fn

FRAMEWORKS = ("ember", "torch", "jax")
TORCH_THREADS = 2


def available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def configure_torch() -> None:
    import torch

    torch.set_num_threads(TORCH_THREADS)


class EagerSteps:
    """ember or PyTorch: the same code for both, on the given top-level module."""

    def __init__(self, lib: Any, workload: Workload, state: dict[str, np.ndarray],
                 data: tuple[np.ndarray, np.ndarray], smoke: bool = False) -> None:
        self.lib, self.F = lib, lib.nn.functional
        self.model = workload.build(lib.nn, workload.size_set(smoke))
        self.model.load_state_dict({k: lib.from_numpy(np.array(v, copy=True))
                                    for k, v in state.items()})
        self.x, self.y = (lib.from_numpy(np.array(a, copy=True)) for a in data)
        params = list(self.model.parameters())
        if workload.optimizer == "adam":
            self.opt = lib.optim.Adam(params, lr=workload.lr)
        else:
            self.opt = lib.optim.SGD(params, lr=workload.lr, momentum=0.9)
        self.mode = ""

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.model.train(mode == "train")
            self.mode = mode

    def train(self) -> Any:
        self.opt.zero_grad()
        loss = loss_fn(self.F, self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def infer(self) -> Any:
        with self.lib.no_grad():
            return self.model(self.x)

    @staticmethod
    def value(t: Any) -> np.ndarray:
        return np.asarray(t.detach().numpy())


def make_steps(name: str, workload: Workload, state: dict[str, np.ndarray],
               params: set[str], data: tuple[np.ndarray, np.ndarray],
               smoke: bool = False) -> Any:
    """The ``Steps`` object of framework ``name`` (``ember``, ``torch`` or ``jax``)."""
    if name == "ember":
        import ember

        return EagerSteps(ember, workload, state, data, smoke)
    if name == "torch":
        import torch

        configure_torch()
        return EagerSteps(torch, workload, state, data, smoke)
    if name == "jax":
        from .jax_models import JaxSteps

        return JaxSteps(workload, state, params, data, smoke)
    raise ValueError(f"unknown framework {name!r}; choose from {', '.join(FRAMEWORKS)}")
