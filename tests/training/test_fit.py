"""Model.compile/fit/evaluate/predict: results checked against PyTorch loops and by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from ember.training import Model
from ember.training.callbacks import Callback, LambdaCallback


def blobs(n=96, d=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(classes, d))
    y = rng.integers(0, classes, n)
    x = centers[y] + rng.normal(size=(n, d))
    return x.astype(np.float32), y.astype(np.int64)


def mlp(d=4, classes=3, hidden=16):
    return nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def torch_twin(module):
    twin = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        for (_, p), (_, q) in zip(module.named_parameters(), twin.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    return twin


def test_fit_reduces_loss_and_reports_metrics():
    ember.manual_seed(0)
    x, y = blobs()
    model = Model(mlp()).compile("adam", "cross_entropy", ["accuracy"], lr=1e-2)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.epoch == list(range(8))
    assert set(history.history) == {"loss", "accuracy", "lr"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    logs = model.evaluate(x, y, batch_size=7)
    assert logs["accuracy"] > 0.9
    predicted = model.predict(x, batch_size=10)
    assert predicted.shape == (96, 3) and not predicted.requires_grad
    accuracy = float((predicted.numpy().argmax(1) == y).mean())
    assert logs["accuracy"] == pytest.approx(accuracy)
    assert model.network.training  # predict/evaluate restore the mode


@pytest.mark.parametrize("options", [
    {},
    {"clip_grad_norm": 0.05},
    {"accumulate_grad_batches": 2},
    {"class_weight": {0: 2.0, 1: 0.5, 2: 1.0}},
])
def test_fit_matches_a_pytorch_loop(options):
    """fit with SGD(momentum) over unshuffled batches equals the same PyTorch loop."""
    ember.manual_seed(1)
    x, y = blobs(n=40)
    net = mlp()
    twin = torch_twin(net)
    model = Model(net).compile(ember.optim.SGD(net.parameters(), lr=0.1, momentum=0.9),
                               "cross_entropy")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, **options)

    opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    accumulate = options.get("accumulate_grad_batches", 1)
    weights = options.get("class_weight")
    for _ in range(2):
        for i, start in enumerate(range(0, 40, 8)):
            xb, yb = torch.from_numpy(x[start:start + 8]), torch.from_numpy(y[start:start + 8])
            out = twin(xb)
            if weights:
                w = torch.tensor([weights[k] for k in range(3)])
                loss = (torch.nn.functional.cross_entropy(out, yb, reduction="none") * w[yb]).mean()
            else:
                loss = torch.nn.functional.cross_entropy(out, yb)
            (loss / accumulate).backward()
            if (i + 1) % accumulate == 0 or i == 4:
                if "clip_grad_norm" in options:
                    torch.nn.utils.clip_grad_norm_(twin.parameters(), options["clip_grad_norm"])
                opt.step()
                opt.zero_grad()
    for (name, p), (_, q) in zip(net.named_parameters(), twin.named_parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args: calls.append(
                (name, args[0]) if args and isinstance(args[0], int) else name)
        return object.__getattribute__(self, name)


def test_callbacks_fire_in_documented_order():
    x, y = blobs(n=12)
    model = Model(mlp()).compile("sgd", "cross_entropy")
    rec = Recorder()
    model.fit(x, y, epochs=2, batch_size=6, validation_data=(x[:6], y[:6]), callbacks=[rec],
              verbose=0)
    epoch = ["on_train_batch_begin", "on_train_batch_end"]
    expected = ["on_train_begin"]
    for e in range(2):
        expected += [("on_epoch_begin", e),
                     ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
                     ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
                     "on_test_begin", ("on_test_batch_end", 0), "on_test_end",
                     ("on_epoch_end", e)]
    expected.append("on_train_end")
    assert epoch  # the per-batch hooks are part of the expectation above
    assert rec.calls == expected


def test_epoch_logs_seen_by_callbacks_are_in_history():
    x, y = blobs(n=30)
    seen = []
    model = Model(mlp()).compile("adam", "cross_entropy", ["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=10, validation_split=0.2, verbose=0,
                        callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: seen.append(
                            dict(logs)))])
    assert set(seen[0]) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert [s["val_loss"] for s in seen] == history.history["val_loss"]


def test_validation_split_takes_the_last_samples():
    x, y = blobs(n=50)
    model = Model(mlp()).compile("sgd", "cross_entropy")
    history = model.fit(x, y, epochs=1, batch_size=50, validation_split=0.2, verbose=0)
    expected = model.evaluate(x[40:], y[40:])["loss"]
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


def test_bad_data_raises_before_any_step():
    x, y = blobs(n=20)
    net = mlp()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    model = Model(net).compile("sgd", "cross_entropy")
    rec = Recorder()
    with pytest.raises(ValueError, match="x has 20, y has 19"):
        model.fit(x, y[:19], callbacks=[rec], verbose=0)
    with pytest.raises(ValueError, match="empty"):
        model.fit(x[:0], y[:0], callbacks=[rec], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    assert rec.calls == []
    for k, v in net.state_dict().items():
        assert np.array_equal(v.numpy(), before[k].numpy())


def test_compile_names_and_suggestions():
    model = Model(mlp())
    with pytest.raises(ValueError, match="unknown optimizer 'adma'.*'adam'.*sgd"):
        model.compile("adma")
    with pytest.raises(ValueError, match="unknown loss 'cross_entropi'.*'cross_entropy'"):
        model.compile("adam", "cross_entropi")
    with pytest.raises(ValueError, match="accuracy"):
        model.compile("adam", "mse", ["acuracy"])
    with pytest.raises(RuntimeError, match="compile"):
        Model(mlp()).fit(*blobs(), verbose=0)
    model.compile("sgd", "mse", lr=0.5)
    assert model.optimizer.param_groups[0]["lr"] == 0.5


def test_steps_per_epoch_and_dataset_inputs():
    x, y = blobs(n=20)
    dataset = ember.data.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    model = Model(mlp()).compile("sgd", "cross_entropy")
    model.fit(dataset, epochs=2, batch_size=8, steps_per_epoch=5, verbose=0)
    assert model.global_step == 10  # 5 steps an epoch, the data restarts after 3
    loader = ember.data.DataLoader(dataset, batch_size=5)
    model.fit(loader, epochs=1, verbose=0)
    assert model.global_step == 14
    assert model.predict(dataset).shape == (20, 3)  # targets in a Dataset are ignored


def test_subclassed_model():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x)

    x, y = blobs(n=20)
    net = Net().compile("sgd", "cross_entropy")
    net.fit(x, y, epochs=1, verbose=0)
    assert net.network is net and "fc.weight" in net.state_dict()


def test_progress_lines_when_not_a_terminal(capsys):
    x, y = blobs(n=20)
    Model(mlp()).compile("sgd", "cross_entropy", ["accuracy"]).fit(x, y, epochs=2,
                                                                   batch_size=10)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2 - 2 steps - loss ") and "accuracy" in lines[0]


def test_binary_classification_with_logits_loss():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)[:, None]
    model = Model(nn.Linear(4, 1)).compile("adam", "bce_with_logits", ["accuracy", "auroc"],
                                           lr=0.05)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9 and history.history["auroc"][-1] > 0.95
    from sklearn.metrics import roc_auc_score
    scores = model.predict(x).numpy()[:, 0]
    assert model.evaluate(x, y)["auroc"] == pytest.approx(roc_auc_score(y[:, 0], scores))


def test_steps_per_epoch_continues_through_the_data():
    class Stream(ember.data.IterableDataset):
        def __iter__(self):
            for i in range(6):
                yield ember.full((4,), float(i)), ember.tensor(i % 3)

    firsts = []
    model = Model(mlp()).compile("sgd", "cross_entropy")
    model.fit(Stream(), epochs=3, batch_size=2, steps_per_epoch=2, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_begin=lambda b, logs: firsts.append(
                  float(model.last_inputs[0][0, 0])))])
    assert firsts == [0.0, 2.0, 4.0, 0.0, 2.0, 4.0]


def test_pointwise_loss_aligns_a_flat_target():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x.sum(1)                                   # (N,) against an (N, 1) output
    ember.manual_seed(0)
    model = Model(nn.Linear(4, 1)).compile("adam", "mse", ["mae"], lr=0.1)
    history = model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    assert model.evaluate(x, y)["loss"] == pytest.approx(
        float(((model.predict(x).numpy()[:, 0] - y) ** 2).mean()), rel=1e-5)


def test_one_hot_targets_work_with_metrics_and_class_weight():
    x, y = blobs(n=30)
    one_hot = np.eye(3, dtype=np.float32)[y]
    model = Model(mlp()).compile("adam", "cross_entropy", ["accuracy"])
    history = model.fit(x, one_hot, epochs=2, batch_size=10, verbose=0,
                        class_weight={0: 1.0, 1: 2.0, 2: 1.0})
    assert 0.0 <= history.history["accuracy"][-1] <= 1.0
    with pytest.raises(ValueError, match="whole-number"):
        binary = Model(nn.Linear(4, 1)).compile("sgd", "bce_with_logits")
        binary.fit(x, ((y > 0) * 0.9).astype(np.float32), verbose=0, class_weight={0: 1.0})


def test_loss_modules_and_binary_metrics():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)[:, None]
    model = Model(nn.Linear(4, 1)).compile("adam", nn.BCEWithLogitsLoss(), ["accuracy"])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert model.metrics[0].task == "binary"


def test_clear_errors_for_common_mistakes():
    x, y = blobs(n=10)
    other = mlp()
    with pytest.raises(ValueError, match="not parameters of this model"):
        Model(mlp()).compile(ember.optim.SGD(other.parameters(), lr=0.1))
    model = Model(mlp()).compile("sgd", "cross_entropy", ["accuracy"])
    loader = ember.data.DataLoader(ember.data.TensorDataset(ember.from_numpy(x),
                                                            ember.from_numpy(y)),
                                   batch_size=16, drop_last=True)
    with pytest.raises(ValueError, match="yields no batch"):
        model.fit(loader, verbose=0)
    with pytest.raises(ValueError, match="inputs only"):
        model.fit(ember.data.TensorDataset(ember.from_numpy(x)), verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(x, y, epochs=-1, verbose=0)
    model.fit(x, y, epochs=np.int64(1), batch_size=np.int64(5), verbose=0)

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x), self.fc(x)

    two = Model(TwoHeads()).compile("sgd", lambda out, t: nn.functional.cross_entropy(out[0], t),
                                    ["accuracy"])
    with pytest.raises(TypeError, match="one Tensor"):
        two.fit(x, y, verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        Model(mlp()).load_checkpoint("missing.safetensors")


def test_fit_restores_the_mode_and_closes_callbacks_on_errors(tmp_path):
    from ember.training.callbacks import CSVLogger

    x, y = blobs(n=10)
    net = mlp().eval()
    model = Model(net).compile("sgd", "cross_entropy")
    model.fit(x, y, verbose=0)
    assert not net.training
    logger = CSVLogger(tmp_path / "log.csv")

    class Broken(Callback):
        def on_train_begin(self, logs=None):
            raise RuntimeError("broken callback")

    with pytest.raises(RuntimeError, match="broken callback"):
        model.fit(x, y, verbose=0, callbacks=[logger, Broken()])
    assert logger._file is None and not net.training


def test_keras_style_schedule_functions():
    from ember.training.callbacks import LearningRateScheduler

    x, y = blobs(n=10)
    model = Model(mlp()).compile("sgd", "cross_entropy")
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch: 0.1 * (epoch + 1))])
    assert history.history["lr"] == pytest.approx([0.1, 0.2])
