"""ember.nn.Module and Parameter against torch.nn.Module."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import ember
from ember import nn

torch = pytest.importorskip("torch")


class TLin(nn.Module):
    """A tiny Linear built from ember ops (independent of the layer owners' Linear)."""

    def __init__(self, i: int, o: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = i, o
        self.weight = nn.Parameter(ember.randn(o, i))
        if bias:
            self.bias = nn.Parameter(ember.randn(o))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise self.module_error(f"expected input of shape (..., {self.in_features}), "
                                    f"got {tuple(x.shape)}")
        y = x @ self.weight.mT
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Act(nn.Module):
    def forward(self, x):
        return x.relu()


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = TLin(3, 4)
        self.act = Act()
        self.fc2 = TLin(4, 2, bias=False)
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("cache", ember.ones(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 4)
        self.act = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(4, 2, bias=False)
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("cache", torch.ones(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def t2e(t):
    return ember.tensor(t.detach().numpy())


# ----------------------------------------------------------------------------- Parameter
def test_parameter_basics():
    data = ember.ones(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\n" + repr(data.requires_grad_(True))
    assert type(p * 2) is ember.Tensor and type(p + p) is ember.Tensor
    with ember.no_grad():
        assert p.mul_(3) is p
    np.testing.assert_array_equal(data.detach().numpy(), 3 * np.ones((2, 3)))
    assert not nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError):
        nn.Parameter([1.0])
    (p.sin() * p).sum().backward()
    x = torch.full((2, 3), 3.0, requires_grad=True)
    (x.sin() * x).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), x.grad.numpy(), rtol=1e-6)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q is not p and q.grad is not None
    assert not hasattr(p, "__dict__")


def test_uninitialized_parameter():
    p = nn.UninitializedParameter()
    assert isinstance(p, nn.Parameter)
    p.materialize((2, 3), dtype=ember.float64)
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == ember.float64
    b = nn.UninitializedBuffer()
    b.materialize(4)
    assert type(b) is ember.Tensor and b.shape == (4,)


# ----------------------------------------------------------------------------- registration
def test_names_and_order_match_torch():
    em, tm = Net(), TNet()
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    assert [n for n, _ in em.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in em.fc1.named_parameters(prefix="m")] == ["m.weight", "m.bias"]
    assert len(list(em.parameters())) == 3 and len(list(em.buffers())) == 2
    assert len(list(em.modules())) == 4 and len(list(em.children())) == 3


def test_shared_parameters_and_modules():
    em, tm = Net(), TNet()
    em.fc3 = em.fc1
    tm.fc3 = tm.fc1
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in em.named_modules(remove_duplicate=False)] == \
        [n for n, _ in tm.named_modules(remove_duplicate=False)]
    assert list(em.state_dict()) == list(tm.state_dict())


def test_setattr_getattr_delattr():
    m = nn.Module()
    m.w = nn.Parameter(ember.ones(1))
    assert "w" in m._parameters and "w" not in m.__dict__
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = ember.ones(1)
    m.w = None
    assert m.w is None and "w" in m._parameters
    assert list(m.state_dict()) == []
    m.sub = Act()
    with pytest.raises(TypeError):
        m.sub = 3
    m.sub = None
    assert m.sub is None
    m.register_buffer("b", ember.zeros(2))
    m.b = ember.ones(2)
    assert m._buffers["b"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError):
        m.b = 3
    # reassigning a name as another kind moves it
    m.register_buffer("x", ember.ones(1))
    m.x = Act()
    assert "x" not in m._buffers and "x" in m._modules
    with pytest.raises(TypeError, match="as child module"):
        m.x = ember.ones(1)
    del m.x, m.b, m.w
    assert "x" not in m._modules and "b" not in m._buffers and "w" not in m._parameters
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope  # noqa: B018
    m.plain = 3
    del m.plain
    assert "sub" in dir(m)


def test_registration_errors_match_torch():
    for lib, mod in ((nn, nn.Module()), (torch.nn, torch.nn.Module())):
        P = lib.Parameter
        zeros = ember.zeros if lib is nn else torch.zeros
        with pytest.raises(KeyError, match="contain"):
            mod.register_buffer("a.b", zeros(1))
        with pytest.raises(KeyError, match="empty string"):
            mod.register_parameter("", None)
        with pytest.raises(TypeError, match="name should be a string"):
            mod.register_buffer(1, zeros(1))
        mod.x = 1
        with pytest.raises(KeyError, match="attribute 'x' already exists"):
            mod.register_buffer("x", zeros(1))
        with pytest.raises(TypeError):
            mod.register_parameter("p", zeros(1))
        with pytest.raises(TypeError):
            mod.register_buffer("q", 3)
        with pytest.raises(TypeError, match="is not a Module subclass"):
            mod.add_module("m", 3)
        w = zeros(2, requires_grad=True) * 2
        with pytest.raises(ValueError, match="non-leaf"):
            mod.register_parameter("nl", P(zeros(2)).__class__.__new__(P) if False else
                                   _nonleaf(lib, w))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def _nonleaf(lib, w):
    if lib is nn:
        p = nn.Parameter(ember.zeros(2))
        p.grad_fn = w.grad_fn  # a Parameter produced by an op (cannot happen by ops alone)
        return p
    return w.as_subclass(torch.nn.Parameter)


def test_submodule_parameter_lookups():
    em, tm = Net(), TNet()
    assert em.get_submodule("fc1") is em.fc1 and em.get_submodule("") is em
    assert em.get_parameter("fc1.weight") is em.fc1.weight
    assert em.get_buffer("steps") is em.steps
    for m in (em, tm):
        with pytest.raises(AttributeError, match="has no attribute `nope`"):
            m.get_submodule("fc1.nope")
        with pytest.raises(AttributeError, match="is not an nn.Module"):
            m.get_submodule("fc1.weight")
        with pytest.raises(AttributeError, match="is not an nn.Parameter"):
            m.get_parameter("steps")


# ----------------------------------------------------------------------------- modes, grads
def test_train_eval_requires_grad_zero_grad_apply():
    m = Net()
    assert m.training and m.fc1.training
    assert m.eval() is m and not m.fc1.training and not m.act.training
    m.train()
    assert m.fc2.training
    with pytest.raises(ValueError, match="boolean"):
        m.train(1)
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    m(ember.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad.abs().sum().item() == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["TLin", "Act", "TLin", "Net"]


def test_to_and_casts_keep_parameter_objects():
    m = Net()
    w = m.fc1.weight
    m(ember.randn(2, 3)).sum().backward()
    assert m.to(ember.float64) is m
    assert m.fc1.weight is w and w.dtype == ember.float64 and w.grad.dtype == ember.float64
    assert m.steps.dtype == ember.float64 and m.cache.dtype == ember.float64
    m.float()
    assert w.dtype == ember.float32
    m.double().half()
    assert w.dtype == ember.float16
    m.to(dtype=ember.float32).to("cpu").cpu()
    assert w.dtype == ember.float32
    m.to(ember.zeros(1, dtype=ember.float64))
    assert w.dtype == ember.float64
    m.register_buffer("count", ember.zeros(1, dtype=ember.int64))
    m.float()
    assert m.count.dtype == ember.int64  # only floating tensors are cast
    with pytest.raises(TypeError, match="floating point"):
        m.to(ember.int32)
    # an in-place update under no_grad after a cast still reaches the module
    with ember.no_grad():
        w.zero_()
    assert m.fc1.weight.abs().sum().item() == 0


# ----------------------------------------------------------------------------- state dict
def test_state_dict_values_and_keep_vars():
    m = Net()
    sd = m.state_dict()
    assert type(sd).__name__ == "OrderedDict"
    assert not sd["fc1.weight"].requires_grad and type(sd["fc1.weight"]) is ember.Tensor
    # detached values share memory with the parameters (as in torch)
    with ember.no_grad():
        m.fc1.weight.add_(1)
    np.testing.assert_array_equal(sd["fc1.weight"].numpy(), m.fc1.weight.detach().numpy())
    kv = m.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is m.fc1.weight
    pre = m.state_dict(prefix="model.")
    assert list(pre) == ["model." + k for k in sd]
    dest = {}
    assert m.state_dict(destination=dest) is dest


def test_load_state_dict_from_torch():
    em, tm = Net(), TNet()
    result = em.load_state_dict({k: t2e(v) for k, v in tm.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_state_dict_converts_dtype_in_place():
    m = Net()
    w = m.fc1.weight
    sd = {k: v.double() + 1 for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    assert m.fc1.weight is w and w.dtype == ember.float32 and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), sd["fc1.weight"].numpy(), rtol=1e-6)


def test_load_state_dict_errors_leave_model_unchanged():
    em, tm = Net(), TNet()
    sd_t = tm.state_dict()
    sd_t["fc1.weight"] = torch.zeros(5, 3)
    del sd_t["fc1.bias"]
    sd_t["extra"] = torch.zeros(1)
    sd_e = {k: t2e(v) for k, v in sd_t.items()}
    before = {k: v.clone() for k, v in em.state_dict().items()}
    with pytest.raises(RuntimeError) as e_err:
        em.load_state_dict(sd_e)
    with pytest.raises(RuntimeError) as t_err:
        tm.load_state_dict(sd_t)
    e_msg, t_msg = str(e_err.value), str(t_err.value)
    assert e_msg.replace("ember.Size", "torch.Size").replace("Net", "TNet") == t_msg
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    # non-strict: missing/unexpected reported, but the shape error still raises
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        em.load_state_dict(sd_e, strict=False)
    sd_e["fc1.weight"] = t2e(tm.fc1.weight)
    res = em.load_state_dict(sd_e, strict=False)
    assert res == (["fc1.bias"], ["extra"])
    np.testing.assert_array_equal(em.fc1.weight.detach().numpy(), tm.fc1.weight.detach().numpy())
    with pytest.raises(TypeError, match="dict-like"):
        em.load_state_dict([1])
    with pytest.raises(RuntimeError, match="expected an ember Tensor"):
        em.load_state_dict({**em.state_dict(), "steps": 3})
    # a torch state dict passed as is: the message must not read "expected Tensor ... received
    # Tensor", and says how to convert
    with pytest.raises(RuntimeError, match=r"received torch\.Tensor \(convert .*from_numpy"):
        em.load_state_dict(tm.state_dict())


def test_load_state_dict_assign():
    m = Net()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    m.load_state_dict(sd, assign=True)
    assert type(m.fc1.weight) is nn.Parameter and m.fc1.weight.requires_grad
    assert m.steps is sd["steps"]
    assert "fc1.weight" in m.state_dict()


def test_load_state_dict_materializes_lazy_parameters():
    m = nn.Module()
    m.w = nn.UninitializedParameter()
    m.load_state_dict({"w": ember.ones(2, 2)})
    assert type(m.w) is nn.Parameter and m.w.shape == (2, 2)


def test_deepcopy():
    m = Net()
    c = copy.deepcopy(m)
    assert c.fc1.weight is not m.fc1.weight
    assert c.fc1.module_path() == "fc1" and c.fc1._ember_parent() is c
    np.testing.assert_array_equal(c.fc1.weight.detach().numpy(), m.fc1.weight.detach().numpy())
    assert list(c.state_dict()) == list(m.state_dict())


# ----------------------------------------------------------------------------- repr
def test_repr_matches_torch():
    class TAct(torch.nn.Module):
        def forward(self, x):
            return x

    class EmptyT(torch.nn.Module):
        pass

    em, tm = Net(), TNet()
    tm.act = TAct()
    tm.__class__.__name__ = "Net"
    tm.fc1.__class__ = type("TLin", (torch.nn.Linear,), {})
    tm.fc2.__class__ = tm.fc1.__class__
    tm.act.__class__.__name__ = "Act"
    assert repr(em) == repr(tm)
    TNet.__name__ = "TNet"
    assert repr(nn.Module()) == repr(EmptyT()).replace("EmptyT", "Module")


# ----------------------------------------------------------------------------- errors
def test_module_error_names_the_path():
    outer = nn.Module()
    outer.encoder = nn.Module()
    outer.encoder.fc1 = TLin(784, 10)
    with pytest.raises(ValueError) as err:
        outer.encoder.fc1(ember.zeros(32, 28, 28))
    assert str(err.value) == ("encoder.fc1 (TLin, in_features=784, out_features=10, "
                              "bias=True): expected input of shape (..., 784), got (32, 28, 28)")
    with pytest.raises(ValueError, match=r"^TLin\(in_features=3, out_features=4, bias=True\): "):
        TLin(3, 4)(ember.zeros(2))


def test_op_errors_get_the_innermost_module_prefix():
    class Bad(nn.Module):
        def forward(self, x):
            return x.reshape(7)

    net = Net()
    net.act = Bad()
    with pytest.raises(RuntimeError) as err:
        net(ember.zeros(2, 3))
    assert str(err.value).startswith("act (Bad): ") and "reshape" in str(err.value)

    class UserError(nn.Module):
        def forward(self, x):
            raise ValueError("mine")

    net.act = UserError()
    with pytest.raises(ValueError, match="^mine$"):  # user code's errors are left alone
        net(ember.zeros(2, 3))


# ----------------------------------------------------------------------------- hooks
def test_forward_hooks():
    m = Net()
    calls = []
    h1 = m.fc1.register_forward_pre_hook(lambda mod, args: calls.append("pre") or
                                         (args[0] * 0,))
    h2 = m.fc1.register_forward_hook(lambda mod, args, out: calls.append("post") or out * 0)
    h3 = m.fc1.register_forward_hook(lambda mod, args, out: calls.append("first"),
                                     prepend=True)
    out = m(ember.randn(2, 3))
    assert calls == ["pre", "first", "post"] and out.abs().sum().item() == 0
    for h in (h1, h2, h3):
        h.remove()
    calls.clear()
    m(ember.randn(2, 3))
    assert calls == []

    def pre_kw(mod, args, kwargs):
        return args, {**kwargs, "scale": 2.0}

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    s = Scaled()
    with s.register_forward_pre_hook(pre_kw, with_kwargs=True):
        assert s(ember.ones(1)).item() == 2.0
    assert s(ember.ones(1)).item() == 1.0
    seen = []
    s.register_forward_hook(lambda mod, a, kw, out: seen.append(kw), with_kwargs=True)
    s(ember.ones(1), scale=3.0)
    assert seen == [{"scale": 3.0}]


def _backward_hook_run(lib, mod_factory):
    grads = []
    mod = mod_factory()

    def hook(module, grad_input, grad_output):
        grads.append(([None if g is None else g.detach().numpy().copy() for g in grad_input],
                      [g.detach().numpy().copy() for g in grad_output]))
        return tuple(None if g is None else g * 2 for g in grad_input)

    mod.register_full_backward_hook(hook)
    x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = lib.tensor(np.ones((2, 3)))
    mod(x, y).sum().backward()
    return grads, x.grad.numpy()


def test_full_backward_hook_matches_torch():
    class EMul(nn.Module):
        def forward(self, x, y):
            return (x * x * y).sum(1)

    class TMul(torch.nn.Module):
        def forward(self, x, y):
            return (x * x * y).sum(1)

    (eg, ex), (tg, tx) = _backward_hook_run(ember, EMul), _backward_hook_run(torch, TMul)
    assert len(eg) == len(tg) == 1
    for a, b in zip(eg[0][0] + eg[0][1], tg[0][0] + tg[0][1]):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(ex, tx)


def test_full_backward_pre_hook_and_no_input_grad():
    m = TLin(3, 2)
    got = []
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
    m(ember.randn(4, 3)).sum().backward()  # the input needs no grad: hook sees (None,)
    assert got[0][0] == (None,) and got[0][1][0].abs().sum().item() == 0
    assert m.weight.grad.abs().sum().item() == 0


def test_buffer_marker_registers_buffers_like_torch():
    def build(lib):
        class Counter(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.steps = lib.nn.Buffer(lib.zeros(()))
                self.cache = lib.nn.Buffer(lib.ones(2), persistent=False)
                self.plain = lib.ones(1)  # a plain tensor attribute is not a buffer

        return Counter()

    me, mt = build(ember), build(torch)
    assert list(me.state_dict()) == list(mt.state_dict()) == ["steps"]
    assert [n for n, _ in me.named_buffers()] == [n for n, _ in mt.named_buffers()]
    assert not me.cache.requires_grad
    # re-assigning a buffer with the marker re-registers it with the new persistence
    me.cache, mt.cache = ember.nn.Buffer(ember.ones(3)), torch.nn.Buffer(torch.ones(3))
    assert list(me.state_dict()) == list(mt.state_dict()) == ["steps", "cache"]
    me.load_state_dict({"steps": ember.tensor(4.0), "cache": ember.zeros(3)})
    assert me.steps.item() == 4.0


def test_buffer_shares_and_detaches_its_data():
    w = ember.ones(2, requires_grad=True)
    b = ember.nn.Buffer(w)
    # detached (a leaf of its own) but keeping the flag, as torch.nn.Buffer
    assert b.requires_grad == torch.nn.Buffer(torch.ones(2, requires_grad=True)).requires_grad
    assert b.is_leaf and b.grad_fn is None and b.persistent
    with ember.no_grad():
        w.mul_(3)
    assert b.tolist() == [3.0, 3.0]
    assert ember.nn.Buffer().shape == (0,)
    with pytest.raises(TypeError, match="Buffer: expected a Tensor as data, got list"):
        ember.nn.Buffer([1.0, 2.0])


def test_buffer_keeps_requires_grad_in_a_module_and_its_deep_copy():
    def build(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Buffer(lib.ones(2, requires_grad=True))
                self.b = lib.nn.Buffer(lib.zeros(3))

        return M()

    me, mt = build(ember), build(torch)
    for e, t in ((me, mt), (copy.deepcopy(me), copy.deepcopy(mt))):
        assert [(n, b.requires_grad) for n, b in e.named_buffers()] == \
            [(n, b.requires_grad) for n, b in t.named_buffers()] == [("a", True), ("b", False)]


def test_buffer_marker_refuses_a_name_used_by_a_plain_attribute():
    for lib in (torch, ember):
        m = lib.nn.Module()
        m.c = 5
        with pytest.raises(KeyError, match="attribute 'c' already exists"):
            m.c = lib.nn.Buffer(lib.ones(1))
        assert m.c == 5 and not list(m.named_buffers())
