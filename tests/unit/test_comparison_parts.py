"""The documents #11 adds: slices, churn and history in comparison.json, history.json, and an
evaluation's absolute gates. Round trips keep every value; crafted values are one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelci import documents
from modelci.documents.fields import Node
from modelci.errors import UserError

SLICES = {
    "min_rows": 30,
    "correction": "holm",
    "alpha": 0.05,
    "tests": 2,
    "resamples": 2400,
    "metrics": ["recall"],
    "unavailable": None,
    "too_small": {"plan=gold": 12},
    "slices": [
        {
            "name": "plan=basic",
            "rows": 412,
            "metrics": [
                {
                    "name": "recall",
                    "baseline": 0.9,
                    "candidate": 0.82,
                    "delta": -0.08,
                    "ci": [-0.12, -0.04],
                    "p_value": 0.0004,
                    "adjusted_p": 0.0008,
                    "method": "multinomial-bootstrap",
                    "minimum_detectable": 0.03,
                    "worse": True,
                }
            ],
        }
    ],
    "gate_failures": [
        {
            "slice": "plan=basic",
            "metric": "recall",
            "delta": -0.08,
            "tolerance": 0.02,
            "adjusted_p": 0.003,
        }
    ],
}
CHURN = {
    "rows": 1000,
    "changed": 40,
    "harmful": 25,
    "helpful": 15,
    "threshold": None,
    "per_class": [{"label": "yes", "rows": 300, "changed": 20, "harmful": 12, "helpful": 8}],
    "per_slice": [{"name": "plan=basic", "rows": 412, "changed": 9, "harmful": 5, "helpful": 4}],
    "gate": {
        "max_harmful": 0.02,
        "rate": 0.025,
        "ci": [0.016, 0.037],
        "p_value": 0.16,
        "status": "pass",
        "reason": "2.5% harmful, not significantly above 2%",
    },
    "flips_file": "flips.csv",
}
RELEASE = {
    "tag": "v1.0.0",
    "published_at": "2026-11-01T00:00:00Z",
    "url": None,
    "model_sha256": "a" * 64,
    "n_rows": 143,
    "metrics": {"roc_auc": {"value": 0.97, "ci": [0.95, 0.99]}},
}
HISTORY = {
    "metrics": ["roc_auc"],
    "releases": [RELEASE],
    "from_best": [
        {
            "metric": "roc_auc",
            "releases": 5,
            "tolerance": 0.01,
            "best_tag": "v1.0.0",
            "rescored": True,
            "best": 0.97,
            "candidate": 0.93,
            "delta": -0.04,
            "ci": [-0.06, -0.02],
            "p_value": 0.001,
            "status": "fail",
            "reason": "dropped 0.04 from v1.0.0",
        }
    ],
}


def _comparison(**parts: object) -> dict[str, object]:
    return {
        "schema": "modelci.comparison/1",
        "task": "classification",
        "primary": "recall",
        "metrics": [
            {
                "name": "recall",
                "higher_is_better": True,
                "baseline": 0.9,
                "candidate": 0.89,
                "delta": -0.01,
                "ci": [-0.03, 0.01],
                "p_value": 0.3,
                "method": "multinomial-bootstrap",
                "se": 0.01,
                "minimum_detectable": 0.028,
                "adjusted_p": 0.6,
                "worse": False,
                "gate": {
                    "rule": {"max_drop": 0.02, "slices": True},
                    "status": "pass",
                    "reason": "within tolerance",
                    "warning": "inconclusive: 0.028 detectable, tolerance 0.02",
                },
            }
        ],
        "verdict": "pass",
        "failed_gates": [],
        **parts,
    }


def test_a_comparison_keeps_slices_churn_and_history_through_a_round_trip() -> None:
    data = _comparison(slices=SLICES, churn=CHURN, history=HISTORY)
    first = documents.parse_comparison(data, where="comparison.json")
    again = documents.parse_comparison(first.to_json(), where="comparison.json")
    assert again == first
    assert first.slices is not None and first.slices.worse()[0][0].name == "plan=basic"
    assert first.churn is not None and first.churn.overall.harmful == 25
    assert first.churn.per_class[0].name == "yes"
    assert first.history is not None and first.history.from_best[0].status == "fail"
    recall = first.metric("recall")
    assert recall is not None and recall.gate.warning and recall.minimum_detectable == 0.028


def test_an_older_comparison_without_the_new_parts_still_reads() -> None:
    data = _comparison()
    metric = data["metrics"][0]  # type: ignore[index]
    for key in ("se", "minimum_detectable", "adjusted_p", "worse"):
        del metric[key]
    del metric["gate"]["warning"]
    read = documents.parse_comparison(data, where="comparison.json")
    assert read.slices is None and read.churn is None and read.history is None
    assert read.metrics[0].worse is None and read.metrics[0].gate.warning is None


@pytest.mark.parametrize(
    ("part", "change", "message"),
    [
        ("churn", {"flips_file": "../../etc/passwd"}, "churn.flips_file must be 'flips.csv'"),
        ("churn", {"harmful": 41}, "churn must be counts with harmful \\+ helpful <= changed"),
        ("slices", {"correction": "bonferroni"}, "slices.correction must be"),
        ("slices", {"tests": 1.5}, "slices.tests must be a whole number"),
    ],
)
def test_crafted_parts_are_one_line_naming_the_field(
    part: str, change: dict[str, object], message: str
) -> None:
    base = {"churn": CHURN, "slices": SLICES}[part]
    with pytest.raises(UserError, match="comparison.json: " + message):
        documents.parse_comparison(
            _comparison(**{part: {**base, **change}}), where="comparison.json"
        )


def test_history_json_round_trips_and_refuses_a_best_run_outside_its_folder(
    tmp_path: Path,
) -> None:
    history = documents.History(
        repository="octo/demo",
        model=None,
        releases=(documents.ReleasePoint.parse(_node(RELEASE)),),
        best_runs={"roc_auc": documents.BestRun(tag="v1.0.0", run="history/v1.0.0")},
    )
    path = tmp_path / "history.json"
    documents.write_history(path, history)
    assert documents.read_history(path) == history

    crafted = json.loads(path.read_text())
    crafted["best_runs"]["roc_auc"]["run"] = "history/../../model"
    path.write_text(json.dumps(crafted))
    with pytest.raises(UserError, match=r"best_runs\.roc_auc\.run must be a path history/<tag>"):
        documents.read_history(path)


def test_an_evaluation_records_its_absolute_gates_and_a_failure_wins() -> None:
    gates = {
        "verdict": "pass",  # a hand edit cannot turn the failure below into a pass
        "results": [
            {
                "name": "accuracy",
                "rule": {"min": 0.9},
                "status": "fail",
                "reason": "value 0.62 is below the minimum 0.9",
            }
        ],
        "waiting": ["roc_auc"],
    }
    read = documents.AbsoluteGates.parse(_node(gates))
    assert read.verdict == "fail" and [g.name for g in read.failed] == ["accuracy"]
    assert documents.AbsoluteGates.parse(_node(read.to_json())) == read


def _node(value: object) -> Node:
    return Node(value, "doc.json")


def test_an_evaluations_gate_verdict_is_what_its_results_say() -> None:
    passed = {
        "verdict": "fail",  # recorded, but no gate failed: it must not fail a check
        "results": [{"name": "accuracy", "rule": {"min": 0.9}, "status": "pass", "reason": "ok"}],
        "waiting": [],
    }
    assert documents.AbsoluteGates.parse(_node(passed)).verdict == "pass"
