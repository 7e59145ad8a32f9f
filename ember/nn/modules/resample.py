"""Resampling and padding layers: ``Upsample``, ``PixelShuffle``, ``PixelUnshuffle`` and
the ``*Pad1d/2d/3d`` family.

>>> import ember
>>> ember.nn.ReflectionPad2d((1, 1, 2, 0))(ember.ones(1, 1, 3, 3)).shape
ember.Size([1, 1, 5, 5])
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class Upsample(Module):
    """Resize with :func:`ember.nn.functional.interpolate`.

    >>> import ember
    >>> ember.nn.Upsample(scale_factor=2, mode="bilinear")(ember.ones(1, 1, 2, 3)).shape
    ember.Size([1, 1, 4, 6])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else (tuple(float(f) for f in scale_factor) if scale_factor else None)
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def extra_repr(self) -> str:
        info = f"size={self.size}" if self.scale_factor is None else \
            f"scale_factor={self.scale_factor}"
        return info + f", mode={self.mode!r}"

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode='nearest')`` for 4-D inputs."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode='bilinear', align_corners=True)`` for 4-D inputs."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """``(*, C * r^2, H, W)`` -> ``(*, C, H * r, W * r)``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` -> ``(*, C * r^2, H, W)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)


class _PadNd(Module):
    _nd = 1
    _mode = "constant"
    _repr_value = True  # ZeroPad*d shows only the padding, as in PyTorch

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        n = 2 * self._nd
        padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(padding) != n:
            raise ValueError(f"{type(self).__name__}: expected padding to be an int or a "
                             f"tuple of {n} ints, got {padding}")
        self.padding, self.value = padding, value

    def extra_repr(self) -> str:
        if self._repr_value:
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)


def _pad_class(name: str, nd: int, mode: str, constant_value: bool) -> type:
    doc = f"Pad the last {nd} dim(s) with mode {mode!r} (see :func:`ember.nn.functional.pad`)."
    if constant_value:
        def __init__(self, padding: Any, value: float) -> None:
            _PadNd.__init__(self, padding, value)
    else:
        def __init__(self, padding: Any) -> None:
            _PadNd.__init__(self, padding, 0.0)
    cls = type(name, (_PadNd,), {"_nd": nd, "_mode": mode, "__init__": __init__,
                                 "_repr_value": constant_value, "__doc__": doc,
                                 "__module__": __name__})
    return cls


_PADS = {}
for _nd in (1, 2, 3):
    for _prefix, _mode, _value in (("Zero", "constant", False), ("Constant", "constant", True),
                                   ("Reflection", "reflect", False),
                                   ("Replication", "replicate", False),
                                   ("Circular", "circular", False)):
        _PADS[f"{_prefix}Pad{_nd}d"] = _pad_class(f"{_prefix}Pad{_nd}d", _nd, _mode, _value)
globals().update(_PADS)

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
           "PixelUnshuffle", *_PADS]
