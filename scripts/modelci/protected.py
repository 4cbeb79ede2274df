"""What each command reads, listed so its outputs can be checked against it: an output that is,
or holds, one of these paths would destroy an input (`fsutil.check_replaceable`,
`fsutil.check_writable_file`).

Lists are generous on purpose: a path that does not exist, or a document that cannot be read,
adds nothing and costs nothing; the command itself reports unreadable inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import rundir

if TYPE_CHECKING:
    from modelci.config import Config

# What modelci writes into a run or compare directory, and later commands read back.
RECORDS = (
    rundir.RUN,
    rundir.MODEL,
    rundir.EVALUATION,
    rundir.METRICS,
    rundir.PREDICTIONS,
    rundir.COMPARISON,
)


def config_inputs(cfg: Config) -> tuple[Path, ...]:
    """The config file, its folder (factories and relative data paths live there) and the data
    files it names."""
    from modelci import data

    paths = [Path(cfg.source), cfg.base_dir]
    for spec in (cfg.data.train, cfg.data.test):
        file = data.file_path(spec, cfg.base_dir) if spec else None
        if file is not None:
            paths.append(file)
    return tuple(paths)


def run_inputs(directory: Path) -> tuple[Path, ...]:
    """A run directory: the folder, its records and plots, and what it was made from."""
    return (directory, *_records(directory), *model_and_data(directory))


def model_and_data(directory: Path) -> tuple[Path, ...]:
    """What evaluating a run reads: its run.json, its model file and the data files it was
    trained and evaluated on (as run.json and evaluation.json record them)."""
    from modelci import data

    paths = [directory / rundir.RUN, directory / rundir.MODEL]
    info = _document(directory / rundir.RUN)
    model = info.get("model")
    if isinstance(model, dict) and isinstance(model.get("file"), str):
        paths.append(directory / model["file"])
    config_dir = info.get("config_dir")
    base = Path(config_dir) if isinstance(config_dir, str) else Path.cwd()
    facts = [*_values(info.get("data")), _document(directory / rundir.EVALUATION).get("data")]
    for fact in facts:
        source = fact.get("source") if isinstance(fact, dict) else None
        file = data.file_path(source, base) if isinstance(source, str) else None
        if file is not None:
            paths.append(file)
    return tuple(paths)


def report_inputs(directory: Path) -> tuple[Path, ...]:
    """What `report` (and `comment`) read from DIR: a run directory, or a compare directory
    with the run directories its comparison.json names."""
    from modelci.report.inputs import find_run_dir

    paths = [*run_inputs(directory)]
    comparison = _document(directory / rundir.COMPARISON)
    for side in ("candidate", "baseline"):
        info = comparison.get(side)
        found = find_run_dir(info.get("run"), directory) if isinstance(info, dict) else None
        if found is not None:
            paths.extend(run_inputs(found))
    return tuple(paths)


def _records(directory: Path) -> list[Path]:
    plots = directory / rundir.PLOTS
    listed = sorted(plots.rglob("*")) if plots.is_dir() else []
    return [*(directory / name for name in RECORDS), plots, *listed]


def _document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _values(mapping: Any) -> list[Any]:
    return list(mapping.values()) if isinstance(mapping, dict) else []
