"""Records for scaled_dot_product_attention (ember/nn/functional/attention.py)."""

import numpy as np
import torch

import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T

_BOOL = np.tril(np.ones((4, 6), dtype=bool)) | np.eye(4, 6, 3, dtype=bool)


def _e_bool(q, k, v, **kw):
    import ember
    return F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(_BOOL), **kw)


def _t_bool(q, k, v, **kw):
    return torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=torch.tensor(_BOOL), **kw)


_QKV = (T((2, 3, 4, 5)), T((2, 3, 6, 5)), T((2, 3, 6, 7)))
# A key-padding mask (batch, 1, 1, S): the fused primitive's bool path, broadcast over heads
# and queries (no row fully masked).
_PAD = np.ones((2, 1, 1, 6), dtype=bool)
_PAD[1, ..., 4:] = False


def _e_pad(q, k, v, **kw):
    import ember
    return F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(_PAD), **kw)


def _t_pad(q, k, v, **kw):
    return torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=torch.tensor(_PAD), **kw)

RECORDS = [
    OpRecord("scaled_dot_product_attention", F.scaled_dot_product_attention,
             torch.nn.functional.scaled_dot_product_attention, [
                 Sample(_QKV),
                 Sample((T((4, 5)), T((6, 5)), T((6, 3))), name="2d"),
                 Sample((T((2, 4, 5)), T((2, 4, 5)), T((2, 4, 5))), {"is_causal": True},
                        name="causal"),
                 Sample(_QKV, {"scale": 0.3}, name="scale"),
                 Sample(_QKV, {"is_causal": True}, name="causal-rect"),
                 Sample(_QKV, {"is_causal": True, "scale": 0.7}, name="causal-scale"),
                 Sample((T((2, 3, 4, 5), noncontig=True), T((2, 3, 6, 5)),
                         T((2, 3, 6, 7), noncontig=True)), name="strided"),
                 Sample((*_QKV, T((2, 3, 4, 6))), name="float-mask-full"),
                 Sample((*_QKV, T((6,))), name="float-mask-1d"),
                 Sample((*_QKV, T((4, 6))), name="float-mask"),
                 Sample((*_QKV, T((2, 1, 4, 6))), name="float-mask-broadcast"),
                 Sample((T((1, 4, 3, 5)), T((1, 2, 6, 5)), T((1, 2, 6, 5))),
                        {"enable_gqa": True}, name="gqa"),
                 Sample((T((0, 3, 4, 5)), T((0, 3, 6, 5)), T((0, 3, 6, 7))), name="empty"),
             ], second_order=True,
             errors=[
                 ErrorInput((T((2, 4, 5)), T((2, 6, 4)), T((2, 6, 5))), {}, RuntimeError,
                            r"scaled_dot_product_attention: expected query \(\.\.\., L, E\)"),
                 ErrorInput((T((4, 5)), T((4, 5)), T((4, 5)), T((4, 4))),
                            {"is_causal": True}, RuntimeError, "should not be set when "
                            "is_causal"),
                 ErrorInput((T((1, 3, 2, 5)), T((1, 2, 6, 5)), T((1, 2, 6, 5))),
                            {"enable_gqa": True}, RuntimeError, "multiple of the key/value"),
             ]),
    OpRecord("scaled_dot_product_attention", _e_bool, _t_bool,
             [Sample(_QKV), Sample(_QKV, {"scale": 0.4}, name="scale")],
             second_order=True, variant="bool-mask"),
    OpRecord("scaled_dot_product_attention", _e_pad, _t_pad,
             [Sample(_QKV), Sample((T((2, 1, 4, 5)), T((2, 1, 6, 5)), T((2, 1, 6, 3))), name="one-head")],
             second_order=True, variant="key-padding-mask"),
]
