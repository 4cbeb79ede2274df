"""The comment for a comparison with slices, churn, power and history, as a reviewer reads it.

Top-down: the verdict and its ⚠️ lines, the failed gates, the worst slices, the metrics table,
churn, the history, then the details; every new section collapsed, and the cap dropping
sections in the documented order. Comparisons are built here as comparison.json dicts and
parsed the way `report` reads them, then rendered with cmark-gfm as GitHub does.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from tests.comparison_support import (
    HOSTILE,
    churn_part,
    comparison_doc,
    gate,
    history_part,
    metric,
    slices_part,
)

from modelci import documents
from modelci.report import content
from modelci.report.html import render_html
from modelci.report.inputs import Report
from modelci.report.markdown import DROP_ORDER, render_markdown


def github_html(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)


def hosted(path: str) -> str:
    return f"https://img.example/run/{path}"


def report_of(doc: dict[str, Any]) -> Report:
    comparison = documents.parse_comparison(doc, where="comparison.json")
    return Report(
        source="compare",
        comparison=comparison,
        candidate=None,
        baseline=None,
        candidate_run=None,
        baseline_run=None,
    )


def render(doc: dict[str, Any], **kwargs: Any) -> str:
    kwargs.setdefault("image_url", hosted)
    return render_markdown(report_of(doc), **kwargs)


class Outline(HTMLParser):
    """The rendered comment's headings and <summary> lines, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []
        self._tag: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h3", "h4", "summary"):
            self._tag, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            self.items.append((tag, "".join(self._text).strip()))
            self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag is not None:
            self._text.append(data)


def outline(html: str) -> list[tuple[str, str]]:
    parser = Outline()
    parser.feed(html)
    return parser.items


def section_of(title_start: str, items: list[tuple[str, str]]) -> int:
    return next(i for i, (_, text) in enumerate(items) if title_start in text)


# --- order and collapsing --------------------------------------------------------------------


def test_the_comment_reads_verdict_then_what_got_worse_then_details() -> None:
    html = github_html(render(comparison_doc()))
    items = outline(html)
    tags = [tag for tag, _ in items]
    titles = [text for _, text in items]
    assert tags[0] == "h3" and titles[0].startswith("❌ modelci: candidate fails 2 of 3 gates")
    # Failed gates open; the new sections collapsed, in the contract's order.
    assert items[1] == ("h4", "Failed gates")
    order = [
        section_of(start, items)
        for start in ("Failed gates", "Worst slices", "Metrics", "Prediction churn", "History")
    ]
    assert order == sorted(order)
    assert titles[order[2]] == "Metrics" and tags[order[2]] == "h4"
    for start in ("Worst slices", "Prediction churn", "History"):
        assert tags[section_of(start, items)] == "summary"
    assert section_of("Data checks", items) > order[-1]
    assert section_of("Plots", items) > section_of("Data checks", items)


def test_the_html_report_has_the_same_sections_in_the_same_order() -> None:
    report = report_of(comparison_doc())
    page = render_html(report, images={})
    found = re.findall(r"<(?:h2|h3|summary)>(.*?)</(?:h2|h3|summary)>", page)
    expected = [s.title for s in content.build_sections(report)]
    assert [re.sub("&#x27;", "'", text) for text in found] == expected
    assert [s.key for s in content.build_sections(report)] == [
        "headline",
        "gates",
        "slices",
        "metrics",
        "churn",
        "history",
        "checks",
        "plots",
    ]


def test_headline_stays_one_line_and_counts_the_churn_gate() -> None:
    md = render(comparison_doc())
    first = md.split("\n", 1)[0]
    assert first == "### ❌ modelci: candidate fails 2 of 3 gates against baseline"
    passing = comparison_doc(failed_gates=[], verdict="pass", churn=churn_part())
    passing["metrics"][0]["gate"] = gate({"max_drop": 0.02}, "pass", "within tolerance")
    assert render(passing).startswith("### ✅ modelci: candidate passes all 3 gates against")


def test_failed_gates_name_churn_and_the_from_best_reason() -> None:
    html = github_html(render(comparison_doc()))
    failed = html.split("Failed gates</h4>", 1)[1].split("</ul>", 1)[0]
    assert "<strong>churn</strong>: harmful flips 2.5% &gt; 2%, significant" in failed
    assert "(gate: max_harmful 0.02)" in failed
    assert "best of the last 5 releases (v1.2.0)" in failed


# --- the ⚠️ lines ----------------------------------------------------------------------------


def test_warning_lines_under_the_headline() -> None:
    md = render(comparison_doc())
    headline = md.split("#### Failed gates", 1)[0]
    html = github_html(headline)
    assert (
        "⚠️ <strong>log_loss</strong> got significantly worse (Δ +0.050, Holm-adjusted "
        "p = 0.004) but has no gate" in html
    )
    assert (
        "⚠️ <strong>recall</strong> gate is inconclusive: these rows detect a drop of 0.031 "
        "or more, the tolerance is 0.02" in html
    )
    # The ungated line comes before the inconclusive one, both after the facts line.
    assert html.index("log_loss") < html.index("inconclusive") and "<sub>" in html.split("⚠️")[0]
    # A metric that is worse but gated, or ungated and not worse, gets no line.
    assert "accuracy" not in headline and "roc_auc</strong> got" not in headline


def test_many_ungated_worse_metrics_fold_into_one_line() -> None:
    doc = comparison_doc()
    doc["metrics"] += [
        metric(f"custom_{i}", 0.5, 0.4, adjusted_p=0.001, worse=True) for i in range(12)
    ]
    headline = render(doc).split("#### Failed gates", 1)[0]
    assert headline.count("but has no gate") == 5
    assert "⚠️ 8 more ungated metrics got significantly worse: see the metrics table" in headline


# --- worst slices ----------------------------------------------------------------------------


def test_worst_slices_lists_the_significantly_worse_with_their_numbers() -> None:
    md = render(comparison_doc())
    html = github_html(md)
    summary = re.search(r"<summary>([^<]*Worst slices[^<]*)</summary>", html)
    assert summary is not None
    assert summary.group(1) == (
        "⚠️ Worst slices: 1 of 6 significantly worse after Holm correction (12 tests)"
    )
    section = html.split("Worst slices", 1)[1].split("</details>", 1)[0]
    table = section.split("<table>", 1)[1].split("</table>", 1)[0]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", table)
    assert headers == [
        "slice", "rows", "metric", "baseline", "candidate", "Δ", "95% CI", "adjusted p",
    ]  # fmt: skip
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells == [
        "plan=basic", "400", "recall", "0.900", "0.810", "-0.090", "[-0.120, -0.060]", "0.003",
    ]  # fmt: skip
    assert "Too small to test (fewer than 30 rows): plan=gold (12), plan=trial (4)" in section
    assert '<img src="https://img.example/run/plots/slices.png"' in section
    assert "Holm across 12 slice × metric tests at α = 0.05" in section
    # The slice plot is in its section, not repeated under Plots.
    assert html.count("plots/slices.png") == 1


def test_no_slice_significantly_worse_shows_the_three_largest_drops() -> None:
    md = render(comparison_doc(slices=slices_part(worse=False)))
    html = github_html(md)
    assert "Worst slices: none of 6 significantly worse after Holm correction (12 tests)" in html
    section = html.split("Worst slices", 1)[1].split("</details>", 1)[0]
    assert "None significantly worse; largest drops shown (<strong>roc_auc</strong>)." in section
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>", section)
    # roc_auc drops by 0.01 × index: the three worst, worst first; plan=basic (0) did not drop.
    assert rows == ["plan=p5", "plan=p4", "plan=p3"]


def test_a_slice_gate_failure_is_marked_and_listed_first() -> None:
    part = slices_part()
    part["gate_failures"] = [
        {"slice": "plan=p2", "metric": "roc_auc", "delta": -0.02, "tolerance": 0.01,
         "adjusted_p": 0.02}
    ]  # fmt: skip
    html = github_html(render(comparison_doc(slices=part)))
    assert "<summary>❌ Worst slices: 2 of 6 significantly worse" in html
    section = html.split("Worst slices", 1)[1].split("</details>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td[^>]*>.*?</td>\s*<td>(.*?)</td>", section)
    assert rows == [("plan=p2", "❌ roc_auc"), ("plan=basic", "recall")]


def test_slices_unavailable_says_why() -> None:
    part = slices_part()
    part.update(slices=[], too_small={}, unavailable="a predictions run has no feature columns")
    html = github_html(render(comparison_doc(slices=part)))
    assert "<summary>Worst slices: not measured</summary>" in html
    assert "a predictions run has no feature columns" in html


# --- metrics table ---------------------------------------------------------------------------


def test_detectable_column_sits_beside_relative_gates_only() -> None:
    html = github_html(render(comparison_doc()))
    table = html.split("Metrics</h4>", 1)[1].split("</table>", 1)[0]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", table)
    assert headers[-2:] == ["detectable", "verdict"]
    rows = {
        re.sub(r"</?strong>", "", cells[0]): cells
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[2:])
    }
    assert rows["recall"][-2] == "⚠️ 0.031 (tol 0.02)"
    assert rows["roc_auc"][-2] == "0.028 (tol 0.02)"
    assert rows["log_loss"][-2] == "—"  # no gate, no tolerance to set it beside
    assert rows["log_loss"][-1] == "⚠️ no gate, significantly worse"
    assert rows["accuracy"][-1] == "— no gate, same"
    absolute = comparison_doc()
    for entry in absolute["metrics"]:
        if entry["gate"]["status"] != "none":
            entry["gate"]["rule"] = {"min": 0.5}
    assert "detectable" not in render(absolute)


# --- churn and history -----------------------------------------------------------------------


def test_churn_counts_shares_gate_and_the_flips_file_but_no_row_ids() -> None:
    html = github_html(render(comparison_doc()))
    assert (
        "<summary>❌ Prediction churn: 40 of 1,000 predictions changed (4.0%), 25 harmful, "
        "15 helpful</summary>" in html
    )
    section = html.split("Prediction churn", 1)[1].split("</details>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", section)
    assert cells[:5] == [
        "<strong>all rows</strong>",
        "1,000",
        "40 (4.0%)",
        "25 (2.5%)",
        "15 (1.5%)",
    ]
    assert cells[5:7] == ["class no", "600"]
    slices = section.split("slice (most harmful flips)", 1)[1]
    names = re.findall(r"<td>(plan=p\d)</td>", slices)
    assert names == ["plan=p7", "plan=p6", "plan=p5", "plan=p4", "plan=p3"]
    assert (
        "<strong>churn gate</strong> ❌ fails: harmful 2.5% (95% CI [1.6%, 3.7%]) against max_harmful 2%, one-sided p = 0.01"
        in section
    )
    assert "Row ids in <code>flips.csv</code> (artifact)." in section


def test_history_shows_the_plot_the_last_releases_and_from_best() -> None:
    html = github_html(render(comparison_doc()))
    assert "<summary>❌ History: roc_auc over the last 7 releases</summary>" in html
    section = html.split("History: roc_auc", 1)[1].split("</details>", 1)[0]
    assert '<img src="https://img.example/run/plots/history.png"' in section
    tags = re.findall(r"<tr>\s*<td>(.*?)</td>", section)
    assert tags == ["v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v1.6.0", "<strong>candidate</strong>"]
    assert "2026-03-01" in section and "T00:00" not in section
    assert "❌ <strong>roc_auc</strong> vs the best of the last 5 releases (v1.2.0" in section
    assert "tolerance 0.01" in section


def test_older_comparisons_render_as_before() -> None:
    doc = comparison_doc(slices=None, churn=None, history=None, failed_gates=["roc_auc"])
    for entry in doc["metrics"]:
        for key in ("se", "minimum_detectable", "adjusted_p", "worse"):
            entry.pop(key)
        entry["gate"].pop("warning")
    md = render(doc)
    assert "Worst slices" not in md and "churn" not in md and "History:" not in md
    assert "<details>" not in md  # no new section: no run directories, so no details at all
    assert "⚠️" not in md and "detectable" not in md
    # With no slice or history section, their plots stay among the others.
    assert "plots/slices.png" in md.split("#### Plots", 1)[1]


# --- escaping --------------------------------------------------------------------------------


def test_slice_class_and_tag_names_are_escaped_like_user_text() -> None:
    part = slices_part()
    part["slices"][0]["name"] = HOSTILE
    part["too_small"] = {HOSTILE: 3}
    churn = churn_part()
    churn["per_class"][0]["label"] = HOSTILE
    churn["per_slice"][7]["name"] = HOSTILE
    trend = history_part()
    trend["releases"][-1]["tag"] = HOSTILE
    trend["from_best"][0]["best_tag"] = HOSTILE
    md = render(comparison_doc(slices=part, churn=churn, history=trend))
    html = github_html(md)
    assert "<img src=x" not in html
    assert "@team" not in html and "<strong>b</strong>" not in html
    literal = "&lt;img src=x&gt;|@\u2060team **b**"
    # Once each in the slices table, too-small line, churn class and slice, release, from-best.
    assert html.count(literal) == 6
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {len(re.findall(r"<t[dh][ >]", row)) for row in table.split("</tr>")[:-1]}
        assert len(widths) == 1  # no row broken into extra cells by a "|"
    page = render_html(
        report_of(comparison_doc(slices=part, churn=churn, history=trend)), images={}
    )
    assert "<img src=x" not in page and "&lt;img src=x&gt;|@team **b**" in page


# --- the cap ---------------------------------------------------------------------------------


def huge_doc() -> dict[str, Any]:
    doc = comparison_doc()
    part = slices_part(count=400)
    for entry in part["slices"]:
        entry["metrics"][1].update(worse=True, adjusted_p=0.01, delta=-0.05)
    doc["slices"] = part
    churn = churn_part()
    churn["per_class"] = [
        {"label": f"class-{i}", "rows": 10, "changed": 2, "harmful": 1, "helpful": 1}
        for i in range(500)
    ]
    doc["churn"] = churn
    doc["metrics"] += [metric(f"custom_{i:04d}", 0.5, 0.49) for i in range(1500)]
    doc["data_checks"] = [
        {"check": f"check_{i}", "status": "warn", "detail": "x" * 80} for i in range(300)
    ]
    return doc


def test_a_huge_comparison_stays_under_the_cap_with_headline_and_table() -> None:
    md = render(huge_doc())
    assert len(md) <= 65_000
    html = github_html(md)
    assert html.count("<details>") == html.count("</details>")
    assert md.startswith("### ❌ modelci: candidate fails 2 of 3 gates")
    assert "but has no gate" in md and "#### Metrics" in md
    assert "report truncated at 65000 characters" in md
    # Bounded sections: the slices table shows at most 15 rows and says how many more.
    full = render(huge_doc(), limit=10**7)
    assert "… 385 more in comparison.json" in full
    assert "Classes with the most harmful flips shown; 490 more." in full


def present(md: str) -> list[str]:
    """The section keys still in a rendered comment, by their titles."""
    marks = {
        "gates": "#### Failed gates",
        "slices": "Worst slices",
        "churn": "Prediction churn",
        "history": "History: ",
        "checks": "#### Data checks",
        "plots": "#### Plots",
    }
    return [key for key, mark in marks.items() if mark in md]


def test_sections_drop_at_the_cap_in_the_documented_order() -> None:
    doc = comparison_doc()
    assert DROP_ORDER == (
        "facts", "importance", "confusion", "per_class", "history", "churn", "plots",
        "checks", "slices", "gates",
    )  # fmt: skip
    full = render(doc)
    seen = []
    for limit in range(len(full), 600, -40):
        keys = present(render(doc, limit=limit))
        if not seen or keys != seen[-1]:
            seen.append(keys)
    # Each step loses sections in DROP_ORDER's order, never one that comes later first.
    dropped = [key for key in DROP_ORDER if key in seen[0]]
    for keys in seen:
        gone = [key for key in dropped if key not in keys]
        assert gone == dropped[: len(gone)], keys
    assert seen[-1] == []
    # The metrics table outlives every droppable section.
    last = render(doc, limit=len(render(doc)) // 3)
    assert "#### Metrics" in last


@pytest.mark.parametrize("limit", [400, 1500, 4000, 9000])
def test_the_cap_is_never_exceeded(limit: int) -> None:
    for doc in (comparison_doc(), huge_doc()):
        md = render(copy.deepcopy(doc), limit=limit)
        assert len(md) <= limit


def test_the_readme_documents_the_drop_order() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    text = " ".join(readme.split("### Reading the PR comment", 1)[1].split("###", 1)[0].split())
    listed = text.split("whole sections drop in this order, ", 1)[1].split(".", 1)[0]
    names = {
        "run facts": "facts",
        "importance": "importance",
        "confusion matrix": "confusion",
        "per-class metrics": "per_class",
        "history": "history",
        "churn": "churn",
        "plots": "plots",
        "data checks": "checks",
        "worst slices": "slices",
        "failed gates": "gates",
    }
    order = [names[part.strip()] for part in listed.split(":", 1)[1].split(",")]
    assert tuple(order) == DROP_ORDER


def test_regression_churn_says_what_counts_as_a_flip() -> None:
    part = churn_part()
    part.update(threshold=0.31, per_class=[])
    html = github_html(render(comparison_doc(task="regression", churn=part)))
    assert "<summary>❌ Prediction churn" not in html  # its gate passed
    assert "<summary>Prediction churn: 40 of 1,000 rows changed (4.0%)" in html
    section = html.split("Prediction churn", 1)[1].split("</details>", 1)[0]
    assert "absolute error moved by more than 0.31" in section
    assert "class " not in section


def test_from_best_without_recorded_releases_still_shows_its_gate() -> None:
    trend = history_part()
    trend["releases"] = []
    html = github_html(render(comparison_doc(history=trend)))
    assert "<summary>❌ History: no recorded releases</summary>" in html
    section = html.split("History: no recorded", 1)[1].split("</details>", 1)[0]
    assert "<table>" not in section and "best of the last 5 releases" in section


def test_a_failed_churn_gate_reaches_the_check_with_its_reason_and_line() -> None:
    from modelci.pull_request import check_run

    config = check_run.ConfigFile(
        path="modelci.yaml",
        text="data: {train: t.csv, target: y}\ngates:\n  roc_auc: {max_drop: 0.02}\n"
        "churn:\n  max_harmful: 0.02\n",
    )
    check = check_run.build_check(report_of(comparison_doc()), config=config)
    churn = next(failure for failure in check.failures if failure.metric == "churn")
    assert churn.reason == "harmful flips 2.5% > 2%, significant"
    assert churn.line == 5  # churn: → max_harmful, not the gates: line
    assert ("fail", "churn", churn.reason) in check.gates


def test_a_churn_rate_just_above_its_limit_does_not_read_as_equal_to_it() -> None:
    churn = churn_part(failed=True)
    churn["gate"] |= {"rate": 0.0204, "ci": [0.0201, 0.0207], "p_value": 1e-6}
    html = github_html(render(comparison_doc(churn=churn)))
    assert "harmful 2.040% (95% CI [2.010%, 2.070%]) against max_harmful 2%" in html


def test_long_slice_names_are_cut_in_cells_so_the_sections_stay_within_the_cap() -> None:
    slices = slices_part()
    for entry in slices["slices"]:
        entry["name"] = entry["name"] + "x" * 5000
    md = render(comparison_doc(slices=slices))
    assert "x" * 200 not in md and "xxx…" in md
    assert "Worst slices" in md and "Prediction churn" in md  # nothing pushed out
