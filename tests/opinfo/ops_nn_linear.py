"""Records for ember.nn.functional's linear maps, embeddings and distances."""

import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F

from .core import ErrorInput, I, OpRecord, Sample, T


def _bag(fn, make):
    """embedding_bag with offsets given as a list (the samples' specs make no int lists)."""
    def call(input, weight, offsets=None, **kw):
        return fn(input, weight, None if offsets is None else make(offsets), **kw)
    return call


RECORDS = [
    OpRecord("nn.linear", F.linear, TF.linear, [
        Sample((T((3, 4)), T((5, 4)), T((5,)))),
        Sample((T((2, 3, 4)), T((5, 4)), T((5,))), name="3d"),
        Sample((T((2, 3, 4)), T((5, 4))), name="nobias"),
        Sample((T((4,)), T((5, 4)), T((5,))), name="1d"),
        Sample((T((0, 4)), T((5, 4)), T((5,))), name="empty"),
    ], jvp=True, second_order=True, errors=[
        ErrorInput((T((32, 28, 28)), T((10, 784))), {}, RuntimeError,
                   r"linear: expected input of shape \(\.\.\., 784\).*got \(32, 28, 28\)"),
        ErrorInput((T((3, 4)), T((5, 4)), T((4,))), {}, RuntimeError, r"linear: bias"),
        ErrorInput((T((3, 4)), T((5, 4), dtype="float64")), {}, RuntimeError,
                   r"linear: .*same dtype.*float32.*float64"),
    ]),
    OpRecord("nn.bilinear", F.bilinear, TF.bilinear, [
        Sample((T((3, 4)), T((3, 2)), T((5, 4, 2)), T((5,)))),
        Sample((T((2, 3, 4)), T((2, 3, 2)), T((5, 4, 2))), name="3d-nobias"),
    ], second_order=True, errors=[
        ErrorInput((T((3, 4)), T((3, 3)), T((5, 4, 2))), {}, RuntimeError,
                   r"bilinear: expected input1 of shape \(\.\.\., 4\) and input2 of shape "
                   r"\(\.\.\., 2\)"),
    ]),
    OpRecord("nn.embedding", F.embedding, TF.embedding, [
        Sample((I((2, 3), high=6), T((6, 4)))),
        Sample((I((), high=3), T((3, 2))), name="0d"),
        Sample((I((0,), high=3), T((3, 2))), name="empty"),
    ], jvp=True, second_order=True, errors=[
        ErrorInput((I((3,), low=10, high=11), T((10, 3))), {}, IndexError,
                   r"embedding: index 10 is out of range for num_embeddings=10"),
        ErrorInput((I((3,), low=-1, high=0), T((10, 3))), {}, IndexError,
                   r"embedding: index -1 is out of range"),
        ErrorInput((T((3,)), T((10, 3))), {}, RuntimeError, r"embedding: .*int64"),
        ErrorInput((I((3,)), T((10, 3))), {"padding_idx": 10}, ValueError,
                   r"embedding: padding_idx must be within num_embeddings=10"),
    ]),
    # The gradient PyTorch defines here is not the derivative (padding rows get none,
    # repeated rows are scaled down), so no finite-difference check.
    OpRecord("nn.embedding", F.embedding, TF.embedding, [
        Sample((I((5,), high=3), T((3, 2))), {"padding_idx": 1}, name="padding"),
        Sample((I((5,), high=3), T((3, 2))), {"padding_idx": -1}, name="padding-neg"),
        Sample((I((7,), high=3), T((3, 2))), {"scale_grad_by_freq": True}, name="freq"),
        Sample((I((7,), high=3), T((3, 2))), {"scale_grad_by_freq": True, "padding_idx": 0},
               name="freq-padding"),
    ], fd=False, variant="pytorch-grad"),
    OpRecord("nn.embedding_bag", _bag(F.embedding_bag, ember.tensor),
             _bag(TF.embedding_bag, torch.tensor), [
        Sample((I((3, 4), high=6), T((6, 3))), name="2d-mean"),
        Sample((I((3, 4), high=6), T((6, 3))), {"mode": "sum"}, name="2d-sum"),
        Sample((I((3, 4), high=6), T((6, 3))), {"mode": "max"}, name="2d-max"),
        Sample((I((7,), high=6), T((6, 3)), [0, 2, 2, 5]),
               {"mode": "mean"}, name="offsets-empty-bag"),
        Sample((I((7,), high=6), T((6, 3)), [0, 3, 7]),
               {"mode": "sum", "include_last_offset": True}, name="last-offset"),
        Sample((I((7,), high=6), T((6, 3)), [0, 3]),
               {"mode": "max"}, name="offsets-max"),
        Sample((I((3, 4), high=4), T((4, 3))), {"mode": "mean", "padding_idx": 2},
               name="padding"),
    ], errors=[
        ErrorInput((I((3, 4), high=6), T((6, 3))), {"mode": "median"}, ValueError,
                   r"embedding_bag: mode"),
        ErrorInput((I((7,), high=6), T((6, 3))), {}, ValueError, r"embedding_bag: offsets"),
        ErrorInput((I((3,), low=6, high=7), T((6, 3)), [0]), {}, IndexError,
                   r"embedding_bag: index 6 is out of range for num_embeddings=6"),
    ]),
    OpRecord("nn.embedding_bag", lambda i, w, p: F.embedding_bag(i, w, mode="sum",
                                                                 per_sample_weights=p),
             lambda i, w, p: TF.embedding_bag(i, w, mode="sum", per_sample_weights=p),
             [Sample((I((3, 4), high=6), T((6, 3)), T((3, 4))))], variant="weights"),
    OpRecord("nn.one_hot", F.one_hot, TF.one_hot, [
        Sample((I((2, 3), high=4),)),
        Sample((I((2, 3), high=4), 6), name="classes"),
        Sample((I((0,), high=4), 3), name="empty"),
    ], grad=False, errors=[
        ErrorInput((I((3,), low=4, high=5), 3), {}, RuntimeError,
                   r"one_hot: class values must be smaller than num_classes=3, got 4"),
        ErrorInput((I((3,), low=-2, high=-1),), {}, RuntimeError, r"non-negative, got -2"),
        ErrorInput((I((0,)),), {}, RuntimeError, r"one_hot: can not infer"),
        ErrorInput((T((3,)),), {}, RuntimeError, r"one_hot: expected an int64"),
    ]),
    OpRecord("nn.cosine_similarity", F.cosine_similarity, TF.cosine_similarity, [
        Sample((T((3, 4)), T((3, 4)))),
        Sample((T((3, 4, 2)), T((4, 1))), {"dim": -2}, name="broadcast"),
    ], second_order=True, errors=[
        ErrorInput((T((3, 4)), T((2, 4))), {}, RuntimeError, r"cosine_similarity: shapes"),
    ]),
    # Norms below eps: the value is clamped but, as in PyTorch, not the gradient.
    OpRecord("nn.cosine_similarity", F.cosine_similarity, TF.cosine_similarity, [
        Sample((T((3, 4), low=-1e-5, high=1e-5), T((3, 4))), {"eps": 1e-3}, name="tiny"),
    ], fd=False, variant="below-eps"),
    OpRecord("nn.pairwise_distance", F.pairwise_distance, TF.pairwise_distance, [
        Sample((T((3, 4)), T((3, 4)))),
        Sample((T((3, 4)), T((4,))), {"p": 1.0, "keepdim": True}, name="p1"),
        Sample((T((3, 4)), T((3, 4))), {"p": 3.0, "eps": 0.0}, name="p3"),
        Sample((T((3, 4)), T((3, 4))), {"p": float("inf")}, name="inf"),
    ], errors=[
        ErrorInput((T((3, 4)), T((2, 4))), {}, RuntimeError, r"pairwise_distance: shapes"),
    ]),
]
