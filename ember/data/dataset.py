"""Datasets: the map-style and iterable protocols and the ways of combining them.

These mirror ``torch.utils.data``: a map-style :class:`Dataset` has ``__getitem__`` and
``__len__``; an :class:`IterableDataset` has ``__iter__``.

>>> import ember
>>> from ember.data import TensorDataset, random_split
>>> ds = TensorDataset(ember.arange(10), ember.arange(10) * 2)
>>> ds[3][1].item()
6
>>> a, b = random_split(ds, [0.8, 0.2], generator=ember.Generator().manual_seed(0))
>>> len(a), len(b)
(8, 2)
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ..ops.random import Generator, randperm
from ..tensor import Tensor

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__``.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i * i
    >>> [Squares()[i] for i in range(4)]
    [0, 1, 4, 9]
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy, so without sharding each
    sample appears once per worker. Shard inside ``__iter__`` with
    :func:`ember.data.get_worker_info`:

    >>> from ember.data import get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()
    ...         if info is None:                       # the main process: everything
    ...             return iter(range(self.n))
    ...         return iter(range(info.id, self.n, info.num_workers))
    >>> list(Range(5))
    [0, 1, 2, 3, 4]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple]):
    """Samples are the ``index``-th rows of each tensor (all share the first dimension).

    >>> import ember
    >>> TensorDataset(ember.zeros(3, 2), ember.arange(3))[2][1].item()
    2
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s is None for s in sizes) or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"are {sizes}")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Zip datasets of equal length: samples are tuples (positional) or dicts (keywords).

    >>> ds = StackDataset([1, 2], ["a", "b"])
    >>> ds[1]
    (2, 'b')
    >>> StackDataset(x=[1, 2], y=[3, 4])[0]
    {'x': 1, 'y': 3}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: pass datasets positionally or as keywords, not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: expected at least one dataset")
        self.datasets: Any = args if args else kwargs
        lengths = [len(d) for d in (args or kwargs.values())]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The datasets one after another (negative indices count from the end).

    >>> ds = ConcatDataset([[0, 1], [2, 3, 4]])
    >>> len(ds), ds[2], ds[-1]
    (5, 2, 4)
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; "
                                "use ChainDataset")
        self.cumulative_sizes = list(_cumsum(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            if -index > n:
                raise IndexError(f"ConcatDataset: index {index} out of range for length {n}")
            index += n
        if index >= n:
            raise IndexError(f"ConcatDataset: index {index} out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _cumsum(lengths: Iterable[int]) -> Iterator[int]:
    total = 0
    for n in lengths:
        total += n
        yield total


class ChainDataset(IterableDataset):
    """Iterable datasets one after another.

    >>> class It(IterableDataset):
    ...     def __init__(self, xs): self.xs = xs
    ...     def __iter__(self): return iter(self.xs)
    >>> list(ChainDataset([It([1]), It([2, 3])]))
    [1, 2, 3]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            yield from d


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> Subset(["a", "b", "c"], [2, 0])[0]
    'c'
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> T_co:
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]  # type: ignore[return-value]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list:
        # A batch at once, so a wrapped dataset's own __getitems__ (one gather) is used.
        inner = getattr(self.dataset, "__getitems__", None)
        picked = [self.indices[i] for i in indices]
        if inner is not None:
            return inner(picked)
        return [self.dataset[i] for i in picked]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given ``lengths``.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1; as in
    PyTorch, fractions are floored and the remainder is dealt one by one, round-robin, to
    the subsets from the first.

    >>> import ember
    >>> parts = random_split(range(5), [0.5, 0.5], generator=ember.Generator().manual_seed(1))
    >>> [len(p) for p in parts], sorted(i for p in parts for i in p)
    ([3, 2], [0, 1, 2, 3, 4])
    """
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(k, int) or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing "
                         f"to 1, got {list(lengths)}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    order = randperm(n, generator=generator).tolist()
    out, start = [], 0
    for k in lengths:
        out.append(Subset(dataset, order[start:start + k]))
        start += k
    return out


__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]
