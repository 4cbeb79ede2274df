"""Medians for the median absolute error: resampled from per-bin counts (the bootstrap), and
one run's exact order-statistic interval.

A resample's median is an order statistic, so only the bins near the middle rank matter. The
bins are narrow around rank n/2 (a resampled median's rank spreads about ±√n/2 around it, the
window covers ±4√n) and two wide bins take the tails. Inside a bin the resampled rank is mapped
back to the original sorted values by its relative position, so the result is one of the
sample's own values, and exact when every bin holds a single distinct value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from modelci.stats import resample

# Bins in the middle window: at a million rows ~20 rows each, against a resampled median's
# spread of ~500 ranks; the rank interpolation inside a bin resolves finer still.
_MAX_BINS = 400


@dataclass(frozen=True, kw_only=True)
class RankBins:
    bin: np.ndarray  # per row, bins ascend in value
    start: np.ndarray  # per bin: rank of its first row in the sorted sample
    size: np.ndarray  # per bin: rows of the sample in it
    # The sorted sample from rank `offset` on (the whole of it, or just the middle window).
    ordered: np.ndarray
    offset: int = 0

    @property
    def count(self) -> int:
        return int(self.size.size)

    def value_at(self, rank: np.ndarray) -> np.ndarray:
        # Ranks outside a middle window (≥ 8 standard errors from the median) clamp to its edge.
        return self.ordered[np.clip(rank - self.offset, 0, self.ordered.size - 1)]


def rank_bins(values: np.ndarray, max_bins: int | None) -> RankBins:
    """Bins for `values`: one per distinct value when `max_bins` is None, else a middle window.

    The window only needs its own rows in order, so a partition plus a sort of ~8√n values
    replaces a full sort.
    """
    n = values.size
    if max_bins is None:
        ordered = np.sort(values)
        offset = 0
        cuts = np.unique(ordered)[1:]
        index = np.searchsorted(cuts, values, side="right")
    else:
        half_width = min(n / 2, 4 * math.sqrt(n))
        low = max(0, math.floor(n / 2 - half_width))
        high = min(n - 1, math.ceil(n / 2 + half_width))
        ordered = np.sort(np.partition(values, [low, high])[low : high + 1])
        offset = low
        ranks = np.linspace(0, ordered.size - 1, max_bins - 1).astype(np.int64)
        cuts = np.unique(ordered[ranks])
        index = _bin_index(values, cuts)
    size = np.bincount(index, minlength=cuts.size + 1)
    start = np.cumsum(size) - size
    return RankBins(bin=index, start=start, size=size, ordered=ordered, offset=offset)


def _bin_index(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """searchsorted(cuts, values, "right"), binary-searching only the rows inside the cuts."""
    index = np.where(values < cuts[0], 0, cuts.size).astype(np.int64)
    inside = np.flatnonzero((values >= cuts[0]) & (values < cuts[-1]))
    index[inside] = np.searchsorted(cuts, values[inside], side="right")
    return index


def from_counts(counts: np.ndarray, bins: RankBins) -> np.ndarray:
    """The median of each row of a (resamples, bins) count batch; NaN for an empty resample."""
    counts = np.atleast_2d(counts).astype(np.float64)
    cumulative = np.cumsum(counts, axis=1)
    total = cumulative[:, -1]
    low = _order_statistic(counts, cumulative, np.floor((total - 1) / 2), bins)
    high = _order_statistic(counts, cumulative, np.ceil((total - 1) / 2), bins)
    return np.where(total > 0, (low + high) / 2, np.nan)


def _order_statistic(
    counts: np.ndarray, cumulative: np.ndarray, rank: np.ndarray, bins: RankBins
) -> np.ndarray:
    """Value at 0-based `rank` of each resample (one rank per resample)."""
    rank = np.maximum(rank, 0)
    column = np.minimum((cumulative <= rank[:, None]).sum(axis=1), bins.count - 1)
    rows = np.arange(counts.shape[0])
    in_bin = counts[rows, column]
    before = cumulative[rows, column] - in_bin
    fraction = np.divide(rank - before, in_bin, out=np.zeros_like(rank), where=in_bin > 0)
    start = bins.start[column]
    size = bins.size[column]
    original = start + np.minimum(np.floor(fraction * size), np.maximum(size - 1, 0))
    return bins.value_at(original.astype(np.int64))


def resampled(
    values: Sequence[np.ndarray],
    units: resample.Units,
    *,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap the median of each array on shared resamples: (centre (S,), draws (B, S))."""
    max_bins = None if units.rows else _MAX_BINS
    binned = [rank_bins(v, max_bins) for v in values]
    layers = []
    offsets = []
    offset = 0
    for bins in binned:
        layers.append(offset + bins.bin)
        offsets.append(offset)
        offset += bins.count
    table = resample.tabulate(units, layers, offset)

    def statistic(totals: np.ndarray) -> np.ndarray:
        return np.stack(
            [
                from_counts(totals[:, start : start + bins.count], bins)
                for start, bins in zip(offsets, binned, strict=True)
            ],
            axis=1,
        )

    return resample.bootstrap(units, table, statistic, resamples=resamples, rng=rng)


@dataclass(frozen=True, kw_only=True)
class QuantileInterval:
    median: float
    ci: tuple[float, float] | None  # None: too few rows for any pair of order statistics


def order_statistic_interval(values: np.ndarray, *, confidence: float) -> QuantileInterval:
    """The exact median and the distribution-free interval for the true median, in O(n).

    Below the true median m lie Binomial(n, ½) of the rows, so with k that distribution's
    1 − α/2 quantile the order statistics x₍ₙ₋ₖ₎ ≤ m ≤ x₍ₖ₊₁₎ (1-based) hold with probability
    2·F(k) − 1 ≥ confidence for any continuous distribution (at least that with ties): no
    resampling, one partition at four ranks.
    """
    from scipy import stats

    n = values.size
    alpha = 1 - confidence
    k = int(stats.binom.ppf(1 - alpha / 2, n, 0.5))
    # ppf rounds in floating point: step up until the coverage really is reached.
    while k < n and 2 * stats.binom.cdf(k, n, 0.5) - 1 < confidence - 1e-12:
        k += 1
    middle = [(n - 1) // 2, n // 2]
    # 0-based ranks of x₍ₙ₋ₖ₎ and x₍ₖ₊₁₎; none exist when k reaches n (a handful of rows).
    bounds = [n - k - 1, k] if k < n else []
    ranks = sorted(set(middle + bounds))
    parted = np.partition(values, ranks)
    median = float((parted[middle[0]] + parted[middle[1]]) / 2)
    ci = (float(parted[bounds[0]]), float(parted[bounds[1]])) if bounds else None
    return QuantileInterval(median=median, ci=ci)
