"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

>>> import ember
>>> from ember.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ember.arange(5.0), ember.arange(5))
>>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..ops.random import Generator
from ._multiprocessing import MultiProcessingIter, base_seed
from ._worker import make_fetcher
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class _InfiniteConstantSampler(Sampler):
    """The "sampler" of an iterable dataset: ``None`` forever (the dataset decides)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


class DataLoader:
    """Iterate over ``dataset`` in batches, like ``torch.utils.data.DataLoader``.

    ``batch_size=None`` turns batching off (samples pass through ``default_convert``).
    ``shuffle=True`` uses a :class:`RandomSampler` drawing from ``generator`` (or, through a
    fresh seed per epoch, the default generator, so ``ember.manual_seed`` fixes the order).
    With ``num_workers > 0`` worker processes load the batches; the order is the same as
    with ``num_workers=0``. Worker ``i`` seeds ``ember`` and ``random`` with
    ``base_seed + i`` (see :func:`get_worker_info`). ``pin_memory`` is accepted and does
    nothing on the CPU.

    >>> import ember
    >>> from ember.data import TensorDataset
    >>> loader = DataLoader(TensorDataset(ember.arange(10)), batch_size=4, shuffle=True,
    ...                     generator=ember.Generator().manual_seed(0), drop_last=True)
    >>> len(loader), [len(b[0]) for b in loader]
    (2, [4, 4])
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "") -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be a non-negative int; "
                             f"use num_workers=0 to disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing; let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None")
        if prefetch_factor is None and num_workers > 0:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int)
                                            or prefetch_factor <= 0):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive int, got "
                             f"{prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            kind = "iterable"
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        else:
            kind = "map"
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is None:
            if kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            # Checks batch_size (a positive int) at construction.
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._dataset_kind = kind
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self._iterator: MultiProcessingIter | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return MultiProcessingIter(self)
        if self._iterator is None or self._iterator._closed:
            self._iterator = MultiProcessingIter(self)
        else:
            self._iterator.reset(self)
        return self._iterator

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __del__(self) -> None:
        it = getattr(self, "_iterator", None)
        if it is not None:
            it._shutdown()


class _SingleProcessIter:
    """Batches loaded in the main process."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        # Drawn (and unused) as in the multi-worker iterator, so both consume the same random
        # numbers and a seed gives the same order whatever num_workers is.
        base_seed(loader.generator)
        self._sampler_iter = iter(loader._index_sampler)
        self._fetcher = make_fetcher(loader._dataset_kind, loader.dataset,
                                     loader._auto_collation, loader.collate_fn,
                                     loader.drop_last, loader.batch_size)

    def __iter__(self) -> _SingleProcessIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        index = next(self._sampler_iter)
        return self._fetcher.fetch(index)


__all__ = ["DataLoader"]
