"""Predictions runs: the run directory made of a checked predictions table
(`prediction_tables`): run.json with model null and the normalised predictions.csv that
`evaluate` scores it from.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import data
from modelci.prediction_tables import PROBA_PREFIX, Columns

if TYPE_CHECKING:
    import numpy as np

    from modelci.config import Config
    from modelci.documents import RunInfo
    from modelci.scoring import Predictions


def fingerprint(predictions: Predictions, order: np.ndarray | None = None) -> str:
    """The rows a predictions run was scored on: `data.rows_fingerprint` of the normalised
    (row_id, y_true) columns, as run.json's data.split.test_fingerprint records it; with
    `order`, of the rows taken in that order (without re-coding the labels)."""
    import pandas as pd

    rows: Any = slice(None) if order is None else order
    truth: Any = predictions.y_true[rows]
    if predictions.classes is not None and predictions.seen is not None and predictions.seen.all():
        # Hashed as the same labels in text (pandas hashes a categorical by its values), from
        # the codes: a million strings hash slowly.
        truth = pd.Categorical.from_codes(predictions.y[rows], categories=list(predictions.classes))
    elif predictions.classes is not None:
        truth = pd.Series(truth, dtype=object)
    return data.rows_fingerprint(
        pd.DataFrame({"row_id": predictions.row_id[rows], "y_true": truth})
    )


def write_run(
    stage: Path,
    predictions: Predictions,
    *,
    source_facts: Mapping[str, Any],
    config: Config | None = None,
    name: str | None = None,
    training: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> RunInfo:
    """Write a predictions run into `stage` (a staging folder): run.json with model null, and
    predictions.csv normalised (row_id, y_true, y_pred, proba_<class>…), which is what
    `evaluate` scores it from. `source_facts` are the predictions file's source, sha256, rows;
    `target` names the truth column (default: the config's target, else y_true)."""
    from modelci import documents, rundir

    info = run_info(
        predictions,
        source_facts=source_facts,
        config=config,
        name=name,
        training=training,
        target=target,
        where=str(stage / rundir.RUN),
    )
    write_predictions(stage / rundir.PREDICTIONS, predictions)
    documents.write_run(stage / rundir.RUN, info)
    return info


def run_info(
    predictions: Predictions,
    *,
    source_facts: Mapping[str, Any],
    config: Config | None = None,
    name: str | None = None,
    training: Mapping[str, Any] | None = None,
    target: str | None = None,
    where: str = "run.json",
) -> RunInfo:
    """The run.json of a predictions run (`write_run` writes it)."""
    from modelci import __version__, documents, estimators, rundir
    from modelci import training as trainer

    classes = list(predictions.classes) if predictions.classes is not None else None
    recorded: dict[str, Any] = (
        estimators.plain_value(config.to_dict())
        if config is not None
        else {"data": {"seed": 0}, "metrics": {}}
    )
    facts = {key: source_facts[key] for key in ("source", "sha256", "rows") if key in source_facts}
    info: dict[str, Any] = {
        "schema": rundir.SCHEMAS[rundir.RUN],
        "modelci_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": name if name is not None else (config.name if config is not None else None),
        "task": predictions.task,
        "config": recorded,
        "config_path": config.source if config is not None else None,
        "config_dir": str(config.base_dir if config is not None else Path.cwd()),
        "estimator": None,
        "target": target or (config.data.target if config is not None else Columns().truth),
        "features": {},
        "classes": classes,
        "positive_class": classes[-1] if classes and len(classes) == 2 else None,
        "data": {
            "test": facts,
            "split": {"kind": "predictions", "test_fingerprint": fingerprint(predictions)},
        },
        "versions": trainer.library_versions(),
        "git": trainer.git_facts(config.base_dir) if config is not None else None,
        "timings": {},
        "model": None,
    }
    if training is not None:
        info["training"] = dict(training)
    return documents.parse_run(info, where=where)


def already_normalised(table: data.Table, predictions: Predictions, columns: Columns) -> bool:
    """Whether `table`'s file, copied byte for byte, reads back as the normalised
    predictions.csv of `predictions`: a CSV with exactly its columns in order, whose labels
    are text (kept as written) and whose numbers parse to the same floats. Copying a million
    rows costs milliseconds; formatting them again, a second."""
    import pandas as pd

    frame = table.frame
    expected = ["row_id", "y_true", "y_pred"]
    if predictions.proba is not None and predictions.classes is not None:
        expected += [f"{PROBA_PREFIX}{label}" for label in predictions.classes]
    if (
        not table.source.lower().endswith(".csv")
        or columns != Columns()
        or list(frame.columns) != expected
    ):
        return False
    labels = [frame[name].dtype for name in ("y_true", "y_pred")]
    if predictions.classes is None:
        return all(
            pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in labels
        )
    # Text labels read the same either way; numbers would come back as their label text.
    return all(t is object or pd.api.types.is_string_dtype(t) for t in labels)


def write_predictions(path: Path, predictions: Predictions) -> None:
    """predictions.csv, normalised: row_id, y_true, y_pred, proba_<class>… in class order.
    Written by pyarrow where it is installed: pandas formats each float in Python, ~10× slower
    (17 s for a million rows of probabilities, 1.5 s with pyarrow); both round-trip exactly."""
    import csv

    from modelci import scoring

    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        scoring.predictions_frame(predictions).to_csv(path, index=False)
        return
    try:
        table = pa.table(_arrow_columns(predictions))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Ids of mixed types (numbers and text): pandas writes each as text.
        scoring.predictions_frame(predictions).to_csv(path, index=False)
        return
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(table.column_names)
    # pyarrow quotes every text cell when asked for "needed"; unquoted, the file reads as
    # pandas writes it (yes, not "yes") and is safe whenever no text holds a delimiter.
    quoting = "none" if _plain_text(table) else "needed"
    with open(path, "wb") as out:
        out.write(header.getvalue().encode())
        pa_csv.write_csv(
            table,
            out,
            write_options=pa_csv.WriteOptions(include_header=False, quoting_style=quoting),
        )


def _plain_text(table: Any) -> bool:
    """No text cell of `table` holds a comma, a quote or a line break."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in table.columns:
        values = column.combine_chunks()
        if pa.types.is_dictionary(values.type):
            values = values.dictionary
        text = pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
        if text and pc.any(pc.match_substring_regex(values, '[,"\r\n]')).as_py():
            return False
    return True


def _arrow_columns(predictions: Predictions) -> dict[str, Any]:
    """The normalised columns as Arrow arrays; labels as codes into the classes where every
    row has one (no million strings to build)."""
    import pyarrow as pa

    columns: dict[str, Any] = {"row_id": pa.array(predictions.row_id)}
    classes = predictions.classes
    if classes is not None and predictions.seen is not None and predictions.seen.all():
        names = pa.array(list(classes), type=pa.string())
        columns["y_true"] = pa.DictionaryArray.from_arrays(pa.array(predictions.y), names)
        columns["y_pred"] = pa.DictionaryArray.from_arrays(pa.array(predictions.pred), names)
    else:
        columns["y_true"] = pa.array(predictions.y_true)
        columns["y_pred"] = pa.array(predictions.y_pred)
    if predictions.proba is not None and classes is not None:
        for code, label in enumerate(classes):
            columns[f"{PROBA_PREFIX}{label}"] = pa.array(predictions.proba[:, code])
    return columns
