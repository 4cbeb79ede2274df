"""Normal theory and the delta method for regression metrics, against a naive bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from modelci.stats import compare_regression, score_regression
from modelci.stats.intervals import z_value


def half_width_se(ci):
    return (ci[1] - ci[0]) / (2 * z_value(0.95))


def data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.gamma(3, 2, n) + 0.5  # skewed, no zeros
    shared = rng.normal(size=n)
    a = y + shared + rng.normal(size=n)
    b = y + 0.8 * shared + rng.normal(size=n)
    return y, a, b


def bootstrap(y, a, b, resamples=4000, seed=1):
    index = np.random.default_rng(seed).integers(0, y.size, size=(resamples, y.size))
    ys = y[index]
    out = {}
    for label, pred in (("a", a), ("b", b)):
        err = ys - pred[index]
        mse = (err**2).mean(axis=1)
        out[label] = {
            "rmse": np.sqrt(mse),
            "mae": np.abs(err).mean(axis=1),
            "r2": 1 - mse / ys.var(axis=1),
            "mape": (np.abs(err) / np.abs(ys)).mean(axis=1),
        }
    return out


@pytest.mark.parametrize("name", ["rmse", "mae", "r2", "mape"])
def test_standard_errors_agree_with_a_naive_bootstrap(name):
    y, a, b = data()
    boot = bootstrap(y, a, b)
    single, _ = score_regression(y, a, resamples=20)
    assert half_width_se(single[name].ci) == pytest.approx(boot["a"][name].std(), rel=0.15)
    paired, _ = compare_regression(y, a, b, resamples=20)
    expected = (boot["b"][name] - boot["a"][name]).std()
    assert half_width_se(paired[name].ci) == pytest.approx(expected, rel=0.15)


def test_methods_are_reported():
    y, a, _ = data(100)
    single, _ = score_regression(y, a, resamples=20)
    assert {name: e.method for name, e in single.items()} == {
        "rmse": "delta-method",
        "mae": "student-t",  # below 1,000 rows the mean losses use Student's t
        "r2": "delta-method",
        "median_ae": "bootstrap",
        "max_error": "point",
        "mape": "student-t",
    }
    assert single["max_error"].ci is None


def test_r2_interval_accounts_for_the_targets_spread():
    """Treating Var(y) as fixed understates R²'s spread; the bootstrap agrees with the full
    linearisation, not with the fixed-denominator one."""
    y, a, _ = data(600, seed=3)
    boot = bootstrap(y, a, a)["a"]["r2"].std()
    single, _ = score_regression(y, a, resamples=20)
    fixed = ((y - a) ** 2).std(ddof=1) / np.sqrt(y.size) / y.var()
    assert half_width_se(single["r2"].ci) == pytest.approx(boot, rel=0.1)
    assert abs(fixed - boot) > abs(half_width_se(single["r2"].ci) - boot)
