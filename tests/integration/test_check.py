"""`modelci check` against the fake GitHub: check runs, annotations, the status fallback, faults."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Result
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import CheckRun, Repo
from tests.fakes.github.world import READ_ONLY_TOKEN, REPO, TOKEN
from tests.retry_support import github_retry

from modelci.github import GitHub, workflow
from modelci.pull_request import check_run
from modelci.report import inputs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
CONFIG = """\
data:
  train: data/train.csv
  target: label
gates:
  roc_auc: {max_drop: 0.01}
  accuracy: {max_drop: 0.02}
  model_size_bytes: {max: 5000000}
  latency_ms_per_1k_rows:
    max_increase: 0.5
"""
ROC_LINE, LATENCY_LINE = 5, 8


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GITHUB_* from the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MODELCI_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def client_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CLI's client, without real sleeps; its retry log collected here."""
    seen: list[str] = []
    original = GitHub.from_environment.__func__  # type: ignore[attr-defined]

    def from_environment(cls: type[GitHub], env: Any, **kwargs: Any) -> GitHub:
        return original(cls, env, retry=github_retry(log=seen.append), **kwargs)

    monkeypatch.setattr(GitHub, "from_environment", classmethod(from_environment))
    return seen


def head_sha(fake: FakeGitHub) -> str:
    return fake.state.repo(REPO).pulls[1].head_sha


def use(
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeGitHub,
    tmp_path: Path,
    *,
    token: str = TOKEN,
    **extra: str,
) -> Path:
    """Point the Actions variables at `fake`; returns the $GITHUB_OUTPUT file."""
    output = tmp_path / "github_output"
    values = {
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": token,
        "GITHUB_SHA": head_sha(fake),
        "GITHUB_RUN_ID": "77",
        "GITHUB_OUTPUT": str(output),
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return output


def outputs(path: Path) -> dict[str, str]:
    found, lines = {}, path.read_text().splitlines()
    for index, line in enumerate(lines):
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            found[name] = lines[index + 1] if lines[index + 1] != delimiter else ""
    return found


def passing(root: Path) -> Path:
    shutil.copytree(FIXTURES / "binary_pass", root, dirs_exist_ok=True)
    (root / "modelci.yaml").write_text(CONFIG)
    return root / "compare"


def failing(root: Path) -> Path:
    (root / "compare").mkdir()
    shutil.copy(FIXTURES / "binary_fail" / "comparison.json", root / "compare")
    # The candidate's run directory, where comparison.json recorded it (same model sha).
    shutil.copytree(FIXTURES / "binary_pass" / "runs" / "candidate", root / "runs/gone-candidate")
    (root / "modelci.yaml").write_text(CONFIG)
    return root / "compare"


def the_check(fake: FakeGitHub) -> CheckRun:
    (found,) = fake.state.repo(REPO).check_runs.values()
    return found


def one_line_error(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("modelci check: error: ")
    return lines[0]


# -- check runs -----------------------------------------------------------------------------------


def test_a_passing_comparison_posts_a_successful_check(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    output = use(monkeypatch, fake_github, tmp_path)
    passing(tmp_path)
    result = cli("check", "compare")
    assert result.code == 0, result.stderr
    posted = the_check(fake_github)
    assert (posted.name, posted.status, posted.conclusion) == ("modelci", "completed", "success")
    assert posted.head_sha == head_sha(fake_github)
    assert posted.output["title"] == "candidate passes all 3 gates against baseline"
    summary = posted.output["summary"]
    assert summary.startswith("### ✅ modelci: candidate passes")
    assert "| metric" in summary and "roc\\_auc" in summary and len(summary) <= 65_535
    assert "Plots omitted" not in summary
    assert posted.output["annotations"] == []
    assert posted.details_url == f"{fake_github.server_url}/{REPO}/actions/runs/77"
    assert outputs(output) == {
        "check-url": f"{fake_github.server_url}/{REPO}/runs/{posted.id}",
        "conclusion": "success",
    }
    assert "::group::modelci check: candidate passes all 3 gates" in result.stdout
    assert "::endgroup::" in result.stdout and "::error" not in result.stdout
    assert result.stdout.strip().endswith(f"/runs/{posted.id}")


def test_a_failing_comparison_annotates_each_failed_gate(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    output = use(monkeypatch, fake_github, tmp_path)
    failing(tmp_path)
    result = cli("check", "compare")
    assert result.code == 0, result.stderr  # the check carries the verdict, not the exit code
    posted = the_check(fake_github)
    assert posted.conclusion == "failure"
    assert posted.output["title"] == "candidate fails 2 of 4 gates against baseline"
    assert [
        (a["path"], a["start_line"], a["annotation_level"], a["title"])
        for a in posted.output["annotations"]
    ] == [
        ("modelci.yaml", ROC_LINE, "failure", "modelci gate roc_auc"),
        ("modelci.yaml", LATENCY_LINE, "failure", "modelci gate latency_ms_per_1k_rows"),
    ]
    assert posted.output["annotations"][0]["message"] == (
        "dropped by 0.0219, more than the allowed 0.01"
    )
    assert outputs(output)["conclusion"] == "failure"
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        f"::error file=modelci.yaml,line={ROC_LINE},title=modelci gate roc_auc::"
        "dropped by 0.0219, more than the allowed 0.01",
        f"::error file=modelci.yaml,line={LATENCY_LINE},title=modelci gate "
        "latency_ms_per_1k_rows::latency grew by 133%25, more than the allowed 50%25",
    ]


def test_without_the_run_directory_annotations_point_at_the_comparison(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    (tmp_path / "compare").mkdir()
    shutil.copy(FIXTURES / "binary_fail" / "comparison.json", tmp_path / "compare")
    assert cli("check", "compare").code == 0
    notes = the_check(fake_github).output["annotations"]
    assert {(a["path"], a["start_line"]) for a in notes} == {("compare/comparison.json", 1)}


def test_more_than_50_annotations_go_in_batches(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    doc = json.loads((FIXTURES / "binary_fail" / "comparison.json").read_text())
    gate = {"rule": {"min": 0.5}, "status": "fail", "reason": "below 0.5"}
    doc["metrics"] = [{"name": f"m{i}", "gate": gate} for i in range(120)]
    doc["failed_gates"] = [f"m{i}" for i in range(120)]
    (tmp_path / "compare").mkdir()
    (tmp_path / "compare" / "comparison.json").write_text(json.dumps(doc))
    assert cli("check", "compare", "-q").code == 0
    notes = the_check(fake_github).output["annotations"]
    assert [n["title"] for n in notes] == [f"modelci gate m{i}" for i in range(120)]
    assert len(fake_github.calls("POST", f"/repos/{REPO}/check-runs")) == 1
    assert len(fake_github.calls("PATCH", f"/repos/{REPO}/check-runs/*")) == 2


def test_an_evaluation_only_run_gives_a_neutral_check(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    output = use(monkeypatch, fake_github, tmp_path)
    shutil.copytree(FIXTURES / "multiclass_eval", tmp_path / "run")
    assert cli("check", "run").code == 0
    posted = the_check(fake_github)
    assert posted.conclusion == "neutral" and posted.output["title"] == "modelci evaluation"
    assert outputs(output)["conclusion"] == "neutral"


def test_pull_request_events_put_the_check_on_the_head_commit(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    repo = fake_github.state.repo(REPO)
    merge = fake_github.state.commit(repo, branch="merge", files={"m": "m"})
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 1, "head": {"sha": head_sha(fake_github)}}})
    )
    use(
        monkeypatch,
        fake_github,
        tmp_path,
        GITHUB_SHA=merge,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
    )
    passing(tmp_path)
    assert cli("check", "compare", "--name", "modelci (tabular)").code == 0
    posted = the_check(fake_github)
    assert posted.head_sha == head_sha(fake_github) and posted.name == "modelci (tabular)"

    main = repo.refs["refs/heads/main"]
    assert cli("check", "compare", "--sha", main).code == 0
    assert {r.head_sha for r in repo.check_runs.values()} == {head_sha(fake_github), main}


def test_ghes_urls(
    fake_ghes: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    assert fake_ghes.api_url.endswith("/api/v3")
    output = use(monkeypatch, fake_ghes, tmp_path)
    failing(tmp_path)
    assert cli("check", "compare").code == 0
    posted = the_check(fake_ghes)
    assert posted.conclusion == "failure"
    assert outputs(output)["check-url"] == f"{fake_ghes.server_url}/{REPO}/runs/{posted.id}"
    assert fake_ghes.calls("POST", f"/repos/{REPO}/check-runs")


# -- without checks: write ------------------------------------------------------------------------


def test_a_token_without_checks_write_falls_back_to_a_commit_status(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    fake_github.add_token("statuses-only", permissions={"checks": "read", "statuses": "write"})
    output = use(monkeypatch, fake_github, tmp_path, token="statuses-only")
    failing(tmp_path)
    result = cli("check", "compare")
    assert result.code == 0, result.stderr
    repo: Repo = fake_github.state.repo(REPO)
    assert not repo.check_runs
    (status,) = repo.statuses.values()
    assert (status.context, status.state, status.sha) == (
        "modelci",
        "failure",
        head_sha(fake_github),
    )
    assert status.description == "candidate fails 2 of 4 gates against baseline"
    assert status.target_url == f"{fake_github.server_url}/{REPO}/actions/runs/77"
    assert outputs(output) == {"check-url": status.target_url, "conclusion": "failure"}
    assert "posting a commit status instead" in result.stderr
    assert "commit status 'modelci'" in result.stdout
    assert "::error file=modelci.yaml" in result.stdout  # the log still shows the gates


def test_status_descriptions_are_capped_at_140_characters() -> None:
    check = check_run.CheckReport(conclusion="failure", title="x" * 300, summary="")
    assert len(check.description) == 140 and check.description.endswith("…")
    assert check.state == "failure"
    assert check_run.CheckReport(conclusion="neutral", title="t", summary="").state == "success"


def test_a_read_only_token_fails_with_one_line(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path, token=READ_ONLY_TOKEN)
    passing(tmp_path)
    result = cli("check", "compare", "-q")
    assert result.code == 3
    line = one_line_error(result)
    assert "refused both the check run and the commit status" in line
    assert "checks: write" in line and READ_ONLY_TOKEN not in result.stderr


# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "route", "fault"),
    [
        ("POST", "/check-runs", {"status": 502}),
        ("POST", "/check-runs", {"status": 429, "retry_after": 1}),
        ("POST", "/check-runs", {"drop": "before"}),
        ("PATCH", "/check-runs/*", {"status": 500, "times": 2}),
    ],
)
def test_check_routes_recover_from_faults(
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable,
    client_log: list[str],
    method: str,
    route: str,
    fault: dict[str, Any],
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    doc = json.loads((FIXTURES / "binary_fail" / "comparison.json").read_text())
    gate = {"rule": {"min": 0.5}, "status": "fail", "reason": "below"}
    doc["metrics"] += [{"name": f"m{i}", "gate": gate} for i in range(60)]
    (tmp_path / "compare").mkdir()
    (tmp_path / "compare" / "comparison.json").write_text(json.dumps(doc))
    rule = fake_github.faults.add(method=method, path=f"/repos/{REPO}{route}", **fault)
    result = cli("check", "compare")
    assert result.code == 0, result.stderr
    assert rule.hits == fault.get("times", 1)
    assert len(the_check(fake_github).output["annotations"]) == 62
    assert any("retry 1 of 3" in line for line in client_log)


def test_the_status_route_recovers_from_a_fault(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    fake_github.add_token("statuses-only", permissions={"checks": "none", "statuses": "write"})
    use(monkeypatch, fake_github, tmp_path, token="statuses-only")
    passing(tmp_path)
    rule = fake_github.faults.add(method="POST", path=f"/repos/{REPO}/statuses/*", status=503)
    assert cli("check", "compare").code == 0
    assert rule.hits == 1
    (status,) = fake_github.state.repo(REPO).statuses.values()
    assert status.state == "success"


@pytest.mark.parametrize(
    ("method", "route", "expected"),
    [
        ("POST", "/check-runs", "GitHub POST /repos/octo-org/demo/check-runs: 502"),
        ("PATCH", "/check-runs/*", "GitHub PATCH /repos/octo-org/demo/check-runs/"),
        ("POST", "/statuses/*", "GitHub POST /repos/octo-org/demo/statuses/"),
    ],
)
def test_persistent_faults_exit_3_with_one_line(
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable,
    method: str,
    route: str,
    expected: str,
) -> None:
    token = TOKEN
    if "statuses" in route:
        fake_github.add_token("statuses-only", permissions={"statuses": "write"})
        token = "statuses-only"
    use(monkeypatch, fake_github, tmp_path, token=token)
    doc = json.loads((FIXTURES / "binary_fail" / "comparison.json").read_text())
    gate = {"rule": {"min": 0.5}, "status": "fail", "reason": "below"}
    doc["metrics"] += [{"name": f"m{i}", "gate": gate} for i in range(60)]
    (tmp_path / "compare").mkdir()
    (tmp_path / "compare" / "comparison.json").write_text(json.dumps(doc))
    fake_github.faults.add(method=method, path=f"/repos/{REPO}{route}", status=502, times=None)
    result = cli("check", "compare", "-q")
    assert result.code == 3
    line = one_line_error(result)
    assert expected in line and "(after 4 attempts)" in line


def test_a_bad_token_exits_3(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path, token="ghs_wrong")
    passing(tmp_path)
    result = cli("check", "compare", "-q")
    assert result.code == 3
    assert "401" in one_line_error(result) and "ghs_wrong" not in result.stderr


def test_the_token_comes_from_token_env(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path, token="ghs_wrong", MODELCI_TOKEN=TOKEN)
    passing(tmp_path)
    assert cli("check", "compare", "--token-env", "MODELCI_TOKEN").code == 0
    assert the_check(fake_github).conclusion == "success"


# -- bad input ------------------------------------------------------------------------------------


def test_bad_input_exits_2_with_one_line(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    passing(tmp_path)
    cases = [
        (("check", "missing"), "not a directory"),
        (("check", "runs"), "no comparison.json or evaluation.json"),
        (("check", "compare", "--sha", "main"), "--sha must be a full hex commit sha"),
        (("check", "compare", "--name", " "), "--name must not be empty"),
        (("check", "compare", "--token-env", "NOPE"), "no GitHub token"),
    ]
    for args, expected in cases:
        result = cli(*args)
        assert result.code == 2, (args, result.stderr)
        assert expected in one_line_error(result)
    monkeypatch.delenv("GITHUB_REPOSITORY")
    assert "GITHUB_REPOSITORY" in one_line_error(cli("check", "compare"))
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.delenv("GITHUB_SHA")
    assert "no commit to put the check on" in one_line_error(cli("check", "compare"))
    assert not fake_github.calls("POST")


# -- the shared GitHub options ----------------------------------------------------------------------


def test_repo_and_api_url_flags_override_the_environment(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    passing(tmp_path)
    # The environment points elsewhere (a port nothing listens on): the flags must win.
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3")
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    closed: list[GitHub] = []
    original_close = GitHub.close
    monkeypatch.setattr(GitHub, "close", lambda self: (closed.append(self), original_close(self)))
    result = cli("check", "compare", "--repo", REPO, "--api-url", fake_github.api_url + "/")
    assert result.code == 0, result.stderr
    assert the_check(fake_github).conclusion == "success"
    assert [client.api_url for client in closed] == [fake_github.api_url]  # built once, closed


def test_bad_github_options_exit_2_before_any_request(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    passing(tmp_path)
    for args, expected in (
        (("--repo", "no-slash"), "the repository must look like OWNER/REPO, got 'no-slash'"),
        (("--repo", "a/b/c"), "OWNER/REPO"),
        (("--api-url", "ftp://x"), "--api-url must be an http(s) URL, got 'ftp://x'"),
    ):
        result = cli("check", "compare", *args)
        assert result.code == 2, (args, result.stderr)
        assert expected in one_line_error(result)
    assert fake_github.calls() == []


# -- workflow commands ----------------------------------------------------------------------------


def test_workflow_command_data_and_properties_are_escaped(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    doc = json.loads((FIXTURES / "binary_fail" / "comparison.json").read_text())
    evil = "50% worse\r\n::error::forged, really: yes"
    doc["metrics"] = [{"name": "a,b:c", "gate": {"status": "fail", "reason": evil}}]
    doc["failed_gates"] = ["a,b:c"]
    (tmp_path / "odd dir").mkdir()
    (tmp_path / "odd dir" / "comparison.json").write_text(json.dumps(doc))
    result = cli("check", "odd dir")
    assert result.code == 0, result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error file=odd dir/comparison.json,line=1,title=modelci gate a%2Cb%3Ac::"
        "50%25 worse%0D%0A::error::forged, really: yes"
    ]
    # Inside the group the gate text is printed under stop-commands, so it cannot act.
    lines = result.stdout.splitlines()
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[stop].split("::")[2]
    resume = lines.index(f"::{token}::")
    assert any("forged" in line for line in lines[stop + 1 : resume])
    assert the_check(fake_github).output["annotations"][0]["message"] == evil


def test_escaping_functions() -> None:
    assert workflow.escape_data("100%\r\n") == "100%25%0D%0A"
    assert workflow.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    failure = check_run.GateFailure(metric="m", reason="r", path=None, line=None)
    check = check_run.CheckReport(conclusion="failure", title="t", summary="", failures=(failure,))
    assert check_run.gate_commands(check) == ["::error title=modelci gate m::r"]
    assert check_run.gate_annotations(check) == []


def test_gate_line_finds_the_metric_under_gates() -> None:
    assert check_run.gate_line(CONFIG, "roc_auc") == ROC_LINE
    assert check_run.gate_line(CONFIG, "latency_ms_per_1k_rows") == LATENCY_LINE
    assert check_run.gate_line(CONFIG, "f1") == 4  # the gates: line
    assert check_run.gate_line("data: {}\n", "roc_auc") is None
    assert check_run.gate_line("gates: [unclosed", "roc_auc") is None
    assert check_run.gate_line("- a list\n", "roc_auc") is None


def test_build_check_is_pure_and_caps_the_summary() -> None:
    report = inputs.load_report(FIXTURES / "binary_fail")
    config = check_run.ConfigFile(path="modelci.yaml", text=CONFIG)
    first = check_run.build_check(report, config=config)
    assert first == check_run.build_check(report, config=config)
    assert first.conclusion == "failure" and len(first.failures) == 2
    assert len(first.summary) <= check_run.SUMMARY_LIMIT
    no_config = check_run.build_check(report, config=None)
    assert all(f.path is None and f.line is None for f in no_config.failures)
