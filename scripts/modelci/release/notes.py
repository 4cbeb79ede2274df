"""Release notes: the metrics table, with deltas against the model's previous release.

Built as data (`build` → `ReleaseNotes`), rendered purely (`render`). The deltas compare point
values each release measured on its own test rows; they are a changelog, not a test. The
paired comparison with intervals and p-values is `modelci compare` (the baseline command
fetches a release for it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelci.documents import Evaluation, RunInfo
from modelci.release.tags import ReleaseTag
from modelci.report.markdown import escape
from modelci.report.numbers import Precision, ci_label, number

DASH = "—"
# Operational numbers in metrics.json that are not in evaluation.json's metrics, and whether
# higher is better: a smaller model is better; latency depends on the machine that measured it,
# so its delta gets no verdict.
OPERATIONAL: dict[str, bool | None] = {"model_size_bytes": False, "latency_ms_per_1k_rows": None}
MARKER = "<!-- modelci:release -->"


@dataclass(frozen=True, kw_only=True)
class MetricLine:
    name: str
    value: float | None
    ci: tuple[float, float] | None = None
    previous: float | None = None
    higher_is_better: bool | None = None
    primary: bool = False

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> str | None:
        """Better, worse or same (None without a previous value or a known direction)."""
        delta = self.delta
        if delta is None or self.higher_is_better is None:
            return None
        if math.isclose(delta, 0.0, abs_tol=1e-12):
            return "same"
        return "better" if (delta > 0) == self.higher_is_better else "worse"


@dataclass(frozen=True, kw_only=True)
class ReleaseNotes:
    tag: ReleaseTag
    estimator: str
    task: str
    rows: int | None
    confidence: float
    lines: tuple[MetricLine, ...]
    card_url: str
    sums_url: str
    model_sha256: str | None  # None: a predictions run has no model file
    description: str | None = None
    previous_tag: str | None = None
    previous_url: str | None = None
    # Why there are no deltas though a previous release exists (markdown: tags in code).
    previous_problem: str | None = None
    # The trend plot over the previous releases and this one (an asset), and how many it shows.
    trend_url: str | None = None
    trend_releases: int = 0


def metric_lines(
    evaluation: Evaluation,
    metrics: Mapping[str, float | None],
    previous: Mapping[str, Any] | None,
) -> list[MetricLine]:
    """One line per metric, primary first, then the operational ones; previous values from the
    earlier release's metrics.json (a flat {name: number})."""

    def earlier(name: str) -> float | None:
        value = (previous or {}).get(name)
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    primary = evaluation.primary
    lines = [
        MetricLine(
            name=m.name,
            value=m.value,
            ci=m.ci,
            previous=earlier(m.name),
            higher_is_better=m.higher_is_better,
            primary=m.name == primary,
        )
        for m in sorted(evaluation.metrics, key=lambda m: m.name != primary)
    ]
    for name, higher in OPERATIONAL.items():
        value = metrics.get(name)
        if evaluation.metric(name) is None and value is not None:
            lines.append(
                MetricLine(
                    name=name, value=float(value), previous=earlier(name), higher_is_better=higher
                )
            )
    return lines


def build(
    *,
    tag: ReleaseTag,
    info: RunInfo,
    evaluation: Evaluation,
    metrics: Mapping[str, float | None],
    card_url: str,
    sums_url: str,
    previous_tag: str | None = None,
    previous_url: str | None = None,
    previous_metrics: Mapping[str, Any] | None = None,
    previous_problem: str | None = None,
    trend_url: str | None = None,
    trend_releases: int = 0,
) -> ReleaseNotes:
    card = info.config.get("card")
    description = card.get("description") if isinstance(card, Mapping) else None
    return ReleaseNotes(
        tag=tag,
        estimator=_estimator(info),
        task=info.task,
        rows=evaluation.n_rows,
        confidence=evaluation.confidence,
        lines=tuple(metric_lines(evaluation, metrics, previous_metrics)),
        card_url=card_url,
        sums_url=sums_url,
        model_sha256=info.model.sha256 if info.model is not None else None,
        description=description.strip()
        if isinstance(description, str) and description.strip()
        else None,
        previous_tag=previous_tag,
        previous_url=previous_url,
        previous_problem=previous_problem,
        trend_url=trend_url,
        trend_releases=trend_releases,
    )


def _estimator(info: RunInfo) -> str:
    if info.estimator is not None:
        return info.estimator.class_name
    if info.model is not None:  # a training script's model: no estimator modelci built
        return f"{info.model.flavour_name} model"
    return "predictions"


def render(notes: ReleaseNotes) -> str:
    """The release body (GitHub markdown)."""
    parts = [MARKER, f"## {escape(notes.tag.title)}\n"]
    if notes.description:
        parts.append(notes.description + "\n")
    rows = f" on {number(notes.rows)} test rows" if notes.rows is not None else ""
    what = f"`{notes.estimator}`" if notes.model_sha256 else "Predictions only, no model file"
    parts.append(
        f"{what} ({escape(notes.task)}), evaluated{rows}. "
        f"Intervals are {ci_label(notes.confidence)}s.\n"
    )
    compared = notes.previous_tag is not None and notes.previous_problem is None
    headers = ["Metric", "Value", ci_label(notes.confidence)]
    if compared:
        headers += [f"`{notes.previous_tag}`", "Δ"]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|---|" + "---:|" * (len(headers) - 1),
    ]
    for line in notes.lines:
        name = f"**{escape(line.name)}**" if line.primary else escape(line.name)
        # The value's interval sets the row's decimals: a delta finer than it is noise.
        row = Precision.of(line.ci, line.value, line.previous if compared else None)
        cells = [name, row.value(line.value), row.interval(line.ci)]
        if compared:
            delta = row.delta(line.delta)
            if line.direction in ("better", "worse"):
                delta += f" ({line.direction})"
            cells += [row.value(line.previous), delta]
        lines.append("| " + " | ".join(cells) + " |")
    parts.append("\n".join(lines) + "\n")
    if compared:
        # A tag is code: `name@v1` in plain text would be a mention.
        previous = f"`{notes.previous_tag}`"
        if notes.previous_url:
            previous = f"[{previous}]({notes.previous_url})"
        parts.append(
            f"Δ is against {previous}, the previous release of this model: each value was "
            "measured on its own release's test rows, so this is a changelog, not a test "
            "(`modelci compare` gives the paired comparison).\n"
        )
    elif notes.previous_problem:
        parts.append(f"No deltas: {notes.previous_problem}.\n")
    else:
        parts.append("The first release of this model: nothing to compare with.\n")
    if notes.trend_url:
        count = notes.trend_releases
        what = f"the previous release{'s' if count != 1 else ''}"
        parts.append(
            f"📈 [Trend]({notes.trend_url}) of the primary and gated metrics over {what} "
            f"({count}) and this one, each on its own test rows:\n\n"
            f"[![Metrics over the last releases]({notes.trend_url})]({notes.trend_url})\n"
        )
    parts.append(
        f"📄 [Model card]({notes.card_url}) · [SHA256SUMS]({notes.sums_url}) · "
        + (
            f"model sha256 `{notes.model_sha256}`"
            if notes.model_sha256
            else "predictions only: no model file"
        )
        + "\n"
    )
    return "\n".join(parts)
