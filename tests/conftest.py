"""Shared fixtures: small data sets written as files, and a runner for the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.registry_fixture"]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run `python -m modelci ...` in a subprocess, as a user would (separate interpreter)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts"), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "modelci", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_in_process(*args: str) -> Result:
    """`modelci.cli.main` in this interpreter: the same entry point, without paying the
    scikit-learn import for every call. Any exception that escapes main fails the test."""
    import contextlib
    import io

    from modelci import cli as cli_module

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_module.main(list(args))
        except SystemExit as exit_:  # argparse usage errors
            code = int(exit_.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run modelci in `tmp_path` as the user would type it (in-process, see run_in_process)."""
    monkeypatch.chdir(tmp_path)

    def call(*args: str) -> Result:
        return run_in_process(*args)

    return call


@pytest.fixture
def cli_subprocess(tmp_path):
    """Run `python -m modelci` in a separate interpreter in `tmp_path`."""

    def call(*args: str, env: dict[str, str] | None = None) -> Result:
        return run_cli(*args, cwd=tmp_path, env=env)

    return call


def mixed_frame(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """Binary target from numeric, categorical and date columns, with missing values."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    logit = 1.5 * x1 - x2 + (colour == "red") * 1.0
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame(
        {"x1": x1, "x2": x2, "colour": colour, "when": when.strftime("%Y-%m-%d"), "label": label}
    )
    frame.loc[rng.choice(rows, rows // 10, replace=False), "x2"] = np.nan
    frame.loc[rng.choice(rows, rows // 20, replace=False), "colour"] = np.nan
    return frame


@pytest.fixture
def mixed_csv(tmp_path) -> Path:
    path = tmp_path / "data" / "mixed.csv"
    path.parent.mkdir()
    mixed_frame().to_csv(path, index=False)
    return path


def write_config(directory: Path, text: str, name: str = "modelci.yaml") -> Path:
    path = directory / name
    path.write_text(text)
    return path
