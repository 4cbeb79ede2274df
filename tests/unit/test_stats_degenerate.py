"""Degenerate inputs neither crash nor warn (pytest turns warnings into errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelci.metrics import metric_names
from modelci.stats import (
    Estimate,
    PairedDelta,
    compare_classification,
    compare_regression,
    score_classification,
    score_regression,
)


def finite_or_none(result):
    numbers = (
        [result.value]
        if isinstance(result, Estimate)
        else [result.baseline, result.candidate, result.delta]
    )
    if result.ci is not None:
        numbers += list(result.ci)
    if isinstance(result, PairedDelta) and result.p_value is not None:
        numbers.append(result.p_value)
        assert 0 < result.p_value <= 1
    assert all(math.isfinite(x) for x in numbers), result


def check_classification(y, pa, proba_a, pb, proba_b, n_classes):
    found, skipped = score_classification(y, pa, proba_a, n_classes=n_classes, resamples=50)
    assert set(found) | set(skipped) == set(metric_names("classification", n_classes))
    for estimate in found.values():
        finite_or_none(estimate)
    paired, skipped = compare_classification(
        y, pa, proba_a, pb, proba_b, n_classes=n_classes, resamples=50
    )
    assert set(paired) | set(skipped) == set(metric_names("classification", n_classes))
    for delta in paired.values():
        finite_or_none(delta)
    return found, paired


def test_constant_predictions():
    y = np.array([0, 1] * 30)
    constant = np.zeros(60, int)
    flat = np.full((60, 2), 0.5)
    found, paired = check_classification(y, constant, flat, constant, flat, 2)
    assert found["precision"].value == 0.0
    assert found["roc_auc"].value == 0.5
    assert found["mcc"].value == 0.0
    assert found["mcc"].ci == (0.0, 0.0)
    for name, delta in paired.items():
        assert delta.delta == 0.0, name
        assert delta.ci == (0.0, 0.0), name
        assert delta.p_value == 1.0, name


def test_all_correct_predictions_collapse_the_intervals():
    y = np.array([0, 1, 2] * 20)
    proba = np.eye(3)[y]
    found, paired = check_classification(y, y, proba, y, proba, 3)
    for name in ("accuracy", "balanced_accuracy", "f1_macro", "mcc", "roc_auc"):
        assert found[name].value == 1.0
        assert found[name].ci == (1.0, 1.0), name
    for delta in paired.values():
        assert delta.ci == (0.0, 0.0)
        assert delta.p_value == 1.0


def test_a_class_absent_from_y():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)  # class 2 never true
    pred = rng.integers(0, 3, 80)
    proba = rng.dirichlet(np.ones(3), 80)
    found, paired = check_classification(y, pred, proba, np.roll(pred, 1), proba[::-1], 3)
    assert "roc_auc" not in found and "average_precision" not in found
    assert "log_loss" in paired


def test_a_class_that_never_appears_at_all():
    y = np.array([0, 2] * 20)
    pred = np.array([0, 2, 2, 2] * 10)
    check_classification(y, pred, None, y, None, 3)


def test_one_class_in_y():
    y = np.ones(40, int)
    pred = (np.arange(40) % 4 > 0).astype(int)
    proba = np.c_[1 - pred * 0.8, pred * 0.8]
    found, paired = check_classification(y, pred, proba, np.ones(40, int), proba, 2)
    assert found["recall"].value == 0.75
    assert "roc_auc" not in found and "average_precision" not in paired


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_samples(n):
    y = np.array([0, 1][:n])
    proba = np.array([[0.7, 0.3], [0.2, 0.8]][:n])
    found, paired = check_classification(y, y, proba, 1 - y, proba[:, ::-1], 2)
    if n == 1:
        assert all(e.ci is None and e.method == "point" for e in found.values())
        assert all(d.p_value is None and d.ci is None for d in paired.values())
    regression, _ = score_regression(np.arange(n, dtype=float) + 1, np.ones(n))
    compared, _ = compare_regression(np.arange(n, dtype=float) + 1, np.ones(n), np.zeros(n))
    for result in [*regression.values(), *compared.values()]:
        finite_or_none(result)


def test_no_rows_skips_everything():
    empty = np.array([], dtype=int)
    found, skipped = score_classification(empty, empty, None, n_classes=2)
    assert found == {}
    assert set(skipped) == set(metric_names("classification", 2))
    found, skipped = compare_regression(np.array([]), np.array([]), np.array([]))
    assert found == {} and skipped["rmse"] == "there are no rows"


def test_regression_perfect_and_constant():
    y = np.linspace(1, 5, 50)
    found, _ = score_regression(y, y)
    assert found["rmse"].value == 0.0 and found["rmse"].ci == (0.0, 0.0)
    assert found["r2"].value == 1.0 and found["r2"].ci == (1.0, 1.0)
    assert found["median_ae"].ci == (0.0, 0.0)
    paired, _ = compare_regression(y, y, y)
    for name, delta in paired.items():
        assert delta.delta == 0.0, name
        if name != "max_error":
            assert delta.p_value == 1.0, name
    constant, _ = score_regression(np.full(30, 2.0), np.linspace(1, 3, 30))
    assert constant["r2"] == Estimate(value=0.0, ci=None, method="point")
    paired, _ = compare_regression(np.full(30, 2.0), np.full(30, 2.0), np.linspace(1, 3, 30))
    assert paired["r2"].delta == -1.0 and paired["r2"].p_value is None


def test_one_model_perfect_the_other_not():
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    paired, _ = compare_regression(y, y, y + rng.normal(size=200))
    for name in ("rmse", "mae", "r2"):
        finite_or_none(paired[name])
        assert paired[name].p_value < 1e-6
