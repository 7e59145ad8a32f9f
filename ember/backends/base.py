"""Device objects and the interface every backend implements."""

from __future__ import annotations

from typing import Any


class Device:
    """A device such as ``cpu`` or ``cuda:0``; compares equal to its string form.

    >>> Device("cpu") == "cpu"
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: str | Device = "cpu", index: int | None = None) -> None:
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"device: unknown device type '{kind}' (expected 'cpu' or 'cuda')")
        self.type = kind
        if idx:
            index = int(idx)
        self.index = index if kind == "cuda" else None
        if kind == "cuda" and self.index is None:
            self.index = 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = Device(other)
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


def device(spec: str | Device = "cpu", index: int | None = None) -> Device:
    """Build a :class:`Device`, like ``torch.device``."""
    return Device(spec, index)


class Kernels:
    """Optional fused kernels a backend may offer. Each method returns its result, or None
    to let the op run its own array code (the reference). This base offers none."""

    def arithmetic(self, name: str, x, y, out=None):
        """``x + y``, ``x - y``, ``x * y`` or ``x / y`` (``name``: add, sub, mul, div) of two
        arrays of one shape and dtype, into a new array or ``out`` (``x`` itself for an
        in-place op)."""
        return None

    def relu(self, x):
        """``maximum(x, 0)``."""
        return None

    def relu_backward(self, g, y):
        """``g`` where ``y > 0``, else +0.0."""
        return None

    def max_pool2d(self, x, kernel: tuple):
        """``(values, uint8 argmax taps)`` over non-overlapping ``kernel`` windows."""
        return None

    def max_pool2d_spread(self, g, taps, kernel: tuple, size: tuple):
        """The adjoint of ``max_pool2d``: ``g`` at each argmax, zeros elsewhere."""
        return None

    def norm_affine(self, y, w, b, per_channel: bool):
        """``y * w + b``, weight and bias over dim 1 or over the trailing dims."""
        return None

    def norm_affine_backward(self, g, y, w, per_channel: bool):
        """``(d y, d w, d b)`` of ``norm_affine``."""
        return None

    def adam(self, p, g, m, v, **hyper):
        """One Adam/AdamW step in place (see ``ember.optim.Adam``); True when done."""
        return None

    def sgd_momentum(self, p, g, buf, **hyper):
        """One SGD-with-momentum step in place (see ``ember.optim.SGD``); True when done."""
        return None

    def standardize(self, x, dims: tuple, eps: float, center: bool):
        """``(y, mean, var, invstd)`` of a normalisation over ``dims``."""
        return None

    def layer_norm(self, x, dims: tuple, eps: float, w, b):
        """``standardize(x)[0] * w + b`` over trailing ``dims``, keeping no statistics."""
        return None

    def standardize_backward(self, g, y, invstd, dims: tuple, center: bool):
        """The input gradient of ``standardize``."""
        return None

    def index_add_rows(self, out, index, rows):
        """``out[index[i]] += rows[i]`` in order, in place; True when done."""
        return None

    def take_rows(self, table, index):
        """``table[index]`` for a matrix ``table`` and in-range integer indices."""
        return None

    def add_bias(self, x, bias, relu: bool = False):
        """``x += bias`` in place, over axis 1 of ``(R, D)`` or ``(N, C, L)``, then
        ``maximum(x, 0)`` when ``relu`` (``(R, D)`` only); True when done."""
        return None

    def swapped_copy(self, x):
        """A C-contiguous copy of a view ``x`` that reads a contiguous array with two blocks
        of its axes swapped (a transposed ``(T, B, H)``, heads moved past the sequence)."""
        return None

    def channels_first_chunk(self, g, n0: int, out, sums):
        """``out (C, m, L) = g[n0:n0+m]`` axes swapped, ``sums[c] +=`` totals; True when
        done."""
        return None

    def frame_in(self, src, n0: int, m: int, dst, base: int, padded: tuple, corner: tuple,
                 sums):
        """Copy images ``n0 .. n0+m`` of ``src (N, C, H, W)`` into the flattened padded
        frames of ``dst (C, positions)``; ``sums[c] +=`` totals; True when done."""
        return None

    def frame_out(self, src, positions_first: bool, base: int, padded: tuple,
                  corner: tuple, dst, n0: int, m: int, bias):
        """The reverse copy, from frames into images ``n0 .. n0+m`` of ``dst`` (+ bias);
        True when done."""
        return None

    def im2col2d(self, padded, cols, n0: int, m: int, offsets, stride: tuple = (1, 1)):
        """Fill a convolution's column buffer in place; True when done."""
        return None

    def col2im2d(self, dpad, dcols, n0: int, m: int, offsets, stride: tuple = (1, 1)):
        """Add column gradients back into the padded input gradient; True when done."""
        return None

    def depthwise_conv2d(self, x, w, bias, window: tuple, grid: tuple):
        """A depthwise convolution (``w (O, 1, kh, kw)``, ``O`` a multiple of the input's
        channels) over ``grid``; ``window`` is ``(stride, pad_before, dilation)`` pairs."""
        return None

    def depthwise_conv2d_backward(self, g, x, w, window: tuple, needs: tuple):
        """``(dx, dw, db)`` of ``depthwise_conv2d``, None where ``needs`` does not ask."""
        return None

    def softmax_xent_forward(self, x, target, ignore_index: int):
        """The cross entropy of logits ``x`` (N, C) and class indices ``target`` (N,), per
        row: ``(shift, logsum, loss, count)``, the shift (the row max, 0 where it is not
        finite), ``log(sum(exp(x - shift)))``, the loss (0 where the target is
        ``ignore_index``) and the number of rows not ignored."""
        return None

    def softmax_xent_backward(self, x, shift, logsum, target, weight):
        """``(softmax(x) - onehot(target)) * weight[:, None]`` from ``softmax_xent_forward``."""
        return None

    def softmax_rows(self, x, scale: float = 1.0):
        """Softmax of ``scale * x`` (``scale`` > 0) over its last dim, a new array."""
        return None

    def attention(self, q, k, v, scale: float, causal: bool, keep: bool):
        """``(out, probs)`` of softmax(``q k^T * scale``) ``v`` (``causal``: each query sees
        the keys up to its own position); ``probs`` only when ``keep``, else None."""
        return None

    def lstm_forward(self, xproj, bias, w_hh, acts, hs, cs, tcs, reverse: bool):
        """The recurrence of one LSTM direction into preallocated arrays, the gates' ``bias``
        (4H,) added to each step's input projection (see ``ember.nn.functional.rnn_layers``);
        True when done."""
        return None

    def lstm_infer(self, xproj, bias, w_hh, hs, c, reverse: bool):
        """``lstm_forward`` keeping only ``hs`` and the last cell state (``c``, in place);
        True when done."""
        return None

    def lstm_backward(self, g_out, w, acts, cs, tcs, dh, dc, d_gates, reverse: bool):
        """The reverse recurrence of ``lstm_forward``, in place on ``dh`` and ``dc``; True
        when done."""
        return None


class Backend:
    """What ops need from an array library. Subclasses fill in the attributes.

    Attributes:
        name: short name, e.g. ``"cpu"``.
        device_type: the :class:`Device` type it serves.
        xp: the NumPy-compatible array namespace.
        array_types: the concrete array classes it owns.
    """

    name: str = ""
    device_type: str = ""
    xp: Any = None
    array_types: tuple[type, ...] = ()
    multi_device: bool = False  # True where arrays of one type can live on several devices
    kernels: Kernels = Kernels()  # fused kernels, where the backend has faster ones

    def device_of(self, array) -> Device:
        raise NotImplementedError

    def asarray(self, data, dtype=None, device: Device | None = None):
        raise NotImplementedError

    def to_numpy(self, array):
        raise NotImplementedError

    def address(self, array) -> int:
        """Where ``array``'s first element lies in memory (views of one buffer compare by
        it)."""
        raise NotImplementedError

    def view_positions(self, base, view):
        """For ``view``, an array over ``base``'s memory: the row-major flat position in
        ``base`` of each of its elements (int64, ``view``'s shape), which in-place ops on
        views record. ``base`` may lie in memory in any axis order (row- or column-major,
        permuted) but without gaps; None for other layouts or a ``view`` not on its
        elements."""
        item, xp = base.itemsize, self.xp
        if view.itemsize != item:
            return None
        if view.size == 0:
            return xp.zeros(view.shape, dtype=xp.int64)
        if base.flags.c_contiguous:  # memory order is row-major order: O(view), not O(base)
            return self._row_major_positions(base, view)
        # each element's row-major position, written where that element lies in memory
        ids = xp.empty_like(base, dtype=xp.int64)  # order "K": the base's axis order
        if ids.strides != tuple(s // item * ids.itemsize for s in base.strides):
            return None  # gaps, overlaps or negative strides
        ids[...] = xp.arange(base.size, dtype=xp.int64).reshape(base.shape)
        offset = self.address(view) - self.address(base)
        if offset % item or any(s % item for s in view.strides) or not (
                0 <= offset < base.nbytes):
            return None
        memory = xp.lib.stride_tricks.as_strided(ids, (base.size,), (ids.itemsize,))
        strides = tuple(s // item * ids.itemsize for s in view.strides)
        return xp.lib.stride_tricks.as_strided(memory[offset // item:], view.shape,
                                               strides).copy()

    def _row_major_positions(self, base, view):
        """``view_positions`` for a row-major ``base``: each element's memory offset from
        the base's first, in elements, summed over the view's axes."""
        item, xp = base.itemsize, self.xp
        offset = self.address(view) - self.address(base)
        if offset % item or any(s % item for s in view.strides):
            return None
        first = offset // item
        spans = [(size - 1) * (stride // item) for size, stride in zip(view.shape, view.strides)]
        if first + sum(min(s, 0) for s in spans) < 0 or \
                first + sum(max(s, 0) for s in spans) >= base.size:
            return None  # not on the base's elements
        positions = xp.full(view.shape, first, dtype=xp.int64)
        for axis, (size, stride) in enumerate(zip(view.shape, view.strides)):
            if size > 1 and stride:
                steps = [1] * view.ndim
                steps[axis] = size
                positions += xp.arange(0, size * (stride // item), stride // item,
                                       dtype=xp.int64).reshape(steps)
        return positions

    def device_count(self) -> int:
        """How many devices of this backend's type there are (``ember.cuda.device_count``)."""
        return 1

    def owns(self, array) -> bool:
        """Whether ``array`` owns writeable memory no other array shares."""
        return array.base is None and array.flags.writeable

    def from_dlpack(self, obj):
        return self.xp.from_dlpack(obj)

    def matmul(self, a, b, out=None):
        """``a @ b`` with NumPy's matmul semantics; ``out``, when given, has the result's
        shape and dtype and any layout (the fused attention passes views laid out like its
        inputs, with unit-stride rows).

        Every matrix product of the hot paths (linear, matmul, convolution, attention,
        recurrent cells) goes through here, so a backend can hand them to its fastest GEMM.
        """
        return self.xp.matmul(a, b, out=out)

    def contiguous(self, x):
        """``x`` laid out C-contiguously: ``x`` itself when it is, else a copy (through the
        backend's kernels where they have one for the layout)."""
        if x.flags.c_contiguous:
            return x
        out = self.kernels.swapped_copy(x)
        return self.xp.ascontiguousarray(x) if out is None else out

    def broadcast_to(self, x, shape: tuple):
        """A read-only view of ``x`` broadcast to ``shape`` (``expand``'s forward)."""
        return self.xp.broadcast_to(x, shape)

    def erf(self, x):
        raise NotImplementedError

    def erfinv(self, x):
        raise NotImplementedError

    def new_generator(self, seed: int):
        """A random generator with NumPy's ``Generator`` API (``random``, ``standard_normal``,
        ``integers``, ``exponential``, ``geometric``, ``permutation``), seeded with ``seed``."""
        raise NotImplementedError

    def generator_state(self, generator) -> bytes:
        """The full state of a generator from :meth:`new_generator`, as bytes."""
        raise NotImplementedError

    def set_generator_state(self, generator, state: bytes) -> None:
        """Restore a state from :meth:`generator_state`; ValueError if it is malformed."""
        raise NotImplementedError

    def synchronize(self) -> None:
        """Wait for queued work (a no-op on the CPU)."""
