"""`modelci compare` with slices and churn, on runs made by `train` and `evaluate`: a candidate
trained on data whose labels are wrong for one plan (10% of the rows) passes the whole-set gate
and fails the slice gate naming that plan; flips.csv holds the flipped rows' ids; a comparison of
predictions runs says slices are unavailable and still reports churn."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import run_in_process, write_config

from modelci import documents

CONFIG = """\
data:
  train: data/{train}.csv
  test: data/test.csv
  target: label
  id_column: id
model:
  estimator: sklearn.ensemble.HistGradientBoostingClassifier
  params: {{max_iter: 60, random_state: 0}}
metrics: {{resamples: 200, importance: false, plots: false}}
gates:
  recall: {{max_drop: 0.15, slices: true}}
  accuracy: {{max_drop: 0.15}}
churn:
  max_harmful: {max_harmful}
"""
PLANS = ["gold"] + [f"plan-{i}" for i in range(9)]


def plans_frame(rows: int, seed: int, start: int) -> pd.DataFrame:
    """Ten plans of 10% each; the label follows x1 + x2 whatever the plan."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    plan = np.asarray(PLANS)[rng.permutation(np.arange(rows) % 10)]
    label = np.where(x1 + x2 + rng.normal(0, 0.3, rows) > 0, "yes", "no")
    ids = [f"c{start + i}" for i in range(rows)]
    return pd.DataFrame({"id": ids, "x1": x1, "x2": x2, "plan": plan, "label": label})


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A baseline trained on clean rows and a candidate whose gold rows had their labels
    flipped in training, both evaluated on the same test file: made once, copied per test."""
    where = tmp_path_factory.mktemp("made")
    before = Path.cwd()
    os.chdir(where)
    try:
        _make(where)
    finally:
        os.chdir(before)
    return where


@pytest.fixture
def runs(made, tmp_path):
    shutil.copytree(made, tmp_path, dirs_exist_ok=True)
    return {name: tmp_path / "runs" / name for name in ("baseline", "candidate")}


def _make(where: Path) -> None:
    folder = where / "data"
    folder.mkdir()
    clean = plans_frame(3_000, seed=1, start=0)
    clean.to_csv(folder / "clean.csv", index=False)
    broken = clean.copy()
    gold = broken.plan == "gold"
    broken.loc[gold, "label"] = np.where(broken.label[gold] == "yes", "no", "yes")
    broken.to_csv(folder / "broken.csv", index=False)
    plans_frame(2_000, seed=2, start=10_000).to_csv(folder / "test.csv", index=False)
    for name, train in (("baseline", "clean"), ("candidate", "broken")):
        write_config(where, CONFIG.format(train=train, max_harmful=0.5), f"{name}.yaml")
        result = run_in_process("train", "-c", f"{name}.yaml", "--out", f"runs/{name}")
        assert result.code == 0, result.stderr
        result = run_in_process("evaluate", f"runs/{name}")
        assert result.code == 0, result.stderr


def compared(tmp_path, out: str) -> dict:
    path = tmp_path / out / "comparison.json"
    documents.read_comparison(path)  # the document reads back as written
    return json.loads(path.read_text())


def test_a_regression_in_one_plan_fails_its_slice_gate_while_the_whole_set_passes(
    cli, tmp_path, runs
):
    result = cli("compare", str(runs["candidate"]), str(runs["baseline"]), "--out", "runs/cmp")
    assert result.code == 1, result.stderr
    up = compared(tmp_path, "runs/cmp")
    assert up["failed_gates"] == ["recall"]
    recall = next(m for m in up["metrics"] if m["name"] == "recall")
    assert -0.15 < recall["delta"] < 0, "the whole set stays within its tolerance"
    reason = recall["gate"]["reason"]
    assert recall["gate"]["status"] == "fail" and "slice plan=gold" in reason
    assert "0.15 allowed" in reason and "Holm-adjusted over 10 gated slice tests" in reason

    slices = up["slices"]
    assert slices["unavailable"] is None and slices["metrics"] == ["roc_auc", "accuracy", "recall"]
    assert {entry["name"] for entry in slices["slices"]} == {f"plan={p}" for p in PLANS}
    assert [(f["slice"], f["metric"]) for f in slices["gate_failures"]] == [("plan=gold", "recall")]
    worse = {
        entry["name"] for entry in slices["slices"] if any(m["worse"] for m in entry["metrics"])
    }
    assert worse == {"plan=gold"}

    churn = up["churn"]
    assert churn["rows"] == 2_000 and churn["gate"]["status"] == "pass"
    gold = next(entry for entry in churn["per_slice"] if entry["name"] == "plan=gold")
    assert gold["harmful"] > 0.5 * gold["rows"]
    assert [entry["label"] for entry in churn["per_class"]] == ["no", "yes"]

    flips = pd.read_csv(tmp_path / "runs/cmp/flips.csv")
    assert churn["flips_file"] == "flips.csv" and len(flips) == churn["changed"]
    test = pd.read_csv(tmp_path / "data/test.csv").set_index("id")
    assert set(flips.row_id) <= set(test.index), "flips.csv names the data's own row ids"
    harmful = flips[flips.kind == "harmful"]
    assert len(harmful) == churn["harmful"]
    assert (test.loc[harmful.row_id, "label"].to_numpy() == harmful.truth.to_numpy()).all()
    assert (test.loc[harmful.row_id, "plan"] == "gold").mean() > 0.8


def test_the_churn_gate_fails_when_harmful_flips_are_significantly_too_many(cli, tmp_path, runs):
    config = (runs["baseline"] / "run.json").read_text()
    run = json.loads(config)
    run["config"]["churn"]["max_harmful"] = 0.01
    (runs["baseline"] / "run.json").write_text(json.dumps(run))
    result = cli(
        "compare",
        str(runs["candidate"]),
        str(runs["baseline"]),
        "--out",
        "runs/cmp",
        "--gates-from",
        "baseline",
    )
    assert result.code == 1, result.stderr
    up = compared(tmp_path, "runs/cmp")
    assert up["failed_gates"] == ["recall", "churn"]
    gate = up["churn"]["gate"]
    assert gate["status"] == "fail" and gate["max_harmful"] == 0.01 and gate["p_value"] < 0.05


def test_a_rescored_baseline_is_sliced_on_the_rows_it_was_scored_on(cli, tmp_path, runs):
    # Evaluated on other rows, the baseline is re-scored on the candidate's.
    other = pd.read_csv(tmp_path / "data/test.csv").iloc[:500]
    other.to_csv(tmp_path / "data/other.csv", index=False)
    assert cli("evaluate", str(runs["baseline"]), "--data", "data/other.csv").code == 0
    result = cli("compare", str(runs["candidate"]), str(runs["baseline"]), "--out", "runs/cmp")
    assert result.code == 1, result.stderr
    up = compared(tmp_path, "runs/cmp")
    assert up["baseline"]["rescored"] is True
    assert [f["slice"] for f in up["slices"]["gate_failures"]] == ["plan=gold"]


def test_predictions_runs_have_no_slices_but_still_churn(cli, tmp_path, runs):
    for name in ("candidate", "baseline"):
        predictions = str(runs[name] / "predictions.csv")
        result = cli("evaluate", "--predictions", predictions, "--out", f"runs/p-{name}")
        assert result.code == 0, result.stderr
    result = cli("compare", "runs/p-candidate", "runs/p-baseline", "--out", "runs/cmp")
    assert result.code in (0, 1), result.stderr
    up = compared(tmp_path, "runs/cmp")
    assert "predictions run" in up["slices"]["unavailable"] and up["slices"]["slices"] == []
    churn = up["churn"]
    assert churn["rows"] == 2_000 and churn["changed"] > 0 and churn["per_slice"] == []
    flips = pd.read_csv(tmp_path / "runs/cmp/flips.csv")
    assert len(flips) == churn["changed"] and set(flips.row_id) <= set(
        pd.read_csv(tmp_path / "data/test.csv").id
    )


def test_a_model_candidate_against_a_predictions_baseline_is_sliced_by_row_id(cli, tmp_path, runs):
    # The predictions file in another row order: the rows are matched by id, not position.
    shuffled = pd.read_csv(runs["baseline"] / "predictions.csv").sample(frac=1, random_state=0)
    shuffled.to_csv(tmp_path / "baseline-predictions.csv", index=False)
    result = cli("evaluate", "--predictions", "baseline-predictions.csv", "--out", "runs/p")
    assert result.code == 0, result.stderr
    result = cli("compare", str(runs["candidate"]), "runs/p", "--out", "runs/cmp")
    assert result.code == 1, result.stderr
    up = compared(tmp_path, "runs/cmp")
    assert up["baseline"]["kind"] == "predictions" and up["slices"]["unavailable"] is None
    assert [f["slice"] for f in up["slices"]["gate_failures"]] == ["plan=gold"]
    gold = next(e for e in up["slices"]["slices"] if e["name"] == "plan=gold")
    assert gold["rows"] == 200


@pytest.mark.parametrize(
    ("slices", "message"),
    [
        ("{by: [x1]}", "slices.by: 'x1' is a numeric feature"),
        ("{by: [region]}", "the slice feature(s) 'region' are not columns of the test data"),
    ],
)
def test_a_slice_compare_would_refuse_is_refused_when_the_run_is_evaluated(
    cli, tmp_path, runs, slices, message
):
    # The pull request learns it at evaluate, not after training both sides and comparing.
    text = CONFIG.format(train="clean", max_harmful=0.5) + f"slices: {slices}\n"
    write_config(tmp_path, text, name="bad-slices.yaml")
    assert cli("train", "-c", "bad-slices.yaml", "--out", "runs/bad").code == 0
    result = cli("evaluate", "runs/bad")
    assert result.code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
