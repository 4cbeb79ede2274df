"""One sort of a score column, shared by DeLong's AUC and average precision.

Both statistics only need, for every distinct score value (a *tie group*), how many positive and
negative rows sit on it; cumulative sums of those give midranks (AUC) and the precision-recall
curve (AP) with scikit-learn's tie handling, from a single O(n log n) sort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class TieGroups:
    # Per row: whether it is a positive of this (one-vs-rest) problem.
    positive: np.ndarray
    # Per row: the index of its tie group; groups are numbered by ascending score.
    group: np.ndarray
    # Per group: positive and negative rows with that score.
    positives: np.ndarray
    negatives: np.ndarray

    @property
    def count(self) -> int:
        return int(self.positives.size)


def tie_groups(positive: np.ndarray, score: np.ndarray) -> TieGroups:
    """Group rows by exact score value; `positive` is a boolean per row."""
    order = np.argsort(score, kind="stable")
    ordered = score[order]
    starts = np.empty(ordered.size, dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    in_order = np.cumsum(starts) - 1
    group = np.empty_like(in_order)
    group[order] = in_order
    count = int(in_order[-1]) + 1 if in_order.size else 0
    positives = np.bincount(in_order, weights=positive[order], minlength=count)
    sizes = np.bincount(in_order, minlength=count).astype(np.float64)
    return TieGroups(
        positive=positive, group=group, positives=positives, negatives=sizes - positives
    )


def quantile_bins(groups: TieGroups, max_bins: int) -> tuple[np.ndarray, int]:
    """Merge adjacent tie groups into at most `max_bins` bins of roughly equal row counts.

    Returns the bin of every row (ascending in score, ties never split) and the number of bins.
    With fewer groups than `max_bins` every group is its own bin, so nothing is approximated.
    """
    if groups.count <= max_bins:
        return groups.group, groups.count
    sizes = groups.positives + groups.negatives
    before = np.cumsum(sizes) - sizes
    total = float(sizes.sum())
    # A group goes to the bin its first row falls in; bins a big tie group jumps over stay
    # empty, which the curve arithmetic treats as "no rows at this threshold".
    bin_of_group = np.minimum((before * max_bins / total).astype(np.int64), max_bins - 1)
    return bin_of_group[groups.group], max_bins


def one_vs_rest(y: np.ndarray, proba: np.ndarray) -> list[TieGroups]:
    """The binary ranking problems behind AUC and AP, as scikit-learn defines them.

    Binary: one problem, class 1 against `proba[:, 1]`. Multiclass: one per class k, class k
    against `proba[:, k]` (the one-vs-rest macro average).
    """
    if proba.shape[1] == 2:
        return [tie_groups(y == 1, proba[:, 1])]
    return [tie_groups(y == k, proba[:, k]) for k in range(proba.shape[1])]
