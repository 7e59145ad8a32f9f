"""MNIST / FashionMNIST (IDX) and CIFAR-10 (binary) readers on tiny files written here in
the official formats; sha256 checks; no network (download is never run)."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data import transforms as T
from ember.data.datasets import CIFAR10, MNIST, FashionMNIST, read_cifar_bin, read_idx
from ember.data.datasets._files import download


def _idx_bytes(array):
    a = np.asarray(array, np.uint8)
    return bytes([0, 0, 8, a.ndim]) + np.array(a.shape, ">i4").tobytes() + a.tobytes()


def _mnist_files(folder, gz, n=5):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        data = _idx_bytes(arr)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_mnist_reads_idx(tmp_path, gz, cls):
    images, labels = _mnist_files(tmp_path / cls.base_folder / "raw", gz)
    ds = cls(tmp_path, train=False, check_integrity=False)
    assert len(ds) == 5
    img, label = ds[3]
    assert img.dtype == np.uint8 and (img == images[3]).all() and label == labels[3]
    assert isinstance(label, int)
    t = cls(tmp_path, train=False, check_integrity=False, transform=T.ToTensor(),
            target_transform=lambda y: y + 100)
    x, y = next(iter(DataLoader(t, batch_size=5)))
    assert x.shape == (5, 1, 28, 28) and x.dtype == ember.float32
    assert y.tolist() == (labels.astype(int) + 100).tolist()


def test_mnist_integrity_mismatch_names_file_and_hashes(tmp_path):
    _mnist_files(tmp_path, gz=True)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(RuntimeError) as err:
        MNIST(tmp_path, train=False)
    msg = str(err.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and actual in msg
    assert MNIST.sha256["t10k-images-idx3-ubyte.gz"] in msg


def test_mnist_missing_and_malformed(tmp_path):
    with pytest.raises(RuntimeError, match="not found"):
        MNIST(tmp_path, train=True)
    bad = tmp_path / "x-idx"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad)
    bad.write_bytes(bytes([0, 0, 8, 1]) + np.array([5], ">i4").tobytes() + b"\x00")
    with pytest.raises(ValueError, match="5"):
        read_idx(bad)


def _cifar_records(n, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    # the official layout, written by hand: label, then the R, G and B planes
    raw = b"".join(bytes([labels[i]]) + images[i].transpose(2, 0, 1).tobytes()
                   for i in range(n))
    return images, labels, raw


def test_cifar10_reads_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    expect = []
    for i in range(1, 6):
        images, labels, raw = _cifar_records(2, i)
        (folder / f"data_batch_{i}.bin").write_bytes(raw)
        expect.append((images, labels))
    images, labels, raw = _cifar_records(3, 9)
    (folder / "test_batch.bin").write_bytes(raw)
    test = CIFAR10(tmp_path, train=False)
    assert len(test) == 3
    img, label = test[2]
    assert img.shape == (32, 32, 3) and (img == images[2]).all() and label == labels[2]
    assert img[0, 0].tolist() == images[2][0, 0].tolist()  # pixel (0, 0): R, G, B
    train = CIFAR10(tmp_path, train=True)
    assert len(train) == 10 and (train[9][0] == expect[4][0][1]).all()
    (folder / "test_batch.bin").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="3073"):
        read_cifar_bin(folder / "test_batch.bin")


def test_cifar10_archive_checked_then_extracted(tmp_path):
    _, labels, raw = _cifar_records(2, 0)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-bin/test_batch.bin")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    archive = tmp_path / "cifar-10-binary.tar.gz"
    archive.write_bytes(buf.getvalue())
    with pytest.raises(RuntimeError, match=CIFAR10.archive_sha256):
        CIFAR10(tmp_path, train=False)  # not the official archive
    ds = CIFAR10(tmp_path, train=False, check_integrity=False)
    assert [ds[i][1] for i in range(2)] == labels.tolist()


def test_download_without_network_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="could not download"):
        download("http://127.0.0.1:9/none.gz", tmp_path / "none.gz", None)
    assert not (tmp_path / "none.gz").exists()
