"""Lazy conv and norm layers against PyTorch's: what they become at the first call, their
parameters, initialisation bounds, outputs and gradients (layer harness), state dicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember import nn

from .harness import check_layer, load_torch_weights

torch = pytest.importorskip("torch")

CONVS = [
    ("Conv1d", (4, 3), dict(stride=2, padding=1), (2, 6, 7)),
    ("Conv2d", (4, 3), dict(groups=2, bias=False), (2, 6, 5, 5)),
    ("Conv3d", (2, 2), {}, (1, 3, 3, 4, 3)),
    ("ConvTranspose1d", (4, 3), dict(stride=2, output_padding=1), (2, 6, 5)),
    ("ConvTranspose2d", (4, 3), dict(groups=2, dilation=2), (2, 6, 3, 4)),
    ("ConvTranspose3d", (2, 2), dict(bias=False), (1, 3, 2, 3, 2)),
]


def _materialised(name, args, kwargs, shape, dtype=ember.float64):
    m = getattr(nn, "Lazy" + name)(*args, **kwargs)
    m(ember.zeros(*shape, dtype=dtype))
    return m


@pytest.mark.parametrize("name,args,kwargs,shape", CONVS, ids=[c[0] for c in CONVS])
def test_lazy_conv_matches_torch(name, args, kwargs, shape):
    lazy = getattr(nn, "Lazy" + name)(*args, **kwargs)
    tlazy = getattr(torch.nn, "Lazy" + name)(*args, **kwargs)
    assert repr(lazy) == repr(tlazy)
    ember.manual_seed(0)
    out = lazy(ember.randn(*shape))
    tout = tlazy(torch.randn(*shape))
    assert type(lazy) is getattr(nn, name) and type(tlazy) is getattr(torch.nn, name)
    assert repr(lazy) == repr(tlazy) and lazy.in_channels == tlazy.in_channels == shape[1]
    assert tuple(out.shape) == tuple(tout.shape)
    for (en, ep), (tn, tp) in zip(lazy.named_parameters(), tlazy.named_parameters()):
        assert en == tn and tuple(ep.shape) == tuple(tp.shape) and type(ep) is nn.Parameter
        assert ep.dtype == ember.float32
    bound = 1 / math.sqrt(lazy.weight[0].numel())  # PyTorch's U(-1/sqrt(fan_in), ...)
    assert 0 < float(lazy.weight.abs().max()) <= bound
    # with the same weights the outputs and gradients match torch's layer
    check_layer(lambda: _materialised(name, args, kwargs, shape),
                lambda: getattr(torch.nn, name)(shape[1], *args, **kwargs), [shape])


def test_lazy_conv_unbatched_dtype_and_unit_out():
    m = nn.LazyConv2d(4, 3)
    out = m(ember.zeros(2, 5, 5, dtype=ember.float64))  # unbatched (C, H, W)
    assert m.in_channels == 2 and m.weight.dtype == ember.float64 and tuple(out.shape) == (4, 3, 3)
    m = nn.LazyConv1d(2, 1, dtype=ember.float32)
    m(ember.zeros(1, 3, 4, dtype=ember.float32))
    assert m.weight.dtype == ember.float32


def test_lazy_conv_loads_a_torch_state_dict_before_the_first_call():
    tconv = torch.nn.Conv2d(3, 4, 3, groups=1).double()
    m = nn.LazyConv2d(4, 3)
    load_torch_weights(m, tconv)
    x = np.random.default_rng(0).standard_normal((1, 3, 5, 5))
    np.testing.assert_allclose(m(ember.tensor(x)).detach().numpy(),
                               tconv(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    assert type(m) is nn.Conv2d and m.in_channels == 3


def test_lazy_conv_errors():
    net = nn.Module()
    net.conv = nn.LazyConv2d(4, 3, groups=2)
    with pytest.raises(ValueError, match=r"conv \(LazyConv2d.*\): in_channels \(3, from input of "
                       r"shape \(1, 3, 5, 5\)\) must be divisible by groups \(2\)"):
        net.conv(ember.zeros(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match=r"conv \(LazyConv2d.*\): expected 3D \(unbatched\) or "
                       r"4D \(batched\) input, got input of shape \(5, 5\)"):
        net.conv(ember.zeros(5, 5))
    assert type(net.conv) is nn.LazyConv2d  # still lazy after the failed calls
    with pytest.raises(ValueError, match="out_channels \\(3\\) must be divisible by groups"):
        nn.LazyConv1d(3, 2, groups=2)


NORMS = [
    ("BatchNorm1d", {}, (4, 3)),
    ("BatchNorm1d", dict(affine=False, momentum=None), (4, 3, 5)),
    ("BatchNorm2d", dict(bias=False), (2, 3, 4, 4)),
    ("BatchNorm3d", dict(track_running_stats=False), (2, 3, 2, 3, 2)),
    ("InstanceNorm1d", {}, (2, 3, 5)),
    ("InstanceNorm2d", dict(affine=False, track_running_stats=False), (2, 3, 4, 4)),
    ("InstanceNorm3d", dict(eps=1e-3), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", NORMS, ids=[n[0] for n in NORMS])
def test_lazy_norm_matches_torch(name, kwargs, shape):
    lazy, tlazy = getattr(nn, "Lazy" + name)(**kwargs), getattr(torch.nn, "Lazy" + name)(**kwargs)
    assert repr(lazy) == repr(tlazy)
    lazy(ember.randn(*shape))
    tlazy(torch.randn(*shape))
    assert type(lazy) is getattr(nn, name) and lazy.num_features == shape[1]
    if tlazy.num_features:  # PyTorch leaves 0 when there was no tensor to materialise
        assert repr(lazy) == repr(tlazy)
    assert list(lazy.state_dict()) == list(tlazy.state_dict())
    for k, v in tlazy.state_dict().items():
        assert tuple(lazy.state_dict()[k].shape) == tuple(v.shape), k
    # PyTorch's lazy instance norms default to affine and running statistics
    check_layer(lambda: _materialised(name, (), kwargs, shape),
                lambda: getattr(torch.nn, name)(shape[1], **{"affine": True,
                                                            "track_running_stats": True,
                                                            **kwargs}), [shape])


def test_lazy_norm_fresh_state_and_errors():
    bn = nn.LazyBatchNorm2d()
    bn.eval()
    bn(ember.ones(2, 3, 2, 2))
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.weight.tolist() == [1.0] * 3 and int(bn.num_batches_tracked) == 0
    # unbatched instance norm: the channels are dim 0 (PyTorch's lazy version reads dim 1)
    inorm = nn.LazyInstanceNorm1d()
    inorm(ember.randn(3, 5))
    assert inorm.num_features == 3
    net = nn.Module()
    net.bn = nn.LazyBatchNorm2d()
    with pytest.raises(ValueError, match=r"bn \(LazyBatchNorm2d.*\): expected 4D input"):
        net.bn(ember.zeros(2, 3))


@pytest.mark.parametrize("make", [lambda lib: lib.nn.LazyLinear(5),
                                  lambda lib: lib.nn.LazyConv1d(4, 3),
                                  lambda lib: lib.nn.LazyBatchNorm1d()],
                         ids=["LazyLinear", "LazyConv1d", "LazyBatchNorm1d"])
def test_a_conversion_before_the_first_call_sets_the_materialised_dtype(make) -> None:
    torch = pytest.importorskip("torch")
    dtypes = []
    for lib in (ember, torch):
        module = make(lib).double()
        module(lib.ones(2, 3, 4, dtype=lib.float64))
        dtypes.append([p.dtype for p in module.parameters()])
    assert [str(d).split(".")[-1] for d in dtypes[0]] == \
        [str(d).split(".")[-1] for d in dtypes[1]] == ["float64"] * len(dtypes[1])
    with pytest.raises(RuntimeError, match="dtype"):  # as PyTorch: float64 weights, float32 input
        ember.nn.LazyLinear(5).double()(ember.ones(2, 3))
