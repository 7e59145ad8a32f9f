"""End to end: models trained with ember on the bundled digits reach >= 97% test accuracy, and a
PyTorch state dict saved as safetensors loads into the ember twin with PyTorch's logits."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.data import DataLoader
from ember.data.datasets import Digits

pytest.importorskip("sklearn")


def _mlp(lib):
    n = lib.nn
    return n.Sequential(n.Linear(64, 256), n.ReLU(), n.Dropout(0.2), n.Linear(256, 256), n.ReLU(),
                        n.Dropout(0.2), n.Linear(256, 10))


def _cnn(lib):
    n = lib.nn
    return n.Sequential(
        n.Conv2d(1, 16, 3, padding=1), n.ReLU(),
        n.Conv2d(16, 32, 3, padding=1), n.BatchNorm2d(32), n.ReLU(), n.MaxPool2d(2),
        n.Flatten(), n.Linear(32 * 4 * 4, 10),
    )


def _accuracy(model, loader, prepare) -> float:
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for x, y in loader:
            logits = model(prepare(x))
            correct += int((logits.argmax(1) == y).sum())
            total += len(y)
    return correct / total


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_digits_reach_97_percent(kind):
    ember.manual_seed(0)
    train = DataLoader(Digits(train=True), batch_size=32, shuffle=True)
    test = DataLoader(Digits(train=False), batch_size=256)
    if kind == "mlp":
        model = _mlp(ember)
        # Standardised pixels (train statistics), dropout and a cosine schedule: a plain MLP
        # on raw digits tops out near 96.5% on this split, in PyTorch too. This recipe gave
        # 97.5% for each of four seeds.
        pixels = ember.stack([x for x, _ in Digits(train=True)]).flatten(1)
        mean, std = pixels.mean(0), pixels.std(0) + 0.1

        def prepare(x):
            return (x.flatten(1) - mean) / std
    else:
        model = _cnn(ember)

        def prepare(x):
            return x
    optimizer = ember.optim.AdamW(model.parameters(), lr=2e-3 if kind == "mlp" else 3e-3,
                                  weight_decay=1e-2)
    epochs = 20 if kind == "mlp" else 15
    schedule = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    for _ in range(epochs):
        model.train()
        for x, y in train:
            loss = F.cross_entropy(model(prepare(x)), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
    accuracy = _accuracy(model, test, prepare)
    assert accuracy >= 0.97, f"{kind}: test accuracy {accuracy:.3f} < 0.97"


def test_pytorch_state_dict_via_safetensors_gives_pytorch_logits(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    st_numpy = pytest.importorskip("safetensors.numpy")
    torch.manual_seed(0)
    reference = _cnn(torch).eval()
    # Make the BatchNorm statistics non-trivial, as after training.
    with torch.no_grad():
        reference.train()
        reference(torch.randn(64, 1, 8, 8))
        reference.eval()
    path = tmp_path / "model.safetensors"
    st_torch.save_file(reference.state_dict(), str(path))

    twin = _cnn(ember).eval()
    state = {k: ember.from_numpy(v) for k, v in st_numpy.load_file(str(path)).items()}
    twin.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((5, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        want = reference(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = twin(ember.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
