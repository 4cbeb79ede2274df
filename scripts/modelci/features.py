"""Which columns are features, of what kind, and the preprocessing that `preprocess: auto` builds.

Date columns become numeric parts (year, month, day, weekday) before the pipeline, so the saved
model holds only scikit-learn types; `FeatureSpec` is recorded in run.json and applied again by
`evaluate` and `compare`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelci.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

DATE_PARTS = ("year", "month", "day", "day_of_week")
# Linear and distance-based estimators want scaled inputs; tree ensembles do not care.
SCALE_MODULES = (
    "sklearn.linear_model",
    "sklearn.svm",
    "sklearn.neighbors",
    "sklearn.neural_network",
    "sklearn.discriminant_analysis",
    "sklearn.kernel_ridge",
    "sklearn.gaussian_process",
)
MAX_ONE_HOT = 30
# Gradient-boosting libraries split on categories themselves: they get one ordinal code per
# category (unknown and missing are NaN, which they treat as missing) instead of one-hot columns,
# which cap a column at MAX_ONE_HOT levels (benchmarks/bench_xgboost_categorical.py measured it).
ORDINAL_MODULES = ("xgboost", "lightgbm", "catboost")


@dataclass(frozen=True, kw_only=True)
class FeatureSpec:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    dates: tuple[str, ...]
    dropped: tuple[str, ...]

    @property
    def inputs(self) -> tuple[str, ...]:
        """Columns the data must have (before date expansion)."""
        return self.numeric + self.categorical + self.dates

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "dates": list(self.dates),
            "dropped": list(self.dropped),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            **{k: tuple(data.get(k, ())) for k in ("numeric", "categorical", "dates", "dropped")}
        )


def infer_spec(
    frame: pd.DataFrame, *, target: str, drop: tuple[str, ...] = (), id_column: str | None = None
) -> FeatureSpec:
    import pandas as pd

    for column in (*drop, *([id_column] if id_column else [])):
        if column not in frame.columns:
            raise UserError(
                f"column '{column}' named in data.drop/data.id_column is not in the data",
                fix="Check the spelling against the file's header",
            )
    numeric, categorical, dates, dropped = [], [], [], list(drop)
    for column in frame.columns:
        if column in (target, id_column) or column in drop:
            continue
        series = frame[column]
        if series.isna().all():
            dropped.append(column)
        elif pd.api.types.is_datetime64_any_dtype(series.dtype) or _looks_like_dates(series):
            dates.append(column)
        elif pd.api.types.is_bool_dtype(series.dtype):
            categorical.append(column)
        elif pd.api.types.is_numeric_dtype(series.dtype):
            numeric.append(column)
        else:
            categorical.append(column)
    if not (numeric or categorical or dates):
        raise UserError(
            f"no feature columns left besides the target '{target}'",
            fix="The data needs at least one input column",
        )
    return FeatureSpec(
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        dates=tuple(dates),
        dropped=tuple(dropped),
    )


def _looks_like_dates(series: pd.Series) -> bool:
    import pandas as pd

    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return False
    sample = series.dropna().astype(str).head(50)
    if sample.empty or not sample.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="ISO8601")
    return bool(parsed.notna().all())


def design_matrix(frame: pd.DataFrame, spec: FeatureSpec, *, source: str) -> pd.DataFrame:
    """The columns the pipeline sees, with date columns expanded into numeric parts."""
    import pandas as pd

    missing = [c for c in spec.inputs if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise UserError(
            f"{source} lacks feature column(s) the model was trained on: {shown}",
            fix="Score the model on data with the training columns",
        )
    out = frame.loc[:, list(spec.numeric + spec.categorical)].copy()
    for column in spec.categorical:
        # One dtype per categorical column, so mixed ints/strings cannot trip the encoder.
        values = out[column]
        out[column] = values.where(values.isna(), values.astype(str)).astype(object)
    for column in spec.dates:
        parsed = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
        for part in DATE_PARTS:
            out[f"{column}__{part}"] = getattr(parsed.dt, part).astype("float64")
    return out


def numeric_inputs(spec: FeatureSpec) -> list[str]:
    return list(spec.numeric) + [f"{c}__{p}" for c in spec.dates for p in DATE_PARTS]


def build_preprocessor(spec: FeatureSpec, *, estimator: Any, mode: str) -> Any:
    """A ColumnTransformer for `preprocess: auto`, or None for `preprocess: none`. Its output
    holds the numeric inputs (`numeric_inputs`), then the categorical columns' encoding."""
    if mode == "none":
        return None
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    scale = type(estimator).__module__.startswith(SCALE_MODULES)
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if scale:
        numeric_steps.append(("scale", StandardScaler()))
    parts: list[tuple[str, Any, list[str]]] = []
    numeric = numeric_inputs(spec)
    if numeric:
        parts.append(("numeric", Pipeline(numeric_steps), numeric))
    if spec.categorical and type(estimator).__module__.startswith(ORDINAL_MODULES):
        codes = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=float("nan"),
            encoded_missing_value=float("nan"),
        )
        parts.append(("categorical", codes, list(spec.categorical)))
    elif spec.categorical:
        categorical = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                (
                    "one_hot",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist",
                        max_categories=MAX_ONE_HOT,
                        sparse_output=False,
                    ),
                ),
            ]
        )
        parts.append(("categorical", categorical, list(spec.categorical)))
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)


def unseen_categories(train: pd.DataFrame, test: pd.DataFrame, spec: FeatureSpec) -> dict[str, int]:
    """Per categorical column: how many test rows hold a category never seen in training."""
    out: dict[str, int] = {}
    for column in spec.categorical:
        if column not in test.columns or column not in train.columns:
            continue
        seen = set(train[column].dropna().astype(str))
        values = test[column].dropna().astype(str)
        count = int((~values.isin(seen)).sum())
        if count:
            out[column] = count
    return out
