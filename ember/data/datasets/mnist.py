"""MNIST and Fashion-MNIST from their IDX files (optionally gzipped) in a local folder.

Files are looked for in ``root/<Name>/raw`` (torchvision's layout) and then ``root``;
``download=True`` fetches the official gzipped files into ``root/<Name>/raw``. Samples are
(a 28x28 uint8 NumPy image, an int label) before ``transform`` / ``target_transform``.

>>> import gzip, pathlib, tempfile, numpy as np
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> write_idx(root / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
>>> write_idx(root / "t10k-labels-idx1-ubyte", np.array([3, 7], np.uint8))
>>> ds = MNIST(root, train=False, check_integrity=False)
>>> len(ds), ds[1][1], ds[1][0].shape
(2, 7, (28, 28))
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._files import ImageArrayDataset, check_sha256, download

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}
_SPLITS = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
           False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` is decompressed): 2 zero bytes, a dtype code, the number of
    dimensions, big-endian int32 sizes, then the data."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">i4", ndim, 4).tolist()
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    count = int(np.prod(dims))
    offset = 4 + 4 * ndim
    if len(raw) - offset != count * dtype.itemsize:
        raise ValueError(f"{path}: header says shape {tuple(dims)} ({count * dtype.itemsize} "
                         f"bytes) but the file has {len(raw) - offset} bytes of data")
    return np.frombuffer(raw, dtype, count, offset).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an IDX file, gzipped when ``path`` ends in ``.gz``."""
    array = np.ascontiguousarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


class MNIST(ImageArrayDataset):
    """The MNIST handwritten digits: 60k train / 10k test 28x28 grey images, labels 0-9."""

    base_folder = "MNIST"
    mirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    classes = [str(i) for i in range(10)]
    # sha256 of the official files: the gzipped ones and (for MNIST) their uncompressed forms.
    sha256: dict[str, str] = {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False, check_integrity: bool = True) -> None:
        self.root = Path(root)
        self.train = train
        self.transform, self.target_transform = transform, target_transform
        if download:
            self.download()
        images, labels = (self._find(name) for name in _SPLITS[bool(train)])
        if check_integrity:
            for path in (images, labels):
                check_sha256(path, self.sha256.get(path.name))
        self.data = read_idx(images)
        self.targets = read_idx(labels).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise ValueError(f"{type(self).__name__}: {images.name} has {len(self.data)} "
                             f"images but {labels.name} has {len(self.targets)} labels")

    @property
    def raw_folder(self) -> Path:
        return self.root / self.base_folder / "raw"

    def _find(self, name: str) -> Path:
        for folder in (self.raw_folder, self.root):
            for candidate in (folder / name, folder / (name + ".gz")):
                if candidate.is_file():
                    return candidate
        raise RuntimeError(f"{type(self).__name__}: {name}[.gz] not found in {self.raw_folder} "
                           f"or {self.root}; pass download=True to fetch it")

    def download(self) -> None:
        """Fetch the four official gzipped files (skipping any already present)."""
        for split in (True, False):
            for name in _SPLITS[split]:
                dest = self.raw_folder / (name + ".gz")
                if not dest.is_file():
                    download(self.mirror + name + ".gz", dest, self.sha256.get(dest.name))


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, 10 clothing classes."""

    base_folder = "FashionMNIST"
    mirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    sha256 = {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
