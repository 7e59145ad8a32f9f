"""Save and load tensors and state dicts as safetensors files, with atomic writes.

``save(obj, path)`` stores a Tensor, or dicts, lists and tuples nesting Tensors, NumPy
arrays and JSON-able values (str, int, float, bool, None), as one `safetensors
<https://huggingface.co/docs/safetensors>`_ file: the arrays go into the tensor table, the
structure (with int versus str keys, tuples versus lists) into the header's metadata as
JSON. A flat ``dict[str, Tensor]`` (a module's ``state_dict()``) keeps its own key names, so
``safetensors.torch.load_file`` reads it as an ordinary state dict; a file written by
another library loads as a flat ``dict[str, Tensor]``.

Loading never unpickles. Every size, offset and dtype in the header is checked against the
file before anything is read, and files written by ember carry CRC-32 checksums of the
header and of every tensor, so truncation, corruption or a header that lies raises
:class:`CheckpointError`. Writes go to a temporary file in the same folder that is synced
and then renamed over the target (:func:`atomic_write`): an interrupted save leaves the old
file intact. The format is described in ``docs/checkpoints.md``.

>>> import os, tempfile
>>> import ember
>>> from ember.serialization import load, read_metadata, save
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "weights.safetensors")
...     save({"w": ember.ones(2, 3), "steps": (1, 2)}, path, metadata={"note": "demo"})
...     back, meta = load(path), read_metadata(path)
>>> back["w"].shape, back["steps"], meta
(ember.Size([2, 3]), (1, 2), {'note': 'demo'})
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import secrets
import struct
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import IO, Any

import ml_dtypes
import numpy as np

from .backends import Device
from .backends import device as _device
from .ops.creation import from_numpy
from .tensor import Tensor

__all__ = ["CheckpointError", "atomic_write", "load", "read_metadata", "save"]

# safetensors dtype codes ember reads: the first ten become Tensors, the unsigned wider ones
# only NumPy arrays (ember has no such dtypes; NumPy's RNG state uses uint32).
_DTYPES = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "I32": np.int32,
           "I64": np.int64, "F16": np.float16, "BF16": ml_dtypes.bfloat16, "F32": np.float32,
           "F64": np.float64, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64}
_TENSOR_CODES = frozenset(list(_DTYPES)[:10])
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_FORMAT, _STRUCTURE, _CRC = "ember.format", "ember.structure", "ember.crc32"
_MAX_HEADER = 100_000_000  # safetensors' own limit
_STALE_SECONDS = 24 * 3600
_DICT_TYPES = {"dict": dict, "OrderedDict": OrderedDict, "Counter": Counter}


class CheckpointError(RuntimeError):
    """A file that can't be loaded safely: truncated, corrupt, inconsistent, a pickle, or
    not matching the objects it should be loaded into. Nothing was changed."""


# ---------------------------------------------------------------------- saving
def save(obj: Any, path: str | os.PathLike | IO[bytes], *,
         metadata: dict[str, str] | None = None) -> None:
    """Write ``obj`` to ``path`` as a safetensors file, atomically; or to a binary
    file-like object (``io.BytesIO``, a file opened ``"wb"``), as PyTorch allows, at its
    current position (atomicity is then the caller's: ember only writes and flushes).

    ``obj`` is a Tensor or NumPy array, or dicts (``dict``, ``OrderedDict``, ``Counter``;
    keys str, int, float, bool, None or tuples of them), lists and tuples nesting them and
    str, int, float, bool and None values. Tensors are stored as contiguous copies of their
    values (views and tensors sharing memory are fine); ``requires_grad`` is not kept.
    ``metadata`` is a ``dict[str, str]`` stored in the header (see :func:`read_metadata`);
    keys starting with ``ember.`` are reserved. A Module or optimizer is refused with a
    TypeError: ember stores values, never pickled objects; save its ``state_dict()``.
    """
    user = _check_metadata(metadata)
    encoder = _Encoder()
    structure = json.dumps(encoder.node(obj, ()), separators=(",", ":"), allow_nan=False)
    arrays = encoder.arrays
    meta = {**user, _FORMAT: "1", _STRUCTURE: structure}
    crcs = {name: zlib.crc32(_bytes_of(a)) for name, a in arrays.items()}
    specs = {name: (_CODES[a.dtype], list(a.shape)) for name, a in arrays.items()}
    crcs["__header__"] = _header_crc(meta, specs)
    meta[_CRC] = json.dumps(crcs, separators=(",", ":"))
    header, order = _header(arrays, meta)
    if _is_file_like(path, "write"):
        _write_file(path, header, order)
        if hasattr(path, "flush"):
            path.flush()
        return
    with atomic_write(path) as f:
        _write_file(f, header, order)


def _is_file_like(obj: Any, method: str) -> bool:
    return not isinstance(obj, (str, bytes, os.PathLike)) and callable(getattr(obj, method,
                                                                               None))


def _write_file(f: IO[bytes], header: bytes, order: list) -> None:
    f.write(header)
    for array in order:
        _write_array(f, array)


def _check_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"ember.save: metadata must be a dict[str, str], got "
                        f"{type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"ember.save: metadata must be a dict[str, str], got the entry "
                            f"{key!r}: {value!r}")
        if key.startswith("ember."):
            raise ValueError(f"ember.save: metadata key {key!r} is reserved (keys starting "
                             "with 'ember.' hold the file's structure and checksums)")
    return dict(metadata)


class _Encoder:
    """Turns ``obj`` into a JSON-able tree, collecting arrays under names built from their
    path (``model.fc.weight``; a flat ``dict[str, Tensor]`` keeps its keys)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def node(self, obj: Any, path: tuple) -> Any:
        if callable(getattr(type(obj), "state_dict", None)):  # a Module, an optimizer, ...
            name = type(obj).__name__
            raise TypeError(f"ember.save: can't store the {name} object at obj{_where(path)}: "
                            "ember saves tensors and plain containers, never pickled objects. "
                            "Save its state_dict() instead, e.g. ember.save(model.state_dict(),"
                            f" path), and load it into a new {name} with "
                            "load_state_dict(ember.load(path))")
        if isinstance(obj, Tensor):
            return {"tensor": self._add(obj.numpy(force=True), path)}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._add(obj, path)}
        if isinstance(obj, np.generic):
            return {"npscalar": self._add(np.asarray(obj), path)}
        if isinstance(obj, dict):
            kind = ("Counter" if isinstance(obj, Counter) else
                    "OrderedDict" if isinstance(obj, OrderedDict) else "dict")
            return {kind: [[self.key(k, path), self.node(v, (*path, k))]
                           for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [self.node(v, (*path, i)) for i, v in enumerate(obj)]}
        return self.key(obj, path, what="value")

    def key(self, obj: Any, path: tuple, what: str = "dict key") -> Any:
        if obj is None or isinstance(obj, (bool, int, str)) and not isinstance(obj, np.generic):
            return obj
        if isinstance(obj, float) and not isinstance(obj, np.generic):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, tuple) and what == "dict key":
            return {"tuple": [self.key(v, path) for v in obj]}
        raise TypeError(f"ember.save: can't store a {what} of type {type(obj).__name__} at "
                        f"obj{_where(path)}; supported: Tensor, np.ndarray, dict, list, tuple, "
                        "str, int, float, bool, None (dict keys: str, int, float, bool, None, "
                        "tuple)")

    def _add(self, array: np.ndarray, path: tuple) -> str:
        if array.dtype not in _CODES:
            raise TypeError(f"ember.save: can't store the {array.dtype} array at "
                            f"obj{_where(path)}; supported dtypes: "
                            f"{', '.join(sorted({str(np.dtype(d)) for d in _DTYPES.values()}))}")
        base = name = ".".join(str(p) for p in path) or "tensor"
        count = 1
        while name in self.arrays or name == "__metadata__":
            name, count = f"{base}#{count}", count + 1
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        return name


def _where(path: tuple) -> str:
    return "".join(f"[{p!r}]" for p in path)


def _bytes_of(array: np.ndarray) -> memoryview:
    return memoryview(array.reshape(-1).view(np.uint8))


def _header_crc(meta: dict[str, str], specs: dict[str, tuple[str, list]]) -> int:
    """A checksum of everything in the header but the checksums themselves."""
    canonical = [sorted((k, v) for k, v in meta.items() if k != _CRC),
                 sorted([name, code, shape] for name, (code, shape) in specs.items())]
    return zlib.crc32(json.dumps(canonical, separators=(",", ":")).encode())


def _header(arrays: dict[str, np.ndarray], meta: dict[str, str]) -> tuple[bytes, list]:
    """The 8-byte length and JSON header, and the arrays in file order (widest dtype first,
    so every tensor is aligned, as the safetensors library lays them out)."""
    entries: dict[str, Any] = {"__metadata__": meta}
    order = sorted(arrays, key=lambda name: (-arrays[name].dtype.itemsize, name))
    offset = 0
    for name in order:
        array = arrays[name]
        entries[name] = {"dtype": _CODES[array.dtype], "shape": list(array.shape),
                         "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    raw = json.dumps(entries, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # data starts 8-byte aligned
    return struct.pack("<Q", len(raw)) + raw, [arrays[name] for name in order]


def _write_array(f: IO[bytes], array: np.ndarray) -> None:
    f.write(_bytes_of(array))


# ---------------------------------------------------------------------- loading
def load(path: str | os.PathLike | IO[bytes], *, map_location: str | Device | None = None,
         weights_only: bool | None = None) -> Any:
    """Read what :func:`save` wrote (or any safetensors file, as a flat ``dict[str,
    Tensor]``) from a path or a binary file-like object (read from its current position to
    its end, as PyTorch reads). Tensors are created on ``map_location`` (default: the CPU).

    >>> import io, ember
    >>> buffer = io.BytesIO()
    >>> ember.save({"w": ember.ones(2)}, buffer)
    >>> _ = buffer.seek(0)
    >>> ember.load(buffer)["w"].tolist()
    [1.0, 1.0]

    ``weights_only`` is accepted for PyTorch code and changes nothing: ember only ever
    reads tensors and plain containers, never a pickle, whatever it is set to.

    Raises ``FileNotFoundError`` for a missing file and :class:`CheckpointError` for a file
    that is truncated, corrupt, inconsistent or not safetensors (a pickle is refused).
    """
    dev = None if map_location is None else _device(map_location)
    with _open(path) as f:
        path = _label(path)
        _, specs, meta = _read_header(f, path)
        arrays = _read_arrays(f, path, specs)
    if _FORMAT not in meta:  # a plain safetensors file, e.g. from safetensors.torch
        return {name: _tensor(path, name, spec[0], arrays[name], dev)
                for name, spec in specs.items()}
    crcs = json.loads(meta[_CRC])
    for name, array in arrays.items():
        if zlib.crc32(_bytes_of(array)) != crcs[name]:
            raise CheckpointError(f"{path}: the data of tensor {name!r} doesn't match its "
                                  "checksum; the file is corrupt")
    try:
        tree = json.loads(meta[_STRUCTURE])
        return _Decoder(path, specs, arrays, dev).node(tree)
    except RecursionError:
        raise CheckpointError(f"{path}: the structure in the header nests too deeply") from None


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``metadata`` given to :func:`save` (for other files, the header's
    ``__metadata__``), read and checked without loading the tensors."""
    with _open(path) as f:
        _, _, meta = _read_header(f, _label(path))
    return {k: v for k, v in meta.items() if not k.startswith("ember.")}


def _label(path: Any) -> Any:
    """How error messages name the source: the path, or a file object's name or type."""
    if not _is_file_like(path, "read"):
        return path
    name = getattr(path, "name", None)
    return name if isinstance(name, str) else f"<{type(path).__name__}>"


@contextlib.contextmanager
def _open(path: str | os.PathLike | IO[bytes]) -> Iterator[IO[bytes]]:
    if _is_file_like(path, "read"):  # the rest of the stream, checked like a file
        data = path.read()
        if not isinstance(data, bytes):
            raise TypeError(f"ember.load: expected a binary file object, but reading "
                            f"{_label(path)} gave {type(data).__name__} (open it with 'rb')")
        yield io.BytesIO(data)
        return
    name = os.fspath(path)
    try:
        f = open(name, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "ember.load: no such file", name) from None
    with f:
        yield f


def _read_header(f: IO[bytes], path: Any) -> tuple[int, dict, dict[str, str]]:
    """Check the header against the file; ``(data start, {name: (code, shape, begin,
    end)}, metadata)``."""
    size = f.getbuffer().nbytes if isinstance(f, io.BytesIO) else os.fstat(f.fileno()).st_size
    head = f.read(8)
    if len(head) < 8:
        _not_safetensors(path, head, f"it has only {size} bytes, fewer than the 8-byte "
                                     "header length a safetensors file starts with")
    n = struct.unpack("<Q", head)[0]
    if n > size - 8 or n > _MAX_HEADER or n < 2:
        _not_safetensors(path, head, f"it says its header has {n} bytes, but the file has "
                                     f"{size} bytes (truncated, or not a safetensors file)")
    raw = f.read(n)
    if not raw.startswith(b"{"):
        _not_safetensors(path, head, "its header is not a JSON object")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{path}: the header is not valid JSON ({exc}); the file is "
                              "corrupt") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object; the file is corrupt")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        raise CheckpointError(f"{path}: the header's __metadata__ is not a str -> str object")
    specs = {name: _check_spec(path, name, spec) for name, spec in header.items()}
    _check_layout(path, specs, size - 8 - n)
    if any(key in meta for key in (_FORMAT, _STRUCTURE, _CRC)):
        _check_ember_header(path, meta, specs)
    return 8 + n, specs, meta


def _not_safetensors(path: Any, head: bytes, reason: str) -> None:
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        kind = "a pickle file (as torch.save writes with _use_new_zipfile_serialization=False)"
    elif head.startswith(b"PK\x03\x04"):
        kind = "a zip archive (torch.save's format, a pickle inside a zip; or NumPy's .npz)"
    elif head.startswith(b"\x93NUMPY"):
        kind = "a NumPy .npy file"
    else:
        raise CheckpointError(f"{path}: can't load: {reason}")
    raise CheckpointError(
        f"{path} is {kind}, not a safetensors file. ember never unpickles, because unpickling "
        "can run arbitrary code. Re-save it with safetensors, e.g. in PyTorch: "
        "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_spec(path: Any, name: str, spec: Any) -> tuple[str, tuple, int, int]:
    if not isinstance(spec, dict) or not {"dtype", "shape", "data_offsets"} <= spec.keys():
        raise CheckpointError(f"{path}: tensor {name!r} has no dtype, shape and data_offsets "
                              "in the header; the file is corrupt")
    code, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if code not in _DTYPES:
        raise CheckpointError(f"{path}: tensor {name!r} has dtype {code!r}, which ember can't "
                              f"read (it reads {', '.join(_DTYPES)})")
    if not isinstance(shape, list) or not all(_is_int(s) and s >= 0 for s in shape):
        raise CheckpointError(f"{path}: tensor {name!r} has an invalid shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_int, offsets))
            or not 0 <= offsets[0] <= offsets[1]):
        raise CheckpointError(f"{path}: tensor {name!r} has invalid data_offsets {offsets!r}")
    need = math.prod(shape) * np.dtype(_DTYPES[code]).itemsize
    if need != offsets[1] - offsets[0]:
        raise CheckpointError(f"{path}: the header is inconsistent: tensor {name!r} of shape "
                              f"{shape} and dtype {code} needs {need} bytes, but its "
                              f"data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return code, tuple(shape), offsets[0], offsets[1]


def _check_layout(path: Any, specs: dict, data_len: int) -> None:
    """Tensors must tile the data exactly: no overlap, no gap, nothing past the end."""
    end, last = 0, None
    for name, (_, _, begin, stop) in sorted(specs.items(), key=lambda kv: kv[1][2:]):
        if begin != end:
            problem = f"overlaps {last!r}" if begin < end else f"starts after a gap at {end}"
            raise CheckpointError(f"{path}: the header is inconsistent: tensor {name!r} "
                                  f"(bytes {begin}..{stop}) {problem}")
        end, last = stop, name
    if end > data_len:
        raise CheckpointError(f"{path}: the file is truncated: tensor {last!r} ends at data "
                              f"byte {end}, but the file holds {data_len} data bytes")
    if end < data_len:
        raise CheckpointError(f"{path}: {data_len - end} unexpected bytes after the last "
                              "tensor; the file is corrupt")


def _check_ember_header(path: Any, meta: dict[str, str], specs: dict) -> None:
    if not {_FORMAT, _STRUCTURE, _CRC} <= meta.keys():
        raise CheckpointError(f"{path}: the header has some of ember's entries but not all "
                              f"of {_FORMAT}, {_STRUCTURE} and {_CRC}; the file is corrupt")
    if meta[_FORMAT] != "1":
        raise CheckpointError(f"{path}: written in ember file format {meta[_FORMAT]!r}; this "
                              "version of ember reads format '1' (upgrade ember)")
    try:
        crcs = json.loads(meta[_CRC])
        json.loads(meta[_STRUCTURE])
    except (ValueError, RecursionError):
        raise CheckpointError(f"{path}: ember's structure or checksums in the header are not "
                              "valid JSON; the file is corrupt") from None
    shapes = {name: (code, list(shape)) for name, (code, shape, _, _) in specs.items()}
    if not isinstance(crcs, dict) or crcs.get("__header__") != _header_crc(meta, shapes):
        raise CheckpointError(f"{path}: the header's checksum does not match; the file is "
                              "corrupt")
    if set(crcs) != {*specs, "__header__"}:
        raise CheckpointError(f"{path}: the checksums don't list the header's tensors; the "
                              "file is corrupt")


def _read_arrays(f: IO[bytes], path: Any, specs: dict) -> dict[str, np.ndarray]:
    start = f.tell()
    arrays = {}
    for name, (code, shape, begin, _) in sorted(specs.items(), key=lambda kv: kv[1][2]):
        array = np.empty(shape, dtype=_DTYPES[code])
        view = _bytes_of(array)
        f.seek(start + begin)
        done = 0
        while done < len(view):
            got = f.readinto(view[done:])
            if not got:
                raise CheckpointError(f"{path}: the file ended inside tensor {name!r} (it "
                                      "changed while being read, or is truncated)")
            done += got
        arrays[name] = array
    return {name: arrays[name] for name in specs}


def _tensor(path: Any, name: str, code: str, array: np.ndarray, dev: Device | None) -> Tensor:
    if code not in _TENSOR_CODES:
        raise CheckpointError(f"{path}: tensor {name!r} has dtype {code}, which ember tensors "
                              "don't support")
    out = from_numpy(array)
    return out if dev is None or dev.type == "cpu" else out.to(dev)


class _Decoder:
    """Rebuilds the saved object from the structure; every array's checksum is verified."""

    def __init__(self, path: Any, specs: dict, arrays: dict, dev: Device | None) -> None:
        self.path, self.specs, self.arrays, self.dev = path, specs, arrays, dev

    def fail(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: {what}; the file is corrupt")

    def array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(f"the structure names a tensor {name!r} the header doesn't have")
        return self.arrays[name]

    def node(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise self.fail(f"unexpected entry {str(node)[:80]} in the structure")
        ((kind, value),) = node.items()
        if kind == "tensor":
            array = self.array(value)
            return _tensor(self.path, value, self.specs[value][0], array, self.dev)
        if kind == "ndarray":
            return self.array(value)
        if kind == "npscalar":
            return self.array(value)[()]
        if kind == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if kind in ("list", "tuple") and isinstance(value, list):
            items = [self.node(v) for v in value]
            return tuple(items) if kind == "tuple" else items
        if kind in _DICT_TYPES and isinstance(value, list):
            if not all(isinstance(item, list) and len(item) == 2 for item in value):
                raise self.fail(f"a malformed {kind} in the structure")
            out = _DICT_TYPES[kind]()  # filled item by item: Counter(pairs) would count them
            for k, v in value:
                try:
                    out[self.node(k)] = self.node(v)
                except TypeError:  # an unhashable key
                    raise self.fail(f"a {kind} key in the structure is not hashable") from None
            return out
        raise self.fail(f"unexpected entry {kind!r} in the structure")


# ---------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file next to ``path`` for writing; on success it is flushed,
    fsynced and renamed over ``path`` (then the folder is fsynced), so readers see the old
    file or the new one, never a mix. On any exception, ``KeyboardInterrupt`` included, the
    temporary file is removed and ``path`` is untouched. Temporary files
    (``.NAME.PID.RANDOM.tmp``) left by writers that died are removed on the next write.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = os.path.join(folder, "log.txt")
    ...     with atomic_write(target, "w") as f:
    ...         _ = f.write("done")
    ...     print(open(target).read(), os.listdir(folder))
    done ['log.txt']
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    target = os.path.realpath(os.fspath(path))  # write through a symlink, not over it
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "atomic_write: no such folder", folder)
    _remove_stale(folder, base)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with open(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable; not possible on every OS or file system."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale(folder: str, base: str) -> None:
    """Remove ``.BASE.PID.RANDOM.tmp`` files whose writer is gone (or that are a day old)."""
    pattern = re.compile(rf"\.{re.escape(base)}\.(\d+)\.[0-9a-f]+\.tmp")
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return
    now = time.time()
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        full = os.path.join(folder, name)
        pid = int(match.group(1))
        with contextlib.suppress(OSError):
            old = now - os.stat(full).st_mtime > _STALE_SECONDS
            if old or (pid != os.getpid() and not _pid_alive(pid)):
                os.unlink(full)


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
