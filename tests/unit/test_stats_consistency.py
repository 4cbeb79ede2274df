"""A reviewer reads the CI and the p-value side by side: they must never contradict each other."""

from __future__ import annotations

import numpy as np
import pytest

from modelci import stats


@pytest.mark.parametrize("seed", range(12))
def test_bootstrap_interval_excludes_zero_exactly_when_p_is_below_alpha(seed):
    rng = np.random.default_rng(seed)
    n = 150
    y = rng.integers(0, 2, n)
    noise = rng.normal(scale=[[1.0], [1.3]], size=(2, n))
    proba = [1 / (1 + np.exp(-(2.0 * (y - 0.5) + noise[k]))) for k in range(2)]
    deltas, _ = stats.compare_classification(
        y,
        (proba[0] > 0.5).astype(int),
        np.column_stack([1 - proba[0], proba[0]]),
        (proba[1] > 0.5).astype(int),
        np.column_stack([1 - proba[1], proba[1]]),
        n_classes=2,
        confidence=0.95,
        resamples=1000,
        seed=seed,
    )
    checked = 0
    for name, delta in deltas.items():
        if delta.method not in ("multinomial-bootstrap", "bootstrap") or delta.ci is None:
            continue
        excludes_zero = delta.ci[0] > 0 or delta.ci[1] < 0
        # Quantile interpolation can move a bound across zero by less than one draw's weight.
        if min(abs(delta.ci[0]), abs(delta.ci[1])) < 1e-12:
            continue
        assert excludes_zero == (delta.p_value < 0.05), (name, delta)
        checked += 1
    assert checked >= 5
