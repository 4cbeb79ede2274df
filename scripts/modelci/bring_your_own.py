"""`evaluate --model FILE`: a run directory for a model trained elsewhere, of any flavour.

The file's name says its flavour (`modelci.flavours.BY_FILE_NAME`). What the run needs is taken
from the model where it says, else from the flags, else from the data:
- task: the model's (scikit-learn's `classes_`, a booster's objective, a graph's outputs), which
  `--task` must agree with; `--task classification` makes a single sigmoid output a classifier;
- classes: those the model carries (scikit-learn, CatBoost's names, ONNX string labels) checked
  against `--classes`; for outputs that are only indices (XGBoost, LightGBM, ONNX) `--classes` in
  output order, else the target's labels sorted, as modelci orders a training target;
- feature columns: those the model names (`feature_names_in_`, the booster's feature names, ONNX
  inputs named after columns), else every column but the target, in file order.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import data, documents, features, rundir
from modelci.errors import UserError

if TYPE_CHECKING:
    from modelci.models import ScoredModel
    from modelci.rundir import Run

# Flavours whose class outputs are positions only: their classes default to the sorted labels.
INDEX_OUTPUTS = frozenset({"xgboost", "lightgbm", "onnx"})
TASKS = ("classification", "regression")


def parse_classes(text: str | None) -> tuple[str, ...] | None:
    """`--classes a,b,c`: class labels in the model's output order.

    >>> parse_classes("no, yes")
    ('no', 'yes')
    """
    if text is None:
        return None
    listed = tuple(item.strip() for item in text.split(","))
    fix = "List the classes in the model's output order, separated by commas: --classes no,yes"
    if any(not item for item in listed):
        raise UserError(f"--classes {text!r} has an empty class name", fix=fix)
    repeated = sorted({c for c in listed if listed.count(c) > 1})
    if repeated:
        raise UserError(f"--classes names {', '.join(repeated)} twice", fix=fix)
    if len(listed) < 2:
        raise UserError(
            f"--classes {text!r} names one class; a classifier has two or more", fix=fix
        )
    return listed


def make_run(
    model_path: Path,
    data_path: str,
    target: str,
    workdir: Path,
    *,
    sha256: str | None = None,
    task: str | None = None,
    classes: Sequence[str] | None = None,
) -> Run:
    """Load `model_path`, check it against the data, and write a run directory into `workdir`
    (the model copied under its flavour's file name, `models.run_file_name`; run.json beside it)."""
    from modelci import models
    from modelci.rundir import Run

    if task is not None and task not in TASKS:
        raise UserError(f"--task {task!r} is not a task", fix="Use classification or regression")
    if classes is not None:
        if task == "regression":
            raise UserError(
                "--classes names classes, but --task is regression",
                fix="Drop --classes, or use --task classification",
            )
        task = "classification"  # a single value output is then the second class's probability
    file_name = models.run_file_name(model_path)  # a name no flavour has is one line
    _refuse_a_runs_booster(model_path, data_path)
    table = data.read_table(data_path, Path.cwd())
    data.require_target(table, target)
    data.check_target_values(table, target)
    model = _load(model_path, file_name, table, target, task=task, classes=classes, sha256=sha256)
    _check_target(model, table, target, path=model_path, task_given=task is not None)
    _refuse_external_data(model, model_path)
    columns = _feature_columns(model, list(map(str, table.frame.columns)), target)
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise UserError(
            f"{data_path} lacks column(s) the model takes by name: {shown}",
            fix="Score the model on data with those columns",
        )
    spec = features.FeatureSpec(numeric=tuple(columns), categorical=(), dates=(), dropped=())
    data.check_finite_columns(table, spec.numeric)
    _score_once(model, table, target, spec)
    shutil.copy2(model_path, workdir / file_name)
    path = workdir / rundir.RUN
    info = _run_document(model, file_name, table, target, spec)
    documents.write_run(path, documents.parse_run(info, where=str(path)))
    return Run.open(workdir)


def _load(
    path: Path,
    file_name: str,
    table: data.Table,
    target: str,
    *,
    task: str | None,
    classes: Sequence[str] | None,
    sha256: str | None,
) -> ScoredModel:
    from modelci import models
    from modelci.flavours import BY_FILE_NAME

    sorted_labels = None
    if classes is None and BY_FILE_NAME[file_name].name in INDEX_OUTPUTS:
        sorted_labels = _sorted_labels(table.frame[target], task)
    try:
        return models.load_file(path, task=task, classes=classes or sorted_labels, sha256=sha256)
    except UserError as error:
        if sorted_labels is None or "class" not in error.message:
            raise
        raise UserError(
            f"{error.message} (the sorted labels of {table.source}'s target)",
            where=error.where,
            fix="Pass --classes with the model's classes in its output order",
        ) from None


def _refuse_a_runs_booster(path: Path, data_path: str) -> None:
    """A booster modelci trained scores what its preprocess.skops makes of the columns, and
    only its run directory says which columns are which (numeric, categorical, dates)."""
    from modelci.flavours import PREPROCESS_FILE

    if (path.parent / PREPROCESS_FILE).is_file() and (path.parent / rundir.RUN).is_file():
        raise UserError(
            f"{path} is the model of a modelci run: it takes the columns as {PREPROCESS_FILE} "
            "beside it makes them, and the run says which columns those are",
            fix=f"Evaluate the run: modelci evaluate {path.parent} --data {data_path}",
        )


def _refuse_external_data(model: ScoredModel, path: Path) -> None:
    """A run keeps one model file (publish, baseline and pull move that file): a graph whose
    weights lie in other files beside it would arrive without them."""
    external = getattr(model.loaded, "external_files", ())
    if external:
        shown = ", ".join(external[:3])
        raise UserError(
            f"{path} keeps its weights in {len(external)} other file(s) ({shown}); a run holds "
            "one model file",
            fix="Save the graph with its weights inside: onnx.save_model(model, path, "
            "save_as_external_data=False) (a graph over 2 GB cannot be)",
        )


def _check_target(
    model: ScoredModel, table: data.Table, target: str, *, path: Path, task_given: bool
) -> None:
    try:
        data.check_target_for_task(table, target, model.task)
    except UserError as error:
        if task_given or model.task != "regression" or model.flavour != "onnx":
            raise
        raise UserError(
            f"{path}: the graph gives one value per row, a regressor's output, but {error.message}",
            fix="If that value is the probability of the second of two classes, pass "
            "--task classification (and --classes in output order)",
        ) from None


def _score_once(model: ScoredModel, table: data.Table, target: str, spec: Any) -> None:
    """Score the rows once here, so that a model refusing them is named by the user's path, not
    by the temporary run directory evaluate reads it from."""
    import numpy as np

    from modelci import scoring

    design = features.design_matrix(table.frame, spec, source=table.source)
    scoring.predict(
        model,
        design,
        table.frame[target],
        task=model.task,
        row_id=np.arange(len(table.frame)),
        where=table.source,
    )


def _run_document(
    model: ScoredModel, file_name: str, table: data.Table, target: str, spec: Any
) -> dict[str, Any]:
    from modelci import __version__, training

    labels = [str(c) for c in model.classes_] if model.task == "classification" else None
    record = model.loaded.model_file
    return {
        "schema": rundir.SCHEMAS[rundir.RUN],
        "modelci_version": __version__,
        "task": model.task,
        "config": {"data": {"seed": 0}, "metrics": {}},
        "config_dir": str(Path.cwd()),
        "estimator": {"class": _class_name(model), "params": {}},
        "target": target,
        "features": spec.to_dict(),
        "classes": labels,
        "positive_class": labels[-1] if labels and len(labels) == 2 else None,
        "data": {
            "test": {"source": table.source, "sha256": table.sha256, "rows": len(table.frame)},
            "split": {"kind": "file"},
        },
        "versions": training.library_versions(),
        "model": record.run_record(model.flavour, file=file_name).to_json(),
    }


def _sorted_labels(target: Any, task: str | None) -> tuple[str, ...] | None:
    """The target's labels as modelci orders a training target (`flavours.labels`); None for a
    regression run or a target with one value (the model then says what it is)."""
    from modelci.flavours import labels

    if task == "regression":
        return None
    try:
        return labels.fit_encoding(target, where="--data").classes
    except UserError:
        return None


# Names a library makes up for unnamed columns: they name nothing in the data.
_GENERATED = {"lightgbm": "Column_{}", "catboost": "{}", "xgboost": "f{}"}


def _feature_columns(model: ScoredModel, columns: list[str], target: str) -> list[str]:
    own = _own_feature_names(model)
    pattern = _GENERATED.get(model.flavour)
    generated = pattern is not None and own == [pattern.format(i) for i in range(len(own or ()))]
    if own is not None and not generated:
        return list(own)
    return [c for c in columns if c != target]


def _own_feature_names(model: ScoredModel) -> list[str] | None:
    """The feature columns the model names, by flavour; None where it names none."""
    loaded: Any = model.loaded
    if model.flavour == "onnx":
        names = loaded.feature_names
    elif model.flavour == "sklearn":
        names = getattr(loaded.estimator, "feature_names_in_", None)
    elif model.flavour == "xgboost":
        names = loaded.booster.feature_names
    elif model.flavour == "lightgbm":
        names = loaded.booster.feature_name()
    elif model.flavour == "catboost":
        names = loaded.booster.feature_names_
    else:
        names = None
    return None if names is None or len(names) == 0 else [str(n) for n in names]


def _class_name(model: ScoredModel) -> str:
    loaded: Any = model.loaded
    for attribute in ("estimator", "booster"):  # scikit-learn's; the boosters'
        inner = getattr(loaded, attribute, None)
        if inner is not None:
            return type(inner).__name__
    producer = getattr(loaded, "producer", "")
    if model.flavour == "onnx":
        return f"ONNX graph ({producer})" if producer else "ONNX graph"
    return model.flavour
