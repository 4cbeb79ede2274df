"""`modelci.models`: a run's model loaded by its recorded flavour, scored as scikit-learn would."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from modelci import flavours, models
from modelci.errors import UserError
from modelci.rundir import Run


def _frame(rows: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows)})
    y = pd.Series(np.where(X["a"] + 0.1 * rng.normal(size=rows) > 0, 10, 2))
    return X, y


def _run(folder: Path, estimator: LogisticRegression, **model: object) -> Run:
    saved = flavours.flavour_named("sklearn").save(estimator, folder)
    record = {"file": saved.name, "sha256": saved.sha256, "size_bytes": saved.size_bytes}
    info = {
        "schema": "modelci.run/1",
        "task": "classification",
        "target": "y",
        "classes": ["2", "10"],
        "model": record | model,
    }
    (folder / "run.json").write_text(json.dumps(info))
    return Run.open(folder)


def test_labels_are_the_runs_text_and_codes_score_the_positive_class(tmp_path: Path) -> None:
    X, y = _frame()
    run = _run(tmp_path, LogisticRegression().fit(X, y))
    model = models.load(run)
    assert list(model.classes_) == ["2", "10"]
    assert set(model.predict(X)) == {"2", "10"}
    # As text, "10" < "2": a scorer would take "2" for the positive class. Codes cannot.
    coded = models.coded(model)
    codes = (y == 10).astype(int)
    result = permutation_importance(coded, X, codes, scoring="roc_auc", n_repeats=3, random_state=0)
    assert result.importances_mean[0] > 0.2


def test_a_file_named_for_another_flavour_than_recorded_is_refused(tmp_path: Path) -> None:
    X, y = _frame()
    run = _run(tmp_path, LogisticRegression().fit(X, y), flavour="onnx")
    with pytest.raises(UserError, match=r"model\.skops is not of the onnx flavour"):
        models.load(run)


def test_a_file_of_no_known_flavour_lists_the_names(tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(UserError, match=r"'model.pkl' is none of model.cbm, model.json"):
        models.load_file(tmp_path / "model.pkl")


def test_a_predictions_run_has_no_model_to_load(tmp_path: Path) -> None:
    info = {"schema": "modelci.run/1", "task": "regression", "target": "y", "model": None}
    (tmp_path / "run.json").write_text(json.dumps(info))
    with pytest.raises(UserError, match="is a predictions run: it has no model file"):
        models.load(Run.open(tmp_path))
