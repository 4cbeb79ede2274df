"""Quality gates: a pure decision from a metric's paired comparison and its tolerances.

A relative gate (max_drop, max_rise and their _pct forms) fails when the candidate is worse than
the tolerance AND the worsening is significant at `alpha` — noise on a small test set does not
block a merge. With `strict`, it fails unless the confidence interval rules out a worsening
beyond the tolerance — a small test set then blocks until there is enough evidence.
Absolute gates (min, max) check the candidate's value; with `strict`, the worse end of its
interval.

A pass for want of significance is only as good as the test's power: on 60 rows a drop of 0.05
is "not significant" because nothing smaller than about 0.08 could be. So every passing
relative gate names the smallest worsening its rows detect with 80% power (`stats.power`) next
to its tolerance, and when that exceeds the tolerance the pass is *inconclusive*:
`compare.inconclusive` then passes it with a note (pass), with a warning (warn, the default),
or fails it (fail). A strict pass needs no such caveat: its interval already excludes a
worsening beyond the tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelci.config import GateRule

if TYPE_CHECKING:
    from modelci.stats.results import PairedDelta

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
    # The smallest worsening the paired test detects at alpha with 80% power (None: no
    # standard error), and the rows it was measured on, for the inconclusive sentence.
    minimum_detectable: float | None = None
    rows: int | None = None

    @classmethod
    def paired(
        cls,
        delta: PairedDelta,
        *,
        higher_is_better: bool,
        candidate_ci: tuple[float, float] | None = None,
        minimum_detectable: float | None = None,
        rows: int | None = None,
    ) -> Observed:
        """What a gate sees of a paired comparison (the baseline's, or a best release's)."""
        return cls(
            higher_is_better=higher_is_better,
            baseline=delta.baseline,
            candidate=delta.candidate,
            delta=delta.delta,
            delta_ci=delta.ci,
            p_value=delta.p_value,
            candidate_ci=candidate_ci,
            minimum_detectable=minimum_detectable,
            rows=rows,
        )


@dataclass(frozen=True, kw_only=True)
class GateResult:
    status: str
    reason: str
    rule: dict[str, Any] = field(default_factory=dict)
    warning: str | None = None  # a passing gate's caveat (compare.inconclusive: warn)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "reason": self.reason,
            "warning": self.warning,
        }


INCONCLUSIVE_PASS, INCONCLUSIVE_WARN, INCONCLUSIVE_FAIL = "pass", "warn", "fail"


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    failed: bool
    text: str
    warning: str | None = None


def with_failure(
    gate: Mapping[str, Any], text: str, *, rule: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A metric row's gate dict ({"rule", "status", "reason"}) turned to fail because of `text`.

    Every later check that fails a metric's gate (a slice, a release's best, ...) goes through
    here so the reasons read alike: `text` is appended to what the gate already says. A metric
    without a gate ("none") gets `text` as its whole reason, and `rule` when given. A failed
    gate carries no inconclusive warning: the failure is the news.
    """
    out = dict(gate, warning=None)
    if out.get("status") == NONE or not out.get("reason"):
        out["reason"] = text
        if rule is not None:
            out["rule"] = dict(rule)
    else:
        out["reason"] = f"{out['reason']}; {text}"
    out["status"] = FAIL
    return out


def with_warning(gate: Mapping[str, Any], text: str) -> dict[str, Any]:
    """A passing gate dict with `text` added to its warning (a failed one needs none)."""
    if gate.get("status") == FAIL:
        return dict(gate)
    earlier = gate.get("warning")
    return dict(gate, warning=f"{earlier}; {text}" if earlier else text)


def evaluate(
    rule: GateRule | None,
    seen: Observed,
    *,
    alpha: float,
    strict_default: bool,
    inconclusive: str = INCONCLUSIVE_WARN,
) -> GateResult:
    if rule is None:
        return GateResult(status=NONE, reason="no gate")
    if inconclusive not in (INCONCLUSIVE_PASS, INCONCLUSIVE_WARN, INCONCLUSIVE_FAIL):
        raise ValueError(f"inconclusive must be pass, warn or fail, got {inconclusive!r}")
    strict = rule.strict if rule.strict is not None else strict_default
    failures: list[str] = []
    notes: list[str] = []
    warning = None
    outcomes = (_absolute(rule, seen, strict), _relative(rule, seen, strict, alpha, inconclusive))
    for outcome in outcomes:
        if outcome is None:
            continue
        (failures if outcome.failed else notes).append(outcome.text)
        warning = warning or outcome.warning
    if failures:
        return GateResult(status=FAIL, reason="; ".join(failures), rule=rule.as_dict())
    return GateResult(
        status=PASS,
        reason="; ".join(notes) or "within tolerance",
        rule=rule.as_dict(),
        warning=warning,
    )


def _fmt(value: float) -> str:
    """A tolerance or bound as configured (or computed from a percentage)."""
    return f"{value:.4g}"


def measured(value: float, ci: tuple[float, float] | None, *values: float | None) -> str:
    """A measured value in the decimals its interval (and `values`, the row it sits in)
    supports, as the report's tables write it: "dropped by 0.008", not 0.007966 beside -0.008.
    Every gate reason (whole set, slice, release) writes its numbers through here."""
    from modelci.report.numbers import decimals_for, fixed

    return fixed(value, decimals_for(ci, *values))


def significance(p: float, alpha: float) -> str:
    """ "p = 0.0123 < 0.05" or "p = 0.07 ≥ 0.05", or "p < 0.001" where more digits would mean
    nothing."""
    from modelci.report.numbers import p_relation

    relation = p_relation(p)
    if relation.startswith("<"):
        return f"p {relation}"
    return f"p {relation} {'<' if p < alpha else '≥'} {alpha:g}"


def _measured(value: float, seen: Observed, *, own: bool = False) -> str:
    """`measured` for a change (or, with `own`, the candidate's value) of what a gate sees."""
    if own:
        return measured(value, seen.candidate_ci, seen.candidate)
    return measured(value, seen.delta_ci, seen.baseline, seen.candidate, seen.delta)


def _absolute(rule: GateRule, seen: Observed, strict: bool) -> _Outcome | None:
    texts, failed = [], False
    low_end, high_end = (
        seen.candidate_ci if (strict and seen.candidate_ci) else (seen.candidate, seen.candidate)
    )
    if rule.min is not None:
        if low_end < rule.min:
            failed = True
            what = "CI lower bound" if strict and seen.candidate_ci else "value"
            shown = _measured(low_end, seen, own=True)
            texts.append(f"{what} {shown} is below the minimum {_fmt(rule.min)}")
        else:
            texts.append(f"{_measured(seen.candidate, seen, own=True)} ≥ min {_fmt(rule.min)}")
    if rule.max is not None:
        if high_end > rule.max:
            failed = True
            what = "CI upper bound" if strict and seen.candidate_ci else "value"
            shown = _measured(high_end, seen, own=True)
            texts.append(f"{what} {shown} is above the maximum {_fmt(rule.max)}")
        else:
            texts.append(f"{_measured(seen.candidate, seen, own=True)} ≤ max {_fmt(rule.max)}")
    return _Outcome(failed=failed, text="; ".join(texts)) if texts else None


def tolerance(rule: GateRule, seen: Observed) -> float | None:
    """The allowed worsening in metric units (the tighter one when both forms are given)."""
    absolute = rule.max_drop if seen.higher_is_better else rule.max_rise
    percent = rule.max_drop_pct if seen.higher_is_better else rule.max_rise_pct
    return allowed_worsening(absolute, percent, seen.baseline)


def allowed_worsening(
    absolute: float | None, percent: float | None, baseline: float | None
) -> float | None:
    """The tighter of an absolute tolerance and a percentage of the baseline's value."""
    limits = []
    if absolute is not None:
        limits.append(absolute)
    if percent is not None and baseline is not None:
        limits.append(abs(baseline) * percent / 100.0)
    return min(limits) if limits else None


def _relative(
    rule: GateRule, seen: Observed, strict: bool, alpha: float, inconclusive: str
) -> _Outcome | None:
    allowed = tolerance(rule, seen)
    if allowed is None:
        return None
    if seen.delta is None:
        return _Outcome(failed=False, text="no baseline to compare with")
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
            return _Outcome(
                failed=True,
                text=f"{basis}: {word} by up to {_measured(worst, seen)} (> {_fmt(allowed)} "
                "allowed, strict)",
            )
        return _Outcome(failed=False, text=f"{basis} within {_fmt(allowed)} (strict)")
    if worsening <= allowed:
        if worsening > 0:
            text = f"{word} by {_measured(worsening, seen)}, within {_fmt(allowed)} allowed"
        else:
            text = f"no worsening (Δ {_measured(seen.delta, seen)})"
        return _powered(text, seen, allowed, inconclusive)
    if seen.p_value is None:
        return _Outcome(
            failed=True,
            text=f"{word} by {_measured(worsening, seen)} (> {_fmt(allowed)} allowed; no test "
            "available, point estimate used)",
        )
    if seen.p_value < alpha:
        return _Outcome(
            failed=True,
            text=f"{word} by {_measured(worsening, seen)} (> {_fmt(allowed)} allowed), "
            f"significant ({significance(seen.p_value, alpha)})",
        )
    text = (
        f"{word} by {_measured(worsening, seen)} (> {_fmt(allowed)} allowed) but not "
        f"significant ({significance(seen.p_value, alpha)})"
    )
    return _powered(text, seen, allowed, inconclusive)


def inconclusive_sentence(seen: Observed, allowed: float) -> str | None:
    """Why a pass is inconclusive, or None when the rows could see a worsening of `allowed`.

    A comparison with no standard error and no test is judged on its point estimate, which
    sees any worsening beyond the tolerance: power does not apply to it.
    """
    detectable = seen.minimum_detectable
    if detectable is None or detectable <= allowed:
        return None
    if seen.delta_ci is not None:
        # The interval already rules out a worsening beyond the tolerance (a clearly better
        # candidate, say): what the rows could have detected no longer matters.
        sign = -1.0 if seen.higher_is_better else 1.0
        if max(sign * seen.delta_ci[0], sign * seen.delta_ci[1]) <= allowed:
            return None
    rows = f"these {seen.rows:,} rows" if seen.rows is not None else "these rows"
    word = "drop" if seen.higher_is_better else "rise"
    return (
        f"inconclusive: {rows} detect a {word} of {detectable:.2g} or more (80% power), "
        f"the tolerance is {_fmt(allowed)}"
    )


def _powered(text: str, seen: Observed, allowed: float, inconclusive: str) -> _Outcome:
    """A non-strict relative pass, with what its rows could detect and `inconclusive` applied."""
    if seen.minimum_detectable is not None:
        word = "drop" if seen.higher_is_better else "rise"
        text = (
            f"{text}; detectable {word} {seen.minimum_detectable:.2g} (80% power) vs "
            f"{_fmt(allowed)} allowed"
        )
    sentence = inconclusive_sentence(seen, allowed)
    if sentence is None:
        return _Outcome(failed=False, text=text)
    if inconclusive == INCONCLUSIVE_FAIL:
        return _Outcome(failed=True, text=sentence)
    if inconclusive == INCONCLUSIVE_WARN:
        return _Outcome(failed=False, text=text, warning=sentence)
    return _Outcome(failed=False, text=f"{text} ({sentence})")
