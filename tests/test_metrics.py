"""Streaming metrics against scikit-learn, fed in uneven batches (1, 7, 33, rest)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

import ember
from ember.metrics import (
    AUROC,
    Accuracy,
    ConfusionMatrix,
    F1Score,
    FunctionMetric,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    R2Score,
    Recall,
    RootMeanSquaredError,
    get,
    suggest,
)

N, C = 211, 5
SIZES = (1, 7, 33)


def feed(metric, preds, target, tensor=False):
    """Update ``metric`` with batches of sizes 1, 7, 33 and the rest; return compute()."""
    edges = np.cumsum((0,) + SIZES + (len(target),))
    for a, b in zip(edges[:-1], edges[1:]):
        p, t = preds[a:b], target[a:b]
        if tensor:
            p = ember.tensor(p.astype(np.float32), requires_grad=p.dtype.kind == "f")
            t = ember.tensor(t)
        metric.update(p, t)
    return metric.compute()


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@pytest.fixture
def multi():
    rng = np.random.default_rng(0)
    target = rng.integers(0, C, N)
    logits = rng.normal(size=(N, C)) + 1.5 * np.eye(C)[target]
    return logits, target


@pytest.fixture
def binary():
    rng = np.random.default_rng(1)
    target = rng.integers(0, 2, N)
    logits = rng.normal(size=N) + target
    return logits, target


# ---------------------------------------------------------------- accuracy

@pytest.mark.parametrize("tensor", [False, True])
def test_multiclass_accuracy(multi, tensor):
    logits, target = multi
    expected = skm.accuracy_score(target, logits.argmax(1))
    assert feed(Accuracy(), logits, target, tensor) == pytest.approx(expected, abs=1e-12)
    assert feed(Accuracy(), logits.argmax(1), target) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("tensor", [False, True])
def test_top_k_accuracy(multi, k, tensor):
    logits, target = multi
    metric = Accuracy(top_k=k)
    assert metric.name == f"top{k}_accuracy"
    expected = skm.top_k_accuracy_score(target, logits, k=k, labels=range(C))
    assert feed(metric, logits, target, tensor) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("tensor", [False, True])
def test_binary_accuracy_probabilities_and_logits(binary, tensor):
    logits, target = binary
    probs = sigmoid(logits)
    expected = skm.accuracy_score(target, probs > 0.5)
    assert feed(Accuracy(task="binary"), probs, target, tensor) == pytest.approx(expected)
    got = feed(Accuracy(task="binary", from_logits=True), logits[:, None], target, tensor)
    assert got == pytest.approx(expected)
    # from_logits=None: a batch with a value outside [0, 1] goes through the sigmoid
    assert Accuracy(task="binary")(logits, target) == pytest.approx(expected)
    expected = skm.accuracy_score(target, probs > 0.7)
    assert feed(Accuracy(task="binary", threshold=0.7), probs, target) == pytest.approx(expected)


def test_binary_logit_detection_is_per_batch():
    # a lone logit 0.3 lies in [0, 1], so the automatic choice reads it as a probability
    assert Accuracy(task="binary")([0.3], [1]) == 0.0
    assert Accuracy(task="binary", from_logits=True)([0.3], [1]) == 1.0     # sigmoid(0.3) > .5
    assert Accuracy(task="binary", from_logits=False)([-0.3, 2.0], [0, 1]) == 1.0


# ---------------------------------------------------------------- precision / recall / F1

SK_PRF = {Precision: skm.precision_score, Recall: skm.recall_score, F1Score: skm.f1_score}


@pytest.mark.parametrize("cls", list(SK_PRF))
@pytest.mark.parametrize("average", ["binary", "macro", "micro", "weighted"])
def test_prf_binary(binary, cls, average):
    logits, target = binary
    probs = sigmoid(logits)
    expected = SK_PRF[cls](target, probs > 0.5, average=average, labels=[0, 1],
                           zero_division=0)
    got = feed(cls(task="binary", average=average), probs, target)
    assert got == pytest.approx(expected, abs=1e-12)
    # logits give the same as sigmoid probabilities
    for tensor in (False, True):
        got = feed(cls(task="binary", average=average, from_logits=True), logits, target, tensor)
        assert got == pytest.approx(expected, abs=1e-12)
    assert cls(task="binary", average=average)(logits, target) == pytest.approx(expected)


@pytest.mark.parametrize("cls", list(SK_PRF))
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("tensor", [False, True])
def test_prf_multiclass(multi, cls, average, tensor):
    logits, target = multi
    expected = SK_PRF[cls](target, logits.argmax(1), average=average, zero_division=0)
    assert feed(cls(average=average), logits, target, tensor) == pytest.approx(expected,
                                                                              abs=1e-12)
    assert feed(cls(average=average), logits.argmax(1), target) == pytest.approx(expected,
                                                                                 abs=1e-12)


@pytest.mark.parametrize("cls", list(SK_PRF))
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_prf_classes_never_seen(multi, cls, average):
    """Class 5 of 6 never occurs: num_classes=6 is labels=range(6), None is sklearn's default."""
    logits, target = multi
    wide = np.concatenate([logits, np.full((N, 1), -100.0)], axis=1)
    pred = wide.argmax(1)
    with_all = SK_PRF[cls](target, pred, average=average, labels=range(6), zero_division=0)
    present = SK_PRF[cls](target, pred, average=average, zero_division=0)
    assert feed(cls(average=average, num_classes=6), wide, target) == pytest.approx(with_all)
    assert feed(cls(average=average), wide, target) == pytest.approx(present)
    if average == "macro":
        assert with_all < present


def test_prf_zero_division():
    # class 2 is never predicted (precision 0/0) and class 1 never in the target (recall 0/0)
    target = np.array([0, 0, 2, 2, 0])
    pred = np.array([0, 1, 0, 0, 1])
    for cls, fn in SK_PRF.items():
        for average in ("macro", "micro", "weighted"):
            expected = fn(target, pred, average=average, zero_division=0)
            assert feed(cls(average=average), pred, target) == pytest.approx(expected)


# ---------------------------------------------------------------- confusion matrix

def test_confusion_matrix_grows_with_labels():
    rng = np.random.default_rng(2)
    target = np.r_[0, rng.integers(0, 7, N - 1)]
    pred = np.r_[1, rng.integers(0, 7, N - 1)]
    got = feed(ConfusionMatrix(), pred, target)
    np.testing.assert_array_equal(got, skm.confusion_matrix(target, pred, labels=range(7)))
    assert got.dtype == np.int64


@pytest.mark.parametrize("tensor", [False, True])
def test_confusion_matrix_scores_and_binary(multi, binary, tensor):
    logits, target = multi
    got = feed(ConfusionMatrix(num_classes=C), logits, target, tensor)
    np.testing.assert_array_equal(got, skm.confusion_matrix(target, logits.argmax(1)))
    logits, target = binary
    got = feed(ConfusionMatrix(task="binary", from_logits=True), logits, target, tensor)
    np.testing.assert_array_equal(got, skm.confusion_matrix(target, logits > 0))


# ---------------------------------------------------------------- AUROC

@pytest.mark.parametrize("tensor", [False, True])
def test_auroc_binary_with_ties(binary, tensor):
    logits, target = binary
    scores = np.round(logits, 1)            # many tied scores
    expected = skm.roc_auc_score(target, scores)
    assert feed(AUROC(task="binary"), scores, target, tensor) == pytest.approx(expected,
                                                                               abs=1e-12)
    probs = sigmoid(logits)
    expected = skm.roc_auc_score(target, probs)
    assert feed(AUROC(task="binary"), logits, target) == pytest.approx(expected, abs=1e-12)
    assert feed(AUROC(task="binary"), probs[:, None], target) == pytest.approx(expected,
                                                                               abs=1e-12)


@pytest.mark.parametrize("average", ["macro", "weighted"])
@pytest.mark.parametrize("tensor", [False, True])
def test_auroc_multiclass_ovr(multi, average, tensor):
    logits, target = multi
    probs = softmax(logits)
    expected = skm.roc_auc_score(target, probs, multi_class="ovr", average=average)
    tol = 1e-6 if tensor else 1e-12
    assert feed(AUROC(average=average), logits, target, tensor) == pytest.approx(expected,
                                                                                abs=tol)
    assert feed(AUROC(average=average), probs, target) == pytest.approx(expected, abs=1e-12)


def test_auroc_undefined_is_nan():
    with pytest.warns(UserWarning, match="one class"):
        assert math.isnan(AUROC(task="binary")([0.2, 0.7], [1, 1]))
    probs = softmax(np.random.default_rng(3).normal(size=(20, 3)))
    target = np.arange(20) % 2                      # class 2 absent
    with pytest.warns(UserWarning, match=r"classes \[2\]"):
        got = AUROC()(probs, target)
    expected = np.mean([skm.roc_auc_score(target == c, probs[:, c]) for c in (0, 1)])
    assert got == pytest.approx(expected)


# ---------------------------------------------------------------- regression

REGRESSION = [
    (MeanAbsoluteError, skm.mean_absolute_error),
    (MeanSquaredError, skm.mean_squared_error),
    (RootMeanSquaredError, skm.root_mean_squared_error),
    (R2Score, skm.r2_score),
]


@pytest.mark.parametrize("cls,fn", REGRESSION)
@pytest.mark.parametrize("tensor", [False, True])
def test_regression_single_output(cls, fn, tensor):
    rng = np.random.default_rng(4)
    target = rng.normal(size=N) * 3 + 1
    preds = target + rng.normal(size=N)
    if tensor:
        preds, target = preds.astype(np.float32), target.astype(np.float32)
    expected = fn(target.astype(np.float64), preds.astype(np.float64))
    assert feed(cls(), preds, target, tensor) == pytest.approx(expected, rel=1e-12)
    # (N, 1) output against (N,) target, as a regression model gives
    assert feed(cls(), preds[:, None], target, tensor) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("cls,fn", REGRESSION)
def test_regression_multi_output_and_large_offset(cls, fn):
    rng = np.random.default_rng(5)
    target = rng.normal(size=(N, 3)) * [1, 10, 0.1] + [1e6, -5, 0]
    preds = target + rng.normal(size=(N, 3))
    assert feed(cls(), preds, target) == pytest.approx(fn(target, preds), rel=1e-9)


def test_r2_constant_target_like_sklearn():
    target = np.full(50, 3.0)
    assert feed(R2Score(), target.copy(), target) == skm.r2_score(target, target) == 1.0
    assert feed(R2Score(), target + 1, target) == skm.r2_score(target, target + 1) == 0.0


# ---------------------------------------------------------------- protocol

def test_reset_and_call(multi):
    logits, target = multi
    acc = Accuracy()
    feed(acc, logits, target)
    acc.reset()
    assert math.isnan(acc.compute())
    half = N // 2
    batch_value = acc(logits[:half], target[:half])
    assert batch_value == pytest.approx(skm.accuracy_score(target[:half],
                                                           logits[:half].argmax(1)))
    assert acc(logits[half:], target[half:]) == pytest.approx(
        skm.accuracy_score(target[half:], logits[half:].argmax(1)))
    assert acc.compute() == pytest.approx(skm.accuracy_score(target, logits.argmax(1)))
    for metric in (F1Score(), ConfusionMatrix(), AUROC(), R2Score()):
        feed(metric, logits if not isinstance(metric, R2Score) else logits[:, 0],
             target if not isinstance(metric, R2Score) else logits[:, 1])
        metric.reset()
        if isinstance(metric, ConfusionMatrix):
            assert metric.compute().shape == (0, 0)
        else:
            assert math.isnan(metric.compute())


def test_mean_weighted():
    rng = np.random.default_rng(6)
    values, weights = rng.normal(size=10), rng.integers(1, 50, 10)
    mean = Mean("loss")
    for v, w in zip(values, weights):
        mean.update(ember.tensor(v, requires_grad=True), weight=w)
    assert mean.name == "loss"
    assert mean.compute() == pytest.approx(np.average(values, weights=weights), rel=1e-6)
    mean.reset()
    assert math.isnan(mean.compute())


def test_function_metric_is_sample_weighted():
    rng = np.random.default_rng(7)
    preds, target = rng.normal(size=N), rng.normal(size=N)

    def mean_abs(output, target):
        return np.abs(output - target).mean()

    metric = get(mean_abs)
    assert isinstance(metric, FunctionMetric) and metric.name == "mean_abs"
    assert feed(metric, preds, target) == pytest.approx(skm.mean_absolute_error(target, preds))


# ---------------------------------------------------------------- names and errors

@pytest.mark.parametrize("alias,cls,name", [
    ("accuracy", Accuracy, "accuracy"), ("acc", Accuracy, "accuracy"),
    ("top_k_accuracy", Accuracy, "top5_accuracy"), ("top3_accuracy", Accuracy, "top3_accuracy"),
    ("precision", Precision, "precision"), ("recall", Recall, "recall"),
    ("f1", F1Score, "f1"), ("f1_score", F1Score, "f1"), ("auroc", AUROC, "auroc"),
    ("confusion_matrix", ConfusionMatrix, "confusion_matrix"),
    ("mae", MeanAbsoluteError, "mae"), ("mean_absolute_error", MeanAbsoluteError, "mae"),
    ("MSE", MeanSquaredError, "mse"), ("rmse", RootMeanSquaredError, "rmse"),
    ("r2", R2Score, "r2"), ("r2_score", R2Score, "r2"),
])
def test_get_names(alias, cls, name):
    metric = get(alias)
    assert type(metric) is cls and metric.name == name
    assert get(alias) is not metric
    assert get(metric) is metric


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="unknown metric 'acuracy'") as info:
        get("acuracy")
    message = str(info.value)
    assert "Did you mean 'accuracy'?" in message
    assert "Valid names:" in message and "mae" in message and "r2" in message
    assert suggest("qqqq", ["accuracy"]) == ""
    with pytest.raises(TypeError, match="metric name"):
        get(3)


def test_shape_errors_name_metric_and_shapes():
    with pytest.raises(ValueError, match=r"Accuracy.*\(10, 3\).*\(8,\).*expected"):
        Accuracy().update(np.zeros((10, 3)), np.zeros(8, dtype=int))
    with pytest.raises(ValueError, match=r"F1Score.*\(4, 3, 2\).*expected preds \(N, C\)"):
        F1Score().update(np.zeros((4, 3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"MeanSquaredError.*\(10,\).*\(8,\)"):
        MeanSquaredError().update(np.zeros(10), np.zeros(8))
    with pytest.raises(ValueError, match=r"single class column.*task='binary'"):
        Accuracy().update(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"Precision.*must be 0 or 1, got \[2.0\]"):
        Precision(task="binary").update(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"Recall.*class label 5.*only 3 classes"):
        Recall(num_classes=3).update(np.array([0, 1, 2]), np.array([0, 5, 1]))
    with pytest.raises(ValueError, match=r"top_k is larger"):
        Accuracy(top_k=4).update(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="average='binary' needs task='binary'"):
        Precision(average="binary")
    metric = AUROC()
    metric.update(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="earlier batches had 3"):
        metric.update(np.zeros((2, 4)), np.array([0, 1]))


def test_failed_update_leaves_state(multi):
    logits, target = multi
    acc = Accuracy()
    acc.update(logits, target)
    with pytest.raises(ValueError):
        acc(logits[:5], target[:4])
    assert acc.compute() == pytest.approx(skm.accuracy_score(target, logits.argmax(1)))
    assert isinstance(acc, Metric) and "Accuracy(" in repr(acc)
