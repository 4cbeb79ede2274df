"""The metric registry: names, directions and applicability."""

from __future__ import annotations

import pytest

from modelci import metrics

BINARY_ONLY = {"precision", "recall", "f1", "brier"}


def test_names_follow_the_brief_in_order():
    assert metrics.metric_names("classification", 2) == (
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "roc_auc",
        "average_precision",
        "log_loss",
        "brier",
        "mcc",
    )
    assert metrics.metric_names("regression") == (
        "rmse",
        "mae",
        "r2",
        "median_ae",
        "max_error",
        "mape",
    )


def test_multiclass_drops_exactly_the_binary_only_metrics():
    binary = set(metrics.metric_names("classification", 2))
    multiclass = set(metrics.metric_names("classification", 5))
    assert binary - multiclass == BINARY_ONLY
    assert multiclass < binary


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("accuracy", 1),
        ("roc_auc", 1),
        ("r2", 1),
        ("mcc", 1),
        ("log_loss", -1),
        ("brier", -1),
        ("rmse", -1),
        ("mae", -1),
        ("median_ae", -1),
        ("max_error", -1),
        ("mape", -1),
    ],
)
def test_direction(name, expected):
    assert metrics.direction(name) == expected
    assert metrics.get(name).higher_is_better is (expected == 1)


def test_every_entry_is_consistent():
    for name, metric in metrics.METRICS.items():
        assert metric.name == name
        assert metric.description
        assert not (metric.binary_only and metric.task == "regression")
        if metric.needs_proba:
            assert metric.task == "classification"


def test_unknown_metric_names_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown metric 'auc'.*roc_auc"):
        metrics.direction("auc")


@pytest.mark.parametrize("n_classes", [None, 1])
def test_classification_needs_a_class_count(n_classes):
    with pytest.raises(ValueError, match="n_classes"):
        metrics.metric_names("classification", n_classes)


def test_unknown_task():
    with pytest.raises(ValueError, match="task"):
        metrics.metric_names("ranking")  # type: ignore[arg-type]
