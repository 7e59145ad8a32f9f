"""Run the suite: correctness guard, block-alternating timing, peak memory, table and JSON.

See the package docstring (``benchmarks/suite/__init__.py``) for the method.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .frameworks import FRAMEWORKS, TORCH_THREADS, available, make_steps
from .workloads import WORKLOADS, Workload, initial_state, initial_state_without_torch, make_data

MODES = ("train", "infer")
MEMORY_TARGET = 1.2  # peak memory of a training step, ember / PyTorch
# Processes per framework and workload: PyTorch's RSS delta for the CNN step ranged from
# 35 to 56 MiB between fresh processes, so one process per side is not a measurement.
MEMORY_REPEATS = 3
CHECK_RTOL = 1e-4
RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"


class Settings:
    """Timing settings. ``block_s``: the target duration of one framework's block, which
    sets ``k`` (steps per block, at least ``min_k``) from the slowest framework's single-step
    time. ``min_k`` > 1 because the first step after a pause runs 5-10% slow (measured on the
    LSTM: torch 18.2 ms per step in blocks of 3, 20.5 ms in blocks of 1), and that should be
    a small part of every block."""

    def __init__(self, rounds: int = 15, warmup: int = 2, block_s: float = 0.2,
                 pause_s: float = 0.1, min_k: int = 3, max_k: int = 500,
                 smoke: bool = False) -> None:
        self.rounds, self.warmup, self.block_s = rounds, warmup, block_s
        self.pause_s, self.min_k, self.max_k, self.smoke = pause_s, min_k, max_k, smoke

    @classmethod
    def preset(cls, quick: bool = False, smoke: bool = False) -> Settings:
        if smoke:  # tiny sizes, two timed steps, no pauses
            return cls(rounds=2, warmup=0, block_s=0.0, pause_s=0.0, min_k=1, max_k=1,
                       smoke=True)
        if quick:
            return cls(rounds=5, warmup=1, block_s=0.05, pause_s=0.05, min_k=2)
        return cls()

    def as_dict(self) -> dict[str, Any]:
        return {"rounds": self.rounds, "warmup_rounds": self.warmup,
                "block_target_s": self.block_s, "pause_s": self.pause_s, "min_k": self.min_k,
                "max_k": self.max_k,
                "smoke_sizes": self.smoke}


# ---------------------------------------------------------------------------- timing

def _run_block(fn: Callable[[], object], k: int) -> float:
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return time.perf_counter() - t0


def calibrate(fns: dict[str, Callable[[], object]], settings: Settings) -> int:
    """Steps per block: enough for the slowest framework's block to last ``block_s``, within
    ``[min_k, max_k]``."""
    if settings.max_k <= 1:
        return 1
    slowest = 0.0
    for fn in fns.values():
        time.sleep(settings.pause_s)
        fn()
        slowest = max(slowest, min(_run_block(fn, 1) for _ in range(2)))
    k = round(settings.block_s / max(slowest, 1e-9))
    return int(min(settings.max_k, max(settings.min_k, k, 1)))


def time_blocks(fns: dict[str, Callable[[], object]], k: int,
                settings: Settings) -> dict[str, list[float]]:
    """Seconds per step of each framework in each timed round. A round runs ``k`` steps of
    each framework in turn, an untimed pause before each block; the order rotates from round
    to round so that no framework always follows the same one. Warm-up rounds go first."""
    names = list(fns)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(settings.warmup + settings.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            if settings.pause_s:
                time.sleep(settings.pause_s)
            t = _run_block(fns[n], k) / k
            if r >= settings.warmup:
                samples[n].append(t)
    return samples


# ----------------------------------------------------------------------- correctness

def check_same_work(steps: dict[str, Any], ref: str) -> dict[str, Any]:
    """Two training steps from the same weights and data, then one inference: each
    framework's losses must match the reference framework's (rtol ``CHECK_RTOL``), and its
    inference output too (max difference <= ``CHECK_RTOL`` * max(1, max |reference|))."""
    losses: dict[str, list[float]] = {}
    outputs: dict[str, np.ndarray] = {}
    for fw, s in steps.items():
        s.set_mode("train")
        losses[fw] = [float(s.value(s.train())) for _ in range(2)]
        s.set_mode("infer")
        outputs[fw] = s.value(s.infer())
    result: dict[str, Any] = {"reference": ref, "rtol": CHECK_RTOL, "losses": losses,
                              "infer_max_abs_diff": {}, "ok": {}}
    ref_out = outputs[ref]
    scale = max(1.0, float(np.abs(ref_out).max()))
    for fw in steps:
        diff = float(np.abs(outputs[fw] - ref_out).max())
        result["infer_max_abs_diff"][fw] = diff
        result["ok"][fw] = bool(np.allclose(losses[fw], losses[ref], rtol=CHECK_RTOL, atol=0)
                                and diff <= CHECK_RTOL * scale)
    return result


# --------------------------------------------------------------------------- running

def _ms(seconds: float) -> float:
    return seconds * 1e3


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def run_workload(w: Workload, frameworks: Sequence[str], modes: Sequence[str],
                 settings: Settings, log: Callable[[str], None],
                 state_dir: Path | None = None) -> dict[str, Any]:
    """Build every framework's copy of ``w`` from the same weights and data, check they do
    the same work, then time each mode. Writes the weights and data to ``state_dir`` (for
    the memory subprocesses) when given."""
    smoke = settings.smoke
    if available("torch"):
        state, params = initial_state(w, smoke)
    else:
        state, params = initial_state_without_torch(w, smoke)
    data = make_data(w, smoke)
    if state_dir is not None:
        from .memory import save_inputs

        save_inputs(state_dir / f"{w.name}.npz", state, params, data)
    steps, errors = {}, {}
    for fw in frameworks:
        try:
            steps[fw] = make_steps(fw, w, state, params, data, smoke)
        except Exception as e:  # report, and carry on with the other frameworks
            errors[fw] = f"{type(e).__name__}: {e}"
            log(f"  {fw}: could not build {w.name}: {errors[fw]}")
    out: dict[str, Any] = {"workload": w.name, "description": w.describe(smoke),
                           "sizes": w.size_set(smoke),
                           "optimizer": ("Adam" if w.optimizer == "adam" else "SGD momentum 0.9")
                           + f", lr {w.lr}", "errors": errors, "results": []}
    if not steps:
        return out
    ref = "torch" if "torch" in steps else next(iter(steps))
    check = check_same_work(steps, ref)
    out["check"] = check
    for fw, ok in check["ok"].items():
        if not ok:
            log(f"  WARNING: {w.name}: {fw} does not match {ref} (losses {check['losses'][fw]}"
                f" vs {check['losses'][ref]}, inference max diff "
                f"{check['infer_max_abs_diff'][fw]:.3g}); the timings compare different work")
    for mode in modes:
        for s in steps.values():
            s.set_mode(mode)
        fns = {fw: getattr(s, mode) for fw, s in steps.items()}
        k = calibrate(fns, settings)
        samples = time_blocks(fns, k, settings)
        per = {fw: {"median_ms": _ms(statistics.median(v)), "min_ms": _ms(min(v)),
                    "rounds_ms": [round(_ms(t), 5) for t in v]} for fw, v in samples.items()}
        med = {fw: p["median_ms"] for fw, p in per.items()}
        ratio = _ratio(med.get("ember"), med.get("torch"))
        target = w.targets[mode]
        row = {"workload": w.name, "mode": mode, "k": k, "rounds": settings.rounds,
               "frameworks": per,
               "ratio_ember_torch": ratio,
               "ratio_jax_torch": _ratio(med.get("jax"), med.get("torch")),
               "min_ratio_ember_torch": _ratio(per.get("ember", {}).get("min_ms"),
                                               per.get("torch", {}).get("min_ms")),
               "target": target, "met": None if ratio is None else ratio <= target,
               "issue_reference_torch_ms": (w.reference_torch_ms
                                            if mode == "train" and not smoke else None)}
        out["results"].append(row)
        log(f"  {w.name:12s} {mode:5s} k={k:<4d} "
            + "  ".join(f"{fw} {m:.3f} ms" for fw, m in med.items())
            + (f"  ember/torch {ratio:.2f}" if ratio is not None else ""))
    return out


def run_memory(workloads: Sequence[str], frameworks: Sequence[str], state_dir: Path,
               smoke: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Peak memory of training steps, in fresh processes (see ``memory.py``): the median
    RSS delta of ``MEMORY_REPEATS`` processes per framework and workload (frameworks
    alternating), plus tracemalloc's peak for ember."""
    from .memory import measure_in_subprocess

    repeats = 1 if smoke else MEMORY_REPEATS
    out: dict[str, Any] = {}
    for name in workloads:
        path = state_dir / f"{name}.npz"
        runs: dict[str, list[dict[str, Any]]] = {fw: [] for fw in frameworks}
        for _ in range(repeats):
            for fw in frameworks:
                runs[fw].append(measure_in_subprocess(name, fw, path, "rss", smoke))
        per: dict[str, Any] = {fw: _median_run(r) for fw, r in runs.items()}
        if "ember" in frameworks:
            per["ember_tracemalloc"] = measure_in_subprocess(name, "ember", path,
                                                             "tracemalloc", smoke)
        delta = {fw: r.get("delta_mib") for fw, r in per.items()}
        ratio = _ratio(delta.get("ember"), delta.get("torch"))
        out[name] = {"frameworks": per, "ratio_ember_torch": ratio, "target": MEMORY_TARGET,
                     "met": None if ratio is None else ratio <= MEMORY_TARGET}
        log(f"  memory {name:12s} " + "  ".join(
            f"{fw} {d:.2f} MiB" if d is not None else f"{fw} error: {per[fw].get('error')}"
            for fw, d in delta.items()))
    return out


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median RSS delta, with every run's delta listed; an error if any
    run failed."""
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda r: r["delta_mib"])
    return dict(ordered[len(ordered) // 2], runs_delta_mib=[r["delta_mib"] for r in runs])


# --------------------------------------------------------------------------- reporting

def environment(frameworks: Sequence[str]) -> dict[str, Any]:
    import ember
    from ember.backends import _mkl

    env: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(),
        "cpu": _cpu_name(), "cpu_count": os.cpu_count(),
        "versions": {"numpy": np.__version__, "ember": getattr(ember, "__version__", "?")},
        "ember_gemm": "mkl" if _mkl.enabled() else "numpy",
        "threads": {"ember_optimizer_threads": ember.optim.get_num_threads(),
                    "numpy_blas": _blas_threads()},
        # glibc's malloc settings change NumPy's page-fault costs (see the package docstring)
        "env": {k: v for k, v in os.environ.items()
                if k.startswith(("MALLOC_", "OMP_", "OPENBLAS_", "MKL_", "KMP_", "EMBER_",
                                 "XLA_"))}}
    if "torch" in frameworks:
        import torch

        env["versions"]["torch"] = torch.__version__
        env["threads"]["torch"] = {"set_num_threads": TORCH_THREADS,
                                   "num_threads": torch.get_num_threads(),
                                   "num_interop_threads": torch.get_num_interop_threads()}
    if "jax" in frameworks:
        import jax

        from .jax_models import jax_threads

        env["versions"]["jax"] = jax.__version__
        env["threads"]["jax"] = jax_threads()
    return env


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_threads() -> Any:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                               "MKL_NUM_THREADS")} | {"note": "defaults"}
    return [{"library": Path(i.get("filepath", "?")).name,
             **{k: i.get(k) for k in ("internal_api", "num_threads", "version")}}
            for i in threadpool_info() if i.get("user_api") == "blas"]


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _met(v: bool | None) -> str:
    return "-" if v is None else ("yes" if v else "NO")


def format_table(report: dict[str, Any]) -> str:
    """The readable table: timings (medians over rounds), then peak memory if measured."""
    fws = report["frameworks"]
    head = ["workload", "mode"] + [f"{fw} ms" for fw in fws]
    head += [f"{fw}/torch" for fw in fws if fw != "torch" and "torch" in fws]
    head += ["target", "met?", "check"]
    rows = []
    for wl in report["workloads"]:
        check = wl.get("check", {}).get("ok", {})
        check_s = "ok" if check and all(check.values()) else (
            "DIFF:" + ",".join(fw for fw, ok in check.items() if not ok) if check else "-")
        for r in wl["results"]:
            row = [r["workload"], r["mode"]]
            row += [_fmt(r["frameworks"].get(fw, {}).get("median_ms"), ".3f") for fw in fws]
            if "torch" in fws:
                row += [_fmt(r.get(f"ratio_{fw}_torch"), ".2f") for fw in fws if fw != "torch"]
            row += [f"<={r['target']:.1f}", _met(r["met"]), check_s]
            rows.append(row)
    s = report["settings"]
    lines = [f"ms per step: median over {s['rounds']} rounds, each running k steps of every "
             "framework in turn (k and the min per round in the JSON)", _columns(head, rows)]
    mem = report.get("memory")
    if mem:
        lines.append("")
        lines.append("Peak memory of a training step (MiB over the baseline after building "
                     "model and data; fresh process per framework and workload):")
        head = ["workload"] + [f"{fw} RSS" for fw in fws]
        head += (["ember/torch", "target", "met?"] if "torch" in fws and "ember" in fws
                 else [])
        head += ["ember traced"] if "ember" in fws else []
        rows = []
        for name, m in mem.items():
            per = m["frameworks"]
            row = [name] + [_fmt(per.get(fw, {}).get("delta_mib"), ".2f") for fw in fws]
            if "torch" in fws and "ember" in fws:
                row += [_fmt(m["ratio_ember_torch"], ".2f"), f"<={m['target']:.1f}",
                        _met(m["met"])]
            if "ember" in fws:
                row.append(_fmt(per.get("ember_tracemalloc", {}).get("delta_mib"), ".2f"))
            rows.append(row)
        lines.append(_columns(head, rows))
        lines.append("RSS: peak resident set minus the baseline, the same method for every "
                     "framework; traced: tracemalloc's peak (sees NumPy's buffers only).")
    return "\n".join(lines)


def _columns(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*head), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*row) for row in rows]
    return "\n".join(out)


METHOD = {
    "timing": "per workload and mode: untimed warm-up rounds, then R rounds; each round runs "
              "k steps of each framework in turn (order rotating by round), with an untimed "
              "pause before each block so the previous framework's worker threads go idle; "
              "per-step time = block time / k; reported: median (and min) over rounds",
    "train_step": "zero_grad, forward, cross-entropy loss, backward, optimizer step "
                  "(JAX: one jitted value_and_grad + update, waited for)",
    "infer_step": "forward under no_grad with the model in eval mode",
    "memory": "fresh process per framework and workload, 3 processes each (median); peak "
              "RSS during 3 training steps minus RSS after a smoke-size warm-up step (for "
              "ember taking its size-gated fast paths, so MKL and the numba kernels load "
              "first) and building model, optimizer and data (JAX: after compiling); the "
              "same method for every framework. ember's tracemalloc peak is also given.",
}


# ------------------------------------------------------------------------------ main

def run(workloads: Sequence[str] = tuple(WORKLOADS), modes: Sequence[str] = MODES,
        frameworks: Sequence[str] | None = None, settings: Settings | None = None,
        memory: bool = False, log: Callable[[str], None] | None = None,
        command: str = "") -> dict[str, Any]:
    """Run the suite and return the report (what the JSON holds)."""
    settings = settings or Settings()
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    asked = list(frameworks or FRAMEWORKS)
    missing = [fw for fw in asked if fw != "ember" and not available(fw)]
    fws = [fw for fw in asked if fw not in missing]
    for fw in missing:
        log(f"{fw} is not installed: skipped")
    started = time.perf_counter()
    report: dict[str, Any] = {
        "suite": "ember benchmark suite", "command": command,
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "frameworks": fws, "skipped_frameworks": missing, "settings": settings.as_dict(),
        "method": METHOD, "environment": environment(fws), "workloads": []}
    with tempfile.TemporaryDirectory(prefix="ember-suite-") as tmp:
        state_dir = Path(tmp) if memory else None
        for name in workloads:
            report["workloads"].append(run_workload(WORKLOADS[name], fws, modes, settings,
                                                    log, state_dir))
        report["timing_s"] = time.perf_counter() - started
        if memory:
            report["memory"] = run_memory(workloads, fws, Path(tmp), settings.smoke, log)
    report["elapsed_s"] = time.perf_counter() - started
    return report


def _csv(value: str, allowed: Sequence[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(bad) or '(none)'}; "
                                         f"choose from {', '.join(allowed)}")
    return items


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    from . import __doc__ as doc

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(doc or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds; "
                        "no memory measurement unless --memory")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 2 timed steps, "
                        "no pauses, no memory measurement unless --memory (CI)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        type=lambda v: _csv(v, tuple(WORKLOADS), "workload"),
                        help=f"comma-separated subset of {','.join(WORKLOADS)}")
    parser.add_argument("--modes", default=",".join(MODES),
                        type=lambda v: _csv(v, MODES, "mode"), help="train,infer")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        type=lambda v: _csv(v, FRAMEWORKS, "framework"),
                        help="ember,torch,jax (those not installed are skipped)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 15; quick 5)")
    parser.add_argument("--warmup", type=int, help="untimed warm-up rounds (default 2)")
    parser.add_argument("--block-ms", type=float,
                        help="target duration of one framework's block (default 200)")
    parser.add_argument("--pause-ms", type=float, help="pause before each block (default 100)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=None,
                        help="measure peak memory in subprocesses (default: on, except with "
                        "--quick and --smoke)")
    parser.add_argument("--json", type=Path, help="where to write the JSON (default "
                        "benchmarks/results/suite-<date>-<time>.json)")
    args = parser.parse_args(argv)
    settings = Settings.preset(quick=args.quick, smoke=args.smoke)
    if args.rounds is not None:
        settings.rounds = max(1, args.rounds)
    if args.warmup is not None:
        settings.warmup = max(0, args.warmup)
    if args.block_ms is not None:
        settings.block_s = args.block_ms / 1e3
    if args.pause_ms is not None:
        settings.pause_s = args.pause_ms / 1e3
    memory = args.memory if args.memory is not None else not (args.quick or args.smoke)
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    report = run(args.workloads, args.modes, args.frameworks, settings, memory,
                 command=command.strip())
    print(format_table(report))
    path = args.json or RESULTS_DIR / f"suite-{_dt.datetime.now():%Y-%m-%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\n{len(report['workloads'])} workloads in {report['elapsed_s']:.0f} s; "
          f"JSON written to {path}")
    return report
