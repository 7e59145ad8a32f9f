"""ember.save / ember.load: round trips, interchange with PyTorch's safetensors files, the
file layout as the safetensors library reads it, and atomic writes."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import time
from collections import Counter, OrderedDict

import ml_dtypes
import numpy as np
import pytest
import safetensors
import safetensors.torch
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ember
from ember.serialization import CheckpointError, atomic_write, load, read_metadata, save

TORCH_DTYPES = {"bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8,
                "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
                "float16": torch.float16, "bfloat16": torch.bfloat16,
                "float32": torch.float32, "float64": torch.float64}


def sample(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) * 100
    if dtype == "bool":
        return np.asarray(values > 0)
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    if dtype == "uint8":
        values = np.abs(values)
    return np.asarray(values.astype(np_dtype))


def bits(array: np.ndarray) -> np.ndarray:
    """The raw bytes, so NaN payloads and -0.0 count too."""
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8)


def torch_bits(t: torch.Tensor) -> np.ndarray:
    t = t.contiguous().reshape(-1)
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().view(np.uint8)


def assert_same(a, b, where="obj"):
    """Equal values and exactly the same container and scalar types."""
    assert type(a) is type(b) or isinstance(a, ember.Tensor) and isinstance(b, ember.Tensor), \
        f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, ember.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(bits(a.detach().numpy()), bits(b.numpy())), where
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        assert np.array_equal(bits(np.asarray(a)), bits(np.asarray(b))), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert type(k) is type(next(x for x in b if x == k)), f"{where}: key {k!r}"
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b)), \
            where


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", list(TORCH_DTYPES))
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3, 4)])
def test_every_dtype_round_trips_bit_for_bit(tmp_path, dtype, shape):
    array = sample(dtype, shape)
    path = tmp_path / "t.safetensors"
    save({"x": ember.from_numpy(array)}, path)
    back = load(path)["x"]
    assert back.dtype == getattr(ember, "bool" if dtype == "bool" else dtype)
    assert tuple(back.shape) == shape
    assert np.array_equal(bits(back.numpy()), bits(array))


def test_single_tensor_and_special_floats(tmp_path):
    t = ember.tensor([float("nan"), float("inf"), -0.0, 1e-45, -3.5])
    save(t, tmp_path / "t.safetensors")
    back = load(tmp_path / "t.safetensors")
    assert isinstance(back, ember.Tensor)
    assert np.array_equal(bits(back.numpy()), bits(t.numpy()))


def test_optimizer_and_scheduler_state_round_trip(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4))
    opt = ember.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.95))
    sched = ember.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 1, 3])
    plateau = ember.optim.lr_scheduler.ReduceLROnPlateau(opt)
    for _ in range(2):
        opt.zero_grad()
        model(ember.randn(5, 3)).square().sum().backward()
        opt.step()
        sched.step()
        plateau.step(1.0)
    obj = {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
           "plateau": plateau.state_dict()}
    save(obj, tmp_path / "s.safetensors")
    back = load(tmp_path / "s.safetensors")
    assert_same(obj, back)
    assert isinstance(back["sched"]["milestones"], Counter)
    assert isinstance(back["model"], OrderedDict)
    assert list(back["opt"]["state"]) == [0, 1, 2, 3]  # int keys stay ints
    assert back["opt"]["param_groups"][0]["betas"] == (0.8, 0.95)
    assert back["plateau"]["mode_worse"] == math.inf
    # The loaded state drives a fresh optimizer exactly like the original.
    opt2 = ember.optim.Adam(ember.nn.Sequential(ember.nn.Linear(3, 4),
                                                ember.nn.BatchNorm1d(4)).parameters())
    opt2.load_state_dict(back["opt"])
    assert_same(opt.state_dict(), opt2.state_dict())


def test_mixed_structure_round_trips(tmp_path):
    obj = {
        0: "int key", "0": "str key", 1.5: None, True: [1, 2.0, False], None: (),
        (1, "a"): {"nested": [ember.zeros(2), (ember.ones(1, dtype=ember.int64),)]},
        "floats": [math.inf, -math.inf, math.nan, -0.0, 1e308, 5e-324],
        "big": 2**80, "text": "ünïcode \"quotes\" \n",
        "np": np.arange(6, dtype=np.uint32).reshape(2, 3), "np_scalar": np.float32(2.5),
        "np_int": np.int64(-7), "empty": {}, "od": OrderedDict(b=1, a=2),
    }
    save(obj, tmp_path / "m.safetensors")
    assert_same(obj, load(tmp_path / "m.safetensors"))


leaves = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=8),
                   st.floats(allow_nan=False), st.integers(0, 3).map(
                       lambda n: ember.arange(n * 2, dtype=ember.float32).reshape(n, 2)))
keys = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.none(), st.booleans())
trees = st.recursive(leaves, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.lists(kids, max_size=3).map(tuple),
    st.dictionaries(keys, kids, max_size=3)), max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(trees)
def test_any_supported_structure_round_trips(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("h") / "h.safetensors"
    save({"tree": tree}, path)
    assert_same({"tree": tree}, load(path))


def test_views_and_shared_storage_are_saved_by_value(tmp_path):
    base = ember.arange(24, dtype=ember.float32).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "rows": base[1:3], "cols": base[:, ::2],
           "same": base, "expanded": ember.arange(3.0).reshape(3, 1).expand(3, 4)}
    save(obj, tmp_path / "v.safetensors")
    back = load(tmp_path / "v.safetensors")
    ref = np.arange(24, dtype=np.float32).reshape(4, 6)
    expected = {"base": ref, "t": ref.T, "rows": ref[1:3], "cols": ref[:, ::2], "same": ref,
                "expanded": np.broadcast_to(np.arange(3.0, dtype=np.float32)[:, None], (3, 4))}
    for key, value in expected.items():
        assert np.array_equal(back[key].numpy(), value), key
    back["base"].add_(1.0)  # loaded tensors own their memory
    assert np.array_equal(back["same"].numpy(), ref)
    assert np.array_equal(back["rows"].numpy(), ref[1:3])


def test_parameters_requiring_grad_are_saved(tmp_path):
    w = ember.nn.Parameter(ember.randn(3, 2))
    save({"w": w}, tmp_path / "p.safetensors")
    back = load(tmp_path / "p.safetensors")["w"]
    assert not back.requires_grad
    assert np.array_equal(back.numpy(), w.detach().numpy())


# ---------------------------------------------------------------------- PyTorch interchange
def test_torch_safetensors_file_loads_as_flat_dict(tmp_path):
    tensors = {f"layer.{name}": torch.from_numpy(sample("float32", (3, 2), i)).to(dt)
               for i, (name, dt) in enumerate(TORCH_DTYPES.items())}
    tensors["scalar"] = torch.tensor(3.25, dtype=torch.float64)
    tensors["empty"] = torch.zeros(0, 5)
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(tensors, str(path), metadata={"format": "pt"})
    back = load(path)
    assert set(back) == set(tensors)
    for name, t in tensors.items():
        assert isinstance(back[name], ember.Tensor)
        assert back[name].dtype.name == str(t.dtype).removeprefix("torch.")
        assert tuple(back[name].shape) == tuple(t.shape)
        assert np.array_equal(bits(back[name].numpy()), torch_bits(t)), name
    assert read_metadata(path) == {"format": "pt"}


def test_torch_state_dict_drives_an_ember_module(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))
    safetensors.torch.save_file(net.state_dict(), str(tmp_path / "net.safetensors"))
    ours = ember.nn.Sequential(ember.nn.Linear(5, 4), ember.nn.LayerNorm(4),
                               ember.nn.Linear(4, 2))
    ours.load_state_dict(load(tmp_path / "net.safetensors"))
    x = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    expected = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(ember.from_numpy(x)).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-6)


def test_ember_state_dict_loads_in_torch(tmp_path):
    ember.manual_seed(0)
    ours = ember.nn.Sequential(ember.nn.Linear(5, 4), ember.nn.BatchNorm1d(4))
    ours[1].running_mean.fill_(0.5)
    save(ours.state_dict(), tmp_path / "ours.safetensors", metadata={"source": "ember"})
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.BatchNorm1d(4))
    net.load_state_dict(safetensors.torch.load_file(str(tmp_path / "ours.safetensors")))
    for name, value in ours.state_dict().items():
        assert np.array_equal(net.state_dict()[name].numpy(), value.numpy()), name
    with safetensors.safe_open(str(tmp_path / "ours.safetensors"), "pt") as f:
        assert f.metadata()["source"] == "ember"


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "bool", "int8"])
def test_torch_reads_every_dtype_ember_writes(tmp_path, dtype):
    array = sample(dtype, (4, 3))
    save({"a": ember.from_numpy(array), "b": ember.from_numpy(array).t()},
         tmp_path / "d.safetensors")
    loaded = safetensors.torch.load_file(str(tmp_path / "d.safetensors"))
    assert loaded["a"].dtype == TORCH_DTYPES[dtype]
    assert np.array_equal(torch_bits(loaded["a"]), bits(array))
    assert np.array_equal(torch_bits(loaded["b"]), bits(array.T))


def test_file_layout_passes_the_safetensors_reader(tmp_path):
    obj = {"w": ember.randn(3, 5), "flag": ember.tensor([True, False, True]),
           "h": ember.randn(7).to(ember.bfloat16), "i": ember.arange(5), "cfg": {"lr": 0.1}}
    path = tmp_path / "layout.safetensors"
    save(obj, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert (8 + n) % 8 == 0  # data start aligned, as safetensors writes it
    entries = dict(safetensors.deserialize(raw))  # the Rust reader validates everything
    expected = {"w": obj["w"], "flag": obj["flag"], "h": obj["h"], "i": obj["i"]}
    assert set(entries) == set(expected)
    for name, t in expected.items():
        assert entries[name]["shape"] == list(t.shape)
        assert bytes(entries[name]["data"]) == bits(t.numpy()).tobytes()


# ---------------------------------------------------------------------- errors
def test_unsupported_values_name_their_place(tmp_path):
    with pytest.raises(TypeError, match=r"type object at obj\['a'\]\[1\]"):
        save({"a": [1, object()]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="complex128"):
        save({"c": np.zeros(2, dtype=complex)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="dict key"):
        save({ember.zeros(1): 1}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)  # nothing written, no temporary file left


def test_metadata_checks(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        save({}, tmp_path / "x.safetensors", metadata={"ember.structure": "x"})
    with pytest.raises(TypeError, match="dict\\[str, str\\]"):
        save({}, tmp_path / "x.safetensors", metadata={"epoch": 3})


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load(tmp_path / "nope.safetensors")
    assert info.value.filename == str(tmp_path / "nope.safetensors")


def test_map_location_cpu(tmp_path):
    save({"x": ember.ones(2)}, tmp_path / "x.safetensors")
    assert load(tmp_path / "x.safetensors", map_location="cpu")["x"].device.type == "cpu"


def test_checkpoint_error_is_a_runtime_error():
    assert issubclass(CheckpointError, RuntimeError)


# ---------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    for exc in (ValueError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_write(target, "w") as f:
            f.write("partial")
            assert len(list(tmp_path.glob(".f.txt.*.tmp"))) == 1
            raise exc
        assert target.read_text() == "old"
        assert os.listdir(tmp_path) == ["f.txt"]
    with atomic_write(target, "w") as f:
        f.write("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


def test_atomic_write_keeps_a_symlink(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("no symlinks here")
    with atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="liveness by pid is checked on POSIX only")
def test_stale_temporary_files_are_removed(tmp_path):
    target = tmp_path / "w.safetensors"
    dead = tmp_path / f".w.safetensors.{dead_pid()}.0123abcd.tmp"
    alive = tmp_path / f".w.safetensors.{os.getppid()}.0123abcd.tmp"
    old = tmp_path / f".w.safetensors.{os.getppid()}.feedbeef.tmp"
    other = tmp_path / f".other.safetensors.{dead_pid()}.0123abcd.tmp"
    for p in (dead, alive, old, other):
        p.write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    save({"x": ember.ones(1)}, target)
    assert sorted(os.listdir(tmp_path)) == sorted([alive.name, other.name, target.name])
