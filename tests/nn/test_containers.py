"""Containers against torch.nn's."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn

torch = pytest.importorskip("torch")


class Lin(nn.Module):
    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.in_features, self.out_features = i, o
        self.weight = nn.Parameter(ember.randn(o, i))
        self.bias = nn.Parameter(ember.randn(o))

    def forward(self, x):
        return x @ self.weight.mT + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias=True"


class ReLU(nn.Module):
    def forward(self, x):
        return x.relu()


def _pair():
    em = nn.Sequential(Lin(3, 4), ReLU(), nn.Sequential(Lin(4, 4), ReLU()), Lin(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                             torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()),
                             torch.nn.Linear(4, 2))
    return em, tm


def _load(em, tm):
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def test_sequential_matches_torch():
    em, tm = _pair()
    assert list(em.state_dict()) == list(tm.state_dict())
    _load(em, tm)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(em).replace("Lin(", "Linear(") == repr(tm)
    assert len(em) == 4 and isinstance(em[0], Lin) and isinstance(em[-1], Lin)
    sub = em[1:3]
    assert type(sub) is nn.Sequential and list(sub._modules) == ["1", "2"]
    assert list(sub.state_dict()) == list(tm[1:3].state_dict())
    assert [type(m).__name__ for m in em] == ["Lin", "ReLU", "Sequential", "Lin"]
    with pytest.raises(IndexError):
        em[4]
    em.append(ReLU())
    tm.append(torch.nn.ReLU())
    assert list(em._modules) == list(tm._modules)
    del em[1]
    del tm[1]
    assert list(em.state_dict()) == list(tm.state_dict())
    em.insert(0, ReLU())
    tm.insert(0, torch.nn.ReLU())
    assert list(em.state_dict()) == list(tm.state_dict())
    assert len(em + em) == 2 * len(em)
    em[0] = Lin(3, 3)
    assert isinstance(em[0], Lin)


def test_sequential_ordered_dict_and_paths():
    seq = nn.Sequential(OrderedDict([("fc", Lin(3, 2)), ("act", ReLU())]))
    tseq = torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(3, 2)),
                                            ("act", torch.nn.ReLU())]))
    assert list(seq.state_dict()) == list(tseq.state_dict()) == ["fc.weight", "fc.bias"]
    net = nn.Module()
    net.layers = nn.ModuleList([seq])
    assert seq.fc.module_path() == "layers.0.fc"
    with pytest.raises(RuntimeError, match=r"^layers\.0\.fc \(Lin, in_features=3"):
        net.layers[0](ember.zeros(2, 5))


def test_module_list():
    em = nn.ModuleList([Lin(2, 2) for _ in range(3)])
    tm = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em).replace("Lin(", "Linear(") == repr(tm)
    em.append(ReLU())
    tm.append(torch.nn.ReLU())
    assert repr(em).replace("Lin(", "Linear(") == repr(tm)
    assert repr(nn.ModuleList()) == "ModuleList()"
    em.extend([ReLU()])
    em += [ReLU()]
    assert len(em) == 6 and isinstance(em[-1], ReLU)
    assert type(em[1:3]) is nn.ModuleList and len(em[1:3]) == 2
    del em[0]
    assert list(em._modules) == [str(i) for i in range(5)]
    em.insert(1, Lin(1, 1))
    assert isinstance(em[1], Lin) and len(em) == 6
    assert isinstance(em.pop(1), Lin) and len(em) == 5
    with pytest.raises(TypeError):
        em.extend(3)


def test_module_dict():
    em = nn.ModuleDict({"a": Lin(2, 2), "b": ReLU()})
    tm = torch.nn.ModuleDict({"a": torch.nn.Linear(2, 2), "b": torch.nn.ReLU()})
    assert list(em.state_dict()) == list(tm.state_dict())
    assert list(em) == ["a", "b"] and "a" in em and len(em) == 2
    em["c"] = Lin(1, 1)
    assert list(em.keys()) == ["a", "b", "c"]
    assert isinstance(em.pop("c"), Lin) and "c" not in em
    em.update([("d", ReLU())])
    assert [k for k, _ in em.items()] == ["a", "b", "d"]
    assert repr(em).replace("Lin(", "Linear(") == repr(
        torch.nn.ModuleDict({"a": torch.nn.Linear(2, 2), "b": torch.nn.ReLU(),
                             "d": torch.nn.ReLU()}))


def test_parameter_list_and_dict():
    pl = nn.ParameterList([ember.ones(2), nn.Parameter(ember.zeros(3, 2))])
    tpl = torch.nn.ParameterList([torch.ones(2), torch.nn.Parameter(torch.zeros(3, 2))])
    assert [n for n, _ in pl.named_parameters()] == [n for n, _ in tpl.named_parameters()]
    assert all(type(p) is nn.Parameter for p in pl)
    assert len(pl) == 2 and pl[-1].shape == (3, 2)
    assert repr(pl) == repr(tpl).replace("torch.", "ember.")
    pl.append(ember.ones(1))
    assert list(pl.state_dict()) == ["0", "1", "2"]
    pd = nn.ParameterDict({"w": ember.ones(2), "b": ember.zeros(1)})
    tpd = torch.nn.ParameterDict({"w": torch.ones(2), "b": torch.zeros(1)})
    assert list(pd.state_dict()) == list(tpd.state_dict())
    # torch prints the legacy type name here (torch.FloatTensor); ember prints the dtype
    assert repr(pd) == repr(tpd).replace("torch.FloatTensor", "ember.float32")
    assert "w" in pd and list(pd.keys()) == ["b", "w"] and pd.get("x") is None
    del pd["w"]
    assert list(pd.state_dict()) == ["b"]
    m = nn.Module()
    m.params = pd
    (m.params["b"] * 2).sum().backward()
    assert m.params["b"].grad.tolist() == [2.0]


@pytest.mark.skipif(not hasattr(nn, "Linear") or not hasattr(nn, "ReLU"),
                    reason="needs ember.nn.Linear")
def test_sequential_of_layers_through_the_harness():
    from tests.nn.harness import check_layer

    check_layer(lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.ModuleList([
                    nn.Linear(4, 2)])[0]),
                lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                            torch.nn.Linear(4, 2)),
                [(5, 3)])
    em = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2)))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                             torch.nn.Sequential(torch.nn.Linear(4, 2)))
    assert repr(em) == repr(tm)
