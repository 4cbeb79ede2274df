"""Checks of a loaded XGBoost model before anything predicts with it.

XGBoost's predictor walks each tree by the child indices and split features the file gave it,
and trusts them. So, like scikit-learn trees in `tree_checks`, the model (as XGBoost itself dumps
it to JSON after loading) is checked before its first prediction: every tree's arrays have one
entry per node, each child is a node of the tree reached from the root once (no cycle), each split
feature exists, each categorical split's categories lie inside the tree's category list, and each
tree feeds an output the model has. Only tree boosters (gbtree, dart) with one value per leaf are
accepted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelci.flavours import base

_NODE_ARRAYS = (
    "left_children",
    "right_children",
    "split_indices",
    "split_conditions",
    "default_left",
    "split_type",
)


def check(dump: dict[str, Any], path: Path) -> None:
    """Refuse, in one line, a model whose trees prediction could not walk safely."""
    try:
        learner = dump["learner"]
        params = learner["learner_model_param"]
        n_features = int(params["num_feature"])
        n_outputs = max(int(params.get("num_class", "0") or 0), 1)
        booster = learner["gradient_booster"]
        model = booster["gbtree"]["model"] if booster["name"] == "dart" else booster["model"]
        if booster["name"] not in ("gbtree", "dart"):
            raise base.unsound(
                path, "XGBoost", f"its booster is {booster['name']}; modelci takes tree boosters"
            )
        trees, tree_info = model["trees"], model["tree_info"]
    except (KeyError, TypeError, ValueError):
        raise base.unsound(path, "XGBoost", "it lacks the parts of an XGBoost tree model") from None
    if len(trees) != len(tree_info) or any(
        not isinstance(group, int) or not 0 <= group < n_outputs for group in tree_info
    ):
        raise base.unsound(path, "XGBoost", f"its trees feed outputs other than its {n_outputs}")
    for number, tree in enumerate(trees):
        try:
            problem = _tree_problem(tree, n_features)
        except (KeyError, TypeError, ValueError):
            problem = "lacks the arrays of a tree"
        if problem:
            raise base.unsound(path, "XGBoost", f"tree {number} {problem}")


def _tree_problem(tree: dict[str, Any], n_features: int) -> str | None:
    n_nodes = int(tree["tree_param"]["num_nodes"])
    if int(tree["tree_param"].get("size_leaf_vector", "1") or 1) > 1:
        return "has vector leaves (a multi-output tree), which modelci does not load"
    if n_nodes < 1 or any(len(tree[name]) != n_nodes for name in _NODE_ARRAYS):
        return f"has node arrays whose lengths differ from num_nodes = {n_nodes}"
    left, right = tree["left_children"], tree["right_children"]
    features, kinds = tree["split_indices"], tree["split_type"]
    seen, stack = {0}, [0]
    while stack:
        node = stack.pop()
        children = (left[node], right[node])
        if children == (-1, -1):
            continue  # a leaf
        if not 0 <= features[node] < n_features:
            return f"splits on feature {features[node]}, outside 0..{n_features - 1}"
        for child in children:
            if not isinstance(child, int) or not 0 < child < n_nodes or child in seen:
                return f"has child {child} out of range or reached twice"
            seen.add(child)
            stack.append(child)
    return _categories_problem(tree, kinds, n_nodes)


def _categories_problem(tree: dict[str, Any], kinds: list[int], n_nodes: int) -> str | None:
    nodes = tree.get("categories_nodes", [])
    segments, sizes = tree.get("categories_segments", []), tree.get("categories_sizes", [])
    n_categories = len(tree.get("categories", []))
    if not len(nodes) == len(segments) == len(sizes):
        return "has categorical split arrays of different lengths"
    for node, start, size in zip(nodes, segments, sizes, strict=True):
        if not 0 <= node < n_nodes or start < 0 or size < 0 or start + size > n_categories:
            return "has a categorical split outside its category list"
    categorical = {node for node in range(n_nodes) if kinds[node] == 1}
    if not categorical <= set(nodes):
        return "has a categorical split with no categories"
    return None
