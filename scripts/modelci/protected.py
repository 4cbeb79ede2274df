"""What each command reads, listed so its outputs can be checked against it: an output that is,
or holds, one of these paths would destroy an input (`fsutil.check_replaceable`,
`fsutil.check_writable_file`).

Lists are generous on purpose: a path that does not exist, or a document that cannot be read,
adds nothing and costs nothing; the command itself reports unreadable inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from modelci import documents, rundir
from modelci.flavours import BY_FILE_NAME, PREPROCESS_FILE

if TYPE_CHECKING:
    from modelci.config import Config
    from modelci.documents import DataFacts

T = TypeVar("T")
HISTORY_RUNS = "history"  # a baseline's best releases, history/<tag>/ (documents.history)

# What modelci writes into a run or compare directory, and later commands read back: every
# flavour's model file name, whichever this run's is (its run.json may be unreadable).
RECORDS = (
    rundir.RUN,
    *sorted(BY_FILE_NAME),
    PREPROCESS_FILE,
    rundir.EVALUATION,
    rundir.METRICS,
    rundir.PREDICTIONS,
    rundir.COMPARISON,
    documents.FLIPS,
    documents.BASELINE,
    documents.HISTORY,
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

    paths = [directory / rundir.RUN, *(directory / name for name in sorted(BY_FILE_NAME))]
    info = _readable(documents.read_run, directory / rundir.RUN)
    evaluated = _readable(documents.read_evaluation, directory / rundir.EVALUATION)
    facts: list[DataFacts | None] = [evaluated.data] if evaluated is not None else []
    base = Path.cwd()
    if info is not None:
        if info.model is not None:
            paths.append(directory / info.model.file)
            if info.model.preprocess is not None:
                paths.append(directory / info.model.preprocess.file)
        base = Path(info.config_dir) if info.config_dir else base
        facts += [info.data.train, info.data.test]
    for fact in facts:
        file = data.file_path(fact.source, base) if fact and fact.source else None
        if file is not None:
            paths.append(file)
    return tuple(paths)


def report_inputs(directory: Path) -> tuple[Path, ...]:
    """What `report` (and `comment`) read from DIR: a run directory, or a compare directory
    with the run directories its comparison.json names."""
    from modelci.report.inputs import find_run_dir

    paths = [*run_inputs(directory)]
    comparison = _readable(documents.read_comparison, directory / rundir.COMPARISON)
    if comparison is not None:
        for side in (comparison.candidate, comparison.baseline):
            found = find_run_dir(side.run, directory)
            if found is not None:
                paths.extend(run_inputs(found))
    return tuple(paths)


def _records(directory: Path) -> list[Path]:
    """A directory's records, its plots and a baseline's release history (history/<tag>/)."""
    trees = [directory / rundir.PLOTS, directory / HISTORY_RUNS]
    listed = [path for tree in trees if tree.is_dir() for path in sorted(tree.rglob("*"))]
    return [*(directory / name for name in RECORDS), *trees, *listed]


def _readable(read: Callable[[Path], T], path: Path) -> T | None:
    """The document, or None where it is missing or unreadable: the command itself says why."""
    from modelci.errors import UserError

    if not path.is_file():
        return None
    try:
        return read(path)
    except UserError:
        return None
