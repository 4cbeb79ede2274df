"""Classifier scores and paired comparisons: which method each metric gets.

* Confusion metrics: the exact multinomial bootstrap over (joint) confusion cells, percentile
  intervals; paired p-values from the same draws, except accuracy's, which is McNemar's mid-p.
* ROC AUC: DeLong (normal interval from its variance; paired: DeLong's correlated-AUC test).
* Log loss and Brier score: means of per-row losses, normal theory on the (paired) rows.
* Average precision: the vectorised paired bootstrap of `resample.py`.

Point values are scikit-learn's to rounding error; the intervals are what modelci adds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Sequence

import numpy as np

from modelci.metrics import metric_names
from modelci.stats import (
    average_precision,
    cells,
    delong,
    influence,
    inputs,
    intervals,
    losses,
    mcnemar,
    resample,
)
from modelci.stats.ranking import TieGroups, one_vs_rest
from modelci.stats.results import Estimate, PairedDelta, point_only

_PROBABILITY = ("roc_auc", "average_precision", "log_loss", "brier")
_RANKING = ("roc_auc", "average_precision")
# Separate random streams per method, so adding or dropping one metric never moves another's
# draws for the same seed.
_CELLS_STREAM, _CURVES_STREAM = 0, 1


def score_classification(
    y: np.ndarray,
    pred: np.ndarray,
    proba: np.ndarray | None,
    *,
    n_classes: int,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    metrics: Collection[str] | None = None,
) -> tuple[dict[str, Estimate], dict[str, str]]:
    """Every applicable metric of one classifier with its interval, and the skipped ones' reasons.

    `y` and `pred` are class codes 0..n_classes-1 (binary: 1 is the positive class); `proba` is
    (n, n_classes) or None, which skips the probability metrics. `metrics` limits the work to
    those names (all when None); leaving out average precision spares its bootstrap.
    """
    n_classes = inputs.n_classes(n_classes)
    inputs.options(confidence=confidence, resamples=resamples, seed=seed)
    y = inputs.codes("y", y, n_classes=n_classes)
    pred = inputs.codes("pred", pred, n_classes=n_classes, n=y.size)
    proba = inputs.probabilities("proba", proba, n=y.size, n_classes=n_classes)
    names = inputs.wanted(metrics, metric_names("classification", n_classes))
    missing = "needs predicted probabilities" if proba is None else ""
    skipped = _skipped(y, names, n_classes, missing_proba=missing)
    if y.size == 0:
        return {}, skipped
    binary = n_classes == 2
    z = intervals.z_value(confidence)
    found: dict[str, Estimate] = {}

    joint = cells.count(y, [pred], n_classes)
    point = cells.metrics(cells.tallies(joint.counts, joint, 0), binary=binary)
    (drawn,) = _cell_draws(joint, 1, binary=binary, resamples=resamples, seed=seed)
    for name, values in ((k, v) for k, v in point.items() if k in names):
        found[name] = resample.estimate(
            values[0], values[0], drawn[name], confidence=confidence, method="multinomial-bootstrap"
        )

    if proba is not None:
        # AUC and AP are skipped together (a class missing from y), and share one sort.
        ranked = _needed("roc_auc", names, skipped) or _needed("average_precision", names, skipped)
        problems = one_vs_rest(y, proba) if ranked else []
        if _needed("roc_auc", names, skipped):
            found["roc_auc"] = influence.estimate(
                delong.macro_auc(problems), z=z, method="delong", bounds=(0.0, 1.0)
            )
        if _needed("average_precision", names, skipped):
            rng = _rng(seed, _CURVES_STREAM)
            units = resample.units(y.size, rng)
            centers, draws = average_precision.resampled(
                [problems], units, resamples=resamples, rng=rng
            )
            found["average_precision"] = resample.estimate(
                average_precision.exact(problems),
                centers[0],
                draws[:, 0],
                confidence=confidence,
                method=resample.method(units),
            )
        df = intervals.mean_df(y.size)
        t, mean_method = intervals.critical_value(confidence, df), intervals.mean_method(df)
        if "log_loss" in names:
            found["log_loss"] = influence.estimate(
                influence.mean_of(losses.log_loss(y, proba)),
                z=t,
                method=mean_method,
                bounds=(0.0, math.inf),
            )
        if binary and "brier" in names:
            found["brier"] = influence.estimate(
                influence.mean_of(losses.brier(y, proba)),
                z=t,
                method=mean_method,
                bounds=(0.0, 1.0),
            )
    return _in_order(found, names, small=y.size < 2), skipped


def compare_classification(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    proba_baseline: np.ndarray | None,
    pred_candidate: np.ndarray,
    proba_candidate: np.ndarray | None,
    *,
    n_classes: int,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    metrics: Collection[str] | None = None,
) -> tuple[dict[str, PairedDelta], dict[str, str]]:
    """Candidate minus baseline for every applicable metric, paired on the same rows.

    `metrics` limits the work to those names (all when None), as in `score_classification`;
    the requested metrics' numbers do not depend on which others are requested.
    """
    n_classes = inputs.n_classes(n_classes)
    inputs.options(confidence=confidence, resamples=resamples, seed=seed)
    y = inputs.codes("y", y, n_classes=n_classes)
    n = y.size
    preds = [
        inputs.codes("pred_baseline", pred_baseline, n_classes=n_classes, n=n),
        inputs.codes("pred_candidate", pred_candidate, n_classes=n_classes, n=n),
    ]
    probas = [
        inputs.probabilities("proba_baseline", proba_baseline, n=n, n_classes=n_classes),
        inputs.probabilities("proba_candidate", proba_candidate, n=n, n_classes=n_classes),
    ]
    names = inputs.wanted(metrics, metric_names("classification", n_classes))
    skipped = _skipped(y, names, n_classes, missing_proba=_missing(probas))
    if n == 0:
        return {}, skipped
    binary = n_classes == 2
    z = intervals.z_value(confidence)
    found: dict[str, PairedDelta] = {}

    joint = cells.count(y, preds, n_classes)
    points = [cells.metrics(cells.tallies(joint.counts, joint, m), binary=binary) for m in (0, 1)]
    drawn = _cell_draws(joint, 2, binary=binary, resamples=resamples, seed=seed)
    for name in (name for name in points[0] if name in names):
        base, cand = float(points[0][name][0]), float(points[1][name][0])
        found[name] = resample.paired(
            base,
            cand,
            (base, cand),
            np.stack([drawn[0][name], drawn[1][name]], axis=1),
            confidence=confidence,
            method="multinomial-bootstrap",
        )
    # Accuracy has an exact conditional test; its interval stays the joint-cell bootstrap's,
    # and its standard error comes from the discordant counts, as the test's does.
    if "accuracy" in found:
        wrong, right = cells.discordant(joint)
        found["accuracy"] = dataclasses.replace(
            found["accuracy"],
            p_value=mcnemar.mid_p(wrong, right),
            method="mcnemar-mid-p",
            se=mcnemar.delta_se(wrong, right, n),
        )

    given = [proba for proba in probas if proba is not None]
    if len(given) == 2:
        problems: list[Sequence[TieGroups]] = []
        if _needed("roc_auc", names, skipped) or _needed("average_precision", names, skipped):
            problems = [one_vs_rest(y, proba) for proba in given]
        if _needed("roc_auc", names, skipped):
            found["roc_auc"] = influence.paired(
                delong.macro_auc(problems[0]),
                delong.macro_auc(problems[1]),
                z=z,
                method="delong",
            )
        if _needed("average_precision", names, skipped):
            rng = _rng(seed, _CURVES_STREAM)
            units = resample.units(n, rng)
            centers, draws = average_precision.resampled(
                problems, units, resamples=resamples, rng=rng
            )
            found["average_precision"] = resample.paired(
                average_precision.exact(problems[0]),
                average_precision.exact(problems[1]),
                (float(centers[0]), float(centers[1])),
                draws,
                confidence=confidence,
                method=resample.method(units),
            )
        df = intervals.mean_df(n)
        t = intervals.critical_value(confidence, df)
        if "log_loss" in names:
            found["log_loss"] = influence.paired(
                *(influence.mean_of(losses.log_loss(y, proba)) for proba in given),
                z=t,
                method=intervals.mean_method(df),
                df=df,
            )
        if binary and "brier" in names:
            found["brier"] = influence.paired(
                *(influence.mean_of(losses.brier(y, proba)) for proba in given),
                z=t,
                method=intervals.mean_method(df),
                df=df,
            )
    return _in_order(found, names, small=n < 2), skipped


def _skipped(
    y: np.ndarray, names: Sequence[str], n_classes: int, *, missing_proba: str
) -> dict[str, str]:
    """Metrics that cannot be computed on these inputs, with the reason a reader will see."""
    if y.size == 0:
        return {name: "there are no rows" for name in names}
    skipped: dict[str, str] = {}
    if missing_proba:
        skipped = {name: missing_proba for name in _PROBABILITY if name in names}
    present = np.count_nonzero(np.bincount(y, minlength=n_classes))
    if present < 2:
        reason = "only one class present in y"
    elif present < n_classes:
        reason = "not every class is present in y (one-vs-rest is undefined for an absent class)"
    else:
        return skipped
    for name in _RANKING:
        if name in names:
            skipped.setdefault(name, reason)
    return skipped


def _needed(name: str, names: Sequence[str], skipped: dict[str, str]) -> bool:
    return name in names and name not in skipped


def _missing(probas: Sequence[np.ndarray | None]) -> str:
    if probas[0] is None and probas[1] is None:
        return "needs predicted probabilities"
    if probas[0] is None:
        return "needs predicted probabilities (the baseline has none)"
    if probas[1] is None:
        return "needs predicted probabilities (the candidate has none)"
    return ""


def _cell_draws(
    joint: cells.Cells, models: int, *, binary: bool, resamples: int, seed: int
) -> list[dict[str, np.ndarray]]:
    """Each model's confusion metrics on every multinomial draw of the joint cells."""
    chunks: list[list[dict[str, np.ndarray]]] = [[] for _ in range(models)]
    for weights in cells.draws(joint, resamples, _rng(seed, _CELLS_STREAM)):
        for model in range(models):
            chunks[model].append(cells.metrics(cells.tallies(weights, joint, model), binary=binary))
    return [
        {name: np.concatenate([chunk[name] for chunk in model_chunks]) for name in model_chunks[0]}
        for model_chunks in chunks
    ]


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _in_order(found: dict, names: Sequence[str], *, small: bool) -> dict:
    # One row carries no information about spread: report the numbers without intervals.
    return {
        name: point_only(found[name]) if small else found[name] for name in names if name in found
    }
