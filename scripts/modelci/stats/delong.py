"""ROC AUC with DeLong's variance, written as per-row influence terms.

DeLong, DeLong & Clarke-Pearson (1988) estimate Var(AUC) from *placement values*: for each
positive row, the share of negatives scored below it (V10, ties count half); for each negative
row, the share of positives scored above it (V01). The AUC is the mean of either set, and

    Var(AUC) = S10 / m + S01 / k

with m positives, k negatives and S10, S01 the sample variances (ddof=1) of V10 and V01. Sun &
Xu (2014) compute the placement values from midranks, so the whole thing costs one sort; here
the midranks come from the tie groups of `ranking.py`, which turn into placement values as
"negatives strictly below plus half the negatives tied".

Per-row form. Give positive row i the term (V10ᵢ − AUC)/√(m(m−1)) and negative row j the term
(V01ⱼ − AUC)/√(k(k−1)). Because the AUC is the mean of each set of placement values, the sum of
squares of these terms is exactly S10/m + S01/k: DeLong's variance. The terms are the AUC's
influence (its first-order, per-row linearisation), so any linear combination of AUCs computed
on the same rows has, as influence, the same linear combination of terms:

* Paired comparison: candidate minus baseline has influence ψ(candidate) − ψ(baseline); its
  sum of squares is [1, −1] S10 [1, −1]ᵀ/m + [1, −1] S01 [1, −1]ᵀ/k, which is DeLong's test for
  correlated AUCs, term for term.
* Multiclass one-vs-rest macro AUC: the mean over classes of the per-class influences. A row is
  a positive in its own class's problem and a negative in every other one; adding its terms
  before squaring carries the covariance between the per-class AUCs that a naive "average of
  variances" would drop. The ddof=1 scaling is applied within each class's problem; that is a
  first-order choice (the binary case, a single problem, is DeLong exactly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from modelci.stats.influence import Linearised
from modelci.stats.ranking import TieGroups


def auc(groups: TieGroups) -> Linearised:
    """Binary AUC of the ranking in `groups` with per-row DeLong influence terms.

    Both classes must be present (m, k > 0); the caller skips the metric otherwise. With a
    single positive or negative the influence is NaN: DeLong's variance needs two of each.
    """
    m = float(groups.positives.sum())
    k = float(groups.negatives.sum())
    # Rows strictly below each group, plus half the group itself: the midrank arithmetic.
    negatives_below = np.cumsum(groups.negatives) - groups.negatives / 2
    positives_below = np.cumsum(groups.positives) - groups.positives / 2
    v10 = negatives_below / k  # per group, for its positive rows
    v01 = 1.0 - positives_below / m  # per group, for its negative rows
    value = float(np.dot(groups.positives, v10) / m)
    if m < 2 or k < 2:
        # A sample variance of one placement value does not exist; neither does the interval.
        return Linearised(value=value, influence=np.full(groups.group.size, np.nan))
    pos_scale = math.sqrt(m * (m - 1))
    neg_scale = math.sqrt(k * (k - 1))
    influence = np.where(
        groups.positive,
        (v10[groups.group] - value) / pos_scale,
        (v01[groups.group] - value) / neg_scale,
    )
    return Linearised(value=value, influence=influence)


def macro_auc(problems: Sequence[TieGroups]) -> Linearised:
    """Unweighted mean of the problems' AUCs (one problem: plain binary AUC)."""
    value = 0.0
    influence = np.zeros(problems[0].group.size)
    for groups in problems:
        part = auc(groups)
        value += part.value
        influence += part.influence
    return Linearised(value=value / len(problems), influence=influence / len(problems))
