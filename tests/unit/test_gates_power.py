"""Gates: turning a metric's gate to fail, and (below) power: when a pass is inconclusive."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import norm
from scipy.stats import t as student

from modelci import comparison, gates, stats
from modelci.config import GateRule
from modelci.stats.results import PairedDelta


def test_with_failure_appends_to_a_passing_or_failing_gate():
    passing = {
        "rule": {"max_drop": 0.02},
        "status": "pass",
        "reason": "dropped by 0.01",
        "warning": "inconclusive: these 60 rows detect a drop of 0.079 or more",
    }
    failed = gates.with_failure(passing, "slice plan=basic dropped by 0.08")
    assert failed == {
        "rule": {"max_drop": 0.02},
        "status": "fail",
        "reason": "dropped by 0.01; slice plan=basic dropped by 0.08",
        "warning": None,
    }
    assert passing["status"] == "pass"  # the row's dict is not changed in place
    twice = gates.with_failure(failed, "2.1% below v1.0.0, the best release")
    assert twice["reason"].endswith("0.08; 2.1% below v1.0.0, the best release")


def test_with_failure_turns_an_ungated_metric_into_a_failed_gate():
    ungated = {"rule": {}, "status": "none", "reason": "no gate"}
    failed = gates.with_failure(ungated, "below the best release", rule={"max_drop_from_best": 1})
    assert failed["status"] == "fail" and failed["reason"] == "below the best release"
    assert failed["rule"] == {"max_drop_from_best": 1}
    assert gates.with_failure(ungated, "x")["rule"] == {}


# ---- power: the smallest worsening the rows detect, and inconclusive passes ----------------------

ACCURACY_GATE = {"accuracy": GateRule(max_drop=0.02)}


def dropped(rows: int, *, harmful: float, helpful: float = 0.0) -> dict[str, PairedDelta]:
    """Paired deltas of two binary classifiers on `rows` rows: the baseline is right on 90% of
    them; the candidate gets a `harmful` share of rows wrong that the baseline got right, and a
    `helpful` share right that it got wrong."""
    y = np.tile([0, 1], rows // 2)
    baseline = y.copy()
    baseline[: rows // 10] ^= 1  # wrong on the first 10%
    candidate = baseline.copy()
    hurt = round(rows * harmful)
    fixed = round(rows * helpful)
    candidate[rows // 10 : rows // 10 + hurt] ^= 1  # right → wrong
    candidate[:fixed] ^= 1  # wrong → right
    deltas, _ = stats.compare_classification(
        y, baseline, None, candidate, None, n_classes=2, resamples=200, metrics=["accuracy"]
    )
    return deltas


def rows_of(
    deltas: dict[str, PairedDelta], *, rows: int, inconclusive: str = "warn", gated=ACCURACY_GATE
) -> dict[str, dict]:
    settings = comparison.Settings(
        alpha=0.05,
        strict=False,
        confidence=0.95,
        resamples=200,
        seed=0,
        gates=dict(gated),
        inconclusive=inconclusive,
    )
    no_intervals = SimpleNamespace(metric=lambda name: None)
    made = comparison._metric_rows(deltas, no_intervals, settings, rows=rows)
    return {row["name"]: row for row in made}


def test_a_drop_on_60_rows_passes_as_not_significant_but_is_inconclusive():
    deltas = dropped(60, harmful=0.05)
    assert deltas["accuracy"].delta == pytest.approx(-0.05)
    row = rows_of(deltas, rows=60)["accuracy"]
    gate = row["gate"]
    assert gate["status"] == "pass"
    assert "not significant" in gate["reason"]
    # Three discordant rows, all one way: SE √(3 − 3²/60)/60, so only a drop of about 0.079
    # would be seen with 80% power.
    assert row["minimum_detectable"] == pytest.approx(0.0788, abs=0.0001)
    assert gate["warning"] == (
        "inconclusive: these 60 rows detect a drop of 0.079 or more (80% power), "
        "the tolerance is 0.02"
    )
    assert "detectable drop 0.079 (80% power) vs 0.02 allowed" in gate["reason"]


def test_inconclusive_fail_fails_that_gate_and_pass_only_notes_it():
    deltas = dropped(60, harmful=0.05)
    failed = rows_of(deltas, rows=60, inconclusive="fail")["accuracy"]["gate"]
    assert failed["status"] == "fail" and failed["warning"] is None
    assert failed["reason"].startswith("inconclusive: these 60 rows detect a drop of 0.079")
    noted = rows_of(deltas, rows=60, inconclusive="pass")["accuracy"]["gate"]
    assert noted["status"] == "pass" and noted["warning"] is None
    assert "(inconclusive: these 60 rows detect a drop of 0.079" in noted["reason"]


def test_no_worsening_on_too_few_rows_is_inconclusive_too():
    # Two rows each way: no change in accuracy, and no power to see one of 0.02 either.
    deltas = dropped(60, harmful=2 / 60, helpful=2 / 60)
    gate = rows_of(deltas, rows=60)["accuracy"]["gate"]
    assert gate["status"] == "pass" and gate["reason"].startswith("no worsening")
    assert gate["warning"].startswith("inconclusive: these 60 rows detect a drop of")


def test_a_gate_on_20000_rows_is_conclusive():
    deltas = dropped(20_000, harmful=0.015, helpful=0.005)  # a drop of 0.01, within 0.02
    row = rows_of(deltas, rows=20_000)["accuracy"]
    gate = row["gate"]
    assert gate["status"] == "pass" and gate["warning"] is None
    assert "inconclusive" not in gate["reason"]
    assert row["minimum_detectable"] < 0.005
    assert (
        "dropped by 0.0100, within 0.02 allowed; detectable drop 0.0028 (80% power) vs 0.02 allowed"
        in gate["reason"]
    )


def test_strict_passes_need_no_power_caveat():
    seen = gates.Observed(
        higher_is_better=True,
        baseline=0.9,
        candidate=0.9,
        delta=0.0,
        delta_ci=(-0.001, 0.001),
        p_value=1.0,
        candidate_ci=None,
        minimum_detectable=0.5,  # would be inconclusive if strict looked at it
        rows=20_000,
    )
    result = gates.evaluate(
        GateRule(max_drop=0.02, strict=True), seen, alpha=0.05, strict_default=False
    )
    assert result.status == "pass" and result.warning is None


def test_the_minimum_detectable_is_z_plus_z_power_times_the_se():
    deltas = dropped(20_000, harmful=0.05)
    row = rows_of(deltas, rows=20_000)["accuracy"]
    z = norm.ppf(1 - 0.05 / 2) + norm.ppf(0.8)
    assert row["se"] == deltas["accuracy"].se > 0
    assert row["minimum_detectable"] == pytest.approx(z * row["se"], rel=1e-12)


def test_a_mean_loss_below_1000_rows_uses_the_t_quantiles_of_its_test():
    loss = PairedDelta(
        baseline=0.3,
        candidate=0.31,
        delta=0.01,
        ci=(-0.01, 0.03),
        p_value=0.3,
        method="normal",
        se=0.01,
    )
    # stats records a mean loss's test below 1,000 rows as student-t (n - 1 degrees).
    assert stats.compare_classification(
        np.array([0, 1] * 25), np.array([0, 1] * 25), np.tile([[0.6, 0.4], [0.3, 0.7]], (25, 1)),
        np.array([0, 1] * 25), np.tile([[0.7, 0.3], [0.4, 0.6]], (25, 1)), n_classes=2,
        metrics=["log_loss"],
    )[0]["log_loss"].method == "student-t"  # fmt: skip
    t_loss = dataclasses.replace(loss, method="student-t")
    small = rows_of({"log_loss": t_loss}, rows=50, gated={})["log_loss"]
    expected = (student.ppf(0.975, 49) + student.ppf(0.8, 49)) * 0.01
    assert small["minimum_detectable"] == pytest.approx(expected, rel=1e-12)
    large = rows_of({"log_loss": loss}, rows=5_000, gated={})["log_loss"]
    assert large["minimum_detectable"] == pytest.approx((norm.ppf(0.975) + norm.ppf(0.8)) * 0.01)


def delta(change: float, p_value: float | None, *, higher: bool = True) -> PairedDelta:
    base = 0.8 if higher else 0.3
    return PairedDelta(
        baseline=base,
        candidate=base + change,
        delta=change,
        ci=None if p_value is None else (change - 0.01, change + 0.01),
        p_value=p_value,
        method="exact-bootstrap" if p_value is not None else "point",
        se=None if p_value is None else 0.005,
    )


def test_ungated_metrics_are_worse_only_when_significant_after_holm():
    deltas = {
        "accuracy": delta(-0.04, 0.001),  # Holm: second smallest of five, 0.001 × 4 — worse
        "recall": delta(-0.02, 0.03),  # significant alone, not among five: Holm 0.03 × 3
        "precision": delta(+0.05, 0.0001),  # significant, but better
        "log_loss": delta(+0.01, 0.2, higher=False),  # worse direction, not significant
        "f1": delta(-0.01, 0.9),
        "max_error": delta(+0.3, None, higher=False),  # no test: no verdict either way
    }
    made = rows_of(deltas, rows=5_000, gated={})
    assert made["accuracy"]["adjusted_p"] == pytest.approx(0.004)
    assert made["accuracy"]["worse"] is True
    assert made["recall"]["adjusted_p"] == pytest.approx(0.09)
    assert made["recall"]["worse"] is False
    assert made["precision"]["worse"] is False and made["log_loss"]["worse"] is False
    assert made["max_error"]["adjusted_p"] is None and made["max_error"]["worse"] is None
    assert made["max_error"]["minimum_detectable"] is None and made["max_error"]["se"] is None
    assert all(row["gate"]["status"] == "none" for row in made.values())


def test_a_gate_without_a_standard_error_is_judged_on_its_point_estimate_alone():
    seen = gates.Observed(
        higher_is_better=False,
        baseline=1.0,
        candidate=1.05,
        delta=0.05,
        delta_ci=None,
        p_value=None,
        candidate_ci=None,
        minimum_detectable=None,
        rows=60,
    )
    result = gates.evaluate(GateRule(max_rise=0.1), seen, alpha=0.05, strict_default=False)
    assert result.status == "pass" and result.warning is None
    assert result.reason == "rose by 0.05, within 0.1 allowed"


# ---- through `modelci compare` -----------------------------------------------------------------


def predictions_csv(path, *, wrong: range) -> None:
    truth = np.tile(["no", "yes"], 30)
    predicted = truth.copy()
    predicted[list(wrong)] = np.where(truth[list(wrong)] == "no", "yes", "no")
    lines = [
        "row_id,y_true,y_pred",
        *(f"{i},{t},{p}" for i, (t, p) in enumerate(zip(truth, predicted, strict=True))),
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("inconclusive", "code"), [(None, 0), ("fail", 1)])
def test_compare_records_the_power_and_applies_compare_inconclusive(
    cli, tmp_path, inconclusive, code
):
    predictions_csv(tmp_path / "base.csv", wrong=range(6))
    predictions_csv(tmp_path / "cand.csv", wrong=range(9))  # 3 more rows wrong: -0.05
    for name in ("base", "cand"):
        done = cli("evaluate", "-q", "--no-plots", "--predictions", f"{name}.csv", "--out", name)
        assert done.code == 0, done.stderr
    # A predictions run records no gates of its own; give the candidate some, as a config would.
    info = json.loads((tmp_path / "cand/run.json").read_text())
    info["config"]["gates"] = {"accuracy": {"max_drop": 0.02}}
    if inconclusive:
        info["config"]["compare"] = {"inconclusive": inconclusive}
    (tmp_path / "cand/run.json").write_text(json.dumps(info))
    done = cli("compare", "-q", "cand", "base", "--out", "cmp")
    assert done.code == code, done.stderr
    document = json.loads((tmp_path / "cmp/comparison.json").read_text())
    accuracy = next(m for m in document["metrics"] if m["name"] == "accuracy")
    assert accuracy["se"] > 0 and accuracy["minimum_detectable"] == pytest.approx(0.0788, abs=1e-4)
    assert accuracy["worse"] is False and accuracy["adjusted_p"] >= accuracy["p_value"]
    sentence = "inconclusive: these 60 rows detect a drop of 0.079 or more (80% power), the tolerance is 0.02"
    if inconclusive == "fail":
        assert document["failed_gates"] == ["accuracy"]
        assert accuracy["gate"]["reason"] == sentence
    else:
        assert document["verdict"] == "pass" and accuracy["gate"]["warning"] == sentence
    # What is written reads back through the document reader, warning included.
    from modelci import documents

    read = documents.read_comparison(tmp_path / "cmp/comparison.json")
    first = read.metrics[0]
    assert first.name == "accuracy" and first.se == accuracy["se"]
    assert first.gate.warning == (None if inconclusive == "fail" else sentence)


def test_a_clearly_better_candidate_is_not_inconclusive_whatever_its_power() -> None:
    # Few rows (a large detectable drop), but the interval lies entirely on the good side.
    seen = gates.Observed(
        higher_is_better=True,
        baseline=0.5,
        candidate=0.94,
        delta=0.44,
        delta_ci=(0.42, 0.46),
        p_value=1e-9,
        candidate_ci=None,
        minimum_detectable=0.05,
        rows=60,
    )
    result = gates.evaluate(
        GateRule(max_drop=0.01), seen, alpha=0.05, strict_default=False, inconclusive="fail"
    )
    assert result.status == "pass" and result.warning is None
