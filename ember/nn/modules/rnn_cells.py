"""One-step recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell``, as in ``torch.nn``.

>>> import ember
>>> cell = ember.nn.LSTMCell(3, 4)
>>> h, c = cell(ember.randn(2, 3))
>>> tuple(h.shape), tuple(c.shape)
((2, 4), (2, 4))
"""

from __future__ import annotations

import math
from typing import Any

import ember

from ...tensor import Tensor
from ..functional import rnn as F
from ..module import Module
from ..parameter import Parameter


class RNNCellBase(Module):
    """Parameters ``weight_ih (G*H, in)``, ``weight_hh (G*H, H)``, ``bias_ih``, ``bias_hh``
    (``G`` gates), uniform in ``[-1/sqrt(H), 1/sqrt(H)]`` as PyTorch's."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        kw = {"dtype": dtype, "device": device}
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        with ember.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return s + (f", nonlinearity={nonlinearity!r}" if nonlinearity != "tanh" else "")

    def _batched(self, input: Tensor, hx: Any) -> tuple[Tensor, Any, bool]:
        if input.dim() not in (1, 2):
            raise self.module_error(f"Expected input to be 1D or 2D, got {input.dim()}D "
                                    f"instead (shape {tuple(input.shape)})", ValueError)
        if input.shape[-1] != self.input_size:
            raise self.module_error(f"input has inconsistent input_size: got "
                                    f"{input.shape[-1]} expected {self.input_size}",
                                    RuntimeError)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            if hx is not None:
                hx = tuple(h.unsqueeze(0) for h in hx) if isinstance(hx, tuple) \
                    else hx.unsqueeze(0)
        return input, hx, batched

    def _zeros(self, input: Tensor) -> Tensor:
        return ember.zeros((input.shape[0], self.hidden_size), dtype=input.dtype,
                           device=input.device)

    def _args(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``, as ``torch.nn.RNNCell``.

    >>> tuple(RNNCell(3, 2, nonlinearity="relu")(ember.randn(3)).shape)
    (2,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity '{nonlinearity}', expected "
                             f"'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._batched(input, hx)
        hx = self._zeros(input) if hx is None else hx
        fn = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        out = fn(input, hx, *self._args())
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``: ``(h', c') = cell(x, (h, c))``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        input, hx, batched = self._batched(input, hx)
        if hx is None:
            hx = (self._zeros(input), self._zeros(input))
        h, c = F.lstm_cell(input, hx, *self._args())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, as ``torch.nn.GRUCell``.

    >>> tuple(GRUCell(3, 2)(ember.randn(4, 3)).shape)
    (4, 2)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._batched(input, hx)
        hx = self._zeros(input) if hx is None else hx
        out = F.gru_cell(input, hx, *self._args())
        return out if batched else out.squeeze(0)


__all__: list[str] = []  # exported through modules/rnn.py
