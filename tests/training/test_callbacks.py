"""Callbacks in fit: early stopping, NaN stops, interrupts, resume, logs and plots."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.training import Model
from ember.training.callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def net(dropout=0.0):
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(dropout), nn.Linear(8, 2))


def weights(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def test_early_stopping_restores_the_best_weights():
    """A scripted monitored value: best at epoch 1, stop after patience runs out."""
    scores = [3.0, 1.0, 2.0, 4.0, 5.0, 6.0]
    snapshots = []

    def script(epoch, logs):
        logs["score"] = scores[epoch]
        snapshots.append(weights(model.network))

    model = Model(net()).compile("sgd", "cross_entropy", lr=0.5)
    stopper = EarlyStopping(monitor="score", mode="min", patience=1, restore_best_weights=True)
    history = model.fit(*data(), epochs=6, batch_size=8, verbose=0,
                        callbacks=[LambdaCallback(on_epoch_end=script), stopper])
    # Keras's rule: stop once `patience` epochs in a row did not improve
    assert len(history) == 3 and stopper.stopped_epoch == 2 and stopper.best_epoch == 1
    for key, value in weights(model.network).items():
        assert np.array_equal(value, snapshots[1][key])
        assert not np.array_equal(value, snapshots[2][key])


def test_early_stopping_baseline_still_restores_the_best_seen():
    scores = [3.0, 1.0, 2.0, 4.0]
    snapshots = []

    def script(epoch, logs):
        logs["score"] = scores[epoch]
        snapshots.append(weights(model.network))

    model = Model(net()).compile("sgd", "cross_entropy", lr=0.5)
    stopper = EarlyStopping(monitor="score", patience=2, baseline=0.5,
                            restore_best_weights=True)
    history = model.fit(*data(), epochs=4, batch_size=8, verbose=0,
                        callbacks=[LambdaCallback(on_epoch_end=script), stopper])
    assert len(history) == 2  # never beat the baseline: two epochs of patience
    for key, value in weights(model.network).items():
        assert np.array_equal(value, snapshots[1][key])


def test_epoch_scheduler_callback_resumes_whatever_the_callback_order(tmp_path):
    def run(epochs, resume=None):
        model = Model(net()).compile("sgd", "cross_entropy", lr=1.0)
        start = model.load_checkpoint(resume) if resume else 0
        step = ember.optim.lr_scheduler.StepLR(model.optimizer, 1, 0.5)
        model.fit(*data(), epochs=epochs, batch_size=16, initial_epoch=start, verbose=0,
                  callbacks=[ModelCheckpoint(tmp_path / "c.safetensors", monitor="loss"),
                             LearningRateScheduler(step)])
        return model.history.history["lr"]

    straight = run(4)
    run(2)
    assert run(4, resume=tmp_path / "c.safetensors") == straight == [1, 0.5, 0.25, 0.125]


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    calls = {"n": 0}

    def loss(output, target):
        calls["n"] += 1
        value = nn.functional.cross_entropy(output, target)
        return value * math.nan if calls["n"] == 6 * 2 + 3 else value  # epoch 2, batch 2

    path = tmp_path / "last.safetensors"
    model = Model(net()).compile("sgd", loss)
    history = model.fit(*data(), epochs=5, batch_size=8, verbose=0,
                        callbacks=[TerminateOnNaN(), ModelCheckpoint(path, monitor="loss")])
    assert len(history) == 2
    assert "epoch 2, batch 2" in history.stop_reason
    saved = Model(net()).compile("sgd", "cross_entropy")
    assert saved.load_checkpoint(path) == 2
    assert all(np.isfinite(v).all() for v in weights(saved.network).values())


def test_keyboard_interrupt_leaves_a_valid_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"

    def interrupt(batch, logs):
        if model.global_step == 14:
            raise KeyboardInterrupt

    model = Model(net()).compile("adam", "cross_entropy")
    with pytest.raises(KeyboardInterrupt):
        model.fit(*data(), epochs=5, batch_size=8, verbose=0,
                  callbacks=[ModelCheckpoint(path, monitor="loss"),
                             LambdaCallback(on_train_batch_end=interrupt)])
    restored = Model(net()).compile("adam", "cross_entropy")
    assert restored.load_checkpoint(path) == 2
    assert restored.global_step == 12


def train(epochs, tmp_path, resume_from=None, checkpoint=None):
    ember.manual_seed(7)
    module = net(dropout=0.3)
    opt = ember.optim.Adam(module.parameters(), lr=1e-2)
    model = Model(module).compile(opt, "cross_entropy", ["accuracy"],
                                  scheduler=ember.optim.lr_scheduler.StepLR(opt, 1, 0.7))
    initial = model.load_checkpoint(resume_from) if resume_from else 0
    per_step = ember.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.8)
    callbacks = [LearningRateScheduler(per_step, interval="step")]
    if checkpoint:
        callbacks.append(ModelCheckpoint(checkpoint, monitor="loss"))
    model.fit(*data(), epochs=epochs, batch_size=8, initial_epoch=initial, verbose=0,
              callbacks=callbacks)
    return model


def test_resume_is_bit_for_bit(tmp_path):
    straight = train(4, tmp_path)
    ckpt = tmp_path / "two.safetensors"
    train(2, tmp_path, checkpoint=ckpt)
    ember.manual_seed(123)  # the checkpoint's RNG states must win over this
    resumed = train(4, tmp_path, resume_from=ckpt)
    for key, value in weights(straight.network).items():
        assert np.array_equal(value, weights(resumed.network)[key]), key
    assert straight.history.history == resumed.history.history
    assert resumed.history.epoch == [0, 1, 2, 3]


def test_checkpoint_options(tmp_path):
    losses = [0.9, 0.5, 0.7, 0.4, 0.45, 0.3]
    model = Model(net()).compile("sgd", "cross_entropy")
    pattern = str(tmp_path / "ep{epoch:02d}.safetensors")
    best = tmp_path / "best.safetensors"
    script = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=losses[e]))
    model.fit(*data(), epochs=6, batch_size=16, verbose=0, callbacks=[
        script,
        ModelCheckpoint(pattern, monitor="score", every_n_epochs=2),
        ModelCheckpoint(best, monitor="score", mode="min", save_best_only=True,
                        save_weights_only=True),
    ])
    assert sorted(p.name for p in tmp_path.glob("ep*")) == ["ep02.safetensors",
                                                            "ep04.safetensors",
                                                            "ep06.safetensors"]
    assert set(ember.load(best)) == set(model.network.state_dict())
    for key, value in ember.load(best).items():
        assert np.array_equal(value.numpy(), model.network.state_dict()[key].numpy())


def test_csv_logger_and_plot(tmp_path):
    model = Model(net()).compile("adam", "cross_entropy", ["accuracy"])
    history = model.fit(*data(), epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[CSVLogger(tmp_path / "log.csv")])
    with open(tmp_path / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert [float(r["val_accuracy"]) for r in rows] == history.history["val_accuracy"]
    png = history.plot(tmp_path / "curves.png")
    from PIL import Image
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1] > 100


def test_reduce_lr_on_plateau_and_schedules():
    flat = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(val_loss=1.0))
    model = Model(net()).compile("sgd", "cross_entropy", lr=0.1)
    history = model.fit(*data(), epochs=5, batch_size=16, verbose=0, callbacks=[
        flat, ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)])
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])

    model = Model(net()).compile("sgd", "cross_entropy", lr=0.1)
    step = ember.optim.lr_scheduler.StepLR(model.optimizer, step_size=1, gamma=0.5)
    history = model.fit(*data(), epochs=3, batch_size=16, verbose=0,
                        callbacks=[LearningRateScheduler(step)])
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.025])

    model = Model(net()).compile("sgd", "cross_entropy", lr=0.1)
    history = model.fit(*data(), epochs=3, batch_size=16, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_tensorboard_callback_writes_readable_events(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    model = Model(net()).compile("adam", "cross_entropy", ["accuracy"])
    history = model.fit(*data(), epochs=2, batch_size=16, verbose=0,
                        callbacks=[TensorBoard(tmp_path, histogram_freq=1)])
    events = EventAccumulator(str(tmp_path), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    loss = [e.value for e in events.Scalars("epoch_loss")]
    assert loss == pytest.approx(history.history["loss"], rel=1e-6)
    assert [e.step for e in events.Scalars("epoch_accuracy")] == [0, 1]
    assert "0.weight" in events.Tags()["histograms"]
    assert events.Graph() is not None


def test_resume_keeps_early_stopping_state_whatever_the_callback_order(tmp_path):
    scores = [5.0, 4.0, 4.5, 4.6, 3.0, 3.1, 3.2, 3.3]
    path = tmp_path / "es.safetensors"

    def run(epochs, resume=False):
        model = Model(net()).compile("sgd", "cross_entropy")
        start = model.load_checkpoint(path) if resume else 0
        script = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(score=scores[e]))
        stopper = EarlyStopping(monitor="score", patience=2)
        model.fit(*data(), epochs=epochs, batch_size=16, initial_epoch=start, verbose=0,
                  callbacks=[script, ModelCheckpoint(path, monitor="score"), stopper])
        return model.history.epoch, stopper.stopped_epoch

    assert run(8) == ([0, 1, 2, 3], 3)
    run(3)
    assert run(8, resume=True) == ([0, 1, 2, 3], 3)
