"""Shared by the file-backed datasets: locating files, sha256 checks and downloads.

>>> import hashlib, pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "f"
>>> _ = p.write_bytes(b"abc")
>>> sha256(p) == hashlib.sha256(b"abc").hexdigest()
True
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..dataset import Dataset

_CHUNK = 1 << 20


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str | None) -> None:
    """Raise if ``path``'s sha256 is not ``expected`` (``None``: no official sum known)."""
    if expected is None:
        return
    actual = sha256(path)
    if actual != expected:
        raise RuntimeError(f"integrity check failed for {path}: sha256 is {actual}, expected "
                           f"{expected} (a corrupt or different file; delete it and download "
                           "again, or pass check_integrity=False for your own files)")


def download(url: str, dest: Path, expected: str | None) -> None:
    """Fetch ``url`` to ``dest`` (through a temporary name) and check its sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
    except (urllib.error.URLError, OSError) as exc:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"could not download {url} (no network?): {exc}. Put the file at "
                           f"{dest} yourself and pass download=False") from None
    try:
        check_sha256(part, expected)
    except RuntimeError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)


class ImageArrayDataset(Dataset):
    """``(image, int(target))`` pairs read from the ``data`` and ``targets`` arrays a
    subclass loads, passed through ``transform`` / ``target_transform``."""

    data: Any
    targets: Any
    transform: Callable | None
    target_transform: Callable | None

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
