"""The trend plot: the primary and gated metrics over the model's last releases, each with its
confidence band, and the candidate (or the release being published) as the last point.

Drawn with plots.py's conventions (a bare Figure on an Agg canvas in its rc_context, the
baseline grey and the candidate blue, the same bytes for the same data). Each release's value
is the one its own evaluation recorded, on its own test rows; the last point is measured on the
candidate's. One row of axes per metric: metrics live on unrelated scales.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelci import plots
from modelci.documents.history import RecordedMetric, ReleasePoint
from modelci.report.numbers import ci_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from modelci.documents import Comparison, Evaluation

NAME = "history"
FILE = f"{NAME}.png"
FLOOR = "#d62728"  # the from-best gate's limit, in the failed-gate red


@dataclass(frozen=True, kw_only=True)
class Trend:
    """What the trend plot shows: releases oldest first, then one last point."""

    metrics: tuple[str, ...]
    releases: tuple[ReleasePoint, ...]
    last_label: str  # "candidate", or the tag being published
    last: Mapping[str, RecordedMetric] = field(default_factory=dict)
    lower_is_better: frozenset[str] = frozenset()
    # metric → (value, label): a from-best gate's limit, the best release's value − tolerance
    floors: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    confidence: float = 0.95


def of_comparison(comparison: Comparison) -> Trend | None:
    """The trend of comparison.json's `history`; None without one or without releases."""
    history = comparison.history
    if history is None or not history.releases or not history.metrics:
        return None
    rows = {m.name: m for m in comparison.metrics}
    last = {
        name: RecordedMetric(value=rows[name].candidate)
        for name in history.metrics
        if name in rows and rows[name].candidate is not None
    }
    lower = frozenset(n for n in history.metrics if n in rows and rows[n].higher_is_better is False)
    floors = {}
    for best in history.from_best:
        point = next((p for p in history.releases if p.tag == best.best_tag), None)
        recorded = point.metrics.get(best.metric) if point is not None else None
        if recorded is None or recorded.value is None:
            continue  # the best release is older than the plotted window
        sign = 1.0 if best.metric in lower else -1.0
        limit = recorded.value + sign * best.tolerance
        floors[best.metric] = (limit, f"best {best.best_tag} {'+' if sign > 0 else '−'} tolerance")
    return Trend(
        metrics=history.metrics,
        releases=history.releases,
        last_label="candidate",
        last=last,
        lower_is_better=lower,
        floors=floors,
        confidence=comparison.confidence,
    )


def of_release(
    points: Sequence[ReleasePoint], tag: str, evaluation: Evaluation, gated: Sequence[str]
) -> Trend | None:
    """The trend the release notes of `tag` show: the previous releases, then `tag` itself
    with its own intervals; None when there is no previous release (one point is no trend)."""
    if not points:
        return None
    metrics = tuple(dict.fromkeys([evaluation.primary, *gated]))
    own = {m.name: m for m in evaluation.metrics}
    return Trend(
        metrics=metrics,
        releases=tuple(points),
        last_label=tag,
        last={n: RecordedMetric(value=own[n].value, ci=own[n].ci) for n in metrics if n in own},
        lower_is_better=frozenset(
            n for n in metrics if n in own and own[n].higher_is_better is False
        ),
        confidence=evaluation.confidence,
    )


def drawing(trend: Trend | None) -> plots._Drawing | None:
    """The figure, or None when no metric has a value to draw."""
    if trend is None:
        return None
    metrics = [m for m in trend.metrics if _any_value(trend, m)]
    if not metrics:
        return None
    labels = [plots._short(p.tag, 18) for p in trend.releases] + [
        plots._short(trend.last_label, 18)
    ]
    x = list(range(len(trend.releases)))
    last_x = len(trend.releases)

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(metrics), 1, squeeze=False, sharex=True)[:, 0]
        for ax, metric in zip(axes, metrics, strict=True):
            values = [_value(p.metrics.get(metric)) for p in trend.releases]
            lows = [_end(p.metrics.get(metric), 0) for p in trend.releases]
            highs = [_end(p.metrics.get(metric), 1) for p in trend.releases]
            ax.fill_between(
                x, lows, highs, color=plots.BASELINE, alpha=0.25, linewidth=0, label="CI"
            )
            ax.plot(x, values, color=plots.BASELINE, marker="o", markersize=4, label="release")
            last = trend.last.get(metric)
            if last is not None and last.value is not None:
                if values and not math.isnan(values[-1]):
                    ax.plot(
                        [x[-1], last_x],
                        [values[-1], last.value],
                        color=plots.CANDIDATE,
                        linestyle=":",
                        linewidth=1,
                    )
                error = None
                if last.ci is not None:
                    error = [[last.value - last.ci[0]], [last.ci[1] - last.value]]
                ax.errorbar(
                    [last_x],
                    [last.value],
                    yerr=error,
                    color=plots.CANDIDATE,
                    marker="D",
                    markersize=7,
                    linestyle="none",
                    label=plots._short(trend.last_label, 18),
                )
            floor = trend.floors.get(metric)
            if floor is not None:
                ax.axhline(floor[0], color=FLOOR, linestyle="--", linewidth=1, label=floor[1])
            arrow = " ↓" if metric in trend.lower_is_better else ""
            ax.set_ylabel(plots._short(metric, 16) + arrow)
            if ax is axes[0]:
                ax.legend(loc="best", fontsize=7, ncols=2)
            elif floor is not None:  # the other rows repeat only what is their own
                (line,) = [h for h in ax.get_lines() if h.get_label() == floor[1]]
                ax.legend([line], [floor[1]], loc="best", fontsize=7)
        axes[-1].set_xticks(list(range(len(labels))), labels, rotation=30, ha="right")
        count = len(trend.releases)
        axes[0].set_title(
            f"The last {count} release{'s' if count != 1 else ''} and {trend.last_label}, "
            f"{ci_label(trend.confidence)}"
        )

    return plots._Drawing(draw=draw, size=(plots.WIDTH + 1.0, 1.0 + 1.7 * len(metrics)))


def png(trend: Trend) -> bytes | None:
    """The trend plot as PNG bytes (release notes draw it outside a comparison)."""
    found = drawing(trend)
    return None if found is None else plots._png(found.draw, found.size, margins=found.margins)


def _any_value(trend: Trend, metric: str) -> bool:
    last = trend.last.get(metric)
    return (last is not None and last.value is not None) or any(
        not math.isnan(_value(p.metrics.get(metric))) for p in trend.releases
    )


def _value(recorded: RecordedMetric | None) -> float:
    """NaN where nothing was recorded: matplotlib leaves a gap there."""
    return math.nan if recorded is None or recorded.value is None else recorded.value


def _end(recorded: RecordedMetric | None, index: int) -> float:
    ci: Sequence[float] | None = None if recorded is None else recorded.ci
    return math.nan if ci is None else ci[index]
