"""Several candidates compared with one baseline, as one leaderboard.

`build_leaderboard` is pure: from the loaded reports of several `modelci compare` directories
(one candidate each, all against the same baseline) to sections. A ranked table comes first,
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

from modelci.errors import UserError
from modelci.report.content import (
    DASH,
    Block,
    Image,
    Images,
    Paragraph,
    Section,
    Span,
    Table,
    build_sections,
    ci_label,
    code,
    delta_detail,
    inline,
    interval,
    number,
    numbers,
    p_value,
    short_class,
    signed,
    size,
    strong,
)
from modelci.report.inputs import Comparison, Report

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


def check_comparable(reports: Sequence[Report]) -> None:
    """Refuse, in one line, reports that do not share one baseline, task and primary metric."""
    for report in reports:
        if report.comparison is None:
            raise UserError(
                f"{report.source} is an evaluated run directory, not a comparison: a leaderboard "
                "needs the output of `modelci compare` for every candidate"
            )
    first = reports[0]
    assert first.comparison is not None
    for report in reports[1:]:
        assert report.comparison is not None
        for what, mine, theirs in (
            ("baseline model", _baseline_sha(report), _baseline_sha(first)),
            ("task", report.comparison.task, first.comparison.task),
            ("primary metric", report.comparison.primary, first.comparison.primary),
        ):
            if mine != theirs:
                raise UserError(
                    f"{report.source} and {first.source} differ in their {what} "
                    f"({_short(mine)} vs {_short(theirs)}): a leaderboard compares candidates "
                    "against one baseline, task and primary metric"
                )


def build_leaderboard(reports: Sequence[Report]) -> Leaderboard:
    """The leaderboard of several compare reports; refuses reports that are not comparable."""
    if len(reports) < 2:
        raise ValueError("a leaderboard needs at least two reports")
    check_comparable(reports)
    comparisons = [_comparison(report) for report in reports]
    primary = comparisons[0].primary
    higher = _higher_is_better(comparisons, primary)
    order = sorted(range(len(reports)), key=lambda i: _rank_key(comparisons[i], primary, higher))
    slugs = _slugs([candidate_name(report) for report in reports])
    candidates = []
    plots: dict[str, tuple[str, str]] = {}
    for rank, index in enumerate(order, start=1):
        report, slug = reports[index], slugs[index]
        for path in report.plots:
            plots[f"{slug}/{path}"] = (report.source, path)
        candidates.append(
            Candidate(
                rank=rank,
                name=candidate_name(report),
                slug=slug,
                title=f"{rank}. {candidate_name(report)}: {_verdict(comparisons[index])}",
                sections=tuple(_body(report, slug)),
            )
        )
    ranked = [reports[i] for i in order]
    return Leaderboard(
        sections=(
            _headline(ranked, [candidate.name for candidate in candidates], primary, higher),
            _table(ranked, candidates, primary),
        ),
        candidates=tuple(candidates),
        plots=plots,
    )


# --- ranking ---------------------------------------------------------------------------------


def _comparison(report: Report) -> Comparison:
    assert report.comparison is not None
    return report.comparison


def _baseline_sha(report: Report) -> str | None:
    return report.baseline_run.model_sha256 if report.baseline_run else None


def _short(value: str | None) -> str:
    if value is None:
        return "unknown"
    return value[:12] if re.fullmatch(r"[0-9a-f]{13,}", value) else value


def _higher_is_better(comparisons: Sequence[Comparison], primary: str) -> bool:
    for comparison in comparisons:
        metric = comparison.metric(primary)
        if metric is not None and metric.higher_is_better is not None:
            return metric.higher_is_better
    return True


def _rank_key(comparison: Comparison, primary: str, higher: bool) -> tuple[bool, float]:
    metric = comparison.metric(primary)
    value = metric.candidate if metric is not None else None
    if value is None:
        return (True, 0.0)  # unknown values rank last
    return (False, -value if higher else value)


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
    return f"✅ passes {gated} {_plural(gated, 'gate')}" if gated else "✅ no gates set"


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"


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
                        f" {number(best.candidate)} ({delta_detail(best, comparison.confidence)})"
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
        code(short_class(baseline.estimator if baseline else None)),
    ]
    if comparison.n_rows is not None:
        facts.append(f" · {comparison.n_rows:,} test rows")
    facts.append(f" · {comparison.task}")
    blocks.append(Paragraph(spans=inline(*facts), small=True))
    return Section(key="headline", title=title, blocks=tuple(blocks), headline=True)


def _table(ranked: Sequence[Report], candidates: Sequence[Candidate], primary: str) -> Section:
    label = ci_label(_comparison(ranked[0]).confidence)
    rows = []
    tags: list[str | None] = []
    for report, candidate in zip(ranked, candidates, strict=True):
        comparison = _comparison(report)
        metric = comparison.metric(primary)
        rows.append(
            (
                numbers(str(candidate.rank)),
                inline(strong(candidate.name)),
                numbers(number(metric.candidate if metric else None)),
                numbers(signed(metric.delta if metric else None)),
                numbers(interval(metric.ci if metric else None, sign=True)),
                numbers(p_value(metric.p_value if metric else None)),
                inline(_gates(comparison)),
                numbers(_model_size(report)),
                numbers(_latency(report)),
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
        ),
        small=True,
    )
    return Section(key="leaderboard", title="Leaderboard", blocks=(table, note))


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
    metric = _comparison(report).metric("model_size_bytes")
    value = metric.candidate if metric else None
    return size(int(value)) if value is not None else DASH


def _latency(report: Report) -> str:
    run = report.candidate_run
    value = run.latency_ms_per_1k_rows if run is not None else None
    if value is None:
        metric = _comparison(report).metric("latency_ms_per_1k_rows")
        value = metric.candidate if metric else None
    return f"{number(value)} ms" if value is not None else DASH


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
