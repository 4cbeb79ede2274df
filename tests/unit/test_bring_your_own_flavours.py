"""`modelci evaluate --model FILE` for every flavour's file name: task, classes and feature
columns come from the model where it knows them, else from `--task`, `--classes` and the data."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.integration.test_bad_input import assert_one_clear_line

FEATURES = ["x1", "x2", "x3"]
FAST = ("--no-plots",)


def _needs(module: str, extra: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"needs {module}: pip install 'modelci[{extra}]'",
    )


def _frame(rows: int = 300, seed: int = 0, classes: tuple[str, ...] = ("no", "yes")) -> Any:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    frame = pd.DataFrame(x, columns=FEATURES)
    score = x @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.normal(size=rows)
    cuts = np.quantile(score, np.linspace(0, 1, len(classes) + 1)[1:-1])
    frame["label"] = np.asarray(classes, dtype=object)[np.searchsorted(cuts, score)]
    frame["y"] = x @ np.array([3.0, 1.0, -2.0]) + 0.5 * rng.normal(size=rows)
    return frame


def _byo(cli, model: str, *flags: str, target: str = "label", out: str = "runs/byo") -> Any:
    """`modelci evaluate --model MODEL --data test.csv` (in the test's folder)."""
    args = ("--model", model, "--data", "test.csv", "--target", target, "--out", out)
    return cli("evaluate", *args, *FAST, *flags)


def _evaluate(cli, model: str, *flags: str, target: str = "label", out: str = "runs/byo") -> Any:
    result = _byo(cli, model, *flags, target=target, out=out)
    assert result.code == 0, result.stderr
    return json.loads((Path(out) / "evaluation.json").read_text())


def _run_json(out: str = "runs/byo") -> dict[str, Any]:
    return json.loads((Path(out) / "run.json").read_text())


def _value(evaluation: dict[str, Any], name: str) -> float:
    return evaluation["metrics"][name]["value"]


def _xgb_classifier(train: pd.DataFrame, *, classes: list[str], **params: Any) -> Any:
    import xgboost

    codes = pd.Categorical(train["label"], categories=classes).codes
    objective = "binary:logistic" if len(classes) == 2 else "multi:softprob"
    extra = {} if len(classes) == 2 else {"num_class": len(classes)}
    matrix = xgboost.DMatrix(train[FEATURES], label=codes)
    return xgboost.train(
        {"objective": objective, "max_depth": 3, "seed": 0, **extra, **params},
        matrix,
        num_boost_round=20,
    )


@_needs("xgboost", "xgboost")
def test_an_xgboost_booster_takes_its_own_feature_names_and_the_sorted_labels(cli, tmp_path):
    import xgboost
    from sklearn.metrics import accuracy_score, roc_auc_score

    train, test = _frame(seed=1), _frame(seed=2)
    booster = _xgb_classifier(train, classes=["no", "yes"])
    booster.save_model(str(tmp_path / "model.ubj"))
    test["noise"] = 0.0  # a column the booster never saw, and the file in another order
    test[["x3", "noise", "label", "x1", "x2"]].to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.ubj")

    p_yes = booster.predict(xgboost.DMatrix(test[FEATURES]))
    truth = test["label"].to_numpy()
    assert evaluation["classes"] == ["no", "yes"]
    assert _value(evaluation, "roc_auc") == pytest.approx(roc_auc_score(truth == "yes", p_yes))
    assert _value(evaluation, "accuracy") == pytest.approx(
        accuracy_score(truth, np.where(p_yes > 0.5, "yes", "no"))
    )
    run = _run_json()
    assert run["features"]["numeric"] == FEATURES
    assert run["model"]["flavour"] == "xgboost" and run["model"]["file"] == "model.ubj"
    assert run["model"]["library"] == "xgboost" and run["model"]["library_version"]
    assert (Path("runs/byo") / "model.ubj").read_bytes() == (tmp_path / "model.ubj").read_bytes()


@_needs("xgboost", "xgboost")
def test_classes_flag_gives_the_order_of_a_multiclass_boosters_outputs(cli, tmp_path):
    import xgboost
    from sklearn.metrics import accuracy_score

    order = ["high", "low", "mid"]  # the booster's output order, not sorted by meaning
    train, test = (_frame(seed=s, classes=("low", "mid", "high")) for s in (1, 2))
    booster = _xgb_classifier(train, classes=order)
    booster.save_model(str(tmp_path / "model.json"))
    test.to_csv(tmp_path / "test.csv", index=False)

    given = _evaluate(cli, "model.json", "--classes", ",".join(order), out="runs/given")
    wrong = _evaluate(cli, "model.json", "--classes", "low,mid,high", out="runs/wrong")

    predicted = np.asarray(order)[booster.predict(xgboost.DMatrix(test[FEATURES])).argmax(1)]
    expected = accuracy_score(test["label"], predicted)
    assert expected > 0.7
    assert _value(given, "accuracy") == pytest.approx(expected)
    # The same outputs read in another class order are another (wrong) model: metrics say so.
    assert _value(wrong, "accuracy") < 0.5


@_needs("xgboost", "xgboost")
def test_an_xgboost_regressor_is_a_regression_run_by_its_objective(cli, tmp_path):
    import xgboost

    train, test = _frame(seed=1), _frame(seed=2)
    booster = xgboost.train(
        {"objective": "reg:squarederror", "seed": 0},
        xgboost.DMatrix(train[FEATURES], label=train["y"]),
        num_boost_round=30,
    )
    booster.save_model(str(tmp_path / "model.ubj"))
    test.drop(columns="label").to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.ubj", target="y")

    residual = test["y"].to_numpy() - booster.predict(xgboost.DMatrix(test[FEATURES]))
    assert evaluation["task"] == "regression"
    assert _value(evaluation, "rmse") == pytest.approx(float(np.sqrt(np.mean(residual**2))))
    assert_one_clear_line(
        _byo(cli, "model.ubj", "--task", "classification", target="y", out="runs/bad"),
        "is for regression, not classification",
    )
    assert not Path("runs/bad").exists()


@_needs("lightgbm", "lightgbm")
def test_a_lightgbm_text_model_is_evaluated_with_its_feature_names(cli, tmp_path):
    import lightgbm

    train, test = _frame(seed=1), _frame(seed=2)
    booster = lightgbm.train(
        {"objective": "regression", "verbose": -1, "seed": 0},
        lightgbm.Dataset(train[FEATURES], label=train["y"]),
        num_boost_round=30,
    )
    booster.save_model(str(tmp_path / "model.txt"))
    test[["y", "x2", "x3", "x1", "label"]].to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.txt", target="y")

    residual = test["y"].to_numpy() - booster.predict(test[FEATURES])
    assert _value(evaluation, "mae") == pytest.approx(float(np.mean(np.abs(residual))))
    run = _run_json()
    assert run["features"]["numeric"] == FEATURES
    assert run["model"]["flavour"] == "lightgbm" and run["model"]["file"] == "model.txt"


@_needs("catboost", "catboost")
def test_a_catboost_classifier_keeps_its_own_text_labels(cli, tmp_path):
    import catboost
    from sklearn.metrics import roc_auc_score

    train, test = _frame(seed=1), _frame(seed=2)
    model = catboost.CatBoostClassifier(iterations=30, verbose=False, random_seed=0)
    model.fit(train[FEATURES], train["label"])
    model.save_model(str(tmp_path / "model.cbm"))
    test.to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.cbm")

    p_yes = model.predict_proba(test[FEATURES])[:, list(model.classes_).index("yes")]
    assert _value(evaluation, "roc_auc") == pytest.approx(
        roc_auc_score(test["label"] == "yes", p_yes)
    )


def test_a_skops_model_still_takes_its_classes_and_columns_from_itself(cli, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    train, test = _frame(seed=1), _frame(seed=2)
    model = LogisticRegression().fit(train[["x2", "x1"]], train["label"])
    sio.dump(model, tmp_path / "model.skops")
    test.to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.skops")

    assert _run_json()["features"]["numeric"] == ["x2", "x1"]
    assert _value(evaluation, "accuracy") == pytest.approx(
        float(np.mean(model.predict(test[["x2", "x1"]]) == test["label"]))
    )
    # classes the model carries are checked against --classes
    assert_one_clear_line(
        _byo(cli, "model.skops", "--classes", "yes,no", out="runs/bad"),
        "differ",
    )


@_needs("xgboost", "xgboost")
def test_a_tampered_booster_is_refused_by_its_sha256(cli, tmp_path):
    import hashlib

    train = _frame(seed=1)
    booster = _xgb_classifier(train, classes=["no", "yes"])
    booster.save_model(str(tmp_path / "model.ubj"))
    digest = hashlib.sha256((tmp_path / "model.ubj").read_bytes()).hexdigest()
    _xgb_classifier(train, classes=["yes", "no"]).save_model(str(tmp_path / "model.ubj"))
    train.to_csv(tmp_path / "test.csv", index=False)

    assert_one_clear_line(
        _byo(cli, "model.ubj", "--sha256", digest, out="runs/bad"),
        "does not match",
    )
    assert not Path("runs/bad").exists()


@_needs("xgboost", "xgboost")
def test_class_indices_without_enough_labels_in_the_data_ask_for_classes(cli, tmp_path):
    train = _frame(seed=1, classes=("a", "b", "c"))
    _xgb_classifier(train, classes=["a", "b", "c"]).save_model(str(tmp_path / "model.ubj"))
    train[train["label"] != "c"].to_csv(tmp_path / "test.csv", index=False)

    assert_one_clear_line(
        _byo(cli, "model.ubj", out="runs/bad"),
        "3 class outputs",
        "--classes",
    )


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (("--task", "clustering"), "invalid choice"),
        (("--classes", "a,,b"), "--classes"),
        (("--classes", "a,a"), "twice"),
    ],
)
def test_bad_task_or_classes_flags(cli, tmp_path, flags, needle):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    train = _frame()
    sio.dump(LogisticRegression().fit(train[FEATURES], train["label"]), tmp_path / "model.skops")
    train.to_csv(tmp_path / "test.csv", index=False)
    result = _byo(cli, "model.skops", *flags, out="runs/bad")
    assert result.code == 2 and needle in result.stderr, result.stderr
    assert not Path("runs/bad").exists()


@_needs("xgboost", "xgboost")
def test_the_booster_of_a_modelci_run_is_sent_to_its_run(cli, tmp_path):
    from tests.conftest import mixed_frame, write_config

    mixed_frame().to_csv(tmp_path / "test.csv", index=False)
    write_config(
        tmp_path,
        "data: {train: test.csv, target: label}\n"
        "model: {estimator: xgboost.XGBClassifier, params: {n_estimators: 5}}\n",
    )
    assert cli("train", "--out", "runs/x").code == 0
    assert (tmp_path / "runs/x/preprocess.skops").is_file()

    assert_one_clear_line(
        _byo(cli, "runs/x/model.ubj", out="runs/bad"),
        "is the model of a modelci run",
        "modelci evaluate runs/x --data test.csv",
    )
    assert not Path("runs/bad").exists()


@_needs("lightgbm", "lightgbm")
def test_a_booster_trained_on_an_array_takes_every_other_column_in_file_order(cli, tmp_path):
    import lightgbm

    train, test = _frame(seed=1), _frame(seed=2)
    booster = lightgbm.train(  # no names: LightGBM calls the columns Column_0, Column_1, …
        {"objective": "binary", "verbose": -1, "seed": 0},
        lightgbm.Dataset(train[FEATURES].to_numpy(), label=(train["label"] == "yes").to_numpy()),
        num_boost_round=20,
    )
    booster.save_model(str(tmp_path / "model.txt"))
    test[[*FEATURES, "label"]].to_csv(tmp_path / "test.csv", index=False)

    evaluation = _evaluate(cli, "model.txt")

    assert _run_json()["features"]["numeric"] == FEATURES
    p_yes = booster.predict(test[FEATURES].to_numpy())
    assert _value(evaluation, "accuracy") == pytest.approx(
        float(np.mean(np.where(p_yes > 0.5, "yes", "no") == test["label"]))
    )
