"""The main-process side of a multi-worker DataLoader.

Each worker has two one-way pipes: tasks in, batches out. Tasks (lists of indices) are dealt
round-robin, at most ``prefetch_factor * num_workers`` outstanding, and batches are yielded
in task order, so the sequence equals the single-process one. The main process waits on the
result pipes and the workers' process sentinels together, so a dead worker is noticed at
once instead of hanging, and ``timeout`` bounds each wait.

>>> import ember
>>> from ember.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(ember.arange(6)), batch_size=2, num_workers=2)
>>> [b[0].tolist() for b in loader]
[[0, 1], [2, 3], [4, 5]]
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from multiprocessing.connection import wait
from typing import Any

from ..ops.creation import empty
from ._worker import ExceptionWrapper, Exhausted, worker_loop

# How long shutdown waits for workers to leave on their own before terminating them.
_JOIN_S = 5.0


def _context(ctx: Any) -> Any:
    if ctx is None:  # fork is the cheapest start where the OS has it; spawn elsewhere
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        return multiprocessing.get_context(method)
    if isinstance(ctx, str):
        return multiprocessing.get_context(ctx)
    return ctx


def base_seed(generator: Any) -> int:
    """A seed for this epoch's workers, from the loader's generator (or the default one)."""
    return int(empty((), dtype="int64").random_(0, 1 << 62, generator=generator).item())


class MultiProcessingIter:
    """Iterator over a DataLoader's batches produced by worker processes."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._n = loader.num_workers
        self._prefetch = loader.prefetch_factor * self._n
        self._persistent = loader.persistent_workers
        self._timeout = loader.timeout
        seed = base_seed(loader.generator)
        ctx = _context(loader.multiprocessing_context)
        self._workers, self._index_conns, self._result_conns = [], [], []
        self._closed = False
        for wid in range(self._n):
            task_r, task_w = ctx.Pipe(duplex=False)
            res_r, res_w = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=worker_loop, daemon=True,
                args=(loader._dataset_kind, loader.dataset, task_r, res_w,
                      loader._auto_collation, loader.collate_fn, loader.drop_last,
                      loader.batch_size, seed + wid, loader.worker_init_fn, wid, self._n,
                      os.getpid()))
            self._workers.append(proc)  # before start, so shutdown sees a half-started set
            self._index_conns.append(task_w)
            self._result_conns.append(res_r)
            proc.start()
            task_r.close()  # the worker's ends: closing ours lets EOF mean "worker gone"
            res_w.close()
        self._by_conn = {c: i for i, c in enumerate(self._result_conns)}
        self._by_sentinel = {w.sentinel: i for i, w in enumerate(self._workers)}
        self._epoch = 0
        self._in_flight = 0
        self.reset(loader, first=True)

    # ----------------------------------------------------------------- epochs
    def reset(self, loader: Any, first: bool = False) -> None:
        """Start an epoch (again, with persistent workers); stale results are dropped."""
        self._epoch += 1
        self._sampler_iter = iter(loader._index_sampler)
        self._send_idx = self._rcvd_idx = 0
        self._reorder: dict[int, Any] = {}
        self._active = [True] * self._n
        self._cycle = itertools.cycle(range(self._n))
        for _ in range(self._prefetch):
            self._put_task()

    def _put_task(self) -> None:
        if self._send_idx - self._rcvd_idx >= self._prefetch:
            return
        for _ in range(self._n):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        self._index_conns[wid].send((self._epoch, self._send_idx, index))
        self._send_idx += 1
        self._in_flight += 1

    # ----------------------------------------------------------------- iteration
    def __iter__(self) -> MultiProcessingIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        while True:
            if self._rcvd_idx in self._reorder:
                data = self._reorder.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                self._put_task()
                if isinstance(data, Exhausted):
                    continue
                if isinstance(data, ExceptionWrapper):
                    data.reraise()
                return data
            if self._rcvd_idx >= self._send_idx:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            epoch, task, data = self._get()
            if epoch != self._epoch:
                continue  # from an epoch that was abandoned part-way
            if isinstance(data, Exhausted):
                self._active[data.worker_id] = False
            self._reorder[task] = data

    def _get(self) -> tuple:
        """The next reply from any worker; raises if a worker died or ``timeout`` passed."""
        if self._closed:
            raise RuntimeError("DataLoader iterator was shut down")
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait_s = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait(self._result_conns + list(self._by_sentinel), wait_s)
            for obj in ready:
                wid = self._by_conn.get(obj)
                if wid is not None:
                    try:
                        reply = obj.recv()
                    except (EOFError, OSError):
                        self._dead(wid)
                    self._in_flight -= 1
                    return reply
            for obj in ready:
                self._dead(self._by_sentinel[obj])
            if not ready:
                self._shutdown(grace=0.5)  # a stuck worker won't answer
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   "waiting for a batch from its workers")

    def _dead(self, wid: int) -> None:
        proc = self._workers[wid]
        proc.join(1.0)
        code = proc.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else \
            f"exited with code {code}"
        self._shutdown(grace=0.5)
        raise RuntimeError(f"DataLoader worker {wid} (pid {proc.pid}) {how} unexpectedly; "
                           "see its output above for details")

    # ----------------------------------------------------------------- shutdown
    def _shutdown(self, grace: float = _JOIN_S) -> None:
        """Tell the workers to stop, drain what they are still sending, join them; terminate
        any that won't leave."""
        if self._closed:
            return
        self._closed = True
        for conn in self._index_conns:
            try:
                conn.send(None)
            except OSError:  # that worker is already gone
                pass
        deadline = time.monotonic() + grace
        conns = {c: w for c, w in zip(self._result_conns, self._workers)}
        while time.monotonic() < deadline:
            alive = [w for w in self._workers if w.is_alive()]
            if not alive:
                break
            live_conns = [c for c, w in conns.items() if w in alive]
            for obj in wait(live_conns + [w.sentinel for w in alive], 0.1):
                if obj in conns:
                    try:
                        obj.recv()  # a worker blocked sending exits once read
                    except (EOFError, OSError):
                        conns.pop(obj)
        for w in self._workers:
            if w.is_alive():
                w.terminate()
            w.join(_JOIN_S)
            if w.is_alive():
                w.kill()
                w.join()
        for conn in self._index_conns + self._result_conns:
            conn.close()

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception:  # interpreter teardown: the modules may be half gone
            pass
