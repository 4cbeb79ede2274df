"""The pull-request plan: the workflow's inputs checked once, each candidate named, as step outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelci.errors import UserError
from modelci.pull_request import plan

PULL_REQUEST = {"GITHUB_EVENT_NAME": "pull_request", "CONFIG": "modelci.yaml"}


def outputs(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {m[1]: m[3] for m in re.finditer(r"^([^\n<]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}


def refusal(**inputs: str) -> str:
    with pytest.raises(UserError) as caught:
        plan.plan_from({**PULL_REQUEST, **inputs})
    return caught.value.line()


def test_no_candidates_plans_the_config_alone_against_the_latest_release() -> None:
    planned = plan.plan_from({**PULL_REQUEST, "CANDIDATES": "[]"})
    assert planned.baseline == "release"
    assert planned.candidates == (
        plan.Candidate(config="modelci.yaml", id="modelci.yaml", check="modelci"),
    )


def test_several_candidates_get_safe_unique_ids_and_their_own_check_names() -> None:
    planned = plan.plan_from(
        {**PULL_REQUEST, "CANDIDATES": '["models/a b.yaml", "models/a?b.yaml", "-"]'}
    )
    assert [(c.id, c.check) for c in planned.candidates] == [
        ("models-a-b.yaml", "modelci (models/a b.yaml)"),
        ("models-a-b.yaml-2", "modelci (models/a?b.yaml)"),
        ("model", "modelci (-)"),
    ]


@pytest.mark.parametrize(
    ("inputs", "mode"),
    [
        ({"BASELINE": "merge-base"}, "merge-base"),
        ({"BASELINE": "merge-base", "BASELINE_CONFIG": "old.yaml"}, "config"),
        ({"BASELINE_PATH": "runs/baseline"}, "path"),
    ],
)
def test_a_given_baseline_wins_over_the_mode(inputs: dict[str, str], mode: str) -> None:
    assert plan.plan_from({**PULL_REQUEST, **inputs}).baseline == mode


def test_another_event_is_refused_with_the_reason() -> None:
    line = refusal(GITHUB_EVENT_NAME="pull_request_target")
    assert "runs on pull_request events, not pull_request_target" in line
    assert "write token" in line


@pytest.mark.parametrize(
    ("candidates", "said"),
    [
        ('["a.yaml"', "candidates is not JSON"),
        ("a.yaml", "candidates is not JSON"),
        ('{"a": "a.yaml"}', "must be a JSON list of config paths"),
        ('["a.yaml", 3]', "must be a JSON list of config paths"),
        ('["a.yaml", ""]', "must be a JSON list of config paths"),
        ('["a.yaml", "b.yaml", "a.yaml"]', "lists a.yaml more than once"),
    ],
)
def test_bad_candidates_are_refused_with_an_example(candidates: str, said: str) -> None:
    line = refusal(CANDIDATES=candidates)
    assert said in line
    assert """candidates: '["a.yaml", "b.yaml"]'""" in line


def test_both_baseline_config_and_baseline_path_are_refused() -> None:
    line = refusal(BASELINE_CONFIG="old.yaml", BASELINE_PATH="runs/baseline")
    assert "give baseline-config or baseline-path, not both" in line


def test_an_unknown_baseline_mode_is_refused() -> None:
    assert "baseline must be release or merge-base, got 'main'" in refusal(BASELINE="main")


def test_a_leg_not_in_the_plan_is_refused() -> None:
    planned = plan.plan_from({**PULL_REQUEST, "CANDIDATES": '["a.yaml"]'})
    with pytest.raises(UserError, match=r"'b\.yaml' is not one of the planned candidates"):
        planned.candidate("b.yaml")


def test_main_writes_the_legs_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "github_output"
    environ = {
        **PULL_REQUEST,
        "CANDIDATES": '["a.yaml", "b.yaml"]',
        "BASELINE": "merge-base",
        "GITHUB_OUTPUT": str(output),
    }
    assert plan.main(["--candidate", "b.yaml"], environ) == 0
    written = outputs(output)
    assert {k: written[k] for k in ("config", "id", "check", "baseline")} == {
        "config": "b.yaml",
        "id": "b.yaml",
        "check": "modelci (b.yaml)",
        "baseline": "merge-base",
    }
    assert [c["config"] for c in json.loads(written["candidates"])] == ["a.yaml", "b.yaml"]
    assert capsys.readouterr().out == ""


def test_main_on_bad_input_prints_one_error_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "github_output"
    environ = {**PULL_REQUEST, "CANDIDATES": "a.yaml", "GITHUB_OUTPUT": str(output)}
    assert plan.main(["--candidate", "a.yaml"], environ) == 2
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and printed[0].startswith("::error title=modelci pull request::")
    assert "candidates is not JSON" in printed[0]
    assert not output.exists()
