"""`train.command`: the user's own training script, run on modelci's split.

modelci splits the data as for a model it trains itself (`training.load_dataset`), writes the
two sides to a temporary folder in the input's format, and runs the command (no shell, in the
config's folder) with the files, target, task, seed and an empty output folder in `MODELCI_*`
variables. Its output is streamed as it comes. The script leaves in `MODELCI_OUT` exactly one
model file, found by name (`flavours.BY_FILE_NAME`), or a predictions file; the model is
copied into the run directory and loaded with its flavour before run.json records it, the
predictions become a predictions run (`prediction_runs`). Every way this can go wrong is one
line and exit 2; a failing script's last lines are on screen above it.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import documents, features, fsutil, progress, rundir
from modelci.config import Config
from modelci.errors import UserError
from modelci.protected import config_inputs

if TYPE_CHECKING:
    import pandas as pd

    from modelci.training import Dataset

PREDICTION_FILES = ("predictions.csv", "predictions.parquet")
TAIL_LINES = 20  # kept of the script's output, shown again when it was not on screen
MAX_RECORDED_FILES = 100  # of the files a script wrote, listed in run.json
KILL_GRACE_S = 5.0  # between SIGTERM and SIGKILL when the time limit is reached
OUT = "$MODELCI_OUT"  # how messages name the output folder (its real path is temporary)


@dataclass(frozen=True, kw_only=True)
class Finished:
    """A command that ran to its end: how it ended, for how long, and its last output lines."""

    returncode: int | None  # None: stopped at the time limit
    seconds: float
    tail: tuple[str, ...]
    shown: bool  # its lines were printed as they came, directly above what follows


def train(cfg: Config, out: Path) -> dict[str, Any]:
    """Run `train.command` and make a run of what it wrote; returns the run.json written."""
    from modelci import training

    assert cfg.train.command is not None, "train() is for configs with train.command"
    log = progress.current
    inputs = config_inputs(cfg)
    fsutil.check_replaceable(out, marker=rundir.RUN, inputs=inputs)  # before the long run
    argv = command_words(cfg)  # a missing program is refused before any data is written
    began = time.perf_counter()
    with log.stage("load data"):
        dataset = training.load_dataset(cfg)
        spec = features.infer_spec(
            dataset.train, target=dataset.target, drop=cfg.data.drop, id_column=cfg.data.id_column
        )
    load_s = round(time.perf_counter() - began, 4)
    with tempfile.TemporaryDirectory(prefix="modelci-train-") as temp:
        folder = Path(temp)
        train_file, test_file = write_sides(cfg, dataset, spec, folder)
        output = folder / "out"
        output.mkdir()
        env = environment(cfg, dataset, train=train_file, test=test_file, out=output)
        with log.stage("run train.command"):
            finished = run_command(
                argv,
                cwd=cfg.base_dir,
                env=env,
                timeout=cfg.train.timeout,
                title=f"train.command: {cfg.train.command}",
            )
            check_finished(cfg, finished)
        files = written_files(output)
        name = chosen_output(output, files)
        facts = {
            "command": cfg.train.command,
            "files": list(files[:MAX_RECORDED_FILES]),
            "seconds": round(finished.seconds, 3),
            "timeout_s": cfg.train.timeout,
            "output": "predictions" if name in PREDICTION_FILES else "model",
        }
        if len(files) > MAX_RECORDED_FILES:
            facts["files_total"] = len(files)
        if name in PREDICTION_FILES:
            from modelci import prediction_runs

            predictions, source = _read_predictions(cfg, dataset, output / name)
            with fsutil.staged_dir(out, marker=rundir.RUN, inputs=inputs) as stage:
                written = prediction_runs.write_run(
                    stage, predictions, source_facts=source, config=cfg, training=facts
                )
            return written.to_json()
        # Loaded from a copy of modelci's own, so a refused model leaves no run folder behind.
        kept = folder / "model"
        kept.mkdir()
        shutil.copyfile(output / name, kept / name)
        model = _load_model(cfg, dataset, kept / name)
        with fsutil.staged_dir(out, marker=rundir.RUN, inputs=inputs) as stage:
            shutil.copyfile(kept / name, stage / name)
            info = _model_info(cfg, dataset, spec, model, facts, {"load_s": load_s})
            run = documents.parse_run(info, where=str(stage / rundir.RUN))
            documents.write_run(stage / rundir.RUN, run)
        return run.to_json()


# ---------------------------------------------------------------------------------------------
# Before the run: the command, the data files, the environment.


def command_words(cfg: Config) -> list[str]:
    """The command as argv, its program found: on PATH, or a path relative to the config's
    folder (`./train.sh`, `scripts/train`)."""
    command = cfg.train.command
    assert command is not None
    words = shlex.split(command)  # config.loads refused what cannot be split, and no words
    program = words[0]
    where = cfg.where("train.command")
    if os.sep in program or (os.altsep and os.altsep in program):
        path = Path(program).expanduser()
        path = path if path.is_absolute() else cfg.base_dir / path
        if not path.is_file():
            raise UserError(
                f"train.command runs {program}, which is not a file (looked at {path})",
                where=where,
                fix="Paths in train.command are relative to the config's folder",
            )
        if not os.access(path, os.X_OK):
            raise UserError(
                f"train.command runs {program}, which is not executable",
                where=where,
                fix=f"chmod +x {program}, or run it through its interpreter (python {program})",
            )
        return [str(path), *words[1:]]
    found = shutil.which(program)
    if found is None:
        fix = "Install it, or give the full path of the program (no shell runs the command)"
        if program == "python" and shutil.which("python3"):
            fix = "Write python3: this system has no `python` on PATH"
        raise UserError(
            f"train.command runs {program!r}, which is not found on PATH", where=where, fix=fix
        )
    return [found, *words[1:]]


def data_format(spec: str | None) -> str:
    """csv, tsv or parquet: the input's own format (a bundled sklearn: set is handed as CSV).

    >>> [data_format(s) for s in ("a.parquet", "b.TSV", "sklearn:iris", "c.csv", None)]
    ['parquet', 'tsv', 'csv', 'csv', 'csv']
    """
    suffix = Path(spec or "").suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "tsv" if suffix in (".tsv", ".tab") else "csv"


def handed_frame(
    frame: pd.DataFrame, spec: features.FeatureSpec, cfg: Config, *, source: str
) -> pd.DataFrame:
    """What a script gets of one side: the features exactly as its model will be scored with
    them (`features.design_matrix`: numeric, categorical as text, dates split into parts), then
    the id column and the target. data.drop and all-empty columns are left out, as for
    modelci's own fit."""
    out = features.design_matrix(frame, spec, source=source)
    for column in (cfg.data.id_column, cfg.data.target):
        if column:
            out[column] = frame[column].to_numpy()
    return out


def write_sides(
    cfg: Config, dataset: Dataset, spec: features.FeatureSpec, folder: Path
) -> tuple[Path, Path]:
    """train.<ext> and test.<ext> in `folder`, each in its input's format."""
    paths = []
    for side, frame, source in (
        ("train", dataset.train, cfg.data.train),
        ("test", dataset.test, cfg.data.test or cfg.data.train),
    ):
        kind = data_format(source)
        path = folder / f"{side}.{kind}"
        table = handed_frame(frame, spec, cfg, source=source)
        if kind == "parquet":
            table.to_parquet(path, index=False)
        else:
            table.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")
        paths.append(path)
    return paths[0], paths[1]


def environment(
    cfg: Config, dataset: Dataset, *, train: Path, test: Path, out: Path
) -> dict[str, str]:
    """os.environ plus the contract's variables (an inherited MODELCI_ID_COLUMN is removed
    when the config names none: the script must not take another run's id column)."""
    env = {key: value for key, value in os.environ.items() if key != "MODELCI_ID_COLUMN"}
    env |= {
        "MODELCI_TRAIN": str(train),
        "MODELCI_TEST": str(test),
        "MODELCI_TARGET": dataset.target,
        "MODELCI_TASK": dataset.task,
        "MODELCI_SEED": str(cfg.data.seed),
        "MODELCI_OUT": str(out),
    }
    if cfg.data.id_column:
        env["MODELCI_ID_COLUMN"] = cfg.data.id_column
    # A Python script's print() reaches a pipe in blocks, not lines, unless told otherwise.
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# ---------------------------------------------------------------------------------------------
# The run: output streamed line by line, a time limit on the whole process group.


def run_command(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, title: str
) -> Finished:
    """Run `argv`, printing each output line on stderr as it comes (inside a log group on
    GitHub Actions, else prefixed); at `timeout` seconds its whole process group is stopped."""
    from modelci.github import workflow

    log = progress.current
    grouped = os.environ.get("GITHUB_ACTIONS") == "true"
    shown = log.level >= progress.NORMAL and not grouped
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    if grouped:
        log.info(workflow.group(title))
    else:
        log.info(f"{title} …")
    began = time.perf_counter()
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a time limit stops it all
        )
    except OSError as error:
        raise UserError(
            f"train.command cannot start {argv[0]}: {error.strerror or error}",
            fix="Check the program in train.command exists and is executable",
        ) from None
    assert process.stdout is not None
    stream = process.stdout

    def pump() -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            tail.append(line)
            log.info(line if grouped else f"  | {line}")

    reader = threading.Thread(target=pump, name="train.command output", daemon=True)
    reader.start()
    returncode: int | None
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        returncode = None
    except BaseException:  # Ctrl-C: the script must not outlive modelci
        _stop_group(process)
        raise
    finally:
        # A child that left the group can hold the pipe open; do not wait for it forever.
        reader.join(timeout=KILL_GRACE_S)
        stream.close()
        if grouped:
            log.info(workflow.END_GROUP)
    return Finished(
        returncode=returncode,
        seconds=time.perf_counter() - began,
        tail=tuple(tail),
        shown=shown,
    )


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the command's process group, SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def check_finished(cfg: Config, finished: Finished) -> None:
    """One line for a command that did not end well (its last lines shown first if they were
    not on screen: --quiet, or folded in a log group)."""
    if finished.returncode == 0:
        return
    if not finished.shown and finished.tail:
        print(f"the last {len(finished.tail)} lines of train.command's output:", file=sys.stderr)
        for line in finished.tail:
            print(f"  | {line}", file=sys.stderr)
        sys.stderr.flush()
    last = next((line.strip() for line in reversed(finished.tail) if line.strip()), None)
    said = f"; its last line: {last[:300]}" if last else "; it printed nothing"
    if finished.returncode is None:
        raise UserError(
            f"train.command ran longer than train.timeout ({cfg.train.timeout:g} s) and was "
            f"stopped{said}",
            where=cfg.where("train.timeout"),
            fix="Raise train.timeout, or make the script faster (less data, fewer epochs)",
        )
    if finished.returncode < 0:
        try:
            name = signal.Signals(-finished.returncode).name
        except ValueError:
            name = f"signal {-finished.returncode}"
        raise UserError(
            f"train.command was killed by {name} after {finished.seconds:.1f} s{said}",
            where=cfg.where("train.command"),
            fix="SIGKILL is often the system out of memory; check the script's output above",
        )
    raise UserError(
        f"train.command failed with exit code {finished.returncode} after "
        f"{finished.seconds:.1f} s{said}",
        where=cfg.where("train.command"),
        fix="Its output is above; run the command yourself with the MODELCI_* variables set "
        "to debug it",
    )


# ---------------------------------------------------------------------------------------------
# After the run: what it wrote.


def written_files(folder: Path) -> list[str]:
    """Every file under `folder`, relative and sorted; a symbolic link out of it is refused
    (modelci would copy, or record, a file the script did not write)."""
    root = folder.resolve()
    found = []
    for directory, names, files in os.walk(folder):
        for name in sorted([*names, *files]):
            path = Path(directory) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise UserError(
                    f"{OUT}/{relative} is a symbolic link to {os.readlink(path)}, outside {OUT}",
                    fix="Write the model itself into MODELCI_OUT, not a link to it",
                )
            if name in files:
                found.append(relative)
    return sorted(found)


def chosen_output(folder: Path, files: Iterable[str]) -> str:
    """The one model or predictions file at the top of `folder`; anything else is one line."""
    from modelci import flavours

    names = set(files)
    models = sorted(name for name in flavours.BY_FILE_NAME if name in names)
    predictions = sorted(name for name in PREDICTION_FILES if name in names)
    expected = f"one model file ({', '.join(sorted(flavours.BY_FILE_NAME))}) or predictions"
    if not models and not predictions:
        wrote = _listed(sorted(names)) if names else "nothing"
        raise UserError(
            f"train.command ended without writing a model or predictions into {OUT} "
            f"(it wrote {wrote})",
            fix=f"Write {expected} (predictions.csv or .parquet) into the folder MODELCI_OUT names",
        )
    if len(models) + len(predictions) > 1:
        both = models and predictions
        raise UserError(
            f"train.command wrote {_listed([*models, *predictions])} into {OUT}; modelci "
            f"takes exactly one {'model or predictions file' if both else 'model file'}",
            fix="Write either the model or its predictions"
            if both
            else "Save only the model to evaluate",
        )
    return (models or predictions)[0]


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _load_model(cfg: Config, dataset: Dataset, path: Path) -> Any:
    """The script's model loaded with its flavour (the proof it is one modelci can score),
    with the classes of the training labels or model.classes; its `LoadedModel`."""
    from modelci import models, prediction_tables

    classes = None
    if dataset.task == "classification":
        classes = cfg.model.classes or prediction_tables.class_order(dataset.train[dataset.target])
    try:
        scored = models.load_file(path, task=dataset.task, classes=classes, inputs=cfg.model.inputs)
    except UserError as error:
        raise _named(error, path, f"{OUT}/{path.name} (written by train.command)") from None
    return scored.loaded


def _model_info(
    cfg: Config,
    dataset: Dataset,
    spec: features.FeatureSpec,
    model: Any,
    facts: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    """run.json of a script's model: as for modelci's own fit, with `training` and the model's
    flavour, library and version."""
    from modelci import flavours
    from modelci import training as trainer

    record = model.model_file
    flavour = flavours.BY_FILE_NAME[record.name]
    labels = [str(c) for c in model.classes] if model.classes is not None else None
    info = trainer.run_facts(
        cfg,
        dataset,
        spec=spec,
        estimator={"class": f"{flavour.name} model from train.command", "params": {}},
        classes=labels,
        model=record.run_record(flavour.name),
        timings=dict(timings, fit_s=facts["seconds"]),
    )
    return info | {"training": facts}


def _read_predictions(cfg: Config, dataset: Dataset, written: Path) -> tuple[Any, dict[str, Any]]:
    """The script's predictions of the test rows, checked against modelci's truth, and the
    facts of the file for run.json."""
    import pandas as pd

    from modelci import prediction_tables

    test = dataset.test
    ids = test[cfg.data.id_column] if cfg.data.id_column else pd.RangeIndex(len(test))
    truth = pd.Series(test[dataset.target].to_numpy(), index=pd.Index(ids), name=dataset.target)
    name = f"{OUT}/{written.name}"
    try:
        table = prediction_tables.read_table(written)
    except UserError as error:
        raise _named(error, written, name) from None
    table = dataclasses.replace(table, source=name)
    classes = None
    if dataset.task == "classification":
        classes = cfg.model.classes or prediction_tables.class_order(dataset.train[dataset.target])
    predictions = prediction_tables.from_table(
        table, task=dataset.task, classes=tuple(classes) if classes else None, truth=truth
    )
    if not cfg.data.id_column:
        # The script numbers rows by their place in MODELCI_TEST; a model run of the same
        # config numbers them by their place in the data file: speak the run's ids.
        positions = dataset.test_positions[predictions.row_id.astype("int64")]
        predictions = dataclasses.replace(predictions, row_id=positions)
    return predictions, {
        "source": f"{written.name} written by train.command",
        "sha256": table.sha256,
        "rows": int(table.frame.shape[0]),
    }


def _named(error: UserError, path: Path, name: str) -> UserError:
    """`error` with the temporary path it names replaced by how the user knows the file."""

    def swap(text: str | None) -> str | None:
        return None if text is None else text.replace(str(path), name)

    return UserError(swap(error.message) or "", where=swap(error.where), fix=swap(error.fix))
