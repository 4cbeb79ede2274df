"""Holm and Benjamini–Hochberg adjusted p-values: reference values, None handling, error rates."""

from __future__ import annotations

import numpy as np
import pytest

from modelci.stats.multiple_testing import adjust, benjamini_hochberg, holm

# R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") and "BH".
P = [0.01, 0.02, 0.03, 0.04, 0.05]


def test_holm_and_bh_match_rs_p_adjust():
    assert holm(P) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    assert benjamini_hochberg(P) == pytest.approx([0.05] * 5)
    assert holm([0.5, 0.001, 0.9]) == pytest.approx([1.0, 0.003, 1.0])
    assert benjamini_hochberg([0.5, 0.001, 0.9]) == pytest.approx([0.75, 0.003, 0.9])


def test_metrics_without_a_p_value_are_skipped_and_the_order_is_kept():
    with_gaps = [None, 0.04, None, 0.01, 0.03]
    assert holm(with_gaps) == pytest.approx([None, 0.06, None, 0.03, 0.06])
    assert holm([None, None]) == [None, None]
    assert holm([]) == []


def test_adjusted_values_are_never_below_the_raw_ones_and_holm_is_the_stricter():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 0.2, 40).tolist()
    by_holm, by_bh = holm(raw), benjamini_hochberg(raw)
    assert all(h >= b >= p for p, h, b in zip(raw, by_holm, by_bh, strict=True))


def test_under_the_global_null_holm_keeps_the_chance_of_any_false_flag_at_alpha():
    rng = np.random.default_rng(1)
    any_flag = [min(holm(rng.uniform(size=20).tolist())) < 0.05 for _ in range(2_000)]  # type: ignore[type-var]
    assert np.mean(any_flag) <= 0.06


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="probabilities in"):
        holm([0.1, 1.5])
    with pytest.raises(ValueError, match="'method' parameter"):
        adjust([0.1], method="bonferroni")
