"""conv2d forward+backward: ember vs PyTorch, same process, block and alternating medians.

The issue's target case: batch 64, 32 -> 64 channels, 28x28, 3x3 kernel, padding 1, float32,
both libraries on 2 threads (``torch.set_num_threads(2)``; OpenBLAS through its environment
variable, which must be set before NumPy loads, so this script sets it first).

    python -m benchmarks.conv [--repeats 15] [--block-repeats 9] [--threads 2]

Two timings per case, because each hides something the other shows:

* block: each library timed alone (warm-up, then the median of ``--block-repeats`` calls in
  a row), one library after the other. This is the trustworthy number for threaded work:
  after a call, PyTorch's OpenMP workers and OpenBLAS's workers keep spinning for a while,
  so when the libraries alternate, each call starts while the other library's threads still
  hold the two cores (measured: it made PyTorch's conv ~2x slower, flattering ember).
* alternating: ember and PyTorch calls interleaved, so slow drifts of the machine (another
  job starting, thermal state) hit both equally; kept to compare with earlier results.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _setup_threads(n: int) -> None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


CASES = {
    # name: (input shape, weight shape, conv2d kwargs)
    "target 64x32x28x28 -> 64, 3x3 p1": ((64, 32, 28, 28), (64, 32, 3, 3), dict(padding=1)),
    "stride 2, 64x64x28x28 -> 128": ((64, 64, 28, 28), (128, 64, 3, 3),
                                     dict(padding=1, stride=2)),
    "depthwise 64x64x28x28, 3x3": ((64, 64, 28, 28), (64, 1, 3, 3),
                                   dict(padding=1, groups=64)),
}


def _time(fn, repeats: int, lib: str, out: dict) -> None:
    t0 = time.perf_counter()
    fn()
    out.setdefault(lib, []).append(time.perf_counter() - t0)


def _block(fn, repeats: int) -> float:
    """Median of ``repeats`` back-to-back calls after one warm-up call."""
    import statistics

    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _runners(ember, F, torch, e_args: tuple, t_args: tuple, kw: dict):
    def em():
        out = F.conv2d(*e_args, **kw)
        ember.autograd.grad(out, list(e_args), ember.ones_like(out))

    def th():
        out = torch.nn.functional.conv2d(*t_args, **kw)
        torch.autograd.grad(out, list(t_args), torch.ones_like(out))

    return em, th


def run(repeats: int, threads: int, block_repeats: int = 9) -> list[tuple]:
    """Rows ``(case, ember_block, torch_block, ember_alternating, torch_alternating)`` in
    seconds."""
    import numpy as np
    import torch

    import ember
    import ember.nn.functional as F

    torch.set_num_threads(threads)
    rows = []
    rng = np.random.default_rng(0)
    for name, (xs, ws, kw) in CASES.items():
        x = rng.standard_normal(xs).astype(np.float32)
        w = (rng.standard_normal(ws) * 0.1).astype(np.float32)
        b = rng.standard_normal(ws[0]).astype(np.float32)
        ex, ew, eb = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))

        em, th = _runners(ember, F, torch, (ex, ew, eb), (tx, tw, tb), kw)
        times: dict = {}
        em(), th()  # warm-up
        for _ in range(repeats):  # alternate so both see the same machine state
            _time(em, repeats, "ember", times)
            _time(th, repeats, "torch", times)
        e, t = float(np.median(times["ember"])), float(np.median(times["torch"]))
        # Block runs after the alternating ones, each library alone (see the docstring).
        tb = _block(th, block_repeats)
        eb = _block(em, block_repeats)
        rows.append((name, eb, tb, e, t))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block-repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    _setup_threads(args.threads)
    print(f"conv2d forward+backward, float32, {args.threads} threads; block: median of "
          f"{args.block_repeats} (trustworthy), alternating: median of {args.repeats}")
    print(f"{'case':34s} {'block ember':>11s} {'torch':>7s} {'ratio':>6s} "
          f"{'alt ember':>10s} {'torch':>7s} {'ratio':>6s}")
    for name, eb, tb, e, t in run(args.repeats, args.threads, args.block_repeats):
        print(f"{name:34s} {eb * 1e3:8.1f} ms {tb * 1e3:7.1f} {eb / tb:6.2f} "
              f"{e * 1e3:7.1f} ms {t * 1e3:7.1f} {e / t:6.2f}")


if __name__ == "__main__":
    if "numpy" in sys.modules:  # thread settings must come before NumPy loads
        raise SystemExit("run benchmarks.conv as a fresh process")
    main()
