"""Per-slice comparisons on data where the truth is known: the bad slice is found and named."""

from __future__ import annotations

import numpy as np
import pytest

from modelci.stats import compare_classification
from modelci.stats.slice_rows import (
    CrossedLevels,
    FeatureLevels,
    NumericBins,
    Slice,
    Slices,
    automatic,
    resolve,
)
from modelci.stats.slices import compare_classification_slices, compare_regression_slices


def regional(seed: int = 0, n: int = 5_000):
    """Ten regions of 10% each; the candidate breaks region r7 and fixes as many rows elsewhere.

    The whole-set accuracy is unchanged on average, so only the slice view can see the damage.
    """
    rng = np.random.default_rng(seed)
    region = np.array([f"r{i}" for i in range(10)])[rng.permutation(np.arange(n) % 10)]
    y = rng.integers(0, 2, n)
    base = np.where(rng.random(n) < 0.8, y, 1 - y)
    cand = base.copy()
    broken = np.flatnonzero((region == "r7") & (base == y))
    broken = rng.choice(broken, size=broken.size // 4, replace=False)
    cand[broken] = 1 - y[broken]
    fixable = np.flatnonzero((region != "r7") & (base != y))
    fixed = rng.choice(fixable, size=broken.size, replace=False)
    cand[fixed] = y[fixed]
    return y, base, cand, {"region": region}


def by_region(y, base, cand, features, metrics, probas=(None, None), **options):
    """Slices over every region, compared on `metrics`."""
    return compare_classification_slices(
        y,
        base,
        probas[0],
        cand,
        probas[1],
        n_classes=2,
        slices=resolve(features, automatic(["region"]), rows=y.size),
        metrics=metrics,
        **options,
    )


def proba_of(pred: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p = np.clip(np.where(pred == 1, 0.7, 0.3) + rng.normal(0, 0.1, pred.size), 0.01, 0.99)
    return np.column_stack([1 - p, p])


def test_a_regression_confined_to_one_slice_is_found_and_named_while_the_aggregate_passes():
    y, base, cand, features = regional()
    rng = np.random.default_rng(1)
    proba_base, proba_cand = proba_of(base, rng), proba_of(cand, rng)

    whole, _ = compare_classification(y, base, proba_base, cand, proba_cand, n_classes=2)
    # The aggregate passes a max_drop gate of 0.01: no significant drop, and none beyond it.
    assert whole["accuracy"].p_value > 0.05
    assert whole["accuracy"].delta > -0.01

    found = by_region(
        y, base, cand, features, ["accuracy", "recall", "roc_auc"], (proba_base, proba_cand)
    )
    assert len(found.slices) == 10
    worse = found.significantly_worse()
    assert {finding.slice for finding in worse} == {"region=r7"}
    accuracy = next(finding for finding in worse if finding.metric == "accuracy")
    assert accuracy.rows == np.count_nonzero(features["region"] == "r7")
    assert accuracy.delta.delta < -0.1
    assert found.worst()[0].slice == "region=r7"


def test_a_null_comparison_over_twenty_slices_flags_none_in_most_repetitions():
    clean = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        n = 2_000
        y = rng.integers(0, 2, n)
        # Two equally good models that make different mistakes: the truth is "no change".
        base = np.where(rng.random(n) < 0.8, y, 1 - y)
        cand = np.where(rng.random(n) < 0.8, y, 1 - y)
        group = {"g": (np.arange(n) % 20).astype(str)}
        found = compare_classification_slices(
            y,
            base,
            None,
            cand,
            None,
            n_classes=2,
            slices=resolve(group, automatic(["g"]), rows=n),
            metrics=["accuracy"],
            seed=seed,
        )
        assert found.tests == 20
        clean += not found.significantly_worse()
    assert clean >= 90


def test_without_a_significant_slice_worst_lists_the_primary_metrics_largest_drops():
    y, base, _, features = regional(seed=3)
    found = by_region(y, base, base, features, ["accuracy"])
    assert found.significantly_worse() == ()
    worst = found.worst(count=3)
    assert len(worst) == 3
    assert all(
        finding.metric == "accuracy" and not finding.significantly_worse for finding in worst
    )


def test_bootstrap_resamples_are_raised_so_a_corrected_bootstrap_p_can_reach_alpha():
    y, base, cand, features = regional()
    found = by_region(y, base, cand, features, ["accuracy", "recall", "f1"], resamples=200)
    # 30 tests at α = 0.05 need p-values below 0.05 / 30: at least 2·30/0.05 resamples.
    assert found.resamples >= 1_200
    recall = next(f for f in found.findings() if f.slice == "region=r7" and f.metric == "recall")
    assert recall.significantly_worse


def test_a_slice_result_is_the_whole_set_comparison_on_its_rows():
    y, base, cand, features = regional()
    slices = resolve(features, [FeatureLevels(feature="region")], rows=y.size)
    found = compare_classification_slices(
        y, base, None, cand, None, n_classes=2, slices=slices, metrics=["accuracy"]
    )
    rows = slices.kept[0].rows
    direct, _ = compare_classification(y[rows], base[rows], None, cand[rows], None, n_classes=2)
    assert found.slices[0].deltas["accuracy"].delta == direct["accuracy"].delta
    assert found.slices[0].deltas["accuracy"].p_value == direct["accuracy"].p_value


def test_regression_slices_find_a_bad_numeric_bin():
    rng = np.random.default_rng(4)
    n = 4_000
    age = rng.uniform(18, 90, n)
    y = rng.normal(10, 2, n)
    base = y + rng.normal(0, 1, n)
    cand = y + rng.normal(0, 1, n)
    old = age >= 80
    cand[old] = y[old] + rng.normal(0, 2.5, np.count_nonzero(old))
    found = compare_regression_slices(
        y,
        base,
        cand,
        slices=resolve(
            {"age": age}, [NumericBins(feature="age", edges=(18, 40, 60, 80, 90))], rows=n
        ),
        metrics=["mae", "rmse"],
    )
    assert [s.name for s in found.slices] == [
        "age in [18, 40)",
        "age in [40, 60)",
        "age in [60, 80)",
        "age in [80, 90]",
    ]
    assert {f.slice for f in found.significantly_worse()} == {"age in [80, 90]"}


def test_resolve_crosses_two_features_and_sets_small_slices_aside():
    plan = np.array(["free", "pro"] * 50)
    region = np.array(["eu"] * 80 + ["us"] * 20)
    found = resolve(
        {"plan": plan, "region": region},
        [CrossedLevels(features=("plan", "region"))],
        rows=100,
        min_rows=30,
    )
    assert [s.name for s in found.kept] == ["plan=free & region=eu", "plan=pro & region=eu"]
    assert dict(found.too_small) == {"plan=free & region=us": 10, "plan=pro & region=us": 10}
    rows = found.kept[0].rows
    assert np.all((plan[rows] == "free") & (region[rows] == "eu")) and rows.size == 40


def test_missing_values_are_a_level_of_their_own():
    values = np.array(["b", None, "a", float("nan"), "b"], dtype=object)
    found = resolve({"x": values}, automatic(["x"]), rows=5, min_rows=1)
    assert [(s.name, s.rows.tolist()) for s in found.kept] == [
        ("x=<missing>", [1, 3]),
        ("x=a", [2]),
        ("x=b", [0, 4]),
    ]


def test_numeric_levels_are_named_by_their_value():
    found = resolve({"k": np.array([2, 10, 2, 10, 10])}, automatic(["k"]), rows=5, min_rows=1)
    assert [(s.name, s.rows.size) for s in found.kept] == [("k=10", 3), ("k=2", 2)]


@pytest.mark.parametrize(
    ("features", "definition", "message"),
    [
        ({"a": [1, 2]}, FeatureLevels(feature="b"), "'b' is not a column of the test data"),
        ({"a": [1, 2, 3]}, FeatureLevels(feature="a"), "one value per test row (2)"),
        ({"a": [1, 2]}, NumericBins(feature="a", edges=(3, 1)), "two increasing edges"),
        ({"a": ["x", "y"]}, NumericBins(feature="a", edges=(0, 1)), "must be numeric"),
    ],
)
def test_bad_slice_definitions_say_what_and_where(features, definition, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve(features, [definition], rows=2)


def test_unknown_metric_and_correction_are_refused_before_any_work():
    y, base, cand, features = regional()
    with pytest.raises(ValueError, match="'metrics' parameter must name metrics"):
        by_region(y, base, cand, features, ["acuracy"])
    with pytest.raises(ValueError, match="'method' parameter"):
        by_region(y, base, cand, features, ["accuracy"], correction="bonferroni")


def test_a_slice_with_one_class_reports_why_its_auc_is_missing_and_the_rest_still_counts():
    rng = np.random.default_rng(5)
    n = 600
    group = np.where(np.arange(n) < 100, "only-positives", "mixed")
    y = np.where(group == "only-positives", 1, rng.integers(0, 2, n))
    base = np.where(rng.random(n) < 0.8, y, 1 - y)
    proba = proba_of(base, rng)
    found = compare_classification_slices(
        y,
        base,
        proba,
        base,
        proba,
        n_classes=2,
        slices=resolve({"group": group}, automatic(["group"]), rows=n),
        metrics=["accuracy", "roc_auc"],
    )
    lonely = next(s for s in found.slices if s.name == "group=only-positives")
    assert list(lonely.deltas) == ["accuracy"]
    assert lonely.skipped == {"roc_auc": "only one class present in y"}
    assert found.tests == 3


def test_the_per_slice_gate_fails_only_a_slice_that_dropped_beyond_the_tolerance():
    y, base, cand, features = regional()
    found = by_region(y, base, cand, features, ["accuracy", "recall"])
    # r7 lost about 0.2 of accuracy: beyond a 0.02 tolerance, within a 0.5 one.
    failed = found.beyond({"accuracy": 0.02})
    assert [(f.finding.slice, f.finding.metric) for f in failed] == [("region=r7", "accuracy")]
    assert failed[0].adjusted_p < 0.05 and failed[0].tolerance == 0.02
    assert found.beyond({"accuracy": 0.5}) == ()
    # The other regions improved: no tolerance, however small, fails them.
    assert {f.finding.slice for f in found.beyond({"accuracy": 0.0, "recall": 0.0})} == {
        "region=r7"
    }
    with pytest.raises(ValueError, match="Per-slice tolerances must be for compared metrics"):
        found.beyond({"f1": 0.01})


def test_worst_ranks_by_the_first_metric_asked_for_not_the_registry_order() -> None:
    rng = np.random.default_rng(3)
    n = 600
    y = rng.integers(0, 2, n)
    base = np.where(rng.random(n) < 0.85, y, 1 - y)
    cand = base.copy()
    cand[:6] = 1 - cand[:6]  # a handful of flips: nothing is significantly worse
    pieces = Slices(
        kept=tuple(Slice(name=f"s{k}", rows=np.arange(k, n, 3)) for k in range(3)),
        too_small={},
        min_rows=30,
    )
    result = compare_classification_slices(
        y, base, None, cand, None, n_classes=2, slices=pieces, metrics=["recall", "accuracy"]
    )
    assert result.metrics == ("recall", "accuracy")  # the registry lists accuracy first
    assert not result.significantly_worse()
    assert [finding.metric for finding in result.worst(count=3)] == ["recall"] * 3
