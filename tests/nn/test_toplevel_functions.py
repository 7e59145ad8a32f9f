"""The layer functions at top level (``ember.dropout``, ``ember.embedding_bag``, ...) against
``torch.<name>``: parameter names from ATen's schemas, the random ones (dropout family, rrelu),
``embedding_bag``'s four outputs, ``ctc_loss``, the default reductions and the Tensor methods.
The deterministic ones also have op records (tests/opinfo/ops_nn_toplevel.py)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

# The names PyTorch has at top level and in torch.nn.functional, plus the brief's extras.
_TORCH_NAMES = sorted(
    n for n in dir(torch)
    if hasattr(torch.nn.functional, n) and callable(getattr(torch, n)) and not n.startswith("_")
    and n not in ("pdist",)  # ember has no pdist yet
    and not isinstance(getattr(torch, n), type(inspect))  # modules (torch, math, warnings)
) + ["dropout_", "alpha_dropout_", "feature_dropout", "feature_dropout_",
     "feature_alpha_dropout_", "threshold_", "celu_", "selu_", "rrelu_", "constant_pad_nd",
     "native_channel_shuffle", "embedding", "embedding_bag"]


def _schema_args(name: str) -> list[list[str]]:
    """Argument names of each non-``out`` overload of ``aten::name`` (``self`` is ``input``)."""
    out = []
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        if schema.overload_name.endswith("out") or any(a.is_out for a in schema.arguments):
            continue
        out.append(["input" if a.name == "self" else a.name for a in schema.arguments])
    return out


@pytest.mark.parametrize("name", sorted(set(_TORCH_NAMES)))
def test_top_level_name_and_parameters(name):
    assert hasattr(ember, name), f"ember.{name} is missing"
    overloads = _schema_args(name)
    if not overloads:  # a Python-level function in torch (e.g. a re-export): names only
        return
    params = inspect.signature(getattr(ember, name)).parameters
    if any(p.kind is p.VAR_POSITIONAL for p in params.values()):
        return  # a generic in-place wrapper (fn_(self, *args, **kwargs))
    params = list(params)
    assert any(params == args or params[:len(args)] == args for args in overloads), (
        f"ember.{name}{params} vs torch {overloads}")


def test_default_reduction_is_unreduced_as_in_pytorch():
    """PyTorch's binding passes reduction=0 when it is left out, despite the schema's Mean."""
    a, b = np.random.default_rng(0).uniform(0.1, 1, (2, 3, 4))
    got = ember.kl_div(ember.tensor(a), ember.tensor(b))
    want = torch.kl_div(torch.tensor(a), torch.tensor(b))
    assert tuple(got.shape) == tuple(want.shape) == (3, 4)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name,feature", [
    ("dropout", False), ("alpha_dropout", False), ("feature_dropout", True),
    ("feature_alpha_dropout", True)])
def test_dropout_family(name, feature):
    x = ember.rand(4, 6, 5) + 1.0
    fn, fn_ = getattr(ember, name), getattr(ember, name + "_")
    assert fn(x, 0.3, False).equal(x)  # evaluation mode: unchanged, as in torch
    assert torch.equal(getattr(torch, name)(torch.tensor(x.numpy()), 0.3, False),
                       torch.tensor(x.numpy()))
    ember.manual_seed(0)
    y, p = fn(x, 0.5, True).numpy(), 0.5
    if "alpha" in name:  # kept: a * x + b, dropped: a * alpha' + b (Klambauer et al.)
        neg = -1.0507009873554805 * 1.6732632423543772
        a = ((1 - p) * (1 + p * neg ** 2)) ** -0.5
        b = -a * neg * p
        kept, dropped = np.isclose(y, a * x.numpy() + b), np.isclose(y, a * neg + b)
    else:
        kept, dropped = np.isclose(y, x.numpy() / (1 - p)), y == 0
    assert (kept | dropped).all() and kept.any() and dropped.any()
    if feature:  # one decision per (sample, channel), shared along the last dim
        assert np.all(dropped.all(-1) | kept.all(-1))
    else:
        assert not np.all(dropped.all(-1) | kept.all(-1))
    z = x.clone()
    assert fn_(z, 1.0, True) is z
    if "alpha" not in name:
        assert bool((z == 0).all())


@pytest.mark.parametrize("name", ["feature_dropout", "feature_alpha_dropout"])
def test_feature_dropout_needs_two_dims(name):
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        getattr(torch, name)(torch.ones(3), 0.5, True)
    with pytest.raises(RuntimeError, match=f"{name}: Feature dropout requires at least 2 "):
        getattr(ember, name)(ember.ones(3), 0.5, True)


def test_rrelu_generator_and_bounds():
    x = -ember.rand(200) - 0.5
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    a = ember.rrelu(x, 0.1, 0.3, True, g1)
    assert a.equal(ember.rrelu(x, 0.1, 0.3, True, g2))
    slopes = (a / x).numpy()
    assert slopes.min() >= 0.1 - 1e-6 and slopes.max() <= 0.3 + 1e-6 and slopes.std() > 0.01
    z = x.clone()
    assert ember.rrelu_(z, 0.1, 0.3, False) is z
    np.testing.assert_allclose(z.numpy(), torch.rrelu(torch.tensor(x.numpy()), 0.1, 0.3,
                                                      False).numpy(), rtol=1e-6)


def test_pools_take_no_return_indices_as_in_pytorch():
    with pytest.raises(TypeError):
        torch.max_pool1d(torch.ones(1, 4), 2, return_indices=True)
    with pytest.raises(TypeError):
        ember.max_pool1d(ember.ones(1, 4), 2, return_indices=True)


def test_batch_norm_updates_running_stats_like_pytorch():
    x = np.random.default_rng(1).standard_normal((5, 3, 2))
    rm, rv = np.zeros(3), np.ones(3)
    er, ev, tr, tv = (ember.tensor(rm), ember.tensor(rv), torch.tensor(rm), torch.tensor(rv))
    got = ember.batch_norm(ember.tensor(x), None, None, er, ev, True, 0.2, 1e-5, False)
    want = torch.batch_norm(torch.tensor(x), None, None, tr, tv, True, 0.2, 1e-5, False)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(er.numpy(), tr.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-12)


_BAGS = [  # dtype, mode, padding_idx, per_sample_weights, include_last_offset
    ("float64", 0, None, False, False),
    ("float64", 0, 4, True, False),
    ("float32", 1, None, False, False),
    ("float32", 1, 4, False, False),
    ("float64", 2, None, False, False),
    ("float32", 2, 3, False, True),
]


@pytest.mark.parametrize("dtype,mode,pad,psw,last", _BAGS)
def test_embedding_bag_outputs(dtype, mode, pad, psw, last):
    rng = np.random.default_rng(mode)
    w = rng.standard_normal((6, 3)).astype(dtype)
    idx, off = np.array([1, 2, 4, 5, 4, 3, 3, 0]), np.array([0, 2, 2, 5, 8])[:None if last
                                                                               else 4]
    sw = rng.uniform(0.5, 2, idx.shape).astype(dtype) if psw else None
    ew, tw = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    got = ember.embedding_bag(ew, ember.tensor(idx), ember.tensor(off), False, mode, False,
                              None if sw is None else ember.tensor(sw), last, pad)
    want = torch.embedding_bag(tw, torch.tensor(idx), torch.tensor(off), False, mode, False,
                               None if sw is None else torch.tensor(sw), last, pad)
    np.testing.assert_allclose(got[0].detach().numpy(), want[0].detach().numpy(), rtol=1e-6)
    for g, t in zip(got[1:], want[1:]):
        assert g.dtype == ember.int64 and g.tolist() == t.tolist()
    grad = rng.standard_normal(tuple(want[0].shape)).astype(dtype)
    got[0].backward(ember.tensor(grad))
    want[0].backward(torch.tensor(grad))
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_embedding_bag_bad_mode():
    w, i, o = ember.ones(3, 2), ember.tensor([0, 1]), ember.tensor([0])
    with pytest.raises(ValueError, match=r"embedding_bag: mode must be one of 0 \(sum\), 1 "
                                         r"\(mean\), 2 \(max\), got 3"):
        ember.embedding_bag(w, i, o, False, 3)


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_ctc_loss(reduction, as_tensor):
    rng = np.random.default_rng(reduction)
    logits = rng.standard_normal((6, 2, 4))
    targets, in_len, tg_len = np.array([[1, 2, 2], [3, 1, 0]]), [6, 5], [3, 2]
    el = ember.tensor(logits, requires_grad=True)
    tl = torch.tensor(logits, requires_grad=True)
    conv_e = (lambda v: ember.tensor(v)) if as_tensor else list
    conv_t = (lambda v: torch.tensor(v)) if as_tensor else list
    got = ember.ctc_loss(el.log_softmax(2), ember.tensor(targets), conv_e(in_len),
                         conv_e(tg_len), 0, reduction)
    want = torch.ctc_loss(tl.log_softmax(2), torch.tensor(targets), conv_t(in_len),
                          conv_t(tg_len), 0, reduction)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(el.grad.numpy(), tl.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_tensor_methods():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(ember.tensor(x).prelu(ember.tensor(w)).numpy(),
                               torch.tensor(x).prelu(torch.tensor(w)).numpy())
    np.testing.assert_allclose(ember.tensor(x).hardshrink(0.7).numpy(),
                               torch.tensor(x).hardshrink(0.7).numpy())
    np.testing.assert_allclose(ember.tensor(x).hardshrink().numpy(),
                               torch.tensor(x).hardshrink().numpy())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dtype_is_the_third_argument(name):
    x = np.random.default_rng(3).standard_normal((2, 3)).astype("float32")
    want = getattr(torch, name)(torch.tensor(x), 1, torch.float64)
    for got in (getattr(ember, name)(ember.tensor(x), 1, ember.float64),
                getattr(ember.tensor(x), name)(1, ember.float64)):
        assert got.dtype == ember.float64
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
