"""Paired comparisons per slice, corrected for testing many slices × metrics at once.

Each slice's rows go through the same `compare_classification` / `compare_regression` as the
whole test set, so a slice's delta, interval and p-value mean exactly what the headline's mean.
The p-values of all slices × metrics are then adjusted together (Holm by default; see
`multiple_testing.py` for why), and a slice counts as *significantly worse* on a metric when its
adjusted p is below α and the delta points the metric's bad way.

Two things keep that honest:

* Bootstrap resolution. A bootstrap p-value is never below 2/(B + 1), and with m tests Holm's
  smallest threshold is α/m, so with too few resamples a bootstrap metric could never be
  flagged. The resamples are raised to at least 10m/α (12,000 for 20 slices × 3 metrics at
  0.05; see RESOLUTION); the exact cell bootstrap of confusion metrics costs little more for it.
* Independent draws per slice. Each slice's seed is derived from the caller's seed and the
  slice's name, so its interval does not change when other slices are added or removed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelci import metrics as registry
from modelci.stats import inputs, intervals, multiple_testing, power
from modelci.stats.classification import compare_classification
from modelci.stats.regression import compare_regression
from modelci.stats.results import PairedDelta
from modelci.stats.seeds import seed_from_fingerprint
from modelci.stats.slice_rows import Slice, Slices

# Bootstrap draws per slice test: RESOLUTION · m / α. The smallest bootstrap p is 2/(B + 1), and
# Holm multiplies it by up to m, so 2m/α draws would flag a slice only when not a single draw
# crossed zero; with 10m/α a slice is flagged with up to four (adjusted p ≤ α/5 at the floor).
RESOLUTION = 10
# ...up to this many: every slice draws them, so the cost would grow with slices². At 20,000 a
# slice is still flaggable among 200 tests (2/20,001 · 200 = 0.02 < α).
MAX_DRAWS = 20_000

# One slice's deltas and skipped metrics, as `compare_*` return them.
Compared = tuple[dict[str, PairedDelta], dict[str, str]]


@dataclass(frozen=True, kw_only=True)
class SliceResult:
    name: str
    rows: int
    deltas: Mapping[str, PairedDelta]
    adjusted_p: Mapping[str, float | None]  # same keys as `deltas`
    skipped: Mapping[str, str]  # requested metrics this slice cannot have, with the reason


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One metric on one slice, as a "worst slices" table row shows it."""

    slice: str
    metric: str
    rows: int
    delta: PairedDelta
    adjusted_p: float | None
    significantly_worse: bool
    # The smallest worsening this slice's rows detect at α with 80% power; None without an SE.
    minimum_detectable: float | None


@dataclass(frozen=True, kw_only=True)
class BeyondTolerance:
    """A slice × metric whose worsening is significantly larger than the gate's tolerance."""

    finding: Finding
    tolerance: float
    # Holm-adjusted one-sided p of H0: worsening ≤ tolerance, across the gated slices × metrics.
    adjusted_p: float


@dataclass(frozen=True, kw_only=True)
class SliceComparison:
    slices: tuple[SliceResult, ...]
    too_small: Mapping[str, int]
    min_rows: int
    metrics: tuple[str, ...]
    correction: str
    alpha: float
    tests: int  # p-values adjusted together
    resamples: int  # resamples each slice's bootstrap used (raised for resolution, see above)

    def findings(self) -> tuple[Finding, ...]:
        """Every slice × metric, in slice then metric order."""
        return tuple(
            Finding(
                slice=result.name,
                metric=metric,
                rows=result.rows,
                delta=delta,
                adjusted_p=result.adjusted_p[metric],
                significantly_worse=_worse(metric, delta, result.adjusted_p[metric], self.alpha),
                minimum_detectable=power.minimum_detectable(delta, alpha=self.alpha),
            )
            for result in self.slices
            for metric, delta in result.deltas.items()
        )

    def significantly_worse(self) -> tuple[Finding, ...]:
        """Slices × metrics that got worse after correction, strongest evidence first."""
        flagged = [finding for finding in self.findings() if finding.significantly_worse]
        return tuple(sorted(flagged, key=lambda f: (f.adjusted_p, _worsening(f))))

    def beyond(self, tolerances: Mapping[str, float]) -> tuple[BeyondTolerance, ...]:
        """The per-slice gate: slices whose worsening of a gated metric significantly exceeds
        its tolerance (`{"recall": 0.02}`), strongest evidence first.

        Each delta's standard error gives a one-sided test of H0: worsening ≤ tolerance (a
        normal approximation, also for the bootstrap methods, whose draws are not kept); the
        p-values are adjusted together by the comparison's correction. A delta without an SE
        (a point-only method) cannot fail the gate.
        """
        unknown = sorted(set(tolerances) - set(self.metrics))
        if unknown:
            raise ValueError(
                f"Per-slice tolerances must be for compared metrics ({', '.join(self.metrics)}). "
                f"Got {', '.join(map(repr, unknown))}."
            )
        gated = [f for f in self.findings() if f.metric in tolerances and f.delta.se is not None]
        raw: list[float | None] = [
            intervals.beyond_p(-_worsening(f), tolerances[f.metric], f.delta.se or 0.0)
            for f in gated
        ]
        adjusted = multiple_testing.adjust(raw, method=self.correction)
        failed = [
            BeyondTolerance(finding=f, tolerance=tolerances[f.metric], adjusted_p=p)
            for f, p in zip(gated, adjusted, strict=True)
            if p is not None and p < self.alpha
        ]
        return tuple(sorted(failed, key=lambda failure: failure.adjusted_p))

    def worst(self, *, count: int = 3, metric: str | None = None) -> tuple[Finding, ...]:
        """The "worst slices" table: the significantly worse ones, or else the `count` slices
        whose `metric` (default: the first requested, the primary) moved most the bad way."""
        flagged = self.significantly_worse()
        if flagged:
            return flagged
        metric = metric or self.metrics[0]
        ranked = [finding for finding in self.findings() if finding.metric == metric]
        return tuple(sorted(ranked, key=_worsening)[:count])


def compare_classification_slices(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    proba_baseline: np.ndarray | None,
    pred_candidate: np.ndarray,
    proba_candidate: np.ndarray | None,
    *,
    n_classes: int,
    slices: Slices,
    metrics: Sequence[str],
    alpha: float = 0.05,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    correction: str = multiple_testing.SLICES,
) -> SliceComparison:
    """`compare_classification` on every slice's rows for `metrics`, corrected across all."""
    n_classes = inputs.n_classes(n_classes)
    y = inputs.codes("y", y, n_classes=n_classes)
    preds = [
        inputs.codes("pred_baseline", pred_baseline, n_classes=n_classes, n=y.size),
        inputs.codes("pred_candidate", pred_candidate, n_classes=n_classes, n=y.size),
    ]
    probas = [
        inputs.probabilities("proba_baseline", proba_baseline, n=y.size, n_classes=n_classes),
        inputs.probabilities("proba_candidate", proba_candidate, n=y.size, n_classes=n_classes),
    ]
    names = _requested_order(
        metrics, inputs.wanted(metrics, registry.metric_names("classification", n_classes))
    )

    # Every statistic is invariant to the order of the rows, so each slice's rows are passed in
    # ascending order of the baseline's class-1 score: the rank sorts inside DeLong and average
    # precision then meet presorted (or, for the candidate, nearly sorted) input. One sort of all
    # rows replaces most of twenty per-slice sorts.
    by_score = None if probas[0] is None else np.argsort(probas[0][:, 1], kind="stable")

    def compare(rows: np.ndarray, **options: Any) -> Compared:
        if by_score is not None:
            rows = _ordered(rows, by_score)
        proba = [None if column is None else np.take(column, rows, axis=0) for column in probas]
        return compare_classification(
            y[rows],
            preds[0][rows],
            proba[0],
            preds[1][rows],
            proba[1],
            n_classes=n_classes,
            **options,
        )

    return _corrected(
        slices,
        names,
        compare,
        alpha=alpha,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        method=correction,
    )


def compare_regression_slices(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    pred_candidate: np.ndarray,
    *,
    slices: Slices,
    metrics: Sequence[str],
    alpha: float = 0.05,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    correction: str = multiple_testing.SLICES,
) -> SliceComparison:
    """`compare_regression` on every slice's rows for `metrics`, corrected across all."""
    y = inputs.numbers("y", y)
    base = inputs.numbers("pred_baseline", pred_baseline, n=y.size)
    cand = inputs.numbers("pred_candidate", pred_candidate, n=y.size)
    names = _requested_order(metrics, inputs.wanted(metrics, registry.metric_names("regression")))

    def compare(rows: np.ndarray, **options: Any) -> Compared:
        return compare_regression(y[rows], base[rows], cand[rows], **options)

    return _corrected(
        slices,
        names,
        compare,
        alpha=alpha,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        method=correction,
    )


def _corrected(
    slices: Slices,
    names: tuple[str, ...],
    compare: Callable[..., Compared],
    *,
    alpha: float,
    confidence: float,
    resamples: int,
    seed: int,
    method: str,
) -> SliceComparison:
    """Run `compare(rows, **options)` on every slice, then adjust all p-values together."""
    if not names:
        raise ValueError("The 'metrics' parameter must name at least one metric.")
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r}.")
    multiple_testing.adjust([], method=method)  # an unknown method fails before any work
    tests = len(slices.kept) * len(names)
    draws = max(resamples, min(MAX_DRAWS, math.ceil(RESOLUTION * tests / alpha)))
    compared = [
        (
            piece,
            *compare(
                piece.rows,
                confidence=confidence,
                resamples=draws,
                seed=_slice_seed(seed, piece),
                metrics=names,
            ),
        )
        for piece in slices.kept
    ]
    raw = [delta.p_value for _, deltas, _ in compared for delta in deltas.values()]
    adjusted = iter(multiple_testing.adjust(raw, method=method))
    results = tuple(
        SliceResult(
            name=piece.name,
            rows=int(piece.rows.size),
            deltas=deltas,
            adjusted_p={metric: next(adjusted) for metric in deltas},
            skipped=skipped,
        )
        for piece, deltas, skipped in compared
    )
    return SliceComparison(
        slices=results,
        too_small=slices.too_small,
        min_rows=slices.min_rows,
        metrics=names,
        correction=method,
        alpha=alpha,
        tests=sum(p is not None for p in raw),
        resamples=draws,
    )


def _requested_order(requested: Sequence[str], names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` in the caller's order (the primary first), each once: `worst` ranks by the first."""
    return tuple(dict.fromkeys(name for name in requested if name in names))


def _ordered(rows: np.ndarray, order: np.ndarray) -> np.ndarray:
    """`rows` in the order they appear in `order` (a permutation of all row positions)."""
    member = np.zeros(order.size, dtype=bool)
    member[rows] = True
    return order[member[order]]


def _slice_seed(seed: int, piece: Slice) -> int:
    return seed_from_fingerprint(f"{seed}/{piece.name}")


def _worse(metric: str, delta: PairedDelta, adjusted_p: float | None, alpha: float) -> bool:
    return (
        adjusted_p is not None
        and adjusted_p < alpha
        and registry.direction(metric) * delta.delta < 0
    )


def _worsening(finding: Finding) -> float:
    """Sort key: most worsened first (the delta in the metric's good direction, ascending)."""
    return registry.direction(finding.metric) * finding.delta.delta
