"""`modelci.yaml`: one declarative description of every key, used for loading and for the schema.

The loader walks PyYAML's node tree (not the plain dict) so every error can name the file and
line. The same `SECTIONS` table generates the JSON schema shipped for editors
(`modelci/schema/modelci.schema.json`), so the two cannot drift apart silently (a test compares
them).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable, Iterable, Mapping
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
    classes: tuple[str, ...] | None = None
    inputs: Mapping[str, tuple[str, ...]] | None = None


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    command: str | None = None
    timeout: float = 3600.0


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
    train: TrainConfig = field(default_factory=TrainConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    gates: Mapping[str, GateRule] = field(default_factory=dict)
    compare: CompareConfig = field(default_factory=CompareConfig)
    card: CardConfig = field(default_factory=CardConfig)
    source: str = "modelci.yaml"
    base_dir: Path = field(default_factory=Path.cwd, compare=False)
    # Dotted key → where its value was set ("modelci.yaml:4", "--seed"), for later errors.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def where(self, dotted: str) -> str:
        """Where `dotted` (model.estimator) was set, for an error found after loading."""
        return _where(self.origins, dotted, self.source)

    def to_dict(self) -> dict[str, Any]:
        """The resolved config, every default filled in (recorded in run.json)."""
        out: dict[str, Any] = {"name": self.name, "task": self.task}
        for section in ("data", "model", "train", "metrics", "compare", "card"):
            value = dataclasses.asdict(getattr(self, section))
            out[section] = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        out["model"]["params"] = dict(self.model.params)
        inputs = self.model.inputs
        out["model"]["inputs"] = None if inputs is None else {k: list(v) for k, v in inputs.items()}
        out["gates"] = {name: rule.as_dict() for name, rule in self.gates.items()}
        return out


# ---------------------------------------------------------------------------------------------
# The key table: what each key accepts, its default and its documentation.


@dataclass(frozen=True, kw_only=True)
class Key:
    name: str
    # "string", "integer", "number", "boolean", "mapping", "string-list", "string-list-mapping",
    # "label-list" (strings or integers, kept as text: class labels)
    type: str
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
            maximum=2**32 - 1,  # what numpy and scikit-learn accept as a seed
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
            doc="auto: impute missing values, one-hot encode categoricals (unknown-safe; for "
            "XGBoost, LightGBM and CatBoost ordinal codes they split on as categories), scale "
            "numeric columns for linear and distance-based models; none: pass columns as-is.",
        ),
        Key(
            name="classes",
            type="label-list",
            doc="The class order of the model's outputs (the k-th probability column or integer "
            "label is the k-th class). Default: the training labels in sorted order.",
        ),
        Key(
            name="inputs",
            type="string-list-mapping",
            doc="ONNX: which columns feed which graph input, e.g. {float_input: [age, bmi]}. "
            "Default: one [N, F] input takes the feature columns in order, or one input per "
            "column by name.",
        ),
    ),
    "train": (
        Key(
            name="command",
            type="string",
            doc="Your own training script, run instead of model.estimator, e.g. python train.py "
            "--epochs 3 (no shell; run in this file's folder; see Your own training script).",
        ),
        Key(
            name="timeout",
            type="number",
            default=3600.0,
            minimum=0.0,
            exclusive=True,
            nullable=False,
            doc="Seconds train.command may run before it is stopped (exit 2).",
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
    "train": TrainConfig,
    "metrics": MetricsConfig,
    "compare": CompareConfig,
    "card": CardConfig,
}
_ALL_TOP = (*tuple(k.name for k in TOP_LEVEL), *SECTIONS, "gates")


# ---------------------------------------------------------------------------------------------
# Loading.


@dataclass(frozen=True, kw_only=True)
class Override:
    """A value given on the command line; `origin` is how the user wrote it, for errors."""

    key: str  # dotted: data.seed
    value: Any
    origin: str  # --seed, --set data.seed


def load(
    path: str | Path, overrides: Iterable[Override] | Mapping[str, Any] | None = None
) -> Config:
    """Read and validate a config file; `overrides` wins over the file (dotted keys: data.seed)."""
    from modelci import yaml_document

    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            # One character past the limit is enough for the size check to refuse.
            text = handle.read(yaml_document.MAX_CHARS + 1)
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
    overrides: Iterable[Override] | Mapping[str, Any] | None = None,
) -> Config:
    from modelci import yaml_document

    document = yaml_document.read(text, source=source)
    if document is None:
        raise UserError(
            "the config is empty", where=source, fix="Add at least data.train and data.target"
        )
    if not isinstance(document.data, dict):
        raise UserError(
            f"the config must be a mapping of key: value, got {_kind(document.data)}",
            where=source,
        )
    raw: dict[Any, Any] = document.data
    origins = {".".join(path): f"{source}:{line}" for path, line in document.lines.items()}
    if isinstance(overrides, Mapping):
        overrides = [Override(key=k, value=v, origin=f"--set {k}") for k, v in overrides.items()]
    for override in overrides or ():
        _apply_override(raw, override, origins)
    return _build(raw, origins, source, base_dir or Path.cwd())


def _where(origins: Mapping[str, str], dotted: str, source: str) -> str:
    """Where `dotted` was set: its own line, else the nearest enclosing key's, else the file."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        found = origins.get(".".join(parts[:end]))
        if found is not None:
            return found
    return source


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the value {value!r}"


def _apply_override(raw: dict[Any, Any], override: Override, origins: dict[str, str]) -> None:
    parts = override.key.split(".")
    if not all(parts):
        raise UserError(
            f"'{override.key}' is not a config key",
            where=override.origin,
            fix="Write it dotted, e.g. data.seed",
        )
    if parts[0] not in _ALL_TOP:
        _unknown(parts[0], _ALL_TOP, "the config", override.origin)
    target = raw
    for depth, part in enumerate(parts[:-1], start=1):
        prefix = ".".join(parts[:depth])
        child = target.get(part)
        if child is None:
            child = target[part] = {}
            origins.setdefault(prefix, override.origin)
        elif not isinstance(child, dict):
            raise UserError(
                f"cannot set '{override.key}': '{prefix}' is {_kind(child)}, not a mapping",
                where=override.origin,
                fix=f"Set '{prefix}' itself, or a key that exists",
            )
        target = child
    target[parts[-1]] = override.value
    # The override now owns this key and everything under it.
    for key in [k for k in origins if k.startswith(f"{override.key}.")]:
        del origins[key]
    origins[override.key] = override.origin


def _unknown(key: str, valid: tuple[str, ...], what: str, where: str) -> None:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    fix = f"Did you mean '{close[0]}'?" if close else f"Valid keys: {', '.join(valid)}"
    raise UserError(f"unknown key '{key}' in {what}", where=where, fix=fix)


def _require_string_keys(mapping: dict[Any, Any], what: str, where: str) -> None:
    for key in mapping:
        if not isinstance(key, str):
            raise UserError(f"keys in {what} must be strings, got {key!r}", where=where)


def _build(raw: dict[Any, Any], origins: Mapping[str, str], source: str, base_dir: Path) -> Config:
    def at(dotted: str) -> str:
        return _where(origins, dotted, source)

    _require_string_keys(raw, "the config", source)
    for name in raw:
        if name not in _ALL_TOP:
            _unknown(name, _ALL_TOP, "the config", at(name))
    values: dict[str, Any] = {}
    for top_key in TOP_LEVEL:
        if top_key.name in raw:
            values[top_key.name] = _check(
                top_key, raw[top_key.name], top_key.name, at(top_key.name)
            )
    if "data" not in raw:
        raise UserError(
            "missing section 'data'",
            where=source,
            fix="Add data.train (a file or sklearn:NAME) and data.target",
        )
    for section, keys in SECTIONS.items():
        content = raw.get(section)
        if content is None:
            content = {}
        elif not isinstance(content, dict):
            raise UserError(
                f"'{section}' must be a mapping of key: value, got {_kind(content)}",
                where=at(section),
            )
        _require_string_keys(content, f"'{section}'", at(section))
        valid = tuple(k.name for k in keys)
        kwargs: dict[str, Any] = {}
        for name, value in content.items():
            dotted = f"{section}.{name}"
            if name not in valid:
                _unknown(name, valid, f"'{section}'", at(dotted))
            spec = next(k for k in keys if k.name == name)
            kwargs[name] = _check(spec, value, dotted, at(dotted))
        for spec in keys:
            if spec.required and kwargs.get(spec.name) is None:
                raise UserError(
                    f"missing required key '{section}.{spec.name}'",
                    where=at(section),
                    fix=spec.doc,
                )
        for name in ("drop", "classes"):
            if kwargs.get(name) is not None:
                kwargs[name] = tuple(kwargs[name])
        if kwargs.get("inputs") is not None:
            kwargs["inputs"] = {k: tuple(v) for k, v in kwargs["inputs"].items()}
        if section == "metrics" and kwargs.get("primary") is not None:
            _check_metric_name(kwargs["primary"], "metrics.primary", at("metrics.primary"))
        values[section] = _DATACLASSES[section](**kwargs)
    values["gates"] = _build_gates(raw.get("gates"), at)
    _check_train_and_model(values["train"], values["model"], at)
    return Config(**values, source=source, base_dir=base_dir, origins=dict(origins))


def _check_train_and_model(
    train: TrainConfig, model: ModelConfig, at: Callable[[str], str]
) -> None:
    """Checks across keys. A script's model is whatever it trains: an estimator beside it
    would be silently unused, so the two together are refused."""
    import shlex

    if train.command is not None:
        try:
            words = shlex.split(train.command)
        except ValueError as error:  # an unclosed quote
            raise UserError(
                f"train.command {train.command!r} cannot be split into words ({error})",
                where=at("train.command"),
                fix="Close the quote; the command runs without a shell, as a list of words",
            ) from None
        if not words:
            raise UserError(
                "train.command is empty",
                where=at("train.command"),
                fix="Give the command that trains, e.g. python train.py",
            )
    lists = {"model.classes": model.classes} | {
        f"model.inputs.{name}": columns for name, columns in (model.inputs or {}).items()
    }
    for dotted, values in lists.items():
        if values is None:
            continue
        if not values:
            raise UserError(f"{dotted} is an empty list", where=at(dotted), fix="Name at least one")
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise UserError(
                f"{dotted} lists {', '.join(map(repr, repeated))} more than once",
                where=at(dotted),
                fix="Name each once",
            )
    if train.command is not None and model.estimator is not None:
        raise UserError(
            "train.command and model.estimator both say what to train",
            where=at("model.estimator"),
            fix="Keep one: your script (train.command) or modelci's fit (model.estimator)",
        )
    if train.command is not None and model.params:
        raise UserError(
            "model.params has no effect with train.command: your script trains the model",
            where=at("model.params"),
            fix="Pass the script its settings as arguments in train.command, e.g. "
            "python train.py --max-depth 3",
        )


def _check_metric_name(name: str, dotted: str, where: str) -> None:
    from modelci import metrics

    if name not in metrics.METRICS:
        close = difflib.get_close_matches(name, list(metrics.METRICS), n=1)
        fix = f"Did you mean '{close[0]}'?" if close else f"Metrics: {', '.join(metrics.METRICS)}"
        raise UserError(f"'{dotted}' names an unknown metric '{name}'", where=where, fix=fix)


def _build_gates(content: Any, at: Callable[[str], str]) -> dict[str, GateRule]:
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise UserError(
            "'gates' must map metric names to rules, e.g. roc_auc: {max_drop: 0.01}",
            where=at("gates"),
        )
    from modelci import metrics

    _require_string_keys(content, "'gates'", at("gates"))
    gates: dict[str, GateRule] = {}
    valid_rule = tuple(k.name for k in GATE_RULE_KEYS)
    for metric, rule in content.items():
        metric_at = at(f"gates.{metric}")
        if metric not in metrics.METRICS:
            _unknown(metric, tuple(metrics.METRICS), "'gates' (metric names)", metric_at)
        if not isinstance(rule, dict) or not rule:
            raise UserError(
                f"gate '{metric}' must be a mapping with at least one of {', '.join(valid_rule)}",
                where=metric_at,
                fix=f"e.g. {metric}: {{max_drop: 0.01}}",
            )
        _require_string_keys(rule, f"gate '{metric}'", metric_at)
        kwargs = {}
        for name, value in rule.items():
            dotted = f"gates.{metric}.{name}"
            if name not in valid_rule:
                _unknown(name, valid_rule, f"gate '{metric}'", at(dotted))
            key = next(k for k in GATE_RULE_KEYS if k.name == name)
            kwargs[name] = _check(key, value, dotted, at(dotted))
        higher = metrics.METRICS[metric].higher_is_better
        wrong = ("max_rise", "max_rise_pct") if higher else ("max_drop", "max_drop_pct")
        for name in wrong:
            if kwargs.get(name) is not None:
                better = "higher" if higher else "lower"
                right = name.replace("rise", "drop") if higher else name.replace("drop", "rise")
                raise UserError(
                    f"gate '{metric}' uses {name}, but {metric} is {better}-is-better",
                    where=at(f"gates.{metric}.{name}"),
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
    "string-list-mapping": "a mapping of names to lists of strings",
    "label-list": "a list of class labels (strings or integers)",
}


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) for s in value)


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
        "string-list": _is_string_list,
        "string-list-mapping": lambda v: (
            isinstance(v, dict)
            and all(isinstance(k, str) and _is_string_list(items) for k, items in v.items())
        ),
        "label-list": lambda v: (
            isinstance(v, list)
            and all(isinstance(s, (str, int)) and not isinstance(s, bool) for s in v)
        ),
    }
    if not checks[key.type](value):
        fix = key.doc
        if isinstance(value, list) and any(isinstance(v, bool) for v in value):
            # YAML reads unquoted yes/no/true/false as booleans, never as the labels meant.
            fix = "Quote labels YAML reads as true/false, e.g. ['no', 'yes']"
        raise UserError(
            f"'{dotted}' must be {_TYPE_WORDS[key.type]}, got {value!r}", where=where, fix=fix
        )
    if key.type == "label-list":
        value = [str(label) for label in value]
    if key.type == "number":
        # NaN slips through every range check below, and inf is no tolerance or level.
        value = float(value) if isinstance(value, float) or abs(value) < 2**1023 else math.inf
        if not math.isfinite(value):
            raise UserError(
                f"'{dotted}' must be a finite number, got {value!r}", where=where, fix=key.doc
            )
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
            "label-list": {"type": "array", "items": {"type": ["string", "integer"]}},
            "string-list-mapping": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
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
        "train": "Your own training script, run by modelci train instead of model.estimator.",
        "metrics": "What to measure.",
        "compare": "How candidate and baseline are compared.",
        "card": "Model card text (used when publishing).",
    }
    properties: dict[str, Any] = {k.name: prop(k) for k in TOP_LEVEL}
    for name, keys in SECTIONS.items():
        properties[name] = section(keys, docs[name])
    properties["metrics"]["properties"]["primary"]["anyOf"][0]["enum"] = sorted(metrics.METRICS)
    # What the loader checks across values, as far as a schema can say it.
    model = properties["model"]["properties"]
    model["classes"]["anyOf"][0] |= {"minItems": 1, "uniqueItems": True}
    model["inputs"]["anyOf"][0]["additionalProperties"] |= {"minItems": 1, "uniqueItems": True}
    properties["train"]["properties"]["command"]["anyOf"][0]["pattern"] = r"\S"
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
