"""PyTorch's ``torch.utils`` import paths, so ported code runs unchanged:
``ember.utils.data`` is :mod:`ember.data` and ``ember.utils.checkpoint`` is
:mod:`ember.nn.utils.checkpoint`. They are the same module objects (registered under both
names), so ``ember.utils.data.Dataset is ember.data.Dataset``.

>>> import ember
>>> from ember.utils.data import DataLoader
>>> DataLoader is ember.data.DataLoader
True
"""

from __future__ import annotations

import importlib
import sys

from .. import data
from ..data import collate, dataloader, dataset, sampler

# the module (``ember.nn.utils`` exports the function under the same name)
checkpoint = importlib.import_module("ember.nn.utils.checkpoint")

for _name, _module in {"data": data, "data.collate": collate, "data.dataloader": dataloader,
                       "data.dataset": dataset, "data.sampler": sampler,
                       "checkpoint": checkpoint}.items():
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = ["checkpoint", "data"]
