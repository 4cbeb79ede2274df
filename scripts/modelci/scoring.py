"""Score a model on rows: predictions and probabilities as integer class codes, shared by
`evaluate` (one model) and `compare` (re-scoring the baseline on the candidate's rows)."""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelci import data
from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Up to this many classes, labels are coded by one comparison per class.
FEW_CLASSES = 32


@dataclass(frozen=True, kw_only=True)
class Predictions:
    """One model's outputs on a set of rows.

    Classification values are codes into `classes` (the model's classes, as strings); rows whose
    true class the model never saw are marked in `unseen` and left out of `y`/`pred`/`proba`.
    """

    task: str
    row_id: np.ndarray
    y_true: np.ndarray  # labels (str) or numbers, every row
    y_pred: np.ndarray  # labels (str) or numbers, every row
    classes: tuple[str, ...] | None
    proba: np.ndarray | None  # (rows, classes), every row
    seen: np.ndarray | None  # bool mask: rows whose true class the model knows

    # Cached: metrics, details and checks each ask, and a million labels take a while to code.
    @functools.cached_property
    def y(self) -> np.ndarray:
        """Targets for the metrics: codes of seen rows (classification) or numbers."""
        if self.classes is None:
            return self.y_true.astype(float)
        return codes(self.y_true[self.seen], self.classes)

    @functools.cached_property
    def pred(self) -> np.ndarray:
        if self.classes is None:
            return self.y_pred.astype(float)
        return codes(self.y_pred[self.seen], self.classes)

    @functools.cached_property
    def proba_seen(self) -> np.ndarray | None:
        if self.proba is None or self.seen is None or self.seen.all():
            return self.proba
        return self.proba[self.seen]

    def take(self, positions: np.ndarray) -> Predictions:
        """These predictions of the rows at `positions`, in that order."""
        import dataclasses

        def rows(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[positions]

        return dataclasses.replace(
            self,
            row_id=self.row_id[positions],
            y_true=self.y_true[positions],
            y_pred=self.y_pred[positions],
            proba=rows(self.proba),
            seen=rows(self.seen),
        )


def codes(labels: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """Each label's position in `classes` (every label must be one of them)."""
    import numpy as np
    import pandas as pd

    labels = np.asarray(labels)
    if labels.dtype.kind == "U" and len(classes) <= FEW_CLASSES:
        # One vectorised comparison per class: pandas would first copy a million numpy
        # strings into its own string type (~1 s).
        found = np.full(len(labels), -1, dtype=np.int64)
        for code, label in enumerate(classes):
            found[labels == label] = code
    else:
        distinct_codes, distinct = pd.factorize(labels)
        found = pd.Index(classes).get_indexer(distinct)[distinct_codes]
    if (found < 0).any():
        raise ValueError(f"label {labels[found < 0][0]!r} is not one of {classes}")
    return found.astype(np.int64)


def predict(
    model: Any, X: pd.DataFrame, y_true: pd.Series, *, task: str, row_id: np.ndarray, where: str
) -> Predictions:
    """Run the model on `X`; errors from a model/data mismatch become one-line user errors."""
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            raw_pred = model.predict(X)
            proba = None
            if task == "classification" and hasattr(model, "predict_proba"):
                proba = np.asarray(model.predict_proba(X), dtype=float)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(
            f"the model cannot score {where}: {first}",
            fix="Score it on data with the same columns and types as in training",
        ) from None
    _check_scores(raw_pred if task == "regression" else proba, row_id, where=where)
    if task == "classification":
        classes = tuple(str(c) for c in data.label_text(model.classes_))
        truth = data.label_text(y_true.to_numpy())
        seen = np.isin(truth, np.asarray(classes))
        return Predictions(
            task=task,
            row_id=row_id,
            y_true=truth,
            y_pred=data.label_text(raw_pred),
            classes=classes,
            proba=proba,
            seen=seen,
        )
    return Predictions(
        task=task,
        row_id=row_id,
        y_true=y_true.to_numpy(dtype=float),
        y_pred=np.asarray(raw_pred, dtype=float),
        classes=None,
        proba=None,
        seen=None,
    )


def _check_scores(values: Any, row_id: np.ndarray, *, where: str) -> None:
    """A model that predicts infinity, NaN or values too large to square would turn every
    metric into NaN or infinity: refuse it, naming the first row."""
    import numpy as np

    if values is None:
        return
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise UserError(
            f"the model's predictions on {where} are not numbers",
            fix="A regressor must predict numbers",
        ) from None
    bad = ~np.isfinite(array) | (np.abs(array) > data.MAX_ABS_VALUE)
    rows = bad.reshape(len(array), -1).any(axis=1).nonzero()[0] if array.size else []
    if len(rows):
        raise UserError(
            f"the model predicts {len(rows)} value(s) on {where} that are not finite numbers "
            f"within ±{data.MAX_ABS_VALUE:g}, first for row {row_id[rows[0]]}",
            fix="Check the model and the feature values of those rows",
        )


def latency_ms_per_1k(model: Any, X: pd.DataFrame, repeats: int = 3) -> float:
    """Best-of-`repeats` time to predict up to 1,000 rows, scaled to 1,000 rows."""
    sample = X.iloc[:1000]
    best = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(repeats):
            began = time.perf_counter()
            model.predict(sample)
            best = min(best, time.perf_counter() - began)
    return round(best * 1000 * 1000 / max(len(sample), 1), 4)


def predictions_frame(pred: Predictions) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, Any] = {"row_id": pred.row_id, "y_true": pred.y_true, "y_pred": pred.y_pred}
    if pred.proba is not None and pred.classes is not None:
        for code, label in enumerate(pred.classes):
            columns[f"proba_{label}"] = pred.proba[:, code]
    return pd.DataFrame(columns)


def read_predictions(
    path: Any,
    *,
    task: str,
    classes: tuple[str, ...] | None,
    rows: int | None = None,
    fix: str = "Re-run `modelci evaluate` on that run to write it again",
    distribution: bool = False,
) -> Predictions:
    """Read a run's predictions.csv back (compare uses it instead of re-running the model; a
    predictions run is scored from it): a file that is empty, truncated or edited is refused in
    one line. The same reader as any predictions file (`prediction_tables`), labels kept as
    written; `distribution` also checks each row's probabilities (a predictions run's)."""
    from pathlib import Path

    from modelci import prediction_tables

    try:
        table = prediction_tables.read_table(
            Path(path), labels=("y_true", "y_pred") if classes else ()
        )
        if rows is not None and len(table.frame) != rows:
            raise UserError(
                f"{path} has {len(table.frame)} rows, but its evaluation.json says {rows} "
                "(a truncated or edited file?)"
            )
        return prediction_tables.from_table(
            table, task=task, classes=classes, distribution=distribution
        )
    except UserError as error:
        raise UserError(error.message, where=error.where, fix=fix) from None
