"""comparison.json dicts with everything #11 adds (slices, churn, history, power), for the
report and plot tests: one failing comparison with an ungated worse metric, an inconclusive
gate, a slice significantly worse, a churn failure and a from-best failure."""

from __future__ import annotations

from typing import Any

# A slice name, class label or tag that would be HTML, a broken table and a mention if unescaped.
HOSTILE = "<img src=x>|@team **b**"


def gate(rule: dict[str, Any] | None, status: str, reason: str = "", warning: str | None = None):
    return {"rule": rule, "status": status, "reason": reason, "warning": warning}


def metric(name: str, baseline: float, candidate: float, **fields: Any) -> dict[str, Any]:
    delta = candidate - baseline
    out = {
        "name": name,
        "higher_is_better": True,
        "baseline": baseline,
        "candidate": candidate,
        "delta": delta,
        "ci": [delta - 0.02, delta + 0.02],
        "p_value": 0.2,
        "method": "bootstrap",
        "se": 0.01,
        "minimum_detectable": 0.028,
        "adjusted_p": 0.4,
        "worse": False,
        "gate": gate(None, "none", "no gate"),
    }
    return {**out, **fields}


def slice_metric(name: str, delta: float, *, worse: bool = False, adjusted_p: float = 0.9):
    return {
        "name": name,
        "baseline": 0.9,
        "candidate": 0.9 + delta,
        "delta": delta,
        "ci": [delta - 0.03, delta + 0.03],
        "p_value": adjusted_p / 4,
        "adjusted_p": adjusted_p,
        "method": "bootstrap",
        "minimum_detectable": 0.05,
        "worse": worse,
    }


def slices_part(*, worse: bool = True, count: int = 6) -> dict[str, Any]:
    """`count` slices on plan=...; with `worse`, plan=basic's recall is significantly worse."""
    entries = []
    for index in range(count):
        name = "plan=basic" if index == 0 else f"plan=p{index}"
        bad = worse and index == 0
        entries.append(
            {
                "name": name,
                "rows": 400 - index,
                "metrics": [
                    slice_metric("roc_auc", -0.01 * index),
                    slice_metric(
                        "recall", -0.09 if bad else 0.001 * index, worse=bad,
                        adjusted_p=0.003 if bad else 0.9,
                    ),
                ],
            }
        )  # fmt: skip
    return {
        "min_rows": 30,
        "correction": "holm",
        "alpha": 0.05,
        "tests": 2 * count,
        "resamples": 2400,
        "metrics": ["roc_auc", "recall"],
        "unavailable": None,
        "too_small": {"plan=gold": 12, "plan=trial": 4},
        "slices": entries,
        "gate_failures": [],
    }


def churn_part(*, failed: bool = False) -> dict[str, Any]:
    return {
        "rows": 1000,
        "changed": 40,
        "harmful": 25,
        "helpful": 15,
        "threshold": None,
        "per_class": [
            {"label": "no", "rows": 600, "changed": 10, "harmful": 5, "helpful": 5},
            {"label": "yes", "rows": 400, "changed": 30, "harmful": 20, "helpful": 10},
        ],
        "per_slice": [
            {"name": f"plan=p{i}", "rows": 100, "changed": 2 * i, "harmful": i, "helpful": i}
            for i in range(8)
        ],
        "gate": {
            "max_harmful": 0.02,
            "rate": 0.025,
            "ci": [0.016, 0.037],
            "p_value": 0.01 if failed else 0.2,
            "status": "fail" if failed else "pass",
            "reason": "harmful flips 2.5% > 2%, significant"
            if failed
            else "2.5% > 2% but not significant",
        },
        "flips_file": "flips.csv",
    }


def history_part() -> dict[str, Any]:
    releases = [
        {
            "tag": f"v1.{i}.0",
            "published_at": f"2026-0{i + 1}-01T00:00:00Z",
            "model_sha256": "a" * 64,
            "n_rows": 143,
            "metrics": {"roc_auc": {"value": 0.95 - 0.004 * i, "ci": [0.93, 0.97]}},
        }
        for i in range(7)
    ]
    return {
        "metrics": ["roc_auc", "recall"],
        "releases": releases,
        "from_best": [
            {
                "metric": "roc_auc",
                "releases": 5,
                "tolerance": 0.01,
                "best_tag": "v1.2.0",
                "rescored": True,
                "best": 0.942,
                "candidate": 0.918,
                "delta": -0.024,
                "ci": [-0.035, -0.013],
                "p_value": 0.001,
                "status": "fail",
                "reason": "dropped 0.024 below the best of the last 5 releases (v1.2.0)",
            }
        ],
    }


def comparison_doc(**overrides: Any) -> dict[str, Any]:
    """A failing comparison with everything #11 adds: an ungated worse metric, an
    inconclusive gate, a slice failure, churn and history."""
    doc: dict[str, Any] = {
        "schema": "modelci.comparison/1",
        "task": "classification",
        "primary": "roc_auc",
        "n_rows": 1000,
        "confidence": 0.95,
        "alpha": 0.05,
        "resamples": 2000,
        "candidate": {"run": "runs/gone-candidate", "label": "candidate"},
        "baseline": {"run": "runs/gone-baseline", "label": "baseline"},
        "metrics": [
            metric(
                "roc_auc", 0.93, 0.918,
                gate=gate({"max_drop": 0.02, "max_drop_from_best": {"releases": 5,
                          "tolerance": 0.01}}, "fail",
                          "dropped 0.024 below the best of the last 5 releases (v1.2.0)"),
            ),
            metric(
                "recall", 0.81, 0.80, minimum_detectable=0.031,
                gate=gate({"max_drop": 0.02, "slices": True}, "pass", "within tolerance",
                          "inconclusive: these rows detect a drop of 0.031 or more, the "
                          "tolerance is 0.02"),
            ),
            metric(
                "log_loss", 0.31, 0.36, higher_is_better=False, adjusted_p=0.004, worse=True,
                ci=[0.02, 0.08],
            ),
            metric("accuracy", 0.9, 0.9),
        ],
        "verdict": "fail",
        "failed_gates": ["roc_auc", "churn"],
        "data_checks": [{"check": "class_balance", "status": "ok", "detail": "fine"}],
        "plots": ["plots/metric_deltas.png", "plots/roc.png", "plots/slices.png",
                  "plots/history.png"],
        "slices": slices_part(),
        "churn": churn_part(failed=True),
        "history": history_part(),
    }  # fmt: skip
    doc.update(overrides)
    return doc
