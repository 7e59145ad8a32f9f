"""``ember.save``/``ember.load`` with file objects (as ``torch.save``/``torch.load``
allow), and the TypeError for saving a whole module."""

from __future__ import annotations

import io

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError, read_metadata

torch = pytest.importorskip("torch")


def _state():
    return {"w": ember.tensor(np.arange(6.0).reshape(2, 3)), "step": 3, "names": ("a", "b")}


def _same(a, b) -> None:
    assert a.keys() == b.keys() and a["step"] == b["step"] and a["names"] == b["names"]
    np.testing.assert_array_equal(a["w"].numpy(), b["w"].numpy())


def test_bytesio_round_trip_matches_the_file_bytes(tmp_path) -> None:
    buffer = io.BytesIO()
    ember.save(_state(), buffer, metadata={"note": "x"})
    path = tmp_path / "state.safetensors"
    ember.save(_state(), path, metadata={"note": "x"})
    assert buffer.getvalue() == path.read_bytes()
    buffer.seek(0)
    _same(ember.load(buffer), _state())
    buffer.seek(0)
    assert read_metadata(buffer) == {"note": "x"}


def test_open_binary_files_and_positions_as_pytorch(tmp_path) -> None:
    path = tmp_path / "two.bin"
    for lib in (ember, torch):
        with open(path, "wb") as f:
            f.write(b"HEAD")  # the object is written at the current position
            lib.save({"x": lib.ones(2)}, f)
        with open(path, "rb") as f:
            assert f.read(4) == b"HEAD"
            assert lib.load(f)["x"].tolist() == [1.0, 1.0]


def test_file_objects_are_checked_like_files() -> None:
    buffer = io.BytesIO()
    ember.save(_state(), buffer)
    data = buffer.getvalue()
    with pytest.raises(CheckpointError, match="<BytesIO>: the file is truncated"):
        ember.load(io.BytesIO(data[:-3]))
    corrupt = bytearray(data)
    corrupt[-1] ^= 0xFF
    with pytest.raises(CheckpointError, match="doesn't match its checksum"):
        ember.load(io.BytesIO(bytes(corrupt)))
    pickled = io.BytesIO()
    torch.save({"x": torch.ones(2)}, pickled)
    pickled.seek(0)
    with pytest.raises(CheckpointError, match="ember never unpickles"):
        ember.load(pickled)
    with pytest.raises(TypeError, match="expected a binary file object"):
        ember.load(io.StringIO("text"))


@pytest.mark.parametrize("make", [lambda: ember.nn.Linear(2, 2),
                                  lambda: ember.optim.SGD(ember.nn.Linear(2, 2).parameters(),
                                                          lr=0.1)])
def test_saving_a_module_or_optimizer_asks_for_its_state_dict(tmp_path, make) -> None:
    obj = make()
    name = type(obj).__name__
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=rf"can't store the {name} object at obj: .*Save its "
                                        r"state_dict\(\) instead"):
        ember.save(obj, path)
    with pytest.raises(TypeError, match=rf"the {name} object at obj\['model'\]"):
        ember.save({"model": obj}, io.BytesIO())
    assert not path.exists()
