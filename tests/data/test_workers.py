"""DataLoader with worker processes: order, seeding, worker info, errors, shutdown."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time

import pytest
import torch.utils.data as tud

import ember
from ember.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Echo(Dataset):
    """Sample i is (i, the worker's id, seed, num_workers, pid); some indices misbehave."""

    def __init__(self, n=12, fail_at=None, exit_at=None, kill_at=None, sleep_at=None):
        self.n, self.fail_at, self.exit_at = n, fail_at, exit_at
        self.kill_at, self.sleep_at = kill_at, sleep_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad sample {i}")
        if i == self.exit_at:
            os._exit(3)
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.sleep_at:
            time.sleep(3)
        info = get_worker_info()
        return (i, -1 if info is None else info.id, 0 if info is None else info.seed,
                0 if info is None else info.num_workers, os.getpid())


class Noisy(Dataset):
    """Random numbers drawn in __getitem__ (like a random transform)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return ember.rand(1).item()


def _ranges(info, n):
    return range(n) if info is None else range(info.id, n, info.num_workers)


class Sharded(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(_ranges(get_worker_info(), self.n))


class TorchSharded(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(_ranges(tud.get_worker_info(), self.n))


@pytest.fixture(autouse=True)
def no_leaked_workers():
    yield
    gc.collect()
    assert multiprocessing.active_children() == []


def test_worker_order_equals_single_process_order():
    ds = TensorDataset(ember.arange(40))
    for seed in (0, 1):
        ember.manual_seed(seed)
        single = [b[0].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True)]
        ember.manual_seed(seed)
        multi = [b[0].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True,
                                                   num_workers=2, prefetch_factor=3)]
        assert multi == single
    g = ember.Generator().manual_seed(4)
    a = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g,
                                           num_workers=2)]
    g.manual_seed(4)
    assert a == [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True,
                                                   generator=g)]


def test_worker_info_round_robin_and_init_fn():
    seen = []
    loader = DataLoader(Echo(8), batch_size=2, num_workers=2,
                        worker_init_fn=lambda wid: seen.append(wid))
    batches = list(loader)
    assert [b[0].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    ids = [b[1].tolist() for b in batches]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]]  # batches dealt round-robin
    seeds = {b[1][0].item(): b[2][0].item() for b in batches}
    assert seeds[1] == seeds[0] + 1 and all(b[3].tolist() == [2, 2] for b in batches)
    assert len({b[4][0].item() for b in batches}) == 2 and os.getpid() not in \
        {b[4][0].item() for b in batches}
    assert get_worker_info() is None and seen == []  # init ran in the workers, not here


def test_random_draws_in_workers_reproducible():
    def run():
        ember.manual_seed(123)
        return [b.tolist() for b in DataLoader(Noisy(), batch_size=2, num_workers=2)]

    a = run()
    assert a == run() and len({v for b in a for v in b}) == 8


def test_iterable_dataset_sharded_like_torch():
    ours = [b.tolist() for b in DataLoader(Sharded(9), batch_size=2, num_workers=2)]
    theirs = [b.tolist() for b in tud.DataLoader(TorchSharded(9), batch_size=2,
                                                 num_workers=2)]
    assert ours == theirs
    unsharded = list(DataLoader(Sharded(4), batch_size=None, num_workers=2))
    assert sorted(unsharded) == [0, 1, 2, 3]


def test_worker_exception_reraised_with_worker_and_index():
    loader = DataLoader(Echo(8, fail_at=5), batch_size=1, num_workers=2)
    with pytest.raises(ValueError, match=r"worker 1 \(sample index 5\)") as err:
        list(loader)
    assert "bad sample 5" in str(err.value) and "Traceback" in str(err.value)


def test_worker_init_fn_error_reported():
    def boom(wid):
        raise KeyError("no init")

    with pytest.raises(RuntimeError, match="worker_init_fn"):
        list(DataLoader(Echo(4), num_workers=1, worker_init_fn=boom))


@pytest.mark.parametrize("how", ["exit_at", "kill_at"])
def test_dead_worker_raises_instead_of_hanging(how):
    loader = DataLoader(Echo(8, **{how: 3}), batch_size=1, num_workers=2, timeout=30)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"worker 1 \(pid \d+\)"):
        list(loader)
    assert time.monotonic() - start < 10


def test_timeout():
    loader = DataLoader(Echo(4, sleep_at=0), batch_size=1, num_workers=1, timeout=0.3)
    with pytest.raises(RuntimeError, match="timed out"):
        next(iter(loader))


def test_early_break_shuts_workers_down():
    it = iter(DataLoader(Echo(40), batch_size=1, num_workers=2))
    next(it)
    procs = list(it._workers)
    del it
    gc.collect()
    assert not any(p.is_alive() for p in procs)


def test_persistent_workers_reused_across_epochs():
    loader = DataLoader(Echo(6), batch_size=2, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(2):
        batches = list(loader)
        assert [b[0].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5]]
        pids.append({b[4][0].item() for b in batches})
    it = iter(loader)
    next(it)  # abandon an epoch part-way; the next one starts clean
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
    assert pids[0] == pids[1]
    procs = list(loader._iterator._workers)
    del loader, it
    gc.collect()
    assert not any(p.is_alive() for p in procs)


def test_spawn_start_method():
    ds = TensorDataset(ember.arange(6), ember.arange(6) * 2)
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert [b[1].tolist() for b in loader] == [[0, 2, 4, 6], [8, 10]]
