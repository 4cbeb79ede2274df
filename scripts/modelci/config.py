"""`modelci.yaml`: one declarative description of every key, used for loading and for the schema.

The loader walks PyYAML's node tree (not the plain dict) so every error can name the file and
line. The same `SECTIONS` table generates the JSON schema shipped for editors
(`modelci/schema/modelci.schema.json`), so the two cannot drift apart silently (a test compares
them).
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.errors import UserError

TASKS = ("classification", "regression")
GATE_KEYS = (
    "min",
    "max",
    "max_drop",
    "max_drop_pct",
    "max_rise",
    "max_rise_pct",
    "strict",
    "slices",
    "max_drop_from_best",
    "max_rise_from_best",
)
CORRECTIONS = ("holm", "benjamini-hochberg")
RUN_JSON = "run.json"  # where a recorded config section is said to come from in errors
INCONCLUSIVE = ("pass", "warn", "fail")


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
class FromBest:
    """Tolerance against the best of the last `releases` releases (not only the latest)."""

    releases: int
    tolerance: float

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> FromBest:
        unknown = set(mapping) - {"releases", "tolerance"}
        if unknown:
            raise TypeError(f"unknown keys {', '.join(sorted(unknown))} in a from-best rule")
        return cls(releases=int(mapping["releases"]), tolerance=float(mapping["tolerance"]))


_FROM_BEST_KEYS = ("max_drop_from_best", "max_rise_from_best")


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
    slices: bool | None = None
    max_drop_from_best: FromBest | None = None
    max_rise_from_best: FromBest | None = None

    def as_dict(self) -> dict[str, Any]:
        # asdict nests FromBest as {"releases": .., "tolerance": ..}.
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> GateRule:
        """The inverse of `as_dict`, for rules recorded in run.json; TypeError when unknown."""
        kwargs = dict(mapping)
        for name in _FROM_BEST_KEYS:
            value = kwargs.get(name)
            if isinstance(value, Mapping):
                kwargs[name] = FromBest.from_dict(value)
            elif value is not None and not isinstance(value, FromBest):
                raise TypeError(f"{name} must be a mapping of releases and tolerance")
        return cls(**kwargs)

    @property
    def from_best(self) -> FromBest | None:
        """Whichever of max_drop_from_best and max_rise_from_best is set."""
        return self.max_drop_from_best or self.max_rise_from_best


@dataclass(frozen=True, kw_only=True)
class CompareConfig:
    alpha: float = 0.05
    strict: bool = False
    inconclusive: str = "warn"  # a gate that passes without the power to see a failure
    history: int = 10  # releases in the trend plot

    @classmethod
    def from_dict(
        cls, mapping: Mapping[str, Any] | None, *, where: str = RUN_JSON
    ) -> CompareConfig:
        """A recorded `compare` section; keys an older run did not record take the default."""
        return cls(**_recorded("compare", mapping, where))


@dataclass(frozen=True, kw_only=True)
class SliceBy:
    """One configured slice definition: a feature's levels, a numeric feature's bins, or a
    pair of features crossed. `bins` are the inner edges; -inf and +inf close the ends."""

    feature: str | None = None
    bins: tuple[float, ...] | None = None
    features: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        """How the definition reads in the config and in messages: plan, age, plan×region."""
        return "×".join(self.features) if self.features else str(self.feature)

    def as_config(self) -> Any:
        """The form it is written in modelci.yaml (and recorded in run.json)."""
        if self.features is not None:
            return list(self.features)
        if self.bins is not None:
            return {"feature": self.feature, "bins": list(self.bins)}
        return self.feature

    @classmethod
    def from_config(cls, value: Any, *, where: str = RUN_JSON) -> SliceBy:
        """Read back `as_config` (one `slices.by` entry), checked as the loader checks it."""
        return _slice_definition(value, "the slice definition", where)

    def definition(self) -> Any:
        """The `stats.slice_rows` definition this stands for (imports numpy, so lazily)."""
        from modelci.stats import slice_rows

        if self.features is not None:
            return slice_rows.CrossedLevels(features=self.features)
        if self.bins is not None:
            edges = (-math.inf, *self.bins, math.inf)
            return slice_rows.NumericBins(feature=str(self.feature), edges=edges)
        return slice_rows.FeatureLevels(feature=str(self.feature))


@dataclass(frozen=True, kw_only=True)
class SlicesConfig:
    automatic: bool = True  # every level of every categorical feature
    min_rows: int = 30
    correction: str = "holm"
    by: tuple[SliceBy, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "automatic": self.automatic,
            "min_rows": self.min_rows,
            "correction": self.correction,
            "by": [piece.as_config() for piece in self.by],
        }

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None, *, where: str = RUN_JSON) -> SlicesConfig:
        """A recorded `slices` section; an older run without one gets the defaults."""
        kwargs = _recorded("slices", mapping, where)
        if kwargs.get("by") is not None:
            kwargs["by"] = _slice_definitions(kwargs["by"], where)
        return cls(**kwargs)


@dataclass(frozen=True, kw_only=True)
class ChurnConfig:
    max_harmful: float | None = None  # gate on the share of harmful flips; None: no gate
    threshold: float | None = None  # regression: error growth that counts; None: median AE

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None, *, where: str = RUN_JSON) -> ChurnConfig:
        """A recorded `churn` section; an older run without one gets the defaults."""
        return cls(**_recorded("churn", mapping, where))


def _recorded(section: str, mapping: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """A section recorded in run.json, checked like the file was: a hand-edited or damaged
    value is one line naming `where`. Keys this version does not know (a newer modelci's) are
    left out, and keys an older run did not record take their defaults."""
    keys = {key.name: key for key in SECTIONS[section]}
    return {
        name: _check(keys[name], value, f"{section}.{name}", where)
        for name, value in (mapping or {}).items()
        if name in keys
    }


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
    slices: SlicesConfig = field(default_factory=SlicesConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
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
        for section in ("data", "model", "train", "metrics", "compare", "churn", "card"):
            value = dataclasses.asdict(getattr(self, section))
            out[section] = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        out["slices"] = self.slices.as_dict()
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
        Key(
            name="inconclusive",
            type="string",
            default="warn",
            choices=INCONCLUSIVE,
            nullable=False,
            doc="What a relative gate does when it passes only because the test rows are too "
            "few to detect a worsening of its tolerance (80% power): pass (say so in its "
            "reason), warn (pass with a warning) or fail.",
        ),
        Key(
            name="history",
            type="integer",
            default=10,
            minimum=0,
            nullable=False,
            doc="Releases shown in the report's trend plot (0: none).",
        ),
    ),
    "slices": (
        Key(
            name="automatic",
            type="boolean",
            default=True,
            nullable=False,
            doc="Compare the models on every level of every categorical feature.",
        ),
        Key(
            name="min_rows",
            type="integer",
            default=30,
            minimum=1,
            nullable=False,
            doc="Slices with fewer test rows are listed as too small, not compared.",
        ),
        Key(
            name="correction",
            type="string",
            default="holm",
            choices=CORRECTIONS,
            nullable=False,
            doc="Multiple-testing correction across slices and metrics: holm (family-wise "
            "error) or benjamini-hochberg (false discovery rate).",
        ),
        Key(
            name="by",
            type="slice-list",
            default=(),
            nullable=False,
            doc="Slices to compare besides the automatic ones: a feature name (its levels), "
            "{feature: age, bins: [30, 50]} (numeric bins, open-ended at both ends), or a pair "
            "[plan, region] (every combination of their levels).",
        ),
    ),
    "churn": (
        Key(
            name="max_harmful",
            type="number",
            minimum=0.0,
            maximum=1.0,
            exclusive=True,
            doc="Gate on harmful flips: fails when the share of test rows the candidate gets "
            "wrong and the baseline got right (regression: whose error grew by more than "
            "churn.threshold) is significantly above this. Default: no gate.",
        ),
        Key(
            name="threshold",
            type="number",
            minimum=0.0,
            doc="Regression: how much a row's absolute error must grow to count as a harmful "
            "flip. Default: the baseline's median absolute error.",
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
    Key(
        name="slices",
        type="boolean",
        doc="Apply this gate's drop/rise tolerance to every slice with at least "
        "slices.min_rows rows too (significance after slices.correction). Default: false.",
    ),
    Key(
        name="max_drop_from_best",
        type="from-best",
        doc="{releases: N, tolerance: T}: largest tolerated drop vs the best of the last N "
        "releases (higher-is-better metrics), so small drops cannot add up release by release.",
    ),
    Key(
        name="max_rise_from_best",
        type="from-best",
        doc="{releases: N, tolerance: T}: largest tolerated rise vs the best of the last N "
        "releases (lower-is-better metrics).",
    ),
)
FROM_BEST_KEYS: tuple[Key, ...] = (
    Key(
        name="releases",
        type="integer",
        required=True,
        nullable=False,
        minimum=1,
        doc="How many of the latest releases the best is taken from.",
    ),
    Key(
        name="tolerance",
        type="number",
        required=True,
        nullable=False,
        minimum=0.0,
        doc="Largest tolerated worsening vs that best, in the metric's units.",
    ),
)

_DATACLASSES: dict[str, type] = {
    "data": DataConfig,
    "model": ModelConfig,
    "train": TrainConfig,
    "metrics": MetricsConfig,
    "compare": CompareConfig,
    "slices": SlicesConfig,
    "churn": ChurnConfig,
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
        if section == "slices" and kwargs.get("by") is not None:
            kwargs["by"] = _slice_definitions(kwargs["by"], at("slices.by"))
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
            if key.type == "from-best" and kwargs[name] is not None:
                kwargs[name] = _from_best(kwargs[name], dotted, at)
        higher = metrics.METRICS[metric].higher_is_better
        rises = ("max_rise", "max_rise_pct", "max_rise_from_best")
        drops = ("max_drop", "max_drop_pct", "max_drop_from_best")
        wrong = rises if higher else drops
        for name in wrong:
            if kwargs.get(name) is not None:
                better = "higher" if higher else "lower"
                right = name.replace("rise", "drop") if higher else name.replace("drop", "rise")
                raise UserError(
                    f"gate '{metric}' uses {name}, but {metric} is {better}-is-better",
                    where=at(f"gates.{metric}.{name}"),
                    fix=f"Use {right}",
                )
        relative = ("max_drop", "max_drop_pct") if higher else ("max_rise", "max_rise_pct")
        if kwargs.get("slices") and all(kwargs.get(name) is None for name in relative):
            raise UserError(
                f"gate '{metric}' sets slices: true but has no {' or '.join(relative)} to "
                "apply to each slice",
                where=at(f"gates.{metric}.slices"),
                fix=f"Add e.g. {relative[0]}: 0.02, or remove slices",
            )
        if kwargs.get("slices") and metric in POINT_ONLY:
            # Its comparison has no standard error, so no slice could ever fail the gate.
            raise UserError(
                f"gate '{metric}' sets slices: true, but {metric} has no interval to test a "
                "slice's worsening with",
                where=at(f"gates.{metric}.slices"),
                fix="Gate the slices on a metric with an interval (mae, rmse, ...), or remove "
                "slices",
            )
        gates[metric] = GateRule(**kwargs)
    return gates


# Metrics compared by their point value only (stats: method "point"), never with a test.
POINT_ONLY = frozenset({"max_error"})


def _from_best(content: dict[str, Any], dotted: str, at: Callable[[str], str]) -> FromBest:
    valid = tuple(k.name for k in FROM_BEST_KEYS)
    for name in content:
        if name not in valid:
            _unknown(name, valid, f"'{dotted}'", at(f"{dotted}.{name}"))
    values = {}
    for key in FROM_BEST_KEYS:
        if key.name not in content:
            raise UserError(
                f"'{dotted}' is missing '{key.name}'",
                where=at(dotted),
                fix="Write it as {releases: 5, tolerance: 0.01}",
            )
        values[key.name] = _check(
            key, content[key.name], f"{dotted}.{key.name}", at(f"{dotted}.{key.name}")
        )
    return FromBest(releases=values["releases"], tolerance=values["tolerance"])


_SLICE_FIX = "Write a feature name, {feature: age, bins: [30, 50]}, or a pair [plan, region]"


def _slice_definitions(items: list[Any], where: str) -> tuple[SliceBy, ...]:
    """`slices.by` entries as typed definitions. List items carry no line of their own, so
    errors name the line of `by:` and the entry's position."""
    out: list[SliceBy] = []
    for index, item in enumerate(items, start=1):
        what = f"slices.by entry {index}"
        piece = _slice_definition(item, what, where)
        if piece in out:
            raise UserError(
                f"slices.by lists {piece.name} more than once", where=where, fix="Name each once"
            )
        out.append(piece)
    return tuple(out)


def _slice_definition(item: Any, what: str, where: str) -> SliceBy:
    if isinstance(item, str) and item:
        return SliceBy(feature=item)
    if isinstance(item, list):
        if len(item) != 2 or not all(isinstance(name, str) and name for name in item):
            raise UserError(
                f"{what} must be a pair of feature names, got {item!r}",
                where=where,
                fix="Cross two features, e.g. [plan, region]",
            )
        if item[0] == item[1]:
            raise UserError(
                f"{what} pairs '{item[0]}' with itself", where=where, fix="Name two features"
            )
        return SliceBy(features=(item[0], item[1]))
    if isinstance(item, dict):
        for name in item:
            if name not in ("feature", "bins"):
                _unknown(str(name), ("feature", "bins"), what, where)
        feature = item.get("feature")
        if not isinstance(feature, str) or not feature:
            raise UserError(f"{what} needs a feature name", where=where, fix=_SLICE_FIX)
        bins = item.get("bins")
        if bins is None:
            return SliceBy(feature=feature)
        numbers = isinstance(bins, list) and all(
            isinstance(edge, (int, float)) and not isinstance(edge, bool) for edge in bins
        )
        edges = tuple(float(edge) for edge in bins) if numbers else ()
        if (
            not edges
            or not all(math.isfinite(edge) for edge in edges)
            or any(a >= b for a, b in itertools.pairwise(edges))
        ):
            raise UserError(
                f"{what}: bins of '{feature}' must be a list of ascending finite numbers, "
                f"got {bins!r}",
                where=where,
                fix="e.g. bins: [30, 50] (-inf and +inf are added at the ends)",
            )
        return SliceBy(feature=feature, bins=edges)
    raise UserError(f"{what} is not a slice definition: {item!r}", where=where, fix=_SLICE_FIX)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "mapping": "a mapping",
    "string-list": "a list of strings",
    "string-list-mapping": "a mapping of names to lists of strings",
    "label-list": "a list of class labels (strings or integers)",
    "slice-list": "a list of slice definitions",
    "from-best": "a mapping {releases: N, tolerance: T}",
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
        "slice-list": lambda v: isinstance(v, list),
        "from-best": lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
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


_SLICE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "minLength": 1, "description": "A categorical feature's levels."},
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 2,
            "maxItems": 2,
            "uniqueItems": True,
            "description": "Two features crossed: every combination of their levels.",
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["feature"],
            "properties": {
                "feature": {"type": "string", "minLength": 1},
                "bins": {
                    "type": "array",
                    "items": {"type": "number"},
                    "minItems": 1,
                    "description": "Ascending inner edges; -inf and +inf are added.",
                },
            },
        },
    ]
}


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
            "slice-list": {"type": "array", "items": _SLICE_SCHEMA},
        }
        out: dict[str, Any] = (
            section(FROM_BEST_KEYS, "Against the best of the latest releases.")
            if key.type == "from-best"
            else dict(base[key.type])
        )
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
        "slices": "Where in the test rows the two models are compared besides all of them.",
        "churn": "Rows whose prediction changed between the baseline and the candidate.",
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
