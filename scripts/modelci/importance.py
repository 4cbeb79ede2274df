"""Permutation importance with the predictions batched.

What it measures is scikit-learn's `permutation_importance`: the score on the rows as they are,
minus the score with one column's values shuffled, for each column and repeat; mean and std
(ddof 0) over the repeats. The shuffles are scikit-learn's own for the same seed, so the values
are the ones `permutation_importance(..., random_state=seed)` reports.

What changes is the cost. scikit-learn predicts once per column and repeat (1 + columns ×
repeats calls), and every call pays the fixed cost of the preprocessing, the model and a scorer
however few rows it has. Here all the permuted copies are stacked into one frame, predicted in a
few calls of at most `CHUNK_CELLS` cells (or one copy, when a copy alone is larger: what bounds
the memory, preprocessing's output included), and the blocks are scored together
(`block_scores`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Input cells per prediction call: few enough calls that their fixed cost is gone (2,000 rows ×
# 30 columns × 151 copies is 5 calls), small enough that one-hot output of a chunk stays modest.
CHUNK_CELLS = 2_000_000
SCORINGS = ("roc_auc", "accuracy", "neg_root_mean_squared_error")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Importances:
    """Per column: the drop in score of each repeat (`drops`: columns × repeats), its mean and
    its std (ddof 0), as scikit-learn's `importances`, `importances_mean`, `importances_std`."""

    baseline: float
    drops: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def shuffles(rows: int, repeats: int, seed: int) -> np.ndarray:
    """The row order of a permuted column in each repeat (repeats × rows): scikit-learn's for
    `random_state=seed`, which shuffles the already shuffled column again in every repeat.

    >>> shuffles(5, 3, 0).tolist()
    [[1, 0, 2, 3, 4], [4, 1, 3, 2, 0], [0, 2, 4, 1, 3]]
    """
    import numpy as np

    state = np.random.RandomState(np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1))
    step = np.arange(rows)
    order = np.arange(rows)
    orders = []
    for _ in range(repeats):
        state.shuffle(step)
        order = order[step]
        orders.append(order)
    return np.stack(orders) if orders else np.empty((0, rows), dtype=int)


def permutation_importance(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    scoring: str,
    repeats: int,
    seed: int,
    chunk_cells: int = CHUNK_CELLS,
) -> Importances:
    """Permutation importance of each column of `X` for `model` (a fitted estimator: `predict`,
    and `predict_proba` for "roc_auc", whose positive class is its second column) scored
    against `y` with `scoring` (one of `SCORINGS`)."""
    import numpy as np

    if scoring not in SCORINGS:
        raise ValueError(f"scoring {scoring!r} is none of {', '.join(SCORINGS)}")
    rows, columns = X.shape
    orders = shuffles(rows, repeats, seed)
    # Block 0 is the frame as it is; block 1 + c × repeats + r has column c in orders[r].
    blocks: list[tuple[int, int] | None] = [None]
    blocks += [(c, r) for c in range(columns) for r in range(repeats)]
    per_call = max(1, chunk_cells // max(1, rows * columns))
    truth = np.asarray(y)
    respond = _response(model, scoring)
    scores = np.empty(len(blocks))
    for start in range(0, len(blocks), per_call):
        chunk = blocks[start : start + per_call]
        output = respond(stacked(X, chunk, orders)).reshape(len(chunk), rows)
        scores[start : start + len(chunk)] = block_scores(scoring, truth, output)
    drops = scores[0] - scores[1:].reshape(columns, repeats)
    return Importances(
        baseline=float(scores[0]), drops=drops, mean=drops.mean(axis=1), std=drops.std(axis=1)
    )


def stacked(
    X: pd.DataFrame, blocks: Sequence[tuple[int, int] | None], orders: np.ndarray
) -> pd.DataFrame:
    """The copies of `X` named by `blocks` one below the other: None is `X` as it is, (c, r)
    is `X` with column c in the row order `orders[r]`. Every column keeps its dtype
    (categories, dates, text), since each is taken from itself."""
    import numpy as np
    import pandas as pd

    rows = len(X)
    identity = np.tile(np.arange(rows), len(blocks))
    taken = {}
    for c in range(X.shape[1]):
        index = identity
        for position, block in enumerate(blocks):
            if block is not None and block[0] == c:
                if index is identity:
                    index = identity.copy()
                index[position * rows : (position + 1) * rows] = orders[block[1]]
        taken[c] = X.iloc[:, c].take(index).reset_index(drop=True)
    frame = pd.DataFrame(taken)
    frame.columns = X.columns
    return frame


def _response(model: Any, scoring: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """What the scorer reads of the model: the positive class's probability for ROC AUC
    (scikit-learn's scorer takes the second of two classes), else the predictions."""
    import numpy as np

    if scoring == "roc_auc":
        return lambda frame: np.asarray(model.predict_proba(frame))[:, 1]
    return lambda frame: np.asarray(model.predict(frame))


def block_scores(scoring: str, truth: np.ndarray, output: np.ndarray) -> np.ndarray:
    """The score of each row of `output` (blocks × rows) against `truth`, higher is better, as
    scikit-learn's scorer of that name computes it. One vectorised pass instead of a metric call
    per block: roc_auc_score's input checks alone cost as much as the booster's predictions.

    >>> import numpy as np
    >>> block_scores("roc_auc", np.array([0, 0, 1, 1]), np.array([[.1, .4, .35, .8], [.5] * 4]))
    array([0.75, 0.5 ])
    """
    import numpy as np

    if output.dtype.kind in "fc" and not np.isfinite(output).all():
        raise ValueError("the model's output on permuted rows holds NaN or infinity")
    if scoring == "accuracy":
        return np.asarray(output == truth, dtype=np.float64).mean(axis=1)
    if scoring == "neg_root_mean_squared_error":
        return -np.sqrt(((output - truth.astype(np.float64)) ** 2).mean(axis=1))
    # ROC AUC as the Mann-Whitney statistic: the chance a positive row outranks a negative one,
    # ties counting half (average ranks): the area under scikit-learn's ROC curve.
    from scipy.stats import rankdata

    labels = np.unique(truth)
    if len(labels) != 2:
        raise ValueError(f"ROC AUC needs two classes in the truth, not {len(labels)}")
    positive = truth == labels[1]
    count = int(positive.sum())
    ranks = rankdata(output, axis=1)[:, positive].sum(axis=1)
    return (ranks - count * (count + 1) / 2) / (count * (len(truth) - count))
