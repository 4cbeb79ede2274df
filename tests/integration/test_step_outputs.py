"""The commands the actions wrap write their own step outputs to $GITHUB_OUTPUT: the actions
read them as they are, never scraping stdout or re-reading JSON in shell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import write_config
from tests.integration.test_pipeline import BINARY

NO_PLOTS = ("--set", "metrics.plots=false")  # the outputs are the point, not the pictures


def config(estimator: str) -> str:
    return BINARY.format(estimator=estimator, params="{}")


def outputs(path: Path) -> dict[str, str]:
    """The step outputs, once each; a second write of a name would be a bug (the last wins)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    found = re.findall(r"^([^\n<]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)
    names = [name for name, _, _ in found]
    assert len(names) == len(set(names)), names
    return {name: value for name, _, value in found}


@pytest.fixture
def github_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(path))
    return path


def step(cli, github_output: Path, *args: str) -> dict[str, str]:
    github_output.unlink(missing_ok=True)
    result = cli(*args)
    assert result.code in (0, 1), result.stderr
    return outputs(github_output)


def test_train_evaluate_compare_report_set_what_the_actions_promise(
    cli, tmp_path: Path, mixed_csv: Path, github_output: Path
) -> None:
    write_config(tmp_path, config("sklearn.dummy.DummyClassifier"), "base.yaml")
    write_config(tmp_path, config("sklearn.linear_model.LogisticRegression"))

    trained = step(cli, github_output, "train", "-c", "base.yaml", "--out", "runs/base", *NO_PLOTS)
    assert trained == {"run-dir": str((tmp_path / "runs/base").resolve())}
    evaluated = step(cli, github_output, "evaluate", "runs/base")
    assert evaluated["run-dir"] == trained["run-dir"]
    assert evaluated["primary"] == "roc_auc"
    on_disk = json.loads((tmp_path / "runs/base/metrics.json").read_text())
    assert json.loads(evaluated["metrics"]) == on_disk and "\n" not in evaluated["metrics"]

    # one process: train then evaluate, the same outputs as the two steps
    both = step(cli, github_output, "train", "--out", "runs/candidate", "--evaluate", *NO_PLOTS)
    assert both["run-dir"] == str((tmp_path / "runs/candidate").resolve())
    assert both["primary"] == "roc_auc"
    assert json.loads(both["metrics"]) == json.loads(
        (tmp_path / "runs/candidate/metrics.json").read_text()
    )
    assert (tmp_path / "runs/candidate/evaluation.json").is_file()

    compared = step(cli, github_output, "compare", "runs/base", "runs/candidate", "--out", "cmp")
    assert compared["comparison-dir"] == str((tmp_path / "cmp").resolve())
    assert compared["verdict"] == "fail"  # the dummy "candidate" is worse than the logistic
    assert json.loads(compared["failed-gates"]) == ["roc_auc"]
    assert compared["summary"].startswith("❌ fail (roc_auc): roc_auc ")

    reported = step(cli, github_output, "report", "cmp", "--out", "report.md")
    assert reported == {"markdown": str((tmp_path / "report.md").resolve()), "html": ""}

    # one process for the whole candidate leg: train, evaluate (no plots), compare
    github_output.unlink()
    args = ("train", "--out", "runs/leg", "--evaluate", "--no-plots")
    result = cli(*args, "--compare-with", "runs/base", "--compare-out", "leg-cmp")
    assert result.code == 0, result.stderr  # the logistic candidate beats the dummy baseline
    leg = outputs(github_output)
    assert leg["run-dir"] == str((tmp_path / "runs/leg").resolve())
    assert leg["comparison-dir"] == str((tmp_path / "leg-cmp").resolve())
    assert (leg["verdict"], leg["failed-gates"]) == ("pass", "[]")
    assert leg["summary"] == result.stdout.splitlines()[2]
    assert not (tmp_path / "runs/leg/plots").exists() and (tmp_path / "leg-cmp/plots").is_dir()


def test_the_one_process_flags_need_evaluate(cli, tmp_path: Path, mixed_csv: Path) -> None:
    write_config(tmp_path, config("sklearn.dummy.DummyClassifier"))
    for flags in (("--no-plots",), ("--compare-with", "runs/base")):
        result = cli("train", *flags)
        assert result.code == 2
        assert result.stderr.strip() == (
            f"modelci train: error: {flags[0]} goes with --evaluate. "
            f"add --evaluate, or drop {flags[0]}"
        )
        assert not (tmp_path / "runs").exists()


def test_no_outputs_outside_actions(cli, tmp_path: Path, mixed_csv: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    write_config(tmp_path, config("sklearn.dummy.DummyClassifier"))
    result = cli("train", "--evaluate", *NO_PLOTS)
    assert result.code == 0, result.stderr
    assert "roc_auc = " in result.stdout and "→ runs/candidate" in result.stdout
    assert not list(tmp_path.glob("*output*"))
