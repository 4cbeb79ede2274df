"""Every point value equals scikit-learn's, including ties, zero divisions and absent classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from modelci.metrics import metric_names
from modelci.stats import (
    compare_classification,
    compare_regression,
    score_classification,
    score_regression,
)

TOL = 1e-9


def sklearn_classification(y, pred, proba, n_classes):
    """The reference values, from the plain scikit-learn calls a user would write."""
    ref = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "precision_macro": skm.precision_score(y, pred, average="macro"),
        "recall_macro": skm.recall_score(y, pred, average="macro"),
        "f1_macro": skm.f1_score(y, pred, average="macro"),
        "mcc": skm.matthews_corrcoef(y, pred),
    }
    if n_classes == 2:
        ref |= {
            "precision": skm.precision_score(y, pred, pos_label=1),
            "recall": skm.recall_score(y, pred, pos_label=1),
            "f1": skm.f1_score(y, pred, pos_label=1),
        }
    if proba is not None:
        ref["log_loss"] = skm.log_loss(y, proba, labels=list(range(n_classes)))
        if n_classes == 2:
            ref["brier"] = skm.brier_score_loss(y, proba[:, 1], pos_label=1)
        if len(np.unique(y)) == n_classes:
            if n_classes == 2:
                ref["roc_auc"] = skm.roc_auc_score(y, proba[:, 1])
                ref["average_precision"] = skm.average_precision_score(y, proba[:, 1])
            else:
                ref["roc_auc"] = skm.roc_auc_score(y, proba, multi_class="ovr")
                ref["average_precision"] = skm.average_precision_score(y, proba)
    return ref


def reference(y, pred, proba, n_classes):
    # scikit-learn warns on zero divisions and absent classes; the values are what we test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklearn_classification(y, pred, proba, n_classes)


def tied_binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    # Rounded scores: many ties, inside and across the classes.
    score = np.clip(np.round(0.3 * y + rng.normal(0.35, 0.25, n), 1), 0, 1)
    proba = np.c_[1 - score, score]
    return y, (score >= 0.5).astype(int), proba


def tied_multiclass(n=600, k=4, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    # Integer logits: identical probability rows (ties) are common.
    logits = np.round(rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba.argmax(axis=1), proba


def cases():
    y, pred, proba = tied_binary()
    yield "binary-ties", y, pred, proba, 2
    y, pred, proba = tied_multiclass()
    yield "multiclass-ties", y, pred, proba, 4
    y2 = tied_binary()[0]
    yield "binary-constant-pred", y2, np.zeros_like(y2), None, 2
    yb, _, pb = tied_binary(seed=3)
    yield "binary-all-correct", yb, yb.copy(), pb, 2
    yield "binary-hard-probabilities", yb, yb.copy(), np.eye(2)[yb], 2
    ym, pm, prm = tied_multiclass(k=3, seed=4)
    pm = np.where(pm == 2, 3, pm)  # class 3 predicted, never true
    prm = np.c_[prm, np.zeros(len(ym))]
    yield "multiclass-class-absent-from-y", ym, pm, prm, 4
    yield "multiclass-two-classes-used", 2 * (ym % 2), 2 * (pm % 2), None, 3
    yield "binary-one-class-in-y", np.zeros(50, int), (np.arange(50) % 3 == 0).astype(int), None, 2


@pytest.mark.parametrize(
    ("y", "pred", "proba", "n_classes"),
    [case[1:] for case in cases()],
    ids=[case[0] for case in cases()],
)
def test_classification_point_values_equal_sklearn(y, pred, proba, n_classes):
    ref = reference(y, pred, proba, n_classes)
    found, skipped = score_classification(y, pred, proba, n_classes=n_classes, resamples=50)
    assert set(found) | set(skipped) == set(metric_names("classification", n_classes))
    assert not set(found) & set(skipped)
    assert set(found) == set(ref)
    for name, estimate in found.items():
        assert estimate.value == pytest.approx(ref[name], abs=TOL), name
        assert isinstance(estimate.value, float)


@pytest.mark.parametrize(
    ("y", "pred", "proba", "n_classes"),
    [case[1:] for case in cases()],
    ids=[case[0] for case in cases()],
)
def test_comparison_sides_equal_sklearn(y, pred, proba, n_classes):
    other = np.roll(pred, 7)
    other_proba = None if proba is None else np.roll(proba, 7, axis=0)
    base = reference(y, pred, proba, n_classes)
    cand = reference(y, other, other_proba, n_classes)
    found, _ = compare_classification(
        y, pred, proba, other, other_proba, n_classes=n_classes, resamples=50
    )
    assert set(found) == set(base)
    for name, delta in found.items():
        assert delta.baseline == pytest.approx(base[name], abs=TOL), name
        assert delta.candidate == pytest.approx(cand[name], abs=TOL), name
        assert delta.delta == pytest.approx(cand[name] - base[name], abs=TOL), name


def test_probability_metrics_need_probabilities_from_both_models():
    y, pred, proba = tied_binary()
    _, skipped = compare_classification(y, pred, proba, pred, None, n_classes=2, resamples=20)
    assert set(skipped) == {"roc_auc", "average_precision", "log_loss", "brier"}
    assert "candidate" in skipped["roc_auc"]


def test_skip_reasons_are_readable():
    y = np.zeros(30, int)
    _, skipped = score_classification(y, y, None, n_classes=2, resamples=20)
    assert skipped["roc_auc"] == "needs predicted probabilities"
    _, skipped = score_classification(y, y, np.eye(2)[y], n_classes=2, resamples=20)
    assert skipped == {
        "roc_auc": "only one class present in y",
        "average_precision": "only one class present in y",
    }


def sklearn_regression(y, pred):
    ref = {
        "rmse": float(np.sqrt(skm.mean_squared_error(y, pred))),
        "mae": skm.mean_absolute_error(y, pred),
        "r2": skm.r2_score(y, pred),
        "median_ae": skm.median_absolute_error(y, pred),
        "max_error": skm.max_error(y, pred),
    }
    if not np.any(y == 0):
        ref["mape"] = skm.mean_absolute_percentage_error(y, pred)
    return ref


def regression_cases():
    rng = np.random.default_rng(5)
    y = np.round(rng.normal(10, 3, 500), 0)  # ties, and no zero
    y[y == 0] = 1
    pred = np.round(y + rng.normal(0, 2, 500), 0)
    yield "ties", y, pred
    yield "zeros-in-target", np.r_[0.0, y[1:]], pred
    yield "constant-target", np.full(40, 3.0), np.linspace(2, 4, 40)
    yield "constant-target-perfect", np.full(40, 3.0), np.full(40, 3.0)
    yield "perfect", y, y.copy()
    yield "odd-small", y[:7], pred[:7]
    # Above the row-level threshold the bootstrap works on binned blocks; points stay exact.
    big_y = np.round(rng.normal(10, 3, 6_001), 1) + 20
    yield "binned-ties", big_y, np.round(big_y + rng.standard_t(2, 6_001), 1)


@pytest.mark.parametrize(
    ("y", "pred"),
    [case[1:] for case in regression_cases()],
    ids=[case[0] for case in regression_cases()],
)
def test_regression_point_values_equal_sklearn(y, pred):
    ref = sklearn_regression(y, pred)
    found, skipped = score_regression(y, pred, resamples=50)
    assert set(found) == set(ref)
    assert set(skipped) == ({"mape"} if np.any(y == 0) else set())
    for name, estimate in found.items():
        assert estimate.value == pytest.approx(ref[name], abs=TOL, rel=TOL), name
    other = pred[::-1].copy()
    cand = sklearn_regression(y, other)
    paired, _ = compare_regression(y, pred, other, resamples=50)
    for name, delta in paired.items():
        assert delta.baseline == pytest.approx(ref[name], abs=TOL, rel=TOL), name
        assert delta.candidate == pytest.approx(cand[name], abs=TOL, rel=TOL), name
