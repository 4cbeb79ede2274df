"""comparison.json `churn`: how many predictions changed between baseline and candidate.

Both models scored the same rows, so a row's prediction either stayed or flipped; a flip is
harmful (right → wrong; for regression, the absolute error grew by more than `threshold`),
helpful (wrong → right, or the error shrank by more than it) or neither (wrong → another
wrong class). The flipped rows' ids are in `flips.csv`, never in the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from modelci.documents.fields import Node, as_number, as_text
from modelci.documents.parts import read_interval

FLIPS = "flips.csv"


@dataclass(frozen=True, kw_only=True)
class FlipCounts:
    """Flips among some rows: all of them, one true class (`label`) or one slice (`name`)."""

    name: str | None
    rows: int
    changed: int
    harmful: int
    helpful: int

    @classmethod
    def parse(cls, node: Node, key: str | None = None) -> FlipCounts:
        node.obj("an object with rows, changed, harmful and helpful")
        counts = {part: node[part].integer() for part in ("rows", "changed", "harmful", "helpful")}
        if not counts["harmful"] + counts["helpful"] <= counts["changed"] <= counts["rows"]:
            node.fail("counts with harmful + helpful <= changed <= rows")
        return cls(name=None if key is None else node[key].text(), **counts)

    def to_json(self, key: str | None = None) -> dict[str, Any]:
        counts = {
            "rows": self.rows,
            "changed": self.changed,
            "harmful": self.harmful,
            "helpful": self.helpful,
        }
        return counts if key is None else {key: self.name, **counts}


@dataclass(frozen=True, kw_only=True)
class ChurnGate:
    """`churn.max_harmful`: fails when the harmful-flip share is significantly above it."""

    max_harmful: float
    rate: float
    ci: tuple[float, float] | None
    p_value: float | None  # one-sided exact binomial, H0: rate <= max_harmful
    status: Literal["pass", "fail"]
    reason: str

    @classmethod
    def parse(cls, node: Node) -> ChurnGate:
        node.obj("an object with max_harmful, rate, status and reason")
        return cls(
            max_harmful=node["max_harmful"].number(),
            rate=node["rate"].number(),
            ci=read_interval(node["ci"]),
            p_value=node["p_value"].optional(as_number),
            status=cast(Literal["pass", "fail"], node["status"].choice(("pass", "fail"))),
            reason=node["reason"].optional(as_text) or "",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "max_harmful": self.max_harmful,
            "rate": self.rate,
            "ci": None if self.ci is None else list(self.ci),
            "p_value": self.p_value,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class ChurnReport:
    overall: FlipCounts
    # Regression: how much a row's absolute error had to grow (or shrink) to count as a flip.
    threshold: float | None = None
    per_class: tuple[FlipCounts, ...] = ()  # `name` is the true class's label
    per_slice: tuple[FlipCounts, ...] = ()  # `name` is the slice's name
    gate: ChurnGate | None = None
    flips_file: str | None = None  # in the compare directory; None when nothing flipped

    @classmethod
    def parse(cls, node: Node) -> ChurnReport:
        node.obj("an object with rows, changed, harmful and helpful")
        return cls(
            overall=FlipCounts.parse(node),
            threshold=node["threshold"].optional(as_number),
            per_class=tuple(FlipCounts.parse(e, "label") for e in node["per_class"].elements()),
            per_slice=tuple(FlipCounts.parse(e, "name") for e in node["per_slice"].elements()),
            gate=node["gate"].optional(ChurnGate.parse),
            # Always this one name in the compare directory: a path here would point a reader
            # (the fork-comment poster, say) at a file outside it.
            flips_file=node["flips_file"].optional(lambda name: name.choice((FLIPS,))),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.overall.to_json(),
            "threshold": self.threshold,
            "per_class": [counts.to_json("label") for counts in self.per_class],
            "per_slice": [counts.to_json("name") for counts in self.per_slice],
            "gate": None if self.gate is None else self.gate.to_json(),
            "flips_file": self.flips_file,
        }
