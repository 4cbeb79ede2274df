"""Load what a report needs from a compare directory or an evaluated run directory.

A compare directory holds `comparison.json`; the candidate's and baseline's `run.json` and
`evaluation.json` add per-class tables and run facts when the run directories recorded in it
still exist and still hold the compared models. The report renders from `comparison.json` alone.
An evaluated run directory holds `evaluation.json` and, normally, `run.json`. The documents
themselves are `modelci.documents`; this module only gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents
from modelci.documents import (
    COMPARISON,
    EVALUATION,
    RUN,
    ClassScores,
    Comparison,
    ConfusionMatrix,
    DataCheck,
    DataFacts,
    Evaluation,
    FeatureImportance,
    Gate,
    GateChange,
    Importance,
    MetricDelta,
    MetricValue,
    RunInfo,
    Side,
)
from modelci.errors import UserError

__all__ = [
    "ClassScores",
    "Comparison",
    "ConfusionMatrix",
    "DataCheck",
    "DataFacts",
    "Evaluation",
    "FeatureImportance",
    "Gate",
    "GateChange",
    "Importance",
    "MetricDelta",
    "MetricValue",
    "Report",
    "RunFacts",
    "find_run_dir",
    "load_report",
]


@dataclass(frozen=True, kw_only=True)
class RunFacts:
    """What a reviewer needs to know about one run: where it came from and what it is."""

    label: str
    path: str | None = None
    # run.json's `name` and config file: what a leaderboard calls the candidate.
    name: str | None = None
    config_path: str | None = None
    estimator: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    train: DataFacts | None = None
    test: DataFacts | None = None
    split: tuple[tuple[str, Any], ...] = ()
    test_fingerprint: str | None = None
    versions: tuple[tuple[str, str], ...] = ()
    git_commit: str | None = None
    git_dirty: bool | None = None
    model_sha256: str | None = None
    model_size_bytes: int | None = None
    latency_ms_per_1k_rows: float | None = None
    created: str | None = None
    rescored: bool | None = None
    # "predictions" for a run that has only predictions; "model" or None (an older file) else.
    kind: str | None = None
    # The model's flavour and the library (and version) that wrote its file, when recorded.
    flavour: str | None = None
    library: str | None = None
    library_version: str | None = None
    # The user's training script (`train.command`) that made the run, when one did.
    training_command: str | None = None
    # What evaluate could not measure, by name (importance, latency, size), with the reason.
    unavailable: tuple[tuple[str, str], ...] = ()

    @property
    def has_model(self) -> bool:
        return self.kind != "predictions"


@dataclass(frozen=True, kw_only=True)
class Report:
    """Everything a report renders. `comparison` is None for a single evaluated run."""

    source: str
    comparison: Comparison | None
    candidate: Evaluation | None
    baseline: Evaluation | None
    candidate_run: RunFacts | None
    baseline_run: RunFacts | None
    notes: tuple[str, ...] = ()

    @property
    def plots(self) -> tuple[str, ...]:
        """Plot paths relative to the report's directory, in the order to show them."""
        if self.comparison is not None:
            return self.comparison.plots
        return self.candidate.plots if self.candidate else ()


def load_report(directory: Path) -> Report:
    """Read a compare directory or an evaluated run directory into a `Report`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(
            "not a directory",
            where=str(directory),
            fix="pass the run directory of `modelci evaluate` or the output of `modelci compare`",
        )
    comparison_path = directory / COMPARISON
    evaluation_path = directory / EVALUATION
    if comparison_path.is_file():
        return _load_compare_dir(directory, documents.read_comparison(comparison_path))
    if evaluation_path.is_file():
        evaluation = documents.read_evaluation(evaluation_path)
        run_path = directory / RUN
        run = documents.read_run(run_path) if run_path.is_file() else None
        notes = () if run else ("run.json is missing, so the run facts are incomplete",)
        return Report(
            source=str(directory),
            comparison=None,
            candidate=evaluation,
            baseline=None,
            candidate_run=_run_facts("run", run=run, evaluation=evaluation, side=None),
            baseline_run=None,
            notes=notes,
        )
    raise UserError(
        f"{directory}: no comparison.json or evaluation.json; "
        "run `modelci evaluate` or `modelci compare` first"
    )


def _load_compare_dir(directory: Path, comparison: Comparison) -> Report:
    notes = []
    runs: dict[str, RunFacts] = {}
    evaluations: dict[str, Evaluation | None] = {}
    for side, info in (("candidate", comparison.candidate), ("baseline", comparison.baseline)):
        run_dir = find_run_dir(info.run, directory)
        run: RunInfo | None = None
        evaluation: Evaluation | None = None
        if run_dir is not None:
            run_path, eval_path = run_dir / RUN, run_dir / EVALUATION
            run = documents.read_run(run_path) if run_path.is_file() else None
            evaluation = documents.read_evaluation(eval_path) if eval_path.is_file() else None
            # A later `modelci train` may have reused the directory; its facts would be
            # about a different model than the one compared.
            if not _same_model(info, run, evaluation):
                notes.append(
                    f"the {side} run directory {info.run} now holds a different model; "
                    "its details are left out"
                )
                run = evaluation = None
            else:
                evaluations[side] = evaluation
        elif info.run:
            notes.append(f"the {side} run directory {info.run} was not found")
        runs[side] = _run_facts(side, run=run, evaluation=evaluation, side=info)
    return Report(
        source=str(directory),
        comparison=comparison,
        candidate=evaluations.get("candidate"),
        baseline=evaluations.get("baseline"),
        candidate_run=runs["candidate"],
        baseline_run=runs["baseline"],
        notes=tuple(notes),
    )


def find_run_dir(recorded: Any, compare_dir: Path) -> Path | None:
    """The run directory recorded in comparison.json, if it still exists.

    `compare` records the paths it was given, relative to its working directory, which is
    usually the repository root above the compare directory: so try the path as given, then
    against the compare directory and each of its parents. Last, a directory of the same name
    beside the compare directory: where the three moved together (the pull-request workflow's
    artifact holds `candidate/`, `baseline/` and `compare/`), the recorded path is gone. The
    caller checks the model's hash, so a stranger of the same name is not taken for the run.
    """
    if not isinstance(recorded, str) or not recorded:
        return None
    path = Path(recorded)
    candidates = (
        [path]
        if path.is_absolute()
        else [
            path,
            *(base / path for base in (compare_dir.resolve(), *compare_dir.resolve().parents)),
        ]
    )
    if path.name:
        candidates.append(compare_dir.resolve().parent / path.name)
    for candidate in candidates:
        if (candidate / RUN).is_file() or (candidate / EVALUATION).is_file():
            return candidate
    return None


def _model_sha256(run: RunInfo | None, evaluation: Evaluation | None) -> str | None:
    if run is not None:
        return run.model.sha256 if run.model is not None else None
    return evaluation.model.sha256 if evaluation is not None else None


def _same_model(side: Side, run: RunInfo | None, evaluation: Evaluation | None) -> bool:
    """Whether the directory still holds what was compared: the same model file, or still
    only predictions (a predictions side has no model hash to check)."""
    recorded, found = side.model_sha256, _model_sha256(run, evaluation)
    if recorded and found:
        return recorded == found
    if run is not None and side.kind is not None:
        return run.kind == side.kind
    return True


def _kind(run: RunInfo | None, evaluation: Evaluation | None, side: Side | None) -> str | None:
    if run is not None:
        return run.kind
    if side is not None and side.kind is not None:
        return side.kind
    return None if evaluation is None else ("model" if evaluation.has_model else "predictions")


def _run_facts(
    label: str,
    *,
    run: RunInfo | None,
    evaluation: Evaluation | None,
    side: Side | None,
) -> RunFacts:
    """Merge what comparison.json, run.json and evaluation.json each know about one run."""
    estimator = run.estimator if run else None
    model = run.model if run else None
    data = run.data if run else None
    evaluated = evaluation.model if evaluation else None
    eval_data = evaluation.data if evaluation else None
    test = data.test if data and data.test else eval_data
    # run.json is written with the model file, so it wins over the evaluation's copy.
    size_bytes = (run.model.size_bytes if run and run.model else None) or (
        evaluated.size_bytes if evaluated else None
    )
    git = run.git if run else None
    return RunFacts(
        label=side.label if side else label,
        path=side.run if side else None,
        name=run.name if run else None,
        config_path=run.config_path if run else None,
        estimator=estimator.class_name if estimator else (side.estimator if side else None),
        params=tuple(estimator.params.items()) if estimator else (),
        train=data.train if data else None,
        test=test if test != DataFacts() else None,
        split=tuple((k, v) for k, v in data.split.items() if k != "test_fingerprint")
        if data
        else (),
        test_fingerprint=(data.test_fingerprint if data else None)
        or (eval_data.test_fingerprint if eval_data else None),
        versions=tuple(run.versions.items()) if run else (),
        git_commit=git.commit if git else None,
        git_dirty=git.dirty if git else None,
        model_sha256=(run.model.sha256 if run and run.model else None)
        or (evaluated.sha256 if evaluated else None)
        or (side.model_sha256 if side else None),
        model_size_bytes=size_bytes,
        latency_ms_per_1k_rows=evaluated.latency_ms_per_1k_rows if evaluated else None,
        created=run.created if run else None,
        rescored=side.rescored if side else None,
        kind=_kind(run, evaluation, side),
        flavour=(model.flavour if model else None) or (side.flavour if side else None),
        library=model.library if model else None,
        library_version=model.library_version if model else None,
        training_command=_training_command(run),
        unavailable=evaluation.unavailable if evaluation else (),
    )


def _training_command(run: RunInfo | None) -> str | None:
    command = (run.training or {}).get("command") if run else None
    return command if isinstance(command, str) and command else None
