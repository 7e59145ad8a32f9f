"""The five workloads: sizes, data, and one model definition shared by ember and PyTorch.

ember's ``nn`` mirrors ``torch.nn`` (same module names, arguments and state-dict keys), so
each model is written once as a function of the ``nn`` namespace and built twice. PyTorch's
copy is built first from ``torch.manual_seed(0)``; its state dict, as NumPy arrays, is the
initial state of every framework (ember loads it, JAX takes it as its parameter tree), so all
frameworks start from the same weights and do the same arithmetic.

Data are fixed NumPy arrays from a seeded generator, converted once per framework.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEED = 0


@dataclass(frozen=True)
class Workload:
    """One benchmark model: its sizes (full and smoke), how to make its data and model, its
    optimizer, and the issue's targets for the ratio ember / PyTorch."""

    name: str
    title: str
    sizes: dict[str, int]
    smoke_sizes: dict[str, int]
    make_data: Callable[[np.random.Generator, dict[str, int]], tuple[np.ndarray, np.ndarray]]
    build: Callable[[Any, dict[str, int]], Any]  # (nn namespace, sizes) -> module
    optimizer: str = "sgd"  # "sgd": SGD(lr, momentum=0.9); "adam": Adam(lr)
    lr: float = 0.01
    targets: dict[str, float] = field(default_factory=lambda: {"train": 1.0, "infer": 1.0})
    reference_torch_ms: str = ""  # the PyTorch training-step times on this machine

    def size_set(self, smoke: bool) -> dict[str, int]:
        return dict(self.smoke_sizes if smoke else self.sizes)

    def describe(self, smoke: bool = False) -> str:
        s = self.size_set(smoke)
        return f"{self.title} ({', '.join(f'{k}={v}' for k, v in s.items())})"


# ----------------------------------------------------------------------------------- data

def _classify_data(rng: np.random.Generator, s: dict[str, int]) -> tuple[np.ndarray, ...]:
    x = rng.standard_normal((s["batch"], s["inp"])).astype(np.float32)
    y = rng.integers(0, s["classes"], size=s["batch"]).astype(np.int64)
    return x, y


def _image_data(rng: np.random.Generator, s: dict[str, int]) -> tuple[np.ndarray, ...]:
    x = rng.standard_normal((s["batch"], 1, s["image"], s["image"])).astype(np.float32)
    y = rng.integers(0, s["classes"], size=s["batch"]).astype(np.int64)
    return x, y


def _token_data(rng: np.random.Generator, s: dict[str, int]) -> tuple[np.ndarray, ...]:
    """Inputs are tokens 0..seq-1 of each row, targets tokens 1..seq (flattened): the loss is
    cross entropy over all ``batch * seq`` next-token targets."""
    tokens = rng.integers(0, s["vocab"], size=(s["batch"], s["seq"] + 1)).astype(np.int64)
    return np.ascontiguousarray(tokens[:, :-1]), np.ascontiguousarray(tokens[:, 1:]).reshape(-1)


# --------------------------------------------------------------------------------- models

def _build_tiny(nn: Any, s: dict[str, int]) -> Any:
    return nn.Sequential(nn.Linear(s["inp"], s["hidden"]), nn.ReLU(),
                         nn.Linear(s["hidden"], s["classes"]))


def _build_mlp(nn: Any, s: dict[str, int]) -> Any:
    return nn.Sequential(nn.Linear(s["inp"], s["hidden"]), nn.ReLU(),
                         nn.Linear(s["hidden"], s["hidden"]), nn.ReLU(),
                         nn.Linear(s["hidden"], s["classes"]))


def _build_cnn(nn: Any, s: dict[str, int]) -> Any:
    c1, c2, side = s["c1"], s["c2"], s["image"] // 4
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * side * side, s["classes"]))


def _build_lstm(nn: Any, s: dict[str, int]) -> Any:
    class LSTMLanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(s["vocab"], s["emb"])
            self.lstm = nn.LSTM(s["emb"], s["hidden"], batch_first=True)
            self.head = nn.Linear(s["hidden"], s["vocab"])

        def forward(self, x: Any) -> Any:
            out, _ = self.lstm(self.emb(x))
            return self.head(out)

    return LSTMLanguageModel()


def _build_transformer(nn: Any, s: dict[str, int]) -> Any:
    class TransformerLanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(s["vocab"], s["d"])
            self.layer = nn.TransformerEncoderLayer(s["d"], s["heads"], s["ff"], dropout=0.0,
                                                    norm_first=True, batch_first=True)
            self.head = nn.Linear(s["d"], s["vocab"])

        def forward(self, x: Any) -> Any:
            return self.head(self.layer(self.emb(x)))

    return TransformerLanguageModel()


def loss_fn(F: Any, out: Any, y: Any) -> Any:
    """Mean cross entropy; sequence outputs ``(batch, seq, vocab)`` are flattened to match
    the flat targets. ``F`` is ``torch.nn.functional`` or ``ember.nn.functional``."""
    if len(out.shape) > 2:
        out = out.reshape(-1, out.shape[-1])
    return F.cross_entropy(out, y)


WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    Workload("tiny", "tiny MLP 64-64-10",
             {"batch": 32, "inp": 64, "hidden": 64, "classes": 10},
             {"batch": 4, "inp": 8, "hidden": 8, "classes": 3},
             _classify_data, _build_tiny, reference_torch_ms="0.27-0.55"),
    Workload("mlp", "MLP 784-512-512-10",
             {"batch": 128, "inp": 784, "hidden": 512, "classes": 10},
             {"batch": 4, "inp": 16, "hidden": 8, "classes": 3},
             _classify_data, _build_mlp, reference_torch_ms="3.7-5.0"),
    Workload("cnn", "CNN conv32-pool-conv64-BN-pool-linear",
             {"batch": 64, "image": 28, "c1": 32, "c2": 64, "classes": 10},
             {"batch": 2, "image": 8, "c1": 2, "c2": 3, "classes": 3},
             _image_data, _build_cnn, targets={"train": 1.3, "infer": 1.0},
             reference_torch_ms="~28"),
    Workload("lstm", "LSTM LM emb128-LSTM256-vocab1000",
             {"batch": 32, "seq": 35, "vocab": 1000, "emb": 128, "hidden": 256},
             {"batch": 2, "seq": 4, "vocab": 11, "emb": 4, "hidden": 6},
             _token_data, _build_lstm, reference_torch_ms="~31"),
    Workload("transformer", "Transformer LM d256-4 heads-ff1024 (pre-norm), Adam",
             {"batch": 16, "seq": 128, "vocab": 1000, "d": 256, "heads": 4, "ff": 1024},
             {"batch": 2, "seq": 4, "vocab": 11, "d": 8, "heads": 2, "ff": 16},
             _token_data, _build_transformer, optimizer="adam", lr=1e-3,
             reference_torch_ms="~90"),
]}


def make_data(workload: Workload, smoke: bool = False) -> tuple[np.ndarray, np.ndarray]:
    return workload.make_data(np.random.default_rng(SEED), workload.size_set(smoke))


def initial_state(workload: Workload, smoke: bool = False) -> tuple[dict[str, np.ndarray],
                                                                    set[str]]:
    """The initial state dict (NumPy copies) of PyTorch's model built from seed 0, and the
    names of its trainable parameters (the rest are buffers, e.g. BatchNorm's running
    statistics)."""
    import torch

    torch.manual_seed(SEED)
    model = workload.build(torch.nn, workload.size_set(smoke))
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return state, {k for k, _ in model.named_parameters()}


def initial_state_without_torch(workload: Workload, smoke: bool = False
                                ) -> tuple[dict[str, np.ndarray], set[str]]:
    """The same structure from ember's own initialisation (used only when PyTorch is not
    installed; the frameworks then still share one set of weights)."""
    import ember

    ember.manual_seed(SEED)
    model = workload.build(ember.nn, workload.size_set(smoke))
    state = {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}
    return state, {k for k, _ in model.named_parameters()}
