"""Float64 finite-difference checks of every recorded op's derivatives, without PyTorch.

Each check is directional, as in JAX's ``check_grads``: for random ``v`` (input direction)
and ``w`` (output cotangent), ``<w, J v>`` from central differences must equal
``<J^T w, v>`` from reverse mode (and ``J v`` from forward mode). Second order repeats the
check on ``x -> <J(x)^T w, u>``.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from tests.opinfo import all_records
from tests.opinfo.core import T
from tests.opinfo.runner import flatten, materialise, seed_for, to_ember

RECORDS = [r for r in all_records() if r.grad and r.fd]
EPS = 1e-6


def _cases(predicate):
    return [
        pytest.param(rec, sample, id=f"{rec.id}-{sample.name or i}")
        for rec in RECORDS if predicate(rec)
        for i, sample in enumerate(rec.samples)
        if any(isinstance(s, T) and s.grad for s in _specs(sample))
    ]


def _specs(sample):
    from tests.opinfo.core import spec_leaves

    return list(spec_leaves(sample.args))


class Problem:
    """``f(x) = sum_k <w_k, out_k(x)>`` over the float outputs, for one record sample."""

    def __init__(self, rec, sample):
        self.rec, self.sample = rec, sample
        pairs, _ = materialise(sample, "float64", seed_for(rec.id, sample.name, "fd"))
        self.args, self.leaves = to_ember(pairs, True)
        rng = np.random.default_rng(seed_for(rec.id, sample.name, "dirs"))
        outs = self.outputs(self.args)
        self.w = [rng.standard_normal(o.shape) for o in outs]
        self.v = [rng.standard_normal(leaf.shape) for leaf in self.leaves]
        self.u = [rng.standard_normal(leaf.shape) for leaf in self.leaves]

    def outputs(self, args):
        out = flatten(self.rec.ember_fn(*args, **self.sample.kwargs))
        return [o for o in out if isinstance(o, ember.Tensor) and o.dtype == ember.float64]

    def with_leaves(self, arrays, requires_grad=False):
        """The argument structure with the differentiated leaves replaced by ``arrays``."""
        new = [ember.tensor(a, requires_grad=requires_grad) for a in arrays]
        mapping = {id(leaf): t for leaf, t in zip(self.leaves, new)}
        return _replace(self.args, mapping), new

    def scalar(self, arrays) -> float:
        outs = self.outputs(self.with_leaves(arrays)[0])
        return float(sum(np.sum(w * o.detach().numpy()) for w, o in zip(self.w, outs)))

    def directional_fd(self, fn) -> float:
        base = [leaf.detach().numpy() for leaf in self.leaves]
        plus = [b + EPS * v for b, v in zip(base, self.v)]
        minus = [b - EPS * v for b, v in zip(base, self.v)]
        return (fn(plus) - fn(minus)) / (2 * EPS)


def _replace(args, mapping):
    if isinstance(args, tuple):
        return tuple(_replace(a, mapping) for a in args)
    if isinstance(args, list):
        return [_replace(a, mapping) for a in args]
    return mapping.get(id(args), args)


def _vjp(problem: Problem, args, leaves, create_graph=False):
    outs = problem.outputs(args)
    return ember.autograd.grad(outs, leaves, [ember.tensor(w) for w in problem.w],
                               create_graph=create_graph, allow_unused=True,
                               materialize_grads=True)


def _close(rec, analytic: float, numeric: float, what: str) -> None:
    scale = max(1.0, abs(analytic), abs(numeric))
    assert abs(analytic - numeric) <= rec.fd_tol * scale, (
        f"{rec.id}: {what} {analytic!r} != finite differences {numeric!r}"
    )


@pytest.mark.parametrize("rec,sample", _cases(lambda r: True))
def test_reverse_mode_matches_finite_differences(rec, sample):
    p = Problem(rec, sample)
    grads = _vjp(p, p.args, p.leaves)
    analytic = sum(float(np.sum(g.numpy() * v)) for g, v in zip(grads, p.v))
    _close(rec, analytic, p.directional_fd(p.scalar), "<J^T w, v>")


@pytest.mark.parametrize("rec,sample", _cases(lambda r: r.second_order))
def test_second_order_matches_finite_differences(rec, sample):
    p = Problem(rec, sample)

    def first_order(arrays) -> float:
        args, leaves = p.with_leaves(arrays, requires_grad=True)
        grads = _vjp(p, args, leaves)
        return float(sum(np.sum(g.numpy() * u) for g, u in zip(grads, p.u)))

    grads = _vjp(p, p.args, p.leaves, create_graph=True)
    inner = sum((g * ember.tensor(u)).sum() for g, u in zip(grads, p.u))
    if not inner.requires_grad:  # the gradient does not depend on x: the check is exact
        second = [ember.zeros(leaf.shape, dtype=ember.float64) for leaf in p.leaves]
    else:
        second = ember.autograd.grad(inner, p.leaves, allow_unused=True,
                                     materialize_grads=True)
    analytic = sum(float(np.sum(g.detach().numpy() * v)) for g, v in zip(second, p.v))
    _close(rec, analytic, p.directional_fd(first_order), "second-order <H u, v>")


@pytest.mark.parametrize("rec,sample", _cases(lambda r: r.jvp))
def test_forward_mode_matches_finite_differences(rec, sample):
    p = Problem(rec, sample)
    fw = ember.autograd.forward_ad
    with fw.dual_level():
        mapping = {id(leaf): fw.make_dual(leaf.detach(), ember.tensor(v))
                   for leaf, v in zip(p.leaves, p.v)}
        outs = p.outputs(_replace(p.args, mapping))
        tangents = [fw.unpack_dual(o).tangent for o in outs]
    analytic = sum(0.0 if t is None else float(np.sum(w * t.numpy()))
                   for w, t in zip(p.w, tangents))
    _close(rec, analytic, p.directional_fd(p.scalar), "<w, J v> (forward mode)")

