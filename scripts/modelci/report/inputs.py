"""Load what a report needs from a compare directory or an evaluated run directory.

A compare directory holds `comparison.json`; the candidate's and baseline's `run.json` and
`evaluation.json` add per-class tables and run facts when the run directories recorded in it
still exist and still hold the compared models. The report renders from `comparison.json` alone.
An evaluated run directory holds `evaluation.json` and, normally, `run.json`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from modelci.errors import UserError
from modelci.rundir import read_document

Status = Literal["ok", "warn", "fail"]
GateStatus = Literal["pass", "fail", "none"]


@dataclass(frozen=True, kw_only=True)
class Gate:
    status: GateStatus
    rule: tuple[tuple[str, Any], ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MetricValue:
    """One metric of one run, with its interval when the method gives one."""

    name: str
    value: float | None
    ci: tuple[float, float] | None
    method: str
    higher_is_better: bool | None


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

    @property
    def change(self) -> Literal["better", "worse", "same"] | None:
        """Whether the candidate moved in the metric's good direction; None when unknown."""
        if self.delta is None or self.higher_is_better is None:
            return None
        if self.delta == 0:
            return "same"
        return "better" if (self.delta > 0) == self.higher_is_better else "worse"


@dataclass(frozen=True, kw_only=True)
class DataCheck:
    name: str
    status: Status
    detail: str


@dataclass(frozen=True, kw_only=True)
class ClassScores:
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int | None


@dataclass(frozen=True, kw_only=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


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


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """The parts of `evaluation.json` a report shows."""

    task: str
    primary: str
    n_rows: int | None
    confidence: float
    metrics: tuple[MetricValue, ...]
    skipped_metrics: tuple[tuple[str, str], ...]
    per_class: tuple[ClassScores, ...]
    confusion_matrix: ConfusionMatrix | None
    importance: Importance | None
    data_checks: tuple[DataCheck, ...]
    plots: tuple[str, ...]

    def metric(self, name: str) -> MetricValue | None:
        return next((m for m in self.metrics if m.name == name), None)


@dataclass(frozen=True, kw_only=True)
class DataFacts:
    source: str | None = None
    sha256: str | None = None
    rows: int | None = None
    columns: int | None = None


@dataclass(frozen=True, kw_only=True)
class RunFacts:
    """What a reviewer needs to know about one run: where it came from and what it is."""

    label: str
    path: str | None = None
    # run.json's `name` and config file: what a leaderboard calls the candidate.
    name: str | None = None
    config_path: str | None = None
    estimator: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    train: DataFacts | None = None
    test: DataFacts | None = None
    split: tuple[tuple[str, Any], ...] = ()
    test_fingerprint: str | None = None
    versions: tuple[tuple[str, str], ...] = ()
    git_commit: str | None = None
    git_dirty: bool | None = None
    model_sha256: str | None = None
    model_size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None
    created: str | None = None
    rescored: bool | None = None


@dataclass(frozen=True, kw_only=True)
class GateChange:
    """How the candidate's config changes a gate (`metric`) or a compare setting (`setting`)."""

    subject: str
    is_metric: bool
    # Metrics: the rule as (key, value) pairs, None for no gate. Settings: the value.
    before: Any = None
    after: Any = None


@dataclass(frozen=True, kw_only=True)
class Comparison:
    task: str
    primary: str
    n_rows: int | None
    confidence: float
    alpha: float | None
    resamples: int | None
    metrics: tuple[MetricDelta, ...]
    verdict: Literal["pass", "fail"]
    failed_gates: tuple[str, ...]
    data_checks: tuple[DataCheck, ...]
    plots: tuple[str, ...]
    gates_from: str | None = None
    gates_note: str | None = None
    gate_changes: tuple[GateChange, ...] = ()

    def metric(self, name: str) -> MetricDelta | None:
        return next((m for m in self.metrics if m.name == name), None)


@dataclass(frozen=True, kw_only=True)
class Report:
    """Everything a report renders. `comparison` is None for a single evaluated run."""

    source: str
    comparison: Comparison | None
    candidate: Evaluation | None
    baseline: Evaluation | None
    candidate_run: RunFacts | None
    baseline_run: RunFacts | None
    notes: tuple[str, ...] = ()

    @property
    def plots(self) -> tuple[str, ...]:
        """Plot paths relative to the report's directory, in the order to show them."""
        if self.comparison is not None:
            return self.comparison.plots
        return self.candidate.plots if self.candidate else ()


def load_report(directory: Path) -> Report:
    """Read a compare directory or an evaluated run directory into a `Report`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(
            "not a directory",
            where=str(directory),
            fix="pass the run directory of `modelci evaluate` or the output of `modelci compare`",
        )
    comparison_path = directory / "comparison.json"
    evaluation_path = directory / "evaluation.json"
    if comparison_path.is_file():
        return _load_compare_dir(directory, read_document(comparison_path, "comparison"))
    if evaluation_path.is_file():
        evaluation = read_document(evaluation_path, "evaluation")
        run_path = directory / "run.json"
        run = read_document(run_path, "run") if run_path.is_file() else None
        notes = () if run else ("run.json is missing, so the run facts are incomplete",)
        return Report(
            source=str(directory),
            comparison=None,
            candidate=_evaluation(evaluation, evaluation_path),
            baseline=None,
            candidate_run=_run_facts("run", run=run, evaluation=evaluation, side=None),
            baseline_run=None,
            notes=notes,
        )
    raise UserError(
        f"{directory}: no comparison.json or evaluation.json; "
        "run `modelci evaluate` or `modelci compare` first"
    )


def _load_compare_dir(directory: Path, doc: Mapping[str, Any]) -> Report:
    path = directory / "comparison.json"
    comparison = _comparison(doc, path)
    notes = []
    runs: dict[str, RunFacts] = {}
    evaluations: dict[str, Evaluation | None] = {}
    for side in ("candidate", "baseline"):
        info = _mapping(doc.get(side), side, path)
        run_dir = find_run_dir(info.get("run"), directory)
        run = evaluation = None
        if run_dir is not None:
            run_path, eval_path = run_dir / "run.json", run_dir / "evaluation.json"
            run = read_document(run_path, "run") if run_path.is_file() else None
            evaluation = read_document(eval_path, "evaluation") if eval_path.is_file() else None
            recorded = info.get("model_sha256")
            found = _model_sha256(run, evaluation)
            # A later `modelci train` may have reused the directory; its facts would be
            # about a different model than the one compared.
            if recorded and found and recorded != found:
                notes.append(
                    f"the {side} run directory {info.get('run')} now holds a different model; "
                    "its details are left out"
                )
                run = evaluation = None
            else:
                evaluations[side] = _evaluation(evaluation, eval_path) if evaluation else None
        elif info.get("run"):
            notes.append(f"the {side} run directory {info.get('run')} was not found")
        runs[side] = _run_facts(side, run=run, evaluation=evaluation, side=info)
    return Report(
        source=str(directory),
        comparison=comparison,
        candidate=evaluations.get("candidate"),
        baseline=evaluations.get("baseline"),
        candidate_run=runs["candidate"],
        baseline_run=runs["baseline"],
        notes=tuple(notes),
    )


def find_run_dir(recorded: Any, compare_dir: Path) -> Path | None:
    """The run directory recorded in comparison.json, if it still exists.

    `compare` records the paths it was given, relative to its working directory, which is
    usually the repository root above the compare directory: so try the path as given, then
    against the compare directory and each of its parents. Last, a directory of the same name
    beside the compare directory: where the three moved together (the pull-request workflow's
    artifact holds `candidate/`, `baseline/` and `compare/`), the recorded path is gone. The
    caller checks the model's hash, so a stranger of the same name is not taken for the run.
    """
    if not isinstance(recorded, str) or not recorded:
        return None
    path = Path(recorded)
    candidates = (
        [path]
        if path.is_absolute()
        else [
            path,
            *(base / path for base in (compare_dir.resolve(), *compare_dir.resolve().parents)),
        ]
    )
    if path.name:
        candidates.append(compare_dir.resolve().parent / path.name)
    for candidate in candidates:
        if (candidate / "run.json").is_file() or (candidate / "evaluation.json").is_file():
            return candidate
    return None


def _model_sha256(run: Mapping[str, Any] | None, evaluation: Mapping[str, Any] | None) -> Any:
    for doc in (run, evaluation):
        model = doc.get("model") if isinstance(doc, Mapping) else None
        if isinstance(model, Mapping) and model.get("sha256"):
            return model["sha256"]
    return None


# --- reading and checking JSON ---------------------------------------------------------------


def _obj(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one for anything else: optional parts may be absent."""
    return value if isinstance(value, Mapping) else {}


def _mapping(value: Any, where: str, path: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UserError(f"'{where}' must be an object", where=str(path))
    return value


def _list(value: Any, where: str, path: Path) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UserError(f"'{where}' must be a list", where=str(path))
    return value


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number == int(number) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _interval(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    low, high = _float(value[0]), _float(value[1])
    return (low, high) if low is not None and high is not None else None


def _required_text(doc: Mapping[str, Any], key: str, path: Path) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise UserError(f"the '{key}' field is missing or not a string", where=str(path))
    return value


def _gate_status(value: Any) -> GateStatus:
    return value if value in ("pass", "fail") else "none"


def _check_status(value: Any) -> Status:
    return value if value in ("ok", "warn", "fail") else "warn"


# --- building the data -----------------------------------------------------------------------


def _data_checks(value: Any, path: Path) -> tuple[DataCheck, ...]:
    checks = []
    for entry in _list(value, "data_checks", path):
        if isinstance(entry, Mapping):
            checks.append(
                DataCheck(
                    name=str(entry.get("check") or "check"),
                    status=_check_status(entry.get("status")),
                    detail=str(entry.get("detail") or ""),
                )
            )
    return tuple(checks)


def _plots(value: Any, path: Path) -> tuple[str, ...]:
    # Only relative paths inside the directory: a report must not point at arbitrary files.
    plots = []
    for entry in _list(value, "plots", path):
        if isinstance(entry, str) and entry and not os.path.isabs(entry):
            parts = Path(entry).parts
            if ".." not in parts:
                plots.append(Path(entry).as_posix())
    return tuple(plots)


def _evaluation(doc: Mapping[str, Any], path: Path) -> Evaluation:
    metrics = []
    for name, entry in _mapping(doc.get("metrics"), "metrics", path).items():
        if isinstance(entry, Mapping):
            metrics.append(
                MetricValue(
                    name=str(name),
                    value=_float(entry.get("value")),
                    ci=_interval(entry.get("ci")),
                    method=str(entry.get("method") or ""),
                    higher_is_better=_bool(entry.get("higher_is_better")),
                )
            )
    per_class = tuple(
        ClassScores(
            label=str(row.get("class")),
            precision=_float(row.get("precision")),
            recall=_float(row.get("recall")),
            f1=_float(row.get("f1")),
            support=_int(row.get("support")),
        )
        for row in _list(doc.get("per_class"), "per_class", path)
        if isinstance(row, Mapping)
    )
    return Evaluation(
        task=_required_text(doc, "task", path),
        primary=str(doc.get("primary") or (metrics[0].name if metrics else "")),
        n_rows=_int(doc.get("n_rows")),
        confidence=_float(doc.get("confidence")) or 0.95,
        metrics=tuple(metrics),
        skipped_metrics=tuple(
            (str(k), str(v))
            for k, v in _mapping(doc.get("skipped_metrics"), "skipped_metrics", path).items()
        ),
        per_class=per_class,
        confusion_matrix=_confusion_matrix(doc.get("confusion_matrix")),
        importance=_importance(doc.get("importance")),
        data_checks=_data_checks(doc.get("data_checks"), path),
        plots=_plots(doc.get("plots"), path),
    )


def _gate_changes(value: Any, path: Path) -> tuple[GateChange, ...]:
    changes = []
    for entry in _list(value, "gate_changes", path):
        if not isinstance(entry, Mapping) or not (entry.get("metric") or entry.get("setting")):
            raise UserError(
                "every entry of 'gate_changes' must be an object with a metric or a setting",
                where=str(path),
            )
        if entry.get("metric"):
            before, after = (
                tuple((str(k), v) for k, v in entry[side].items())
                if isinstance(entry.get(side), Mapping)
                else None
                for side in ("before", "after")
            )
            changes.append(
                GateChange(subject=str(entry["metric"]), is_metric=True, before=before, after=after)
            )
        else:
            changes.append(
                GateChange(
                    subject=str(entry["setting"]),
                    is_metric=False,
                    before=entry.get("before"),
                    after=entry.get("after"),
                )
            )
    return tuple(changes)


def _confusion_matrix(value: Any) -> ConfusionMatrix | None:
    if not isinstance(value, Mapping):
        return None
    labels, counts = value.get("labels"), value.get("counts")
    if not isinstance(labels, list) or not isinstance(counts, list) or len(counts) != len(labels):
        return None
    rows = []
    for row in counts:
        if not isinstance(row, list) or len(row) != len(labels):
            return None
        rows.append(tuple(_int(v) or 0 for v in row))
    return ConfusionMatrix(labels=tuple(str(label) for label in labels), counts=tuple(rows))


def _importance(value: Any) -> Importance | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("features"), list):
        return None
    features = []
    for entry in value["features"]:
        if isinstance(entry, Mapping) and _float(entry.get("mean")) is not None:
            features.append(
                FeatureImportance(
                    feature=str(entry.get("feature")),
                    mean=_float(entry["mean"]) or 0.0,
                    std=_float(entry.get("std")),
                )
            )
    features.sort(key=lambda f: -f.mean)
    return Importance(
        method=str(value.get("method") or "permutation"),
        scoring=_text(value.get("scoring")),
        repeats=_int(value.get("repeats")),
        features=tuple(features),
    )


def _comparison(doc: Mapping[str, Any], path: Path) -> Comparison:
    metrics = []
    for entry in _list(doc.get("metrics"), "metrics", path):
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise UserError(
                "every entry of 'metrics' must be an object with a name", where=str(path)
            )
        gate = _obj(entry.get("gate"))
        rule = _obj(gate.get("rule"))
        metrics.append(
            MetricDelta(
                name=str(entry["name"]),
                higher_is_better=_bool(entry.get("higher_is_better")),
                baseline=_float(entry.get("baseline")),
                candidate=_float(entry.get("candidate")),
                delta=_float(entry.get("delta")),
                ci=_interval(entry.get("ci")),
                p_value=_float(entry.get("p_value")),
                method=str(entry.get("method") or ""),
                gate=Gate(
                    status=_gate_status(gate.get("status")),
                    rule=tuple((str(k), v) for k, v in rule.items()),
                    reason=str(gate.get("reason") or ""),
                ),
            )
        )
    failed = []
    for entry in _list(doc.get("failed_gates"), "failed_gates", path):
        # Names, or objects naming their metric: accept both rather than lose a failure.
        name = entry.get("metric") or entry.get("name") if isinstance(entry, Mapping) else entry
        failed.append(str(name))
    for metric in metrics:
        if metric.gate.status == "fail" and metric.name not in failed:
            failed.append(metric.name)
    # A failed gate fails the comparison even if the recorded verdict disagrees.
    verdict: Literal["pass", "fail"] = "fail" if doc.get("verdict") == "fail" or failed else "pass"
    return Comparison(
        task=_required_text(doc, "task", path),
        primary=str(doc.get("primary") or (metrics[0].name if metrics else "")),
        n_rows=_int(doc.get("n_rows")),
        confidence=_float(doc.get("confidence")) or 0.95,
        alpha=_float(doc.get("alpha")),
        resamples=_int(doc.get("resamples")),
        metrics=tuple(metrics),
        verdict=verdict,
        failed_gates=tuple(failed),
        data_checks=_data_checks(doc.get("data_checks"), path),
        plots=_plots(doc.get("plots"), path),
        gates_from=_text(doc.get("gates_from")),
        gates_note=_text(doc.get("gates_note")),
        gate_changes=_gate_changes(doc.get("gate_changes"), path),
    )


def _data_facts(value: Any) -> DataFacts | None:
    if not isinstance(value, Mapping):
        return None
    return DataFacts(
        source=_text(value.get("source")),
        sha256=_text(value.get("sha256")),
        rows=_int(value.get("rows")),
        columns=_int(value.get("columns")),
    )


def _run_facts(
    label: str,
    *,
    run: Mapping[str, Any] | None,
    evaluation: Mapping[str, Any] | None,
    side: Any,
) -> RunFacts:
    """Merge what comparison.json, run.json and evaluation.json each know about one run."""
    run, evaluation, side = _obj(run), _obj(evaluation), _obj(side)
    estimator = _obj(run.get("estimator"))
    params = _obj(estimator.get("params"))
    data = _obj(run.get("data"))
    split = _obj(data.get("split"))
    eval_data = _obj(evaluation.get("data"))
    versions = _obj(run.get("versions"))
    git = _obj(run.get("git"))
    evaluated_model = _obj(evaluation.get("model"))
    # run.json is written with the model file, so it wins over the evaluation's copy.
    model = {**evaluated_model, **_obj(run.get("model"))}
    latency = evaluated_model
    test = _data_facts(data.get("test")) or _data_facts(eval_data)
    return RunFacts(
        label=str(side.get("label") or label),
        path=_text(side.get("run")),
        name=_text(run.get("name")) or None,
        config_path=_text(run.get("config_path")) or None,
        estimator=_text(estimator.get("class") or side.get("estimator")),
        params=tuple((str(k), v) for k, v in params.items()),
        train=_data_facts(data.get("train")),
        test=test,
        split=tuple((str(k), v) for k, v in split.items() if k != "test_fingerprint"),
        test_fingerprint=_text(split.get("test_fingerprint") or eval_data.get("test_fingerprint")),
        versions=tuple((str(k), str(v)) for k, v in versions.items()),
        git_commit=_text(git.get("commit")),
        git_dirty=_bool(git.get("dirty")),
        model_sha256=_text(model.get("sha256") or side.get("model_sha256")),
        model_size_bytes=_int(model.get("size_bytes")),
        latency_ms_per_1k_rows=_float(latency.get("latency_ms_per_1k_rows")),
        created=_text(run.get("created")),
        rescored=_bool(side.get("rescored")),
    )
