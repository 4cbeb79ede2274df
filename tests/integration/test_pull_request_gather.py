"""The report job's gather against the fake GitHub: each candidate's artifact found, its check
posted, one report of them all, and the outputs the comment and the gate step read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO, TOKEN

from modelci.pull_request import gather

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"


def outputs(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {m[1]: m[3] for m in re.finditer(r"^([^\n<]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}


def environ(fake: FakeGitHub, tmp_path: Path, candidates: str) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SHA": fake.state.repo(REPO).pulls[1].head_sha,
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "CANDIDATES": candidates,
    }


def compared(root: Path, ident: str, verdict: str) -> None:
    """A candidate job's artifact with a comparison (the fixture's runs lie beside it)."""
    folder = root / f"modelci-compare-{ident}"
    shutil.copytree(FIXTURES / "binary_pass", folder)
    if verdict == "fail":
        shutil.copy(FIXTURES / "binary_fail" / "comparison.json", folder / "compare")


def evaluated_only(root: Path, ident: str) -> None:
    """A candidate job's artifact without a baseline: the evaluated run alone."""
    shutil.copytree(
        FIXTURES / "binary_pass" / "runs" / "candidate",
        root / f"modelci-compare-{ident}" / "candidate",
    )


def test_each_candidate_gets_its_check_and_the_outputs_name_the_failures(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "gather"
    compared(root, "a.yaml", "pass")
    compared(root, "b.yaml", "fail")
    env = environ(fake_github, tmp_path, '["a.yaml", "b.yaml"]')
    code = gather.main(["--root", str(root), "--report", str(tmp_path / "report")], env)
    assert code == 0  # the gate step fails the job, after the comment
    checks = sorted(
        (c.name, c.conclusion) for c in fake_github.state.repo(REPO).check_runs.values()
    )
    assert checks == [("modelci (a.yaml)", "success"), ("modelci (b.yaml)", "failure")]
    written = outputs(tmp_path / "github_output")
    assert written["dirs"].splitlines() == [
        str(root / "modelci-compare-a.yaml" / "compare"),
        str(root / "modelci-compare-b.yaml" / "compare"),
    ]
    assert written["failed"] == "b.yaml (roc_auc, latency_ms_per_1k_rows)"
    assert "leaderboard" in Path(written["markdown"]).read_text(encoding="utf-8")
    assert Path(written["html"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_candidate_without_a_baseline_reports_its_run_and_fails_nothing(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "gather"
    evaluated_only(root, "modelci.yaml")
    env = environ(fake_github, tmp_path, "[]")
    argv = ["--root", str(root), "--report", str(tmp_path / "report"), "--checks", "false"]
    assert gather.main(argv, env) == 0
    assert fake_github.state.repo(REPO).check_runs == {}  # a fork's run: no checks
    written = outputs(tmp_path / "github_output")
    assert written["dirs"] == str(root / "modelci-compare-modelci.yaml" / "candidate")
    assert written["failed"] == ""


def test_a_missing_comparison_is_one_error_line_and_no_output(
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "gather"
    compared(root, "a.yaml", "pass")  # b.yaml's job uploaded nothing
    env = environ(fake_github, tmp_path, '["a.yaml", "b.yaml"]')
    code = gather.main(["--root", str(root), "--report", str(tmp_path / "report")], env)
    assert code == 2
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1, printed
    assert printed[0].startswith("::error title=modelci report::")
    assert "modelci-compare-b.yaml: no compare/ or candidate/ folder" in printed[0]
    assert fake_github.state.repo(REPO).check_runs == {}  # nothing posted for half the plan
    assert not (tmp_path / "github_output").exists()
    assert not (tmp_path / "report").exists()


def test_a_wrong_event_is_refused_before_anything_is_read(
    fake_github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**environ(fake_github, tmp_path, "[]"), "GITHUB_EVENT_NAME": "push"}
    code = gather.main(["--root", str(tmp_path), "--report", str(tmp_path / "report")], env)
    assert code == 2
    assert "runs on pull_request events, not push" in capsys.readouterr().out
