"""The minimum detectable worsening: it shrinks like 1/√n, and a drop of that size is caught ~80%."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelci.stats import compare_classification, compare_regression
from modelci.stats.power import detectable_from_se, is_inconclusive, minimum_detectable


def errors(n: int, shift: float, rng: np.random.Generator):
    """y = 0 and positive predictions, so each prediction is its absolute error: the candidate's
    error is the baseline's plus `shift` plus noise of SD 0.5, and the paired MAE difference has
    true value `shift` and standard error 0.5/√n."""
    base = rng.gamma(9.0, 0.5, n)
    return np.zeros(n), base, base + shift + rng.normal(0, 0.5, n)


def test_the_minimum_detectable_worsening_shrinks_like_one_over_root_n():
    rng = np.random.default_rng(0)
    sizes = (1_000, 4_000, 16_000)
    detectable = [
        minimum_detectable(compare_regression(*errors(n, 0.0, rng), metrics=["mae"])[0]["mae"])
        for n in sizes
    ]
    assert detectable[0] / detectable[1] == pytest.approx(2, rel=0.15)
    assert detectable[1] / detectable[2] == pytest.approx(2, rel=0.15)


def test_a_worsening_of_the_minimum_detectable_size_is_detected_about_80_percent_of_the_time():
    n = 400
    target = detectable_from_se(0.5 / math.sqrt(n))
    rng = np.random.default_rng(2)
    runs = 300
    hits = 0
    for _ in range(runs):
        found, _ = compare_regression(*errors(n, target, rng), metrics=["mae"])
        hits += found["mae"].p_value < 0.05 and found["mae"].delta > 0
        assert minimum_detectable(found["mae"]) == pytest.approx(target, rel=0.15)
    assert 0.7 <= hits / runs <= 0.9


def test_mcnemars_detectable_drop_comes_from_the_discordant_rows_and_has_80_percent_power():
    n, discordant = 2_000, 0.2
    mde = detectable_from_se(math.sqrt(discordant / n))
    harmful_share = (1 + mde / discordant) / 2  # among discordant rows: expected delta = −mde
    rng = np.random.default_rng(3)
    hits = 0
    runs = 300
    for _ in range(runs):
        y = rng.integers(0, 2, n)
        kind = rng.random(n)
        base_right = kind < discordant * harmful_share  # right → wrong
        cand_right = (kind >= discordant * harmful_share) & (kind < discordant)  # wrong → right
        agree = kind >= discordant
        agree_right = agree & (rng.random(n) < 0.8)
        base = np.where(base_right | agree_right, y, 1 - y)
        cand = np.where(cand_right | agree_right, y, 1 - y)
        found, _ = compare_classification(
            y, base, None, cand, None, n_classes=2, resamples=10, metrics=["accuracy"]
        )
        accuracy = found["accuracy"]
        hits += accuracy.p_value < 0.05 and accuracy.delta < 0
    assert 0.7 <= hits / runs <= 0.9
    assert minimum_detectable(accuracy) == pytest.approx(mde, rel=0.1)


def test_a_pass_on_few_rows_is_inconclusive_for_a_small_tolerance():
    rng = np.random.default_rng(4)
    few, _ = compare_regression(*errors(60, 0.0, rng), metrics=["mae"])
    many, _ = compare_regression(*errors(60_000, 0.0, rng), metrics=["mae"])
    assert is_inconclusive(few["mae"], 0.05)
    assert not is_inconclusive(many["mae"], 0.05)


def test_point_only_comparisons_have_no_detectable_size_and_count_as_inconclusive():
    found, _ = compare_regression([1.0, 2.0, 3.0], [1.0, 2.0, 3.5], [1.5, 2.0, 3.0])
    assert found["max_error"].se is None
    assert minimum_detectable(found["max_error"]) is None
    assert is_inconclusive(found["max_error"], 1.0)


def test_bad_levels_are_refused():
    with pytest.raises(ValueError, match="'alpha' parameter"):
        detectable_from_se(0.1, alpha=0)
    with pytest.raises(ValueError, match="'se' parameter"):
        detectable_from_se(-1.0)
