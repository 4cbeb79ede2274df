"""Boundary checks for the public statistics functions, with scikit-learn style messages."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np


def options(*, confidence: float, resamples: int, seed: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"The 'confidence' parameter must be in (0, 1). Got {confidence!r}.")
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)):
        raise ValueError(f"The 'resamples' parameter must be an integer. Got {resamples!r}.")
    if resamples < 1:
        raise ValueError(f"The 'resamples' parameter must be >= 1. Got {resamples!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"The 'seed' parameter must be a non-negative integer. Got {seed!r}.")


def codes(name: str, values: object, *, n_classes: int, n: int | None = None) -> np.ndarray:
    """A 1-D array of class codes in 0..n_classes-1."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"The '{name}' parameter must be 1-D. Got shape {array.shape}.")
    if n is not None and array.size != n:
        raise ValueError(f"The '{name}' parameter must have {n} rows, like y. Got {array.size}.")
    integral = array.dtype == bool or np.issubdtype(array.dtype, np.integer)
    whole_floats = np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array))
    if array.size and not (integral or whole_floats):
        raise ValueError(f"The '{name}' parameter must hold integer class codes.")
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        raise ValueError(
            f"The '{name}' parameter must hold class codes in 0..{n_classes - 1}. "
            f"Got values from {array.min()} to {array.max()}."
        )
    return array


def probabilities(name: str, values: object, *, n: int, n_classes: int) -> np.ndarray | None:
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n, n_classes):
        raise ValueError(
            f"The '{name}' parameter must have shape ({n}, {n_classes}). Got {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The '{name}' parameter must be finite. Got NaN or infinity.")
    return array


def n_classes(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ValueError(f"The 'n_classes' parameter must be an integer >= 2. Got {value!r}.")
    return int(value)


def numbers(name: str, values: object, *, n: int | None = None) -> np.ndarray:
    """A finite 1-D float array (regression targets and predictions)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"The '{name}' parameter must be 1-D. Got shape {array.shape}.")
    if n is not None and array.size != n:
        raise ValueError(f"The '{name}' parameter must have {n} rows, like y. Got {array.size}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The '{name}' parameter must be finite. Got NaN or infinity.")
    return array


def wanted(metrics: Collection[str] | None, names: Sequence[str]) -> tuple[str, ...]:
    """The applicable metric names to compute, in registry order (all of them for None)."""
    if metrics is None:
        return tuple(names)
    unknown = sorted(set(metrics) - set(names))
    if unknown:
        raise ValueError(
            f"The 'metrics' parameter must name metrics of this task ({', '.join(names)}). "
            f"Got {', '.join(map(repr, unknown))}."
        )
    return tuple(name for name in names if name in metrics)
