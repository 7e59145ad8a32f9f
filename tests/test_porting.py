"""PyTorch idioms that ported code uses around the model: import paths, device queries,
legacy constructors, ``new_*`` methods, ``copy.deepcopy`` of state dicts, dtype limits;
each against PyTorch."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(11)


def test_torch_utils_paths_are_embers_modules() -> None:
    from ember.utils.checkpoint import checkpoint
    from ember.utils.data import DataLoader, TensorDataset, get_worker_info
    from ember.utils.data.dataset import Dataset
    from ember.utils.data.sampler import Sampler
    from ember.utils.data.transforms import ToTensor

    assert DataLoader is ember.data.DataLoader and TensorDataset is ember.data.TensorDataset
    assert Dataset is ember.data.Dataset and Sampler is ember.data.Sampler
    assert ToTensor is ember.data.transforms.ToTensor
    assert get_worker_info() is None and checkpoint is ember.nn.utils.checkpoint  # the function
    assert ember.utils.data.default_collate is ember.data.default_collate
    batches = list(DataLoader(TensorDataset(ember.arange(6)), batch_size=4))
    assert [b[0].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5]]


def test_device_queries_without_cuda() -> None:
    dev = ember.device("cuda" if ember.cuda.is_available() else "cpu")
    assert dev.type == "cpu" and ember.cuda.device_count() == 0
    ember.cuda.manual_seed_all(0)  # nothing to seed, as in PyTorch without CUDA
    ember.cuda.manual_seed(0)
    before = ember.backends.cudnn.deterministic
    ember.backends.cudnn.deterministic, ember.backends.cudnn.benchmark = True, False
    try:
        assert ember.backends.cudnn.deterministic is True
    finally:
        ember.backends.cudnn.deterministic = before
    assert not ember.backends.cudnn.is_available() and not ember.backends.mps.is_available()


def test_deepcopy_of_a_state_dict_and_of_tensors() -> None:
    model = ember.nn.Linear(3, 2)
    best = copy.deepcopy(model.state_dict())
    with ember.no_grad():
        model.weight.add_(1.0)
    assert not np.array_equal(best["weight"].numpy(), model.weight.detach().numpy())
    np.testing.assert_array_equal(best["weight"].numpy() + 1, model.weight.detach().numpy())
    leaf = ember.tensor([1.0, 2.0], requires_grad=True)
    (leaf * leaf).sum().backward()
    twin = copy.deepcopy(leaf)
    assert twin.requires_grad and twin.is_leaf and twin.grad.tolist() == [2.0, 4.0]
    assert not np.shares_memory(twin.detach().numpy(), leaf.detach().numpy())
    pair = copy.deepcopy([leaf, leaf])
    assert pair[0] is pair[1]  # the memo keeps one copy per tensor
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(leaf * 2)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(torch.ones(1, requires_grad=True) * 2)  # PyTorch refuses it too


def test_legacy_tensor_constructor_matches_pytorch() -> None:
    for args in ([[1, 2, 3]], [np.array([1.5, 2.5])], [2, 3], [], [[[1, 2], [3, 4]]]):
        e = ember.Tensor(*args)
        t = torch.Tensor(*[torch.Size(a) if isinstance(a, torch.Size) else a for a in args])
        assert tuple(e.shape) == tuple(t.shape) and e.dtype.name == str(t.dtype)[6:]
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert tuple(ember.Tensor(ember.Size([2, 1])).shape) == (2, 1)
    assert tuple(ember.Tensor(np.int64(3)).shape) == tuple(torch.Tensor(np.int64(3)).shape)
    assert tuple(ember.Tensor(np.int64(2), np.int32(3)).shape) == (2, 3)
    assert ember.Tensor([1.0], device="cpu").device.type == "cpu"
    labels = ember.tensor([1, 0, 2])  # a tensor: a view, its dtype kept (PyTorch: an alias)
    alias = ember.Tensor(labels)
    assert alias.dtype is ember.int64 is getattr(ember, str(torch.Tensor(
        torch.tensor([1, 0, 2])).dtype)[6:])
    assert np.shares_memory(alias.numpy(), labels.numpy())
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (ember.Tensor(x) * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    weight = ember.nn.Parameter(ember.Tensor(4, 3))  # the old custom-layer idiom
    assert weight.requires_grad and weight.dtype is ember.float32
    with pytest.raises(TypeError, match="sizes"):
        ember.Tensor(3.5)


def test_tensor_infers_float64_from_numpy_elements_as_pytorch() -> None:
    cases = ([np.float64(1), np.float64(2)], [np.ones(2), np.zeros(2)], [1.0, 2.0],
             [[1.0], [2.0]], np.float64(3.0), 2.5, [np.float32(1.0)],
             [np.int64(1), 2.0], [np.float32(1), 2.0], [np.float16(1), 2.0],
             [1.0, np.float64(2)], [1, np.float64(2)], [True, np.float64(2)],
             [[1.0], [np.float64(2)]], [np.array([1.0], np.float32), [2.0]])
    for data in cases:
        assert ember.tensor(data).dtype.name == str(torch.tensor(data).dtype)[6:], data
    for values in ([1.0, 2.0], [0.5, 1.0], [2.0, 1.0]):
        for dtype in ("float32", "float64"):  # a tensor among Python floats counts as its dtype
            e_list = [ember.tensor(values[0], dtype=getattr(ember, dtype)), values[1]]
            t_list = [torch.tensor(values[0], dtype=getattr(torch, dtype)), values[1]]
            assert ember.tensor(e_list).dtype.name == str(torch.tensor(t_list).dtype)[6:]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_new_methods_match_pytorch(dtype) -> None:
    e = ember.ones(2, dtype=getattr(ember, dtype))
    t = torch.ones(2, dtype=getattr(torch, dtype))
    pairs = [(e.new_zeros(2, 3), t.new_zeros(2, 3)), (e.new_ones((3,)), t.new_ones((3,))),
             (e.new_full((2,), 7), t.new_full((2,), 7)),
             (e.new_tensor([[1, 2]]), t.new_tensor([[1, 2]])),
             (e.new_zeros(2, dtype=ember.float16), t.new_zeros(2, dtype=torch.float16))]
    for got, want in pairs:
        assert got.dtype.name == str(want.dtype)[6:] and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tuple(e.new_empty(4).shape) == (4,)
    assert tuple(e.new_zeros(size=(2, 5)).shape) == tuple(t.new_zeros(size=(2, 5)).shape)
    with pytest.raises(TypeError, match="unexpected keyword"):
        e.new_ones(2, shape=3)
    if dtype != "int64":
        assert e.new_zeros(2, requires_grad=True).requires_grad


def test_range_indices_match_pytorch() -> None:
    """The negative log-likelihood of the "What is torch.nn really?" tutorial."""
    logits = RNG.standard_normal((5, 4)).astype(np.float32)
    target = np.array([0, 3, 1, 1, 2])
    e = ember.tensor(logits, requires_grad=True)
    t = torch.tensor(logits, requires_grad=True)
    e_loss = -e[range(5), ember.tensor(target)].mean()
    t_loss = -t[range(5), torch.tensor(target)].mean()
    e_loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(e_loss.item(), t_loss.item(), rtol=1e-6)
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    e2, t2 = ember.tensor(logits), torch.tensor(logits)
    e2[range(1, 4)] = 0.0
    t2[range(1, 4)] = 0.0
    np.testing.assert_array_equal(e2.numpy(), t2.numpy())


def test_softmax_and_constants_at_top_level() -> None:
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    for name in ("softmax", "log_softmax"):
        got = getattr(ember, name)(ember.tensor(x), 1)
        want = getattr(torch, name)(torch.tensor(x), 1)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert (ember.pi, ember.e, ember.inf) == (torch.pi, torch.e, torch.inf)
    assert math.isnan(ember.nan)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_pytorch(name) -> None:
    got, want = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(got, field) == getattr(want, field), field
    assert got.dtype == want.dtype


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_pytorch(name) -> None:
    got, want = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (got.bits, got.max, got.min, got.dtype) == (want.bits, want.max, want.min,
                                                        want.dtype)


def test_finfo_defaults_and_errors() -> None:
    assert ember.finfo().eps == torch.finfo().eps  # the default dtype
    with pytest.raises(TypeError, match="floating"):
        ember.finfo(ember.int32)
    with pytest.raises(TypeError, match="integer"):
        ember.iinfo(ember.float32)


def test_load_accepts_weights_only_and_grad_accepts_only_inputs(tmp_path) -> None:
    path = tmp_path / "w.safetensors"
    ember.save({"w": ember.ones(2)}, path)
    for flag in (True, False, None):
        assert ember.load(path, weights_only=flag)["w"].tolist() == [1.0, 1.0]
    x = ember.tensor([3.0], requires_grad=True)
    (g,) = ember.autograd.grad((x * x).sum(), x, create_graph=True, only_inputs=True)
    assert g.tolist() == [6.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.autograd.grad((x * x).sum(), x, only_inputs=False)
    assert any("only_inputs" in str(w.message) and w.category is FutureWarning
               for w in caught)


def test_composite_helpers_and_their_inplace_forms() -> None:
    """``addcmul_``/``addcdiv_`` as a hand-written Adam step uses them, and ``numel``."""
    p0, g0 = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    results = []
    for lib in (ember, torch):
        p, g = lib.tensor(p0), lib.tensor(g0)
        v = lib.zeros_like(p).addcmul_(g, g, value=0.1)
        p.addcdiv_(g, v.sqrt().add_(1e-8), value=-1e-3)
        results.append((p.numpy(), v.numpy()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert ember.numel(ember.ones(2, 3)) == torch.numel(torch.ones(2, 3)) == 6
    assert ember.ones(3).diff().tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ember.special.__all__)
def test_special_namespace_matches_torch_special(name) -> None:
    x = RNG.uniform(0.1, 0.9, size=(3, 4))
    args = (2,) if name == "polygamma" else ()
    extra = {"softmax": {"dim": 1}, "log_softmax": {"dim": 1}, "logsumexp": {"dim": 1},
             "multigammaln": {"p": 1}}.get(name, {})
    if name in ("xlogy", "xlog1py", "gammainc", "gammaincc"):  # two tensors
        got = getattr(ember.special, name)(ember.tensor(x), ember.tensor(x[::-1].copy()))
        want = getattr(torch.special, name)(torch.tensor(x), torch.tensor(x[::-1].copy()))
    else:
        got = getattr(ember.special, name)(*args, ember.tensor(x), **extra)
        want = getattr(torch.special, name)(*args, torch.tensor(x), **extra)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9)
    plain = {"expit": "sigmoid", "gammaln": "lgamma", "psi": "digamma"}.get(name, name)
    if hasattr(torch, plain):  # i0e, i1, i1e are torch.special's alone, and ember.special's
        assert getattr(ember.special, name) is getattr(ember, plain)
