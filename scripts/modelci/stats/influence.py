"""Linearised statistics: a value plus per-row influence terms, for normal intervals and tests.

A smooth statistic of iid rows behaves, to first order, like a sum of one term per row:
θ̂ − θ ≈ Σᵢ ψᵢ, so Var(θ̂) ≈ Σᵢ ψᵢ². Writing every normal-theory method in this one form
(means of per-row losses, the delta method for RMSE and R², DeLong's AUC variance) makes the
paired comparison the same code for all of them: the difference of two statistics computed on
the same rows has influence ψᵢ(candidate) − ψᵢ(baseline), and the correlation between the
models is carried by the rows themselves, with no covariance matrix to assemble.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelci.stats import intervals
from modelci.stats.results import Estimate, PairedDelta


@dataclass(frozen=True, kw_only=True)
class Linearised:
    value: float
    # One term per row; Σ influence² estimates Var(value). NaN when the variance cannot be
    # estimated (DeLong with a single positive or negative): the value then has no interval.
    influence: np.ndarray

    def se(self) -> float:
        return float(math.sqrt(np.dot(self.influence, self.influence)))


def mean_of(x: np.ndarray) -> Linearised:
    """The mean of per-row values; the influence reproduces the usual s²/n (ddof=1)."""
    n = x.size
    mean = float(np.mean(x))
    scale = math.sqrt(n * max(n - 1, 1))
    influence = x - mean
    influence /= scale  # in place: one array less on a million rows, the same numbers
    return Linearised(value=mean, influence=influence)


def sqrt_of(stat: Linearised) -> Linearised:
    """√θ by the delta method (RMSE from MSE): ψ / (2√θ); a zero θ has zero spread."""
    root = math.sqrt(max(stat.value, 0.0))
    influence = stat.influence / (2 * root) if root > 0 else np.zeros_like(stat.influence)
    return Linearised(value=root, influence=influence)


def estimate(
    stat: Linearised,
    *,
    z: float,
    method: str,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> Estimate:
    """The value with value ± z·se; pass `z=intervals.critical_value(...)` for a t interval."""
    se = stat.se()
    if not math.isfinite(se):
        return Estimate(value=float(stat.value), ci=None, method="point")
    ci = intervals.normal_interval(stat.value, se, z=z, bounds=bounds)
    return Estimate(value=float(stat.value), ci=ci, method=method)


def paired(
    baseline: Linearised,
    candidate: Linearised,
    *,
    z: float,
    method: str,
    df: int | None = None,
) -> PairedDelta:
    """Candidate minus baseline, both computed on the same rows (row i of each is one row).

    With `df` (and `z` its t quantile) the p-value is the paired t-test's.
    """
    delta = candidate.value - baseline.value
    difference = Linearised(value=delta, influence=candidate.influence - baseline.influence)
    se = difference.se()
    if not math.isfinite(se):
        return PairedDelta(
            baseline=float(baseline.value),
            candidate=float(candidate.value),
            delta=float(delta),
            ci=None,
            p_value=None,
            method="point",
        )
    return PairedDelta(
        baseline=float(baseline.value),
        candidate=float(candidate.value),
        delta=float(delta),
        ci=intervals.normal_interval(delta, se, z=z),
        p_value=intervals.normal_p(delta, se, rows=difference.influence.size, df=df),
        method=method,
        se=se,
    )
