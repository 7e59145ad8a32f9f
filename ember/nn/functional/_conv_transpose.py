"""Transposed convolution and ``unfold``/``fold``: compositions of ``matmul`` with the
column primitives (``_im2col.py``), exact and with no extra copies, so they need no fused
primitive of their own; autograd differentiates them to any order.

A transposed convolution is the adjoint of a convolution in its input: the GEMM
``W^T @ x`` gives the columns, ``col2im`` scatters them into the (larger) output.

>>> import ember
>>> import ember.nn.functional as F
>>> F.conv_transpose2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 2, 2), stride=2).shape
ember.Size([1, 1, 4, 4])
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from ._args import check_float, check_rank, ntuple
from ._im2col import Geometry, col2im, im2col


def _transpose_out_size(op: str, size: tuple, kernel: tuple, stride: tuple, pads: tuple,
                        out_pad: tuple, dilation: tuple) -> tuple:
    for o, s, d in zip(out_pad, stride, dilation):
        if o < 0 or (o >= s and o >= d):
            raise RuntimeError(f"{op}: output_padding must be smaller than either stride or "
                               f"dilation, got output_padding={out_pad}, stride={stride}, "
                               f"dilation={dilation}")
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, k, s, p, o, d in
                zip(size, kernel, stride, pads, out_pad, dilation))
    if any(v <= 0 for v in out):
        raise RuntimeError(f"{op}: the computed output size {out} is too small (input size "
                           f"{size}, kernel {kernel}, stride {stride}, padding {pads})")
    return out


def _check_transpose(op: str, x: Tensor, weight: Tensor, bias: Tensor | None,
                     groups: int, nd: int) -> None:
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (in_channels, "
                           f"out_channels/groups, *kernel), got shape {tuple(weight.shape)}")
    if groups <= 0 or weight.shape[0] % groups:
        raise RuntimeError(f"{op}: in_channels ({weight.shape[0]}) must be divisible by "
                           f"groups ({groups})")
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"{op}: given weight of shape {tuple(weight.shape)}, expected "
                           f"input of shape {tuple(x.shape)} to have {weight.shape[0]} "
                           f"channels, got {x.shape[1]} channels")
    cout = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (cout,):
        raise RuntimeError(f"{op}: expected bias of shape ({cout},), got {tuple(bias.shape)}")
    for t in (weight, bias):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"{op}: input ({x.dtype.name}) and weight/bias "
                               f"({t.dtype.name}, shape {tuple(t.shape)}) must have the "
                               f"same dtype")


def conv_transpose_nd(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None,
                      stride: Any, padding: Any, output_padding: Any, groups: int,
                      dilation: Any) -> Tensor:
    """The shared body of ``conv_transpose1d/2d/3d``."""
    unbatched = check_rank(op, input, nd)
    check_float(op, input, weight, bias)
    x = input.unsqueeze(0) if unbatched else input
    _check_transpose(op, x, weight, bias, groups, nd)
    stride_t = ntuple(op, "stride", stride, nd)
    pad_t = ntuple(op, "padding", padding, nd)
    dil_t = ntuple(op, "dilation", dilation, nd)
    out_pad = ntuple(op, "output_padding", output_padding, nd)
    kernel, size = tuple(weight.shape[2:]), tuple(x.shape[2:])
    out_size = _transpose_out_size(op, size, kernel, stride_t, pad_t, out_pad, dil_t)
    geom = Geometry(out_size, kernel, dil_t, tuple((p, p) for p in pad_t), stride_t, out=size)
    n, cin = x.shape[0], x.shape[1]
    cg = cin // groups
    w_t = weight.reshape(groups, cg, -1).mT  # (g, C_out/g * K, C_in/g)
    cout_taps = weight.shape[1] * groups * geom.taps
    cols = (w_t @ x.reshape(n, groups, cg, geom.length)).reshape(n, cout_taps, geom.length)
    out = col2im(cols, geom=geom)
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, k)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_transpose1d(ember.ones(1, 1, 2), ember.ones(1, 1, 2)).tolist()
    [[[1.0, 2.0, 1.0]]]
    """
    return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kh, kw)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_transpose2d(ember.ones(1, 4, 3, 3), ember.ones(4, 1, 3, 3), stride=2,
    ...                    padding=1, output_padding=1, groups=2).shape
    ember.Size([1, 2, 6, 6])
    """
    return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kd, kh, kw)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_transpose3d(ember.ones(1, 1, 2, 2, 2), ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 3, 3, 3])
    """
    return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def _fold_geometry(op: str, size: tuple, kernel_size: Any, dilation: Any, padding: Any,
                   stride: Any) -> Geometry:
    kernel = ntuple(op, "kernel_size", kernel_size, 2)
    dil, pad, st = (ntuple(op, n, v, 2) for n, v in
                    (("dilation", dilation), ("padding", padding), ("stride", stride)))
    if any(v <= 0 for v in kernel + dil + st) or any(p < 0 for p in pad):
        raise RuntimeError(f"{op}: kernel_size, dilation and stride must be positive and "
                           f"padding non-negative, got kernel_size={kernel}, "
                           f"dilation={dil}, padding={pad}, stride={st}")
    geom = Geometry(size, kernel, dil, tuple((p, p) for p in pad), st)
    if any(o <= 0 for o in geom.grid):
        raise RuntimeError(f"{op}: padded input size {geom.padded} is smaller than the "
                           f"(dilated) kernel size "
                           f"{tuple(d * (k - 1) + 1 for k, d in zip(kernel, dil))}")
    return geom


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding blocks of ``(N, C, H, W)`` as columns ``(N, C * kh * kw, L)`` (im2col).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.unfold(ember.ones(2, 3, 4, 4), kernel_size=2).shape
    ember.Size([2, 12, 9])
    """
    unbatched = check_rank("unfold", input, 2)
    check_float("unfold", input)
    x = input.unsqueeze(0) if unbatched else input
    geom = _fold_geometry("unfold", tuple(x.shape[2:]), kernel_size, dilation, padding,
                          stride)
    out = im2col(x, geom=geom)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sum sliding blocks ``(N, C * kh * kw, L)`` back into ``(N, C, *output_size)``
    (col2im, the adjoint of :func:`unfold`).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.fold(ember.ones(1, 4, 4), output_size=3, kernel_size=2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input, got "
                           f"{shape}")
    check_float("fold", input)
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    size = ntuple("fold", "output_size", output_size, 2)
    geom = _fold_geometry("fold", size, kernel_size, dilation, padding, stride)
    if x.shape[1] % geom.taps:
        raise RuntimeError(f"fold: expected input dimension 1 ({x.shape[1]}) to be divisible "
                           f"by the product of kernel_size {geom.kernel} ({geom.taps})")
    if x.shape[2] != geom.length:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={geom.kernel}, "
                           f"dilation={geom.dilation}, padding={padding}, "
                           f"stride={geom.stride}, expected input dimension 2 to be the "
                           f"number of sliding blocks {geom.length}, got {x.shape[2]}")
    out = col2im(x, geom=geom)
    return out.squeeze(0) if unbatched else out


__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold"]
