"""Reading tables (CSV/TSV/Parquet or a bundled scikit-learn set), validating the target, splitting.

Everything that can be wrong with a user's data is reported here, as one line naming the file
(and the row where it helps), before any model sees the data.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BUNDLED = {
    "breast_cancer": "load_breast_cancer",
    "iris": "load_iris",
    "wine": "load_wine",
    "digits": "load_digits",
    "diabetes": "load_diabetes",
}
# Integer targets with at most this many distinct values are taken as class labels.
MAX_INFERRED_CLASSES = 20
# Beyond this a value's square, summed over rows (rmse, r2), overflows float64 to infinity.
MAX_ABS_VALUE = 1e100


@dataclass(frozen=True, kw_only=True)
class Table:
    frame: pd.DataFrame
    source: str  # as written in the config, for messages and run.json
    sha256: str  # of the file bytes, or of the bundled set's content
    header_lines: int  # rows before the first data row in the file (for row numbers)

    def row_ref(self, position: int) -> str:
        """Where a row lives, as a user would find it: file:line for text files."""
        if self.source.startswith("sklearn:"):
            return f"{self.source} row {position}"
        if self.header_lines and self.source.lower().endswith((".csv", ".tsv", ".txt")):
            return f"{self.source}:{position + 1 + self.header_lines}"
        return f"{self.source} row {position}"


def read_table(spec: str, base_dir: Path) -> Table:
    """Load `spec`: a CSV/TSV/Parquet path (relative to `base_dir`) or `sklearn:NAME`."""
    path = file_path(spec, base_dir)
    if path is None:
        return _read_bundled(spec)
    hint = "Check data.train / data.test in the config (paths are relative to it)"
    if path.is_dir():
        raise UserError(f"data file {spec} is a directory ({path})", fix=hint)
    if not path.is_file():
        raise UserError(f"data file {spec} not found (looked at {path})", fix=hint)
    suffix = path.suffix.lower()
    import pandas as pd

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read data file {spec}: {error.strerror or error}") from None
    digest = hashlib.sha256(raw).hexdigest()
    with parse_errors(spec, empty_fix="Point the config at a file with a header row and data rows"):
        if suffix in (".parquet", ".pq"):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise UserError(
                    f"{spec}: reading Parquet needs pyarrow", fix="pip install 'modelci[parquet]'"
                ) from None
            import pyarrow.parquet as pq

            _refuse_duplicate_columns(pq.read_schema(path).names, spec)
            frame = pd.read_parquet(path)
            header = 0
        else:
            sep = "\t" if suffix in (".tsv", ".tab") else ","
            # pandas renames a repeated header (`y`, `y.1`): read the header as written first.
            names = pd.read_csv(
                io.BytesIO(raw), sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False
            )
            _refuse_duplicate_columns(list(names.iloc[0]) if len(names) else [], spec)
            frame = pd.read_csv(path, sep=sep, low_memory=False)
            header = 1
    if frame.shape[0] == 0:
        raise UserError(f"{spec} has a header but no data rows", fix="Add rows to the file")
    frame.columns = [str(c) for c in frame.columns]
    _refuse_duplicate_columns(list(frame.columns), spec)
    return Table(frame=frame, source=spec, sha256=digest, header_lines=header)


@contextlib.contextmanager
def parse_errors(source: str, *, empty_fix: str) -> Iterator[None]:
    """What pandas or pyarrow raise on a file that is not a table, as one line each."""
    import pandas as pd

    try:
        yield
    except UserError:
        raise
    except pd.errors.EmptyDataError:
        raise UserError(f"{source} is empty", fix=empty_fix) from None
    except pd.errors.ParserError as error:
        raise UserError(
            f"{source}: cannot parse: {str(error).strip().splitlines()[-1]}",
            fix="Check the delimiter and quoting",
        ) from None
    except UnicodeDecodeError:
        raise UserError(f"{source} is not UTF-8 text", fix="Re-save it as UTF-8 CSV") from None
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"{source}: cannot read: {first}") from None


def repeated_column(names: list[Any]) -> str | None:
    """The first column name a header repeats (pandas would rename the second `y` to `y.1`)."""
    seen: set[str] = set()
    for name in map(str, names):
        if name in seen:
            return name
        seen.add(name)
    return None


def _refuse_duplicate_columns(names: list[Any], source: str) -> None:
    """Two columns of one name: one of them would be renamed and used as a feature, which
    leaks the target when the repeated column is the target."""
    name = repeated_column(names)
    if name is not None:
        raise UserError(
            f"{source} has two columns named '{name}'",
            fix="Rename or remove one of them; modelci never guesses which is meant",
        )


def file_path(spec: str, base_dir: Path) -> Path | None:
    """The file a data spec names (relative paths are relative to `base_dir`); None for a
    bundled `sklearn:NAME` set."""
    if spec.startswith("sklearn:"):
        return None
    path = Path(spec).expanduser()
    return path if path.is_absolute() else base_dir / path


def _read_bundled(spec: str) -> Table:
    name = spec.split(":", 1)[1]
    if name not in BUNDLED:
        close = difflib.get_close_matches(name, BUNDLED, n=1)
        fix = (
            f"Did you mean 'sklearn:{close[0]}'?"
            if close
            else f"Bundled sets: {', '.join('sklearn:' + n for n in BUNDLED)}"
        )
        raise UserError(f"unknown bundled data set '{spec}'", fix=fix)
    import pandas as pd
    from sklearn import datasets

    bunch = getattr(datasets, BUNDLED[name])(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return Table(frame=frame, source=spec, sha256=digest.hexdigest(), header_lines=0)


def require_target(table: Table, target: str) -> None:
    if target in table.frame.columns:
        return
    close = difflib.get_close_matches(target, list(table.frame.columns), n=1)
    fix = (
        f"Did you mean '{close[0]}'?"
        if close
        else f"Columns: {', '.join(map(str, table.frame.columns[:12]))}"
        + (" …" if table.frame.shape[1] > 12 else "")
    )
    raise UserError(f"target column '{target}' not found in {table.source}", fix=fix)


def check_target_values(table: Table, target: str) -> None:
    missing = table.frame[target].isna().to_numpy().nonzero()[0]
    if missing.size:
        raise UserError(
            f"{missing.size} row(s) have no value in target column '{target}', "
            f"first at {table.row_ref(int(missing[0]))}",
            fix="Fill or drop those rows; modelci never guesses labels",
        )


def infer_task(y: pd.Series) -> str:
    """classification for text/bool/category targets and small sets of integers."""
    import pandas as pd

    if (
        isinstance(y.dtype, pd.CategoricalDtype)
        or y.dtype == bool
        or y.dtype == object
        or pd.api.types.is_string_dtype(y.dtype)
    ):
        return "classification"
    if pd.api.types.is_integer_dtype(y.dtype) and y.nunique() <= MAX_INFERRED_CLASSES:
        return "classification"
    if pd.api.types.is_float_dtype(y.dtype):
        values = y.to_numpy()
        if y.nunique() <= MAX_INFERRED_CLASSES and bool((values == values.round()).all()):
            return "classification"
    return "regression"


def check_target_for_task(table: Table, target: str, task: str) -> None:
    import pandas as pd

    y = table.frame[target]
    if task == "classification":
        if y.nunique() < 2:
            raise UserError(
                f"target '{target}' in {table.source} has a single class "
                f"({y.iloc[0]!r}); a classifier needs at least two",
                fix="Check the target column, or use more data",
            )
    elif pd.api.types.is_numeric_dtype(y.dtype) and y.dtype != bool:
        check_regression_target(table, target)
    else:
        bad = pd.to_numeric(y, errors="coerce").isna().to_numpy().nonzero()[0]
        first = (
            f", first at {table.row_ref(int(bad[0]))} ({y.iloc[int(bad[0])]!r})" if bad.size else ""
        )
        raise UserError(
            f"regression target '{target}' in {table.source} is not numeric{first}",
            fix="Use task: classification for labels, or clean the column",
        )


def check_regression_target(table: Table, target: str) -> None:
    """A regression target must be finite and small enough to square and sum (metrics)."""
    import numpy as np

    values = table.frame[target].to_numpy(dtype=float, na_value=np.nan)
    bad = (np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)).nonzero()[0]
    if bad.size:
        first = int(bad[0])
        what = "an infinite value" if np.isinf(values[first]) else "a value too large to score"
        raise UserError(
            f"regression target '{target}' in {table.source} has {what} "
            f"({values[first]:g}), first at {table.row_ref(first)} ({bad.size} row(s))",
            fix=f"Fix those rows; values must be finite and within ±{MAX_ABS_VALUE:g} "
            "(rescale a huge target, e.g. divide it by a constant)",
        )


def check_finite_columns(table: Table, columns: Any) -> None:
    """Numeric feature columns may miss values (imputed) but never hold infinity, which no
    scikit-learn preprocessing step accepts; name the column and the first row."""
    import numpy as np
    import pandas as pd

    for column in columns:
        series = table.frame.get(column)
        if series is None or not pd.api.types.is_numeric_dtype(series.dtype):
            continue
        if pd.api.types.is_bool_dtype(series.dtype):
            continue
        bad = np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).nonzero()[0]
        if bad.size:
            raise UserError(
                f"feature column '{column}' of {table.source} holds {bad.size} infinite "
                f"value(s), first at {table.row_ref(int(bad[0]))}",
                fix="Replace them with a number or an empty cell (imputed), or list the "
                "column in data.drop",
            )


def class_values(labels: pd.Series) -> pd.Series:
    """Class labels as the model is fitted on them: numbers stay numbers (so classes sort
    2 < 10 and the positive class of a binary task is the larger one), integral floats become
    integers (a CSV may write 1 as 1.0), anything else becomes text."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(labels.dtype):
        return labels.astype(str)
    if pd.api.types.is_integer_dtype(labels.dtype):
        return labels
    if pd.api.types.is_float_dtype(labels.dtype):
        values = labels.to_numpy()
        if np.isfinite(values).all() and (values == np.round(values)).all():
            return labels.astype("int64")
        return labels
    return labels.astype(str)


def label_text(values: Any) -> np.ndarray:
    """Class labels as the text modelci records and compares: 1, 1.0 and "1" are all "1"."""
    import numpy as np

    array = np.asarray(values)
    if array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.round(array)).all():
        array = array.astype(np.int64)
    return array.astype(str)


def split(
    frame: pd.DataFrame, target: str, *, task: str, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of train and test; stratified for classification."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    positions = np.arange(frame.shape[0])
    stratify = frame[target].to_numpy() if task == "classification" else None
    if stratify is not None:
        counts = frame[target].value_counts()
        if counts.min() < 2:
            # sklearn refuses to stratify a class with one member; say so in our words.
            raise UserError(
                f"class {counts.idxmin()!r} of '{target}' has a single row, too few "
                "to split into train and test",
                fix="Give data.test explicitly, or add rows of that class",
            )
    try:
        train_idx, test_idx = train_test_split(
            positions, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        raise UserError(
            f"cannot split {frame.shape[0]} rows with test_size={test_size}: {error}",
            fix="Use more rows or a different data.test_size",
        ) from None
    return np.sort(train_idx), np.sort(test_idx)


def rows_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of the rows' content (not the index): equal iff the same rows in the same order."""
    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    header = "\x1f".join(map(str, frame.columns)).encode()
    return hashlib.sha256(header + hashed.tobytes()).hexdigest()


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    import pandas as pd

    return pd.util.hash_pandas_object(frame, index=False).to_numpy()
