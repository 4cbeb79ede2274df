"""comparison.json `slices`: the paired comparison on every slice of the test rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelci.documents.fields import Node, as_flag, as_number, as_text, whole
from modelci.documents.parts import read_interval


@dataclass(frozen=True, kw_only=True)
class SliceMetric:
    """One metric on one slice; `delta` is candidate − baseline on that slice's rows."""

    name: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    # Adjusted across every slice × metric of the comparison (`SliceReport.correction`).
    adjusted_p: float | None
    method: str | None
    minimum_detectable: float | None
    worse: bool  # significantly worse after correction

    @classmethod
    def parse(cls, node: Node) -> SliceMetric:
        node.obj("an object with name, delta and adjusted_p")
        return cls(
            name=node["name"].text(),
            baseline=node["baseline"].optional(as_number),
            candidate=node["candidate"].optional(as_number),
            delta=node["delta"].optional(as_number),
            ci=read_interval(node["ci"]),
            p_value=node["p_value"].optional(as_number),
            adjusted_p=node["adjusted_p"].optional(as_number),
            method=node["method"].optional(as_text),
            minimum_detectable=node["minimum_detectable"].optional(as_number),
            worse=bool(node["worse"].optional(as_flag)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "p_value": self.p_value,
            "adjusted_p": self.adjusted_p,
            "method": self.method,
            "minimum_detectable": self.minimum_detectable,
            "worse": self.worse,
        }


@dataclass(frozen=True, kw_only=True)
class SliceEntry:
    """One slice ("plan=basic", "age in [30, 50)", "plan=basic & region=eu") and its metrics."""

    name: str
    rows: int
    metrics: tuple[SliceMetric, ...]

    def metric(self, name: str) -> SliceMetric | None:
        return next((m for m in self.metrics if m.name == name), None)

    @classmethod
    def parse(cls, node: Node) -> SliceEntry:
        node.obj("an object with name, rows and metrics")
        return cls(
            name=node["name"].text(),
            rows=node["rows"].integer(),
            metrics=tuple(SliceMetric.parse(entry) for entry in node["metrics"].elements()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "metrics": [metric.to_json() for metric in self.metrics],
        }


@dataclass(frozen=True, kw_only=True)
class SliceGateFailure:
    """A gated metric whose worsening on one slice is significantly beyond its tolerance."""

    slice: str
    metric: str
    delta: float
    tolerance: float
    adjusted_p: float

    @classmethod
    def parse(cls, node: Node) -> SliceGateFailure:
        node.obj("an object with slice, metric, delta, tolerance and adjusted_p")
        return cls(
            slice=node["slice"].text(),
            metric=node["metric"].text(),
            delta=node["delta"].number(),
            tolerance=node["tolerance"].number(),
            adjusted_p=node["adjusted_p"].number(),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "slice": self.slice,
            "metric": self.metric,
            "delta": self.delta,
            "tolerance": self.tolerance,
            "adjusted_p": self.adjusted_p,
        }


@dataclass(frozen=True, kw_only=True)
class SliceReport:
    """Every slice with enough rows, corrected together for testing slices × metrics."""

    min_rows: int
    correction: str  # "holm" or "benjamini-hochberg"
    alpha: float
    tests: int  # p-values adjusted together
    resamples: int | None
    metrics: tuple[str, ...]
    slices: tuple[SliceEntry, ...] = ()
    too_small: Mapping[str, int] = field(default_factory=dict)  # slice name -> its rows
    # Why there are no slices (a predictions run has no feature columns); None when there are.
    unavailable: str | None = None
    gate_failures: tuple[SliceGateFailure, ...] = ()

    def worse(self) -> tuple[tuple[SliceEntry, SliceMetric], ...]:
        """Slices × metrics significantly worse after correction, in the order recorded."""
        return tuple((entry, m) for entry in self.slices for m in entry.metrics if m.worse)

    @classmethod
    def parse(cls, node: Node) -> SliceReport:
        node.obj("an object with min_rows, correction, metrics and slices")
        resamples = node["resamples"].optional(lambda n: n.integer())
        return cls(
            min_rows=node["min_rows"].integer(),
            correction=node["correction"].choice(("holm", "benjamini-hochberg")),
            alpha=node["alpha"].number(),
            tests=node["tests"].integer(),
            resamples=resamples,
            metrics=node["metrics"].strings(),
            slices=tuple(SliceEntry.parse(entry) for entry in node["slices"].elements()),
            too_small={name: rows.integer() for name, rows in node["too_small"].items()},
            unavailable=node["unavailable"].optional(as_text),
            gate_failures=tuple(
                SliceGateFailure.parse(entry) for entry in node["gate_failures"].elements()
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "min_rows": self.min_rows,
            "correction": self.correction,
            "alpha": self.alpha,
            "tests": self.tests,
            "resamples": self.resamples,
            "metrics": list(self.metrics),
            "unavailable": self.unavailable,
            "too_small": {name: whole(rows) for name, rows in self.too_small.items()},
            "slices": [entry.to_json() for entry in self.slices],
            "gate_failures": [failure.to_json() for failure in self.gate_failures],
        }
