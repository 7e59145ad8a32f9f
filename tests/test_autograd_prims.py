"""Smooth primitives private to the autograd tests, and checks of them against PyTorch.

The engine tests need smooth ops (sin, exp, tanh, sqrt, ...) with backward rules written in
ember ops (so ``create_graph`` records them) and jvp rules. They are defined here, under
names no op family uses, so the engine is tested on its own while the op families grow.
Other test modules import them: ``from tests.test_autograd_prims import sin, exp, ...``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.ops.registry import REGISTRY, defop


def _op(name: str):
    """Register once, even if this module is imported twice (as a test and as a helper)."""

    def register(fn):
        key = "autograd_test_" + name
        return REGISTRY[key] if key in REGISTRY else defop(key, **_OPTIONS[name])(fn)

    return register


_OPTIONS = {"sin": {"save": (0,)}, "cos": {"save": (0,)}, "exp": {"save_output": True},
            "tanh": {"save_output": True}, "sqrt": {"save_output": True},
            "log": {"save": (0,)}}


@_op("sin")
def sin(ctx, x):
    return ctx.xp.sin(x)


@_op("cos")
def cos(ctx, x):
    return ctx.xp.cos(x)


@_op("exp")
def exp(ctx, x):
    return ctx.xp.exp(x)


@_op("tanh")
def tanh(ctx, x):
    return ctx.xp.tanh(x)


@_op("sqrt")
def sqrt(ctx, x):
    return ctx.xp.sqrt(x)


@_op("log")
def log(ctx, x):
    return ctx.xp.log(x)


if sin.backward is None:
    sin.def_backward(lambda ctx, g: (g * cos(ctx.saved[0]),))
    sin.def_jvp(lambda ctx, t: t[0] * cos(ctx.inputs[0]))
    cos.def_backward(lambda ctx, g: (-(g * sin(ctx.saved[0])),))
    cos.def_jvp(lambda ctx, t: -(t[0] * sin(ctx.inputs[0])))
    exp.def_backward(lambda ctx, g: (g * ctx.output,))
    exp.def_jvp(lambda ctx, t: t[0] * ctx.output)
    tanh.def_backward(lambda ctx, g: (g * (1 - ctx.output * ctx.output),))
    tanh.def_jvp(lambda ctx, t: t[0] * (1 - ctx.output * ctx.output))
    sqrt.def_backward(lambda ctx, g: (g / (2 * ctx.output),))
    sqrt.def_jvp(lambda ctx, t: t[0] / (2 * ctx.output))
    log.def_backward(lambda ctx, g: (g / ctx.saved[0],))
    # log has no jvp rule on purpose: forward mode must name it in its error.

TORCH = {sin: torch.sin, cos: torch.cos, exp: torch.exp, tanh: torch.tanh, sqrt: torch.sqrt,
         log: torch.log}


def pair(values, dtype="float64", requires_grad=True):
    """The same data as an ember and a torch leaf."""
    array = np.asarray(values, dtype=dtype)
    return (ember.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def close(e, t, atol=1e-10):
    """Assert that an ember tensor equals a torch tensor."""
    assert e is not None and t is not None, (e, t)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=atol)


@pytest.mark.parametrize("op", list(TORCH), ids=lambda op: op.name)
def test_prims_match_torch_to_second_order(op):
    xe, xt = pair([0.3, 0.7, 1.9])
    ye, yt = op(xe), TORCH[op](xt)
    close(ye, yt)
    (ge,) = ember.autograd.grad(ye.sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad(yt.sum(), xt, create_graph=True)
    close(ge, gt)
    close(ember.autograd.grad(ge.sum(), xe)[0], torch.autograd.grad(gt.sum(), xt)[0])
