"""`modelci evaluate --model model.onnx`: graphs no scikit-learn code produced, scored by
onnxruntime, give the metrics numpy computes from the same formula; bad graphs and data are one
line each (exit 2) and leave no output behind."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.integration.test_bad_input import assert_one_clear_line

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnx", "onnxruntime")),
    reason="needs onnx and onnxruntime: pip install 'modelci[onnx]'",
)

FEATURES = ["x1", "x2", "x3"]
WEIGHTS = np.array([1.5, -2.0, 0.5])
BIAS = 0.25
FAST = ("--no-plots",)


def _frame(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Three numeric features; a noisy logistic label in text ("no"/"yes") and a numeric y."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    p = 1 / (1 + np.exp(-(x @ WEIGHTS + BIAS)))
    frame = pd.DataFrame(x, columns=FEATURES)
    frame["label"] = np.where(rng.random(rows) < p, "yes", "no")
    frame["y"] = x @ np.array([3.0, 1.0, -2.0]) + 0.5 * rng.normal(size=rows)
    return frame


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def _save(model: Any, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def _make_model(nodes: list[Any], inputs: list[Any], outputs: list[Any], **arrays: Any) -> Any:
    from onnx import helper, numpy_helper

    graph = helper.make_graph(
        nodes,
        "hand_written",
        inputs,
        outputs,
        initializer=[
            numpy_helper.from_array(np.asarray(v, np.float32), name) for name, v in arrays.items()
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _logistic_graph(n_features: int = 3, weights: np.ndarray = WEIGHTS) -> Any:
    """p = sigmoid(X @ w + b) on one [N, F] float input: the probability of the second class."""
    from onnx import TensorProto, helper

    return _make_model(
        [
            helper.make_node("MatMul", ["X", "W"], ["logit0"]),
            helper.make_node("Add", ["logit0", "B"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["p"]),
        ],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [None, 1])],
        W=weights.reshape(-1, 1),
        B=[BIAS],
    )


def _per_column_softmax_graph(columns: list[str], weights: np.ndarray) -> Any:
    """One [N, 1] input per column, by name; softmax(concat(columns) @ W) as [N, K]."""
    from onnx import TensorProto, helper

    return _make_model(
        [
            helper.make_node("Concat", columns, ["X"], axis=1),
            helper.make_node("MatMul", ["X", "W"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        [helper.make_tensor_value_info(c, TensorProto.FLOAT, [None, 1]) for c in columns],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])],
        W=weights,
    )


def _roc_auc(truth: np.ndarray, score: np.ndarray) -> float:
    """The Mann-Whitney form: the chance a positive row outscores a negative one (ties ½)."""
    positive, negative = score[truth == 1], score[truth == 0]
    greater = (positive[:, None] > negative[None, :]).sum()
    ties = (positive[:, None] == negative[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positive) * len(negative)))


def _binary_metrics(truth: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "accuracy": float(np.mean((p > 0.5) == truth)),
        "roc_auc": _roc_auc(truth, p),
        "log_loss": float(-np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))),
        "brier": float(np.mean((p - truth) ** 2)),
    }


def _byo(cli, *flags: str, model: str = "model.onnx", target: str = "label", out: str) -> Any:
    """`modelci evaluate --model MODEL --data test.csv` (in the test's folder)."""
    args = ("--model", model, "--data", "test.csv", "--target", target, "--out", out)
    return cli("evaluate", *args, *FAST, *flags)


def _evaluation(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "evaluation.json").read_text())


def _assert_metrics(evaluation: dict[str, Any], expected: dict[str, float]) -> None:
    got = {name: evaluation["metrics"][name]["value"] for name in expected}
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=2e-5), (name, got, expected)


def test_a_hand_written_logistic_graph_scores_as_numpy_computes_it(cli, tmp_path):
    frame = _frame().drop(columns="y")
    _write(frame, tmp_path / "test.csv")
    _save(_logistic_graph(), tmp_path / "model.onnx")

    result = _byo(cli, "--task", "classification", out="runs/onnx")

    assert result.code == 0, result.stderr
    evaluation = _evaluation(tmp_path / "runs/onnx")
    # The one probability is the second class's, in sorted order of the labels: "yes".
    assert evaluation["classes"] == ["no", "yes"]
    x = frame[FEATURES].to_numpy(np.float32)
    p = 1 / (1 + np.exp(-(x @ WEIGHTS.astype(np.float32) + np.float32(BIAS))))
    _assert_metrics(evaluation, _binary_metrics((frame["label"] == "yes").to_numpy(), p))
    run = json.loads((tmp_path / "runs/onnx/run.json").read_text())
    assert run["model"]["flavour"] == "onnx" and run["model"]["file"] == "model.onnx"
    assert (
        run["model"]["sha256"] == hashlib.sha256((tmp_path / "model.onnx").read_bytes()).hexdigest()
    )
    assert run["model"]["library"] == "onnxruntime" and run["model"]["library_version"]
    predictions = pd.read_csv(tmp_path / "runs/onnx/predictions.csv")
    assert set(predictions["y_pred"]) <= {"no", "yes"}


def test_classes_given_in_the_model_output_order_are_taken_as_given(cli, tmp_path):
    frame = _frame().drop(columns="y")
    _write(frame, tmp_path / "test.csv")
    _save(_logistic_graph(), tmp_path / "model.onnx")

    # The graph's probability is now the chance of "no": every ranking flips.
    result = _byo(cli, "--task", "classification", "--classes", "yes,no", out="runs/flipped")

    assert result.code == 0, result.stderr
    evaluation = _evaluation(tmp_path / "runs/flipped")
    x = frame[FEATURES].to_numpy(np.float32)
    p_no = 1 / (1 + np.exp(-(x @ WEIGHTS.astype(np.float32) + np.float32(BIAS))))
    truth_no = (frame["label"] == "no").to_numpy()
    assert evaluation["metrics"]["accuracy"]["value"] == pytest.approx(
        float(np.mean((p_no > 0.5) == truth_no)), abs=1e-9
    )
    # modelci's positive class stays the last sorted label ("yes"): its score is 1 - p_no.
    assert evaluation["metrics"]["roc_auc"]["value"] == pytest.approx(
        _roc_auc((~truth_no).astype(int), 1 - p_no), abs=2e-5
    )


def test_one_input_per_column_takes_those_columns_by_name(cli, tmp_path):
    frame = _frame()
    frame["noise"] = np.random.default_rng(1).normal(size=len(frame))
    # the file's column order is not the graph's; `noise` feeds nothing
    _write(frame[["noise", "x3", "x1", "label", "x2"]], tmp_path / "test.csv")
    weights = np.array([[0.0, 2.0], [0.0, -1.0]])  # logits (0, 2*x2 - x1)
    _save(_per_column_softmax_graph(["x2", "x1"], weights), tmp_path / "model.onnx")

    result = _byo(cli, out="runs/by-name")

    assert result.code == 0, result.stderr
    p = 1 / (1 + np.exp(-(2 * frame["x2"].to_numpy() - frame["x1"].to_numpy())))
    evaluation = _evaluation(tmp_path / "runs/by-name")
    _assert_metrics(evaluation, _binary_metrics((frame["label"] == "yes").to_numpy(), p))
    run = json.loads((tmp_path / "runs/by-name/run.json").read_text())
    assert run["features"]["numeric"] == ["x2", "x1"]


def test_a_hand_written_regression_graph_scores_as_numpy_computes_it(cli, tmp_path):
    from onnx import TensorProto, helper

    frame = _frame()
    _write(frame.drop(columns="label"), tmp_path / "test.csv")
    coefficients = np.array([3.0, 1.0, -2.0])
    _save(
        _make_model(
            [
                helper.make_node("MatMul", ["X", "W"], ["v0"]),
                helper.make_node("Add", ["v0", "B"], ["value"]),
            ],
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
            [helper.make_tensor_value_info("value", TensorProto.FLOAT, [None, 1])],
            W=coefficients.reshape(-1, 1),
            B=[0.1],
        ),
        tmp_path / "house-prices.onnx",
    )

    # Any name ending like a flavour's file name: the run keeps it as model.onnx.
    result = _byo(cli, model="house-prices.onnx", target="y", out="runs/reg")

    assert result.code == 0, result.stderr
    evaluation = _evaluation(tmp_path / "runs/reg")
    assert evaluation["task"] == "regression"
    assert json.loads((tmp_path / "runs/reg/run.json").read_text())["model"]["file"] == "model.onnx"
    assert (tmp_path / "runs/reg/model.onnx").read_bytes() == (
        tmp_path / "house-prices.onnx"
    ).read_bytes()
    residual = frame["y"].to_numpy() - (frame[FEATURES].to_numpy() @ coefficients + 0.1)
    _assert_metrics(
        evaluation,
        {
            "rmse": float(np.sqrt(np.mean(residual**2))),
            "mae": float(np.mean(np.abs(residual))),
            "max_error": float(np.max(np.abs(residual))),
        },
    )


@pytest.mark.skipif(importlib.util.find_spec("skl2onnx") is None, reason="needs skl2onnx")
def test_an_skl2onnx_classifier_with_zipmap_and_text_labels_matches_scikit_learn(cli, tmp_path):
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    train, test = _frame(seed=1).drop(columns="y"), _frame(seed=2).drop(columns="y")
    x_train, x_test = (f[FEATURES].to_numpy(np.float32) for f in (train, test))
    model = LogisticRegression().fit(x_train, train["label"])
    exported = to_onnx(model, x_train[:1])  # ZipMap by default
    assert any(o.type.HasField("sequence_type") for o in exported.graph.output)
    _save(exported, tmp_path / "model.onnx")
    _write(test, tmp_path / "test.csv")

    result = _byo(cli, out="runs/zipmap")

    assert result.code == 0, result.stderr
    evaluation = _evaluation(tmp_path / "runs/zipmap")
    assert evaluation["classes"] == ["no", "yes"]
    run = json.loads((tmp_path / "runs/zipmap/run.json").read_text())
    assert run["estimator"]["class"].startswith("ONNX graph (skl2onnx ")
    proba = model.predict_proba(x_test)
    truth = test["label"].to_numpy()
    _assert_metrics(
        evaluation,
        {
            "accuracy": accuracy_score(truth, model.predict(x_test)),
            "roc_auc": roc_auc_score(truth == "yes", proba[:, 1]),
            "log_loss": log_loss(truth, proba),
        },
    )


@pytest.mark.skipif(importlib.util.find_spec("skl2onnx") is None, reason="needs skl2onnx")
def test_a_graph_exported_from_a_dataframe_takes_each_column_by_name_text_included(cli, tmp_path):
    from skl2onnx import to_onnx
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from tests.conftest import mixed_frame

    frame = mixed_frame().drop(columns="when").dropna()
    inputs = frame[["x1", "x2", "colour"]].astype({"x1": np.float32, "x2": np.float32})
    encode = ColumnTransformer(
        [("num", StandardScaler(), ["x1", "x2"]), ("cat", OneHotEncoder(), ["colour"])]
    )
    model = make_pipeline(encode, LogisticRegression()).fit(inputs, frame["label"])
    graph = to_onnx(model, inputs[:1])  # one input per column: x1, x2 (float), colour (string)
    assert [i.name for i in graph.graph.input] == ["x1", "x2", "colour"]
    _save(graph, tmp_path / "model.onnx")
    frame.to_csv(tmp_path / "test.csv", index=False)

    result = _byo(cli, out="runs/frame")

    assert result.code == 0, result.stderr
    expected = roc_auc_score(frame["label"] == "yes", model.predict_proba(inputs)[:, 1])
    _assert_metrics(_evaluation(tmp_path / "runs/frame"), {"roc_auc": expected})


# ---- bad input: one line, exit 2, nothing written -----------------------------------------


def _evaluate_refused(cli, tmp_path: Path, *extra: str, model: str = "model.onnx") -> Any:
    """The CLI's result for a refused evaluation, which must have left no output folder."""
    result = _byo(cli, *extra, model=model, out="runs/bad")
    assert not (tmp_path / "runs/bad").exists()
    return result


@pytest.fixture
def test_csv(tmp_path):
    return _write(_frame().drop(columns="y"), tmp_path / "test.csv")


def test_a_file_that_is_not_onnx(cli, tmp_path, test_csv):
    (tmp_path / "model.onnx").write_bytes(b"\x80\x04 a pickle, not a graph")
    assert_one_clear_line(_evaluate_refused(cli, tmp_path), "not a readable ONNX model")


def test_a_graph_with_a_custom_operator_domain(cli, tmp_path, test_csv):
    from onnx import helper

    model = _logistic_graph()
    model.graph.node[2].domain = "evil.ops"
    model.opset_import.append(helper.make_opsetid("evil.ops", 1))
    _save(model, tmp_path / "model.onnx")
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification"),
        "custom operator domain 'evil.ops'",
    )


def test_a_graph_taking_another_number_of_features(cli, tmp_path, test_csv):
    _save(_logistic_graph(4, np.ones(4)), tmp_path / "model.onnx")
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification"),
        "graph input X takes 4 feature(s) but the data gives 3 (x1, x2, x3)",
    )


def test_a_graph_input_naming_a_column_the_data_lacks(cli, tmp_path, test_csv):
    _save(_per_column_softmax_graph(["x1", "x9"], np.ones((2, 2))), tmp_path / "model.onnx")
    assert_one_clear_line(_evaluate_refused(cli, tmp_path), "x9", "test.csv")


def test_a_model_file_name_no_flavour_has(cli, tmp_path, test_csv):
    (tmp_path / "x.pkl").write_bytes(b"\x80\x04")
    line = assert_one_clear_line(_evaluate_refused(cli, tmp_path, model="x.pkl"), "x.pkl")
    for name in ("model.skops", "model.ubj", "model.json", "model.txt", "model.cbm", "model.onnx"):
        assert name in line


def test_onnxruntime_not_installed_names_the_extra(cli, tmp_path, test_csv, monkeypatch):
    _save(_logistic_graph(), tmp_path / "model.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification"),
        "onnxruntime",
        "modelci[onnx]",
    )


def test_a_tampered_graph_is_refused_by_its_sha256(cli, tmp_path, test_csv):
    path = _save(_logistic_graph(), tmp_path / "model.onnx")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    tampered = _logistic_graph(weights=-WEIGHTS)  # same size and shape, opposite model
    _save(tampered, path)
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification", "--sha256", digest),
        "does not match",
    )


def test_classes_that_do_not_fit_the_outputs(cli, tmp_path, test_csv):
    _save(_logistic_graph(), tmp_path / "model.onnx")
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification", "--classes", "a,b,c"),
        "2 class outputs but 3 classes",
    )


def test_a_single_output_on_text_labels_asks_for_the_task(cli, tmp_path, test_csv):
    _save(_logistic_graph(), tmp_path / "model.onnx")
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path),
        "one value per row, a regressor's output",
        "--task classification",
    )


def test_text_in_a_column_fed_to_a_float_input(cli, tmp_path):
    frame = _frame().drop(columns="y")
    frame["x3"] = np.where(frame["x3"] > 0, "high", "low")
    _write(frame, tmp_path / "test.csv")
    _save(_logistic_graph(), tmp_path / "model.onnx")
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--classes", "no,yes"),
        "graph input X takes tensor(float) but its columns hold text",
    )


def test_a_graph_with_its_weights_in_another_file(cli, tmp_path, test_csv):
    import onnx

    onnx.save_model(
        _logistic_graph(),
        str(tmp_path / "model.onnx"),
        save_as_external_data=True,
        location="weights.bin",
        size_threshold=0,
    )
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification"),
        "keeps its weights in 1 other file(s) (weights.bin)",
        "save_as_external_data=False",
    )


def test_a_graph_taking_a_tensor_that_is_not_a_table(cli, tmp_path, test_csv):
    from onnx import TensorProto, helper

    _save(
        _make_model(
            [helper.make_node("ReduceMean", ["images"], ["p"], axes=[1, 2], keepdims=0)],
            [helper.make_tensor_value_info("images", TensorProto.FLOAT, [None, 8, 8])],
            [helper.make_tensor_value_info("p", TensorProto.FLOAT, [None])],
        ),
        tmp_path / "model.onnx",
    )
    assert_one_clear_line(
        _evaluate_refused(cli, tmp_path, "--task", "classification"),
        "graph input images has shape [None, 8, 8]; modelci feeds a table",
    )
