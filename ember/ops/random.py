"""Random numbers: generators, seeding, sampling functions and in-place fills.

Every device has a default :class:`Generator`; ``manual_seed`` seeds them all. A generator
wraps the backend's own (NumPy's PCG64 on the CPU; CuPy's later) obtained from
``backend.new_generator``, and every draw goes through that object, so the same seed always
gives the same numbers on a given backend. The streams differ from PyTorch's.

>>> import ember
>>> _ = ember.manual_seed(0)
>>> a = ember.rand(3)
>>> _ = ember.manual_seed(0)
>>> ember.rand(3).tolist() == a.tolist()
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from .._memory_format import check_format
from ..backends import Device, backend_for_device, backend_of
from ..tensor import Tensor, _make
from ._common import bind_methods, broadcast_shapes, ensure_tensor
from .creation import _size_arg, _size_kwarg
from .elementwise import add, mul
from .inplace import run_inplace
from .registry import defop

_SEED_RANGE = (-(1 << 63), (1 << 64) - 1)
# Significand bits of each float dtype: uniform draws are k * 2**-bits with k < 2**bits, so
# every value is exactly representable and never rounds up to 1.
_UNIFORM_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _check_seed(op: str, seed: Any) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"{op}: seed must be an int, got {type(seed).__name__}")
    if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
        raise RuntimeError(f"{op}: seed must be in [{_SEED_RANGE[0]}, {_SEED_RANGE[1]}], "
                           f"got {seed}")
    return seed % (1 << 64)  # negative seeds wrap to 64 bits, as in PyTorch


class Generator:
    """A random number generator on one device, like ``torch.Generator``.

    Its state (``get_state``) is a uint8 CPU tensor: the initial seed as 8 little-endian
    bytes followed by the backend generator's state bytes (PCG64's 37 on the CPU). It
    round-trips through ``set_state`` on a generator of the same device type.

    >>> import ember
    >>> g = ember.Generator().manual_seed(42)
    >>> state = g.get_state()
    >>> a = ember.randn(2, generator=g)
    >>> _ = g.set_state(state)
    >>> ember.randn(2, generator=g).tolist() == a.tolist()
    True
    """

    __slots__ = ("device", "_backend", "_gen", "_seed")

    def __init__(self, device: str | Device = "cpu") -> None:
        self.device = Device(device)
        self._backend = backend_for_device(self.device)
        self._seed = 0
        self._gen = None
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Seed this generator; returns it."""
        self._seed = _check_seed("manual_seed", seed)
        self._gen = self._backend.new_generator(self._seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        from .creation import tensor

        raw = self._seed.to_bytes(8, "little") + self._backend.generator_state(self._gen)
        return tensor(list(raw), dtype=_dt.uint8)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from :meth:`get_state`; returns this generator."""
        if not isinstance(new_state, Tensor) or new_state.dtype is not _dt.uint8 \
                or new_state.ndim != 1:
            got = (f"a {new_state.ndim}-d {new_state.dtype.name} tensor"
                   if isinstance(new_state, Tensor) else type(new_state).__name__)
            raise TypeError(f"set_state: expected a 1-d uint8 tensor from get_state(), got {got}")
        raw = bytes(new_state.tolist())
        try:
            self._backend.set_generator_state(self._gen, raw[8:])
        except ValueError as exc:
            raise RuntimeError(f"set_state: invalid {self.device.type} generator state "
                               f"({len(raw)} bytes): {exc}") from None
        self._seed = int.from_bytes(raw[:8], "little")
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator device='{self.device}'>"


default_generator = Generator("cpu")
_DEFAULT_GENERATORS: dict[Device, Generator] = {default_generator.device: default_generator}


def _default_for(device: Device) -> Generator:
    gen = _DEFAULT_GENERATORS.get(device)
    if gen is None:
        gen = _DEFAULT_GENERATORS[device] = Generator(device)
        gen.manual_seed(default_generator.initial_seed())
    return gen


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device; returns the CPU one."""
    seed = _check_seed("manual_seed", seed)
    for gen in _DEFAULT_GENERATORS.values():
        gen.manual_seed(seed)
    return default_generator


def seed() -> int:
    """Seed every default generator from the operating system's entropy; returns the seed."""
    value = default_generator.seed()
    manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed of the default CPU generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default CPU generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default CPU generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


def _generator(op: str, generator: Generator | None, device: Device):
    """The backend generator to draw from, checking it lives on ``device``."""
    if generator is None:
        return _default_for(device)._gen
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be an ember.Generator, got "
                        f"{type(generator).__name__}")
    if generator.device.type != device.type:
        raise RuntimeError(f"{op}: expected a '{device.type}' device type for generator but "
                           f"found '{generator.device.type}'")
    return generator._gen


# ----------------------------------------------------------------------------- raw draws
def _uniform(gen, xp, shape: tuple, dt: _dt.DType):
    """Uniform floats in [0, 1) of dtype ``dt``."""
    if dt is _dt.float64 or dt is _dt.float32:
        return gen.random(shape, dtype=dt.np)
    bits = _UNIFORM_BITS[dt.name]
    return (gen.integers(0, 1 << bits, shape) * (2.0 ** -bits)).astype(dt.np)


def _standard_normal(gen, shape: tuple, dt: _dt.DType):
    if dt is _dt.float64 or dt is _dt.float32:
        return gen.standard_normal(shape, dtype=dt.np)
    return gen.standard_normal(shape, dtype=_dt.float32.np).astype(dt.np)


def _float_dtype(op: str, dtype: Any) -> _dt.DType:
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dt.category != _dt.FLOAT:
        raise TypeError(f"{op}: expected a floating-point dtype, got {dt}")
    return dt


def _new(op: str, size: tuple, dtype: Any, device: Any, generator: Any, requires_grad: bool,
         draw) -> Tensor:
    shape = _size_arg(op, size)
    dev = Device(device if device is not None else "cpu")
    gen = _generator(op, generator, dev)
    backend = backend_for_device(dev)
    out = _make(draw(gen, backend.xp, shape))
    if requires_grad:
        out.requires_grad = True
    return out


# ----------------------------------------------------------------------------- sampling
def rand(*args: Any, size: Sequence[int] | None = None, generator: Generator | None = None,
         dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1); the shape as ``rand(2, 3)`` or ``rand(size=(2, 3))``.

    >>> import ember
    >>> x = ember.rand(2, 3, generator=ember.Generator().manual_seed(0))
    >>> x.shape, all(0 <= v < 1 for row in x.tolist() for v in row)
    (ember.Size([2, 3]), True)
    """
    dt = _float_dtype("rand", dtype)
    return _new("rand", _size_kwarg("rand", args, size), dt, device, generator, requires_grad,
                lambda gen, xp, shape: _uniform(gen, xp, shape, dt))


def randn(*args: Any, size: Sequence[int] | None = None, generator: Generator | None = None,
          dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples; the shape as ``randn(2, 3)`` or ``randn(size=(2, 3))``.

    >>> import ember
    >>> ember.randn(4, dtype=ember.float64).dtype
    ember.float64
    """
    dt = _float_dtype("randn", dtype)
    return _new("randn", _size_kwarg("randn", args, size), dt, device, generator, requires_grad,
                lambda gen, xp, shape: _standard_normal(gen, shape, dt))


def _int_bounds(op: str, low: Any, high: Any) -> tuple[int, int]:
    for name, v in (("low", low), ("high", high)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__}")
    if low >= high:
        raise RuntimeError(f"{op}: expected low < high, but got low={low} >= high={high}")
    return low, high


def _integers(gen, xp, shape: tuple, low: int, high: int, dt: _dt.DType):
    if dt.category != _dt.FLOAT:
        info = xp.iinfo(dt.np) if dt is not _dt.bool_ else None
        lo, hi = (0, 1) if info is None else (info.min, info.max)
        if low < lo or high - 1 > hi:
            raise RuntimeError(f"random: the range [{low}, {high}) does not fit dtype {dt}")
    return gen.integers(low, high, shape, dtype=_dt.int64.np).astype(dt.np)


def randint(*args: Any, low: int | None = None, high: int | None = None,
            size: Sequence[int] | None = None, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``, any of them by keyword as in PyTorch
    (``randint(low=3, high=7, size=(2,))``); int64 unless ``dtype`` says otherwise.

    >>> import ember
    >>> x = ember.randint(3, 7, (100,))
    >>> x.dtype, set(x.tolist()) <= {3, 4, 5, 6}
    (ember.int64, True)
    >>> ember.randint(high=2, size=(3,)).shape
    ember.Size([3])
    """
    if low is not None or high is not None:
        if high is None or len(args) > 1 or (args and low is not None):
            raise TypeError(f"randint: expected (high, size) or (low, high, size), got "
                            f"positional {args} with low={low}, high={high}")
        args = (args[0] if args else (0 if low is None else low), high)
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, high, shape = 0, args[0], args[1]
    elif len(args) == 3:
        low, high, shape = args
    else:
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} "
                        "positional arguments")
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints, got {type(shape).__name__}")
    low, high = _int_bounds("randint", low, high)
    dt = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    return _new("randint", (tuple(shape),), dt, device, generator, requires_grad,
                lambda gen, xp, s: _integers(gen, xp, s, low, high, dt))


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise).

    >>> import ember
    >>> sorted(ember.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"randperm: n must be a non-negative int, got {n!r}")
    dt = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    return _new("randperm", ((n,),), dt, device, generator, requires_grad,
                lambda gen, xp, s: gen.permutation(n).astype(dt.np))


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples with the given ``mean`` and ``std`` (tensors broadcast together, or
    floats with ``size``). With tensor arguments the result is ``mean + std * eps``, so
    gradients flow to ``mean`` and ``std`` (the reparameterisation PyTorch uses).

    >>> import ember
    >>> ember.normal(ember.zeros(2, 1), ember.ones(3)).shape
    ember.Size([2, 3])
    >>> ember.normal(2.0, 3.0, (4,)).shape
    ember.Size([4])
    """
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with float mean and std, size is required")
        _check_std("normal", std)
        dt = _float_dtype("normal", dtype)
        out = _new("normal", (tuple(size),), dt, device, generator, False,
                   lambda gen, xp, shape: _standard_normal(gen, shape, dt) * dt.np.type(std)
                   + dt.np.type(mean))
        if requires_grad:
            out.requires_grad = True
        return out
    if size is not None:
        raise TypeError("normal: size is only accepted with float mean and std")
    for name, v in (("mean", mean), ("std", std)):
        if isinstance(v, Tensor) and v.dtype.category != _dt.FLOAT:
            raise RuntimeError(f"normal: expected a floating-point {name} tensor, got "
                               f"{v.dtype}")
    _check_std("normal", std)
    like = tensors[0]
    mean_t, std_t = ensure_tensor("normal", mean, like), ensure_tensor("normal", std, like)
    shape = broadcast_shapes("normal", mean_t.shape, std_t.shape)
    dt = _dt.result_type(*[v for v in (mean, std)])
    eps = _make(_standard_normal(_generator("normal", generator, like.device), shape, dt))
    return add(mul(std, eps), mean)


def _check_std(op: str, std: Any) -> None:
    bad = bool((std._data < 0).any()) if isinstance(std, Tensor) else std < 0
    if bad:
        raise RuntimeError(f"{op}: expects all elements of std >= 0.0")


@defop("bernoulli", differentiable=False)
def _bernoulli(ctx, p, *, gen):
    if ctx.xp.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise RuntimeError(f"bernoulli: expected all probabilities in [0, 1] (shape "
                           f"{tuple(p.shape)})")
    u = gen.random(p.shape)
    return (u < p).astype(p.dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None
              ) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (or ``p``), in ``input``'s dtype.

    >>> import ember
    >>> ember.bernoulli(ember.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: expected a Tensor, got {type(input).__name__}")
    gen = _generator("bernoulli", generator, input.device)
    if p is not None:
        _check_p("bernoulli", p)
        from .creation import full_like

        probs = full_like(input, p, dtype=_dt.float64)
        return _bernoulli(probs, gen=gen).to(input.dtype)
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"bernoulli: expected a floating-point probability tensor, got "
                           f"{input.dtype}")
    return _bernoulli(input, gen=gen)


def _check_p(op: str, p: Any) -> None:
    if not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise RuntimeError(f"{op}: expected p in [0, 1], got {p!r}")


@defop("multinomial", differentiable=False)
def _multinomial(ctx, w, *, n, replacement, gen):
    xp = ctx.xp
    rows = w.reshape(-1, w.shape[-1]).astype(_dt.float64.np)
    if replacement:
        cdf = xp.cumsum(rows, axis=-1)
        u = gen.random((rows.shape[0], n)) * cdf[:, -1:]
        # The first category whose cumulative weight exceeds u; rounding can put u at the
        # total, so clip to the last category with a positive weight.
        last = rows.shape[-1] - 1 - xp.argmax(rows[:, ::-1] > 0, axis=-1)
        out = xp.stack([xp.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        out = xp.minimum(out, last[:, None])
    else:
        # Sampling without replacement as the top-n of w / q with q ~ Exp(1).
        keys = rows / gen.exponential(1.0, rows.shape)
        out = xp.argsort(-keys, axis=-1, kind="stable")[:, :n]
    return out.reshape(w.shape[:-1] + (n,)).astype(_dt.int64.np)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Category indices drawn from the rows of ``input`` (non-negative weights).

    >>> import ember
    >>> ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(input.shape)}")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"multinomial: expected a floating-point tensor, got {input.dtype}")
    if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
        raise RuntimeError(f"multinomial: num_samples must be a positive int, got "
                           f"{num_samples!r}")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > "
                           f"prob_dist.size(-1) ({k}) samples without replacement")
    data = input._data
    xp = backend_of(data).xp
    if k == 0 or not bool(xp.isfinite(data).all()) or bool((data < 0).any()):
        raise RuntimeError(f"multinomial: probability tensor (shape {tuple(input.shape)}) "
                           "contains inf, nan or an element < 0, or has no categories")
    if bool((data.reshape(-1, k).sum(-1) <= 0).any()):
        raise RuntimeError(f"multinomial: invalid distribution (shape {tuple(input.shape)}): "
                           "a row sums to 0")
    gen = _generator("multinomial", generator, input.device)
    return _multinomial(input, n=num_samples, replacement=bool(replacement), gen=gen)


# ----------------------------------------------------------------------------- _like forms
def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device (``memory_format`` is checked; the
    result is row-major)."""
    check_format("rand_like", memory_format, input.ndim)
    return rand(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and device (``memory_format`` is checked;
    the result is row-major)."""
    check_format("randn_like", memory_format, input.ndim)
    return randn(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                 device=input.device if device is None else device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)`` (``memory_format`` is checked; the result is row-major)."""
    check_format("randint_like", memory_format, input.ndim)
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator,
                   dtype=input.dtype if dtype is None else dtype,
                   device=input.device if device is None else device,
                   requires_grad=requires_grad)


# ----------------------------------------------------------------------------- in-place
def _fill_random(name: str, self: Tensor, generator: Any, draw, float_only: bool = True
                 ) -> Tensor:
    """Overwrite ``self`` with ``draw(gen, xp, shape)`` (cast to its dtype); no graph."""
    if float_only and self.dtype.category != _dt.FLOAT:
        raise TypeError(f"{name}: expected a floating-point tensor, got {self.dtype}")
    gen = _generator(name, generator, self.device)
    xp = backend_of(self._data).xp
    return run_inplace(name, self, lambda s: _make(xp.asarray(draw(gen, xp, s.shape))
                                                   .astype(s._data.dtype, copy=False)))


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None) -> Tensor:
    """Fill with uniform samples from [from_, to)."""
    if from_ > to:
        raise RuntimeError(f"uniform_: expects from <= to, but got from={from_} > to={to}")
    dt = self.dtype
    return _fill_random("uniform_", self, generator, lambda g, xp, s: _uniform(
        g, xp, s, _dt.float64 if dt.category != _dt.FLOAT else dt) * (to - from_) + from_)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with normal samples."""
    _check_std("normal_", std)
    return _fill_random("normal_", self, generator,
                        lambda g, xp, s: _standard_normal(g, s, _dt.float64) * std + mean)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with ``exp(N(mean, std))`` samples."""
    if std <= 0:
        raise RuntimeError(f"log_normal_: expects std > 0.0, got {std}")
    return _fill_random("log_normal_", self, generator,
                        lambda g, xp, s: xp.exp(_standard_normal(g, s, _dt.float64) * std
                                                + mean))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None
                 ) -> Tensor:
    """Fill with exponential samples of rate ``lambd``."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    return _fill_random("exponential_", self, generator,
                        lambda g, xp, s: g.exponential(1.0 / lambd, s))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(``p``) trials up to the first success (>= 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expects p to be in (0, 1), got p={p}")
    return _fill_random("geometric_", self, generator, lambda g, xp, s: g.geometric(p, s),
                        float_only=False)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability ``p`` (a float or a broadcastable tensor)."""
    if isinstance(p, Tensor):
        probs = p._data
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("bernoulli_: expected all probabilities in [0, 1]")
        broadcast_shapes("bernoulli_", p.shape, self.shape)
    else:
        _check_p("bernoulli_", p)
        probs = p
    return _fill_random("bernoulli_", self, generator,
                        lambda g, xp, s: g.random(s) < probs, float_only=False)


def random_(self: Tensor, *args: int, generator: Generator | None = None) -> Tensor:
    """Fill with integers: ``random_(from_, to)`` draws from [from_, to), ``random_(to)``
    from [0, to), and ``random_()`` from [0, top] where top is the dtype's largest integer
    (``2**significand_bits`` for floats), as PyTorch does."""
    dt = self.dtype
    if len(args) > 2:
        raise TypeError(f"random_: expected at most 2 positional arguments, got {len(args)}")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = 0, args[0]
    elif dt.category == _dt.FLOAT:
        low, high = 0, (1 << _UNIFORM_BITS[dt.name]) + 1
    elif dt is _dt.bool_:
        low, high = 0, 2
    else:
        low, high = 0, int(backend_of(self._data).xp.iinfo(dt.np).max) + 1
    low, high = _int_bounds("random_", low, high)
    return _fill_random("random_", self, generator,
                        lambda g, xp, s: _integers(g, xp, s, low, high, dt), float_only=False)


bind_methods(
    uniform_=uniform_, normal_=normal_, log_normal_=log_normal_, exponential_=exponential_,
    geometric_=geometric_, bernoulli_=bernoulli_, random_=random_,
    bernoulli=bernoulli, multinomial=multinomial,
)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm", "normal",
           "bernoulli", "multinomial", "rand_like", "randn_like", "randint_like"]
