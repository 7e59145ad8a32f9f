"""ember._summary.summary: parameter counts against PyTorch twins, MACs against hand formulas
and torch's FlopCounterMode, frozen/shared parameters, state restored, errors, the table."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import ember
from ember import nn
from ember._summary import summary

torch = pytest.importorskip("torch")
tnn = torch.nn


def _torch_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _cnn(lib):
    return lib.Sequential(
        lib.Conv2d(3, 8, 3, padding=1), lib.BatchNorm2d(8), lib.ReLU(),
        lib.Conv2d(8, 16, 3, stride=2, groups=4, bias=False), lib.ReLU(),
        lib.Flatten(), lib.Linear(16 * 4 * 4, 10))


def _seq_model(lib):
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.emb = lib.Embedding(50, 16)
            self.lstm = lib.LSTM(16, 24, num_layers=2, batch_first=True, bidirectional=True)
            self.att = lib.MultiheadAttention(48, 4, batch_first=True)
            self.enc = lib.TransformerEncoderLayer(48, 4, 64, batch_first=True)
            self.gru = lib.GRU(48, 8, batch_first=True)
            self.norm = lib.LayerNorm(8)
            self.head = lib.Linear(8, 3)

        def forward(self, x):
            h, _ = self.lstm(self.emb(x))
            a, _ = self.att(h, h, h)
            g, _ = self.gru(self.enc(a))
            return self.head(self.norm(g))
    return Net()


@pytest.mark.parametrize("build,size,dtype", [(_cnn, (2, 3, 9, 9), None),
                                              (_seq_model, (2, 7), ember.int64)])
def test_parameter_counts_match_torch_twin(build, size, dtype):
    model, twin = build(nn), build(tnn)
    s = summary(model, size, dtype=dtype, verbose=False)
    assert s.total_params == _torch_params(twin)
    assert s.trainable_params == s.total_params and s.frozen_params == 0
    assert s.param_bytes == 4 * _torch_params(twin)
    paths = [r.path for r in s.rows]
    assert paths[0] == "" and set(paths) == {p for p, _ in model.named_modules()}
    for row in s.rows:
        assert row.params == _torch_params(twin.get_submodule(row.path)), row.path


def _conv_out(n, k, s, p, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize("n,cin,cout,hw,k,stride,pad,groups", [
    (2, 3, 8, (9, 9), (3, 3), 1, 1, 1), (1, 4, 6, (11, 7), (3, 2), 2, 0, 2),
    (3, 6, 6, (8, 8), (5, 5), 1, 2, 6)])
def test_conv2d_macs_hand_formula(n, cin, cout, hw, k, stride, pad, groups):
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=pad, groups=groups)
    s = summary(conv, (n, cin, *hw), verbose=False)
    ho, wo = _conv_out(hw[0], k[0], stride, pad), _conv_out(hw[1], k[1], stride, pad)
    out_elems = n * cout * ho * wo
    assert s.rows[0].output_shape == (n, cout, ho, wo)
    assert s.total_macs == out_elems * (cin // groups) * k[0] * k[1]
    assert s.total_flops == 2 * s.total_macs


@pytest.mark.parametrize("batch_shape,fin,fout", [((4,), 10, 5), ((2, 3), 7, 11)])
def test_linear_macs_hand_formula(batch_shape, fin, fout):
    s = summary(nn.Linear(fin, fout), (*batch_shape, fin), verbose=False)
    assert s.total_macs == int(np.prod(batch_shape)) * fin * fout
    assert s.rows[0].output_shape == (*batch_shape, fout)


def _torch_flops(module, *inputs, train=False):
    from torch.utils.flop_counter import FlopCounterMode
    module.train(train)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(*inputs)
    return counter.get_total_flops()


@pytest.mark.parametrize("make,shapes", [
    (lambda lib: lib.Linear(10, 5), [(3, 10)]),
    (lambda lib: lib.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), [(2, 4, 9, 9)]),
    (lambda lib: lib.ConvTranspose2d(4, 6, 3, stride=2, groups=2), [(2, 4, 5, 5)]),
    (lambda lib: lib.Conv1d(3, 5, 4, dilation=2), [(2, 3, 20)]),
    (lambda lib: lib.GRU(8, 16, num_layers=2), [(5, 3, 8)]),
    (lambda lib: lib.MultiheadAttention(16, 4, batch_first=True),
     [(2, 5, 16), (2, 7, 16), (2, 7, 16)]),
])
def test_flops_match_torch_flop_counter(make, shapes):
    arrays = [np.random.default_rng(0).standard_normal(s).astype(np.float32) for s in shapes]
    expected = _torch_flops(make(tnn), *map(torch.from_numpy, arrays), train=True)
    s = summary(make(nn), input_data=tuple(ember.from_numpy(a) for a in arrays),
                verbose=False)
    assert expected > 0 and s.total_flops == expected


def test_lstm_macs_hand_formula():
    seq, batch, fin, hid = 6, 2, 5, 7
    s = summary(nn.LSTM(fin, hid, num_layers=2, bidirectional=True), (seq, batch, fin),
                verbose=False)
    layer0 = 4 * hid * (fin + hid)
    layer1 = 4 * hid * (2 * hid + hid)
    assert s.total_macs == seq * batch * 2 * (layer0 + layer1)


def test_norm_counts_elementwise_flops_and_no_macs():
    s = summary(nn.BatchNorm2d(3), (2, 3, 4, 4), verbose=False)
    assert (s.total_macs, s.total_flops) == (0, 4 * 2 * 3 * 4 * 4)
    s = summary(nn.LayerNorm(6, bias=False), (5, 6), verbose=False)
    assert (s.total_macs, s.total_flops) == (0, 3 * 5 * 6)


def test_frozen_parameters_reported():
    model, twin = _cnn(nn), _cnn(tnn)
    model[0].requires_grad_(False)
    s = summary(model, (1, 3, 9, 9), verbose=False)
    frozen = _torch_params(twin[0])
    assert s.frozen_params == frozen
    assert s.trainable_params == _torch_params(twin) - frozen
    row = next(r for r in s.rows if r.path == "0")
    assert (row.trainable_params, row.frozen_params) == (0, frozen)


def test_shared_parameters_counted_once():
    def tied(lib):
        m = lib.Sequential(lib.Linear(6, 6), lib.Tanh(), lib.Linear(6, 6))
        m[2].weight = m[0].weight
        return m
    model, twin = tied(nn), tied(tnn)
    s = summary(model, (2, 6), verbose=False)
    assert s.total_params == _torch_params(twin) == 36 + 6 + 6
    assert s.rows[0].params == s.total_params


def test_training_flags_and_hooks_restored_also_on_error():
    model = _cnn(nn)
    model.train()
    model[1].eval()
    seen = []
    user = model[0].register_forward_hook(lambda m, a, o: seen.append(tuple(o.shape)))
    flags = [m.training for m in model.modules()]

    def hook_counts():
        return [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    before = hook_counts()
    summary(model, (1, 3, 9, 9), verbose=False)
    assert [m.training for m in model.modules()] == flags and hook_counts() == before
    assert seen == [(1, 8, 9, 9)]
    with pytest.raises(RuntimeError):  # the type model[0] raises is kept
        summary(model, (1, 5, 9, 9), verbose=False)
    assert [m.training for m in model.modules()] == flags and hook_counts() == before
    user.remove()


def test_forward_error_names_module_path_and_input_shape():
    model = nn.Sequential()
    model.fc1 = nn.Linear(784, 32)
    model.act = nn.ReLU()
    with pytest.raises(Exception) as direct:
        model(ember.zeros(1, 100))
    with pytest.raises(type(direct.value)) as info:
        summary(model, (1, 100), verbose=False)
    message = str(info.value)
    assert message.startswith("summary: forward of Sequential failed at 'fc1'")
    assert "'fc1'" in message and "Linear" in message and "(1, 100)" in message
    assert "Sequential" in message


def test_runs_in_eval_mode_without_grad():
    class Probe(nn.Module):
        def forward(self, x):
            self.state = (self.training, ember.is_grad_enabled())
            return x
    probe = Probe()
    summary(probe, (2, 3), verbose=False)
    assert probe.state == (False, False) and probe.training


def test_rng_state_untouched():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    state = ember.get_rng_state().numpy().copy()
    summary(model, (3, 4), verbose=False)
    assert np.array_equal(ember.get_rng_state().numpy(), state)


def test_activation_and_parameter_memory():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    s = summary(model, (5, 4), verbose=False)
    assert s.rows[1].output_shape == (5, 3)
    assert s.activation_bytes == (5 * 3 + 5 * 3 + 5 * 2) * 8
    assert s.param_bytes == (4 * 3 + 3 + 3 * 2 + 2) * 8
    assert s.batch_size == 5


def test_multiple_inputs_and_keyword_inputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 4), nn.Linear(5, 4)

        def forward(self, x, y):
            return self.a(x) + self.b(y)
    model = Two()
    by_size = summary(model, [(2, 3), (2, 5)], verbose=False)
    assert by_size.input_shapes == [(2, 3), (2, 5)]
    assert by_size.total_macs == 2 * 3 * 4 + 2 * 5 * 4
    x, y = ember.randn(2, 3), ember.randn(2, 5)
    by_kwargs = summary(model, input_data={"x": x, "y": y}, verbose=False)
    assert by_kwargs.total_macs == by_size.total_macs
    with pytest.raises(ValueError, match="exactly one of input_size"):
        summary(model, (2, 3), input_data=x, verbose=False)
    with pytest.raises(ValueError, match="exactly one of input_size"):
        summary(model, verbose=False)


def test_table_lists_every_path_and_totals():
    model, out = _seq_model(nn), io.StringIO()
    s = summary(model, (2, 7), dtype=ember.int64, file=out)
    text = out.getvalue()
    assert text.strip() == str(s).strip()
    for path, module in model.named_modules():
        if path:
            assert path in text and type(module).__name__ in text
    for label in ("Total params", "Trainable params", "Frozen params", "Parameter memory",
                  "forward activations, batch 2", "Total MACs", "Total FLOPs"):
        assert label in text
    shallow = summary(model, (2, 7), dtype=ember.int64, depth=1, verbose=False)
    assert "enc.linear1" not in str(shallow) and "enc.linear1" in {r.path for r in shallow.rows}


def test_to_dict_is_json():
    s = summary(_cnn(nn), (1, 3, 9, 9), verbose=False)
    data = json.loads(json.dumps(s.to_dict()))
    assert data["total_params"] == s.total_params and data["total_macs"] == s.total_macs
    assert [r["path"] for r in data["rows"]] == [r.path for r in s.rows]
    assert data["rows"][1]["output_shape"] == [1, 8, 9, 9]
