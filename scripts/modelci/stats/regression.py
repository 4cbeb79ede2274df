"""Regressor scores and paired comparisons: which method each metric gets.

* MAE and MAPE: means of per-row losses, normal theory on the (paired) rows.
* RMSE and R²: the delta method on the per-row squared errors (R² also on the target's spread).
* Median absolute error: the vectorised paired bootstrap of `resample.py`; one run's interval
  from 5,000 rows on, the distribution-free order-statistic interval (`median.py`).
* Max error: the point value only; a sample maximum has no valid bootstrap or normal interval.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

from modelci.metrics import metric_names
from modelci.stats import influence, inputs, intervals, losses, median, resample
from modelci.stats.influence import Linearised
from modelci.stats.results import Estimate, PairedDelta, point_only

_MEDIAN_STREAM = 2
ORDER_STATISTIC = "order-statistic"


def score_regression(
    y: np.ndarray,
    pred: np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    metrics: Collection[str] | None = None,
) -> tuple[dict[str, Estimate], dict[str, str]]:
    """Every regression metric of one model with its interval, and the skipped ones' reasons.

    `metrics` limits the work to those names (all when None); leaving out the median absolute
    error spares its bootstrap.
    """
    inputs.options(confidence=confidence, resamples=resamples, seed=seed)
    y = inputs.numbers("y", y)
    pred = inputs.numbers("pred", pred, n=y.size)
    names = inputs.wanted(metrics, metric_names("regression"))
    skipped = _skipped(y, names)
    if y.size == 0:
        return {}, skipped
    z = intervals.z_value(confidence)
    positive = (0.0, math.inf)
    # Both losses from one difference: the same numbers as squared_error and absolute_error.
    error = y - pred
    squared = np.square(error)
    absolute = np.abs(error, out=error)
    mse = influence.mean_of(squared)  # RMSE's and R²'s
    found: dict[str, Estimate] = {
        "rmse": influence.estimate(
            influence.sqrt_of(mse),
            z=z,
            method="delta-method",
            bounds=positive,
        ),
        "mae": influence.estimate(
            influence.mean_of(absolute),
            z=intervals.critical_value(confidence, intervals.mean_df(y.size)),
            method=intervals.mean_method(intervals.mean_df(y.size)),
            bounds=positive,
        ),
        "max_error": Estimate(value=float(absolute.max()), ci=None, method="point"),
    }
    r2 = _r2(_variance(y), mse)
    if r2 is None:
        found["r2"] = Estimate(value=_constant_target_r2(squared), ci=None, method="point")
    else:
        found["r2"] = influence.estimate(r2, z=z, method="delta-method", bounds=(-math.inf, 1.0))
    if "mape" in names and "mape" not in skipped:
        found["mape"] = influence.estimate(
            influence.mean_of(losses.absolute_percentage_error(y, pred, absolute=absolute)),
            z=intervals.critical_value(confidence, intervals.mean_df(y.size)),
            method=intervals.mean_method(intervals.mean_df(y.size)),
            bounds=positive,
        )
    if "median_ae" in names:
        found["median_ae"] = _median_ae(
            absolute, confidence=confidence, resamples=resamples, seed=seed
        )
    return _in_order(found, names, small=y.size < 2), skipped


def compare_regression(
    y: np.ndarray,
    pred_baseline: np.ndarray,
    pred_candidate: np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    metrics: Collection[str] | None = None,
) -> tuple[dict[str, PairedDelta], dict[str, str]]:
    """Candidate minus baseline for every regression metric, paired on the same rows.

    `metrics` limits the work to those names, as in `score_regression`.
    """
    inputs.options(confidence=confidence, resamples=resamples, seed=seed)
    y = inputs.numbers("y", y)
    preds = [
        inputs.numbers("pred_baseline", pred_baseline, n=y.size),
        inputs.numbers("pred_candidate", pred_candidate, n=y.size),
    ]
    names = inputs.wanted(metrics, metric_names("regression"))
    skipped = _skipped(y, names)
    if y.size == 0:
        return {}, skipped
    z = intervals.z_value(confidence)
    df = intervals.mean_df(y.size)
    t = intervals.critical_value(confidence, df)
    squared = [losses.squared_error(y, pred) for pred in preds]
    mses = [influence.mean_of(s) for s in squared]
    absolute = [losses.absolute_error(y, pred) for pred in preds]
    found: dict[str, PairedDelta] = {
        "rmse": influence.paired(
            *(influence.sqrt_of(mse) for mse in mses),
            z=z,
            method="delta-method",
        ),
        "mae": influence.paired(
            *(influence.mean_of(a) for a in absolute),
            z=t,
            method=intervals.mean_method(df),
            df=df,
        ),
        "max_error": _point_delta(float(absolute[0].max()), float(absolute[1].max())),
    }
    variance = _variance(y)
    r2 = [_r2(variance, mse) for mse in mses]
    if r2[0] is None or r2[1] is None:
        found["r2"] = _point_delta(*(_constant_target_r2(s) for s in squared))
    else:
        found["r2"] = influence.paired(r2[0], r2[1], z=z, method="delta-method")
    if "mape" in names and "mape" not in skipped:
        found["mape"] = influence.paired(
            *(influence.mean_of(losses.absolute_percentage_error(y, pred)) for pred in preds),
            z=t,
            method=intervals.mean_method(df),
            df=df,
        )
    if "median_ae" in names:
        rng = np.random.default_rng([seed, _MEDIAN_STREAM])
        units = resample.units(y.size, rng)
        centers, draws = median.resampled(absolute, units, resamples=resamples, rng=rng)
        found["median_ae"] = resample.paired(
            float(centers[0]),
            float(centers[1]),
            (float(centers[0]), float(centers[1])),
            draws,
            confidence=confidence,
            method=resample.method(units),
        )
    return _in_order(found, names, small=y.size < 2), skipped


def _median_ae(absolute: np.ndarray, *, confidence: float, resamples: int, seed: int) -> Estimate:
    """One run's median absolute error: from the order statistics at block-bootstrap sizes.

    The distribution-free interval is exact and costs one partition, where the block bootstrap
    spent most of a million-row evaluation; below `resample.ROW_LEVEL_BELOW` rows the row
    bootstrap stays as it was.
    """
    if absolute.size >= resample.ROW_LEVEL_BELOW:
        found = median.order_statistic_interval(absolute, confidence=confidence)
        return Estimate(value=found.median, ci=found.ci, method=ORDER_STATISTIC)
    rng = np.random.default_rng([seed, _MEDIAN_STREAM])
    units = resample.units(absolute.size, rng)
    centers, draws = median.resampled([absolute], units, resamples=resamples, rng=rng)
    # The centre is the exact median: with every row counted once, each order statistic maps
    # back to its own rank in the sorted sample.
    return resample.estimate(
        float(centers[0]),
        float(centers[0]),
        draws[:, 0],
        confidence=confidence,
        method=resample.method(units),
    )


def _variance(y: np.ndarray) -> Linearised:
    # Population variance (R²'s denominator); centring on the sample mean is second order.
    return influence.mean_of((y - y.mean()) ** 2)


def _r2(variance: Linearised, mse: Linearised) -> Linearised | None:
    """R² = 1 − MSE/V with V the target's variance, linearised in both; None for a constant y.

    Both the errors and the target's spread vary from sample to sample, so the influence is
    −ψ(MSE)/V + MSE·ψ(V)/V². On a paired comparison V is shared and its term only matters in
    proportion to the difference in MSE.
    """
    if variance.value == 0:
        return None
    value = 1.0 - mse.value / variance.value
    # In place where the rounding allows: the same numbers, two arrays fewer.
    spread = mse.influence / -variance.value
    target = mse.value * variance.influence
    target /= variance.value**2
    spread += target
    return Linearised(value=value, influence=spread)


def _constant_target_r2(squared: np.ndarray) -> float:
    # scikit-learn's convention (force_finite=True): perfect predictions score 1, others 0.
    return 1.0 if not np.any(squared) else 0.0


def _point_delta(baseline: float, candidate: float) -> PairedDelta:
    return PairedDelta(
        baseline=baseline,
        candidate=candidate,
        delta=candidate - baseline,
        ci=None,
        p_value=None,
        method="point",
    )


def _skipped(y: np.ndarray, names: Sequence[str]) -> dict[str, str]:
    if y.size == 0:
        return {name: "there are no rows" for name in names}
    if "mape" in names and np.any(y == 0):
        return {"mape": "the target has zero values"}
    return {}


def _in_order(found: dict, names: Sequence[str], *, small: bool) -> dict:
    # One row carries no information about spread: report the numbers without intervals.
    return {
        name: point_only(found[name]) if small else found[name] for name in names if name in found
    }
