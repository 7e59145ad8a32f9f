"""In-place shape changes, ``as_strided`` and ``resize_`` against PyTorch: what autograd
allows, the version counter, writes through views, and storage semantics."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

CASES = [("squeeze_", ()), ("unsqueeze_", (0,)), ("t_", ()), ("transpose_", (0, 1)),
         ("swapdims_", (1, 0)), ("swapaxes_", (0, 1)), ("as_strided_", ((3,), (1,)))]


def _pair(values, requires_grad=False):
    values = np.asarray(values, dtype=np.float64)
    return (ember.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def _version(t):
    return t._version[0] if isinstance(t, ember.Tensor) else t._version


@pytest.mark.parametrize("name,args", CASES)
def test_leaf_requiring_grad_refuses_like_torch(name, args):
    e, t = _pair(np.ones((1, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(t, name)(*args)
    with pytest.raises(RuntimeError, match=f"{name}: a leaf Variable that requires grad"):
        getattr(e, name)(*args)
    with ember.no_grad():  # allowed without recording, as in PyTorch
        getattr(e, name)(*args)
    with torch.no_grad():
        getattr(t, name)(*args)
    assert tuple(e.shape) == tuple(t.shape)


@pytest.mark.parametrize("name,args", CASES)
def test_view_of_a_leaf_requiring_grad_refuses_like_torch(name, args):
    e, t = _pair(np.ones((1, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        getattr(t.view(1, 3), name)(*args)
    with pytest.raises(RuntimeError, match=f"{name}: a view of a leaf Variable that requires "
                                           r"grad \(view shape \(1, 3\), leaf shape"):
        getattr(e.view(1, 3), name)(*args)
    # allowed on a view of a detach()ed leaf and without recording, as in PyTorch
    shapes = [tuple(getattr(x.detach().view(1, 3), name)(*args).shape) for x in (e, t)]
    with ember.no_grad():
        shapes.append(tuple(getattr(e.view(1, 3), name)(*args).shape))
    with torch.no_grad():
        shapes.append(tuple(getattr(t.view(1, 3), name)(*args).shape))
    assert len(set(shapes)) == 1


@pytest.mark.parametrize("name,args", CASES)
def test_non_leaf_gradient_and_version_like_torch(name, args):
    values = np.arange(3.0).reshape(1, 3) + 1
    grads = []
    for module in (ember, torch):
        a = module.tensor(values, requires_grad=True)
        y = a * 2
        before = _version(y)
        assert getattr(y, name)(*args) is y
        assert _version(y) > before
        (y * module.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        grads.append((tuple(y.shape), a.grad.numpy().copy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_saved_tensor_modified_by_inplace_view_op_is_refused_like_torch():
    for module, match in ((torch, "modified by an inplace operation"), (ember, "modified")):
        a = module.ones(2, 3, requires_grad=True)
        y = a * 2
        z = y * y  # saves y
        y.t_()
        with pytest.raises(RuntimeError, match=match):
            z.sum().backward()


def test_view_of_graph_tensor_after_inplace_view_op_writes_into_base_like_torch():
    grads = []
    for module in (ember, torch):
        a = module.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        base = a * 1
        v = base[:, :2]
        v.t_()
        v.mul_(10)
        (base * module.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        grads.append((base.detach().numpy().copy(), a.grad.numpy().copy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_base_sees_writes_through_reshaped_view():
    (e, t) = _pair(np.zeros((2, 3)))
    for x in (e, t):
        w = x[0]
        w.unsqueeze_(0).t_()
        w.fill_(1)
        x[1].as_strided_((2,), (2,)).fill_(5)  # row 1, columns 0 and 2
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("make,size", [
    (lambda m: m.arange(6.0), (2, 2)), (lambda m: m.arange(6.0), (3,)),
    (lambda m: m.arange(6.0)[2:], (2,)), (lambda m: m.arange(6.0).reshape(2, 3).t(), (6,)),
    (lambda m: m.arange(6.0).reshape(2, 3)[:, 1], (2, 2)), (lambda m: m.arange(4.0), (0,)),
])
def test_resize_keeps_storage_values_like_torch(make, size):
    e, t = make(ember), make(torch)
    assert e.resize_(*size) is e
    t.resize_(*size)
    assert tuple(e.shape) == tuple(t.shape) and e.is_contiguous()
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("method", ["resize_", "resize_as_"])
def test_resize_to_the_same_shape_is_a_no_op_like_torch(method):
    e, t = ember.arange(6.0).reshape(2, 3).t(), torch.arange(6.0).reshape(2, 3).t()
    for x, lib in ((e, ember), (t, torch)):
        before = _version(x)
        arg = (lib.ones(3, 2),) if method == "resize_as_" else (3, 2)
        assert getattr(x, method)(*arg) is x
        assert _version(x) == before
    assert e.stride() == t.stride() and not e.is_contiguous()
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_resize_larger_keeps_the_old_values_first():
    e, t = ember.arange(4.0), torch.arange(4.0)
    e.resize_(2, 3)
    t.resize_(2, 3)
    np.testing.assert_array_equal(e.numpy().reshape(-1)[:4], t.numpy().reshape(-1)[:4])
    e.resize_as_(ember.ones(2))
    t.resize_as_(torch.ones(2))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_resize_shares_memory_when_it_fits_like_torch():
    e, t = _pair(np.zeros(6))
    for x in (e, t):
        x[1:].resize_(2, 2).fill_(1)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_resize_refuses_tensors_requiring_grad_like_torch():
    e, t = _pair(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        t.resize_(2)
    with pytest.raises(RuntimeError, match="resize_: cannot resize variables that require grad"):
        e.resize_(2)
    with pytest.raises(RuntimeError, match="resize_: Trying to create tensor with negative"):
        ember.zeros(2).resize_(-1)
    with pytest.raises(TypeError, match="resize_as_.*must be Tensor"):
        ember.zeros(2).resize_as_((2,))


def test_as_strided_shares_memory_and_overlapping_input_gradient_like_torch():
    e, t = _pair(np.arange(6.0))
    for x in (e, t):
        x.as_strided((2, 2), (1, 2), 1).mul_(-1)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    grads = []
    for module in (ember, torch):  # an expanded (overlapping) input: PyTorch divides
        a = module.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a.expand(2, 3).as_strided((2,), (1,), 1)
        (b * module.tensor([3.0, 5.0])).sum().backward()
        grads.append(a.grad.numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1])
