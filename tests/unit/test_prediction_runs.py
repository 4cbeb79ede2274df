"""prediction_runs: a predictions table read strictly, and the run made of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelci import data, documents, prediction_runs, prediction_tables, rundir, scoring
from modelci.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


BINARY = (
    "row_id,y_true,y_pred,proba_yes,proba_no\n"
    "0,no,no,0.2,0.8\n"
    "1,yes,yes,0.7,0.3\n"
    "2,yes,no,0.4,0.6\n"
)


def test_columns_of_evaluate_are_read_in_class_order(tmp_path):
    read = prediction_tables.read(write(tmp_path / "p.csv", BINARY))
    assert read.task == "classification"
    assert read.classes == ("no", "yes")
    # proba_yes came first in the file; the array follows the classes.
    assert read.proba is not None and read.proba[1].tolist() == [0.3, 0.7]
    assert read.y.tolist() == [0, 1, 1] and read.pred.tolist() == [0, 1, 0]


def test_numeric_classes_sort_by_value_as_a_model_orders_them(tmp_path):
    path = write(tmp_path / "p.csv", "row_id,y_true,y_pred\n0,10,2\n1,2,2\n2,1,10\n")
    read = prediction_tables.read(path)
    assert read.classes == ("1", "2", "10")
    assert read.y_pred.tolist() == ["2", "2", "10"]


def test_whole_floats_are_the_same_labels_as_integers(tmp_path):
    path = write(tmp_path / "p.csv", "row_id,y_true,y_pred\n0,1,1.0\n1,0,0.0\n2,1,0.0\n")
    read = prediction_tables.read(path)
    assert read.task == "classification" and read.y_pred.tolist() == ["1", "0", "0"]


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("row_id,y_true,y_pred\n0,1.5,1.2\n1,2.25,2.5\n", "regression"),
        # Integer truth with fractional predictions: no classifier predicts 0.7.
        ("row_id,y_true,y_pred\n0,1,0.7\n1,0,0.2\n", "regression"),
        ("row_id,y_true,y_pred\n0,1,1\n1,0,1\n", "classification"),
        ("row_id,y_true,y_pred\n0,a,b\n1,b,b\n", "classification"),
    ],
)
def test_task_is_inferred(tmp_path, text, task):
    assert prediction_tables.read(write(tmp_path / "p.csv", text)).task == task


def test_given_task_wins_over_inference(tmp_path):
    path = write(tmp_path / "p.csv", "row_id,y_true,y_pred\n0,1,1\n1,3,2\n")
    read = prediction_tables.read(path, task="regression")
    assert read.classes is None and read.y_pred.tolist() == [1.0, 2.0]


def test_other_column_names(tmp_path):
    path = write(tmp_path / "p.csv", "id,label,guess\na,x,x\nb,y,x\n")
    columns = prediction_tables.Columns(id="id", truth="label", prediction="guess")
    read = prediction_tables.read(path, columns=columns)
    assert read.row_id.tolist() == ["a", "b"] and read.y_true.tolist() == ["x", "y"]


def test_truth_from_the_split_orders_rows_and_fills_the_truth_column(tmp_path):
    path = write(tmp_path / "p.csv", "row_id,y_pred\n7,yes\n3,no\n5,yes\n")
    truth = pd.Series(["no", "yes", "no"], index=[3, 5, 7])
    read = prediction_tables.read(path, truth=truth)
    assert read.row_id.tolist() == [3, 5, 7]
    assert read.y_true.tolist() == ["no", "yes", "no"]
    assert read.y_pred.tolist() == ["no", "yes", "yes"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("row_id,y_pred\n3,no\n5,yes\n", "1 of the 3 test rows have no prediction"),
        ("row_id,y_pred\n3,no\n5,yes\n7,no\n9,no\n", "row id 9 in column row_id is not one"),
        ("row_id,y_true,y_pred\n3,no,no\n5,no,yes\n7,no,no\n", "p.csv:3: column y_true holds"),
    ],
)
def test_truth_from_the_split_refuses_other_rows_or_other_truth(tmp_path, text, needle):
    truth = pd.Series(["no", "yes", "no"], index=[3, 5, 7])
    with pytest.raises(UserError) as caught:
        prediction_tables.read(write(tmp_path / "p.csv", text), truth=truth)
    assert needle in caught.value.line()


def test_classes_given_mark_unknown_truth_unseen(tmp_path):
    path = write(tmp_path / "p.csv", "row_id,y_true,y_pred\n0,a,a\n1,b,b\n2,c,a\n")
    read = prediction_tables.read(path, classes=("a", "b"))
    assert read.seen is not None and read.seen.tolist() == [True, True, False]
    assert read.y.tolist() == [0, 1]


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"row_id": [0, 1], "y_true": [1.5, 2.5], "y_pred": [1.0, 3.0]})
    frame.to_parquet(tmp_path / "p.parquet")
    read = prediction_tables.read(tmp_path / "p.parquet")
    assert read.task == "regression" and read.y_pred.tolist() == [1.0, 3.0]


def test_empty_text_in_parquet_is_a_missing_label(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"row_id": [0, 1], "y_true": ["a", ""], "y_pred": ["a", "a"]})
    frame.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(UserError, match=r"p\.parquet row 1: column y_true is empty"):
        prediction_tables.read(tmp_path / "p.parquet")


def test_write_run_makes_a_predictions_run_that_reads_back(tmp_path):
    read = prediction_tables.read(write(tmp_path / "p.csv", BINARY))
    stage = tmp_path / "run"
    stage.mkdir()
    info = prediction_runs.write_run(
        stage,
        read,
        source_facts={"source": "p.csv", "sha256": "ab" * 32, "rows": 3},
        training={"command": "python train.py", "output": "predictions"},
    )
    run = rundir.Run.open(stage)
    written = (stage / rundir.PREDICTIONS).read_text().splitlines()
    assert written[:2] == ["row_id,y_true,y_pred,proba_no,proba_yes", "0,no,no,0.8,0.2"]
    assert info.kind == run.info.kind == "predictions"
    assert run.info.model is None and run.classes == ("no", "yes")
    assert run.info.positive_class == "yes" and run.info.training is not None
    assert run.info.data.split["kind"] == "predictions"
    again = scoring.read_predictions(stage / rundir.PREDICTIONS, task=run.task, classes=run.classes)
    assert again.y_true.tolist() == read.y_true.tolist()
    assert np.array_equal(again.proba, read.proba)
    assert prediction_runs.fingerprint(again) == run.info.data.test_fingerprint


def test_fingerprint_is_that_of_the_normalised_columns(tmp_path):
    read = prediction_tables.read(write(tmp_path / "p.csv", BINARY))
    expected = data.rows_fingerprint(scoring.predictions_frame(read)[["row_id", "y_true"]])
    assert prediction_runs.fingerprint(read) == expected


@pytest.mark.parametrize("arrow", [True, False])
def test_predictions_csv_round_trips_exactly(tmp_path, monkeypatch, arrow):
    pa = pytest.importorskip("pyarrow")
    if not arrow:  # the pandas writer, as where pyarrow is not installed

        def refuse(predictions):
            raise pa.ArrowInvalid("no")

        monkeypatch.setattr(prediction_runs, "_arrow_columns", refuse)
    rng = np.random.default_rng(0)
    score = rng.random(50)
    predictions = scoring.Predictions(
        task="classification",
        row_id=np.arange(50),
        y_true=np.where(rng.random(50) > 0.5, "1.0", "x,y"),
        y_pred=np.where(score > 0.5, "1.0", "x,y"),
        classes=("1.0", "x,y"),
        proba=np.c_[score, 1 - score],
        seen=np.ones(50, bool),
    )
    path = tmp_path / "predictions.csv"
    prediction_runs.write_predictions(path, predictions)
    assert path.read_text().splitlines()[0] == 'row_id,y_true,y_pred,proba_1.0,"proba_x,y"'
    again = scoring.read_predictions(path, task="classification", classes=predictions.classes)
    assert again.y_pred.tolist() == predictions.y_pred.tolist()  # "1.0" stays "1.0"
    assert np.array_equal(again.proba, predictions.proba)


def test_ids_of_mixed_types_are_written_as_text(tmp_path):
    predictions = scoring.Predictions(
        task="regression",
        row_id=np.array([1, "b"], dtype=object),
        y_true=np.array([1.0, 2.0]),
        y_pred=np.array([1.5, 2.0]),
        classes=None,
        proba=None,
        seen=None,
    )
    prediction_runs.write_predictions(tmp_path / "p.csv", predictions)
    assert (tmp_path / "p.csv").read_text().splitlines()[1:] == ["1,1.0,1.5", "b,2.0,2.0"]


@pytest.mark.parametrize(
    ("name", "text", "copied"),
    [
        ("p.csv", BINARY.replace("proba_yes,proba_no", "proba_no,proba_yes"), True),
        ("p.csv", BINARY, False),  # proba columns out of class order
        ("p.tsv", BINARY.replace(",", "\t"), False),
        ("p.csv", "row_id,y_true,y_pred\n0,1,1\n1,0,1\n", False),  # numbers as labels
        ("p.csv", "row_id,y_true,y_pred\n0,1.5,1\n1,0,1\n", True),  # regression
        ("p.csv", "row_id,y_true,y_pred,extra\n0,1.5,1,x\n1,0,1,y\n", False),
    ],
)
def test_a_file_is_copied_only_when_it_reads_back_the_same(tmp_path, name, text, copied):
    table = prediction_tables.read_table(write(tmp_path / name, text))
    read = prediction_tables.from_table(table)
    assert prediction_runs.already_normalised(table, read, prediction_tables.Columns()) is copied


def test_codes_agree_for_few_and_many_classes():
    few = tuple("abc")
    many = tuple(f"c{i}" for i in range(40))
    labels = np.array(["c", "a", "b", "a"])
    assert scoring.codes(labels, few).tolist() == [2, 0, 1, 0]
    assert scoring.codes(np.array(["c39", "c0"]), many).tolist() == [39, 0]
    with pytest.raises(ValueError, match="'z'"):
        scoring.codes(np.array(["a", "z"]), few)


def test_old_evaluation_documents_still_name_a_model():
    node = {"task": "regression", "metrics": {}, "model": {"sha256": "x", "size_bytes": 3}}
    old = documents.parse_evaluation(node, where="evaluation.json")
    assert old.has_model and old.unavailable == () and old.model.size_bytes == 3
    assert "unavailable" not in old.to_json()
    new = documents.parse_evaluation(
        {**node, "model": None, "unavailable": {"importance": "no model"}},
        where="evaluation.json",
    )
    assert not new.has_model and new.to_json()["model"] is None
    assert new.to_json()["unavailable"] == {"importance": "no model"}
    assert new.flat_metrics().values["model_size_bytes"] is None


def test_a_model_runs_own_scores_are_taken_as_they_came(tmp_path):
    """A model's predict_proba that does not sum to 1 was scored as it was; reading its
    predictions.csv back (compare) must not refuse what evaluate accepted."""
    path = write(tmp_path / "predictions.csv", BINARY.replace("0.4,0.6", "0.4,0.7"))
    read = scoring.read_predictions(path, task="classification", classes=("no", "yes"))
    assert read.proba is not None and read.proba[2].tolist() == [0.7, 0.4]
    with pytest.raises(UserError, match=r"sum to 1\.1"):
        scoring.read_predictions(
            path, task="classification", classes=("no", "yes"), distribution=True
        )
