"""Per-row losses whose mean is a metric, computed exactly as scikit-learn computes the metric."""

from __future__ import annotations

import numpy as np

_EPS = np.finfo(np.float64).eps


def log_loss(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """−log of the true class's probability, clipped to [eps, 1 − eps] like `sklearn.log_loss`."""
    true_class = proba[np.arange(y.size), y]
    return -np.log(np.clip(true_class, _EPS, 1 - _EPS))


def brier(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Squared error of the positive-class (code 1) probability."""
    return (proba[:, 1] - (y == 1)) ** 2


def squared_error(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return (y - pred) ** 2


def absolute_error(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.abs(y - pred)


def absolute_percentage_error(
    y: np.ndarray, pred: np.ndarray, *, absolute: np.ndarray | None = None
) -> np.ndarray:
    """|error| / |y| as a fraction; scikit-learn floors |y| at machine epsilon, and so do we.
    `absolute` is |y − pred| when the caller has it already."""
    if absolute is None:
        absolute = absolute_error(y, pred)
    return absolute / np.maximum(np.abs(y), _EPS)
