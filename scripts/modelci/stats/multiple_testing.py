"""Adjusted p-values for many tests at once: Holm (family-wise) and Benjamini–Hochberg (FDR).

Slices use **Holm**. The two answer different questions:

* Benjamini–Hochberg bounds the expected *share* of false flags among the flagged slices. That
  suits a discovery list someone skims, where a few false leads among many true ones are cheap.
* Holm bounds the chance of *any* false flag. Here every flagged slice is a line a reviewer is
  asked to act on (investigate, or block the merge: a per-slice gate fails when any slice
  regresses), so one false flag costs a reviewer's time or a failed check, whatever else is
  flagged. The error that matters is per decision, which is what a family-wise rate controls.
* Holm is valid under any dependence between the tests. Slices × metrics are dependent in
  ways with no guaranteed sign (slices of different features overlap; a slice's metrics share
  its rows), and BH's guarantee needs positive dependence (PRDS), unless it is weakened to
  Benjamini–Yekutieli.

The price is power: with m tests the smallest p needs to beat α/m, so a slice regression has to
be clearer than a whole-set one to be flagged. That is honest (a slice has fewer rows and more
chances to look bad by luck), and `power.py` says how large a drop each slice could detect.
BH is kept here for callers that do want a discovery list (ungated metrics, say).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

HOLM = "holm"
BENJAMINI_HOCHBERG = "benjamini-hochberg"
SLICES = HOLM


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values; None (no test) stays None and is not counted.

    >>> holm([0.01, None, 0.04, 0.03])
    [0.03, None, 0.06, 0.06]
    """
    present, p = _present(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    return _placed(p_values, present, order, np.minimum(stepped, 1.0))


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg step-up adjusted p-values (q-values); None stays None.

    >>> benjamini_hochberg([0.01, None, 0.04, 0.03])
    [0.03, None, 0.04, 0.04]
    """
    present, p = _present(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = m / np.arange(1, m + 1) * p[order]
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    return _placed(p_values, present, order, np.minimum(stepped, 1.0))


def adjust(p_values: Sequence[float | None], *, method: str = SLICES) -> list[float | None]:
    """Adjusted p-values by `method` ("holm" or "benjamini-hochberg")."""
    if method == HOLM:
        return holm(p_values)
    if method == BENJAMINI_HOCHBERG:
        return benjamini_hochberg(p_values)
    raise ValueError(
        f"The 'method' parameter must be {HOLM!r} or {BENJAMINI_HOCHBERG!r}. Got {method!r}."
    )


def _present(p_values: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    present = np.array([p is not None for p in p_values], dtype=bool)
    p = np.array([p for p in p_values if p is not None], dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("The 'p_values' parameter must hold probabilities in [0, 1] or None.")
    return present, p


def _placed(
    p_values: Sequence[float | None], present: np.ndarray, order: np.ndarray, adjusted: np.ndarray
) -> list[float | None]:
    """Put the adjusted values back in the caller's order, with None where there was none."""
    in_place = np.empty_like(adjusted)
    in_place[order] = adjusted
    values = iter(in_place.tolist())
    return [next(values) if keep else None for keep in present.tolist()]
