"""Transforms on tiny images with hand-computed expected values (no torchvision here);
bilinear Resize is checked against torch.nn.functional.interpolate."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.data import transforms as T


def img3x3():
    return np.arange(9, dtype=np.uint8).reshape(3, 3, 1) * 10


def test_to_tensor_and_normalize():
    x = np.array([[[0, 51, 255]]], np.uint8)  # 1x1 pixel, 3 channels
    t = T.ToTensor()(x)
    assert t.shape == (3, 1, 1) and t.dtype == ember.float32
    assert t.flatten().tolist() == pytest.approx([0.0, 0.2, 1.0])
    n = T.Normalize([0.5, 0.5, 0.5], [0.5, 0.25, 2.0])(t)
    assert n.flatten().tolist() == pytest.approx([-1.0, -1.2, 0.25])
    assert T.ToTensor()(np.zeros((2, 3), np.uint8)).shape == (1, 2, 3)
    assert T.ToTensor()(np.ones((1, 1, 1), np.float64)).dtype == ember.float64
    with pytest.raises(TypeError):
        T.ToTensor()(t)
    with pytest.raises(ValueError, match="zero"):
        T.Normalize([0.0], [0.0])
    with pytest.raises(TypeError):
        T.Normalize([0.0], [1.0])(ember.zeros(1, 2, 2, dtype=ember.int64))


def test_horizontal_flip_both_layouts():
    img = img3x3()
    assert T.RandomHorizontalFlip(1.0)(img)[:, :, 0].tolist() == \
        [[20, 10, 0], [50, 40, 30], [80, 70, 60]]
    assert T.RandomHorizontalFlip(0.0)(img) is img
    chw = ember.arange(6.0).reshape(1, 2, 3)
    assert T.RandomHorizontalFlip(1.0)(chw).tolist() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]


def test_random_crop_padding_and_positions():
    img = img3x3()
    seen = set()
    ember.manual_seed(0)
    for _ in range(60):
        out = T.RandomCrop(2)(img)[:, :, 0]
        seen.add(tuple(out.ravel()))
    # the four 2x2 windows of the 3x3 image, and nothing else
    assert seen == {(0, 10, 30, 40), (10, 20, 40, 50), (30, 40, 60, 70), (40, 50, 70, 80)}
    padded = T.RandomCrop(5, padding=1, fill=7)(img)[:, :, 0]
    assert padded[0].tolist() == [7] * 5 and padded[1].tolist() == [7, 0, 10, 20, 7]
    # pad_if_needed pads both sides by the shortfall: width 3 -> 3 + 2 * 1
    out = T.RandomCrop((3, 4), pad_if_needed=True, fill=1)(img)
    assert out.shape == (3, 4, 1)
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(4)(img)
    lr_tb = T.RandomCrop((5, 3), padding=(0, 1))(img)[:, :, 0]
    assert lr_tb[:, 0].tolist() == [0, 0, 30, 60, 0]


def test_random_crop_seeded():
    img = np.arange(100, dtype=np.uint8).reshape(10, 10, 1)
    ember.manual_seed(5)
    a = [T.RandomCrop(4)(img) for _ in range(5)]
    ember.manual_seed(5)
    assert all((x == y).all() for x, y in zip(a, [T.RandomCrop(4)(img) for _ in range(5)]))


def test_center_crop():
    img = np.arange(16, dtype=np.uint8).reshape(4, 4, 1)
    assert T.CenterCrop(2)(img)[:, :, 0].tolist() == [[5, 6], [9, 10]]
    # (4 - 1) / 2 = 1.5 rounds to 2 (Python's round, as torchvision)
    assert T.CenterCrop(1)(img)[:, :, 0].tolist() == [[10]]
    big = T.CenterCrop((3, 4))(np.ones((1, 2, 1), np.uint8))[:, :, 0]
    assert big.tolist() == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize("size", [(4, 6), (2, 2), (3, 5), (7, 3)])
def test_resize_matches_torch_bilinear(size):
    rng = np.random.default_rng(0)
    img = rng.random((4, 5, 2))
    ours = T.Resize(size)(img)
    ref = torch.nn.functional.interpolate(torch.from_numpy(img.transpose(2, 0, 1))[None],
                                          size=size, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(ours, ref[0].numpy().transpose(1, 2, 0), rtol=1e-12, atol=1e-12)


def test_resize_int_and_uint8():
    assert T.Resize(4)(np.zeros((2, 3, 1), np.uint8)).shape == (4, 6, 1)
    assert T.Resize(4)(np.zeros((3, 2, 1), np.uint8)).shape == (6, 4, 1)
    # [0, 100] to width 4: sources -0.25->0, 0.25, 0.75, 1.25->1 => 0, 25, 75, 100
    up = T.Resize((1, 4))(np.array([[[0], [100]]], np.uint8))
    assert up[0, :, 0].tolist() == [0, 25, 75, 100]
    chw = T.Resize((2, 2))(ember.ones(3, 4, 4))
    assert chw.shape == (3, 2, 2) and chw.tolist() == ember.ones(3, 2, 2).tolist()


def test_rotation_nearest_and_bilinear_exact_quarter_turn():
    img = img3x3()
    for interp in ("nearest", "bilinear"):
        out = T.RandomRotation((90, 90), interpolation=interp)(img)
        assert out[:, :, 0].tolist() == np.rot90(img[:, :, 0]).tolist()
    half = T.RandomRotation((180, 180))(img)
    assert half[:, :, 0].tolist() == img[::-1, ::-1, 0].tolist()


def test_rotation_45_hand_computed():
    img = img3x3()
    out = T.RandomRotation((45, 45), fill=255)(img)[:, :, 0]
    # nearest, by the inverse map: output (x, y) comes from (c x' - s y', s x' + c y') + 1,
    # with (x', y') relative to the centre (1, 1); e.g. output (0, 0) from (1, -0.41) -> (1, 0).
    c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
    expected = np.empty((3, 3), int)
    for yo in range(3):
        for xo in range(3):
            xs = c * (xo - 1) - s * (yo - 1) + 1
            ys = s * (xo - 1) + c * (yo - 1) + 1
            xi, yi = int(np.floor(xs + 0.5)), int(np.floor(ys + 0.5))
            expected[yo, xo] = img[yi, xi, 0] if 0 <= xi < 3 and 0 <= yi < 3 else 255
    assert out.tolist() == expected.tolist()
    assert out[1, 1] == 40 and out[0, 1] == 20 and out[0, 0] == 10


def test_rotation_bilinear_fill_and_seed():
    one = np.full((3, 3, 1), 100, np.uint8)
    out = T.RandomRotation((45, 45), interpolation="bilinear", fill=100)(one)
    assert (out == 100).all()  # a constant image with the same fill stays constant
    ember.manual_seed(2)
    a = T.RandomRotation(30)(img3x3())
    ember.manual_seed(2)
    assert (a == T.RandomRotation(30)(img3x3())).all()
    with pytest.raises(ValueError):
        T.RandomRotation(-1)


def test_color_jitter_hand_computed():
    px = np.array([[[100, 50, 0]]], np.uint8)
    assert T.ColorJitter(brightness=(2, 2))(px)[0, 0].tolist() == [200, 100, 0]
    assert T.ColorJitter(brightness=(3, 3))(px)[0, 0].tolist() == [255, 150, 0]
    # saturation 0 -> grey: 0.299 * 100 + 0.587 * 50 = 59.25 -> 59
    assert T.ColorJitter(saturation=(0, 0))(px)[0, 0].tolist() == [59, 59, 59]
    two = np.array([[[0], [100]]], np.uint8)
    # contrast 0.5 around the mean 50: 0 -> 25, 100 -> 75
    assert T.ColorJitter(contrast=(0.5, 0.5))(two)[0, :, 0].tolist() == [25, 75]
    f = T.ColorJitter(brightness=(0.5, 0.5))(ember.ones(3, 1, 1))
    assert f.flatten().tolist() == [0.5, 0.5, 0.5]


def test_compose_lambda_pipeline_seeded():
    pipe = T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip(), T.ToTensor(),
                      T.Normalize([0.5], [0.5]), T.Lambda(lambda t: t * 2)])
    img = np.arange(36, dtype=np.uint8).reshape(6, 6, 1)
    ember.manual_seed(9)
    a = [pipe(img).tolist() for _ in range(4)]
    ember.manual_seed(9)
    assert a == [pipe(img).tolist() for _ in range(4)]
    with pytest.raises(TypeError):
        T.Lambda(3)
