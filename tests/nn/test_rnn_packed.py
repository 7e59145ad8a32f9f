"""``ember.nn.utils.rnn`` (padding and packing) and recurrent layers on a ``PackedSequence``,
compared with PyTorch: outputs, final states and gradients for unsorted lengths."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as ern
from tests.nn.harness import load_torch_weights

torch = pytest.importorskip("torch")
trn = torch.nn.utils.rnn


def _seqs(lengths, feat=3, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal((n, feat)) for n in lengths]
    return ([ember.tensor(a, requires_grad=True) for a in arrs],
            [torch.tensor(a, requires_grad=True) for a in arrs])


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    e, t = _seqs([2, 4, 1])
    got = ern.pad_sequence(e, batch_first, -1.5, side)
    want = trn.pad_sequence(t, batch_first, -1.5, side)
    np.testing.assert_array_equal(_np(got), _np(want))
    cot = np.random.default_rng(1).standard_normal(tuple(want.shape))
    eg = ember.autograd.grad([got], e, [ember.tensor(cot)])
    tg = torch.autograd.grad([want], t, [torch.tensor(cot)])
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(_np(a), _np(b))


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [4, 2, 2, 1]),
                                                    (False, [2, 4, 1, 3])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_round_trip(enforce_sorted, lengths, batch_first):
    e, t = _seqs(lengths)
    ep = ern.pack_padded_sequence(ern.pad_sequence(e, batch_first), lengths, batch_first,
                                  enforce_sorted)
    tp = trn.pack_padded_sequence(trn.pad_sequence(t, batch_first), torch.tensor(lengths),
                                  batch_first, enforce_sorted)
    np.testing.assert_array_equal(_np(ep.data), _np(tp.data))
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((ep.sorted_indices, tp.sorted_indices),
                 (ep.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    epad, elen = ern.pad_packed_sequence(ep, batch_first, 7.0, total_length=6)
    tpad, tlen = trn.pad_packed_sequence(tp, batch_first, 7.0, total_length=6)
    np.testing.assert_array_equal(_np(epad), _np(tpad))
    assert elen.tolist() == tlen.tolist()
    es = ern.pack_sequence(e, enforce_sorted)
    np.testing.assert_array_equal(_np(es.data), _np(trn.pack_sequence(t, enforce_sorted).data))
    assert [x.tolist() for x in ern.unpack_sequence(es)] == \
        [x.tolist() for x in trn.unpack_sequence(trn.pack_sequence(t, enforce_sorted))]


def test_pack_errors():
    x = ember.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        ern.pack_padded_sequence(x, [1, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        ern.pack_padded_sequence(x, [3, 0])
    with pytest.raises(ValueError, match="total_length"):
        ern.pad_packed_sequence(ern.pack_padded_sequence(x, [3, 2]), total_length=2)
    with pytest.raises(ValueError, match="padding_side"):
        ern.pad_sequence([x[0]], padding_side="middle")


@pytest.mark.parametrize("kind,kwargs", [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("RNN", dict(bidirectional=True, nonlinearity="relu")),
    ("LSTM", dict(proj_size=2, bidirectional=True)),
])
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnn_on_packed_sequence(kind, kwargs, with_hx):
    lengths = [3, 5, 1, 4]
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(3, 4, **kwargs).double()
    em = getattr(ember.nn, kind)(3, 4, **kwargs).to(ember.float64)
    load_torch_weights(em, tm)
    bf = kwargs.get("batch_first", False)
    e, t = _seqs(lengths, seed=2)
    ep = ern.pack_padded_sequence(ern.pad_sequence(e, bf), lengths, bf, enforce_sorted=False)
    tp = trn.pack_padded_sequence(trn.pad_sequence(t, bf), lengths, bf, enforce_sorted=False)
    rng = np.random.default_rng(3)
    dirs = 2 if kwargs.get("bidirectional") else 1
    n = kwargs.get("num_layers", 1) * dirs
    hsize = kwargs.get("proj_size") or 4
    e_hx = t_hx = None
    if with_hx:
        h0 = rng.standard_normal((n, 4, hsize))
        e_h0, t_h0 = ember.tensor(h0, requires_grad=True), torch.tensor(h0, requires_grad=True)
        e_hx, t_hx = e_h0, t_h0
        if kind == "LSTM":
            c0 = rng.standard_normal((n, 4, 4))
            e_hx = (e_h0, ember.tensor(c0, requires_grad=True))
            t_hx = (t_h0, torch.tensor(c0, requires_grad=True))
    eo, eh = em(ep, e_hx)
    to, th = tm(tp, t_hx)
    assert isinstance(eo, ern.PackedSequence)
    assert eo.batch_sizes.tolist() == to.batch_sizes.tolist()
    assert eo.sorted_indices.tolist() == to.sorted_indices.tolist()
    e_outs = [eo.data] + list(eh if isinstance(eh, tuple) else (eh,))
    t_outs = [to.data] + list(th if isinstance(th, tuple) else (th,))
    for a, b in zip(e_outs, t_outs):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-10)
    cots = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
    e_tg = e + [p for _, p in em.named_parameters()]
    t_tg = t + [p for _, p in tm.named_parameters()]
    if with_hx:
        e_tg += list(e_hx) if isinstance(e_hx, tuple) else [e_hx]
        t_tg += list(t_hx) if isinstance(t_hx, tuple) else [t_hx]
    eg = ember.autograd.grad(e_outs, e_tg, [ember.tensor(c) for c in cots])
    tg = torch.autograd.grad(t_outs, t_tg, [torch.tensor(c) for c in cots])
    for i, (a, b) in enumerate(zip(eg, tg)):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-10, err_msg=f"gradient {i}")
    # Unpacking the output matches too (padding zeros past each sequence's end).
    np.testing.assert_allclose(_np(ern.pad_packed_sequence(eo, bf)[0]),
                               _np(trn.pad_packed_sequence(to, bf)[0]), atol=1e-10)
