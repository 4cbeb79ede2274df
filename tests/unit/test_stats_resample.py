"""The vectorised fallback bootstrap (average precision, median absolute error)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from modelci.stats import (
    average_precision,
    compare_classification,
    compare_regression,
    median,
    resample,
    score_classification,
    score_regression,
)
from modelci.stats.intervals import z_value
from modelci.stats.ranking import one_vs_rest, quantile_bins, tie_groups


def scored(n, seed, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    shared = rng.normal(size=n)
    probas = []
    for strength in (1.0, 1.2):
        logit = strength * (2 * y - 1) + shared + rng.normal(size=n)
        p = 1 / (1 + np.exp(-logit))
        if ties:
            p = np.round(p, 2)
        probas.append(np.c_[1 - p, p])
    return y, probas[0], probas[1]


def percentile_se(ci, confidence=0.95):
    return (ci[1] - ci[0]) / (2 * z_value(confidence))


def test_block_bootstrap_of_average_precision_matches_a_row_bootstrap():
    n = 20_000
    y, pa, pb = scored(n, seed=1)
    index = np.random.default_rng(2).integers(0, n, size=(200, n))
    naive = np.array(
        [
            [average_precision_score(y[i], pa[i, 1]), average_precision_score(y[i], pb[i, 1])]
            for i in index
        ]
    )
    single, _ = score_classification(y, pa.argmax(1), pa, n_classes=2, resamples=1000)
    assert single["average_precision"].method == "block-bootstrap"
    ap = single["average_precision"]
    assert ap.value == pytest.approx(average_precision_score(y, pa[:, 1]), abs=1e-12)
    assert percentile_se(ap.ci) == pytest.approx(naive[:, 0].std(ddof=1), rel=0.2)
    assert ap.ci[0] < ap.value < ap.ci[1]

    paired, _ = compare_classification(
        y, pa.argmax(1), pa, pb.argmax(1), pb, n_classes=2, resamples=1000
    )
    delta = paired["average_precision"]
    naive_delta = naive[:, 1] - naive[:, 0]
    assert percentile_se(delta.ci) == pytest.approx(naive_delta.std(ddof=1), rel=0.2)


def test_block_bootstrap_of_the_median_matches_a_row_bootstrap():
    n = 20_000
    rng = np.random.default_rng(3)
    y = rng.normal(size=n)
    a = y + rng.standard_t(3, size=n)
    b = y + 0.5 * (a - y) + 0.7 * rng.standard_t(3, size=n)
    index = rng.integers(0, n, size=(400, n))
    naive_a = np.median(np.abs(y - a)[index], axis=1)
    naive_b = np.median(np.abs(y - b)[index], axis=1)
    single, _ = score_regression(y, a, resamples=1000)
    # One run's interval is the order-statistic one at this size: as wide as the bootstrap's.
    assert single["median_ae"].method == "order-statistic"
    assert percentile_se(single["median_ae"].ci) == pytest.approx(naive_a.std(), rel=0.2)
    paired, _ = compare_regression(y, a, b, resamples=1000)
    assert paired["median_ae"].method == "block-bootstrap"
    assert percentile_se(paired["median_ae"].ci) == pytest.approx(
        (naive_b - naive_a).std(), rel=0.2
    )


@pytest.fixture
def recorded_weights(monkeypatch):
    """Capture the resampling weights the bootstrap draws."""
    seen = []
    draw = resample._uniform_multinomial

    def recording(units, size, rng):
        weights = draw(units, size, rng)
        seen.append(weights)
        return weights

    monkeypatch.setattr(resample, "_uniform_multinomial", recording)
    return seen


@pytest.mark.parametrize("ties", [False, True])
def test_small_data_is_an_exact_row_bootstrap_of_average_precision(recorded_weights, ties):
    y, pa, pb = scored(300, seed=4, ties=ties)
    units = resample.units(y.size, np.random.default_rng(0))
    assert units.rows
    problems = [one_vs_rest(y, pa), one_vs_rest(y, pb)]
    _, draws = average_precision.resampled(
        problems, units, resamples=6, rng=np.random.default_rng(1)
    )
    (weights,) = recorded_weights
    for row, w in enumerate(weights):
        for model, proba in enumerate((pa, pb)):
            expected = average_precision_score(y, proba[:, 1], sample_weight=w)
            assert draws[row, model] == pytest.approx(expected, abs=1e-12)


def test_small_data_is_an_exact_row_bootstrap_of_the_median(recorded_weights):
    values = np.round(np.random.default_rng(5).exponential(size=301), 1)
    units = resample.units(values.size, np.random.default_rng(0))
    _, draws = median.resampled([values], units, resamples=8, rng=np.random.default_rng(1))
    (weights,) = recorded_weights
    for row, w in enumerate(weights):
        assert draws[row, 0] == np.median(np.repeat(values, w))


def test_quantile_bins_never_split_a_tie():
    rng = np.random.default_rng(6)
    score = np.round(rng.random(50_000), 3)  # ~1000 distinct values, big tie groups
    groups = tie_groups(rng.random(50_000) < 0.3, score)
    bins, count = quantile_bins(groups, 100)
    assert count == 100
    for value in np.unique(score)[:50]:
        assert np.unique(bins[score == value]).size == 1
    # Bins ascend with the score.
    order = np.argsort(score)
    assert np.all(np.diff(bins[order]) >= 0)


def test_rows_are_spread_over_all_blocks_above_the_row_level_threshold():
    assert resample.units(resample.ROW_LEVEL_BELOW - 1, np.random.default_rng(0)).rows
    units = resample.units(100_000, np.random.default_rng(0))
    assert not units.rows
    sizes = np.bincount(units.of_row, minlength=units.count)
    assert units.count == resample.MAX_BLOCKS == sizes.size
    assert sizes.sum() == 100_000
    assert np.abs(sizes - 100).max() < 6 * 10


def test_a_binned_approximation_keeps_the_exact_point_value():
    y, pa, _ = scored(30_000, seed=7)
    found, _ = score_classification(y, pa.argmax(1), pa, n_classes=2, resamples=100)
    assert found["average_precision"].value == pytest.approx(
        average_precision_score(y, pa[:, 1]), abs=1e-12
    )
