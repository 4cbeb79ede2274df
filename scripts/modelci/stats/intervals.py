"""Turning a standard error or a set of bootstrap draws into an interval and a p-value."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

# Below this a standard error is floating-point noise from centring exact values (for example
# placement values that are all equal): treat it as zero so the interval collapses and the
# p-value is decided by whether the difference itself is zero.
_TINY = 1e-12


# Means of per-row losses use Student's t with n − 1 degrees of freedom below this many rows,
# and the normal quantile from it on. At 1,000 rows t is 0.12% wider than z, a twentieth of
# the standard error's own sampling error (about 1/√(2n) = 2.2%), so the switch is invisible;
# below it the gap grows (t₂₉ is 4% wider, t₉ 15%) and z would undercover. Keeping z above
# the cutoff leaves every large-sample result exactly as it was.
T_BELOW = 1_000


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def mean_df(rows: int) -> int | None:
    """Degrees of freedom for a t interval on the mean of `rows` values; None means use z.

    >>> mean_df(30), mean_df(1_000)
    (29, None)
    """
    return rows - 1 if 2 <= rows < T_BELOW else None


def mean_method(df: int | None) -> str:
    """The `method` a mean-loss interval records: `student-t` below the cutoff, else `normal`,
    so the recorded method says which quantile the interval and the p-value used.

    >>> mean_method(49), mean_method(None)
    ('student-t', 'normal')
    """
    return "normal" if df is None else "student-t"


def critical_value(confidence: float, df: int | None = None) -> float:
    """The two-sided quantile for `confidence`: Student's t with `df` degrees, else normal.

    >>> round(critical_value(0.95), 3), round(critical_value(0.95, df=9), 3)
    (1.96, 2.262)
    """
    if df is None:
        return z_value(confidence)
    return float(stats.t.ppf(0.5 + confidence / 2, df))


def is_zero(value: float) -> bool:
    return abs(value) <= _TINY


def normal_interval(
    value: float, se: float, *, z: float, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> tuple[float, float]:
    """value ± z·se, clipped to the metric's range (an AUC interval never leaves [0, 1])."""
    half = 0.0 if se <= _TINY else z * se
    low, high = bounds
    return (float(min(max(value - half, low), high)), float(max(min(value + half, high), low)))


def normal_p(delta: float, se: float, *, rows: int, df: int | None = None) -> float:
    """Two-sided p-value of a z-test on a statistic of `rows` paired rows.

    With zero variance the z-test has nothing to say: a zero delta gets p = 1, and a nonzero one
    (every row moved by the same amount in the same direction) gets the exact sign test's
    2·(1/2)^rows, which is tiny for real data and stays honest for a handful of rows. With
    `df` it is the paired t-test instead.
    """
    if se <= _TINY:
        return 1.0 if is_zero(delta) else float(min(1.0, 2.0 ** (1 - rows)))
    if df is not None:
        return float(2 * stats.t.sf(abs(delta) / se, df))
    return float(2 * stats.norm.sf(abs(delta) / se))


def beyond_p(worsening: float, tolerance: float, se: float) -> float:
    """One-sided p-value of H0: the true worsening is at most `tolerance` (normal approximation).

    `worsening` is the observed change in the metric's bad direction. Small p means the rows
    show a worsening beyond the tolerance, not merely a nonzero one.

    >>> round(beyond_p(0.05, 0.02, 0.01), 4)
    0.0013
    """
    if se <= _TINY:
        return 0.0 if worsening > tolerance else 1.0
    return float(stats.norm.sf((worsening - tolerance) / se))


def percentile_interval(
    draws: np.ndarray, *, confidence: float, shift: float = 0.0
) -> tuple[float, float] | None:
    """Percentile interval of the finite bootstrap draws, moved by `shift`.

    The shift lets a bootstrap that runs on an approximation (binned scores) place its spread
    around the exact point value: pass `exact - approximate_point`.
    """
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return None
    alpha = 1 - confidence
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return (float(low + shift), float(high + shift))


def bootstrap_p(draws: np.ndarray, *, center: float, observed: float) -> float | None:
    """Two-sided bootstrap p-value for H0: delta = 0 that inverts the percentile interval.

    The draws are moved to sit around the observed delta (as `percentile_interval` does with
    `shift`); p is twice the share of them on the far side of zero, counting the observed
    sample once so p is never 0: min(1, 2 (1 + #{far side}) / (B + 1)). So p < 1 − confidence
    exactly when the reported interval excludes zero; a reviewer never sees an interval that
    excludes 0 beside a p-value that says "not significant", even for a skewed statistic.
    """
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return None
    if is_zero(observed):
        return 1.0
    moved = finite - center + observed
    far = np.count_nonzero(moved <= 0) if observed > 0 else np.count_nonzero(moved >= 0)
    return float(min(1.0, 2 * (1 + far) / (finite.size + 1)))
