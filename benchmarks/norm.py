"""The fused normalisation primitive vs the same normalisation composed of ember ops, with
PyTorch for reference: layer_norm and batch_norm, forward + backward, float32.

    python -m benchmarks.norm            # full run
    python -m benchmarks.norm --quick    # a few repeats

Each case is timed for every variant in one process, alternating variants within each
repeat; the table gives median milliseconds per forward + backward and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ember
import ember.nn.functional as F


def _composed_layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(-1, keepdim=True)
    return xc * (var + eps).rsqrt() * w + b


def _composed_batch_norm(x, w, b, eps=1e-5):
    dims = (0, 2, 3)
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    return xc * (var + eps).rsqrt() * w.reshape(1, -1, 1, 1) + b.reshape(1, -1, 1, 1)


def _cases(torch):
    rng = np.random.default_rng(0)
    specs = {
        "layer_norm (64, 128, 256)": ((64, 128, 256), (256,)),
        "batch_norm (32, 64, 28, 28)": ((32, 64, 28, 28), (64,)),
    }
    cases = {}
    for name, (shape, pshape) in specs.items():
        arrays = [rng.standard_normal(s).astype(np.float32) for s in (shape, pshape, pshape)]
        g = rng.standard_normal(shape).astype(np.float32)
        e = [ember.tensor(a, requires_grad=True) for a in arrays]
        t = [torch.tensor(a, requires_grad=True) for a in arrays]
        eg, tg = ember.tensor(g), torch.tensor(g)
        if name.startswith("layer"):
            fused = lambda e=e: F.layer_norm(e[0], (e[0].shape[-1],), e[1], e[2])  # noqa: E731
            comp = lambda e=e: _composed_layer_norm(*e)  # noqa: E731
            tor = lambda t=t: torch.nn.functional.layer_norm(  # noqa: E731
                t[0], (t[0].shape[-1],), t[1], t[2])
        else:
            fused = lambda e=e: F.batch_norm(e[0], None, None, e[1], e[2], True)  # noqa: E731
            comp = lambda e=e: _composed_batch_norm(*e)  # noqa: E731
            tor = lambda t=t: torch.nn.functional.batch_norm(  # noqa: E731
                t[0], None, None, t[1], t[2], True)
        cases[name] = {
            "ember fused": lambda f=fused, g=eg: f().backward(g),
            "ember composed": lambda f=comp, g=eg: f().backward(g),
            "torch": lambda f=tor, g=tg: f().backward(g),
        }
    return cases


def run(repeats: int) -> dict:
    import torch

    torch.set_num_threads(1)  # ember runs NumPy single-threaded for most of this work
    results = {}
    for name, variants in _cases(torch).items():
        times = {k: [] for k in variants}
        for fn in variants.values():
            fn()  # warm up
        for _ in range(repeats):
            for k, fn in variants.items():
                start = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - start)
        results[name] = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = run(3 if args.quick else 15)
    print(f"{'case':30s} {'fused ms':>9s} {'composed ms':>12s} {'torch ms':>9s} "
          f"{'composed/fused':>15s} {'fused/torch':>12s}")
    for name, r in results.items():
        f, c, t = r["ember fused"], r["ember composed"], r["torch"]
        print(f"{name:30s} {f:9.2f} {c:12.2f} {t:9.2f} {c / f:15.2f} {f / t:12.2f}")


if __name__ == "__main__":
    main()
