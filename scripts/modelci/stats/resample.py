"""The fallback paired bootstrap, vectorised so it stays fast at a million rows.

For statistics with no cheap exact bootstrap or normal theory (average precision, the median
absolute error) modelci resamples *units* and never touches rows inside the resampling loop:

* Units. Below `ROW_LEVEL_BELOW` rows the units are the rows themselves. Above it, rows are
  assigned (seeded, uniformly at random) to `MAX_BLOCKS` blocks. Rows are iid, so the blocks are
  iid too, and resampling blocks with replacement is a valid bootstrap of any statistic that is
  a smooth function of sums over rows; the block weights (a Multinomial(G, 1/G) count per
  block) give each resample ≈ n rows.
* Table. Each row adds 1 to a few columns of its unit's row in a (units × columns) table of
  sufficient statistics: counts per score bin for AP, per |error| bin for the median. A
  resample's column totals are then weights (resamples × units) @ table: one BLAS product,
  O(resamples · units · columns), independent of n.
* Statistic. A vectorised function maps the (resamples × columns) totals to the statistic of
  each model; the same weights serve both models, which is what makes the bootstrap paired.

The bins make the resampled statistic an approximation of the exact one. The statistic of the
unresampled table (the *centre*) is computed the same way, and intervals are placed as exact
value + (draw − centre): the exact value carries the point, the bootstrap only the spread.
With row units and one bin per distinct value nothing is approximated: it is the plain row
bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from modelci.stats import intervals
from modelci.stats.results import Estimate, PairedDelta

ROW_LEVEL_BELOW = 5_000
MAX_BLOCKS = 1_000
# Resamples per chunk are capped so that chunk × max(units, columns) stays near this size.
_CHUNK_VALUES = 4_000_000
# Float32 sums of integer counts are exact below 2**24, and halve the cost of the product.
_FLOAT32_EXACT = 2**24


@dataclass(frozen=True, kw_only=True)
class Units:
    of_row: np.ndarray  # per row: its unit
    count: int
    rows: bool  # units are the rows themselves (plain row bootstrap)


def units(n: int, rng: np.random.Generator) -> Units:
    if n < ROW_LEVEL_BELOW:
        return Units(of_row=np.arange(n), count=n, rows=True)
    # Independent uniform assignment: sizes vary by about ±√(n/G), which the ratio-type
    # statistics here absorb, and it costs a fraction of a full permutation.
    return Units(of_row=rng.integers(0, MAX_BLOCKS, n), count=MAX_BLOCKS, rows=False)


def tabulate(
    units: Units, layers: Sequence[np.ndarray], columns: int
) -> np.ndarray | sparse.csr_matrix:
    """The (units × columns) table: every row adds 1 to column `layer[row]` of each layer."""
    if units.rows:
        rows = np.tile(units.of_row, len(layers))
        data = np.ones(rows.size)
        return sparse.csr_matrix(
            (data, (rows, np.concatenate(layers))), shape=(units.count, columns)
        )
    n = units.of_row.size
    base = units.of_row * columns
    # Layers are counted in batches: one bincount per layer would sweep the whole table each
    # time (slow with many classes), one for all of them could need gigabytes of indices.
    batch = max(1, _CHUNK_VALUES // max(n, 1))
    flat = np.zeros(units.count * columns, dtype=np.int64)
    for first in range(0, len(layers), batch):
        indices = np.concatenate([base + layer for layer in layers[first : first + batch]])
        flat += np.bincount(indices, minlength=flat.size)
    dtype = np.float32 if n < _FLOAT32_EXACT else np.float64
    return flat.reshape(units.count, columns).astype(dtype)


def bootstrap(
    units: Units,
    table: np.ndarray | sparse.csr_matrix,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The statistic of the whole table (centre, shape (S,)) and of each resample, (B, S)."""
    center = statistic(np.asarray(table.sum(axis=0)).reshape(1, -1))[0]
    chunk = max(1, _CHUNK_VALUES // max(units.count, table.shape[1]))
    out = []
    for start in range(0, resamples, chunk):
        weights = _uniform_multinomial(units.count, min(chunk, resamples - start), rng)
        if sparse.issparse(table):
            totals = np.asarray((table.T @ weights.T.astype(np.float64)).T)
        else:
            totals = weights.astype(table.dtype) @ table
        out.append(statistic(totals))
    return center, np.concatenate(out, axis=0)


def _uniform_multinomial(units: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, units) counts of `units` draws with replacement: Multinomial(units, 1/units) rows.

    Counting uniform integer draws is the same distribution as `rng.multinomial` with equal
    shares, several times faster for thousands of units.
    """
    picks = rng.integers(0, units, size=(size, units))
    picks += np.arange(size)[:, None] * units
    return np.bincount(picks.ravel(), minlength=size * units).reshape(size, units)


def method(units: Units) -> str:
    return "bootstrap" if units.rows else "block-bootstrap"


def estimate(
    value: float, center: float, draws: np.ndarray, *, confidence: float, method: str
) -> Estimate:
    ci = intervals.percentile_interval(draws, confidence=confidence, shift=value - center)
    return Estimate(value=float(value), ci=ci, method=method)


def paired(
    baseline: float,
    candidate: float,
    centers: tuple[float, float],
    draws: np.ndarray,
    *,
    confidence: float,
    method: str,
) -> PairedDelta:
    """Summarise (B, 2) paired draws of (baseline, candidate) around the exact values."""
    delta = candidate - baseline
    center = centers[1] - centers[0]
    differences = draws[:, 1] - draws[:, 0]
    return PairedDelta(
        baseline=float(baseline),
        candidate=float(candidate),
        delta=float(delta),
        ci=intervals.percentile_interval(differences, confidence=confidence, shift=delta - center),
        p_value=intervals.bootstrap_p(differences, center=center, observed=delta),
        method=method,
        se=_spread(differences),
    )


def _spread(draws: np.ndarray) -> float | None:
    """The bootstrap standard error: the standard deviation of the finite draws."""
    finite = draws[np.isfinite(draws)]
    return float(np.std(finite, ddof=1)) if finite.size > 1 else None
