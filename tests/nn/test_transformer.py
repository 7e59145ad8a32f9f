"""Transformer layers against PyTorch (layer harness, identical weights; dropout 0 in train
mode, PyTorch's defaults in eval mode)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.nn._adapters import EmberCall, TorchCall
from tests.nn.harness import check_default_init, check_layer

torch = pytest.importorskip("torch")

KPM = np.array([[False, False, False, True, True], [False, False, False, False, False]])
CAUSAL4 = np.triu(np.full((4, 4), -np.inf), 1)


def _enc_pair(fn, **kw):
    kw = {"dim_feedforward": 16, "dropout": 0.0, **kw}
    return (lambda: EmberCall(ember.nn.TransformerEncoderLayer(8, 2, **kw), fn),
            lambda: TorchCall(torch.nn.TransformerEncoderLayer(8, 2, **kw), fn))


def _plain(m, *xs):
    return m(*xs)


def _enc_masked(m, x, kpm, mask):
    return m(x, src_mask=mask, src_key_padding_mask=kpm)


@pytest.mark.parametrize("kw", [
    pytest.param({}, id="post-norm"),
    pytest.param({"norm_first": True}, id="pre-norm"),
    pytest.param({"activation": "gelu", "batch_first": True}, id="gelu-batch-first"),
    pytest.param({"bias": False, "layer_norm_eps": 1e-3}, id="no-bias"),
])
def test_encoder_layer(kw):
    shape = (2, 5, 8) if kw.get("batch_first") else (5, 2, 8)
    check_layer(*_enc_pair(_plain, **kw), [shape])


def test_encoder_layer_masks():
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    check_layer(*_enc_pair(_enc_masked), [(5, 2, 8), KPM, mask])


def test_encoder_layer_callable_activation():
    e_make = lambda: EmberCall(ember.nn.TransformerEncoderLayer(  # noqa: E731
        8, 2, 16, 0.0, activation=ember.nn.functional.silu), _plain)
    t_make = lambda: TorchCall(torch.nn.TransformerEncoderLayer(  # noqa: E731
        8, 2, 16, 0.0, activation=torch.nn.functional.silu), _plain)
    check_layer(e_make, t_make, [(5, 2, 8)])


def test_encoder_layer_dropout_eval():
    check_layer(*_enc_pair(_plain, dropout=0.1), [(5, 2, 8)], modes=("eval",),
                train_step=False)


def _encoder(lib, **kw):
    layer = lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    extra = {"enable_nested_tensor": False} if lib is torch else {}
    return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8), **extra, **kw)


def test_encoder_stack():
    def fn(m, x, kpm):
        return m(x, src_key_padding_mask=kpm)
    check_layer(lambda: EmberCall(_encoder(ember), fn), lambda: TorchCall(_encoder(torch), fn),
                [(2, 5, 8), KPM])


def _dec_pair(fn, **kw):
    kw = {"dim_feedforward": 16, "dropout": 0.0, **kw}
    return (lambda: EmberCall(ember.nn.TransformerDecoderLayer(8, 2, **kw), fn),
            lambda: TorchCall(torch.nn.TransformerDecoderLayer(8, 2, **kw), fn))


def _dec_masked(m, tgt, mem, tgt_mask, mem_kpm):
    return m(tgt, mem, tgt_mask=tgt_mask, memory_key_padding_mask=mem_kpm, tgt_is_causal=True)


@pytest.mark.parametrize("kw", [{}, {"norm_first": True, "activation": "gelu"}],
                         ids=["post-norm", "pre-norm-gelu"])
def test_decoder_layer(kw):
    check_layer(*_dec_pair(_dec_masked, **kw), [(4, 2, 8), (5, 2, 8), CAUSAL4, KPM])


def test_decoder_stack():
    def make(lib):
        layer = lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0)
        return lib.nn.TransformerDecoder(layer, 2, norm=lib.nn.LayerNorm(8))
    check_layer(lambda: EmberCall(make(ember), _plain), lambda: TorchCall(make(torch), _plain),
                [(4, 2, 8), (5, 2, 8)])


def _transformer(lib, **kw):
    return lib.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=True, **kw)


def test_transformer():
    def fn(m, src, tgt, tgt_mask, src_kpm):
        return m(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_kpm,
                 memory_key_padding_mask=src_kpm)
    check_layer(lambda: EmberCall(_transformer(ember), fn),
                lambda: TorchCall(_transformer(torch), fn), [(2, 5, 8), (2, 4, 8), CAUSAL4, KPM])


def test_transformer_norm_first_default_init():
    # Small bias vectors need many draws for the harness's range check to be meaningful.
    def make(lib):
        return lib.nn.Transformer(32, 2, 1, 1, 32, norm_first=True)
    check_default_init(lambda: make(ember), lambda: make(torch), samples=10)


def test_layer_default_init():
    check_default_init(lambda: ember.nn.TransformerDecoderLayer(16, 4, 32),
                       lambda: torch.nn.TransformerDecoderLayer(16, 4, 32))


def test_square_subsequent_mask():
    e = ember.nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert ember.nn.Transformer.generate_square_subsequent_mask(3).dtype == ember.float32


def test_state_dict_keys_match_torch():
    e, t = _transformer(ember), _transformer(torch)
    assert list(e.state_dict()) == list(t.state_dict())


def test_transformer_errors():
    model = _transformer(ember)
    with pytest.raises(RuntimeError, match=r"Transformer.*batch number of src and tgt"):
        model(ember.randn(2, 5, 8), ember.randn(3, 4, 8))
    with pytest.raises(RuntimeError, match=r"Transformer.*d_model=8"):
        model(ember.randn(2, 5, 6), ember.randn(2, 4, 6))
    with pytest.raises(RuntimeError, match="relu/gelu"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("layer", ["encoder", "decoder"])
def test_inplace_residuals_change_nothing(monkeypatch, layer, norm_first):
    """Without a graph, the layers add each residual into its block's new result in place:
    the output equals the out-of-place one bit for bit (a hook on each block's last module
    turns the in-place path off), the inputs are untouched, and outputs a hook keeps stay
    as they were."""
    ember.manual_seed(0)
    kw = {"dim_feedforward": 32, "dropout": 0.0, "norm_first": norm_first,
          "batch_first": True}
    x, memory = ember.randn(3, 7, 16), ember.randn(3, 5, 16)
    if layer == "encoder":
        m, args = ember.nn.TransformerEncoderLayer(16, 2, **kw).eval(), (x,)
        last = [m.dropout1, m.dropout2]
    else:
        m, args = ember.nn.TransformerDecoderLayer(16, 2, **kw).eval(), (x, memory)
        last = [m.dropout1, m.dropout2, m.dropout3]
    inputs = [a.numpy().copy() for a in args]
    added = []
    add_ = ember.Tensor.add_
    monkeypatch.setattr(ember.Tensor, "add_", lambda self, o: added.append(1) or add_(self, o))
    with ember.no_grad():
        fast = m(*args).numpy().copy()
    assert len(added) == len(last)  # every residual went in place
    for a, before in zip(args, inputs):
        np.testing.assert_array_equal(a.numpy(), before)
    kept = []
    handles = [d.register_forward_hook(
        lambda mod, inp, out: kept.append((out, out.detach().numpy().copy()))) for d in last]
    with ember.no_grad():
        slow = m(*args).numpy()
    assert len(added) == len(last) and len(kept) == len(last)  # none in place this time
    np.testing.assert_array_equal(fast, slow)
    for out, value in kept:
        np.testing.assert_array_equal(out.numpy(), value)
    for h in handles:
        h.remove()
    assert m(*args).requires_grad and len(added) == len(last)  # a graph: out of place


def test_inplace_residuals_keep_forward_mode_tangents():
    """A residual's tangent survives when the weights are frozen or under no_grad (the
    in-place path stands aside while tangents are recorded)."""
    ember.manual_seed(1)
    m = ember.nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0,
                                         batch_first=True).eval()
    x, t = ember.randn(3, 7, 16), ember.randn(3, 7, 16)
    _, want = ember.jvp(m, (x,), (t,))  # weights require grad: out of place
    m.requires_grad_(False)
    _, frozen = ember.jvp(m, (x,), (t,))
    with ember.no_grad():
        _, quiet = ember.jvp(m, (x,), (t,))
    for got in (frozen, quiet):
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


def test_inplace_residuals_respect_a_block_replaced_on_the_instance():
    import types

    ember.manual_seed(2)
    m = ember.nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0,
                                         batch_first=True).eval()
    kept = []
    original = m._sa_block

    def keeping(self, *args):
        out = original(*args)
        kept.append((out, out.numpy().copy()))
        return out

    m._sa_block = types.MethodType(keeping, m)
    with ember.no_grad():
        m(ember.randn(3, 7, 16))
    assert len(kept) == 1
    np.testing.assert_array_equal(kept[0][0].numpy(), kept[0][1])
