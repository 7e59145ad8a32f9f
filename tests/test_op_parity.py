"""Forward values and gradients of every recorded op, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.opinfo import all_records
from tests.opinfo.core import with_noncontig
from tests.opinfo.runner import (
    assert_close,
    flatten,
    float_outputs,
    materialise,
    seed_for,
    to_ember,
    to_torch,
)

torch = pytest.importorskip("torch")

RECORDS = all_records()
CASES = [
    pytest.param(rec, sample, dtype, id=f"{rec.id}-{sample.name or i}-{dtype}")
    for rec in RECORDS
    for i, sample in enumerate(with_noncontig(rec.samples))
    for dtype in rec.dtypes
]


@pytest.mark.parametrize("rec,sample,dtype", CASES)
def test_forward_and_grad_match_torch(rec, sample, dtype):
    pairs, _ = materialise(sample, dtype, seed_for(rec.id, sample.name, dtype))
    grad = rec.grad and dtype in ("float32", "float64")
    e_args, e_leaves = to_ember(pairs, grad)
    t_args, t_leaves = to_torch(pairs, grad)
    e_out = rec.ember_fn(*e_args, **sample.kwargs)
    t_out = rec.torch_fn(*t_args, **sample.kwargs)
    if rec.compare is not None:
        e_cmp, t_cmp = rec.compare(e_out), rec.compare(t_out)
    else:
        e_cmp, t_cmp = e_out, t_out
    e_flat, t_flat = flatten(e_cmp), flatten(t_cmp)
    assert len(e_flat) == len(t_flat), f"{rec.id}: {len(e_flat)} outputs, torch {len(t_flat)}"
    tol = _tolerances(rec, dtype)
    for k, (e, t) in enumerate(zip(e_flat, t_flat)):
        assert_close(rec.id, f"output {k}", e, t, tol[0], tol[1], rec.check_dtype)

    if not (grad and e_leaves):
        return
    e_outs, t_outs = flatten(e_out), flatten(t_out)
    idx = float_outputs(e_outs)
    t_idx = [i for i, o in enumerate(t_outs) if isinstance(o, torch.Tensor) and o.requires_grad]
    assert idx == t_idx, f"{rec.id}: differentiable outputs {idx}, torch {t_idx}"
    if not idx:
        return
    rng = np.random.default_rng(seed_for(rec.id, sample.name, dtype, "cot"))
    cots = [rng.standard_normal(e_outs[i].shape).astype(as_np(e_outs[i])) for i in idx]
    e_grads = ember.autograd.grad([e_outs[i] for i in idx], e_leaves,
                                  [ember.tensor(c) for c in cots], allow_unused=True)
    t_grads = torch.autograd.grad([t_outs[i] for i in idx], t_leaves,
                                  [torch.from_numpy(c) for c in cots], allow_unused=True)
    for k, (eg, tg, leaf) in enumerate(zip(e_grads, t_grads, t_leaves)):
        eg = np.zeros(leaf.shape) if eg is None else eg
        tg = np.zeros(leaf.shape) if tg is None else tg
        assert_close(rec.id, f"gradient of input {k}", eg, tg, tol[2], tol[3], False)


def as_np(t):
    return t.detach().numpy().dtype


def _tolerances(rec, dtype):
    if dtype == "float64":
        return rec.f64_tol
    if dtype in ("float16", "bfloat16"):
        return 1e-2, 1e-2, 1e-2, 1e-2
    return rec.atol, rec.rtol, rec.grad_atol, rec.grad_rtol
