"""Flavours on real small data: train with the library itself, save, load, score the same.

Each library is optional; a test that needs a missing one is skipped and says which.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

from modelci import flavours
from modelci.errors import UserError
from modelci.flavours import labels as labels_module
from modelci.flavours import lightgbm_checks

SEED = 0


def _needs(*modules: str) -> pytest.MarkDecorator:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    # catboost is too big for flavours-test (see pyproject.toml); it has its own extra.
    extra = "catboost" if missing == ["catboost"] else "flavours-test"
    return pytest.mark.skipif(
        bool(missing), reason=f"needs {', '.join(missing)} (pip install 'modelci[{extra}]')"
    )


@dataclass(frozen=True)
class Data:
    features: pd.DataFrame
    labels: np.ndarray  # as the user has them (strings for classifiers)
    classes: tuple[Any, ...]
    codes: np.ndarray  # what modelci trains library models on: 0..K-1


def _classification(loader: Callable[..., Any], names: list[str]) -> Data:
    frame = loader(as_frame=True)
    features = frame.data.iloc[::3, :8].reset_index(drop=True)  # small: fast to train
    labels = np.asarray(names, dtype=object)[frame.target.to_numpy()[::3]]
    encoding = labels_module.fit_encoding(labels, where="train")
    return Data(features, labels, encoding.classes, encoding.encode(labels, where="train"))


BINARY = _classification(load_breast_cancer, ["malignant", "benign"])
MULTICLASS = _classification(load_iris, ["setosa", "versicolor", "virginica"])
_diabetes = load_diabetes(as_frame=True)
REGRESSION_X = _diabetes.data.iloc[::2].reset_index(drop=True)
REGRESSION_Y = _diabetes.target.to_numpy()[::2]


def _xgb_classifier() -> Any:
    import xgboost

    return xgboost.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1, random_state=SEED)


def _lgbm_classifier() -> Any:
    import lightgbm

    return lightgbm.LGBMClassifier(
        n_estimators=8, num_leaves=7, n_jobs=1, random_state=SEED, verbose=-1
    )


def _catboost_classifier() -> Any:
    import catboost

    return catboost.CatBoostClassifier(
        iterations=8,
        depth=3,
        thread_count=1,
        random_seed=SEED,
        verbose=False,
        allow_writing_files=False,
    )


def _sklearn_classifier() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=8, random_state=SEED)


BOOSTERS = {
    "xgboost": (_xgb_classifier, ("xgboost",)),
    "lightgbm": (_lgbm_classifier, ("lightgbm",)),
    "catboost": (_catboost_classifier, ("catboost",)),
    "sklearn": (_sklearn_classifier, ()),
}


def _booster_cases() -> list[Any]:
    return [
        pytest.param(name, data, id=f"{name}-{kind}", marks=_needs(*modules))
        for name, (_, modules) in BOOSTERS.items()
        for kind, data in (("binary", BINARY), ("multiclass", MULTICLASS))
    ]


@pytest.mark.parametrize(("name", "data"), _booster_cases())
def test_a_classifier_trained_on_encoded_labels_scores_the_same_after_loading(
    name: str, data: Data, tmp_path: Path
) -> None:
    model = BOOSTERS[name][0]().fit(data.features, data.codes)
    saved = flavours.FLAVOURS[name].save(model, tmp_path)

    flavour, path = flavours.find_model_file(tmp_path)
    loaded = flavour.load(path, expected_sha256=saved.sha256, classes=data.classes)

    assert flavour.name == name and path.name == saved.name
    assert loaded.task == "classification"
    assert loaded.classes == data.classes
    np.testing.assert_allclose(
        loaded.predict_proba(data.features), model.predict_proba(data.features), rtol=1e-6
    )
    expected = np.asarray(data.classes, dtype=object)[
        np.asarray(model.predict(data.features)).astype(int).reshape(-1)
    ]
    assert list(loaded.predict(data.features)) == list(expected)
    assert set(loaded.predict(data.features)) <= set(data.classes)  # strings come back
    assert saved.library_version and saved.size_bytes == path.stat().st_size
    assert loaded.model_file.sha256 == saved.sha256


_ALL = [
    pytest.param("sklearn", id="sklearn"),
    pytest.param("xgboost", marks=_needs("xgboost"), id="xgboost"),
    pytest.param("lightgbm", marks=_needs("lightgbm"), id="lightgbm"),
    pytest.param("catboost", marks=_needs("catboost"), id="catboost"),
    pytest.param("onnx", marks=_needs("onnx", "onnxruntime"), id="onnx"),
]


def _regressor(name: str) -> Any:
    if name == "sklearn":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=8, random_state=SEED)
    if name == "xgboost":
        import xgboost

        return xgboost.XGBRegressor(n_estimators=8, max_depth=3, n_jobs=1)
    if name == "lightgbm":
        import lightgbm

        return lightgbm.LGBMRegressor(n_estimators=8, n_jobs=1, verbose=-1)
    import catboost

    return catboost.CatBoostRegressor(
        iterations=8, depth=3, thread_count=1, verbose=False, allow_writing_files=False
    )


@pytest.mark.parametrize("name", _ALL)
def test_a_loaded_model_is_scored_by_modelcis_own_scoring(name: str, tmp_path: Path) -> None:
    from modelci import scoring

    saved = _saved_model(name, tmp_path)
    loaded = flavours.FLAVOURS[name].load(
        tmp_path / saved.name, expected_sha256=saved.sha256, classes=BINARY.classes
    )

    scored = scoring.predict(
        loaded,
        BINARY.features,
        pd.Series(BINARY.labels),
        task="classification",
        row_id=np.arange(len(BINARY.labels)),
        where="test rows",
    )

    assert scored.classes == BINARY.classes
    assert scored.proba is not None and scored.proba.shape == (len(BINARY.labels), 2)
    assert list(scored.y_pred) == [str(v) for v in loaded.predict(BINARY.features)]
    assert scoring.latency_ms_per_1k(loaded, BINARY.features, repeats=1) > 0


@pytest.mark.parametrize("name", [p for p in _ALL if p.id != "onnx"])
def test_a_regressor_scores_the_same_after_loading(name: str, tmp_path: Path) -> None:
    model = _regressor(name).fit(REGRESSION_X, REGRESSION_Y)
    saved = flavours.FLAVOURS[name].save(model, tmp_path)

    loaded = flavours.FLAVOURS[name].load(tmp_path / saved.name, expected_sha256=saved.sha256)

    assert loaded.task == "regression" and loaded.classes is None
    np.testing.assert_allclose(loaded.predict(REGRESSION_X), model.predict(REGRESSION_X), rtol=1e-5)
    with pytest.raises(UserError, match="regression model has no class probabilities"):
        loaded.predict_proba(REGRESSION_X)
    importance = loaded.importance()
    if name != "sklearn":  # HistGradientBoosting has no feature_importances_
        assert importance is not None and set(importance) == set(REGRESSION_X.columns)
        assert max(importance.values()) > 0


@pytest.mark.parametrize("name", [p for p in _ALL if p.id != "onnx"])
def test_a_classifier_loaded_for_a_regression_run_is_one_line(name: str, tmp_path: Path) -> None:
    saved = _saved_model(name, tmp_path)

    with pytest.raises(UserError, match="is for classification, not regression") as refused:
        flavours.FLAVOURS[name].load(
            tmp_path / saved.name, expected_sha256=None, classes=BINARY.classes, task="regression"
        )
    assert "Set task: classification" in refused.value.line()


@_needs("xgboost")
def test_xgboost_json_is_found_and_loaded_like_ubjson(tmp_path: Path) -> None:
    model = _xgb_classifier().fit(BINARY.features, BINARY.codes)
    model.get_booster().save_model(str(tmp_path / "model.json"))

    flavour, path = flavours.find_model_file(tmp_path)
    loaded = flavour.load(path, expected_sha256=None, classes=BINARY.classes)

    assert flavour.name == "xgboost"
    np.testing.assert_allclose(
        loaded.predict_proba(BINARY.features), model.predict_proba(BINARY.features), rtol=1e-6
    )


@_needs("catboost")
def test_catboost_trained_on_the_raw_string_labels_keeps_them(tmp_path: Path) -> None:
    model = _catboost_classifier().fit(MULTICLASS.features, MULTICLASS.labels)
    saved = flavours.FLAVOURS["catboost"].save(model, tmp_path)

    loaded = flavours.FLAVOURS["catboost"].load(tmp_path / saved.name, expected_sha256=None)

    assert loaded.classes == MULTICLASS.classes
    assert list(loaded.predict(MULTICLASS.features)) == list(
        model.predict(MULTICLASS.features).reshape(-1)
    )
    with pytest.raises(UserError, match=r"model's classes \[setosa, versicolor, virginica\]"):
        flavours.FLAVOURS["catboost"].load(
            tmp_path / saved.name, expected_sha256=None, classes=("a", "b", "c")
        )


def _saved_model(name: str, folder: Path) -> flavours.ModelFile:
    if name == "onnx":
        return flavours.FLAVOURS["onnx"].save(_logistic_graph(np.ones((8, 2)), np.zeros(2)), folder)
    return flavours.FLAVOURS[name].save(
        BOOSTERS[name][0]().fit(BINARY.features, BINARY.codes), folder
    )


@pytest.mark.parametrize("name", _ALL)
def test_a_changed_model_file_is_refused_by_its_sha256(name: str, tmp_path: Path) -> None:
    saved = _saved_model(name, tmp_path)
    path = tmp_path / saved.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(UserError, match=r"sha256 .* does not match") as refused:
        flavours.FLAVOURS[name].load(path, expected_sha256=saved.sha256, classes=BINARY.classes)
    assert "\n" not in refused.value.line()


@pytest.mark.parametrize("name", [p for p in _ALL if p.id != "sklearn"])
def test_a_file_the_library_cannot_parse_is_one_line(name: str, tmp_path: Path) -> None:
    path = tmp_path / flavours.FLAVOURS[name].file_names[0]
    path.write_bytes(b"\x00not a model at all\x01" * 4)

    with pytest.raises(UserError) as refused:
        flavours.FLAVOURS[name].load(path, expected_sha256=None, classes=BINARY.classes)
    assert "\n" not in refused.value.line()
    assert str(path) in refused.value.line()


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("xgboost", "xgboost"),
        ("lightgbm", "lightgbm"),
        ("catboost", "catboost"),
        ("onnx", "onnx"),
        # onnx is imported first, so onnxruntime is named alone only where onnx is there
        pytest.param("onnx", "onnxruntime", marks=_needs("onnx")),
    ],
)
def test_a_missing_library_names_the_extra_to_install(
    name: str, module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / flavours.FLAVOURS[name].file_names[0]
    path.write_bytes(b"tree\n")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail

    with pytest.raises(UserError) as refused:
        flavours.FLAVOURS[name].load(path, expected_sha256=None)
    assert f"pip install 'modelci[{name}]'" in refused.value.line()
    assert f"package {module}, which is not installed" in refused.value.line()


def test_labels_encode_in_sorted_order_or_the_configured_one_and_decode_back() -> None:
    fitted = labels_module.fit_encoding(["yes", "no", "maybe", "no"], where="train.csv")
    configured = labels_module.fit_encoding(
        ["yes", "no"], classes=["yes", "no", "maybe"], where="modelci.yaml"
    )
    numeric = labels_module.fit_encoding(np.array([1.0, 0.0, 1.0]), where="train.csv")

    assert fitted.classes == ("maybe", "no", "yes")
    assert configured.classes == ("yes", "no", "maybe")
    assert configured.encode(["no", "maybe"], where="test.csv").tolist() == [1, 2]
    assert list(configured.decode(np.array([2, 0]))) == ["maybe", "yes"]
    assert numeric.classes == ("0", "1")  # 1.0 and 1 are one class, recorded as "1"
    assert numeric.encode([1, "0"], where="test.csv").tolist() == [1, 0]


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (
            lambda: labels_module.fit_encoding(["a", "b"], where="t").encode(["a", "c"], where="x"),
            r"x: 1 class\(es\) not among the model's classes \(a, b\): c",
        ),
        (
            lambda: labels_module.fit_encoding(["a", "b", "c"], classes=["a", "b"], where="y"),
            r"y: 1 class\(es\) not among .*: c",
        ),
        (
            lambda: labels_module.fit_encoding(["a"], classes=["a", "a"], where="y"),
            "lists a class twice",
        ),
        (lambda: labels_module.fit_encoding(["a", "a"], where="t"), "has 1 class \\(a\\)"),
    ],
    ids=["unseen-label", "unlisted-training-label", "listed-twice", "one-class"],
)
def test_bad_labels_are_one_line(call: Callable[[], Any], problem: str) -> None:
    with pytest.raises(UserError, match=problem) as refused:
        call()
    assert "\n" not in refused.value.line()


def test_a_folder_with_no_model_or_two_models_is_one_line(tmp_path: Path) -> None:
    (tmp_path / flavours.PREPROCESS_FILE).write_bytes(b"x")  # preprocessing is not a model
    with pytest.raises(UserError, match=r"holds no model file.*model\.skops"):
        flavours.find_model_file(tmp_path)
    (tmp_path / "model.ubj").write_bytes(b"x")
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(UserError, match=r"holds 2 model files \(model.onnx, model.ubj\)"):
        flavours.find_model_file(tmp_path)
    with pytest.raises(UserError, match="not found"):
        flavours.find_model_file(tmp_path / "absent")


def test_importing_the_flavours_loads_no_library() -> None:
    code = (
        "import sys, modelci.flavours; "
        "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'xgboost', 'lightgbm', "
        "'catboost', 'onnx', 'onnxruntime') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_unknown_flavour_lists_the_known_ones() -> None:
    with pytest.raises(UserError, match="Use one of: sklearn, xgboost, lightgbm, catboost, onnx"):
        flavours.flavour_named("pytorch")


@_needs("xgboost")
def test_indices_without_class_labels_are_refused(tmp_path: Path) -> None:
    saved = _saved_model("xgboost", tmp_path)
    with pytest.raises(UserError, match="no class labels were given"):
        flavours.FLAVOURS["xgboost"].load(tmp_path / saved.name, expected_sha256=None)
    with pytest.raises(UserError, match="2 class outputs but 3 classes"):
        flavours.FLAVOURS["xgboost"].load(
            tmp_path / saved.name, expected_sha256=None, classes=("a", "b", "c")
        )


# --- XGBoost: a crafted model is refused before it predicts ----------------------------------


def _set(key: str, index: int, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(model: dict[str, Any]) -> None:
        target = model["tree_info"] if key == "tree_info" else model["trees"][0][key]
        target[index] = value

    return edit


@_needs("xgboost")
@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_set("left_children", 0, 50), "tree 0 has child 50 out of range"),
        (_set("left_children", 0, 0), "tree 0 has child 0 out of range or reached twice"),
        (_set("split_indices", 0, 40), "tree 0 splits on feature 40, outside 0..7"),
        (_set("tree_info", 0, 7), "its trees feed outputs other than its 1"),
    ],
    ids=["child-out-of-range", "cycle", "feature-out-of-range", "output-out-of-range"],
)
def test_a_crafted_xgboost_tree_is_refused_before_it_predicts(
    edit: Callable[[dict[str, Any]], None], problem: str, tmp_path: Path
) -> None:
    import json

    model = _xgb_classifier().fit(BINARY.features, BINARY.codes)
    dump = json.loads(bytes(model.get_booster().save_raw(raw_format="json")))
    edit(dump["learner"]["gradient_booster"]["model"])
    (tmp_path / "model.json").write_text(json.dumps(dump))

    with pytest.raises(UserError, match=f"refused, not a sound XGBoost model: {problem}"):
        flavours.FLAVOURS["xgboost"].load(
            tmp_path / "model.json", expected_sha256=None, classes=BINARY.classes
        )


# --- LightGBM: a crafted text model is refused before LightGBM parses it ---------------------


def _with_first_value(text: str, key: str, value: str) -> str:
    """`text` with the first value of the first `key=` line replaced."""
    start = text.index(f"\n{key}=") + len(key) + 2
    end = text.index("\n", start)
    rest = text[start:end].split(" ", 1)[1:]
    return text[:start] + " ".join([value, *rest]) + text[end:]


@_needs("lightgbm")
@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("left_child", "7", "child 7 out of range"),
        ("split_feature", "99", "splits on a feature outside 0..7"),
        ("right_child", "0", "child 0 out of range or reached twice"),
        ("is_linear", "1", "is a linear tree"),
        ("max_feature_idx", "x", "no valid max_feature_idx"),
        ("leaf_value", "", "leaf values for num_leaves"),
    ],
)
def test_a_crafted_lightgbm_tree_is_refused_before_lightgbm_parses_it(
    key: str, value: str, problem: str, tmp_path: Path
) -> None:
    saved = _saved_model("lightgbm", tmp_path)
    path = tmp_path / saved.name
    crafted = _with_first_value(path.read_text(), key, value)
    if key == "leaf_value":
        crafted = crafted.replace("leaf_value= ", "leaf_value=", 1)
    path.write_text(crafted)

    with pytest.raises(UserError, match=f"refused, not a sound LightGBM model: .*{problem}"):
        flavours.FLAVOURS["lightgbm"].load(path, expected_sha256=None, classes=BINARY.classes)


def test_lightgbm_checks_accept_a_sound_stump() -> None:
    text = (
        "tree\nversion=v4\nnum_class=1\nmax_feature_idx=1\nobjective=binary sigmoid:1\n\n"
        "Tree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=1\nthreshold=0.5\ndecision_type=2\n"
        "left_child=-1\nright_child=-2\nleaf_value=0.1 0.2\nis_linear=0\n\nend of trees\n"
    )
    header = lightgbm_checks.check(text, Path("model.txt"))
    assert (header.objective, header.num_class, header.n_features) == ("binary", 1, 2)
    cyclic = text.replace("left_child=-1", "left_child=0")
    with pytest.raises(UserError, match="tree 0 has child 0 out of range or reached twice"):
        lightgbm_checks.check(cyclic, Path("model.txt"))


# --- ONNX ------------------------------------------------------------------------------------


def _logistic_graph(weights: np.ndarray, bias: np.ndarray, *, domain: str = "") -> Any:
    """A softmax-regression graph written by hand: no scikit-learn code produced it."""
    from onnx import TensorProto, helper, numpy_helper

    n_features, n_classes = weights.shape
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["logits_raw"]),
        helper.make_node("Add", ["logits_raw", "b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0, domain=domain),
    ]
    graph = helper.make_graph(
        nodes,
        "logistic",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, n_classes]),
        ],
        initializer=[
            numpy_helper.from_array(weights.astype(np.float32), "W"),
            numpy_helper.from_array(bias.astype(np.float32), "b"),
        ],
    )
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@_needs("onnx", "onnxruntime")
def test_a_hand_written_onnx_classifier_is_scored_with_the_run_classes(tmp_path: Path) -> None:
    rng = np.random.default_rng(SEED)
    weights, bias = rng.normal(size=(8, 2)) / 100, np.array([0.3, -0.3])
    saved = flavours.FLAVOURS["onnx"].save(_logistic_graph(weights, bias), tmp_path)

    flavour, path = flavours.find_model_file(tmp_path)
    loaded = flavour.load(path, expected_sha256=saved.sha256, classes=BINARY.classes)

    expected = _softmax(BINARY.features.to_numpy() @ weights + bias)
    assert loaded.task == "classification" and loaded.importance() is None
    np.testing.assert_allclose(loaded.predict_proba(BINARY.features), expected, rtol=1e-4)
    assert list(loaded.predict(BINARY.features)) == list(
        np.asarray(BINARY.classes, dtype=object)[expected.argmax(axis=1)]
    )
    with pytest.raises(UserError, match="2 class outputs but 3 classes"):
        flavour.load(path, expected_sha256=None, classes=("a", "b", "c"))


@_needs("onnx", "onnxruntime")
def test_onnx_logits_are_not_taken_for_probabilities(tmp_path: Path) -> None:
    graph = _logistic_graph(np.ones((8, 2)), np.zeros(2))
    softmax = next(node for node in graph.graph.node if node.op_type == "Softmax")
    softmax.op_type = "Identity"  # the exported network ends at its logits
    del softmax.attribute[:]
    saved = flavours.FLAVOURS["onnx"].save(graph, tmp_path)
    loaded = flavours.FLAVOURS["onnx"].load(
        tmp_path / saved.name, expected_sha256=None, classes=BINARY.classes
    )

    with pytest.raises(UserError, match=r"not probabilities .* look like logits") as refused:
        loaded.predict_proba(BINARY.features)
    assert "Export the graph with a Softmax" in refused.value.line()


@_needs("onnx", "onnxruntime", "skl2onnx")
@pytest.mark.parametrize("zipmap", [True, False], ids=["zipmap", "tensor"])
def test_an_skl2onnx_classifier_matches_scikit_learn(zipmap: bool, tmp_path: Path) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=500).fit(MULTICLASS.features, MULTICLASS.labels)
    exported = to_onnx(
        model,
        MULTICLASS.features.to_numpy()[:1].astype(np.float32),
        options={id(model): {"zipmap": zipmap}},
    )
    saved = flavours.FLAVOURS["onnx"].save(exported, tmp_path)

    loaded = flavours.FLAVOURS["onnx"].load(
        tmp_path / saved.name, expected_sha256=saved.sha256, classes=MULTICLASS.classes
    )

    np.testing.assert_allclose(
        loaded.predict_proba(MULTICLASS.features),
        model.predict_proba(MULTICLASS.features),
        atol=1e-5,
    )
    assert list(loaded.predict(MULTICLASS.features)) == list(model.predict(MULTICLASS.features))


@_needs("onnx", "onnxruntime")
def test_onnx_inputs_named_after_columns_take_those_columns(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    # value = 2*a + b, with `b` declared as double: each input is cast to its own type.
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["b"], ["b32"], to=TensorProto.FLOAT),
            helper.make_node("Add", ["a", "a"], ["twice_a"]),
            helper.make_node("Add", ["twice_a", "b32"], ["value"]),
        ],
        "two_inputs",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, [None, 1]),
            helper.make_tensor_value_info("b", TensorProto.DOUBLE, [None, 1]),
        ],
        [helper.make_tensor_value_info("value", TensorProto.FLOAT, [None, 1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    saved = flavours.FLAVOURS["onnx"].save(model, tmp_path)
    frame = pd.DataFrame({"b": [1.0, 2.0, 3.0], "a": [10.0, 20.0, 30.0], "unused": [0, 0, 0]})

    loaded = flavours.FLAVOURS["onnx"].load(tmp_path / saved.name, expected_sha256=None)

    assert loaded.task == "regression"
    np.testing.assert_allclose(loaded.predict(frame), [21.0, 42.0, 63.0])
    with pytest.raises(UserError, match=r"cannot tell which feature columns feed .*\['a', 'b'\]"):
        loaded.predict(frame.rename(columns={"a": "alpha"}))
    declared = flavours.FLAVOURS["onnx"].load(
        tmp_path / saved.name, expected_sha256=None, input_columns={"a": ["unused"], "b": ["b"]}
    )
    np.testing.assert_allclose(declared.predict(frame), [1.0, 2.0, 3.0])


@_needs("onnx", "onnxruntime")
def test_an_onnx_sigmoid_output_is_a_binary_classifier_when_the_task_says_so(
    tmp_path: Path,
) -> None:
    from onnx import TensorProto, helper, numpy_helper

    weights = np.linspace(-0.01, 0.01, 8).reshape(8, 1)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["input", "W"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["p"]),
        ],
        "sigmoid",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 8])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [None, 1])],
        initializer=[numpy_helper.from_array(weights.astype(np.float32), "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    saved = flavours.FLAVOURS["onnx"].save(model, tmp_path)
    onnx_flavour = flavours.FLAVOURS["onnx"]

    as_classifier = onnx_flavour.load(
        tmp_path / saved.name, expected_sha256=None, classes=("no", "yes"), task="classification"
    )
    as_regressor = onnx_flavour.load(tmp_path / saved.name, expected_sha256=None)

    positive = 1 / (1 + np.exp(-(BINARY.features.to_numpy() @ weights)))
    np.testing.assert_allclose(
        as_classifier.predict_proba(BINARY.features),
        np.column_stack([1 - positive, positive]),
        rtol=1e-4,
    )
    assert set(as_classifier.predict(BINARY.features)) <= {"no", "yes"}
    assert as_regressor.task == "regression"
    np.testing.assert_allclose(as_regressor.predict(BINARY.features), positive[:, 0], rtol=1e-4)


@_needs("onnx", "onnxruntime")
def test_an_onnx_graph_with_a_custom_operator_domain_is_refused(tmp_path: Path) -> None:
    graph = _logistic_graph(np.ones((8, 2)), np.zeros(2), domain="evil.ops")
    path = tmp_path / "model.onnx"
    path.write_bytes(graph.SerializeToString())

    with pytest.raises(UserError, match=r"custom operator domain 'evil\.ops'"):
        flavours.FLAVOURS["onnx"].load(path, expected_sha256=None, classes=BINARY.classes)


@_needs("onnx", "onnxruntime")
def test_onnx_external_data_must_stay_inside_the_model_folder(tmp_path: Path) -> None:
    from onnx import external_data_helper

    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"\x00" * 64)
    folder = tmp_path / "run"
    folder.mkdir()
    graph = _logistic_graph(np.ones((8, 2)), np.zeros(2))
    weights = next(t for t in graph.graph.initializer if t.name == "W")
    external_data_helper.set_external_data(weights, location="../outside.bin")
    weights.data_location = 1
    weights.ClearField("raw_data")
    (folder / "model.onnx").write_bytes(graph.SerializeToString())

    with pytest.raises(
        UserError, match=r"keeps its data in '\.\./outside\.bin', not a file inside"
    ):
        flavours.FLAVOURS["onnx"].load(
            folder / "model.onnx", expected_sha256=None, classes=BINARY.classes
        )


@_needs("onnx", "onnxruntime")
def test_model_files_over_the_size_limit_are_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx
    from onnx import numpy_helper

    from modelci.flavours import base

    graph = _logistic_graph(np.ones((8, 2)), np.zeros(2))
    graph.graph.initializer.append(numpy_helper.from_array(np.zeros(4096, np.float32), "pad"))
    onnx.save_model(
        graph,
        str(tmp_path / "model.onnx"),
        save_as_external_data=True,
        location="weights.bin",
        size_threshold=0,
    )
    model_size = (tmp_path / "model.onnx").stat().st_size
    assert (tmp_path / "weights.bin").stat().st_size > model_size + 1
    monkeypatch.setattr(base, "MAX_MODEL_BYTES", model_size + 1)

    with pytest.raises(UserError, match="external data is over modelci's limit"):
        flavours.FLAVOURS["onnx"].load(
            tmp_path / "model.onnx", expected_sha256=None, classes=BINARY.classes
        )
    monkeypatch.setattr(base, "MAX_MODEL_BYTES", 16)
    with pytest.raises(UserError, match="over modelci's limit of 16 bytes for a model file"):
        flavours.FLAVOURS["onnx"].load(
            tmp_path / "model.onnx", expected_sha256=None, classes=BINARY.classes
        )


@_needs("onnx", "onnxruntime")
def test_onnx_external_data_beside_the_model_is_loaded(tmp_path: Path) -> None:
    import onnx

    weights, bias = np.arange(16).reshape(8, 2) / 1000, np.zeros(2)
    graph = _logistic_graph(weights, bias)
    onnx.save_model(
        graph,
        str(tmp_path / "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="weights.bin",
        size_threshold=0,
    )

    loaded = flavours.FLAVOURS["onnx"].load(
        tmp_path / "model.onnx", expected_sha256=None, classes=BINARY.classes
    )

    expected = _softmax(BINARY.features.to_numpy() @ weights + bias)
    np.testing.assert_allclose(loaded.predict_proba(BINARY.features), expected, rtol=1e-4)
