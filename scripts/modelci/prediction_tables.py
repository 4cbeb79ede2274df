"""A table of predictions made by any model (a PyTorch net, a model in another language, a hosted
one), read strictly into `scoring.Predictions`; `prediction_runs` makes a run directory of it.

The table has the columns of the `predictions.csv` that `evaluate` writes (`row_id`, `y_true`,
`y_pred`, and for a classifier one `proba_<class>` column per class), so a run's own file is valid
input; `Columns` names others. Every defect is one line naming the file, the line (CSV: the
header is line 1) and the column, with a fix: a wrong file must never become a metric.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import data
from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from modelci.scoring import Predictions

PROBA_PREFIX = "proba_"
# How far a row's probabilities may sum from 1: float32 softmax outputs written with 7 digits
# land within 1e-6, so 1e-3 only refuses scores that are not a distribution.
SUM_TOLERANCE = 1e-3
TASKS = ("classification", "regression")


@dataclass(frozen=True, kw_only=True)
class Columns:
    """Which columns of a predictions table hold the row id, the truth and the prediction."""

    id: str = "row_id"
    truth: str = "y_true"
    prediction: str = "y_pred"

    def proba(self, label: str) -> str:
        return f"{PROBA_PREFIX}{label}"


def read(
    path: Path,
    *,
    columns: Columns = Columns(),
    task: str | None = None,
    classes: tuple[str, ...] | None = None,
    truth: pd.Series | None = None,
    fix: str | None = None,
) -> Predictions:
    """The predictions in `path` (CSV, TSV or Parquet), checked. `task` None infers it;
    `classes` None takes the truth's (sorted as a model's classes are); `truth` (indexed by row
    id) supplies or checks the truth column: every one of its ids needs exactly one prediction.
    `fix` replaces the advice of each message (a file modelci wrote has another remedy)."""
    return from_table(
        read_table(path, labels=()),
        columns=columns,
        task=task,
        classes=classes,
        truth=truth,
        fix=fix,
    )


def read_table(path: Path, *, labels: tuple[str, ...] = ()) -> data.Table:
    """The file as a `data.Table` (for its sha256 and line numbers). `labels` are CSV columns
    read as written: labels modelci wrote itself ("1.0" stays "1.0"), where only an empty
    cell is missing."""

    source = str(path)
    if path.is_dir():
        raise UserError(f"predictions file {source} is a directory", fix="Give the file itself")
    if not path.is_file():
        raise UserError(f"predictions file {source} not found", fix="Check the path")
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {source}: {error.strerror or error}") from None
    # hashlib releases the GIL: the sha256 of the bytes read runs beside the parse.
    digest = hashlib.sha256()
    hashing = threading.Thread(target=digest.update, args=(raw,))
    hashing.start()
    try:
        with data.parse_errors(source, empty_fix="Write a header row and one row per prediction"):
            if suffix in (".parquet", ".pq"):
                frame = _read_parquet(raw, source)
                header = 0
            else:
                frame = _read_text(
                    raw, source, sep="\t" if suffix in (".tsv", ".tab") else ",", labels=labels
                )
                header = 1
    finally:
        hashing.join()
    if frame.shape[0] == 0:
        raise UserError(f"{source} has a header but no rows", fix="Write one row per prediction")
    frame.columns = [str(c) for c in frame.columns]
    _refuse_repeated(list(frame.columns), source)
    return data.Table(frame=frame, source=source, sha256=digest.hexdigest(), header_lines=header)


def _read_parquet(raw: bytes, source: str) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError(
            f"{source}: reading Parquet needs pyarrow", fix="pip install 'modelci[parquet]'"
        ) from None
    table = pq.read_table(io.BytesIO(raw))
    _refuse_repeated(table.schema.names, source)
    return table.to_pandas()


def _read_text(raw: bytes, source: str, *, sep: str, labels: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    # pandas renames a repeated header (`y_pred`, `y_pred.1`): read the header as written first.
    head = pd.read_csv(
        io.BytesIO(raw), sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False
    )
    _refuse_repeated(list(head.iloc[0]) if len(head) else [], source)
    if labels:
        return pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            dtype={c: str for c in labels},
            keep_default_na=False,
            na_values=[""],
        )
    # Parsing in chunks is ~30% faster on a million rows. Chunks whose types disagree are the
    # one case where it reads differently (a column of mixed objects), and pandas warns then:
    # read that file whole, so every column has one type inferred from all its rows.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.DtypeWarning)
        try:
            return pd.read_csv(io.BytesIO(raw), sep=sep, low_memory=True)
        except pd.errors.DtypeWarning:
            pass
    return pd.read_csv(io.BytesIO(raw), sep=sep, low_memory=False)


def _refuse_repeated(names: list[Any], source: str) -> None:
    name = data.repeated_column(names)
    if name is not None:
        raise UserError(
            f"two columns named '{name}'",
            where=_header(source),
            fix="Rename or remove one of them; modelci never guesses which is meant",
        )


def _header(source: str) -> str:
    return f"{source}:1" if not source.lower().endswith((".parquet", ".pq")) else source


def from_table(
    table: data.Table,
    *,
    columns: Columns = Columns(),
    task: str | None = None,
    classes: tuple[str, ...] | None = None,
    truth: pd.Series | None = None,
    fix: str | None = None,
    distribution: bool = True,
) -> Predictions:
    """`read` on a table already read (see `read`). `distribution` False leaves out the check
    that probabilities lie in [0, 1] and sum to 1: for a model run's own predictions.csv, whose
    model's scores were taken as they came."""
    import numpy as np

    from modelci.scoring import Predictions

    check = _Checker(table, fix)
    frame = table.frame
    proba_names = [c for c in frame.columns if c.startswith(PROBA_PREFIX)]
    needed = [columns.id, columns.prediction] + ([columns.truth] if truth is None else [])
    for name in needed:
        if name not in frame.columns:
            check.missing_column(name, columns)
    ids = frame[columns.id]
    check.no_missing(ids, columns.id, "has no row id")
    if not _ascending_numbers(ids):  # ascending ids (0, 1, 2, …) are unique: no hashing
        _refuse_duplicates(check, ids, columns)
    order = None
    if truth is not None:
        order = _align(check, ids, truth, columns)
    y_true = frame[columns.truth] if columns.truth in frame.columns else None
    if y_true is not None:
        check.no_missing(y_true, columns.truth, "has no true value")
    y_pred = frame[columns.prediction]
    check.no_missing(y_pred, columns.prediction, "has no prediction")
    reference = y_true if y_true is not None else _truth_in_file_order(truth, order, ids)
    if task is None:
        task = infer_task(reference, y_pred, has_proba=bool(proba_names))
    elif task not in TASKS:
        raise UserError(f"task must be classification or regression, got {task!r}")
    if task == "regression":
        if proba_names:
            check.fail(
                None,
                f"column {proba_names[0]} holds class probabilities, but the task is regression",
                "Drop the proba_ columns, or evaluate with --task classification",
            )
        pred_values = check.numbers(y_pred, columns.prediction)
        true_values = check.numbers(y_true, columns.truth) if y_true is not None else None
        if truth is not None:
            given = check.numbers(_truth_in_file_order(truth, order, ids), "the truth")
            if true_values is not None:
                _same_truth(check, true_values, given, columns.truth, regression=True)
            true_values = given
        assert true_values is not None
        return _in_truth_order(
            Predictions(
                task=task,
                row_id=ids.to_numpy(),
                y_true=true_values,
                y_pred=pred_values,
                classes=None,
                proba=None,
                seen=None,
            ),
            order,
        )
    # Labels are coded once by hashing (`Labels`): sorting or indexing a million strings costs
    # seconds, their few distinct values nothing.
    pred_labels = Labels.of(y_pred)
    true_labels = Labels.of(y_true) if y_true is not None else None
    if truth is not None:
        given_labels = Labels.of(_truth_in_file_order(truth, order, ids))
        if true_labels is not None:
            _same_truth(
                check, true_labels.text(), given_labels.text(), columns.truth, regression=False
            )
        true_labels = given_labels
    assert true_labels is not None
    known = classes if classes is not None else true_labels.class_order()
    predicted = pred_labels.codes_in(known)
    unknown = np.flatnonzero(predicted < 0)
    if unknown.size:
        where = "the model's classes" if classes is not None else "the truth's classes"
        shown = _shown(pred_labels.text()[unknown[0]])
        check.fail(
            unknown[0],
            f"column {columns.prediction} predicts {shown}, not one of {where} "
            f"({_listed(known)}); {unknown.size} row(s) do",
            "Predict only classes that occur in the truth, or check the column is the "
            "prediction (--prediction-column)",
        )
    proba = (
        _probabilities(check, frame, proba_names, known, columns, distribution=distribution)
        if proba_names
        else None
    )
    return _in_truth_order(
        Predictions(
            task=task,
            row_id=ids.to_numpy(),
            y_true=true_labels.text(),
            y_pred=pred_labels.text(),
            classes=tuple(known),
            proba=proba,
            seen=true_labels.codes_in(known) >= 0,
        ),
        order,
    )


@dataclass(frozen=True, kw_only=True)
class Labels:
    """A column of class labels as codes into its distinct values (`pd.factorize`)."""

    codes: np.ndarray
    distinct: pd.Series  # the distinct values, as read

    @classmethod
    def of(cls, values: pd.Series) -> Labels:
        import pandas as pd

        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        return cls(codes=codes, distinct=pd.Series(distinct, dtype=values.dtype))

    def distinct_text(self) -> np.ndarray:
        # label_text's rule holds for the distinct values as for the column: "1.0" → "1" iff
        # every value is whole.
        return data.label_text(self.distinct.to_numpy())

    def text(self) -> np.ndarray:
        """Every row's label text (`data.label_text`)."""
        return self.distinct_text()[self.codes]

    def codes_in(self, classes: tuple[str, ...]) -> np.ndarray:
        """Every row's position in `classes`, -1 where it is none of them."""
        import pandas as pd

        return pd.Index(classes).get_indexer(self.distinct_text())[self.codes]

    def class_order(self) -> tuple[str, ...]:
        """The classes a model trained on these labels would have, in its order: numbers by
        value (2 before 10), everything else as text; written as label text."""
        import numpy as np

        values = data.class_values(self.distinct)
        return tuple(str(v) for v in data.label_text(np.unique(values.to_numpy())))


def class_order(truth: pd.Series) -> tuple[str, ...]:
    """The classes a model trained on `truth` would have, in its order: numbers by value
    (2 before 10), everything else as text; written as label text."""
    return Labels.of(truth).class_order()


def _ascending_numbers(ids: pd.Series) -> bool:
    import numpy as np
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(ids.dtype) or pd.api.types.is_bool_dtype(ids.dtype):
        return False
    return bool((np.diff(ids.to_numpy()) > 0).all())


def _refuse_duplicates(check: _Checker, ids: pd.Series, columns: Columns) -> None:
    import numpy as np

    duplicated = ids.duplicated(keep=False).to_numpy()
    if duplicated.any():
        again = int(np.flatnonzero(ids.duplicated(keep="first").to_numpy())[0])
        first = int(np.flatnonzero((ids == ids.iloc[again]).to_numpy())[0])
        check.fail(
            again,
            f"row id {_shown(ids.iloc[again])} in column {columns.id} appears again (first at "
            f"{check.table.row_ref(first)}); {int(duplicated.sum())} rows share an id",
            "Give every row its own id",
        )


def infer_task(truth: pd.Series, prediction: pd.Series, *, has_proba: bool) -> str:
    """classification with probability columns or label-like truth (`data.infer_task`'s rule),
    unless the predictions are fractional numbers, which no classifier predicts."""
    import numpy as np
    import pandas as pd

    if has_proba:
        return "classification"
    for column in (prediction, truth):
        # Checked first: counting a million distinct floats costs more than this.
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy()
            if bool((values != np.round(values)).any()):
                return "regression"
    return data.infer_task(truth)


class _Checker:
    """The one-line failures of one table: where (file:line), what, and how to fix it."""

    def __init__(self, table: data.Table, fix: str | None) -> None:
        self.table = table
        self.fix = fix

    def fail(self, position: Any, message: str, fix: str) -> None:
        where = (
            _header(self.table.source) if position is None else self.table.row_ref(int(position))
        )
        raise UserError(message, where=where, fix=self.fix or fix)

    def missing_column(self, name: str, columns: Columns) -> None:
        present = list(self.table.frame.columns)
        close = difflib.get_close_matches(name, present, n=1)
        flag = {
            columns.id: "--id-column",
            columns.truth: "--target",
            columns.prediction: "--prediction-column",
        }[name]
        shown = ", ".join(present[:12]) + (" …" if len(present) > 12 else "")
        hint = f"did you mean '{close[0]}'? " if close else ""
        self.fail(
            None,
            f"no column '{name}' (columns: {shown})",
            f"{hint[:1].upper() + hint[1:]}Name the column with {flag}, or write it as '{name}'",
        )

    def no_missing(self, values: pd.Series, column: str, what: str) -> None:
        import numpy as np
        import pandas as pd

        empty = values.isna().to_numpy()
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            empty = empty | (values == "").to_numpy()  # a Parquet string column's empty cells
        if empty.any():
            first = np.flatnonzero(empty)
            self.fail(
                first[0],
                f"column {column} is empty (NaN) at this row, which {what}; "
                f"{first.size} row(s) are",
                "Fill those cells or drop those rows; modelci never guesses",
            )

    def numbers(self, values: pd.Series, column: str) -> np.ndarray:
        """A regression column as finite floats small enough to score."""
        import numpy as np
        import pandas as pd

        if pd.api.types.is_bool_dtype(values.dtype):
            self.fail(
                0,
                f"column {column} holds true/false, not numbers",
                "Evaluate with --task classification",
            )
        numeric = pd.api.types.is_numeric_dtype(values.dtype)
        parsed = (values if numeric else pd.to_numeric(values, errors="coerce")).to_numpy(
            dtype=float
        )
        bad = np.flatnonzero(np.isnan(parsed))
        if bad.size:
            self.fail(
                bad[0],
                f"column {column} holds {_shown(values.iloc[bad[0]])}, not a number, and the task "
                f"is regression; {bad.size} row(s) do",
                "Write numbers, or evaluate labels with --task classification",
            )
        huge = np.flatnonzero(~np.isfinite(parsed) | (np.abs(parsed) > data.MAX_ABS_VALUE))
        if huge.size:
            self.fail(
                huge[0],
                f"column {column} holds {parsed[huge[0]]:g}, not a finite number within "
                f"±{data.MAX_ABS_VALUE:g}; {huge.size} row(s) do",
                "Fix those values (rescale a huge target)",
            )
        return parsed


def _shown(value: Any) -> str:
    """A cell as a user wrote it: 'yes', 3 (not np.int64(3))."""
    return repr(value.item() if hasattr(value, "item") else value)


def _listed(labels: Any) -> str:
    labels = list(labels)
    return ", ".join(labels[:8]) + (" …" if len(labels) > 8 else "")


def _probabilities(
    check: _Checker,
    frame: pd.DataFrame,
    names: list[str],
    classes: tuple[str, ...],
    columns: Columns,
    *,
    distribution: bool,
) -> np.ndarray:
    """The proba_<class> columns as a (rows, classes) array in class order, checked to be a
    probability distribution on every row when `distribution`."""
    import numpy as np
    import pandas as pd

    named = {name[len(PROBA_PREFIX) :]: name for name in names}
    for label, name in named.items():
        if label not in classes:
            check.fail(
                None,
                f"column {name} is for class '{label}', which is not one of the truth's "
                f"classes ({_listed(classes)})",
                "Name probability columns proba_<class> after the classes in the truth, or "
                "drop that column",
            )
    for label in classes:
        if label not in named:
            check.fail(
                None,
                f"no column {columns.proba(label)} for class '{label}' of the truth (columns: "
                f"{', '.join(names)})",
                "Write one proba_<class> column per class, or none at all",
            )
    block = frame[[named[label] for label in classes]]
    proba = np.empty(block.shape, dtype=float)
    for k, name in enumerate(block.columns):
        series = block[name]
        check.no_missing(series, name, "has no probability")
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(np.isnan(values))
        if bad.size:
            check.fail(
                bad[0],
                f"column {name} holds {_shown(series.iloc[bad[0]])}, not a probability",
                "Write numbers between 0 and 1",
            )
        outside = np.flatnonzero(((values < 0) | (values > 1)) & distribution)
        if len(outside):
            check.fail(
                outside[0],
                f"column {name} holds {values[outside[0]]:g}, outside [0, 1]; "
                f"{len(outside)} row(s) do",
                "Write probabilities (apply softmax or sigmoid to scores or logits)",
            )
        proba[:, k] = values
    if not distribution:
        return proba
    sums = proba.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE)
    if off.size:
        check.fail(
            off[0],
            f"the probabilities ({', '.join(block.columns)}) sum to {sums[off[0]]:.6g}, not 1 "
            f"within {SUM_TOLERANCE:g}; {off.size} row(s) do",
            "Write one probability per class on each row, summing to 1",
        )
    return proba


def _align(check: _Checker, ids: pd.Series, truth: pd.Series, columns: Columns) -> np.ndarray:
    """Positions in the file of the truth's ids, in the truth's order; ids on one side only
    are refused with their count and the first of them."""
    import numpy as np
    import pandas as pd

    file_ids = pd.Index(data.label_text(ids.to_numpy()))
    truth_ids = pd.Index(data.label_text(truth.index.to_numpy()))
    order = file_ids.get_indexer(truth_ids)
    absent = np.flatnonzero(order < 0)
    if absent.size:
        check.fail(
            None,
            f"{absent.size} of the {len(truth_ids)} test rows have no prediction (no row with "
            f"that {columns.id}), first row id {_shown(truth_ids[absent[0]])}",
            "Predict every row of the test file, keeping its ids",
        )
    extra = np.flatnonzero(truth_ids.get_indexer(file_ids) < 0)
    if extra.size:
        check.fail(
            extra[0],
            f"row id {_shown(ids.iloc[extra[0]])} in column {columns.id} is not one of the test "
            f"rows; {extra.size} row(s) are not",
            "Predict the rows of the test file only, keeping its ids",
        )
    return order


def _truth_in_file_order(
    truth: pd.Series | None, order: np.ndarray | None, ids: pd.Series
) -> pd.Series:
    """The given truth rearranged to the file's rows (the file's row i is truth row inverse[i])."""
    import numpy as np
    import pandas as pd

    assert truth is not None and order is not None
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return pd.Series(truth.to_numpy()[inverse], index=ids.index, name=truth.name)


def _same_truth(
    check: _Checker, in_file: np.ndarray, given: np.ndarray, column: str, *, regression: bool
) -> None:
    import numpy as np

    differ = ~np.isclose(in_file, given, rtol=1e-9, atol=0.0) if regression else in_file != given
    bad = np.flatnonzero(differ)
    if bad.size:
        check.fail(
            bad[0],
            f"column {column} holds {_shown(in_file[bad[0]])} but the test row's truth is "
            f"{_shown(given[bad[0]])}; {bad.size} row(s) differ",
            f"Leave out {column} (modelci takes the truth from the test file) or copy it unchanged",
        )


def _in_truth_order(predictions: Predictions, order: np.ndarray | None) -> Predictions:
    return predictions if order is None else predictions.take(order)
