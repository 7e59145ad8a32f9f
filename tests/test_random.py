"""Random numbers: seeding, generators, state, distributions, shapes, dtypes and errors.

Statistical bounds: for n samples the sample mean has standard error sigma / sqrt(n); the
tests allow 6 standard errors, so a correct sampler fails with probability below 1e-8.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember

N = 200_000


def arr(t):
    return t.detach().numpy().astype(np.float64)


def close_mean(values, mean, std):
    se = std / math.sqrt(values.size)
    assert abs(values.mean() - mean) < 6 * se, (values.mean(), mean, se)


def close_std(values, std):
    # The sample std of n normal draws has standard error about std / sqrt(2n).
    se = std / math.sqrt(2 * values.size)
    assert abs(values.std() - std) < 8 * se, (values.std(), std)


# ----------------------------------------------------------------------------- seeding
SAMPLERS = {
    "rand": lambda **k: ember.rand(50, **k),
    "randn": lambda **k: ember.randn(50, **k),
    "randint": lambda **k: ember.randint(0, 1000, (50,), **k),
    "randperm": lambda **k: ember.randperm(50, **k),
    "normal": lambda **k: ember.normal(ember.zeros(50), ember.ones(50), **k),
    "bernoulli": lambda **k: ember.bernoulli(ember.full((50,), 0.5), **k),
    "multinomial": lambda **k: ember.multinomial(ember.ones(100), 50, **k),
    "uniform_": lambda **k: ember.empty(50).uniform_(**k),
    "normal_": lambda **k: ember.empty(50).normal_(**k),
    "exponential_": lambda **k: ember.empty(50).exponential_(**k),
    "random_": lambda **k: ember.empty(50, dtype=ember.int64).random_(**k),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_same_seed_same_numbers_and_different_seeds_differ(name):
    draw = SAMPLERS[name]
    ember.manual_seed(123)
    a = arr(draw())
    ember.manual_seed(123)
    b = arr(draw())
    ember.manual_seed(124)
    c = arr(draw())
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", SAMPLERS)
def test_generator_is_isolated_from_the_global_one(name):
    draw = SAMPLERS[name]
    g = ember.Generator().manual_seed(7)
    ember.manual_seed(0)
    a = arr(draw(generator=g))
    expected_global = arr(draw())
    g.manual_seed(7)
    ember.manual_seed(0)
    ember.rand(1000)  # the global stream moving does not change g's
    np.testing.assert_array_equal(arr(draw(generator=g)), a)
    ember.manual_seed(0)
    np.testing.assert_array_equal(arr(draw()), expected_global)


def test_seed_functions():
    ember.manual_seed(42)
    assert ember.initial_seed() == 42
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    ember.manual_seed(-1)  # negative seeds wrap to 64 bits, as in PyTorch
    assert ember.initial_seed() == 2**64 - 1
    g = ember.Generator("cpu")
    assert g.device == "cpu"
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert g.seed() == g.initial_seed()
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        ember.manual_seed(1.5)
    with pytest.raises(RuntimeError, match="manual_seed: seed must be in"):
        ember.manual_seed(2**64)


def test_state_round_trip():
    g = ember.Generator().manual_seed(11)
    ember.randn(3, generator=g)
    state = g.get_state()
    assert state.dtype is ember.uint8 and state.ndim == 1
    a = [arr(ember.randn(7, generator=g)), arr(ember.rand(3, generator=g))]
    g.manual_seed(99)
    assert g.set_state(state) is g
    assert g.initial_seed() == 11
    b = [arr(ember.randn(7, generator=g)), arr(ember.rand(3, generator=g))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # The state is a snapshot: drawing more does not change it.
    assert state.tolist() == g.set_state(state).get_state().tolist()


def test_global_state_round_trip():
    ember.manual_seed(3)
    state = ember.get_rng_state()
    a = arr(ember.rand(5))
    ember.rand(5)
    ember.set_rng_state(state)
    np.testing.assert_array_equal(arr(ember.rand(5)), a)


def test_bad_state():
    g = ember.Generator()
    with pytest.raises(TypeError, match="set_state: expected a 1-d uint8 tensor"):
        g.set_state(ember.zeros(45))
    with pytest.raises(RuntimeError, match="set_state: invalid cpu generator state"):
        g.set_state(ember.zeros(10, dtype=ember.uint8))


def test_generator_device_mismatch_and_type():
    with pytest.raises(TypeError, match="rand: generator must be an ember.Generator"):
        ember.rand(2, generator=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="cuda"):
        ember.Generator("cuda")


# ----------------------------------------------------------------------------- shapes, dtypes
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.float32, ember.float64])
def test_rand_randn_dtypes_and_shapes(dtype):
    for fn in (ember.rand, ember.randn):
        x = fn(2, 3, dtype=dtype)
        assert x.shape == (2, 3) and x.dtype is dtype and not x.requires_grad
        assert fn((4,), dtype=dtype).shape == (4,)
        assert fn([], dtype=dtype).shape == ()
        assert fn(0, 5, dtype=dtype).shape == (0, 5)
        assert fn(3, dtype=dtype, requires_grad=True).requires_grad
    x = arr(ember.rand(N, dtype=dtype))
    assert x.min() >= 0 and x.max() < 1  # also in half precision: never rounds up to 1


def test_default_dtype_is_followed():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.rand(2).dtype is ember.float64
        assert ember.randn(2).dtype is ember.float64
        assert ember.normal(0.0, 1.0, (2,)).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_randint_forms_and_range():
    ember.manual_seed(0)
    x = ember.randint(10, (N,))
    assert x.dtype is ember.int64 and x.shape == (N,)
    assert set(np.unique(x.numpy())) == set(range(10))
    y = ember.randint(-3, 2, size=(4, 5), dtype=ember.int8)
    assert y.dtype is ember.int8 and y.shape == (4, 5)
    assert y.numpy().min() >= -3 and y.numpy().max() < 2
    z = ember.randint(0, 3, (5,), dtype=ember.float32)
    assert z.dtype is ember.float32 and set(z.tolist()) <= {0.0, 1.0, 2.0}
    like = ember.randint_like(ember.zeros(3, 2, dtype=ember.int16), 5, 9)
    assert like.dtype is ember.int16 and like.shape == (3, 2)
    assert like.numpy().min() >= 5 and like.numpy().max() < 9
    assert ember.randint_like(ember.zeros(4), 3).dtype is ember.float32


def test_randperm():
    ember.manual_seed(1)
    p = ember.randperm(1000)
    assert p.dtype is ember.int64
    assert sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    assert ember.randperm(0).shape == (0,)
    assert ember.randperm(5, dtype=ember.int32).dtype is ember.int32


def test_like_forms():
    base = ember.zeros(3, 4, dtype=ember.float64)
    for fn in (ember.rand_like, ember.randn_like):
        x = fn(base)
        assert x.shape == (3, 4) and x.dtype is ember.float64
        assert fn(base, dtype=ember.float16).dtype is ember.float16
        assert fn(base, requires_grad=True).requires_grad


# ----------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_uniform_and_normal_moments(dtype):
    ember.manual_seed(2)
    u = arr(ember.rand(N, dtype=dtype))
    close_mean(u, 0.5, math.sqrt(1 / 12))
    assert abs(u.std() - math.sqrt(1 / 12)) < 0.002
    n = arr(ember.randn(N, dtype=dtype))
    close_mean(n, 0.0, 1.0)
    close_std(n, 1.0)
    # Symmetry and tails: about 4.55% of N(0, 1) lies beyond 2 standard deviations.
    assert abs((np.abs(n) > 2).mean() - 0.0455) < 0.003


def test_normal_forms():
    ember.manual_seed(3)
    x = arr(ember.normal(3.0, 2.0, (N,)))
    close_mean(x, 3.0, 2.0)
    close_std(x, 2.0)
    mean = ember.tensor([-5.0, 0.0, 5.0]).reshape(3, 1)
    y = ember.normal(mean, ember.full((1, N), 0.5))
    assert y.shape == (3, N) and y.dtype is ember.float32
    for i, m in enumerate((-5.0, 0.0, 5.0)):
        close_mean(arr(y)[i], m, 0.5)
        close_std(arr(y)[i], 0.5)
    assert ember.normal(ember.zeros(4), 2.0).shape == (4,)
    assert ember.normal(1.0, ember.ones(4, dtype=ember.float64)).dtype is ember.float64
    assert ember.normal(0.0, 1.0, (2,), dtype=ember.float64).dtype is ember.float64
    assert ember.normal(0.0, 0.0, (3,)).tolist() == [0.0, 0.0, 0.0]


def test_normal_gradients_are_the_reparameterisation():
    ember.manual_seed(4)
    mean = ember.zeros(5, requires_grad=True)
    std = ember.full((5,), 2.0, requires_grad=True)
    out = ember.normal(mean, std)
    out.sum().backward()
    np.testing.assert_allclose(mean.grad.numpy(), np.ones(5))
    np.testing.assert_allclose(std.grad.numpy(), arr(out) / 2.0, rtol=1e-6)


def test_bernoulli():
    ember.manual_seed(5)
    p = ember.tensor([0.0, 0.25, 1.0]).reshape(3, 1).expand(3, N)
    b = arr(ember.bernoulli(p))
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert b[0].sum() == 0 and b[2].sum() == N
    close_mean(b[1], 0.25, math.sqrt(0.25 * 0.75))
    h = ember.bernoulli(ember.zeros(N, dtype=ember.float16), 0.7)
    assert h.dtype is ember.float16 and h.shape == (N,)
    close_mean(arr(h), 0.7, math.sqrt(0.21))
    assert ember.zeros(3, dtype=ember.float64).bernoulli().dtype is ember.float64


def test_multinomial_with_replacement_frequencies():
    ember.manual_seed(6)
    w = ember.tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 2.0]])
    s = ember.multinomial(w, N, replacement=True)
    assert s.dtype is ember.int64 and s.shape == (2, N)
    counts = np.bincount(s.numpy()[0], minlength=4) / N
    for c, p in zip(counts, [0.125, 0.0, 0.375, 0.5]):
        assert abs(c - p) < 6 * math.sqrt(p * (1 - p) / N) + 1e-12
    assert set(s.numpy()[1].tolist()) == {3}
    assert ember.multinomial(ember.ones(3), 1).shape == (1,)


def test_multinomial_without_replacement():
    ember.manual_seed(7)
    s = ember.multinomial(ember.ones(1000, 10), 10)
    assert all(sorted(row) == list(range(10)) for row in s.tolist())
    # The first draw follows the weights: category 0 of weights (3, 1) first 75% of the time.
    first = ember.multinomial(ember.tensor([3.0, 1.0]).expand(N // 10, 2), 2).numpy()[:, 0]
    close_mean((first == 0).astype(float), 0.75, math.sqrt(0.75 * 0.25))
    # A zero-weight category is drawn only once the positive ones are used up (as in torch).
    assert ember.multinomial(ember.tensor([0.0, 5.0, 0.0]), 1).tolist() == [1]


def test_inplace_fills():
    ember.manual_seed(8)
    x = ember.empty(N)
    v = x._version[0]
    assert x.uniform_(-2.0, 3.0) is x and x._version[0] == v + 1
    a = arr(x)
    assert a.min() >= -2 and a.max() < 3
    close_mean(a, 0.5, 5 / math.sqrt(12))
    x.normal_(1.0, 3.0)
    close_mean(arr(x), 1.0, 3.0)
    close_std(arr(x), 3.0)
    x.exponential_(4.0)
    assert arr(x).min() >= 0
    close_mean(arr(x), 0.25, 0.25)
    x.geometric_(0.25)
    assert arr(x).min() >= 1 and np.all(arr(x) == np.round(arr(x)))
    close_mean(arr(x), 4.0, math.sqrt(0.75) / 0.25)
    x.log_normal_(0.0, 0.5)
    close_mean(np.log(arr(x)), 0.0, 0.5)
    x.bernoulli_(0.3)
    close_mean(arr(x), 0.3, math.sqrt(0.21))
    x.bernoulli_(ember.tensor([1.0]))
    assert arr(x).min() == 1.0
    assert x.dtype is ember.float32


def test_inplace_on_views_and_int_tensors():
    base = ember.zeros(4, 6)
    col = base[:, 1] if hasattr(ember.Tensor, "__getitem__") else None
    if col is not None:
        col.uniform_(5.0, 6.0)
        a = base.numpy()
        assert np.all(a[:, 1] >= 5) and np.all(a[:, [0, 2, 3, 4, 5]] == 0)
    i = ember.zeros(N, dtype=ember.int32)
    i.random_(-3, 4)
    assert set(np.unique(i.numpy()).tolist()) == set(range(-3, 4))
    i.random_(10)
    assert i.numpy().min() >= 0 and i.numpy().max() < 10
    i.random_()
    assert i.numpy().min() >= 0 and i.numpy().max() > 2**30
    u = ember.zeros(1000, dtype=ember.uint8).random_()
    assert u.numpy().max() > 200
    b = ember.zeros(1000, dtype=ember.bool).random_()
    assert set(b.tolist()) == {False, True}
    f = ember.zeros(1000, dtype=ember.float16).random_()
    assert arr(f).max() <= 2048 and np.all(arr(f) == np.round(arr(f)))
    g = ember.zeros(100, dtype=ember.int64).geometric_(0.5)
    assert g.dtype is ember.int64 and g.numpy().min() >= 1


def test_inplace_on_a_leaf_that_requires_grad():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="uniform_: a leaf tensor that requires grad"):
        w.uniform_()
    with ember.no_grad():
        w.normal_()  # how parameters are initialised
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ember.randint(5, 3, (2,)), RuntimeError, "randint: expected low < high"),
    (lambda: ember.randint(3, 3, (2,)), RuntimeError, "randint: expected low < high"),
    (lambda: ember.randint(2.5, (2,)), TypeError, "randint: high must be an int"),
    (lambda: ember.randint(5), TypeError, "randint: expected"),
    (lambda: ember.randint(0, 300, (2,), dtype=ember.uint8), RuntimeError, "does not fit"),
    (lambda: ember.randint(0, 3, (2,), requires_grad=True), RuntimeError, "int64"),
    (lambda: ember.rand(2, dtype=ember.int64), TypeError, "rand: expected a floating-point"),
    (lambda: ember.randn(-1), RuntimeError, "randn: size must be"),
    (lambda: ember.randperm(-1), RuntimeError, "randperm: n must be"),
    (lambda: ember.multinomial(ember.ones(3), 4), RuntimeError, r"cannot sample n_sample \(4\)"),
    (lambda: ember.multinomial(ember.tensor([1.0, -1.0]), 1), RuntimeError, "< 0"),
    (lambda: ember.multinomial(ember.tensor([1.0, float("nan")]), 1), RuntimeError, "nan"),
    (lambda: ember.multinomial(ember.zeros(2), 1), RuntimeError, "sums to 0"),
    (lambda: ember.multinomial(ember.ones(2, 2, 2), 1), RuntimeError, "1 or 2 dim"),
    (lambda: ember.multinomial(ember.ones(2), 0), RuntimeError, "num_samples must be"),
    (lambda: ember.multinomial(ember.ones(2, dtype=ember.int64), 1), RuntimeError, "floating"),
    (lambda: ember.bernoulli(ember.tensor([0.5, 1.5])), RuntimeError, r"in \[0, 1\]"),
    (lambda: ember.bernoulli(ember.tensor([-0.1])), RuntimeError, r"in \[0, 1\]"),
    (lambda: ember.bernoulli(ember.zeros(2), 2.0), RuntimeError, r"p in \[0, 1\]"),
    (lambda: ember.zeros(2).bernoulli_(-0.5), RuntimeError, r"p in \[0, 1\]"),
    (lambda: ember.normal(ember.zeros(2), ember.tensor([1.0, -1.0])), RuntimeError, "std >= 0"),
    (lambda: ember.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0"),
    (lambda: ember.normal(0.0, 1.0), TypeError, "size is required"),
    (lambda: ember.normal(ember.zeros(2), ember.ones(3)), RuntimeError, "not broadcastable"),
    (lambda: ember.zeros(2, dtype=ember.int64).uniform_(), TypeError, "floating-point"),
    (lambda: ember.zeros(2).uniform_(1.0, 0.0), RuntimeError, "from <= to"),
    (lambda: ember.zeros(2).exponential_(0.0), RuntimeError, "lambda > 0"),
    (lambda: ember.zeros(2).geometric_(1.5), RuntimeError, r"p to be in \(0, 1\)"),
    (lambda: ember.zeros(2).random_(3, 1), RuntimeError, "random_: expected low < high"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
