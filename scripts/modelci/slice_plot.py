"""`slices.png`: the primary metric's delta on each slice with its interval, a forest plot.

Drawn from comparison.json's `slices` alone, like every plot. One shared axis (one metric, so
one scale), worst slice on top, the slices significantly worse after correction (or failing a
per-slice gate) in red. A lower-is-better metric is drawn mirrored so that right is always
better, as in the metric-delta plot. With many slices, the worst `MAX_ROWS` are drawn and the
title says how many of how many.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelci.documents import Comparison, SliceEntry, SliceMetric
from modelci.report.numbers import ci_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_ROWS = 30
LABEL_CHARS = 32
# plots.GATE_COLOURS' failure red; the rest in the candidate's blue.
FLAGGED = "#d62728"
OTHER = "#1f77b4"


@dataclass(frozen=True, kw_only=True)
class Forest:
    """How to draw the plot and its size in inches (constrained layout: labels are data)."""

    draw: Callable[[Figure], None]
    size: tuple[float, float]


@dataclass(frozen=True, kw_only=True)
class _Row:
    label: str
    delta: float
    low: float | None
    high: float | None
    flagged: bool


def forest(comparison: Comparison, *, width: float = 6.0) -> Forest | None:
    """The forest plot of the primary metric (else the first sliced one); None without slices."""
    report = comparison.slices
    if report is None or not report.slices or not report.metrics:
        return None
    metric = comparison.primary if comparison.primary in report.metrics else report.metrics[0]
    overall = comparison.metric(metric)
    lower_is_better = overall is not None and overall.higher_is_better is False
    failures = {(f.slice, f.metric) for f in report.gate_failures}
    found: list[tuple[SliceEntry, SliceMetric]] = [
        (entry, m)
        for entry in report.slices
        if (m := entry.metric(metric)) is not None and m.delta is not None
    ]
    if not found:
        return None

    def worsening(m: SliceMetric) -> float:
        delta = float(m.delta or 0.0)
        return delta if lower_is_better else -delta

    def flagged(entry: SliceEntry, m: SliceMetric) -> bool:
        return m.worse or (entry.name, m.name) in failures

    # Flagged slices first so the cut never hides one, then the largest worsening.
    found.sort(key=lambda pair: (not flagged(*pair), -worsening(pair[1])))
    rows = [
        _Row(
            label=f"{_label(entry.name)} (n={entry.rows:,})",
            delta=float(m.delta or 0.0),
            low=m.ci[0] if m.ci else None,
            high=m.ci[1] if m.ci else None,
            flagged=flagged(entry, m),
        )
        for entry, m in found[:MAX_ROWS]
    ]
    title = f"{_label(metric)} Δ by slice (candidate − baseline), {ci_label(comparison.confidence)}"
    if len(found) > len(rows):
        title += f"\nworst {len(rows)} of {len(found)} slices"

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        positions = list(range(len(rows) - 1, -1, -1))  # the worst on top
        ax.axvline(0, color="#444444", linewidth=1)
        for y, row in zip(positions, rows, strict=True):
            colour = FLAGGED if row.flagged else OTHER
            if row.low is not None and row.high is not None:
                ax.plot([row.low, row.high], [y, y], color=colour, linewidth=2)
            ax.plot([row.delta], [y], marker="o", color=colour, markersize=5, linestyle="none")
        # The data's range and zero, not a symmetric one: one drop of 0.9 beside nine slices
        # near zero would otherwise leave half the axis empty and the nine on one pixel.
        values = [0.0, *(v for r in rows for v in (r.delta, r.low, r.high) if v is not None)]
        pad = 0.06 * (max(values) - min(values)) or 0.01
        low, high = min(values) - pad, max(values) + pad
        ax.set_xlim((high, low) if lower_is_better else (low, high))
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_yticks(positions, [row.label for row in rows])
        ax.grid(axis="y", visible=False)
        ax.set_title(title)
        mirrored = "; lower is better, drawn mirrored" if lower_is_better else ""
        ax.set_xlabel(f"← worse      better →{mirrored}", fontsize=8)
        legend = [(FLAGGED, "significantly worse after correction"), (OTHER, "not significant")]
        present = [
            (c, text) for c, text in legend if any((c == FLAGGED) == r.flagged for r in rows)
        ]
        handles = [ax.plot([], [], marker="o", linestyle="none", color=c)[0] for c, _ in present]
        ax.legend(handles, [text for _, text in present], loc="best", fontsize=7)

    return Forest(draw=draw, size=(width, max(2.4, 1.1 + 0.26 * len(rows))))


def _label(text: str) -> str:
    """A slice name as a tick label (`plots._short`: one line, shortened, "$" escaped)."""
    from modelci import plots  # which imports this module to draw the forest

    return plots._short(text, LABEL_CHARS)
