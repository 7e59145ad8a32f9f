"""Callbacks that write: checkpoints, CSV logs, TensorBoard event files, the progress bar.

>>> import io
>>> bar = ProgressBar(file=io.StringIO())     # not a terminal: one line per epoch
>>> bar.params = {"epochs": 2, "steps": 3}
>>> bar.on_epoch_begin(0); bar.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
>>> bar.file.getvalue()
'epoch 1/2 - 3 steps - loss 0.5000 - accuracy 0.7500\\n'
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
from typing import Any, TextIO

from .callbacks import Callback, improved, monitored, resolve_mode
from .history import is_scalar


class ModelCheckpoint(Callback):
    """Save a training checkpoint (model, optimizer, scheduler, epoch, step, RNG states,
    history) after every ``every_n_epochs`` epochs, atomically. ``filepath`` may hold
    format fields: ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``. With
    ``save_best_only`` it writes only when ``monitor`` improves; ``save_weights_only``
    stores just the model's state dict (``ember.save``). An epoch whose loss is not
    finite is never saved, so a NaN leaves the last good checkpoint in place. Its
    ``on_epoch_end`` runs after the other callbacks', and the checkpoint holds their state
    (early stopping, plateau and schedule counters), so a resumed run continues exactly."""

    writes_checkpoints = True

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 mode: str = "auto", save_best_only: bool = False,
                 save_weights_only: bool = False, every_n_epochs: int = 1,
                 verbose: int = 0) -> None:
        if every_n_epochs < 1:
            raise ValueError(f"ModelCheckpoint: every_n_epochs must be >= 1, got "
                             f"{every_n_epochs}")
        self.filepath, self.monitor = os.fspath(filepath), monitor
        self.mode = resolve_mode("ModelCheckpoint", monitor, mode)
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.every_n_epochs, self.verbose = every_n_epochs, verbose
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved: str | None = None

    def state_dict(self) -> dict:
        return {"best": self.best, "last_saved": self.last_saved}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.last_saved = state.get("best", self.best), state.get("last_saved")

    def _path(self, epoch: int, logs: dict) -> str:
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, ValueError, IndexError) as err:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} names a field the "
                             f"logs lack or misformats one ({err}); logs hold "
                             f"{', '.join(sorted(logs))}") from None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if (epoch + 1) % self.every_n_epochs:
            return
        if not math.isfinite(float(logs.get("loss", 0.0))):
            print(f"ModelCheckpoint: epoch {epoch + 1} loss is {logs['loss']}; not saved",
                  file=sys.stderr)
            return
        if self.save_best_only:
            value = monitored("ModelCheckpoint", self.monitor, logs)
            better = value is not None and math.isfinite(value) and improved(
                self.mode, value, self.best)
            if not better:
                return
            self.best = value
        path = self._path(epoch, logs)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            from ..serialization import save
            save(self.model.network.state_dict(), path)
        else:
            self.model.save_checkpoint(path, epoch=epoch + 1)
        self.last_saved = path
        if self.verbose:
            print(f"ModelCheckpoint: saved {path}", file=sys.stderr)


class CSVLogger(Callback):
    """One CSV row per epoch (``epoch`` then the logged values), flushed as it goes;
    ``append=True`` continues an existing file (e.g. when resuming)."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False) -> None:
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self.keys: list[str] | None = None
        self._file: TextIO | None = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename)
        self.keys = None
        if exists:
            with open(self.filename, newline="") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            self.keys = header[1:] if header else None
        self._file = open(self.filename, "a" if exists else "w", newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: v for k, v in (logs or {}).items() if is_scalar(v)}
        writer = csv.writer(self._file, delimiter=self.separator)
        if self.keys is None:
            self.keys = list(logs)
            writer.writerow(["epoch", *self.keys])
        writer.writerow([epoch, *(_fmt(logs.get(k, "")) for k in self.keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TensorBoard(Callback):
    """Epoch scalars (``epoch_<name>``, plus ``batch_<name>`` every ``update_freq`` steps
    when it is an int or "batch"), parameter histograms every ``histogram_freq`` epochs, and the
    model graph from the first batch, written with ember.tensorboard.SummaryWriter."""

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, update_freq: str | int = "epoch") -> None:
        if update_freq not in ("epoch", "batch") and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a "
                             f"positive int, got {update_freq!r}")
        self.log_dir, self.histogram_freq = os.fspath(log_dir), histogram_freq
        self.write_graph = write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.writer = None

    def on_train_begin(self, logs=None):
        from ..tensorboard import SummaryWriter
        self.writer = SummaryWriter(self.log_dir)
        self._graph_pending = self.write_graph

    def on_train_batch_begin(self, batch, logs=None):
        if self._graph_pending and self.model.last_inputs is not None:
            self.writer.add_graph(self.model.network, self.model.last_inputs)
            self._graph_pending = False

    def on_train_batch_end(self, batch, logs=None):
        freq = self.update_freq
        if isinstance(freq, int) and self.model.global_step % freq == 0:
            for key, value in (logs or {}).items():
                if is_scalar(value):
                    self.writer.add_scalar(f"batch_{key}", value, self.model.global_step)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if is_scalar(value):
                self.writer.add_scalar(f"epoch_{key}", value, epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for name, param in self.model.network.named_parameters():
                self.writer.add_histogram(name, param.detach(), epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()


class ProgressBar(Callback):
    """Per-batch progress with loss, metrics and ETA on a terminal (tqdm); elsewhere, or
    with ``per_epoch_only`` (``fit(verbose=2)``), one summary line per epoch."""

    def __init__(self, file: TextIO | None = None, per_epoch_only: bool = False) -> None:
        self.file, self.per_epoch_only = file, per_epoch_only
        self.params: dict[str, Any] = {}
        self._bar = None

    def _stream(self) -> TextIO:
        return self.file if self.file is not None else sys.stdout

    def _interactive(self) -> bool:
        if self.per_epoch_only:
            return False
        isatty = getattr(self._stream(), "isatty", None)
        if not (isatty and isatty()):
            return False
        try:
            import tqdm  # noqa: F401
        except ImportError:
            return False
        return True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.start = epoch, time.perf_counter()
        if self._interactive():
            from tqdm import tqdm
            self._bar = tqdm(total=self.params.get("steps"), file=self._stream(),
                             desc=f"epoch {epoch + 1}/{self.params.get('epochs', '?')}",
                             unit="batch", leave=True, dynamic_ncols=True)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(_describe(logs or {}), refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        text = _describe(logs or {})
        if self._bar is not None:
            self._bar.set_postfix_str(text)
            self._bar.close()
            self._bar = None
            return
        steps = self.params.get("steps")
        counted = f" - {steps} steps" if steps else ""
        print(f"epoch {epoch + 1}/{self.params.get('epochs', '?')}{counted} - {text}",
              file=self._stream(), flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _fmt(value: Any) -> Any:
    return repr(float(value)) if is_scalar(value) else value


def _describe(logs: dict) -> str:
    parts = []
    for key, value in logs.items():
        if not is_scalar(value):
            continue
        parts.append(f"{key} {value:.2e}" if key == "lr" else f"{key} {value:.4f}")
    return " - ".join(parts)
