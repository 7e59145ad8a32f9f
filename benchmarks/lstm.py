"""LSTM / GRU layer forward+backward: ember vs PyTorch (same process, medians).

The issue's target: an LSTM layer (batch 32, seq 35, 128 -> 256, float32) forward+backward
in at most PyTorch's time with ``torch.set_num_threads(2)``.

Two timings per case, because each is wrong in its own way on a 2-core machine:

* **block** (the trustworthy one): each framework alone, warm-up then the median of
  ``repeat`` calls back to back, torch first, then ember. Neither library's worker threads
  disturb the other's. Note that torch running first also leaves glibc's heap grown (its
  large frees raise the mmap threshold), so ember's per-call buffers cost ~200 page faults
  instead of ~600-3400; the block number is the steady state a training loop sees.
* **alternating**: one call of each in turn, so that drifts in machine load hit both; kept
  for comparison with older results, but the two libraries' spinning threads fight over
  the cores and slow torch (up to 2.7x), which flatters ember.

    python -m benchmarks.lstm [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

# OpenBLAS (NumPy) and OpenMP (PyTorch) worker threads spin for a while after each call; on
# two cores, back-to-back calls of the two libraries then fight over the cores and both run
# ~25x slower (measured: torch's LSTM 258 ms instead of 10 ms). A short untimed pause lets
# the other library's threads go to sleep first.
PAUSE = 0.05


def _timer(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _block(fn, repeat: int, warmup: int = 3) -> float:
    """Median seconds of ``repeat`` back-to-back calls after ``warmup`` untimed ones, then a
    pause so that this library's threads are asleep before the other one runs."""
    for _ in range(warmup):
        fn()
    med = statistics.median(_timer(fn, repeat))
    time.sleep(10 * PAUSE)
    return med


def time_pair(run_torch, run_ember, repeat: int) -> dict:
    """Block medians (each framework alone; the trustworthy figures) and alternating
    medians (kept so drifts in machine load show), in ms, with ratios ember / torch."""
    t_block = _block(run_torch, repeat)
    e_block = _block(run_ember, repeat)
    t_times, e_times = [], []
    for _ in range(repeat):  # alternate so that drifts in machine load hit both
        t_times += _timer(run_torch, 1)
        time.sleep(PAUSE)
        e_times += _timer(run_ember, 1)
        time.sleep(PAUSE)
    t_med, e_med = statistics.median(t_times), statistics.median(e_times)
    return {"block_ember_ms": e_block * 1e3, "block_torch_ms": t_block * 1e3,
            "block_ratio": e_block / t_block, "ember_ms": e_med * 1e3,
            "torch_ms": t_med * 1e3, "ratio": e_med / t_med}


def bench(kind: str = "LSTM", batch: int = 32, seq: int = 35, inp: int = 128, hidden: int = 256,
          repeat: int = 15, **kw) -> dict:
    import torch

    import ember

    torch.set_num_threads(2)
    t_layer = getattr(torch.nn, kind)(inp, hidden, **kw)
    e_layer = getattr(ember.nn, kind)(inp, hidden, **kw)
    e_layer.load_state_dict({k: ember.tensor(v.detach().numpy())
                             for k, v in t_layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((seq, batch, inp)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)

    def run_torch():
        out, _ = t_layer(tx)
        out.sum().backward()

    def run_ember():
        out, _ = e_layer(ex)
        out.sum().backward()

    return {"case": f"{kind}{kw or ''} B{batch} T{seq} {inp}->{hidden}",
            **time_pair(run_torch, run_ember, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    cases = [("LSTM", {}), ("GRU", {}), ("LSTM", {"bidirectional": True})]
    print(f"{'':44s} {'block (trustworthy)':>26s} | {'alternating':>26s}")
    print(f"{'case':44s} {'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s} | "
          f"{'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s}")
    for kind, kw in cases:
        r = bench(kind, repeat=args.repeat, **kw)
        print(f"{r['case']:44s} {r['block_ember_ms']:9.2f} {r['block_torch_ms']:9.2f} "
              f"{r['block_ratio']:6.2f} | {r['ember_ms']:9.2f} {r['torch_ms']:9.2f} "
              f"{r['ratio']:6.2f}")


if __name__ == "__main__":
    main()
