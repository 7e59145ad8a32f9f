"""MultiheadAttention against PyTorch (layer harness, identical weights)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.nn._adapters import EmberCall, TorchCall
from tests.nn.harness import check_default_init, check_layer

torch = pytest.importorskip("torch")


def _pair(fn, **kw):
    return (lambda: EmberCall(ember.nn.MultiheadAttention(8, 2, **kw), fn),
            lambda: TorchCall(torch.nn.MultiheadAttention(8, 2, **kw), fn))


def _self(m, x):
    return m(x, x, x)


def _cross(m, q, k, v):
    return m(q, k, v)


def _no_weights(m, q, k, v):
    return m(q, k, v, need_weights=False)


def _masked(m, x, kpm, mask):
    return m(x, x, x, key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)


def _masked_no_weights(m, x, kpm, mask):
    return m(x, x, x, key_padding_mask=kpm, attn_mask=mask, need_weights=False)


def _causal(m, x, mask):
    return m(x, x, x, attn_mask=mask, is_causal=True, need_weights=False)


RNG = np.random.default_rng(5)
KPM = np.array([[False, False, False, True, True], [False, False, False, False, False]])
BOOL_MASK = np.triu(np.ones((5, 5), dtype=bool), 1)
FLOAT_MASK_3D = RNG.standard_normal((4, 5, 5))
CAUSAL = np.triu(np.full((5, 5), -np.inf), 1)


@pytest.mark.parametrize("fn,kw,inputs", [
    pytest.param(_self, {}, [(5, 2, 8)], id="self"),
    pytest.param(_self, {"batch_first": True}, [(2, 5, 8)], id="self-batch-first"),
    pytest.param(_self, {"bias": False}, [(5, 2, 8)], id="no-bias"),
    pytest.param(_cross, {}, [(4, 2, 8), (6, 2, 8), (6, 2, 8)], id="cross"),
    pytest.param(_no_weights, {}, [(4, 2, 8), (6, 2, 8), (6, 2, 8)], id="no-weights"),
    pytest.param(_cross, {"kdim": 3, "vdim": 5, "batch_first": True},
                 [(2, 4, 8), (2, 6, 3), (2, 6, 5)], id="kdim-vdim"),
    pytest.param(_self, {}, [(5, 8)], id="unbatched"),
    pytest.param(_masked, {}, [(5, 2, 8), KPM, BOOL_MASK], id="bool-masks"),
    pytest.param(_masked_no_weights, {}, [(5, 2, 8), KPM, BOOL_MASK], id="bool-masks-sdpa"),
    pytest.param(_masked, {}, [(5, 2, 8), KPM.astype(float) * -1e9, FLOAT_MASK_3D],
                 id="float-masks-3d"),
    pytest.param(_causal, {}, [(5, 2, 8), CAUSAL], id="causal"),
    pytest.param(_self, {"add_bias_kv": True, "add_zero_attn": True}, [(5, 2, 8)],
                 id="bias-kv-zero-attn"),
    pytest.param(_masked, {"add_bias_kv": True}, [(5, 2, 8), KPM, BOOL_MASK],
                 id="bias-kv-masks"),
])
def test_mha_matches_torch(fn, kw, inputs):
    make_e, make_t = _pair(fn, **kw)
    check_layer(make_e, make_t, inputs)


def _with_masks_no_weights(m, x, kpm, mask):
    return m(x, x, x, key_padding_mask=kpm, attn_mask=mask, need_weights=False)


KPM_WIDE = np.zeros((4, 40), dtype=bool)
KPM_WIDE[1, 30:] = True
MASK_3D_WIDE = RNG.standard_normal((16, 40, 40))


@pytest.mark.parametrize("fn,batch_first,inputs", [
    pytest.param(_self, True, [(4, 40, 128)], id="batch-first-weights"),
    pytest.param(_no_weights, True, [(4, 40, 128)] * 3, id="batch-first-sdpa"),
    pytest.param(_no_weights, False, [(40, 4, 128)] * 3, id="seq-first-sdpa"),
    pytest.param(_with_masks_no_weights, True, [(4, 40, 128), KPM_WIDE, MASK_3D_WIDE],
                 id="batch-first-masks-sdpa"),
])
def test_mha_heads_as_views_match_torch(fn, batch_first, inputs):
    """Inputs large enough that the projections run on the rows in memory order, and the
    heads stay strided views of them through the products (no copies)."""
    check_layer(lambda: EmberCall(ember.nn.MultiheadAttention(128, 4, batch_first=batch_first),
                                  fn),
                lambda: TorchCall(torch.nn.MultiheadAttention(128, 4, batch_first=batch_first),
                                  fn), inputs)


@pytest.mark.parametrize("batch_first", [True, False])
def test_mha_splits_and_merges_heads_without_copies(monkeypatch, batch_first):
    from ember.ops import shape

    copies = []
    original = shape._reshape_copy
    monkeypatch.setattr(shape, "_reshape_copy",
                        lambda *a, **kw: copies.append(kw["shape"]) or original(*a, **kw))
    mha = ember.nn.MultiheadAttention(128, 4, batch_first=batch_first)
    x = ember.randn(4, 40, 128) if batch_first else ember.randn(40, 4, 128)
    out, _ = mha(x, x, x, need_weights=False)
    assert copies == []
    assert out.is_contiguous()


@pytest.mark.parametrize("in_memory_order", [False, True])
def test_linear_on_permuted_rows_matches_torch(in_memory_order):
    """A transposed (and a permuted 4-D) input. ``linear`` returns a C-contiguous output, as
    PyTorch's; ``linear_in_memory_order`` runs the GEMM on the rows as they lie and keeps the
    input's permutation. Values and gradients as PyTorch's either way."""
    import ember.nn.functional as F
    from ember.nn.functional.linear import linear_in_memory_order

    fn = linear_in_memory_order if in_memory_order else F.linear
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((48, 64)), rng.standard_normal(48)
    for base_shape, dims in (((8, 40, 64), (1, 0, 2)), ((3, 4, 24, 64), (2, 0, 1, 3))):
        base = rng.standard_normal(base_shape)
        xe = ember.tensor(base, requires_grad=True)
        xt = torch.tensor(base, requires_grad=True)
        we, be = ember.tensor(w, requires_grad=True), ember.tensor(b, requires_grad=True)
        wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
        out_e = fn(xe.permute(dims), we, be)
        out_t = torch.nn.functional.linear(xt.permute(dims), wt, bt)
        assert out_e.is_contiguous() is not in_memory_order
        np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(),
                                   rtol=1e-12, atol=1e-12)
        g = rng.standard_normal(tuple(out_t.shape))
        out_e.backward(ember.tensor(g))
        out_t.backward(torch.tensor(g))
        for a, r in ((xe, xt), (we, wt), (be, bt)):
            np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("transposed", [False, True])
def test_mha_outputs_are_contiguous(batch_first, transposed):
    """Whatever the input's layout, the output can be ``view``-ed (as PyTorch's)."""
    mha = ember.nn.MultiheadAttention(128, 4, batch_first=batch_first)
    x = ember.randn(4, 40, 128)
    x = x.transpose(0, 1) if transposed else x
    for need_weights in (True, False):
        out, _ = mha(x, x, x, need_weights=need_weights)
        assert out.is_contiguous()
        out.view(-1)


def test_mha_dropout_eval():
    make_e, make_t = _pair(_self, dropout=0.5)
    check_layer(make_e, make_t, [(5, 2, 8)], modes=("eval",), train_step=False)


def test_mha_dropout_train_is_random_and_scaled():
    mha = ember.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(5, 2, 8)
    _, w = mha(x, x, x, average_attn_weights=False)
    values = set(np.round(w.detach().numpy().ravel(), 12)) - {0.0}
    assert w.detach().numpy().min() == 0.0 and len(values) > 1


@pytest.mark.parametrize("kw", [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}])
def test_mha_default_init(kw):
    check_default_init(lambda: ember.nn.MultiheadAttention(16, 4, **kw),
                       lambda: torch.nn.MultiheadAttention(16, 4, **kw))


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        ember.nn.MultiheadAttention(6, 4)
    mha = ember.nn.MultiheadAttention(8, 2)
    x = ember.randn(5, 2, 8)
    with pytest.raises(RuntimeError, match=r"MultiheadAttention.*embed_dim=8"):
        mha(ember.randn(5, 2, 4), x, x)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 4\), but should be \(5, 5\)"):
        mha(x, x, x, attn_mask=ember.zeros(4, 4))
    with pytest.raises(RuntimeError, match="is_causal"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(2, 5\)"):
        mha(x, x, x, key_padding_mask=ember.zeros(2, 3, dtype=ember.bool))


def test_sdpa_fused_matches_composition_and_double_backward():
    """The fused primitive (no dropout) against the composition (dropout path with p=0 is not
    taken, so compare with explicit ops), including a second derivative."""
    import ember.nn.functional as F

    rng = np.random.default_rng(0)
    q, k, v = (ember.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
               for _ in range(3))
    keep = ember.tensor(rng.random((2, 1, 1, 5)) < 0.8) | ember.eye(5, dtype=ember.bool)[0]
    for kw in ({}, {"is_causal": True}, {"attn_mask": keep}, {"scale": 0.2}):
        out = F.scaled_dot_product_attention(q, k, v, **kw)
        assert "Fused" in type(out.grad_fn).__name__ or "Fused" in repr(out.grad_fn)
        scale = kw.get("scale", 0.5)
        scores = (q @ k.transpose(-2, -1)) * scale
        if kw.get("is_causal"):
            scores = scores.masked_fill(ember.ones(5, 5, dtype=ember.bool).triu(1),
                                        float("-inf"))
        if "attn_mask" in kw:
            scores = scores.masked_fill(keep.logical_not(), float("-inf"))
        ref = F.softmax(scores, dim=-1) @ v
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-12)
        g1 = ember.autograd.grad((out ** 2).sum(), (q, k, v), create_graph=True)
        r1 = ember.autograd.grad((ref ** 2).sum(), (q, k, v), create_graph=True)
        for a, b in zip(g1, r1):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-10)
        g2 = ember.autograd.grad(sum(g.sin().sum() for g in g1), (q, k, v))
        r2 = ember.autograd.grad(sum(g.sin().sum() for g in r1), (q, k, v))
        for a, b in zip(g2, r2):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-9)


def test_sdpa_forward_mode_uses_composition():
    import ember.autograd.forward_ad as fwAD
    import ember.nn.functional as F

    q = ember.randn(2, 4, 3, dtype=ember.float64)
    t = ember.randn(2, 4, 3, dtype=ember.float64)
    with fwAD.dual_level():
        out = F.scaled_dot_product_attention(fwAD.make_dual(q, t), q, q, is_causal=True)
        tangent = fwAD.unpack_dual(out).tangent
    eps = 1e-6
    fd = (F.scaled_dot_product_attention(q + eps * t, q, q, is_causal=True)
          - F.scaled_dot_product_attention(q - eps * t, q, q, is_causal=True)) / (2 * eps)
    np.testing.assert_allclose(tangent.numpy(), fd.numpy(), atol=1e-6)


@pytest.mark.parametrize("kernel", [False, True])
@pytest.mark.parametrize("scale", [0.3, 0.0, -0.7, 1e-46])
@pytest.mark.parametrize("mask", ["causal", "bool", "float", None])
def test_sdpa_scale_with_masks_matches_torch(monkeypatch, used_kernels, scale, mask, kernel):
    """A positive scale is applied by the softmax after the -inf masking; zero, negative,
    float32-underflowing and float-mask cases scale q first. Each must give PyTorch's values
    and gradients, on the kernels' paths (the whole-attention kernel without a mask array,
    else the row-softmax kernel) and on NumPy's."""
    torch = pytest.importorskip("torch")
    from ember.backends import _numba

    if kernel and not _numba.ENABLED:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1 if kernel else 1 << 62)
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((2, 3, 40, 8)).astype(np.float32) for _ in range(3))
    extra = {"is_causal": True} if mask == "causal" else {}
    if mask == "bool":
        extra["attn_mask"] = rng.random((40, 40)) > 0.3
        extra["attn_mask"][:, 0] = True  # no fully masked row
    elif mask == "float":
        extra["attn_mask"] = rng.standard_normal((40, 40)).astype(np.float32)
    ours = [ember.tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = ember.nn.functional.scaled_dot_product_attention(
        *ours, scale=scale, **{n: ember.tensor(m) if n == "attn_mask" else m
                              for n, m in extra.items()})
    # no mask array and a positive scale: the whole attention is one kernel
    whole = kernel and mask in ("causal", None) and np.float32(scale) > 0
    assert ("attention" in used_kernels) == whole
    assert ("softmax_rows" in used_kernels) == (kernel and not whole)
    if mask == "causal" and np.float32(scale) <= 0:
        # PyTorch's is_causal path scales after its -inf masking, so a zero or negative
        # scale gives NaN there; the definition, softmax(scale * QK^T + mask), is its
        # explicit-mask path
        extra = {"attn_mask": np.tril(np.ones((40, 40), dtype=bool))}
    ref = torch.nn.functional.scaled_dot_product_attention(
        *theirs, scale=scale, **{n: torch.tensor(m) if n == "attn_mask" else m
                                for n, m in extra.items()})
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(ember.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def _masked_rows_case(lib, mask_kind: str, dtype, broadcast: bool):
    """SDPA where queries 1 and 3 see no key; ``broadcast`` gives key and value one batch
    entry for query's three, which takes the composition instead of the fused op."""
    rng = np.random.default_rng(7)
    kv = (1, 6, 4) if broadcast else (3, 6, 4)
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((3, 5, 4), kv, kv))
    keep = rng.random((5, 6)) > 0.4
    keep[..., 1, :] = keep[..., 3, :] = False
    keep[..., 0, 0] = True
    mask = lib.tensor(keep)
    if mask_kind == "float":
        mask = lib.zeros(keep.shape, dtype=getattr(lib, np.dtype(dtype).name)).masked_fill(
            lib.tensor(~keep), float("-inf"))
    q, k, v = (lib.tensor(a, requires_grad=True) for a in (q, k, v))
    functional = lib.nn.functional
    out = functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    weights = lib.tensor(rng.standard_normal(tuple(out.shape)).astype(dtype))
    grads = lib.autograd.grad((out * weights).sum(), (q, k, v))
    return [out.detach().numpy()] + [g.numpy() for g in grads]


@pytest.mark.parametrize("broadcast", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_sdpa_rows_that_see_no_key_give_zeros_like_torch(mask_kind, dtype, broadcast):
    """PyTorch 2.13 gives such rows zero weights (a zero output and no gradient), where a
    plain softmax gives NaN that would spread into every gradient."""
    ours = _masked_rows_case(ember, mask_kind, dtype, broadcast)
    ref = _masked_rows_case(torch, mask_kind, dtype, broadcast)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(ours, ref):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert not ours[0][..., [1, 3], :].any()


def test_sdpa_rows_that_see_no_key_double_backward_like_torch_math():
    from torch.nn.attention import SDPBackend, sdpa_kernel

    def grads(lib):
        rng = np.random.default_rng(8)
        q = lib.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
        v = lib.tensor(rng.standard_normal((2, 6, 4)))
        keep = rng.random((5, 6)) > 0.3
        keep[2] = False
        k = q[:, :1].expand(2, 6, 4) * 1.5
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v,
                                                              attn_mask=lib.tensor(keep))
        (g,) = lib.autograd.grad((out ** 2).sum(), q, create_graph=True)
        g.sin().sum().backward()
        return g.detach().numpy(), q.grad.numpy()

    with sdpa_kernel(SDPBackend.MATH):  # PyTorch's fused CPU kernel has no double backward
        ref = grads(torch)
    for a, b in zip(grads(ember), ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mask", ["bool", "float"])
def test_sdpa_forward_mode_with_a_row_that_sees_no_key_matches_torch(mask):
    # the fully masked row's output (and tangent) is 0; its masked_fill runs under dual mode
    torch = pytest.importorskip("torch")
    import torch.autograd.forward_ad as tfw

    import ember.autograd.forward_ad as efw
    import ember.nn.functional as F

    rng = np.random.default_rng(0)
    q, tq = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    k, tk = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 4))
    v, tv = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 4))
    keep = np.ones((3, 5), bool)
    keep[1] = False
    keep[0, 2] = False
    m = keep if mask == "bool" else np.where(keep, 0.0, -np.inf)
    with tfw.dual_level():
        args = [tfw.make_dual(torch.tensor(a), torch.tensor(t))
                for a, t in ((q, tq), (k, tk), (v, tv))]
        out = torch.nn.functional.scaled_dot_product_attention(*args, attn_mask=torch.tensor(m))
        expected = tfw.unpack_dual(out)
        expected = (expected.primal.numpy(), expected.tangent.numpy())
    with efw.dual_level():
        args = [efw.make_dual(ember.tensor(a), ember.tensor(t))
                for a, t in ((q, tq), (k, tk), (v, tv))]
        out = efw.unpack_dual(F.scaled_dot_product_attention(*args, attn_mask=ember.tensor(m)))
    np.testing.assert_allclose(out.primal.numpy(), expected[0], atol=1e-12)
    np.testing.assert_allclose(out.tangent.numpy(), expected[1], atol=1e-12)
