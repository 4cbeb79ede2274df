"""The bad-input catalog: every case exits 2 with one clear line, no traceback, no output left."""

from __future__ import annotations

import json
import shutil
import zipfile

import pandas as pd
import pytest
from tests.conftest import write_config

GOOD = "data:\n  train: data/mixed.csv\n  target: label\nmetrics: {resamples: 100, importance: false, plots: false}\n"


def assert_one_clear_line(result, *needles):
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def trained(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD)
    assert cli("train", "--out", "runs/good").code == 0
    assert cli("evaluate", "runs/good").code == 0
    return tmp_path / "runs/good"


TRAIN_CASES = {
    "malformed yaml": (
        "data:\n  train: [a\n  target: label\n",
        ["malformed YAML", "modelci.yaml:"],
    ),
    "typo'd key": (
        GOOD + "modle: {}\n",
        ["unknown key 'modle'", "Did you mean 'model'?", "modelci.yaml:5"],
    ),
    "wrong type": (
        GOOD.replace("label\n", "label\n  seed: x\n"),
        ["'data.seed' must be an integer", "modelci.yaml:4"],
    ),
    "missing data file": (
        "data: {train: data/nope.csv, target: label}\n",
        ["data file data/nope.csv not found"],
    ),
    "missing target column": (
        "data: {train: data/mixed.csv, target: lable}\n",
        ["target column 'lable' not found", "Did you mean 'label'?"],
    ),
    "unknown estimator module": (
        GOOD + "model: {estimator: sklearn.ensembel.RandomForestClassifier}\n",
        ["cannot import module 'sklearn.ensembel'"],
    ),
    "unknown estimator class": (
        GOOD + "model: {estimator: sklearn.ensemble.RandomForestClassifer}\n",
        ["Did you mean 'sklearn.ensemble.RandomForestClassifier'?"],
    ),
    "unknown param": (
        GOOD + "model: {estimator: sklearn.linear_model.LogisticRegression, "
        "params: {max_iters: 5}}\n",
        ["'max_iters' is not a parameter", "Did you mean 'max_iter'?"],
    ),
    "invalid param value": (
        GOOD + "model: {params: {max_iter: -3}}\n",
        ["training failed", "max_iter"],
    ),
    "regressor for a classification task": (
        GOOD + "model: {estimator: sklearn.linear_model.Ridge}\n",
        ["is not a classifier, but the task is classification"],
    ),
    "unknown bundled set": (
        "data: {train: 'sklearn:iriss', target: target}\n",
        ["Did you mean 'sklearn:iris'?"],
    ),
    "unknown primary metric": (
        GOOD.replace("metrics: {", "metrics: {primary: roc_acu, "),
        ["unknown metric 'roc_acu'", "Did you mean 'roc_auc'?"],
    ),
}


@pytest.mark.parametrize("case", sorted(TRAIN_CASES))
def test_train_refuses(case, cli, tmp_path, mixed_csv):
    text, needles = TRAIN_CASES[case]
    write_config(tmp_path, text)
    assert_one_clear_line(cli("train", "--out", "runs/x"), *needles)
    assert not (tmp_path / "runs").exists(), "no partial output"


def _with_data(tmp_path, frame, name="bad.csv"):
    path = tmp_path / "data" / name
    frame.to_csv(path, index=False)
    write_config(tmp_path, f"data: {{train: data/{name}, target: label}}\n")


def test_empty_data(cli, tmp_path, mixed_csv):
    (tmp_path / "data/empty.csv").write_text("")
    write_config(tmp_path, "data: {train: data/empty.csv, target: label}\n")
    assert_one_clear_line(cli("train", "--out", "runs/x"), "data/empty.csv is empty")


def test_header_only_data(cli, tmp_path, mixed_csv):
    (tmp_path / "data/header.csv").write_text("x1,label\n")
    write_config(tmp_path, "data: {train: data/header.csv, target: label}\n")
    assert_one_clear_line(cli("train", "--out", "runs/x"), "has a header but no data rows")


def test_single_class_target(cli, tmp_path, mixed_csv):
    frame = pd.read_csv(mixed_csv).assign(label="yes")
    _with_data(tmp_path, frame)
    assert_one_clear_line(cli("train", "--out", "runs/x"), "has a single class")


def test_non_numeric_regression_target(cli, tmp_path, mixed_csv):
    frame = pd.read_csv(mixed_csv)
    frame["label"] = frame["x1"].round(3).astype(str)
    frame.loc[17, "label"] = "unknown"
    _with_data(tmp_path, frame)
    write_config(tmp_path, "task: regression\ndata: {train: data/bad.csv, target: label}\n")
    assert_one_clear_line(cli("train", "--out", "runs/x"), "is not numeric", "data/bad.csv:19")


def test_missing_target_values_name_the_line(cli, tmp_path, mixed_csv):
    frame = pd.read_csv(mixed_csv)
    frame.loc[[4, 9], "label"] = None
    _with_data(tmp_path, frame)
    assert_one_clear_line(
        cli("train", "--out", "runs/x"), "2 row(s) have no value", "first at data/bad.csv:6"
    )


def test_tampered_model_file(cli, tmp_path, trained):
    with open(trained / "model.skops", "ab") as handle:
        handle.write(b"tampered")
    assert_one_clear_line(
        cli("evaluate", "runs/good", "--out", "runs/again"),
        "does not match",
        "recorded in run.json",
    )
    assert not (tmp_path / "runs/again").exists()


def test_untrusted_types_in_a_skops_file(cli, tmp_path, mixed_csv):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    sio.dump(FunctionTransformer(func=eval), tmp_path / "evil.skops")
    result = cli(
        "evaluate",
        "--model",
        "evil.skops",
        "--data",
        "data/mixed.csv",
        "--target",
        "label",
        "--out",
        "runs/evil",
    )
    assert_one_clear_line(result, "contains types modelci does not load", "builtins.eval")
    assert not (tmp_path / "runs/evil").exists()


def test_not_a_skops_file(cli, tmp_path, mixed_csv):
    (tmp_path / "model.skops").write_bytes(b"\x80\x04 definitely a pickle")
    result = cli(
        "evaluate", "--model", "model.skops", "--data", "data/mixed.csv", "--target", "label"
    )
    assert_one_clear_line(result, "not a readable skops file")


def test_compare_runs_on_different_targets(cli, tmp_path, trained):
    write_config(
        tmp_path,
        "data: {train: 'sklearn:breast_cancer', target: target}\n"
        "metrics: {resamples: 100, importance: false, plots: false}\n",
        "other.yaml",
    )
    assert cli("train", "-c", "other.yaml", "--out", "runs/other").code == 0
    assert cli("evaluate", "runs/other").code == 0
    assert_one_clear_line(
        cli("compare", "runs/good", "runs/other", "--out", "runs/cmp"),
        "predicts 'label' but the baseline predicts 'target'",
    )
    assert not (tmp_path / "runs/cmp").exists()


def test_compare_with_a_baseline_lacking_the_columns(cli, tmp_path, trained, mixed_csv):
    frame = pd.read_csv(mixed_csv).rename(columns={"x1": "renamed"})
    frame.to_csv(tmp_path / "data/renamed.csv", index=False)
    write_config(tmp_path, GOOD.replace("mixed.csv", "renamed.csv"), "renamed.yaml")
    assert cli("train", "-c", "renamed.yaml", "--out", "runs/renamed").code == 0
    assert cli("evaluate", "runs/renamed").code == 0
    result = cli("compare", "runs/good", "runs/renamed", "--out", "runs/cmp")
    assert_one_clear_line(result, "baseline cannot be re-scored", "renamed")
    assert not (tmp_path / "runs/cmp").exists()


def test_compare_before_evaluate(cli, tmp_path, trained):
    shutil.copytree(trained, tmp_path / "runs/fresh")
    (tmp_path / "runs/fresh/evaluation.json").unlink()
    assert_one_clear_line(
        cli("compare", "runs/fresh", "runs/good", "--out", "runs/cmp"),
        "has not been evaluated",
        "modelci evaluate",
    )


def test_not_a_run_directory(cli, tmp_path):
    (tmp_path / "somewhere").mkdir()
    assert_one_clear_line(cli("evaluate", "somewhere"), "run.json not found")


def test_run_json_of_a_future_version(cli, tmp_path, trained):
    info = json.loads((trained / "run.json").read_text())
    info["schema"] = "modelci.run/9"
    (trained / "run.json").write_text(json.dumps(info))
    assert_one_clear_line(
        cli("evaluate", "runs/good"), "modelci.run/9", "this modelci reads modelci.run version 1"
    )


def test_data_changed_since_training(cli, tmp_path, trained, mixed_csv):
    frame = pd.read_csv(mixed_csv)
    frame.loc[0, "x1"] = 99.0
    frame.to_csv(mixed_csv, index=False)
    assert_one_clear_line(cli("evaluate", "runs/good"), "changed since")


def test_bad_set_flag(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD)
    assert_one_clear_line(cli("train", "--set", "data.seed", "--out", "runs/x"), "is not KEY=VALUE")


def test_skops_zip_with_a_foreign_type_is_refused(cli, tmp_path, trained):
    # Rewrite the schema of a real model so that one object claims a non-allowlisted type.
    source = trained / "model.skops"
    target = tmp_path / "forged.skops"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "schema.json":
                data = data.replace(b'"__module__": "sklearn.pipeline"', b'"__module__": "os"', 1)
            zout.writestr(item, data)
    result = cli(
        "evaluate",
        "--model",
        "forged.skops",
        "--data",
        "data/mixed.csv",
        "--target",
        "label",
        "--out",
        "runs/forged",
    )
    assert_one_clear_line(result, "contains types modelci does not load", "os.Pipeline")


# ---- outputs never destroy inputs -----------------------------------------------------------


def test_train_refuses_to_replace_the_working_directory(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD)
    assert_one_clear_line(cli("train", "--out", "."), "working directory")
    assert mixed_csv.exists() and (tmp_path / "modelci.yaml").exists()


def test_train_refuses_a_folder_of_other_files(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD)
    assert_one_clear_line(cli("train", "--out", "data"), "is not empty")
    assert mixed_csv.exists()


def test_compare_refuses_to_write_over_an_input(cli, tmp_path, trained):
    assert_one_clear_line(
        cli("compare", "runs/good", "runs/good", "--out", "runs/good"), "is, or holds, the input"
    )
    assert_one_clear_line(
        cli("compare", "runs/good", "runs/good", "--out", "runs"), "is, or holds, the input"
    )
    assert (trained / "run.json").exists() and (trained / "model.skops").exists()


def test_report_refuses_to_overwrite_its_records(cli, tmp_path, trained):
    before = (trained / "evaluation.json").read_text()
    assert_one_clear_line(
        cli("report", "runs/good", "--out", "runs/good/evaluation.json"),
        "is one of the records the report is made from",
    )
    assert (trained / "evaluation.json").read_text() == before


def test_evaluate_refuses_to_overwrite_another_run(cli, tmp_path, trained):
    write_config(
        tmp_path,
        GOOD.replace("metrics:", "model: {estimator: sklearn.dummy.DummyClassifier}\nmetrics:"),
        "other.yaml",
    )
    assert cli("train", "-c", "other.yaml", "--out", "runs/other").code == 0
    before = (tmp_path / "runs/other/model.skops").read_bytes()
    assert_one_clear_line(cli("evaluate", "runs/good", "--out", "runs/other"), "holds another run")
    assert (tmp_path / "runs/other/model.skops").read_bytes() == before


def test_an_os_error_is_one_line(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD)
    assert_one_clear_line(cli("train", "--out", "data/mixed.csv/run"), "mixed.csv")


def test_a_data_path_that_is_a_directory(cli, tmp_path, mixed_csv):
    write_config(tmp_path, "data: {train: data, target: label}\n")
    assert_one_clear_line(cli("train", "--out", "runs/x"), "data file data is a directory")


def test_no_test_label_matches_a_trained_class(cli, tmp_path, trained, mixed_csv):
    frame = pd.read_csv(mixed_csv).assign(label="maybe")
    frame.to_csv(tmp_path / "data/other.csv", index=False)
    assert_one_clear_line(
        cli("evaluate", "runs/good", "--data", "data/other.csv", "--out", "runs/o"),
        "no test label matches a class",
        "trained: no, yes",
    )
