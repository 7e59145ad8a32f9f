"""Tensor metadata and host-side methods against PyTorch: storage_offset, data_ptr, nbytes,
itemsize, is_cpu, ndimension, H/mH, pin/share memory, apply_/map_ and
register_post_accumulate_grad_hook."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

VIEWS = [
    lambda x: x,
    lambda x: x[1:, 1:],
    lambda x: x[2],
    lambda x: x[:, 3],
    lambda x: x.t(),
    lambda x: x.t()[1:],
    lambda x: x.reshape(-1)[5:],
    lambda x: x.view(4, 3)[1:][1:],
    lambda x: x.narrow(1, 2, 2),
    lambda x: x[1:].unsqueeze(0).transpose(0, 2),
    lambda x: x.detach()[1:],
]


def _both():
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    return ember.tensor(values), torch.tensor(values)


@pytest.mark.parametrize("index", range(len(VIEWS)))
def test_storage_metadata_matches_torch(index):
    (e, t), view = _both(), VIEWS[index]
    ev, tv = view(e), view(t)
    assert ev.storage_offset() == tv.storage_offset()
    assert ev.data_ptr() - e.data_ptr() == tv.data_ptr() - t.data_ptr()
    assert (ev.nbytes, ev.itemsize, ev.ndimension()) == (tv.nbytes, tv.itemsize,
                                                         tv.ndimension())
    assert ev.is_cpu and tv.is_cpu


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int8", "int64", "bool"])
def test_itemsize_and_nbytes_by_dtype(dtype):
    e = ember.zeros(2, 3, dtype=getattr(ember, dtype))
    t = torch.zeros(2, 3, dtype=getattr(torch, dtype))
    assert (e.itemsize, e.nbytes) == (t.itemsize, t.nbytes)


@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3), (1, 0, 5)])
def test_H_and_mH_match_torch(shape):
    values = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    e, t = ember.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    np.testing.assert_array_equal(e.mH.detach().numpy(), t.mH.detach().numpy())
    (e.mH * ember.arange(e.mH.numel()).reshape(e.mH.shape)).sum().backward()
    (t.mH * torch.arange(t.mH.numel()).reshape(t.mH.shape)).sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())
    if len(shape) == 2:
        np.testing.assert_array_equal(e.H.detach().numpy(), t.H.detach().numpy())


def test_H_and_mH_errors_match_torch():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="only supported on matrices .2-D tensors.. Got 1-D"):
            _ = lib.zeros(3).H
        with pytest.raises(RuntimeError, match="Got 3-D tensor. For batches of matrices"):
            _ = lib.zeros(2, 2, 2).H
        with pytest.raises(RuntimeError, match="mH is only supported on matrices or batches"):
            _ = lib.zeros(3).mH
        with pytest.warns(UserWarning, match="deprecated on 0-D"):
            assert lib.tensor(2.0).H.item() == 2.0


def test_pinned_and_shared_memory_are_documented_no_ops():
    x = ember.ones(3)
    assert x.pin_memory() is x and not x.is_pinned()
    assert x.share_memory_() is x and not x.is_shared()
    assert x.tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------------- apply_ / map_
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "bool"])
def test_apply_matches_torch(dtype):
    values = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    fns = [lambda v: v * 2.7, lambda v: not v, lambda v: type(v).__name__ == "float"]
    for fn in fns:
        e = ember.tensor(values.copy())
        t = torch.tensor(values.copy())
        assert e.apply_(fn) is e
        t.apply_(fn)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("other_shape", [(2, 3), (3,), (1, 3), ()])
def test_map_broadcasts_like_torch(other_shape):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = (np.arange(int(np.prod(other_shape)), dtype=np.float32) + 1).reshape(other_shape)
    e, t = ember.tensor(a), torch.tensor(a)
    assert e.map_(ember.tensor(b), lambda x, y: x * y - 1) is e
    t.map_(torch.tensor(b), lambda x, y: x * y - 1)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_apply_writes_through_views_and_bumps_the_version():
    x = ember.ones(4)
    version = x._version[0]
    x[1:3].apply_(lambda v: v + 4)
    assert x.tolist() == [1.0, 5.0, 5.0, 1.0] and x._version[0] > version


def test_apply_and_map_errors():
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires"):
        w.apply_(lambda v: v)
    with pytest.raises(RuntimeError, match=r"Can't call map_\(\) on Variable that requires"):
        w.map_(w, lambda v, u: v)
    with pytest.raises(TypeError, match=r"map_: expected ember.float32 for 'other' \(got "
                                        r"ember.int64\)"):
        ember.ones(2).map_(ember.ones(2, dtype=ember.int64), lambda v, u: v)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) cannot be expanded .* \(3,\)"):
        ember.ones(3).map_(ember.ones(2, 3), lambda v, u: v)
    with pytest.raises(TypeError, match="must return a real number, got str"):
        ember.ones(2).apply_(lambda v: "a")
    for lib in (ember, torch):  # the same exception types in PyTorch
        with pytest.raises(RuntimeError):
            lib.ones(2, requires_grad=True).apply_(lambda v: v)
        with pytest.raises(TypeError):
            lib.ones(2).map_(lib.ones(2, dtype=lib.int64), lambda v, u: v)
        with pytest.raises(TypeError):
            lib.ones(2).apply_(lambda v: "a")


# ---------------------------------------------------------------------- post-accumulate hooks
def _hook_log(lib, run):
    w = lib.ones(2, requires_grad=True)
    log = []
    handle = w.register_post_accumulate_grad_hook(lambda t: log.append(("post", t.grad.tolist())))
    w.register_hook(lambda g: log.append(("pre", g.tolist())) or g * 10)
    run(lib, w)
    handle.remove()
    run(lib, w)
    return log, None if w.grad is None else w.grad.tolist()


@pytest.mark.parametrize("run", [
    lambda lib, w: (w * 2).sum().backward(),
    lambda lib, w: ((w * 2).sum() + (w * w).sum()).backward(),
    lambda lib, w: (w * 3).sum().backward(inputs=[w]),
    lambda lib, w: lib.autograd.grad((w * 2).sum(), w),  # no accumulation: no post hook
])
def test_post_accumulate_grad_hook_matches_torch(run):
    e_log, e_grad = _hook_log(ember, run)
    t_log, t_grad = _hook_log(torch, run)
    assert [x for x in e_log if x[0] == "post"] == [x for x in t_log if x[0] == "post"]
    assert e_grad == t_grad


def test_leaf_hook_sees_the_summed_gradient_once():
    # a leaf reached along two paths: PyTorch sums first, so a non-linear hook (clipping)
    # sees the total once; hooking each partial gradient would clip 2 + 2 to 3 + 3
    logs = []
    for lib in (ember, torch):
        w = lib.ones(2, requires_grad=True)
        seen = []
        w.register_hook(lambda g, seen=seen: seen.append(g.tolist()) or g.clamp(max=3.0))
        ((w * 2).sum() + (w * 2).sum()).backward()
        logs.append((seen, w.grad.tolist()))
    assert logs[0] == logs[1] == ([[4.0, 4.0]], [3.0, 3.0])


def test_post_accumulate_grad_hook_runs_after_accumulating_twice():
    w = ember.ones(2, requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    assert seen == [[2.0, 2.0], [5.0, 5.0]]


def test_post_accumulate_grad_hook_errors_match_torch():
    for lib in (ember, torch):
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="cannot be registered on non-leaf"):
            (w * 2).register_post_accumulate_grad_hook(lambda t: None)
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)
        w.register_post_accumulate_grad_hook(lambda t: t.detach())
        with pytest.raises(RuntimeError, match="post accumulate grad hooks should return None"):
            (w * 2).sum().backward()
