"""What ``Model.fit`` returns: per-epoch logs, and a PNG of the curves.

>>> h = History()
>>> h.record(0, {"loss": 0.9, "accuracy": 0.5})
>>> h.record(1, {"loss": 0.4, "accuracy": 0.8})
>>> h.history["loss"], h.epoch
([0.9, 0.4], [0, 1])
"""

from __future__ import annotations

import math
import os
from typing import Any


class History:
    """``history[key]`` is the list of epoch values of a logged quantity (``loss``,
    ``val_loss``, each metric, ``lr``); ``epoch`` the matching epoch indices.

    Keys that first appear in a later epoch are padded with NaN for earlier epochs, so
    every list has one value per recorded epoch."""

    def __init__(self, history: dict[str, list[float]] | None = None,
                 epoch: list[int] | None = None) -> None:
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (history or {}).items()}
        self.epoch: list[int] = list(epoch or [])
        self.stop_reason: str | None = None

    def record(self, epoch: int, logs: dict[str, Any]) -> None:
        """Append one epoch's scalar logs."""
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            if not is_scalar(value):
                continue
            column = self.history.setdefault(key, [math.nan] * (len(self.epoch) - 1))
            column.append(float(value))
        for column in self.history.values():
            if len(column) < len(self.epoch):
                column.append(math.nan)

    def truncate(self, n_epochs: int) -> None:
        """Keep the records of epochs ``< n_epochs`` (used when training resumes)."""
        keep = [i for i, e in enumerate(self.epoch) if e < n_epochs]
        self.epoch = [self.epoch[i] for i in keep]
        self.history = {k: [v[i] for i in keep] for k, v in self.history.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"history": {k: list(v) for k, v in self.history.items()},
                "epoch": list(self.epoch)}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any] | None) -> History:
        state = state or {}
        return cls(state.get("history"), state.get("epoch"))

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"

    def plot(self, path: str | os.PathLike, *, keys: list[str] | None = None,
             title: str | None = None) -> str:
        """Write a PNG with one panel per quantity (loss, each metric), training and
        validation curves together; returns the path. Needs matplotlib.

        Example: ``model.fit(...).plot("curves.png")``."""
        try:
            import matplotlib
            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError('History.plot needs matplotlib: pip install "ember[train]"'
                              ) from None
        names = keys or [k for k in self.history if not k.startswith("val_") and k != "lr"]
        if not names:
            raise ValueError("History.plot: nothing to plot (no epochs were recorded)")
        fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
        for ax, name in zip(axes[0], names):
            ax.plot(self.epoch, self.history[name], marker="o", ms=3, label=name)
            if f"val_{name}" in self.history:
                ax.plot(self.epoch, self.history[f"val_{name}"], marker="o", ms=3,
                        label=f"val_{name}")
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(os.fspath(path), dpi=100)
        plt.close(fig)
        return os.fspath(path)


def is_scalar(value: Any) -> bool:
    """A loggable number: int, float or 0-d array, not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return getattr(value, "ndim", None) == 0 or getattr(value, "shape", None) == ()
