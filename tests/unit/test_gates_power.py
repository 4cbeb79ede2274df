"""Gates: turning a metric's gate to fail, and (below) power: when a pass is inconclusive."""

from __future__ import annotations

from modelci import gates


def test_with_failure_appends_to_a_passing_or_failing_gate():
    passing = {"rule": {"max_drop": 0.02}, "status": "pass", "reason": "dropped by 0.01"}
    failed = gates.with_failure(passing, "slice plan=basic dropped by 0.08")
    assert failed == {
        "rule": {"max_drop": 0.02},
        "status": "fail",
        "reason": "dropped by 0.01; slice plan=basic dropped by 0.08",
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
