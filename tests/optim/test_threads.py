"""The threaded optimizer step (``ember.optim.set_num_threads``) gives bit-identical results to
the single-threaded one, for every optimizer built on ``_update.Workspace``."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import ember
from ember.optim import _update

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Lion", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
]


@pytest.fixture(autouse=True)
def restore_threads():
    before = ember.optim.get_num_threads()
    yield
    ember.optim.set_num_threads(before)


@pytest.fixture
def small_blocks(monkeypatch):
    """Tiny blocks, so a few thousand elements exercise many blocks, uneven tails and more
    blocks than threads, cheaply."""
    monkeypatch.setattr(_update, "BLOCK", 64)
    monkeypatch.setattr(_update, "THREAD_BLOCK", 256)


def _trajectory(name: str, kwargs: dict, threads: int, sizes: tuple[int, ...],
                steps: int = 5) -> list[np.ndarray]:
    """Parameters and state buffers after ``steps`` steps with ``threads`` threads; a fresh
    gradient each step, so the state depends on every step."""
    ember.optim.set_num_threads(threads)
    rng = np.random.default_rng(0)
    params = [ember.tensor(rng.standard_normal(n).astype(np.float32), requires_grad=True)
              for n in sizes]
    opt = getattr(ember.optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            p.grad = ember.tensor(rng.standard_normal(p.shape).astype(np.float32))
        opt.step()
    out = [p.detach().numpy().copy() for p in params]
    for p in params:
        out += [v.numpy().copy() for v in opt.state[p].values() if isinstance(v, ember.Tensor)]
    return out


@pytest.fixture
def threads_seen(monkeypatch) -> set[int]:
    """The threads that work on blocks. Each block is held back a moment (a GIL-free sleep),
    so the pool thread, which wakes up later than the caller starts, gets blocks too."""
    seen: set[int] = set()
    blocks = _update.Workspace.blocks

    def spy(self, *args, **kwargs):
        for b in blocks(self, *args, **kwargs):
            seen.add(threading.get_ident())
            time.sleep(0.0005)
            yield b

    monkeypatch.setattr(_update.Workspace, "blocks", spy)
    return seen


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_threaded_step_is_bit_identical(small_blocks, threads_seen, name, kwargs):
    # 16 thread blocks and a tail (threaded for every optimizer); 200: under two thread
    # blocks (caller alone); 4 blocks (threaded for the heavy updates only)
    sizes = (16 * 256 + 123, 200, 4 * 256)
    single = _trajectory(name, kwargs, 1, sizes)
    assert len(threads_seen) == 1
    for threads in (2, 3):
        threads_seen.clear()
        threaded = _trajectory(name, kwargs, threads, sizes)
        assert len(threads_seen) == threads  # the pool did take blocks
        assert len(threaded) == len(single)
        for a, b in zip(single, threaded):
            np.testing.assert_array_equal(a, b)


def test_threaded_step_is_bit_identical_at_real_block_sizes():
    sizes = (_update.HEAVY_UPDATE_MIN * _update.THREAD_BLOCK + 12345,)
    kwargs = dict(lr=0.01, weight_decay=0.1, amsgrad=True)
    for a, b in zip(_trajectory("Adam", kwargs, 1, sizes, 2),
                    _trajectory("Adam", kwargs, 2, sizes, 2)):
        np.testing.assert_array_equal(a, b)


def _flat_xp_array(n: int):
    arr = ember.zeros(n)._data
    return ember.backends.backend_of(arr).xp, arr


def test_pool_thread_takes_blocks(small_blocks):
    """With 2 threads the blocks are split between the caller and the pool; with 1 the
    caller does them all."""
    ember.optim.set_num_threads(2)
    xp, arr = _flat_xp_array(256 * 16)
    seen: set[int] = set()

    def block(a, t):
        seen.add(threading.get_ident())
        time.sleep(0.002)  # long enough for the pool thread to wake up and claim blocks
        a += 1

    _update.Workspace().map(xp, (arr,), 1, block)
    assert len(seen) == 2 and threading.get_ident() in seen
    assert (arr == 1).all()
    seen.clear()
    ember.optim.set_num_threads(1)
    _update.Workspace().map(xp, (arr,), 1, block)
    assert seen == {threading.get_ident()}
    assert (arr == 2).all()


def test_error_in_a_pool_thread_is_raised(small_blocks):
    ember.optim.set_num_threads(2)
    xp, arr = _flat_xp_array(256 * 4)
    caller = threading.get_ident()

    def block(a, t):
        if threading.get_ident() != caller:
            raise RuntimeError("boom")
        time.sleep(0.002)
        a += 1

    with pytest.raises(RuntimeError, match="boom"):
        _update.Workspace().map(xp, (arr,), 1, block, min_thread_blocks=2)
    # the pool thread failed on its first block; the caller did the other three before raising
    assert float(arr.sum()) == 3 * 256


def test_non_contiguous_param_with_threads(small_blocks):
    ember.optim.set_num_threads(2)
    base = ember.tensor(np.arange(2048, dtype=np.float32).reshape(32, 64))
    p = base.t().detach().requires_grad_()
    assert not p.is_contiguous()
    opt = ember.optim.Adam([p], lr=0.1)
    p.grad = ember.ones(64, 32)
    opt.step()
    expected = np.arange(2048, dtype=np.float32).reshape(32, 64).T - 0.1
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-6)


def test_set_num_threads_validates():
    with pytest.raises(ValueError, match="at least 1"):
        ember.optim.set_num_threads(0)
    ember.optim.set_num_threads(1)
    assert ember.optim.get_num_threads() == 1
