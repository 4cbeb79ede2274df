"""Trees in a model file are validated after loading, before any predict: forged node arrays in a
real skops file are refused with the estimator's path and the node; real models load."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.model_tampering import ARGS, tamper

from modelci import persist, tree_checks
from modelci.errors import UserError


def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X, y


def with_category() -> tuple[np.ndarray, np.ndarray]:
    """A categorical column that decides the label, then iris: the root splits on a category."""
    X, _ = iris()
    category = np.arange(len(X)) % 5
    return np.c_[category, X], np.isin(category, [1, 3]).astype(int)


def forest_pipeline() -> Any:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris()
    return make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=3, random_state=0)
    ).fit(X, y)


def hist_gradient_boosting() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = with_category()
    X[::9, 1] = np.nan  # missing values: numeric splits with an infinite threshold appear
    model = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0], random_state=0)
    model.fit(X, y)
    # Its column transformer (categories first, identity on codes 0..4 that are already first)
    # holds a functools.partial, which modelci does not load; without it predict is the same.
    model._preprocessor = None
    return model


def gradient_boosting() -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = iris()
    return GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y)


def real_models() -> dict[str, Callable[[], Any]]:
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor
    from sklearn.tree import DecisionTreeClassifier

    def tree_with_missing_values() -> Any:
        X, y = iris()
        X[::7, 2] = np.nan
        return DecisionTreeClassifier(random_state=0).fit(X, y)

    def multi_output_forest() -> Any:
        X, _ = iris()
        return ExtraTreesRegressor(n_estimators=3, random_state=0).fit(X[:, :2], X[:, 2:])

    def hgb_regressor() -> Any:
        X, y = iris()
        return HistGradientBoostingRegressor(max_iter=5).fit(X, y)

    def voting() -> Any:
        # holds unfitted forest templates (in `estimators`) beside the fitted ones
        from sklearn.ensemble import RandomForestClassifier, VotingClassifier

        X, y = iris()
        members = [("rf", RandomForestClassifier(n_estimators=2)), ("gb", gradient_boosting())]
        return VotingClassifier(members).fit(X, y)

    return {
        "decision tree with missing values": tree_with_missing_values,
        "voting over a forest and gradient boosting": voting,
        "random forest in a pipeline": forest_pipeline,
        "gradient boosting, 3 classes": gradient_boosting,
        "hist gradient boosting, categorical": hist_gradient_boosting,
        "hist gradient boosting regressor": hgb_regressor,
        "multi-output extra trees": multi_output_forest,
    }


@pytest.mark.parametrize("build", real_models().values(), ids=real_models().keys())
def test_real_models_load_and_predict_as_before(tmp_path: Path, build: Callable[[], Any]) -> None:
    model = build()
    path = tmp_path / "model.skops"
    digest = persist.save(model, path)
    loaded = persist.load(path, expected_sha256=digest)
    X = iris()[0] if model.n_features_in_ != 5 else with_category()[0]
    X = X[:, : model.n_features_in_]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert tree_checks.find_problem(loaded) is None


def refused(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        persist.load(path)
    line = caught.value.line()
    assert str(path) in line and "\n" not in line
    return line


def skops_bytes(model: Any) -> bytes:
    import skops.io as sio

    return sio.dumps(model)


@pytest.fixture(scope="module")
def forest_file() -> bytes:
    return skops_bytes(forest_pipeline())


def first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def inner_split(nodes: np.ndarray) -> int:
    return first((nodes["left_child"] != -1) & (np.arange(nodes.size) > 0))


def set_field(field: str, value: Any, *, node: Callable[[np.ndarray], int] = lambda _: 0):
    def edit(state: dict[str, Any]) -> None:
        nodes = state["nodes"]
        nodes[field][node(nodes)] = value

    return edit


def share_a_child(state: dict[str, Any]) -> None:
    state["nodes"]["right_child"][0] = state["nodes"]["left_child"][0]


def cut_below_root(state: dict[str, Any]) -> None:
    nodes = state["nodes"]
    nodes["left_child"][0] = nodes["right_child"][0] = -1


def leaf_with_child(state: dict[str, Any]) -> None:
    nodes = state["nodes"]
    nodes["right_child"][first(nodes["left_child"] == -1)] = nodes.size - 1


def node_count(value: Callable[[int], int]):
    def edit(state: dict[str, Any]) -> None:
        state["node_count"] = value(state["nodes"].size)

    return edit


TREE = r"steps\[1\]\.estimators_\[1\]\.tree_"
TREE_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "left child out of range": (
        set_field("left_child", 10_000),
        TREE + r" node 0: left child 10000 is not a node after it \(0\.\.\d+\)",
    ),
    "a child pointing back to the root (a cycle)": (
        set_field("right_child", 0, node=inner_split),
        TREE + r" node \d+: right child 0 is not a node after it",
    ),
    "a leaf marker on one side only": (
        set_field("right_child", -1),
        TREE + r" node 0: right child -1 is not a node after it",
    ),
    "two parents for one node": (share_a_child, TREE + r" node 1: is the child of two nodes"),
    "nodes no walk reaches": (cut_below_root, TREE + r" node 1: is not reachable from the root"),
    "a leaf with a child": (leaf_with_child, TREE + r" node \d+: leaf with a right child"),
    "a feature beyond the columns": (
        set_field("feature", 4),
        TREE + r" node 0: splits on feature 4, the estimator takes 0\.\.3",
    ),
    "a negative feature": (set_field("feature", -7), TREE + r" node 0: splits on feature -7"),
    "a NaN threshold": (set_field("threshold", np.nan), TREE + r" node 0: threshold nan"),
    "node_count zero": (node_count(lambda _: 0), TREE + r": node_count 0 but \d+ nodes stored"),
    "depth beyond the recorded max_depth": (
        lambda state: state.update(max_depth=0),
        TREE + r": depth \d+ exceeds the recorded max_depth 0",
    ),
    "a tree built for other columns": (
        lambda state: state.update({f"{ARGS}0": 9}),
        TREE + r": built for 9 features, the estimator takes 4",
    ),
    "a value array of the wrong shape (scikit-learn refuses it)": (
        lambda state: state.update(values=state["values"][:-1]),
        r"cannot load the model \(ValueError: Wrong shape for value array",
    ),
}


@pytest.mark.parametrize(("edit", "expected"), TREE_CASES.values(), ids=TREE_CASES.keys())
def test_forged_tree_is_refused(
    tmp_path: Path, forest_file: bytes, edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(forest_file)
    tamper(path, "Tree", edit, index=1)
    assert re.search(expected, refused(path))


def test_node_count_beyond_the_stored_nodes_is_cut_back_on_load(
    tmp_path: Path, forest_file: bytes
) -> None:
    # scikit-learn clamps node_count to the rows it stored when it loads a tree, so the forged
    # count cannot make the node arrays longer than their memory.
    path = tmp_path / "model.skops"
    path.write_bytes(forest_file)
    tamper(path, "Tree", node_count(lambda n: n + 1000), index=1)
    tree = persist.load(path).steps[1][1].estimators_[1].tree_
    assert tree.node_count == tree.capacity == len(tree.children_left)


@pytest.fixture(scope="module")
def hgb_file() -> bytes:
    return skops_bytes(hist_gradient_boosting())


def categorical_split(nodes: np.ndarray) -> int:
    return first((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 1))


def numeric_split(nodes: np.ndarray) -> int:
    return first((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 0))


def pretend_categorical(state: dict[str, Any]) -> None:
    nodes = state["nodes"]
    node = numeric_split(nodes)
    nodes["is_categorical"][node] = 1
    nodes["bitset_idx"][node] = 0


PREDICTOR = r"_predictors\[1\]\[0\]"
PREDICTOR_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "left child out of range": (
        set_field("left", 10_000),
        PREDICTOR + r" node 0: left child 10000 is not a node after it",
    ),
    "a child pointing back to the root": (
        set_field("right", 0, node=numeric_split),
        PREDICTOR + r" node \d+: right child 0 is not a node after it",
    ),
    "a feature beyond the columns": (
        set_field("feature_idx", 5, node=numeric_split),
        PREDICTOR + r" node \d+: splits on feature 5, the estimator takes 0\.\.4",
    ),
    "a NaN threshold": (
        set_field("num_threshold", np.nan, node=numeric_split),
        PREDICTOR + r" node \d+: threshold nan",
    ),
    "a bitset index beyond the bitsets": (
        set_field("bitset_idx", 50, node=categorical_split),
        PREDICTOR + r" node \d+: bitset_idx 50 but \d+ bitset\(s\) stored",
    ),
    "a categorical split on a numeric feature": (
        pretend_categorical,
        PREDICTOR + r" node \d+: categorical split on feature \d, which is not categorical",
    ),
    "a bin beyond the feature's bins": (
        set_field("bin_threshold", 255, node=numeric_split),
        PREDICTOR + r" node \d+: bin_threshold 255 beyond the feature's \d+ bins",
    ),
    "bitsets of the wrong shape": (
        lambda state: state.update(raw_left_cat_bitsets=np.zeros((1, 4), dtype=np.uint32)),
        PREDICTOR + r": raw_left_cat_bitsets is not an array of 8-word bitsets",
    ),
}


@pytest.mark.parametrize(("edit", "expected"), PREDICTOR_CASES.values(), ids=PREDICTOR_CASES.keys())
def test_forged_tree_predictor_is_refused(
    tmp_path: Path, hgb_file: bytes, edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(hgb_file)
    tamper(path, "TreePredictor", edit, index=1)
    assert re.search(expected, refused(path))


def test_the_categorical_fixture_has_both_kinds_of_split() -> None:
    # The predictor cases above need a categorical and a numeric split in predictor 1.
    nodes = hist_gradient_boosting()._predictors[1][0].nodes
    assert categorical_split(nodes) >= 0 and numeric_split(nodes) >= 0


def widen_member(model: Any, index: int = 2) -> Any:
    """Forest member `index` of the pipeline claims 9 columns (its tree too); the forest."""
    from sklearn.tree._tree import Tree

    forest = model.steps[1][1]
    member = forest.estimators_[index]
    member.n_features_in_ = 9
    wide = Tree(9, np.asarray(member.tree_.n_classes), member.tree_.n_outputs)
    wide.__setstate__(member.tree_.__getstate__())
    member.tree_ = wide
    return forest


def saved_and_refused(model: Any, tmp_path: Path) -> str:
    path = tmp_path / "model.skops"
    persist.save(model, path)
    return refused(path)


def test_forest_member_taking_other_columns_than_its_forest(tmp_path: Path) -> None:
    # Forests call their trees with check_input=False: a member must take the forest's columns.
    model = forest_pipeline()
    widen_member(model)
    line = saved_and_refused(model, tmp_path)
    assert "steps[1].estimators_[2]: takes 9 features but its ensemble passes it 4" in line


def test_a_forest_member_also_referenced_elsewhere_is_still_checked_as_a_member(
    tmp_path: Path,
) -> None:
    # skops keeps shared references: reached first as `estimator` (nothing constrains its
    # columns there), the forged member must still fail where the forest calls it unchecked.
    import skops.io as sio

    model = forest_pipeline()
    forest = widen_member(model)
    forest.estimator = forest.estimators_[2]
    line = saved_and_refused(model, tmp_path)
    assert "steps[1].estimators_[2]: takes 9 features but its ensemble passes it 4" in line
    path = tmp_path / "model.skops"
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path)).steps[1][1]
    assert loaded.estimator is loaded.estimators_[2]


@pytest.mark.parametrize("build", [forest_pipeline, hist_gradient_boosting])
def test_an_ensemble_without_n_features_in_is_refused(tmp_path: Path, build) -> None:
    # Without it scikit-learn skips the column check, and the trees index columns unchecked.
    model = build()
    del (model.steps[1][1] if hasattr(model, "steps") else model).n_features_in_
    assert "has trees but no n_features_in_" in saved_and_refused(model, tmp_path)


def test_gradient_boosting_with_more_trees_per_stage_than_outputs(tmp_path: Path) -> None:
    model = gradient_boosting()
    model.estimators_ = np.concatenate((model.estimators_, model.estimators_[:, :1]), axis=1)
    line = saved_and_refused(model, tmp_path)
    assert "estimators_: has 4 trees per stage, n_trees_per_iteration_ is 3" in line


def test_gradient_boosting_whose_init_predicts_fewer_classes_than_its_stages(
    tmp_path: Path,
) -> None:
    model = gradient_boosting()
    model.init_.class_prior_ = model.init_.class_prior_[:2]
    line = saved_and_refused(model, tmp_path)
    assert "init_.class_prior_: has 2 classes, each stage has 3 trees" in line


def test_gradient_boosting_tree_names_its_stage(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    persist.save(gradient_boosting(), path)
    tamper(path, "Tree", set_field("feature", 9), index=4)  # stage 1, class 1
    assert "estimators_[1, 1].tree_ node 0: splits on feature 9" in refused(path)


def test_hist_gradient_boosting_stage_with_an_extra_predictor(tmp_path: Path) -> None:
    model = hist_gradient_boosting()
    model._predictors[2].append(model._predictors[2][0])
    line = saved_and_refused(model, tmp_path)
    assert "_predictors[2]: is not a list of 1 tree predictor(s)" in line


def test_problem_is_none_for_models_without_trees() -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    assert tree_checks.find_problem(LogisticRegression(max_iter=500).fit(X, y)) is None


def test_a_shared_tree_is_checked_once_and_cycles_in_the_object_end() -> None:
    model = forest_pipeline()
    forest = model.steps[1][1]
    forest.estimators_.append(forest.estimators_[0])  # the same object twice
    forest.loop = forest  # an attribute pointing back at its owner
    assert tree_checks.find_problem(model) is None
