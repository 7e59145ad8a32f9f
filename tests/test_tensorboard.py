"""ember.tensorboard.SummaryWriter: event files read back with TensorBoard's own reader."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import ember
from ember import nn

pytest.importorskip("tensorboard")
from tensorboard.backend import process_graph  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)

from ember.tensorboard import SummaryWriter  # noqa: E402


def _read(path) -> EventAccumulator:
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0,
                                                     "tensors": 0})
    acc.Reload()
    return acc


def test_scalars_from_tensors_arrays_and_numbers(tmp_path):
    values = [ember.tensor(0.5), np.float32(0.25), np.array([0.125]), 2, 3.5]
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("train/loss", value, step * 10)
        writer.add_scalar("lr", 0.1, 7, walltime=1234.5)
    acc = _read(tmp_path)
    events = acc.Scalars("train/loss")
    assert [e.step for e in events] == [0, 10, 20, 30, 40]
    np.testing.assert_allclose([e.value for e in events], [0.5, 0.25, 0.125, 2.0, 3.5])
    (lr,) = acc.Scalars("lr")
    assert (lr.step, lr.wall_time) == (7, 1234.5)
    assert lr.value == pytest.approx(0.1)


def test_scalar_needs_one_number(tmp_path):
    with SummaryWriter(tmp_path) as writer, pytest.raises(ValueError, match="'acc'"):
        writer.add_scalar("acc", np.ones(3), 0)


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalars("loss", {"train": 1.0 / (step + 1), "val": 2.0 * step}, step)
    train = _read(tmp_path / "loss_train").Scalars("loss")
    val = _read(tmp_path / "loss_val").Scalars("loss")
    np.testing.assert_allclose([e.value for e in train], [1.0, 0.5, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val], [0.0, 2.0, 4.0])
    assert [e.step for e in val] == [0, 1, 2]


def _check_histogram_stats(h, data):
    data = np.asarray(data, dtype=np.float64).reshape(-1)
    assert h.num == data.size and sum(h.bucket) == data.size
    assert h.min == pytest.approx(data.min()) and h.max == pytest.approx(data.max())
    assert h.sum == pytest.approx(data.sum())
    assert h.sum_squares == pytest.approx(np.sum(data ** 2))
    assert list(h.bucket_limit) == sorted(h.bucket_limit)


def test_histograms_match_numpy(tmp_path):
    rng = np.random.default_rng(0)
    normal = rng.standard_normal((40, 25))
    weights = ember.from_numpy(rng.uniform(-3, 5, 500).astype(np.float32))
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("normal", normal, 3)
        writer.add_histogram("weights", weights, 4, bins=8)
    acc = _read(tmp_path)
    (normal_event,) = acc.Histograms("normal")
    assert normal_event.step == 3
    _check_histogram_stats(normal_event.histogram_value, normal)

    (weights_event,) = acc.Histograms("weights")
    h, data = weights_event.histogram_value, weights.numpy().astype(np.float64)
    _check_histogram_stats(h, data)
    counts, edges = np.histogram(data, bins=8)
    assert list(h.bucket) == [0.0] + counts.tolist()
    np.testing.assert_allclose(h.bucket_limit, edges)


def test_tensorflow_bins_cover_every_value(tmp_path):
    data = np.array([-2.0, -1e-3, 0.0, 0.0, 1e-6, 4.0, 4.0, 4.0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("h", data, 0)
    h = _read(tmp_path).Histograms("h")[0].histogram_value
    _check_histogram_stats(h, data)
    limits, counts = np.array(h.bucket_limit), np.array(h.bucket)
    assert counts[0] == 0 and limits[0] <= data.min() and limits[-1] >= data.max()
    for value in (-2.0, 4.0):  # each value lies in the bucket whose right edge follows it
        i = int(np.searchsorted(limits, value, side="right"))
        assert counts[min(i, len(counts) - 1)] > 0


def test_histogram_rejects_empty_and_nan(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="empty"):
            writer.add_histogram("h", np.array([]), 0)
        with pytest.raises(ValueError, match="NaN"):
            writer.add_histogram("h", np.array([1.0, np.nan]), 0)


def test_text(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "lr **0.1**, batch 32", 5)
    acc = _read(tmp_path)
    (event,) = acc.Tensors("notes/text_summary")
    assert event.step == 5
    assert event.tensor_proto.string_val == [b"lr **0.1**, batch 32"]
    assert acc.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def _net():
    net = nn.Sequential()
    net.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    net.flat = nn.Flatten()
    net.fc = nn.Linear(4 * 6 * 6, 3)
    return net


def _attr_shapes(node):
    return [tuple(d.size for d in s.dim) for s in node.attr["_output_shapes"].list.shape]


def test_graph_read_back(tmp_path):
    net = _net()
    net.train()
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(net, ember.randn(2, 1, 8, 8))
    graph = _read(tmp_path).Graph()
    nodes = {n.name: n for n in graph.node}
    assert list(nodes) == ["input/0", "features/0", "features/1", "flat", "fc", "output/0"]
    assert [nodes[k].op for k in ("features/0", "features/1", "flat", "fc")] == \
        ["Conv2d", "ReLU", "Flatten", "Linear"]
    assert list(nodes["features/0"].input) == ["input/0"]
    assert list(nodes["fc"].input) == ["flat"] and list(nodes["output/0"].input) == ["fc"]
    assert _attr_shapes(nodes["features/0"]) == [(2, 4, 6, 6)]  # (8 - 3 + 1) = 6
    assert _attr_shapes(nodes["fc"]) == [(2, 3)]
    weight = nodes["fc"].attr["param/weight"].shape
    assert [d.size for d in weight.dim] == [3, 144]
    assert all(m.training for m in net.modules())
    process_graph.prepare_graph_for_ui(graph)  # what TensorBoard's graph plugin runs


def test_graph_follows_tensors_and_repeated_calls(tmp_path):
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(5, 5), nn.Linear(5, 5)

        def forward(self, x):
            h = self.a(x)
            return self.b(h) + self.a(x)   # `a` twice; the sum is made outside a module
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Residual(), (ember.randn(3, 5),))
    nodes = {n.name: n for n in _read(tmp_path).Graph().node}
    assert [n for n in nodes if not n.startswith(("input", "output"))] == ["a", "b", "a_1"]
    assert list(nodes["b"].input) == ["a"] and list(nodes["a_1"].input) == ["input/0"]
    assert list(nodes["output/0"].input) == ["a_1"]  # the last call before the output


def test_default_log_dir_and_reopen_after_close(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_exp")
    assert os.path.dirname(writer.log_dir) == "runs" and writer.log_dir.endswith("_exp")
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.add_scalar("x", 2.0, 1)  # a new event file in the same folder
    writer.flush()
    writer.close()
    assert len(os.listdir(writer.log_dir)) == 2
    assert [e.value for e in _read(writer.log_dir).Scalars("x")] == [1.0, 2.0]


def test_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r'pip install "ember\[tensorboard\]"'):
        SummaryWriter(tmp_path)
