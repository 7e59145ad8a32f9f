"""Optimizer-step benchmark: ember vs PyTorch on a 10M-parameter model (10 x 1M float32).

The issue's target: an ember Adam step takes at most 1.0x PyTorch's time with
``torch.set_num_threads(2)``, both in the same process, alternating, medians. Usage::

    python -m benchmarks.optim            # Adam, AdamW, SGD momentum
    python -m benchmarks.optim --quick    # fewer repeats (smoke run)
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ember

CASES = {
    "Adam": dict(lr=1e-3),
    "AdamW": dict(lr=1e-3, weight_decay=0.01),
    "SGD": dict(lr=1e-3, momentum=0.9),
}


def run(repeats: int, tensors: int = 10, size: int = 1 << 20,
        names: tuple[str, ...] = tuple(CASES)) -> dict[str, dict[str, float]]:
    """Median seconds per step for each optimizer, ember and PyTorch alternating."""
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
        samples: dict[str, list[float]] = {k: [] for k in steps}
        for fn in steps.values():  # warm up: state creation
            fn()
        for _ in range(repeats):
            for k, fn in steps.items():
                start = time.perf_counter()
                fn()
                samples[k].append(time.perf_counter() - start)
        results[name] = {k: statistics.median(v) for k, v in samples.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = run(3 if args.quick else 15)
    print(f"{'optimizer':10} {'ember ms':>9} {'torch ms':>9} {'ratio':>6}   (10 x 1M float32)")
    for name, r in results.items():
        print(f"{name:10} {r['ember'] * 1e3:9.2f} {r['torch'] * 1e3:9.2f} "
              f"{r['ember'] / r['torch']:6.2f}")


if __name__ == "__main__":
    main()
