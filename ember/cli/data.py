"""The data of a config as NumPy arrays: the built-in datasets, an image folder, or .npz /
.npy files; the fixed validation/test splits; per-channel standardisation; and turning a
file given to ``ember predict`` into a model input.

Images become float32 ``N x C x H x W`` arrays in [0, 1]; arrays from .npz/.npy files are
used as stored (float64 as float32). Every split uses a fixed generator, so runs with
different seeds see the same data and differ only in initialisation and batch order.

>>> x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
>>> mean, std = channel_stats(x)
>>> mean, [round(s, 4) for s in std]
([2.5, 4.5], [2.0616, 2.0616])
>>> [round(v, 4) for v in normalize(x, mean, std)[0, 0].tolist()]
[-1.2127, -0.7276]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import CLIError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
IMAGE_KINDS = ("digits", "mnist", "fashion_mnist", "cifar10", "folder")
BUILTIN_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28),
                  "cifar10": (3, 32, 32)}
_SPLIT_SEED = 0


@dataclass
class Data:
    """Arrays for training, validation (optional) and test, plus what the run records."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str] | None
    mean: list[float] | None
    std: list[float] | None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.x_train.shape[1:])

    @property
    def num_classes(self) -> int | None:
        if self.y_train.dtype.kind not in "iu":
            return None
        return int(max(self.y_train.max(), self.y_test.max())) + 1


# ---------------------------------------------------------------------- loading
def _images(x: np.ndarray) -> np.ndarray:
    """uint8 images -> float32 in [0, 1]; N x H x W gains a channel axis."""
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x[:, None] if x.ndim == 3 else x


def _builtin(cfg: dict, train: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from ..data import datasets
    kind = cfg["dataset"]
    if kind == "digits":
        ds = datasets.Digits(train=train)
        return ds.data, ds.targets, list(ds.classes)
    cls = {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST,
           "cifar10": datasets.CIFAR10}[kind]
    ds = cls(cfg["root"], train=train, download=cfg["download"])
    x = np.asarray(ds.data)
    if x.ndim == 4:  # CIFAR: N x H x W x C
        x = x.transpose(0, 3, 1, 2)
    return _images(x), np.asarray(ds.targets, dtype=np.int64), list(cls.classes)


def _open_image(file: Path, channels: int, size: list[int] | None) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:
        raise CLIError('reading images needs Pillow: pip install pillow') from None
    try:
        with Image.open(file) as img:
            img = img.convert("L" if channels == 1 else "RGB")
            if size is not None and img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), Image.BILINEAR)
            array = np.asarray(img, dtype=np.uint8)
    except OSError as exc:
        raise CLIError(f"could not read image {file}: {exc}") from None
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _folder(root: str, cfg: dict, classes: list[str] | None = None
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Images in ``root/<class>/``, classes in sorted order (as torchvision's ImageFolder)."""
    folder = Path(root)
    if not folder.is_dir():
        raise CLIError(f"[data] folder not found: {folder}")
    found = sorted(p.name for p in folder.iterdir() if p.is_dir())
    classes = classes or found
    if not classes:
        raise CLIError(f"[data] {folder} has no class subfolders (expected {folder}/<class>/"
                       "<image files>)")
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise CLIError(f"[data] {folder} has class folders {unknown} that the training data "
                       f"lacks (classes: {classes})")
    channels, size = cfg["channels"] or 3, cfg["image_size"]
    images, labels = [], []
    for label, name in enumerate(classes):
        for file in sorted((folder / name).iterdir() if (folder / name).is_dir() else []):
            if file.suffix.lower() in IMAGE_SUFFIXES:
                image = _open_image(file, channels, size)
                if images and image.shape != images[0].shape:
                    raise CLIError(f"[data] {file} is {image.shape[2]}x{image.shape[1]} but "
                                   f"earlier images are {images[0].shape[2]}x"
                                   f"{images[0].shape[1]}; set [data] image_size = [h, w] "
                                   "to resize them all")
                images.append(image)
                labels.append(label)
    if not images:
        raise CLIError(f"[data] no images ({', '.join(IMAGE_SUFFIXES)}) under {folder}")
    return _images(np.stack(images)), np.array(labels, dtype=np.int64), classes


def _load_array(file: str, what: str) -> Any:
    if not os.path.isfile(file):
        raise CLIError(f"[data] {what}: file not found: {file}")
    try:
        return np.load(file, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CLIError(f"[data] {what}: could not read {file}: {exc}") from None


def _arrays(source: str | list[str], kind: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "npy":
        x, y = (_load_array(f, what) for f in source)
    else:
        archive = _load_array(source, what)
        if not hasattr(archive, "files") or not {"x", "y"} <= set(archive.files):
            keys = list(getattr(archive, "files", []))
            raise CLIError(f"[data] {what}: {source} must be an .npz file holding arrays "
                           f"'x' and 'y', found {keys or 'a single array'}")
        x, y = archive["x"], archive["y"]
    if len(x) != len(y):
        raise CLIError(f"[data] {what}: x has {len(x)} samples but y has {len(y)}")
    if x.dtype == np.float64:
        x = x.astype(np.float32)
    if y.dtype.kind in "iu":
        y = y.astype(np.int64)
    elif y.dtype.kind == "f":
        y = y.astype(np.float32)
    else:
        raise CLIError(f"[data] {what}: y must hold integer labels or float targets, got "
                       f"dtype {y.dtype}")
    return x, y


def _split(n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) index arrays: a fixed random ``fraction`` held out."""
    order = np.random.default_rng(_SPLIT_SEED).permutation(n)
    held = int(round(n * fraction))
    if held < 1 or held >= n:
        raise CLIError(f"[data] a split of {fraction} of {n} samples leaves {n - held} and "
                       f"{held}; both parts need at least one sample")
    return np.sort(order[held:]), np.sort(order[:held])


def _raw(cfg: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list | None]:
    kind = cfg["dataset"]
    try:
        if kind in BUILTIN_SHAPES:
            x, y, classes = _builtin(cfg, True)
            xt, yt, _ = _builtin(cfg, False)
            return x, y, xt, yt, cfg["classes"] or classes
        if kind == "folder":
            x, y, classes = _folder(cfg["train"], cfg, cfg["classes"])
            if cfg["test"] is not None:
                xt, yt, _ = _folder(cfg["test"], {**cfg, "image_size": list(x.shape[2:])},
                                    classes)
                return x, y, xt, yt, classes
        else:
            x, y = _arrays(cfg["train"], kind, "train")
            classes = cfg["classes"]
            if cfg["test"] is not None:
                xt, yt = _arrays(cfg["test"], kind, "test")
                return x, y, xt, yt, classes
    except (OSError, RuntimeError, ValueError) as exc:  # missing or corrupt dataset files
        raise CLIError(f"[data] dataset = {kind!r}: {exc}") from None
    keep, test = _split(len(x), cfg["test_split"])
    return x[keep], y[keep], x[test], y[test], classes


def channel_stats(x: np.ndarray) -> tuple[list[float], list[float]]:
    """Mean and standard deviation over every axis but 1 (the channel or feature axis)."""
    axes = tuple(i for i in range(x.ndim) if i != 1)
    mean = x.mean(axis=axes, dtype=np.float64)
    std = x.std(axis=axes, dtype=np.float64)
    std = np.where(std > 1e-8, std, 1.0)
    return [float(v) for v in np.atleast_1d(mean)], [float(v) for v in np.atleast_1d(std)]


def normalize(x: np.ndarray, mean: list[float] | None, std: list[float] | None) -> np.ndarray:
    """``(x - mean) / std`` per channel (axis 1); unchanged when mean is None."""
    if mean is None or x.dtype.kind != "f":
        return x
    shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim >= 2 else (-1,)
    if x.ndim >= 2 and x.shape[1] != len(mean):
        raise CLIError(f"[data] mean and std have {len(mean)} values but the data has "
                       f"{x.shape[1]} channels")
    m = np.asarray(mean, np.float32).reshape(shape)
    s = np.asarray(std, np.float32).reshape(shape)
    return ((x - m) / s).astype(np.float32)


def load(cfg: dict) -> Data:
    """Load ``[data]`` of a resolved config; fills nothing in ``cfg``."""
    x, y, xt, yt, classes = _raw(cfg)
    if cfg["max_train_samples"] is not None and cfg["max_train_samples"] < len(x):
        pick = np.sort(np.random.default_rng(_SPLIT_SEED).permutation(len(x))
                       [:cfg["max_train_samples"]])
        x, y = x[pick], y[pick]
    if cfg["max_test_samples"] is not None:
        xt, yt = xt[:cfg["max_test_samples"]], yt[:cfg["max_test_samples"]]
    xv = yv = None
    if cfg["validation_split"] > 0:
        keep, val = _split(len(x), cfg["validation_split"])
        x, y, xv, yv = x[keep], y[keep], x[val], y[val]
    mean, std = cfg["mean"], cfg["std"]
    if mean is None and cfg["normalize"] and x.dtype.kind == "f":
        mean, std = channel_stats(x)
    x, xt = normalize(x, mean, std), normalize(xt, mean, std)
    xv = None if xv is None else normalize(xv, mean, std)
    for what, labels in (("train", y), ("test", yt)):
        if labels.dtype.kind in "iu" and labels.size and int(labels.min()) < 0:
            raise CLIError(f"[data] {what}: integer targets (y) are class labels and must be "
                           f">= 0, found {int(labels.min())} (regression targets must be "
                           "floats)")
    if classes is not None and y.dtype.kind in "iu" and int(y.max()) >= len(classes):
        raise CLIError(f"[data] classes names {len(classes)} classes but the labels go up to "
                       f"{int(y.max())}")
    return Data(x, y, xv, yv, xt, yt, classes, mean, std)


def input_shape(cfg: dict) -> tuple[int, ...]:
    """One sample's shape, without loading the data where it is known."""
    if cfg["model"]["input_shape"] is not None:
        return tuple(cfg["model"]["input_shape"])
    data = cfg["data"]
    kind = data["dataset"]
    if kind in BUILTIN_SHAPES:
        return BUILTIN_SHAPES[kind]
    if kind == "folder" and data["image_size"] is not None:
        return (data["channels"] or 3, *data["image_size"])
    return load({**data, "validation_split": 0.0}).input_shape


# ---------------------------------------------------------------------- predict inputs
def read_input(file: str | os.PathLike, cfg: dict) -> np.ndarray:
    """A batch for the model from an .npy file (one sample or a batch) or an image,
    converted and normalised as the training data was: uint8 arrays of image data are
    scaled to [0, 1] as the training images were, other integer and boolean arrays are
    cast to float32 (kept as integers for a model that starts with an Embedding)."""
    file = Path(file)
    if not file.is_file():
        raise CLIError(f"--input: file not found: {file}")
    shape = tuple(cfg["model"]["input_shape"])
    data = cfg["data"]
    image_kind = data["dataset"] in IMAGE_KINDS
    if file.suffix.lower() == ".npy":
        try:
            x = np.load(file, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise CLIError(f"--input: could not read {file}: {exc}") from None
        if x.dtype.kind not in "biuf":
            raise CLIError(f"--input: {file.name} holds an array of dtype {x.dtype}; expected "
                           "numbers")
        indices = cfg["model"]["layers"][0].get("type") == "Embedding"  # takes integers
        if indices and x.dtype.kind in "biu":
            x = x.astype(np.int64)
        elif image_kind and x.dtype == np.uint8:
            x = x.astype(np.float32) / 255.0
        elif x.dtype.kind != "f":
            x = x.astype(np.float32)
        x = _batch(x, shape, file)
        if len(x) == 0:
            raise CLIError(f"--input: {file.name} holds no samples (an array of shape "
                           f"{list(x.shape)})")
    elif file.suffix.lower() in IMAGE_SUFFIXES:
        if not image_kind or len(shape) != 3:
            raise CLIError(f"--input: {file.name} is an image but this model takes inputs of "
                           f"shape {list(shape)}; give an .npy file")
        x = _open_image(file, shape[0], list(shape[1:]))[None].astype(np.float32) / 255.0
    else:
        raise CLIError(f"--input: expected an .npy file or an image "
                       f"({', '.join(IMAGE_SUFFIXES)}), got {file.name}")
    if x.dtype.kind == "f" and x.dtype != np.float32:  # float64, float16
        x = x.astype(np.float32)
    return normalize(x, data["mean"], data["std"])


def _batch(x: np.ndarray, shape: tuple[int, ...], file: Path) -> np.ndarray:
    """Add the batch axis (and a lone channel axis) as needed."""
    if x.shape == shape:
        return x[None]
    if x.shape[1:] == shape:
        return x
    if len(shape) == 3 and shape[0] == 1 and x.shape[-2:] == shape[1:] and x.ndim in (2, 3):
        return x.reshape(-1, *shape)
    if len(shape) == 3 and x.shape[-3:] == (shape[1], shape[2], shape[0]):  # H x W x C
        return np.moveaxis(x.reshape(-1, *x.shape[-3:]), -1, 1)
    raise CLIError(f"--input: {file.name} holds an array of shape {list(x.shape)}; this model "
                   f"takes samples of shape {list(shape)} (or a batch of them)")
