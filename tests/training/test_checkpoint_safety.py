"""Checkpoints survive interrupted saves, and bad files are refused before anything changes:
SIGKILL and Ctrl-C during a save, truncated, corrupted, lying-header, pickle and
wrong-architecture files."""

from __future__ import annotations

import json
import os
import pickle
import random
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.torch
import torch

import ember
from ember.serialization import CheckpointError, load, save
from ember.training.checkpoint import load_checkpoint, save_checkpoint

REPO = Path(ember.__file__).resolve().parent.parent


def make(seed: int, sizes=(4, 3)):
    ember.manual_seed(seed)
    model = ember.nn.Sequential(ember.nn.Linear(sizes[0], 5), ember.nn.Linear(5, sizes[1]))
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched


def train_step(model, opt, sched):
    opt.zero_grad()
    model(ember.randn(6, model[0].in_features)).square().mean().backward()
    opt.step()
    sched.step()


def snapshot(model, opt):
    """Copies of everything load_checkpoint could change."""
    params = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    opt_state = {(i, k): v.numpy().copy() if isinstance(v, ember.Tensor) else v
                 for i, s in enumerate(opt.state.values()) for k, v in s.items()}
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    rng = (ember.get_rng_state().numpy().copy(), random.getstate(), np.random.get_state()[1].copy())
    return params, opt_state, groups, rng


def assert_unchanged(before, after):
    (p0, s0, g0, r0), (p1, s1, g1, r1) = before, after
    assert p0.keys() == p1.keys() and all(np.array_equal(p0[k], p1[k]) for k in p0)
    assert s0.keys() == s1.keys()
    assert all(np.array_equal(s0[k], s1[k]) for k in s0)
    assert g0 == g1
    assert np.array_equal(r0[0], r1[0]) and r0[1] == r1[1] and np.array_equal(r0[2], r1[2])


@pytest.fixture
def trained(tmp_path):
    """A checkpoint after one step, and a different trained model/optimizer to load into."""
    model, opt, sched = make(0)
    train_step(model, opt, sched)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1, step=1)
    target = make(1)
    train_step(*target)
    return path, target


def refuses(path, target, match):
    """Loading ``path`` into ``target`` raises CheckpointError and changes nothing."""
    model, opt, sched = target
    before = snapshot(model, opt)
    lr = sched.get_last_lr()
    with pytest.raises(CheckpointError, match=match):
        load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    assert_unchanged(before, snapshot(model, opt))
    assert sched.get_last_lr() == lr


# ---------------------------------------------------------------------- damaged files
@pytest.mark.parametrize("keep", [0, 5, 8, 20, "header", "header+7", -1])
def test_truncated_file(trained, keep):
    path, target = trained
    raw = path.read_bytes()
    n = 8 + struct.unpack("<Q", raw[:8])[0]
    cut = {"header": n, "header+7": n + 7}.get(keep, keep)
    path.write_bytes(raw[:cut])
    refuses(path, target, "truncated|fewer than|can't load")


def test_every_single_byte_change_is_detected(tmp_path):
    """Flip one bit at every position of a small file: each copy is refused (the header and
    every tensor are checksummed), never silently loaded."""
    path = tmp_path / "small.safetensors"
    save({"w": ember.randn(3, 2), "b": ember.arange(4), "cfg": {"lr": 0.5, "n": [1, 2]}}, path)
    raw = path.read_bytes()
    bad = tmp_path / "bad.safetensors"
    for i in range(len(raw)):
        flipped = bytearray(raw)
        flipped[i] ^= 0x01
        bad.write_bytes(bytes(flipped))
        with pytest.raises(CheckpointError):
            load(bad)


def test_corrupted_data_and_header(trained):
    path, target = trained
    raw = bytearray(path.read_bytes())
    n = 8 + struct.unpack("<Q", raw[:8])[0]
    data = bytearray(raw)
    data[n + 3] ^= 0x40  # inside the first tensor
    path.write_bytes(bytes(data))
    refuses(path, target, "checksum")
    header = bytes(raw).replace(b'[\\"epoch\\",1]', b'[\\"epoch\\",7]', 1)
    assert header != raw
    path.write_bytes(header)
    refuses(path, target, "checksum")


def handmade(tensors: dict, data: bytes, metadata=None, length=None) -> bytes:
    """A safetensors file written by hand, without ember or the safetensors library."""
    header = dict(tensors)
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


F32x4 = {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}
LYING = {
    "shape bigger than its bytes": ({"a": {**F32x4, "shape": [10, 10]}}, bytes(16), None,
                                    "needs 400 bytes"),
    "offsets past the end": ({"a": {**F32x4, "shape": [100], "data_offsets": [0, 400]}},
                             bytes(16), None, "truncated"),
    "overlapping tensors": ({"a": F32x4, "b": {**F32x4, "data_offsets": [8, 24]}}, bytes(24),
                            None, "overlaps"),
    "a gap": ({"a": F32x4, "b": {**F32x4, "data_offsets": [20, 36]}}, bytes(36), None, "gap"),
    "trailing bytes": ({"a": F32x4}, bytes(20), None, "unexpected bytes"),
    "unknown dtype": ({"a": {**F32x4, "dtype": "Q32"}}, bytes(16), None, "Q32"),
    "negative dimension": ({"a": {**F32x4, "shape": [-4]}}, bytes(16), None, "invalid shape"),
    "reversed offsets": ({"a": {**F32x4, "data_offsets": [16, 0]}}, bytes(16), None,
                         "invalid data_offsets"),
    "non-string metadata": ({"a": F32x4}, bytes(16), {"epoch": 3}, "__metadata__"),
    "header length past the end": ({"a": F32x4}, bytes(16), None, "header has"),
    "huge header length": ({"a": F32x4}, bytes(16), None, "header has"),
}


@pytest.mark.parametrize("case", list(LYING))
def test_header_that_lies(trained, case):
    path, target = trained
    tensors, data, meta, match = LYING[case]
    length = {"header length past the end": 10_000, "huge header length": 2**63}.get(case)
    raw = handmade(tensors, data, meta, length)
    with pytest.raises(safetensors.SafetensorError):
        safetensors.deserialize(raw)  # the reference reader refuses it too
    path.write_bytes(raw)
    refuses(path, target, match)
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_valid_file_with_a_dtype_ember_lacks(tmp_path):
    path = tmp_path / "complex.safetensors"
    safetensors.torch.save_file({"z": torch.zeros(2, dtype=torch.complex64)}, str(path))
    with pytest.raises(CheckpointError, match="'z' has dtype 'C64'"):
        load(path)


class Exploit:
    """Unpickling this would create a marker file: it must never happen."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_is_refused_and_never_run(trained, tmp_path, protocol):
    path, target = trained
    marker = tmp_path / "pwned"
    path.write_bytes(pickle.dumps({"model": Exploit(marker)}, protocol=protocol))
    refuses(path, target, "pickle.*arbitrary code.*safetensors")
    assert not marker.exists()


@pytest.mark.parametrize("zipped", [True, False])
def test_torch_save_file_is_refused(trained, zipped):
    path, target = trained
    torch.save(torch.nn.Linear(4, 3).state_dict(), path,
               _use_new_zipfile_serialization=zipped)
    refuses(path, target, "torch.save.*never unpickles.*arbitrary code.*safetensors")


def test_numpy_file_is_refused(trained):
    path, target = trained
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    refuses(path, target, "NumPy .npy")


# ---------------------------------------------------------------------- wrong objects
def test_wrong_architecture_changes_nothing(trained):
    path, _ = trained
    # Same parameter count per group, so the optimizer would load: the model's shapes
    # don't fit, and the optimizer and scheduler must be put back.
    refuses(path, make(2, sizes=(3, 3)), "size mismatch")
    wider = make(3)
    wider[0].add_module("2", ember.nn.Linear(3, 3))
    refuses(path, (wider[0], ember.optim.Adam(wider[0].parameters()), wider[2]),
            "parameter groups of sizes")


def test_wrong_keys_change_nothing(tmp_path):
    model, opt, sched = make(0)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    ember.manual_seed(5)
    other = ember.nn.Sequential(ember.nn.Linear(4, 5), ember.nn.ReLU(), ember.nn.Linear(5, 3))
    other_opt = ember.optim.Adam(other.parameters())
    refuses(path, (other, other_opt, ember.optim.lr_scheduler.StepLR(other_opt, 1)),
            r'(?s)Missing key\(s\).*"2.weight".*Unexpected key\(s\).*"1.weight"')


def test_other_optimizer_or_scheduler_class_is_refused(trained):
    path, (model, opt, sched) = trained
    sgd = ember.optim.SGD(model.parameters(), lr=0.1)
    refuses(path, (model, sgd, ember.optim.lr_scheduler.StepLR(sgd, 1)), "Adam optimizer")
    refuses(path, (model, opt, ember.optim.lr_scheduler.ExponentialLR(opt, 0.9)),
            "StepLR scheduler")


def test_plain_weights_are_not_a_checkpoint(trained):
    path, target = trained
    save(target[0].state_dict(), path)
    refuses(path, target, "not an ember training checkpoint")


def test_newer_checkpoint_version_is_refused(trained):
    path, target = trained
    obj = load(path)
    obj["version"] = 2
    save(obj, path)
    refuses(path, target, "version 2")


def test_checkpoint_without_optimizer_state(tmp_path, trained):
    _, target = trained
    path = tmp_path / "weights-only.ckpt"
    save_checkpoint(path, model=make(0)[0])
    refuses(path, target, "no optimizer state")


def test_bad_rng_state_is_refused(trained):
    path, target = trained
    obj = load(path)
    obj["rng"]["python"]["state"] = obj["rng"]["python"]["state"][:10]
    save(obj, path)
    refuses(path, target, "Python random state")


# ---------------------------------------------------------------------- interrupted saves
CHILD = r"""
import signal, sys, time
import ember
import ember.serialization as S
from ember.training.checkpoint import save_checkpoint

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent ignores it
original, calls = S._write_array, []

def stalled_write(f, array):
    original(f, array)
    calls.append(array.nbytes)
    if len(calls) == 2:  # some of the new checkpoint is on disk: stop here
        f.flush()
        print("WRITING", flush=True)
        time.sleep(120)

S._write_array = stalled_write
ember.manual_seed(1)
model = ember.nn.Sequential(ember.nn.Linear(4, 5), ember.nn.Linear(5, 3))
with ember.no_grad():
    for p in model.parameters():
        p.fill_(7.0)
save_checkpoint(sys.argv[1], model=model, epoch=99)
print("FINISHED", flush=True)
"""


def interrupted_save(tmp_path, sig):
    """Save a checkpoint, then kill a second save of it mid-write with ``sig``."""
    model, opt, sched = make(0)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    old = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        line = proc.stdout.readline()
        assert line.strip() == "WRITING", proc.communicate()[1]
        temps = list(tmp_path.glob(".run.ckpt.*.tmp"))
        assert len(temps) == 1 and temps[0].stat().st_size > 0  # mid-write
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
    # The old checkpoint is intact and loads with the old values.
    fresh, fresh_opt, fresh_sched = make(5)
    info = load_checkpoint(path, model=fresh, optimizer=fresh_opt, scheduler=fresh_sched)
    assert info["epoch"] == 1
    for k, v in fresh.state_dict().items():
        assert np.array_equal(v.numpy(), old[k]), k
    return proc.returncode, err, temps[0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigkill_during_save_keeps_the_old_checkpoint(tmp_path):
    code, _, temp = interrupted_save(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert temp.exists()  # nobody could clean up after SIGKILL ...
    model, opt, sched = make(6)
    save_checkpoint(tmp_path / "run.ckpt", model=model, epoch=2)
    assert not temp.exists()  # ... so the next save removes it
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]
    assert load_checkpoint(tmp_path / "run.ckpt", model=model)["epoch"] == 2


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_during_save_keeps_the_old_checkpoint(tmp_path):
    code, err, temp = interrupted_save(tmp_path, signal.SIGINT)
    assert code != 0 and "KeyboardInterrupt" in err
    assert not temp.exists()  # removed on the way out
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]
