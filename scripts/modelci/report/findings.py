"""What a comparison found beyond the whole-test-set table: where and how the candidate got worse.

The warnings under the headline (an ungated metric significantly worse, a gate too weak to
have failed), the worst slices, prediction churn and the trend across releases. Every section
here is collapsed and bounded in length (a few rows, "… N more"), so a comparison over hundreds
of slices or classes still keeps the headline and the metrics table within the comment's cap.
Slice names, class labels and release tags are data values: they stay text spans, which each
renderer escapes, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelci import gates
from modelci.documents import (
    BestComparison,
    ChurnGate,
    ChurnReport,
    FlipCounts,
    HistoryReport,
    SliceEntry,
    SliceMetric,
    SliceReport,
)
from modelci.report.blocks import (
    Block,
    Bullets,
    Image,
    Images,
    Paragraph,
    Section,
    Span,
    Table,
    code,
    inline,
    numbers,
    plural,
    strong,
)
from modelci.report.inputs import Comparison, MetricDelta, Report
from modelci.report.numbers import DASH, Precision, ci_label, decimals_for, p_relation, p_value

NAME_CHARS = 80  # longest slice or class name a table cell shows
SLICES_PLOT = "plots/slices.png"
HISTORY_PLOT = "plots/history.png"
# Bounds that keep each section short whatever the data: the rest is in comparison.json.
MAX_WARNINGS = 5
MAX_SLICE_ROWS = 15
FALLBACK_SLICES = 3
MAX_TOO_SMALL = 10
MAX_CLASSES = 10
CHURN_SLICES = 5
HISTORY_ROWS = 5
CORRECTIONS = {"holm": "Holm", "benjamini-hochberg": "Benjamini–Hochberg"}
# Why each correction, in the words the section's note uses.
CORRECTION_WHY = {
    "holm": "it bounds the chance of even one false alarm across all tests",
    "benjamini-hochberg": "it bounds the expected share of false alarms among the flagged",
}
RELATIVE_KEYS = ("max_drop", "max_drop_pct", "max_rise", "max_rise_pct")


# --- under the headline ----------------------------------------------------------------------


def headline_warnings(comparison: Comparison) -> list[Block]:
    """⚠️ lines: each ungated metric significantly worse after correction, then each passing
    gate's warning: inconclusive (it could not have seen a worsening as large as its
    tolerance), or a from-best gate left unchecked for want of a release history."""
    worse = [m for m in comparison.metrics if m.gate.status == "none" and m.worse]
    blocks: list[Block] = [_ungated_line(m) for m in worse[:MAX_WARNINGS]]
    if len(worse) > MAX_WARNINGS:
        more = len(worse) - MAX_WARNINGS
        blocks.append(
            Paragraph(
                spans=inline(
                    f"⚠️ {more} more ungated {plural(more, 'metric')} got significantly worse: "
                    "see the metrics table"
                )
            )
        )
    weak = [m for m in comparison.metrics if m.gate.warning]
    for metric in weak[:MAX_WARNINGS]:
        warning = str(metric.gate.warning)
        lead = " gate: "
        if warning.startswith("inconclusive:"):
            lead, warning = " gate is inconclusive: ", warning.removeprefix("inconclusive:")
        blocks.append(Paragraph(spans=inline("⚠️ ", strong(metric.name), lead, warning.strip())))
    if len(weak) > MAX_WARNINGS:
        more = len(weak) - MAX_WARNINGS
        blocks.append(
            Paragraph(spans=inline(f"⚠️ {more} more {plural(more, 'gate')} with a warning"))
        )
    return blocks


def _ungated_line(metric: MetricDelta) -> Paragraph:
    row = Precision.of_delta(metric)
    detail = f"Δ {row.delta(metric.delta)}, Holm-adjusted p {p_relation(metric.adjusted_p)}"
    spans = inline("⚠️ ", strong(metric.name), " got significantly worse (", *numbers(detail))
    return Paragraph(spans=(*spans, *inline(") but has no gate")))


def gated_names(comparison: Comparison) -> set[str]:
    """The gates a comparison applied: each gated metric, and churn when it has a gate."""
    names = {m.name for m in comparison.metrics if m.gate.status != "none"}
    if comparison.churn is not None and comparison.churn.gate is not None:
        names.add("churn")
    return names


# --- the metrics table's power column --------------------------------------------------------


def is_relative(metric: MetricDelta) -> bool:
    return any(key in RELATIVE_KEYS for key, _ in metric.gate.rule)


def tolerance(metric: MetricDelta) -> float | None:
    """The allowed worsening in metric units, as `gates.tolerance` computes it from the rule."""
    rule = dict(metric.gate.rule)
    higher = metric.higher_is_better is not False
    absolute = rule.get("max_drop" if higher else "max_rise")
    percent = rule.get("max_drop_pct" if higher else "max_rise_pct")
    # A document's rule is untrusted data: only numbers are tolerances.
    return gates.allowed_worsening(
        float(absolute) if isinstance(absolute, int | float) else None,
        float(percent) if isinstance(percent, int | float) else None,
        metric.baseline,
    )


def detectable_cell(metric: MetricDelta) -> str:
    """ "0.031 (tol 0.02)": the smallest worsening these rows detect, beside the tolerance;
    ⚠️ on a pass when it exceeds the tolerance (a pass that could hardly have failed)."""
    if not is_relative(metric) or metric.minimum_detectable is None:
        return DASH
    row = Precision.of_delta(metric)
    text = row.value(metric.minimum_detectable)
    allowed = tolerance(metric)
    if allowed is None:
        return text
    weak = metric.gate.status == "pass" and metric.minimum_detectable > allowed
    flag = "⚠️ " if weak else ""
    return f"{flag}{text} (tol {allowed:.4g})"


# --- worst slices ----------------------------------------------------------------------------

# One metric on one slice, as a row of the worst-slices table.
Finding = tuple[SliceEntry, SliceMetric]


def worst_slices(comparison: Comparison) -> Section | None:
    report = comparison.slices
    if report is None:
        return None
    if report.unavailable:
        return Section(
            key="slices",
            title="Worst slices: not measured",
            blocks=(Paragraph(spans=inline(report.unavailable)),),
            collapsed=True,
        )
    failures = {(f.slice, f.metric) for f in report.gate_failures}
    flagged = _flagged(comparison, report)
    blocks = _slice_findings(comparison, report, flagged, failures)
    if report.too_small:
        blocks.append(_too_small(report))
    if SLICES_PLOT in comparison.plots:
        title = f"{_slice_primary(comparison, report)} Δ by slice"
        blocks.append(Images(images=(Image(path=SLICES_PLOT, title=title),)))
    if report.slices:
        blocks.append(_slices_note(report))
    return Section(
        key="slices",
        title=_slices_title(report, flagged, failures),
        blocks=tuple(blocks),
        collapsed=True,
    )


def _slices_title(
    report: SliceReport, flagged: Sequence[Finding], failures: set[tuple[str, str]]
) -> str:
    if not report.slices:
        return f"Worst slices: none with at least {report.min_rows:,} rows"
    icon = "❌ " if failures else "⚠️ " if flagged else ""
    worse = len({entry.name for entry, _ in flagged})
    return (
        f"{icon}Worst slices: {f'{worse:,}' if flagged else 'none'} of {len(report.slices):,} "
        f"significantly worse after {_correction(report)} correction ({report.tests:,} tests)"
    )


def _slice_findings(
    comparison: Comparison,
    report: SliceReport,
    flagged: Sequence[Finding],
    failures: set[tuple[str, str]],
) -> list[Block]:
    """The flagged rows; else the largest drops of the primary metric, saying so."""
    if flagged:
        blocks: list[Block] = [_slice_table(comparison, flagged[:MAX_SLICE_ROWS], failures)]
        if len(flagged) > MAX_SLICE_ROWS:
            more = f"… {len(flagged) - MAX_SLICE_ROWS:,} more in comparison.json"
            blocks.append(Paragraph(spans=inline(more), small=True))
        return blocks
    if not report.slices:
        return []
    metric = _slice_primary(comparison, report)
    drops = _largest_drops(comparison, report, metric)
    if not drops:
        text = inline("None significantly worse, and no slice dropped on ", strong(metric))
        return [Paragraph(spans=text)]
    text = inline("None significantly worse; largest drops shown (", strong(metric), ").")
    return [Paragraph(spans=text), _slice_table(comparison, drops, failures)]


def _slices_note(report: SliceReport) -> Paragraph:
    why = CORRECTION_WHY.get(report.correction)
    text = (
        "Δ = candidate − baseline on each slice's rows, with the same paired tests as the whole "
        f"test set; adjusted p: {_correction(report)} across {report.tests:,} slice × metric "
        f"tests at α = {report.alpha:g}"
    )
    return Paragraph(spans=inline(text + (f", since {why}." if why else ".")), small=True)


def _correction(report: SliceReport) -> str:
    return CORRECTIONS.get(report.correction, report.correction)


def _flagged(comparison: Comparison, report: SliceReport) -> list[Finding]:
    """Slices × metrics significantly worse, and those failing a per-slice gate, worst first:
    gate failures, then by adjusted p, then by how far the metric moved the bad way."""
    failures = {(f.slice, f.metric) for f in report.gate_failures}
    found = [
        (entry, metric)
        for entry in report.slices
        for metric in entry.metrics
        if metric.worse or (entry.name, metric.name) in failures
    ]
    return sorted(
        found,
        key=lambda pair: (
            (pair[0].name, pair[1].name) not in failures,
            pair[1].adjusted_p if pair[1].adjusted_p is not None else 1.0,
            -_worsening(comparison, pair[1].name, pair[1].delta),
        ),
    )


def _worsening(comparison: Comparison, metric: str, delta: float | None) -> float:
    """How far `delta` moved the metric the bad way (negative: it improved)."""
    if delta is None:
        return float("-inf")
    overall = comparison.metric(metric)
    higher = overall is None or overall.higher_is_better is not False
    return -delta if higher else delta


def _slice_primary(comparison: Comparison, report: SliceReport) -> str:
    if comparison.primary in report.metrics or not report.metrics:
        return comparison.primary
    return report.metrics[0]


def _largest_drops(comparison: Comparison, report: SliceReport, metric: str) -> list[Finding]:
    found = [
        (entry, m)
        for entry in report.slices
        if (m := entry.metric(metric)) is not None and _worsening(comparison, metric, m.delta) > 0
    ]
    found.sort(key=lambda pair: -_worsening(comparison, metric, pair[1].delta))
    return found[:FALLBACK_SLICES]


def _slice_table(
    comparison: Comparison, findings: Sequence[Finding], failures: set[tuple[str, str]]
) -> Table:
    rows = []
    for entry, metric in findings:
        row = Precision.of_delta(metric)
        failed = (entry.name, metric.name) in failures
        rows.append(
            (
                inline(shown(entry.name)),
                numbers(f"{entry.rows:,}"),
                inline("❌ " if failed else "", metric.name),
                numbers(row.value(metric.baseline)),
                numbers(row.value(metric.candidate)),
                numbers(row.delta(metric.delta)),
                numbers(row.interval(metric.ci, sign=True)),
                numbers(p_value(metric.adjusted_p)),
            )
        )
    return Table(
        headers=(
            "slice",
            "rows",
            "metric",
            "baseline",
            "candidate",
            "Δ",
            ci_label(comparison.confidence),
            "adjusted p",
        ),
        rows=tuple(rows),
        align=("left", "right", "left", "right", "right", "right", "right", "right"),
        noun="slices",
        tags=tuple("fail" if (e.name, m.name) in failures else None for e, m in findings),
    )


def shown(name: str) -> str:
    """A slice or class name as a cell shows it: data values can be any length, and a few
    5,000-character names would push whole sections out at the cap (comparison.json keeps
    the full names)."""
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _too_small(report: SliceReport) -> Paragraph:
    named = sorted(report.too_small.items(), key=lambda item: (-item[1], item[0]))
    parts: list[str | Span] = [f"Too small to test (fewer than {report.min_rows:,} rows): "]
    for index, (name, rows) in enumerate(named[:MAX_TOO_SMALL]):
        parts += [", " if index else "", shown(name), f" ({rows:,})"]
    if len(named) > MAX_TOO_SMALL:
        parts.append(f", and {len(named) - MAX_TOO_SMALL:,} more")
    return Paragraph(spans=inline(*parts), small=True)


# --- churn -----------------------------------------------------------------------------------


def churn(comparison: Comparison) -> Section | None:
    report = comparison.churn
    if report is None:
        return None
    overall = report.overall
    failed = report.gate is not None and report.gate.status == "fail"
    title = (
        f"{'❌ ' if failed else ''}Prediction churn: {overall.changed:,} of {overall.rows:,} "
        f"{'rows' if report.threshold is not None else 'predictions'} changed "
        f"({share(overall.changed, overall.rows)}), {overall.harmful:,} harmful, "
        f"{overall.helpful:,} helpful"
    )
    blocks: list[Block] = [Paragraph(spans=inline(_churn_meaning(report)), small=True)]
    counts = [(inline(strong("all rows")), overall)]
    classes = list(report.per_class)
    if len(classes) > MAX_CLASSES:
        classes = sorted(classes, key=lambda c: -c.harmful)[:MAX_CLASSES]
    counts += [(inline("class ", shown(c.name or DASH)), c) for c in classes]
    blocks.append(_counts_table("", counts, noun="classes"))
    if len(report.per_class) > MAX_CLASSES:
        more = len(report.per_class) - MAX_CLASSES
        blocks.append(
            Paragraph(
                spans=inline(f"Classes with the most harmful flips shown; {more:,} more."),
                small=True,
            )
        )
    harmful = [s for s in report.per_slice if s.harmful]
    harmful.sort(key=lambda s: (-s.harmful, -(s.harmful / s.rows if s.rows else 0.0)))
    if harmful:
        top = [(inline(shown(s.name or DASH)), s) for s in harmful[:CHURN_SLICES]]
        blocks.append(_counts_table("slice (most harmful flips)", top, noun="slices"))
    if report.gate is not None:
        blocks.append(_churn_gate(comparison, report))
    if report.flips_file:
        blocks.append(
            Paragraph(
                spans=inline("Row ids in ", code(report.flips_file), " (artifact)."), small=True
            )
        )
    return Section(key="churn", title=title, blocks=tuple(blocks), collapsed=True)


def share(count: int, rows: int) -> str:
    """A count's share of its rows as a percentage; a nonzero share never reads as 0%.

    >>> share(25, 1000), share(1, 5000), share(0, 10), share(3, 0)
    ('2.5%', '<0.1%', '0%', '—')
    """
    if rows <= 0:
        return DASH
    return _percent(count / rows)


def _percent(value: float, decimals: int = 1) -> str:
    if value == 0:
        return "0%"
    if 0 < abs(value) < 10.0 ** -(decimals + 2):
        return f"<{10.0**-decimals:.{decimals}f}%"
    return f"{value:.{decimals}%}"


def _gate_percent_decimals(gate: ChurnGate) -> int:
    """Decimals (in percent) that show the interval's width with two significant digits and
    keep the rate and the limit apart: 2.04% against 2% must not read "2.0% against 2.0%"."""
    values = [100 * gate.rate, 100 * gate.max_harmful]
    ci = None if gate.ci is None else (100 * gate.ci[0], 100 * gate.ci[1])
    return max(1, decimals_for(ci, *values) or 1)


def _churn_meaning(report: ChurnReport) -> str:
    if report.threshold is not None:
        limit = Precision.of(None, report.threshold).value(report.threshold)
        return (
            f"Changed: the row's absolute error moved by more than {limit}; harmful: it grew "
            "by more, helpful: it shrank by more. Both models scored the same rows."
        )
    return (
        "Changed: the predicted class changed; harmful: right → wrong, helpful: wrong → "
        "right. Both models scored the same rows."
    )


def _counts_table(
    first: str, rows: Sequence[tuple[tuple[Span, ...], FlipCounts]], *, noun: str
) -> Table:
    def cell(count: int, total: int) -> tuple[Span, ...]:
        return numbers(f"{count:,} ({share(count, total)})")

    return Table(
        headers=(first, "rows", "changed", "harmful", "helpful"),
        rows=tuple(
            (
                label,
                numbers(f"{c.rows:,}"),
                cell(c.changed, c.rows),
                cell(c.harmful, c.rows),
                cell(c.helpful, c.rows),
            )
            for label, c in rows
        ),
        align=("left", "right", "right", "right", "right"),
        noun=noun,
    )


def _churn_gate(comparison: Comparison, report: ChurnReport) -> Bullets:
    """The gate's numbers; its reason, which says the same in words, is in "Failed gates"."""
    gate = report.gate
    assert gate is not None
    verdict = "✅ passes" if gate.status == "pass" else "❌ fails"
    places = _gate_percent_decimals(gate)
    detail = f"harmful {_percent(gate.rate, places)}"
    if gate.ci is not None:
        low, high = (_percent(end, places) for end in gate.ci)
        detail += f" ({ci_label(comparison.confidence)} [{low}, {high}])"
    # The limit as written in the config: 0.0005 is 0.05%, not "<0.1%".
    detail += f" against max_harmful {100 * gate.max_harmful:g}%"
    if gate.p_value is not None:
        detail += f", one-sided p {p_relation(gate.p_value)}"
    return Bullets(items=(inline(strong("churn gate"), f" {verdict}: ", *numbers(detail)),))


# --- history ---------------------------------------------------------------------------------


def history(report: Report, comparison: Comparison) -> Section | None:
    trend = comparison.history
    if trend is None or (not trend.releases and not trend.from_best):
        return None
    metric = trend.metrics[0] if trend.metrics else comparison.primary
    failed = [best for best in trend.from_best if best.status == "fail"]
    shown = trend.releases[-HISTORY_ROWS:]
    count = len(trend.releases)
    trend_text = f"{metric} over the last {count} {plural(count, 'release')}"
    title = f"{'❌ ' if failed else ''}History: {trend_text if count else 'no recorded releases'}"
    blocks: list[Block] = []
    if HISTORY_PLOT in comparison.plots:
        blocks.append(Images(images=(Image(path=HISTORY_PLOT, title=f"{metric} by release"),)))
    if shown:
        blocks.append(_releases_table(report, comparison, trend, metric))
        blocks.append(
            Paragraph(
                spans=inline(
                    "Each release as its own evaluation recorded it, on its own test rows; "
                    "the last row is this candidate."
                ),
                small=True,
            )
        )
    if trend.from_best:
        blocks.append(Bullets(items=tuple(_from_best(comparison, b) for b in trend.from_best)))
    return Section(key="history", title=title, blocks=tuple(blocks), collapsed=True)


def _releases_table(
    report: Report, comparison: Comparison, trend: HistoryReport, metric: str
) -> Table:
    label = ci_label(comparison.confidence)
    points = []
    for point in trend.releases[-HISTORY_ROWS:]:
        recorded = point.metrics.get(metric)
        value, ci = (recorded.value, recorded.ci) if recorded else (None, None)
        points.append((point, value, ci, Precision.of(ci, value)))
    # A row without an interval takes the finest decimals of those with one, so the column
    # does not switch between 0.934 and 0.9180.
    column = max(
        (row.decimals for *_, ci, row in points if ci and row.decimals is not None), default=None
    )
    rows = []
    for point, value, ci, row in points:
        if ci is None and column is not None:
            row = Precision(column)
        rows.append(
            (
                inline(point.tag),
                inline((point.published_at or DASH)[:10]),
                numbers(DASH if point.n_rows is None else f"{point.n_rows:,}"),
                numbers(row.value(value)),
                numbers(row.interval(ci)),
            )
        )
    candidate = comparison.metric(metric)
    value = candidate.candidate if candidate else None
    measured = report.candidate.metric(metric) if report.candidate else None
    ci = measured.ci if measured is not None else None
    row = Precision.of(ci, value) if ci is not None or column is None else Precision(column)
    rows.append(
        (
            inline(strong(comparison.candidate.label)),
            inline("this pull request"),
            numbers(DASH if comparison.n_rows is None else f"{comparison.n_rows:,}"),
            numbers(row.value(value)),
            numbers(row.interval(ci)),
        )
    )
    return Table(
        headers=("release", "published", "test rows", metric, label),
        rows=tuple(rows),
        align=("left", "left", "right", "right", "right"),
        noun="releases",
    )


def _from_best(comparison: Comparison, best: BestComparison) -> tuple[Span, ...]:
    icon = "✅" if best.status == "pass" else "❌"
    row = Precision.of(best.ci, best.best, best.candidate, best.delta)
    detail = f"Δ {row.delta(best.delta)}"
    if best.ci is not None:
        detail += f", {ci_label(comparison.confidence)} {row.interval(best.ci, sign=True)}"
    if best.p_value is not None:
        detail += f", p {p_relation(best.p_value)}"
    where = "re-scored on these test rows" if best.rescored else "the baseline's scores"
    parts: list[Any] = [
        f"{icon} ",
        strong(best.metric),
        f" vs the best of the last {best.releases} {plural(best.releases, 'release')} (",
        best.best_tag,
        f", {where}): ",
        *numbers(detail),
        f"; tolerance {best.tolerance:g}",
    ]
    if best.status == "fail" and best.reason:
        parts.append(f": {best.reason}")
    return inline(*parts)
