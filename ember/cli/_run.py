"""The run folder: choosing its name, and the files training leaves in it.

A run folder holds ``config.resolved.toml``, ``summary.txt``, ``last.ckpt`` (every epoch
and at the end), ``best.ckpt`` (with validation data: the best epoch by the monitored
quantity), ``metrics.csv`` (one row per epoch), ``metrics.json`` (the per-epoch history,
the test metrics and the run's status) and ``curves.png``.

>>> _plain({"loss": [0.5, float("nan")]})
{'loss': [0.5, None]}
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..serialization import atomic_write
from ..training.callbacks import Callback
from ._errors import CLIError

LAST, BEST = "last.ckpt", "best.ckpt"
METRICS_JSON, METRICS_CSV, CURVES, SUMMARY = ("metrics.json", "metrics.csv", "curves.png",
                                              "summary.txt")


def choose(output: dict) -> Path:
    """The new run folder ``dir/name`` (``name`` defaults to the date and time); refuses
    an existing one. Nothing is created here."""
    base = Path(output["dir"])
    if base.exists() and not base.is_dir():
        raise CLIError(f"[output] dir {base} exists and is not a folder")
    if output["name"]:
        folder = base / output["name"]
        if folder.exists():
            raise CLIError(f"run folder {folder} already exists; choose another [output] name "
                           f"(or --name), or continue that run with: ember resume {folder}")
        return folder
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, n = base / stamp, 1
    while folder.exists():
        folder, n = base / f"{stamp}-{n}", n + 1
    return folder


def find_run(run: str | os.PathLike) -> Path:
    folder = Path(run)
    if not folder.is_dir():
        raise CLIError(f"run folder not found: {folder}")
    return folder


def checkpoint_path(folder: Path, which: str) -> Path:
    """``last``, ``best`` or a path."""
    if which in ("last", "best"):
        path = folder / (LAST if which == "last" else BEST)
        if not path.is_file():
            hint = " (best.ckpt is written only with validation data)" if which == "best" else ""
            raise CLIError(f"{folder} has no {path.name}{hint}")
        return path
    path = Path(which)
    if not path.is_file():
        raise CLIError(f"--checkpoint: file not found: {path}")
    return path


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def checkpoint_epoch(path: Path) -> int:
    """The number of epochs a training checkpoint holds (read without a model)."""
    from ..serialization import CheckpointError, load
    try:
        ckpt = load(path)
    except (CheckpointError, OSError) as exc:
        raise CLIError(str(exc), exit_code=1) from None
    epoch = ckpt.get("epoch") if isinstance(ckpt, dict) else None
    if (not isinstance(ckpt, dict) or ckpt.get("format") != "ember.checkpoint"
            or not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0):
        raise CLIError(f"{path} is not an ember training checkpoint", exit_code=1)
    return epoch


def write_metrics(folder: Path, model: Any, *, status: str, test: dict | None = None,
                  monitor: str | None = None, seconds: float | None = None,
                  error: str | None = None) -> None:
    history = model.history
    data: dict[str, Any] = {"status": status, "epochs_completed": len(history),
                            "epoch": list(history.epoch), "history": history.history}
    if error is not None:
        data["error"] = error
    if monitor and history.history.get(monitor):
        values = [v for v in history.history[monitor] if math.isfinite(v)]
        if values:
            from ..training.callbacks import resolve_mode
            pick = min if resolve_mode("ember", monitor, "auto") == "min" else max
            best = pick(values)
            epoch = history.epoch[history.history[monitor].index(best)]
            data["best"] = {"monitor": monitor, "value": best, "epoch": epoch}
    if test is not None:
        data["test"] = test
    if history.stop_reason:
        data["stop_reason"] = history.stop_reason
    if seconds is not None:
        data["train_seconds"] = round(seconds, 2)
    with atomic_write(folder / METRICS_JSON, "w") as f:
        f.write(json.dumps(_plain(data), indent=2) + "\n")


def read_metrics(folder: Path) -> dict:
    try:
        return json.loads((folder / METRICS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def rewrite_csv(folder: Path, history: Any) -> None:
    """``metrics.csv`` rebuilt from a checkpoint's history (before resuming), in the
    CSVLogger's format, so rows of epochs after the checkpoint disappear."""
    keys = list(history.history)
    with open(folder / METRICS_CSV, "w", newline="") as f:
        writer = csv.writer(f)
        if history.epoch:
            writer.writerow(["epoch", *keys])
            for i, epoch in enumerate(history.epoch):
                writer.writerow([epoch, *(repr(float(history.history[k][i])) for k in keys)])


def plot(folder: Path, model: Any) -> None:
    try:
        model.history.plot(folder / CURVES, title=folder.name)
    except Exception as exc:  # matplotlib missing or failing: the run itself is fine
        print(f"ember: note: {CURVES} not written: {exc}", file=sys.stderr)


class MetricsWriter(Callback):
    """Keeps ``metrics.json`` current after every epoch (status ``running``)."""

    def __init__(self, folder: Path, monitor: str) -> None:
        self.folder, self.monitor = folder, monitor

    def on_epoch_end(self, epoch, logs=None):
        write_metrics(self.folder, self.model, status="running", monitor=self.monitor)
