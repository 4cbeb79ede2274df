"""The leaderboard of several candidates against one baseline: ranking, refusals, cap, rendering."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest

from modelci.commands import report as report_command
from modelci.errors import UserError
from modelci.report import inputs
from modelci.report.blocks import Table
from modelci.report.html import render_leaderboard_html
from modelci.report.leaderboard import build_leaderboard, candidate_name
from modelci.report.markdown import render_leaderboard_markdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
BOARD = FIXTURES / "leaderboard"
NAMES = ("compare-hgb", "compare-lr", "compare-rf")
EVAL = FIXTURES / "multiclass_eval"


def github_html(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)


def hosted(path: str) -> str:
    return f"https://img.example/run/{path}"


def load(*dirs: Path) -> list[inputs.Report]:
    return [inputs.load_report(directory) for directory in dirs]


def render(*dirs: Path, **kwargs: Any) -> str:
    kwargs.setdefault("image_url", hosted)
    return render_leaderboard_markdown(build_leaderboard(load(*dirs)), **kwargs)


def dirs(root: Path = BOARD, order: tuple[str, ...] = ("compare-rf", "compare-hgb", "compare-lr")):
    return [root / name for name in order]


def copy_board(tmp_path: Path) -> Path:
    target = tmp_path / "leaderboard"
    shutil.copytree(BOARD, target)
    return target


def edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def metric(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in doc["metrics"] if m["name"] == name)


class Outline(HTMLParser):
    """Tables and `<details>` summaries, each with how deep in `<details>` it sits."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.tables: list[dict[str, Any]] = []
        self.summaries: list[tuple[int, str]] = []
        self._summary: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self.depth += 1
        elif tag == "summary":
            self._summary = []
        elif tag == "table":
            self.tables.append({"depth": self.depth, "headers": [], "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.depth -= 1
        elif tag == "summary" and self._summary is not None:
            self.summaries.append((self.depth, "".join(self._summary)))
            self._summary = None
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            table = self.tables[-1]
            (table["headers"] if tag == "th" else table["rows"][-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        for buffer in (self._summary, self._cell):
            if buffer is not None:
                buffer.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    for table in parser.tables:
        table["rows"] = [row for row in table["rows"] if row]
    return parser


# --- ranking and content ---------------------------------------------------------------------


def test_three_candidates_rank_best_first_by_a_higher_is_better_metric() -> None:
    md = render(*dirs())
    assert md.startswith("### ❌ modelci leaderboard: 1 of 3 candidates fails its gates\n")
    assert "Best by **roc\\_auc** (higher is better): **hgb** 0.9983 (Δ +0.0055" in md
    page = outline(github_html(md))
    [board] = [table for table in page.tables if table["depth"] == 0]
    assert board["headers"] == [
        "#",
        "candidate",
        "roc_auc",
        "Δ vs baseline",
        "95% CI",
        "p",
        "gates",
        "size",
        "latency",
    ]
    assert [row[:3] for row in board["rows"]] == [
        ["1", "hgb", "0.9983"],
        ["2", "compare-lr", "0.9950"],  # the column's decimals, so it lines up
        ["3", "rf.yaml", "0.9512"],
    ]
    hgb, lr, rf = board["rows"]
    assert hgb[3:6] == ["+0.0055", "[+0.0015, +0.0095]", "0.003"]
    assert hgb[6] == "✅ 3 passed"
    assert rf[6] == "❌ roc_auc, latency_ms_per_1k_rows"
    assert (hgb[7], hgb[8]) == ("240 KiB", "2.1 ms")  # from the run directory
    assert (lr[7], lr[8]) == ("2 KiB", "0.8 ms")  # run directory gone: from comparison.json
    assert (rf[7], rf[8]) == ("1 MiB", "3.4 ms")


def test_input_order_does_not_change_the_ranking() -> None:
    first = render(*dirs(order=NAMES))
    assert render(*dirs(order=tuple(reversed(NAMES)))) == first


def test_lower_is_better_primary_ranks_smallest_first(tmp_path: Path) -> None:
    root = copy_board(tmp_path)
    for name, value in (("compare-hgb", 0.30), ("compare-lr", 0.15), ("compare-rf", 0.25)):

        def change(doc: dict[str, Any], value: float = value) -> None:
            doc["primary"] = "log_loss"
            metric(doc, "log_loss").update(candidate=value, delta=value - 0.3127)

        edit(root / name / "comparison.json", change)
    md = render(*dirs(root))
    assert "Best by **log\\_loss** (lower is better): **compare-lr** 0.15" in md
    [board] = [t for t in outline(github_html(md)).tables if t["depth"] == 0]
    assert [row[1] for row in board["rows"]] == ["compare-lr", "rf.yaml", "hgb"]


def test_all_passing_headline(tmp_path: Path) -> None:
    md = render(BOARD / "compare-hgb", BOARD / "compare-lr")
    assert md.startswith("### ✅ modelci leaderboard: all 2 candidates pass their gates\n")


def test_candidate_names_follow_run_name_then_config_then_directory() -> None:
    reports = load(*dirs(order=NAMES))
    assert [candidate_name(report) for report in reports] == ["hgb", "compare-lr", "rf.yaml"]


def test_one_details_block_per_candidate_with_its_report_body() -> None:
    md = render(*dirs())
    page = outline(github_html(md))
    top = [title for depth, title in page.summaries if depth == 1]
    assert top == [
        "1. hgb: ✅ passes 3 gates",
        "2. compare-lr: ✅ passes 3 gates",
        "3. rf.yaml: ❌ fails roc_auc, latency_ms_per_1k_rows",
    ]
    # Each candidate's usual metrics table sits inside its block, not beside the leaderboard.
    metrics = [t for t in page.tables if t["headers"][0] == "metric"]
    assert len(metrics) == 3
    assert all(t["depth"] == 1 for t in metrics)
    # Its own details (per-class, run facts, ...) nest one level deeper.
    assert {depth for depth, _ in page.summaries} == {1, 2}
    assert md.count("<details>") == md.count("</details>")


def test_plots_are_prefixed_per_candidate() -> None:
    board = build_leaderboard(load(*dirs()))
    assert board.plots["hgb/plots/roc.png"] == (str(BOARD / "compare-hgb"), "plots/roc.png")
    assert "rf.yaml/plots/roc.png" in board.plots
    html = github_html(render(*dirs()))
    for slug in ("hgb", "compare-lr", "rf.yaml"):
        assert f'<img src="https://img.example/run/{slug}/plots/roc.png"' in html


def test_duplicate_names_get_distinct_prefixes(tmp_path: Path) -> None:
    root = copy_board(tmp_path)
    shutil.copytree(root / "compare-lr", root / "other" / "compare-lr")
    board = build_leaderboard(load(root / "compare-lr", root / "other" / "compare-lr"))
    assert sorted(c.slug for c in board.candidates) == ["compare-lr", "compare-lr-2"]


def test_a_hostile_name_stays_text(tmp_path: Path) -> None:
    root = copy_board(tmp_path)
    edit(root / "runs" / "hgb" / "run.json", lambda doc: doc.update(name="<b>x</b> | @team"))
    md = render(*dirs(root))
    html = github_html(md)
    assert "<b>" not in html and "@team" not in html
    [board] = [t for t in outline(html).tables if t["depth"] == 0]
    assert board["rows"][0][1] == "<b>x</b> | @\u2060team"
    assert len(board["rows"][0]) == 9


def test_html_has_the_same_content() -> None:
    board = build_leaderboard(load(*dirs()))
    page = render_leaderboard_html(board, images={"hgb/plots/roc.png": b"\x89PNG fake"})
    parsed = outline(page)
    [table] = [t for t in parsed.tables if t["depth"] == 0]
    assert [row[1] for row in table["rows"]] == ["hgb", "compare-lr", "rf.yaml"]
    top = [title for depth, title in parsed.summaries if depth == 1]
    assert top == [
        "1. hgb: ✅ passes 3 gates",
        "2. compare-lr: ✅ passes 3 gates",
        "3. rf.yaml: ❌ fails roc_auc, latency_ms_per_1k_rows",
    ]
    assert page.count('class="fail"') >= 1
    assert "data:image/png;base64," in page


# --- refusals --------------------------------------------------------------------------------


def test_different_baselines_are_refused(tmp_path: Path) -> None:
    root = copy_board(tmp_path)
    edit(
        root / "compare-lr" / "comparison.json",
        lambda doc: doc["baseline"].update(model_sha256="f0" * 32),
    )
    with pytest.raises(UserError, match="differ in their baseline model") as raised:
        build_leaderboard(load(*dirs(root)))
    assert "\n" not in raised.value.line()


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [("task", "regression", "task"), ("primary", "accuracy", "primary metric")],
)
def test_different_task_or_primary_is_refused(
    tmp_path: Path, field: str, value: str, what: str
) -> None:
    root = copy_board(tmp_path)
    edit(root / "compare-rf" / "comparison.json", lambda doc: doc.update({field: value}))
    with pytest.raises(UserError, match=f"differ in their {what}"):
        build_leaderboard(load(*dirs(root)))


def test_mixing_compare_and_evaluated_run_directories_is_refused() -> None:
    for order in ((BOARD / "compare-hgb", EVAL), (EVAL, BOARD / "compare-hgb")):
        with pytest.raises(UserError, match="evaluated run directory, not a comparison") as raised:
            build_leaderboard(load(*order))
        line = raised.value.line()
        assert "\n" not in line and "not a mix" in line
        assert str(EVAL) in line and str(BOARD / "compare-hgb") in line


# --- no baseline yet: evaluated run directories ----------------------------------------------


def eval_runs(
    tmp_path: Path, values: dict[str, float | None], *, primary: str = "f1_macro"
) -> list[Path]:
    """One evaluated run directory per candidate, named by its config, from multiclass_eval."""
    made = []
    for name, value in values.items():
        target = tmp_path / "runs" / name
        shutil.copytree(EVAL, target)

        def change(doc: dict[str, Any], value: float | None = value) -> None:
            doc["primary"] = primary
            entry = doc["metrics"][primary]
            entry["value"] = value
            entry["ci"] = (
                None if value is None else [round(value - 0.05, 4), round(value + 0.03, 4)]
            )

        edit(target / "evaluation.json", change)
        edit(target / "run.json", lambda doc, name=name: doc.update(config_path=f"{name}.yaml"))
        made.append(target)
    return made


def board_table(md: str) -> dict[str, Any]:
    [board] = [t for t in outline(github_html(md)).tables if t["depth"] == 0]
    return board


def test_evaluations_rank_by_the_primary_value_without_a_baseline(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"rf": 0.91, "hgb": 0.95, "lr": 0.88})
    md = render(*runs)
    assert md.startswith("### 📊 modelci: 3 candidates, no baseline yet\n")
    # An interval 0.08 wide: three decimals, on the value and both ends alike.
    best = "Best by **f1\\_macro** (higher is better): **hgb.yaml** 0.950 (95% CI [0.900, 0.980])"
    assert best in md
    board = board_table(md)
    assert board["headers"] == ["#", "candidate", "f1_macro", "95% CI", "size", "latency"]
    assert board["rows"] == [
        ["1", "hgb.yaml", "0.950", "[0.900, 0.980]", "18 KiB", "0.42 ms"],
        ["2", "rf.yaml", "0.910", "[0.860, 0.940]", "18 KiB", "0.42 ms"],
        ["3", "lr.yaml", "0.880", "[0.830, 0.910]", "18 KiB", "0.42 ms"],
    ]
    # No delta, p or gate anywhere on the board.
    for word in ("Δ", "gate", "baseline model"):
        assert word not in md.split("<details>")[0].replace("no gates", ""), word
    page = outline(github_html(md))
    top = [title for depth, title in page.summaries if depth == 1]
    assert top == [
        "1. hgb.yaml: f1_macro 0.950",
        "2. rf.yaml: f1_macro 0.910",
        "3. lr.yaml: f1_macro 0.880",
    ]
    # each candidate's usual evaluation report sits in its block
    metrics = [t for t in page.tables if t["headers"][:2] == ["metric", "value"]]
    assert len(metrics) == 3 and all(t["depth"] == 1 for t in metrics)
    assert render(*reversed(runs)) == md


def test_evaluations_lower_is_better_and_missing_values_last(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": None, "b": 0.30, "c": 0.21}, primary="log_loss")
    md = render(*runs)
    assert "(lower is better): **c.yaml** 0.21" in md
    assert [row[1] for row in board_table(md)["rows"]] == ["c.yaml", "b.yaml", "a.yaml"]
    assert board_table(md)["rows"][2][2:4] == ["—", "—"]


def test_evaluations_with_the_same_run_name_are_told_apart_by_config(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8})
    for run in runs:
        edit(run / "run.json", lambda doc: doc.update(name="demo"))
    board = build_leaderboard(load(*runs))
    assert [c.name for c in board.candidates] == ["demo (a.yaml)", "demo (b.yaml)"]
    assert [c.slug for c in board.candidates] == ["demo-a.yaml", "demo-b.yaml"]


def test_evaluations_of_another_primary_metric_are_refused(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8})
    edit(runs[1] / "evaluation.json", lambda doc: doc.update(primary="accuracy"))
    with pytest.raises(UserError, match="differ in their primary metric") as raised:
        build_leaderboard(load(*runs))
    assert "\n" not in raised.value.line()


def test_evaluations_html_and_cap(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8, "c": 0.85})
    board = build_leaderboard(load(*runs))
    page = render_leaderboard_html(board, images={})
    [table] = [t for t in outline(page).tables if t["depth"] == 0]
    assert [row[1] for row in table["rows"]] == ["a.yaml", "c.yaml", "b.yaml"]
    assert "no baseline yet" in page
    for limit in (300, 2_000, 8_000):
        md = render(*runs, limit=limit)
        assert len(md) <= limit and md.count("<details>") == md.count("</details>")


def test_command_writes_a_leaderboard_of_evaluations(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8})
    out = tmp_path / "report.md"
    assert run_command(*map(str, runs), "--out", str(out)) == 0
    assert out.read_text().startswith("### 📊 modelci: 2 candidates, no baseline yet")


def with_gates(run: Path, *failed: str, passed: tuple[str, ...] = ("accuracy",)) -> None:
    """evaluation.json's absolute gates: `failed` below their floor, `passed` above it."""

    def result(name: str, status: str) -> dict[str, Any]:
        reason = "0.880 is below the minimum 0.9" if status == "fail" else ""
        return {"name": name, "rule": {"min": 0.9}, "status": status, "reason": reason}

    gates = {
        "verdict": "fail" if failed else "pass",
        "results": [result(n, "pass") for n in passed] + [result(n, "fail") for n in failed],
        "waiting": ["roc_auc_ovr"],
    }
    edit(run / "evaluation.json", lambda doc: doc.update(gates=gates))


def test_evaluations_say_which_candidates_fail_their_absolute_gates(tmp_path: Path) -> None:
    rf, hgb, lr = eval_runs(tmp_path, {"rf": 0.91, "hgb": 0.95, "lr": 0.88})
    with_gates(rf)
    with_gates(hgb, "f1_macro", "log_loss")  # the best by value, yet below its floors
    with_gates(lr)
    md = render(rf, hgb, lr)
    assert md.startswith(
        "### 📊 modelci: 3 candidates, no baseline yet · 1 fails its absolute gates\n"
    )
    assert (
        "**hgb.yaml** 0.950 (95% CI [0.900, 0.980]) · ❌ fails **f1\\_macro**, **log\\_loss**" in md
    )
    board = board_table(md)
    assert board["headers"] == ["#", "candidate", "f1_macro", "95% CI", "gates", "size", "latency"]
    # Ranked by value alone, as the comparison board ranks a candidate that fails its gates,
    # and marked in the gates column, in its block's summary and by the row's tag.
    assert [row[1] for row in board["rows"]] == ["hgb.yaml", "rf.yaml", "lr.yaml"]
    assert [row[4] for row in board["rows"]] == [
        "❌ f1_macro, log_loss",
        "✅ 1 passed",
        "✅ 1 passed",
    ]
    top = [title for depth, title in outline(github_html(md)).summaries if depth == 1]
    assert top == [
        "1. hgb.yaml: f1_macro 0.950 · ❌ fails f1_macro, log_loss",
        "2. rf.yaml: f1_macro 0.910 · ✅ passes 1 absolute gate",
        "3. lr.yaml: f1_macro 0.880 · ✅ passes 1 absolute gate",
    ]
    [table] = build_leaderboard(load(rf, hgb, lr)).sections[1].blocks[:1]
    assert isinstance(table, Table) and table.tags == ("fail", "pass", "pass")
    assert "absolute ones (min, max), relative ones wait for a baseline" in md
    # The HTML report says the same.
    page = render_leaderboard_html(build_leaderboard(load(rf, hgb, lr)), images={})
    [html_table] = [t for t in outline(page).tables if t["depth"] == 0]
    assert html_table["rows"][0][4] == "❌ f1_macro, log_loss"
    assert "1 fails its absolute gates" in page


def test_evaluations_headline_counts_every_failing_candidate(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8, "c": 0.85})
    with_gates(runs[0], "accuracy", passed=())
    with_gates(runs[1], "accuracy", passed=())
    with_gates(runs[2])
    md = render(*runs)
    assert md.startswith(
        "### 📊 modelci: 3 candidates, no baseline yet · 2 fail their absolute gates\n"
    )


def test_evaluations_that_all_pass_or_only_wait_say_so(tmp_path: Path) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8})
    for run in runs:
        with_gates(run)
    assert render(*runs).startswith(
        "### 📊 modelci: 2 candidates, no baseline yet · all pass their absolute gates\n"
    )
    # One candidate's config has only relative gates: they wait, nothing is decided yet.
    edit(runs[1] / "evaluation.json", lambda doc: doc["gates"].update(results=[]))
    md = render(*runs)
    assert md.startswith(
        "### 📊 modelci: 2 candidates, no baseline yet · 1 passes its absolute gates\n"
    )
    assert [row[4] for row in board_table(md)["rows"]] == [
        "✅ 1 passed",
        "— 1 waiting for a baseline",
    ]


def test_evaluations_without_gates_keep_the_board_without_a_gates_column(
    tmp_path: Path,
) -> None:
    runs = eval_runs(tmp_path, {"a": 0.9, "b": 0.8})
    with_gates(runs[0], "accuracy")
    board = board_table(render(*runs))
    assert board["rows"][1][4] == "— no gates"  # a config without gates beside one with them
    edit(runs[0] / "evaluation.json", lambda doc: doc.update(gates=None))
    assert "gates" not in board_table(render(*runs))["headers"]


def test_a_compare_directory_moved_with_its_runs_finds_them_beside_it(tmp_path: Path) -> None:
    """The pull-request workflow's artifact: candidate/, baseline/, compare/ in one folder,
    with the absolute paths compare recorded gone."""
    folder = tmp_path / "modelci-compare-hgb"
    shutil.copytree(BOARD / "runs" / "hgb", folder / "candidate")
    shutil.copytree(BOARD / "runs" / "baseline", folder / "baseline")
    shutil.copytree(BOARD / "compare-hgb", folder / "compare")

    def recorded_elsewhere(doc: dict[str, Any]) -> None:
        doc["candidate"]["run"] = "/runner/temp/modelci/result/candidate"
        doc["baseline"]["run"] = "/runner/temp/modelci/result/baseline"

    edit(folder / "compare" / "comparison.json", recorded_elsewhere)
    [report] = load(folder / "compare")
    assert report.notes == ()
    assert report.candidate_run is not None and report.candidate_run.name == "hgb"
    assert report.baseline is not None
    # a stranger of the same name beside it is not taken for the run
    edit(folder / "baseline" / "run.json", lambda doc: doc["model"].update(sha256="ab" * 32))
    [report] = load(folder / "compare")
    assert any("now holds a different model" in note for note in report.notes)


# --- the size cap ----------------------------------------------------------------------------


def assert_valid_cut(md: str, limit: int) -> Outline:
    assert len(md) <= limit
    assert "report truncated at" in md
    assert md.count("<details>") == md.count("</details>")
    return outline(github_html(md))


def test_cap_drops_the_worst_candidates_details_first() -> None:
    full = render(*dirs())
    md = render(*dirs(), limit=len(full) - 200)
    page = assert_valid_cut(md, len(full) - 200)
    top = [title for depth, title in page.summaries if depth == 1]
    assert top == ["1. hgb: ✅ passes 3 gates", "2. compare-lr: ✅ passes 3 gates"]
    [board] = [t for t in page.tables if t["depth"] == 0]
    assert len(board["rows"]) == 3


def test_cap_keeps_the_whole_table_before_cutting_rows() -> None:
    head = render(*dirs()).split("<details>")[0]
    limit = len(head) + 200
    page = assert_valid_cut(render(*dirs(), limit=limit), limit)
    assert page.summaries == []
    [board] = page.tables
    assert len(board["rows"]) == 3


def test_cap_cuts_table_rows_from_the_worst_up() -> None:
    head = render(*dirs()).split("<details>")[0]
    limit = len(head) - 120
    md = render(*dirs(), limit=limit, full_report_url="https://ci.example/summary")
    page = assert_valid_cut(md, limit)
    [board] = page.tables
    assert 0 < len(board["rows"]) < 3
    assert board["rows"][0][1] == "hgb"
    assert "more candidates not shown" in md


@pytest.mark.parametrize("limit", [200, 1_000, 3_000, 10_000, 30_000])
def test_cap_is_never_exceeded(limit: int) -> None:
    md = render(*dirs(), limit=limit)
    assert len(md) <= limit
    assert md.count("<details>") == md.count("</details>")


# --- the command -----------------------------------------------------------------------------


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    report_command.configure(parser)
    return report_command.run(parser.parse_args(list(argv)))


def test_command_writes_one_leaderboard_with_each_candidates_plots(
    tmp_path: Path, capsys: Any
) -> None:
    root = copy_board(tmp_path)
    for name in NAMES:
        (root / name / "plots").mkdir()
        (root / name / "plots" / "roc.png").write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())
    out, page = tmp_path / "out" / "report.md", tmp_path / "out" / "report.html"
    out.parent.mkdir()
    assert run_command(*map(str, dirs(root)), "--out", str(out), "--html", str(page)) == 0
    md = out.read_text()
    assert md.startswith("### ❌ modelci leaderboard")
    links = re.findall(r"!\[ROC curve\]\(([^)]+)\)", md)
    assert sorted(links) == sorted(f"../leaderboard/{name}/plots/roc.png" for name in NAMES)
    assert page.read_text().count("data:image/png;base64,") == 3
    assert capsys.readouterr().out.split() == [str(out), str(page)]


def test_command_refuses_mismatched_dirs_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    with pytest.raises(UserError) as raised:
        run_command(
            str(BOARD / "compare-hgb"), str(FIXTURES / "multiclass_eval"), "--out", str(out)
        )
    assert "\n" not in raised.value.line()
    assert not out.exists()
