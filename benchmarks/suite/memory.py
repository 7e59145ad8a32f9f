"""Peak memory of a training step, each framework and workload in a fresh Python process.

Method ``rss`` (the one compared across frameworks): in a fresh process, import the
framework, run one smoke-size training step (so one-time costs such as lazily imported code
and thread pools are not counted), build the real model, optimizer and data (for JAX also
compile both steps ahead of time), collect garbage and read the resident set size: the
*baseline*. Then reset the kernel's high-water mark (``/proc/self/clear_refs``; where that
is refused, a thread samples ``/proc/self/statm`` every millisecond instead) and run
``STEPS`` training steps. The number reported is the peak RSS minus the baseline: what the
steps need beyond the model and data (activations, gradients, optimizer state, workspace
and whatever the allocator keeps), measured the same way for every framework.

Method ``tracemalloc`` (ember only, for information): the peak of the allocations Python's
``tracemalloc`` sees during the same steps. NumPy reports its array buffers to it, so for
ember this counts every array; PyTorch's and XLA's allocators are invisible to it.

The parent writes the initial weights and the data to a ``.npz`` file, so the child does not
need PyTorch to reproduce them::

    python -m benchmarks.suite.memory STATE.npz WORKLOAD FRAMEWORK [--method rss|tracemalloc]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

STEPS = 3
ROOT = Path(__file__).resolve().parents[2]
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1 << 20


def save_inputs(path: Path, state: dict[str, np.ndarray], params: set[str],
                data: tuple[np.ndarray, np.ndarray]) -> None:
    arrays = {f"state/{k}": v for k, v in state.items()}
    arrays.update({"data/x": data[0], "data/y": data[1],
                   "params": np.array(sorted(params), dtype=str)})
    np.savez(path, **arrays)


def load_inputs(path: Path) -> tuple[dict[str, np.ndarray], set[str], tuple[np.ndarray, ...]]:
    with np.load(path) as f:
        state = {k[len("state/"):]: f[k] for k in f.files if k.startswith("state/")}
        return state, set(f["params"].tolist()), (f["data/x"], f["data/y"])


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


class _PeakRSS:
    """The peak RSS while the block runs: the kernel's high-water mark after resetting it,
    or (where the reset is refused) a sampling thread's maximum."""

    def __enter__(self) -> _PeakRSS:
        self.how = "kernel high-water mark (VmHWM reset through /proc/self/clear_refs)"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self._sampled = _rss()
        except OSError:
            self.how = "sampled /proc/self/statm every 1 ms"
            self._sampled = _rss()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled = max(self._sampled, _rss())
            time.sleep(0.001)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.peak = max(self._sampled, _rss())
        else:
            self.peak = max(_hwm(), _rss())


@contextlib.contextmanager
def _fast_paths_at_every_size(framework: str) -> Iterator[None]:
    """For ember, let the smoke-size warm-up take the size-gated fast paths too, so that
    loading MKL and compiling (or loading from cache) the numba kernels, one-time costs
    like PyTorch's library loading at import, happen before the baseline."""
    if framework != "ember":
        yield
        return
    from ember.backends import _mkl, _numba

    saved = _mkl.MIN_MULTIPLY_ADDS, _numba.MIN_ELEMENTS
    _mkl.MIN_MULTIPLY_ADDS, _numba.MIN_ELEMENTS = 1, 1
    try:
        yield
    finally:
        _mkl.MIN_MULTIPLY_ADDS, _numba.MIN_ELEMENTS = saved


def measure(workload_name: str, framework: str, state_file: Path, method: str = "rss",
            smoke: bool = False, steps: int = STEPS) -> dict[str, Any]:
    """Run in a fresh process: the peak memory of ``steps`` training steps over a baseline
    taken after building the model, optimizer and data. Sizes in MiB."""
    from .frameworks import make_steps
    from .workloads import WORKLOADS, initial_state, initial_state_without_torch, make_data

    workload = WORKLOADS[workload_name]
    # Warm the code paths once at smoke size (imports, thread pools, kernels' first use).
    init = initial_state if framework == "torch" else initial_state_without_torch
    tiny_state, tiny_params = init(workload, smoke=True)
    with _fast_paths_at_every_size(framework):
        warm = make_steps(framework, workload, tiny_state, tiny_params,
                          make_data(workload, smoke=True), smoke=True)
        warm.set_mode("train")
        warm.train()
    del warm, tiny_state
    state, params, data = load_inputs(state_file)
    steps_obj = make_steps(framework, workload, state, params, data, smoke)
    steps_obj.set_mode("train")
    if hasattr(steps_obj, "compile"):
        steps_obj.compile()
    del state, data
    gc.collect()
    if method == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            steps_obj.train()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"method": "tracemalloc peak of traced allocations during the steps",
                "delta_mib": (peak - base) / MB, "steps": steps}
    base = _rss()
    with _PeakRSS() as p:
        for _ in range(steps):
            steps_obj.train()
    return {"method": f"peak RSS - RSS after building model and data; {p.how}",
            "baseline_mib": base / MB, "peak_mib": p.peak / MB, "delta_mib": (p.peak - base) / MB,
            "steps": steps}


def measure_in_subprocess(workload: str, framework: str, state_file: Path,
                          method: str = "rss", smoke: bool = False,
                          timeout: float = 300) -> dict[str, Any]:
    """``measure`` in a fresh interpreter; on failure, ``{"error": ...}``."""
    cmd = [sys.executable, "-m", "benchmarks.suite.memory", str(state_file), workload,
           framework, "--method", method] + (["--smoke"] if smoke else [])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state_file", type=Path)
    parser.add_argument("workload")
    parser.add_argument("framework")
    parser.add_argument("--method", choices=("rss", "tracemalloc"), default="rss")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    result = measure(args.workload, args.framework, args.state_file, args.method,
                     args.smoke, args.steps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
