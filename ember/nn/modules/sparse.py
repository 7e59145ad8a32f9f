"""Embedding tables: ``Embedding`` and ``EmbeddingBag``.

The weight is ``(num_embeddings, embedding_dim)``, initialised from N(0, 1) with the
``padding_idx`` row zeroed, as in PyTorch.

>>> import ember
>>> emb = ember.nn.Embedding(10, 3, padding_idx=0)
>>> emb(ember.tensor([[0, 4]])).shape, emb.weight[0].tolist()
(ember.Size([1, 2, 3]), [0.0, 0.0, 0.0])
"""

from __future__ import annotations

from typing import Any

from ... import ops
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


def _padding(cls: str, padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"{cls}: padding_idx must be within num_embeddings={num}, got "
                         f"{padding_idx}")
    return padding_idx % num


class _EmbeddingBase(Module):
    def _init_table(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None,
                    max_norm: float | None, norm_type: float, scale_grad_by_freq: bool,
                    sparse: bool, weight: Tensor | None, freeze: bool, device: Any,
                    dtype: Any) -> None:
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding(type(self).__name__, padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if weight is None:
            self.weight = Parameter(ops.empty((num_embeddings, embedding_dim), device=device,
                                              dtype=dtype), requires_grad=not freeze)
            self.reset_parameters()
        else:
            if tuple(weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"{type(self).__name__}: _weight must have shape "
                                 f"({num_embeddings}, {embedding_dim}), got "
                                 f"{tuple(weight.shape)}")
            self.weight = Parameter(weight, requires_grad=not freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        for name, default in (("padding_idx", None), ("max_norm", None), ("norm_type", 2.0),
                              ("scale_grad_by_freq", False), ("sparse", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class Embedding(_EmbeddingBase):
    """A lookup table: row ``i`` of ``weight`` for each index ``i`` of the input.

    >>> import ember
    >>> ember.nn.Embedding(5, 2)(ember.tensor([1, 1])).shape
    ember.Size([2, 2])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self._init_table(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, _freeze, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-d), frozen unless ``freeze=False``.

        >>> import ember
        >>> e = ember.nn.Embedding.from_pretrained(ember.eye(3))
        >>> e(ember.tensor([2])).tolist(), e.weight.requires_grad
        ([[0.0, 0.0, 1.0]], False)
        """
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got "
                             f"shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)


class EmbeddingBag(_EmbeddingBase):
    """Sums, means or maxes of bags of embeddings, without materialising each lookup's
    gradient separately.

    >>> import ember
    >>> bag = ember.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(ember.tensor([1, 2, 4, 5]), ember.tensor([0, 2])).shape
    ember.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._init_table(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, False, device, dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is ``embeddings`` (2-d).

        >>> import ember
        >>> ember.nn.EmbeddingBag.from_pretrained(ember.eye(2)).weight.requires_grad
        False
        """
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-dimensional, "
                             f"got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        return super().extra_repr() + f", mode={self.mode!r}"


__all__ = ["Embedding", "EmbeddingBag"]
