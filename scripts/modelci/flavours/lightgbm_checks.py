"""Checks of a LightGBM text model before LightGBM parses it.

LightGBM's C++ parser takes child indices, split features and categorical boundaries from the
text as they are and walks them when predicting, so a crafted file could read out of bounds. This
checks what prediction walks: every tree is a tree over its own nodes (each node and leaf
reached exactly once from the root), every split feature exists, every categorical split points
inside its bitset. Linear trees are refused: modelci does not check their coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelci.flavours import base


@dataclass(frozen=True, kw_only=True)
class Header:
    objective: str  # the first word of the objective line, e.g. "binary"
    num_class: int
    n_features: int


def check(text: str, path: Path) -> Header:
    """The model's header, once every tree in `text` is sound; else one UserError line."""
    blocks = text.split("\nTree=")
    header = _fields(blocks[0])
    try:
        n_features = int(header.get("max_feature_idx", "")) + 1
        num_class = int(header.get("num_class", "1"))
    except ValueError:
        raise base.unsound(
            path, "LightGBM", "its header has no valid max_feature_idx or num_class"
        ) from None
    if not blocks[0].lstrip().startswith("tree") or n_features < 1:
        raise base.unsound(path, "LightGBM", "it does not start with a LightGBM model header")
    for number, block in enumerate(blocks[1:]):
        # The last tree's block also holds the trailer (end of trees, importances, parameters).
        body = block.split("\nend of trees", 1)[0]
        problem = _tree_problem(_fields(body), n_features)
        if problem:
            raise base.unsound(path, "LightGBM", f"tree {number} {problem}")
    return Header(
        objective=header.get("objective", "").split(" ")[0],
        num_class=num_class,
        n_features=n_features,
    )


def _fields(block: str) -> dict[str, str]:
    fields = {}
    for line in block.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _ints(fields: dict[str, str], key: str) -> list[int]:
    value = fields.get(key, "")
    return [int(v) for v in value.split()] if value else []


def _tree_problem(tree: dict[str, str], n_features: int) -> str | None:
    try:
        num_leaves = int(tree.get("num_leaves", ""))
        num_cat = int(tree.get("num_cat", "0"))
        split_feature = _ints(tree, "split_feature")
        left, right = _ints(tree, "left_child"), _ints(tree, "right_child")
        decision_type = _ints(tree, "decision_type")
        cat_boundaries = _ints(tree, "cat_boundaries")
        n_thresholds = len(tree.get("threshold", "").split())
        n_cat_words = len(tree.get("cat_threshold", "").split())
        n_leaf_values = len(tree.get("leaf_value", "").split())
    except ValueError:
        return "has a field that is not a list of numbers"
    if tree.get("is_linear", "0") != "0":
        return "is a linear tree, which modelci does not load"
    if num_leaves < 1 or n_leaf_values != num_leaves:
        return f"has {n_leaf_values} leaf values for num_leaves={num_leaves}"
    internal = num_leaves - 1
    lengths = {len(split_feature), len(left), len(right), len(decision_type), n_thresholds}
    if internal and lengths != {internal}:
        return f"has node arrays whose lengths differ from num_leaves - 1 = {internal}"
    if any(not 0 <= f < n_features for f in split_feature):
        return f"splits on a feature outside 0..{n_features - 1}"
    if num_cat:
        if (
            len(cat_boundaries) != num_cat + 1
            or cat_boundaries[0] != 0
            or any(b > a for a, b in zip(cat_boundaries[1:], cat_boundaries, strict=False))
            or cat_boundaries[-1] != n_cat_words
        ):
            return "has categorical boundaries that do not index its bitset"
        categorical = [node for node in range(internal) if decision_type[node] & 1]
        # A categorical split's threshold is the index of its bitset; a numeric split's in the
        # same tree is a real number.
        try:
            thresholds = [float(v) for v in tree.get("threshold", "").split()]
        except ValueError:
            return "has a field that is not a list of numbers"
        if any(
            not (thresholds[node].is_integer() and 0 <= thresholds[node] < num_cat)
            for node in categorical
        ):
            return "has a categorical split outside its bitsets"
    elif any(d & 1 for d in decision_type):
        return "has a categorical split but no categories"
    return _reach_problem(left, right, num_leaves) if internal else None


def _reach_problem(left: list[int], right: list[int], num_leaves: int) -> str | None:
    # Children >= 0 are internal nodes, < 0 are leaves as ~index. A walk from the root must meet
    # every node and leaf exactly once: no cycle, no sharing, nothing out of range.
    seen_nodes, seen_leaves, stack = {0}, set(), [0]
    while stack:
        node = stack.pop()
        for child in (left[node], right[node]):
            if child >= 0:
                if child >= num_leaves - 1 or child in seen_nodes:
                    return f"has child {child} out of range or reached twice"
                seen_nodes.add(child)
                stack.append(child)
            else:
                leaf = ~child
                if leaf >= num_leaves or leaf in seen_leaves:
                    return f"has leaf {leaf} out of range or reached twice"
                seen_leaves.add(leaf)
    if len(seen_nodes) != num_leaves - 1 or len(seen_leaves) != num_leaves:
        return "has nodes or leaves no path from the root reaches"
    return None
