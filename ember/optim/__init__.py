"""ember.optim: optimizers and learning-rate schedulers with PyTorch's names and formulas.

>>> import ember
>>> w = ember.tensor([3.0], requires_grad=True)
>>> opt = ember.optim.Adam([w], lr=0.5)
>>> for _ in range(3):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> round(w.item(), 3)
1.518
"""

from __future__ import annotations

from . import lr_scheduler
from ._update import get_num_threads, set_num_threads
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD, Lion

__all__ = ["Optimizer", "SGD", "Lion", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
           "Adagrad", "Adadelta", "LBFGS", "lr_scheduler", "set_num_threads", "get_num_threads"]
