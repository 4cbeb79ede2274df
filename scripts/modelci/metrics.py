"""The metric registry: every metric modelci reports, its direction and where it applies.

Names follow scikit-learn's scorer naming so a `modelci.yaml` reads like a `scoring=` argument.
This module holds facts only; `modelci.stats` computes the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["classification", "regression"]


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    task: Task
    higher_is_better: bool
    # Binary-only metrics score the positive class (code 1); they have no multiclass meaning
    # modelci wants to guess at (micro? weighted?), so they are simply not offered there.
    binary_only: bool = False
    needs_proba: bool = False
    description: str


_ALL = (
    Metric(
        name="accuracy",
        task="classification",
        higher_is_better=True,
        description="share of rows whose predicted class is the true class",
    ),
    Metric(
        name="balanced_accuracy",
        task="classification",
        higher_is_better=True,
        description="mean recall over the classes present in y",
    ),
    Metric(
        name="precision",
        task="classification",
        higher_is_better=True,
        binary_only=True,
        description="share of positive predictions that are positive",
    ),
    Metric(
        name="recall",
        task="classification",
        higher_is_better=True,
        binary_only=True,
        description="share of positive rows predicted positive",
    ),
    Metric(
        name="f1",
        task="classification",
        higher_is_better=True,
        binary_only=True,
        description="harmonic mean of precision and recall for the positive class",
    ),
    Metric(
        name="precision_macro",
        task="classification",
        higher_is_better=True,
        description="precision averaged over classes, unweighted",
    ),
    Metric(
        name="recall_macro",
        task="classification",
        higher_is_better=True,
        description="recall averaged over classes, unweighted",
    ),
    Metric(
        name="f1_macro",
        task="classification",
        higher_is_better=True,
        description="F1 averaged over classes, unweighted",
    ),
    Metric(
        name="roc_auc",
        task="classification",
        higher_is_better=True,
        needs_proba=True,
        description="area under the ROC curve (multiclass: one-vs-rest, macro average)",
    ),
    Metric(
        name="average_precision",
        task="classification",
        higher_is_better=True,
        needs_proba=True,
        description="area under the precision-recall curve (multiclass: one-vs-rest, macro)",
    ),
    Metric(
        name="log_loss",
        task="classification",
        higher_is_better=False,
        needs_proba=True,
        description="mean negative log-likelihood of the true class",
    ),
    Metric(
        name="brier",
        task="classification",
        higher_is_better=False,
        binary_only=True,
        needs_proba=True,
        description="mean squared error of the positive-class probability",
    ),
    Metric(
        name="mcc",
        task="classification",
        higher_is_better=True,
        description="Matthews correlation coefficient between true and predicted classes",
    ),
    Metric(
        name="rmse",
        task="regression",
        higher_is_better=False,
        description="root mean squared error",
    ),
    Metric(
        name="mae",
        task="regression",
        higher_is_better=False,
        description="mean absolute error",
    ),
    Metric(
        name="r2",
        task="regression",
        higher_is_better=True,
        description="coefficient of determination, 1 - MSE / variance of y",
    ),
    Metric(
        name="median_ae",
        task="regression",
        higher_is_better=False,
        description="median absolute error",
    ),
    Metric(
        name="max_error",
        task="regression",
        higher_is_better=False,
        description="largest absolute error",
    ),
    Metric(
        name="mape",
        task="regression",
        higher_is_better=False,
        description="mean absolute percentage error, as a fraction (skipped when y has a zero)",
    ),
)

METRICS: dict[str, Metric] = {metric.name: metric for metric in _ALL}


def get(name: str) -> Metric:
    """The registry entry for `name`; ValueError naming the known metrics otherwise."""
    try:
        return METRICS[name]
    except KeyError:
        known = ", ".join(METRICS)
        raise ValueError(f"Unknown metric {name!r}. Known metrics: {known}.") from None


def metric_names(task: Task, n_classes: int | None = None) -> tuple[str, ...]:
    """Metric names that apply to `task` (and, for classification, to `n_classes` classes).

    >>> metric_names("regression")
    ('rmse', 'mae', 'r2', 'median_ae', 'max_error', 'mape')
    >>> "f1" in metric_names("classification", 3)
    False
    """
    if task == "classification" and (n_classes is None or n_classes < 2):
        raise ValueError(f"n_classes must be an integer >= 2 for classification. Got {n_classes}.")
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression'. Got {task!r}.")
    return tuple(
        metric.name
        for metric in _ALL
        if metric.task == task and not (metric.binary_only and n_classes != 2)
    )


def direction(name: str) -> int:
    """+1 when a higher value is better, -1 when lower is: `delta * direction(name) > 0` improves.

    >>> direction("roc_auc"), direction("log_loss")
    (1, -1)
    """
    return 1 if get(name).higher_is_better else -1
