"""Turning what ``fit``/``evaluate``/``predict`` receive into DataLoaders, checked up front.

Accepted: arrays or Tensors (``x`` alone, a tuple of inputs, with ``y``), a Dataset whose
items are ``(input, ..., target)``, or a DataLoader (used as given).

>>> import numpy as np
>>> loader = make_loader(np.zeros((10, 3)), np.zeros(10, dtype=np.int64), batch_size=4,
...                      shuffle=False, op="fit")
>>> [tuple(b[0].shape) for b in loader]
[(4, 3), (4, 3), (2, 3)]
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

from ..data import DataLoader, Dataset, IterableDataset, Subset, TensorDataset
from ..ops.creation import from_numpy
from ..tensor import Tensor


def _as_tensor(name: str, value: Any) -> Tensor:
    """Arrays become Tensors: float64 -> float32 (ember's default), ints -> int64."""
    if isinstance(value, Tensor):
        return value.detach()
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype.kind in "iu" and array.dtype != np.uint8:
        array = array.astype(np.int64)
    elif array.dtype.kind not in "fbu":
        raise TypeError(f"{name}: expected numeric data, got an array of dtype {array.dtype}")
    return from_numpy(np.ascontiguousarray(array))


def _lengths(op: str, x: Any, y: Any) -> list[Tensor]:
    inputs = list(x) if isinstance(x, (tuple, list)) and not _is_number_list(x) else [x]
    tensors = [_as_tensor(f"{op}: x", v) for v in inputs]
    if y is not None:
        tensors.append(_as_tensor(f"{op}: y", y))
    sizes = [t.shape[0] if t.ndim else None for t in tensors]
    if None in sizes:
        raise ValueError(f"{op}: x and y need a batch dimension, got 0-d data")
    if len(set(sizes)) > 1:
        names = [f"x[{i}]" for i in range(len(inputs))] if len(inputs) > 1 else ["x"]
        if y is not None:
            names.append("y")
        shown = ", ".join(f"{n} has {s}" for n, s in zip(names, sizes))
        raise ValueError(f"{op}: x and y must have the same number of samples; {shown}")
    return tensors


def _is_number_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], (int, float))


def as_dataset(op: str, x: Any, y: Any = None) -> Dataset:
    """A Dataset from arrays/Tensors or a Dataset (``y`` must then be None)."""
    if isinstance(x, Dataset):
        if y is not None:
            raise ValueError(f"{op}: y must be None when x is a Dataset (its items hold "
                             "the targets)")
        return x
    if isinstance(x, DataLoader):
        raise TypeError(f"{op}: a DataLoader cannot be split or re-batched; pass its dataset")
    if x is None:
        raise ValueError(f"{op}: no data given (x is None)")
    return TensorDataset(*_lengths(op, x, y))


def check_not_empty(op: str, data: Dataset | DataLoader) -> None:
    dataset = data.dataset if isinstance(data, DataLoader) else data
    if isinstance(dataset, IterableDataset):
        return
    if len(dataset) == 0:
        raise ValueError(f"{op}: the dataset is empty (0 samples)")


def make_loader(x: Any, y: Any = None, *, batch_size: int, shuffle: bool, op: str,
                num_workers: int = 0) -> DataLoader:
    """A DataLoader as is (checked non-empty), or one built over arrays/a Dataset."""
    if isinstance(x, DataLoader):
        if y is not None:
            raise ValueError(f"{op}: y must be None when x is a DataLoader")
        check_not_empty(op, x)
        return x
    if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"{op}: batch_size must be a positive int, got {batch_size!r}")
    dataset = as_dataset(op, x, y)
    check_not_empty(op, dataset)
    shuffle = shuffle and not isinstance(dataset, IterableDataset)
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, num_workers=num_workers)


def split_validation(op: str, x: Any, y: Any, fraction: float) -> tuple[Dataset, Dataset]:
    """The last ``fraction`` of the samples (not shuffled, as Keras does) for validation."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"{op}: validation_split must be in (0, 1), got {fraction}")
    if isinstance(x, DataLoader):
        raise ValueError(f"{op}: validation_split needs arrays or a Dataset, not a "
                         "DataLoader; pass validation_data instead")
    dataset = as_dataset(op, x, y)
    if isinstance(dataset, IterableDataset):
        raise ValueError(f"{op}: validation_split needs a sized Dataset, not an "
                         "IterableDataset")
    n = len(dataset)
    n_val = int(math.floor(n * fraction))
    if n_val == 0 or n_val == n:
        raise ValueError(f"{op}: validation_split={fraction} of {n} samples leaves "
                         f"{n - n_val} for training and {n_val} for validation")
    return Subset(dataset, range(n - n_val)), Subset(dataset, range(n - n_val, n))


def split_batch(batch: Any, *, op: str = "fit") -> tuple[tuple, Any]:
    """``(inputs, target)`` of a batch ``(x, ..., y)``."""
    if isinstance(batch, dict):
        raise TypeError(f"{op}: batches must be tuples (input, ..., target), got a dict")
    if isinstance(batch, Tensor) or len(batch) < 2:
        raise ValueError(f"{op}: a batch needs (input, ..., target), but the data gives "
                         "inputs only; pass y, or a Dataset whose items are (x, y)")
    items = tuple(batch)
    return items[:-1], items[-1]
