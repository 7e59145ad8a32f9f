"""The ``ember`` command end to end on tiny configs: train writes a complete run folder,
evaluate/predict/resume use it, and bad configs give one-paragraph errors (exit 2) without
touching any run folder. Expected values are computed independently of the CLI: the
checkpoint is loaded into a model built here and run on data normalised here."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.cli import main
from ember.training.checkpoint import load_checkpoint

try:
    import tomllib
except ImportError:  # Python 3.10: the "train" extra installs tomli
    import tomli as tomllib

pytest.importorskip("sklearn")

TINY = """\
seed = 3
[data]
dataset = "digits"
max_train_samples = 200
max_test_samples = 100
validation_split = 0.2
[model]
layers = [
  { type = "Flatten" },
  { type = "Linear", in_features = 64, out_features = 16 },
  { type = "ReLU" },
  { type = "Dropout", p = 0.1 },
  { type = "Linear", in_features = 16, out_features = 10 },
]
[train]
epochs = 2
batch_size = 32
optimizer = { type = "adam", lr = 0.01 }
scheduler = "none"
"""


def _tiny_net() -> ember.nn.Module:
    n = ember.nn
    return n.Sequential(n.Flatten(), n.Linear(64, 16), n.ReLU(), n.Dropout(0.1),
                        n.Linear(16, 10))


def _write(folder: Path, text: str, name: str = "config.toml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def _train(tmp: Path, text: str = TINY, *extra: str, name: str = "run") -> tuple[int, Path]:
    cfg = _write(tmp, text)
    rc = main(["train", cfg, "--output", str(tmp / "runs"), "--name", name, "-q", *extra])
    return rc, tmp / "runs" / name


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    rc, folder = _train(tmp)
    assert rc == 0
    return folder


def _reference_logits(folder: Path, x: np.ndarray, checkpoint: str = "last.ckpt") -> np.ndarray:
    """Logits of the run's checkpoint on raw digits pixels, computed without the CLI."""
    cfg = tomllib.loads((folder / "config.resolved.toml").read_text())
    mean, std = cfg["data"]["mean"][0], cfg["data"]["std"][0]
    net = _tiny_net()
    load_checkpoint(folder / checkpoint, model=net, restore_rng=False)
    net.eval()
    with ember.no_grad():
        return net(ember.from_numpy(((x - mean) / std).astype(np.float32))).numpy()


def _test_digits(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    from ember.data.datasets import Digits
    test = Digits(train=False)
    return test.data[:n], test.targets[:n]


# ---------------------------------------------------------------------- train
def test_train_writes_a_complete_run_folder(run):
    names = {p.name for p in run.iterdir()}
    assert {"config.resolved.toml", "summary.txt", "last.ckpt", "best.ckpt", "metrics.csv",
            "metrics.json", "curves.png"} <= names
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["epoch"] == [0, 1]
    assert set(metrics["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    with open(run / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    for key in ("loss", "val_accuracy"):
        assert [float(r[key]) for r in rows] == pytest.approx(metrics["history"][key])
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Linear" in (run / "summary.txt").read_text()


def test_train_test_accuracy_matches_an_independent_evaluation(run):
    x, y = _test_digits()
    accuracy = float((_reference_logits(run, x).argmax(1) == y).mean())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] == pytest.approx(accuracy, abs=1e-12)


def test_resolved_config_records_the_training_statistics(run):
    from ember.data.datasets import Digits
    cfg = tomllib.loads((run / "config.resolved.toml").read_text())
    assert cfg["model"]["input_shape"] == [1, 8, 8]
    assert cfg["output"]["name"] == "run" and cfg["train"]["epochs"] == 2
    # the statistics come from training samples only: within the range of per-subset means
    pixels = Digits(train=True).data
    assert abs(cfg["data"]["mean"][0] - pixels.mean()) < 0.02
    assert abs(cfg["data"]["std"][0] - pixels.std()) < 0.02


def test_train_prints_progress_and_final_accuracy(tmp_path, capsys):
    cfg = _write(tmp_path, TINY)
    assert main(["train", cfg, "--output", str(tmp_path), "--name", "r", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/1" in out and "final test accuracy:" in out and str(tmp_path / "r") in out


def test_default_name_is_unique(tmp_path):
    cfg = _write(tmp_path, TINY)
    for _ in range(2):
        assert main(["train", cfg, "--output", str(tmp_path / "runs"), "--epochs", "1",
                     "-q"]) == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2


# ---------------------------------------------------------------------- evaluate / predict
def test_evaluate_reports_the_checkpoint_metrics(run, capsys):
    assert main(["evaluate", str(run), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    x, y = _test_digits()
    assert result["accuracy"] == pytest.approx(float((_reference_logits(run, x).argmax(1) == y)
                                                     .mean()), abs=1e-12)
    assert main(["evaluate", str(run), "--checkpoint", "best"]) == 0
    assert "best.ckpt on 100 test samples" in capsys.readouterr().out


def test_predict_npy_batch_and_single_sample(run, tmp_path, capsys):
    x, _ = _test_digits(5)
    expected = _reference_logits(run, x)
    np.save(tmp_path / "batch.npy", x)
    assert main(["predict", str(run), "--input", str(tmp_path / "batch.npy"), "--json",
                 "--top-k", "2", "--output", str(tmp_path / "out.npy")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["top"][0]["class"] for r in rows] == expected.argmax(1).tolist()
    assert all(r["top"][0]["probability"] >= r["top"][1]["probability"] for r in rows)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-5, atol=1e-6)
    np.save(tmp_path / "one.npy", x[2, 0])  # 8 x 8, no batch or channel axis
    assert main(["predict", str(run), "--input", str(tmp_path / "one.npy")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"0: {expected[2].argmax()} (")


def test_predict_image(run, tmp_path, capsys):
    from PIL import Image
    x, _ = _test_digits(1)
    pixels = np.round(x[0, 0] * 255).astype(np.uint8)
    Image.fromarray(pixels, mode="L").save(tmp_path / "digit.png")
    assert main(["predict", str(run), "--input", str(tmp_path / "digit.png"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = _reference_logits(run, (pixels / 255.0).astype(np.float32)[None, None])
    assert len(rows) == 1 and rows[0]["top"][0]["class"] == int(expected.argmax())


def test_predict_rejects_a_wrong_shape(run, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.zeros((3, 5), np.float32))
    assert main(["predict", str(run), "--input", str(tmp_path / "bad.npy")]) == 2
    assert "shape [3, 5]" in capsys.readouterr().err


# ---------------------------------------------------------------------- resume
RESUMABLE = TINY.replace('scheduler = "none"', 'scheduler = "none"\nmetrics = ["accuracy"]')


def test_resume_continues_bit_for_bit(tmp_path):
    rc, straight = _train(tmp_path, RESUMABLE, "--epochs", "3", name="straight")
    assert rc == 0
    rc, split = _train(tmp_path, RESUMABLE, "--epochs", "2", name="split")
    assert rc == 0
    assert main(["resume", str(split), "--epochs", "3", "-q"]) == 0
    a, b = _tiny_net(), _tiny_net()
    load_checkpoint(straight / "last.ckpt", model=a, restore_rng=False)
    load_checkpoint(split / "last.ckpt", model=b, restore_rng=False)
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy(), err_msg=name)
    metrics = json.loads((split / "metrics.json").read_text())
    assert metrics["epoch"] == [0, 1, 2] and metrics["status"] == "finished"
    with open(split / "metrics.csv", newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [0, 1, 2]
    assert tomllib.loads((split / "config.resolved.toml").read_text())["train"]["epochs"] == 3


def test_resume_of_a_finished_run_does_nothing(run, capsys):
    before = (run / "last.ckpt").read_bytes()
    assert main(["resume", str(run)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert (run / "last.ckpt").read_bytes() == before


# ---------------------------------------------------------------------- bad configs
BAD = [
    ("[train]\nepoch = 3\n", ["unknown key [train] 'epoch'", "Did you mean 'epochs'?"]),
    ("[trian]\nepochs = 3\n", ["unknown key 'trian'", "Did you mean 'train'?"]),
    ('[train]\nepochs = "ten"\n', ["[train] epochs must be an integer >= 1",
                                   "'ten' (a string)"]),
    ("[train]\nbatch_size = 0\n", ["[train] batch_size must be an integer >= 1, got 0"]),
    ("[data]\nvalidation_split = 1.5\n", ["[data] validation_split must be a number in [0, 1)"]),
    ('[data]\ndataset = "mnsit"\nroot = "x"\n', ["[data] dataset must be one of",
                                                   "Did you mean 'mnist'?"]),
    ('[data]\ndataset = "npz"\ntrain = "missing.npz"\n', ["file not found", "missing.npz"]),
    ('[model]\nlayers = [{ type = "Linaer", in_features = 64, out_features = 10 }]\n',
     ["[model] layers[0]: unknown layer 'Linaer'", "Did you mean 'Linear'?"]),
    ('[model]\nlayers = [{ type = "Conv2d", in_channels = 1, out_channel = 4, '
     'kernel_size = 3 }]\n', ["Conv2d has no option 'out_channel'",
                              "Did you mean 'out_channels'?"]),
    ('[model]\nlayers = [{ type = "Linear", in_features = "64", out_features = 10 }]\n',
     ["Linear option in_features must be int", "'64' (a string)"]),
    ('[model]\nlayers = [{ type = "Flatten" }, { type = "Linear", in_features = 60, '
     'out_features = 10 }]\n', ["config.toml: [model] layers[1] (Linear): expected input",
                                 "samples have shape [1, 8, 8]"]),
    ('[train]\noptimizer = { type = "adam", lrr = 0.1 }\n', ["Adam has no option 'lrr'",
                                                             "Did you mean 'lr'?"]),
    ('[train]\nscheduler = { type = "step" }\n', ["StepLR needs 'step_size'"]),
    ('[train]\nloss = "crossentropy"\n', ["unknown loss 'crossentropy'",
                                         "Did you mean 'cross_entropy'?"]),
    ('[train]\nmetrics = ["acuracy"]\n', ["Did you mean 'accuracy'?"]),
    ('[train]\ncallbacks = [{ type = "early_stoping" }]\n',
     ["unknown callback 'early_stoping'", "Did you mean 'early_stopping'?"]),
    ('[data]\nroot = "somewhere"\n', ["[data] root is not used by dataset = 'digits'"]),
    ("[train\nepochs = 3\n", ["could not parse config.toml"]),
]


@pytest.mark.parametrize("text, expected", BAD, ids=[e[0] for _, e in BAD])
def test_bad_config_gives_a_one_paragraph_error(tmp_path, capsys, text, expected):
    rc, folder = _train(tmp_path, text)
    captured = capsys.readouterr()
    assert rc == 2
    err = captured.err
    assert err.startswith("ember: error: ") and err.count("\n") == 1, err
    for part in expected:
        assert part in err
    assert "Traceback" not in err and not folder.exists() and not (tmp_path / "runs").exists()


def test_missing_config_file(tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err.startswith("ember: error: config file not found:")


def test_bad_override(tmp_path, capsys):
    assert main(["summary", "--set", "train.epochs=-1"]) == 2
    assert "[train] epochs must be an integer >= 1, got -1" in capsys.readouterr().err


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("text", [
    TINY.replace("epochs = 2", "epochs = 0"),
    TINY.replace("in_features = 16", "in_features = 17"),  # found by the forward check
    TINY,  # a good config must not reuse an existing run folder either
])
def test_nothing_is_written_to_an_existing_run_folder(run, capsys, text):
    before = _snapshot(run)
    cfg = _write(run.parent, text, name="other.toml")
    try:
        rc = main(["train", cfg, "--output", str(run.parent), "--name", run.name, "-q"])
    finally:
        os.remove(cfg)
    assert rc == 2 and capsys.readouterr().err.startswith("ember: error:")
    assert _snapshot(run) == before


# ---------------------------------------------------------------------- help / summary
def test_help_lists_subcommands_and_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "predict", "summary", "resume"):
        assert command in out and f"ember {command} " in out
    assert "examples:" in out


def test_summary_counts_parameters_like_pytorch(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    n = torch.nn
    reference = n.Sequential(
        n.Conv2d(1, 32, 3, padding=1), n.BatchNorm2d(32), n.ReLU(), n.MaxPool2d(2),
        n.Conv2d(32, 64, 3, padding=1), n.BatchNorm2d(64), n.ReLU(), n.MaxPool2d(2),
        n.Flatten(), n.Dropout(0.25), n.Linear(256, 10))
    assert main(["summary", "--json"]) == 0  # the default config
    info = json.loads(capsys.readouterr().out)
    assert info["total_params"] == sum(p.numel() for p in reference.parameters())
    assert info["rows"][0]["output_shape"] == list(reference(torch.zeros(1, 1, 8, 8)).shape)
    assert main(["summary", _write(tmp_path, TINY)]) == 0
    assert "Total params: 1,210" in capsys.readouterr().out  # 64*16+16 + 16*10+10


# ---------------------------------------------------------------------- other data
def test_npz_dataset_with_a_held_out_test_split(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "train.npz", x=x, y=y)
    text = (f'[data]\ndataset = "npz"\ntrain = "{tmp_path / "train.npz"}"\n'
            "validation_split = 0\n[model]\nlayers = [{ type = \"Linear\", in_features = 5, "
            "out_features = 2 }]\n[train]\nepochs = 1\nscheduler = \"none\"\n")
    rc, folder = _train(tmp_path, text)
    assert rc == 0
    metrics = json.loads((folder / "metrics.json").read_text())
    assert "val_loss" not in metrics["history"] and not (folder / "best.ckpt").exists()
    cfg = tomllib.loads((folder / "config.resolved.toml").read_text())
    assert len(cfg["data"]["mean"]) == 5 and cfg["model"]["input_shape"] == [5]


def test_image_folder_dataset(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(0)
    for split, count in (("train", 12), ("test", 4)):
        for label, name in enumerate(("dark", "light")):
            (tmp_path / split / name).mkdir(parents=True)
            for i in range(count):
                level = 40 + 150 * label + rng.integers(0, 30)
                Image.fromarray(np.full((6, 5, 3), level, np.uint8)).save(
                    tmp_path / split / name / f"{i}.png")
    text = (f'[data]\ndataset = "folder"\ntrain = "{tmp_path / "train"}"\n'
            f'test = "{tmp_path / "test"}"\nchannels = 1\nvalidation_split = 0\n'
            '[model]\nlayers = [{ type = "Flatten" }, { type = "Linear", in_features = 30, '
            'out_features = 2 }]\n[train]\nepochs = 3\noptimizer = { type = "adam", lr = 0.1 }\n')
    rc, folder = _train(tmp_path, text)
    assert rc == 0
    cfg = tomllib.loads((folder / "config.resolved.toml").read_text())
    assert cfg["data"]["classes"] == ["dark", "light"] and cfg["model"]["input_shape"] == [1, 6, 5]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] == 1.0  # two flat grey levels far apart


def test_resolved_config_falls_back_to_json_without_tomli_w(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tomli_w", None)
    rc, folder = _train(tmp_path, TINY, "--epochs", "1")
    assert rc == 0 and (folder / "config.resolved.json").is_file()
    assert main(["evaluate", str(folder)]) == 0


def test_python_dash_m_exit_status_and_stderr(tmp_path):
    cfg = _write(tmp_path, "[train]\nepoch = 3\n")
    proc = subprocess.run([sys.executable, "-m", "ember.cli", "train", cfg],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("ember: error: ") and "Did you mean 'epochs'?" in proc.stderr


def test_json_config_and_yaml_without_pyyaml(tmp_path, capsys, monkeypatch):
    cfg = _write(tmp_path, json.dumps({"train": {"epochs": 0}}), name="config.json")
    assert main(["summary", cfg]) == 2
    assert "[train] epochs must be an integer >= 1, got 0" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "yaml", None)
    cfg = _write(tmp_path, "train:\n  epochs: 2\n", name="config.yaml")
    assert main(["summary", cfg]) == 2
    assert "needs PyYAML" in capsys.readouterr().err


# ---------------------------------------------------------------------- mistakes found by the trial step
# Each passes the checks of the config file itself and used to fail only once training had
# started (a traceback and a half-made run folder).
TRIAL = [
    ("train.loss={type='cross_entropy', label_smoothing=2.0}",
     ["[train] loss: 'cross_entropy' fails", "label_smoothing must be between 0.0 and 1.0"]),
    ("train.loss={type='cross_entropy', reduction='os.system'}",
     ["[train] loss: cross_entropy option reduction must be 'mean' or 'sum'"]),
    ("train.loss={type='cross_entropy', reduction='none'}", ["got 'none'"]),
    ("train.loss={type='cross_entropy', weight=[1, 2]}", ["[train] loss:", "weight tensor"]),
    ("train.loss=mse", ["[train] loss: 'mse' compares outputs and targets element by element",
                        "[N, 10]", "class labels"]),
    ("train.loss=bce", ["[train] loss: 'bce' compares"]),
    ("train.loss=kl_div", ["[train] loss: 'kl_div' compares"]),
    ("train.scheduler={type='cosine', T_max=0}",
     ["[train] scheduler: CosineAnnealingLR fails after epoch 1 of 2: ZeroDivisionError"]),
    ("train.scheduler={type='onecycle', total_steps=1}",
     ["[train] scheduler: OneCycleLR fails after epoch 2 of 2"]),
    ("train.callbacks=[{type='reduce_lr_on_plateau', factor=2}]",
     ["[train] callbacks[0]: reduce_lr_on_plateau: Factor should be < 1.0"]),
    ("train.callbacks=[{type='early_stopping', monitor='val_acc'}]",
     ["[train] callbacks[0]: early_stopping monitors 'val_acc'", "Did you mean 'val_accuracy'?"]),
    ("train.metrics=['r2']", ["[train] metrics[0] ('r2') does not fit", "R2Score"]),
    ("train.metrics=['top99_accuracy']", ["[train] metrics[0] ('top99_accuracy')", "top_k"]),
    ("train.metrics=['accuracy', 'acc']", ["[train] metrics: metric names must be unique"]),
    ("train.callbacks=[{type='model_checkpoint', filepath='{foo}.ckpt'}]",
     ["[train] callbacks[0]: model_checkpoint filepath '{foo}.ckpt' has a format field",
      "{epoch} and {loss}"]),
    ("train.callbacks=[{type='model_checkpoint', filepath='../../x.ckpt'}]",
     ["filepath '../../x.ckpt' leaves the run folder"]),
    ("train.callbacks=[{type='tensorboard', log_dir='/tmp/tb'}]", ["leaves the run folder"]),
    ("train.callbacks=[{type='model_checkpoint', filepath='last.ckpt'}]",
     ["a file the run writes itself"]),
    ("train.optimizer={type='adam', lr=-1.0}", ["[train] optimizer: Adam(lr=-1.0) failed"]),
    ("train.monitor='val_acc'", ["[train] monitor 'val_acc' is not logged"]),
]


@pytest.mark.parametrize("override, expected", TRIAL, ids=[o for o, _ in TRIAL])
def test_mistakes_that_only_training_would_meet_are_config_errors(tmp_path, capsys, override,
                                                                   expected):
    rc, folder = _train(tmp_path, TINY, "--set", override)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("ember: error: ") and err.count("\n") == 1, err
    assert "config.toml: [" in err  # names the file, then the key
    for part in expected:
        assert part in err, err
    assert "Traceback" not in err and not (tmp_path / "runs").exists()
    assert not (tmp_path / "x.ckpt").exists()


def test_negative_labels_are_a_data_error(tmp_path, capsys):
    x = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    y[7] = -1
    np.savez(tmp_path / "train.npz", x=x, y=y)
    text = (f'[data]\ndataset = "npz"\ntrain = "{tmp_path / "train.npz"}"\n[model]\n'
            'layers = [{ type = "Linear", in_features = 5, out_features = 2 }]\n')
    rc, _ = _train(tmp_path, text)
    err = capsys.readouterr().err
    assert rc == 2 and "config.toml: [data] train: integer targets (y) are class labels" in err
    assert "found -1" in err and not (tmp_path / "runs").exists()


BN_TINY = TINY.replace('{ type = "ReLU" },', '{ type = "BatchNorm1d", num_features = 16 },\n'
                       '  { type = "ReLU" },')


def test_the_trial_step_changes_no_weights_state_or_generator(tmp_path):
    import random

    from ember.cli import commands, config
    cfg = config.load(_write(tmp_path, BN_TINY))
    data, model, _, _ = commands._prepare(cfg)
    model.optimizer.step()  # no gradients yet: nothing moves, but it is the real optimizer
    before = {k: v.numpy().copy() for k, v in model.network.state_dict().items()}
    rng = (ember.get_rng_state().numpy().copy(), random.getstate(), np.random.get_state()[1])
    lr = model.optimizer.param_groups[0]["lr"]
    commands._dry_run(model, data, cfg)
    after = model.network.state_dict()
    assert set(before) == set(after) and any("running_mean" in k for k in before)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key].numpy(), value, err_msg=key)
    assert np.array_equal(ember.get_rng_state().numpy(), rng[0])
    assert random.getstate() == rng[1] and np.array_equal(np.random.get_state()[1], rng[2])
    assert all(m.training for m in model.network.modules())
    assert model.optimizer.param_groups[0]["lr"] == lr and not model.optimizer.state


def test_a_failure_during_training_is_recorded_not_a_traceback(tmp_path, capsys, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("disk\non fire")
    monkeypatch.setattr(ember.training.model.Model, "evaluate", boom)
    rc, folder = _train(tmp_path, TINY, "--epochs", "1")
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("ember: error: training failed") and err.count("\n") == 1
    assert "RuntimeError: disk on fire" in err and "Traceback" not in err
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "failed" and "disk on fire" in metrics["error"]


# ---------------------------------------------------------------------- interrupts and resume
def _interrupt(monkeypatch, method: str) -> None:
    def stop(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(ember.training.model.Model, method, stop)


def test_ctrl_c_before_the_first_epoch_then_resume_trains_from_scratch(run, tmp_path, capsys,
                                                                      monkeypatch):
    with monkeypatch.context() as patch:
        _interrupt(patch, "fit")
        rc, folder = _train(tmp_path, TINY)
    err = capsys.readouterr().err
    assert rc == 130 and "before the first epoch finished; nothing was saved" in err
    assert f"ember resume {folder}" in err and not (folder / "last.ckpt").exists()
    assert json.loads((folder / "metrics.json").read_text())["status"] == "interrupted"
    assert main(["resume", str(folder), "-q"]) == 0
    assert json.loads((folder / "metrics.json").read_text())["status"] == "finished"
    a, b = _tiny_net(), _tiny_net()  # the same config trained in one go: the same weights
    load_checkpoint(run / "last.ckpt", model=a, restore_rng=False)
    load_checkpoint(folder / "last.ckpt", model=b, restore_rng=False)
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy(), err_msg=name)


def test_ctrl_c_during_the_test_evaluation_then_resume_finishes(tmp_path, capsys, monkeypatch):
    with monkeypatch.context() as patch:
        _interrupt(patch, "evaluate")
        rc, folder = _train(tmp_path, TINY, "--epochs", "1")
    assert rc == 130 and "last.ckpt holds the last finished epoch" in capsys.readouterr().err
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and "test" not in metrics
    assert main(["resume", str(folder)]) == 0
    assert "evaluating on the test data" in capsys.readouterr().out
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["epoch"] == [0]
    assert 0 <= metrics["test"]["accuracy"] <= 1


def test_resume_refuses_to_extend_a_onecycle_schedule(tmp_path, capsys):
    rc, folder = _train(tmp_path, TINY, "--set", "train.scheduler=onecycle")
    assert rc == 0
    before = _snapshot(folder)
    assert main(["resume", str(folder), "--epochs", "4"]) == 2
    err = capsys.readouterr().err
    assert "cannot continue" in err and "OneCycleLR fails after epoch 3 of 4" in err
    assert "start a new run" in err and _snapshot(folder) == before  # config still 2 epochs
    assert main(["resume", str(folder)]) == 0
    assert "finished its 2 epochs; nothing to do" in capsys.readouterr().out


def test_resume_with_fewer_epochs_than_done_decides_before_loading_data(run, capsys,
                                                                          monkeypatch):
    from ember.cli import data as datamod

    def no_data(cfg):
        raise AssertionError("the data should not be loaded")
    monkeypatch.setattr(datamod, "load", no_data)
    assert main(["resume", str(run), "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "has trained 2 epochs already; --epochs 1 is the total" in out
    assert "of 1 epochs" not in out


# ---------------------------------------------------------------------- predict inputs / output
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_predict_casts_integer_and_boolean_arrays(run, tmp_path, capsys, dtype):
    x, _ = _test_digits(4)
    values = (x > 0.5) if dtype == "bool" else np.round(x * 16).astype(np.int64)
    np.save(tmp_path / "x.npy", values)
    assert main(["predict", str(run), "--input", str(tmp_path / "x.npy"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = _reference_logits(run, values.astype(np.float32)).argmax(1)
    assert [r["top"][0]["class"] for r in rows] == expected.tolist()


def test_predict_input_and_output_errors(run, tmp_path, capsys):
    np.save(tmp_path / "empty.npy", np.zeros((0, 1, 8, 8), np.float32))
    assert main(["predict", str(run), "--input", str(tmp_path / "empty.npy")]) == 2
    assert "holds no samples" in capsys.readouterr().err
    x, _ = _test_digits(2)
    np.save(tmp_path / "x.npy", x)
    args = ["predict", str(run), "--input", str(tmp_path / "x.npy"), "--output"]
    assert main([*args, str(tmp_path / "nope" / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ember: error: --output: folder") and "does not exist" in err
    assert main([*args, str(tmp_path / "out.txt")]) == 0  # written under exactly that name
    assert not (tmp_path / "out.txt.npy").exists()
    np.testing.assert_allclose(np.load(tmp_path / "out.txt"), _reference_logits(run, x),
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- --set and summary
@pytest.mark.parametrize("word", ["2024", "2024-01-01", "true", "1.5"])
def test_set_bare_word_for_a_string_key_is_that_text(word):
    from ember.cli import config
    cfg = config.load(None, [f"output.name={word}", f"train.monitor={word}"])
    assert cfg["output"]["name"] == word and cfg["train"]["monitor"] == word
    assert config.load(None, ["train.epochs=3"])["train"]["epochs"] == 3  # others: TOML


def test_set_a_key_without_its_section_suggests_it(capsys):
    assert main(["summary", "--set", "epochs=3"]) == 2
    assert "Did you mean [train] epochs (--set train.epochs=...)?" in capsys.readouterr().err


@pytest.mark.parametrize("override, expected", [
    ("train.optimizer=adamm", "[train] optimizer: unknown optimizer 'adamm'"),
    ("train.scheduler={type='cosine', T_max=0}", "[train] scheduler: CosineAnnealingLR fails"),
    ("train.metrics=['acuracy']", "Did you mean 'accuracy'?"),
    ("train.loss={type='mse', delta=1}", "[train] loss: mse has no option 'delta'"),
    ("train.callbacks=['early_stoping']", "Did you mean 'early_stopping'?"),
])
def test_summary_checks_the_train_section(capsys, override, expected):
    assert main(["summary", "--set", override]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ember: error: the default config: [train]") and expected in err
