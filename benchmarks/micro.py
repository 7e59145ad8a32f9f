"""Per-op micro-benchmark: ember vs PyTorch (small tensors) and ember vs raw NumPy (large).

Runs each case for every framework in the same process, alternating frameworks within each
repeat (with a pause before the blocks of multithreaded calls), and reports the median time
per call and the ratio. Usage::

    python -m benchmarks.micro            # full run
    python -m benchmarks.micro --quick    # a few repeats (CI smoke run)
    python -m benchmarks.micro --json out.json

Small cases (32x64 float32): add, mul, matmul (32x64 @ 64x64), relu, sum; each forward only
(no graph) and forward + backward (inputs require grad, ``y.backward(g)``).
Large cases: 1024x1024 matmul; add/mul/exp on 4M float32 elements, compared with NumPy
doing exactly the same work (allocating its output, as ember does).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

import ember


def _timeit(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _calibrate(fn: Callable[[], object], target_s: float = 0.02) -> int:
    fn()
    n = 1
    while True:
        t = _timeit(fn, n) * n
        if t >= target_s or n >= 1 << 16:
            return n
        n *= 2


# Multithreaded calls (a large matmul) leave their library's workers spinning for a while
# afterwards; the next library's threads then fight them for the 2 cores (measured: ember's
# 1024x1024 matmul 5.2 ms alone, 14.9 ms right after NumPy's; OpenBLAS's workers spin for
# ~0.1 s, so a 50 ms pause still gave 11.3 ms). Before each block of such a case: a pause
# and one untimed call.
_PAUSE_S, _SLOW_CALL_S = 0.3, 1e-4


def compare(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per call for each framework, alternating them within each repeat."""
    numbers = {k: _calibrate(fn) for k, fn in cases.items()}
    slow = {k: _timeit(fn, 1) > _SLOW_CALL_S for k, fn in cases.items()}
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            if slow[k]:
                time.sleep(_PAUSE_S)
                fn()
            samples[k].append(_timeit(fn, numbers[k]))
    return {k: statistics.median(v) for k, v in samples.items()}


def _small_ops(torch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((32, 64)).astype(np.float32)
    b = rng.standard_normal((32, 64)).astype(np.float32)
    w = rng.standard_normal((64, 64)).astype(np.float32)
    ops = {
        "add": (lambda m, x, y, w: m.add(x, y)),
        "mul": (lambda m, x, y, w: m.mul(x, y)),
        "matmul": (lambda m, x, y, w: m.matmul(x, w)),
        "relu": (lambda m, x, y, w: m.relu(x)),
        "sum": (lambda m, x, y, w: m.sum(x)),
    }
    cases = {}
    for name, op in ops.items():
        if not hasattr(ember, name):
            continue
        for mode in ("forward", "backward"):
            grad = mode == "backward"
            per = {}
            for label, mod in (("ember", ember), ("torch", torch)):
                if mod is None:
                    continue
                x, y, ww = (mod.tensor(v, requires_grad=grad) for v in (a, b, w))
                out_shape = op(mod, x, y, ww).shape
                g = mod.ones(out_shape)
                if grad:
                    def run(mod=mod, x=x, y=y, ww=ww, g=g, op=op):
                        op(mod, x, y, ww).backward(g)
                else:
                    def run(mod=mod, x=x, y=y, ww=ww, op=op):
                        op(mod, x, y, ww)
                per[label] = run
            cases[f"{name} {mode} 32x64"] = per
    return cases


def _large_ops():
    rng = np.random.default_rng(1)
    m1 = rng.standard_normal((1024, 1024)).astype(np.float32)
    m2 = rng.standard_normal((1024, 1024)).astype(np.float32)
    v1 = rng.standard_normal(4 * 1024 * 1024).astype(np.float32)
    v2 = rng.standard_normal(4 * 1024 * 1024).astype(np.float32)
    e1, e2, f1, f2 = (ember.from_numpy(x) for x in (m1, m2, v1, v2))
    return {
        "matmul 1024x1024": {"ember": lambda: e1 @ e2, "numpy": lambda: m1 @ m2},
        "add 4M": {"ember": lambda: f1 + f2, "numpy": lambda: np.add(v1, v2)},
        "mul 4M": {"ember": lambda: f1 * f2, "numpy": lambda: np.multiply(v1, v2)},
        "exp 4M": {"ember": lambda: ember.exp(f1), "numpy": lambda: np.exp(v1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (smoke run)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", help="write results to this file")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:
        torch = None
    rows = []
    print(f"{'case':28} {'ember':>10} {'reference':>10} {'ratio':>7}")
    for name, per in {**_small_ops(torch), **_large_ops()}.items():
        if args.quick:
            per = {k: v for k, v in per.items()}
        result = compare(per, repeats)
        ref_name = "torch" if "torch" in result else "numpy"
        ref = result.get(ref_name)
        ratio = result["ember"] / ref if ref else float("nan")
        rows.append({"case": name, "ember_us": result["ember"] * 1e6,
                     f"{ref_name}_us": None if ref is None else ref * 1e6, "ratio": ratio,
                     "reference": ref_name})
        ref_text = "-" if ref is None else f"{ref * 1e6:8.1f}us"
        print(f"{name:28} {result['ember'] * 1e6:8.1f}us {ref_text:>10} {ratio:7.2f}"
              f"  (vs {ref_name})")
    if args.json:
        meta = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(),
                "python": platform.python_version(), "numpy": np.__version__,
                "torch": getattr(torch, "__version__", None), "repeats": repeats}
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
