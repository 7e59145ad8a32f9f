"""Dropout layers: identity in eval (through the harness), statistics of the masks in train."""

import math

import pytest
import torch

import ember
import ember.nn.functional as F
from tests.nn.harness import check_layer

N = 20000  # elements per statistical check: the kept fraction's std is ~0.0035 at p=0.5


@pytest.mark.parametrize("name,shape", [("Dropout", (3, 4)), ("Dropout1d", (2, 3, 4)),
                                        ("Dropout2d", (2, 3, 2, 2)),
                                        ("Dropout3d", (2, 3, 1, 2, 2)), ("AlphaDropout", (3, 4)),
                                        ("FeatureAlphaDropout", (2, 3, 4))])
def test_eval_mode_is_identity_like_torch(name, shape):
    check_layer(lambda: getattr(ember.nn, name)(0.3), lambda: getattr(torch.nn, name)(0.3),
                [shape], modes=("eval",))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_mask_fraction_scale_and_gradient(p):
    ember.manual_seed(0)
    x = ember.ones(N, requires_grad=True)
    y = F.dropout(x, p)
    kept = (y != 0).to(ember.float64).mean().item()
    assert abs(kept - (1 - p)) < 5 * math.sqrt(p * (1 - p) / N)
    scale = ember.tensor(1 / (1 - p))  # the float32 scale: one rounding, as in PyTorch
    assert bool(((y == 0) | (y == scale)).all())
    y.sum().backward()
    assert x.grad.tolist() == y.detach().tolist()  # d(x * mask * s)/dx = mask * s, x = 1


def test_channel_dropout_zeroes_whole_channels():
    ember.manual_seed(1)
    y = F.dropout2d(ember.ones(40, 50, 3, 3), 0.4)
    per_channel = y.reshape(40, 50, 9)
    zero = (per_channel == 0).all(-1)
    assert bool((zero | (per_channel == 1 / 0.6).all(-1)).all())
    assert abs(zero.to(ember.float64).mean().item() - 0.4) < 5 * math.sqrt(0.24 / 2000)


def test_unbatched_dropout1d_and_3d():
    ember.manual_seed(2)
    y = F.dropout1d(ember.ones(400, 5), 0.5)
    assert bool(((y == 0).all(-1) | (y == 2).all(-1)).all())
    y = F.dropout3d(ember.ones(400, 2, 1, 2), 0.5)
    flat = y.reshape(400, 4)
    assert bool(((flat == 0).all(-1) | (flat == 2).all(-1)).all())


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(3)
    x = ember.randn(N, dtype=ember.float64)
    y = F.alpha_dropout(x, 0.2, training=True)
    assert abs(y.mean().item()) < 0.05 and abs(y.std().item() - 1) < 0.05


def test_edge_cases():
    x = ember.randn(10)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.7, training=False) is x
    assert F.dropout(x, 1.0).tolist() == [0.0] * 10
    y = x.clone()
    out = F.dropout(y, 1.0, inplace=True)
    assert out is y and y.tolist() == [0.0] * 10
    with pytest.raises(ValueError, match="Dropout: dropout probability has to be between 0 "
                                         "and 1, but got 1.5"):
        ember.nn.Dropout(1.5)


def test_same_seed_same_mask():
    ember.manual_seed(5)
    a = F.dropout(ember.ones(100), 0.5)
    ember.manual_seed(5)
    assert F.dropout(ember.ones(100), 0.5).tolist() == a.tolist()
