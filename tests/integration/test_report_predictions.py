"""Report, comment, leaderboard and check of prediction runs: no model, and the report says so."""

from __future__ import annotations

import contextlib
import html as html_module
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO, TOKEN
from tests.prediction_runs_support import copy_runs, model_runs, predictions_run

from modelci.pull_request import bundle, rendering
from modelci.report import inputs
from modelci.report.markdown import render_markdown

CANDIDATE_ONLY = (
    "Latency, size and permutation importance need a model; the candidate has only predictions."
)
RUN_ONLY = "Latency, size and permutation importance need a model; this run has only predictions."
LEAKS = re.compile(r"\b(None|nan|NaN|null|inf)\b")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Model runs, prediction runs made from their predictions, and the compare directories:
    `cmp-pred` (predictions candidate vs model baseline), `cmp-both` (two prediction runs),
    `cmp-model` (the lr model vs the same baseline)."""
    from tests.conftest import run_in_process

    root = tmp_path_factory.mktemp("world")
    runs = model_runs(root / "trained")
    runs = copy_runs(runs, root)
    predictions_run(runs["lr"], root / "runs" / "p-lr", shuffle=True, name="lr predictions")
    predictions_run(runs["tree"], root / "runs" / "p-tree")
    with contextlib.chdir(root):
        for out, candidate, baseline in (
            ("cmp-pred", "p-lr", "tree"),
            ("cmp-both", "p-lr", "p-tree"),
            ("cmp-model", "lr", "tree"),
        ):
            # As the pull-request workflow does: a predictions run records no config.
            done = run_in_process(
                "compare",
                "-q",
                f"runs/{candidate}",
                f"runs/{baseline}",
                "--out",
                out,
                "--gates-from",
                "baseline",
            )
            assert done.code == 0, done.stderr
    # The baseline's run.json as a run trained by this version records it (flavour, library).
    info = json.loads((root / "runs/tree/run.json").read_text())
    info["model"].update(flavour="sklearn", library="scikit-learn", library_version="1.9.1")
    (root / "runs/tree/run.json").write_text(json.dumps(info))
    return root


@pytest.fixture
def here(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the world to change, as the working directory."""
    shutil.copytree(world, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def html_of(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)


def table_widths(html: str) -> list[set[int]]:
    """Per table, the set of cell counts of its rows: one count each when no row broke."""
    widths = []
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        widths.append({len(re.findall(r"<t[hd][ >]", row)) for row in rows})
    return widths


def assert_clean(md: str) -> str:
    """GitHub renders it to whole tables, and no None/nan leaked into the text."""
    assert not LEAKS.search(md), LEAKS.search(md)
    html = html_of(md)
    assert all(len(widths) == 1 for widths in table_widths(html)), table_widths(html)
    return html


def report(directory: str, cli: Any, *extra: str) -> str:
    done = cli("report", "-q", directory, "--out", "report.md", *extra)
    assert done.code == 0, done.stderr
    return Path("report.md").read_text()


def body_rows(table: str) -> list[list[str]]:
    """The text of each body cell of one rendered table, row by row."""
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [
        [
            html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def facts(html: str) -> dict[str, list[str]]:
    table = re.search(r"<summary>Run facts</summary>.*?<table>(.*?)</table>", html, re.S)
    assert table, "no run facts"
    return {cells[0]: cells[1:] for cells in body_rows(table.group(1))}


# --- report ------------------------------------------------------------------------------------


def test_a_predictions_candidate_says_why_it_has_no_size_latency_or_importance(here, cli) -> None:
    md = report("cmp-pred", cli)
    html = assert_clean(md)
    assert CANDIDATE_ONLY in md
    assert (
        "candidate (predictions only) vs baseline `DecisionTreeClassifier` (scikit-learn 1.9.1)"
        in md
    )
    rows = facts(html)  # columns: baseline, candidate
    assert rows["model"][1] == "none: predictions only"
    assert rows["model"][0].startswith("sha256 ")
    assert rows["latency"][1] == "needs a model"
    assert rows["latency"][0].endswith("ms per 1,000 rows")
    assert rows["model library"] == ["scikit-learn 1.9.1", "—"]
    assert "Permutation importance" not in html


def test_two_prediction_runs_render_without_any_model(here, cli) -> None:
    md = report("cmp-both", cli, "--html", "report.html")
    assert_clean(md)
    both = "Latency, size and permutation importance need a model; both runs have only predictions."
    assert both in md
    assert "candidate (predictions only) vs baseline (predictions only)" in md
    page = Path("report.html").read_text()
    assert both in page and not LEAKS.search(re.sub(r"<[^>]+>", " ", page))


def test_an_evaluated_prediction_run_reports_alone(here, cli) -> None:
    md = report("runs/p-lr", cli)
    html = assert_clean(md)
    assert RUN_ONLY in md
    assert "<sub>predictions only · 80 test rows · classification</sub>" in md
    assert facts(html)["model"] == ["none: predictions only"]


def test_untrusted_strings_of_a_prediction_run_stay_text(here, cli) -> None:
    run = here / "runs" / "p-lr"
    info = json.loads((run / "run.json").read_text())
    info["training"] = {
        "command": "python `x` | <img src=x> @octo-org/team",
        "output": "predictions",
    }
    (run / "run.json").write_text(json.dumps(info))
    evaluation = json.loads((run / "evaluation.json").read_text())
    evaluation["unavailable"] = {**evaluation["unavailable"], "shap|x": "<script>alert(1)</script>"}
    (run / "evaluation.json").write_text(json.dumps(evaluation))
    md = report("cmp-pred", cli)
    html = assert_clean(md)
    assert "<img src=x" not in html and "<script" not in html and "@octo-org" not in html
    assert facts(html)["training command"][1] == "python `x` | <img src=x> @\u2060octo-org/team"
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert "Not measured for the candidate: shap|x (<script>alert(1)</script>)" in shown


# --- leaderboard -------------------------------------------------------------------------------


def test_a_leaderboard_with_a_predictions_candidate(here, cli) -> None:
    done = cli("report", "-q", "cmp-pred", "cmp-model", "--out", "board.md")
    assert done.code == 0, done.stderr
    md = Path("board.md").read_text()
    html = assert_clean(md)
    board = re.search(r"<table>(.*?)</table>", html, re.S)
    assert board, "no leaderboard table"
    rows = {cells[1]: cells for cells in body_rows(board.group(1))}
    # Named by run.json `name`, else the config file; a predictions run has no config.
    assert set(rows) == {"lr predictions", "lr.yaml"}, rows
    predictions, model = rows["lr predictions"], rows["lr.yaml"]
    assert predictions[-2:] == ["—", "—"]
    assert model[-2].endswith("KiB") and model[-1].endswith(" ms")
    assert "Size and latency need a model: — for a candidate with only predictions." in md
    assert CANDIDATE_ONLY in md  # in the candidate's own collapsed report


def test_a_leaderboard_of_evaluated_runs_mixes_models_and_predictions(here, cli) -> None:
    done = cli("report", "-q", "runs/p-lr", "runs/tree", "--out", "board.md")
    assert done.code == 0, done.stderr
    md = Path("board.md").read_text()
    assert_clean(md)
    assert "Size and latency need a model" in md and RUN_ONLY in md


# --- the PR comment, by the fork route ---------------------------------------------------------


def test_the_comment_bundle_of_a_predictions_comparison_renders_in_the_trusted_job(
    here, cli
) -> None:
    done = cli("comment", "cmp-pred", "--bundle", "bundle-out", "--pr", "7", "--images", "none")
    assert done.code == 0, done.stderr
    archive = here / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((here / "bundle-out").rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(here / "bundle-out").as_posix())
    shutil.rmtree(here / "runs")  # the trusted job has only the bundle
    received = bundle.read_untrusted_bundle(archive)
    md = rendering.from_bundle(received).render(lambda path: None, 65_000, None)
    html = assert_clean(md)
    assert CANDIDATE_ONLY in md
    assert "`DecisionTreeClassifier` (scikit-learn 1.9.1)" in md
    assert facts(html)["model"][1] == "none: predictions only"


def test_a_report_from_comparison_json_alone_still_knows_the_predictions_side(here) -> None:
    shutil.rmtree(here / "runs")
    md = render_markdown(inputs.load_report(here / "cmp-pred"), image_url=lambda path: None)
    assert_clean(md)
    assert CANDIDATE_ONLY in md
    assert "candidate (predictions only) vs baseline `DecisionTreeClassifier` (sklearn)" in md


# --- check -------------------------------------------------------------------------------------


def test_check_posts_a_predictions_comparison(
    here, cli, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MODELCI_")):
            monkeypatch.delenv(name)
    sha = fake_github.state.repo(REPO).pulls[1].head_sha
    for name, value in {
        "GITHUB_API_URL": fake_github.api_url,
        "GITHUB_SERVER_URL": fake_github.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SHA": sha,
        "GITHUB_OUTPUT": str(here / "github_output"),
    }.items():
        monkeypatch.setenv(name, value)
    done = cli("check", "cmp-pred")
    assert done.code == 0, done.stderr
    (posted,) = fake_github.state.repo(REPO).check_runs.values()
    assert (posted.conclusion, posted.head_sha) == ("success", sha)
    assert posted.output["title"] == "candidate passes the gate against baseline"
    summary = posted.output["summary"]
    assert CANDIDATE_ONLY in summary
    assert_clean(summary)


# --- a model whose flavour cannot report everything ---------------------------------------------


def test_a_model_without_an_estimator_is_named_by_its_flavour_and_says_what_it_lacks(
    here, cli
) -> None:
    run = here / "runs" / "tree"
    info = json.loads((run / "run.json").read_text())
    info["estimator"] = None
    info["model"].update(flavour="onnx", library="onnx", library_version="1.17.0")
    (run / "run.json").write_text(json.dumps(info))
    evaluation = json.loads((run / "evaluation.json").read_text())
    evaluation["unavailable"] = {"importance": "an ONNX graph has no feature importance"}
    (run / "evaluation.json").write_text(json.dumps(evaluation))
    md = report("runs/tree", cli)
    html = assert_clean(md)
    assert "<sub>`onnx model` (onnx 1.17.0) · 80 test rows · classification</sub>" in md
    assert "ℹ️ Not measured: **importance** (an ONNX graph has no feature importance)" in md
    assert "need a model" not in md
    assert facts(html)["model library"] == ["onnx 1.17.0"]


def test_a_predictions_side_whose_directory_now_holds_a_model_is_not_mistaken_for_it(
    here, cli
) -> None:
    shutil.rmtree(here / "runs" / "p-lr")
    shutil.copytree(here / "runs" / "lr", here / "runs" / "p-lr")  # `modelci train` reused it
    md = report("cmp-pred", cli)
    assert "the candidate run directory runs/p-lr now holds a different model" in md
    assert CANDIDATE_ONLY in md  # still what was compared, from comparison.json
    assert "LogisticRegression" not in md
