"""Records for the top-level activations (ember/ops/activation.py)."""

import torch

import ember

from .core import B, ErrorInput, OpRecord, Sample, T

RECORDS = [
    OpRecord("relu", ember.relu, torch.relu,
             [Sample((T((3, 4)),)), Sample((T(()),), name="0d"), Sample((T((0, 2)),), name="empty")],
             jvp=True, second_order=True,
             errors=[ErrorInput((B((3,)),), {}, TypeError, r"relu: not implemented for bool")]),
    OpRecord("relu_", lambda x: x.clone().relu_(), lambda x: x.clone().relu_(),
             [Sample((T((3, 4)),))]),
]
