"""Normalisation layers against PyTorch, through the layer harness."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.harness import check_default_init, check_layer

CASES = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"bias": False}, (4, 3)),
    ("BatchNorm1d", (3,), {"affine": False}, (4, 3, 2)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3)),
    ("BatchNorm1d", (3,), {"track_running_stats": False}, (4, 3)),
    ("BatchNorm2d", (2,), {"eps": 1e-3, "momentum": 0.3}, (3, 2, 2, 3)),
    ("BatchNorm3d", (2,), {}, (2, 2, 2, 1, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 5)),
    ("InstanceNorm2d", (2,), {"affine": True}, (2, 2, 3, 3)),
    ("InstanceNorm2d", (2,), {}, (2, 3, 3)),
    ("InstanceNorm3d", (2,), {"track_running_stats": True}, (2, 2, 2, 2, 2)),
    ("LayerNorm", (4,), {}, (2, 3, 4)),
    ("LayerNorm", ((3, 4),), {"bias": False}, (2, 3, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False}, (2, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (4, 4), {"affine": False}, (3, 4, 2, 2)),
    ("GroupNorm", (2, 4), {"bias": False}, (3, 4)),
    ("RMSNorm", (4,), {}, (2, 3, 4)),
    ("RMSNorm", ([3, 4],), {"eps": 1e-3}, (2, 3, 4)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer_matches_torch(name, args, kwargs, shape):
    make_e = lambda: getattr(ember.nn, name)(*args, **kwargs)  # noqa: E731
    make_t = lambda: getattr(torch.nn, name)(*args, **kwargs)  # noqa: E731
    # check_layer runs the torch layer forward twice per mode and ember's once, so running
    # statistics updated in train mode cannot be compared there: those layers go through
    # the harness in eval mode, and test_train_step_with_running_stats covers train mode.
    stateful = name.startswith(("BatchNorm", "InstanceNorm")) and \
        kwargs.get("track_running_stats", name.startswith("BatchNorm"))
    check_layer(make_e, make_t, [shape], modes=("eval",) if stateful else ("train", "eval"))
    if stateful:
        _train_step_matches(make_e, make_t, shape)


def _train_step_matches(make_e, make_t, shape):
    """One train-mode forward and backward: output, gradients and updated buffers."""
    torch.manual_seed(0)
    t = make_t().double()
    e = make_e().to(ember.float64)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    ex = ember.tensor(x.detach().numpy(), requires_grad=True)
    cot = torch.randn(*shape, dtype=torch.float64)
    t_out, e_out = t(x), e(ex)
    t_out.backward(cot)
    e_out.backward(ember.tensor(cot.numpy()))
    pairs = [("output", e_out, t_out), ("input grad", ex.grad, x.grad)]
    pairs += [(f"grad {n}", p.grad, tp.grad) for (n, p), tp in
              zip(e.named_parameters(), t.parameters())]
    pairs += [(n, b, tb) for (n, b), tb in zip(e.named_buffers(), t.buffers())]
    for what, got, want in pairs:
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-7,
                                   atol=1e-8, err_msg=what)


@pytest.mark.parametrize("name,args", [("BatchNorm2d", (3,)), ("LayerNorm", (5,)),
                                       ("GroupNorm", (2, 4)), ("RMSNorm", (3,))])
def test_default_init(name, args):
    check_default_init(lambda: getattr(ember.nn, name)(*args),
                       lambda: getattr(torch.nn, name)(*args))


def test_running_stats_over_several_steps():
    """num_batches_tracked and the cumulative average (momentum=None) over three batches."""
    e, t = ember.nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for step in range(3):
        x = torch.randn(5, 3) * (step + 1) + step
        e(ember.tensor(x.numpy()))
        t(x)
    assert int(e.num_batches_tracked) == 3
    for name in ("running_mean", "running_var"):
        assert torch.allclose(torch.from_numpy(getattr(e, name).numpy()), getattr(t, name),
                              atol=1e-6)


def test_batchnorm_rank_error_names_module_and_ranks():
    net = ember.nn.Module()
    net.bn = ember.nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"bn \(BatchNorm2d, 3, .*\): expected 4D input "
                                         r"\(N, C, H, W\), got 3D input of shape \(3, 4, 4\)"):
        net.bn(ember.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d.*expected 2D or 3D input"):
        ember.nn.BatchNorm1d(3)(ember.zeros(3))


def test_reprs_match_torch():
    for name, args in (("BatchNorm2d", (3,)), ("LayerNorm", (4,)), ("GroupNorm", (2, 4)),
                       ("InstanceNorm1d", (3,)), ("RMSNorm", (4,)), ("LocalResponseNorm", (2,))):
        assert repr(getattr(ember.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("channels,size", [(6, 3), (7, 4), (9, 5), (5, 2), (2, 5), (1, 1)])
def test_cross_map_lrn2d_forward_matches_torch(channels, size):
    # PyTorch's legacy windows (channel 0 stays in late windows) are reproduced exactly
    x = np.random.default_rng(channels).standard_normal((2, channels, 3, 2))
    em = ember.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    tm = torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    assert repr(em) == repr(tm)
    np.testing.assert_allclose(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(),
                               rtol=1e-13, atol=1e-15)


def test_cross_map_lrn2d_gradients():
    # PyTorch's hand-written backward is not the gradient of its forward (its windows are
    # shifted: torch.autograd.gradcheck fails on it), so ember's gradient, the exact one of
    # the same forward, is checked by central differences in float64 instead.
    rng = np.random.default_rng(0)
    x, cot = rng.standard_normal((1, 6, 2, 2)), rng.standard_normal((1, 6, 2, 2))
    m = ember.nn.CrossMapLRN2d(3, alpha=0.5)
    xt = ember.tensor(x, requires_grad=True)
    (m(xt) * ember.tensor(cot)).sum().backward()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = 1e-6
        up = (m(ember.tensor(x + d)).numpy() * cot).sum()
        down = (m(ember.tensor(x - d)).numpy() * cot).sum()
        numeric[i] = (up - down) / 2e-6
    np.testing.assert_allclose(xt.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)
    tx = torch.tensor(x, requires_grad=True)
    assert not torch.autograd.gradcheck(torch.nn.CrossMapLRN2d(3, alpha=0.5), (tx,),
                                        raise_exception=False)


def test_cross_map_lrn2d_rejects_other_ranks():
    net = ember.nn.Module()
    net.lrn = ember.nn.CrossMapLRN2d(3)
    with pytest.raises(ValueError, match=r"lrn \(CrossMapLRN2d.*\): expected a 4D \(N, C, H, W\) "
                       r"input, got 3D input of shape \(2, 3, 4\)"):
        net.lrn(ember.zeros(2, 3, 4))
