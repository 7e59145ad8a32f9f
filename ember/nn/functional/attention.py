"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``, as in
``torch.nn.functional``.

>>> import ember
>>> import ember.nn.functional as F
>>> q = k = v = ember.randn(2, 3, 5, 4)          # (batch, heads, length, head_dim)
>>> tuple(F.scaled_dot_product_attention(q, k, v, is_causal=True).shape)
(2, 3, 5, 4)
"""

from __future__ import annotations

import math

import ember

from ...autograd import forward_ad as _fw
from ...backends import backend_of
from ...tensor import Tensor
from ._attention_fused import dead_rows as _dead_rows
from ._attention_fused import sdpa as _sdpa_fused
from ._attention_fused import sdpa_masked as _sdpa_fused_masked
from ._attention_fused import softmax_live_rows as _softmax_live_rows
from .dropout import dropout


def _check_sdpa(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
                enable_gqa: bool) -> None:
    name = "scaled_dot_product_attention"
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"{name}: expected query, key and value of at least 2 dims, got "
                           f"shapes {tuple(query.shape)}, {tuple(key.shape)}, "
                           f"{tuple(value.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{name}: expected query (..., L, E), key (..., S, E) and value "
                           f"(..., S, Ev), got {tuple(query.shape)}, {tuple(key.shape)}, "
                           f"{tuple(value.shape)}")
    if not (query.dtype == key.dtype == value.dtype) or not query.dtype.is_floating_point:
        raise TypeError(f"{name}: expected query, key and value of one floating dtype, got "
                        f"{query.dtype}, {key.dtype}, {value.dtype}")
    if enable_gqa and query.dim() >= 3 and query.shape[-3] % key.shape[-3]:
        raise RuntimeError(f"{name}: with enable_gqa, the query heads ({query.shape[-3]}) "
                           f"must be a multiple of the key/value heads ({key.shape[-3]})")
    if attn_mask is not None and attn_mask.dtype != ember.bool and \
            attn_mask.dtype != query.dtype:
        raise TypeError(f"{name}: expected attn_mask of dtype bool or {query.dtype}, got "
                        f"{attn_mask.dtype}")


def _bias(query: Tensor, key: Tensor, attn_mask: Tensor | None, is_causal: bool
          ) -> Tensor | None:
    """The additive score bias: ``-inf`` where a bool mask (or the causal mask) is False."""
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not "
                               "be set when is_causal=True")
        keep = ember.ones((length, source), dtype=ember.bool, device=query.device).tril()
        attn_mask = keep
    if attn_mask is None or attn_mask.dtype != ember.bool:
        return attn_mask
    zero = ember.zeros(tuple(attn_mask.shape), dtype=query.dtype, device=query.device)
    return zero.masked_fill(attn_mask.logical_not(), float("-inf"))


def _fusable(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None) -> bool:
    """Whether the fused primitive covers the call: float32/64, equal batch dims, no size-0
    operand, a mask that broadcasts to the scores without enlarging them, no forward mode
    (the composition has its jvp rules); the rest goes through the composition."""
    if query.dtype not in (ember.float32, ember.float64) or _fw.STATE.level:
        return False
    batch = tuple(query.shape[:-2])
    if batch != tuple(key.shape[:-2]) or batch != tuple(value.shape[:-2]):
        return False
    if not (query.numel() and key.numel() and value.numel()):
        return False
    if attn_mask is not None:
        scores = (*batch, query.shape[-2], key.shape[-2])
        mask = tuple(attn_mask.shape)
        if len(mask) > len(scores) or any(m not in (1, s) for m, s in
                                          zip(mask[::-1], scores[::-1])):
            return False
    return True


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + bias) V`` as ``torch.nn.functional``'s: a bool
    ``attn_mask`` marks the positions that take part, a float one is added to the scores;
    ``is_causal`` applies a lower-triangular mask; ``dropout_p`` drops attention weights.

    >>> q = ember.randn(1, 3, 4)
    >>> mask = ember.tensor([[True, False, False]] * 3)
    >>> out = scaled_dot_product_attention(q, q, q, attn_mask=mask)
    >>> bool((out - q[:, :1]).abs().max() < 1e-6)   # only the first key is visible
    True
    """
    _check_sdpa(query, key, value, attn_mask, enable_gqa)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        repeat = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(repeat, dim=-3)
        value = value.repeat_interleave(repeat, dim=-3)
    if dropout_p <= 0.0 and _fusable(query, key, value, attn_mask):
        # One primitive: in-place mask and softmax on the score buffer, only the
        # probabilities saved (see _attention_fused.py and benchmarks/attention.py).
        if is_causal and attn_mask is not None:
            _bias(query, key, attn_mask, is_causal)  # raises the error
        if attn_mask is None:
            return _sdpa_fused(query, key, value, scale=float(scale), causal=bool(is_causal),
                               kind="")
        kind = "bool" if attn_mask.dtype == ember.bool else "float"
        return _sdpa_fused_masked(query, key, value, attn_mask, scale=float(scale),
                                  causal=False, kind=kind)
    # Scaling q (L x E) instead of the scores (L x S) is what PyTorch's math path does too.
    scores = (query * math.sqrt(scale)) @ (key * math.sqrt(scale)).transpose(-2, -1)
    bias = _bias(query, key, attn_mask, is_causal)
    dead = None
    if bias is not None:
        scores = scores + bias
        # rows that see no key get zero weights
        dead = _dead_rows(backend_of(bias._data).xp, bias._data, "float")
    weights = _softmax_live_rows(scores, dead)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value


from .attention_mha import multi_head_attention_forward  # noqa: E402 - uses the above

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]
