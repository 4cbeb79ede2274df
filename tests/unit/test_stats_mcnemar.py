"""McNemar's exact and mid-p tests against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from modelci.stats import compare_classification, mcnemar

PAIRS = [(0, 0), (0, 1), (1, 0), (3, 3), (2, 9), (9, 2), (10, 25), (40, 41), (0, 30), (150, 190)]


@pytest.mark.parametrize(("b", "c"), PAIRS)
def test_exact_p_equals_binomtest(b, c):
    expected = 1.0 if b + c == 0 else stats.binomtest(b, b + c, 0.5).pvalue
    assert mcnemar.exact_p(b, c) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("b", "c"), PAIRS)
def test_mid_p_is_the_exact_p_minus_the_observed_probability(b, c):
    n = b + c
    if n == 0:
        assert mcnemar.mid_p(b, c) == 1.0
        return
    k = min(b, c)
    observed = stats.binom.pmf(k, n, 0.5)
    # The usual definition: twice the one-sided tail with half the observed point.
    expected = min(1.0, 2 * (stats.binom.cdf(k, n, 0.5) - 0.5 * observed))
    assert mcnemar.mid_p(b, c) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    if b != c:
        assert mcnemar.mid_p(b, c) == pytest.approx(
            stats.binomtest(b, n, 0.5).pvalue - observed, rel=1e-12, abs=1e-15
        )
        assert mcnemar.mid_p(b, c) < mcnemar.exact_p(b, c)


def test_mid_p_is_symmetric_and_one_on_a_tie():
    assert mcnemar.mid_p(4, 11) == mcnemar.mid_p(11, 4)
    assert mcnemar.mid_p(7, 7) == 1.0


def test_comparison_reports_mcnemar_for_accuracy():
    y = np.array([0, 1] * 50)
    base = y.copy()
    cand = y.copy()
    base[:12] = 1 - base[:12]  # baseline wrong on 12 rows the candidate gets right
    cand[90:93] = 1 - cand[90:93]  # candidate wrong on 3 rows the baseline gets right
    found, _ = compare_classification(y, base, None, cand, None, n_classes=2, resamples=200)
    accuracy = found["accuracy"]
    assert accuracy.method == "mcnemar-mid-p"
    assert accuracy.delta == pytest.approx(0.09)
    assert accuracy.p_value == pytest.approx(mcnemar.mid_p(3, 12))
    assert accuracy.ci[0] < accuracy.delta < accuracy.ci[1]
