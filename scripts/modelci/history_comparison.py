"""comparison.json's `history`: the trend over the model's last releases and the gates against
slow decay (`max_drop_from_best` / `max_rise_from_best`).

A per-PR `max_drop` lets every release lose a little; five releases that each lose just under
the tolerance lose five times it. A from-best gate compares the candidate with the best of the
model's last N releases instead, on the candidate's own rows and with the same paired
statistics and relative-gate decision as `max_drop`: the baseline's predictions when the best
release is the baseline, else the best release's model (downloaded by `modelci baseline
--history` into the baseline directory) scored on the candidate's rows.

Without `history.json` in the baseline directory (a path or registry baseline, or `--history 0`)
there is no history part and from-best gates are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelci import documents, gates, progress, release_history, rundir
from modelci.config import GateRule
from modelci.documents.history import BestComparison, History, HistoryReport, ReleasePoint
from modelci.errors import UserError
from modelci.release import tags

REFETCH = "Fetch the baseline again with `modelci baseline --history N` and the gates' config"

if TYPE_CHECKING:
    from modelci import scoring
    from modelci.comparison import Settings
    from modelci.documents import Evaluation
    from modelci.rows import EvalRows
    from modelci.rundir import Run
    from modelci.stats import PairedDelta


@dataclass(frozen=True, kw_only=True)
class Sides:
    """The comparison compare has made: both runs, their predictions on the same rows and the
    paired deltas (reused when the best release is the baseline)."""

    candidate: Run
    candidate_eval: Evaluation
    baseline: Run
    cand: scoring.Predictions
    deltas: Mapping[str, PairedDelta]
    classes: tuple[str, ...] | None
    # The candidate's test rows when the baseline was re-scored on them: a best release is
    # re-scored on the same rows without reading the data file again.
    test_rows: EvalRows | None = None


def compare_history(sides: Sides, settings: Settings, *, primary: str) -> HistoryReport | None:
    """The history part of comparison.json: the trend and each from-best gate's result (whose
    failure or warning the metric's gate takes); None without history.json."""
    path = sides.baseline.path / documents.HISTORY
    if not path.is_file():
        return None
    with progress.current.stage("release history"):
        return _compare(sides, settings, documents.read_history(path), primary=primary)


def _compare(
    sides: Sides, settings: Settings, history: History, *, primary: str
) -> HistoryReport | None:
    windows = release_history.windows(settings.gates)
    names = dict.fromkeys([primary, *settings.gates])  # primary first, then the gated
    shown = tuple(n for n in names if _recorded_anywhere(history, n))
    recent = history.releases[-settings.history :] if settings.history > 0 else ()
    results = [
        result
        for window in windows
        if (result := _from_best(sides, settings, history, window)) is not None
    ]
    if not recent and not results:
        return None
    return HistoryReport(
        metrics=shown,
        releases=tuple(_trimmed(point, shown) for point in recent),
        from_best=tuple(results),
    )


def _recorded_anywhere(history: History, name: str) -> bool:
    return any(release_history.recorded(point, name) is not None for point in history.releases)


def _trimmed(point: ReleasePoint, names: tuple[str, ...]) -> ReleasePoint:
    import dataclasses

    return dataclasses.replace(
        point, metrics={n: point.metrics[n] for n in names if n in point.metrics}
    )


def _from_best(
    sides: Sides, settings: Settings, history: History, window: release_history.Window
) -> BestComparison | None:
    """The candidate against the best release of the window; None when no release of the
    window recorded the metric (nothing to decay from)."""
    metric, rule = window.metric, window.rule
    last = f"the last {rule.releases} release" + ("s" if rule.releases != 1 else "")
    best = release_history.best_release(history.releases, window)
    if best is None:
        return None
    result = _Result(metric=metric, releases=rule.releases, tolerance=rule.tolerance, best=best)
    try:
        delta, rescored = _against(sides, settings, history, best, metric)
    except UserError as error:
        return result.done(
            status=gates.FAIL,
            reason=f"cannot compare with {best.tag}, the best of {last}: {error.message}",
        )
    if delta is None:
        return result.done(
            status=gates.FAIL, reason=f"{metric} cannot be computed against {best.tag}"
        )
    own = settings.gates.get(metric)
    higher = window.higher_is_better
    decay = GateRule(
        max_drop=rule.tolerance if higher else None,
        max_rise=None if higher else rule.tolerance,
        strict=own.strict if own is not None else None,
    )
    from modelci.stats import power

    rows = len(sides.cand.y)
    observed = gates.Observed.paired(
        delta,
        higher_is_better=higher,
        minimum_detectable=power.detectable_on(delta, rows=rows, alpha=settings.alpha),
        rows=rows,
    )
    decided = gates.evaluate(
        decay,
        observed,
        alpha=settings.alpha,
        strict_default=settings.strict,
        inconclusive=settings.inconclusive,
    )
    recorded = release_history.recorded(best, metric)

    def shown(value: float) -> str:  # in the decimals of the comparison's interval
        return gates.measured(value, delta.ci, delta.baseline, delta.candidate, delta.delta)

    own_rows = f", {shown(recorded)} as released" if recorded is not None and rescored else ""
    return result.done(
        status=decided.status,
        reason=f"from {best.tag}, the best of {last} ({metric} {shown(delta.baseline)} on these "
        f"rows{own_rows}; candidate {shown(delta.candidate)}): {decided.reason}",
        rescored=rescored,
        delta=delta,
        warning=decided.warning,
    )


def _against(
    sides: Sides,
    settings: Settings,
    history: History,
    best: ReleasePoint,
    metric: str,
) -> tuple[PairedDelta | None, bool]:
    """The candidate minus the best release on `metric` on the candidate's rows, and whether
    the best release's model was re-scored for it."""
    from modelci import comparison

    if _is_baseline(sides.baseline, best):
        return sides.deltas.get(metric), False
    run = rundir.Run.open(_best_run(sides.baseline.path, history, best.tag))
    comparison.check_compatible(sides.candidate, run)
    cand, other, rescored, _, _ = comparison.paired_predictions(
        sides.candidate, sides.candidate_eval, run, sides.cand, sides.classes, sides.test_rows
    )
    deltas, _ = comparison.paired_deltas(cand, other, settings, metrics=[metric])
    return deltas.get(metric), rescored


def _is_baseline(baseline: Run, best: ReleasePoint) -> bool:
    provenance = baseline.path / documents.BASELINE
    tag = documents.read_baseline(provenance).tag if provenance.is_file() else None
    model = baseline.info.model
    return release_history.is_baseline(
        best, tag=tag, model_sha256=None if model is None else model.sha256
    )


def _best_run(directory: Path, history: History, tag: str) -> Path:
    """Where `modelci baseline` put the best release's run: as best_runs says, else (a gate
    whose window differs from the one baseline fetched for) history/<tag> when it is there."""
    runs = {entry.tag: entry.run for entry in history.best_runs.values()}
    if tag not in runs and tags.try_parse(tag) is None:  # a crafted tag must not be a path
        raise UserError(f"{tag!r} in {documents.HISTORY} is not a release tag", fix=REFETCH)
    path = directory / runs.get(tag, f"{release_history.HISTORY_DIR}/{tag}")
    if not (path / rundir.RUN).is_file():
        raise UserError(
            f"it was not downloaded into {path}",
            fix=REFETCH,
        )
    return path


@dataclass(frozen=True, kw_only=True)
class _Result:
    """A from-best gate's result as it is filled in."""

    metric: str
    releases: int
    tolerance: float
    best: ReleasePoint

    def done(
        self,
        *,
        status: str,
        reason: str,
        rescored: bool = False,
        delta: PairedDelta | None = None,
        warning: str | None = None,
    ) -> BestComparison:
        return BestComparison(
            metric=self.metric,
            releases=self.releases,
            tolerance=self.tolerance,
            best_tag=self.best.tag,
            rescored=rescored,
            best=None if delta is None else delta.baseline,
            candidate=None if delta is None else delta.candidate,
            delta=None if delta is None else delta.delta,
            ci=None if delta is None else delta.ci,
            p_value=None if delta is None else delta.p_value,
            status="fail" if status == gates.FAIL else "pass",
            reason=reason,
            warning=warning,
        )
