"""Image transforms with torchvision's names and meanings.

They take HWC NumPy images (uint8, or float) or CHW float tensors and return the same kind,
except :class:`ToTensor` (array -> tensor) and :class:`Normalize` (tensors only). Geometry
and colour work on the host in NumPy (like torchvision's PIL path); every random choice is
drawn from ember's default generator, so ``ember.manual_seed`` (and DataLoader worker
seeding) makes them reproducible.

>>> import numpy as np, ember
>>> t = Compose([ToTensor(), Normalize([0.5], [0.5])])
>>> t(np.full((2, 2, 1), 255, np.uint8)).tolist()
[[[1.0, 1.0], [1.0, 1.0]]]
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ops.creation import as_tensor, empty, from_numpy
from ..ops.random import rand, randint, randperm
from ..tensor import Tensor
from . import _image

Image = Any  # an HWC numpy array or a CHW tensor


def _to_hwc(img: Image) -> tuple[np.ndarray, bool]:
    """The image as an HWC array, and whether it came as a (CHW) tensor."""
    if isinstance(img, Tensor):
        if img.ndim not in (2, 3):
            raise ValueError(f"expected a CHW or HW tensor image, got shape {tuple(img.shape)}")
        a = img.numpy(force=True)
        return (a[:, :, None] if a.ndim == 2 else a.transpose(1, 2, 0)), True
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"expected an HWC or HW array image, got shape {img.shape}")
        return (img[:, :, None] if img.ndim == 2 else img), False
    raise TypeError(f"expected an image as a numpy array (HWC) or a tensor (CHW), got "
                    f"{type(img).__name__}")


def _back(a: np.ndarray, like: Image, was_tensor: bool) -> Image:
    if was_tensor:
        out = a.transpose(2, 0, 1)
        return from_numpy(np.ascontiguousarray(out[0] if like.ndim == 2 else out))
    return a[:, :, 0] if like.ndim == 2 else a


def _pair(name: str, size: Any) -> tuple[int, int]:
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) in (1, 2):
        return (int(size[0]), int(size[-1]))
    raise ValueError(f"{name}: size must be an int or a (height, width) pair, got {size!r}")


def _randint(high: int) -> int:
    return int(randint(0, high, (1,)).item())


def _uniform(low: float, high: float) -> float:
    return float(empty(1, dtype="float64").uniform_(low, high).item())


class Compose:
    """Apply transforms one after another.

    >>> Compose([lambda x: x + 1, lambda x: x * 2])(3)
    8
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class Lambda:
    """A user function as a transform.

    >>> Lambda(lambda x: -x)(2)
    -2
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)


class ToTensor:
    """HWC (or HW) array -> CHW tensor; uint8 is scaled to float32 in [0, 1], other dtypes
    keep their values (as torchvision does).

    >>> import numpy as np
    >>> ToTensor()(np.array([[[0, 255]]], np.uint8)).tolist()
    [[[0.0]], [[1.0]]]
    """

    def __call__(self, pic: np.ndarray) -> Tensor:
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: pic should be a numpy array (HWC), got "
                            f"{type(pic).__name__}")
        a, _ = _to_hwc(pic)
        chw = np.ascontiguousarray(a.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return from_numpy(chw.astype(np.float32) / np.float32(255))
        return from_numpy(chw)


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a CHW float tensor.

    >>> import ember
    >>> Normalize([1.0, 2.0], [2.0, 4.0])(ember.ones(2, 1, 1) * 3).flatten().tolist()
    [1.0, 0.25]
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False
                 ) -> None:
        self.mean, self.std, self.inplace = list(mean), list(std), inplace
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std evaluated to zero, leading to division by zero "
                             f"(std={self.std})")

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor) or not tensor.is_floating_point():
            raise TypeError("Normalize: expected a floating-point CHW tensor, got "
                            f"{getattr(tensor, 'dtype', type(tensor).__name__)}")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected a (..., C, H, W) tensor, got shape "
                             f"{tuple(tensor.shape)}")
        mean = as_tensor(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)
        std = as_tensor(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``.

    >>> import numpy as np
    >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]]))[0].tolist()
    [3, 2, 1]
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Image) -> Image:
        if float(rand(1).item()) < self.p:
            a, was_tensor = _to_hwc(img)
            return _back(np.ascontiguousarray(a[:, ::-1]), img, was_tensor)
        return img


def _crop(a: np.ndarray, top: int, left: int, h: int, w: int) -> np.ndarray:
    return np.ascontiguousarray(a[top:top + h, left:left + w])


class RandomCrop:
    """Crop a random ``size`` window, after optional ``padding`` (an int, (left/right,
    top/bottom) or (left, top, right, bottom)); ``pad_if_needed`` pads both sides of a
    too-small dimension by the shortfall first, as torchvision does.

    >>> import numpy as np
    >>> RandomCrop(2, padding=1)(np.ones((2, 2, 1), np.uint8)).shape
    (2, 2, 1)
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: Any = 0, padding_mode: str = "constant"
                 ) -> None:
        self.size = _pair("RandomCrop", size)
        if padding is None:
            self.padding = None
        elif isinstance(padding, numbers.Integral):
            self.padding = (int(padding),) * 4
        elif len(padding) == 2:
            self.padding = (padding[0], padding[1], padding[0], padding[1])
        elif len(padding) == 4:
            self.padding = tuple(padding)
        else:
            raise ValueError(f"RandomCrop: padding must be an int or have 2 or 4 values, got "
                             f"{padding!r}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: unknown padding_mode {padding_mode!r}")
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode

    def __call__(self, img: Image) -> Image:
        a, was_tensor = _to_hwc(img)
        th, tw = self.size
        if self.padding is not None:
            a = _image.pad(a, *self.padding, fill=self.fill, mode=self.padding_mode)
        if self.pad_if_needed and a.shape[1] < tw:
            d = tw - a.shape[1]
            a = _image.pad(a, d, 0, d, 0, fill=self.fill, mode=self.padding_mode)
        if self.pad_if_needed and a.shape[0] < th:
            d = th - a.shape[0]
            a = _image.pad(a, 0, d, 0, d, fill=self.fill, mode=self.padding_mode)
        h, w = a.shape[:2]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the "
                             f"input image size {(h, w)}")
        if (h, w) == (th, tw):
            return _back(a, img, was_tensor)
        top, left = _randint(h - th + 1), _randint(w - tw + 1)
        return _back(_crop(a, top, left, th, tw), img, was_tensor)


class CenterCrop:
    """Crop the centre ``size`` window (zero-padding an image smaller than it); the offset
    is ``round((H - h) / 2)`` as in torchvision.

    >>> import numpy as np
    >>> CenterCrop(1)(np.arange(9).reshape(3, 3)).tolist()
    [[4]]
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair("CenterCrop", size)

    def __call__(self, img: Image) -> Image:
        a, was_tensor = _to_hwc(img)
        th, tw = self.size
        h, w = a.shape[:2]
        if th > h or tw > w:
            dw, dh = max(tw - w, 0), max(th - h, 0)
            a = _image.pad(a, dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2)
            h, w = a.shape[:2]
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return _back(_crop(a, top, left, th, tw), img, was_tensor)


class Resize:
    """Bilinear resize (no antialiasing) to ``(h, w)``, or, for an int, the shorter side to
    ``size`` keeping the aspect ratio (the longer side ``int(size * long / short)``).

    >>> import numpy as np
    >>> Resize(4)(np.zeros((2, 3, 1), np.uint8)).shape
    (4, 6, 1)
    """

    def __init__(self, size: int | Sequence[int], interpolation: str = "bilinear") -> None:
        if interpolation != "bilinear":
            raise ValueError(f"Resize: only 'bilinear' interpolation is supported, got "
                             f"{interpolation!r}")
        if isinstance(size, numbers.Integral):
            self.size: Any = int(size)
        else:
            self.size = _pair("Resize", size)

    def __call__(self, img: Image) -> Image:
        a, was_tensor = _to_hwc(img)
        h, w = a.shape[:2]
        if isinstance(self.size, int):
            s = self.size
            size = (s, int(s * w / h)) if h <= w else (int(s * h / w), s)
        else:
            size = self.size
        return _back(_image.resize(a, size), img, was_tensor)


class RandomRotation:
    """Rotate counter-clockwise by an angle drawn uniformly from ``degrees`` (a number d
    means (-d, d)), about the image centre, keeping the size; uncovered pixels get ``fill``.

    >>> import numpy as np
    >>> RandomRotation((90, 90))(np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """

    def __init__(self, degrees: float | Sequence[float], interpolation: str = "nearest",
                 expand: bool = False, center: Sequence[float] | None = None, fill: Any = 0
                 ) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError(f"RandomRotation: a single degrees value must be "
                                 f"non-negative, got {degrees}")
            self.degrees = (-float(degrees), float(degrees))
        elif len(degrees) == 2:
            self.degrees = (float(degrees[0]), float(degrees[1]))
        else:
            raise ValueError(f"RandomRotation: degrees must be a number or a pair, got "
                             f"{degrees!r}")
        if expand:
            raise NotImplementedError("RandomRotation: expand=True is not supported")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomRotation: interpolation must be 'nearest' or "
                             f"'bilinear', got {interpolation!r}")
        self.interpolation, self.center, self.fill = interpolation, center, fill

    def __call__(self, img: Image) -> Image:
        angle = _uniform(*self.degrees)
        a, was_tensor = _to_hwc(img)
        return _back(_image.rotate(a, angle, self.interpolation, self.fill, self.center),
                     img, was_tensor)


def _factor_range(name: str, value: float | Sequence[float] | None
                  ) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: {name} must be non-negative, got {value}")
        low, high = max(0.0, 1.0 - float(value)), 1.0 + float(value)
    else:
        low, high = float(value[0]), float(value[1])
        if not 0 <= low <= high:
            raise ValueError(f"ColorJitter: {name} range must satisfy 0 <= min <= max, got "
                             f"{value!r}")
    return None if low == high == 1.0 else (low, high)


class ColorJitter:
    """Random brightness, contrast and saturation (no hue), applied in a random order.

    Each factor f is drawn from ``[max(0, 1 - v), 1 + v]`` (or the given pair); brightness
    scales the image, contrast blends it with its mean grey level, saturation with its
    per-pixel grey (luma 0.299 R + 0.587 G + 0.114 B); results are clipped to the range.

    >>> import numpy as np
    >>> ColorJitter(brightness=(2, 2))(np.array([[[100]]], np.uint8)).tolist()
    [[[200]]]
    """

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0) -> None:
        self.brightness = _factor_range("brightness", brightness)
        self.contrast = _factor_range("contrast", contrast)
        self.saturation = _factor_range("saturation", saturation)

    def __call__(self, img: Image) -> Image:
        order = randperm(3).tolist()
        b, c, s = (None if r is None else _uniform(*r)
                   for r in (self.brightness, self.contrast, self.saturation))
        a, was_tensor = _to_hwc(img)
        return _back(_image.adjust(a, b, c, s, order), img, was_tensor)


__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "RandomHorizontalFlip", "RandomCrop",
           "CenterCrop", "Resize", "RandomRotation", "ColorJitter"]
