"""`comparison.json`: candidate vs baseline, metric by metric, with gates and a verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from modelci.documents.churn import ChurnReport
from modelci.documents.contract import COMPARISON, SCHEMAS, Task, Verdict
from modelci.documents.fields import (
    Node,
    as_flag,
    as_integer,
    as_number,
    as_strings,
    as_text,
    open_document,
    plain,
    write_document,
)
from modelci.documents.history import HistoryReport
from modelci.documents.parts import (
    Curves,
    DataCheck,
    Gate,
    Git,
    RegressionDetails,
    read_checks,
    read_interval,
    read_plots,
)
from modelci.documents.slices import SliceReport

RunKind = Literal["model", "predictions"]
RUN_KINDS: tuple[RunKind, ...] = ("model", "predictions")


@dataclass(frozen=True, kw_only=True)
class MetricDelta:
    """One metric compared between baseline and candidate; `delta` is candidate − baseline."""

    name: str
    higher_is_better: bool | None
    baseline: float | None
    candidate: float | None
    delta: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    method: str
    gate: Gate
    # The paired delta's standard error, and the smallest worsening it detects at alpha with
    # 80% power (`stats.power`); None without an SE (a point-only method) or in older files.
    se: float | None = None
    minimum_detectable: float | None = None
    # Holm-adjusted across every compared metric, and whether the candidate is significantly
    # worse after that correction: an ungated metric with `worse` is a warning line.
    adjusted_p: float | None = None
    worse: bool | None = None

    @property
    def change(self) -> Literal["better", "worse", "same"] | None:
        """Whether the candidate moved in the metric's good direction; None when unknown."""
        if self.delta is None or self.higher_is_better is None:
            return None
        if self.delta == 0:
            return "same"
        return "better" if (self.delta > 0) == self.higher_is_better else "worse"

    @classmethod
    def parse(cls, node: Node) -> MetricDelta:
        node.obj("an object with a name, the values and a gate")
        return cls(
            name=node["name"].text(),
            higher_is_better=node["higher_is_better"].optional(as_flag),
            baseline=node["baseline"].optional(as_number),
            candidate=node["candidate"].optional(as_number),
            delta=node["delta"].optional(as_number),
            ci=read_interval(node["ci"]),
            p_value=node["p_value"].optional(as_number),
            method=node["method"].optional(as_text) or "",
            gate=Gate.parse(node["gate"]),
            se=node["se"].optional(as_number),
            minimum_detectable=node["minimum_detectable"].optional(as_number),
            adjusted_p=node["adjusted_p"].optional(as_number),
            worse=node["worse"].optional(as_flag),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "higher_is_better": self.higher_is_better,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "p_value": self.p_value,
            "method": self.method or None,
            "se": self.se,
            "minimum_detectable": self.minimum_detectable,
            "adjusted_p": self.adjusted_p,
            "worse": self.worse,
            "gate": self.gate.to_json(),
        }


@dataclass(frozen=True, kw_only=True)
class GateChange:
    """How the candidate's config changes a gate (`metric`) or a compare setting (`setting`)."""

    subject: str
    is_metric: bool
    # Metrics: the rule as (key, value) pairs, None for no gate. Settings: the value.
    before: Any = None
    after: Any = None

    @classmethod
    def parse(cls, node: Node) -> GateChange:
        node.obj("an object with a metric or a setting")
        if not node["metric"].absent:
            before, after = (
                None if node[side].absent else tuple(node[side].free().items())
                for side in ("before", "after")
            )
            return cls(subject=node["metric"].text(), is_metric=True, before=before, after=after)
        if node["setting"].absent:
            node.fail("an object with a metric or a setting")
        return cls(
            subject=node["setting"].text(),
            is_metric=False,
            before=node["before"].value if not node["before"].absent else None,
            after=node["after"].value if not node["after"].absent else None,
        )

    def to_json(self) -> dict[str, Any]:
        if self.is_metric:
            return {
                "metric": self.subject,
                "before": None if self.before is None else dict(self.before),
                "after": None if self.after is None else dict(self.after),
            }
        return {"setting": self.subject, "before": self.before, "after": self.after}


@dataclass(frozen=True, kw_only=True)
class Side:
    """One side of a comparison as `compare` recorded it."""

    label: str
    run: str | None = None
    name: str | None = None
    # "model", or "predictions" for a run that has only predictions (no model sha256, size or
    # latency); None in files written before predictions runs existed, which were all models.
    kind: RunKind | None = None
    model_sha256: str | None = None
    estimator: str | None = None
    # The model's flavour (`modelci.flavours`); None for a predictions side or an older file.
    flavour: str | None = None
    size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None
    git: Git | None = None
    rescored: bool | None = None

    @property
    def has_model(self) -> bool:
        return self.kind != "predictions"

    @classmethod
    def parse(cls, node: Node, default_label: str) -> Side:
        if node.absent:
            return cls(label=default_label)
        node.obj("an object with run, label and model_sha256")
        git = node["git"]
        return cls(
            label=node["label"].optional(as_text) or default_label,
            run=node["run"].optional(as_text),
            name=node["name"].optional(as_text),
            kind=node["kind"].optional(lambda kind: kind.choice(RUN_KINDS)),
            model_sha256=node["model_sha256"].optional(as_text),
            estimator=node["estimator"].optional(as_text),
            flavour=node["flavour"].optional(as_text),
            size_bytes=node["size_bytes"].optional(as_integer),
            latency_ms_per_1k_rows=node["latency_ms_per_1k_rows"].optional(as_number),
            git=None
            if git.absent
            else Git(
                commit=git.obj("an object with commit and dirty")["commit"].optional(as_text),
                dirty=git["dirty"].optional(as_flag),
            ),
            rescored=node["rescored"].optional(as_flag),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run": self.run,
            "label": self.label,
            "name": self.name,
            "kind": self.kind,
            "model_sha256": self.model_sha256,
            "estimator": self.estimator,
            "flavour": self.flavour,
            "size_bytes": self.size_bytes,
            "latency_ms_per_1k_rows": self.latency_ms_per_1k_rows,
            "git": None
            if self.git is None
            else {"commit": self.git.commit, "dirty": self.git.dirty},
        }
        return out if self.rescored is None else {**out, "rescored": self.rescored}


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """`comparison.json`: candidate vs baseline, metric by metric, with gates and a verdict."""

    task: Task
    primary: str
    n_rows: int | None
    confidence: float
    alpha: float | None
    resamples: int | None
    metrics: tuple[MetricDelta, ...]
    verdict: Verdict
    failed_gates: tuple[str, ...]
    data_checks: tuple[DataCheck, ...] = ()
    plots: tuple[str, ...] = ()
    gates_from: str | None = None
    gates_note: str | None = None
    gate_changes: tuple[GateChange, ...] = ()
    strict: bool | None = None
    candidate: Side = field(default_factory=lambda: Side(label="candidate"))
    baseline: Side = field(default_factory=lambda: Side(label="baseline"))
    skipped_metrics: tuple[tuple[str, str], ...] = ()
    classes: tuple[str, ...] | None = None
    positive_class: str | None = None
    candidate_curves: Curves | None = None
    baseline_curves: Curves | None = None
    candidate_regression: RegressionDetails | None = None
    baseline_regression: RegressionDetails | None = None
    # The paired tests' resampling seed (from the test rows and data.seed); None: older file.
    resample_seed: int | None = None
    slices: SliceReport | None = None
    churn: ChurnReport | None = None
    history: HistoryReport | None = None

    def metric(self, name: str) -> MetricDelta | None:
        return next((m for m in self.metrics if m.name == name), None)

    @classmethod
    def parse(cls, node: Node) -> Comparison:
        metrics = tuple(MetricDelta.parse(entry) for entry in node["metrics"].elements())
        failed = []
        for entry in node["failed_gates"].elements():
            # Names, or objects naming their metric: accept both rather than lose a failure.
            if isinstance(entry.value, Mapping):
                named = entry["metric"] if not entry["metric"].absent else entry["name"]
                failed.append(named.text())
            else:
                failed.append(entry.text())
        for metric in metrics:
            if metric.gate.status == "fail" and metric.name not in failed:
                failed.append(metric.name)
        # A failed gate fails the comparison even if the recorded verdict disagrees.
        verdict = cast(Verdict, node["verdict"].choice(("pass", "fail")))
        curves, regression = node["curves"], node["regression"]
        return cls(
            task=cast(Task, node["task"].choice(("classification", "regression"))),
            primary=node["primary"].optional(as_text) or (metrics[0].name if metrics else ""),
            n_rows=node["n_rows"].optional(as_integer),
            confidence=node["confidence"].optional(as_number) or 0.95,
            alpha=node["alpha"].optional(as_number),
            resamples=node["resamples"].optional(as_integer),
            resample_seed=node["resample_seed"].optional(as_integer),
            strict=node["strict"].optional(as_flag),
            metrics=metrics,
            verdict="fail" if failed else verdict,
            failed_gates=tuple(failed),
            data_checks=read_checks(node["data_checks"]),
            plots=read_plots(node["plots"]),
            gates_from=node["gates_from"].optional(as_text),
            gates_note=node["gates_note"].optional(as_text),
            gate_changes=tuple(GateChange.parse(e) for e in node["gate_changes"].elements()),
            candidate=Side.parse(node["candidate"], "candidate"),
            baseline=Side.parse(node["baseline"], "baseline"),
            skipped_metrics=tuple(
                (name, reason.text()) for name, reason in node["skipped_metrics"].items()
            ),
            classes=node["classes"].optional(as_strings),
            positive_class=node["positive_class"].optional(as_text),
            candidate_curves=None if curves.absent else curves["candidate"].optional(Curves.parse),
            baseline_curves=None if curves.absent else curves["baseline"].optional(Curves.parse),
            candidate_regression=None
            if regression.absent
            else regression["candidate"].optional(RegressionDetails.parse),
            baseline_regression=None
            if regression.absent
            else regression["baseline"].optional(RegressionDetails.parse),
            slices=node["slices"].optional(SliceReport.parse),
            churn=node["churn"].optional(ChurnReport.parse),
            history=node["history"].optional(HistoryReport.parse),
        )

    def to_json(self) -> dict[str, Any]:
        def optional(value: Any) -> dict[str, Any] | None:
            return None if value is None else value.to_json()

        return {
            "schema": SCHEMAS[COMPARISON],
            "task": self.task,
            "primary": self.primary,
            "n_rows": self.n_rows,
            "confidence": self.confidence,
            "alpha": self.alpha,
            "strict": self.strict,
            "resamples": self.resamples,
            "resample_seed": self.resample_seed,
            "gates_from": self.gates_from,
            "gates_note": self.gates_note,
            "gate_changes": [change.to_json() for change in self.gate_changes],
            "candidate": self.candidate.to_json(),
            "baseline": self.baseline.to_json(),
            "metrics": [metric.to_json() for metric in self.metrics],
            "skipped_metrics": dict(self.skipped_metrics),
            "verdict": self.verdict,
            "failed_gates": list(self.failed_gates),
            "data_checks": [check.to_json() for check in self.data_checks],
            "classes": None if self.classes is None else list(self.classes),
            "positive_class": self.positive_class,
            "curves": {
                "baseline": optional(self.baseline_curves),
                "candidate": optional(self.candidate_curves),
            },
            "regression": {
                "baseline": optional(self.baseline_regression),
                "candidate": optional(self.candidate_regression),
            },
            "slices": optional(self.slices),
            "churn": optional(self.churn),
            "history": optional(self.history),
            "plots": list(self.plots),
        }


def read_comparison(path: Path) -> Comparison:
    return Comparison.parse(open_document(path, "comparison"))


def parse_comparison(data: Mapping[str, Any], *, where: str) -> Comparison:
    """The `Comparison` of a document `compare` built in memory."""
    return Comparison.parse(Node(plain(data), where))


def write_comparison(path: Path, comparison: Comparison) -> None:
    write_document(path, comparison.to_json())
