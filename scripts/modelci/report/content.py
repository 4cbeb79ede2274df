"""The report as data: sections of paragraphs, bullets, tables and images.

Both renderers (markdown for the PR comment and job summary, HTML for local viewing) draw the
same sections, so the two never disagree about what a report says. Numbers are formatted here,
once; user-provided text stays raw and each renderer escapes it for its own format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from modelci.plots import TITLES
from modelci.report import findings
from modelci.report.blocks import (
    Block,
    Bullets,
    Image,
    Images,
    Inline,
    Paragraph,
    Section,
    Span,
    Table,
    plural,
)
from modelci.report.blocks import code as _code
from modelci.report.blocks import inline as _t
from modelci.report.blocks import left as _left
from modelci.report.blocks import numbers as _n
from modelci.report.blocks import right as _right
from modelci.report.blocks import strong as _strong
from modelci.report.inputs import (
    Comparison,
    DataCheck,
    Evaluation,
    GateChange,
    MetricDelta,
    MetricValue,
    Report,
    RunFacts,
)
from modelci.report.numbers import (
    DASH,
    Precision,
    ci_label,
    number,
    p_relation,
    p_value,
    size,
)

# A skipped check (e.g. no training rows for the duplicate check) reads as a warning.
STATUS_ICON = {"ok": "✅", "warn": "⚠️", "skipped": "⚠️", "fail": "❌"}
GATE_CELL = {"pass": "✅ pass", "fail": "❌ fail", "none": "— no gate"}
TOP_FEATURES = 20
HASH_CHARS = 12
# What evaluate cannot measure without a model; a predictions run says so once, in these words.
MODEL_MEASURES = ("importance", "latency_ms_per_1k_rows", "model_size_bytes")
NEEDS_A_MODEL = "Latency, size and permutation importance need a model"


def build_sections(report: Report) -> list[Section]:
    """The report's sections, in reading order; optional ones are left out when empty."""
    sections: list[Section | None]
    if report.comparison is not None:
        comparison = report.comparison
        # Top-down as a reviewer reads: the verdict, what got worse and where, then details.
        slices = findings.worst_slices(comparison)
        trend = findings.history(report, comparison)
        sections = [
            _comparison_headline(report, comparison),
            _failed_gates(comparison),
            slices,
            _comparison_metrics(comparison),
            findings.churn(comparison),
            trend,
        ]
        checks = comparison.data_checks
        # The slice and history plots show in their own sections, when those are there.
        apart = {findings.SLICES_PLOT: slices, findings.HISTORY_PLOT: trend}
        plots = [path for path in report.plots if apart.get(path) is None]
    else:
        assert report.candidate is not None
        sections = [_evaluation_headline(report, report.candidate)]
        sections.append(_evaluation_metrics(report.candidate))
        checks = report.candidate.data_checks
        plots = list(report.plots)
    sections += [
        _data_checks(checks),
        _plots(plots),
        _per_class(report),
        _confusion_matrix(report),
        _importance(report),
        _run_facts(report),
    ]
    return [section for section in sections if section is not None]


def short_class(dotted: str | None) -> str:
    return dotted.rsplit(".", 1)[-1] if dotted else "unknown estimator"


def model_label(run: RunFacts | None) -> list[str | Span]:
    """What a run is, where a headline names it: the estimator's class and, when run.json
    records them, the library and version that wrote the model file (`LogisticRegression`
    (scikit-learn 1.5.2)); a model without an estimator (a script's ONNX file) by its flavour;
    "(predictions only)" for a run that has no model."""
    if run is None:
        return [_code(short_class(None))]
    if not run.has_model:
        return ["(predictions only)"]
    if run.estimator or not run.flavour:
        name = short_class(run.estimator)
    else:
        name = f"{run.flavour} model"
    library = library_text(run)
    return [_code(name), f" ({library})"] if library else [_code(name)]


def library_text(run: RunFacts) -> str | None:
    """ "xgboost 2.1.3": the library that wrote the model file, as recorded."""
    name = run.library or run.flavour
    if not name:
        return None
    return f"{name} {run.library_version}" if run.library_version else name


# For other section builders (the leaderboard), which compose the same inline runs.
inline, numbers, strong, code = _t, _n, _strong, _code


# --- headline and metrics --------------------------------------------------------------------


def _comparison_headline(report: Report, comparison: Comparison) -> Section:
    candidate = report.candidate_run.label if report.candidate_run else "candidate"
    baseline = report.baseline_run.label if report.baseline_run else "baseline"
    # Churn's gate counts like a metric's; slice and from-best failures fail their metric's.
    failed = len(comparison.failed_gates)
    total = len(findings.gated_names(comparison) | set(comparison.failed_gates))
    if comparison.verdict == "fail" and failed:
        title = f"❌ modelci: {candidate} fails {failed} of {total} gates against {baseline}"
    elif comparison.verdict == "fail":
        title = f"❌ modelci: {candidate} fails the comparison with {baseline}"
    elif total:
        gates = {1: "the gate", 2: "both gates"}.get(total, f"all {total} gates")
        title = f"✅ modelci: {candidate} passes {gates} against {baseline}"
    else:
        title = f"✅ modelci: {candidate} compared with {baseline} (no gates set)"

    blocks: list[Block] = []
    primary = comparison.metric(comparison.primary)
    if primary is not None:
        detail = delta_detail(primary, comparison.confidence)
        change = f", {primary.change}" if primary.change in ("better", "worse") else ""
        value = Precision.of_delta(primary).value(primary.candidate)
        blocks.append(
            Paragraph(
                spans=_t(
                    _strong(primary.name),
                    *_n(f" {value} ({detail}{change})"),
                )
            )
        )
    else:
        blocks.append(
            Paragraph(spans=_t("primary metric ", _strong(comparison.primary), " not compared"))
        )
    facts: list[str | Span] = [
        f"{candidate} ",
        *model_label(report.candidate_run),
        f" vs {baseline} ",
        *model_label(report.baseline_run),
    ]
    if comparison.n_rows is not None:
        facts.append(f" · {comparison.n_rows:,} test rows")
    if comparison.resamples:
        facts.append(f" · {comparison.resamples:,} resamples")
    if comparison.alpha is not None:
        facts.append(f" · α = {comparison.alpha:g}")
    if report.baseline_run and report.baseline_run.rescored:
        facts.append(f" · {baseline} re-scored on the {candidate}'s test rows")
    if comparison.gates_from == "baseline":
        facts.append(f" · gates from the {baseline}")
    blocks.append(Paragraph(spans=_t(*facts), small=True))
    blocks += findings.headline_warnings(comparison)
    if comparison.gate_changes:
        applied = (
            f"the {baseline}'s gates were applied"
            if comparison.gates_from == "baseline"
            else f"the {candidate}'s own gates were applied"
        )
        changes = "; ".join(gate_change_text(change) for change in comparison.gate_changes)
        blocks.append(
            Paragraph(
                spans=_t(
                    "⚠️ ",
                    _strong("this pull request changes the quality gates:"),
                    f" {changes} ({applied})",
                )
            )
        )
    if comparison.gates_note:
        blocks.append(Paragraph(spans=_t(f"ℹ️ {comparison.gates_note}"), small=True))
    blocks += _unmeasured(report)
    return Section(key="headline", title=title, blocks=tuple(blocks), headline=True)


def _unmeasured(report: Report) -> list[Block]:
    """Why size, latency or importance are absent: a side with only predictions, or what a
    model's flavour cannot report (evaluation.json `unavailable`)."""
    runs = [run for run in (report.candidate_run, report.baseline_run) if run is not None]
    without = [run.label for run in runs if not run.has_model]
    who = None
    if without:
        who = "this run has" if report.comparison is None else f"the {without[0]} has"
        who = "both runs have" if len(without) == 2 else who
    blocks: list[Block] = []
    if who is not None:
        blocks.append(
            Paragraph(spans=_t(f"ℹ️ {NEEDS_A_MODEL}; {who} only predictions."), small=True)
        )
    candidate = report.candidate_run
    if candidate is None:
        return blocks
    # A predictions run's own three are said above; anything else (or a model's) by name.
    other = [
        (name, why)
        for name, why in candidate.unavailable
        if candidate.has_model or name not in MODEL_MEASURES
    ]
    if other:
        whose = f" for the {candidate.label}" if report.comparison else ""
        parts: list[str | Span] = [f"ℹ️ Not measured{whose}: "]
        for index, (name, why) in enumerate(other):
            parts += (["; "] if index else []) + [_strong(name), f" ({why})"]
        blocks.append(Paragraph(spans=_t(*parts), small=True))
    return blocks


def gate_change_text(change: GateChange | dict[str, Any]) -> str:
    """One change, e.g. "roc_auc: max_drop 0.02 → no gate" or "compare.alpha: 0.05 → 1e-09".

    Takes a `GateChange` or an entry of comparison.json's `gate_changes` as it is.
    """
    if isinstance(change, dict):
        is_metric = bool(change.get("metric"))
        subject = str(change.get("metric") or change.get("setting"))
        before, after = change.get("before"), change.get("after")
    else:
        is_metric, subject = change.is_metric, change.subject
        before, after = change.before, change.after
    if is_metric:
        return f"{subject}: {_rule_text(before)} → {_rule_text(after)}"
    return f"{subject}: {_setting(before)} → {_setting(after)}"


def _rule_text(rule: Any) -> str:
    pairs = rule.items() if isinstance(rule, dict) else (rule or ())
    text = ", ".join(f"{key} {_setting(value)}" for key, value in pairs)
    return text or "no gate"


def _setting(value: Any) -> str:
    """A config value as written: numbers unrounded (alpha 1e-09 must not read as 0)."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, dict):
        # A nested rule (max_drop_from_best) as the YAML flow it was written in.
        return "{" + ", ".join(f"{key}: {_setting(item)}" for key, item in value.items()) + "}"
    return str(value)


def delta_detail(metric: MetricDelta, confidence: float) -> str:
    """The change in one metric, as a headline says it: "Δ +0.010, 95% CI [...], p = 0.003"."""
    row = Precision.of_delta(metric)
    detail = f"Δ {row.delta(metric.delta)}"
    if metric.ci is not None:
        detail += f", {ci_label(confidence)} {row.interval(metric.ci, sign=True)}"
    if metric.p_value is not None:
        detail += f", p {p_relation(metric.p_value)}"
    return detail


def _failed_gates(comparison: Comparison) -> Section | None:
    if not comparison.failed_gates:
        return None
    items = []
    for name in comparison.failed_gates:
        metric = comparison.metric(name)
        parts: list[str | Span] = ["❌ ", _strong(name)]
        churn = comparison.churn.gate if comparison.churn else None
        if metric is None and name == "churn" and churn is not None:
            parts.append(f": {churn.reason} (gate: max_harmful {_plain(churn.max_harmful)})")
        if metric is not None and metric.gate.reason:
            parts.append(f": {metric.gate.reason}")
        if metric is not None and metric.gate.rule:
            rule = ", ".join(f"{key} {_plain(value)}" for key, value in metric.gate.rule)
            parts.append(f" (gate: {rule})")
        items.append(_t(*parts))
    return Section(key="gates", title="Failed gates", blocks=(Bullets(items=tuple(items)),))


def _plain(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float):
        return number(float(value))
    if isinstance(value, dict):
        return _setting(value)
    return str(value)


def ordered(metrics: Sequence[MetricDelta], primary: str) -> list[MetricDelta]:
    """Failed gates first (what blocks the merge), then the primary metric, then the rest."""
    return sorted(metrics, key=lambda m: (m.gate.status != "fail", m.name != primary))


def _verdict(metric: MetricDelta) -> str:
    if metric.gate.status == "none" and metric.worse:
        # Significantly worse after correction across the metrics: the headline's ⚠️ line.
        return "⚠️ no gate, significantly worse"
    cell = GATE_CELL[metric.gate.status]
    return f"{cell}, {metric.change}" if metric.change else cell


def _metric_name(name: str, primary: str) -> Inline:
    return _t(_strong(name)) if name == primary else _t(name)


def _comparison_metrics(comparison: Comparison) -> Section:
    metrics = ordered(comparison.metrics, comparison.primary)
    label = ci_label(comparison.confidence)
    table = Table(
        headers=("metric", "baseline", "candidate", "Δ", label, "p", "verdict"),
        rows=tuple(_comparison_row(m, comparison.primary) for m in metrics),
        align=("left", "right", "right", "right", "right", "right", "left"),
        noun="metrics",
        tags=tuple(m.gate.status if m.gate.status != "none" else None for m in metrics),
    )
    note = Paragraph(
        spans=_t(
            f"Δ = candidate − baseline, on the same test rows; {label} and p from paired tests, "
            "each metric on its own. better/worse follows each metric's direction; "
            '"significantly worse" on an ungated metric holds after Holm\'s correction across '
            "all the metrics compared."
        ),
        small=True,
    )
    # Older comparison.json files recorded no power: no column of dashes for them.
    if not any(findings.is_relative(m) and m.minimum_detectable is not None for m in metrics):
        return Section(key="metrics", title="Metrics", blocks=(table, note))
    power = Paragraph(
        spans=_t(
            "detectable: the smallest worsening these test rows detect at α with 80% power, "
            "beside the gate's tolerance; ⚠️ where it exceeds the tolerance, so the gate could "
            "hardly have failed."
        ),
        small=True,
    )
    cells = [_n(findings.detectable_cell(m)) for m in metrics]
    return Section(
        key="metrics",
        title="Metrics",
        blocks=(
            _with_column(table, "detectable", cells, before=len(table.headers) - 1),
            note,
            power,
        ),
    )


def _with_column(table: Table, header: str, cells: Sequence[Inline], *, before: int) -> Table:
    """`table` with one more right-aligned column inserted at index `before`."""

    def spliced(row: Sequence[Any], cell: Any) -> tuple[Any, ...]:
        return (*row[:before], cell, *row[before:])

    return dataclasses.replace(
        table,
        headers=spliced(table.headers, header),
        rows=tuple(spliced(row, cell) for row, cell in zip(table.rows, cells, strict=True)),
        align=spliced(table.align, "right"),
    )


def _comparison_row(m: MetricDelta, primary: str) -> tuple[Inline, ...]:
    row = Precision.of_delta(m)
    return (
        _metric_name(m.name, primary),
        _n(row.value(m.baseline)),
        _n(row.value(m.candidate)),
        _n(row.delta(m.delta)),
        _n(row.interval(m.ci, sign=True)),
        _n(p_value(m.p_value)),
        _n(_verdict(m)),
    )


def _evaluation_headline(report: Report, evaluation: Evaluation) -> Section:
    blocks: list[Block] = []
    primary = evaluation.metric(evaluation.primary)
    if primary is not None:
        row = Precision.of(primary.ci, primary.value)
        detail = (
            f" ({ci_label(evaluation.confidence)} {row.interval(primary.ci)})" if primary.ci else ""
        )
        blocks.append(
            Paragraph(spans=_t(_strong(primary.name), *_n(f" {row.value(primary.value)}{detail}")))
        )
    facts: list[list[str | Span]] = []
    run = report.candidate_run
    if run is not None and not run.has_model:
        facts.append(["predictions only"])
    elif run is not None and (run.estimator or run.flavour):
        facts.append(model_label(run))
    if evaluation.n_rows is not None:
        facts.append([f"{evaluation.n_rows:,} test rows"])
    facts.append([f"{evaluation.task}"])
    joined: list[str | Span] = []
    for index, fact in enumerate(facts):
        joined += [" · ", *fact] if index else fact
    blocks.append(Paragraph(spans=_t(*joined), small=True))
    blocks += _unmeasured(report)
    title, gate_blocks = _absolute_gates(report, evaluation)
    return Section(key="headline", title=title, blocks=(*blocks, *gate_blocks), headline=True)


def _absolute_gates(report: Report, evaluation: Evaluation) -> tuple[str, list[Block]]:
    """An evaluation's title and its config's absolute gates (evaluation.json `gates`): what a
    first pull request, with no baseline yet, is held to; relative gates wait for one."""
    gates = evaluation.gates
    title = "📊 modelci evaluation"
    if gates is None:
        return title, []
    failed, total = len(gates.failed), len(gates.results)
    if failed:
        title = f"❌ modelci: candidate fails {failed} of {total} absolute gates (no baseline yet)"
    elif total:
        which = {1: "the absolute gate", 2: "both absolute gates"}.get(
            total, f"all {total} absolute gates"
        )
        title = f"✅ modelci: candidate passes {which} (no baseline yet)"
    blocks: list[Block] = []
    items = []
    for result in gates.failed:
        parts: list[str | Span] = ["❌ ", _strong(result.name), f": {result.gate.reason}"]
        if result.gate.rule:
            rule = ", ".join(f"{key} {_plain(value)}" for key, value in result.gate.rule)
            parts.append(f" (gate: {rule})")
        items.append(_t(*parts))
    if items:
        blocks.append(Bullets(items=tuple(items)))
    if gates.waiting:
        names: list[str | Span] = []
        for index, name in enumerate(gates.waiting):
            names += ([", "] if index else []) + [_strong(name)]
        blocks.append(
            Paragraph(
                spans=_t(
                    "ℹ️ Relative gates (",
                    *names,
                    ") wait for a baseline: they apply from the "
                    "first comparison, once a release or a baseline run exists.",
                ),
                small=True,
            )
        )
    return title, blocks


def _evaluation_metrics(evaluation: Evaluation) -> Section:
    metrics = sorted(evaluation.metrics, key=lambda m: m.name != evaluation.primary)
    blocks: list[Block] = [
        Table(
            headers=("metric", "value", ci_label(evaluation.confidence), "method"),
            rows=tuple(_evaluation_row(m, evaluation.primary) for m in metrics),
            align=("left", "right", "right", "left"),
            noun="metrics",
        )
    ]
    if evaluation.skipped_metrics:
        parts: list[str | Span] = ["Not computed: "]
        for index, (name, why) in enumerate(evaluation.skipped_metrics):
            parts += (["; "] if index else []) + [_strong(name), f" ({why})"]
        blocks.append(Paragraph(spans=_t(*parts), small=True))
    return Section(key="metrics", title="Metrics", blocks=tuple(blocks))


def _evaluation_row(m: MetricValue, primary: str) -> tuple[Inline, ...]:
    row = Precision.of(m.ci, m.value)
    return (
        _metric_name(m.name, primary),
        _n(row.value(m.value)),
        _n(row.interval(m.ci)),
        _t(m.method or DASH),
    )


# --- checks and plots ------------------------------------------------------------------------


def _data_checks(checks: Sequence[DataCheck]) -> Section | None:
    if not checks:
        return None
    # Problems first and in full; passing checks fold into one line.
    order = {"fail": 0, "warn": 1, "skipped": 1}
    problems = sorted((c for c in checks if c.status != "ok"), key=lambda c: order[c.status])
    fine = [c for c in checks if c.status == "ok"]
    items = [
        _t(f"{STATUS_ICON[c.status]} ", _strong(c.name), f": {c.detail}" if c.detail else "")
        for c in problems
    ]
    if fine:
        names = ", ".join(c.name for c in fine)
        lead = "all " if not problems else ""
        items.append(_t(f"✅ {lead}{len(fine)} {plural(len(fine), 'check')} passed: {names}"))
    return Section(key="checks", title="Data checks", blocks=(Bullets(items=tuple(items)),))


def _plots(paths: Sequence[str]) -> Section | None:
    if not paths:
        return None
    images = tuple(Image(path=path, title=_plot_title(path)) for path in paths)
    return Section(key="plots", title="Plots", blocks=(Images(images=images),))


def _plot_title(path: str) -> str:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return TITLES.get(stem, stem.replace("_", " ").capitalize())


# --- details ---------------------------------------------------------------------------------


def _per_class(report: Report) -> Section | None:
    evaluation = report.candidate
    if evaluation is None or not evaluation.per_class:
        return None
    baseline = {row.label: row for row in report.baseline.per_class} if report.baseline else {}
    headers = ["class", "precision", "recall", "f1", "support"]
    if baseline:
        headers.append("Δ f1")
    deltas: dict[str, float] = {}
    for row in evaluation.per_class:
        before = baseline.get(row.label)
        if before is not None and before.f1 is not None and row.f1 is not None:
            deltas[row.label] = row.f1 - before.f1
    # No intervals here: every score and the Δ take the decimals the classes' rows support,
    # one count for the whole table so its columns line up.
    scores = Precision.of_shares(row.support for row in evaluation.per_class)
    rows = []
    for row in evaluation.per_class:
        cells = [
            _t(row.label),
            _n(scores.value(row.precision)),
            _n(scores.value(row.recall)),
            _n(scores.value(row.f1)),
            _n(DASH if row.support is None else f"{row.support:,}"),
        ]
        if baseline:
            cells.append(_n(scores.delta(deltas.get(row.label))))
        rows.append(tuple(cells))
    whose = " (candidate)" if report.comparison else ""
    n = len(rows)
    return Section(
        key="per_class",
        title=f"Per-class metrics{whose}: {n} {'class' if n == 1 else 'classes'}",
        blocks=(
            Table(
                headers=tuple(headers),
                rows=tuple(rows),
                align=("left", *_right(len(headers) - 1)),
                noun="classes",
            ),
        ),
        collapsed=True,
    )


def _confusion_matrix(report: Report) -> Section | None:
    evaluation = report.candidate
    matrix = evaluation.confusion_matrix if evaluation else None
    if matrix is None:
        return None
    rows = []
    for label, counts in zip(matrix.labels, matrix.counts, strict=True):
        total = sum(counts)
        cells = [f"{count:,} ({count / total:.0%})" if total else "0" for count in counts]
        rows.append((_t(_strong(label)), *(_n(cell) for cell in cells)))
    whose = " (candidate)" if report.comparison else ""
    return Section(
        key="confusion",
        title=f"Confusion matrix{whose}",
        blocks=(
            Table(
                headers=("true ↓ / predicted →", *matrix.labels),
                rows=tuple(rows),
                align=("left", *_right(len(matrix.labels))),
                noun="classes",
            ),
            Paragraph(
                spans=_t("Counts, with the share of each true class in brackets."), small=True
            ),
        ),
        collapsed=True,
    )


def _importance(report: Report) -> Section | None:
    evaluation = report.candidate
    importance = evaluation.importance if evaluation else None
    if importance is None or not importance.features:
        return None
    shown = importance.features[:TOP_FEATURES]
    what = f"top {len(shown)} of {len(importance.features)}"
    if len(shown) == len(importance.features):
        what = f"{len(shown)} features"
    scoring = f"drop in {importance.scoring}" if importance.scoring else "importance"
    whose = " (candidate)" if report.comparison else ""
    # Means and stds in the decimals the repeats' spread supports, alike down both columns.
    column = Precision.of_spread((f.std for f in shown), *(f.mean for f in shown))
    return Section(
        key="importance",
        title=f"Permutation importance{whose}: {what}",
        blocks=(
            Table(
                headers=("feature", f"mean {scoring}", "std"),
                rows=tuple(
                    (_t(f.feature), _n(column.value(f.mean)), _n(column.value(f.std)))
                    for f in shown
                ),
                align=("left", "right", "right"),
                noun="features",
            ),
        ),
        collapsed=True,
    )


def _run_facts(report: Report) -> Section | None:
    runs = [run for run in (report.baseline_run, report.candidate_run) if run is not None]
    if not runs:
        return None
    rows = []
    for name, cell in _FACTS:
        values = [cell(run) for run in runs]
        if any(values):
            rows.append((_t(name), *(value or _t(DASH) for value in values)))
    blocks: list[Block] = []
    if report.notes:
        blocks.append(Bullets(items=tuple(_t(f"ℹ️ {note}") for note in report.notes)))
    if rows:
        headers = ("", *(run.label for run in runs)) if report.comparison else ("", "value")
        blocks.append(
            Table(
                headers=headers,
                rows=tuple(rows),
                align=("left", *_left(len(runs))),
                noun="facts",
            )
        )
    if not blocks:
        return None
    return Section(key="facts", title="Run facts", blocks=tuple(blocks), collapsed=True)


def _hash(value: str | None) -> Inline | None:
    return _t(_code(value[:HASH_CHARS])) if value else None


def _data(facts: Any) -> Inline | None:
    if facts is None:
        return None
    parts: list[str | Span] = []
    if facts.source:
        parts.append(facts.source)
    if facts.rows is not None:
        shape = f"{facts.rows:,} rows" + (
            f" × {facts.columns:,} columns" if facts.columns is not None else ""
        )
        parts.append(shape)
    if facts.sha256:
        parts += ["sha256 ", _code(facts.sha256[:HASH_CHARS])]
    return _joined(parts) if parts else None


def _joined(parts: Iterable[str | Span]) -> Inline:
    """Join facts with " · ", keeping a "label " string glued to the span after it."""
    out: list[str | Span] = []
    for part in parts:
        glue = out and isinstance(out[-1], str) and out[-1].endswith(" ")
        if out and not glue:
            out.append(" · ")
        out.append(part)
    return _t(*out)


def _kv(pairs: Sequence[tuple[str, Any]]) -> Inline | None:
    if not pairs:
        return None
    text = ", ".join(f"{key}={_plain(value)}" for key, value in pairs)
    return _t(text if len(text) <= 300 else text[:299] + "…")


def _git(run: RunFacts) -> Inline | None:
    if not run.git_commit:
        return None
    dirty = " (uncommitted changes)" if run.git_dirty else ""
    return _t(_code(run.git_commit[:HASH_CHARS]), dirty)


def _model(run: RunFacts) -> Inline | None:
    if not run.has_model:
        return _t("none: predictions only")
    parts: list[str | Span] = []
    if run.model_sha256:
        parts += ["sha256 ", _code(run.model_sha256[:HASH_CHARS])]
    if run.model_size_bytes is not None:
        parts.append(size(run.model_size_bytes))
    return _joined(parts) if parts else None


def _optional(text: str | None) -> Inline | None:
    return _t(text) if text else None


def _latency(run: RunFacts) -> Inline | None:
    if not run.has_model:
        return _t("needs a model")
    if run.latency_ms_per_1k_rows is None:
        return None
    return _t(f"{number(run.latency_ms_per_1k_rows)} ms per 1,000 rows")


def _library(run: RunFacts) -> Inline | None:
    text = library_text(run) if run.has_model else None
    return _t(text) if text else None


_FACTS: tuple[tuple[str, Any], ...] = (
    ("run directory", lambda r: _t(_code(r.path)) if r.path else None),
    ("estimator", lambda r: _t(_code(r.estimator)) if r.estimator else None),
    ("model library", _library),
    ("training command", lambda r: _t(_code(r.training_command)) if r.training_command else None),
    ("parameters", lambda r: _kv(r.params)),
    ("training data", lambda r: _data(r.train)),
    ("test data", lambda r: _data(r.test)),
    ("split", lambda r: _kv(r.split)),
    ("test rows fingerprint", lambda r: _hash(r.test_fingerprint)),
    ("library versions", lambda r: _kv(r.versions)),
    ("git commit", _git),
    ("model", _model),
    ("latency", _latency),
    ("created", lambda r: _optional(r.created)),
)
