"""``AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. (2016), as in
``torch.nn``.

Classes below ``cutoffs[0]`` (the shortlist) are scored by the head; the rest are split
into clusters at the cutoffs, each reached through one extra head logit and scored by its
own two-layer projection, narrower by ``div_value`` per cluster. The parameter names
(``head.weight``, ``tail.<i>.0.weight``, ``tail.<i>.1.weight``) are PyTorch's, so state
dicts move between the two unchanged.

>>> import ember
>>> asm = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7])
>>> out = asm(ember.randn(3, 8), ember.tensor([0, 5, 9]))
>>> out.output.shape, out.loss.shape
(ember.Size([3]), ember.Size([]))
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor
from .. import functional as F
from ..containers import ModuleList, Sequential
from ..module import Module
from .linear import Linear

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])

_NAME = "AdaptiveLogSoftmaxWithLoss"


def _check_cutoffs(cutoffs: Sequence[int], n_classes: int) -> list:
    cutoffs = list(cutoffs)
    if len(cutoffs) == 0:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
        raise ValueError(f"cutoffs should be a sequence of unique, positive integers sorted in "
                         f"an increasing order, where each value is between 1 and "
                         f"n_classes-1 (n_classes={n_classes}), got {cutoffs}")
    return cutoffs


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation for large output spaces (``torch.nn``'s).

    ``forward(input, target)`` returns ``(output, loss)``: the log-probability of each
    target and their negative mean. ``log_prob`` gives the full ``(N, n_classes)``
    distribution and ``predict`` the most likely class.

    >>> import ember
    >>> asm = ember.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], div_value=2.0)
    >>> asm.log_prob(ember.randn(2, 4)).exp().sum(1).allclose(ember.ones(2))
    True
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        cutoffs = _check_cutoffs(cutoffs, n_classes)
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def _check(self, input: Tensor, target: Tensor) -> None:
        if not isinstance(target, Tensor) or target.dtype.is_floating_point \
                or target.dtype == _dt.bool_:
            got = target.dtype if isinstance(target, Tensor) else type(target).__name__
            raise TypeError(f"{_NAME}: expected an integer target (class indices), got {got}")
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError(f"{_NAME}: Input and target should have the same size in the "
                                   f"batch dimension, got input {tuple(input.shape)} and "
                                   f"target {tuple(target.shape)}")
            if input.ndim != 2:
                raise RuntimeError(f"{_NAME}: 1D target tensor expects 2D input tensors, but "
                                   f"found inputs with size {tuple(input.shape)}")
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(f"{_NAME}: 0D target tensor expects 1D input tensors, but "
                                   f"found inputs with size {tuple(input.shape)}")
        else:
            raise RuntimeError(f"{_NAME}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (got target of shape {tuple(target.shape)})")
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= self.n_classes):
            raise RuntimeError(f"{_NAME}: Target values should be in [0, {self.n_classes - 1}]"
                               f", but values in range [{int(target.min())}, "
                               f"{int(target.max())}] were found.")

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        self._check(input, target)
        batched = target.ndim > 0
        x = input if batched else input.unsqueeze(0)
        t = (target if batched else target.unsqueeze(0)).to(_dt.int64)
        # Head column of each row: its class in the shortlist, else its cluster's logit.
        cluster = ops.bucketize(t, ops.tensor(self.cutoffs[:-1], device=t.device), right=True)
        head_col = ops.where(cluster == 0, t, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = head_logprob.gather(1, head_col.unsqueeze(1)).squeeze(1)
        for i in range(1, self.n_clusters + 1):
            rows = ops.nonzero(cluster == i).reshape(-1)
            if rows.numel() == 0:  # as in PyTorch, an unused cluster's layers get no gradient
                continue
            local = F.log_softmax(self.tail[i - 1](x.index_select(0, rows)), dim=1)
            relative = (t.index_select(0, rows) - self.cutoffs[i - 1]).unsqueeze(1)
            output = output.index_add(0, rows, local.gather(1, relative).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = self.shortlist_size + i
            parts.append(F.log_softmax(projection(input), dim=1)
                         + head_logprob[:, cluster:cluster + 1])
        return ops.cat(parts, dim=1)

    def _check_2d(self, op: str, input: Tensor) -> None:
        if not isinstance(input, Tensor) or input.ndim != 2:
            got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise RuntimeError(f"{_NAME}.{op}: expected a 2D input (N, in_features="
                               f"{self.in_features}), got {got}")

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes, ``(N, n_classes)``.

        >>> import ember
        >>> ember.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [3]).log_prob(ember.ones(2, 4)).shape
        ember.Size([2, 6])
        """
        self._check_2d("log_prob", input)
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row: ``log_prob(input).argmax(1)``, computing the
        clusters only for rows whose best head logit is a cluster's.

        >>> import ember
        >>> ember.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [3]).predict(ember.ones(2, 4)).shape
        ember.Size([2])
        """
        self._check_2d("predict", input)
        head_output = self.head(input)
        output = head_output.argmax(1)
        outside = ops.nonzero(output >= self.shortlist_size).reshape(-1)
        if outside.numel() == 0:
            return output
        best = self._full_log_prob(input.index_select(0, outside),
                                   head_output.index_select(0, outside)).argmax(1)
        return output.index_copy(0, outside, best)


__all__ = ["AdaptiveLogSoftmaxWithLoss"]
