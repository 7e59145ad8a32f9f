"""Recurrent cells: the fused LSTM and GRU pointwise primitives and the one-step cell functions
(PyTorch's ``torch.lstm_cell``, ``torch.gru_cell``, ``torch.rnn_tanh_cell``,
``torch.rnn_relu_cell``).

A cell step is one GEMM for the gates followed by one fused primitive for the gate
nonlinearities and the state update; the primitive's backward is written in ember ops (the
standard LSTM/GRU formulas), so ``create_graph=True`` differentiates it again.

>>> import ember
>>> from ember.nn.functional.rnn import lstm_cell
>>> x, h, c = ember.randn(2, 3), ember.zeros(2, 4), ember.zeros(2, 4)
>>> w_ih, w_hh = ember.randn(16, 3), ember.randn(16, 4)
>>> h1, c1 = lstm_cell(x, (h, c), w_ih, w_hh)
>>> tuple(h1.shape), tuple(c1.shape)
((2, 4), (2, 4))
"""

from __future__ import annotations

import ember

from ...autograd.grad_mode import STATE as _GRAD
from ...ops.registry import defop
from ...tensor import Tensor, _make

_CONSTS: dict = {}


def gate_consts(xp, hidden: int, dtype, blocks: str) -> tuple:
    """Per-column scale ``s`` and shift ``b`` so that ``tanh(x * s) * s + b`` is the sigmoid
    (``0.5 tanh(x/2) + 0.5``, which never overflows) on the ``"s"`` blocks and ``tanh`` on the
    ``"t"`` blocks: all gates of a step go through a single ``tanh`` call."""
    key = (xp.__name__, hidden, dtype, blocks)
    got = _CONSTS.get(key)
    if got is None:
        scale = xp.concatenate([xp.full(hidden, 0.5 if k == "s" else 1.0, dtype=dtype)
                                for k in blocks])
        shift = xp.concatenate([xp.full(hidden, 0.5 if k == "s" else 0.0, dtype=dtype)
                                for k in blocks])
        got = _CONSTS[key] = (scale, shift)
    return got


def activate(xp, pre, out, hidden: int, blocks: str):
    """``out = gate activations of pre`` (``blocks``: ``s`` sigmoid, ``t`` tanh per block)."""
    scale, shift = gate_consts(xp, hidden, pre.dtype, blocks)
    xp.multiply(pre, scale, out=out)
    xp.tanh(out, out=out)
    out *= scale
    out += shift
    return out


# ------------------------------------------------------------------------------ LSTM


@defop("lstm_pointwise", save=(0, 1))
def _lstm_pointwise(ctx, gates, c):
    """``(h', c')`` from the pre-activation gates ``(B, 4H)`` (PyTorch's order i, f, g, o)."""
    xp, hidden = ctx.xp, c.shape[-1]
    act = activate(xp, gates, xp.empty_like(gates), hidden, "ssts")
    i, f, g, o = (act[..., k * hidden:(k + 1) * hidden] for k in range(4))
    c_new = f * c
    c_new += i * g
    tc = xp.tanh(c_new)
    ctx.arrays = (act, tc)
    return o * tc, c_new


@_lstm_pointwise.def_backward
def _(ctx, grad_h, grad_c):
    gates, c = ctx.saved
    if _GRAD.grad_enabled:  # create_graph: rebuild the activations as differentiable ops
        i, f, g, o = gates.chunk(4, -1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        tc = (f * c + i * g).tanh()
    else:  # first order: the activations kept by forward are constants here
        act, tc = (_make(a) for a in ctx.arrays)
        i, f, g, o = act.chunk(4, -1)
    dc = grad_c + grad_h * o * (1 - tc * tc)
    d_gates = ember.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                         grad_h * tc * o * (1 - o)], -1)
    return d_gates, dc * f


def lstm_pointwise(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """The LSTM state update from pre-activation gates: ``(h', c')``."""
    return _lstm_pointwise(gates, c)


# ------------------------------------------------------------------------------- GRU


@defop("gru_pointwise", save=(0, 1, 2))
def _gru_pointwise(ctx, gi, gh, h):
    """``h'`` from the input part ``gi = W_i x + b_i`` and hidden part ``gh = W_h h + b_h``
    (each ``(B, 3H)``, PyTorch's order r, z, n): ``n = tanh(gi_n + r * gh_n)``,
    ``h' = (1 - z) n + z h``."""
    xp, hidden = ctx.xp, h.shape[-1]
    rz = gi[..., :2 * hidden] + gh[..., :2 * hidden]
    activate(xp, rz, rz, hidden, "ss")
    r, z = rz[..., :hidden], rz[..., hidden:]
    n = r * gh[..., 2 * hidden:]
    n += gi[..., 2 * hidden:]
    xp.tanh(n, out=n)
    ctx.arrays = (rz, n)
    out = h - n
    out *= z
    out += n
    return out


@_gru_pointwise.def_backward
def _(ctx, grad):
    gi, gh, h = ctx.saved
    hidden = h.shape[-1]
    gh_n = gh[..., 2 * hidden:]
    if _GRAD.grad_enabled:  # create_graph: differentiable activations
        r, z = (gi[..., :2 * hidden] + gh[..., :2 * hidden]).sigmoid().chunk(2, -1)
        n = (gi[..., 2 * hidden:] + r * gh_n).tanh()
    else:
        rz, n = (_make(a) for a in ctx.arrays)
        r, z = rz.chunk(2, -1)
    d_pre_n = grad * (1 - z) * (1 - n * n)
    d_r = d_pre_n * gh_n * r * (1 - r)
    d_z = grad * (h - n) * z * (1 - z)
    d_gi = ember.cat([d_r, d_z, d_pre_n], -1)
    d_gh = ember.cat([d_r, d_z, d_pre_n * r], -1)
    return d_gi, d_gh, grad * z


def gru_pointwise(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """The GRU state update from the input and hidden gate projections."""
    return _gru_pointwise(gi, gh, h)


# ------------------------------------------------------------------------ cell functions


def _check_cell(name: str, input: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor,
                gates: int) -> None:
    hidden = w_hh.shape[-1]
    if input.dim() not in (1, 2) or input.shape[-1] != w_ih.shape[-1]:
        raise RuntimeError(f"{name}: expected input of shape (batch, {w_ih.shape[-1]}) or "
                           f"({w_ih.shape[-1]},), got {tuple(input.shape)}")
    if tuple(w_ih.shape)[:1] != (gates * hidden,) or tuple(w_hh.shape) != (gates * hidden,
                                                                             hidden):
        raise RuntimeError(f"{name}: expected w_ih ({gates * hidden}, in) and w_hh "
                           f"({gates * hidden}, {hidden}), got {tuple(w_ih.shape)} and "
                           f"{tuple(w_hh.shape)}")
    if tuple(h.shape) != tuple(input.shape[:-1]) + (hidden,):
        raise RuntimeError(f"{name}: expected hidden state of shape "
                           f"{tuple(input.shape[:-1]) + (hidden,)}, got {tuple(h.shape)}")


def _proj(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    return x @ w.t() if b is None else ember.addmm(b, x, w.t()) if x.dim() == 2 \
        else x @ w.t() + b


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step, as ``torch.lstm_cell``: ``(h', c')``.

    >>> h, c = lstm_cell(ember.ones(1, 2), (ember.zeros(1, 1), ember.zeros(1, 1)),
    ...                  ember.zeros(4, 2), ember.zeros(4, 1))
    >>> round(c.item(), 4)  # sigmoid(0) * tanh(0) = 0
    0.0
    """
    h, c = hx
    _check_cell("lstm_cell", input, h, w_ih, w_hh, 4)
    # One GEMM for the four gates: [x, h] @ [W_ih, W_hh]^T.
    gates = _proj(ember.cat([input, h], -1), ember.cat([w_ih, w_hh], 1),
                  None if b_ih is None else (b_ih if b_hh is None else b_ih + b_hh))
    return _lstm_pointwise(gates, c)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step, as ``torch.gru_cell``.

    >>> gru_cell(ember.ones(1, 2), ember.zeros(1, 1), ember.zeros(3, 2),
    ...          ember.zeros(3, 1)).tolist()
    [[0.0]]
    """
    _check_cell("gru_cell", input, hx, w_ih, w_hh, 3)
    return _gru_pointwise(_proj(input, w_ih, b_ih), _proj(hx, w_hh, b_hh), hx)


def _rnn_cell(name: str, act, input, hx, w_ih, w_hh, b_ih, b_hh) -> Tensor:
    _check_cell(name, input, hx, w_ih, w_hh, 1)
    return act(_proj(input, w_ih, b_ih) + _proj(hx, w_hh, b_hh))


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step with tanh, as ``torch.rnn_tanh_cell``.

    >>> rnn_tanh_cell(ember.ones(1, 1), ember.zeros(1, 1), ember.ones(1, 1),
    ...               ember.ones(1, 1)).shape
    ember.Size([1, 1])
    """
    return _rnn_cell("rnn_tanh_cell", ember.tanh, input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step with relu, as ``torch.rnn_relu_cell``.

    >>> rnn_relu_cell(-ember.ones(1, 1), ember.zeros(1, 1), ember.ones(1, 1),
    ...               ember.ones(1, 1)).tolist()
    [[0.0]]
    """
    return _rnn_cell("rnn_relu_cell", ember.relu, input, hx, w_ih, w_hh, b_ih, b_hh)


# torch.nn.functional has no recurrent functions (PyTorch keeps them at the top level), so
# nothing here is re-exported into ember.nn.functional; import them from this module.
__all__: list[str] = []
