"""The calibration curve (reliability diagram) of one class's predicted probabilities.

Equal-count (quantile) bins of the predicted probability, not ten equal-width ones: a good
model puts most rows near 0 and 1, so on a test set of a hundred or so rows equal-width bins
in the middle hold two or three rows each and draw noise as if it were miscalibration. With
equal counts every point stands on about the same number of rows, and the number of bins
shrinks with the rows so each holds at least `MIN_ROWS_PER_BIN`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MAX_BINS = 10
# Fewer rows than this in a bin and its observed frequency moves by 5 points per row.
MIN_ROWS_PER_BIN = 20
MIN_BINS = 2


def bin_count(rows: int) -> int:
    """How many bins `rows` predictions get: ten at most, at least 20 rows each, never one.

    >>> bin_count(143), bin_count(10_000), bin_count(30)
    (7, 10, 2)
    """
    return max(MIN_BINS, min(MAX_BINS, rows // MIN_ROWS_PER_BIN))


def quantile_edges(score: np.ndarray, bins: int) -> np.ndarray:
    """Edges of `bins` equal-count bins of `score`; repeated edges (tied scores) merged.

    >>> import numpy as np
    >>> quantile_edges(np.array([0.1, 0.2, 0.3, 0.4]), 2).tolist()
    [0.1, 0.25, 0.4]
    >>> quantile_edges(np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.9]), 4).tolist()
    [0.0, 0.9]
    """
    import numpy as np

    edges = np.unique(np.quantile(score, np.linspace(0.0, 1.0, bins + 1)))
    if len(edges) == 1:  # every score the same: one bin around it
        edges = np.array([edges[0], edges[0]])
    return edges


def calibration_curve(truth: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    """evaluation.json's `curves.calibration` entry of one class: per bin the mean predicted
    probability, the observed frequency and the rows, and the bins' edges (one more).

    A bin is [edge, next edge), the last one closed. Bins left empty by ties are merged into
    their neighbour, so every recorded bin has rows and the counts sum to the rows.
    """
    import numpy as np

    edges = quantile_edges(score, bin_count(len(score)))
    n_bins = len(edges) - 1
    bins = np.clip(np.searchsorted(edges[1:-1], score, side="right"), 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    filled = np.flatnonzero(count > 0)
    # An empty bin's upper edge goes; the last edge stays whatever bin it closed.
    kept = np.concatenate([edges[:1], edges[filled + 1]])
    kept[-1] = edges[-1]
    mean_pred = np.bincount(bins, weights=score, minlength=n_bins)[filled] / count[filled]
    mean_true = np.bincount(bins, weights=truth, minlength=n_bins)[filled] / count[filled]
    return {
        "prob_pred": [round(float(v), 6) for v in mean_pred],
        "prob_true": [round(float(v), 6) for v in mean_true],
        "count": [int(v) for v in count[filled]],
        "edges": [round(float(v), 6) for v in kept],
    }


def wilson_bars(
    prob_true: list[float], count: list[float], *, z: float = 1.0
) -> tuple[list[float], list[float]]:
    """How far each bin's observed frequency may lie below and above, as error bars: Wilson's
    score interval at `z` (1: about ±1 standard error). Unlike sqrt(p(1-p)/n), it does not
    shrink to nothing when a bin's rows are all of one class, where rows are fewest and the
    frequency least certain (20 negatives: 0 observed, up to 0.05 at z = 1).

    >>> below, above = wilson_bars([0.0, 0.5], [20, 25])
    >>> [round(v, 3) for v in below], [round(v, 3) for v in above]
    ([0.0, 0.098], [0.048, 0.098])
    """
    below, above = [], []
    for p, n in zip(prob_true, count, strict=True):
        if n <= 0:
            below.append(0.0)
            above.append(0.0)
            continue
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
        below.append(max(0.0, p - (centre - half)))
        above.append(max(0.0, centre + half - p))
    return below, above
