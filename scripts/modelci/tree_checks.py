"""Validating every tree inside a loaded model, before anything predicts with it.

scikit-learn's compiled tree code trusts its node arrays: it follows child indices, reads the
feature column a node names and writes one output column per tree without bounds checks, so a
crafted model file can make `predict` read or write out of bounds. skops (0.16) reports
`sklearn.tree._tree.Tree` and the hist-gradient-boosting `TreePredictor` as unsafe for that
reason. modelci loads both (see `persist.ALLOWED_TYPES`) because this module checks each tree
first: node counts against the stored arrays, children (in range, after their parent, every
node reached exactly once from the root), split features against the columns the estimator
takes, thresholds, categorical bitsets, and the shapes the ensembles index with.

`find_problem` is pure: it returns the first problem it sees, named by the estimator's path in
the object (`steps[1].estimators_[3].tree_`) and the node, or None.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

TREE_LEAF = -1  # sklearn.tree._tree.TREE_LEAF: both children of a leaf
PREDICTOR_FIELDS = (
    "feature_idx",
    "num_threshold",
    "left",
    "right",
    "is_leaf",
    "bin_threshold",
    "is_categorical",
    "bitset_idx",
)


@dataclass(frozen=True, kw_only=True)
class TreeProblem:
    where: str  # the tree's path in the model object
    node: int | None  # None when the problem is the tree's shape, not one node
    reason: str

    def describe(self) -> str:
        """One line for the user.

        >>> TreeProblem(where="tree_", node=4, reason="left child 9 out of range").describe()
        'tree_ node 4: left child 9 out of range'
        """
        node = f" node {self.node}" if self.node is not None else ""
        return f"{self.where or 'model'}{node}: {self.reason}"


def find_problem(model: Any) -> TreeProblem | None:
    """The first tree in `model` that scikit-learn cannot safely predict with, or None."""
    return next(_problems(model, where="", width=None, seen=set()), None)


@functools.cache
def _kinds() -> Any:
    """scikit-learn's classes this module tells apart, imported once, on first use."""
    from sklearn.ensemble._forest import BaseForest
    from sklearn.ensemble._gb import BaseGradientBoosting
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (
        BaseHistGradientBoosting,
    )
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    return types.SimpleNamespace(
        Tree=Tree,
        TreePredictor=TreePredictor,
        BaseForest=BaseForest,
        BaseGradientBoosting=BaseGradientBoosting,
        BaseHistGradientBoosting=BaseHistGradientBoosting,
    )


def _problems(
    obj: Any, *, where: str, width: int | None, seen: set[tuple[int, int | None]]
) -> Iterator[TreeProblem]:
    """Walk estimators, containers and object arrays; `width` is the number of columns that an
    enclosing ensemble hands this object without checking it again (forests, gradient boosting)."""
    kinds = _kinds()
    Tree, TreePredictor = kinds.Tree, kinds.TreePredictor
    BaseForest, BaseGradientBoosting = kinds.BaseForest, kinds.BaseGradientBoosting
    BaseHistGradientBoosting = kinds.BaseHistGradientBoosting
    if isinstance(obj, str | bytes | int | float | bool | type(None)):
        return
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            for index in np.ndindex(obj.shape):
                label = ", ".join(map(str, index))
                yield from _problems(obj[index], where=f"{where}[{label}]", width=width, seen=seen)
        return
    # An object the file references twice is walked once per width it is reached with: checked
    # first where nothing constrains it, a tree must still pass where a forest calls it unchecked.
    if (id(obj), width) in seen:
        return
    seen.add((id(obj), width))
    if isinstance(obj, Tree | TreePredictor):
        check = _tree_problem if isinstance(obj, Tree) else _predictor_problem
        problem = check(obj, where=where, n_features=width)
        if problem is not None:
            yield problem
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _problems(value, where=f"{where}[{key!r}]", width=width, seen=seen)
        return
    if isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            if isinstance(value, tuple) and value and isinstance(value[0], str):
                # a named step, (name, estimator[, columns]): one level in the path, not two
                for part in value[1:]:
                    yield from _problems(part, where=f"{where}[{index}]", width=width, seen=seen)
            else:
                yield from _problems(value, where=f"{where}[{index}]", width=width, seen=seen)
        return
    attributes = getattr(obj, "__dict__", None)
    if not isinstance(attributes, dict):
        return
    own_width = attributes.get("n_features_in_")
    holds_trees = (
        "tree_" in attributes
        or ("estimators_" in attributes and isinstance(obj, BaseForest | BaseGradientBoosting))
        or ("_predictors" in attributes and isinstance(obj, BaseHistGradientBoosting))
    )
    if holds_trees and not isinstance(own_width, int | np.integer):
        # scikit-learn checks the columns it is given against n_features_in_ only if it exists
        yield _shape(where, "has trees but no n_features_in_, so predict would not check columns")
        return
    if isinstance(own_width, int | np.integer):
        if width is not None and own_width != width:
            yield TreeProblem(
                where=where,
                node=None,
                reason=f"takes {own_width} features but its ensemble passes it {width}",
            )
            return
        width = int(own_width)
    if isinstance(obj, BaseGradientBoosting):
        yield from _gradient_boosting_problems(obj, where=where)
    if isinstance(obj, BaseHistGradientBoosting):
        yield from _hist_gradient_boosting_problems(obj, where=where, width=width)
    passes_width = isinstance(obj, BaseForest | BaseGradientBoosting)
    for name, value in attributes.items():
        if isinstance(obj, BaseHistGradientBoosting) and name == "_predictors":
            continue  # checked above, with the bin mapper
        inner = width if (name == "tree_" or (passes_width and name == "estimators_")) else None
        yield from _problems(value, where=_join(where, name), width=inner, seen=seen)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _tree_problem(tree: Any, *, where: str, n_features: int | None) -> TreeProblem | None:
    count, capacity = int(tree.node_count), int(tree.capacity)
    # Checked before any array is read: they are views of `node_count` rows of the stored ones.
    # (scikit-learn cuts a larger node_count back when it loads a tree, and checks the value
    # array's layout, node rows × n_outputs × max_n_classes, itself; this guards the rest.)
    if not 1 <= count <= capacity:
        return _shape(where, f"node_count {count} but {capacity} nodes stored")
    if n_features is not None and tree.n_features != n_features:
        return _shape(
            where, f"built for {tree.n_features} features, the estimator takes {n_features}"
        )
    left = tree.children_left.astype(np.int64)
    right = tree.children_right.astype(np.int64)
    split = left != TREE_LEAF
    problem = (
        _first(
            ~split & (right != TREE_LEAF),
            where=where,
            reason="leaf with a right child {}",
            values=(right,),
        )
        or _structure_problem(left, right, split, where=where)
        or _split_problem(tree.feature, tree.threshold, split, width=tree.n_features, where=where)
    )
    if problem is None and (depth := _depth(left, right, split)) > tree.max_depth:
        problem = _shape(where, f"depth {depth} exceeds the recorded max_depth {tree.max_depth}")
    return problem


def _predictor_problem(
    predictor: Any, *, where: str, n_features: int | None, bin_mapper: Any = None
) -> TreeProblem | None:
    nodes = getattr(predictor, "nodes", None)
    names = getattr(getattr(nodes, "dtype", None), "names", None) or ()
    if not (
        isinstance(nodes, np.ndarray) and nodes.ndim == 1 and set(PREDICTOR_FIELDS) <= set(names)
    ):
        return _shape(where, "nodes is not a 1-D array of predictor records")
    if nodes.size == 0:
        return _shape(where, "has no nodes")
    split = nodes["is_leaf"] == 0
    categorical = split & (nodes["is_categorical"] != 0)
    numeric = split & ~categorical
    feature = nodes["feature_idx"]
    return (
        _structure_problem(
            nodes["left"].astype(np.int64), nodes["right"].astype(np.int64), split, where=where
        )
        or _split_problem(feature, nodes["num_threshold"], numeric, width=n_features, where=where)
        or _split_problem(feature, None, categorical, width=n_features, where=where)
        or _bitset_problem(predictor, nodes, categorical, where=where)
        or (
            _binned_problem(nodes, numeric, categorical, bin_mapper, where=where)
            if bin_mapper is not None
            else None
        )
    )


def _structure_problem(
    left: np.ndarray, right: np.ndarray, split: np.ndarray, *, where: str
) -> TreeProblem | None:
    """Children of split nodes come after their parent (as scikit-learn writes them) and inside
    the array, and every node but the root is some node's child exactly once: then a walk from
    the root ends, and reaches each node once."""
    n = left.size
    nodes = np.arange(n)
    for side, children in (("left", left), ("right", right)):
        problem = _first(
            split & ((children <= nodes) | (children >= n)),
            where=where,
            reason=f"{side} child {{}} is not a node after it (0..{n - 1})",
            values=(children,),
        )
        if problem is not None:
            return problem
    parents = np.bincount(np.concatenate((left[split], right[split])), minlength=n)
    parents[0] = 1  # the root: nobody's child
    return _first(parents > 1, where=where, reason="is the child of two nodes") or _first(
        parents == 0, where=where, reason="is not reachable from the root"
    )


def _split_problem(
    feature: np.ndarray,
    threshold: np.ndarray | None,
    split: np.ndarray,
    *,
    width: int | None,
    where: str,
) -> TreeProblem | None:
    """A split's feature is a column the estimator takes; its threshold is a number (+inf is
    what scikit-learn writes for "all non-missing values go left")."""
    feature = feature.astype(np.int64)
    limit = np.iinfo(np.int64).max if width is None else width
    columns = f"0..{width - 1}" if width is not None else "a column index"
    problem = _first(
        split & ((feature < 0) | (feature >= limit)),
        where=where,
        reason=f"splits on feature {{}}, the estimator takes {columns}",
        values=(feature,),
    )
    if problem is None and threshold is not None:
        problem = _first(
            split & (np.isnan(threshold) | (threshold == -np.inf)),
            where=where,
            reason="threshold {}",
            values=(threshold,),
        )
    return problem


def _bitset_problem(
    predictor: Any, nodes: np.ndarray, categorical: np.ndarray, *, where: str
) -> TreeProblem | None:
    """A categorical split names a row of both bitset arrays (n_splits × 8 uint32 words)."""
    rows = []
    for name in ("raw_left_cat_bitsets", "binned_left_cat_bitsets"):
        bitsets = getattr(predictor, name, None)
        if not (isinstance(bitsets, np.ndarray) and bitsets.ndim == 2 and bitsets.shape[1] == 8):
            return _shape(where, f"{name} is not an array of 8-word bitsets")
        rows.append(bitsets.shape[0])
    index = nodes["bitset_idx"].astype(np.int64)
    return _first(
        categorical & (index >= min(rows)),
        where=where,
        reason=f"bitset_idx {{}} but {min(rows)} bitset(s) stored",
        values=(index,),
    )


def _binned_problem(
    nodes: np.ndarray, numeric: np.ndarray, categorical: np.ndarray, bin_mapper: Any, *, where: str
) -> TreeProblem | None:
    """Against the estimator's bin mapper: a categorical split is on a categorical feature (its
    known-categories bitset exists), a numeric split's bin is one of the feature's bins."""
    is_categorical = np.asarray(bin_mapper.is_categorical_).astype(bool)
    n_bins = np.asarray(bin_mapper.n_bins_non_missing_)
    # leaves' feature_idx is meaningless; split nodes' were checked against the width
    feature = np.where(numeric | categorical, nodes["feature_idx"].astype(np.int64), 0)
    bins = nodes["bin_threshold"]
    return _first(
        categorical & ~is_categorical[feature],
        where=where,
        reason="categorical split on feature {}, which is not categorical",
        values=(feature,),
    ) or _first(
        numeric & (bins >= n_bins[feature]),
        where=where,
        reason="bin_threshold {} beyond the feature's {} bins",
        values=(bins, n_bins[feature]),
    )


def _first(
    mask: np.ndarray, *, where: str, reason: str, values: tuple[np.ndarray, ...] = ()
) -> TreeProblem | None:
    """A problem at the first node where `mask` holds, its `reason` filled in with that node's
    `values`; or None."""
    bad = np.flatnonzero(mask)
    if bad.size == 0:
        return None
    node = int(bad[0])
    shown = (array[node].item() for array in values)
    return TreeProblem(where=where, node=node, reason=reason.format(*shown))


def _depth(left: np.ndarray, right: np.ndarray, split: np.ndarray) -> int:
    """Levels below the root; call only on a structure `_structure_problem` accepted.

    Pointer jumping: each round adds the distance to a node's current ancestor and jumps to
    that ancestor's, so about log2(depth) rounds of whole-array operations reach the root."""
    parent = np.zeros(left.size, dtype=np.int64)
    parent[left[split]] = parent[right[split]] = np.flatnonzero(split)
    distance = np.ones(left.size, dtype=np.int64)
    distance[0] = 0
    while parent.any():
        distance += distance[parent]
        parent = parent[parent]
    return int(distance.max())


def _gradient_boosting_problems(model: Any, *, where: str) -> Iterator[TreeProblem]:
    """`predict_stages` writes tree k of each stage into column k of the raw predictions, which
    have n_trees_per_iteration_ columns, or one per class that the init_ estimator predicts."""
    stages = getattr(model, "estimators_", None)
    per_stage = getattr(model, "n_trees_per_iteration_", None)
    if stages is None:
        return
    here = _join(where, "estimators_")
    if not (isinstance(stages, np.ndarray) and stages.ndim == 2 and stages.shape[0] >= 1):
        yield _shape(here, "is not a 2-D array of trees")
    elif not isinstance(per_stage, int | np.integer) or stages.shape[1] != per_stage:
        yield _shape(
            here, f"has {stages.shape[1]} trees per stage, n_trees_per_iteration_ is {per_stage}"
        )
    elif not all(hasattr(tree, "tree_") for tree in stages.flat):
        yield _shape(here, "holds something that is not a tree")
    elif per_stage > 1:  # multiclass: the init_ estimator's probabilities are the first columns
        init = getattr(model, "init_", None)
        for name in ("classes_", "class_prior_"):
            predicted = getattr(init, name, None)
            if predicted is not None and len(predicted) != per_stage:
                yield _shape(
                    _join(where, f"init_.{name}"),
                    f"has {len(predicted)} classes, each stage has {per_stage} trees",
                )
                return


def _hist_gradient_boosting_problems(
    model: Any, *, where: str, width: int | None
) -> Iterator[TreeProblem]:
    stages = getattr(model, "_predictors", None)
    if stages is None:
        return
    per_stage = getattr(model, "n_trees_per_iteration_", None)
    bin_mapper = getattr(model, "_bin_mapper", None) if width is not None else None
    if bin_mapper is not None:
        for name in ("is_categorical_", "n_bins_non_missing_"):
            if np.shape(np.asarray(getattr(bin_mapper, name, None))) != (width,):
                yield _shape(_join(where, f"_bin_mapper.{name}"), f"does not have {width} entries")
                return
    for i, stage in enumerate(stages):
        here = _join(where, f"_predictors[{i}]")
        if not isinstance(stage, list | tuple) or (
            per_stage is not None and len(stage) != per_stage
        ):
            yield _shape(here, f"is not a list of {per_stage} tree predictor(s)")
            return
        for k, predictor in enumerate(stage):
            problem = _predictor_problem(
                predictor, where=f"{here}[{k}]", n_features=width, bin_mapper=bin_mapper
            )
            if problem is not None:
                yield problem
                return


def _shape(where: str, reason: str) -> TreeProblem:
    return TreeProblem(where=where, node=None, reason=reason)
