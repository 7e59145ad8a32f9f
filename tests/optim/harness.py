"""A tiny float32 MLP in ember whose gradients drive an ember optimizer and a PyTorch
optimizer side by side: both get ember's gradients, so any difference is the optimizer's."""

from __future__ import annotations

import numpy as np
import torch

import ember

SHAPES = {"w1": (4, 8), "b1": (8,), "w2": (8, 3), "b2": (3,)}


def make_params(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: (rng.standard_normal(s) * 0.5).astype(np.float32) for k, s in SHAPES.items()}


def data(seed: int = 1) -> tuple[ember.Tensor, ember.Tensor]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 3)).astype(np.float32)
    return ember.tensor(x), ember.tensor(y)


def loss_fn(p: dict[str, ember.Tensor], x: ember.Tensor, y: ember.Tensor) -> ember.Tensor:
    h = (x @ p["w1"] + p["b1"]).tanh()
    return ((h @ p["w2"] + p["b2"] - y) ** 2).mean()


def groups(params: dict, options: list[dict] | None) -> list:
    """Weights in group 0, biases in group 1 with ``options[1]``; or one flat list."""
    if options is None:
        return list(params.values())
    return [dict(options[0], params=[params["w1"], params["w2"]]),
            dict(options[1], params=[params["b1"], params["b2"]])]


class Pair:
    """One ember and one PyTorch optimizer over twin copies of the MLP's parameters."""

    def __init__(self, name: str, kwargs: dict, options: list[dict] | None = None,
                 seed: int = 0) -> None:
        init = make_params(seed)
        self.ep = {k: ember.tensor(v, requires_grad=True) for k, v in init.items()}
        self.tp = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
        self.name, self.kwargs, self.options = name, kwargs, options
        self.eopt = getattr(ember.optim, name)(groups(self.ep, options), **kwargs)
        self.topt = getattr(torch.optim, name)(groups(self.tp, options), **kwargs)
        self.x, self.y = data()

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.eopt.zero_grad()
            loss_fn(self.ep, self.x, self.y).backward()
            for k, p in self.ep.items():
                self.tp[k].grad = torch.tensor(p.grad.numpy().copy())
            self.eopt.step()
            self.topt.step()

    def assert_close(self, rtol: float = 1e-5, atol: float = 1e-6) -> None:
        for k in SHAPES:
            np.testing.assert_allclose(self.ep[k].detach().numpy(), self.tp[k].detach().numpy(),
                                       rtol=rtol, atol=atol, err_msg=k)
