"""The honesty fixes inside stats/: t intervals on few rows, fingerprint seeds, metric subsets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from modelci.stats import (
    compare_classification,
    compare_regression,
    score_classification,
    score_regression,
)
from modelci.stats.intervals import T_BELOW, critical_value, z_value
from modelci.stats.seeds import seed_from_fingerprint


def regression(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.gamma(3.0, 2.0, n) + 0.1
    return y, y + rng.normal(size=n), y + 0.9 * rng.normal(size=n)


def test_a_paired_mae_on_few_rows_is_the_paired_t_test():
    y, base, cand = regression(20)
    found, _ = compare_regression(y, base, cand)
    errors_base, errors_cand = np.abs(y - base), np.abs(y - cand)
    assert found["mae"].p_value == pytest.approx(stats.ttest_rel(errors_cand, errors_base).pvalue)
    low, high = found["mae"].ci
    assert (high - low) / 2 == pytest.approx(critical_value(0.95, df=19) * found["mae"].se)


def test_a_single_models_mean_loss_interval_on_few_rows_uses_t():
    y, pred, _ = regression(15)
    found, _ = score_regression(y, pred)
    errors = np.abs(y - pred)
    half = stats.t.ppf(0.975, 14) * errors.std(ddof=1) / np.sqrt(15)
    assert found["mae"].ci == pytest.approx((errors.mean() - half, errors.mean() + half))


def test_from_the_cutoff_on_mean_loss_intervals_keep_the_normal_quantile():
    y, base, cand = regression(T_BELOW)
    found, _ = compare_regression(y, base, cand)
    low, high = found["mae"].ci
    assert (high - low) / 2 == pytest.approx(z_value(0.95) * found["mae"].se, rel=1e-12)
    z = found["mae"].delta / found["mae"].se
    assert found["mae"].p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)


def test_log_loss_on_few_rows_uses_t_too():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 25)
    p = np.clip(0.5 + 0.3 * (2 * y - 1) + rng.normal(0, 0.2, 25), 0.05, 0.95)
    proba = np.column_stack([1 - p, p])
    found, _ = score_classification(y, (p > 0.5).astype(int), proba, n_classes=2)
    low, high = found["log_loss"].ci
    losses = -np.log(np.where(y == 1, p, 1 - p))
    se = losses.std(ddof=1) / np.sqrt(25)
    assert (high - low) / 2 == pytest.approx(stats.t.ppf(0.975, 24) * se)


def test_seed_from_fingerprint_is_stable_distinct_and_usable_as_a_seed():
    first = seed_from_fingerprint("sha256:abc")
    assert first == seed_from_fingerprint("sha256:abc")
    assert first != seed_from_fingerprint("sha256:abd")
    y, base, cand = regression(300)
    a, _ = compare_regression(y, base, cand, seed=first)
    b, _ = compare_regression(y, base, cand, seed=first)
    assert a["median_ae"].ci == b["median_ae"].ci
    with pytest.raises(ValueError, match="'fingerprint' parameter"):
        seed_from_fingerprint(123)  # type: ignore[arg-type]


def test_a_metric_subset_gives_the_same_numbers_as_the_full_comparison():
    rng = np.random.default_rng(2)
    n = 6_000
    y = rng.integers(0, 2, n)
    p = [np.clip(0.5 + s * (2 * y - 1) + rng.normal(0, 0.25, n), 0, 1) for s in (0.2, 0.22)]
    probas = [np.column_stack([1 - q, q]) for q in p]
    preds = [(q > 0.5).astype(int) for q in p]
    args = (y, preds[0], probas[0], preds[1], probas[1])
    full, _ = compare_classification(*args, n_classes=2)
    some, skipped = compare_classification(
        *args, n_classes=2, metrics=["recall", "average_precision", "roc_auc"]
    )
    assert list(some) == ["recall", "roc_auc", "average_precision"]
    assert all(some[name] == full[name] for name in some)
    assert skipped == {}


def test_paired_deltas_carry_a_standard_error_that_matches_their_interval():
    y, base, cand = regression(5_000)
    found, _ = compare_regression(y, base, cand)
    for name in ("rmse", "mae", "r2"):
        low, high = found[name].ci
        assert (high - low) / 2 == pytest.approx(z_value(0.95) * found[name].se)
    # The bootstrap's SE is the spread of its draws: about a quarter of a 95% interval.
    low, high = found["median_ae"].ci
    assert found["median_ae"].se == pytest.approx((high - low) / (2 * 1.96), rel=0.2)


def test_a_50_row_mean_loss_comparison_uses_t_and_says_so():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 50)
    p_base = np.clip(0.5 + 0.25 * (2 * y - 1) + rng.normal(0, 0.2, 50), 0.05, 0.95)
    p_cand = np.clip(p_base + rng.normal(0, 0.05, 50), 0.05, 0.95)
    probas = [np.column_stack([1 - p, p]) for p in (p_base, p_cand)]
    preds = [(p > 0.5).astype(int) for p in (p_base, p_cand)]
    found, _ = compare_classification(
        y, preds[0], probas[0], preds[1], probas[1], n_classes=2, metrics=("log_loss", "brier")
    )
    for name in ("log_loss", "brier"):
        delta = found[name]
        assert delta.method == "student-t", name
        low, high = delta.ci
        # Wider than a z interval by exactly t₄₉ / z (about 2%).
        z_half = z_value(0.95) * delta.se
        assert (high - low) / 2 / z_half == pytest.approx(stats.t.ppf(0.975, 49) / z_value(0.95))
        assert (high - low) / 2 > 1.019 * z_half
    # From the cutoff on the same losses say normal.
    big, _ = score_classification(
        np.tile(y, 20), np.tile(preds[1], 20), np.tile(probas[1], (20, 1)), n_classes=2
    )
    assert big["log_loss"].method == "normal"
