"""Records for ``gradient`` (ember/ops/finite_diff.py)."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def _rec(samples, errors=(), variant="", ember_fn=None, torch_fn=None, **kw):
    kw.setdefault("second_order", True)
    kw.setdefault("jvp", True)
    return OpRecord("gradient", ember_fn or ember.gradient, torch_fn or torch.gradient,
                    samples, errors=list(errors), variant=variant, **kw)


def _with_coordinates(lib, dim, edge_order):
    """Coordinates as a running sum of positive steps (increasing, like real samples); the
    gradient reaches both the values and the steps."""
    def run(f, steps):
        return lib.gradient(f, spacing=[steps.cumsum(0)], dim=dim, edge_order=edge_order)

    return run


SAMPLES = [
    Sample((T((7,)),), name="1d"),
    Sample((T((4, 5)),), name="all-dims"),
    Sample((T((4, 5)),), {"edge_order": 2}, name="edge-order-2"),
    Sample((T((3, 4, 5)),), {"dim": 1, "spacing": 2.5}, name="dim-scalar-spacing"),
    Sample((T((3, 4, 5)),), {"dim": (-1, 0), "spacing": [0.5, 3.0], "edge_order": 2},
           name="dims-spacing-list"),
    Sample((T((4, 5)),), {"dim": [1], "spacing": 2}, name="dim-list-int-spacing"),
    Sample((T((2, 3)),), name="two-samples"),
    Sample((T((3, 2, 0)),), {"dim": 0}, name="empty"),
    Sample((T(()),), name="0d"),
]

ERRORS = [
    ErrorInput((T((2,)),), {"edge_order": 2}, RuntimeError,
               r"gradient: expected each dimension size to be at least edge_order\+1 = 3, "
               r"got size 2 for dim 0 of shape \(2,\)"),
    ErrorInput((T((4,)),), {"edge_order": 3}, RuntimeError,
               "gradient: only supports edge_order=1 and edge_order=2, got edge_order=3"),
    ErrorInput((T((3, 4)),), {"spacing": [1.0, 2.0, 3.0]}, RuntimeError,
               "gradient: expected spacing to be unspecified, a scalar, or a list of length "
               "equal to 'self.dim\\(\\) = 2', since dim argument was not given, but got a "
               "list of length 3"),
    ErrorInput((T((3, 4)),), {"dim": 2}, IndexError, "gradient: .*out of range"),
    ErrorInput((T((3, 4)),), {"dim": (0, -2)}, RuntimeError,
               "gradient: dim 0 appears multiple times"),
    ErrorInput((T((4, 6)), T((3,))), {}, RuntimeError, "gradient: expected each coordinate "
               r"tensor to be 1-D with the size of its dimension, got shape \(3,\) for dim 1"),
]

RECORDS = [
    _rec(SAMPLES, ERRORS[:5]),
    _rec([Sample((I((6,), high=50),)), Sample((I((3, 4), high=50),), {"edge_order": 2})],
         variant="int", dtypes=("float32",), grad=False, fd=False, second_order=False,
         jvp=False),
    *[_rec([Sample((T((4, 6)), T((6,), low=0.5, high=1.5)))]
           # a dim of size 2 (one step) takes edge_order=1 only
           + ([Sample((T((3, 2)), T((2,), low=0.5, high=1.5)), name="two-samples")]
              if e == 1 else []),
           ERRORS[5:] if e == 1 else (),
           variant=f"coordinates-e{e}",
           ember_fn=_with_coordinates(ember, 1, e), torch_fn=_with_coordinates(torch, 1, e))
      for e in (1, 2)],
    _rec([Sample((T((5,)), T((5,), low=0.5, high=1.5)))], variant="coordinates-1d",
         ember_fn=_with_coordinates(ember, None, 2), torch_fn=_with_coordinates(torch, None, 2)),
]
