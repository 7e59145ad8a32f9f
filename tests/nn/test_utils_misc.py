"""ember.nn.utils: get_total_norm, clip_grads_with_norm_, clip_grad_norm, BatchNorm fusion,
skip_init and stateless.functional_call, against torch.nn.utils / torch.func."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import nn

from .harness import load_torch_weights

torch = pytest.importorskip("torch")


def _tensors(seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (5,), (2, 2))]
    return [ember.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


@pytest.mark.parametrize("norm_type", [2.0, 1, 0, 3.5, float("inf"), "-inf"])
def test_get_total_norm_matches_torch(norm_type):
    e, t = _tensors()
    got = nn.utils.get_total_norm(e, norm_type)
    want = torch.nn.utils.get_total_norm(t, norm_type)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    assert nn.utils.get_total_norm([]).item() == 0.0
    np.testing.assert_allclose(nn.utils.get_total_norm(e[0]).item(),
                               torch.nn.utils.get_total_norm(t[0]).item(), rtol=1e-12)
    bad = [ember.tensor([float("inf"), 1.0])]
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.get_total_norm(bad, error_if_nonfinite=True)


@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grads_with_norm_matches_torch(max_norm):
    e, t = _tensors()
    ep = [nn.Parameter(ember.ones(*x.shape, dtype=ember.float64)) for x in e]
    tp = [torch.nn.Parameter(torch.ones(x.shape, dtype=torch.float64)) for x in t]
    for p, g in zip(ep, e):
        p.grad = g
    for p, g in zip(tp, t):
        p.grad = g
    total = nn.utils.get_total_norm([p.grad for p in ep])
    assert nn.utils.clip_grads_with_norm_(ep, max_norm, total) is None
    torch.nn.utils.clip_grads_with_norm_(tp, max_norm,
                                         torch.nn.utils.get_total_norm([p.grad for p in tp]))
    for a, b in zip(ep, tp):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_is_a_deprecated_alias():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = nn.utils.clip_grad_norm(p, 1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.6 * 4 / 3], rtol=1e-5)


@pytest.mark.parametrize("transpose,affine,bias", [(False, True, True), (False, False, False),
                                                   (True, True, True)])
def test_fuse_conv_bn_matches_torch(transpose, affine, bias):
    torch.manual_seed(0)
    kind = "ConvTranspose2d" if transpose else "Conv2d"
    tconv = getattr(torch.nn, kind)(2, 3, 3, bias=bias).double()
    tbn = torch.nn.BatchNorm2d(3, affine=affine).double()
    with torch.no_grad():  # non-trivial running statistics and affine parameters
        tbn.running_mean.uniform_(-1, 1)
        tbn.running_var.uniform_(0.5, 2)
        if affine:
            tbn.weight.uniform_(0.5, 2)
            tbn.bias.uniform_(-1, 1)
    econv = getattr(nn, kind)(2, 3, 3, bias=bias).double()
    ebn = nn.BatchNorm2d(3, affine=affine).double()
    load_torch_weights(econv, tconv)
    load_torch_weights(ebn, tbn)
    for m in (tconv, tbn, econv, ebn):
        m.eval()
    efused = nn.utils.fuse_conv_bn_eval(econv, ebn, transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose)
    assert efused is not econv and type(efused) is type(econv)
    for (en, ev), (tn, tv) in zip(efused.named_parameters(), tfused.named_parameters()):
        assert en == tn and type(ev) is nn.Parameter
        np.testing.assert_allclose(ev.detach().numpy(), tv.detach().numpy(), rtol=1e-12)
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
    np.testing.assert_allclose(efused(ember.tensor(x)).detach().numpy(),
                               tbn(tconv(torch.tensor(x))).detach().numpy(), atol=1e-12)


def test_fuse_linear_bn_matches_torch():
    torch.manual_seed(0)
    tlin, tbn = torch.nn.Linear(4, 3).double().eval(), torch.nn.BatchNorm1d(3).double().eval()
    with torch.no_grad():
        tbn.running_mean.uniform_(-1, 1)
        tbn.running_var.uniform_(0.5, 2)
        tbn.weight.uniform_(0.5, 2)
    elin, ebn = nn.Linear(4, 3).double().eval(), nn.BatchNorm1d(3).double().eval()
    load_torch_weights(elin, tlin)
    load_torch_weights(ebn, tbn)
    efused = nn.utils.fuse_linear_bn_eval(elin, ebn)
    tfused = torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)
    for ev, tv in zip(efused.parameters(), tfused.parameters()):
        np.testing.assert_allclose(ev.detach().numpy(), tv.detach().numpy(), rtol=1e-12)
    w, b = nn.utils.fuse_linear_bn_weights(elin.weight, None, ebn.running_mean,
                                           ebn.running_var, 1e-3, ebn.weight, ebn.bias)
    tw, tb = torch.nn.utils.fuse_linear_bn_weights(tlin.weight, None, tbn.running_mean,
                                                   tbn.running_var, 1e-3, tbn.weight, tbn.bias)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-12)


def test_fuse_errors():
    with pytest.raises(AssertionError, match=r"fuse_conv_bn_eval: fusion only for eval! .*"
                       r"Conv2d training=True"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2).eval())
    with pytest.raises(AssertionError, match="track_running_stats=False"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1).eval(),
                                   nn.BatchNorm2d(2, track_running_stats=False).eval())
    with pytest.raises(AssertionError, match="linear.out_features=3 and bn.num_features=2"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(2).eval())


def test_skip_init_leaves_parameters_unset():
    ember.manual_seed(0)
    expected = ember.rand(3)
    ember.manual_seed(0)
    m = nn.utils.skip_init(nn.Linear, 5, out_features=2, bias=False)
    # no initialiser ran: the random stream is where it was
    np.testing.assert_array_equal(ember.rand(3).numpy(), expected.numpy())
    assert type(m) is nn.Linear and tuple(m.weight.shape) == (2, 5) and m.bias is None
    assert type(m.weight) is nn.Parameter
    # the initialisers work again afterwards
    assert float(nn.Linear(5, 2).weight.abs().sum()) > 0
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg"):
        nn.utils.skip_init(nn.ReLU)
    with pytest.raises(RuntimeError, match="expected a Module class"):
        nn.utils.skip_init(int)


def _tied(lib):
    mod = lib.nn.Module()
    mod.a = lib.nn.Linear(3, 3)
    mod.b = lib.nn.Linear(3, 3)
    mod.b.weight = mod.a.weight
    mod.bn = lib.nn.BatchNorm1d(3)  # a buffer updated during the call
    return mod


def _run(lib, mod, values, x, **kw):
    fc = nn.utils.stateless.functional_call if lib is ember else torch.func.functional_call
    return fc(mod, values, x, **kw)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_functional_call_matches_torch(tie_weights):
    em, tm = _tied(ember), _tied(torch)
    em.forward = lambda x: em.bn(em.b(em.a(x)))
    tm.forward = lambda x: tm.bn(tm.b(tm.a(x)))
    em.double()
    tm.double()
    load_torch_weights(em, tm)
    rng = np.random.default_rng(0)
    w, bias, x = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal((4, 3))
    ev = [{"a.weight": ember.tensor(w, requires_grad=True)},
          {"b.bias": ember.tensor(bias, requires_grad=True)}]
    tv = [{"a.weight": torch.tensor(w, requires_grad=True)},
          {"b.bias": torch.tensor(bias, requires_grad=True)}]
    before = {k: v.clone() for k, v in em.state_dict().items()}
    eo = _run(ember, em, ev, (ember.tensor(x),), tie_weights=tie_weights)
    to = _run(torch, tm, tv, (torch.tensor(x),), tie_weights=tie_weights)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
    eo.pow(2).sum().backward()
    to.pow(2).sum().backward()
    for e, t in zip(ev, tv):
        for k in e:
            # atol: b.bias feeds a train-mode BatchNorm, so its gradient is ~0
            np.testing.assert_allclose(e[k].grad.numpy(), t[k].grad.numpy(), rtol=1e-10,
                                       atol=1e-12)
    # the module's own tensors are back, untouched except the running statistics
    assert em.a.weight is em.b.weight and type(em.a.weight) is nn.Parameter
    np.testing.assert_array_equal(em.a.weight.detach().numpy(), before["a.weight"].numpy())
    np.testing.assert_allclose(em.bn.running_mean.numpy(), tm.bn.running_mean.numpy(),
                               rtol=1e-12)


def test_functional_call_errors_match_torch():
    m = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"Error\(s\) in reparametrizing for Linear:\n\t"
                       r"Unexpected key\(s\): 'foo'.\n\tMissing key\(s\): 'bias'."):
        nn.utils.stateless.functional_call(m, {"weight": ember.ones(2, 2), "foo": ember.ones(1)},
                                           ember.ones(1, 2), strict=True)
    assert "foo" not in m.__dict__
    with pytest.raises(ValueError, match=r"\['weight'\] appeared in multiple dictionaries"):
        nn.utils.stateless.functional_call(m, ({"weight": ember.ones(2, 2)},
                                               {"weight": ember.ones(2, 2)}), ember.ones(1, 2))
    mod = _tied(ember)
    with pytest.raises(ValueError, match=r"multiple values for keys \['a.weight', 'b.weight'\]"):
        nn.utils.stateless.functional_call(
            mod, {"a.weight": ember.ones(3, 3), "b.weight": ember.zeros(3, 3)}, ember.ones(1, 3))
    out = nn.utils.stateless.functional_call(m, {"weight": ember.zeros(2, 2)},
                                             kwargs={"input": ember.ones(1, 2)})
    np.testing.assert_array_equal(out.detach().numpy(), m.bias.detach().numpy()[None])
