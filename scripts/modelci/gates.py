"""Quality gates: a pure decision from a metric's paired comparison and its tolerances.

A relative gate (max_drop, max_rise and their _pct forms) fails when the candidate is worse than
the tolerance AND the worsening is significant at `alpha` — noise on a small test set does not
block a merge. With `strict`, it fails unless the confidence interval rules out a worsening
beyond the tolerance — a small test set then blocks until there is enough evidence.
Absolute gates (min, max) check the candidate's value; with `strict`, the worse end of its
interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelci.config import GateRule

PASS, FAIL, NONE = "pass", "fail", "none"


@dataclass(frozen=True, kw_only=True)
class Observed:
    """What the gate looks at for one metric."""

    higher_is_better: bool
    baseline: float | None
    candidate: float
    delta: float | None  # candidate - baseline
    delta_ci: tuple[float, float] | None
    p_value: float | None
    candidate_ci: tuple[float, float] | None


@dataclass(frozen=True, kw_only=True)
class GateResult:
    status: str
    reason: str
    rule: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": self.status, "reason": self.reason}


def with_failure(
    gate: Mapping[str, Any], text: str, *, rule: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A metric row's gate dict ({"rule", "status", "reason"}) turned to fail because of `text`.

    Every later check that fails a metric's gate (a slice, a release's best, ...) goes through
    here so the reasons read alike: `text` is appended to what the gate already says. A metric
    without a gate ("none") gets `text` as its whole reason, and `rule` when given.
    """
    out = dict(gate)
    if out.get("status") == NONE or not out.get("reason"):
        out["reason"] = text
        if rule is not None:
            out["rule"] = dict(rule)
    else:
        out["reason"] = f"{out['reason']}; {text}"
    out["status"] = FAIL
    return out


def evaluate(
    rule: GateRule | None, seen: Observed, *, alpha: float, strict_default: bool
) -> GateResult:
    if rule is None:
        return GateResult(status=NONE, reason="no gate")
    strict = rule.strict if rule.strict is not None else strict_default
    failures: list[str] = []
    notes: list[str] = []
    for outcome in (_absolute(rule, seen, strict), _relative(rule, seen, strict, alpha)):
        if outcome is None:
            continue
        failed, text = outcome
        (failures if failed else notes).append(text)
    if failures:
        return GateResult(status=FAIL, reason="; ".join(failures), rule=rule.as_dict())
    return GateResult(
        status=PASS, reason="; ".join(notes) or "within tolerance", rule=rule.as_dict()
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _absolute(rule: GateRule, seen: Observed, strict: bool) -> tuple[bool, str] | None:
    texts, failed = [], False
    low_end, high_end = (
        seen.candidate_ci if (strict and seen.candidate_ci) else (seen.candidate, seen.candidate)
    )
    if rule.min is not None:
        if low_end < rule.min:
            failed = True
            what = "CI lower bound" if strict and seen.candidate_ci else "value"
            texts.append(f"{what} {_fmt(low_end)} is below the minimum {_fmt(rule.min)}")
        else:
            texts.append(f"{_fmt(seen.candidate)} ≥ min {_fmt(rule.min)}")
    if rule.max is not None:
        if high_end > rule.max:
            failed = True
            what = "CI upper bound" if strict and seen.candidate_ci else "value"
            texts.append(f"{what} {_fmt(high_end)} is above the maximum {_fmt(rule.max)}")
        else:
            texts.append(f"{_fmt(seen.candidate)} ≤ max {_fmt(rule.max)}")
    return (failed, "; ".join(texts)) if texts else None


def tolerance(rule: GateRule, seen: Observed) -> float | None:
    """The allowed worsening in metric units (the tighter one when both forms are given)."""
    absolute = rule.max_drop if seen.higher_is_better else rule.max_rise
    percent = rule.max_drop_pct if seen.higher_is_better else rule.max_rise_pct
    limits = []
    if absolute is not None:
        limits.append(absolute)
    if percent is not None and seen.baseline is not None:
        limits.append(abs(seen.baseline) * percent / 100.0)
    return min(limits) if limits else None


def _relative(
    rule: GateRule, seen: Observed, strict: bool, alpha: float
) -> tuple[bool, str] | None:
    allowed = tolerance(rule, seen)
    if allowed is None:
        return None
    if seen.delta is None:
        return False, "no baseline to compare with"
    sign = -1.0 if seen.higher_is_better else 1.0
    worsening = sign * seen.delta  # > 0 means the candidate is worse
    word = "dropped" if seen.higher_is_better else "rose"
    if strict:
        if seen.delta_ci is None:
            worst = worsening
            basis = "no interval available; point estimate used"
        else:
            worst = max(sign * seen.delta_ci[0], sign * seen.delta_ci[1])
            basis = "worst case within the CI"
        if worst > allowed:
            return True, (
                f"{basis}: {word} by up to {_fmt(worst)} (> {_fmt(allowed)} allowed, strict)"
            )
        return False, f"{basis} within {_fmt(allowed)} (strict)"
    if worsening <= allowed:
        if worsening > 0:
            return False, f"{word} by {_fmt(worsening)}, within {_fmt(allowed)} allowed"
        return False, f"no worsening (Δ {seen.delta:+.4g})"
    if seen.p_value is None:
        return True, (
            f"{word} by {_fmt(worsening)} (> {_fmt(allowed)} allowed; no test "
            "available, point estimate used)"
        )
    if seen.p_value < alpha:
        return True, (
            f"{word} by {_fmt(worsening)} (> {_fmt(allowed)} allowed), significant "
            f"(p = {seen.p_value:.3g} < {alpha:g})"
        )
    return False, (
        f"{word} by {_fmt(worsening)} (> {_fmt(allowed)} allowed) but not "
        f"significant (p = {seen.p_value:.3g} ≥ {alpha:g})"
    )
