"""`modelci.yaml`: one declarative description of every key, used for loading and for the schema.

The loader walks PyYAML's node tree (not the plain dict) so every error can name the file and
line. The same `SECTIONS` table generates the JSON schema shipped for editors
(`modelci/schema/modelci.schema.json`), so the two cannot drift apart silently (a test compares
them).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.errors import UserError

TASKS = ("classification", "regression")
GATE_KEYS = ("min", "max", "max_drop", "max_drop_pct", "max_rise", "max_rise_pct", "strict")


# ---------------------------------------------------------------------------------------------
# The typed config, as the rest of modelci sees it.


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    train: str
    target: str
    test: str | None = None
    test_size: float = 0.2
    seed: int = 0
    id_column: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    estimator: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    preprocess: str = "auto"


@dataclass(frozen=True, kw_only=True)
class MetricsConfig:
    primary: str | None = None
    confidence: float = 0.95
    resamples: int = 1000
    importance: bool = True
    importance_rows: int = 2000
    plots: bool = True


@dataclass(frozen=True, kw_only=True)
class GateRule:
    """Tolerances for one metric; `None` means not set."""

    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    max_drop_pct: float | None = None
    max_rise: float | None = None
    max_rise_pct: float | None = None
    strict: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclass(frozen=True, kw_only=True)
class CompareConfig:
    alpha: float = 0.05
    strict: bool = False


@dataclass(frozen=True, kw_only=True)
class CardConfig:
    description: str | None = None
    intended_use: str | None = None
    limitations: str | None = None
    ethical_considerations: str | None = None
    authors: str | None = None
    license: str | None = None


@dataclass(frozen=True, kw_only=True)
class Config:
    data: DataConfig
    name: str | None = None
    task: str | None = None
    model: ModelConfig = field(default_factory=ModelConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    gates: Mapping[str, GateRule] = field(default_factory=dict)
    compare: CompareConfig = field(default_factory=CompareConfig)
    card: CardConfig = field(default_factory=CardConfig)
    source: str = "modelci.yaml"
    base_dir: Path = field(default_factory=Path.cwd, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The resolved config, every default filled in (recorded in run.json)."""
        out: dict[str, Any] = {"name": self.name, "task": self.task}
        for section in ("data", "model", "metrics", "compare", "card"):
            value = dataclasses.asdict(getattr(self, section))
            out[section] = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        out["model"]["params"] = dict(self.model.params)
        out["gates"] = {name: rule.as_dict() for name, rule in self.gates.items()}
        return out


# ---------------------------------------------------------------------------------------------
# The key table: what each key accepts, its default and its documentation.


@dataclass(frozen=True, kw_only=True)
class Key:
    name: str
    type: str  # "string", "integer", "number", "boolean", "mapping", "string-list"
    doc: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False  # bounds are exclusive
    nullable: bool = True


SECTIONS: dict[str, tuple[Key, ...]] = {
    "data": (
        Key(
            name="train",
            type="string",
            required=True,
            nullable=False,
            doc="Training data: a CSV/TSV/Parquet path (relative to this file) or a bundled set "
            "such as sklearn:breast_cancer, sklearn:iris, sklearn:wine, sklearn:diabetes.",
        ),
        Key(
            name="target",
            type="string",
            required=True,
            nullable=False,
            doc="Name of the target column.",
        ),
        Key(
            name="test",
            type="string",
            doc="Test data path; when omitted, a seeded split of `train` is used.",
        ),
        Key(
            name="test_size",
            type="number",
            default=0.2,
            minimum=0.0,
            maximum=1.0,
            exclusive=True,
            nullable=False,
            doc="Fraction of `train` held out when `test` is omitted (stratified for "
            "classification).",
        ),
        Key(
            name="seed",
            type="integer",
            default=0,
            minimum=0,
            nullable=False,
            doc="Seed for the split, resampling and permutation importance.",
        ),
        Key(
            name="id_column",
            type="string",
            doc="Column holding a row id (kept out of the features, written to predictions).",
        ),
        Key(
            name="drop",
            type="string-list",
            default=(),
            nullable=False,
            doc="Columns to leave out of the features.",
        ),
    ),
    "model": (
        Key(
            name="estimator",
            type="string",
            doc="Import path of a scikit-learn estimator class (sklearn.linear_model."
            "LogisticRegression) or a `module:function` factory returning one. Default: "
            "HistGradientBoostingClassifier / HistGradientBoostingRegressor.",
        ),
        Key(
            name="params",
            type="mapping",
            default={},
            nullable=False,
            doc="Keyword arguments for the estimator.",
        ),
        Key(
            name="preprocess",
            type="string",
            default="auto",
            choices=("auto", "none"),
            nullable=False,
            doc="auto: impute missing values, one-hot encode categoricals (unknown-safe), scale "
            "numeric columns for linear and distance-based models; none: pass columns as-is.",
        ),
    ),
    "metrics": (
        Key(
            name="primary",
            type="string",
            doc="The headline metric. Default: roc_auc for classification, rmse for regression.",
        ),
        Key(
            name="confidence",
            type="number",
            default=0.95,
            minimum=0.5,
            maximum=1.0,
            exclusive=True,
            nullable=False,
            doc="Confidence level of every interval.",
        ),
        Key(
            name="resamples",
            type="integer",
            default=1000,
            minimum=100,
            maximum=100_000,
            nullable=False,
            doc="Bootstrap resamples where a bootstrap is used.",
        ),
        Key(
            name="importance",
            type="boolean",
            default=True,
            nullable=False,
            doc="Compute permutation importance.",
        ),
        Key(
            name="importance_rows",
            type="integer",
            default=2000,
            minimum=10,
            nullable=False,
            doc="Rows sampled for permutation importance (it refits nothing, but predicts "
            "many times).",
        ),
        Key(name="plots", type="boolean", default=True, nullable=False, doc="Render PNG plots."),
    ),
    "compare": (
        Key(
            name="alpha",
            type="number",
            default=0.05,
            minimum=0.0,
            maximum=0.5,
            exclusive=True,
            nullable=False,
            doc="Significance level: a gate fails only when the worsening is significant.",
        ),
        Key(
            name="strict",
            type="boolean",
            default=False,
            nullable=False,
            doc="Fail unless the confidence interval excludes a worsening beyond tolerance.",
        ),
    ),
    "card": tuple(
        Key(name=name, type="string", doc=doc)
        for name, doc in (
            ("description", "What the model does (model card)."),
            ("intended_use", "Intended use (model card)."),
            ("limitations", "Known limitations (model card)."),
            ("ethical_considerations", "Ethical considerations (model card)."),
            ("authors", "Authors (model card)."),
            ("license", "License of the model (model card)."),
        )
    ),
}

TOP_LEVEL: tuple[Key, ...] = (
    Key(
        name="name",
        type="string",
        doc="Model name, for monorepos with several models (comment key, release tags NAME@v1).",
    ),
    Key(
        name="task",
        type="string",
        choices=TASKS,
        doc="classification or regression; inferred from the target when omitted.",
    ),
)

GATE_RULE_KEYS: tuple[Key, ...] = (
    Key(name="min", type="number", doc="Candidate value must be at least this."),
    Key(name="max", type="number", doc="Candidate value must be at most this."),
    Key(
        name="max_drop",
        type="number",
        minimum=0.0,
        doc="Largest tolerated drop vs the baseline (higher-is-better metrics).",
    ),
    Key(
        name="max_drop_pct",
        type="number",
        minimum=0.0,
        doc="Largest tolerated drop in percent of the baseline value.",
    ),
    Key(
        name="max_rise",
        type="number",
        minimum=0.0,
        doc="Largest tolerated rise vs the baseline (lower-is-better metrics).",
    ),
    Key(
        name="max_rise_pct",
        type="number",
        minimum=0.0,
        doc="Largest tolerated rise in percent of the baseline value.",
    ),
    Key(name="strict", type="boolean", doc="Overrides compare.strict for this gate."),
)

_DATACLASSES: dict[str, type] = {
    "data": DataConfig,
    "model": ModelConfig,
    "metrics": MetricsConfig,
    "compare": CompareConfig,
    "card": CardConfig,
}
_ALL_TOP = (*tuple(k.name for k in TOP_LEVEL), *SECTIONS, "gates")


# ---------------------------------------------------------------------------------------------
# Loading.


def load(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read and validate a config file; `overrides` maps dotted keys (data.seed) to values."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"config file {path} not found",
            fix="Pass -c PATH, or create modelci.yaml (see examples/)",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read config {path}: {error}") from None
    return loads(text, source=str(path), base_dir=path.resolve().parent, overrides=overrides)


def loads(
    text: str,
    *,
    source: str = "modelci.yaml",
    base_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise UserError(
            f"malformed YAML: {problem}", where=where, fix="Check indentation and quoting"
        ) from None
    if root is None:
        raise UserError(
            "the config is empty", where=source, fix="Add at least data.train and data.target"
        )
    reader = _Reader(source)
    reader.refuse_duplicates(root)
    raw = reader.mapping(root, "config")
    for dotted, value in (overrides or {}).items():
        _apply_override(raw, dotted, value, source)
    return _build(raw, reader, source, base_dir or Path.cwd())


@dataclass
class _Located:
    value: Any
    line: int | None  # 1-based; None for overrides and defaults
    node: Any = None  # the YAML value node, to find the lines of nested keys


class _Reader:
    """Turns YAML nodes into plain values, keeping the line of every key."""

    def __init__(self, source: str):
        self.source = source

    def where(self, node: Any) -> str:
        return f"{self.source}:{node.start_mark.line + 1}"

    def mapping(self, node: Any, what: str) -> dict[str, _Located]:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise UserError(
                f"{what} must be a mapping of key: value, got {_node_kind(node)}",
                where=self.where(node),
            )
        out: dict[str, _Located] = {}
        for key_node, value_node in node.value:
            key = self.construct(key_node)
            if not isinstance(key, str):
                raise UserError(
                    f"keys in {what} must be strings, got {key!r}", where=self.where(key_node)
                )
            if key in out:
                raise UserError(
                    f"duplicate key '{key}' in {what}",
                    where=self.where(key_node),
                    fix="Keep only one",
                )
            out[key] = _Located(
                self.construct(value_node), key_node.start_mark.line + 1, value_node
            )
        return out

    def refuse_duplicates(self, node: Any) -> None:
        """PyYAML keeps the last of two equal keys silently; a config should not."""
        import yaml

        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        raise UserError(
                            f"duplicate key '{key_node.value}'",
                            where=self.where(key_node),
                            fix="Keep only one",
                        )
                    seen.add(key_node.value)
                self.refuse_duplicates(value_node)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.refuse_duplicates(item)

    def construct(self, node: Any) -> Any:
        """The plain Python value of a node (mapping, list or scalar)."""
        import yaml

        return yaml.SafeLoader(" ").construct_object(node, deep=True)


def _node_kind(node: Any) -> str:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.ScalarNode):
        return f"the value {node.value!r}"
    return "something else"


def _apply_override(raw: dict[str, _Located], dotted: str, value: Any, source: str) -> None:
    parts = dotted.split(".")
    if parts[0] not in _ALL_TOP:
        _unknown(parts[0], _ALL_TOP, "config", f"override {dotted}")
    if len(parts) == 1:
        raw[parts[0]] = _Located(value, None)
        return
    section = raw.get(parts[0])
    if section is None or not isinstance(section.value, dict):
        section = _Located({}, None)
        raw[parts[0]] = section
    target = section.value
    for part in parts[1:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _unknown(key: str, valid: tuple[str, ...], what: str, where: str) -> None:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    fix = f"Did you mean '{close[0]}'?" if close else f"Valid keys: {', '.join(valid)}"
    raise UserError(f"unknown key '{key}' in {what}", where=where, fix=fix)


def _line_of(section: _Located, key: str, reader: _Reader, fallback: str) -> str:
    """File and line of `key` inside a section, when the section came from the file."""
    import yaml

    node = section.node
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == key:
                return reader.where(key_node)
    return fallback


def _build(raw: dict[str, _Located], reader: _Reader, source: str, base_dir: Path) -> Config:
    def where(entry: _Located | None) -> str:
        return f"{source}:{entry.line}" if entry is not None and entry.line else source

    for name, located in raw.items():
        if name not in _ALL_TOP:
            _unknown(name, _ALL_TOP, "the config", where(located))
    values: dict[str, Any] = {}
    for top_key in TOP_LEVEL:
        given = raw.get(top_key.name)
        if given is not None:
            values[top_key.name] = _check(top_key, given.value, top_key.name, where(given))
    if "data" not in raw:
        raise UserError(
            "missing section 'data'",
            where=source,
            fix="Add data.train (a file or sklearn:NAME) and data.target",
        )
    for section, keys in SECTIONS.items():
        entry = raw.get(section)
        if entry is None or entry.value is None:
            content: dict[str, Any] = {}
        elif not isinstance(entry.value, dict):
            raise UserError(
                f"'{section}' must be a mapping of key: value, got {type(entry.value).__name__}",
                where=where(entry),
            )
        else:
            content = entry.value
        valid = tuple(k.name for k in keys)
        kwargs: dict[str, Any] = {}
        for name, value in content.items():
            at = _line_of(entry, name, reader, where(entry)) if entry else source
            if name not in valid:
                _unknown(name, valid, f"'{section}'", at)
            spec = next(k for k in keys if k.name == name)
            kwargs[name] = _check(spec, value, f"{section}.{name}", at)
        for spec in keys:
            if spec.required and kwargs.get(spec.name) is None:
                raise UserError(
                    f"missing required key '{section}.{spec.name}'",
                    where=where(entry) if entry else source,
                    fix=spec.doc,
                )
        if "drop" in kwargs:
            kwargs["drop"] = tuple(kwargs["drop"])
        if section == "metrics" and kwargs.get("primary") is not None:
            _check_metric_name(
                kwargs["primary"],
                "metrics.primary",
                _line_of(entry, "primary", reader, source) if entry else source,
            )
        values[section] = _DATACLASSES[section](**kwargs)
    values["gates"] = _build_gates(raw.get("gates"), reader, source)
    return Config(**values, source=source, base_dir=base_dir)


def _check_metric_name(name: str, dotted: str, where: str) -> None:
    from modelci import metrics

    if name not in metrics.METRICS:
        close = difflib.get_close_matches(name, list(metrics.METRICS), n=1)
        fix = f"Did you mean '{close[0]}'?" if close else f"Metrics: {', '.join(metrics.METRICS)}"
        raise UserError(f"'{dotted}' names an unknown metric '{name}'", where=where, fix=fix)


def _build_gates(entry: _Located | None, reader: _Reader, source: str) -> dict[str, GateRule]:
    if entry is None or entry.value is None:
        return {}
    at = f"{source}:{entry.line}" if entry.line else source
    if not isinstance(entry.value, dict):
        raise UserError(
            "'gates' must map metric names to rules, e.g. roc_auc: {max_drop: 0.01}", where=at
        )
    from modelci import metrics

    gates: dict[str, GateRule] = {}
    valid_rule = tuple(k.name for k in GATE_RULE_KEYS)
    for metric, rule in entry.value.items():
        metric_at = _line_of(entry, metric, reader, at)
        if metric not in metrics.METRICS:
            _unknown(metric, tuple(metrics.METRICS), "'gates' (metric names)", metric_at)
        if not isinstance(rule, dict) or not rule:
            raise UserError(
                f"gate '{metric}' must be a mapping with at least one of {', '.join(valid_rule)}",
                where=metric_at,
                fix=f"e.g. {metric}: {{max_drop: 0.01}}",
            )
        kwargs = {}
        for name, value in rule.items():
            if name not in valid_rule:
                _unknown(name, valid_rule, f"gate '{metric}'", metric_at)
            key = next(k for k in GATE_RULE_KEYS if k.name == name)
            kwargs[name] = _check(key, value, f"gates.{metric}.{name}", metric_at)
        higher = metrics.METRICS[metric].higher_is_better
        wrong = ("max_rise", "max_rise_pct") if higher else ("max_drop", "max_drop_pct")
        for name in wrong:
            if kwargs.get(name) is not None:
                better = "higher" if higher else "lower"
                right = name.replace("rise", "drop") if higher else name.replace("drop", "rise")
                raise UserError(
                    f"gate '{metric}' uses {name}, but {metric} is {better}-is-better",
                    where=metric_at,
                    fix=f"Use {right}",
                )
        gates[metric] = GateRule(**kwargs)
    return gates


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "mapping": "a mapping",
    "string-list": "a list of strings",
}


def _check(key: Key, value: Any, dotted: str, where: str) -> Any:
    """Validate one value against its key; returns the value, converted where lossless."""
    if value is None:
        if key.nullable:
            return None
        raise UserError(
            f"'{dotted}' must be {_TYPE_WORDS[key.type]}, got nothing", where=where, fix=key.doc
        )
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "mapping": lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
        "string-list": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    }
    if not checks[key.type](value):
        raise UserError(
            f"'{dotted}' must be {_TYPE_WORDS[key.type]}, got {value!r}", where=where, fix=key.doc
        )
    if key.type == "number":
        value = float(value)
    if key.choices and value not in key.choices:
        close = difflib.get_close_matches(str(value), key.choices, n=1)
        fix = f"Did you mean '{close[0]}'?" if close else f"Use one of: {', '.join(key.choices)}"
        raise UserError(
            f"'{dotted}' must be one of {', '.join(key.choices)}, got {value!r}",
            where=where,
            fix=fix,
        )
    low_bad = key.minimum is not None and (
        value <= key.minimum if key.exclusive else value < key.minimum
    )
    high_bad = key.maximum is not None and (
        value >= key.maximum if key.exclusive else value > key.maximum
    )
    if low_bad or high_bad:
        low = "(" if key.exclusive else "["
        high = ")" if key.exclusive else "]"
        bounds = (
            f"{low}{key.minimum if key.minimum is not None else '-inf'}, "
            f"{key.maximum if key.maximum is not None else 'inf'}{high}"
        )
        raise UserError(f"'{dotted}' must be in {bounds}, got {value!r}", where=where, fix=key.doc)
    return value


# ---------------------------------------------------------------------------------------------
# The JSON schema, generated from the same table.


def json_schema() -> dict[str, Any]:
    def prop(key: Key) -> dict[str, Any]:
        base: dict[str, dict[str, Any]] = {
            "string": {"type": "string"},
            "integer": {"type": "integer"},
            "number": {"type": "number"},
            "boolean": {"type": "boolean"},
            "mapping": {"type": "object"},
            "string-list": {"type": "array", "items": {"type": "string"}},
        }
        out: dict[str, Any] = dict(base[key.type])
        if key.choices:
            out["enum"] = list(key.choices)
        if key.minimum is not None:
            out["exclusiveMinimum" if key.exclusive else "minimum"] = key.minimum
        if key.maximum is not None:
            out["exclusiveMaximum" if key.exclusive else "maximum"] = key.maximum
        if key.nullable:
            out = {"anyOf": [out, {"type": "null"}]}
        out["description"] = key.doc
        if key.default not in (None, (), {}):
            out["default"] = key.default
        return out

    def section(keys: tuple[Key, ...], doc: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "description": doc,
            "additionalProperties": False,
            "properties": {k.name: prop(k) for k in keys},
        }
        required = [k.name for k in keys if k.required]
        if required:
            out["required"] = required
        return out

    from modelci import metrics

    rule = section(GATE_RULE_KEYS, "Tolerances for one metric.")
    rule["minProperties"] = 1
    docs = {
        "data": "Where the data comes from.",
        "model": "What to train.",
        "metrics": "What to measure.",
        "compare": "How candidate and baseline are compared.",
        "card": "Model card text (used when publishing).",
    }
    properties: dict[str, Any] = {k.name: prop(k) for k in TOP_LEVEL}
    for name, keys in SECTIONS.items():
        properties[name] = section(keys, docs[name])
    properties["metrics"]["properties"]["primary"]["anyOf"][0]["enum"] = sorted(metrics.METRICS)
    properties["gates"] = {
        "type": "object",
        "description": "Quality gates checked by `modelci compare`, by metric name.",
        "propertyNames": {"enum": sorted(metrics.METRICS)},
        "additionalProperties": rule,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/modelci/modelci/blob/main/scripts/modelci/schema/modelci.schema.json",
        "title": "modelci.yaml",
        "type": "object",
        "additionalProperties": False,
        "required": ["data"],
        "properties": properties,
    }
