"""The files of a run, as its own run.json records them: what `publish release` uploads, what
`publish registry` marks as weights, what `baseline` keeps and verifies. One list, so the three
agree for every flavour and for a predictions run.

| run | files |
|---|---|
| model run | `run.json`, its model file (`model.skops`, `model.ubj`, `model.json`, `model.txt`, `model.cbm` or `model.onnx`), `preprocess.skops` when recorded, `metrics.json`, `evaluation.json` |
| predictions run | `run.json`, `metrics.json`, `evaluation.json`, `predictions.csv` (compare aligns it by row id: there is no model to re-score) |

A model run's `predictions.csv` is not among them: compare re-scores the model instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from modelci import fsutil
from modelci.documents import EVALUATION, METRICS, PREDICTIONS, RUN, RunInfo
from modelci.errors import UserError
from modelci.flavours import BY_FILE_NAME, PREPROCESS_FILE

if TYPE_CHECKING:
    from modelci.rundir import Run

Role = Literal["record", "model", "preprocess", "evaluation", "predictions"]


@dataclass(frozen=True, kw_only=True)
class RunFile:
    """One file of a run directory (a plain name beside run.json)."""

    name: str
    role: Role
    # What run.json records for it (the model and its preprocessing); None for the others.
    sha256: str | None = None
    # A baseline cannot do without it: compare loads the model, or aligns the predictions.
    needed: bool = False

    @property
    def weight(self) -> bool:
        """Part of what scores rows: the model file and its preprocessing."""
        return self.role in ("model", "preprocess")


def of(info: RunInfo, *, where: Path | str) -> tuple[RunFile, ...]:
    """The files of the run whose run.json (at `where`) is `info`; a model file name that is not
    one modelci reads, or that is another flavour's than recorded, is one line."""
    files = [RunFile(name=RUN, role="record", needed=True)]
    model = info.model
    if model is not None:
        flavour = BY_FILE_NAME.get(model.file)
        if flavour is None:
            raise UserError(
                f"{where}: model.file is {model.file!r}, not a model file name modelci reads",
                fix=f"A run's model file is one of {', '.join(sorted(BY_FILE_NAME))}, beside "
                "run.json",
            )
        if flavour.name != model.flavour_name:
            raise UserError(
                f"{where}: {model.file} is a {flavour.name} model file, but model.flavour says "
                f"{model.flavour_name}",
                fix="Re-train the run: run.json no longer describes its model",
            )
        files.append(RunFile(name=model.file, role="model", sha256=model.sha256, needed=True))
        kept = model.preprocess
        if kept is not None:
            if kept.file != PREPROCESS_FILE:
                raise UserError(
                    f"{where}: model.preprocess.file is {kept.file!r}, not {PREPROCESS_FILE}",
                    fix="Re-train the run: run.json no longer describes its model",
                )
            files.append(
                RunFile(name=PREPROCESS_FILE, role="preprocess", sha256=kept.sha256, needed=True)
            )
    files.append(RunFile(name=METRICS, role="evaluation"))
    files.append(RunFile(name=EVALUATION, role="evaluation", needed=model is None))
    if model is None:
        files.append(RunFile(name=PREDICTIONS, role="predictions", needed=True))
    return tuple(files)


def changed(directory: Path, files: Iterable[RunFile]) -> tuple[RunFile, str] | None:
    """The first file present whose sha256 is not the one run.json records, with its sha256."""
    for file in files:
        path = directory / file.name
        if file.sha256 is not None and path.is_file():
            actual = fsutil.sha256_file(path)
            if actual != file.sha256:
                return file, actual
    return None


def check_publishable(run: Run, *, check_sha256: bool = True) -> tuple[RunFile, ...]:
    """The files to publish of an evaluated run, each there and (unless the caller hashes them
    itself, `check_sha256=False`) as run.json records it."""
    files = run.files()
    for name in (EVALUATION, METRICS):
        if not (run.path / name).is_file():
            raise UserError(
                f"run {run.path} has no {name}; run `modelci evaluate {run.path}` first"
            )
    for file in files:
        if not (run.path / file.name).is_file():
            again = "evaluate" if file.role == "predictions" else "train"
            raise UserError(
                f"{run.path / file.name} not found: run.json says the run has it",
                fix=f"Re-run `modelci {again}`",
            )
    bad = changed(run.path, files) if check_sha256 else None
    if bad is not None:
        file, actual = bad
        raise UserError(
            f"{run.path / file.name}: sha256 {actual[:12]}… does not match "
            f"{(file.sha256 or '')[:12]}… recorded in run.json; the file was changed after "
            "training",
            fix="Re-run `modelci train` and `modelci evaluate`",
        )
    return files
