"""``summary(model, input_size)``: a per-layer table of output shapes, parameters and MACs.

One forward pass runs on an example input (under ``no_grad``, in eval mode) with forward
hooks on every submodule; each module call becomes a row. The model's training flags are
restored and the hooks removed afterwards, also when the forward pass fails.

Counting conventions
--------------------
* **Parameters** of a row are those of the module and its children (each once); the totals
  count every parameter of the model once (shared parameters once), split into trainable
  (``requires_grad``) and frozen.
* **MACs** (multiply-accumulates) per call: ``Linear`` ``out_elems * in_features``;
  ``ConvNd`` ``out_elems * in_channels/groups * prod(kernel)``; ``ConvTransposeNd``
  ``in_elems * out_channels/groups * prod(kernel)``; ``RNN``/``LSTM``/``GRU`` (and their
  cells) ``tokens * (numel of every weight matrix)`` (each step multiplies the input and the
  hidden state by every layer's weights); ``MultiheadAttention`` the q/k/v and output
  projections plus ``2 * N * L * S * embed_dim`` for the scores and the weighted sum. Bias
  additions, activations, gate nonlinearities, pooling and softmax are not counted;
  ``Embedding`` is a lookup (0).
* **FLOPs** are ``2 * MACs`` for those layers. Normalisation layers (``BatchNorm``,
  ``InstanceNorm``, ``GroupNorm``, ``LayerNorm``, ``RMSNorm``) have no MACs but count
  elementwise FLOPs per output element: 2 to normalise (1 for ``RMSNorm``) plus 1 for the
  weight and 1 for the bias when present; computing the statistics is not counted.
* A module of a type listed above is counted by its formula alone; any other module counts
  the sum of the module calls made inside it (operations written directly in a custom
  ``forward`` are not seen).
* **Activation memory** is the bytes of the outputs of every leaf call (a call that makes
  no module call) during one forward pass at the example's batch size.

Memory units are decimal (1 KB = 1000 bytes).

>>> import ember
>>> net = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
>>> s = summary(net, (1, 4), verbose=False)
>>> s.total_params, s.total_macs, s.total_flops
(23, 18, 36)
>>> [(r.path, r.output_shape) for r in s.rows]
[('', (1, 2)), ('0', (1, 3)), ('1', (1, 3)), ('2', (1, 2))]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

import numpy as np

from . import dtypes as _dt
from .autograd.grad_mode import no_grad
from .tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerRow"]


# ---------------------------------------------------------------------- tracing
@dataclass
class _Call:
    module: Any
    path: str
    depth: int
    args: tuple
    kwargs: dict
    output: Any = None
    children: list = field(default_factory=list)


def _tensors(obj: Any) -> Iterator[Tensor]:
    """Every Tensor inside ``obj`` (nested tuples, lists, dicts, named tuples)."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def _shapes_text(obj: Any) -> str:
    shapes = [tuple(t.shape) for t in _tensors(obj)]
    return ", ".join(str(s) for s in shapes) if shapes else "(no tensor input)"


def _forward_error(model: Any, call: _Call | None, exc: Exception) -> Exception:
    where = "the model itself"
    if call is not None and call.path:
        extra = call.module.extra_repr().replace("\n", ", ")
        name = type(call.module).__name__
        where = f"'{call.path}' ({name}, {extra})" if extra else f"'{call.path}' ({name})"
    shapes = _shapes_text((call.args, call.kwargs)) if call is not None else "?"
    text = str(exc)
    if call is not None and text.startswith(call.module._error_prefix()):
        text = text[len(call.module._error_prefix()):]  # the path is named already
    message = (f"summary: forward of {type(model).__name__} failed at {where} with input "
               f"shape {shapes}: {text}")
    try:
        new = type(exc)(message)
    except Exception:  # an exception type with a different constructor
        new = RuntimeError(message)
    return new


def trace_forward(model: Any, args: tuple, kwargs: dict | None = None
                  ) -> tuple[list[_Call], Any]:
    """Run ``model(*args, **kwargs)`` once under ``no_grad`` in eval mode with hooks on every
    submodule; return the module calls (in call order, each with its nested calls) and the
    output. Training flags and hooks are restored also on error; a failing forward raises
    an exception of the same type naming the module path and its input shapes."""
    kwargs = kwargs or {}
    paths = {id(m): p for p, m in model.named_modules()}
    flags = [(m, m.training) for m in model.modules()]
    stack: list[_Call] = []
    calls: list[_Call] = []

    def pre_hook(module: Any, a: tuple, kw: dict) -> None:
        call = _Call(module, paths.get(id(module), "?"), len(stack), a, kw)
        if stack:
            stack[-1].children.append(call)
        stack.append(call)
        calls.append(call)

    def post_hook(module: Any, a: tuple, output: Any) -> None:
        stack.pop().output = output

    handles = []
    try:
        for m in model.modules():
            handles.append(m.register_forward_pre_hook(pre_hook, with_kwargs=True))
            handles.append(m.register_forward_hook(post_hook))
        model.eval()
        with no_grad():
            output = model(*args, **kwargs)
    except Exception as exc:
        raise _forward_error(model, stack[-1] if stack else None, exc) from exc
    finally:
        for h in handles:
            h.remove()
        for m, flag in flags:
            m.training = flag
    return calls, output


# ---------------------------------------------------------------------- counting
def _first_tensor(call: _Call, name: str | None = None) -> Tensor | None:
    if name is not None and isinstance(call.kwargs.get(name), Tensor):
        return call.kwargs[name]
    return next(_tensors((call.args, call.kwargs)), None)


def _numel(t: Any) -> int:
    return int(math.prod(t.shape)) if t is not None else 0


def _rnn_tokens(x: Any, batched_dim: int) -> int:
    """Sequence steps times batch: the rows of a packed sequence's data, else all but the
    feature dimension."""
    if hasattr(x, "batch_sizes") and hasattr(x, "data"):
        return int(x.data.shape[0])
    if x is None:
        return 0
    return int(math.prod(x.shape[:-1])) if x.dim() >= batched_dim - 1 else 0


def _mha_macs(m: Any, call: _Call) -> int:
    args = list(call.args) + [None] * 3
    q = call.kwargs.get("query", args[0])
    k = call.kwargs.get("key", args[1])
    if q is None or k is None:
        return 0
    e = m.embed_dim
    batched = q.dim() == 3
    n = (q.shape[0] if m.batch_first else q.shape[1]) if batched else 1
    lq = (q.shape[1] if m.batch_first else q.shape[0]) if batched else q.shape[0]
    lk = (k.shape[1] if m.batch_first else k.shape[0]) if batched else k.shape[0]
    proj = lq * e * e + lk * e * m.kdim + lk * e * m.vdim + lq * e * e
    s = lk + (m.bias_k is not None) + bool(m.add_zero_attn)
    return int(n * (proj + 2 * lq * s * e))


def _own_counts(call: _Call) -> tuple[int, int] | None:
    """(MACs, FLOPs) of a module of a known type, or None for any other module."""
    from .nn.modules import attention, conv, linear, normalization, rnn, rnn_cells, sparse

    m, out = call.module, next(_tensors(call.output), None)
    if isinstance(m, linear.Linear):
        macs = _numel(out) * m.in_features
    elif isinstance(m, conv._ConvNd):
        kernel = math.prod(m.kernel_size)
        if m.transposed:
            macs = _numel(_first_tensor(call)) * (m.out_channels // m.groups) * kernel
        else:
            macs = _numel(out) * (m.in_channels // m.groups) * kernel
    elif isinstance(m, (rnn.RNNBase, rnn_cells.RNNCellBase)):
        weights = sum(p.numel() for n, p in m.named_parameters(recurse=False)
                      if n.startswith("weight"))
        cell = isinstance(m, rnn_cells.RNNCellBase)
        x = _first_tensor(call, "input")
        tokens = (x.shape[0] if x.dim() == 2 else 1) if cell else _rnn_tokens(x, 3)
        macs = tokens * weights
    elif isinstance(m, attention.MultiheadAttention):
        macs = _mha_macs(m, call)
    elif isinstance(m, (normalization._NormBase, normalization.LayerNorm,
                        normalization.GroupNorm, normalization.RMSNorm)):
        per = 1 if isinstance(m, normalization.RMSNorm) else 2
        per += (getattr(m, "weight", None) is not None) + (getattr(m, "bias", None) is not None)
        return 0, _numel(out) * per
    elif isinstance(m, sparse._EmbeddingBase):
        return 0, 0
    else:
        return None
    return int(macs), 2 * int(macs)


def _call_counts(call: _Call) -> tuple[int, int]:
    own = _own_counts(call)
    if own is not None:
        return own
    macs = flops = 0
    for child in call.children:
        c_macs, c_flops = _call_counts(child)
        macs, flops = macs + c_macs, flops + c_flops
    return macs, flops


def _bytes(obj: Any) -> int:
    seen, total = set(), 0
    for t in _tensors(obj):
        if id(t) not in seen:
            seen.add(id(t))
            total += t.numel() * t.dtype.itemsize
    return total


def _param_split(params: Iterator[Any]) -> tuple[int, int, int]:
    trainable = frozen = nbytes = 0
    for p in params:
        n = p.numel()
        nbytes += n * p.dtype.itemsize
        if p.requires_grad:
            trainable += n
        else:
            frozen += n
    return trainable, frozen, nbytes


# ---------------------------------------------------------------------- results
@dataclass
class LayerRow:
    """One module call: ``path`` is the dotted module path ('' for the model itself),
    ``output_shape`` a tuple (a list of tuples for several output tensors), parameters of the
    module and its children, ``macs``/``flops`` as in the module docstring, ``output_bytes``
    the bytes of the call's output tensors. A submodule that the forward pass never called
    (its parent used its weights directly) gets a row with ``called=False`` and no output."""

    path: str
    class_name: str
    depth: int
    output_shape: tuple | list
    trainable_params: int
    frozen_params: int
    macs: int
    flops: int
    output_bytes: int
    is_leaf: bool
    called: bool = True

    @property
    def params(self) -> int:
        return self.trainable_params + self.frozen_params


@dataclass
class ModelSummary:
    """The figures of :func:`summary`; ``str()`` gives the table."""

    model_name: str
    input_shapes: list
    batch_size: int
    rows: list[LayerRow]
    total_params: int
    trainable_params: int
    frozen_params: int
    param_bytes: int
    buffer_bytes: int
    activation_bytes: int
    total_macs: int
    total_flops: int
    depth: int | None = None

    def to_dict(self) -> dict:
        """Plain lists, dicts, strings and numbers (JSON-able)."""
        def plain(shape: Any) -> Any:
            return [plain(s) for s in shape] if isinstance(shape, (tuple, list)) else shape
        data = asdict(self)
        data["input_shapes"] = plain(self.input_shapes)
        for row in data["rows"]:
            row["output_shape"] = plain(row["output_shape"])
        return data

    def __str__(self) -> str:
        return _table(self)


def human(n: float, unit: str = "") -> str:
    """``1234567`` -> ``'1.23M'`` (decimal prefixes K, M, G, T).

    >>> human(950), human(12_345), human(3_200_000, "B")
    ('950', '12.35K', '3.20 MB')
    """
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{' ' if unit else ''}{prefix}{unit}"
    return f"{int(n)}{' ' + unit if unit else ''}"


def _shape_cell(shape: Any) -> str:
    if isinstance(shape, tuple):
        return "[" + ", ".join(str(d) for d in shape) + "]"
    return ", ".join(_shape_cell(s) for s in shape) or "--"


def _table(s: ModelSummary) -> str:
    header = ("Layer (path)", "Type", "Output shape", "Trainable", "Frozen", "MACs", "FLOPs")
    body = []
    for r in s.rows:
        if s.depth is not None and r.depth > s.depth:
            continue
        body.append(("  " * r.depth + (r.path or "(model)"), r.class_name,
                     _shape_cell(r.output_shape) if r.called else "(not called)",
                     f"{r.trainable_params:,}",
                     f"{r.frozen_params:,}", human(r.macs), human(r.flops)))
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "=" * len(line(header))
    totals = [
        f"Total params: {s.total_params:,} ({human(s.total_params)})",
        f"Trainable params: {s.trainable_params:,}",
        f"Frozen params: {s.frozen_params:,}",
        f"Parameter memory: {human(s.param_bytes, 'B')}"
        + (f" (+ buffers {human(s.buffer_bytes, 'B')})" if s.buffer_bytes else ""),
        f"Estimated activation memory: {human(s.activation_bytes, 'B')} "
        f"(forward activations, batch {s.batch_size})",
        f"Total MACs: {human(s.total_macs)}   Total FLOPs: {human(s.total_flops)}",
    ]
    inputs = ", ".join(_shape_cell(x) for x in s.input_shapes)
    return "\n".join([f"{s.model_name} summary, input {inputs}", rule, line(header),
                      "-" * len(rule), *(line(b) for b in body), rule, *totals])


# ---------------------------------------------------------------------- entry point
def _default_dtype(model: Any) -> _dt.DType:
    for p in model.parameters():
        if p.dtype.is_floating_point:
            return p.dtype
    return _dt.get_default_dtype()


def _make_input(shape: Sequence[int], dtype: _dt.DType, like: Any) -> Tensor:
    from . import ops

    shape = tuple(int(d) for d in shape)
    if dtype.is_floating_point:
        data = np.random.default_rng(0).standard_normal(shape).astype(dtype.np)
    else:
        data = np.zeros(shape, dtype=dtype.np)  # valid indices for embeddings
    t = ops.from_numpy(data)
    if like is not None and like.device.type != "cpu":
        t = t.to(like.device)
    return t


def _inputs(model: Any, input_size: Any, input_data: Any, dtype: Any) -> tuple[tuple, dict]:
    if (input_size is None) == (input_data is None):
        raise ValueError("summary: pass exactly one of input_size (a shape including the "
                         "batch dimension, or a list of shapes) and input_data (an example "
                         f"input), got input_size={input_size!r} and "
                         f"input_data={type(input_data).__name__}")
    if input_data is not None:
        if isinstance(input_data, dict):
            return (), dict(input_data)
        if isinstance(input_data, (tuple, list)):
            return tuple(input_data), {}
        return (input_data,), {}
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise ValueError(f"summary: input_size must be a shape tuple including the batch "
                         f"dimension, e.g. (1, 3, 32, 32), or a list of them; got "
                         f"{input_size!r}")
    sizes = [input_size] if all(isinstance(d, int) for d in input_size) else list(input_size)
    dtypes = dtype if isinstance(dtype, (tuple, list)) else [dtype] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: got {len(sizes)} input shapes but {len(dtypes)} dtypes")
    like = next(iter(model.parameters()), None)
    fallback = _default_dtype(model)
    return tuple(_make_input(s, _dt.as_dtype(d) if d is not None else fallback, like)
                 for s, d in zip(sizes, dtypes)), {}


def _output_shape(output: Any) -> tuple | list:
    if isinstance(output, Tensor):
        return tuple(output.shape)
    return [tuple(t.shape) for t in _tensors(output)]


def _add_rows(call: _Call, called: set, rows: list[LayerRow]) -> None:
    """Rows of ``call`` and its nested calls (pre-order), then of the children of its module
    that no call of the forward pass reached (e.g. ``MultiheadAttention.out_proj``, whose
    weights are used directly)."""
    trainable, frozen, _ = _param_split(call.module.parameters())
    macs, flops = _call_counts(call)
    rows.append(LayerRow(call.path, type(call.module).__name__, call.depth,
                         _output_shape(call.output), trainable, frozen, macs, flops,
                         _bytes(call.output), not call.children))
    for child in call.children:
        _add_rows(child, called, rows)
    prefix = call.path + "." if call.path else ""
    for name, module in call.module.named_children():
        if id(module) not in called:
            _add_uncalled(module, prefix + name, call.depth + 1, called, rows)


def _add_uncalled(module: Any, path: str, depth: int, called: set,
                  rows: list[LayerRow]) -> None:
    called.add(id(module))  # once
    trainable, frozen, _ = _param_split(module.parameters())
    rows.append(LayerRow(path, type(module).__name__, depth, [], trainable, frozen, 0, 0, 0,
                         False, called=False))
    for name, child in module.named_children():
        if id(child) not in called:
            _add_uncalled(child, f"{path}.{name}", depth + 1, called, rows)


def summary(model: Any, input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
            *, input_data: Any = None, dtype: Any = None, depth: int | None = None,
            verbose: bool = True, file: TextIO | None = None) -> ModelSummary:
    """Run ``model`` once on an example input and tabulate every module call: dotted path,
    class, output shape, trainable and frozen parameters, MACs and FLOPs, with totals
    (parameters, parameter memory, forward activation memory, MACs, FLOPs).

    ``input_size`` is the full input shape *including the batch dimension*, e.g.
    ``(1, 3, 32, 32)``, or a list of shapes for a model with several inputs; inputs are
    drawn from a fixed local generator (integer dtypes get zeros) in ``dtype`` (one dtype or
    a list; default: the dtype of the model's first floating parameter). Alternatively
    pass ``input_data``: a Tensor, a tuple/list of positional inputs or a dict of keyword
    inputs. ``depth`` limits the rows printed (0 is the model itself); ``rows`` always holds
    every call. The table is printed to ``file`` (standard output) when ``verbose``.

    >>> import ember
    >>> s = summary(ember.nn.Conv2d(3, 8, 3), (2, 3, 10, 10), verbose=False)
    >>> s.rows[0].output_shape, s.total_macs == 2 * 8 * 8 * 8 * 3 * 3 * 3
    ((2, 8, 8, 8), True)
    """
    args, kwargs = _inputs(model, input_size, input_data, dtype)
    calls, _ = trace_forward(model, args, kwargs)
    called = {id(c.module) for c in calls}
    rows: list[LayerRow] = []
    for call in calls:
        if call.depth == 0:
            _add_rows(call, called, rows)
    trainable, frozen, param_bytes = _param_split(model.parameters())
    buffer_bytes = sum(b.numel() * b.dtype.itemsize for b in model.buffers())
    first = next(_tensors((args, kwargs)), None)
    top = [c for c in calls if c.depth == 0]
    total_macs = sum(_call_counts(c)[0] for c in top)
    total_flops = sum(_call_counts(c)[1] for c in top)
    result = ModelSummary(
        model_name=type(model).__name__,
        input_shapes=[tuple(t.shape) for t in _tensors((args, kwargs))],
        batch_size=int(first.shape[0]) if first is not None and first.dim() else 1,
        rows=rows, total_params=trainable + frozen, trainable_params=trainable,
        frozen_params=frozen, param_bytes=param_bytes, buffer_bytes=buffer_bytes,
        activation_bytes=sum(r.output_bytes for r in rows if r.is_leaf),
        total_macs=total_macs, total_flops=total_flops, depth=depth)
    if verbose:
        print(result, file=file if file is not None else sys.stdout)
    return result
