"""``multi_head_attention_forward``, as in ``torch.nn.functional`` (sequence-first layout).

>>> import ember
>>> from ember.nn.functional import multi_head_attention_forward
>>> x, w, b = ember.randn(5, 2, 4), ember.randn(12, 4), ember.zeros(12)
>>> out, weights = multi_head_attention_forward(x, x, x, 4, 2, w, b, None, None, False, 0.0,
...                                             ember.eye(4), None)
>>> tuple(out.shape), tuple(weights.shape)
((5, 2, 4), (2, 5, 5))
"""

from __future__ import annotations

import math

import ember

from ...tensor import Tensor
from .activation_softmax import softmax
from .attention import scaled_dot_product_attention
from .dropout import dropout
from .linear import linear, linear_in_memory_order

_NAME = "multi_head_attention_forward"


def _float_mask(mask: Tensor | None, name: str, dtype) -> Tensor | None:
    """A bool mask (True: not allowed) as an additive float mask, as PyTorch's."""
    if mask is None or mask.dtype != ember.bool:
        if mask is not None and not mask.dtype.is_floating_point:
            raise TypeError(f"{_NAME}: only bool and floating types of {name} are supported, "
                            f"got {mask.dtype}")
        return mask
    zero = ember.zeros(tuple(mask.shape), dtype=dtype, device=mask.device)
    return zero.masked_fill(mask, float("-inf"))


def _project(query, key, value, embed_dim, in_proj_weight, in_proj_bias, separate, q_w, k_w,
             v_w):
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    if separate:
        return linear(query, q_w, b_q), linear(key, k_w, b_k), linear(value, v_w, b_v)
    if query is key and key is value:  # self-attention: one GEMM for q, k and v
        # rows in memory order: a batch-first input's (L, N, E) transpose is not copied
        return linear_in_memory_order(query, in_proj_weight, in_proj_bias).chunk(3, -1)
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def _check_attn_mask(attn_mask: Tensor, tgt_len: int, src_len: int, bsz: int,
                     num_heads: int) -> Tensor:
    """The mask as ``(L, S)`` or ``(N, H, L, S)``, to broadcast over ``(N, H, L, S)``."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"{_NAME}: the shape of the 2D attn_mask is "
                               f"{tuple(attn_mask.shape)}, but should be {(tgt_len, src_len)}")
        return attn_mask
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"{_NAME}: the shape of the 3D attn_mask is "
                               f"{tuple(attn_mask.shape)}, but should be "
                               f"{(bsz * num_heads, tgt_len, src_len)}")
        return attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    raise RuntimeError(f"{_NAME}: attn_mask's dimension {attn_mask.dim()} is not supported")


def _pad_last(t: Tensor | None) -> Tensor | None:
    """One more (zero, i.e. allowed) column for an added key."""
    if t is None:
        return None
    return ember.cat([t, ember.zeros(tuple(t.shape[:-1]) + (1,), dtype=t.dtype,
                                     device=t.device)], -1)


def _unbatch(query, key, value, key_padding_mask, attn_mask):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise RuntimeError(f"{_NAME}: for batched (3-D) query, expected key and value to "
                               f"be 3-D, got {key.dim()}-D and {value.dim()}-D")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise RuntimeError(f"{_NAME}: for batched (3-D) query, expected key_padding_mask "
                               f"to be None or 2-D, got {key_padding_mask.dim()}-D")
        return True, query, key, value, key_padding_mask, attn_mask
    if query.dim() != 2 or key.dim() != 2 or value.dim() != 2:
        raise RuntimeError(f"{_NAME}: query should be unbatched 2-D or batched 3-D, got "
                           f"{query.dim()}-D (key {key.dim()}-D, value {value.dim()}-D)")
    kpm = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    return False, query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1), kpm, attn_mask


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False, _batch_major_output: bool = False
        ) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on ``(L, N, E)`` inputs (or unbatched ``(L, E)``); returns the
    output and, with ``need_weights``, the attention weights (averaged over heads when
    ``average_attn_weights``). Masks: bool ``True`` (or ``-inf``) means *not* attended.
    (``_batch_major_output``, for ``MultiheadAttention(batch_first=True)``: the output as
    ``(N, L, E)``, transposed before the output projection, where it costs nothing.)"""
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{_NAME}: static_k and static_v are not supported")
    batched, query, key, value, key_padding_mask, attn_mask = _unbatch(
        query, key, value, key_padding_mask, attn_mask)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise RuntimeError(f"{_NAME}: was expecting embedding dimension of "
                           f"{embed_dim_to_check}, but got {embed_dim}")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{_NAME}: need attn_mask if specifying the is_causal hint")
    head_dim = embed_dim // num_heads
    dtype = query.dtype
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", dtype)
    attn_mask = _float_mask(attn_mask, "attn_mask", dtype)
    q, k, v = _project(query, key, value, embed_dim, in_proj_weight, in_proj_bias,
                       use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, k.shape[0], bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        k = ember.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = ember.cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    # (S, N, E) -> (N, H, S, head_dim) views: the products take the strided batches, so
    # splitting the heads copies nothing
    q, k, v = (t.unflatten(-1, (num_heads, head_dim)).permute(1, 2, 0, 3) for t in (q, k, v))
    if add_zero_attn:
        zeros = ember.zeros((bsz, num_heads, 1, head_dim), dtype=dtype, device=q.device)
        k, v = ember.cat([k, zeros], 2), ember.cat([v, zeros], 2)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[2]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise RuntimeError(f"{_NAME}: expected key_padding_mask of shape "
                               f"{(bsz, src_len)}, got {tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    dropout_p = dropout_p if training else 0.0
    out, weights = _attend(q, k, v, attn_mask, dropout_p, need_weights)
    # (N, H, L, head_dim) -> (L, N, E): a view when the product wrote q's layout
    out = out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim)
    if _batch_major_output:
        out = out.transpose(0, 1)  # contiguous when the input was batch-first
    out = linear(out, out_proj_weight, out_proj_bias)
    if weights is not None:
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    return (out if batched else out.squeeze(1)), weights


def _attend(q, k, v, attn_mask, dropout_p, need_weights):
    """Scores, softmax and weighted sum on ``(N, H, L, head_dim)`` operands."""
    if not need_weights:
        return scaled_dot_product_attention(q, k, v, attn_mask, dropout_p), None
    scores = (q * (1.0 / math.sqrt(q.shape[-1]))) @ k.transpose(-2, -1)
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ v, weights


__all__ = ["multi_head_attention_forward"]
