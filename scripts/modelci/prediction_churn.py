"""Prediction churn in `compare`: which of the compared rows changed, and the harmful-flip gate.

Both models scored the same rows, so besides the metrics' deltas `compare` can say how many
predictions moved: overall, per true class and per slice, right → wrong (harmful) and wrong →
right (helpful). For regression a row is harmful when its absolute error grew by more than a
threshold, by default the baseline's median absolute error: a change smaller than a typical
error is not one a user notices. The counts come from `stats.churn` (boolean row vectors, sums
over index arrays); the gate (`churn.max_harmful`) is its exact binomial test at the
comparison's α, so a share only suggesting too many harmful flips does not fail on noise.

The flipped rows themselves go to `flips.csv` in the compare directory by their row ids (not
positions: ids are what a user can look up in the data), never into the comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.documents import FLIPS

if TYPE_CHECKING:
    import numpy as np

    from modelci.comparison import Settings
    from modelci.config import ChurnConfig
    from modelci.scoring import Predictions
    from modelci.stats.churn import Churn, Flips

PASS, FAIL = "pass", "fail"


@dataclass(frozen=True, kw_only=True)
class FlippedRows:
    """flips.csv's columns, one entry per row that changed."""

    row_id: np.ndarray
    baseline: np.ndarray
    candidate: np.ndarray
    truth: np.ndarray
    kind: np.ndarray  # harmful | helpful | changed
    error_growth: np.ndarray | None  # regression only


@dataclass(frozen=True, kw_only=True)
class Measured:
    report: dict[str, Any]  # comparison.json's `churn`
    failed: bool  # the harmful-flip gate failed: "churn" joins failed_gates
    flipped: FlippedRows


def measure(
    cand: Predictions,
    base: Predictions,
    *,
    settings: Settings,
    slices: Mapping[str, np.ndarray],
) -> Measured:
    """Churn of the compared rows (`cand`, `base` on the same rows, restricted to the rows whose
    true class both models know); `slices` are positions among those rows. The gate is the
    policy side's `churn.max_harmful` at the comparison's α."""
    import numpy as np

    from modelci.stats import churn

    config, alpha, confidence = settings.churn, settings.alpha, settings.confidence
    y = cand.y
    threshold = None
    if cand.classes is None:
        threshold = config.threshold
        if threshold is None:
            threshold = float(np.median(np.abs(base.pred - y))) if y.size else 0.0
        counted = churn.regression_churn(
            y, base.pred, cand.pred, threshold=threshold, slices=slices
        )
        labels: tuple[str, ...] = ()
    else:
        labels = cand.classes
        counted = churn.classification_churn(
            y, base.pred, cand.pred, n_classes=len(labels), slices=slices
        )
    flipped = _flipped(cand, base, counted)
    harm = (
        "flipped right → wrong"
        if threshold is None
        else f"had their absolute error grow by more than {threshold:.4g}"
    )
    gate = _gate(counted.overall, config, harm, alpha=alpha, confidence=confidence)
    report = {
        **_counts(counted.overall),
        "threshold": threshold,
        "per_class": [
            {"label": labels[code], **_counts(flips)} for code, flips in counted.per_class.items()
        ],
        "per_slice": [
            {"name": name, **_counts(flips)} for name, flips in counted.per_slice.items()
        ],
        "gate": gate,
        "flips_file": FLIPS if flipped.row_id.size else None,
    }
    return Measured(
        report=report, failed=gate is not None and gate["status"] == FAIL, flipped=flipped
    )


def write_flips(directory: Path, measured: Measured) -> None:
    """flips.csv in `directory` (the staged compare directory); nothing when no row flipped."""
    import pandas as pd

    rows = measured.flipped
    if not rows.row_id.size:
        return
    columns: dict[str, Any] = {
        "row_id": rows.row_id,
        "baseline": rows.baseline,
        "candidate": rows.candidate,
        "truth": rows.truth,
        "kind": rows.kind,
    }
    if rows.error_growth is not None:
        columns["error_growth"] = rows.error_growth
    pd.DataFrame(columns).to_csv(directory / FLIPS, index=False)


def _flipped(cand: Predictions, base: Predictions, counted: Churn) -> FlippedRows:
    """The changed rows' ids and values, each with its kind of change."""
    import numpy as np

    at = counted.flipped
    keep = cand.seen if cand.seen is not None else slice(None)
    y = cand.y[at]
    was, now = base.pred[at], cand.pred[at]
    if cand.classes is None:
        growth = np.abs(now - y) - np.abs(was - y)
        kind = np.where(growth > 0, "harmful", "helpful")
        truth, baseline, candidate = y, was, now
    else:
        growth = None
        kind = np.where(was == y, "harmful", np.where(now == y, "helpful", "changed"))
        truth = cand.y_true[keep][at]
        baseline, candidate = base.y_pred[keep][at], cand.y_pred[keep][at]
    return FlippedRows(
        row_id=cand.row_id[keep][at],
        baseline=baseline,
        candidate=candidate,
        truth=truth,
        kind=kind,
        error_growth=growth,
    )


def _gate(
    overall: Flips, config: ChurnConfig, harm: str, *, alpha: float, confidence: float
) -> dict[str, Any] | None:
    from modelci import gates
    from modelci.stats import churn

    limit = config.max_harmful
    if limit is None or overall.rows < 1:
        return None
    test = churn.harmful_flip_test(
        overall.harmful, overall.rows, max_harmful=limit, alpha=alpha, confidence=confidence
    )
    share = f"{test.rate:.2%} of rows {harm} ({test.harmful:,} of {test.rows:,})"
    # The limit as configured (0.0005 is 0.05%), the p as every gate reason writes it.
    written = f"max_harmful {100 * limit:g}%"
    if test.exceeds:
        reason = (
            f"{share}, significantly more than {written} "
            f"({gates.significance(test.p_value, alpha)})"
        )
    elif test.rate > limit:
        reason = (
            f"{share}, above {written} but not significantly "
            f"({gates.significance(test.p_value, alpha)})"
        )
    else:
        reason = f"{share}, within {written}"
    return {
        "max_harmful": limit,
        "rate": test.rate,
        "ci": list(test.ci),
        "p_value": test.p_value,
        "status": FAIL if test.exceeds else PASS,
        "reason": reason,
    }


def _counts(flips: Flips) -> dict[str, int]:
    return {
        "rows": flips.rows,
        "changed": flips.changed,
        "harmful": flips.harmful,
        "helpful": flips.helpful,
    }
