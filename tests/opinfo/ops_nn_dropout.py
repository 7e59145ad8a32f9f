"""Records for ember.nn.functional's dropout functions, in their deterministic cases
(evaluation, p=0, p=1); the random masks are tested statistically in tests/nn/test_dropout.py."""

import torch.nn.functional as TF

import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T

_DET = [
    Sample((T((3, 4, 2)),), {"training": False}, name="eval"),
    Sample((T((3, 4, 2)),), {"p": 0.0, "training": True}, name="p0"),
    Sample((T((3, 4, 2)),), {"p": 1.0, "training": True}, name="p1"),
    Sample((T((0, 4, 2)),), {"p": 0.5, "training": True}, name="empty"),
]

RECORDS = [
    OpRecord("nn.dropout", F.dropout, TF.dropout, _DET, errors=[
        ErrorInput((T((3,)), 1.5), {}, ValueError,
                   r"dropout: dropout probability has to be between 0 and 1, but got 1.5"),
    ]),
    OpRecord("nn.dropout1d", F.dropout1d, TF.dropout1d, _DET + [
        Sample((T((4, 2)),), {"p": 1.0}, name="unbatched-p1")], errors=[
        ErrorInput((T((3,)),), {}, RuntimeError,
                   r"dropout1d: expected 2D or 3D input, but received a 1D input"),
    ]),
    OpRecord("nn.dropout2d", F.dropout2d, TF.dropout2d,
             [Sample((T((2, 3, 4, 2)),), s.kwargs, s.name) for s in _DET[:3]], errors=[
        ErrorInput((T((3,)), -0.1), {}, ValueError, r"dropout2d: dropout probability"),
    ]),
    OpRecord("nn.dropout3d", F.dropout3d, TF.dropout3d,
             [Sample((T((2, 3, 2, 2, 2)),), s.kwargs, s.name) for s in _DET[:3]] +
             [Sample((T((3, 2, 2, 2)),), {"p": 1.0}, name="unbatched-p1")], errors=[
        ErrorInput((T((3, 2)),), {}, RuntimeError, r"dropout3d: expected 4D or 5D input"),
    ]),
    OpRecord("nn.alpha_dropout", F.alpha_dropout, TF.alpha_dropout, _DET, errors=[
        ErrorInput((T((3,)), 2.0), {}, ValueError, r"alpha_dropout: dropout probability"),
    ]),
    OpRecord("nn.feature_alpha_dropout", F.feature_alpha_dropout, TF.feature_alpha_dropout,
             _DET, errors=[
        ErrorInput((T((3,)), 2.0), {}, ValueError, r"feature_alpha_dropout: dropout prob"),
    ]),
]
