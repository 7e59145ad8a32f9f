"""The shifted-product convolution path (``_conv_shift``) and its building blocks: the
shifted products (``backends._shifted``, MKL and generic), the frame copies (numba and
NumPy), and whole convolutions against PyTorch and float64 finite differences."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember.backends import _mkl, _numba, _parts, _shifted
from ember.nn.functional import _conv_fast, _conv_shift

RNG = np.random.default_rng(7)
needs_mkl = pytest.mark.skipif(not _mkl.enabled(), reason="MKL is not installed")


def _reference(a, src, offsets, length):
    """``sum_k a[k] @ src[:, off_k:off_k + length]`` in float64."""
    a, src = a.astype(np.float64), src.astype(np.float64)
    return sum(a[k] @ src[:, off:off + length] for k, off in enumerate(offsets))


@pytest.mark.parametrize("mkl", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_out", [False, True])
def test_shifted_matmul_matches_reference(monkeypatch, mkl, dtype, transpose_out) -> None:
    if mkl and not _mkl.enabled():
        pytest.skip("MKL is not installed")
    monkeypatch.setattr(_mkl, "ENABLED", mkl)
    a = RNG.standard_normal((4, 5, 3)).astype(dtype)
    # a source whose row stride is longer than its rows (a column slice of a wider buffer)
    src = RNG.standard_normal((3, 40)).astype(dtype)[:, 2:]
    offsets, length = (0, 1, 7, 9), 25
    out = np.full((length, 5) if transpose_out else (5, length), np.nan, dtype)
    got = _shifted.shifted_matmul(a, src, offsets, length, out, transpose_out=transpose_out)
    want = _reference(a, src, offsets, length)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want.T if transpose_out else want, rtol=tol, atol=tol)


@pytest.mark.parametrize("mkl", [True, False])
@pytest.mark.parametrize("accumulate", [False, True])
def test_shifted_matmul_weight_matches_reference(monkeypatch, mkl, accumulate) -> None:
    if mkl and not _mkl.enabled():
        pytest.skip("MKL is not installed")
    monkeypatch.setattr(_mkl, "ENABLED", mkl)
    a = RNG.standard_normal((5, 30))
    src = RNG.standard_normal((3, 40))
    offsets, length = (0, 2, 11), 26
    start = RNG.standard_normal((3, 5, 3))
    out = start.copy()
    _shifted.shifted_matmul_weight(a, src, offsets, length, out, accumulate)
    for k, off in enumerate(offsets):
        want = a[:, :length] @ src[:, off:off + length].T + (start[k] if accumulate else 0)
        np.testing.assert_allclose(out[k], want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [dict(offsets=(0, 16), length=5), dict(offsets=(-1, 0), length=4),
                                 dict(offsets=(0, 1), length=21)])
def test_shifted_products_refuse_windows_outside_the_source(bad) -> None:
    src = np.zeros((3, 20), np.float32)
    a = np.zeros((2, 4, 3), np.float32)
    out = np.zeros((4, bad["length"]), np.float32)
    with pytest.raises(ValueError, match="do not fit a source of 20 positions"):
        _shifted.shifted_matmul(a, src, bad["offsets"], bad["length"], out)
    with pytest.raises(ValueError, match="do not fit"):
        _shifted.shifted_matmul_weight(np.zeros((4, 30), np.float32), src, bad["offsets"],
                                       bad["length"], np.zeros((2, 4, 3), np.float32), False)


def test_shifted_matmul_names_disagreeing_shapes() -> None:
    src = np.zeros((3, 20), np.float32)
    with pytest.raises(ValueError, match=r"taps \(2, 4, 5\), source \(3, 20\)"):
        _shifted.shifted_matmul(np.zeros((2, 4, 5), np.float32), src, (0, 1), 5,
                                np.zeros((4, 5), np.float32))


@pytest.mark.parametrize("count", [1, 2, 7, 64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_run_parts_covers_each_index_once(monkeypatch, count, threads) -> None:
    monkeypatch.setattr(_parts, "available_threads", lambda: threads)
    seen = np.zeros(count, int)

    def work(lo, hi):
        seen[lo:hi] += 1

    _parts.run_parts(count, work)
    np.testing.assert_array_equal(seen, 1)


def test_run_parts_reraises_a_failure_after_every_part_finished(monkeypatch) -> None:
    monkeypatch.setattr(_parts, "available_threads", lambda: 2)
    finished = []

    def work(lo, hi):
        if lo > 0:
            raise RuntimeError("second part failed")
        finished.append(lo)

    with pytest.raises(RuntimeError, match="second part failed"):
        _parts.run_parts(4, work)
    assert finished == [0]


def test_shifted_products_skip_mkl_for_strides_beyond_32_bits() -> None:
    # only the strides are inspected: the view is never read
    view = np.lib.stride_tricks.as_strided(np.zeros(4, np.float32), shape=(2, 2),
                                           strides=((2**31 + 16) * 4, 4))
    assert _shifted._row_major(view, 4) is None
    assert _shifted._row_major(np.zeros((2, 3), np.float32), 4) == 3


def test_shifted_products_refuse_an_out_overlapping_the_source() -> None:
    src = np.zeros((3, 20), np.float32)
    with pytest.raises(ValueError, match="out must not overlap"):
        _shifted.shifted_matmul(np.zeros((1, 3, 3), np.float32), src, (0,), 5, src[:, :5])


_CONV_AFTER = """
import numpy as np, ember, ember.nn.functional as F
from ember.nn.functional import _conv_shift
_conv_shift._LIMITS = ((1, float("inf")),)
x, w = ember.randn(4, 16, 9, 9), ember.randn(16, 16, 3, 3)
def conv():
    return float(F.conv2d(x, w, padding=1).sum())
first = conv()
"""


def test_convolution_runs_in_forked_children_and_at_exit() -> None:
    """The helper threads of the parent are gone in a forked child (a DataLoader worker)
    and refuse work at interpreter exit: both must still compute, on the calling thread."""
    script = _CONV_AFTER + """
import atexit, os
pid = os.fork()
if pid == 0:
    os._exit(0 if abs(conv() - first) < 1e-3 else 3)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
atexit.register(lambda: print("at exit", abs(conv() - first) < 1e-3))
"""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["child", "0", "at", "exit", "True"], done.stderr


# (input shape, weight shape, conv keyword arguments)
CASES = [
    ((6, 8, 12, 11), (9, 8, 3, 3), dict(padding=1)),
    ((3, 16, 10, 12), (24, 16, 3, 5), dict(padding=(1, 2))),
    ((2, 16, 9, 9), (16, 16, 3, 3), dict(padding=2, dilation=2)),
    ((5, 8, 13, 13), (8, 8, 4, 4), dict(padding="same")),  # uneven padding
    ((4, 32, 7, 7), (8, 32, 1, 1), {}),
    ((1, 8, 20, 20), (8, 8, 3, 3), dict(padding=1)),
    ((3, 8, 20), (12, 8, 3), dict(padding=1)),
    ((2, 8, 6, 7, 8), (9, 8, 3, 3, 3), dict(padding=1)),
    # more padding than the kernel reaches: output rows longer than the data's
    ((3, 8, 9, 10), (8, 8, 1, 3), dict(padding=(2, 3))),
    ((2, 8, 11, 9), (8, 8, 2, 4), dict(padding="same", dilation=(2, 1))),
]
CONV = {3: (F.conv1d, torch.nn.functional.conv1d), 4: (F.conv2d, torch.nn.functional.conv2d),
        5: (F.conv3d, torch.nn.functional.conv3d)}


def _run(x, w, b, g, kw, lib=ember):
    """Output and gradients (input, weight, bias) of the convolution in ``lib`` (ember or
    torch)."""
    conv = CONV[x.ndim][0 if lib is ember else 1]
    tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
    tb = None if b is None else lib.tensor(b, requires_grad=True)
    out = conv(tx, tw, tb, **kw)
    out.backward(lib.tensor(g))
    return [out.detach().numpy()] + [t.grad.numpy() for t in (tx, tw, tb) if t is not None]


def _inputs(shape, wshape, kw, dtype, bias=True):
    x = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal(wshape).astype(dtype)
    b = RNG.standard_normal(wshape[0]).astype(dtype) if bias else None
    out_shape = CONV[len(shape)][1](torch.tensor(x), torch.tensor(w), None, **kw).shape
    return x, w, b, RNG.standard_normal(tuple(out_shape)).astype(dtype)


@pytest.fixture
def shift_calls(monkeypatch) -> list:
    """The names of the shifted-path functions run during the test, which takes that path
    however much of the frame is padding."""
    monkeypatch.setattr(_conv_shift, "_LIMITS", ((1, float("inf")),))
    calls: list = []
    for name in ("forward", "backward"):
        real = getattr(_conv_shift, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(_conv_shift, name, spy)
    return calls


@needs_mkl
@pytest.mark.parametrize("shape, wshape, kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolution_matches_torch(shift_calls, shape, wshape, kw, dtype) -> None:
    x, w, b, g = _inputs(shape, wshape, kw, dtype, bias=len(shape) != 3)
    got = _run(x, w, b, g, kw)
    assert shift_calls == ["forward", "backward"]
    tol = 2e-4 if dtype == np.float32 else 1e-10
    for ours, theirs in zip(got, _run(x, w, b, g, kw, lib=torch), strict=True):
        assert ours.shape == theirs.shape and ours.dtype == dtype
        scale = max(1.0, float(np.abs(theirs).max()))
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * scale)


@needs_mkl
@pytest.mark.parametrize("shape, wshape, kw", [CASES[0], CASES[3], CASES[6]])
def test_frame_copies_without_numba_give_the_same_result(monkeypatch, shift_calls, shape,
                                                         wshape, kw) -> None:
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)
    x, w, b, g = _inputs(shape, wshape, kw, np.float32)
    fast = _run(x, w, b, g, kw)
    monkeypatch.setattr(_numba, "ENABLED", False)
    slow = _run(x, w, b, g, kw)
    assert shift_calls == ["forward", "backward"] * 2
    for f, s in zip(fast[:3], slow[:3]):  # copies and the same products: bit for bit
        np.testing.assert_array_equal(f, s)
    np.testing.assert_allclose(fast[3], slow[3], rtol=1e-5, atol=1e-4)  # bias: sum order


@needs_mkl
def test_gradients_match_finite_differences(shift_calls) -> None:
    x, w, b, _ = _inputs((3, 8, 7, 6), (8, 8, 3, 3), dict(padding=1), np.float64)
    cot = RNG.standard_normal((3, 8, 7, 6))
    dirs = [RNG.standard_normal(a.shape) for a in (x, w, b)]

    def f(x, w, b):
        out = F.conv2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), padding=1)
        return float((out.numpy() * cot).sum())

    _, dx, dw, db = _run(x, w, b, cot, dict(padding=1))
    eps = 1e-6
    for i, grad in enumerate((dx, dw, db)):
        plus = [a + eps * d if j == i else a for j, (a, d) in enumerate(zip((x, w, b), dirs))]
        minus = [a - eps * d if j == i else a for j, (a, d) in enumerate(zip((x, w, b), dirs))]
        numeric = (f(*plus) - f(*minus)) / (2 * eps)
        assert abs(numeric - float((grad * dirs[i]).sum())) < 1e-6 * max(1.0, abs(numeric))
    assert shift_calls[:2] == ["forward", "backward"]


@needs_mkl
@pytest.mark.parametrize("where", ["input", "weight"])
def test_infinities_give_the_column_paths_gradients(monkeypatch, shift_calls, where) -> None:
    """Dropped positions add ``0 * value``; an infinity there must not turn a gradient
    into NaN where the exact computation has none."""
    x, w, b, g = _inputs((2, 8, 9, 9), (8, 8, 3, 3), dict(padding=1), np.float32)
    if where == "input":
        x[0, 3, 4, 0] = np.inf  # read through a dropped position's window too
    else:
        w[2, 5, 1, 1] = -np.inf
    got = _run(x, w, b, g, dict(padding=1))
    assert shift_calls == ["forward", "backward"]
    monkeypatch.setattr(_conv_shift, "_LIMITS", ())  # the column path
    want = _run(x, w, b, g, dict(padding=1))
    for ours, exact in zip(got, want):
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(exact))
        np.testing.assert_allclose(ours, exact, rtol=1e-4, atol=1e-3)


def test_frames_share_their_zero_margins() -> None:
    """Rows (and images) share the zeros between them: a 28x28 image padded by 1 takes
    29 x 29 positions, not 30 x 30; the column path still gets its own layout back."""
    geom = _conv_fast.Geometry(size=(5, 4), kernel=(3, 3), dilation=(1, 1),
                               pads=((1, 1), (1, 1)), stride=(1, 1))
    assert _conv_shift._frame(geom._replace(size=(28, 28))).extent == (29, 29)
    x = RNG.standard_normal((3, 2, 5, 4)).astype(np.float32)
    w = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32)
    _, frame = _conv_shift.forward(np, x, w, None, geom)
    assert frame.shape == (2, 3 * 6 * 5 + _conv_shift._frame(geom).tail)
    want = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))).swapaxes(0, 1)
    np.testing.assert_array_equal(_conv_shift.padded_input(np, frame, geom, 3), want)


@pytest.mark.parametrize("change, taken", [
    ({}, True),
    (dict(channels=8), False),  # taps' products too thin
    (dict(channels=16), True),
    (dict(channels=16, size=(10, 10)), False),  # waste 1.44: only with more channels
    (dict(size=(7, 7)), True),  # waste 1.65
    (dict(stride=(2, 2)), False),
    (dict(groups=2), False),
    (dict(size=(3, 3), pads=((2, 2), (2, 2))), False),  # mostly padding
])
def test_applies_only_where_it_is_faster(monkeypatch, change, taken) -> None:
    monkeypatch.setattr(_mkl, "ENABLED", True)
    size = change.get("size", (28, 28))
    geom = _conv_fast.Geometry(size=size, kernel=(3, 3), dilation=(1, 1),
                               pads=change.get("pads", ((1, 1), (1, 1))),
                               stride=change.get("stride", (1, 1)))
    x = np.zeros((4, change.get("channels", 32)) + size, np.float32)
    applies = _conv_fast.applies(geom, change.get("groups", 1), x.shape) and \
        _conv_shift.applies(geom, x.shape, 64, x)
    assert applies is taken
