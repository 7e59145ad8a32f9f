"""DataLoader throughput, ember vs PyTorch, same process, alternating runs, medians.

A 28x28 uint8 image dataset (10k samples) whose ``__getitem__`` returns (the image as a float
tensor in [0, 1], an int label); batch 64, ``num_workers=2``, one full epoch per run (worker
start-up included, as a training loop pays it every epoch without persistent workers).

    python -m benchmarks.dataloader [--samples 10000] [--repeats 5] [--workers 2]

>>> rows = run(samples=256, repeats=1, workers=0)
>>> sorted(rows)
['ember', 'torch']
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ember
from ember.data import DataLoader, Dataset


class EmberImages(Dataset):
    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return ember.from_numpy(self.images[i]).float() / 255, int(self.labels[i])


def _torch_dataset(images: np.ndarray, labels: np.ndarray):
    import torch
    from torch.utils.data import Dataset as TorchDataset

    class TorchImages(TorchDataset):
        def __len__(self) -> int:
            return len(images)

        def __getitem__(self, i: int):
            return torch.from_numpy(images[i]).float() / 255, int(labels[i])

    return TorchImages(), torch.utils.data.DataLoader


def _epoch(loader) -> float:
    start = time.perf_counter()
    n = 0
    for x, _ in loader:
        n += x.shape[0]
    return time.perf_counter() - start


def run(samples: int = 10_000, repeats: int = 5, workers: int = 2,
        batch_size: int = 64) -> dict[str, float]:
    """Median seconds per epoch for each framework."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (samples, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, samples)
    torch_ds, TorchLoader = _torch_dataset(images, labels)
    loaders = {
        "ember": DataLoader(EmberImages(images, labels), batch_size=batch_size, shuffle=True,
                            num_workers=workers),
        "torch": TorchLoader(torch_ds, batch_size=batch_size, shuffle=True,
                             num_workers=workers),
    }
    times: dict[str, list[float]] = {k: [] for k in loaders}
    for _ in range(repeats):
        for name, loader in loaders.items():  # alternating, so drift hits both alike
            times[name].append(_epoch(loader))
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    rows = run(args.samples, args.repeats, args.workers, args.batch_size)
    for name, t in rows.items():
        print(f"{name:6s} {t * 1e3:8.1f} ms/epoch  {args.samples / t:10.0f} samples/s")
    print(f"ember / torch time: {rows['ember'] / rows['torch']:.2f} (<= 1 meets the target)")


if __name__ == "__main__":
    main()
