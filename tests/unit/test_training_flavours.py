"""`training.train` with an XGBoost, LightGBM or CatBoost estimator from the config: the booster
in its library's format, modelci's preprocessing as preprocess.skops, labels encoded and decoded,
every parameter in strict JSON. Each library is optional; a test needing a missing one is skipped
and says which."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from modelci import config, estimators, features, fsutil, models, trained_models, training
from modelci.errors import UserError
from modelci.flavours import lightgbm_checks
from modelci.rundir import Run


def _needs(module: str) -> pytest.MarkDecorator:
    # catboost is too big for flavours-test (see pyproject.toml); it has its own extra.
    extra = "catboost" if module == "catboost" else "flavours-test"
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"needs {module} (pip install 'modelci[{extra}]')",
    )


XGB = _needs("xgboost")
LGBM = _needs("lightgbm")
CATBOOST = _needs("catboost")
SMALL = {
    "xgboost.XGBClassifier": "{n_estimators: 15, max_depth: 3, n_jobs: 1}",
    "xgboost.XGBRegressor": "{n_estimators: 15, max_depth: 3, n_jobs: 1}",
    "lightgbm.LGBMClassifier": "{n_estimators: 15, num_leaves: 7, n_jobs: 1}",
    "lightgbm.LGBMRegressor": "{n_estimators: 15, num_leaves: 7, n_jobs: 1}",
    "catboost.CatBoostClassifier": "{iterations: 15, depth: 3, thread_count: 1}",
    "catboost.CatBoostRegressor": "{iterations: 15, depth: 3, thread_count: 1}",
}


def _frame(rows: int = 300, *, labels: tuple[Any, ...] = ("no", "yes"), seed: int = 0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue", "teal"], size=rows)
    score = a - 0.5 * b + (colour == "red") * 1.5
    cut = np.quantile(score, np.linspace(0, 1, len(labels) + 1)[1:-1])
    label = np.asarray(labels, dtype=object)[np.searchsorted(cut, score)]
    frame = pd.DataFrame({"a": a, "b": b, "colour": colour, "label": label, "value": score})
    frame.loc[::17, "b"] = np.nan
    frame.loc[::23, "colour"] = np.nan
    return frame


def _train(
    tmp_path: Path,
    estimator: str,
    frame: pd.DataFrame,
    *,
    target: str = "label",
    params: str | None = None,
    extra: str = "",
) -> Path:
    frame = frame.drop(columns=[c for c in ("label", "value") if c != target])
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "modelci.yaml").write_text(
        f"data: {{train: data.csv, target: {target}}}\n"
        f"model:\n  estimator: {estimator}\n  params: {params or SMALL[estimator]}\n{extra}"
    )
    training.train(config.load(tmp_path / "modelci.yaml"), tmp_path / "run")
    return tmp_path / "run"


def _strict_json(path: Path) -> dict[str, Any]:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{path.name} holds {constant}, which strict JSON has not")

    return json.loads(path.read_text(), parse_constant=refuse)


def _score(run: Run, frame: pd.DataFrame) -> tuple[np.ndarray, Any]:
    model = models.load(run)
    X = features.design_matrix(
        frame, features.FeatureSpec.from_dict(dict(run.info.features)), source="t"
    )
    return model.predict(X), model


@pytest.mark.parametrize(
    "estimator",
    [
        pytest.param("xgboost.XGBClassifier", marks=XGB),
        pytest.param("lightgbm.LGBMClassifier", marks=LGBM),
    ],
)
def test_string_labels_train_and_score_as_the_same_labels(tmp_path, estimator):
    frame = _frame()
    run = Run.open(_train(tmp_path, estimator, frame))
    file = {"xgboost.XGBClassifier": "model.ubj", "lightgbm.LGBMClassifier": "model.txt"}[estimator]
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [file, "preprocess.skops", "run.json"]
    )
    assert run.classes == ("no", "yes") and run.info.positive_class == "yes"
    predicted, model = _score(run, frame)
    assert set(predicted) <= {"no", "yes"}
    assert (predicted == frame["label"].to_numpy()).mean() > 0.8
    assert list(model.classes_) == ["no", "yes"]


@pytest.mark.parametrize(
    "estimator",
    [
        pytest.param("xgboost.XGBClassifier", marks=XGB),
        pytest.param("lightgbm.LGBMClassifier", marks=LGBM),
    ],
)
def test_run_json_records_flavour_library_version_and_both_files_sha256(tmp_path, estimator):
    run_dir = _train(tmp_path, estimator, _frame())
    info = _strict_json(run_dir / "run.json")
    library = estimator.split(".")[0]
    version = importlib.import_module(library).__version__
    model = info["model"]
    assert (model["flavour"], model["library"], model["library_version"]) == (
        library,
        library,
        version,
    )
    assert info["versions"][library] == version
    assert model["sha256"] == fsutil.sha256_file(run_dir / model["file"])
    assert model["size_bytes"] == (run_dir / model["file"]).stat().st_size
    kept = model["preprocess"]
    assert kept["file"] == "preprocess.skops"
    assert kept["sha256"] == fsutil.sha256_file(run_dir / "preprocess.skops")
    assert kept["size_bytes"] == (run_dir / "preprocess.skops").stat().st_size
    assert info["estimator"]["class"].startswith(f"{library}.")


@XGB
def test_xgboost_on_a_0_1_target_with_missing_nan_writes_strict_json(tmp_path):
    # The issue: a 0/1 target crashed writing run.json on XGBoost's `missing=nan`.
    frame = _frame(labels=(0, 1))
    run_dir = _train(
        tmp_path,
        "xgboost.XGBClassifier",
        frame,
        params="{n_estimators: 10, missing: .nan, max_delta_step: .inf, n_jobs: 1}",
    )
    info = _strict_json(run_dir / "run.json")
    assert info["estimator"]["params"]["missing"] == "nan"
    assert info["estimator"]["params"]["max_delta_step"] == "inf"
    assert info["config"]["model"]["params"]["missing"] == "nan"
    assert info["classes"] == ["0", "1"] and info["positive_class"] == "1"
    predicted, _ = _score(Run.open(run_dir), frame)
    assert set(predicted) <= {"0", "1"}


@pytest.mark.parametrize(
    "estimator",
    [
        pytest.param("xgboost.XGBClassifier", marks=XGB),
        pytest.param("lightgbm.LGBMClassifier", marks=LGBM),
    ],
)
def test_multiclass_labels_sort_as_numbers_and_decode(tmp_path, estimator):
    frame = _frame(rows=450, labels=(2, 10, 33))
    run = Run.open(_train(tmp_path, estimator, frame))
    assert run.classes == ("2", "10", "33")  # numbers order as numbers, not as text
    predicted, model = _score(run, frame)
    assert (predicted == frame["label"].astype(str).to_numpy()).mean() > 0.7
    X = features.design_matrix(
        frame, features.FeatureSpec.from_dict(dict(run.info.features)), source="t"
    )
    proba = model.predict_proba(X)
    assert proba.shape == (450, 3) and np.allclose(proba.sum(axis=1), 1)


@pytest.mark.parametrize(
    "estimator",
    [
        pytest.param("xgboost.XGBRegressor", marks=XGB),
        pytest.param("lightgbm.LGBMRegressor", marks=LGBM),
    ],
)
def test_regression(tmp_path, estimator):
    frame = _frame(rows=400)
    run = Run.open(_train(tmp_path, estimator, frame, target="value"))
    assert run.task == "regression" and run.classes is None
    predicted, _ = _score(run, frame)
    assert predicted.dtype == np.float64
    assert np.corrcoef(predicted, frame["value"])[0, 1] > 0.9


@XGB
def test_an_objective_without_probabilities_is_refused_at_train_in_the_configs_words(tmp_path):
    with pytest.raises(UserError) as caught:
        _train(
            tmp_path,
            "xgboost.XGBClassifier",
            _frame(),
            params="{n_estimators: 3, objective: 'multi:softmax', num_class: 2}",
        )
    line = caught.value.line()
    assert re.match(r".*modelci.yaml:3: the fitted xgboost model", line) and "multi:softmax" in line
    assert "\n" not in line and ".staging." not in line
    assert not (tmp_path / "run").exists()


@XGB
def test_xgboost_splits_on_categories_and_takes_an_unseen_one(tmp_path):
    frame = _frame()
    run = Run.open(_train(tmp_path, "xgboost.XGBClassifier", frame))
    model = models.load(run)
    assert model.loaded.booster.feature_types == ["q", "q", "c"]
    probe = frame.head(3).assign(colour=["violet", None, "red"])
    predicted, _ = _score(run, probe)
    assert len(predicted) == 3


@LGBM
def test_lightgbm_is_quiet_and_splits_on_categories(tmp_path, capfd):
    run = Run.open(_train(tmp_path, "lightgbm.LGBMClassifier", _frame()))
    assert "[LightGBM]" not in capfd.readouterr().out
    assert run.info.estimator is not None and run.info.estimator.params["verbose"] == -1
    text = (run.path / "model.txt").read_text()
    assert re.search(r"^num_cat=[1-9]", text, flags=re.MULTILINE)


@LGBM
def test_lightgbm_check_refuses_a_categorical_threshold_that_is_no_bitset_index(tmp_path):
    run = Run.open(_train(tmp_path, "lightgbm.LGBMClassifier", _frame()))
    text = (run.path / "model.txt").read_text()
    lightgbm_checks.check(text, run.model_path)  # mixed numeric and categorical splits: sound
    block = next(b for b in text.split("\nTree=")[1:] if re.search(r"^num_cat=[1-9]", b, re.M))
    line = next(ln for ln in block.splitlines() if ln.startswith("threshold="))
    kinds = next(ln for ln in block.splitlines() if ln.startswith("decision_type="))
    thresholds = line.removeprefix("threshold=").split()
    first = [int(d) & 1 for d in kinds.removeprefix("decision_type=").split()].index(1)
    thresholds[first] = "0.5"
    forged = text.replace(line, "threshold=" + " ".join(thresholds), 1)
    with pytest.raises(UserError, match="categorical split outside its bitsets"):
        lightgbm_checks.check(forged, run.model_path)


@XGB
def test_the_configs_class_order_is_the_models_output_order(tmp_path):
    if "classes" not in {f.name for f in dataclasses.fields(config.ModelConfig)}:
        pytest.skip("model.classes is not a config key on this branch yet")
    frame = _frame()
    run = Run.open(
        _train(
            tmp_path,
            "xgboost.XGBClassifier",
            frame,
            params="{n_estimators: 10, n_jobs: 1}\n  classes: [yes, no]",
        )
    )
    assert run.classes == ("yes", "no")
    predicted, _ = _score(run, frame)
    assert (predicted == frame["label"].to_numpy()).mean() > 0.8


def test_a_missing_library_at_train_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "xgboost", None)  # what `import xgboost` meets uninstalled
    with pytest.raises(UserError) as caught:
        _train(tmp_path, "xgboost.XGBClassifier", _frame())
    line = caught.value.line()
    assert "modelci[xgboost]" in line and "\n" not in line
    assert re.match(r".*modelci.yaml:3: model.estimator .xgboost.XGBClassifier", line)


def test_flavour_is_told_by_the_estimators_library():
    class Fake:
        pass

    for module, flavour in (
        ("xgboost.sklearn", "xgboost"),
        ("lightgbm.sklearn", "lightgbm"),
        ("catboost.core", "catboost"),
        ("sklearn.ensemble", "sklearn"),
        ("my_models", "sklearn"),
    ):
        Fake.__module__ = module
        assert trained_models.flavour_of(Fake()).name == flavour


@CATBOOST
def test_catboost_string_labels_leave_no_catboost_info_behind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = _frame()
    run = Run.open(_train(tmp_path, "catboost.CatBoostClassifier", frame))
    assert (run.path / "model.cbm").is_file() and run.model.flavour == "catboost"
    assert not (tmp_path / "catboost_info").exists()
    predicted, _ = _score(run, frame)
    assert (predicted == frame["label"].to_numpy()).mean() > 0.8
    info = _strict_json(run.path / "run.json")
    assert info["versions"]["catboost"] == importlib.import_module("catboost").__version__


@CATBOOST
def test_catboost_regression(tmp_path):
    frame = _frame(rows=400)
    run = Run.open(_train(tmp_path, "catboost.CatBoostRegressor", frame, target="value"))
    predicted, _ = _score(run, frame)
    assert np.corrcoef(predicted, frame["value"])[0, 1] > 0.8


def test_nan_and_numpy_values_survive_as_json():
    values = {"missing": float("nan"), "top": np.float32(math.inf), "n": np.int64(3)}
    assert json.loads(json.dumps(estimators.plain_value(values))) == {
        "missing": "nan",
        "top": "inf",
        "n": 3,
    }
