"""Every scheduler's learning-rate sequence against PyTorch's over 30 steps, with a
``state_dict`` round trip into a fresh scheduler midway."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.optim import lr_scheduler as ES

TS = torch.optim.lr_scheduler
# PyTorch warns about step(epoch) and step order; the warnings are not under test.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _optimizers(opt_name="SGD", opt_kwargs=None):
    opt_kwargs = opt_kwargs or dict(lr=0.1, momentum=0.9)
    e = [ember.tensor([1.0], requires_grad=True), ember.tensor([2.0], requires_grad=True)]
    t = [torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)]
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]  # noqa: E731
    return (getattr(ember.optim, opt_name)(groups(e), **opt_kwargs),
            getattr(torch.optim, opt_name)(groups(t), **opt_kwargs))


def _lambda(epoch):
    return 0.95 ** epoch


def _mult(epoch):
    return 0.9


CASES = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=40)),
    ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=35, anneal_strategy="linear",
                        three_phase=True, pct_start=0.25)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=10)),
    ("ConstantLR", dict(factor=0.5, total_iters=6)),
    ("PolynomialLR", dict(total_iters=20, power=2.0)),
    ("LambdaLR", dict(lr_lambda=_lambda)),
    ("LambdaLR", dict(lr_lambda=[_lambda, lambda e: 1 / (e + 1)])),
    ("MultiplicativeLR", dict(lr_lambda=_mult)),
]


def _run(e_sched, t_sched, eopt, topt, steps, extra=()):
    out = []
    for _ in range(steps):
        eopt.step()
        topt.step()
        e_sched.step(*extra)
        t_sched.step(*extra)
        out.append((e_sched.get_last_lr(), t_sched.get_last_lr()))
        for eg, tg in zip(eopt.param_groups, topt.param_groups):
            for key in ("momentum", "betas"):
                if key in tg:
                    np.testing.assert_allclose(eg[key], tg[key], rtol=1e-12)
    for e, t in out:
        np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-15)


def _with_restart(make_e, make_t, eopt, topt, steps=30):
    es, ts = make_e(eopt), make_t(topt)
    np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    _run(es, ts, eopt, topt, steps // 2)
    saved, saved_opt = es.state_dict(), eopt.state_dict()
    # Resuming as from a checkpoint: a new scheduler (whose initial step touches the rates),
    # then the optimizer's state (the rates), then the scheduler's.
    fresh = make_e(eopt)
    eopt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    _run(fresh, ts, eopt, topt, steps - steps // 2)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_schedule_matches_torch(name, kwargs):
    eopt, topt = _optimizers()
    _with_restart(lambda o: getattr(ES, name)(o, **kwargs),
                  lambda o: getattr(TS, name)(o, **kwargs), eopt, topt)


@pytest.mark.parametrize("opt_name,opt_kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                                 ("Adam", dict(lr=0.1, betas=(0.9, 0.99)))])
def test_one_cycle_cycles_momentum(opt_name, opt_kwargs):
    eopt, topt = _optimizers(opt_name, opt_kwargs)
    kw = dict(max_lr=0.5, total_steps=30, base_momentum=0.8, max_momentum=0.9)
    _with_restart(lambda o: ES.OneCycleLR(o, **kw), lambda o: TS.OneCycleLR(o, **kw),
                  eopt, topt, steps=29)
    key = "betas" if opt_name == "Adam" else "momentum"
    assert eopt.param_groups[0][key] == topt.param_groups[0][key]


def test_sequential_lr():
    eopt, topt = _optimizers()

    def make(mod, o):
        return mod.SequentialLR(o, [mod.LinearLR(o, start_factor=0.1, total_iters=5),
                                    mod.ExponentialLR(o, gamma=0.9),
                                    mod.CosineAnnealingLR(o, T_max=6)], milestones=[5, 12])

    _with_restart(lambda o: make(ES, o), lambda o: make(TS, o), eopt, topt)


def test_chained_scheduler():
    eopt, topt = _optimizers()

    def make(mod, o):
        return mod.ChainedScheduler([mod.ConstantLR(o, factor=0.5, total_iters=4),
                                     mod.ExponentialLR(o, gamma=0.95),
                                     mod.StepLR(o, step_size=7, gamma=0.5)])

    _with_restart(lambda o: make(ES, o), lambda o: make(TS, o), eopt, topt)


@pytest.mark.parametrize("kwargs", [
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, threshold=0.1, threshold_mode="abs", cooldown=2,
         min_lr=[0.02, 0.01]),
    dict(mode="min", patience=0, threshold=0.05, cooldown=1, min_lr=0.004, eps=1e-3),
])
def test_reduce_lr_on_plateau(kwargs):
    eopt, topt = _optimizers()
    rng = np.random.default_rng(0)
    metrics = np.abs(np.cumsum(rng.standard_normal(30))) + 1.0
    es, ts = ES.ReduceLROnPlateau(eopt, **kwargs), TS.ReduceLROnPlateau(topt, **kwargs)
    for i, m in enumerate(metrics):
        es.step(float(m))
        ts.step(float(m))
        assert es.get_last_lr() == ts.get_last_lr()
        if i == 14:
            saved = es.state_dict()
            es = ES.ReduceLROnPlateau(eopt, **kwargs)
            es.load_state_dict(saved)
    assert es.num_bad_epochs == ts.num_bad_epochs and es.best == ts.best


def test_step_with_epoch_uses_closed_form():
    eopt, topt = _optimizers()
    es, ts = ES.StepLR(eopt, step_size=3, gamma=0.5), TS.StepLR(topt, step_size=3, gamma=0.5)
    for epoch in (4, 9, 2):
        es.step(epoch)
        ts.step(epoch)
        assert es.get_last_lr() == ts.get_last_lr()


@pytest.mark.parametrize("make,match", [
    (lambda o: ES.LinearLR(o, start_factor=0), "Starting multiplicative factor"),
    (lambda o: ES.ConstantLR(o, factor=2), "Constant multiplicative factor"),
    (lambda o: ES.CosineAnnealingWarmRestarts(o, T_0=0), "positive integer T_0"),
    (lambda o: ES.OneCycleLR(o, max_lr=1.0), "total_steps OR"),
    (lambda o: ES.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="x"),
     "anneal_strategy"),
    (lambda o: ES.ReduceLROnPlateau(o, factor=1.0), "Factor should be < 1.0"),
    (lambda o: ES.ReduceLROnPlateau(o, mode="up"), "mode up is unknown"),
    (lambda o: ES.SequentialLR(o, [ES.StepLR(o, 2)], milestones=[3]), "one more"),
])
def test_scheduler_errors(make, match):
    eopt, _ = _optimizers()
    with pytest.raises(ValueError, match=match):
        make(eopt)


def test_one_cycle_past_total_steps_raises():
    eopt, _ = _optimizers()
    s = ES.OneCycleLR(eopt, max_lr=1.0, total_steps=3)
    s.step()
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()


class _HalfEachCycle:
    """A callable-object scale_fn: its __dict__ travels in the state dict, as in PyTorch."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, x):
        return self.base ** (x - 1)


CYCLIC = [
    dict(base_lr=0.01, max_lr=0.1, step_size_up=4),
    dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3, step_size_down=5,
         mode="triangular2"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.97,
         base_momentum=[0.7, 0.75], max_momentum=0.95),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=_HalfEachCycle()),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=_HalfEachCycle(),
         scale_mode="iterations", cycle_momentum=False),
]


@pytest.mark.parametrize("kwargs", CYCLIC, ids=[str(i) for i in range(len(CYCLIC))])
@pytest.mark.parametrize("opt_name,opt_kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                                 ("Adam", dict(lr=0.1, betas=(0.9, 0.99)))])
def test_cyclic_lr_matches_torch(kwargs, opt_name, opt_kwargs):
    eopt, topt = _optimizers(opt_name, opt_kwargs)
    _with_restart(lambda o: ES.CyclicLR(o, **kwargs), lambda o: TS.CyclicLR(o, **kwargs),
                  eopt, topt, steps=40)
    for eg, tg in zip(eopt.param_groups, topt.param_groups):
        assert eg["lr"] == pytest.approx(tg["lr"], rel=1e-12)


def test_cyclic_lr_errors():
    eopt, _ = _optimizers("SGD", dict(lr=0.1))
    with pytest.raises(ValueError, match="mode is invalid"):
        ES.CyclicLR(eopt, 0.01, 0.1, mode="zigzag")
    with pytest.raises(ValueError, match="must support momentum"):
        ES.CyclicLR(ember.optim.Adagrad(eopt.param_groups[0]["params"]), 0.01, 0.1)
    with pytest.raises(ValueError, match="Expected 2 values for max_lr"):
        ES.CyclicLR(eopt, 0.01, [0.1, 0.2, 0.3])
