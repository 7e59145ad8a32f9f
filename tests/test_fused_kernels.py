"""The fused kernels built on the vectorised float32 math (``_numba_math``): its exp,
sigmoid and tanh in ulps over a dense grid, the LSTM recurrence (numba + MKL packed
products) and the softmax cross entropy, each against the NumPy reference.

The kernels' functions are not NumPy's, so they agree with the NumPy code to rounding, not
bit for bit: the layers' outputs and gradients are compared with a tight tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backends import _mkl, _numba, _numba_fused

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="numba is not installed")
# The LSTM kernel also calls MKL.
needs_mkl = pytest.mark.skipif(not _mkl.enabled(), reason="MKL (ember[fast]) is not installed")


def _grid() -> np.ndarray:
    """Every 409th positive float32 bit pattern below 100 (2.7M values), and negatives."""
    bits = np.arange(0, 0x42C80000, 409, dtype=np.uint32)
    x = bits.view(np.float32)
    return np.concatenate([x, -x])


def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - exact) / spacing


def _run(name: str, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _numba._kernel(name)(x, out)
    return out


def test_tanh_within_2_ulp_everywhere() -> None:
    x = _grid()
    assert _ulps(_run("tanh32", x), np.tanh(x.astype(np.float64))).max() <= 2


def test_sigmoid_within_4_ulp_where_normal() -> None:
    x = _grid()
    got, exact = _run("sigmoid32", x), 1 / (1 + np.exp(-x.astype(np.float64)))
    normal = exact >= np.finfo(np.float32).tiny
    assert _ulps(got[normal], exact[normal]).max() <= 4
    # Below x = -88.7 exp(-x) overflows to inf and the result is 0 (the exact one is
    # subnormal).
    assert np.abs(got[~normal] - exact[~normal]).max() < np.finfo(np.float32).tiny


def test_exp_within_3_ulp_where_normal() -> None:
    from numba import njit

    from ember.backends._numba_math import _FAST, exp32

    @njit(fastmath=_FAST, error_model="numpy")  # as the kernels compile it
    def run(v, out):
        for k in range(v.size):
            out[k] = exp32(v[k])

    x = _grid()
    x = x[np.abs(x) < 89]
    got = np.empty_like(x)
    run(x, got)
    exact = np.exp(x.astype(np.float64))
    normal = (exact >= np.finfo(np.float32).tiny) & (exact <= np.finfo(np.float32).max)
    assert _ulps(got[normal], exact[normal]).max() <= 3
    assert not got[exact < np.finfo(np.float32).tiny].any()  # flushed, not subnormal
    assert np.isinf(got[exact > np.finfo(np.float32).max]).all()


@pytest.mark.parametrize("name, fn", [("tanh32", np.tanh),
                                      ("sigmoid32", lambda v: 1 / (1 + np.exp(-v)))])
def test_special_values(name, fn) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 88.8, -88.8, 1e-40, -1e-40, 1e30,
                  -1e30, 3e-8], np.float32)
    got = _run(name, x)
    with np.errstate(over="ignore"):
        want = fn(x.astype(np.float64)).astype(np.float32)
    np.testing.assert_allclose(got, want, rtol=3e-7, atol=2e-38)
    np.testing.assert_array_equal(np.signbit(got[:2]), np.signbit(want[:2]))


CONFIGS = [
    pytest.param({}, 32, id="b32"),
    pytest.param({}, 19, id="odd-split"),
    pytest.param({}, 5, id="one-part"),
    pytest.param({"bidirectional": True, "batch_first": True}, 17, id="bidir-bf"),
    pytest.param({"num_layers": 2, "bias": False}, 16, id="layers2-nobias"),
]


def _lstm_run(config: dict, batch: int, with_state: bool) -> list[np.ndarray]:
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(6, 20, **config)
    dirs = 2 if config.get("bidirectional") else 1
    layers = config.get("num_layers", 1) * dirs
    rng = np.random.default_rng(1)
    shape = (batch, 7, 6) if config.get("batch_first") else (7, batch, 6)
    x = ember.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    state = None
    if with_state:
        state = tuple(ember.tensor(rng.standard_normal((layers, batch, 20)).astype(np.float32),
                                   requires_grad=True) for _ in range(2))
    out, (h_n, c_n) = lstm(x, state)
    weights = ember.tensor(rng.standard_normal(out.shape).astype(np.float32))
    ((out * weights).sum() + h_n.square().sum() + (c_n * 0.5).sum()).backward()
    leaves = [x, *lstm.parameters(), *(state or ())]
    return [out.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy()] + \
        [p.grad.numpy() for p in leaves]


@needs_mkl
@pytest.mark.parametrize("config, batch", CONFIGS)
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_numpy_reference(monkeypatch, used_kernels, config, batch,
                                       with_state) -> None:
    fused = _lstm_run(config, batch, with_state)
    assert {"lstm_forward", "lstm_backward"} <= used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    reference = _lstm_run(config, batch, with_state)
    for got, want in zip(fused, reference):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6)


@needs_mkl
@pytest.mark.parametrize("config, batch", CONFIGS)
@pytest.mark.parametrize("parts", [1, 2])
def test_inference_kernel_equals_the_training_forward(monkeypatch, used_kernels, config,
                                                      batch, parts) -> None:
    """Under no_grad the recurrence keeps only h and the last c (``lstm_infer``): the same
    arithmetic as the recorded forward, so the same outputs bit for bit; the caller's
    initial state is left as it was."""
    monkeypatch.setattr(_numba_fused, "_lstm_parts", lambda batch: parts)
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(6, 20, **config)
    layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
    rng = np.random.default_rng(2)
    shape = (batch, 7, 6) if config.get("batch_first") else (7, batch, 6)
    x = ember.tensor(rng.standard_normal(shape).astype(np.float32))
    state = tuple(ember.tensor(rng.standard_normal((layers, batch, 20)).astype(np.float32))
                  for _ in range(2))
    before = [s.numpy().copy() for s in state]
    recorded = lstm(x, state)
    assert "lstm_infer" not in used_kernels
    with ember.no_grad():
        plain = lstm(x, state)
    assert "lstm_infer" in used_kernels
    for got, want in zip((plain[0], *plain[1]), (recorded[0], *recorded[1])):
        np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    for s, b in zip(state, before):
        np.testing.assert_array_equal(s.numpy(), b)


@needs_mkl
@pytest.mark.parametrize("parts", [1, 2, 3])
def test_any_number_of_parts_gives_the_same_result(monkeypatch, parts) -> None:
    """The batch split between threads changes nothing but the rows' owner (the MKL
    product's blocking may differ with the rows per part, so to rounding)."""
    reference = _lstm_run({}, 24, True)
    monkeypatch.setattr(_numba_fused, "_lstm_parts", lambda batch: parts)
    for got, want in zip(_lstm_run({}, 24, True), reference):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_mkl
def test_gradient_through_c_n_only(monkeypatch, used_kernels) -> None:
    lstm = ember.nn.LSTM(4, 8)
    x = ember.randn(5, 16, 4, requires_grad=True)
    _, (_, c_n) = lstm(x)
    c_n.sum().backward()
    fused = x.grad.numpy().copy()
    assert "lstm_backward" in used_kernels
    x.grad = None
    monkeypatch.setattr(_numba, "ENABLED", False)
    _, (_, c_n) = lstm(x)
    c_n.sum().backward()
    np.testing.assert_allclose(fused, x.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_mkl
def test_declines_float64_and_without_mkl(used_kernels) -> None:
    lstm = ember.nn.LSTM(4, 8).double()
    lstm(ember.randn(5, 16, 4, dtype=ember.float64))[0].sum().backward()
    with ember.no_grad():
        lstm(ember.randn(5, 16, 4, dtype=ember.float64))
    assert not used_kernels & {"lstm_forward", "lstm_backward", "lstm_infer"}
    previous = _mkl.set_enabled(False)
    try:
        ember.nn.LSTM(4, 8)(ember.randn(5, 16, 4))[0].sum().backward()
    finally:
        _mkl.set_enabled(previous)
    assert not used_kernels & {"lstm_forward", "lstm_backward"}


@needs_mkl
def test_wrappers_decline_inconsistent_shapes() -> None:
    """The kernels index by shape without bounds checks: the wrappers must refuse arrays
    that do not agree (the public function raises before that, see the next test)."""
    steps, batch, hidden = 3, 16, 4
    f32 = np.float32
    acts = np.zeros((steps, batch, 4 * hidden), f32)
    hs, cs = (np.zeros((steps + 1, batch, hidden), f32) for _ in range(2))
    tcs = np.zeros((steps, batch, hidden), f32)
    good_w, good_b = np.zeros((4 * hidden, hidden), f32), np.zeros(4 * hidden, f32)
    for xproj, b, w in [(np.zeros((steps, 1, 4 * hidden), f32), good_b, good_w),
                        (np.zeros((steps, batch, 4 * hidden - 4), f32), good_b, good_w),
                        (acts.copy(), good_b, np.zeros((4 * hidden, 2 * hidden), f32)),
                        (acts.copy(), good_b, np.zeros((4, 1), f32)),
                        (acts.copy(), np.zeros(4 * hidden - 1, f32), good_w),
                        (acts.copy(), np.zeros((1, 4 * hidden), f32), good_w)]:
        assert _numba.lstm_forward(xproj, b, w, acts, hs, cs, tcs, False) is None
        assert _numba.lstm_infer(xproj, b, w, hs, cs[0], False) is None
    dh, dc = np.zeros((batch, hidden), f32), np.zeros((batch, hidden), f32)
    assert _numba.lstm_backward(np.zeros((steps, 1, hidden), f32), good_w, acts, cs, tcs, dh,
                                dc, acts.copy(), False) is None
    # agrees: runs
    assert _numba.lstm_forward(acts.copy(), good_b, good_w, acts, hs, cs, tcs, False)
    assert _numba.lstm_infer(acts.copy(), good_b, good_w, hs, cs[0].copy(), False)


def test_lstm_sequence_rejects_mismatched_shapes() -> None:
    from ember.nn.functional.rnn_layers import lstm_sequence

    x, h = ember.zeros(3, 16, 16), ember.zeros(16, 4)
    with pytest.raises(RuntimeError, match=r"expected w_hh of shape \(16, 4\), got \(4, 1\)"):
        lstm_sequence(x, h, h, ember.zeros(4, 1))
    with pytest.raises(RuntimeError, match=r"expected xproj of shape \(3, 16, 16\)"):
        lstm_sequence(ember.zeros(3, 1, 16), h, h, ember.zeros(16, 4))
    with pytest.raises(RuntimeError, match=r"expected bias of shape \(16,\), got \(4,\)"):
        lstm_sequence(x, h, h, ember.zeros(16, 4), ember.zeros(4))
    with pytest.raises(RuntimeError, match="expected bias of xproj's dtype"):
        lstm_sequence(x, h, h, ember.zeros(16, 4), ember.zeros(16, dtype=ember.float64))
    lstm = ember.nn.LSTM(4, 8)
    lstm.weight_hh_l0 = ember.nn.Parameter(ember.randn(32, 1))
    with pytest.raises(RuntimeError, match="w_hh"):
        lstm(ember.randn(3, 16, 4))


def test_unusable_numba_lstm_falls_back(monkeypatch) -> None:
    """numba installed but not importable (built for another NumPy): the LSTM declines
    like every other kernel instead of raising."""
    import sys

    monkeypatch.setitem(sys.modules, "ember.backends._numba_kernels", None)
    monkeypatch.setitem(sys.modules, "numba", None)  # any "import numba" fails
    monkeypatch.setattr(_numba, "_kernels", {})
    monkeypatch.setattr(_numba, "ENABLED", True)
    lstm = ember.nn.LSTM(4, 8)
    out, _ = lstm(ember.randn(3, 16, 4))
    out.sum().backward()
    assert not _numba.ENABLED and lstm.weight_hh_l0.grad is not None


# ------------------------------------------------------------- softmax cross entropy


def _ce_run(x: np.ndarray, target: np.ndarray, reduction: str, ignore_index: int):
    logits = ember.tensor(x, requires_grad=True)
    loss = ember.nn.functional.cross_entropy(logits, ember.tensor(target),
                                             reduction=reduction, ignore_index=ignore_index)
    (loss * 3.0).sum().backward()
    return loss.detach().numpy(), logits.grad.numpy()


@pytest.mark.parametrize("threaded", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_kernels_match_numpy(monkeypatch, used_kernels, reduction,
                                           threaded) -> None:
    # 40x37 logits take the serial kernels; with MIN_ELEMENTS = 1 the threaded ones
    if threaded:
        monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)
    suffix = "" if threaded else "_serial"
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((40, 37)) * 8).astype(np.float32)
    x[1] = -np.inf  # a row of -inf: nan, as in PyTorch
    x[2, 5] = np.inf
    x[3, 4] = np.nan
    x[4] += 1e4  # large logits: the shift keeps exp in range
    target = rng.integers(0, 37, 40)
    target[6] = -100  # ignored
    with np.errstate(invalid="ignore"):
        fused = _ce_run(x, target, reduction, -100)
        assert used_kernels == {"softmax_xent_forward" + suffix, "softmax_xent_backward" + suffix}
        monkeypatch.setattr(_numba, "ENABLED", False)
        reference = _ce_run(x, target, reduction, -100)
    for got, want in zip(fused, reference):
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)
    assert np.isnan(fused[1][1]).all() and np.isnan(fused[1][3]).all()
    assert not fused[1][6].any()  # the ignored row gets no gradient


@pytest.mark.parametrize("rows", [4, 20000])  # the serial and the threaded kernel
def test_cross_entropy_backward_stays_in_bounds_when_targets_change(rows) -> None:
    """The backward reads the targets again. Memory shared with NumPy can change them after
    the forward without ember seeing it (as in PyTorch), so the kernel must not write
    outside a row when one is now out of range (1e8 crashed the process)."""
    targets = np.arange(rows) % 5
    logits = ember.tensor(np.zeros((rows, 5), np.float32), requires_grad=True)
    loss = ember.nn.functional.cross_entropy(logits, ember.from_numpy(targets),
                                             reduction="sum")
    targets[0], targets[-1] = 10**8, -3
    loss.backward()
    grad = logits.grad.numpy()
    np.testing.assert_allclose(grad[[0, -1]], 0.2)  # no one-hot term where out of range
    np.testing.assert_allclose(grad[1], [0.2, -0.8, 0.2, 0.2, 0.2])


def test_cross_entropy_ignore_index_none_does_not_depend_on_dtype() -> None:
    x = np.random.default_rng(0).standard_normal((4, 5))
    target = ember.tensor([0, 1, 2, 3])
    got = [ember.nn.functional.cross_entropy(ember.tensor(x.astype(dt)), target,
                                             ignore_index=None).item()
           for dt in (np.float32, np.float64)]
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6)


def test_cross_entropy_kernel_declines_float64(used_kernels) -> None:
    _ce_run(np.zeros((4, 5)), np.zeros(4, np.int64), "mean", -100)
    _ce_run(np.zeros((400, 500)), np.zeros(400, np.int64), "mean", -100)
    assert not {name for name in used_kernels if "softmax" in name}


# ------------------------------------------------------------------------ softmax rows


def _softmax_and_attention(x: np.ndarray, q: np.ndarray) -> list[np.ndarray]:
    xt = ember.tensor(x, requires_grad=True)
    y = ember.nn.functional.softmax(xt, dim=-1)
    (y * ember.tensor(np.linspace(-1, 1, x.shape[-1], dtype=np.float32))).sum().backward()
    qt = ember.tensor(q, requires_grad=True)
    att = ember.nn.functional.scaled_dot_product_attention(qt, qt * 2, qt * 3)
    att.square().sum().backward()
    return [y.detach().numpy(), xt.grad.numpy(), att.detach().numpy(), qt.grad.numpy()]


def test_softmax_kernel_matches_numpy(monkeypatch, used_kernels) -> None:
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((3, 9, 33)) * 30).astype(np.float32)  # exps far below 1e-38
    x[0, 0] = -np.inf  # nan row, as NumPy and PyTorch
    x[0, 1, 3] = np.inf
    x[0, 2, 7] = np.nan
    q = rng.standard_normal((2, 3, 17, 8)).astype(np.float32)
    with np.errstate(invalid="ignore"):
        fused = _softmax_and_attention(x, q)
        assert "softmax_rows" in used_kernels
        monkeypatch.setattr(_numba, "ENABLED", False)
        reference = _softmax_and_attention(x, q)
    # Tolerance relative to each array's scale: attention's q gradient runs to ~250, and
    # both float32 paths are ~2e-4 from a float64 computation there.
    for got, want in zip(fused, reference):
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6 * np.nanmax(np.abs(want)))
    probs = fused[0]
    assert np.isnan(probs[0, [0, 2]]).all()  # a row of -inf, a row with a nan
    assert np.isnan(probs[0, 1]).tolist() == [k == 3 for k in range(33)]  # inf / inf
    assert not ((probs != 0) & (np.abs(probs) < np.finfo(np.float32).tiny)).any()
