"""cross_entropy (class indices) forward + backward: ember vs PyTorch, same run, medians.

Run: ``python -m benchmarks.nn_cross_entropy``. Also times log_softmax alone (the fused
primitive) against a composition ``x - logsumexp(x)``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

import ember
from ember.nn import functional as F


def _median(fn, repeat: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _ce(lib_x, target, lib):
    def run():
        x = lib_x.detach().requires_grad_(True)
        if lib is ember:
            F.cross_entropy(x, target).backward()
        else:
            torch.nn.functional.cross_entropy(x, target).backward()
    return run


def _ce_composed(x, target):
    def run():
        y = x.detach().requires_grad_(True)
        F.nll_loss(F.log_softmax(y, 1), target).backward()
    return run


def _lsm(x, fused):
    def run():
        y = x.detach().requires_grad_(True)
        out = F.log_softmax(y, 1) if fused else y - ember.logsumexp(y, 1, keepdim=True)
        out.sum().backward()
    return run


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"{'case':34s} {'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s}  (fused-vs-composed "
          "rows: fused ms, composed ms)")
    for n, c in ((64, 10), (256, 1000), (1024, 1000)):
        x = rng.standard_normal((n, c)).astype(np.float32)
        t = rng.integers(0, c, size=n)
        e = _median(_ce(ember.tensor(x), ember.tensor(t), ember))
        tt = _median(_ce(torch.tensor(x), torch.tensor(t), torch))
        print(f"{f'cross_entropy fwd+bwd ({n}, {c})':34s} {e:9.3f} {tt:9.3f} {e / tt:6.2f}")
    for n, c in ((256, 1000), (1024, 1000)):
        x = ember.tensor(rng.standard_normal((n, c)).astype(np.float32))
        t = ember.tensor(rng.integers(0, c, size=n))
        fused, comp = _median(_ce(x, t, ember)), _median(_ce_composed(x, t))
        print(f"{f'ce fused vs composed ({n}, {c})':34s} {fused:9.3f} {comp:9.3f} "
              f"{fused / comp:6.2f}")
    for n, c in ((256, 1000),):
        x = ember.tensor(rng.standard_normal((n, c)).astype(np.float32))
        fused, comp = _median(_lsm(x, True)), _median(_lsm(x, False))
        print(f"{f'log_softmax fused vs composed ({n}, {c})':34s} {fused:9.3f} {comp:9.3f} "
              f"{fused / comp:6.2f}")


if __name__ == "__main__":
    main()
