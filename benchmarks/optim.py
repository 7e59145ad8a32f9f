"""Optimizer-step benchmark: ember vs PyTorch on a 10M-parameter model (10 x 1M float32).

The issue's target: an ember Adam step takes at most 1.0x PyTorch's time with
``torch.set_num_threads(2)``. Two timings are reported:

* **block** (the one to trust): each framework is timed alone, a warm-up step and then
  ``repeats`` steps in a row, median. PyTorch's OpenMP threads (and NumPy's OpenBLAS ones)
  spin-wait for a while after each call; when the frameworks alternate call by call, those
  spinning threads take the 2 cores from the other framework's threads (ember's optimizer
  threads among them) and both look slower than in a training loop, which calls only one
  of them (``benchmarks/RESULTS.md``, "A caution on method").
* **alternating**: ember and PyTorch called in turn, step by step (the original method), kept
  for completeness and comparison with older results.

Usage::

    python -m benchmarks.optim            # Adam, AdamW, SGD momentum
    python -m benchmarks.optim --quick    # fewer repeats (smoke run)
    python -m benchmarks.optim --ember-threads 1   # ember's single-threaded path
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import ember

CASES = {
    "Adam": dict(lr=1e-3),
    "AdamW": dict(lr=1e-3, weight_decay=0.01),
    "SGD": dict(lr=1e-3, momentum=0.9),
}


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(repeats: int, tensors: int = 10, size: int = 1 << 20,
        names: tuple[str, ...] = tuple(CASES)) -> dict[str, dict[str, float]]:
    """Median seconds per step for each optimizer: ``ember``/``torch`` from block runs (each
    framework alone), ``ember_alt``/``torch_alt`` from alternating calls."""
    import torch

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(size).astype(np.float32) for _ in range(tensors)]
    grads = [rng.standard_normal(size).astype(np.float32) for _ in range(tensors)]
    results = {}
    for name in names:
        ep = [ember.tensor(p, requires_grad=True) for p in params]
        tp = [torch.tensor(p, requires_grad=True) for p in params]
        for e, t, g in zip(ep, tp, grads):
            e.grad, t.grad = ember.tensor(g), torch.tensor(g)
        steps = {"ember": getattr(ember.optim, name)(ep, **CASES[name]).step,
                 "torch": getattr(torch.optim, name)(tp, **CASES[name]).step}
        r: dict[str, float] = {}
        for k, fn in steps.items():  # block runs; the first step also creates the state
            fn()
            r[k] = statistics.median(_time(fn) for _ in range(repeats))
        alt: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(repeats):
            for k, fn in steps.items():
                alt[k].append(_time(fn))
        r.update({f"{k}_alt": statistics.median(v) for k, v in alt.items()})
        results[name] = r
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--ember-threads", type=int, default=None,
                        help="ember.optim.set_num_threads (default: ember's own default)")
    args = parser.parse_args()
    if args.ember_threads is not None:
        ember.optim.set_num_threads(args.ember_threads)
    results = run(3 if args.quick else 15)
    print(f"ember optimizer threads: {ember.optim.get_num_threads()}; 10 x 1M float32, "
          "median ms per step")
    print(f"{'optimizer':10} {'ember':>7} {'torch':>7} {'ratio':>6}   "
          f"{'ember':>7} {'torch':>7} {'ratio':>6}")
    print(f"{'':10} {'block runs (trust these)':>22}   {'alternating':>22}")
    for name, r in results.items():
        print(f"{name:10} {r['ember'] * 1e3:7.2f} {r['torch'] * 1e3:7.2f} "
              f"{r['ember'] / r['torch']:6.2f}   {r['ember_alt'] * 1e3:7.2f} "
              f"{r['torch_alt'] * 1e3:7.2f} {r['ember_alt'] / r['torch_alt']:6.2f}")


if __name__ == "__main__":
    main()
