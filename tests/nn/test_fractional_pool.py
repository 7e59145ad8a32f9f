"""Fractional max pooling against PyTorch: with the same ``_random_samples`` the values, the
indices and the gradients are identical (bit for bit) for float32/float64/bfloat16, ties
(first maximum), NaN (last NaN) and -inf windows, 2-D and 3-D, batched and unbatched; plus
ember's own samples, ``output_ratio``, and the ``nn.FractionalMaxPool2d/3d`` modules."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [  # nd, input shape, kernel, output size
    (2, (2, 3, 11, 9), (3, 2), (5, 4)),
    (2, (2, 3, 25, 17), (2, 3), (12, 7)),
    (2, (1, 2, 40, 40), 3, (37, 38)),  # windows overlap heavily
    (2, (3, 10, 10), 3, (1, 8)),  # unbatched; one output row starts at input - pool
    (3, (2, 3, 9, 8, 7), (2, 3, 2), (4, 5, 3)),
    (3, (2, 6, 6, 7), 2, (3, 4, 5)),  # unbatched
]
DTYPES = {"float32": (torch.float32, ember.float32), "float64": (torch.float64, ember.float64),
          "bfloat16": (torch.bfloat16, ember.bfloat16)}


def _input(shape, kind, rng):
    if kind == "distinct":
        return rng.standard_normal(shape)
    a = rng.integers(0, 3, shape).astype(np.float64)  # ties everywhere
    if kind == "nan":
        a.flat[rng.choice(a.size, a.size // 4, replace=False)] = np.nan
    if kind == "-inf":
        a[...] = -np.inf
        a.flat[rng.choice(a.size, a.size // 10, replace=False)] = 1.0
    return a


def _pair(array, dtype):
    t_dtype, e_dtype = DTYPES[dtype]
    t = torch.tensor(array).to(t_dtype)
    return t, ember.tensor(t.float().numpy() if dtype == "bfloat16" else t.numpy()).to(e_dtype)


def _np(t):
    return t.float().numpy() if isinstance(t, torch.Tensor) else t.to(ember.float32).numpy()


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("kind", ["distinct", "ties", "nan", "-inf"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[1]}")
def test_same_samples_same_result(case, kind, dtype):
    nd, shape, kernel, out = case
    rng = np.random.default_rng(len(shape) * 7 + nd)
    n = shape[0] if len(shape) == nd + 2 else 1
    tx, ex = _pair(_input(shape, kind, rng), dtype)
    tu, eu = _pair(rng.random((n, shape[-nd - 1], nd)), dtype)
    tx.requires_grad_()
    ex.requires_grad_()
    t_fn = getattr(TF, f"fractional_max_pool{nd}d")
    e_fn = getattr(F, f"fractional_max_pool{nd}d")
    t_val, t_idx = t_fn(tx, kernel, out, return_indices=True, _random_samples=tu)
    e_val, e_idx = e_fn(ex, kernel, out, return_indices=True, _random_samples=eu)
    assert e_idx.dtype == ember.int64 and e_idx.tolist() == t_idx.tolist()
    np.testing.assert_array_equal(_np(e_val.detach()), _np(t_val.detach()))
    cot = rng.standard_normal(tuple(t_val.shape))
    t_cot, e_cot = _pair(cot, dtype)
    t_val.backward(t_cot)
    e_val.backward(e_cot)
    np.testing.assert_array_equal(_np(ex.grad), _np(tx.grad))


@pytest.mark.parametrize("nd,ratio", [(2, 0.5), (2, (0.7, 0.3)), (3, (0.5, 0.6, 0.7))])
def test_output_ratio(nd, ratio):
    shape = (2, 3) + (10, 9, 8)[:nd]
    x = np.random.default_rng(5).standard_normal(shape)
    u = np.random.default_rng(6).random((2, 3, nd))
    # PyTorch's 2-D function fails on a bare float ratio (len() of a float); its module, and
    # ember, read one as the same ratio for every dim.
    t_ratio = (ratio,) * nd if isinstance(ratio, float) else ratio
    t = getattr(TF, f"fractional_max_pool{nd}d")(torch.tensor(x), 2, output_ratio=t_ratio,
                                                    _random_samples=torch.tensor(u))
    e = getattr(F, f"fractional_max_pool{nd}d")(ember.tensor(x), 2, output_ratio=ratio,
                                                   _random_samples=ember.tensor(u))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_larger_sample_batch_uses_its_first_rows():
    x, u = ember.randn(2, 3, 8, 8), ember.rand(4, 3, 2)
    a = F.fractional_max_pool2d(x, 2, 4, _random_samples=u)
    assert a.equal(F.fractional_max_pool2d(x, 2, 4, _random_samples=u[:2]))


def test_own_samples_pick_window_maxima():
    x = ember.randn(2, 3, 12, 11)
    ember.manual_seed(0)
    values, indices = F.fractional_max_pool2d_with_indices(x, 3, (6, 5))
    assert tuple(values.shape) == tuple(indices.shape) == (2, 3, 6, 5)
    assert values.equal(x.reshape(2, 3, -1).gather(2, indices.reshape(2, 3, -1))
                        .reshape(2, 3, 6, 5))
    rows, cols = (indices // 11).numpy(), (indices % 11).numpy()
    assert (np.diff(rows, axis=2) >= 0).all() and (np.diff(cols, axis=3) >= 0).all()
    ember.manual_seed(0)
    assert F.fractional_max_pool2d(x, 3, (6, 5)).equal(values)  # repeatable under a seed


@pytest.mark.parametrize("nd", [2, 3])
def test_modules_match_pytorch_and_keep_samples_as_a_buffer(nd):
    shape = (2, 2) + (9, 8, 7)[:nd]
    x = np.random.default_rng(7).standard_normal(shape)
    u = np.random.default_rng(8).random((2, 2, nd))
    t_mod = getattr(torch.nn, f"FractionalMaxPool{nd}d")(2, output_size=3, return_indices=True,
                                                         _random_samples=torch.tensor(u))
    e_mod = getattr(ember.nn, f"FractionalMaxPool{nd}d")(2, output_size=3, return_indices=True,
                                                         _random_samples=ember.tensor(u))
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["_random_samples"]
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.kernel_size == t_mod.kernel_size and e_mod.output_size == t_mod.output_size
    (tv, ti), (ev, ei) = t_mod(torch.tensor(x)), e_mod(ember.tensor(x))
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    assert ei.tolist() == ti.tolist()
    plain = getattr(ember.nn, f"FractionalMaxPool{nd}d")(2, output_ratio=0.5)
    assert list(plain.state_dict()) == []
    assert tuple(plain(ember.tensor(x)).shape) == shape[:2] + tuple(s // 2 for s in shape[2:])


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("kwargs,match", [
    ({}, "requires specifying either an output size, or a pooling ratio"),
    (dict(output_size=2, output_ratio=0.5), "only one of output_size and output_ratio"),
    (dict(output_ratio=1.5), r"output_ratio must be between 0 and 1 \(got 1.5\)"),
])
def test_module_errors(nd, kwargs, match):
    name = f"FractionalMaxPool{nd}d"
    with pytest.raises(ValueError):
        getattr(torch.nn, name)(2, **kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(ember.nn, name)(2, **kwargs)


def test_3d_module_rejects_a_zero_kernel():
    with pytest.raises(ValueError, match="kernel_size must be greater than 0"):
        torch.nn.FractionalMaxPool3d((2, 0, 2), output_size=2)
    with pytest.raises(ValueError, match=r"kernel_size must be greater than 0, but got "
                                         r"\(2, 0, 2\)"):
        ember.nn.FractionalMaxPool3d((2, 0, 2), output_size=2)
