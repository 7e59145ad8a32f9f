"""What runs inside a DataLoader worker process, and the pieces both sides share: fetchers
(indices -> collated batch), ``WorkerInfo``, the error wrapper and tensor transport.

>>> from ember.data import get_worker_info
>>> get_worker_info() is None    # None in the main process
True
"""

from __future__ import annotations

import os
import pickle
import random
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np

from ..ops.random import manual_seed
from ..tensor import Tensor, _make

# ----------------------------------------------------------------------------- transport
# Tensors refuse ordinary pickling (no pickle in any load path). Between a loader and its own
# workers, though, pickling is only transport, so multiprocessing's pickler (and only it) is
# taught to send a tensor as its NumPy array.


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    return _make(array, requires_grad)


def _reduce_tensor(t: Tensor):
    return _rebuild_tensor, (t.numpy(force=True), t.requires_grad)


ForkingPickler.register(Tensor, _reduce_tensor)


# ----------------------------------------------------------------------------- worker info
@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this is: ``id`` in ``[0, num_workers)``, its ``seed`` (the base seed plus
    ``id``; ``ember`` and ``random`` are seeded with it) and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's :class:`WorkerInfo` inside a DataLoader worker; ``None`` elsewhere.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


# ----------------------------------------------------------------------------- fetchers
class _MapFetcher:
    """Index (or list of indices) -> collated sample(s) of a map-style dataset. ``current``
    is the index being loaded, for error messages."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.current: Any = None
        self._getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            self.current = index
            return self.collate_fn(self.dataset[index])
        if self._getitems is not None:
            self.current = index
            return self.collate_fn(self._getitems(index))
        data, dataset = [], self.dataset
        for i in index:
            self.current = i
            data.append(dataset[i])
        return self.collate_fn(data)


class _IterFetcher:
    """The next sample (or batch of ``batch_size``) of an iterable dataset; raises
    StopIteration at the end (``drop_last`` drops a final short batch)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool, batch_size: int | None) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.batch_size = batch_size
        self.current: Any = "next item"
        self.ended = False

    def fetch(self, index: Any = None) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in range(self.batch_size):  # type: ignore[arg-type]
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < self.batch_size):  # type: ignore
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(kind: str, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool, batch_size: int | None) -> _MapFetcher | _IterFetcher:
    if kind == "iterable":
        return _IterFetcher(dataset, auto_collation, collate_fn, drop_last, batch_size)
    return _MapFetcher(dataset, auto_collation, collate_fn, drop_last)


# ----------------------------------------------------------------------------- errors
class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback text
    and re-raised there as the same type when possible."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.exc_type: type = type(exc)
        try:  # a type the main process could not import would break the transport
            pickle.loads(pickle.dumps(self.exc_type))
        except Exception:
            self.exc_type = RuntimeError
        self.message = (f"Caught {type(exc).__name__} {where}.\nOriginal "
                        f"{traceback.format_exc()}")

    def reraise(self) -> None:
        try:
            err = self.exc_type(self.message)
        except Exception:  # a constructor with other arguments
            err = RuntimeError(self.message)
        if isinstance(err, KeyError):  # KeyError repr()s its message; keep it readable
            err = RuntimeError(self.message)
        raise err


class Exhausted:
    """A worker's reply when its iterable dataset has no more data."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


# ----------------------------------------------------------------------------- the loop
# How often an idle worker checks that its parent is still alive.
_PARENT_POLL_S = 2.0


def worker_loop(kind: str, dataset: Any, index_conn: Any, result_conn: Any,
                auto_collation: bool, collate_fn: Callable, drop_last: bool,
                batch_size: int | None, seed: int, init_fn: Callable | None, worker_id: int,
                num_workers: int, parent_pid: int) -> None:
    """Receive ``(epoch, task, indices)``, reply ``(epoch, task, batch)`` until ``None``."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    random.seed(seed)
    manual_seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as exc:
            init_error = ExceptionWrapper(exc, f"in DataLoader worker {worker_id} "
                                               "(in worker_init_fn)")
    fetcher, epoch = None, None
    while True:
        try:
            if not index_conn.poll(_PARENT_POLL_S):
                if os.getppid() != parent_pid:  # orphaned: the main process is gone
                    return
                continue
            message = index_conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_epoch, task, index = message
        if init_error is not None:
            result_conn.send((task_epoch, task, init_error))
            continue
        try:
            if task_epoch != epoch or fetcher is None:
                # A new epoch (persistent workers) starts the iterable dataset over.
                epoch, fetcher = task_epoch, None
                fetcher = make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last,
                                       batch_size)
            data: Any = fetcher.fetch(index)
        except StopIteration:
            data = Exhausted(worker_id)
        except Exception as exc:
            where = index if fetcher is None else fetcher.current
            data = ExceptionWrapper(exc, f"in DataLoader worker {worker_id} "
                                         f"(sample index {where})")
        try:
            result_conn.send((task_epoch, task, data))
        except (BrokenPipeError, OSError):  # the loader is shutting down
            return
        del data
