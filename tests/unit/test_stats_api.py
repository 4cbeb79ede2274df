"""The public surface: types, determinism, input checks, and a moderate-size smoke run."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from modelci import stats
from modelci.stats import (
    Estimate,
    PairedDelta,
    compare_classification,
    compare_regression,
    score_classification,
    score_regression,
)


def binary_data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    out = [y]
    for strength in (1.0, 1.4):
        p = 1 / (1 + np.exp(-(strength * (2 * y - 1) + rng.normal(size=n))))
        out += [(p > 0.5).astype(int), np.c_[1 - p, p]]
    return out


def test_public_names():
    assert set(stats.__all__) == {
        "Estimate",
        "PairedDelta",
        "score_classification",
        "compare_classification",
        "score_regression",
        "compare_regression",
    }


def test_results_are_frozen_keyword_only_and_json_ready():
    estimate = Estimate(value=0.5, ci=(0.4, 0.6), method="normal")
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.value = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Estimate(0.5, None, "point")  # type: ignore[misc]
    y, pa, proba_a, pb, proba_b = binary_data(300)
    found, _ = compare_classification(y, pa, proba_a, pb, proba_b, n_classes=2, resamples=50)
    for delta in found.values():
        assert isinstance(delta, PairedDelta)
        json.dumps(dataclasses.asdict(delta), allow_nan=False)
        assert all(type(x) is float for x in (delta.baseline, delta.candidate, delta.delta))
        assert all(type(x) is float for x in delta.ci)


def test_same_seed_same_numbers_other_seed_other_intervals():
    y, pa, proba_a, pb, proba_b = binary_data(400)
    first = compare_classification(y, pa, proba_a, pb, proba_b, n_classes=2, seed=3, resamples=200)
    again = compare_classification(y, pa, proba_a, pb, proba_b, n_classes=2, seed=3, resamples=200)
    other = compare_classification(y, pa, proba_a, pb, proba_b, n_classes=2, seed=4, resamples=200)
    assert first == again
    assert first[0]["f1"].ci != other[0]["f1"].ci
    assert first[0]["average_precision"].ci != other[0]["average_precision"].ci
    assert first[0]["roc_auc"] == other[0]["roc_auc"]  # DeLong draws nothing
    rng = np.random.default_rng(0)
    yr = rng.normal(size=6000)
    a, b = yr + rng.normal(size=6000), yr + rng.normal(size=6000)
    assert compare_regression(yr, a, b, seed=1, resamples=50) == compare_regression(
        yr, a, b, seed=1, resamples=50
    )


def test_more_confidence_gives_wider_intervals():
    y, pa, proba_a, _, _ = binary_data(400)
    narrow, _ = score_classification(y, pa, proba_a, n_classes=2, confidence=0.8, resamples=400)
    wide, _ = score_classification(y, pa, proba_a, n_classes=2, confidence=0.99, resamples=400)
    for name in narrow:
        assert wide[name].ci[0] <= narrow[name].ci[0] <= narrow[name].ci[1] <= wide[name].ci[1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_classes": 1}, "n_classes"),
        ({"n_classes": 2, "confidence": 1.0}, "confidence"),
        ({"n_classes": 2, "resamples": 0}, "resamples"),
        ({"n_classes": 2, "seed": -1}, "seed"),
    ],
)
def test_bad_options_are_refused(kwargs, match):
    y = np.array([0, 1, 1])
    with pytest.raises(ValueError, match=match):
        score_classification(y, y, None, **kwargs)


def test_bad_inputs_are_refused():
    y = np.array([0, 1, 1])
    with pytest.raises(ValueError, match=r"class codes in 0\.\.1"):
        score_classification(y, np.array([0, 2, 1]), None, n_classes=2)
    with pytest.raises(ValueError, match="must have 3 rows"):
        score_classification(y, np.array([0, 1]), None, n_classes=2)
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        score_classification(y, y, np.ones((3, 3)) / 3, n_classes=2)
    with pytest.raises(ValueError, match="integer class codes"):
        score_classification(np.array([0.5, 1, 1]), y, None, n_classes=2)
    with pytest.raises(ValueError, match="finite"):
        score_regression(np.array([1.0, np.nan]), np.array([1.0, 2.0]))


def test_moderate_size_smoke():
    """50k rows, multiclass and regression, end to end (no timing assertion)."""
    rng = np.random.default_rng(0)
    n, k = 50_000, 5
    y = rng.integers(0, k, n)
    probas = []
    for strength in (1.0, 1.2):
        logits = strength * np.eye(k)[y] + rng.normal(size=(n, k))
        p = np.exp(logits)
        probas.append(p / p.sum(axis=1, keepdims=True))
    found, skipped = compare_classification(
        y, probas[0].argmax(1), probas[0], probas[1].argmax(1), probas[1], n_classes=k
    )
    assert skipped == {}
    assert found["average_precision"].method == "block-bootstrap"
    assert found["roc_auc"].delta > 0 and found["roc_auc"].p_value < 1e-6
    yr = rng.normal(size=n)
    paired, _ = compare_regression(yr, yr + rng.normal(size=n), yr + 0.9 * rng.normal(size=n))
    assert paired["median_ae"].method == "block-bootstrap"
    assert paired["rmse"].delta < 0
