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

SCHEMA_MAJOR = 1
SCHEMAS = {
    RUN: f"modelci.run/{SCHEMA_MAJOR}",
    EVALUATION: f"modelci.evaluation/{SCHEMA_MAJOR}",
    COMPARISON: f"modelci.comparison/{SCHEMA_MAJOR}",
}


def read_document(path: Path, kind: str | None = None) -> dict[str, Any]:
    """Read one of our JSON documents and check its schema: `modelci.<kind>/1`, where `kind`
    defaults to what the file name says (run.json is a run); other files are only parsed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} not found", fix=_missing_fix(path.name)) from None
    except json.JSONDecodeError as error:
        raise UserError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            fix="Re-create it with modelci; do not edit it by hand",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from None
    expected = f"modelci.{kind}/{SCHEMA_MAJOR}" if kind else SCHEMAS.get(path.name)
    if expected is None:
        return data
    if not isinstance(data, dict):
        raise UserError(f"{path} must be a JSON object", fix=_missing_fix(path.name))
    found = data.get("schema")
    if found != expected:
        prefix, _, major = expected.rpartition("/")
        if isinstance(found, str) and found.startswith(prefix + "/"):
            raise UserError(
                f"{path}: {found} is not supported; this modelci reads {prefix} version {major}",
                fix="Use the modelci version that wrote it, or re-create the run",
            )
        raise UserError(
            f"{path} is not a modelci {prefix.split('.', 1)[1]} file: its schema must be "
            f"'{expected}', got {found!r}",
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
