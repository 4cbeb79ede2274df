"""Prediction churn counts against a direct count, and the harmful-flip test against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from modelci.stats.churn import classification_churn, harmful_flip_test, regression_churn


def three_classes(n: int = 3_000, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    base = np.where(rng.random(n) < 0.7, y, rng.integers(0, 3, n))
    cand = np.where(rng.random(n) < 0.9, base, rng.integers(0, 3, n))
    return y, base, cand


def test_churn_counts_match_a_direct_count_overall_per_class_and_per_slice():
    y, base, cand = three_classes()
    odd = np.arange(1, y.size, 2)
    churn = classification_churn(y, base, cand, n_classes=3, slices={"odd rows": odd})

    def direct(rows):
        changed = harmful = helpful = 0
        for i in rows:
            changed += int(base[i] != cand[i])
            harmful += int(base[i] == y[i] and cand[i] != y[i])
            helpful += int(base[i] != y[i] and cand[i] == y[i])
        return changed, harmful, helpful

    overall = churn.overall
    assert (overall.changed, overall.harmful, overall.helpful) == direct(range(y.size))
    assert overall.rows == y.size
    for k in range(3):
        flips = churn.per_class[k]
        assert (flips.changed, flips.harmful, flips.helpful) == direct(np.flatnonzero(y == k))
        assert flips.rows == np.count_nonzero(y == k)
    odd_flips = churn.per_slice["odd rows"]
    assert (odd_flips.changed, odd_flips.harmful, odd_flips.helpful) == direct(odd)
    assert churn.flipped.tolist() == [i for i in range(y.size) if base[i] != cand[i]]
    assert churn.harmful_rows.size == overall.harmful
    assert overall.changed_share == pytest.approx(overall.changed / y.size)


def test_regression_churn_counts_rows_whose_absolute_error_moved_beyond_the_threshold():
    y = np.array([0.0, 0.0, 0.0, 0.0, 0.0])
    base = np.array([1.0, 1.0, -1.0, 2.0, 0.5])
    cand = np.array([1.2, 2.0, -3.0, 0.5, 0.5])
    churn = regression_churn(y, base, cand, threshold=0.5)
    assert (churn.overall.harmful, churn.overall.helpful, churn.overall.changed) == (2, 1, 3)
    assert churn.harmful_rows.tolist() == [1, 2]
    assert churn.per_class == {}


def test_the_harmful_flip_test_is_scipys_one_sided_exact_binomial_test():
    found = harmful_flip_test(31, 1_000, max_harmful=0.02)
    reference = stats.binomtest(31, 1_000, 0.02, alternative="greater")
    assert found.p_value == pytest.approx(reference.pvalue)
    assert found.exceeds
    assert found.ci[0] < found.rate == 0.031 < found.ci[1]


def test_a_sample_share_just_above_max_harmful_on_few_rows_does_not_fail_the_gate():
    # 3 of 100 rows is above 2%, but 100 rows cannot tell 3% from 2%.
    found = harmful_flip_test(3, 100, max_harmful=0.02)
    assert found.rate > found.max_harmful
    assert not found.exceeds and found.p_value > 0.3
    assert found.ci[0] < 0.02


def test_a_harmful_rate_above_the_limit_is_caught_at_about_the_nominal_rate():
    # True harmful rate exactly at the limit: the gate fails in at most ~α of the test sets.
    rng = np.random.default_rng(2)
    fails = [
        harmful_flip_test(int(h), 2_000, max_harmful=0.02).exceeds
        for h in rng.binomial(2_000, 0.02, 500)
    ]
    assert np.mean(fails) <= 0.07


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: harmful_flip_test(1, 10, max_harmful=1.5), "'max_harmful' parameter"),
        (lambda: harmful_flip_test(11, 10, max_harmful=0.1), "harmful <= rows"),
        (lambda: regression_churn([1.0], [1.0], [1.0], threshold=-1), "'threshold' parameter"),
        (lambda: classification_churn([0, 1], [0, 2], [0, 1], n_classes=2), "'pred_baseline'"),
    ],
)
def test_bad_input_is_refused_with_the_parameters_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()
