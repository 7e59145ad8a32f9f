"""Variable-length sequence utilities, as ``torch.nn.utils.rnn``: padding and packing.

A :class:`PackedSequence` stores the valid steps of a batch time-major: ``data`` holds, for
each time step, the rows of the sequences still running (longest first), and
``batch_sizes[t]`` says how many there are. ``ember.nn.RNN``/``LSTM``/``GRU`` accept one.

>>> import ember
>>> from ember.nn.utils.rnn import pack_sequence, pad_packed_sequence
>>> p = pack_sequence([ember.tensor([1., 2.]), ember.tensor([3., 4., 5.])],
...                   enforce_sorted=False)
>>> p.data.tolist(), p.batch_sizes.tolist()
([3.0, 1.0, 4.0, 2.0, 5.0], [2, 2, 1])
>>> padded, lengths = pad_packed_sequence(p, batch_first=True)
>>> padded.tolist(), lengths.tolist()
([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]], [2, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import ember

from ...tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (``None`` stays ``None``).

    >>> invert_permutation(ember.tensor([2, 0, 1])).tolist()
    [1, 2, 0]
    """
    if permutation is None:
        return None
    perm = [int(i) for i in permutation.tolist()]
    inv = [0] * len(perm)
    for pos, i in enumerate(perm):
        inv[i] = pos
    return ember.tensor(inv, dtype=ember.int64, device=permutation.device)


class PackedSequence(NamedTuple):
    """A packed batch of variable-length sequences (see the module docstring); build one with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not directly.

    >>> p = pack_sequence([ember.ones(2, 3), ember.ones(1, 3)])
    >>> tuple(p.data.shape), p.batch_sizes.tolist(), p.sorted_indices is None
    ((3, 3), [2, 1], True)
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    @property
    def is_cuda(self) -> bool:
        return self.data.device.type == "cuda"

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` moved or cast like ``Tensor.to``; the indices follow the device only."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        idx = [None if t is None else t.to(dev)
               for t in (self.sorted_indices, self.unsorted_indices)]
        return PackedSequence(data, self.batch_sizes, idx[0], idx[1])

    def is_pinned(self) -> bool:
        return False


def _lengths_list(lengths: Any) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise ValueError(f"pack_padded_sequence: expected a 1-D lengths tensor, got shape "
                             f"{tuple(lengths.shape)}")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pad_sequence(sequences: Sequence[Tensor] | Tensor, batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` with
    ``batch_first``), padding with ``padding_value`` on ``padding_side``, as PyTorch.

    >>> pad_sequence([ember.tensor([1., 2.]), ember.tensor([3.])], batch_first=True,
    ...              padding_side="left").tolist()
    [[1.0, 2.0], [0.0, 3.0]]
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    seqs = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if s.dim() == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must have shape (L, *{trailing})"
                               f", got {tuple(s.shape)} at index {i}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        gap = longest - s.shape[0]
        if gap:
            fill = ember.full((gap, *trailing), padding_value, dtype=s.dtype, device=s.device)
            s = ember.cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return ember.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(input: Tensor, lengths: Tensor | Sequence[int],
                         batch_first: bool = False, enforce_sorted: bool = True
                         ) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence
    ``b`` has ``lengths[b]`` valid steps. With ``enforce_sorted`` the lengths must decrease;
    otherwise the batch is sorted here and the permutation kept for unpacking.

    >>> p = pack_padded_sequence(ember.tensor([[1., 2.], [3., 0.]]), [2, 1], batch_first=True)
    >>> p.data.tolist(), p.batch_sizes.tolist()
    ([1.0, 3.0, 2.0], [2, 1])
    """
    lens = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if input.dim() < 2:
        raise ValueError(f"pack_padded_sequence: expected an input of at least 2 dims, got "
                         f"shape {tuple(input.shape)}")
    if len(lens) != input.shape[batch_dim]:
        raise RuntimeError(f"pack_padded_sequence: expected {input.shape[batch_dim]} lengths "
                           f"(the batch size), got {len(lens)}")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = list(range(len(lens)))
    else:
        # Stable, so equal lengths keep their batch order.
        order = sorted(range(len(lens)), key=lambda b: -lens[b])
        sorted_indices = ember.tensor(order, dtype=ember.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    lens = [lens[b] for b in order]
    if lens and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if lens and lens[0] > input.shape[1 - batch_dim]:
        raise RuntimeError(f"pack_padded_sequence: a length {lens[0]} exceeds the padded "
                           f"length {input.shape[1 - batch_dim]}")
    if batch_first:
        input = input.transpose(0, 1)
    steps = lens[0] if lens else 0
    sizes = [sum(1 for n in lens if n > t) for t in range(steps)]
    data = ember.cat([input[t, :sizes[t]] for t in range(steps)]) if steps else \
        input.reshape(0, *input.shape[2:])
    return PackedSequence(data, ember.tensor(sizes, dtype=ember.int64), sorted_indices,
                          invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original batch order;
    ``total_length`` pads the time dimension to that size.

    >>> padded, lengths = pad_packed_sequence(pack_sequence([ember.ones(2), ember.ones(1)]))
    >>> padded.tolist(), lengths.tolist()
    ([[1.0, 1.0], [1.0, 0.0]], [2, 1])
    """
    data = sequence.data
    sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    steps, batch = len(sizes), (sizes[0] if sizes else 0)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
    length = steps if total_length is None else total_length
    trailing = tuple(data.shape[1:])
    rows, start = [], 0
    for n in sizes:
        chunk = data[start:start + n]
        start += n
        if n < batch:
            fill = ember.full((batch - n, *trailing), padding_value, dtype=data.dtype,
                              device=data.device)
            chunk = ember.cat([chunk, fill])
        rows.append(chunk)
    if length > steps:
        rows.extend([ember.full((batch, *trailing), padding_value, dtype=data.dtype,
                                device=data.device)] * (length - steps))
    padded = ember.stack(rows) if rows else \
        ember.full((length, batch, *trailing), padding_value, dtype=data.dtype,
                   device=data.device)
    lens = [sum(1 for n in sizes if n > b) for b in range(batch)]
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lens = [lens[int(i)] for i in sequence.unsorted_indices.tolist()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, ember.tensor(lens, dtype=ember.int64)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True
                  ) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` tensors (``pad_sequence`` then ``pack_padded_sequence``).

    >>> pack_sequence([ember.tensor([1., 2.]), ember.tensor([3.])]).data.tolist()
    [1.0, 3.0, 2.0]
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor | Sequence[int],
                   batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into its ``(L_i, *)`` sequences.

    >>> [t.tolist() for t in unpad_sequence(ember.tensor([[1., 2.], [3., 0.]]), [2, 1],
    ...                                     batch_first=True)]
    [[1.0, 2.0], [3.0]]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b, :n] for b, n in enumerate(_lengths_list(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a :class:`PackedSequence` holds, in the original order.

    >>> [t.tolist() for t in unpack_sequence(pack_sequence([ember.ones(2), ember.ones(1)]))]
    [[1.0, 1.0], [1.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
