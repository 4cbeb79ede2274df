"""DeLong's AUC variance: the per-row form equals the textbook formula and matches a bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from modelci.stats import compare_classification, delong, score_classification
from modelci.stats.intervals import z_value
from modelci.stats.ranking import one_vs_rest


def correlated_scores(n, seed, *, k=2, ties=False):
    """Two models' probabilities sharing a noise term, so their AUCs are correlated."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    shared = rng.normal(size=(n, k))
    onehot = np.eye(k)[y]
    probas = []
    for strength in (1.0, 1.3):
        logits = strength * onehot + shared + 0.7 * rng.normal(size=(n, k))
        if ties:
            logits = np.round(logits)
        p = np.exp(logits)
        probas.append(p / p.sum(axis=1, keepdims=True))
    return y, probas[0], probas[1]


def textbook_components(positive, score):
    """DeLong et al. (1988) placement values by brute force, O(m·k)."""
    pos, neg = score[positive], score[~positive]
    kernel = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return kernel.mean(axis=1), kernel.mean(axis=0)


@pytest.mark.parametrize("ties", [False, True])
def test_single_variance_equals_the_textbook_formula(ties):
    y, proba, _ = correlated_scores(150, seed=3, ties=ties)
    v10, v01 = textbook_components(y == 1, proba[:, 1])
    expected = v10.var(ddof=1) / v10.size + v01.var(ddof=1) / v01.size
    stat = delong.macro_auc(one_vs_rest(y, proba))
    assert stat.value == pytest.approx(v10.mean(), abs=1e-12)
    assert stat.se() ** 2 == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("ties", [False, True])
def test_paired_variance_equals_delongs_correlated_test(ties):
    y, pa, pb = correlated_scores(150, seed=4, ties=ties)
    positive = y == 1
    a10, a01 = textbook_components(positive, pa[:, 1])
    b10, b01 = textbook_components(positive, pb[:, 1])
    s10 = np.cov(np.vstack([a10, b10]))
    s01 = np.cov(np.vstack([a01, b01]))
    contrast = np.array([-1.0, 1.0])
    expected = contrast @ s10 @ contrast / a10.size + contrast @ s01 @ contrast / a01.size
    base = delong.macro_auc(one_vs_rest(y, pa))
    cand = delong.macro_auc(one_vs_rest(y, pb))
    diff_var = float(np.sum((cand.influence - base.influence) ** 2))
    assert diff_var == pytest.approx(expected, rel=1e-10)


def bootstrap_auc(y, score, index):
    """Naive row bootstrap of the binary AUC (Mann-Whitney with midranks), all resamples at once."""
    positive = (y == 1)[index]
    ranks = stats.rankdata(score[index], axis=1)
    m = positive.sum(axis=1)
    k = index.shape[1] - m
    return ((ranks * positive).sum(axis=1) - m * (m + 1) / 2) / (m * k)


def bootstrap_macro_auc(y, proba, index):
    return np.mean(
        [bootstrap_auc((y == c).astype(int), proba[:, c], index) for c in range(proba.shape[1])],
        axis=0,
    )


def half_width_se(ci):
    return (ci[1] - ci[0]) / (2 * z_value(0.95))


@pytest.mark.parametrize("k", [2, 3])
def test_standard_errors_agree_with_a_naive_bootstrap(k):
    y, pa, pb = correlated_scores(200, seed=11, k=k)
    index = np.random.default_rng(0).integers(0, y.size, size=(4000, y.size))
    boot = bootstrap_auc if k == 2 else bootstrap_macro_auc
    score_a = pa[:, 1] if k == 2 else pa
    score_b = pb[:, 1] if k == 2 else pb
    draws_a, draws_b = boot(y, score_a, index), boot(y, score_b, index)

    single, _ = score_classification(y, pa.argmax(axis=1), pa, n_classes=k, resamples=20)
    assert single["roc_auc"].method == "delong"
    assert half_width_se(single["roc_auc"].ci) == pytest.approx(draws_a.std(ddof=1), rel=0.15)

    paired, _ = compare_classification(
        y, pa.argmax(axis=1), pa, pb.argmax(axis=1), pb, n_classes=k, resamples=20
    )
    delta = paired["roc_auc"]
    assert half_width_se(delta.ci) == pytest.approx((draws_b - draws_a).std(ddof=1), rel=0.15)
    # The paired SE is well below the unpaired one: the correlation is being used.
    unpaired = np.hypot(draws_a.std(), draws_b.std())
    assert half_width_se(delta.ci) < 0.9 * unpaired


def test_p_value_is_the_two_sided_normal_tail():
    y, pa, pb = correlated_scores(300, seed=5)
    paired, _ = compare_classification(
        y, pa.argmax(axis=1), pa, pb.argmax(axis=1), pb, n_classes=2, resamples=20
    )
    delta = paired["roc_auc"]
    se = half_width_se(delta.ci)
    assert delta.p_value == pytest.approx(2 * stats.norm.sf(abs(delta.delta) / se), rel=1e-9)


def test_single_interval_is_clipped_to_the_unit_interval():
    y = np.r_[np.zeros(5, int), np.ones(5, int)]
    score = np.r_[np.linspace(0, 0.4, 5), np.linspace(0.45, 0.5, 4), 0.1]
    proba = np.c_[1 - score, score]
    stat = delong.macro_auc(one_vs_rest(y, proba))
    assert stat.value + z_value(0.95) * stat.se() > 1  # the unclipped interval leaves [0, 1]
    found, _ = score_classification(y, y, proba, n_classes=2, resamples=20)
    low, high = found["roc_auc"].ci
    assert 0 <= low <= found["roc_auc"].value <= high == 1.0


def test_perfect_separation_has_zero_width_and_p_one_on_a_tie():
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    score = np.r_[np.linspace(0, 0.4, 20), np.linspace(0.6, 1, 20)]
    proba = np.c_[1 - score, score]
    found, _ = score_classification(y, y, proba, n_classes=2, resamples=20)
    assert found["roc_auc"].value == 1.0
    assert found["roc_auc"].ci == (1.0, 1.0)
    other = np.c_[1 - score**0.5, score**0.5]  # same ranking, different probabilities
    paired, _ = compare_classification(y, y, proba, y, other, n_classes=2, resamples=20)
    assert paired["roc_auc"].delta == 0.0
    assert paired["roc_auc"].ci == (0.0, 0.0)
    assert paired["roc_auc"].p_value == 1.0
