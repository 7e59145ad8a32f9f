"""Embedding and EmbeddingBag against PyTorch, through the layer harness, plus max_norm."""

import numpy as np
import pytest
import torch

import ember
from tests.nn.harness import check_layer

IDX = np.array([[1, 0, 3], [3, 3, 2]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"scale_grad_by_freq": True}])
def test_embedding(kwargs):
    check_layer(lambda: ember.nn.Embedding(5, 4, **kwargs),
                lambda: torch.nn.Embedding(5, 4, **kwargs), [IDX])


def test_embedding_default_init():
    """N(0, 1) with the padding row zeroed. check_default_init's range check assumes bounded
    init (the extremes of normal samples are themselves random), so moments are checked
    here directly, and the padding row exactly."""
    ember.manual_seed(0)
    w = ember.nn.Embedding(200, 50, padding_idx=1).weight.detach().numpy()
    assert (w[1] == 0).all()
    rest = np.delete(w, 1, axis=0).ravel()
    n = rest.size
    assert abs(rest.mean()) < 5 / np.sqrt(n) and abs(rest.std() - 1) < 5 / np.sqrt(2 * n)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    check_layer(lambda: ember.nn.EmbeddingBag(5, 4, mode=mode),
                lambda: torch.nn.EmbeddingBag(5, 4, mode=mode), [IDX])


def test_embedding_bag_offsets_and_weights():
    flat, offsets = np.array([1, 0, 3, 3, 2]), np.array([0, 2, 2])
    check_layer(lambda: ember.nn.EmbeddingBag(5, 4, mode="sum", padding_idx=0),
                lambda: torch.nn.EmbeddingBag(5, 4, mode="sum", padding_idx=0),
                [flat, offsets, (5,)])


def test_max_norm_renormalises_looked_up_rows_in_place():
    w = np.random.default_rng(0).standard_normal((6, 3)) * 3
    e = ember.nn.Embedding.from_pretrained(ember.tensor(w), freeze=False, max_norm=1.5)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5)
    idx = np.array([0, 2, 2, 5])
    out_e, out_t = e(ember.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(),
                               rtol=1e-12)
    # rows not looked up are left alone
    np.testing.assert_array_equal(e.weight.detach().numpy()[[1, 3, 4]], w[[1, 3, 4]])


def test_from_pretrained_freezes_by_default():
    e = ember.nn.Embedding.from_pretrained(ember.eye(3))
    assert not e.weight.requires_grad
    assert ember.nn.Embedding.from_pretrained(ember.eye(3), freeze=False).weight.requires_grad


def test_out_of_range_index_never_wraps():
    emb = ember.nn.Embedding(10, 2)
    with pytest.raises(IndexError, match=r"index -1 is out of range for num_embeddings=10"):
        emb(ember.tensor([0, -1]))
    with pytest.raises(IndexError, match=r"index 10 is out of range for num_embeddings=10"):
        emb(ember.tensor([10]))


def test_padding_row_gets_no_gradient():
    emb = ember.nn.Embedding(4, 2, padding_idx=2)
    emb(ember.tensor([2, 2, 1])).sum().backward()
    assert emb.weight.grad[2].tolist() == [0.0, 0.0]
    assert emb.weight.grad[1].tolist() == [1.0, 1.0]
