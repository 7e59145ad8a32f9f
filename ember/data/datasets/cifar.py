"""CIFAR-10 from its binary version (``cifar-10-batches-bin``; never the pickled one).

Each ``.bin`` file holds 10,000 records of 3,073 bytes: the label, then 1,024 red, 1,024
green and 1,024 blue bytes (rows of a 32x32 image). Samples are (a 32x32x3 HWC uint8 NumPy
image, an int label) before ``transform`` / ``target_transform``.

The official archive ``cifar-10-binary.tar.gz`` is sha256-checked (download, or found in
``root``) before it is unpacked; no official sums exist for the unpacked ``.bin`` files, so
those are checked for their size and record format only.

>>> import pathlib, tempfile, numpy as np
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> write_cifar_bin(root / "cifar-10-batches-bin" / "test_batch.bin",
...                 np.zeros((2, 32, 32, 3), np.uint8), [4, 9])
>>> ds = CIFAR10(root, train=False)
>>> len(ds), ds[1][1], ds[0][0].shape
(2, 9, (32, 32, 3))
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ._files import ImageArrayDataset, check_sha256, download

_RECORD = 1 + 32 * 32 * 3


def read_cifar_bin(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(images N x 32 x 32 x 3 uint8, labels N int64) from one binary batch file."""
    raw = np.fromfile(path, np.uint8)
    if raw.size % _RECORD:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {_RECORD}-byte "
                         "CIFAR-10 records")
    records = raw.reshape(-1, _RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.size and labels.max() > 9:
        raise ValueError(f"{path}: label {labels.max()} out of range 0-9 (not CIFAR-10?)")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def write_cifar_bin(path: str | os.PathLike, images: np.ndarray, labels: Sequence[int]
                    ) -> None:
    """Write N x 32 x 32 x 3 uint8 images and their labels in the binary batch format."""
    images = np.asarray(images, np.uint8)
    records = np.empty((len(images), _RECORD), np.uint8)
    records[:, 0] = labels
    records[:, 1:] = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    records.tofile(path)


class CIFAR10(ImageArrayDataset):
    """CIFAR-10: 50k train / 10k test 32x32 colour images in 10 classes."""

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    archive = "cifar-10-binary.tar.gz"
    archive_sha256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
    train_files = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_files = ["test_batch.bin"]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False, check_integrity: bool = True) -> None:
        self.root = Path(root)
        self.train = train
        self.transform, self.target_transform = transform, target_transform
        folder = self.root / self.base_folder
        archive = self.root / self.archive
        if download and not folder.is_dir():
            if not archive.is_file():
                _fetch(self.url, archive, self.archive_sha256)
        if not folder.is_dir() and archive.is_file():
            if check_integrity:
                check_sha256(archive, self.archive_sha256)
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(self.root, filter="data")  # no links or paths outside root
        names = self.train_files if train else self.test_files
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise RuntimeError(f"CIFAR10: {', '.join(missing)} not found in {folder}; pass "
                               f"download=True or put {self.archive} in {self.root}")
        parts = [read_cifar_bin(folder / n) for n in names]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = np.concatenate([p[1] for p in parts])


_fetch = download
