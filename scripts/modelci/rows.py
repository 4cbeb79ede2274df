"""The rows a run is evaluated on: given explicitly, or rebuilt from run.json exactly as in training.

Rebuilding checks the data file's sha256 against the one recorded at training time, so a changed
file can never be mistaken for the original test split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import data
from modelci.documents import RUN, DataFacts
from modelci.errors import UserError
from modelci.rundir import Run

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True, kw_only=True)
class EvalRows:
    frame: pd.DataFrame  # test rows, target included
    row_id: np.ndarray
    train: pd.DataFrame | None  # training rows when they can be had (for data checks)
    facts: dict[str, Any]  # source, sha256, rows, test_fingerprint


def for_run(run: Run, data_override: str | None = None, *, train_rows: bool = True) -> EvalRows:
    """The run's test rows; `train_rows=False` skips reading the training rows (only the data
    checks need them, and a separate training file can be the larger one)."""
    import numpy as np

    target = run.target
    id_column = run.info.section("data").get("id_column")
    if data_override is not None:
        table = data.read_table(data_override, Path.cwd())
        data.require_target(table, target)
        data.check_target_values(table, target)
        if run.task == "regression":
            data.check_target_for_task(table, target, run.task)
        data.check_finite_columns(table, run.info.features.get("numeric", ()))
        frame = table.frame
        train = _training_rows(run) if train_rows else None
        row_id = (
            frame[id_column].to_numpy() if id_column in frame.columns else np.arange(frame.shape[0])
        )
        return EvalRows(frame=frame, row_id=row_id, train=train, facts=_facts(table, frame))
    recorded = run.info.data
    split = recorded.split
    side = recorded.test if split.get("kind") == "file" else recorded.train
    if split.get("kind") is None or side is None or side.source is None:
        raise UserError(
            f"{run.path}: run.json does not say which rows to evaluate on", fix="Pass --data PATH"
        )
    if split["kind"] == "file":
        table = _reopen(run, side)
        frame = table.frame
        train = _training_rows(run) if train_rows else None
        positions = np.arange(frame.shape[0])
    else:
        table = _reopen(run, side)
        train_idx, test_idx = data.split(table.frame, target, task=run.task, **_split_options(run))
        frame = table.frame.iloc[test_idx].reset_index(drop=True)
        train = table.frame.iloc[train_idx].reset_index(drop=True)
        positions = test_idx
    row_id = frame[id_column].to_numpy() if id_column and id_column in frame.columns else positions
    facts = _facts(table, frame)
    expected = split.get("test_fingerprint")
    if expected and facts["test_fingerprint"] != expected:
        raise UserError(
            f"the test rows rebuilt from {table.source} differ from those of "
            f"training ({run.path}/run.json)",
            fix="Restore the original data file, or pass --data PATH",
        )
    return EvalRows(frame=frame, row_id=row_id, train=train, facts=facts)


def _facts(table: data.Table, frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "source": table.source,
        "sha256": table.sha256,
        "rows": int(frame.shape[0]),
        "test_fingerprint": data.rows_fingerprint(frame),
    }


def _base_dir(run: Run) -> Path:
    return Path(run.info.config_dir or Path.cwd())


def _split_options(run: Run) -> dict[str, Any]:
    """test_size and seed of a recorded random split, checked: run.json may have been edited."""
    split = run.info.data.split
    size, seed = split.get("test_size"), split.get("seed")
    if not isinstance(size, int | float) or isinstance(size, bool) or not isinstance(seed, int):
        raise UserError(
            f"{run.path / RUN}: data.split must record test_size (a number) and seed (an "
            f"integer), got {size!r} and {seed!r}",
            fix="Re-create the run with `modelci train`",
        )
    return {"test_size": size, "seed": seed}


def _reopen(run: Run, facts: DataFacts) -> data.Table:
    source = str(facts.source)
    table = data.read_table(source, _base_dir(run))
    if facts.sha256 and table.sha256 != facts.sha256:
        raise UserError(
            f"{source} changed since {run.path} was trained (sha256 differs)",
            fix="Restore the original file, or pass --data PATH",
        )
    return table


def _training_rows(run: Run) -> pd.DataFrame | None:
    """Training rows for the duplicate check; None when they cannot be had unchanged."""
    recorded = run.info.data.train
    split = run.info.data.split
    if recorded is None or recorded.source is None:
        return None
    try:
        table = _reopen(run, recorded)
    except UserError:
        return None
    if split.get("kind") in ("stratified", "random"):
        train_idx, _ = data.split(table.frame, run.target, task=run.task, **_split_options(run))
        return table.frame.iloc[train_idx].reset_index(drop=True)
    return table.frame
