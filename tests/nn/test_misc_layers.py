"""Fold, Unfold, CosineSimilarity, PairwiseDistance, ChannelShuffle and MaxUnpool against
PyTorch: layers through the harness, the new functions by direct comparison."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from tests.nn.harness import check_layer

torch = pytest.importorskip("torch")
TF = torch.nn.functional

LAYERS = [
    ("Fold", ((4, 5), 2), dict(padding=1, stride=2), [(2, 12, 9)]),
    ("Fold", (3, (2, 1)), dict(dilation=1), [(6, 6)]),
    ("Unfold", (2,), dict(dilation=(1, 2), padding=1), [(2, 3, 4, 5)]),
    ("CosineSimilarity", (), dict(dim=-1, eps=1e-6), [(3, 4), (1, 4)]),
    ("CosineSimilarity", (), {}, [(2, 5, 3), (2, 5, 3)]),
    ("PairwiseDistance", (), dict(p=1.5, keepdim=True), [(4, 3), (4, 3)]),
    ("PairwiseDistance", (), {}, [(5,), (5,)]),
    ("ChannelShuffle", (3,), {}, [(2, 6, 3, 2)]),
    ("ChannelShuffle", (2,), {}, [(1, 4, 5)]),
]


@pytest.mark.parametrize("name,args,kwargs,inputs", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer(name, args, kwargs, inputs):
    check_layer(lambda: getattr(ember.nn, name)(*args, **kwargs),
                lambda: getattr(torch.nn, name)(*args, **kwargs), inputs)


@pytest.mark.parametrize("name,args,kwargs", [
    ("Fold", (4, 2), {}), ("Unfold", ((2, 3),), dict(stride=2)), ("CosineSimilarity", (), {}),
    ("PairwiseDistance", (), {}), ("ChannelShuffle", (2,), {}), ("MaxUnpool1d", (2,), {}),
    ("MaxUnpool2d", (2, 1), {}), ("MaxUnpool3d", ((2, 1, 2),), dict(padding=1)),
])
def test_repr_and_attributes(name, args, kwargs):
    e, t = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(e) == repr(t)
    for k, v in vars(t).items():
        if not k.startswith("_") and k != "training":
            assert getattr(e, k) == v, k


UNPOOL = [
    (1, 2, None, 0, (2, 3, 8), None),
    (1, 3, 2, 1, (3, 7), (8,)),
    (2, 2, None, 0, (2, 2, 4, 6), None),
    (2, (3, 2), (2, 2), (1, 0), (1, 2, 7, 6), (1, 2, 8, 6)),
    (3, 2, None, 0, (1, 2, 4, 4, 2), None),
    (3, 2, 2, 1, (2, 3, 3, 3), [3, 3, 3]),
]


@pytest.mark.parametrize("nd,k,s,p,shape,size", UNPOOL)
def test_max_unpool(nd, k, s, p, shape, size):
    def build(lib):
        pool = getattr(lib.nn, f"MaxPool{nd}d")(k, s, p, return_indices=True)
        unpool = getattr(lib.nn, f"MaxUnpool{nd}d")(k, s, p)

        def run(x):
            y, idx = pool(x)
            return unpool(y * 2, idx, size) if size is not None else unpool(y * 2, idx)
        return run, unpool

    rng = np.random.default_rng(0)
    arr = rng.standard_normal(shape)
    ex, tx = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    (erun, _), (trun, _) = build(ember), build(torch)
    eo, to = erun(ex), trun(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy())
    cot = rng.standard_normal(tuple(to.shape))
    eg, = ember.autograd.grad([eo], [ex], [ember.tensor(cot)])
    tg, = torch.autograd.grad([to], [tx], [torch.tensor(cot)])
    np.testing.assert_allclose(eg.numpy(), tg.numpy())
    # The functional form with the same arguments.
    y, idx = getattr(F, f"max_pool{nd}d")(ex, k, s, p, return_indices=True)
    ty, tidx = getattr(TF, f"max_pool{nd}d")(tx, k, s, p, return_indices=True)
    np.testing.assert_allclose(
        getattr(F, f"max_unpool{nd}d")(y, idx, k, s, p, size).detach().numpy(),
        getattr(TF, f"max_unpool{nd}d")(ty, tidx, k, s, p, size).detach().numpy())


def test_max_unpool_errors():
    y, idx = F.max_pool2d(ember.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(y, idx, 2, output_size=(7, 4))
    with pytest.raises(ValueError, match="output_size should be a sequence"):
        F.max_unpool2d(y, idx, 2, output_size=(4,))
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool2d(y, idx + 100, 2)
    with pytest.raises(RuntimeError, match="int64"):
        F.max_unpool2d(y, idx.float(), 2)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((1, 4, 2, 3), 2), ((2, 6, 1, 2, 2), 6),
                                          ((3, 4, 2), 1)])
def test_channel_shuffle_function(shape, groups):
    arr = np.random.default_rng(0).standard_normal(shape)
    want = TF.channel_shuffle(torch.tensor(arr), groups).numpy()
    np.testing.assert_array_equal(F.channel_shuffle(ember.tensor(arr), groups).numpy(), want)
    np.testing.assert_array_equal(
        F.native_channel_shuffle(ember.tensor(arr), groups).numpy(),
        TF.native_channel_shuffle(torch.tensor(arr), groups).numpy())


def test_channel_shuffle_errors():
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(ember.zeros(1, 5, 2), 2)
    with pytest.raises(RuntimeError, match="must be positive"):
        F.channel_shuffle(ember.zeros(1, 4, 2), 0)


@pytest.mark.parametrize("inplace", [False, True])
def test_relu6_attributes_and_repr(inplace):
    e, t = ember.nn.ReLU6(inplace), torch.nn.ReLU6(inplace)
    assert repr(e) == repr(t)
    assert isinstance(e, ember.nn.Hardtanh)
    for k in ("min_val", "max_val", "inplace"):
        assert getattr(e, k) == getattr(t, k)
    check_layer(lambda: ember.nn.ReLU6(), lambda: torch.nn.ReLU6(), [(3, 4)])
