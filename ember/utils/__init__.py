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

# the module (``ember.nn.utils`` exports the function under the same name)
checkpoint = importlib.import_module("ember.nn.utils.checkpoint")

_ALIASES = {"data": data, "checkpoint": checkpoint}
_ALIASES.update({name[len("ember."):]: module for name, module in list(sys.modules.items())
                 if name.startswith("ember.data.")})  # every submodule ember.data loaded
for _name, _module in _ALIASES.items():
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = ["checkpoint", "data"]
