"""Records for ember.nn.functional's normalisation functions."""

import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F

from .core import ErrorInput, OpRecord, Sample, T


def _bn(fn, lib, training, momentum=0.1):
    """batch_norm with fresh running statistics; returns (output, running_mean, running_var)
    so the in-place update is compared too."""
    def call(x, w=None, b=None):
        c = x.shape[1]
        rm = lib.zeros(c, dtype=x.dtype) + 0.5
        rv = lib.ones(c, dtype=x.dtype) * 2
        out = fn(x, rm, rv, w, b, training=training, momentum=momentum, eps=1e-3)
        return out, rm, rv
    return call


def _in(fn, lib, use_input_stats):
    def call(x, w=None, b=None):
        c = x.shape[1]
        rm = lib.zeros(c, dtype=x.dtype) + 0.5
        rv = lib.ones(c, dtype=x.dtype) * 2
        out = fn(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=0.2)
        return out, rm, rv
    return call


_BN_SAMPLES = [
    Sample((T((4, 3)), T((3,)), T((3,))), name="2d"),
    Sample((T((2, 3, 5)), T((3,)), T((3,))), name="3d"),
    Sample((T((2, 3, 2, 3)),), name="4d-noaffine"),
]

def _first(fn):
    return lambda *args, **kw: fn(*args, **kw)[0]


RECORDS = [
    # The running statistics are outputs here (compared with PyTorch's after the in-place
    # update) but not differentiable ones, so finite differences use the "output" variants.
    OpRecord("nn.batch_norm", _bn(F.batch_norm, ember, True), _bn(TF.batch_norm, torch, True),
             _BN_SAMPLES, fd=False, errors=[
                 ErrorInput((T((1, 3)),), {}, ValueError,
                            r"batch_norm: expected more than 1 value per channel"),
                 ErrorInput((T((4, 3)), T((4,))), {}, RuntimeError,
                            r"batch_norm: expected weight of shape \(3,\), got \(4,\)"),
             ]),
    OpRecord("nn.batch_norm", _first(_bn(F.batch_norm, ember, True)),
             _first(_bn(TF.batch_norm, torch, True)), _BN_SAMPLES, second_order=True, jvp=True,
             variant="output"),
    OpRecord("nn.batch_norm", _first(_bn(F.batch_norm, ember, False)),
             _first(_bn(TF.batch_norm, torch, False)),
             _BN_SAMPLES, second_order=True, variant="eval"),
    OpRecord("nn.instance_norm", _in(F.instance_norm, ember, True),
             _in(TF.instance_norm, torch, True), [
                 Sample((T((2, 3, 5)), T((3,)), T((3,))), name="3d"),
                 Sample((T((2, 3, 2, 3)),), name="4d-noaffine"),
             ], fd=False, errors=[
                 ErrorInput((T((2, 3, 1)),), {}, ValueError,
                            r"instance_norm: expected more than 1 spatial element"),
             ]),
    OpRecord("nn.instance_norm", _first(_in(F.instance_norm, ember, True)),
             _first(_in(TF.instance_norm, torch, True)),
             [Sample((T((2, 3, 5)), T((3,)), T((3,))))], second_order=True, variant="output"),
    OpRecord("nn.instance_norm", _first(_in(F.instance_norm, ember, False)),
             _first(_in(TF.instance_norm, torch, False)), [Sample((T((2, 3, 5)), T((3,)), T((3,))))],
             variant="running"),
    OpRecord("nn.layer_norm", F.layer_norm, TF.layer_norm, [
        Sample((T((3, 4)), (4,), T((4,)), T((4,)))),
        Sample((T((2, 3, 4)), (3, 4)), name="2dims-noaffine"),
        Sample((T((2, 3, 4)), [4], T((4,))), {"eps": 1e-2}, name="nobias"),
        Sample((T((0, 4)), (4,), T((4,)), T((4,))), name="empty"),
    ], second_order=True, jvp=True, errors=[
        ErrorInput((T((3, 5)), (4,)), {}, RuntimeError,
                   r"layer_norm: expected input of shape \(\*, 4\).*got \(3, 5\)"),
    ]),
    OpRecord("nn.rms_norm", F.rms_norm, TF.rms_norm, [
        Sample((T((3, 4)), (4,), T((4,)))),
        Sample((T((2, 3, 4)), (3, 4)), name="2dims"),
        Sample((T((2, 3, 4)), [4]), {"eps": 1e-2}, name="eps"),
    ], second_order=True, jvp=True, errors=[
        ErrorInput((T((3, 5)), (4,)), {}, RuntimeError, r"rms_norm: expected input of shape"),
    ]),
    OpRecord("nn.group_norm", F.group_norm, TF.group_norm, [
        Sample((T((2, 6, 3)), 3, T((6,)), T((6,)))),
        Sample((T((2, 4, 2, 2)), 1), name="one-group"),
        Sample((T((2, 4)), 4, T((4,)), T((4,))), {"eps": 1e-2}, name="2d"),
    ], second_order=True, errors=[
        ErrorInput((T((2, 6, 3)), 4), {}, RuntimeError,
                   r"group_norm: expected the number of channels 6 to be divisible by "
                   r"num_groups=4"),
    ]),
    OpRecord("nn.local_response_norm", F.local_response_norm, TF.local_response_norm, [
        Sample((T((2, 6, 3)), 3)),
        Sample((T((2, 5, 2, 2)), 2), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, name="4d"),
        Sample((T((1, 4, 3, 2, 2)), 5), name="5d"),
    ], second_order=True, errors=[
        ErrorInput((T((2, 6)), 3), {}, ValueError, r"local_response_norm: expected input with "
                   r"at least 3 dims"),
    ]),
    OpRecord("nn.normalize", F.normalize, TF.normalize, [
        Sample((T((3, 4)),)),
        Sample((T((3, 4)),), {"p": 1.0, "dim": 0}, name="p1"),
    ], second_order=True, errors=[
        ErrorInput(([1.0],), {}, TypeError, r"normalize: expected input to be a Tensor"),
    ]),
    # Norms below eps: the clamp's kink is within a finite-difference step, so parity only.
    OpRecord("nn.normalize", F.normalize, TF.normalize, [
        Sample((T((3, 4), low=-1e-13, high=1e-13),), {"eps": 1e-12}, name="tiny"),
    ], fd=False, variant="below-eps"),
]
