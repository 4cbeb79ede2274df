"""The run directory's JSON documents (docs/run-directory.md), as typed objects.

Every versioned document of the contract (`run.json`, `metrics.json`, `evaluation.json`,
`comparison.json`, `baseline.json`) has one frozen dataclass, one reader (`read_run`, ...) and
one writer (`write_run`, ...). Readers check the schema version and the shape strictly: a wrong
shape is one `UserError` line naming the file and the field path, e.g.

    runs/x/run.json: model must be an object with file and sha256, got a string

Writers stage the file (temp, then rename) and emit only finite numbers: NaN and infinity,
wherever they occur (a metric, an estimator parameter such as XGBoost's `missing=nan`), are
written as null. No other module parses these files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar, cast

from modelci.errors import UserError

MODEL = "model.skops"
RUN = "run.json"
METRICS = "metrics.json"
EVALUATION = "evaluation.json"
PREDICTIONS = "predictions.csv"
COMPARISON = "comparison.json"
BASELINE = "baseline.json"
PLOTS = "plots"

SCHEMA_MAJOR = 1
SCHEMAS = {
    RUN: f"modelci.run/{SCHEMA_MAJOR}",
    EVALUATION: f"modelci.evaluation/{SCHEMA_MAJOR}",
    COMPARISON: f"modelci.comparison/{SCHEMA_MAJOR}",
    BASELINE: f"modelci.baseline/{SCHEMA_MAJOR}",
}
# Every file this module owns; tests check that no other module opens them.
FILES = (RUN, METRICS, EVALUATION, COMPARISON, BASELINE)

_FIXES = {
    RUN: "Is this a run directory? Create one with `modelci train`",
    METRICS: "Run `modelci evaluate` on the run first",
    EVALUATION: "Run `modelci evaluate` on the run first",
    COMPARISON: "Run `modelci compare` first",
    BASELINE: "Fetch the baseline with `modelci baseline`",
}
_REWRITE = "Re-create it with modelci; do not edit it by hand"

Task = Literal["classification", "regression"]
CheckStatus = Literal["ok", "warn", "fail", "skipped"]
GateStatus = Literal["pass", "fail", "none"]
Verdict = Literal["pass", "fail"]
T = TypeVar("T")


# --- plain JSON values ---------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """`value` as plain JSON: numpy scalars and arrays become Python, tuples lists, paths text,
    NaN and infinity null (JSON has no spelling for them; a reader would choke).

    >>> plain({"missing": float("nan"), "ci": (0.1, float("inf")), "n": 3})
    {'missing': None, 'ci': [0.1, None], 'n': 3}
    """
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _write(path: Path, data: Mapping[str, Any]) -> None:
    from modelci import fsutil

    fsutil.write_json_atomic(path, plain(data))


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path} not found", fix=_FIXES.get(path.name, "Check the path")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise UserError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            fix=_REWRITE,
        ) from None
    except ValueError as error:  # NaN / Infinity, which Python's json would otherwise accept
        raise UserError(f"{path}: {error}", fix=_REWRITE) from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number; numbers must be finite or null")


# --- strict field access -------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is _MISSING:
        return "nothing (the field is missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()


@dataclass(frozen=True)
class _Node:
    """One value of a document and where it sits (`metrics[2].gate.status`), for error lines."""

    value: Any
    file: str
    path: str = ""

    def fail(self, expected: str) -> NoReturn:
        where = self.path or "the document"
        raise UserError(f"{self.file}: {where} must be {expected}, got {_kind(self.value)}")

    @property
    def absent(self) -> bool:
        return self.value is None or self.value is _MISSING

    def __getitem__(self, key: str) -> _Node:
        if not isinstance(self.value, Mapping):
            self.fail("an object")
        path = f"{self.path}.{key}" if self.path else key
        return _Node(self.value.get(key, _MISSING), self.file, path)

    def obj(self, expected: str = "an object") -> _Node:
        if not isinstance(self.value, Mapping):
            self.fail(expected)
        return self

    def items(self) -> list[tuple[str, _Node]]:
        """An object's entries; null or missing is an empty object."""
        if self.absent:
            return []
        return [(str(key), self[str(key)]) for key in self.obj().value]

    def elements(self) -> list[_Node]:
        """A list's entries; null or missing is an empty list."""
        if self.absent:
            return []
        if not isinstance(self.value, list):
            self.fail("a list")
        return [_Node(v, self.file, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail("a string")
        return self.value

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.fail("a number")
        if not math.isfinite(self.value):
            self.fail("a finite number")
        return float(self.value)

    def integer(self) -> int:
        number = self.number()
        if number != int(number):
            self.fail("a whole number")
        return int(number)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail("true or false")
        return self.value

    def choice(self, options: tuple[T, ...]) -> T:
        if self.value not in options:
            self.fail(" or ".join(repr(o) for o in options))
        return cast(T, self.value)

    def optional(self, read: Callable[[_Node], T]) -> T | None:
        """`read(self)`, or None when the value is null or missing."""
        return None if self.absent else read(self)

    def free(self) -> Mapping[str, Any]:
        """A free-form object (a config, estimator parameters); null or missing is empty."""
        return {} if self.absent else dict(self.obj().value)

    def numbers(self) -> tuple[float, ...]:
        return tuple(node.number() for node in self.elements())

    def strings(self) -> tuple[str, ...]:
        return tuple(node.text() for node in self.elements())


def _text(node: _Node) -> str:
    return node.text()


def _number(node: _Node) -> float:
    return node.number()


def _integer(node: _Node) -> int:
    return node.integer()


def _flag(node: _Node) -> bool:
    return node.flag()


def _strings(node: _Node) -> tuple[str, ...]:
    return node.strings()


def _same_length(node: _Node, *keys: str) -> tuple[tuple[float, ...], ...]:
    arrays = tuple(node[key].numbers() for key in keys)
    if len({len(a) for a in arrays}) > 1:
        node.fail(f"an object whose {' and '.join(keys)} lists have the same length")
    return arrays


def _root(path: Path, kind: str | None = None) -> _Node:
    """The document at `path`, its schema checked: `modelci.<kind>/1`, the kind by file name."""
    data = _load(path)
    expected = f"modelci.{kind}/{SCHEMA_MAJOR}" if kind else SCHEMAS.get(path.name)
    if not isinstance(data, dict):
        raise UserError(
            f"{path} must be a JSON object, got {_kind(data)}",
            fix=_FIXES.get(path.name, "Check the path"),
        )
    if expected is None:
        return _Node(data, str(path))
    found = data.get("schema")
    if found != expected:
        prefix, _, major = expected.rpartition("/")
        if isinstance(found, str) and found.startswith(prefix + "/"):
            raise UserError(
                f"{path}: {found} is not supported; this modelci reads {prefix} version {major}",
                fix="Use the modelci version that wrote it, or re-create the run",
            )
        raise UserError(
            f"{path} is not a modelci {prefix.split('.', 1)[1]} file: its schema must be "
            f"'{expected}', got {found!r}",
            fix=_FIXES.get(path.name, "Check the path"),
        )
    return _Node(data, str(path))


def _drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


# --- pieces shared by several documents ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DataFacts:
    """Where a table came from: run.json's `data.train`/`data.test`, evaluation.json's `data`."""

    source: str | None = None
    sha256: str | None = None
    rows: int | None = None
    columns: int | None = None
    test_fingerprint: str | None = None

    @classmethod
    def parse(cls, node: _Node) -> DataFacts:
        node.obj("an object with source, sha256 and rows")
        return cls(
            source=node["source"].optional(_text),
            sha256=node["sha256"].optional(_text),
            rows=node["rows"].optional(_integer),
            columns=node["columns"].optional(_integer),
            test_fingerprint=node["test_fingerprint"].optional(_text),
        )

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
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
    def parse(cls, node: _Node) -> DataCheck:
        node.obj("an object with check, status and detail")
        return cls(
            name=node["check"].text(),
            status=cast(CheckStatus, node["status"].choice(("ok", "warn", "fail", "skipped"))),
            detail=node["detail"].optional(_text) or "",
            values=None if node["values"].absent else node["values"].free(),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "status": self.status, "detail": self.detail}
        if self.values is not None:
            out["values"] = dict(self.values)
        return out


def _data_checks(node: _Node) -> tuple[DataCheck, ...]:
    return tuple(DataCheck.parse(entry) for entry in node.elements())


def _plots(node: _Node) -> tuple[str, ...]:
    """Plot paths relative to the document's directory: a report must not point elsewhere."""
    plots = []
    for entry in node.elements():
        text = entry.text()
        parts = Path(text).parts
        if not text or Path(text).is_absolute() or ".." in parts:
            entry.fail("a path inside the directory (relative, no '..')")
        plots.append(Path(text).as_posix())
    return tuple(plots)


def _interval(node: _Node) -> tuple[float, float] | None:
    if node.absent:
        return None
    values = node.numbers()
    if len(values) != 2:
        node.fail("a list of two numbers [low, high] or null")
    return values[0], values[1]


# --- curves and regression details --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RocCurve:
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    auc: float | None = None

    @classmethod
    def parse(cls, node: _Node) -> RocCurve:
        fpr, tpr = _same_length(node.obj("an object with fpr, tpr and auc"), "fpr", "tpr")
        return cls(fpr=fpr, tpr=tpr, auc=node["auc"].optional(_number))

    def to_json(self) -> dict[str, Any]:
        return {"fpr": list(self.fpr), "tpr": list(self.tpr), "auc": self.auc}


@dataclass(frozen=True, kw_only=True)
class PrCurve:
    recall: tuple[float, ...]
    precision: tuple[float, ...]
    ap: float | None = None
    prevalence: float | None = None

    @classmethod
    def parse(cls, node: _Node) -> PrCurve:
        node.obj("an object with recall, precision and ap")
        recall, precision = _same_length(node, "recall", "precision")
        return cls(
            recall=recall,
            precision=precision,
            ap=node["ap"].optional(_number),
            prevalence=node["prevalence"].optional(_number),
        )

    def to_json(self) -> dict[str, Any]:
        out = {"recall": list(self.recall), "precision": list(self.precision), "ap": self.ap}
        return out if self.prevalence is None else {**out, "prevalence": self.prevalence}


@dataclass(frozen=True, kw_only=True)
class CalibrationCurve:
    prob_pred: tuple[float, ...]
    prob_true: tuple[float, ...]
    count: tuple[float, ...]

    @classmethod
    def parse(cls, node: _Node) -> CalibrationCurve:
        node.obj("an object with prob_pred, prob_true and count")
        prob_pred, prob_true, count = _same_length(node, "prob_pred", "prob_true", "count")
        return cls(prob_pred=prob_pred, prob_true=prob_true, count=count)

    def to_json(self) -> dict[str, Any]:
        return {
            "prob_pred": list(self.prob_pred),
            "prob_true": list(self.prob_true),
            "count": [int(c) if c == int(c) else c for c in self.count],
        }


Curve = TypeVar("Curve", RocCurve, PrCurve, CalibrationCurve)


def _by_class(node: _Node, parse: Callable[[_Node], Curve]) -> Mapping[str, Curve]:
    return {label: parse(curve) for label, curve in node.items()}


@dataclass(frozen=True, kw_only=True)
class Curves:
    """Curves by class label: the positive class of a binary task, every class of a multiclass."""

    roc: Mapping[str, RocCurve] = field(default_factory=dict)
    pr: Mapping[str, PrCurve] = field(default_factory=dict)
    calibration: Mapping[str, CalibrationCurve] = field(default_factory=dict)

    @classmethod
    def parse(cls, node: _Node) -> Curves:
        node.obj("an object with roc, pr and calibration")
        return cls(
            roc=_by_class(node["roc"], RocCurve.parse),
            pr=_by_class(node["pr"], PrCurve.parse),
            calibration=_by_class(node["calibration"], CalibrationCurve.parse),
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
    def parse(cls, node: _Node) -> RegressionDetails:
        node.obj("an object with sample and residual_histogram")
        sample = histogram = None
        if not node["sample"].absent:
            y_true, y_pred = _same_length(node["sample"].obj(), "y_true", "y_pred")
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
            else {"edges": list(bins.edges), "counts": [_whole(c) for c in bins.counts]},
        }


def _whole(value: float) -> float | int:
    return int(value) if value == int(value) else value


# --- run.json ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ModelFile:
    file: str
    sha256: str
    size_bytes: int | None = None


@dataclass(frozen=True, kw_only=True)
class Estimator:
    class_name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RunData:
    train: DataFacts | None = None
    test: DataFacts | None = None
    # kind, test_size, seed, test_fingerprint: free-form, it differs by split kind.
    split: Mapping[str, Any] = field(default_factory=dict)

    @property
    def test_fingerprint(self) -> str | None:
        value = self.split.get("test_fingerprint")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class Git:
    commit: str | None = None
    dirty: bool | None = None


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """`run.json`: what was trained, on what, by which versions."""

    task: Task
    target: str
    model: ModelFile
    features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    estimator: Estimator | None = None
    classes: tuple[str, ...] | None = None
    positive_class: str | None = None
    name: str | None = None
    # The resolved config (free-form: config.py owns its shape); empty for bring-your-own.
    config: Mapping[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    config_dir: str | None = None
    data: RunData = field(default_factory=RunData)
    versions: Mapping[str, str] = field(default_factory=dict)
    git: Git | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    modelci_version: str | None = None
    created: str | None = None

    def section(self, key: str) -> Mapping[str, Any]:
        """One section of the recorded config (`compare`, `metrics`, `data`), empty if absent."""
        value = self.config.get(key)
        return value if isinstance(value, Mapping) else {}

    @classmethod
    def parse(cls, node: _Node) -> RunInfo:
        model = node["model"].obj("an object with file and sha256")
        estimator = node["estimator"]
        git = node["git"]
        data = node["data"]
        split = data["split"] if not data.absent else data
        return cls(
            task=cast(Task, node["task"].choice(("classification", "regression"))),
            target=node["target"].text(),
            model=ModelFile(
                file=model["file"].text(),
                sha256=model["sha256"].text(),
                size_bytes=model["size_bytes"].optional(_integer),
            ),
            features={key: value.strings() for key, value in node["features"].items()},
            estimator=None
            if estimator.absent
            else Estimator(
                class_name=estimator.obj("an object with class and params")["class"].text(),
                params=estimator["params"].free(),
            ),
            classes=node["classes"].optional(_strings),
            positive_class=node["positive_class"].optional(_text),
            name=node["name"].optional(_text),
            config=node["config"].free(),
            config_path=node["config_path"].optional(_text),
            config_dir=node["config_dir"].optional(_text),
            data=RunData()
            if data.absent
            else RunData(
                train=data["train"].optional(DataFacts.parse),
                test=data["test"].optional(DataFacts.parse),
                split=split.free(),
            ),
            versions={key: value.text() for key, value in node["versions"].items()},
            git=None
            if git.absent
            else Git(
                commit=git.obj("an object with commit and dirty")["commit"].optional(_text),
                dirty=git["dirty"].optional(_flag),
            ),
            timings={key: value.number() for key, value in node["timings"].items()},
            modelci_version=node["modelci_version"].optional(_text),
            created=node["created"].optional(_text),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.data.train is not None:
            data["train"] = self.data.train.to_json()
        if self.data.test is not None:
            data["test"] = self.data.test.to_json()
        data["split"] = dict(self.data.split)
        out: dict[str, Any] = {
            "schema": SCHEMAS[RUN],
            "modelci_version": self.modelci_version,
            "created": self.created,
            "name": self.name,
            "task": self.task,
            "config": dict(self.config),
            "config_path": self.config_path,
            "config_dir": self.config_dir,
            "estimator": None
            if self.estimator is None
            else {"class": self.estimator.class_name, "params": dict(self.estimator.params)},
            "target": self.target,
            "features": {key: list(names) for key, names in self.features.items()},
            "classes": None if self.classes is None else list(self.classes),
            "positive_class": self.positive_class,
            "data": data,
            "versions": dict(self.versions),
            "git": None
            if self.git is None
            else {"commit": self.git.commit, "dirty": self.git.dirty},
            "timings": dict(self.timings),
            "model": _drop_none(
                {
                    "file": self.model.file,
                    "sha256": self.model.sha256,
                    "size_bytes": self.model.size_bytes,
                }
            ),
        }
        return out


def read_run(path: Path) -> RunInfo:
    return RunInfo.parse(_root(path, "run"))


def parse_run(data: Mapping[str, Any], *, where: str) -> RunInfo:
    """The `RunInfo` of a run.json `train` built in memory."""
    return RunInfo.parse(_Node(plain(data), where))


def write_run(path: Path, info: RunInfo) -> None:
    _write(path, info.to_json())


# --- metrics.json --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """`metrics.json`: flat numbers by name (DVC/CML friendly); null for a value not computed."""

    values: Mapping[str, float | None]

    @classmethod
    def parse(cls, node: _Node) -> Metrics:
        node.obj("an object of metric names and numbers")
        return cls(values={name: value.optional(_number) for name, value in node.items()})


def read_metrics(path: Path) -> Metrics:
    return Metrics.parse(_root(path))


def write_metrics(path: Path, metrics: Metrics) -> None:
    _write(path, {name: _whole(v) if v is not None else None for name, v in metrics.values.items()})


# --- evaluation.json -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MetricValue:
    """One metric of one run, with its interval when the method gives one."""

    name: str
    value: float | None
    ci: tuple[float, float] | None
    method: str
    higher_is_better: bool | None

    @classmethod
    def parse(cls, name: str, node: _Node) -> MetricValue:
        node.obj("an object with value, ci, method and higher_is_better")
        return cls(
            name=name,
            value=node["value"].optional(_number),
            ci=_interval(node["ci"]),
            method=node["method"].optional(_text) or "",
            higher_is_better=node["higher_is_better"].optional(_flag),
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
    def parse(cls, node: _Node) -> ClassScores:
        node.obj("an object with class, precision, recall, f1 and support")
        return cls(
            label=node["class"].text(),
            precision=node["precision"].optional(_number),
            recall=node["recall"].optional(_number),
            f1=node["f1"].optional(_number),
            support=node["support"].optional(_integer),
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
    def parse(cls, node: _Node) -> ConfusionMatrix:
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

    @classmethod
    def parse(cls, node: _Node) -> Importance:
        node.obj("an object with method and features")
        features = [
            FeatureImportance(
                feature=entry.obj("an object with feature, mean and std")["feature"].text(),
                mean=entry["mean"].number(),
                std=entry["std"].optional(_number),
            )
            for entry in node["features"].elements()
        ]
        return cls(
            method=node["method"].optional(_text) or "permutation",
            scoring=node["scoring"].optional(_text),
            repeats=node["repeats"].optional(_integer),
            rows=node["rows"].optional(_integer),
            features=tuple(sorted(features, key=lambda f: -f.mean)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "scoring": self.scoring,
            "rows": self.rows,
            "repeats": self.repeats,
            "features": [
                {"feature": f.feature, "mean": f.mean, "std": f.std} for f in self.features
            ],
        }


@dataclass(frozen=True, kw_only=True)
class EvaluatedModel:
    sha256: str | None = None
    size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None


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
    def parse(cls, node: _Node) -> Evaluation:
        metrics = tuple(MetricValue.parse(name, entry) for name, entry in node["metrics"].items())
        model = node["model"]
        return cls(
            task=cast(Task, node["task"].choice(("classification", "regression"))),
            primary=node["primary"].optional(_text) or (metrics[0].name if metrics else ""),
            n_rows=node["n_rows"].optional(_integer),
            confidence=node["confidence"].optional(_number) or 0.95,
            metrics=metrics,
            skipped_metrics=tuple(
                (name, reason.text()) for name, reason in node["skipped_metrics"].items()
            ),
            per_class=tuple(ClassScores.parse(row) for row in node["per_class"].elements()),
            confusion_matrix=node["confusion_matrix"].optional(ConfusionMatrix.parse),
            importance=node["importance"].optional(Importance.parse),
            data_checks=_data_checks(node["data_checks"]),
            plots=_plots(node["plots"]),
            target=node["target"].optional(_text),
            classes=node["classes"].optional(_strings),
            positive_class=node["positive_class"].optional(_text),
            data=node["data"].optional(DataFacts.parse) or DataFacts(),
            curves=node["curves"].optional(Curves.parse),
            regression=node["regression"].optional(RegressionDetails.parse),
            model=EvaluatedModel()
            if model.absent
            else EvaluatedModel(
                sha256=model.obj("an object with sha256 and size_bytes")["sha256"].optional(_text),
                size_bytes=model["size_bytes"].optional(_integer),
                latency_ms_per_1k_rows=model["latency_ms_per_1k_rows"].optional(_number),
            ),
        )

    def to_json(self) -> dict[str, Any]:
        model = self.model
        return {
            "schema": SCHEMAS[EVALUATION],
            "task": self.task,
            "primary": self.primary,
            "target": self.target,
            "classes": None if self.classes is None else list(self.classes),
            "positive_class": self.positive_class,
            "n_rows": self.n_rows,
            "confidence": self.confidence,
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
            },
            "plots": list(self.plots),
        }

    def flat_metrics(self) -> Metrics:
        """What `metrics.json` holds: each metric's value, the model's size and latency."""
        values: dict[str, float | None] = {m.name: m.value for m in self.metrics}
        size = self.model.size_bytes
        values["model_size_bytes"] = None if size is None else float(size)
        values["latency_ms_per_1k_rows"] = self.model.latency_ms_per_1k_rows
        return Metrics(values=values)


def read_evaluation(path: Path) -> Evaluation:
    return Evaluation.parse(_root(path, "evaluation"))


def parse_evaluation(data: Mapping[str, Any], *, where: str) -> Evaluation:
    """The `Evaluation` of a document `evaluate` built in memory (plain JSON after `plain`)."""
    return Evaluation.parse(_Node(plain(data), where))


def write_evaluation(path: Path, evaluation: Evaluation) -> None:
    _write(path, evaluation.to_json())


def write_metrics_of(path: Path, evaluation: Evaluation) -> None:
    write_metrics(path, evaluation.flat_metrics())


# --- comparison.json -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Gate:
    status: GateStatus
    rule: tuple[tuple[str, Any], ...] = ()
    reason: str = ""


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

    @classmethod
    def parse(cls, node: _Node) -> MetricDelta:
        node.obj("an object with a name, the values and a gate")
        gate = node["gate"]
        if not gate.absent:
            gate.obj("an object with rule, status and reason")
        rule = gate["rule"] if not gate.absent else gate
        return cls(
            name=node["name"].text(),
            higher_is_better=node["higher_is_better"].optional(_flag),
            baseline=node["baseline"].optional(_number),
            candidate=node["candidate"].optional(_number),
            delta=node["delta"].optional(_number),
            ci=_interval(node["ci"]),
            p_value=node["p_value"].optional(_number),
            method=node["method"].optional(_text) or "",
            gate=Gate(status="none")
            if gate.absent
            else Gate(
                status=cast(GateStatus, gate["status"].choice(("pass", "fail", "none"))),
                rule=tuple(rule.free().items()),
                reason=gate["reason"].optional(_text) or "",
            ),
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
            "gate": {
                "rule": dict(self.gate.rule) if self.gate.rule else None,
                "status": self.gate.status,
                "reason": self.gate.reason,
            },
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
    def parse(cls, node: _Node) -> GateChange:
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
    model_sha256: str | None = None
    estimator: str | None = None
    size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None
    git: Git | None = None
    rescored: bool | None = None

    @classmethod
    def parse(cls, node: _Node, default_label: str) -> Side:
        if node.absent:
            return cls(label=default_label)
        node.obj("an object with run, label and model_sha256")
        git = node["git"]
        return cls(
            label=node["label"].optional(_text) or default_label,
            run=node["run"].optional(_text),
            name=node["name"].optional(_text),
            model_sha256=node["model_sha256"].optional(_text),
            estimator=node["estimator"].optional(_text),
            size_bytes=node["size_bytes"].optional(_integer),
            latency_ms_per_1k_rows=node["latency_ms_per_1k_rows"].optional(_number),
            git=None
            if git.absent
            else Git(
                commit=git.obj("an object with commit and dirty")["commit"].optional(_text),
                dirty=git["dirty"].optional(_flag),
            ),
            rescored=node["rescored"].optional(_flag),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run": self.run,
            "label": self.label,
            "name": self.name,
            "model_sha256": self.model_sha256,
            "estimator": self.estimator,
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

    def metric(self, name: str) -> MetricDelta | None:
        return next((m for m in self.metrics if m.name == name), None)

    @classmethod
    def parse(cls, node: _Node) -> Comparison:
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
            primary=node["primary"].optional(_text) or (metrics[0].name if metrics else ""),
            n_rows=node["n_rows"].optional(_integer),
            confidence=node["confidence"].optional(_number) or 0.95,
            alpha=node["alpha"].optional(_number),
            resamples=node["resamples"].optional(_integer),
            strict=node["strict"].optional(_flag),
            metrics=metrics,
            verdict="fail" if failed else verdict,
            failed_gates=tuple(failed),
            data_checks=_data_checks(node["data_checks"]),
            plots=_plots(node["plots"]),
            gates_from=node["gates_from"].optional(_text),
            gates_note=node["gates_note"].optional(_text),
            gate_changes=tuple(GateChange.parse(e) for e in node["gate_changes"].elements()),
            candidate=Side.parse(node["candidate"], "candidate"),
            baseline=Side.parse(node["baseline"], "baseline"),
            skipped_metrics=tuple(
                (name, reason.text()) for name, reason in node["skipped_metrics"].items()
            ),
            classes=node["classes"].optional(_strings),
            positive_class=node["positive_class"].optional(_text),
            candidate_curves=None if curves.absent else curves["candidate"].optional(Curves.parse),
            baseline_curves=None if curves.absent else curves["baseline"].optional(Curves.parse),
            candidate_regression=None
            if regression.absent
            else regression["candidate"].optional(RegressionDetails.parse),
            baseline_regression=None
            if regression.absent
            else regression["baseline"].optional(RegressionDetails.parse),
        )

    def to_json(self) -> dict[str, Any]:
        def optional(value: Curves | RegressionDetails | None) -> dict[str, Any] | None:
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
            "plots": list(self.plots),
        }


def read_comparison(path: Path) -> Comparison:
    return Comparison.parse(_root(path, "comparison"))


def parse_comparison(data: Mapping[str, Any], *, where: str) -> Comparison:
    """The `Comparison` of a document `compare` built in memory."""
    return Comparison.parse(_Node(plain(data), where))


def write_comparison(path: Path, comparison: Comparison) -> None:
    _write(path, comparison.to_json())


# --- baseline.json -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BaselineSource:
    """`baseline.json`: where `modelci baseline` got the run it wrote, and what it verified."""

    source: str
    kind: str
    model_sha256: str
    tag: str | None = None
    url: str | None = None
    # file name → sha256 of each file kept
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, node: _Node) -> BaselineSource:
        return cls(
            source=node["source"].text(),
            kind=node["kind"].text(),
            model_sha256=node["model_sha256"].text(),
            tag=node["tag"].optional(_text),
            url=node["url"].optional(_text),
            files={name: digest.text() for name, digest in node["files"].items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMAS[BASELINE],
            "source": self.source,
            "kind": self.kind,
            "tag": self.tag,
            "url": self.url,
            "model_sha256": self.model_sha256,
            "files": dict(self.files),
        }


def read_baseline(path: Path) -> BaselineSource:
    return BaselineSource.parse(_root(path, "baseline"))


def write_baseline(path: Path, baseline: BaselineSource) -> None:
    _write(path, baseline.to_json())
