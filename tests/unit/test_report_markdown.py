"""The markdown report as GitHub renders it: tables, images, details, the size cap, escaping."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest

from modelci.commands import report as report_command
from modelci.errors import UserError
from modelci.report import inputs
from modelci.report.markdown import escape, render_markdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
BINARY_PASS = FIXTURES / "binary_pass" / "compare"
BINARY_FAIL = FIXTURES / "binary_fail"
MULTICLASS = FIXTURES / "multiclass_eval"
REGRESSION = FIXTURES / "regression_compare"


def github_html(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)


def hosted(path: str) -> str:
    return f"https://img.example/run/{path}"


def render(directory: Path, **kwargs: Any) -> str:
    kwargs.setdefault("image_url", hosted)
    return render_markdown(inputs.load_report(directory), **kwargs)


class Tables(HTMLParser):
    """Header cells and per-row cell counts of every table in rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[Any]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th":
                self.tables[-1]["headers"].append(text)
            else:
                self.tables[-1]["rows"][-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> list[dict[str, list[Any]]]:
    parser = Tables()
    parser.feed(html)
    for table in parser.tables:
        table["rows"] = [row for row in table["rows"] if row]
    return parser.tables


def copy_fixture(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


# --- comparison ------------------------------------------------------------------------------


def test_passing_comparison_renders_headline_table_images_and_details() -> None:
    md = render(BINARY_PASS)
    assert md.startswith("### ✅ modelci: candidate passes all 3 gates against baseline\n")
    assert "**roc\\_auc** 0.9983 (Δ +0.0055, 95% CI [+0.0015, +0.0095], p = 0.003, better)" in md
    html = github_html(md)
    metrics = tables(html)[0]
    assert metrics["headers"] == ["metric", "baseline", "candidate", "Δ", "95% CI", "p", "verdict"]
    assert [row[0] for row in metrics["rows"]][:2] == ["roc_auc", "accuracy"]
    log_loss = next(row for row in metrics["rows"] if row[0] == "log_loss")
    assert log_loss[5] == "<0.001"
    assert log_loss[6] == "— no gate, better"
    for plot in ("metric_deltas", "roc", "pr", "calibration"):
        assert f'<img src="https://img.example/run/plots/{plot}.png"' in html
    # The candidate's run directory was found: per-class, confusion matrix, importance, facts.
    summaries = re.findall(r"<summary>(.*?)</summary>", html)
    assert summaries == [
        "Per-class metrics (candidate): 2 classes",
        "Confusion matrix (candidate)",
        "Permutation importance (candidate): 12 features",
        "Run facts",
    ]
    assert html.count("<details>") == html.count("</details>") == 4
    per_class = next(t for t in tables(html) if t["headers"][0] == "class")
    assert per_class["headers"][-1] == "Δ f1"


def test_details_have_a_blank_line_after_summary() -> None:
    md = render(BINARY_PASS)
    for match in re.finditer(r"<summary>.*?</summary>(\n*)", md):
        assert match.group(1) == "\n\n"


def test_failing_comparison_puts_failed_gates_first() -> None:
    md = render(BINARY_FAIL)
    assert md.startswith("### ❌ modelci: candidate fails 2 of 4 gates against baseline\n")
    html = github_html(md)
    metrics = tables(html)[0]
    assert [row[0] for row in metrics["rows"]][:3] == [
        "roc_auc",
        "latency_ms_per_1k_rows",
        "accuracy",
    ]
    assert metrics["rows"][0][-1] == "❌ fail, worse"
    assert "dropped by 0.0219, more than the allowed 0.01" in html
    # Data check failures come first and are marked.
    checks = html.split("Data checks")[1]
    assert checks.index("❌") < checks.index("⚠️")
    assert "re-scored" in md


def test_renders_from_comparison_json_alone(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # run paths are also tried against the working directory
    alone = tmp_path / "compare"
    alone.mkdir()
    shutil.copy(BINARY_PASS / "comparison.json", alone / "comparison.json")
    md = render(alone)
    html = github_html(md)
    assert tables(html)[0]["headers"][0] == "metric"
    assert "Per-class" not in md and "Confusion matrix (candidate)" not in md
    assert "was not found" in md  # said in the run facts, not silently dropped
    assert "`HistGradientBoostingClassifier`" in md


def test_a_reused_run_directory_is_not_mistaken_for_the_compared_one(tmp_path: Path) -> None:
    root = copy_fixture(FIXTURES / "binary_pass", tmp_path)
    run_json = root / "runs" / "candidate" / "run.json"
    run = json.loads(run_json.read_text())
    run["model"]["sha256"] = "f" * 64
    run_json.write_text(json.dumps(run))
    report = inputs.load_report(root / "compare")
    assert report.candidate is None and report.baseline is not None
    assert any("now holds a different model" in note for note in report.notes)


def test_images_none_leaves_no_broken_images() -> None:
    md = render(BINARY_PASS, image_url=lambda path: None)
    html = github_html(md)
    assert "<img" not in html
    assert "Plots omitted" in md


def test_only_available_images_are_linked() -> None:
    md = render(BINARY_PASS, image_url=lambda p: hosted(p) if "roc" in p else None)
    html = github_html(md)
    assert re.findall(r'<img src="([^"]+)"', html) == ["https://img.example/run/plots/roc.png"]


def test_image_urls_with_spaces_and_parentheses_stay_links() -> None:
    md = render(BINARY_PASS, image_url=lambda p: f"../my runs (old)/{p}")
    html = github_html(md)
    assert '<img src="../my%20runs%20%28old%29/plots/roc.png"' in html


def test_regression_comparison() -> None:
    md = render(REGRESSION)
    html = github_html(md)
    metrics = tables(html)[0]
    rmse = metrics["rows"][0]
    assert rmse[0] == "rmse"
    # The interval [-12.4, -6.1] supports one decimal, so the whole row has one.
    assert rmse[1:4] == ["44.3", "35.0", "-9.3"] and rmse[4] == "[-12.4, -6.1]"
    assert rmse[6] == "✅ pass, better"
    assert "Per-class" not in md and "<summary>Confusion" not in md
    assert "⚠️ <strong>target_range</strong>" in html
    assert '<img src="https://img.example/run/plots/predicted_vs_actual.png"' in html


# --- single run ------------------------------------------------------------------------------


def test_multiclass_evaluation() -> None:
    md = render(MULTICLASS)
    assert md.startswith("### 📊 modelci evaluation\n")
    assert "**f1\\_macro** 0.918 (95% CI [0.868, 0.958])" in md
    html = github_html(md)
    found = tables(html)
    assert found[0]["headers"] == ["metric", "value", "95% CI", "method"]
    assert found[0]["rows"][0] == ["f1_macro", "0.918", "[0.868, 0.958]", "bootstrap"]
    per_class = next(t for t in found if t["headers"][0] == "class")
    assert [row[0] for row in per_class["rows"]] == ["setosa", "versicolor", "virginica"]
    confusion = next(t for t in found if t["headers"][0].startswith("true"))
    assert confusion["headers"][1:] == ["setosa", "versicolor", "virginica"]
    assert confusion["rows"][0][1] == "43 (91%)"
    assert "average_precision" in html  # skipped metrics are named with the reason
    assert "✅ all 3 checks passed" in html


# --- the size cap ----------------------------------------------------------------------------


def assert_valid_cut(md: str, limit: int) -> str:
    assert len(md) <= limit
    assert md.rstrip().endswith(
        f"… report truncated at {limit} characters; the full report is in the job summary"
    ) or md.rstrip().endswith("[job summary](https://ci.example/summary)")
    html = github_html(md)
    assert html.count("<details>") == html.count("</details>")
    return html


def test_cap_drops_details_first_and_keeps_the_table() -> None:
    full = render(BINARY_PASS)
    limit = len(full) - 200
    md = render(BINARY_PASS, limit=limit)
    html = assert_valid_cut(md, limit)
    assert "Run facts" not in md  # the last details section went first
    assert "Per-class metrics" in md  # ... and only as much as needed
    assert tables(html)[0]["headers"][0] == "metric"
    assert len(tables(html)[0]["rows"]) == 5


def test_cap_truncates_metric_rows_last() -> None:
    report = inputs.load_report(BINARY_FAIL)
    limit = len(render_markdown(report, image_url=hosted))
    # Shrink until the table itself must lose rows.
    while True:
        limit -= 25
        md = render_markdown(report, image_url=hosted, limit=limit)
        if "more metrics not shown" in md:
            break
    html = assert_valid_cut(md, limit)
    rows = tables(html)[0]["rows"]
    assert 0 < len(rows) < 5
    assert rows[0][0] == "roc_auc"  # failures are kept longest
    assert "<details>" not in md and "<img" not in html and "Data checks" not in md


def test_cap_links_the_full_report() -> None:
    md = render(BINARY_PASS, limit=3000, full_report_url="https://ci.example/summary")
    html = assert_valid_cut(md, 3000)
    assert '<a href="https://ci.example/summary">job summary</a>' in html


@pytest.mark.parametrize("limit", [200, 400, 800, 1500, 2500])
def test_cap_is_never_exceeded(limit: int) -> None:
    for directory in (BINARY_PASS, BINARY_FAIL, MULTICLASS, REGRESSION):
        md = render(directory, limit=limit)
        assert len(md) <= limit
        assert ("report truncated" in md) == (len(render(directory)) > limit)


def test_cap_with_hundreds_of_metrics(tmp_path: Path) -> None:
    directory = copy_fixture(BINARY_FAIL, tmp_path)
    doc = json.loads((directory / "comparison.json").read_text())
    template = doc["metrics"][2]
    doc["metrics"] += [
        {**template, "name": f"custom_metric_{i:04d}", "gate": {"status": "none"}}
        for i in range(2000)
    ]
    (directory / "comparison.json").write_text(json.dumps(doc))
    md = render(directory)
    html = assert_valid_cut(md, 65_000)
    rows = tables(html)[0]["rows"]
    assert 100 < len(rows) < 2005
    assert all(len(row) == 7 for row in rows)


def test_rendering_is_pure_and_repeatable() -> None:
    report = inputs.load_report(BINARY_PASS)
    calls: list[str] = []

    def url(path: str) -> str:
        calls.append(path)
        return hosted(path)

    first = render_markdown(report, image_url=url)
    assert render_markdown(report, image_url=url) == first
    assert calls[:4] == calls[4:8]


# --- escaping --------------------------------------------------------------------------------


def hostile_evaluation(tmp_path: Path) -> Path:
    directory = copy_fixture(MULTICLASS, tmp_path)
    doc = json.loads((directory / "evaluation.json").read_text())
    doc["importance"]["features"][0]["feature"] = "petal | length `x` <b>bold</b>"
    doc["importance"]["features"][0]["mean"] = 1.0
    doc["per_class"][0]["class"] = "<script>alert(1)</script>"
    doc["per_class"][1]["class"] = "@octo-org/team [click](https://evil.example)"
    doc["data_checks"][0] = {"check": "x|y", "status": "warn", "detail": "a\nb | c <img src=x>"}
    (directory / "evaluation.json").write_text(json.dumps(doc))
    return directory


def test_user_strings_cannot_break_tables_or_inject_html(tmp_path: Path) -> None:
    md = render(hostile_evaluation(tmp_path))
    html = github_html(md)
    importance = next(t for t in tables(html) if t["headers"][0] == "feature")
    assert all(len(row) == 3 for row in importance["rows"])
    assert importance["rows"][0][0] == "petal | length `x` <b>bold</b>"  # shown literally
    per_class = next(t for t in tables(html) if t["headers"][0] == "class")
    assert all(len(row) == 5 for row in per_class["rows"])
    assert "<script" not in html and "<b>bold" not in html and "<img src=x" not in html
    # No link text hiding its target: a bare URL may autolink, but only as itself.
    assert ">click</a>" not in html
    assert "@octo-org" not in html  # no mention: a word joiner follows the @
    assert "@\u2060octo-org/team" in html


def test_escape_examples() -> None:
    assert escape("a|b") == "a\\|b"
    assert escape("<i>") == "&lt;i&gt;"
    assert escape("line\nbreak") == "line break"
    assert escape("  spaced ") == "  spaced "


# --- loading ---------------------------------------------------------------------------------


def test_unknown_schema_major_is_refused(tmp_path: Path) -> None:
    directory = copy_fixture(BINARY_FAIL, tmp_path)
    doc = json.loads((directory / "comparison.json").read_text())
    doc["schema"] = "modelci.comparison/2"
    (directory / "comparison.json").write_text(json.dumps(doc))
    with pytest.raises(UserError, match=r"modelci.comparison/2 is not supported"):
        inputs.load_report(directory)


def test_wrong_kind_of_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evaluation.json").write_text(json.dumps({"schema": "modelci.run/1"}))
    with pytest.raises(UserError, match=r"must be 'modelci\.evaluation/1'"):
        inputs.load_report(tmp_path)


def test_empty_directory_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(UserError) as error:
        inputs.load_report(tmp_path)
    assert str(error.value) == (
        f"{tmp_path}: no comparison.json or evaluation.json; "
        "run `modelci evaluate` or `modelci compare` first"
    )


def test_broken_json_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "comparison.json").write_text('{"schema": ')
    with pytest.raises(UserError, match="not valid JSON"):
        inputs.load_report(tmp_path)


# --- the command -----------------------------------------------------------------------------


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    report_command.configure(parser)
    return report_command.run(parser.parse_args(argv))


def test_command_links_plots_relative_to_the_output(tmp_path: Path, capsys: Any) -> None:
    from modelci import documents, plots

    compare = copy_fixture(REGRESSION, tmp_path)
    doc = documents.read_comparison(compare / "comparison.json")
    assert plots.render_comparison_plots(doc, compare) == list(doc.plots)
    out = tmp_path / "out" / "report.md"
    page = tmp_path / "out" / "report.html"
    assert run_command(str(compare), "--out", str(out), "--html", str(page)) == 0
    assert capsys.readouterr().out.split() == [str(out), str(page)]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", out.read_text())
    assert links and all((out.parent / link).is_file() for link in links)
    assert page.read_text().count("data:image/png;base64,") == len(links)

    assert run_command(str(compare), "--out", str(out), "--images", "none") == 0
    assert "![" not in out.read_text()


def test_command_module_imports_only_the_standard_library() -> None:
    code = (
        "import sys, modelci.commands.report as r; "
        "print(sorted(m for m in ('pandas', 'sklearn', 'matplotlib', 'numpy', 'tabulate') "
        "if m in sys.modules)); assert r.HELP and r.__doc__"
    )
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(scripts)},
    )
    assert result.stdout.strip() == "[]"


# --- gate changes ----------------------------------------------------------------------------


def with_gate_changes(tmp_path: Path, **fields: Any) -> Path:
    root = copy_fixture(BINARY_FAIL, tmp_path)
    path = root / "comparison.json"
    document = json.loads(path.read_text())
    document.update(fields)
    path.write_text(json.dumps(document))
    return root


CHANGES = [
    {"metric": "roc_auc", "before": {"max_drop": 0.01}, "after": None},
    {"metric": "f1", "before": None, "after": {"min": 0.8, "strict": True}},
    {"setting": "compare.alpha", "before": 0.05, "after": 1e-9},
]


@pytest.mark.parametrize(
    ("side", "applied"),
    [("baseline", "the baseline's gates were applied"), ("candidate", "own gates were applied")],
)
def test_gate_changes_show_a_warning_in_the_headline(
    tmp_path: Path, side: str, applied: str
) -> None:
    md = render(with_gate_changes(tmp_path, gates_from=side, gate_changes=CHANGES))
    line = next(text for text in md.splitlines() if text.startswith("⚠️"))
    assert "**this pull request changes the quality gates:**" in line
    assert "roc\\_auc: max\\_drop 0.01 → no gate" in line
    assert "f1: no gate → min 0.8, strict true" in line
    assert "compare.alpha: 0.05 → 1e-09" in line  # not rounded to a misleading 0
    assert applied in line
    # In the headline, before the failed gates and the tables: reviewers see it first.
    assert md.index("⚠️ **this pull request") < md.index("#### Failed gates")
    assert ("gates from the baseline" in md) is (side == "baseline")


def test_no_gate_changes_no_warning_and_a_fallback_note(tmp_path: Path) -> None:
    note = "the baseline has no recorded config (a bring-your-own model?), so …"
    md = render(
        with_gate_changes(tmp_path, gates_from="candidate", gate_changes=[], gates_note=note)
    )
    assert "changes the quality gates" not in md
    assert "ℹ️ the baseline has no recorded config" in md


def test_broken_gate_changes_are_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="gate_changes"):
        inputs.load_report(with_gate_changes(tmp_path, gate_changes=[{"before": 1}]))


@pytest.mark.parametrize(
    "value",
    [
        "see https://phish.example/login",
        "HTTP://PHISH.EXAMPLE",
        "www.phish.example",
        "bob@phish.example",
        "mailto:bob@phish.example",
    ],
)
def test_user_text_never_becomes_a_link_in_githubs_rendering(value: str) -> None:
    # GitHub links bare URLs, www. names and e-mail addresses by itself (autolinks): a class
    # label or slice value like these must read as text in the bot's comment, not as a link.
    rendered = github_html(f"| x |\n|---|\n| {escape(value)} |\n\n{escape(value)}\n")
    assert "<a " not in rendered
    assert value.replace("@", "@\u2060").replace("www.", "www\u2060.").lower() in (rendered.lower())


def test_dollar_signs_stay_text_rather_than_githubs_math() -> None:
    assert github_html(escape("price=$10-$20")).strip() == "<p>price=$10-$20</p>"
