"""The run directory contract (docs/run-directory.md): file names and versioned JSON documents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.errors import UserError

MODEL = "model.skops"
RUN = "run.json"
METRICS = "metrics.json"
EVALUATION = "evaluation.json"
PREDICTIONS = "predictions.csv"
COMPARISON = "comparison.json"
PLOTS = "plots"

SCHEMAS = {
    RUN: "modelci.run/1",
    EVALUATION: "modelci.evaluation/1",
    COMPARISON: "modelci.comparison/1",
}


def read_document(path: Path) -> dict[str, Any]:
    """Read one of our JSON documents and check its schema's major version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} not found", fix=_missing_fix(path.name)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(
            f"{path} is not valid JSON ({error})",
            fix="Re-create it with modelci; do not edit it by hand",
        ) from None
    expected = SCHEMAS.get(path.name)
    found = data.get("schema") if isinstance(data, dict) else None
    if expected is not None and found != expected:
        kind, _, major = expected.rpartition("/")
        if isinstance(found, str) and found.startswith(kind + "/"):
            raise UserError(
                f"{path} has {found}; this modelci reads {kind} version {major}",
                fix="Use the modelci version that wrote it, or re-create the run",
            )
        raise UserError(
            f"{path} is not a modelci {path.stem} file (schema {found!r})",
            fix=_missing_fix(path.name),
        )
    return data


def _missing_fix(name: str) -> str:
    return {
        RUN: "Is this a run directory? Create one with `modelci train`",
        EVALUATION: "Run `modelci evaluate` on the run first",
        COMPARISON: "Run `modelci compare` first",
    }.get(name, "Check the path")


@dataclass(frozen=True, kw_only=True)
class Run:
    """A run directory as later steps see it."""

    path: Path
    info: dict[str, Any]

    @classmethod
    def open(cls, path: Path) -> Run:
        if not path.is_dir():
            raise UserError(
                f"run directory {path} not found", fix="Create it with `modelci train --out DIR`"
            )
        return cls(path=path, info=read_document(path / RUN))

    @property
    def model_path(self) -> Path:
        return self.path / self.info.get("model", {}).get("file", MODEL)

    @property
    def model_sha256(self) -> str | None:
        return self.info.get("model", {}).get("sha256")

    @property
    def task(self) -> str:
        return str(self.info["task"])

    @property
    def target(self) -> str:
        return str(self.info["target"])

    @property
    def classes(self) -> list[str] | None:
        return self.info.get("classes")

    def evaluation(self) -> dict[str, Any]:
        return read_document(self.path / EVALUATION)

    def has_evaluation(self) -> bool:
        return (self.path / EVALUATION).is_file() and (self.path / PREDICTIONS).is_file()
