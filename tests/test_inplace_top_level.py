"""PyTorch's top-level in-place functions (``ember.exp_(x)``) against ``torch.exp_``: same
values, and the input itself comes back."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.ops.inplace_more import TOP_LEVEL

torch = pytest.importorskip("torch")

VALUES = np.array([[0.25, 0.5, 0.75], [0.1, 0.9, 0.6]])
INTS = np.array([[4, 6, 9], [12, 15, 7]])
# extra arguments, as (module -> args) so each framework gets its own tensors
EXTRA = {
    "clamp_": lambda m: ((), {"min": 0.3, "max": 0.7}), "clip_": lambda m: ((0.3, 0.7), {}),
    "clamp_max_": lambda m: ((0.5,), {}), "clamp_min_": lambda m: ((0.5,), {}),
    "fill_": lambda m: ((2.5,), {}), "xlogy_": lambda m: ((m.tensor(VALUES + 1),), {}),
    "gcd_": lambda m: ((m.tensor(INTS[::-1].copy()),), {}),
    "lcm_": lambda m: ((m.tensor(INTS[::-1].copy()),), {}),
    "logit_": lambda m: ((), {"eps": 0.2}), "nan_to_num_": lambda m: ((), {"nan": 1.0}),
}
ACOSH = {"acosh_", "arccosh_"}  # defined from 1 up


def _input(module, name):
    if name in ("gcd_", "lcm_"):
        return module.tensor(INTS.copy())
    return module.tensor(VALUES + 1.0 if name in ACOSH else VALUES.copy())


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_inplace_matches_torch(name):
    assert hasattr(torch, name), f"torch has no {name}"
    e, t = _input(ember, name), _input(torch, name)
    e_args, e_kwargs = EXTRA.get(name, lambda m: ((), {}))(ember)
    t_args, t_kwargs = EXTRA.get(name, lambda m: ((), {}))(torch)
    got = getattr(ember, name)(e, *e_args, **e_kwargs)
    want = getattr(torch, name)(t, *t_args, **t_kwargs)
    assert got is e and want is t
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def test_top_level_inplace_refuses_non_tensor():
    with pytest.raises(TypeError, match=r"exp_\(\): argument 'input' .* must be Tensor, not list"):
        ember.exp_([1.0])
