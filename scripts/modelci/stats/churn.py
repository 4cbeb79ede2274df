"""Prediction churn: which rows changed between two models scored on the same rows.

An aggregate metric can stay flat while many individual predictions flip; the flips that turn a
right answer wrong (harmful) are what users notice. Counts come from boolean row vectors computed
once; per-class and per-slice counts are sums of those vectors over index arrays, so a million
rows and twenty slices stay a handful of vectorised passes.

The harmful-flip gate asks whether the *population* rate of harmful flips exceeds
`max_harmful`, not whether this sample's share does: an exact one-sided binomial test of
H0: rate ≤ max_harmful, with a Clopper–Pearson interval, so a test set that only suggests too
many flips passes with a visible p-value rather than failing on noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from modelci.stats import inputs


@dataclass(frozen=True, kw_only=True)
class Flips:
    """How the rows of one group moved from the baseline to the candidate."""

    rows: int
    changed: int  # classification: the predicted class changed; regression: |Δ error| > threshold
    harmful: int  # right → wrong (regression: the absolute error grew by more than the threshold)
    helpful: int  # wrong → right (regression: it shrank by more than the threshold)

    @property
    def changed_share(self) -> float | None:
        return self.changed / self.rows if self.rows else None

    @property
    def harmful_share(self) -> float | None:
        return self.harmful / self.rows if self.rows else None


@dataclass(frozen=True, kw_only=True)
class Churn:
    overall: Flips
    per_class: Mapping[int, Flips]  # by true class code; empty for regression
    per_slice: Mapping[str, Flips]
    # Row positions (0-based, in the rows' order) whose prediction changed, for flips.csv.
    flipped: np.ndarray
    harmful_rows: np.ndarray


@dataclass(frozen=True, kw_only=True)
class HarmfulFlipTest:
    harmful: int
    rows: int
    rate: float
    ci: tuple[float, float]  # two-sided Clopper–Pearson at `confidence`
    max_harmful: float
    # One-sided exact binomial p-value of H0: rate ≤ max_harmful.
    p_value: float
    exceeds: bool  # p_value < alpha: the harmful-flip rate is significantly above max_harmful


def classification_churn(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    pred_candidate: np.ndarray,
    *,
    n_classes: int,
    slices: Mapping[str, np.ndarray] | None = None,
) -> Churn:
    """Flips overall, per true class and per slice (`slices` maps a name to row indices)."""
    n_classes = inputs.n_classes(n_classes)
    y = inputs.codes("y", y, n_classes=n_classes)
    base = inputs.codes("pred_baseline", pred_baseline, n_classes=n_classes, n=y.size)
    cand = inputs.codes("pred_candidate", pred_candidate, n_classes=n_classes, n=y.size)
    changed = base != cand
    base_right = base == y
    cand_right = cand == y
    harmful = base_right & ~cand_right
    helpful = ~base_right & cand_right
    # One weighted bincount per kind of row gives every class's count at once.
    rows, moved, hurt, fixed = (
        np.bincount(y, weights=kind, minlength=n_classes).astype(np.int64).tolist()
        for kind in (None, changed, harmful, helpful)
    )
    per_class = {
        k: Flips(rows=rows[k], changed=moved[k], harmful=hurt[k], helpful=fixed[k])
        for k in range(n_classes)
    }
    return _churn(changed, harmful, helpful, per_class=per_class, slices=slices)


def regression_churn(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    pred_candidate: np.ndarray,
    *,
    threshold: float,
    slices: Mapping[str, np.ndarray] | None = None,
) -> Churn:
    """Rows whose absolute error grew (harmful) or shrank (helpful) by more than `threshold`."""
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"The 'threshold' parameter must be a number >= 0. Got {threshold!r}.")
    y = inputs.numbers("y", y)
    base = inputs.numbers("pred_baseline", pred_baseline, n=y.size)
    cand = inputs.numbers("pred_candidate", pred_candidate, n=y.size)
    growth = np.abs(cand - y) - np.abs(base - y)
    harmful = growth > threshold
    helpful = growth < -threshold
    return _churn(harmful | helpful, harmful, helpful, per_class={}, slices=slices)


def harmful_flip_test(
    harmful: int, rows: int, *, max_harmful: float, alpha: float = 0.05, confidence: float = 0.95
) -> HarmfulFlipTest:
    """Exact one-sided binomial test that the harmful-flip rate exceeds `max_harmful`.

    >>> harmful_flip_test(30, 1000, max_harmful=0.02).exceeds
    True
    >>> harmful_flip_test(25, 1000, max_harmful=0.02).exceeds  # 2.5% of 1,000 rows: could be luck
    False
    """
    if not 0 <= max_harmful < 1:
        raise ValueError(f"The 'max_harmful' parameter must be in [0, 1). Got {max_harmful!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r}.")
    if rows < 1 or not 0 <= harmful <= rows:
        raise ValueError(f"Need 0 <= harmful <= rows and rows >= 1. Got {harmful} of {rows}.")
    # P(X ≥ harmful) under the largest rate H0 allows.
    p_value = float(stats.binom.sf(harmful - 1, rows, max_harmful))
    result = stats.binomtest(harmful, rows).proportion_ci(confidence, method="exact")
    return HarmfulFlipTest(
        harmful=harmful,
        rows=rows,
        rate=harmful / rows,
        ci=(float(result.low), float(result.high)),
        max_harmful=max_harmful,
        p_value=p_value,
        exceeds=p_value < alpha,
    )


def _churn(
    changed: np.ndarray,
    harmful: np.ndarray,
    helpful: np.ndarray,
    *,
    per_class: Mapping[int, Flips],
    slices: Mapping[str, np.ndarray] | None,
) -> Churn:
    return Churn(
        overall=_flips(changed, harmful, helpful, None),
        per_class=per_class,
        per_slice={
            name: _flips(changed, harmful, helpful, rows) for name, rows in (slices or {}).items()
        },
        flipped=np.flatnonzero(changed),
        harmful_rows=np.flatnonzero(harmful),
    )


def _flips(
    changed: np.ndarray, harmful: np.ndarray, helpful: np.ndarray, rows: np.ndarray | None
) -> Flips:
    index = slice(None) if rows is None else rows
    return Flips(
        rows=int(changed[index].size),
        changed=int(np.count_nonzero(changed[index])),
        harmful=int(np.count_nonzero(harmful[index])),
        helpful=int(np.count_nonzero(helpful[index])),
    )
