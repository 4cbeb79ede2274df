"""`modelci evaluate --predictions`: predictions alone (no model) become a run with the same
metrics, intervals and plots as a model run; every defect of the file is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import write_config
from tests.integration.test_bad_input import GOOD, assert_one_clear_line

from modelci import documents

BINARY = (
    "row_id,y_true,y_pred,proba_no,proba_yes\n"
    "0,no,no,0.8,0.2\n"
    "1,yes,yes,0.3,0.7\n"
    "2,yes,no,0.6,0.4\n"
    "3,no,no,0.9,0.1\n"
    "4,yes,yes,0.2,0.8\n"
)


def evaluation_of(directory: Path) -> dict:
    return json.loads((directory / "evaluation.json").read_text())


@pytest.fixture
def model_run(cli, tmp_path, mixed_csv):
    write_config(tmp_path, GOOD.replace("plots: false", "plots: true"))
    assert cli("train", "--out", "runs/model").code == 0
    assert cli("evaluate", "runs/model").code == 0
    return tmp_path / "runs/model"


def test_a_runs_own_predictions_give_its_metrics(cli, model_run, tmp_path):
    result = cli("evaluate", "--predictions", "runs/model/predictions.csv", "--out", "runs/p")
    assert result.code == 0, result.stderr
    assert "roc_auc = " in result.stdout
    model, alone = evaluation_of(model_run), evaluation_of(tmp_path / "runs/p")
    assert {k: v["value"] for k, v in alone["metrics"].items()} == {
        k: v["value"] for k, v in model["metrics"].items()
    }
    # Intervals that do not resample are the same too (the model run drew only 100 resamples).
    for name in ("roc_auc", "log_loss", "brier"):
        assert alone["metrics"][name]["ci"] == model["metrics"][name]["ci"]
        assert alone["metrics"][name]["method"] == model["metrics"][name]["method"]
    for key in ("per_class", "confusion_matrix", "curves", "classes", "positive_class"):
        assert alone[key] == model[key], key
    assert alone["model"] is None and alone["importance"] is None
    assert set(alone["unavailable"]) == {"importance", "latency_ms_per_1k_rows", "model_size_bytes"}
    assert all("predictions run" in why for why in alone["unavailable"].values())
    assert "unavailable" not in model
    metrics = json.loads((tmp_path / "runs/p/metrics.json").read_text())
    assert metrics["model_size_bytes"] is None and metrics["latency_ms_per_1k_rows"] is None
    # The classes are the truth's own: none can be unseen, so only the balance is checked.
    assert [c["check"] for c in alone["data_checks"]] == ["class_balance"]
    balance = next(c for c in model["data_checks"] if c["check"] == "class_balance")
    assert alone["data_checks"][0]["values"] == balance["values"]
    run = json.loads((tmp_path / "runs/p/run.json").read_text())
    assert run["model"] is None and run["data"]["split"]["kind"] == "predictions"
    assert run["data"]["test"]["source"] == "runs/model/predictions.csv"


def test_plots_are_drawn_from_the_predictions(cli, tmp_path):
    (tmp_path / "p.csv").write_text(BINARY)
    assert cli("evaluate", "--predictions", "p.csv", "--out", "runs/p").code == 0
    plots = evaluation_of(tmp_path / "runs/p")["plots"]
    assert {"plots/roc.png", "plots/pr.png", "plots/confusion_matrix.png"} <= set(plots)
    assert not any("importance" in p for p in plots)
    for plot in plots:
        assert (tmp_path / "runs/p" / plot).read_bytes().startswith(b"\x89PNG")
    assert cli("evaluate", "--predictions", "p.csv", "--out", "runs/q", "--no-plots").code == 0
    assert evaluation_of(tmp_path / "runs/q")["plots"] == []


def test_evaluate_on_a_predictions_run_scores_it_again(cli, tmp_path):
    (tmp_path / "p.csv").write_text(BINARY)
    assert cli("evaluate", "--predictions", "p.csv", "--out", "runs/p").code == 0
    first = evaluation_of(tmp_path / "runs/p")
    (tmp_path / "p.csv").unlink()  # the run holds all it needs
    again = cli("evaluate", "runs/p", "--primary", "accuracy")
    assert again.code == 0, again.stderr
    second = evaluation_of(tmp_path / "runs/p")
    assert second["primary"] == "accuracy" and second["metrics"] == first["metrics"]
    assert cli("evaluate", "runs/p", "--out", "runs/copy").code == 0
    assert evaluation_of(tmp_path / "runs/copy")["metrics"] == first["metrics"]
    assert (tmp_path / "runs/copy/run.json").is_file()


def test_a_predictions_run_refuses_other_data_and_edited_rows(cli, tmp_path):
    (tmp_path / "p.csv").write_text(BINARY)
    assert cli("evaluate", "--predictions", "p.csv", "--out", "runs/p").code == 0
    assert_one_clear_line(
        cli("evaluate", "runs/p", "--data", "p.csv"), "is a predictions run", "--data"
    )
    csv = tmp_path / "runs/p/predictions.csv"
    csv.write_text(csv.read_text().replace("\n3,no,", "\n3,yes,"))
    assert_one_clear_line(cli("evaluate", "runs/p"), "holds other rows", "--predictions FILE")


def test_other_column_names_through_the_flags(cli, tmp_path):
    frame = pd.DataFrame(
        {"id": ["a", "b", "c", "d"], "truth": [1.0, 2.0, 3.5, 4.0], "guess": [1.5, 2.0, 3.0, 5]}
    )
    frame.to_csv(tmp_path / "mine.csv", index=False)
    result = cli(
        "evaluate",
        "--predictions",
        "mine.csv",
        "--id-column",
        "id",
        "--target",
        "truth",
        "--prediction-column",
        "guess",
        "--out",
        "runs/mine",
    )
    assert result.code == 0, result.stderr
    alone = evaluation_of(tmp_path / "runs/mine")
    assert alone["task"] == "regression" and alone["target"] == "truth"
    assert alone["metrics"]["mae"]["value"] == pytest.approx(0.5)
    assert alone["regression"]["sample"]["y_true"] == [1.0, 2.0, 3.5, 4.0]
    written = pd.read_csv(tmp_path / "runs/mine/predictions.csv")
    assert list(written.columns) == ["row_id", "y_true", "y_pred"]
    assert written["row_id"].tolist() == ["a", "b", "c", "d"]


def test_parquet_multiclass_with_the_task_given(cli, tmp_path):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    raw = rng.random((300, 3)) + np.eye(3)[truth]
    proba = raw / raw.sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"row_id": np.arange(300), "y_true": truth, "y_pred": proba.argmax(1)})
    for k in range(3):
        frame[f"proba_{k}"] = proba[:, k]
    frame.to_parquet(tmp_path / "p.parquet")
    args = ("evaluate", "--predictions", "p.parquet", "--out", "runs/m")
    assert cli(*args, "--task", "classification").code == 0
    alone = evaluation_of(tmp_path / "runs/m")
    assert alone["classes"] == ["0", "1", "2"] and alone["positive_class"] is None
    from sklearn.metrics import accuracy_score, roc_auc_score

    assert alone["metrics"]["accuracy"]["value"] == pytest.approx(
        accuracy_score(truth, proba.argmax(1))
    )
    assert alone["metrics"]["roc_auc"]["value"] == pytest.approx(
        roc_auc_score(truth, proba, multi_class="ovr", average="macro")
    )
    assert alone["metrics"]["roc_auc"]["ci"] is not None
    assert set(alone["curves"]["roc"]) == {"0", "1", "2"}
    # The normalised file is the input of the next evaluate, read back as text labels.
    assert cli("evaluate", "runs/m").code == 0
    assert evaluation_of(tmp_path / "runs/m")["metrics"] == alone["metrics"]


def test_a_model_run_is_never_overwritten(cli, model_run):
    (model_run.parent.parent / "p.csv").write_text(BINARY)
    assert_one_clear_line(
        cli("evaluate", "--predictions", "p.csv", "--out", "runs/model"), "holds a model run"
    )
    assert documents.read_run(model_run / "run.json").model is not None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--predictions", "p.csv"), "--predictions needs --out"),
        (("--predictions", "p.csv", "--out", "o", "--model", "m.skops"), "not both"),
        (("--predictions", "p.csv", "--out", "o", "--data", "d.csv"), "not both"),
        (("runs/x", "--task", "regression"), "--task applies to --predictions only"),
        (("--predictions", "p.csv", "--out", "o", "--classes", "0,1"), "--classes applies to"),
        (("runs/x", "--classes", "0,1"), "--classes applies to --model only"),
    ],
)
def test_flag_combinations(cli, tmp_path, args, needle):
    (tmp_path / "p.csv").write_text(BINARY)
    assert_one_clear_line(cli("evaluate", *args), needle)


DEFECTS = {
    "missing prediction column": (
        BINARY.replace("y_pred", "prediction"),
        (),
        ["p.csv:1", "no column 'y_pred'", "--prediction-column"],
    ),
    "missing truth column": (
        BINARY.replace("y_true", "label"),
        (),
        ["p.csv:1", "no column 'y_true'", "--target"],
    ),
    "missing id column under its flag's name": (
        BINARY,
        ("--id-column", "rowid"),
        ["p.csv:1", "no column 'rowid'", "Did you mean 'row_id'? Name the column with --id-column"],
    ),
    "duplicate ids": (
        BINARY.replace("\n3,", "\n1,"),
        (),
        ["p.csv:5", "row id 1 in column row_id appears again", "first at p.csv:3"],
    ),
    "missing id": (
        BINARY.replace("\n3,", "\n,"),
        (),
        ["p.csv:5", "column row_id is empty"],
    ),
    "NaN truth": (
        BINARY.replace("2,yes,no", "2,,no"),
        (),
        ["p.csv:4", "column y_true is empty"],
    ),
    "NaN prediction": (
        BINARY.replace("2,yes,no", "2,yes,NaN"),
        (),
        ["p.csv:4", "column y_pred is empty"],
    ),
    "NaN probability": (
        BINARY.replace("0.6,0.4", "nan,0.4"),
        (),
        ["p.csv:4", "column proba_no is empty"],
    ),
    "probability above 1": (
        BINARY.replace("0.3,0.7", "1.3,-0.3"),
        (),
        ["p.csv:3", "column proba_no holds 1.3, outside [0, 1]", "softmax"],
    ),
    "probability below 0": (
        BINARY.replace("0.3,0.7", "0.3,-0.7"),
        (),
        ["p.csv:3", "column proba_yes holds -0.7, outside [0, 1]"],
    ),
    "probabilities not summing to 1": (
        BINARY.replace("0.9,0.1", "0.9,0.2"),
        (),
        ["p.csv:5", "sum to 1.1, not 1 within 0.001"],
    ),
    "probability not a number": (
        BINARY.replace("0.9,0.1", "0.9,low"),
        (),
        ["p.csv:5", "column proba_yes holds 'low', not a probability"],
    ),
    "predicted class not in the truth": (
        BINARY.replace("2,yes,no", "2,yes,maybe"),
        (),
        ["p.csv:4", "predicts 'maybe', not one of the truth's classes (no, yes)"],
    ),
    "probability column for a class not in the truth": (
        BINARY.replace("proba_yes", "proba_maybe"),
        (),
        ["p.csv:1", "column proba_maybe is for class 'maybe'"],
    ),
    "truth class without a probability column": (
        "row_id,y_true,y_pred,proba_yes\n0,no,no,0.2\n1,yes,yes,0.7\n",
        (),
        ["p.csv:1", "no column proba_no for class 'no'"],
    ),
    "non-numeric regression prediction": (
        "row_id,y_true,y_pred\n0,1.5,2.5\n1,2.5,high\n",
        ("--task", "regression"),
        ["p.csv:3", "column y_pred holds 'high', not a number"],
    ),
    "infinite regression truth": (
        "row_id,y_true,y_pred\n0,1.5,2.5\n1,inf,2.0\n",
        (),
        ["p.csv:3", "column y_true holds inf, not a finite number"],
    ),
    "probabilities in a regression": (
        BINARY.replace("no", "0").replace("yes", "1"),
        ("--task", "regression"),
        ["p.csv:1", "proba_0 holds class probabilities, but the task is regression"],
    ),
    "repeated column": (
        BINARY.replace("proba_no", "y_pred"),
        (),
        ["p.csv:1", "two columns named 'y_pred'"],
    ),
    "header only": ("row_id,y_true,y_pred\n", (), ["p.csv has a header but no rows"]),
    "empty file": ("", (), ["p.csv is empty"]),
}


@pytest.mark.parametrize("case", DEFECTS, ids=list(DEFECTS))
def test_every_defect_is_one_line(cli, tmp_path, case):
    text, flags, needles = DEFECTS[case]
    (tmp_path / "p.csv").write_text(text)
    result = cli("evaluate", "--predictions", "p.csv", "--out", "runs/p", *flags)
    assert_one_clear_line(result, *needles)
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_a_missing_file_is_one_line(cli, tmp_path):
    assert_one_clear_line(
        cli("evaluate", "--predictions", "nope.parquet", "--out", "runs/p"),
        "predictions file nope.parquet not found",
    )


def test_labels_alone_headline_accuracy(cli, tmp_path):
    (tmp_path / "p.csv").write_text("row_id,y_true,y_pred\n0,1,1\n1,0,1\n2,1,0\n3,0,0\n4,1,1\n")
    result = cli("evaluate", "--predictions", "p.csv", "--out", "runs/p", "--no-plots")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("accuracy = 0.6000")
    alone = evaluation_of(tmp_path / "runs/p")
    assert alone["primary"] == "accuracy" and alone["curves"] is None
    assert "roc_auc" in alone["skipped_metrics"]


def test_new_predictions_replace_an_older_predictions_run_whole(cli, tmp_path):
    (tmp_path / "p.csv").write_text(BINARY)
    assert cli("evaluate", "--predictions", "p.csv", "--out", "runs/p").code == 0
    assert (tmp_path / "runs/p/plots/roc.png").is_file()
    (tmp_path / "labels.csv").write_text("row_id,y_true,y_pred\n0,no,no\n1,yes,no\n")
    assert cli("evaluate", "--predictions", "labels.csv", "--out", "runs/p").code == 0
    # No probabilities now: the older run's ROC plot must not linger beside the new run.
    assert not (tmp_path / "runs/p/plots/roc.png").exists()
    assert documents.read_run(tmp_path / "runs/p/run.json").data.test.source == "labels.csv"
