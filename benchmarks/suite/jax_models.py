"""The five workloads in JAX, written by hand on ``jax.numpy`` and ``jax.lax``, jit-compiled.

Parameters are the PyTorch state dict's arrays under the same names (Linear weights are
``(out, in)``, convolutions ``OIHW``, the LSTM's gates in PyTorch's order i, f, g, o), so
JAX starts from the same weights as ember and PyTorch. SGD with momentum and Adam are
written out with PyTorch's update rules (optax is not needed). One training step is one
jitted function (forward, loss, ``jax.value_and_grad``, optimizer update) whose results are
waited for with ``jax.block_until_ready``; the first call (compilation) is never timed.

Only imported when JAX is installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .workloads import Workload

Params = dict[str, Any]
BN_MOMENTUM, BN_EPS, LN_EPS = 0.1, 1e-5, 1e-5


def _linear(p: Params, name: str, x: Any) -> Any:
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def _cross_entropy(logits: Any, y: Any) -> Any:
    logits = logits.reshape(-1, logits.shape[-1])
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


# --------------------------------------------------------------------------------- models
# Each forward: (params, buffers, x, train) -> (logits, new buffers).

def _tiny(p: Params, b: Params, x: Any, train: bool) -> tuple[Any, Params]:
    return _linear(p, "2", jax.nn.relu(_linear(p, "0", x))), b


def _mlp(p: Params, b: Params, x: Any, train: bool) -> tuple[Any, Params]:
    h = jax.nn.relu(_linear(p, "0", x))
    h = jax.nn.relu(_linear(p, "2", h))
    return _linear(p, "4", h), b


def _conv(p: Params, name: str, x: Any) -> Any:
    y = lax.conv_general_dilated(x, p[name + ".weight"], (1, 1), ((1, 1), (1, 1)),
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + p[name + ".bias"][None, :, None, None]


def _maxpool2(x: Any) -> Any:
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _batchnorm(p: Params, b: Params, name: str, x: Any, train: bool) -> tuple[Any, Params]:
    """BatchNorm2d as PyTorch: batch statistics (biased variance) in training, where the
    running statistics are updated with the unbiased variance; running statistics in eval."""
    if train:
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        n = x.size // x.shape[1]
        b = dict(b)
        b[name + ".running_mean"] = ((1 - BN_MOMENTUM) * b[name + ".running_mean"]
                                     + BN_MOMENTUM * mean)
        b[name + ".running_var"] = ((1 - BN_MOMENTUM) * b[name + ".running_var"]
                                    + BN_MOMENTUM * var * (n / (n - 1)))
        b[name + ".num_batches_tracked"] = b[name + ".num_batches_tracked"] + 1
    else:
        mean, var = b[name + ".running_mean"], b[name + ".running_var"]
    inv = lax.rsqrt(var + BN_EPS) * p[name + ".weight"]
    shift = p[name + ".bias"] - mean * inv
    return x * inv[None, :, None, None] + shift[None, :, None, None], b


def _cnn(p: Params, b: Params, x: Any, train: bool) -> tuple[Any, Params]:
    h = _maxpool2(jax.nn.relu(_conv(p, "0", x)))
    h, b = _batchnorm(p, b, "4", _conv(p, "3", h), train)
    h = _maxpool2(jax.nn.relu(h))
    return _linear(p, "8", h.reshape(h.shape[0], -1)), b


def _lstm(p: Params, b: Params, tokens: Any, train: bool) -> tuple[Any, Params]:
    x = p["emb.weight"][tokens]  # (B, T, E)
    w_hh = p["lstm.weight_hh_l0"].T
    hidden = w_hh.shape[0]
    xw = x @ p["lstm.weight_ih_l0"].T + (p["lstm.bias_ih_l0"] + p["lstm.bias_hh_l0"])

    def cell(carry: tuple[Any, Any], xw_t: Any) -> tuple[tuple[Any, Any], Any]:
        h, c = carry
        gates = xw_t + h @ w_hh
        i, f, g, o = jnp.split(gates, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    zeros = jnp.zeros((tokens.shape[0], hidden), x.dtype)
    _, hs = lax.scan(cell, (zeros, zeros), jnp.swapaxes(xw, 0, 1))  # over time
    return _linear(p, "head", jnp.swapaxes(hs, 0, 1)), b


def _layer_norm(p: Params, name: str, x: Any) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + LN_EPS) * p[name + ".weight"] + p[name + ".bias"]


def _transformer(p: Params, b: Params, tokens: Any, train: bool,
                 heads: int = 4) -> tuple[Any, Params]:
    x = p["emb.weight"][tokens]  # (B, T, D)
    bsz, t, d = x.shape
    dh = d // heads
    h = _layer_norm(p, "layer.norm1", x)
    qkv = h @ p["layer.self_attn.in_proj_weight"].T + p["layer.self_attn.in_proj_bias"]
    q, k, v = (a.reshape(bsz, t, heads, dh).transpose(0, 2, 1, 3)
               for a in jnp.split(qkv, 3, axis=-1))
    att = jax.nn.softmax((q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(dh)), axis=-1)
    a = (att @ v).transpose(0, 2, 1, 3).reshape(bsz, t, d)
    x = x + _linear(p, "layer.self_attn.out_proj", a)
    h = _layer_norm(p, "layer.norm2", x)
    x = x + _linear(p, "layer.linear2", jax.nn.relu(_linear(p, "layer.linear1", h)))
    return _linear(p, "head", x), b


# ----------------------------------------------------------------------------- optimizers

def _sgd(lr: float, momentum: float = 0.9) -> tuple[Callable, Callable]:
    """PyTorch's SGD with momentum: ``buf = momentum * buf + g`` (the first buffer is ``g``,
    which a zero buffer gives too); ``p -= lr * buf``."""
    def init(params: Params) -> Params:
        return {k: jnp.zeros_like(v) for k, v in params.items()}

    def update(params: Params, grads: Params, bufs: Params) -> tuple[Params, Params]:
        bufs = {k: momentum * bufs[k] + grads[k] for k in params}
        return {k: params[k] - lr * bufs[k] for k in params}, bufs

    return init, update


def _adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
          ) -> tuple[Callable, Callable]:
    """PyTorch's Adam: ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``."""
    def init(params: Params) -> tuple[Any, Params, Params]:
        def zeros() -> Params:  # distinct buffers: all of the state is donated
            return {k: jnp.zeros_like(v) for k, v in params.items()}

        return jnp.zeros((), jnp.float32), zeros(), zeros()

    def update(params: Params, grads: Params, state: tuple) -> tuple[Params, tuple]:
        step, m, v = state
        step = step + 1
        m = {k: b1 * m[k] + (1 - b1) * grads[k] for k in params}
        v = {k: b2 * v[k] + (1 - b2) * grads[k] * grads[k] for k in params}
        c1, c2 = 1 - b1 ** step, jnp.sqrt(1 - b2 ** step)
        new = {k: params[k] - (lr / c1) * m[k] / (jnp.sqrt(v[k]) / c2 + eps) for k in params}
        return new, (step, m, v)

    return init, update


FORWARDS: dict[str, Callable] = {"tiny": _tiny, "mlp": _mlp, "cnn": _cnn, "lstm": _lstm,
                                 "transformer": _transformer}


class JaxSteps:
    """JAX's training and inference steps for one workload (jit-compiled; each call waits
    for its results)."""

    def __init__(self, workload: Workload, state: dict[str, np.ndarray], params: set[str],
                 data: tuple[np.ndarray, np.ndarray], smoke: bool = False) -> None:
        forward = FORWARDS[workload.name]
        if workload.name == "transformer":
            heads = workload.size_set(smoke)["heads"]

            def forward(p: Params, b: Params, x: Any, train: bool) -> tuple[Any, Params]:
                return _transformer(p, b, x, train, heads)

        self.params = {k: jnp.asarray(v) for k, v in state.items() if k in params}
        self.buffers = {k: jnp.asarray(v) for k, v in state.items() if k not in params}
        x, y = data
        self.x = jnp.asarray(x if x.dtype.kind == "f" else x.astype(np.int32))
        self.y = jnp.asarray(y.astype(np.int32))
        opt = _adam(workload.lr) if workload.optimizer == "adam" else _sgd(workload.lr)
        init, update = opt
        self.opt_state = init(self.params)

        def train_step(p: Params, b: Params, s: Any, x: Any, y: Any) -> tuple:
            def loss_of(p: Params) -> tuple[Any, Params]:
                logits, nb = forward(p, b, x, True)
                return _cross_entropy(logits, y), nb

            (loss, nb), grads = jax.value_and_grad(loss_of, has_aux=True)(p)
            p, s = update(p, grads, s)
            return p, nb, s, loss

        def infer_step(p: Params, b: Params, x: Any) -> Any:
            return forward(p, b, x, False)[0]

        self._train = jax.jit(train_step, donate_argnums=(0, 1, 2))
        self._infer = jax.jit(infer_step)
        self.mode = ""

    def set_mode(self, mode: str) -> None:
        self.mode = mode

    def compile(self) -> None:
        """Compile both steps ahead of time (used before memory baselines)."""
        self._train = self._train.lower(self.params, self.buffers, self.opt_state, self.x,
                                        self.y).compile()
        self._infer = self._infer.lower(self.params, self.buffers, self.x).compile()

    def train(self) -> Any:
        self.params, self.buffers, self.opt_state, loss = jax.block_until_ready(
            self._train(self.params, self.buffers, self.opt_state, self.x, self.y))
        return loss

    def infer(self) -> Any:
        return jax.block_until_ready(self._infer(self.params, self.buffers, self.x))

    @staticmethod
    def value(t: Any) -> np.ndarray:
        return np.asarray(t)


def jax_threads() -> str:
    return (f"XLA defaults, not set by the suite ({jax.local_device_count()} "
            f"{jax.devices()[0].platform} device(s); XLA_FLAGS in env if set)")
