"""compare's slices on constructed predictions where the truth is known: a regression confined to
one slice is found, named and fails a `slices: true` gate while the aggregate gate passes; a
null comparison over 20 slices flags none at the corrected level in most repetitions."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from modelci import gates, slicing
from modelci.comparison import Settings
from modelci.config import GateRule, SliceBy, SlicesConfig
from modelci.errors import UserError
from modelci.rows import EvalRows
from modelci.scoring import Predictions
from modelci.stats import compare_classification

CLASSES = ("no", "yes")
METRICS = ("roc_auc", "accuracy", "recall")


def classified(y: np.ndarray, score: np.ndarray, row_id: np.ndarray) -> Predictions:
    """A binary model's predictions from its class-1 scores (threshold 0.5)."""
    labels = np.asarray(CLASSES)
    return Predictions(
        task="classification",
        row_id=row_id,
        y_true=labels[y],
        y_pred=labels[(score > 0.5).astype(int)],
        classes=CLASSES,
        proba=np.column_stack([1 - score, score]),
        seen=np.ones(y.size, dtype=bool),
    )


def model_run(categorical=("plan",), numeric=("x",), has_model=True):
    """What compare_slices reads of the candidate run."""
    return SimpleNamespace(
        has_model=has_model,
        info=SimpleNamespace(
            features={"categorical": list(categorical), "numeric": list(numeric)},
            config_path="modelci.yaml",
        ),
    )


def settings(rules=None, slices=None, **options) -> Settings:
    return Settings(
        alpha=0.05,
        strict=False,
        confidence=0.95,
        resamples=options.pop("resamples", 1000),
        seed=0,
        gates=rules or {},
        slices=slices or SlicesConfig(),
        **options,
    )


def metric_rows(cand: Predictions, base: Predictions, rules) -> list[dict]:
    """The whole-set metric rows and gates, as compare() builds them before the slices."""
    deltas, _ = compare_classification(
        cand.y,
        base.pred,
        base.proba_seen,
        cand.pred,
        cand.proba_seen,
        n_classes=2,
        metrics=METRICS,
    )
    out = []
    for name, delta in deltas.items():
        seen = gates.Observed(
            higher_is_better=True,
            baseline=delta.baseline,
            candidate=delta.candidate,
            delta=delta.delta,
            delta_ci=delta.ci,
            p_value=delta.p_value,
            candidate_ci=None,
        )
        result = gates.evaluate(rules.get(name), seen, alpha=0.05, strict_default=False)
        out.append(
            {
                "name": name,
                "higher_is_better": True,
                "baseline": delta.baseline,
                "candidate": delta.candidate,
                "delta": delta.delta,
                "gate": result.as_dict(),
            }
        )
    return out


def sliced(cand, base, frame, rules, run=None, **options):
    return slicing.compare_slices(
        run or model_run(),
        cand,
        base,
        settings=settings(rules, **options),
        metric_rows=metric_rows(cand, base, rules),
        primary="roc_auc",
        evaluated=None,
        test_rows=EvalRows(frame=frame, row_id=cand.row_id, train=None, facts={}),
    )


def one_bad_plan(seed: int = 0, n: int = 20_000):
    """Ten plans; the candidate equals the baseline except on plan p0 (10% of the rows), where
    a quarter of the positives lose their score: recall drops ~0.2 there, ~0.02 overall."""
    rng = np.random.default_rng(seed)
    plan = np.array([f"p{i}" for i in range(10)])[rng.permutation(np.arange(n) % 10)]
    y = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(3 * (y - 0.5) + rng.normal(0, 1.2, n))))
    cand_score = score.copy()
    hit = (plan == "p0") & (y == 1) & (rng.random(n) < 0.25)
    cand_score[hit] = score[hit] * 0.2
    ids = np.array([f"id-{i}" for i in range(n)])
    frame = pd.DataFrame({"plan": plan, "x": rng.normal(size=n)})
    return classified(y, cand_score, ids), classified(y, score, ids), frame


def test_a_regression_confined_to_one_slice_is_found_named_and_fails_its_slice_gate():
    cand, base, frame = one_bad_plan()
    rules = {"recall": GateRule(max_drop=0.03, slices=True), "accuracy": GateRule(max_drop=0.03)}
    rows = metric_rows(cand, base, rules)
    recall = next(row for row in rows if row["name"] == "recall")
    assert -0.03 < recall["delta"] < -0.01, "the whole set barely moves"
    assert recall["gate"]["status"] == gates.PASS

    result = sliced(cand, base, frame, rules)
    report = result.report
    assert report["metrics"] == list(METRICS) and report["unavailable"] is None
    assert report["tests"] == 30 and report["correction"] == "holm"
    assert report["resamples"] >= 2 * 30 / 0.05
    assert len(report["slices"]) == 10 and set(result.rows) == {f"plan=p{i}" for i in range(10)}
    worse = {
        (entry["name"], m["name"])
        for entry in report["slices"]
        for m in entry["metrics"]
        if m["worse"]
    }
    assert worse == {("plan=p0", name) for name in METRICS}
    p0 = next(entry for entry in report["slices"] if entry["name"] == "plan=p0")
    assert p0["rows"] == 2000
    p0_recall = next(m for m in p0["metrics"] if m["name"] == "recall")
    # A bootstrap p is never below 2/(B + 1): resamples were raised so that Holm's ×30 can
    # still reach below α.
    assert p0_recall["delta"] < -0.15 and p0_recall["adjusted_p"] < 0.05
    assert p0_recall["adjusted_p"] >= p0_recall["p_value"]
    # Only the rule with `slices: true` is gated per slice, and it names the slice.
    assert [f["slice"] for f in report["gate_failures"]] == ["plan=p0"]
    failure = report["gate_failures"][0]
    assert failure["metric"] == "recall" and failure["tolerance"] == 0.03
    assert set(result.failures) == {"recall"}
    reason = result.failures["recall"]
    assert "plan=p0" in reason and "0.03 allowed" in reason and "Holm-adjusted" in reason
    assert "over 10 gated slice tests" in reason, "only recall is gated per slice"


def test_a_slice_gate_passes_when_the_slice_stays_within_its_tolerance():
    cand, base, frame = one_bad_plan()
    result = sliced(cand, base, frame, {"recall": GateRule(max_drop=0.5, slices=True)})
    assert result.failures == {} and result.report["gate_failures"] == []
    assert any(m["worse"] for entry in result.report["slices"] for m in entry["metrics"])


def null_comparison(rng: np.random.Generator, n: int = 4_000, levels: int = 20):
    """Two equally good models with independent noise, over `levels` equal slices."""
    plan = np.array([f"p{i:02d}" for i in range(levels)])[rng.permutation(np.arange(n) % levels)]
    y = rng.integers(0, 2, n)
    signal = 2 * (y - 0.5)

    def model() -> np.ndarray:
        return 1 / (1 + np.exp(-(signal + rng.normal(0, 1.5, n))))

    ids = np.arange(n)
    return classified(y, model(), ids), classified(y, model(), ids), pd.DataFrame({"plan": plan})


def test_a_null_comparison_over_20_slices_flags_none_at_the_corrected_level_most_times():
    rng = np.random.default_rng(7)
    # The strictest slice gate: any significant drop of recall on a slice fails it.
    rules = {"recall": GateRule(max_drop=0.0, slices=True)}
    repetitions, corrected, raw = 100, 0, 0
    for _ in range(repetitions):
        cand, base, frame = null_comparison(rng)
        report = sliced(cand, base, frame, rules).report
        assert len(report["slices"]) == 20 and report["tests"] == 40
        found = [m for entry in report["slices"] for m in entry["metrics"]]
        corrected += any(m["worse"] for m in found) or bool(report["gate_failures"])
        raw += any(m["p_value"] is not None and m["p_value"] < 0.05 for m in found)
    # Holm bounds the chance of any false flag by α = 0.05 (and only worsenings count): at most
    # 5 of 100 expected, more than 10 has a chance below 1.2% even at the bound.
    assert corrected <= 10, f"{corrected} of {repetitions} null comparisons flagged a slice"
    # Uncorrected, 40 tests at 0.05 would flag something most times.
    assert raw >= repetitions // 2


def test_automatic_and_configured_slices_are_made_and_named():
    cand, base, frame = one_bad_plan(n=3_000)
    config = SlicesConfig(
        min_rows=100,
        by=(SliceBy(feature="x", bins=(0.0,)), SliceBy(features=("plan", "half"))),
    )
    frame["half"] = np.where(np.arange(len(frame)) % 2, "odd", "even")
    result = sliced(
        cand, base, frame, {}, run=model_run(categorical=("plan", "half")), slices=config
    )
    names = [entry["name"] for entry in result.report["slices"]]
    assert names[:2] == ["x in [-inf, 0)", "x in [0, inf]"]
    assert "plan=p3 & half=odd" in names and names[-2:] == ["half=even", "half=odd"]
    assert "plan=p3" in names
    assert all(entry["rows"] >= 100 for entry in result.report["slices"])
    assert result.report["too_small"] == {}


def test_slices_below_min_rows_are_listed_as_too_small():
    cand, base, frame = one_bad_plan(n=1_000)
    frame.loc[:9, "plan"] = "rare"
    result = sliced(cand, base, frame, {}, slices=SlicesConfig(min_rows=30))
    assert result.report["too_small"] == {"plan=rare": 10}
    assert "plan=rare" not in result.rows


def test_a_predictions_candidate_says_slices_are_unavailable():
    cand, base, frame = one_bad_plan(n=500)
    result = sliced(cand, base, frame, {}, run=model_run(categorical=(), has_model=False))
    assert result.report["unavailable"].startswith("the candidate is a predictions run")
    assert result.report["slices"] == [] and result.rows == {} and result.failures == {}


def test_no_categorical_feature_and_nothing_configured_is_said():
    cand, base, frame = one_bad_plan(n=500)
    result = sliced(cand, base, frame, {}, run=model_run(categorical=()))
    assert "no categorical features" in result.report["unavailable"]


def test_slicing_turned_off_leaves_no_slices_part():
    cand, base, frame = one_bad_plan(n=500)
    assert sliced(cand, base, frame, {}, slices=SlicesConfig(automatic=False)).report is None


def test_a_numeric_feature_sliced_by_levels_is_one_clear_error():
    cand, base, frame = one_bad_plan(n=500)
    with pytest.raises(UserError) as raised:
        sliced(cand, base, frame, {}, slices=SlicesConfig(by=(SliceBy(feature="x"),)))
    assert "numeric" in raised.value.message and "bins" in (raised.value.fix or "")


def test_a_slice_feature_that_is_no_column_is_one_clear_error():
    cand, base, frame = one_bad_plan(n=500)
    with pytest.raises(UserError) as raised:
        sliced(cand, base, frame, {}, slices=SlicesConfig(by=(SliceBy(feature="colour"),)))
    assert "'colour'" in raised.value.message and raised.value.where == "modelci.yaml"


def test_rows_a_model_never_saw_are_left_out_and_the_rest_matched_by_id():
    cand, base, frame = one_bad_plan(n=2_000)
    seen = np.ones(2_000, dtype=bool)
    seen[:5] = False
    cand, base = dataclasses.replace(cand, seen=seen), dataclasses.replace(base, seen=seen)
    result = sliced(cand, base, frame, {})
    assert sum(entry["rows"] for entry in result.report["slices"]) == 1_995
    kept = np.concatenate(list(result.rows.values()))
    expected = frame["plan"].to_numpy()[seen]
    for name, positions in result.rows.items():
        assert (expected[positions] == name.split("=")[1]).all()
    assert np.sort(kept).tolist() == list(range(1_995))


def test_missing_values_are_a_level_of_their_own():
    cand, base, frame = one_bad_plan(n=1_000)
    frame["plan"] = frame["plan"].astype("string[pyarrow]")
    frame.loc[:99, "plan"] = pd.NA
    result = sliced(cand, base, frame, {})
    assert result.rows["plan=<missing>"].tolist() == list(range(100))
    assert sum(entry["rows"] for entry in result.report["slices"]) == 1_000


def test_a_regression_task_is_sliced_on_its_primary_and_gated_metrics():
    rng = np.random.default_rng(3)
    n = 3_000
    region = np.array(["north", "south", "east"])[np.arange(n) % 3]
    y = rng.normal(10, 2, n)
    base_pred = y + rng.normal(0, 1, n)
    cand_pred = base_pred + np.where(region == "east", 2.0, 0.0)  # a bias in the east only

    def side(pred):
        return Predictions(
            task="regression",
            row_id=np.arange(n),
            y_true=y,
            y_pred=pred,
            classes=None,
            proba=None,
            seen=None,
        )

    cand, base = side(cand_pred), side(base_pred)
    rules = {"mae": GateRule(max_rise=0.5, slices=True)}
    # The whole-set rows as compare builds them (only what slicing reads of them).
    rows = [
        {
            "name": name,
            "higher_is_better": name == "r2",
            "baseline": 1.0,
            "candidate": 1.1,
            "delta": 0.1,
            "gate": {"rule": rules[name].as_dict() if name in rules else {}},
        }
        for name in ("rmse", "mae", "r2")
    ]
    result = slicing.compare_slices(
        model_run(categorical=("region",)),
        cand,
        base,
        settings=settings(rules),
        metric_rows=rows,
        primary="rmse",
        evaluated=None,
        test_rows=EvalRows(
            frame=pd.DataFrame({"region": region}), row_id=cand.row_id, train=None, facts={}
        ),
    )
    assert result.report["metrics"] == ["rmse", "mae"]
    worse = {e["name"] for e in result.report["slices"] if any(m["worse"] for m in e["metrics"])}
    assert worse == {"region=east"}
    assert "slice region=east" in result.failures["mae"] and "rose by" in result.failures["mae"]
