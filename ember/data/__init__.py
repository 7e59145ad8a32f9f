"""ember.data: datasets, samplers, DataLoader and image transforms, with the names and
semantics of ``torch.utils.data`` (and torchvision's common transforms and datasets).

>>> import ember
>>> from ember.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(ember.ones(5, 2)), batch_size=2)
>>> [tuple(x.shape) for (x,) in loader]
[(2, 2), (2, 2), (1, 2)]
"""

from __future__ import annotations

from . import datasets, transforms
from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["datasets", "transforms", "WorkerInfo", "get_worker_info", "default_collate",
           "default_convert", "DataLoader", "ChainDataset", "ConcatDataset", "Dataset",
           "IterableDataset", "StackDataset", "Subset", "TensorDataset", "random_split",
           "BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]
