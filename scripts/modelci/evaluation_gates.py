"""The absolute gates of a run's own config, applied to its evaluation (no baseline needed).

A model's first pull request has no baseline to compare with, yet its config may already say
`accuracy: {min: 0.9}`: that floor holds for the candidate alone. `min`/`max` are decided by
`gates.evaluate` as a comparison would decide them (with `strict`, on the worse end of the
candidate's interval); a gate with only relative tolerances (`max_drop`, …) is "waiting" for a
baseline. The result is evaluation.json's `gates` (docs/run-directory.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelci import gates
from modelci.config import GateRule
from modelci.rundir import Run

# Rule settings that are not tolerances of their own.
_MODIFIERS = frozenset({"strict", "slices"})


def is_absolute(rule: GateRule) -> bool:
    return rule.min is not None or rule.max is not None


def is_relative_only(rule: GateRule) -> bool:
    """A rule that needs a baseline: tolerances set, but neither `min` nor `max`."""
    return not is_absolute(rule) and bool(set(rule.as_dict()) - _MODIFIERS)


def of_run(
    run: Run, metric_values: Mapping[str, Mapping[str, Any]], skipped: Mapping[str, str]
) -> dict[str, Any] | None:
    """evaluation.json's `gates` for the run's recorded config; None when it sets no gate (a
    bring-your-own model or a predictions file has no config at all)."""
    from modelci import comparison, rundir
    from modelci.config import CompareConfig

    if not run.info.config.get("gates"):
        return None
    # The gates, alpha and strict exactly as a comparison reads them from a recorded config,
    # without reading anything else of the run: its old evaluation.json is being replaced.
    policy = comparison.recorded_policy(run) or {}
    recorded = policy.get("compare")
    settings = CompareConfig.from_dict(
        recorded if isinstance(recorded, Mapping) else None, where=str(run.path / rundir.RUN)
    )
    return apply(
        comparison.gate_rules(policy, "candidate"),
        metric_values,
        skipped,
        alpha=settings.alpha,
        strict=settings.strict,
    )


def apply(
    rules: Mapping[str, GateRule],
    metric_values: Mapping[str, Mapping[str, Any]],
    skipped: Mapping[str, str],
    *,
    alpha: float,
    strict: bool,
) -> dict[str, Any] | None:
    """The absolute gates of `rules` on one run's metrics (evaluation.json's `metrics` shape):
    `{"verdict", "results": [{"name", "rule", "status", "reason"}], "waiting": [names]}`; None
    when `rules` is empty. A gated metric that could not be computed fails, as in a comparison."""
    if not rules:
        return None
    results: list[dict[str, Any]] = []
    waiting: list[str] = []
    for name, rule in rules.items():
        if is_relative_only(rule):
            waiting.append(name)
            continue
        if not is_absolute(rule):
            continue  # e.g. only `strict: true`: nothing to decide
        measured = metric_values.get(name)
        value = measured.get("value") if measured is not None else None
        if measured is None or value is None:
            why = skipped.get(name, "not a metric of this task")
            result = {
                "rule": rule.as_dict(),
                "status": gates.FAIL,
                "reason": f"cannot be computed: {why}",
            }
        else:
            ci = measured.get("ci")
            seen = gates.Observed(
                higher_is_better=bool(measured.get("higher_is_better", True)),
                baseline=None,
                candidate=float(value),
                delta=None,
                delta_ci=None,
                p_value=None,
                candidate_ci=(float(ci[0]), float(ci[1])) if ci else None,
            )
            result = gates.evaluate(rule, seen, alpha=alpha, strict_default=strict).as_dict()
        results.append({"name": name, **result})
    failed = any(result["status"] == gates.FAIL for result in results)
    return {
        "verdict": gates.FAIL if failed else gates.PASS,
        "results": results,
        "waiting": waiting,
    }
