"""Calibration on simulated data: under H0 p-values are not systematically small; a real
difference is found."""

from __future__ import annotations

import numpy as np
import pytest

from modelci.stats import compare_classification, compare_regression

SEEDS = 200


def two_classifiers(seed, n=300, candidate_strength=1.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    shared = rng.normal(size=n)  # both models see the same hard rows
    out = [y]
    for strength in (1.0, candidate_strength):
        logit = strength * 1.5 * (2 * y - 1) + shared + rng.normal(size=n)
        p = 1 / (1 + np.exp(-logit))
        out += [(p > 0.5).astype(int), np.c_[1 - p, p]]
    return out


def test_null_p_values_are_not_systematically_small():
    p_values: dict[str, list[float]] = {}
    for seed in range(SEEDS):
        y, pa, proba_a, pb, proba_b = two_classifiers(seed)
        found, _ = compare_classification(
            y, pa, proba_a, pb, proba_b, n_classes=2, resamples=200, seed=seed
        )
        for name, delta in found.items():
            p_values.setdefault(name, []).append(delta.p_value)
    for name, values in p_values.items():
        small = np.mean(np.array(values) < 0.05)
        assert small < 0.12, f"{name}: {small:.0%} of null p-values below 0.05"
        # And not wildly conservative either: some nulls land in the lower half.
        assert np.mean(np.array(values) < 0.5) > 0.25, name


def test_a_real_difference_gets_a_small_p_value():
    y, pa, proba_a, pb, proba_b = two_classifiers(1, n=2000, candidate_strength=1.8)
    found, _ = compare_classification(y, pa, proba_a, pb, proba_b, n_classes=2, resamples=500)
    for name in ("accuracy", "roc_auc", "average_precision", "log_loss", "brier", "f1", "mcc"):
        assert found[name].p_value < 0.01, name
        low, high = found[name].ci
        assert low <= found[name].delta <= high
        assert not low <= 0 <= high, name


def two_regressors(seed, n=300, candidate_noise=1.0):
    rng = np.random.default_rng(seed)
    y = rng.normal(5, 2, n)
    shared = rng.normal(size=n)
    return (
        y,
        y + shared + rng.normal(size=n),
        y + shared + candidate_noise * rng.normal(size=n),
    )


def test_regression_null_and_alternative():
    p_values: dict[str, list[float]] = {}
    for seed in range(SEEDS):
        y, a, b = two_regressors(seed)
        found, _ = compare_regression(y, a, b, resamples=200, seed=seed)
        for name, delta in found.items():
            if delta.p_value is not None:
                p_values.setdefault(name, []).append(delta.p_value)
    assert set(p_values) == {"rmse", "mae", "r2", "median_ae", "mape"}
    for name, values in p_values.items():
        assert np.mean(np.array(values) < 0.05) < 0.12, name

    y, a, b = two_regressors(3, n=2000, candidate_noise=0.3)
    found, _ = compare_regression(y, a, b, resamples=500)
    for name in ("rmse", "mae", "r2", "median_ae"):
        assert found[name].p_value < 0.01, name
    assert found["max_error"].p_value is None


@pytest.mark.parametrize("confidence", [0.8, 0.95])
def test_intervals_cover_the_true_difference_in_auc(confidence):
    """Two models with the same population AUC: the paired interval covers 0 about as often
    as it claims."""
    covered = []
    for seed in range(SEEDS):
        y, pa, proba_a, pb, proba_b = two_classifiers(1000 + seed)
        found, _ = compare_classification(
            y, pa, proba_a, pb, proba_b, n_classes=2, resamples=20, confidence=confidence
        )
        low, high = found["roc_auc"].ci
        covered.append(low <= 0 <= high)
    assert np.mean(covered) == pytest.approx(confidence, abs=0.07)
