"""Which test rows belong to which slice: automatic levels, configured levels, bins, crosses.

A slice is a name and the ascending positions of its rows. Every definition is resolved with
one pass over its column: the column becomes integer group codes, one stable argsort orders the
rows by group, and each group's rows are a contiguous run of that order. Twenty slices of a
million rows cost two or three sorts, not twenty boolean scans.

Slices with fewer than `min_rows` rows (default 30) are set aside with their size: a handful of
rows gives intervals too wide to act on and many more chances to look bad by luck.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_ROWS = 30
MISSING = "<missing>"


@dataclass(frozen=True, kw_only=True)
class FeatureLevels:
    """One slice per level of a categorical feature."""

    feature: str


@dataclass(frozen=True, kw_only=True)
class NumericBins:
    """One slice per bin [edges[i], edges[i+1]) of a numeric feature; the last bin is closed.

    Rows outside the edges (or missing) are in no bin; use ±inf edges to cover everything.
    """

    feature: str
    edges: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class CrossedLevels:
    """One slice per combination of two categorical features' levels."""

    features: tuple[str, str]


Definition = FeatureLevels | NumericBins | CrossedLevels


@dataclass(frozen=True, kw_only=True)
class Slice:
    name: str
    rows: np.ndarray  # ascending row positions


@dataclass(frozen=True, kw_only=True)
class Slices:
    kept: tuple[Slice, ...]
    too_small: Mapping[str, int]  # slice name -> its rows, below `min_rows`
    min_rows: int

    def rows_by_name(self) -> dict[str, np.ndarray]:
        """The kept slices as {name: row positions}, the form `churn` takes."""
        return {piece.name: piece.rows for piece in self.kept}


def automatic(categorical: Sequence[str]) -> tuple[FeatureLevels, ...]:
    """Every level of each categorical feature, the slices modelci makes without being asked."""
    return tuple(FeatureLevels(feature=name) for name in categorical)


def resolve(
    features: Mapping[str, object],
    definitions: Sequence[Definition],
    *,
    rows: int,
    min_rows: int = MIN_ROWS,
) -> Slices:
    """The slices of `definitions` over `features` (a column name -> values mapping, such as a
    DataFrame), keeping those with at least `min_rows` rows. A name seen twice is kept once.

    >>> found = resolve({"plan": ["a", "b", "a", "b", "b"]}, [FeatureLevels(feature="plan")],
    ...                 rows=5, min_rows=3)
    >>> [(s.name, s.rows.tolist()) for s in found.kept], dict(found.too_small)
    ([('plan=b', [1, 3, 4])], {'plan=a': 2})
    """
    if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 1:
        raise ValueError(f"The 'min_rows' parameter must be an integer >= 1. Got {min_rows!r}.")
    kept: dict[str, Slice] = {}
    too_small: dict[str, int] = {}
    for definition in definitions:
        for name, positions in _groups(features, definition, rows=rows):
            if name in kept or name in too_small:
                continue
            if positions.size >= min_rows:
                kept[name] = Slice(name=name, rows=positions)
            else:
                too_small[name] = int(positions.size)
    return Slices(kept=tuple(kept.values()), too_small=too_small, min_rows=min_rows)


def _groups(
    features: Mapping[str, object], definition: Definition, *, rows: int
) -> list[tuple[str, np.ndarray]]:
    if isinstance(definition, FeatureLevels):
        levels, codes = _levels(features, definition.feature, rows=rows)
        return _split(codes, [f"{definition.feature}={level}" for level in levels])
    if isinstance(definition, NumericBins):
        return _split(*_bins(features, definition, rows=rows))
    first, second = definition.features
    levels_a, codes_a = _levels(features, first, rows=rows)
    levels_b, codes_b = _levels(features, second, rows=rows)
    names = [f"{first}={a} & {second}={b}" for a in levels_a for b in levels_b]
    return _split(codes_a * len(levels_b) + codes_b, names)


def _column(features: Mapping[str, object], name: str, *, rows: int) -> np.ndarray:
    if name not in features:
        columns = ", ".join(map(str, features)) or "none"
        raise ValueError(
            f"The slice feature {name!r} is not a column of the test data (columns: {columns})."
        )
    values = np.asarray(features[name])
    if values.ndim != 1 or values.size != rows:
        raise ValueError(
            f"The slice feature {name!r} must have one value per test row ({rows}). "
            f"Got shape {values.shape}."
        )
    return values


def _levels(
    features: Mapping[str, object], name: str, *, rows: int
) -> tuple[list[str], np.ndarray]:
    """The feature's distinct levels as text, sorted, and each row's level code.

    Missing values (None, NaN) are one level of their own, named `MISSING`.
    """
    import pandas as pd  # hash-based factorising: sorting a million strings takes seconds

    codes, uniques = pd.factorize(_column(features, name, rows=rows), use_na_sentinel=False)
    missing = pd.isna(uniques)
    names = [MISSING if gone else str(level) for level, gone in zip(uniques, missing, strict=True)]
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[i] for i in order], rank[codes]


def _bins(
    features: Mapping[str, object], definition: NumericBins, *, rows: int
) -> tuple[np.ndarray, list[str]]:
    name = definition.feature
    edges = np.asarray(definition.edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or np.isnan(edges).any():
        raise ValueError(
            f"The bins of slice feature {name!r} must be at least two increasing edges. "
            f"Got {list(definition.edges)!r}."
        )
    column = _column(features, name, rows=rows)
    try:
        values = column.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"The slice feature {name!r} has bins, so it must be numeric; "
            "slice it by its levels instead."
        ) from None
    codes = np.searchsorted(edges, values, side="right") - 1
    codes[values == edges[-1]] = edges.size - 2  # the last bin includes its upper edge
    codes[(codes < 0) | (codes >= edges.size - 1) | np.isnan(values)] = -1
    last = edges.size - 2
    names = [
        f"{name} in [{edges[i]:g}, {edges[i + 1]:g}{']' if i == last else ')'}"
        for i in range(edges.size - 1)
    ]
    return codes, names


def _split(codes: np.ndarray, names: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """Row positions of each code 0..len(names)-1 (negative codes belong to no slice)."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    start = int(np.count_nonzero(codes < 0))
    out = []
    for name, count in zip(names, counts.tolist(), strict=True):
        if count:
            out.append((name, order[start : start + count]))
        start += count
    return out
