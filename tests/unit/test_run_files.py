"""modelci.run_files: a run's own files from its run.json, and the card and notes of runs that
are not a scikit-learn model.skops."""

from __future__ import annotations

from typing import Any

import pytest

from modelci import documents, run_files
from modelci.errors import UserError
from modelci.release import card, notes
from modelci.release.tags import parse_tag
from modelci.report.numbers import number


def run_info(model: dict[str, Any] | None, **extra: Any) -> documents.RunInfo:
    return documents.parse_run(
        {
            "schema": "modelci.run/1",
            "task": "classification",
            "target": "churned",
            "classes": ["no", "yes"],
            "model": model,
            **extra,
        },
        where="run.json",
    )


XGBOOST = {
    "file": "model.ubj",
    "sha256": "ab" * 32,
    "size_bytes": 2048,
    "flavour": "xgboost",
    "library": "xgboost",
    "library_version": "3.2.0",
    "preprocess": {"file": "preprocess.skops", "sha256": "cd" * 32, "size_bytes": 900},
}


def names(info: documents.RunInfo) -> list[str]:
    return [f.name for f in run_files.of(info, where="run.json")]


def test_a_model_run_has_its_flavours_file_and_its_preprocessing() -> None:
    files = run_files.of(run_info(XGBOOST), where="run.json")
    assert [f.name for f in files] == [
        "run.json",
        "model.ubj",
        "preprocess.skops",
        "metrics.json",
        "evaluation.json",
    ]
    assert [f.name for f in files if f.weight] == ["model.ubj", "preprocess.skops"]
    assert {f.name: f.sha256 for f in files if f.sha256} == {
        "model.ubj": "ab" * 32,
        "preprocess.skops": "cd" * 32,
    }
    # A run from before flavours: model.skops, flavour sklearn.
    old = run_info({"file": "model.skops", "sha256": "ef" * 32})
    assert names(old) == ["run.json", "model.skops", "metrics.json", "evaluation.json"]


def test_a_predictions_run_has_its_predictions_and_no_model() -> None:
    files = run_files.of(run_info(None), where="run.json")
    assert [f.name for f in files] == [
        "run.json",
        "metrics.json",
        "evaluation.json",
        "predictions.csv",
    ]
    assert [f.name for f in files if f.needed] == ["run.json", "evaluation.json", "predictions.csv"]
    assert not any(f.weight for f in files)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"file": "../../etc/passwd"}, "not a model file name modelci reads"),
        ({"file": "model.pkl"}, "not a model file name modelci reads"),
        ({"file": "model.ubj", "flavour": "onnx"}, "model.ubj is a xgboost model file"),
        ({"file": "model.skops", "flavour": "xgboost"}, "but model.flavour says xgboost"),
        (
            {"preprocess": {"file": "../preprocess.skops", "sha256": "0" * 64}},
            "model.preprocess.file is '../preprocess.skops'",
        ),
    ],
)
def test_names_modelci_does_not_write_are_refused(model: dict[str, Any], message: str) -> None:
    record = {**XGBOOST, **model}
    with pytest.raises(UserError, match=r"run\.json: ") as raised:
        run_files.of(run_info(record), where="run.json")
    assert message in raised.value.message


EVALUATION = {
    "schema": "modelci.evaluation/1",
    "task": "classification",
    "primary": "roc_auc",
    "n_rows": 200,
    "confidence": 0.95,
    "data": {"source": "preds.csv", "rows": 200},
    "metrics": {"roc_auc": {"value": 0.9, "ci": [0.85, 0.94], "higher_is_better": True}},
    "model": None,
}


def test_the_card_names_the_flavour_library_and_preprocessing() -> None:
    info = run_info(XGBOOST, estimator={"class": "xgboost.XGBClassifier", "params": {}})
    evaluation = documents.parse_evaluation(EVALUATION, where="evaluation.json")
    text = card.render(card.build(info, evaluation, tag=parse_tag("v1.0.0")))
    assert "| Model file | `model.ubj` (xgboost), 2 KiB, sha256 `" + "ab" * 32 + "` |" in text
    assert "| Library | xgboost 3.2.0 |" in text
    assert "| Preprocessing file | `preprocess.skops` (modelci's preprocessing, skops)" in text
    assert "`model.ubj` is XGBoost's own model format" in text
    assert "skops.io.get_untrusted_types" not in text  # that advice is for a skops model


def test_a_predictions_runs_card_and_notes_say_there_is_no_model() -> None:
    info = run_info(
        None,
        data={
            "test": {"source": "preds.csv", "sha256": "12" * 32, "rows": 200},
            "split": {"kind": "predictions"},
        },
        training={"command": "python train.py --epochs 3", "output": "predictions"},
    )
    evaluation = documents.parse_evaluation(EVALUATION, where="evaluation.json")
    built = card.build(info, evaluation, tag=parse_tag("v1.0.0"))
    assert built.title == "Model card: predictions v1.0.0"
    assert "no model file" in built.summary
    text = built.render()
    assert "| Model file | none: only its predictions were evaluated |" in text
    assert f"| Predictions | `preds.csv`, {number(200)} rows, sha256 `" + "12" * 32 + "` |" in text
    assert "| Training command | `python train.py --epochs 3` |" in text
    assert "| Estimator | — |" in text and "| Features |" not in text
    assert "This release has no model file: `predictions.csv`" in text
    body = notes.render(
        notes.build(
            tag=parse_tag("v1.0.0"),
            info=info,
            evaluation=evaluation,
            metrics={"roc_auc": 0.9, "model_size_bytes": None},
            card_url="https://example.com/card",
            sums_url="https://example.com/sums",
        )
    )
    assert "Predictions only, no model file (classification), evaluated on" in body
    assert "predictions only: no model file" in body and "model sha256" not in body


def test_the_training_section_says_how_a_model_without_estimator_was_made() -> None:
    evaluation = documents.parse_evaluation(EVALUATION, where="evaluation.json")
    scripted = run_info(XGBOOST, training={"command": "python train.py", "output": "model"})
    section = card.build(scripted, evaluation).section("Training configuration").content
    assert section.startswith("The repository's own training script made the model: `python")
    given = card.build(run_info(None), evaluation).section("Training configuration").content
    assert given.startswith("No model was trained here: the predictions were evaluated as given")
