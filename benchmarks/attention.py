"""scaled_dot_product_attention forward+backward: ember vs PyTorch (same process, medians).

Shapes: (batch 16, heads 4, seq 128, head dim 64) -- the issue's Transformer workload -- and
(8, 8, 256, 64), float32, with no mask, ``is_causal=True`` and a boolean key-padding mask
(``(B, 1, 1, S)``, the last quarter of the keys of every other sequence masked out).

Two timings per case (see ``benchmarks/lstm.py`` for why):

* **block** (the trustworthy one): each framework alone, warm-up then the median of
  ``repeat`` back-to-back calls, torch first, then ember;
* **alternating**: one call of each in turn (with a short pause), kept for comparison; the
  two libraries' worker threads fight over the two cores and this flatters ember.

    python -m benchmarks.attention [--repeat 15]
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.lstm import time_pair

SHAPES = [(16, 4, 128, 64), (8, 8, 256, 64)]
MASKS = ["none", "causal", "padding"]


def _padding_mask(batch: int, seq: int) -> np.ndarray:
    keep = np.ones((batch, 1, 1, seq), dtype=bool)
    keep[1::2, ..., seq - seq // 4:] = False
    return keep


def bench(shape: tuple, mask: str = "none", repeat: int = 15) -> dict:
    import torch

    import ember
    import ember.nn.functional as F

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    q, k, v, g = (rng.standard_normal(shape).astype(np.float32) for _ in range(4))
    kw_t: dict = {}
    kw_e: dict = {}
    if mask == "causal":
        kw_t = kw_e = {"is_causal": True}
    elif mask == "padding":
        m = _padding_mask(shape[0], shape[2])
        kw_t, kw_e = {"attn_mask": torch.tensor(m)}, {"attn_mask": ember.tensor(m)}
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    eq, ek, ev = (ember.tensor(a, requires_grad=True) for a in (q, k, v))
    tg, eg = torch.tensor(g), ember.tensor(g)

    def run_torch():
        out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **kw_t)
        out.backward(tg)
        tq.grad = tk.grad = tv.grad = None

    def run_ember():
        out = F.scaled_dot_product_attention(eq, ek, ev, **kw_e)
        out.backward(eg)
        eq.grad = ek.grad = ev.grad = None

    return {"case": f"B{shape[0]} H{shape[1]} T{shape[2]} E{shape[3]} {mask}",
            **time_pair(run_torch, run_ember, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'':28s} {'block (trustworthy)':>26s} | {'alternating':>26s}")
    print(f"{'case':28s} {'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s} | "
          f"{'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s}")
    for shape in SHAPES:
        for mask in MASKS:
            r = bench(shape, mask, repeat=args.repeat)
            print(f"{r['case']:28s} {r['block_ember_ms']:9.2f} {r['block_torch_ms']:9.2f} "
                  f"{r['block_ratio']:6.2f} | {r['ember_ms']:9.2f} {r['torch_ms']:9.2f} "
                  f"{r['ratio']:6.2f}", flush=True)


if __name__ == "__main__":
    main()
