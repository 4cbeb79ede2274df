"""The CLI end to end on binary, multiclass and regression data: what a user runs and reads."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from tests.conftest import ROOT, write_config

BINARY = """\
data:
  train: data/mixed.csv
  target: label
  seed: 1
model:
  estimator: {estimator}
  params: {params}
metrics:
  resamples: 300
gates:
  roc_auc: {{max_drop: 0.02}}
"""


def read(path):
    return json.loads(path.read_text())


def train_and_evaluate(cli, tmp_path, name, estimator, params="{}"):
    write_config(tmp_path, BINARY.format(estimator=estimator, params=params), f"{name}.yaml")
    result = cli("train", "-c", f"{name}.yaml", "--out", f"runs/{name}")
    assert result.code == 0, result.stderr
    result = cli("evaluate", f"runs/{name}")
    assert result.code == 0, result.stderr
    return tmp_path / "runs" / name


def test_binary_csv_with_missing_values_categoricals_and_dates(cli, tmp_path, mixed_csv):
    run = train_and_evaluate(
        cli,
        tmp_path,
        "candidate",
        "sklearn.ensemble.HistGradientBoostingClassifier",
        "{max_iter: 50}",
    )
    info = read(run / "run.json")
    assert info["features"]["dates"] == ["when"]
    assert info["features"]["categorical"] == ["colour"]
    assert info["classes"] == ["no", "yes"] and info["positive_class"] == "yes"
    assert info["data"]["split"]["kind"] == "stratified"
    evaluation = read(run / "evaluation.json")
    assert evaluation["primary"] == "roc_auc"
    auc = evaluation["metrics"]["roc_auc"]
    assert 0.6 < auc["value"] < 1.0 and auc["ci"][0] < auc["value"] < auc["ci"][1]
    assert auc["method"]
    flat = read(run / "metrics.json")
    assert set(flat) >= {
        "accuracy",
        "roc_auc",
        "f1",
        "log_loss",
        "brier",
        "mcc",
        "model_size_bytes",
        "latency_ms_per_1k_rows",
    }
    assert all(isinstance(v, (int, float)) for v in flat.values())
    checks = {c["check"]: c for c in evaluation["data_checks"]}
    assert "x2" in checks["missing_values"]["detail"]
    assert checks["train_test_duplicates"]["status"] == "ok"
    predictions = pd.read_csv(run / "predictions.csv")
    assert list(predictions.columns) == ["row_id", "y_true", "y_pred", "proba_no", "proba_yes"]
    assert len(predictions) == evaluation["n_rows"] == 80
    assert {p.split("/")[-1] for p in evaluation["plots"]} >= {"roc.png"}
    for plot in evaluation["plots"]:
        assert (run / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert evaluation["importance"]["features"][0]["feature"] in {"x1", "x2", "colour"}


def test_compare_pass_and_real_regression_fails(cli, tmp_path, mixed_csv):
    good = train_and_evaluate(cli, tmp_path, "good", "sklearn.linear_model.LogisticRegression")
    bad = train_and_evaluate(
        cli, tmp_path, "bad", "sklearn.dummy.DummyClassifier", "{strategy: prior}"
    )
    result = cli("compare", str(good), str(bad), "--out", "runs/up")
    assert result.code == 0, result.stderr
    assert "✅ pass" in result.stdout
    up = read(tmp_path / "runs/up/comparison.json")
    assert up["verdict"] == "pass" and up["baseline"]["rescored"] is False
    auc = next(m for m in up["metrics"] if m["name"] == "roc_auc")
    assert auc["delta"] > 0.2 and auc["p_value"] < 0.01 and auc["gate"]["status"] == "pass"

    result = cli("compare", str(bad), str(good), "--out", "runs/down")
    assert result.code == 1, result.stderr
    assert "❌ fail (roc_auc)" in result.stdout
    down = read(tmp_path / "runs/down/comparison.json")
    assert down["verdict"] == "fail" and down["failed_gates"] == ["roc_auc"]
    assert (tmp_path / "runs/down/comparison.json").exists()
    assert down["plots"], "overlay plots are written even when the gate fails"


def test_noise_does_not_fail_a_gate(cli, tmp_path, mixed_csv):
    # Same estimator, other seeds for the model only: any difference is noise.
    one = train_and_evaluate(
        cli,
        tmp_path,
        "one",
        "sklearn.ensemble.RandomForestClassifier",
        "{n_estimators: 30, random_state: 1}",
    )
    two = train_and_evaluate(
        cli,
        tmp_path,
        "two",
        "sklearn.ensemble.RandomForestClassifier",
        "{n_estimators: 30, random_state: 2}",
    )
    result = cli("compare", str(one), str(two), "--out", "runs/noise")
    assert result.code == 0, result.stdout + result.stderr


def test_baseline_scored_on_other_rows_is_rescored(cli, tmp_path, mixed_csv):
    candidate = train_and_evaluate(
        cli, tmp_path, "candidate", "sklearn.linear_model.LogisticRegression"
    )
    baseline = train_and_evaluate(cli, tmp_path, "baseline", "sklearn.dummy.DummyClassifier")
    other = tmp_path / "data" / "other.csv"
    pd.read_csv(mixed_csv).iloc[:150].to_csv(other, index=False)
    assert cli("evaluate", str(baseline), "--data", str(other)).code == 0
    result = cli("compare", str(candidate), str(baseline), "--out", "runs/cmp")
    assert result.code == 0, result.stderr
    document = read(tmp_path / "runs/cmp/comparison.json")
    assert document["baseline"]["rescored"] is True
    assert document["n_rows"] == 80


def test_multiclass_bundled_set(cli, tmp_path):
    write_config(
        tmp_path,
        "data: {train: 'sklearn:iris', target: target}\n"
        "model: {estimator: sklearn.linear_model.LogisticRegression}\n"
        "metrics: {primary: f1_macro, resamples: 200}\n",
    )
    assert cli("train", "--out", "runs/iris").code == 0
    result = cli("evaluate", "runs/iris")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("f1_macro = ")
    evaluation = read(tmp_path / "runs/iris/evaluation.json")
    assert evaluation["classes"] == ["0", "1", "2"]
    assert len(evaluation["per_class"]) == 3
    assert "roc_auc" in evaluation["metrics"] and "f1" not in evaluation["metrics"]
    assert set(evaluation["curves"]["roc"]) == {"0", "1", "2"}
    assert len(evaluation["confusion_matrix"]["counts"]) == 3


def test_regression_compare(cli, tmp_path):
    base = "data: {train: 'sklearn:diabetes', target: target, seed: 3}\nmetrics: {resamples: 200}\n"
    write_config(
        tmp_path,
        base + "model: {estimator: sklearn.linear_model.Ridge}\ngates: {rmse: {max_rise_pct: 5}}\n",
        "ridge.yaml",
    )
    write_config(
        tmp_path, base + "model: {estimator: sklearn.dummy.DummyRegressor}\n", "dummy.yaml"
    )
    for name in ("ridge", "dummy"):
        assert cli("train", "-c", f"{name}.yaml", "--out", f"runs/{name}").code == 0
        assert cli("evaluate", f"runs/{name}").code == 0
    evaluation = read(tmp_path / "runs/ridge/evaluation.json")
    assert evaluation["task"] == "regression" and evaluation["primary"] == "rmse"
    assert set(evaluation["metrics"]) >= {"rmse", "mae", "r2", "median_ae", "max_error", "mape"}
    assert evaluation["metrics"]["max_error"]["ci"] is None
    assert len(evaluation["regression"]["sample"]["y_true"]) == evaluation["n_rows"]
    result = cli("compare", "runs/ridge", "runs/dummy", "--out", "runs/cmp")
    assert result.code == 0, result.stderr
    rmse = next(
        m for m in read(tmp_path / "runs/cmp/comparison.json")["metrics"] if m["name"] == "rmse"
    )
    assert rmse["delta"] < 0 and rmse["ci"][1] < 0 and rmse["p_value"] < 0.05


def test_bring_your_own_model(cli, tmp_path, mixed_csv):
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier

    frame = pd.read_csv(mixed_csv)[["x1", "x2", "label"]].dropna()
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(
        frame[["x1", "x2"]], frame["label"]
    )
    sio.dump(model, tmp_path / "model.skops")
    frame.to_csv(tmp_path / "test.csv", index=False)
    result = cli(
        "evaluate",
        "--model",
        "model.skops",
        "--data",
        "test.csv",
        "--target",
        "label",
        "--out",
        "runs/byo",
    )
    assert result.code == 0, result.stderr
    evaluation = read(tmp_path / "runs/byo/evaluation.json")
    assert evaluation["metrics"]["accuracy"]["value"] > 0.9  # scored on its own training rows
    assert (tmp_path / "runs/byo/run.json").exists()


def test_demo_runs_offline_and_prints_the_paths(cli_subprocess, tmp_path):
    output = tmp_path / "github_output"
    result = cli_subprocess("demo", "--out", "demo", env={"GITHUB_OUTPUT": str(output)})
    assert result.code == 0, result.stderr
    assert "report:" in result.stdout and "html:" in result.stdout
    assert result.stdout.splitlines()[0].startswith(("✅ pass", "❌ fail"))
    # its step outputs, as the other commands write theirs
    written = output.read_text()
    for name, value in (
        ("report", str((tmp_path / "demo/report.md").resolve())),
        ("html", str((tmp_path / "demo/report.html").resolve())),
        ("summary", result.stdout.splitlines()[0]),
    ):
        assert re.search(rf"^{name}<<(\S+)\n{re.escape(value)}\n\1$", written, re.M), written
    report = (tmp_path / "demo/report.md").read_text()
    assert "**roc\\_auc**" in report and "| baseline" in report.replace("  ", " ")
    html = (tmp_path / "demo/report.html").read_text()
    assert "data:image/png;base64," in html


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["compare", "--help"]])
def test_help_imports_no_heavy_library(args):
    code = (
        f"import sys, runpy; sys.argv = ['modelci', *{args!r}]\n"
        "try:\n    runpy.run_module('modelci', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "heavy = sorted(m for m in ('pandas', 'sklearn', 'matplotlib', 'numpy', 'scipy') "
        "if m in sys.modules)\n"
        "print('HEAVY', heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "scripts")},
        timeout=60,
    )
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("suffix", [".tsv", ".parquet"])
def test_tsv_and_parquet_inputs(cli, tmp_path, mixed_csv, suffix):
    frame = pd.read_csv(mixed_csv)
    path = tmp_path / "data" / f"mixed{suffix}"
    if suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    else:
        frame.to_parquet(path, index=False)
    write_config(
        tmp_path,
        f"data: {{train: data/mixed{suffix}, target: label}}\n"
        "metrics: {plots: false, importance: false, resamples: 100}\n",
    )
    assert cli("train", "--out", "runs/r").code == 0
    result = cli("evaluate", "runs/r")
    assert result.code == 0, result.stderr
    assert read(tmp_path / "runs/r/run.json")["features"]["categorical"] == ["colour"]


def test_unseen_classes_and_categories_show_in_the_data_checks(cli, tmp_path, mixed_csv):
    frame = pd.read_csv(mixed_csv)
    train, test = frame.iloc[:300], frame.iloc[300:].copy()
    test.iloc[:5, test.columns.get_loc("label")] = "maybe"
    test.iloc[5:12, test.columns.get_loc("colour")] = "purple"
    train.to_csv(tmp_path / "data/train.csv", index=False)
    test.to_csv(tmp_path / "data/test.csv", index=False)
    write_config(
        tmp_path,
        "data: {train: data/train.csv, test: data/test.csv, target: label}\n"
        "metrics: {plots: false, resamples: 100}\n",
    )
    assert cli("train", "--out", "runs/r").code == 0
    result = cli("evaluate", "runs/r")
    assert result.code == 0, result.stderr
    evaluation = read(tmp_path / "runs/r/evaluation.json")
    checks = {c["check"]: c for c in evaluation["data_checks"]}
    assert checks["unseen_classes"]["status"] == "fail"
    assert "5 test row(s)" in checks["unseen_classes"]["detail"]
    assert checks["unseen_categories"]["status"] == "warn"
    assert "colour: 7 row(s)" in checks["unseen_categories"]["detail"]
    assert evaluation["n_rows"] == 95  # the 5 rows of the unseen class are left out, and said so


# --- whose gates: a pull request must not loosen the gates it is judged by ---------------------

GATED = """\
data: {{train: data/mixed.csv, target: label, seed: 1}}
model: {{estimator: {estimator}, params: {params}}}
metrics: {{resamples: 300, plots: false, importance: false}}
{extra}
"""


def train_gated(cli, tmp_path, name, estimator, extra, params="{}"):
    text = GATED.format(estimator=estimator, params=params, extra=extra)
    write_config(tmp_path, text, f"{name}.yaml")
    assert cli("train", "-c", f"{name}.yaml", "--out", f"runs/{name}").code == 0
    result = cli("evaluate", f"runs/{name}")
    assert result.code == 0, result.stderr
    return tmp_path / "runs" / name


@pytest.mark.parametrize(
    ("extra", "changes"),
    [
        # The gate deleted in the pull request's config.
        ("", [{"metric": "roc_auc", "before": {"max_drop": 0.02}, "after": None}]),
        # The gate loosened, and alpha so small that nothing is ever significant.
        (
            "gates: {roc_auc: {max_drop: 0.9}}\ncompare: {alpha: 1.0e-9}",
            [
                {"metric": "roc_auc", "before": {"max_drop": 0.02}, "after": {"max_drop": 0.9}},
                {"setting": "compare.alpha", "before": 0.05, "after": 1e-9},
            ],
        ),
    ],
    ids=["gate-deleted", "gate-and-alpha-loosened"],
)
def test_gates_from_baseline_a_loosened_config_still_fails(
    cli, tmp_path, mixed_csv, extra, changes
):
    baseline = train_gated(
        cli,
        tmp_path,
        "baseline",
        "sklearn.linear_model.LogisticRegression",
        "gates: {roc_auc: {max_drop: 0.02}}",
    )
    candidate = train_gated(
        cli, tmp_path, "candidate", "sklearn.dummy.DummyClassifier", extra, "{strategy: prior}"
    )
    # The candidate's own (loosened) config: the regression passes, and the change is told.
    result = cli(
        "compare", str(candidate), str(baseline), "--out", "runs/own", "--gates-from", "candidate"
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "⚠️ the candidate changes the quality gates: roc_auc: max_drop 0.02 → " in result.stdout
    own = read(tmp_path / "runs/own/comparison.json")
    assert own["verdict"] == "pass" and own["gates_from"] == "candidate"
    assert own["gate_changes"] == changes

    # The baseline's recorded config: the same regression fails.
    result = cli(
        "compare", str(candidate), str(baseline), "--out", "runs/base", "--gates-from", "baseline"
    )
    assert result.code == 1, result.stdout + result.stderr
    assert "❌ fail (roc_auc)" in result.stdout
    base = read(tmp_path / "runs/base/comparison.json")
    assert base["verdict"] == "fail" and base["failed_gates"] == ["roc_auc"]
    assert base["gates_from"] == "baseline" and base["gates_note"] is None
    assert base["alpha"] == 0.05
    assert base["gate_changes"] == changes
    auc = next(m for m in base["metrics"] if m["name"] == "roc_auc")
    assert auc["gate"]["rule"] == {"max_drop": 0.02}

    # The report shows the change in its headline.
    assert cli("report", "runs/base", "--out", "runs/base/report.md").code == 0
    report = (tmp_path / "runs/base/report.md").read_text()
    assert "⚠️ **this pull request changes the quality gates:**" in report

    # Flags still win over either config.
    result = cli(
        "compare",
        str(candidate),
        str(baseline),
        "--out",
        "runs/flag",
        "--gates-from",
        "baseline",
        "--alpha",
        "0.01",
    )
    assert read(tmp_path / "runs/flag/comparison.json")["alpha"] == 0.01


def test_gates_from_baseline_without_a_recorded_config_falls_back(cli, tmp_path, mixed_csv):
    import skops.io as sio
    from sklearn.dummy import DummyClassifier

    frame = pd.read_csv(mixed_csv)
    model = DummyClassifier(strategy="prior").fit(frame[["x1"]], frame["label"])
    sio.dump(model, tmp_path / "model.skops")
    result = cli(
        "evaluate",
        "--model",
        "model.skops",
        "--data",
        "data/mixed.csv",
        "--target",
        "label",
        "--out",
        "runs/byo",
    )
    assert result.code == 0, result.stderr
    candidate = train_gated(
        cli,
        tmp_path,
        "candidate",
        "sklearn.linear_model.LogisticRegression",
        "gates: {roc_auc: {max_drop: 0.02}}\ncompare: {alpha: 0.01}",
    )
    result = cli(
        "compare", str(candidate), "runs/byo", "--out", "runs/cmp", "--gates-from", "baseline"
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "note: the baseline has no recorded config" in result.stdout
    document = read(tmp_path / "runs/cmp/comparison.json")
    assert document["gates_from"] == "candidate"
    assert "no recorded config" in document["gates_note"]
    assert document["alpha"] == 0.01 and document["gate_changes"] == []
    auc = next(m for m in document["metrics"] if m["name"] == "roc_auc")
    assert auc["gate"]["rule"] == {"max_drop": 0.02} and auc["gate"]["status"] == "pass"


def test_numeric_labels_sort_as_numbers_and_match_across_dtypes(cli, tmp_path, mixed_csv):
    frame = pd.read_csv(mixed_csv)
    frame["label"] = (frame["label"] == "yes").map({True: 10, False: 2})
    frame.to_csv(tmp_path / "data/ints.csv", index=False)
    floats = frame.assign(label=frame["label"].astype(float))  # a CSV that writes 10 as 10.0
    floats.to_csv(tmp_path / "data/floats.csv", index=False)
    write_config(
        tmp_path,
        "data: {train: data/ints.csv, target: label}\n"
        "metrics: {plots: false, importance: true, resamples: 100}\n",
    )
    assert cli("train", "--out", "runs/r").code == 0
    info = read(tmp_path / "runs/r/run.json")
    assert info["classes"] == ["2", "10"] and info["positive_class"] == "10"
    result = cli("evaluate", "runs/r", "--data", "data/floats.csv")
    assert result.code == 0, result.stderr
    evaluation = read(tmp_path / "runs/r/evaluation.json")
    assert evaluation["n_rows"] == len(floats)
    assert evaluation["data_checks"][0]["status"] == "ok"  # no "unseen" 10.0
    assert evaluation["importance"]["features"][0]["mean"] > 0  # scored against real labels
