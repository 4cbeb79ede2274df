"""XGBoost and LightGBM models trained from the config, through the CLI as a user runs it:
train → evaluate → compare with a scikit-learn baseline on the same rows; a tampered booster or
preprocessing file and a missing library are one line, exit 2."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from tests.conftest import write_config

CONFIG = """\
data:
  train: data/mixed.csv
  target: label
  seed: 1
model:
  estimator: {estimator}
  params: {params}
metrics:
  resamples: 200
  plots: false
"""
XGB = pytest.mark.skipif(
    importlib.util.find_spec("xgboost") is None,
    reason="needs xgboost (pip install 'modelci[flavours-test]')",
)
LGBM = pytest.mark.skipif(
    importlib.util.find_spec("lightgbm") is None,
    reason="needs lightgbm (pip install 'modelci[flavours-test]')",
)
ESTIMATORS = {
    "xgb": ("xgboost.XGBClassifier", "{n_estimators: 30, max_depth: 3, n_jobs: 1}", "model.ubj"),
    "lgbm": (
        "lightgbm.LGBMClassifier",
        "{n_estimators: 30, num_leaves: 7, n_jobs: 1}",
        "model.txt",
    ),
    "sk": ("sklearn.linear_model.LogisticRegression", "{}", "model.skops"),
}


def read(path):
    return json.loads(path.read_text())


def train(cli, tmp_path, name, *flags):
    estimator, params, _ = ESTIMATORS[name]
    write_config(tmp_path, CONFIG.format(estimator=estimator, params=params), f"{name}.yaml")
    result = cli("train", "-c", f"{name}.yaml", "--out", f"runs/{name}", *flags)
    assert result.code == 0, result.stderr
    return tmp_path / "runs" / name


def one_line_error(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    return lines[-1]


@pytest.mark.parametrize("name", [pytest.param("xgb", marks=XGB), pytest.param("lgbm", marks=LGBM)])
def test_library_candidate_against_a_sklearn_baseline_on_the_same_rows(
    cli, tmp_path, mixed_csv, name
):
    baseline = train(cli, tmp_path, "sk", "--evaluate")
    candidate = train(cli, tmp_path, name)
    assert cli("evaluate", f"runs/{name}").code == 0
    evaluation = read(candidate / "evaluation.json")
    assert evaluation["classes"] == ["no", "yes"]
    assert 0.6 < evaluation["metrics"]["roc_auc"]["value"] <= 1.0
    info = read(candidate / "run.json")
    assert evaluation["model"]["sha256"] == info["model"]["sha256"]
    features = {f["feature"] for f in evaluation["importance"]["features"]}
    assert features <= {
        "x1",
        "x2",
        "colour",
        "when__year",
        "when__month",
        "when__day",
        "when__day_of_week",
    }  # the input columns, not the booster's f0, f1…
    fingerprints = {
        read(r / "run.json")["data"]["split"]["test_fingerprint"] for r in (baseline, candidate)
    }
    assert len(fingerprints) == 1
    result = cli("compare", f"runs/{name}", "runs/sk", "--out", "runs/compare")
    assert result.code in (0, 1), result.stderr
    comparison = read(tmp_path / "runs" / "compare" / "comparison.json")
    assert comparison["primary"] == "roc_auc"
    assert comparison["n_rows"] == evaluation["n_rows"]


@XGB
def test_multiclass_string_labels_through_the_cli(cli, tmp_path, mixed_csv):
    import pandas as pd

    frame = pd.read_csv(mixed_csv)
    frame["label"] = pd.cut(
        frame["x1"], [-99, -0.5, 0.5, 99], labels=["low", "mid", "high"]
    ).astype(str)
    frame.to_csv(mixed_csv, index=False)
    run = train(cli, tmp_path, "xgb", "--evaluate")
    evaluation = read(run / "evaluation.json")
    assert evaluation["classes"] == ["high", "low", "mid"]
    assert evaluation["metrics"]["accuracy"]["value"] > 0.7


@pytest.mark.parametrize("file", ["model.ubj", "preprocess.skops"])
@XGB
def test_a_tampered_booster_or_preprocessing_file_is_refused_by_its_sha256(
    cli, tmp_path, mixed_csv, file
):
    run = train(cli, tmp_path, "xgb")
    path = run / file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    line = one_line_error(cli("evaluate", "runs/xgb"))
    assert file in line and "sha256" in line and "does not match" in line
    assert not (run / "evaluation.json").exists()


@XGB
def test_a_missing_library_at_evaluate_is_one_line_naming_the_extra(
    cli, tmp_path, mixed_csv, monkeypatch
):
    train(cli, tmp_path, "xgb")
    monkeypatch.setitem(sys.modules, "xgboost", None)  # what `import xgboost` meets uninstalled
    line = one_line_error(cli("evaluate", "runs/xgb"))
    assert "modelci[xgboost]" in line


def test_a_missing_library_at_train_is_one_line_naming_the_extra(
    cli, tmp_path, mixed_csv, monkeypatch
):
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    estimator, params, _ = ESTIMATORS["lgbm"]
    write_config(tmp_path, CONFIG.format(estimator=estimator, params=params))
    line = one_line_error(cli("train", "--out", "runs/lgbm"))
    assert "modelci[lightgbm]" in line and "modelci.yaml:6" in line
    assert not (tmp_path / "runs" / "lgbm").exists()
