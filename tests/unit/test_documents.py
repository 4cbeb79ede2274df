"""The run directory's documents: each reader and writer round-trips, refuses a wrong shape with
one line naming the file and the field, and never writes NaN or infinity."""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from modelci import documents
from modelci.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
EVERY_FIXTURE = sorted(FIXTURES.rglob("*.json"))
READERS = {
    "run.json": documents.read_run,
    "evaluation.json": documents.read_evaluation,
    "comparison.json": documents.read_comparison,
}
WRITERS = {
    "run.json": documents.write_run,
    "evaluation.json": documents.write_evaluation,
    "comparison.json": documents.write_comparison,
}
RUN = FIXTURES / "binary_pass" / "runs" / "candidate" / "run.json"
EVALUATION = FIXTURES / "binary_pass" / "runs" / "candidate" / "evaluation.json"
COMPARISON = FIXTURES / "binary_fail" / "comparison.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def refusal(tmp_path: Path, name: str, data: Any) -> str:
    path = write(tmp_path, name, data)
    with pytest.raises(UserError) as caught:
        READERS[name](path)
    line = caught.value.line()
    assert "\n" not in line
    return line.removeprefix(f"{path}: ")


@pytest.mark.parametrize("path", EVERY_FIXTURE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_reads_and_round_trips(path: Path, tmp_path: Path) -> None:
    read = READERS[path.name]
    document = read(path)
    out = tmp_path / path.name
    WRITERS[path.name](out, document)  # type: ignore[operator]
    assert read(out) == document
    # What a writer emits is what a reader wrote: writing again changes no byte.
    again = tmp_path / "again" / path.name
    WRITERS[path.name](again, read(out))  # type: ignore[operator]
    assert again.read_bytes() == out.read_bytes()


def test_the_written_run_keeps_every_recorded_field(tmp_path: Path) -> None:
    original = load(RUN)
    documents.write_run(tmp_path / "run.json", documents.read_run(RUN))
    written = load(tmp_path / "run.json")
    for key, value in original.items():
        assert written[key] == value, key


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"model": "model.skops"},
            "model must be an object with file and sha256, got a string",
        ),
        ({"model": {"file": "model.skops"}}, "model.sha256 must be a string, got nothing"),
        ({"task": "ranking"}, "task must be 'classification' or 'regression', got a string"),
        ({"target": 3}, "target must be a string, got a number"),
        ({"features": {"numeric": "a"}}, "features.numeric must be a list, got a string"),
        ({"features": {"numeric": ["a", 1]}}, "features.numeric[1] must be a string, got a number"),
        ({"classes": [0, 1]}, "classes[0] must be a string, got a number"),
        ({"estimator": "LogisticRegression"}, "estimator must be an object with class and params"),
        ({"data": {"train": []}}, "data.train must be an object with source, sha256 and rows"),
        ({"git": {"commit": "abc", "dirty": "no"}}, "git.dirty must be true or false"),
        ({"timings": {"fit_s": "fast"}}, "timings.fit_s must be a number, got a string"),
    ],
)
def test_a_wrong_run_shape_is_one_line_naming_the_field(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    assert refusal(tmp_path, "run.json", {**load(RUN), **change}).startswith(expected)


def test_a_missing_key_names_it(tmp_path: Path) -> None:
    data = load(RUN)
    del data["target"]
    assert refusal(tmp_path, "run.json", data) == (
        "target must be a string, got nothing (the field is missing)"
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["metrics"]["roc_auc"].update(value="0.9"),
            "metrics.roc_auc.value must be a number, got a string",
        ),
        (
            lambda d: d["metrics"]["roc_auc"].update(ci=[0.1]),
            "metrics.roc_auc.ci must be a list of two numbers [low, high] or null",
        ),
        (
            lambda d: d["curves"]["roc"]["1"].update(tpr=[0.0]),
            "curves.roc.1 must be an object whose fpr and tpr lists have the same length",
        ),
        (
            lambda d: d["confusion_matrix"].update(counts=[[1, 2]]),
            "confusion_matrix.counts must be a 2×2 table (one row per label)",
        ),
        (
            lambda d: d["data_checks"][0].update(status="maybe"),
            "data_checks[0].status must be 'ok' or 'warn' or 'fail' or 'skipped'",
        ),
        (
            lambda d: d.update(plots=["../../etc/passwd.png"]),
            "plots[0] must be a path inside the directory",
        ),
        (lambda d: d["per_class"][0].update(support=1.5), "per_class[0].support must be a whole"),
    ],
)
def test_a_wrong_evaluation_shape_is_one_line_naming_the_field(
    tmp_path: Path, edit: Any, expected: str
) -> None:
    data = load(EVALUATION)
    edit(data)
    assert refusal(tmp_path, "evaluation.json", data).startswith(expected)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(metrics={"roc_auc": 1}), "metrics must be a list, got an object"),
        (lambda d: d["metrics"][0].pop("name"), "metrics[0].name must be a string, got nothing"),
        (
            lambda d: d["metrics"][0]["gate"].update(status="ok"),
            "metrics[0].gate.status must be 'pass' or 'fail' or 'none'",
        ),
        (lambda d: d.update(verdict="maybe"), "verdict must be 'pass' or 'fail'"),
        (lambda d: d.update(baseline="runs/baseline"), "baseline must be an object with run"),
    ],
)
def test_a_wrong_comparison_shape_is_one_line_naming_the_field(
    tmp_path: Path, edit: Any, expected: str
) -> None:
    data = load(COMPARISON)
    edit(data)
    assert refusal(tmp_path, "comparison.json", data).startswith(expected)


def test_a_failed_gate_fails_the_comparison_whatever_the_recorded_verdict(tmp_path: Path) -> None:
    data = load(COMPARISON)
    data["verdict"], data["failed_gates"] = "pass", []
    comparison = documents.read_comparison(write(tmp_path, "comparison.json", data))
    assert comparison.verdict == "fail" and "roc_auc" in comparison.failed_gates


def test_nan_in_a_file_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.json"
    path.write_text(EVALUATION.read_text().replace('"n_rows": 114', '"n_rows": NaN'))
    with pytest.raises(UserError, match=r"evaluation\.json: NaN is not a JSON number"):
        documents.read_evaluation(path)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (
            "modelci.run/2",
            "modelci.run/2 is not supported; this modelci reads modelci.run version 1",
        ),
        ("modelci.evaluation/1", "is not a modelci run file: its schema must be 'modelci.run/1'"),
        (None, "is not a modelci run file"),
    ],
)
def test_the_schema_version_is_checked(tmp_path: Path, found: Any, expected: str) -> None:
    path = write(tmp_path, "run.json", {**load(RUN), "schema": found})
    with pytest.raises(UserError, match=expected.replace(".", r"\.")):
        documents.read_run(path)


def test_a_missing_or_broken_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"run\.json not found\. Is this a run directory"):
        documents.read_run(tmp_path / "run.json")
    (tmp_path / "comparison.json").write_text("{", encoding="utf-8")
    with pytest.raises(UserError, match=r"is not valid JSON \(line 1"):
        documents.read_comparison(tmp_path / "comparison.json")
    (tmp_path / "evaluation.json").write_text("[]", encoding="utf-8")
    with pytest.raises(UserError, match="must be a JSON object, got a list"):
        documents.read_evaluation(tmp_path / "evaluation.json")


def test_nan_and_infinity_are_written_as_null(tmp_path: Path) -> None:
    import numpy as np

    data = load(RUN)
    # XGBoost's `missing=nan`, and numpy values straight from a fitted estimator.
    data["estimator"]["params"] = {
        "missing": float("nan"),
        "scale": np.float64("inf"),
        "depth": np.int64(3),
        "weights": np.array([1.0, np.nan]),
    }
    info = documents.parse_run(data, where="run.json")
    documents.write_run(tmp_path / "run.json", info)
    text = (tmp_path / "run.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    params = load(tmp_path / "run.json")["estimator"]["params"]
    assert params == {"missing": None, "scale": None, "depth": 3, "weights": [1.0, None]}


def test_a_non_finite_metric_is_written_as_null(tmp_path: Path) -> None:
    data = load(EVALUATION)
    data["metrics"]["roc_auc"]["value"] = math.nan
    data["model"]["latency_ms_per_1k_rows"] = math.inf
    evaluation = documents.parse_evaluation(data, where="evaluation.json")
    assert evaluation.metric("roc_auc").value is None  # type: ignore[union-attr]
    documents.write_evaluation(tmp_path / "evaluation.json", evaluation)
    documents.write_metrics_of(tmp_path / "metrics.json", evaluation)
    assert load(tmp_path / "evaluation.json")["metrics"]["roc_auc"]["value"] is None
    metrics = documents.read_metrics(tmp_path / "metrics.json")
    assert metrics.values["roc_auc"] is None and metrics.values["latency_ms_per_1k_rows"] is None
    assert metrics.values["model_size_bytes"] == evaluation.model.size_bytes


def test_metrics_round_trip_and_refuse_text(tmp_path: Path) -> None:
    metrics = documents.Metrics(values={"roc_auc": 0.99, "model_size_bytes": 2048.0})
    documents.write_metrics(tmp_path / "metrics.json", metrics)
    assert load(tmp_path / "metrics.json") == {"roc_auc": 0.99, "model_size_bytes": 2048}
    assert documents.read_metrics(tmp_path / "metrics.json") == metrics
    write(tmp_path, "metrics.json", {"roc_auc": "high"})
    with pytest.raises(UserError, match=r"metrics\.json: roc_auc must be a number, got a string"):
        documents.read_metrics(tmp_path / "metrics.json")


def test_baseline_provenance_round_trips(tmp_path: Path) -> None:
    baseline = documents.BaselineSource(
        source="release:cancer@v1.0.0",
        kind="release",
        tag="cancer@v1.0.0",
        url="https://github.com/o/r/releases/tag/cancer@v1.0.0",
        model_sha256="ab" * 32,
        files={"model.skops": "ab" * 32},
    )
    documents.write_baseline(tmp_path / "baseline.json", baseline)
    assert load(tmp_path / "baseline.json")["schema"] == "modelci.baseline/1"
    assert documents.read_baseline(tmp_path / "baseline.json") == baseline
    write(tmp_path, "baseline.json", {"schema": "modelci.baseline/1", "source": "x"})
    with pytest.raises(UserError, match=r"baseline\.json: kind must be a string, got nothing"):
        documents.read_baseline(tmp_path / "baseline.json")


def test_a_writer_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text("old", encoding="utf-8")
    documents.write_run(path, documents.read_run(RUN))
    assert documents.read_run(path) == documents.read_run(RUN)
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temp file left behind


def test_a_wrong_shape_in_a_run_directory_is_exit_2_at_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelci.cli import main

    run_dir = tmp_path / "runs" / "x"
    shutil.copytree(FIXTURES / "binary_pass" / "runs" / "candidate", run_dir)
    data = load(run_dir / "run.json")
    data["model"] = "model.skops"
    (run_dir / "run.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["evaluate", str(run_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        f"{run_dir / 'run.json'}: model must be an object with file and sha256, got a string"
    )
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_documents_are_frozen() -> None:
    info = documents.read_run(RUN)
    with pytest.raises(AttributeError):
        info.target = "other"  # type: ignore[misc]
    assert copy.deepcopy(info) == info


def test_a_wrong_evaluation_shape_is_exit_2_for_compare_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelci.cli import main

    root = tmp_path / "binary_pass"
    shutil.copytree(FIXTURES / "binary_pass", root)
    candidate = root / "runs" / "candidate"
    (candidate / "predictions.csv").write_text("row_id,y_true,y_pred\n", encoding="utf-8")
    data = load(candidate / "evaluation.json")
    data["data"] = "data/breast_cancer.csv"
    (candidate / "evaluation.json").write_text(json.dumps(data), encoding="utf-8")
    expected = f"{candidate / 'evaluation.json'}: data must be an object with source, sha256"
    out = tmp_path / "compare"
    assert (
        main(["compare", str(candidate), str(root / "runs" / "baseline"), "--out", str(out)]) == 2
    )
    assert expected in capsys.readouterr().err
    assert not out.exists()  # nothing half-written
    assert main(["report", str(candidate), "--out", str(tmp_path / "report.md")]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "report.md").exists()
