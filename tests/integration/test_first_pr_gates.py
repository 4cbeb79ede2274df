"""A model's first pull request has no baseline, yet its config's `min`/`max` gates still hold:
`evaluate` records them in evaluation.json, `--gate` exits 1 on a failed one, `check` concludes
from them, and the report says which relative gates wait for a baseline."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import write_config
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import CheckRun
from tests.fakes.github.world import REPO, TOKEN
from tests.retry_support import github_retry

from modelci import evaluation_gates, gates
from modelci.config import GateRule
from modelci.github import GitHub
from modelci.pull_request import gather
from modelci.pull_request.plan import Candidate
from modelci.report import inputs

CONFIG = """\
data:
  train: data/mixed.csv
  target: label
  seed: 1
model:
  estimator: {estimator}
metrics:
  resamples: 300
  plots: false
  importance: false
gates:
{gates}
"""
DUMMY = "sklearn.dummy.DummyClassifier"
LOGISTIC = "sklearn.linear_model.LogisticRegression"
ACCURACY_LINE = 12  # `accuracy:` under `gates:` in CONFIG


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GITHUB_* from the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MODELCI_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def no_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    original = GitHub.from_environment.__func__  # type: ignore[attr-defined]

    def from_environment(cls: type[GitHub], env: Any, **kwargs: Any) -> GitHub:
        return original(cls, env, retry=github_retry(log=lambda _: None), **kwargs)

    monkeypatch.setattr(GitHub, "from_environment", classmethod(from_environment))


def config(tmp_path: Path, estimator: str, *rules: str) -> Path:
    text = CONFIG.format(estimator=estimator, gates="\n".join(f"  {rule}" for rule in rules))
    return write_config(tmp_path, text)


def gates_of(run: Path) -> Any:
    """evaluation.json's `gates`; None when null or left out (nothing gated)."""
    return json.loads((run / "evaluation.json").read_text()).get("gates")


def on_fake_github(monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, tmp_path: Path) -> Path:
    """The Actions variables of a pull request's job, pointed at `fake`; the $GITHUB_OUTPUT."""
    output = tmp_path / "github_output"
    for name, value in {
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SHA": fake.state.repo(REPO).pulls[1].head_sha,
        "GITHUB_RUN_ID": "77",
        "GITHUB_OUTPUT": str(output),
    }.items():
        monkeypatch.setenv(name, value)
    return output


def step_outputs(path: Path) -> dict[str, str]:
    found, lines = {}, path.read_text().splitlines() if path.exists() else []
    for index, line in enumerate(lines):
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            found[name] = lines[index + 1] if lines[index + 1] != delimiter else ""
    return found


def the_check(fake: FakeGitHub) -> CheckRun:
    (found,) = fake.state.repo(REPO).check_runs.values()
    return found


# -- the first pull request of a DummyClassifier ------------------------------------------------


def test_the_absolute_gate_fails_a_dummy_classifier_on_its_first_pull_request(
    cli: Callable, tmp_path: Path, mixed_csv: Path, fake_github: FakeGitHub, monkeypatch
) -> None:
    output = on_fake_github(monkeypatch, fake_github, tmp_path)
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}")

    result = cli("train", "--out", "runs/candidate", "--evaluate", "--gate")

    assert result.code == 1, result.stderr  # the gate failed, after every output was written
    recorded = gates_of(tmp_path / "runs/candidate")
    assert recorded["verdict"] == "fail" and recorded["waiting"] == []
    (accuracy,) = recorded["results"]
    assert (accuracy["name"], accuracy["rule"], accuracy["status"]) == (
        "accuracy",
        {"min": 0.9},
        "fail",
    )
    assert "below the minimum 0.9" in accuracy["reason"]
    assert "gates: ❌ fail (accuracy: value " in result.stdout
    assert (tmp_path / "runs/candidate/metrics.json").is_file()
    assert (tmp_path / "runs/candidate/predictions.csv").is_file()
    written = step_outputs(output)
    assert (written["verdict"], written["failed-gates"]) == ("fail", '["accuracy"]')

    output.unlink()
    result = cli("check", "runs/candidate")

    assert result.code == 0, result.stderr  # the check carries the verdict
    posted = the_check(fake_github)
    assert posted.conclusion == "failure"
    assert posted.output["title"] == "candidate fails 1 of 1 absolute gates (no baseline yet)"
    assert [
        (a["path"], a["start_line"], a["annotation_level"], a["title"])
        for a in posted.output["annotations"]
    ] == [("modelci.yaml", ACCURACY_LINE, "failure", "modelci gate accuracy")]
    assert posted.output["annotations"][0]["message"] == accuracy["reason"]
    assert "::error file=modelci.yaml,line=12,title=modelci gate accuracy::" in result.stdout
    assert step_outputs(output)["conclusion"] == "failure"


def test_without_gate_the_failure_is_recorded_and_the_exit_code_is_unchanged(
    cli: Callable, tmp_path: Path, mixed_csv: Path
) -> None:
    """The pull-request workflow evaluates baselines too: those must not fail the job."""
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}")
    result = cli("train", "--out", "runs/baseline", "--evaluate")
    assert result.code == 0, result.stderr
    assert gates_of(tmp_path / "runs/baseline")["verdict"] == "fail"
    assert "gates: ❌ fail" in result.stdout  # said, not acted on

    again = cli("evaluate", "runs/baseline")
    assert again.code == 0, again.stderr
    gated = cli("evaluate", "runs/baseline", "--gate")
    assert gated.code == 1, gated.stderr


def test_a_model_that_clears_its_absolute_gates_passes(
    cli: Callable, tmp_path: Path, mixed_csv: Path, fake_github: FakeGitHub, monkeypatch
) -> None:
    output = on_fake_github(monkeypatch, fake_github, tmp_path)
    config(tmp_path, LOGISTIC, "accuracy: {min: 0.65}", "roc_auc: {min: 0.7, max_drop: 0.02}")

    result = cli("train", "--out", "runs/candidate", "--evaluate", "--gate")

    assert result.code == 0, result.stderr
    recorded = gates_of(tmp_path / "runs/candidate")
    assert recorded["verdict"] == "pass"
    assert [(r["name"], r["status"]) for r in recorded["results"]] == [
        ("accuracy", "pass"),
        ("roc_auc", "pass"),
    ]
    # A rule with both kinds is decided on its min; its max_drop has nothing to compare with.
    assert "no baseline to compare with" in recorded["results"][1]["reason"]
    assert "gates: ✅ pass (accuracy, roc_auc)" in result.stdout
    assert step_outputs(output)["verdict"] == "pass"

    assert cli("check", "runs/candidate").code == 0
    posted = the_check(fake_github)
    assert posted.conclusion == "success"
    assert posted.output["title"] == "candidate passes both absolute gates (no baseline yet)"
    assert posted.output["annotations"] == []


def test_strict_holds_the_worse_end_of_the_interval_to_the_minimum(
    cli: Callable, tmp_path: Path, mixed_csv: Path
) -> None:
    """Accuracy 0.70 on 80 rows clears 0.65, but its interval reaches below it."""
    config(tmp_path, LOGISTIC, "accuracy: {min: 0.65, strict: true}")
    result = cli("train", "--out", "runs/candidate", "--evaluate", "--gate")
    assert result.code == 1, result.stderr
    (accuracy,) = gates_of(tmp_path / "runs/candidate")["results"]
    assert accuracy["reason"].startswith("CI lower bound ")


def test_relative_only_gates_wait_for_a_baseline(
    cli: Callable, tmp_path: Path, mixed_csv: Path, fake_github: FakeGitHub, monkeypatch
) -> None:
    on_fake_github(monkeypatch, fake_github, tmp_path)
    config(tmp_path, DUMMY, "roc_auc: {max_drop: 0.02}", "log_loss: {max_rise_pct: 5}")

    result = cli("train", "--out", "runs/candidate", "--evaluate", "--gate")

    assert result.code == 0, result.stderr  # nothing is decided without a baseline
    assert gates_of(tmp_path / "runs/candidate") == {
        "verdict": "pass",
        "results": [],
        "waiting": ["roc_auc", "log_loss"],
    }
    assert "waiting for a baseline: roc_auc, log_loss" in result.stdout

    assert cli("check", "runs/candidate").code == 0
    posted = the_check(fake_github)
    assert posted.conclusion == "neutral"  # nothing was gated
    summary = posted.output["summary"]
    assert "Relative gates (**roc\\_auc**, **log\\_loss**) wait for a baseline" in summary

    report = cli("report", "runs/candidate", "--out", "report.md")
    assert report.code == 0, report.stderr
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("### 📊 modelci evaluation")
    assert "wait for a baseline" in text


def test_the_report_headline_lists_the_failed_gates(
    cli: Callable, tmp_path: Path, mixed_csv: Path
) -> None:
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}", "roc_auc: {min: 0.4, max_drop: 0.01}")
    assert cli("train", "--out", "runs/candidate", "--evaluate").code == 0
    assert cli("report", "runs/candidate", "--out", "report.md").code == 0
    text = (tmp_path / "report.md").read_text()
    headline = text.split("####", 1)[0]  # the headline section, before the metrics table
    assert headline.startswith(
        "### ❌ modelci: candidate fails 1 of 2 absolute gates (no baseline yet)"
    )
    assert "- ❌ **accuracy**: value " in headline and "(gate: min 0.9)" in headline
    assert "roc\\_auc**: " not in headline  # it passed its min: not a failed gate


def test_gate_with_a_comparison_also_holds_the_candidates_own_floor(
    cli: Callable, tmp_path: Path, mixed_csv: Path, monkeypatch
) -> None:
    """--gates-from baseline judges by the baseline's gates; --gate adds the candidate's min."""
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    config(tmp_path, DUMMY, "roc_auc: {max_drop: 0.02}")
    assert cli("train", "--out", "runs/baseline", "--evaluate").code == 0
    config(tmp_path, LOGISTIC, "accuracy: {min: 0.9}", "roc_auc: {max_drop: 0.02}")
    output.unlink()

    result = cli(
        "train",
        "--out",
        "runs/candidate",
        "--evaluate",
        "--gate",
        "--compare-with",
        "runs/baseline",
        "--compare-out",
        "runs/compare",
        "--gates-from",
        "baseline",
    )

    assert result.code == 1, result.stderr
    comparison = json.loads((tmp_path / "runs/compare/comparison.json").read_text())
    assert comparison["verdict"] == "pass"  # the baseline's gates: roc_auc improved
    written = step_outputs(output)
    assert (written["verdict"], written["failed-gates"]) == ("fail", '["accuracy"]')


def test_gate_goes_with_evaluate(cli: Callable, tmp_path: Path, mixed_csv: Path) -> None:
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}")
    result = cli("train", "--out", "runs/candidate", "--gate")
    assert result.code == 2
    assert "--gate goes with --evaluate" in result.stderr
    assert not (tmp_path / "runs/candidate").exists()  # refused before the fit


def test_a_run_without_a_config_has_no_gates(cli: Callable, tmp_path: Path) -> None:
    (tmp_path / "preds.csv").write_text(
        "row_id,y_true,y_pred,proba_a,proba_b\n"
        + "".join(f"{i},{'ab'[i % 2]},a,0.6,0.4\n" for i in range(40))
    )
    result = cli("evaluate", "--predictions", "preds.csv", "--out", "runs/p", "--gate")
    assert result.code == 0, result.stderr
    assert gates_of(tmp_path / "runs/p") is None
    assert "gates:" not in result.stdout


def test_the_report_job_fails_a_candidate_whose_absolute_gate_failed(
    cli: Callable, tmp_path: Path, mixed_csv: Path
) -> None:
    """gather's `failed`, which the final step of the pull-request workflow fails on."""
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}")
    assert cli("train", "--out", "runs/candidate", "--evaluate").code == 0
    result = gather.Result(
        candidate=Candidate(config="modelci.yaml", id="modelci-yaml", check="modelci"),
        directory=tmp_path / "runs/candidate",
        report=inputs.load_report(tmp_path / "runs/candidate"),
    )
    assert result.failed_gates == ("accuracy",)
    assert gather.failed_text([result]) == "modelci.yaml (accuracy)"


# -- the decision itself (pure) -----------------------------------------------------------------


def measured(value: float, ci: tuple[float, float] | None = None) -> dict[str, Any]:
    return {"value": value, "ci": list(ci) if ci else None, "higher_is_better": True}


def test_a_gated_metric_that_could_not_be_computed_fails() -> None:
    decided = evaluation_gates.apply(
        {"average_precision": GateRule(min=0.5)},
        {},
        {"average_precision": "no probabilities"},
        alpha=0.05,
        strict=False,
    )
    assert decided is not None and decided["verdict"] == gates.FAIL
    assert decided["results"][0]["reason"] == "cannot be computed: no probabilities"


def test_a_rule_of_only_strict_decides_nothing_and_no_rules_are_no_gates() -> None:
    assert evaluation_gates.apply({}, {}, {}, alpha=0.05, strict=False) is None
    decided = evaluation_gates.apply(
        {"accuracy": GateRule(strict=True)},
        {"accuracy": measured(0.5)},
        {},
        alpha=0.05,
        strict=False,
    )
    assert decided == {"verdict": "pass", "results": [], "waiting": []}


def test_compare_strict_uses_the_interval_and_max_bounds_from_above() -> None:
    rules = {"accuracy": GateRule(min=0.8), "brier": GateRule(max=0.2)}
    values = {
        "accuracy": measured(0.85, (0.78, 0.9)),
        "brier": {"value": 0.18, "ci": [0.15, 0.22], "higher_is_better": False},
    }
    lenient = evaluation_gates.apply(rules, values, {}, alpha=0.05, strict=False)
    strict = evaluation_gates.apply(rules, values, {}, alpha=0.05, strict=True)
    assert lenient is not None and strict is not None
    assert [r["status"] for r in lenient["results"]] == ["pass", "pass"]
    assert [r["status"] for r in strict["results"]] == ["fail", "fail"]
    assert strict["results"][1]["reason"] == "CI upper bound 0.220 is above the maximum 0.2"


def test_evaluating_again_does_not_read_the_evaluation_it_replaces(
    cli: Callable, tmp_path: Path, mixed_csv: Path
) -> None:
    config(tmp_path, DUMMY, "accuracy: {min: 0.9}")
    assert cli("train", "--out", "runs/candidate").code == 0
    # A stale or broken evaluation.json from an earlier run is replaced, not read for the gates.
    (tmp_path / "runs/candidate/evaluation.json").write_text('{"schema": "bogus"')
    result = cli("evaluate", "runs/candidate", "--gate")
    assert result.code == 1, result.stderr
    assert gates_of(tmp_path / "runs/candidate")["verdict"] == "fail"
