"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, as in ``torch.nn``.

Parameter names, shapes, order and default initialisation are PyTorch's, so state dicts
transfer both ways. Each layer direction projects the inputs of all time steps with one GEMM
(both directions of a bidirectional layer share it), then runs the recurrence as one fused
primitive (``ember.nn.functional.rnn_layers``).

>>> import ember
>>> lstm = ember.nn.LSTM(3, 5, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(ember.randn(4, 7, 3))
>>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
((4, 7, 5), (2, 4, 5), (2, 4, 5))
"""

from __future__ import annotations

import math
from typing import Any

import ember

from ...tensor import Tensor
from ..functional import rnn_layers as _layers
from ..functional.linear import linear as _linear
from ..module import Module
from ..parameter import Parameter
from ..utils import rnn as _packing
from .rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The multi-layer recurrent layer behind :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        self._check_config()
        gates, dirs = _GATES[mode], 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else real_hidden * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes = {f"weight_ih{sfx}": (gates * hidden_size, layer_in),
                          f"weight_hh{sfx}": (gates * hidden_size, real_hidden)}
                if bias:
                    shapes[f"bias_ih{sfx}"] = (gates * hidden_size,)
                    shapes[f"bias_hh{sfx}"] = (gates * hidden_size,)
                if proj_size > 0:
                    shapes[f"weight_hr{sfx}"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
                    setattr(self, name, Parameter(ember.empty(shape, dtype=dtype,
                                                              device=device)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def _check_config(self) -> None:
        if not 0 <= self.dropout <= 1:
            raise ValueError(f"{type(self).__name__}: dropout should be a number in [0, 1] "
                             f"representing the probability of an element being zeroed, got "
                             f"{self.dropout}")
        if self.hidden_size <= 0 or self.num_layers <= 0:
            raise ValueError(f"{type(self).__name__}: hidden_size and num_layers must be "
                             f"positive, got {self.hidden_size} and {self.num_layers}")
        if self.proj_size < 0 or (self.proj_size and self.proj_size >= self.hidden_size):
            raise ValueError(f"{type(self).__name__}: proj_size must be in [0, hidden_size="
                             f"{self.hidden_size}), got {self.proj_size}")
        if self.proj_size and self.mode != "LSTM":
            raise ValueError(f"{type(self).__name__}: proj_size argument is only supported "
                             f"for LSTM, not RNN or GRU")

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        with ember.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional
                                                                    else 1))
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        return s

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch code that calls it (it packs cuDNN weights there)."""

    # ------------------------------------------------------------------ forward
    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, bool, Any]:
        if input.dim() not in (2, 3):
            raise self.module_error(f"expected input to be 2-D (unbatched) or 3-D (batched), "
                                    f"got {input.dim()}-D with shape {tuple(input.shape)}",
                                    ValueError)  # PyTorch raises ValueError here
        if input.shape[-1] != self.input_size:
            raise self.module_error(f"input.size(-1) must be equal to input_size. Expected "
                                    f"{self.input_size}, got {input.shape[-1]}", RuntimeError)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) \
                    else hx.unsqueeze(1)
        if self.batch_first:
            input = input.transpose(0, 1)
        return input, batched, hx

    def _check_state(self, name: str, h: Tensor, expected: tuple) -> None:
        if tuple(h.shape) != expected:
            raise self.module_error(f"Expected {name} size {expected}, got {tuple(h.shape)}",
                                    RuntimeError)

    def _initial(self, input: Tensor, hx: Any) -> tuple[Tensor, Tensor | None]:
        dirs, batch = 2 if self.bidirectional else 1, input.shape[1]
        real_hidden = self.proj_size or self.hidden_size
        h_shape = (self.num_layers * dirs, batch, real_hidden)
        c_shape = (self.num_layers * dirs, batch, self.hidden_size)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            h0 = ember.zeros(h_shape, dtype=input.dtype, device=input.device)
            c0 = ember.zeros(c_shape, dtype=input.dtype, device=input.device) if is_lstm \
                else None
            return h0, c0
        if is_lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise self.module_error("expected hx to be a tuple (h_0, c_0)", TypeError)
            self._check_state("hidden", hx[0], h_shape)
            self._check_state("cell", hx[1], c_shape)
            return hx[0], hx[1]
        self._check_state("hidden", hx, h_shape)
        return hx, None

    def forward(self, input: Tensor | _packing.PackedSequence, hx: Any = None
                ) -> tuple[Any, Any]:
        if isinstance(input, _packing.PackedSequence):
            return self._forward_packed(input, hx)
        input, batched, hx = self._prepare(input, hx)
        h0, c0 = self._initial(input, hx)
        dirs = 2 if self.bidirectional else 1
        x, h_n, c_n = input, [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = _dropout(x, self.dropout)
            weights = self.all_weights[layer * dirs:(layer + 1) * dirs]
            outs = self._layer(x, weights, h0, c0, layer * dirs, h_n, c_n)
            x = outs[0] if dirs == 1 else ember.cat(outs, -1)
        output = x.transpose(0, 1) if self.batch_first else x
        h_n = ember.stack(h_n)
        hidden = (h_n, ember.stack(c_n)) if self.mode == "LSTM" else h_n
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = tuple(h.squeeze(1) for h in hidden) if isinstance(hidden, tuple) \
                else hidden.squeeze(1)
        return output, hidden

    def _forward_packed(self, packed: _packing.PackedSequence, hx: Any
                        ) -> tuple[_packing.PackedSequence, Any]:
        # Run the padded batch (original order, as hx and h_n are) with per-sequence lengths:
        # past its end a sequence's state stops updating, so the forward direction's final
        # state is its last valid step's and the reverse direction starts there from h_0.
        x, lengths = _packing.pad_packed_sequence(packed)
        if x.shape[-1] != self.input_size:
            raise self.module_error(f"input.size(-1) must be equal to input_size. Expected "
                                    f"{self.input_size}, got {x.shape[-1]}", RuntimeError)
        h0, c0 = self._initial(x, hx)
        lens = lengths.tolist()
        mask = ember.tensor([[t < n for n in lens] for t in range(x.shape[0])],
                            device=x.device).unsqueeze(-1)
        dirs = 2 if self.bidirectional else 1
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = _dropout(x, self.dropout)
            outs = []
            for d in range(dirs):
                w = self.all_weights[layer * dirs + d]
                i = layer * dirs + d
                out, h, c = self._masked_direction(x, w, mask, h0[i],
                                                   None if c0 is None else c0[i], d == 1)
                outs.append(out)
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
            x = outs[0] if dirs == 1 else ember.cat(outs, -1)
        if packed.sorted_indices is not None:
            x = x.index_select(1, packed.sorted_indices)
        sizes = packed.batch_sizes.tolist()
        data = ember.cat([x[t, :n] for t, n in enumerate(sizes)])
        output = _packing.PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                                         packed.unsorted_indices)
        hidden = ember.stack(h_n)
        return output, ((hidden, ember.stack(c_n)) if self.mode == "LSTM" else hidden)

    def _masked_direction(self, x: Tensor, w: list, mask: Tensor, h: Tensor,
                          c: Tensor | None, reverse: bool
                          ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One direction over a padded ``(T, B, *)`` batch, one cell per step; state updates
        where ``mask[t]`` is False are dropped. Returns ``(output, h_last, c_last)``."""
        steps, batch = x.shape[0], x.shape[1]
        flat = x.reshape(steps * batch, x.shape[2])
        xproj = _linear(flat, w[0], self._input_bias(w) if self.bias else None)
        xproj = xproj.reshape(steps, batch, xproj.shape[-1])
        w_t = w[1].t()
        outs: list[Any] = [None] * steps
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            m, x_t = mask[t], xproj[t]
            if self.mode == "LSTM":
                h_new, c_new = _layers.lstm_pointwise(ember.addmm(x_t, h, w_t), c)
                if self.proj_size:
                    h_new = h_new @ w[-1].t()
                c = ember.where(m, c_new, c)
            elif self.mode == "GRU":
                gh = h @ w_t if not self.bias else ember.addmm(w[3], h, w_t)
                h_new = _layers.gru_pointwise(x_t, gh, h)
            else:
                act = ember.tanh if self.mode == "RNN_TANH" else ember.relu
                h_new = act(ember.addmm(x_t, h, w_t))
            h = ember.where(m, h_new, h)
            outs[t] = h
        return ember.stack(outs), h, c

    def _layer(self, x: Tensor, weights: list, h0: Tensor, c0: Tensor | None, index: int,
               h_n: list, c_n: list) -> list[Tensor]:
        steps, batch = x.shape[0], x.shape[1]
        # One GEMM per direction projects every step's input: each direction's projection
        # is then contiguous, as the fused recurrence reads it best (a column slice of one
        # joint product made the bidirectional layer 1.4x PyTorch's time).
        flat = x.reshape(steps * batch, x.shape[2])
        # The LSTM's fused recurrence adds the bias itself (a pass over the projection
        # saved); every other layer gets it in the projection.
        in_recurrence = self.mode == "LSTM" and not self.proj_size
        biases = [self._input_bias(w) if self.bias else None for w in weights]
        xprojs = [_linear(flat, w[0], None if in_recurrence else b).reshape(steps, batch, -1)
                  for w, b in zip(weights, biases)]
        outs = []
        for d, (w, xproj, b) in enumerate(zip(weights, xprojs, biases)):
            out, c = self._direction(xproj, w, b if in_recurrence else None, h0[index + d],
                                     None if c0 is None else c0[index + d], d == 1)
            outs.append(out)
            h_n.append(out[0] if d == 1 else out[-1])
            if c is not None:
                c_n.append(c)
        return outs

    def _input_bias(self, w: list) -> Tensor:
        # LSTM and RNN add both biases to the gates' input; GRU keeps b_hh inside r * (.).
        return w[2] if self.mode == "GRU" else w[2] + w[3]

    def _direction(self, xproj: Tensor, w: list, bias: Tensor | None, h0: Tensor,
                   c0: Tensor | None, reverse: bool) -> tuple[Tensor, Tensor | None]:
        """One direction of one layer over the input projection ``xproj``; ``bias``, when
        given, is the gates' bias the projection does not hold yet (the LSTM's)."""
        w_hh = w[1]
        if self.mode == "LSTM":
            if self.proj_size:
                return _layers.lstm_sequence_composed(xproj, h0, c0, w_hh, bias,
                                                      reverse=reverse, w_hr=w[-1])
            return _layers.lstm_sequence(xproj, h0, c0, w_hh, bias, reverse=reverse)
        if self.mode == "GRU":
            b_hh = w[3] if self.bias else ember.zeros(w_hh.shape[0], dtype=xproj.dtype,
                                                      device=xproj.device)
            return _layers.gru_sequence(xproj, h0, w_hh, b_hh, reverse), None
        act = ember.tanh if self.mode == "RNN_TANH" else ember.relu
        return _layers.rnn_sequence(xproj, h0, w_hh, act, reverse), None


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers (training only)."""
    if p >= 1:
        return x * 0
    keep = ember.rand(tuple(x.shape), dtype=x.dtype, device=x.device) >= p
    return x * keep.to(x.dtype) / (1 - p)


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, as
    ``torch.nn.RNN`` (``nonlinearity`` ``'tanh'`` or ``'relu'``).

    >>> out, h = RNN(2, 3)(ember.randn(5, 2))   # unbatched: (L, H_in)
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 3), (1, 3))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}', expected 'tanh' or "
                             f"'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)


class LSTM(RNNBase):
    """Long short-term memory, as ``torch.nn.LSTM`` (gates i, f, g, o; ``proj_size`` adds
    ``weight_hr``); returns ``(output, (h_n, c_n))``.

    >>> out, (h, c) = LSTM(2, 4, proj_size=3, bidirectional=True)(ember.randn(5, 1, 2))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((5, 1, 6), (2, 1, 3), (2, 1, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, as ``torch.nn.GRU`` (gates r, z, n with
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``).

    >>> out, h = GRU(2, 3, num_layers=2)(ember.randn(5, 4, 2))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 4, 3), (2, 4, 3))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
