"""Writes into views of a tensor in a loop, forward + backward: ember vs PyTorch.

The pattern of hand-written recurrent loops: ``out = zeros(T, B, H)``, then
``out[t] = h`` (or ``out[t].copy_(h)``) with ``h`` needing a gradient, then a loss over
``out``. Both libraries record each write as "the old tensor with the view's elements
replaced" (PyTorch's ``CopySlices``); the forward touches the view's elements and each
write's backward one pass over the whole gradient. Timings as in ``benchmarks.lstm``
(block: each library alone; alternating: one call of each in turn).

    python -m benchmarks.view_writes [--repeat 15]
"""

from __future__ import annotations

import argparse

from .lstm import time_pair


def bench(write: str, steps: int = 35, batch: int = 32, hidden: int = 256,
          repeat: int = 15) -> dict:
    import torch

    import ember

    torch.set_num_threads(2)

    def make(lib):
        w = lib.ones(batch, hidden, requires_grad=True)

        def run():
            out = lib.zeros(steps, batch, hidden)
            for t in range(steps):
                h = w * (t + 1)
                if write == "setitem":
                    out[t] = h
                else:
                    out[t].copy_(h)
            out.sum().backward()
        return run

    return {"case": f"out[t]{' = h' if write == 'setitem' else '.copy_(h)'}, "
                    f"T{steps} B{batch} H{hidden}",
            **time_pair(make(torch), make(ember), repeat)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'':36s} {'block (trustworthy)':>26s} | {'alternating':>26s}")
    print(f"{'case':36s} {'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s} | "
          f"{'ember ms':>9s} {'torch ms':>9s} {'ratio':>6s}")
    for write in ("setitem", "copy_"):
        try:
            r = bench(write, repeat=args.repeat)
        except RuntimeError as error:  # a tree without writes into views outside the graph
            print(f"{write:36s} not supported: {str(error)[:60]}")
            continue
        print(f"{r['case']:36s} {r['block_ember_ms']:9.2f} {r['block_torch_ms']:9.2f} "
              f"{r['block_ratio']:6.2f} | {r['ember_ms']:9.2f} {r['torch_ms']:9.2f} "
              f"{r['ratio']:6.2f}")


if __name__ == "__main__":
    main()
