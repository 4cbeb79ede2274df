"""`compare` with a predictions run on either side: matched by row id, never re-scored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import Result
from tests.prediction_runs_support import copy_runs, model_runs, predictions_run

from modelci import alignment, documents
from modelci.documents.fields import Node
from modelci.errors import UserError
from modelci.scoring import Predictions


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return model_runs(tmp_path_factory.mktemp("model-runs"))


@pytest.fixture
def runs(trained: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    return copy_runs(trained, tmp_path)


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def one_line(result: Result) -> str:
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("modelci compare: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def compared(cli, candidate: Path, baseline: Path, out: str = "cmp") -> dict:
    result = cli("compare", "-q", str(candidate), str(baseline), "--out", out)
    assert result.code == 0, result.stderr
    return read(Path(out) / "comparison.json")


def by_name(document: dict) -> dict[str, dict]:
    return {m["name"]: m for m in document["metrics"]}


# --- both sides predictions, or one of each ---------------------------------------------------


def test_two_prediction_runs_compare_like_their_models(cli, runs, tmp_path) -> None:
    lr, tree = (
        predictions_run(runs["lr"], tmp_path / "p-lr"),
        predictions_run(runs["tree"], tmp_path / "p-tree"),
    )
    models = by_name(compared(cli, runs["lr"], runs["tree"], "models"))
    document = compared(cli, lr, tree)
    ours = by_name(document)
    assert set(ours) == set(models)
    for name, metric in ours.items():
        # The same predictions, so the same values; only the resampling settings differ
        # (a predictions run carries no config: defaults).
        for key in ("baseline", "candidate", "delta"):
            assert metric[key] == pytest.approx(models[name][key], abs=1e-12), name
    # DeLong's test resamples nothing: identical to the model-vs-model comparison.
    assert ours["roc_auc"]["ci"] == pytest.approx(models["roc_auc"]["ci"])
    assert ours["roc_auc"]["p_value"] == pytest.approx(models["roc_auc"]["p_value"])
    for side in ("candidate", "baseline"):
        record = document[side]
        assert record["kind"] == "predictions"
        assert record["model_sha256"] is record["size_bytes"] is None
        assert record["latency_ms_per_1k_rows"] is record["flavour"] is None
    assert document["baseline"]["rescored"] is False
    assert document["n_rows"] == 80
    assert document["curves"]["baseline"] and document["curves"]["candidate"]


@pytest.mark.parametrize("predictions_side", ["candidate", "baseline"])
def test_a_prediction_run_against_a_model_run(cli, runs, tmp_path, predictions_side) -> None:
    lr = predictions_run(runs["lr"], tmp_path / "p-lr", shuffle=True)
    pair = (lr, runs["tree"]) if predictions_side == "candidate" else (runs["tree"], lr)
    in_model_runs = [runs["lr"] if path == lr else path for path in pair]
    models = by_name(compared(cli, *in_model_runs, "models"))
    document = compared(cli, *pair, "mixed")
    model_side = "baseline" if predictions_side == "candidate" else "candidate"
    assert document[predictions_side]["kind"] == "predictions"
    assert document[predictions_side]["size_bytes"] is None
    record = document[model_side]
    assert record["kind"] == "model" and record["flavour"] == "sklearn"
    assert record["size_bytes"] > 0 and record["latency_ms_per_1k_rows"] > 0
    assert record["model_sha256"] == read(runs["tree"] / "run.json")["model"]["sha256"]
    for name, metric in by_name(document).items():
        assert metric["delta"] == pytest.approx(models[name]["delta"], abs=1e-12), name
    assert document["baseline"]["rescored"] is False


def test_shuffled_rows_are_aligned_and_change_nothing(cli, runs, tmp_path) -> None:
    tree = predictions_run(runs["tree"], tmp_path / "p-tree")
    in_order = compared(cli, predictions_run(runs["lr"], tmp_path / "lr-1"), tree, "first")
    shuffled = compared(
        cli, predictions_run(runs["lr"], tmp_path / "lr-2", shuffle=True), tree, "second"
    )
    # Row order in the files changes neither the values nor the resampled intervals.
    assert shuffled["metrics"] == in_order["metrics"]
    assert shuffled["verdict"] == in_order["verdict"]


# --- refused ----------------------------------------------------------------------------------


def test_different_row_sets_are_refused_with_the_counts(cli, runs, tmp_path) -> None:
    cut = predictions_run(runs["tree"], tmp_path / "cut", drop=3, extra=2)
    line = one_line(cli("compare", str(runs["lr"]), str(cut), "--out", "cmp"))
    assert "predict different rows: 3 row id(s) only in the candidate" in line
    assert "2 only in the baseline" in line
    assert "Evaluate both on the same test rows" in line
    assert not (tmp_path / "cmp").exists()


def test_truth_that_disagrees_is_refused_with_the_count(cli, runs, tmp_path) -> None:
    lr = predictions_run(runs["lr"], tmp_path / "p-lr", shuffle=True)
    flipped = predictions_run(runs["tree"], tmp_path / "flipped", flip_truth=4)
    line = one_line(cli("compare", str(lr), str(flipped), "--out", "cmp"))
    assert "disagree on the true value of 4 of 80 rows" in line
    assert "'no'" in line or "'yes'" in line
    assert not (tmp_path / "cmp").exists()


def test_different_classes_keep_their_message(cli, runs, tmp_path) -> None:
    other = predictions_run(runs["tree"], tmp_path / "other")
    info = read(other / "run.json")
    info["classes"] = ["maybe", "no", "yes"]
    (other / "run.json").write_text(json.dumps(info))
    line = one_line(cli("compare", str(runs["lr"]), str(other), "--out", "cmp"))
    assert "the runs know different classes" in line


def test_an_unevaluated_model_cannot_be_rescored_for_a_prediction_run(cli, runs, tmp_path) -> None:
    lr = predictions_run(runs["lr"], tmp_path / "p-lr")
    (runs["tree"] / "evaluation.json").unlink()
    line = one_line(cli("compare", str(lr), str(runs["tree"]), "--out", "cmp"))
    assert f"{runs['tree']} has not been evaluated" in line
    assert "re-scores nothing" in line and "modelci evaluate" in line


def test_a_fetched_model_baseline_without_predictions_says_why(cli, runs, tmp_path) -> None:
    # What `modelci baseline` leaves from a model run's release: evaluated, no predictions.csv.
    lr = predictions_run(runs["lr"], tmp_path / "p-lr")
    (runs["tree"] / "predictions.csv").unlink()
    line = one_line(cli("compare", str(lr), str(runs["tree"]), "--out", "cmp"))
    assert f"{runs['tree']} holds no predictions.csv" in line
    assert "no feature columns to re-score its model on" in line


def test_a_repeated_row_id_is_refused_with_its_line(cli, runs, tmp_path) -> None:
    lr = predictions_run(runs["lr"], tmp_path / "p-lr")
    lines = (lr / "predictions.csv").read_text().splitlines()
    second = lines[2].split(",", 1)[1]
    lines[2] = lines[1].split(",", 1)[0] + "," + second
    (lr / "predictions.csv").write_text("\n".join(lines) + "\n")
    line = one_line(cli("compare", str(lr), str(runs["tree"]), "--out", "cmp"))
    assert f"{lr}/predictions.csv:3: row id {lines[1].split(',')[0]}" in line
    assert "2 rows share an id" in line


# --- the aligner on its own -------------------------------------------------------------------


def predictions(row_id, y_true, y_pred, proba=None, classes=("no", "yes")) -> Predictions:
    truth = np.asarray(y_true)
    return Predictions(
        task="classification",
        row_id=np.asarray(row_id),
        y_true=truth,
        y_pred=np.asarray(y_pred),
        classes=classes,
        proba=None if proba is None else np.asarray(proba, dtype=float),
        seen=np.isin(truth, classes),
    )


def test_ids_written_as_numbers_or_text_are_one_row() -> None:
    candidate = predictions([3, 1, 2], ["no", "yes", "no"], ["no", "yes", "yes"], [[0.9, 0.1]] * 3)
    baseline = predictions(
        ["2", "3", "1"], ["no", "no", "yes"], ["no", "yes", "yes"], [[0.2, 0.8]] * 3
    )
    cand, base = alignment.by_row_id(candidate, baseline, candidate_where="c", baseline_where="b")
    assert list(cand.row_id) == [1, 2, 3] and list(base.row_id) == ["1", "2", "3"]
    assert list(base.y_pred) == ["yes", "no", "yes"]
    assert list(cand.y_true) == list(base.y_true) == ["yes", "no", "no"]


def test_regression_truth_is_compared_as_numbers() -> None:
    def regression(row_id, y_true) -> Predictions:
        values = np.asarray(y_true, dtype=float)
        return Predictions(
            task="regression",
            row_id=np.asarray(row_id),
            y_true=values,
            y_pred=values + 1,
            classes=None,
            proba=None,
            seen=None,
        )

    same = alignment.by_row_id(
        regression([0, 1], [1.5, 2.0]),
        regression([1.0, 0.0], [2.0, 1.5]),
        candidate_where="c",
        baseline_where="b",
    )
    assert list(same[1].y_true) == [1.5, 2.0]
    with pytest.raises(UserError, match=r"1 of 2 rows \(first: row_id 1 is 2 in c, 2.5 in b\)"):
        alignment.by_row_id(
            regression([0, 1], [1.5, 2.0]),
            regression([0, 1], [1.5, 2.5]),
            candidate_where="c",
            baseline_where="b",
        )


def test_old_comparison_files_without_kind_read_as_model_sides() -> None:
    side = documents.Side.parse(
        Node({"run": "runs/x", "label": "baseline", "model_sha256": "a"}, "c"), "baseline"
    )
    assert side.kind is None and side.has_model and side.flavour is None
    assert "kind" in side.to_json() and side.to_json()["kind"] is None
