"""RNN, LSTM, GRU and their cells against PyTorch (layer harness, identical weights)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.nn.harness import check_default_init, check_layer

torch = pytest.importorskip("torch")

LAYERS = {"RNN": (ember.nn.RNN, torch.nn.RNN), "LSTM": (ember.nn.LSTM, torch.nn.LSTM),
          "GRU": (ember.nn.GRU, torch.nn.GRU)}
CONFIGS = [
    pytest.param({}, id="default"),
    pytest.param({"num_layers": 2}, id="layers2"),
    pytest.param({"bidirectional": True}, id="bidir"),
    pytest.param({"num_layers": 2, "bidirectional": True, "batch_first": True}, id="deep-bidir-bf"),
    pytest.param({"bias": False}, id="nobias"),
]


def _pair(kind: str, **kw):
    e_cls, t_cls = LAYERS[kind]
    return (lambda: e_cls(3, 4, **kw)), (lambda: t_cls(3, 4, **kw))


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("config", CONFIGS)
def test_layer_matches_torch(kind, config):
    make_e, make_t = _pair(kind, **config)
    seq = (2, 5, 3) if config.get("batch_first") else (5, 2, 3)
    check_layer(make_e, make_t, [seq])


def _initial_state(kind: str, layers: int, batch: int, hidden: int, proj: int = 0):
    rng = np.random.default_rng(7)
    h = rng.standard_normal((layers, batch, proj or hidden))
    if kind != "LSTM":
        return h
    return h, rng.standard_normal((layers, batch, hidden))


class _WithState(ember.nn.Module):
    """Feeds a fixed initial state (as arrays) to the wrapped layer; works for both libs."""

    def __init__(self, inner, state, lib):
        super().__init__()
        self.inner, self.state, self.lib = inner, state, lib

    def forward(self, x):
        if isinstance(self.state, tuple):
            return self.inner(x, tuple(self.lib.tensor(s) for s in self.state))
        return self.inner(x, self.lib.tensor(self.state))


class _TorchWithState(torch.nn.Module):
    def __init__(self, inner, state):
        super().__init__()
        self.inner, self.state = inner, state

    def forward(self, x):
        if isinstance(self.state, tuple):
            return self.inner(x, tuple(torch.tensor(s) for s in self.state))
        return self.inner(x, torch.tensor(self.state))


@pytest.mark.parametrize("kind", list(LAYERS))
def test_initial_state(kind):
    state = _initial_state(kind, 4, 2, 4)
    kw = {"num_layers": 2, "bidirectional": True}
    e_cls, t_cls = LAYERS[kind]
    check_layer(lambda: _WithState(e_cls(3, 4, **kw), state, ember),
                lambda: _TorchWithState(t_cls(3, 4, **kw), state), [(5, 2, 3)])


@pytest.mark.parametrize("config", [{}, {"bidirectional": True, "num_layers": 2}])
def test_lstm_proj_size(config):
    check_layer(lambda: ember.nn.LSTM(3, 5, proj_size=2, **config),
                lambda: torch.nn.LSTM(3, 5, proj_size=2, **config), [(4, 2, 3)])


def test_lstm_proj_size_with_state():
    state = _initial_state("LSTM", 1, 2, 5, proj=2)
    check_layer(lambda: _WithState(ember.nn.LSTM(3, 5, proj_size=2), state, ember),
                lambda: _TorchWithState(torch.nn.LSTM(3, 5, proj_size=2), state), [(4, 2, 3)])


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched(kind, batch_first):
    make_e, make_t = _pair(kind, batch_first=batch_first)
    check_layer(make_e, make_t, [(5, 3)])


def test_rnn_relu():
    check_layer(lambda: ember.nn.RNN(3, 4, nonlinearity="relu", num_layers=2),
                lambda: torch.nn.RNN(3, 4, nonlinearity="relu", num_layers=2), [(5, 2, 3)])


def test_float32():
    make_e, make_t = _pair("LSTM", num_layers=2)
    check_layer(make_e, make_t, [(5, 2, 3)], dtype="float32", atol=1e-5, rtol=1e-4)


def test_dropout_between_layers():
    # Dropout acts only in training and only between layers: p=1 zeroes layer 2's input, so
    # the output is what layer 2 makes of zeros; eval mode is deterministic.
    lstm = ember.nn.LSTM(3, 4, num_layers=2, dropout=1.0)
    x = ember.randn(5, 2, 3)
    out, _ = lstm(x)
    zeros_in = ember.nn.LSTM(4, 4)
    zeros_in.load_state_dict({k.replace("_l1", "_l0"): v for k, v in lstm.state_dict().items()
                              if "_l1" in k})
    np.testing.assert_allclose(out.detach().numpy(), zeros_in(ember.zeros(5, 2, 4))[0]
                               .detach().numpy(), atol=1e-6)
    lstm.eval()
    a, b = lstm(x)[0], lstm(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


CELLS = {"RNNCell": (ember.nn.RNNCell, torch.nn.RNNCell),
         "LSTMCell": (ember.nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (ember.nn.GRUCell, torch.nn.GRUCell)}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("shape", [(2, 3), (3,)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(kind, shape, bias):
    e_cls, t_cls = CELLS[kind]
    check_layer(lambda: e_cls(3, 4, bias=bias), lambda: t_cls(3, 4, bias=bias), [shape])


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_with_state(kind):
    e_cls, t_cls = CELLS[kind]
    rng = np.random.default_rng(3)
    state = rng.standard_normal((2, 4))
    state = (state, rng.standard_normal((2, 4))) if kind == "LSTMCell" else state
    check_layer(lambda: _WithState(e_cls(3, 4), state, ember),
                lambda: _TorchWithState(t_cls(3, 4), state), [(2, 3)])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_default_init(kind):
    e_cls, t_cls = LAYERS[kind]
    check_default_init(lambda: e_cls(8, 16, num_layers=2), lambda: t_cls(8, 16, num_layers=2))


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_default_init(kind):
    e_cls, t_cls = CELLS[kind]
    check_default_init(lambda: e_cls(8, 16), lambda: t_cls(8, 16))


def test_default_init_proj():
    check_default_init(lambda: ember.nn.LSTM(8, 16, proj_size=4),
                       lambda: torch.nn.LSTM(8, 16, proj_size=4))


def test_errors():
    lstm = ember.nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match=r"LSTM.*input_size. Expected 3, got 5"):
        lstm(ember.randn(2, 1, 5))
    with pytest.raises(RuntimeError, match=r"LSTM.*Expected hidden size \(1, 1, 4\), got"):
        lstm(ember.randn(2, 1, 3), (ember.zeros(1, 2, 4), ember.zeros(1, 1, 4)))
    with pytest.raises(ValueError, match=r"GRU.*2-D \(unbatched\) or 3-D"):
        ember.nn.GRU(3, 4)(ember.randn(3))  # ValueError, as in PyTorch
    with pytest.raises(ValueError, match=r"LSTM.*got 4-D"):
        lstm(ember.randn(2, 1, 3, 1))
    lstm.flatten_parameters()  # ported models call it; a no-op here
    with pytest.raises(ValueError, match="proj_size"):
        ember.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="nonlinearity"):
        ember.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(RuntimeError, match=r"GRUCell.*inconsistent input_size: got 2 expected 3"):
        ember.nn.GRUCell(3, 4)(ember.randn(1, 2))


def test_double_backward_through_layer():
    """create_graph through the fused sequence primitive matches the composed cells."""
    from ember.nn.functional import rnn_layers as L

    rng = np.random.default_rng(0)
    for fused, composed, shapes in [
        (L.lstm_sequence, L.lstm_sequence_composed, [(4, 2, 12), (2, 3), (2, 3), (12, 3)]),
        (L.lstm_sequence, L.lstm_sequence_composed,  # with the gates' bias
         [(4, 2, 12), (2, 3), (2, 3), (12, 3), (12,)]),
        (L.gru_sequence, L.gru_sequence_composed, [(4, 2, 9), (2, 3), (9, 3), (9,)]),
    ]:
        arrays = [rng.standard_normal(s) for s in shapes]
        results = []
        for fn in (fused, composed):
            xs = [ember.tensor(a, requires_grad=True) for a in arrays]
            outs = fn(*xs, reverse=True)
            outs = outs if isinstance(outs, tuple) else (outs,)
            loss = sum((o * o).sum() for o in outs)
            g = ember.autograd.grad(loss, xs, create_graph=True)
            results.append(ember.autograd.grad(sum((x * x).sum() for x in g), xs))
        for a, b in zip(*results):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_double_backward_default_state(kind):
    """create_graph through a layer whose initial state is the default zeros (no grad):
    the recompute asks autograd only for the inputs that need a gradient."""
    e_layer = LAYERS[kind][0](3, 4, dtype=ember.float64)
    t_layer = LAYERS[kind][1](3, 4, dtype=torch.float64)
    t_layer.load_state_dict({k: torch.tensor(v.detach().numpy())
                             for k, v in e_layer.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((5, 2, 3))
    grads = []
    for lib, layer in ((ember, e_layer), (torch, t_layer)):
        xt = lib.tensor(x, requires_grad=True)
        out, _ = layer(xt)
        (g,) = lib.autograd.grad((out * out).sum(), xt, create_graph=True)
        g.sum().backward()
        grads.append((g.detach().numpy(), layer.weight_hh_l0.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch", [0, 1, 3, 16])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float32", 2e-6)])
def test_lstm_sequence_edge_cases(batch, dtype, tol):
    """The whole-sequence LSTM primitive against its composition of cells: empty,
    single-element and split batches, both directions, float32 (the fused kernel where
    installed) and float64, and the caller's c_n gradient left untouched (a careless
    ascontiguousarray would alias it)."""
    from ember.nn.functional import rnn_layers as L

    rng = np.random.default_rng(batch)
    for reverse, bias in ((False, False), (True, False), (False, True), (True, True)):
        shapes = [(4, batch, 12), (batch, 3), (batch, 3), (12, 3)] + [(12,)] * bias
        arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
        res = []
        for fn in (L.lstm_sequence, L.lstm_sequence_composed):
            xs = [ember.tensor(a, requires_grad=True) for a in arrays]
            out, c = fn(*xs, reverse=reverse)
            g_c = ember.tensor(np.ones((batch, 3), dtype))
            grads = ember.autograd.grad((out, c), xs, (ember.ones_like(out), g_c))
            np.testing.assert_array_equal(g_c.numpy(), np.ones((batch, 3)))
            res.append([out.detach().numpy(), c.detach().numpy()] +
                       [g.numpy() for g in grads])
        for a, b in zip(*res):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
