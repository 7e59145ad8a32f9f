"""``SummaryWriter``: TensorBoard event files (scalars, histograms, text and the module graph)
with the API of ``torch.utils.tensorboard``.

The records are TensorBoard's own protocol buffers, written with TensorBoard's event file
writer, so ``tensorboard --logdir runs`` reads them; the ``tensorboard`` package is needed
(``pip install "ember[tensorboard]"``), TensorFlow is not. Values may be ember Tensors,
NumPy arrays or Python numbers. The writer works on its own, without ``Model.fit``::

    from ember.tensorboard import SummaryWriter
    with SummaryWriter("runs/exp1") as writer:
        for step in range(100):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_histogram("fc.weight", model.fc.weight, step)
        writer.add_graph(model, example_input)

``add_graph`` records the module tree: one node per leaf module call, named by its module
path with ``/`` between the parts (``features/0``), so containers appear as groups; the op is
the class name, inputs follow the tensors from call to call (the previous call when a
tensor was made by code outside a module), and attributes hold the output shapes
(``_output_shapes``), the parameter shapes and the layer's settings.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from ._summary import _tensors, trace_forward
from .tensor import Tensor

__all__ = ["SummaryWriter"]


def _tb() -> dict[str, Any]:
    """TensorBoard's protos and event file writer (imported on first use)."""
    try:
        from tensorboard.compat.proto import (
            attr_value_pb2,
            event_pb2,
            graph_pb2,
            node_def_pb2,
            summary_pb2,
            tensor_pb2,
            tensor_shape_pb2,
            types_pb2,
            versions_pb2,
        )
        from tensorboard.plugins.text import plugin_data_pb2 as text_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as exc:
        raise ImportError('ember.tensorboard.SummaryWriter needs the tensorboard package: '
                          'pip install "ember[tensorboard]"') from exc
    return {"attr": attr_value_pb2, "event": event_pb2, "graph": graph_pb2,
            "node": node_def_pb2, "summary": summary_pb2, "tensor": tensor_pb2,
            "shape": tensor_shape_pb2, "types": types_pb2, "versions": versions_pb2,
            "text": text_pb2, "EventFileWriter": EventFileWriter}


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.detach().numpy(force=True)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        array = array.astype(np.float64)  # bfloat16 and other extension floats
    return array


def _tensorflow_bins() -> list[float]:
    """TensorBoard's default bucket edges: +-1e-12 growing by 10% up to 1e20, and 0."""
    v, buckets = 1e-12, []
    while v < 1e20:
        buckets.append(v)
        v *= 1.1
    return [-b for b in reversed(buckets)] + [0.0] + buckets


def histogram_proto(values: Any, bins: Any = "tensorflow") -> Any:
    """A ``HistogramProto`` of ``values`` (any shape): min, max, count, sum, sum of squares,
    and the bucket right edges and counts of ``np.histogram(values, bins)`` trimmed to the
    non-empty range, with one empty bucket in front so the leftmost edge is kept (as
    TensorBoard expects). ``bins="tensorflow"`` uses TensorBoard's default edges."""
    tb = _tb()
    data = _to_numpy(values).astype(np.float64).reshape(-1)
    if data.size == 0:
        raise ValueError("add_histogram: values are empty")
    if not np.isfinite(data).all():
        raise ValueError("add_histogram: values contain NaN or infinity")
    edges = _tensorflow_bins() if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, limits = np.histogram(data, bins=edges)
    nonzero = np.flatnonzero(counts)
    first, last = int(nonzero[0]), int(nonzero[-1])
    return tb["summary"].HistogramProto(
        min=float(data.min()), max=float(data.max()), num=int(data.size),
        sum=float(data.sum()), sum_squares=float(data.dot(data)),
        bucket_limit=[float(x) for x in limits[first:last + 2]],
        bucket=[0.0] + [float(c) for c in counts[first:last + 1]])


class SummaryWriter:
    """Write TensorBoard event files to ``log_dir`` (default
    ``runs/<month><day>_<H-M-S>_<hostname><comment>``, as PyTorch's).

    Events are queued and written by a background thread every ``flush_secs`` seconds, when
    ``max_queue`` events are pending, on :meth:`flush` and on :meth:`close` (also at the end
    of a ``with`` block). Adding after ``close`` opens a new event file in the same folder.
    """

    def __init__(self, log_dir: str | os.PathLike | None = None, *, comment: str = "",
                 max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = "") -> None:
        self._tb = _tb()
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self._writers: dict[str, Any] = {}
        self._writer(self.log_dir)

    # ------------------------------------------------------------------ plumbing
    def _writer(self, log_dir: str) -> Any:
        if log_dir not in self._writers:
            self._writers[log_dir] = self._tb["EventFileWriter"](
                log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
        return self._writers[log_dir]

    def _add(self, event: Any, step: Any, walltime: float | None,
             log_dir: str | None = None) -> None:
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        self._writer(log_dir or self.log_dir).add_event(event)

    def _add_summary(self, value: Any, step: Any, walltime: float | None,
                     log_dir: str | None = None) -> None:
        summary = self._tb["summary"].Summary(value=[value])
        self._add(self._tb["event"].Event(summary=summary), step, walltime, log_dir)

    def get_logdir(self) -> str:
        return self.log_dir

    # ------------------------------------------------------------------ records
    def _scalar_value(self, tag: str, value: Any) -> Any:
        array = _to_numpy(value)
        if array.size != 1:
            raise ValueError(f"add_scalar: tag {tag!r} needs a single number, got a value of "
                             f"shape {array.shape}")
        return self._tb["summary"].Summary.Value(tag=tag, simple_value=float(array.item()))

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None) -> None:
        """Record one number (a Python number, a one-element array or Tensor)."""
        self._add_summary(self._scalar_value(tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: Mapping[str, Any],
                    global_step: int | None = None, walltime: float | None = None) -> None:
        """Several numbers on one chart: as PyTorch, each goes to the run
        ``<log_dir>/<main_tag>_<key>`` under the tag ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        for key, value in tag_scalar_dict.items():
            run = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            self._add_summary(self._scalar_value(main_tag, value), global_step, walltime,
                              run)

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None,
                      bins: Any = "tensorflow", walltime: float | None = None) -> None:
        """Record the distribution of ``values``; ``bins`` is ``"tensorflow"`` (TensorBoard's
        default exponential edges), a number of equal bins or anything ``np.histogram``
        takes."""
        value = self._tb["summary"].Summary.Value(tag=tag, histo=histogram_proto(values, bins))
        self._add_summary(value, global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Record a (Markdown) string, under ``<tag>/text_summary`` as PyTorch."""
        tb = self._tb
        plugin = tb["summary"].SummaryMetadata.PluginData(
            plugin_name="text", content=tb["text"].TextPluginData(version=0).SerializeToString())
        shape = tb["shape"].TensorShapeProto(dim=[tb["shape"].TensorShapeProto.Dim(size=1)])
        tensor = tb["tensor"].TensorProto(dtype="DT_STRING", tensor_shape=shape,
                                          string_val=[str(text_string).encode("utf-8")])
        value = tb["summary"].Summary.Value(
            tag=tag + "/text_summary", tensor=tensor,
            metadata=tb["summary"].SummaryMetadata(plugin_data=plugin))
        self._add_summary(value, global_step, walltime)

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False) -> None:
        """Run ``model`` once on ``input_to_model`` (a Tensor or a tuple of positional inputs;
        under ``no_grad``, in eval mode, training flags restored) and record its module
        graph."""
        graph = build_graph(model, input_to_model, self._tb)
        if verbose:
            print(graph)
        self._add(self._tb["event"].Event(graph_def=graph.SerializeToString()), None, None)

    # ------------------------------------------------------------------ lifetime
    def flush(self) -> None:
        """Write every pending event to disk."""
        for w in self._writers.values():
            w.flush()

    def close(self) -> None:
        """Flush and close the event files."""
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ---------------------------------------------------------------------- graph
_DT = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF",
       "bfloat16": "DT_BFLOAT16", "int64": "DT_INT64", "int32": "DT_INT32", "int16": "DT_INT16",
       "int8": "DT_INT8", "uint8": "DT_UINT8", "bool": "DT_BOOL"}


def _shape_proto(tb: dict, shape: Any) -> Any:
    dims = [tb["shape"].TensorShapeProto.Dim(size=int(d)) for d in shape]
    return tb["shape"].TensorShapeProto(dim=dims)


def _node(tb: dict, name: str, op: str, inputs: list[str], outputs: list[Tensor],
          module: Any = None) -> Any:
    attr_value = tb["attr"].AttrValue
    attrs = {"_output_shapes": attr_value(list=attr_value.ListValue(
        shape=[_shape_proto(tb, t.shape) for t in outputs]))}
    if outputs and outputs[0].dtype.name in _DT:
        attrs["dtype"] = attr_value(type=tb["types"].DataType.Value(_DT[outputs[0].dtype.name]))
    if module is not None:
        extra = module.extra_repr().replace("\n", ", ")
        if extra:
            attrs["attr"] = attr_value(s=extra.encode("utf-8"))
        for pname, p in module.named_parameters(recurse=False):
            attrs[f"param/{pname}"] = attr_value(shape=_shape_proto(tb, p.shape))
    return tb["node"].NodeDef(name=name, op=op, input=inputs, attr=attrs)


def _unique(name: str, used: set) -> str:
    candidate, k = name, 1
    while candidate in used:
        candidate, k = f"{name}_{k}", k + 1
    used.add(candidate)
    return candidate


def build_graph(model: Any, input_to_model: Any, tb: dict | None = None) -> Any:
    """The ``GraphDef`` of one forward pass of ``model``: input nodes, one node per leaf
    module call and an output node (see the module docstring)."""
    tb = tb or _tb()
    if input_to_model is None:
        raise ValueError("add_graph: input_to_model is needed to run the model once")
    args = tuple(input_to_model) if isinstance(input_to_model, (tuple, list)) \
        else (input_to_model,)
    calls, output = trace_forward(model, args)
    nodes, used, producer, keep = [], set(), {}, []
    last = None
    for i, t in enumerate(_tensors(args)):
        last = _unique(f"input/{i}", used)
        producer[id(t)] = last
        keep.append(t)
        nodes.append(_node(tb, last, "Input", [], [t]))
    for call in calls:
        if call.children:
            continue
        outs = list(_tensors(call.output))
        inputs = [producer[id(t)] for t in _tensors((call.args, call.kwargs))
                  if id(t) in producer]
        if not inputs and last is not None:
            inputs = [last]
        name = _unique(call.path.replace(".", "/") or type(model).__name__, used)
        nodes.append(_node(tb, name, type(call.module).__name__, list(dict.fromkeys(inputs)),
                           outs, call.module))
        for t in outs:
            producer[id(t)] = name
        keep.extend(outs)
        last = name
    outs = list(_tensors(output))
    inputs = [producer[id(t)] for t in outs if id(t) in producer] or \
        ([last] if last is not None else [])
    nodes.append(_node(tb, _unique("output/0", used), "Output", list(dict.fromkeys(inputs)),
                       outs))
    return tb["graph"].GraphDef(node=nodes, versions=tb["versions"].VersionDef(producer=22))
