"""`evaluation.json` (every number `evaluate` measured) and its flat `metrics.json`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from modelci.documents.contract import EVALUATION, SCHEMAS, Task, Verdict
from modelci.documents.fields import (
    Node,
    as_flag,
    as_integer,
    as_number,
    as_strings,
    as_text,
    drop_none,
    open_document,
    plain,
    whole,
    write_document,
)
from modelci.documents.parts import (
    Curves,
    DataCheck,
    DataFacts,
    Gate,
    RegressionDetails,
    read_checks,
    read_interval,
    read_plots,
)


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """`metrics.json`: flat numbers by name (DVC/CML friendly); null for a value not computed."""

    values: Mapping[str, float | None]

    @classmethod
    def parse(cls, node: Node) -> Metrics:
        node.obj("an object of metric names and numbers")
        return cls(values={name: value.optional(as_number) for name, value in node.items()})


def read_metrics(path: Path) -> Metrics:
    return Metrics.parse(open_document(path))


def write_metrics(path: Path, metrics: Metrics) -> None:
    write_document(
        path, {name: whole(v) if v is not None else None for name, v in metrics.values.items()}
    )


@dataclass(frozen=True, kw_only=True)
class MetricValue:
    """One metric of one run, with its interval when the method gives one."""

    name: str
    value: float | None
    ci: tuple[float, float] | None
    method: str
    higher_is_better: bool | None

    @classmethod
    def parse(cls, name: str, node: Node) -> MetricValue:
        node.obj("an object with value, ci, method and higher_is_better")
        return cls(
            name=name,
            value=node["value"].optional(as_number),
            ci=read_interval(node["ci"]),
            method=node["method"].optional(as_text) or "",
            higher_is_better=node["higher_is_better"].optional(as_flag),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci": None if self.ci is None else list(self.ci),
            "method": self.method,
            "higher_is_better": self.higher_is_better,
        }


@dataclass(frozen=True, kw_only=True)
class ClassScores:
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int | None

    @classmethod
    def parse(cls, node: Node) -> ClassScores:
        node.obj("an object with class, precision, recall, f1 and support")
        return cls(
            label=node["class"].text(),
            precision=node["precision"].optional(as_number),
            recall=node["recall"].optional(as_number),
            f1=node["f1"].optional(as_number),
            support=node["support"].optional(as_integer),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.label,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


@dataclass(frozen=True, kw_only=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    @classmethod
    def parse(cls, node: Node) -> ConfusionMatrix:
        node.obj("an object with labels and counts")
        labels = node["labels"].strings()
        rows = node["counts"].elements()
        counts = tuple(tuple(cell.integer() for cell in row.elements()) for row in rows)
        if len(counts) != len(labels) or any(len(row) != len(labels) for row in counts):
            node["counts"].fail(f"a {len(labels)}×{len(labels)} table (one row per label)")
        return cls(labels=labels, counts=counts)

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "counts": [list(row) for row in self.counts]}


@dataclass(frozen=True, kw_only=True)
class FeatureImportance:
    feature: str
    mean: float
    std: float | None


@dataclass(frozen=True, kw_only=True)
class Importance:
    method: str
    scoring: str | None
    repeats: int | None
    features: tuple[FeatureImportance, ...]
    rows: int | None = None
    # The bound on its cost (rows × columns × repeats): how many columns, the budget, and what
    # was cut to stay within it (None when nothing was).
    columns: int | None = None
    max_cells: int | None = None
    note: str | None = None

    @classmethod
    def parse(cls, node: Node) -> Importance:
        node.obj("an object with method and features")
        features = [
            FeatureImportance(
                feature=entry.obj("an object with feature, mean and std")["feature"].text(),
                mean=entry["mean"].number(),
                std=entry["std"].optional(as_number),
            )
            for entry in node["features"].elements()
        ]
        return cls(
            method=node["method"].optional(as_text) or "permutation",
            scoring=node["scoring"].optional(as_text),
            repeats=node["repeats"].optional(as_integer),
            rows=node["rows"].optional(as_integer),
            columns=node["columns"].optional(as_integer),
            max_cells=node["max_cells"].optional(as_integer),
            note=node["note"].optional(as_text),
            features=tuple(sorted(features, key=lambda f: -f.mean)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "scoring": self.scoring,
            "rows": self.rows,
            "repeats": self.repeats,
            **drop_none({"columns": self.columns, "max_cells": self.max_cells, "note": self.note}),
            "features": [
                {"feature": f.feature, "mean": f.mean, "std": f.std} for f in self.features
            ],
        }


@dataclass(frozen=True, kw_only=True)
class EvaluatedModel:
    """The evaluated model's file and speed; every field None for a predictions run."""

    sha256: str | None = None
    size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None


@dataclass(frozen=True, kw_only=True)
class NamedGate:
    name: str  # the metric
    gate: Gate

    @classmethod
    def parse(cls, node: Node) -> NamedGate:
        node.obj("an object with name, rule, status and reason")
        return cls(name=node["name"].text(), gate=Gate.parse(node))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.gate.to_json()}


@dataclass(frozen=True, kw_only=True)
class AbsoluteGates:
    """The run's own `min`/`max` gates, applied with no baseline (a model's first PR).

    `waiting`: metrics whose gates are only relative (max_drop, ...): they wait for a baseline.
    """

    verdict: Verdict
    results: tuple[NamedGate, ...] = ()
    waiting: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[NamedGate, ...]:
        return tuple(result for result in self.results if result.gate.status == "fail")

    @classmethod
    def parse(cls, node: Node) -> AbsoluteGates:
        node.obj("an object with verdict, results and waiting")
        results = tuple(NamedGate.parse(entry) for entry in node["results"].elements())
        node["verdict"].choice(("pass", "fail"))
        # The verdict is what the results say, whatever was recorded: a hand-edited (or a
        # fork's) file cannot fail a check under a ✅ title, nor pass a failed gate.
        failed = any(result.gate.status == "fail" for result in results)
        verdict: Verdict = "fail" if failed else "pass"
        return cls(verdict=verdict, results=results, waiting=node["waiting"].strings())

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "results": [result.to_json() for result in self.results],
            "waiting": list(self.waiting),
        }


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """`evaluation.json`: every number `evaluate` measured, the plots' and reports' source."""

    task: Task
    primary: str
    n_rows: int | None
    confidence: float
    metrics: tuple[MetricValue, ...]
    skipped_metrics: tuple[tuple[str, str], ...] = ()
    per_class: tuple[ClassScores, ...] = ()
    confusion_matrix: ConfusionMatrix | None = None
    importance: Importance | None = None
    data_checks: tuple[DataCheck, ...] = ()
    plots: tuple[str, ...] = ()
    target: str | None = None
    classes: tuple[str, ...] | None = None
    positive_class: str | None = None
    data: DataFacts = field(default_factory=DataFacts)
    curves: Curves | None = None
    regression: RegressionDetails | None = None
    model: EvaluatedModel = field(default_factory=EvaluatedModel)
    # False for a predictions run (`"model": null`): nothing to size, time or permute.
    has_model: bool = True
    # What could not be computed, and why ({"importance": "no model: ..."}); empty when all was.
    unavailable: tuple[tuple[str, str], ...] = ()
    # The seed the intervals' resampling used (from the test rows and data.seed); None in files
    # written before it was recorded.
    resample_seed: int | None = None
    # The config's absolute gates on this run alone; None without gates (or a config).
    gates: AbsoluteGates | None = None

    def metric(self, name: str) -> MetricValue | None:
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def prevalence(self) -> float | None:
        """Share of the positive class in a binary evaluation, from the confusion matrix."""
        matrix, positive = self.confusion_matrix, self.positive_class
        if matrix is None or len(matrix.labels) != 2 or positive not in matrix.labels:
            return None
        rows = [sum(row) for row in matrix.counts]
        return rows[matrix.labels.index(positive)] / sum(rows) if sum(rows) else None

    @classmethod
    def parse(cls, node: Node) -> Evaluation:
        metrics = tuple(MetricValue.parse(name, entry) for name, entry in node["metrics"].items())
        model = node["model"]
        return cls(
            task=cast(Task, node["task"].choice(("classification", "regression"))),
            primary=node["primary"].optional(as_text) or (metrics[0].name if metrics else ""),
            n_rows=node["n_rows"].optional(as_integer),
            confidence=node["confidence"].optional(as_number) or 0.95,
            resample_seed=node["resample_seed"].optional(as_integer),
            metrics=metrics,
            skipped_metrics=tuple(
                (name, reason.text()) for name, reason in node["skipped_metrics"].items()
            ),
            per_class=tuple(ClassScores.parse(row) for row in node["per_class"].elements()),
            confusion_matrix=node["confusion_matrix"].optional(ConfusionMatrix.parse),
            importance=node["importance"].optional(Importance.parse),
            data_checks=read_checks(node["data_checks"]),
            plots=read_plots(node["plots"]),
            target=node["target"].optional(as_text),
            classes=node["classes"].optional(as_strings),
            positive_class=node["positive_class"].optional(as_text),
            data=node["data"].optional(DataFacts.parse) or DataFacts(),
            curves=node["curves"].optional(Curves.parse),
            regression=node["regression"].optional(RegressionDetails.parse),
            model=EvaluatedModel()
            if model.absent
            else EvaluatedModel(
                sha256=model.obj("an object with sha256 and size_bytes")["sha256"].optional(
                    as_text
                ),
                size_bytes=model["size_bytes"].optional(as_integer),
                latency_ms_per_1k_rows=model["latency_ms_per_1k_rows"].optional(as_number),
            ),
            # null for a predictions run; left out only by hand-made documents, which had one.
            has_model=model.value is not None,
            unavailable=tuple(
                (name, reason.text()) for name, reason in node["unavailable"].items()
            ),
            gates=node["gates"].optional(AbsoluteGates.parse),
        )

    def to_json(self) -> dict[str, Any]:
        model = self.model
        out = {
            "schema": SCHEMAS[EVALUATION],
            "task": self.task,
            "primary": self.primary,
            "target": self.target,
            "classes": None if self.classes is None else list(self.classes),
            "positive_class": self.positive_class,
            "n_rows": self.n_rows,
            "confidence": self.confidence,
            "resample_seed": self.resample_seed,
            "data": self.data.to_json(),
            "metrics": {m.name: m.to_json() for m in self.metrics},
            "skipped_metrics": dict(self.skipped_metrics),
            "per_class": [row.to_json() for row in self.per_class] if self.per_class else None,
            "confusion_matrix": None
            if self.confusion_matrix is None
            else self.confusion_matrix.to_json(),
            "curves": None if self.curves is None else self.curves.to_json(),
            "regression": None if self.regression is None else self.regression.to_json(),
            "importance": None if self.importance is None else self.importance.to_json(),
            "data_checks": [check.to_json() for check in self.data_checks],
            "model": {
                "sha256": model.sha256,
                "size_bytes": model.size_bytes,
                "latency_ms_per_1k_rows": model.latency_ms_per_1k_rows,
            }
            if self.has_model
            else None,
            "plots": list(self.plots),
        }
        if self.unavailable:
            out["unavailable"] = dict(self.unavailable)
        if self.gates is not None:
            out["gates"] = self.gates.to_json()
        return out

    def flat_metrics(self) -> Metrics:
        """What `metrics.json` holds: each metric's value, the model's size and latency."""
        values: dict[str, float | None] = {m.name: m.value for m in self.metrics}
        size = self.model.size_bytes
        values["model_size_bytes"] = None if size is None else float(size)
        values["latency_ms_per_1k_rows"] = self.model.latency_ms_per_1k_rows
        return Metrics(values=values)


def read_evaluation(path: Path) -> Evaluation:
    return Evaluation.parse(open_document(path, "evaluation"))


def parse_evaluation(data: Mapping[str, Any], *, where: str) -> Evaluation:
    """The `Evaluation` of a document `evaluate` built in memory (plain JSON after `plain`)."""
    return Evaluation.parse(Node(plain(data), where))


def write_evaluation(path: Path, evaluation: Evaluation) -> None:
    write_document(path, evaluation.to_json())


def write_metrics_of(path: Path, evaluation: Evaluation) -> None:
    write_metrics(path, evaluation.flat_metrics())
