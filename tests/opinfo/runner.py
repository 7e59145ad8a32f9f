"""Run an op record's sample through ember (and PyTorch) and compare."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

import ember

from .core import B, I, OpRecord, Sample, T, make_array, map_args


def seed_for(*parts: Any) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def materialise(sample: Sample, dtype: str, seed: int):
    """Arrays for the sample's specs, keeping argument structure; plus the spec list."""
    rng = np.random.default_rng(seed)
    specs: list = []

    def make(spec):
        specs.append(spec)
        return (spec, make_array(spec, dtype, rng))

    return map_args(sample.args, make), specs


def to_ember(pairs: Any, grad: bool) -> tuple[Any, list]:
    leaves: list = []

    def convert(pair):
        spec, array = pair
        t = ember.from_numpy(array) if not array.flags.c_contiguous else ember.tensor(array)
        if grad and isinstance(spec, T) and spec.grad:
            t.requires_grad_(True)
            leaves.append(t)
        return t

    return _map_pairs(pairs, convert), leaves


def to_torch(pairs: Any, grad: bool) -> tuple[Any, list]:
    import torch

    leaves: list = []

    def convert(pair):
        spec, array = pair
        t = torch.from_numpy(np.array(array, copy=True))
        if grad and isinstance(spec, T) and spec.grad:
            t.requires_grad_(True)
            leaves.append(t)
        return t

    return _map_pairs(pairs, convert), leaves


def _map_pairs(args: Any, fn) -> Any:
    if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], (T, I, B)):
        return fn(args)
    if isinstance(args, tuple):
        return tuple(_map_pairs(a, fn) for a in args)
    if isinstance(args, list):
        return [_map_pairs(a, fn) for a in args]
    return args


def flatten(out: Any) -> list:
    """The tensors (and scalars) inside an op's output, in order."""
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in flatten(o)]
    return [out]


def as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, ember.Tensor):
        arr = x.detach().numpy()
        if x.dtype in (ember.bfloat16, ember.float16):
            arr = arr.astype(np.float32)
        return np.asarray(arr)
    try:
        import torch

        if isinstance(x, torch.Tensor):
            x = x.detach()
            if x._is_zerotensor():  # e.g. sgn's gradient: PyTorch's lazy zeros
                x = torch.zeros(x.shape, dtype=x.dtype)
            if x.dtype in (torch.bfloat16, torch.float16):
                x = x.float()
            return x.numpy()
    except ImportError:
        pass
    return np.asarray(x)


def dtype_name(x: Any) -> str:
    if isinstance(x, ember.Tensor):
        return x.dtype.name
    return str(x.dtype).replace("torch.", "")


def assert_close(name: str, what: str, got: Any, want: Any, atol: float, rtol: float,
                 check_dtype: bool = True) -> None:
    g, w = as_numpy(got), as_numpy(want)
    assert g.shape == w.shape, f"{name}: {what} shape {g.shape} != torch {w.shape}"
    if check_dtype and hasattr(got, "dtype") and hasattr(want, "dtype"):
        assert dtype_name(got) == dtype_name(want), \
            f"{name}: {what} dtype {dtype_name(got)} != torch {dtype_name(want)}"
    if g.dtype.kind == "b" or w.dtype.kind == "b":
        assert np.array_equal(g, w), f"{name}: {what} differs from torch"
        return
    np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), atol=atol, rtol=rtol,
                               equal_nan=True, err_msg=f"{name}: {what} differs from torch")


def float_outputs(outs: list) -> list[int]:
    return [i for i, o in enumerate(outs) if isinstance(o, ember.Tensor) and o.requires_grad]


def call(rec: OpRecord, fn, args: Any, kwargs: dict):
    return fn(*args, **kwargs)
