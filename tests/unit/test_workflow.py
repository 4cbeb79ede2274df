"""modelci.github.workflow: annotations, log groups, step outputs and the job summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakes.runner import parse_outputs

from modelci.github import ActionsEnvironment, workflow


def test_set_outputs_survives_multiline_and_hostile_values(tmp_path: Path) -> None:
    out = tmp_path / "output"
    env = ActionsEnvironment(output=out, step_summary=tmp_path / "summary.md")
    hostile = "line one\nEOF\nghadelimiter_x\ninjected=yes"
    assert workflow.set_outputs({"comment-url": "https://x/1", "table": hostile}, env=env)
    assert workflow.set_outputs({"count": "3"}, env=env)
    assert parse_outputs(out.read_text()) == {
        "comment-url": "https://x/1",
        "table": hostile,
        "count": "3",
    }
    delimiters = [line.split("<<")[1] for line in out.read_text().splitlines() if "<<" in line]
    assert len(set(delimiters)) == 3
    with pytest.raises(ValueError):
        workflow.set_outputs({"bad\nname": "x"}, env=env)
    assert workflow.append_summary("# Report", env=env)
    assert workflow.append_summary("more\n", env=env)
    assert (tmp_path / "summary.md").read_text() == "# Report\nmore\n"
    outside = ActionsEnvironment()
    assert not workflow.set_outputs({"a": "b"}, env=outside)
    assert not workflow.append_summary("x", env=outside)


def test_a_bad_output_name_writes_nothing_not_even_the_good_ones(tmp_path: Path) -> None:
    env = ActionsEnvironment(output=tmp_path / "output")
    with pytest.raises(ValueError, match="output name"):
        workflow.set_outputs({"fine": "1", "x=y": "2"}, env=env)
    assert not (tmp_path / "output").exists()


def test_outputs_read_the_process_environment_when_no_env_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    assert workflow.set_outputs({"passed": True, "count": 2, "failed": False})
    assert parse_outputs((tmp_path / "output").read_text()) == {
        "passed": "true",
        "count": "2",
        "failed": "false",
    }


def test_annotations_escape_message_and_properties() -> None:
    assert workflow.command("warning", "a\r\nb 100%") == "::warning::a%0D%0Ab 100%25"
    assert (
        workflow.command("error", "r", title="modelci gate m", file="c:/x,y.yaml", line=4)
        == "::error file=c%3A/x%2Cy.yaml,line=4,title=modelci gate m::r"
    )
    # A line without a file would point nowhere; the runner ignores it, so it is not written.
    assert workflow.command("notice", "n", line=4) == "::notice::n"
    with pytest.raises(ValueError, match="kind"):
        workflow.command("set-output", "x")


def test_verbatim_lines_cannot_act_as_commands() -> None:
    lines = workflow.verbatim(["::add-mask::x\n::error::y"], token="tok")
    assert lines == ["::stop-commands::tok", "::add-mask::x ::error::y", "::tok::"]
    assert workflow.group("a\nb") == "::group::a%0Ab"


def test_no_other_module_writes_workflow_commands_or_outputs() -> None:
    # One routine per idea: a second writer of `$GITHUB_OUTPUT` or of `::command::` lines would
    # need its own escaping, and get it wrong somewhere.
    import modelci

    root = Path(modelci.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "github" / "workflow.py":
            continue
        text = path.read_text(encoding="utf-8")
        writes = ("ghadelimiter", '"::', "output.open(", "step_summary.open(")
        if any(mark in text for mark in writes):
            offenders.append(path.relative_to(root).as_posix())
    assert offenders == []
