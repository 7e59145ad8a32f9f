"""Records for ``ember.nn.grad`` (a convolution's input and weight gradients from its output
gradient) against ``torch.nn.grad``, whose values come from ATen's convolution_backward."""

import torch.nn.grad as TG

import ember.nn.grad as G

from .core import ErrorInput, I, OpRecord, Sample, T

_TOL = dict(atol=1e-4, grad_atol=1e-4, grad_rtol=1e-4, second_order=True, jvp=True)

# (input size, weight size, grad_output size, keyword arguments), one per spatial rank; the
# 1-D case has a remainder (stride 2 leaves the last input column out of every window).
_GEOMETRY = {
    1: [((2, 4, 10), (6, 2, 3), (2, 6, 5), dict(stride=2, padding=1, groups=2)),
        ((3, 2, 5), (3, 2, 2), (3, 3, 4), {})],
    2: [((1, 3, 7, 6), (4, 3, 3, 2), (1, 4, 4, 4), dict(stride=(2, 1), padding=(1, 0),
                                                       dilation=(1, 2)))],
    3: [((1, 2, 4, 4, 3), (2, 1, 2, 2, 2), (1, 2, 5, 5, 4), dict(padding=1, groups=2))],
}


def _records(nd):
    cases = _GEOMETRY[nd]
    inputs = [Sample((size, T(w), T(g)), kw, name=f"case{i}")
              for i, (size, w, g, kw) in enumerate(cases)]
    weights = [Sample((T(size), w, T(g)), kw, name=f"case{i}")
               for i, (size, w, g, kw) in enumerate(cases)]
    size, w, g, kw = cases[0]
    bad_out = g[:-1] + (g[-1] + 1,)
    input_errors = [
        ErrorInput((size, T(w), T(bad_out)), kw, RuntimeError,
                   rf"conv{nd}d_input: expected grad_output of size {_re(g)}"),
        ErrorInput((size[:1] + (size[1] + 1,) + size[2:], T(w), T(g)), kw, RuntimeError,
                   rf"conv{nd}d_input: given groups=.* does not fit an input of size"),
    ]
    weight_errors = [
        ErrorInput((T(size), w, T(bad_out)), kw, RuntimeError,
                   rf"conv{nd}d_weight: expected grad_output of size {_re(g)}"),
        ErrorInput((I(size), w, I(g)), kw, RuntimeError,
                   rf"conv{nd}d_weight: expected a floating-point tensor, got int64"),
    ]
    return [
        OpRecord(f"nn.grad.conv{nd}d_input", getattr(G, f"conv{nd}d_input"),
                 getattr(TG, f"conv{nd}d_input"), inputs, errors=input_errors, **_TOL),
        OpRecord(f"nn.grad.conv{nd}d_weight", getattr(G, f"conv{nd}d_weight"),
                 getattr(TG, f"conv{nd}d_weight"), weights, errors=weight_errors, **_TOL),
    ]


def _re(size):
    return r"\(" + r", ".join(str(s) for s in size) + r"\)"


RECORDS = _records(1) + _records(2) + _records(3)
