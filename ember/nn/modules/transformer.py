"""Transformer layers, as in ``torch.nn``: ``TransformerEncoderLayer``,
``TransformerEncoder``, ``TransformerDecoderLayer``, ``TransformerDecoder``, ``Transformer``.

Same submodule names, parameter shapes, defaults and initialisation as PyTorch's, so state
dicts transfer both ways. (PyTorch's eval-mode fast path computes the same function.)

>>> import ember
>>> model = ember.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
...                              num_decoder_layers=1, dim_feedforward=16, batch_first=True)
>>> src, tgt = ember.randn(2, 5, 8), ember.randn(2, 3, 8)
>>> mask = ember.nn.Transformer.generate_square_subsequent_mask(3)
>>> tuple(model(src, tgt, tgt_mask=mask).shape)
(2, 3, 8)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import ember

from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..containers import ModuleList
from ..module import Module, runs_own_forward
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear, calls_plain_linear
from .normalization import LayerNorm


def _activation(activation: str | Callable) -> Callable:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


_MHA_FORWARD = MultiheadAttention.forward
_DROPOUT_FORWARD, _DROPOUT_FN = Dropout.forward, Dropout._fn


def _plain_dropout(module: Module) -> bool:
    return runs_own_forward(module, Dropout, _DROPOUT_FORWARD) and module._fn is _DROPOUT_FN


def _residual(x: Tensor, block: Tensor, fresh: bool) -> Tensor:
    """``x + block``. When ``block`` is ``fresh`` (a result nothing else holds) and neither
    a graph nor forward-mode tangents are recorded, ``block`` takes ``x`` in place instead:
    the same values (addition commutes; only the payload of a NaN added to a NaN may
    differ), without another activation-sized array (a (16, 128, 256) float32 residual:
    ~110 us out of place, ~50 in place on 2 cores; PyTorch's in-place add is ~41)."""
    if (fresh and block.shape == x.shape and block.dtype == x.dtype
            and block.device == x.device and x._fw is None and block._fw is None
            and not (ember.is_grad_enabled() and (x.requires_grad or block.requires_grad))):
        return block.add_(x)
    return x + block


def _own_method(layer: Module, name: str, owner: type) -> bool:
    """``layer.name`` is ``owner``'s method: replaced neither on the instance nor in a
    subclass."""
    return name not in layer.__dict__ and getattr(type(layer), name) is getattr(owner, name)


class _FeedForwardMixin:
    """The self-attention and feed-forward blocks the encoder and decoder layers share."""

    def _sa_fresh(self) -> bool:
        """Whether :meth:`_sa_block` returns a new tensor nothing else holds: the block and
        every module it calls are ember's own, unchanged and without hooks."""
        return (_own_method(self, "_sa_block", _FeedForwardMixin)
                and runs_own_forward(self.self_attn, MultiheadAttention, _MHA_FORWARD)
                and _plain_dropout(self.dropout1))

    def _ff_fresh(self, out_dropout: Module) -> bool:
        """As :meth:`_sa_fresh`, for :meth:`_ff_block` (its last product is a new array)."""
        return (_own_method(self, "_ff_block", _FeedForwardMixin)
                and calls_plain_linear(self.linear2) and _plain_dropout(out_dropout))

    def _sa_block(self, x: Tensor, mask: Tensor | None, padding: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor, out_dropout: Module) -> Tensor:
        if self.activation is F.relu and calls_plain_linear(self.linear1):
            # the bias and the ReLU in one pass over the first product's output
            hidden = self.linear1._forward_relu(x)
        else:
            hidden = self.activation(self.linear1(x))
        return out_dropout(self.linear2(self.dropout(hidden)))


class TransformerEncoderLayer(_FeedForwardMixin, Module):
    """Self-attention and feed-forward blocks with residuals and layer norms (post-norm, or
    pre-norm with ``norm_first=True``), as ``torch.nn.TransformerEncoderLayer``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x, sa_fresh, ff_fresh = src, self._sa_fresh(), self._ff_fresh(self.dropout2)
        if self.norm_first:
            x = _residual(x, self._sa_block(self.norm1(x), src_mask, src_key_padding_mask,
                                            is_causal), sa_fresh)
            return _residual(x, self._ff_block(self.norm2(x), self.dropout2), ff_fresh)
        x = self.norm1(_residual(x, self._sa_block(x, src_mask, src_key_padding_mask,
                                                   is_causal), sa_fresh))
        return self.norm2(_residual(x, self._ff_block(x, self.dropout2), ff_fresh))


class TransformerDecoderLayer(_FeedForwardMixin, Module):
    """Self-attention, cross-attention over ``memory`` and feed-forward blocks, as
    ``torch.nn.TransformerDecoderLayer``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x, sa_fresh, ff_fresh = tgt, self._sa_fresh(), self._ff_fresh(self.dropout3)
        mha_fresh = self._mha_fresh()
        if self.norm_first:
            x = _residual(x, self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                            tgt_is_causal), sa_fresh)
            x = _residual(x, self._mha_block(self.norm2(x), memory, memory_mask,
                                             memory_key_padding_mask, memory_is_causal),
                          mha_fresh)
            return _residual(x, self._ff_block(self.norm3(x), self.dropout3), ff_fresh)
        x = self.norm1(_residual(x, self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                                   tgt_is_causal), sa_fresh))
        x = self.norm2(_residual(x, self._mha_block(x, memory, memory_mask,
                                                    memory_key_padding_mask,
                                                    memory_is_causal), mha_fresh))
        return self.norm3(_residual(x, self._ff_block(x, self.dropout3), ff_fresh))

    def _mha_fresh(self) -> bool:
        """As ``_sa_fresh``, for :meth:`_mha_block`."""
        return (_own_method(self, "_mha_block", TransformerDecoderLayer)
                and runs_own_forward(self.multihead_attn, MultiheadAttention, _MHA_FORWARD)
                and _plain_dropout(self.dropout2))

    def _mha_block(self, x, mem, mask, padding, is_causal) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=padding,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` and an optional final ``norm``.

    (``enable_nested_tensor`` and ``mask_check`` select PyTorch's fast paths; they are
    accepted and have no effect here.)"""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=bool(is_causal),
                      src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` and an optional final ``norm``."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder model of "Attention Is All You Need", as ``torch.nn.Transformer``
    (every weight matrix re-initialised xavier-uniform, as PyTorch does)."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(*layer_args, **kw), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(*layer_args, **kw), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise self.module_error(f"the batch number of src and tgt must be equal, got "
                                    f"src {tuple(src.shape)} and tgt {tuple(tgt.shape)}",
                                    RuntimeError)
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise self.module_error(f"the feature number of src and tgt must be equal to "
                                    f"d_model={self.d_model}, got src {tuple(src.shape)} and "
                                    f"tgt {tuple(tgt.shape)}", RuntimeError)
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """A float mask with ``-inf`` above the diagonal (position i sees 0..i).

        >>> Transformer.generate_square_subsequent_mask(2).tolist()
        [[0.0, -inf], [0.0, 0.0]]
        """
        return ember.full((sz, sz), float("-inf"), dtype=dtype or ember.float32,
                          device=device).triu(1)


__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer"]
