"""compare's churn on constructed predictions: the counts match a direct count with pandas on the
same rows, flips.csv holds exactly the flipped rows' ids, and the harmful-flip gate fails only
when the harmful share is significantly above `churn.max_harmful`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelci import prediction_churn
from modelci.comparison import Settings
from modelci.config import ChurnConfig
from modelci.scoring import Predictions

CLASSES = ("cat", "dog", "eel")


def settings(**churn) -> Settings:
    return Settings(
        alpha=0.05,
        strict=False,
        confidence=0.95,
        resamples=100,
        seed=0,
        gates={},
        churn=ChurnConfig(**churn),
    )


def three_classes(n: int = 3_000, seed: int = 0):
    """Two classifiers of three classes on rows with text ids; the first rows' true class is one
    neither model knows, so they are not compared (as compare leaves them out)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(CLASSES)
    truth = labels[rng.integers(0, 3, n)].astype(object)
    truth[:7] = "fox"
    base = np.where(rng.random(n) < 0.8, truth, labels[rng.integers(0, 3, n)])
    base[:7] = "cat"
    cand = np.where(rng.random(n) < 0.15, labels[rng.integers(0, 3, n)], base)
    ids = np.array([f"row-{i:05d}" for i in rng.permutation(n)])
    seen = truth != "fox"

    def side(pred: np.ndarray) -> Predictions:
        return Predictions(
            task="classification",
            row_id=ids,
            y_true=truth.astype(str),
            y_pred=pred.astype(str),
            classes=CLASSES,
            proba=None,
            seen=seen,
        )

    return side(cand), side(base)


def test_classification_counts_match_a_direct_count_and_flips_csv_holds_the_flipped_ids(tmp_path):
    cand, base = three_classes()
    seen = cand.seen
    slices = {"first half": np.arange(1_000), "odd": np.arange(1, int(seen.sum()), 2)}
    measured = prediction_churn.measure(cand, base, settings=settings(), slices=slices)

    table = pd.DataFrame(
        {
            "row_id": cand.row_id,
            "truth": cand.y_true,
            "baseline": base.y_pred,
            "candidate": cand.y_pred,
        }
    )[seen].reset_index(drop=True)
    table["changed"] = table.baseline != table.candidate
    table["harmful"] = (table.baseline == table.truth) & (table.candidate != table.truth)
    table["helpful"] = (table.baseline != table.truth) & (table.candidate == table.truth)

    def counts(rows: pd.DataFrame) -> dict:
        return {
            "rows": len(rows),
            "changed": int(rows.changed.sum()),
            "harmful": int(rows.harmful.sum()),
            "helpful": int(rows.helpful.sum()),
        }

    report = measured.report
    assert {k: report[k] for k in ("rows", "changed", "harmful", "helpful")} == counts(table)
    assert report["rows"] == 3_000 - 7 and report["threshold"] is None
    assert report["changed"] > report["harmful"] + report["helpful"] > 0, "wrong → other wrong"
    assert report["per_class"] == [
        {"label": label, **counts(table[table.truth == label])} for label in CLASSES
    ]
    assert report["per_slice"] == [
        {"name": name, **counts(table.iloc[rows])} for name, rows in slices.items()
    ]
    assert report["gate"] is None and not measured.failed

    prediction_churn.write_flips(tmp_path, measured)
    assert report["flips_file"] == "flips.csv"
    flips = pd.read_csv(tmp_path / "flips.csv", keep_default_na=False)
    assert list(flips.columns) == ["row_id", "baseline", "candidate", "truth", "kind"]
    flipped = table[table.changed]
    assert sorted(flips.row_id) == sorted(flipped.row_id)
    assert len(flips) == report["changed"]
    by_id = flips.set_index("row_id")
    expected = np.where(flipped.harmful, "harmful", np.where(flipped.helpful, "helpful", "changed"))
    assert by_id.loc[flipped.row_id, "kind"].tolist() == expected.tolist()
    assert by_id.loc[flipped.row_id, "baseline"].tolist() == flipped.baseline.tolist()
    assert by_id.loc[flipped.row_id, "truth"].tolist() == flipped.truth.tolist()


def regression_pair(n: int = 2_000, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, n)
    base = y + rng.normal(0, 1, n)
    cand = base + rng.normal(0, 0.8, n)
    ids = np.arange(100, 100 + n)

    def side(pred: np.ndarray) -> Predictions:
        return Predictions(
            task="regression",
            row_id=ids,
            y_true=y,
            y_pred=pred,
            classes=None,
            proba=None,
            seen=None,
        )

    return side(cand), side(base)


def test_regression_flips_are_errors_grown_beyond_the_baselines_median_absolute_error(tmp_path):
    cand, base = regression_pair()
    measured = prediction_churn.measure(cand, base, settings=settings(), slices={})
    y = cand.y_true
    threshold = float(np.median(np.abs(base.y_pred - y)))
    growth = np.abs(cand.y_pred - y) - np.abs(base.y_pred - y)
    report = measured.report
    assert report["threshold"] == pytest.approx(threshold)
    assert report["harmful"] == int((growth > threshold).sum()) > 0
    assert report["helpful"] == int((growth < -threshold).sum()) > 0
    assert report["changed"] == report["harmful"] + report["helpful"]
    assert report["per_class"] == [] and report["per_slice"] == []

    prediction_churn.write_flips(tmp_path, measured)
    flips = pd.read_csv(tmp_path / "flips.csv")
    assert list(flips.columns) == [
        "row_id",
        "baseline",
        "candidate",
        "truth",
        "kind",
        "error_growth",
    ]
    beyond = np.abs(growth) > threshold
    assert sorted(flips.row_id) == sorted(cand.row_id[beyond])
    assert flips.error_growth.to_numpy() == pytest.approx(growth[beyond])
    assert set(flips.kind[flips.error_growth > 0]) == {"harmful"}


def test_a_given_regression_threshold_is_used():
    cand, base = regression_pair()
    report = prediction_churn.measure(
        cand, base, settings=settings(threshold=100.0), slices={}
    ).report
    assert report["threshold"] == 100.0 and report["changed"] == 0
    assert report["flips_file"] is None


def with_harmful(harmful: int, n: int = 2_000) -> tuple[Predictions, Predictions]:
    """Binary predictions where exactly `harmful` rows go right → wrong (and none the other way)."""
    truth = np.where(np.arange(n) % 2, "yes", "no")
    base = truth.copy()
    cand = truth.copy()
    cand[:harmful] = np.where(truth[:harmful] == "yes", "no", "yes")

    def side(pred: np.ndarray) -> Predictions:
        return Predictions(
            task="classification",
            row_id=np.arange(n),
            y_true=truth,
            y_pred=pred,
            classes=("no", "yes"),
            proba=None,
            seen=np.ones(n, dtype=bool),
        )

    return side(cand), side(base)


def test_the_harmful_flip_gate_fails_when_significantly_above_max_harmful():
    measured = prediction_churn.measure(
        *with_harmful(80), settings=settings(max_harmful=0.02), slices={}
    )
    gate = measured.report["gate"]
    assert measured.failed and gate["status"] == "fail"
    assert gate["rate"] == 0.04 and gate["p_value"] < 0.05 and gate["ci"][0] > 0.02
    assert (
        "4.00%" in gate["reason"]
        and "significantly more than max_harmful 2% (p < 0.001)" in gate["reason"]
    )


def test_the_harmful_flip_gate_passes_within_noise_and_says_so():
    measured = prediction_churn.measure(
        *with_harmful(45), settings=settings(max_harmful=0.02), slices={}
    )
    gate = measured.report["gate"]
    assert not measured.failed and gate["status"] == "pass"
    assert gate["rate"] == 0.0225 and gate["p_value"] > 0.05
    assert "not significantly" in gate["reason"]
    below = prediction_churn.measure(
        *with_harmful(10), settings=settings(max_harmful=0.02), slices={}
    )
    assert below.report["gate"]["status"] == "pass" and "within" in below.report["gate"]["reason"]


def test_nothing_flipped_writes_no_file(tmp_path):
    cand, base = with_harmful(0)
    measured = prediction_churn.measure(cand, base, settings=settings(), slices={})
    prediction_churn.write_flips(tmp_path, measured)
    assert measured.report["flips_file"] is None and not (tmp_path / "flips.csv").exists()
