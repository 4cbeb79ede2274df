"""The exact multinomial bootstrap over confusion cells, and confusion metrics from tallies.

Every confusion-matrix metric depends on the rows only through how many fall in each
(truth, prediction) cell; for two models scored on the same rows, through the joint
(truth, baseline prediction, candidate prediction) cells. Resampling n rows with replacement
therefore moves the cell counts as one Multinomial(n, observed cell shares) draw: drawing the
counts directly *is* the row bootstrap, at a cost of O(resamples · cells) instead of
O(resamples · n). Each draw is marginalised into per-class tallies (true, predicted, correct)
for each model, and every metric is computed from those tallies for all draws at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# Resamples drawn per chunk are capped so that chunk × cells stays near this many counts
# (many classes and two models can give up to n distinct joint cells).
_CHUNK_COUNTS = 2_000_000


@dataclass(frozen=True, kw_only=True)
class Cells:
    """The distinct (truth, prediction of each model) combinations present, and their counts."""

    counts: np.ndarray  # (cells,)
    truth: np.ndarray  # (cells,) class code
    preds: tuple[np.ndarray, ...]  # one (cells,) array of class codes per model
    n_classes: int


@dataclass(frozen=True, kw_only=True)
class Tallies:
    """Per-class counts of a batch of confusion matrices, each array (batch, n_classes)."""

    truth: np.ndarray  # rows whose true class is k (row sums)
    predicted: np.ndarray  # rows predicted as k (column sums)
    hits: np.ndarray  # rows true and predicted k (the diagonal)


def count(y: np.ndarray, preds: Sequence[np.ndarray], n_classes: int) -> Cells:
    """Count the joint cells of `y` and one or more prediction vectors (codes 0..K-1)."""
    code = y.astype(np.int64)
    for pred in preds:
        code = code * n_classes + pred
    space = n_classes ** (1 + len(preds))
    if space <= max(4 * y.size, 65_536):
        dense = np.bincount(code, minlength=space)
        present = np.flatnonzero(dense)
        counts = dense[present]
    else:
        present, counts = np.unique(code, return_counts=True)
    decoded = []
    rest = present
    for _ in preds:
        decoded.append(rest % n_classes)
        rest = rest // n_classes
    return Cells(
        counts=counts.astype(np.int64),
        truth=rest,
        preds=tuple(reversed(decoded)),
        n_classes=n_classes,
    )


def tallies(weights: np.ndarray, cells: Cells, model: int) -> Tallies:
    """Marginalise a (batch, cells) array of cell counts into one model's per-class tallies."""
    k = cells.n_classes
    pred = cells.preds[model]
    columns = np.arange(k)
    truth_onehot = (cells.truth[:, None] == columns).astype(np.float64)
    pred_onehot = (pred[:, None] == columns).astype(np.float64)
    hit_onehot = pred_onehot * (pred == cells.truth)[:, None]
    combined = np.concatenate([truth_onehot, pred_onehot, hit_onehot], axis=1)
    marginal = np.atleast_2d(weights).astype(np.float64) @ combined
    return Tallies(
        truth=marginal[:, :k], predicted=marginal[:, k : 2 * k], hits=marginal[:, 2 * k :]
    )


def draws(cells: Cells, resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield (chunk, cells) multinomial cell counts, `resamples` rows in total."""
    n = int(cells.counts.sum())
    shares = cells.counts / n
    chunk = max(1, _CHUNK_COUNTS // max(cells.counts.size, 1))
    for start in range(0, resamples, chunk):
        yield rng.multinomial(n, shares, size=min(chunk, resamples - start))


def metrics(t: Tallies, *, binary: bool) -> dict[str, np.ndarray]:
    """Every confusion metric for each confusion matrix in the batch, as scikit-learn defines it.

    Classes take part as scikit-learn's default labels do, per matrix: a class counts for the
    macro averages when it is true or predicted at least once, and for balanced accuracy when it
    is true at least once. A ratio with a zero denominator is 0, scikit-learn's
    `zero_division="warn"` value (without the warning). Binary metrics score class 1.
    """
    n = t.truth.sum(axis=1)
    correct = t.hits.sum(axis=1)
    recall = _ratio(t.hits, t.truth)
    precision = _ratio(t.hits, t.predicted)
    f1 = _ratio(2 * t.hits, t.truth + t.predicted)
    has_truth = t.truth > 0
    present = (t.truth + t.predicted) > 0
    out = {
        "accuracy": correct / n,
        "balanced_accuracy": _masked_mean(recall, has_truth),
        "precision_macro": _masked_mean(precision, present),
        "recall_macro": _masked_mean(recall, present),
        "f1_macro": _masked_mean(f1, present),
        "mcc": _mcc(t, n, correct),
    }
    if binary:
        out |= {"precision": precision[:, 1], "recall": recall[:, 1], "f1": f1[:, 1]}
    return out


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.divide(top, bottom, out=np.zeros(np.shape(top)), where=bottom > 0)


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return (values * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)


def _mcc(t: Tallies, n: np.ndarray, correct: np.ndarray) -> np.ndarray:
    # scikit-learn's multiclass form (Gorodkin's R_K); it is 0 when either marginal is constant.
    cov_tp = correct * n - np.einsum("ij,ij->i", t.truth, t.predicted)
    cov_pp = n * n - np.einsum("ij,ij->i", t.predicted, t.predicted)
    cov_tt = n * n - np.einsum("ij,ij->i", t.truth, t.truth)
    denominator = cov_tt * cov_pp
    return np.divide(
        cov_tp,
        np.sqrt(np.maximum(denominator, 0)),
        out=np.zeros(n.shape),
        where=denominator > 0,
    )


def discordant(cells: Cells) -> tuple[int, int]:
    """McNemar's discordant counts: (baseline right & candidate wrong, the reverse)."""
    base_right = cells.preds[0] == cells.truth
    cand_right = cells.preds[1] == cells.truth
    return (
        int(cells.counts[base_right & ~cand_right].sum()),
        int(cells.counts[~base_right & cand_right].sum()),
    )
