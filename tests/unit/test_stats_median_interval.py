"""One run's median absolute error interval from order statistics (from 5,000 rows on)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import median_absolute_error

from modelci.stats import score_regression
from modelci.stats.median import order_statistic_interval


def test_ten_values_give_the_second_and_ninth_order_statistics():
    # Binomial(10, 1/2): F(7) = 968/1024 gives 2F − 1 = 0.89 < 0.95, F(8) = 1013/1024 gives
    # 0.979, so k = 8 and the interval is [x(10−8), x(8+1)] = [x(2), x(9)].
    values = np.random.default_rng(0).permutation(np.arange(1.0, 11.0))
    found = order_statistic_interval(values, confidence=0.95)
    assert found.median == 5.5
    assert found.ci == (2.0, 9.0)


def test_too_few_rows_for_the_confidence_give_no_interval():
    # Five rows: even [min, max] covers the median only with 1 − 2/32 = 0.9375 < 0.95.
    found = order_statistic_interval(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), confidence=0.95)
    assert found.median == 3.0
    assert found.ci is None
    assert order_statistic_interval(np.arange(5.0), confidence=0.9).ci == (0.0, 4.0)


def test_the_interval_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    true_median = math.log(2)  # of the standard exponential
    covered = 0
    for _ in range(300):
        low, high = order_statistic_interval(rng.exponential(size=40), confidence=0.95).ci
        covered += low <= true_median <= high
    assert 0.90 <= covered / 300 <= 0.99


def test_a_large_run_reports_the_exact_median_and_order_statistics():
    rng = np.random.default_rng(1)
    y = rng.normal(50, 10, 20_000)
    pred = y + rng.normal(0, 3, 20_000)
    found = score_regression(y, pred)[0]["median_ae"]
    ordered = np.sort(np.abs(y - pred))
    assert found.method == "order-statistic"
    assert found.value == pytest.approx(median_absolute_error(y, pred), abs=0)
    low, high = found.ci
    assert low in ordered and high in ordered
    # Symmetric ranks about the middle, about 1.96·√n/2 = 139 either side.
    rank_low = np.searchsorted(ordered, low)
    rank_high = np.searchsorted(ordered, high)
    assert rank_low + rank_high == 20_000 - 1
    assert 130 <= 10_000 - rank_low <= 150


def test_small_runs_keep_the_row_bootstrap():
    rng = np.random.default_rng(2)
    y = rng.normal(size=4_999)
    found = score_regression(y, y + rng.normal(size=4_999))[0]["median_ae"]
    assert found.method == "bootstrap"
