"""Training checkpoints: resuming is bit-for-bit the same as not stopping, for the model,
the optimizer, the schedulers and every random generator."""

from __future__ import annotations

import random

import numpy as np
import pytest
import safetensors.torch

import ember
import ember.nn.functional as F
from ember.data import DataLoader, TensorDataset
from ember.optim import lr_scheduler as L
from ember.training.checkpoint import (
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)


def build(seed: int):
    ember.manual_seed(seed)
    model = ember.nn.Sequential(ember.nn.Linear(6, 16), ember.nn.ReLU(), ember.nn.Dropout(0.3),
                                ember.nn.Linear(16, 3))
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    sched = L.StepLR(opt, step_size=1, gamma=0.7)
    return model, opt, sched


def dataset() -> TensorDataset:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 6)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    return TensorDataset(ember.from_numpy(x), ember.from_numpy(y))


def run_epochs(model, opt, sched, data, epochs, losses):
    """A PyTorch-style loop; NumPy's and Python's generators feed a noise term and a skip, so
    all three generators matter."""
    for _ in range(epochs):
        model.train()
        for xb, yb in DataLoader(data, batch_size=16, shuffle=True):
            noise = ember.from_numpy(np.random.normal(0, 0.01, xb.shape).astype(np.float32))
            if random.random() < 0.1:
                continue
            opt.zero_grad()
            loss = F.cross_entropy(model(xb + noise), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()


def seed_all(seed: int) -> None:
    ember.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def test_resume_is_bit_for_bit(tmp_path):
    data = dataset()
    seed_all(0)
    model, opt, sched = build(0)
    straight: list[float] = []
    run_epochs(model, opt, sched, data, 4, straight)

    seed_all(0)
    first = build(0)
    resumed: list[float] = []
    run_epochs(*first, data, 2, resumed)
    path = tmp_path / "epoch2.ckpt"
    save_checkpoint(path, model=first[0], optimizer=first[1], scheduler=first[2], epoch=2,
                    step=len(resumed), history={"loss": list(resumed)})
    # A new process would start from other states: disturb every generator.
    seed_all(12345)
    ember.rand(7), random.random(), np.random.rand(3)
    model2, opt2, sched2 = build(99)
    info = load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
    assert info["epoch"] == 2 and info["step"] == len(resumed)
    assert info["history"] == {"loss": resumed}
    run_epochs(model2, opt2, sched2, data, 2, resumed)

    assert np.array_equal(np.array(straight), np.array(resumed))
    for (name, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), name
    assert opt.state.keys() != opt2.state.keys()  # different Parameter objects ...
    for s1, s2 in zip(opt.state.values(), opt2.state.values()):  # ... with equal states
        assert s1.keys() == s2.keys()
        for key in s1:
            assert np.array_equal(s1[key].numpy(), s2[key].numpy()), key
    assert opt.param_groups[0]["lr"] == opt2.param_groups[0]["lr"]
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.01 * 0.7 ** 4)
    assert sched.state_dict() == sched2.state_dict()


SCHEDULERS = {
    "MultiStepLR": lambda o: L.MultiStepLR(o, milestones=[2, 2, 5], gamma=0.5),
    "OneCycleLR": lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=12),
    "CosineAnnealingWarmRestarts": lambda o: L.CosineAnnealingWarmRestarts(o, 3, T_mult=2),
    "CyclicLR": lambda o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "SequentialLR": lambda o: L.SequentialLR(
        o, [L.LinearLR(o, 0.2, total_iters=3), L.ExponentialLR(o, 0.8)], milestones=[3]),
    "ChainedScheduler": lambda o: L.ChainedScheduler([L.StepLR(o, 2), L.ExponentialLR(o, 0.9)]),
    "ReduceLROnPlateau": lambda o: L.ReduceLROnPlateau(o, patience=1),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_every_scheduler_resumes_exactly(tmp_path, name):
    def fresh():
        w = ember.nn.Linear(2, 1)
        opt = ember.optim.SGD(w.parameters(), lr=0.05, momentum=0.9)
        return w, opt, SCHEDULERS[name](opt)

    def steps(w, opt, sched, start, stop, lrs):
        for i in range(start, stop):
            opt.step()
            if name == "ReduceLROnPlateau":
                sched.step([1.0, 0.9, 0.9, 0.9, 0.95, 0.95, 0.95, 0.5][i % 8])
            else:
                sched.step()
            lrs.append([(g["lr"], g.get("momentum")) for g in opt.param_groups])

    straight: list = []
    steps(*fresh(), 0, 8, straight)
    resumed: list = []
    first = fresh()
    steps(*first, 0, 4, resumed)
    save_checkpoint(tmp_path / "s.ckpt", model=first[0], optimizer=first[1], scheduler=first[2])
    second = fresh()
    load_checkpoint(tmp_path / "s.ckpt", model=second[0], optimizer=second[1],
                    scheduler=second[2])
    steps(*second, 4, 8, resumed)
    assert straight == resumed


def test_rng_capture_and_restore():
    state = capture_rng_state()
    expected = (ember.randn(5).numpy(), random.random(), np.random.standard_normal(3))
    ember.manual_seed(3), random.seed(3), np.random.seed(3)
    restore_rng_state(state)
    again = (ember.randn(5).numpy(), random.random(), np.random.standard_normal(3))
    assert np.array_equal(expected[0], again[0]) and expected[1] == again[1]
    assert np.array_equal(expected[2], again[2])


def test_bad_rng_state_changes_no_generator():
    state = capture_rng_state()
    state["numpy"]["keys"] = state["numpy"]["keys"][:5]
    before = (ember.get_rng_state().numpy().copy(), random.getstate())
    with pytest.raises(ValueError, match="NumPy random state"):
        restore_rng_state(state)
    assert np.array_equal(before[0], ember.get_rng_state().numpy())
    assert before[1] == random.getstate()


def test_restore_rng_false_and_extra(tmp_path):
    model = ember.nn.Linear(3, 2)
    save_checkpoint(tmp_path / "c.ckpt", model=model, epoch=5, step=50,
                    extra={"best": 0.25, "config": {"layers": (3, 2)}, "ids": [1, 2]})
    target = ember.nn.Linear(3, 2)
    ember.manual_seed(11)
    before = ember.get_rng_state().numpy().copy()
    info = load_checkpoint(tmp_path / "c.ckpt", model=target, restore_rng=False)
    assert np.array_equal(before, ember.get_rng_state().numpy())
    assert info == {"epoch": 5, "step": 50, "history": {},
                    "extra": {"best": 0.25, "config": {"layers": (3, 2)}, "ids": [1, 2]}}


def test_checkpoint_weights_are_readable_by_pytorch(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4))
    save_checkpoint(tmp_path / "c.ckpt", model=model)
    tensors = safetensors.torch.load_file(str(tmp_path / "c.ckpt"))
    for name, value in model.state_dict().items():
        assert np.array_equal(tensors[f"model.{name}"].numpy(), value.numpy()), name


def test_argument_checks(tmp_path):
    model = ember.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="epoch must be an int"):
        save_checkpoint(tmp_path / "c.ckpt", model=model, epoch=1.5)
    with pytest.raises(TypeError, match="history must be a dict"):
        save_checkpoint(tmp_path / "c.ckpt", model=model, history=[1.0])
