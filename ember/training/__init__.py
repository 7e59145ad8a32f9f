"""Keras-style training: ``Model`` (compile/fit/evaluate/predict), callbacks, History and
training checkpoints. The pieces also work in a hand-written loop.

>>> import ember
>>> ember.Model is Model
True
"""

from . import callbacks
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)
from .history import History
from .model import Model

__all__ = ["Model", "History", "callbacks", "Callback", "CSVLogger", "EarlyStopping",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgressBar",
           "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN"]
