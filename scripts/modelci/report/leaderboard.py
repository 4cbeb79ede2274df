"""Several candidates compared with one baseline, as one leaderboard.

`build_leaderboard` is pure: from the loaded reports of several `modelci compare` directories
(one candidate each, all against the same baseline) to sections. Without a baseline yet (a new
model: its config is absent at the merge base) it takes evaluated run directories instead and
ranks them by the primary metric's value alone, with no deltas or gates. A ranked table comes first,
then each candidate's usual report body (the sections `content.build_sections` makes) inside
its own collapsed block, best candidate first. Plot paths get the candidate's slug as prefix,
so `roc.png` of two candidates never collide where the renderer or an upload meets them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from modelci.documents import AbsoluteGates
from modelci.errors import UserError
from modelci.report.blocks import Align, plural
from modelci.report.content import (
    Block,
    Image,
    Images,
    Paragraph,
    Section,
    Span,
    Table,
    build_sections,
    delta_detail,
    inline,
    model_label,
    numbers,
    strong,
)
from modelci.report.inputs import Comparison, Evaluation, MetricDelta, MetricValue, Report
from modelci.report.numbers import DASH, Precision, ci_label, p_value, size

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
SLUG_CHARS = 40


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One candidate's place on the board and its report body, ready to render."""

    rank: int
    name: str
    slug: str  # prefix of its plot paths: letters, digits, '.', '_', '-'
    title: str  # the summary line of its collapsed block
    sections: tuple[Section, ...]


@dataclass(frozen=True, kw_only=True)
class Leaderboard:
    """The board's own sections (headline, table), then the candidates, best first."""

    sections: tuple[Section, ...]
    candidates: tuple[Candidate, ...]
    # Prefixed plot path -> (the candidate's directory, the plot's path inside it).
    plots: Mapping[str, tuple[str, str]]


def candidate_name(report: Report) -> str:
    """run.json's `name`, else the config file's name, else the compare directory's name."""
    run = report.candidate_run
    if run is not None and run.name:
        return run.name
    if run is not None and run.config_path:
        return PurePath(run.config_path).name
    return PurePath(report.source).name or report.source


def candidate_names(reports: Sequence[Report]) -> list[str]:
    """Each report's `candidate_name`; a name shared by several gets its config path too, so
    that candidates trained from configs with one `name:` stay apart on the board."""
    base = [candidate_name(report) for report in reports]
    names = list(base)
    for index, report in enumerate(reports):
        run = report.candidate_run
        shared = base.count(base[index]) > 1
        if shared and run is not None and run.config_path and run.config_path != base[index]:
            names[index] = f"{base[index]} ({run.config_path})"
    return names


def check_comparable(reports: Sequence[Report]) -> None:
    """Refuse, in one line, reports that do not share one baseline (or all have none), task and
    primary metric."""
    compared = [report for report in reports if report.comparison is not None]
    evaluated = [report for report in reports if report.comparison is None]
    if compared and evaluated:
        raise UserError(
            f"{evaluated[0].source} is an evaluated run directory, not a comparison like "
            f"{compared[0].source}: a leaderboard takes compare directories (candidates against "
            "one baseline) or evaluated run directories (no baseline yet), not a mix"
        )
    first = reports[0]
    for report in reports[1:]:
        facts: tuple[tuple[str, str | None, str | None], ...]
        if report.comparison is not None:
            facts = (
                (
                    "baseline model",
                    _baseline_sha(first if _same_retrained_baseline(report, first) else report),
                    _baseline_sha(first),
                ),
                ("task", report.comparison.task, _comparison(first).task),
                ("primary metric", report.comparison.primary, _comparison(first).primary),
            )
        else:
            mine, theirs = _evaluation(report), _evaluation(first)
            facts = (
                ("task", mine.task, theirs.task),
                ("primary metric", mine.primary, theirs.primary),
            )
        for what, value, other in facts:
            if value != other:
                raise UserError(
                    f"{report.source} and {first.source} differ in their {what} "
                    f"({_short(value)} vs {_short(other)}): a leaderboard compares candidates "
                    "against one baseline, task and primary metric"
                )


def build_leaderboard(reports: Sequence[Report]) -> Leaderboard:
    """The leaderboard of several compare reports, or of several evaluated runs when there is
    no baseline yet; refuses reports that are not comparable."""
    if len(reports) < 2:
        raise ValueError("a leaderboard needs at least two reports")
    check_comparable(reports)
    names = candidate_names(reports)
    if reports[0].comparison is None:
        evaluations = [_evaluation(report) for report in reports]
        primary = evaluations[0].primary
        higher = _higher_is_better([e.metric(primary) for e in evaluations])
        values = [_value(e.metric(primary)) for e in evaluations]
        order = _order(values, higher)
        column = _evaluation_column([e.metric(primary) for e in evaluations])
        titles = [
            f"{primary} {column.value(value)}" + _absolute_title(e.gates)
            for value, e in zip(values, evaluations, strict=True)
        ]
        candidates, plots = _candidates(reports, order, names, titles)
        ranked = [reports[i] for i in order]
        sections = (
            _evaluation_headline(ranked, [c.name for c in candidates], primary, higher),
            _evaluation_table(ranked, candidates, primary),
        )
        return Leaderboard(sections=sections, candidates=candidates, plots=plots)
    comparisons = [_comparison(report) for report in reports]
    primary = comparisons[0].primary
    higher = _higher_is_better([c.metric(primary) for c in comparisons])
    metrics = [c.metric(primary) for c in comparisons]
    order = _order([m.candidate if m is not None else None for m in metrics], higher)
    titles = [_verdict(comparison) for comparison in comparisons]
    candidates, plots = _candidates(reports, order, names, titles)
    ranked = [reports[i] for i in order]
    return Leaderboard(
        sections=(
            _headline(ranked, [candidate.name for candidate in candidates], primary, higher),
            _table(ranked, candidates, primary),
        ),
        candidates=candidates,
        plots=plots,
    )


def _candidates(
    reports: Sequence[Report], order: Sequence[int], names: Sequence[str], titles: Sequence[str]
) -> tuple[tuple[Candidate, ...], dict[str, tuple[str, str]]]:
    """The candidates in `order`, each titled `rank. name: title`, and their prefixed plots."""
    slugs = _slugs(names)
    candidates = []
    plots: dict[str, tuple[str, str]] = {}
    for rank, index in enumerate(order, start=1):
        report, slug = reports[index], slugs[index]
        for path in report.plots:
            plots[f"{slug}/{path}"] = (report.source, path)
        candidates.append(
            Candidate(
                rank=rank,
                name=names[index],
                slug=slug,
                title=f"{rank}. {names[index]}: {titles[index]}",
                sections=tuple(_body(report, slug)),
            )
        )
    return tuple(candidates), plots


# --- ranking ---------------------------------------------------------------------------------


def _comparison(report: Report) -> Comparison:
    assert report.comparison is not None
    return report.comparison


def _evaluation(report: Report) -> Evaluation:
    assert report.candidate is not None, f"{report.source}: no evaluation"
    return report.candidate


def _evaluation_column(metrics: Sequence[MetricValue | None]) -> Precision:
    """The decimals of one metric across candidates: the finest any candidate's interval needs."""
    return Precision.finest(Precision.of(m.ci, m.value) for m in metrics if m is not None)


def _value(metric: MetricValue | None) -> float | None:
    return metric.value if metric is not None else None


def _baseline_sha(report: Report) -> str | None:
    """What identifies the baseline: its model file, or for a baseline with only predictions,
    the predictions file it was made from."""
    run = report.baseline_run
    if run is None:
        return None
    if not run.has_model:
        return run.test.sha256 if run.test is not None else None
    return run.model_sha256


def _same_retrained_baseline(report: Report, first: Report) -> bool:
    """Both baselines trained from one clean commit, config and rows, scoring alike on every
    metric: the pull-request workflow retrains the baseline in each candidate's job, and skops
    writes other bytes (other sha256) for the same model each time."""
    mine, theirs = report.baseline_run, first.baseline_run
    if mine is None or theirs is None or not mine.git_commit or mine.git_dirty:
        return False
    same = ("git_commit", "git_dirty", "config_path", "estimator", "params", "test_fingerprint")
    if any(getattr(mine, name) != getattr(theirs, name) for name in same):
        return False
    scores = [{m.name: m.baseline for m in _comparison(r).metrics} for r in (report, first)]
    return scores[0] == scores[1]


def _short(value: str | None) -> str:
    if value is None:
        return "unknown"
    return value[:12] if re.fullmatch(r"[0-9a-f]{13,}", value) else value


def _higher_is_better(metrics: Sequence[MetricDelta | MetricValue | None]) -> bool:
    for metric in metrics:
        if metric is not None and metric.higher_is_better is not None:
            return metric.higher_is_better
    return True


def _order(values: Sequence[float | None], higher: bool) -> list[int]:
    """Indexes best first; unknown values rank last, ties keep the input order."""

    def key(index: int) -> tuple[bool, float]:
        value = values[index]
        if value is None:
            return (True, 0.0)
        return (False, -value if higher else value)

    return sorted(range(len(values)), key=key)


def _slugs(names: Sequence[str]) -> list[str]:
    """Path-safe, distinct prefixes from the candidates' names, in their order."""
    slugs: list[str] = []
    for name in names:
        base = _UNSAFE.sub("-", name).strip("-._")[:SLUG_CHARS].rstrip("-._") or "candidate"
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.append(slug)
    return slugs


# --- the board -------------------------------------------------------------------------------


def _verdict(comparison: Comparison) -> str:
    failed = comparison.failed_gates
    if comparison.verdict == "fail" and failed:
        return f"❌ fails {', '.join(failed)}"
    if comparison.verdict == "fail":
        return "❌ fails the comparison"
    gated = sum(1 for m in comparison.metrics if m.gate.status != "none")
    return f"✅ passes {gated} {plural(gated, 'gate')}" if gated else "✅ no gates set"


def _headline(
    ranked: Sequence[Report], names: Sequence[str], primary: str, higher: bool
) -> Section:
    baseline = ranked[0].baseline_run
    failing = sum(1 for report in ranked if _comparison(report).verdict == "fail")
    total = len(ranked)
    if failing:
        title = (
            f"❌ modelci leaderboard: {failing} of {total} candidates "
            f"{'fails its' if failing == 1 else 'fail their'} gates"
        )
    else:
        title = f"✅ modelci leaderboard: all {total} candidates pass their gates"
    blocks: list[Block] = []
    comparison = _comparison(ranked[0])
    best = comparison.metric(primary)
    if best is not None and best.candidate is not None:
        blocks.append(
            Paragraph(
                spans=inline(
                    "Best by ",
                    strong(primary),
                    f" ({'higher' if higher else 'lower'} is better): ",
                    strong(names[0]),
                    *numbers(
                        f" {Precision.of_delta(best).value(best.candidate)}"
                        f" ({delta_detail(best, comparison.confidence)})"
                    ),
                )
            )
        )
    else:
        blocks.append(
            Paragraph(spans=inline("No candidate has a value for ", strong(primary), "."))
        )
    facts: list[str | Span] = [
        f"{total} candidates vs {baseline.label if baseline else 'baseline'} ",
        *model_label(baseline),
    ]
    if comparison.n_rows is not None:
        facts.append(f" · {comparison.n_rows:,} test rows")
    facts.append(f" · {comparison.task}")
    blocks.append(Paragraph(spans=inline(*facts), small=True))
    return Section(key="headline", title=title, blocks=tuple(blocks), headline=True)


def _table(ranked: Sequence[Report], candidates: Sequence[Candidate], primary: str) -> Section:
    label = ci_label(_comparison(ranked[0]).confidence)
    # One metric down the column: one decimals count, the finest any candidate's interval needs.
    primaries = [_comparison(report).metric(primary) for report in ranked]
    column = Precision.finest(Precision.of_delta(m) for m in primaries if m is not None)
    rows = []
    tags: list[str | None] = []
    latencies = _latencies(ranked)
    for report, candidate, latency in zip(ranked, candidates, latencies, strict=True):
        comparison = _comparison(report)
        metric = comparison.metric(primary)
        rows.append(
            (
                numbers(str(candidate.rank)),
                inline(strong(candidate.name)),
                numbers(column.value(metric.candidate if metric else None)),
                numbers(column.delta(metric.delta if metric else None)),
                numbers(column.interval(metric.ci if metric else None, sign=True)),
                numbers(p_value(metric.p_value if metric else None)),
                inline(_gates(comparison)),
                numbers(_model_size(report)),
                numbers(latency),
            )
        )
        tags.append("fail" if comparison.verdict == "fail" else "pass")
    table = Table(
        headers=(
            "#",
            "candidate",
            primary,
            "Δ vs baseline",
            label,
            "p",
            "gates",
            "size",
            "latency",
        ),
        rows=tuple(rows),
        align=("right", "left", "right", "right", "right", "right", "left", "right", "right"),
        noun="candidates",
        tags=tuple(tags),
    )
    note = Paragraph(
        spans=inline(
            f"Best first by {primary}. Δ = candidate − baseline on the same test rows; "
            f"{label} and p from paired tests. Latency in ms per 1,000 rows."
            + _without_model(ranked)
        ),
        small=True,
    )
    return Section(key="leaderboard", title="Leaderboard", blocks=(table, note))


def _without_model(ranked: Sequence[Report]) -> str:
    """Why a candidate's size and latency are blank: it has only predictions."""
    if all(report.candidate_run is None or report.candidate_run.has_model for report in ranked):
        return ""
    return f" Size and latency need a model: {DASH} for a candidate with only predictions."


def _gates(comparison: Comparison) -> str:
    if comparison.failed_gates:
        return "❌ " + ", ".join(comparison.failed_gates)
    passed = sum(1 for m in comparison.metrics if m.gate.status == "pass")
    if comparison.verdict == "fail":
        return "❌ failed"
    return f"✅ {passed} passed" if passed else f"{DASH} no gates"


def _model_size(report: Report) -> str:
    run = report.candidate_run
    if run is not None and run.model_size_bytes is not None:
        return size(run.model_size_bytes)
    value = _point(report, "model_size_bytes")
    return size(int(value)) if value is not None else DASH


def _latencies(ranked: Sequence[Report]) -> list[str]:
    """The latency column: one decimals count down it (no more than the values hold)."""
    values = [_latency(report) for report in ranked]
    column = Precision.of(None, *values)
    return [f"{column.value(value)} ms" if value is not None else DASH for value in values]


def _latency(report: Report) -> float | None:
    run = report.candidate_run
    value = run.latency_ms_per_1k_rows if run is not None else None
    return value if value is not None else _point(report, "latency_ms_per_1k_rows")


def _point(report: Report, name: str) -> float | None:
    """The candidate's value of a metric, from its comparison or its evaluation."""
    if report.comparison is not None:
        metric = report.comparison.metric(name)
        return metric.candidate if metric else None
    return _value(report.candidate.metric(name)) if report.candidate else None


# --- the board without a baseline ------------------------------------------------------------


def _absolute_title(gates: AbsoluteGates | None) -> str:
    """A candidate's absolute gates in its block's summary line ("" without any)."""
    if gates is None or not gates.results:
        return ""
    if gates.failed:
        return f" · ❌ fails {', '.join(result.name for result in gates.failed)}"
    n = len(gates.results)
    return f" · ✅ passes {n} absolute {plural(n, 'gate')}"


def _absolute_count(ranked: Sequence[Report]) -> str:
    """The headline's tail: how many candidates fail their absolute gates ("" if none has
    any). Without a baseline these are the only gates, so they are the board's verdict."""
    gated = [e.gates for e in map(_evaluation, ranked) if e.gates is not None and e.gates.results]
    if not gated:
        return ""
    failing = sum(1 for gates in gated if gates.verdict == "fail")
    if failing:
        return f" · {failing} {'fails its' if failing == 1 else 'fail their'} absolute gates"
    if len(gated) == len(ranked):
        return " · all pass their absolute gates"
    return f" · {len(gated)} {'passes its' if len(gated) == 1 else 'pass their'} absolute gates"


def _evaluation_headline(
    ranked: Sequence[Report], names: Sequence[str], primary: str, higher: bool
) -> Section:
    total = len(ranked)
    evaluation = _evaluation(ranked[0])
    best = evaluation.metric(primary)
    blocks: list[Block] = []
    if best is not None and best.value is not None:
        row = Precision.of(best.ci, best.value)
        detail = f" ({ci_label(evaluation.confidence)} {row.interval(best.ci)})" if best.ci else ""
        # Ranked by value alone, as the comparison board is: the best may still fail a floor.
        failed = evaluation.gates.failed if evaluation.gates is not None else ()
        fails: list[str | Span] = []
        if failed:
            fails = [" · ❌ fails ", *_joined([strong(result.name) for result in failed])]
        blocks.append(
            Paragraph(
                spans=inline(
                    "Best by ",
                    strong(primary),
                    f" ({'higher' if higher else 'lower'} is better): ",
                    strong(names[0]),
                    *numbers(f" {row.value(best.value)}{detail}"),
                    *fails,
                )
            )
        )
    else:
        blocks.append(
            Paragraph(spans=inline("No candidate has a value for ", strong(primary), "."))
        )
    facts = f"{total} candidates, no baseline to compare with"
    if evaluation.n_rows is not None:
        facts += f" · {evaluation.n_rows:,} test rows"
    facts += f" · {evaluation.task}"
    blocks.append(Paragraph(spans=inline(facts), small=True))
    return Section(
        key="headline",
        title=f"📊 modelci: {total} candidates, no baseline yet" + _absolute_count(ranked),
        blocks=tuple(blocks),
        headline=True,
    )


def _joined(spans: Sequence[Span]) -> list[str | Span]:
    parts: list[str | Span] = []
    for index, span in enumerate(spans):
        parts += [", ", span] if index else [span]
    return parts


def _evaluation_table(
    ranked: Sequence[Report], candidates: Sequence[Candidate], primary: str
) -> Section:
    label = ci_label(_evaluation(ranked[0]).confidence)
    column = _evaluation_column([_evaluation(report).metric(primary) for report in ranked])
    # A gates column once any candidate's config sets a gate; none at all: the board as before.
    gated = any(_evaluation(report).gates is not None for report in ranked)
    rows = []
    tags: list[str | None] = []
    latencies = _latencies(ranked)
    for report, candidate, latency in zip(ranked, candidates, latencies, strict=True):
        evaluation = _evaluation(report)
        metric = evaluation.metric(primary)
        gates = [inline(_absolute_gates(evaluation.gates))] if gated else []
        rows.append(
            (
                numbers(str(candidate.rank)),
                inline(strong(candidate.name)),
                numbers(column.value(_value(metric))),
                numbers(column.interval(metric.ci if metric else None)),
                *gates,
                numbers(_model_size(report)),
                numbers(latency),
            )
        )
        verdict = (
            evaluation.gates.verdict if evaluation.gates and evaluation.gates.results else None
        )
        tags.append(verdict)
    gates_column: tuple[tuple[str, Align], ...] = (("gates", "left"),) if gated else ()
    columns: tuple[tuple[str, Align], ...] = (
        ("#", "right"),
        ("candidate", "left"),
        (primary, "right"),
        (label, "right"),
        *gates_column,
        ("size", "right"),
        ("latency", "right"),
    )
    table = Table(
        headers=tuple(header for header, _ in columns),
        rows=tuple(rows),
        align=tuple(align for _, align in columns),
        noun="candidates",
        tags=tuple(tags),
    )
    gates_note = (
        "No baseline yet, so no deltas; gates are each config's absolute ones (min, max), "
        "relative ones wait for a baseline."
        if gated
        else "No baseline yet, so no deltas and no gates."
    )
    note = Paragraph(
        spans=inline(
            f"Best first by {primary}, each on its own test rows. {gates_note} "
            "Latency in ms per 1,000 rows." + _without_model(ranked)
        ),
        small=True,
    )
    return Section(key="leaderboard", title="Leaderboard", blocks=(table, note))


def _absolute_gates(gates: AbsoluteGates | None) -> str:
    """One candidate's gates cell: what fails, else how many passed, else what waits."""
    if gates is not None and gates.failed:
        return "❌ " + ", ".join(result.name for result in gates.failed)
    if gates is not None and gates.results:
        return f"✅ {len(gates.results)} passed"
    if gates is not None and gates.waiting:
        return f"{DASH} {len(gates.waiting)} waiting for a baseline"
    return f"{DASH} no gates"


# --- each candidate's body -------------------------------------------------------------------


def _body(report: Report, slug: str) -> list[Section]:
    """The candidate's usual sections; its headline loses its title (the block's summary has
    the verdict) and its plots their clash with other candidates' plots of the same name."""
    sections = []
    for section in build_sections(report):
        if section.headline:
            section = dataclasses.replace(section, title="", headline=False)
        blocks = tuple(_prefixed(block, slug) for block in section.blocks)
        sections.append(dataclasses.replace(section, blocks=blocks))
    return sections


def _prefixed(block: Block, slug: str) -> Block:
    if not isinstance(block, Images):
        return block
    return Images(
        images=tuple(
            Image(path=f"{slug}/{image.path}", title=image.title) for image in block.images
        )
    )
