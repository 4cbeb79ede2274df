"""Pieces that several documents share: data facts, data checks, plots, curves, regression
details, git facts, gate outcomes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from modelci.documents.contract import CheckStatus, GateStatus
from modelci.documents.fields import (
    Node,
    as_integer,
    as_number,
    as_text,
    drop_none,
    same_length,
    whole,
)


@dataclass(frozen=True, kw_only=True)
class DataFacts:
    """Where a table came from: run.json's `data.train`/`data.test`, evaluation.json's `data`."""

    source: str | None = None
    sha256: str | None = None
    rows: int | None = None
    columns: int | None = None
    test_fingerprint: str | None = None

    @classmethod
    def parse(cls, node: Node) -> DataFacts:
        node.obj("an object with source, sha256 and rows")
        return cls(
            source=node["source"].optional(as_text),
            sha256=node["sha256"].optional(as_text),
            rows=node["rows"].optional(as_integer),
            columns=node["columns"].optional(as_integer),
            test_fingerprint=node["test_fingerprint"].optional(as_text),
        )

    def to_json(self) -> dict[str, Any]:
        return drop_none(
            {
                "source": self.source,
                "sha256": self.sha256,
                "rows": self.rows,
                "columns": self.columns,
                "test_fingerprint": self.test_fingerprint,
            }
        )


@dataclass(frozen=True, kw_only=True)
class DataCheck:
    name: str
    status: CheckStatus
    detail: str = ""
    values: Mapping[str, Any] | None = None

    @classmethod
    def parse(cls, node: Node) -> DataCheck:
        node.obj("an object with check, status and detail")
        return cls(
            name=node["check"].text(),
            status=cast(CheckStatus, node["status"].choice(("ok", "warn", "fail", "skipped"))),
            detail=node["detail"].optional(as_text) or "",
            values=None if node["values"].absent else node["values"].free(),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "status": self.status, "detail": self.detail}
        if self.values is not None:
            out["values"] = dict(self.values)
        return out


def read_checks(node: Node) -> tuple[DataCheck, ...]:
    return tuple(DataCheck.parse(entry) for entry in node.elements())


def read_plots(node: Node) -> tuple[str, ...]:
    """Plot paths relative to the document's directory: a report must not point elsewhere."""
    plots = []
    for entry in node.elements():
        text = entry.text()
        parts = Path(text).parts
        if not text or Path(text).is_absolute() or ".." in parts:
            entry.fail("a path inside the directory (relative, no '..')")
        plots.append(Path(text).as_posix())
    return tuple(plots)


def read_interval(node: Node) -> tuple[float, float] | None:
    if node.absent:
        return None
    values = node.numbers()
    if len(values) != 2:
        node.fail("a list of two numbers [low, high] or null")
    return values[0], values[1]


@dataclass(frozen=True, kw_only=True)
class Gate:
    """One gate's outcome: the rule as written, pass/fail/none and why."""

    status: GateStatus
    rule: tuple[tuple[str, Any], ...] = ()
    reason: str = ""
    # A passing gate's caveat, e.g. "inconclusive: these 60 rows detect a drop of 0.08 or
    # more (80% power), the tolerance is 0.02" (`compare.inconclusive: warn`).
    warning: str | None = None

    @classmethod
    def parse(cls, node: Node) -> Gate:
        if node.absent:
            return cls(status="none")
        node.obj("an object with rule, status and reason")
        return cls(
            status=cast(GateStatus, node["status"].choice(("pass", "fail", "none"))),
            rule=tuple(node["rule"].free().items()),
            reason=node["reason"].optional(as_text) or "",
            warning=node["warning"].optional(as_text),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": dict(self.rule) if self.rule else None,
            "status": self.status,
            "reason": self.reason,
            "warning": self.warning,
        }


@dataclass(frozen=True, kw_only=True)
class Git:
    commit: str | None = None
    dirty: bool | None = None


@dataclass(frozen=True, kw_only=True)
class RocCurve:
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    auc: float | None = None

    @classmethod
    def parse(cls, node: Node) -> RocCurve:
        fpr, tpr = same_length(node.obj("an object with fpr, tpr and auc"), "fpr", "tpr")
        return cls(fpr=fpr, tpr=tpr, auc=node["auc"].optional(as_number))

    def to_json(self) -> dict[str, Any]:
        return {"fpr": list(self.fpr), "tpr": list(self.tpr), "auc": self.auc}


@dataclass(frozen=True, kw_only=True)
class PrCurve:
    recall: tuple[float, ...]
    precision: tuple[float, ...]
    ap: float | None = None
    prevalence: float | None = None

    @classmethod
    def parse(cls, node: Node) -> PrCurve:
        node.obj("an object with recall, precision and ap")
        recall, precision = same_length(node, "recall", "precision")
        return cls(
            recall=recall,
            precision=precision,
            ap=node["ap"].optional(as_number),
            prevalence=node["prevalence"].optional(as_number),
        )

    def to_json(self) -> dict[str, Any]:
        out = {"recall": list(self.recall), "precision": list(self.precision), "ap": self.ap}
        return out if self.prevalence is None else {**out, "prevalence": self.prevalence}


@dataclass(frozen=True, kw_only=True)
class CalibrationCurve:
    """Per bin: mean predicted probability, observed frequency, rows. `edges` (one more than
    the bins) bound equal-count bins; absent in files written before them (ten equal-width
    bins, empty ones left out)."""

    prob_pred: tuple[float, ...]
    prob_true: tuple[float, ...]
    count: tuple[float, ...]
    edges: tuple[float, ...] | None = None

    @classmethod
    def parse(cls, node: Node) -> CalibrationCurve:
        node.obj("an object with prob_pred, prob_true and count")
        prob_pred, prob_true, count = same_length(node, "prob_pred", "prob_true", "count")
        edges = node["edges"].optional(Node.numbers)
        if edges is not None and len(edges) != len(count) + 1:
            node["edges"].fail("a list of bin edges, one more than the counts")
        return cls(prob_pred=prob_pred, prob_true=prob_true, count=count, edges=edges)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "prob_pred": list(self.prob_pred),
            "prob_true": list(self.prob_true),
            "count": [int(c) if c == int(c) else c for c in self.count],
        }
        return out if self.edges is None else {**out, "edges": list(self.edges)}


Curve = TypeVar("Curve", RocCurve, PrCurve, CalibrationCurve)


def by_class(node: Node, parse: Callable[[Node], Curve]) -> Mapping[str, Curve]:
    return {label: parse(curve) for label, curve in node.items()}


@dataclass(frozen=True, kw_only=True)
class Curves:
    """Curves by class label: the positive class of a binary task, every class of a multiclass."""

    roc: Mapping[str, RocCurve] = field(default_factory=dict)
    pr: Mapping[str, PrCurve] = field(default_factory=dict)
    calibration: Mapping[str, CalibrationCurve] = field(default_factory=dict)

    @classmethod
    def parse(cls, node: Node) -> Curves:
        node.obj("an object with roc, pr and calibration")
        return cls(
            roc=by_class(node["roc"], RocCurve.parse),
            pr=by_class(node["pr"], PrCurve.parse),
            calibration=by_class(node["calibration"], CalibrationCurve.parse),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            name: {label: curve.to_json() for label, curve in curves.items()}
            for name, curves in (
                ("roc", self.roc),
                ("pr", self.pr),
                ("calibration", self.calibration),
            )
        }


@dataclass(frozen=True, kw_only=True)
class Sample:
    y_true: tuple[float, ...]
    y_pred: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class Histogram:
    edges: tuple[float, ...]
    counts: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class RegressionDetails:
    sample: Sample | None = None
    residual_histogram: Histogram | None = None

    @classmethod
    def parse(cls, node: Node) -> RegressionDetails:
        node.obj("an object with sample and residual_histogram")
        sample = histogram = None
        if not node["sample"].absent:
            y_true, y_pred = same_length(node["sample"].obj(), "y_true", "y_pred")
            sample = Sample(y_true=y_true, y_pred=y_pred)
        if not node["residual_histogram"].absent:
            bins = node["residual_histogram"].obj("an object with edges and counts")
            edges, counts = bins["edges"].numbers(), bins["counts"].numbers()
            if counts and len(edges) != len(counts) + 1:
                bins.fail("an object with one more edge than counts")
            histogram = Histogram(edges=edges, counts=counts)
        return cls(sample=sample, residual_histogram=histogram)

    def to_json(self) -> dict[str, Any]:
        sample = self.sample
        bins = self.residual_histogram
        return {
            "sample": None
            if sample is None
            else {"y_true": list(sample.y_true), "y_pred": list(sample.y_pred)},
            "residual_histogram": None
            if bins is None
            else {"edges": list(bins.edges), "counts": [whole(c) for c in bins.counts]},
        }
