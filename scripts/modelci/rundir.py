"""A run directory (docs/run-directory.md) as later steps see it; `documents` reads its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelci import documents, run_files
from modelci.documents import (
    BASELINE,
    COMPARISON,
    EVALUATION,
    METRICS,
    MODEL,
    PLOTS,
    PREDICTIONS,
    RUN,
    SCHEMA_MAJOR,
    SCHEMAS,
    Evaluation,
    RunInfo,
)
from modelci.errors import UserError

__all__ = [
    "BASELINE",
    "COMPARISON",
    "EVALUATION",
    "METRICS",
    "MODEL",
    "PLOTS",
    "PREDICTIONS",
    "RUN",
    "SCHEMAS",
    "SCHEMA_MAJOR",
    "Run",
]


@dataclass(frozen=True, kw_only=True)
class Run:
    """A run directory: its path and its `run.json`."""

    path: Path
    info: RunInfo

    @classmethod
    def open(cls, path: Path) -> Run:
        if not path.is_dir():
            raise UserError(
                f"run directory {path} not found", fix="Create it with `modelci train --out DIR`"
            )
        return cls(path=path, info=documents.read_run(path / RUN))

    @property
    def has_model(self) -> bool:
        """False for a predictions run: only its predictions were evaluated."""
        return self.info.model is not None

    @property
    def model(self) -> documents.ModelFile:
        """The run's model file record; a predictions run has none, which is one line."""
        if self.info.model is None:
            raise UserError(
                f"{self.path} is a predictions run: it has no model file",
                fix="This step needs a run trained by modelci or a training script that "
                "saves a model",
            )
        return self.info.model

    @property
    def model_path(self) -> Path:
        return self.path / self.model.file

    @property
    def model_sha256(self) -> str:
        return self.model.sha256

    @property
    def preprocess_path(self) -> Path | None:
        """modelci's preprocessing kept beside a library model, when there is one."""
        kept = self.model.preprocess
        return None if kept is None else self.path / kept.file

    @property
    def task(self) -> str:
        return self.info.task

    @property
    def target(self) -> str:
        return self.info.target

    @property
    def classes(self) -> tuple[str, ...] | None:
        return self.info.classes

    def files(self) -> tuple[run_files.RunFile, ...]:
        """The run's own files as run.json records them (`modelci.run_files`): what publish
        uploads and a baseline keeps, for every flavour and for a predictions run."""
        return run_files.of(self.info, where=self.path / RUN)

    def evaluation(self) -> Evaluation:
        return documents.read_evaluation(self.path / EVALUATION)

    def has_evaluation(self) -> bool:
        return (self.path / EVALUATION).is_file() and (self.path / PREDICTIONS).is_file()
