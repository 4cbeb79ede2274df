"""Average precision from per-threshold counts, for one curve or a batch of resampled ones.

scikit-learn's AP is Σₜ (Rₜ − Rₜ₋₁)·Pₜ over the distinct scores t taken as thresholds from the
top: with pₜ positives and nₜ negatives at threshold t, TPₜ and FPₜ the rows scored at or above
it, that is Σₜ pₜ · TPₜ/(TPₜ + FPₜ) / P. Fed the tie groups it is exact; fed coarser bins of
adjacent scores (the large-data bootstrap) it is the AP of the binned scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from modelci.stats import resample
from modelci.stats.ranking import TieGroups, quantile_bins

# Bins across all of a model's one-vs-rest problems in the large-data bootstrap.
_MAX_COLUMNS = 2_000


def from_counts(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """AP of each row of a (resamples, bins) batch; bins ascend in score. NaN without positives."""
    positives = np.atleast_2d(positives)
    negatives = np.atleast_2d(negatives)
    # Rows scored at or above each bin: reversed cumulative sums.
    tp = np.cumsum(positives[:, ::-1], axis=1)[:, ::-1]
    fp = np.cumsum(negatives[:, ::-1], axis=1)[:, ::-1]
    flagged = tp + fp
    precision = np.divide(tp, flagged, out=np.zeros_like(tp, dtype=np.float64), where=flagged > 0)
    total = tp[:, 0] if tp.shape[1] else np.zeros(tp.shape[0])
    weighted = np.einsum("ij,ij->i", positives, precision)
    return np.divide(
        weighted, total, out=np.full(total.shape, np.nan, dtype=np.float64), where=total > 0
    )


def exact(problems: Sequence[TieGroups]) -> float:
    """Macro AP over the one-vs-rest problems (one problem: binary AP), as scikit-learn's."""
    values = [from_counts(groups.positives, groups.negatives)[0] for groups in problems]
    return float(np.mean(values))


def resampled(
    models: Sequence[Sequence[TieGroups]],
    units: resample.Units,
    *,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap the macro AP of each model on shared resamples: (centre (S,), draws (B, S)).

    Blocks of rows come with score bins: each problem's tie groups are merged into at most
    `_MAX_COLUMNS // problems` quantile bins (between 50 and 1,000), so the table stays a few
    thousand columns wide whatever the number of classes.
    """
    max_bins = max(50, min(1_000, _MAX_COLUMNS // len(models[0])))
    layers = []
    slices: list[list[tuple[int, int]]] = []
    offset = 0
    for problems in models:
        model_slices = []
        for groups in problems:
            if units.rows:
                bins, count = groups.group, groups.count
            else:
                bins, count = quantile_bins(groups, max_bins)
            # Two columns per bin: negatives, then positives.
            layers.append(offset + 2 * bins + groups.positive)
            model_slices.append((offset, count))
            offset += 2 * count
        slices.append(model_slices)
    table = resample.tabulate(units, layers, offset)

    def statistic(totals: np.ndarray) -> np.ndarray:
        out = np.zeros((totals.shape[0], len(slices)))
        for model, model_slices in enumerate(slices):
            for start, count in model_slices:
                pairs = totals[:, start : start + 2 * count].reshape(-1, count, 2)
                out[:, model] += from_counts(pairs[:, :, 1], pairs[:, :, 0])
            out[:, model] /= len(model_slices)
        return out

    return resample.bootstrap(units, table, statistic, resamples=resamples, rng=rng)
