"""Conv, pooling and resampling layers against PyTorch through the layer harness."""

import pytest

import ember
from tests.nn.harness import check_default_init, check_layer

torch = pytest.importorskip("torch")

CONV_LAYERS = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), [(2, 3, 9)]),
    ("Conv2d", (4, 6, 3), dict(padding=1, groups=2), [(2, 4, 6, 5)]),
    ("Conv2d", (3, 5, (2, 3)), dict(padding="same", dilation=2, bias=False), [(3, 6, 7)]),
    ("Conv2d", (3, 4, 3), dict(padding=2, padding_mode="reflect"), [(1, 3, 5, 6)]),
    ("Conv2d", (3, 4, 3), dict(padding=(1, 2), padding_mode="circular"), [(1, 3, 5, 6)]),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="replicate"), [(1, 2, 5, 6)]),
    ("Conv3d", (2, 3, 2), dict(stride=(1, 2, 1)), [(1, 2, 3, 4, 3)]),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, output_padding=1), [(2, 3, 4)]),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, groups=2), [(1, 4, 3, 3)]),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2, dilation=1), [(1, 2, 2, 2, 2)]),
]


@pytest.mark.parametrize("name,args,kwargs,inputs", CONV_LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV_LAYERS)])
def test_conv_layer(name, args, kwargs, inputs):
    check_layer(lambda: getattr(ember.nn, name)(*args, **kwargs),
                lambda: getattr(torch.nn, name)(*args, **kwargs), inputs)


# Enough output channels that the bias sample's range pins the bound the harness compares.
@pytest.mark.parametrize("name,args", [("Conv2d", (8, 64, 3)), ("Conv1d", (4, 64, 5)),
                                       ("ConvTranspose2d", (8, 64, 3)),
                                       ("Conv3d", (2, 64, (2, 3, 1)))])
def test_conv_default_init(name, args):
    check_default_init(lambda: getattr(ember.nn, name)(*args),
                       lambda: getattr(torch.nn, name)(*args))


PARAMETERLESS = [
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), [(2, 3, 7, 6)]),
    ("MaxPool1d", (2,), {}, [(2, 3, 7)]),
    ("MaxPool3d", (2,), {}, [(1, 2, 4, 4, 3)]),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False), [(2, 3, 7, 6)]),
    ("AvgPool1d", (3,), {}, [(2, 3, 7)]),
    ("AvgPool3d", (2,), dict(divisor_override=3), [(1, 2, 4, 4, 3)]),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, [(2, 3, 7, 6)]),
    ("AdaptiveAvgPool1d", (4,), {}, [(2, 3, 7)]),
    ("AdaptiveAvgPool3d", (2,), {}, [(1, 2, 5, 4, 3)]),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, [(2, 3, 7, 6)]),
    ("AdaptiveMaxPool1d", (3,), {}, [(2, 3, 7)]),
    ("LPPool2d", (2, 2), {}, [(1, 2, 4, 6)]),
    ("LPPool3d", (3, (2, 1, 2)), dict(stride=1), [(1, 2, 3, 4, 3)]),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear"), [(1, 2, 3, 4)]),
    ("Upsample", (), dict(size=(5, 7), mode="bicubic", align_corners=True), [(1, 2, 3, 4)]),
    ("Upsample", (), dict(scale_factor=1.5), [(1, 2, 3, 4)]),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), [(1, 2, 3, 4)]),
    ("UpsamplingBilinear2d", ((5, 5),), {}, [(1, 2, 3, 4)]),
    ("PixelShuffle", (2,), {}, [(1, 8, 3, 2)]),
    ("PixelUnshuffle", (2,), {}, [(1, 2, 4, 6)]),
    ("ZeroPad2d", ((1, 2, 0, 1),), {}, [(1, 2, 3, 4)]),
    ("ConstantPad1d", (2, 3.5), {}, [(2, 3, 4)]),
    ("ReflectionPad2d", (2,), {}, [(1, 2, 3, 4)]),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), {}, [(1, 2, 2, 3, 2)]),
    ("CircularPad1d", (2,), {}, [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,args,kwargs,inputs", PARAMETERLESS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(PARAMETERLESS)])
def test_parameterless_layer(name, args, kwargs, inputs):
    check_layer(lambda: getattr(ember.nn, name)(*args, **kwargs),
                lambda: getattr(torch.nn, name)(*args, **kwargs), inputs)


@pytest.mark.parametrize("name,args,kwargs,inputs", CONV_LAYERS + PARAMETERLESS + [
    ("Conv2d", (3, 4, 3), dict(padding="valid"), None),
    ("ZeroPad1d", ((1, 2),), {}, None), ("ZeroPad3d", (1,), {}, None),
    ("AvgPool1d", (3, 2, 1), {}, None)])
def test_layer_repr_matches_torch(name, args, kwargs, inputs):
    # printing a ported model must read the same (padding=same, not padding='same')
    assert repr(getattr(ember.nn, name)(*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))


def test_conv_errors_name_the_module():
    net = ember.nn.Sequential(ember.nn.Conv2d(3, 16, 3))
    with pytest.raises(RuntimeError, match=r"0 \(Conv2d, 3, 16, kernel_size=\(3, 3\).*\): "
                                           r"expected a 3-D \(unbatched\) or 4-D \(batched\) "
                                           r"input, got shape \(28, 28\)"):
        net(ember.ones(28, 28))
    with pytest.raises(RuntimeError, match=r"Conv2d.*expected input with 3 channels.*got 4"):
        net(ember.ones(1, 4, 8, 8))
    with pytest.raises(RuntimeError, match=r"Conv2d.*padded input size per channel \(2, 2\) "
                                           r"is smaller than the \(dilated\) kernel size"):
        net(ember.ones(1, 3, 2, 2))


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels \\(3\\) must be divisible by groups"):
        ember.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        ember.nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        ember.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_conv_transpose_output_size():
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    em = ember.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).to(ember.float64)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = torch.randn(1, 2, 4, 4, dtype=torch.float64)
    want = tm(x, output_size=(8, 8)).detach().numpy()
    got = em(ember.tensor(x.numpy()), output_size=(8, 8)).detach().numpy()
    assert got.shape == want.shape == (1, 3, 8, 8)
    assert abs(got - want).max() < 1e-12


def test_conv_double_backward_matches_torch():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    gx, = torch.autograd.grad(torch.nn.functional.conv2d(x, w, padding=1).pow(2).sum(), x,
                              create_graph=True)
    want = torch.autograd.grad(gx.pow(2).sum(), [x, w])
    ex = ember.tensor(x.detach().numpy(), requires_grad=True)
    ew = ember.tensor(w.detach().numpy(), requires_grad=True)
    F = ember.nn.functional
    egx, = ember.autograd.grad(F.conv2d(ex, ew, padding=1).pow(2).sum(), ex,
                               create_graph=True)
    got = ember.autograd.grad(egx.pow(2).sum(), [ex, ew])
    for g, t in zip(got, want):
        assert abs(g.numpy() - t.numpy()).max() < 1e-9


@pytest.mark.parametrize("nd,kwargs", [(2, dict(padding=1)), (2, dict(padding="same", dilation=2)),
                                       (1, dict(padding=2)), (3, dict(padding=(1, 0, 1)))])
def test_conv_fast_path_chunks_and_threads(monkeypatch, nd, kwargs):
    # The channel-first fast path (_conv_fast.py) works a chunk of images at a time and
    # splits copies over two threads only for large arrays; force both on small inputs: a
    # chunk of 2 images out of 5 (so the last chunk is partial) and every split taken.
    from ember.nn.functional import _conv_fast

    monkeypatch.setattr(_conv_fast, "_SPLIT_MIN", 0)
    size, kernel = (6, 5, 4)[:nd], (3, 2, 3)[:nd]
    per_image = 3 * 2 * torch.Size(kernel).numel() * torch.Size(size).numel() * 8
    monkeypatch.setattr(_conv_fast, "_CHUNK_BYTES", 2 * per_image)
    torch.manual_seed(0)
    tx = torch.randn((5, 3) + size, dtype=torch.float64, requires_grad=True)
    tw = torch.randn((4, 3) + kernel, dtype=torch.float64, requires_grad=True)
    tb = torch.randn(4, dtype=torch.float64, requires_grad=True)
    conv = getattr(torch.nn.functional, f"conv{nd}d")
    tout = conv(tx, tw, tb, **kwargs)
    tg = torch.randn_like(tout)
    want = [tout, *torch.autograd.grad(tout, [tx, tw, tb], tg)]
    e = [ember.tensor(t.detach().numpy(), requires_grad=True) for t in (tx, tw, tb)]
    eout = getattr(ember.nn.functional, f"conv{nd}d")(*e, **kwargs)
    got = [eout, *ember.autograd.grad(eout, e, ember.tensor(tg.numpy()))]
    for g, t in zip(got, want):
        assert tuple(g.shape) == tuple(t.shape)
        assert abs(g.detach().numpy() - t.detach().numpy()).max() < 1e-10
