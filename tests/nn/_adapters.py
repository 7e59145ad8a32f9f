"""Adapters that call a layer with a fixed calling convention, for the layer harness
(which calls ``module(*inputs)``). Both libraries' wrappers keep the layer as ``m``, so
state-dict keys stay the same on both sides."""

from __future__ import annotations

import pytest

import ember

torch = pytest.importorskip("torch")


class EmberCall(ember.nn.Module):
    def __init__(self, inner, fn):
        super().__init__()
        self.m, self._fn = inner, fn

    def forward(self, *xs):
        return self._fn(self.m, *xs)


class TorchCall(torch.nn.Module):
    def __init__(self, inner, fn):
        super().__init__()
        self.m, self._fn = inner, fn

    def forward(self, *xs):
        return self._fn(self.m, *xs)
