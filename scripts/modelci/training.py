"""`train`: config → fitted model (model.skops, or a library's booster beside preprocess.skops:
see `trained_models`) + run.json (the facts every later step needs)."""

from __future__ import annotations

import datetime as dt
import math
import platform
import subprocess
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import (
    __version__,
    data,
    documents,
    estimators,
    features,
    fsutil,
    progress,
    rundir,
    trained_models,
)
from modelci.config import Config
from modelci.errors import UserError
from modelci.protected import config_inputs

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """Train and test rows of one config, with where they came from."""

    task: str
    target: str
    train: pd.DataFrame
    test: pd.DataFrame
    facts: dict[str, Any]  # the `data` block of run.json
    # Each test row's position in the file it came from: the row id `evaluate` gives it when
    # the config names no id column (`rows.for_run` rebuilds the same).
    test_positions: np.ndarray


def load_dataset(cfg: Config) -> Dataset:
    """Read, validate and split the data the config names."""
    import numpy as np

    train_table = data.read_table(cfg.data.train, cfg.base_dir)
    data.require_target(train_table, cfg.data.target)
    data.check_target_values(train_table, cfg.data.target)
    feature_columns = [
        c for c in train_table.frame.columns if c not in (cfg.data.target, *cfg.data.drop)
    ]
    data.check_finite_columns(train_table, feature_columns)
    task = cfg.task or data.infer_task(train_table.frame[cfg.data.target])
    data.check_target_for_task(train_table, cfg.data.target, task)
    facts: dict[str, Any] = {"train": _table_facts(train_table)}
    if cfg.data.test:
        test_table = data.read_table(cfg.data.test, cfg.base_dir)
        data.require_target(test_table, cfg.data.target)
        data.check_target_values(test_table, cfg.data.target)
        data.check_finite_columns(test_table, feature_columns)
        if task == "regression":
            data.check_target_for_task(test_table, cfg.data.target, task)
        train, test = train_table.frame, test_table.frame
        test_positions = np.arange(test.shape[0])
        facts["test"] = _table_facts(test_table)
        facts["split"] = {"kind": "file"}
    else:
        _check_split_sizes(train_table.frame[cfg.data.target], task, cfg)
        train_idx, test_idx = data.split(
            train_table.frame,
            cfg.data.target,
            task=task,
            test_size=cfg.data.test_size,
            seed=cfg.data.seed,
        )
        train = train_table.frame.iloc[train_idx].reset_index(drop=True)
        test = train_table.frame.iloc[test_idx].reset_index(drop=True)
        test_positions = np.asarray(test_idx)
        facts["test"] = dict(facts["train"], rows=int(test.shape[0]))
        facts["split"] = {
            "kind": "stratified" if task == "classification" else "random",
            "test_size": cfg.data.test_size,
            "seed": cfg.data.seed,
        }
        facts["train"] = dict(facts["train"], rows=int(train.shape[0]))
    facts["split"]["test_fingerprint"] = data.rows_fingerprint(test)
    return Dataset(
        task=task,
        target=cfg.data.target,
        train=train,
        test=test,
        facts=facts,
        test_positions=test_positions,
    )


def _check_split_sizes(target: pd.Series, task: str, cfg: Config) -> None:
    """Refuse a test_size that leaves a side of the split too small, in the config's words
    (scikit-learn would speak of its own arguments: a count it calls test_size)."""
    rows = int(target.shape[0])
    n_test = math.ceil(cfg.data.test_size * rows)  # as train_test_split rounds
    n_train = rows - n_test
    stratified = task == "classification"
    need = int(target.nunique()) if stratified else 1
    if min(n_test, n_train) >= need:
        return
    each = f"{need} rows (one per class)" if stratified else "one row"
    raise UserError(
        f"data.test_size={cfg.data.test_size:g} splits the {rows} rows of data.train into "
        f"{n_train} to train and {n_test} to test; each side needs at least {each}",
        where=cfg.where("data.test_size"),
        fix="Choose a test_size that leaves enough rows on both sides, or give data.test",
    )


def _table_facts(table: data.Table) -> dict[str, Any]:
    return {
        "source": table.source,
        "sha256": table.sha256,
        "rows": int(table.frame.shape[0]),
        "columns": int(table.frame.shape[1]),
    }


def make_estimator(cfg: Config, path: str) -> Any:
    """The unfitted estimator `path` names, built with model.params (see `estimators`)."""
    return estimators.resolve(
        path, dict(cfg.model.params), where=cfg.where("model.estimator"), config_dir=cfg.base_dir
    )


def build_pipeline(
    cfg: Config, task: str, spec: features.FeatureSpec, *, estimator: Any = None
) -> Any:
    """Preprocessing + the estimator (`estimator` when already made, else the config's)."""
    from sklearn.pipeline import Pipeline

    path = cfg.model.estimator or estimators.default_for(task)
    where = cfg.where("model.estimator")
    if estimator is None:
        estimator = make_estimator(cfg, path)
    with estimators.user_code(
        f"model.estimator '{path}'", where=where, fix="Check the estimator's scikit-learn tags"
    ):  # scikit-learn asks the estimator itself (its tags), which may be user code
        is_classifier = getattr(
            estimator, "_estimator_type", None
        ) == "classifier" or _sklearn_is_classifier(estimator)
    if (task == "classification") != is_classifier:
        kind = "a classifier" if task == "classification" else "a regressor"
        raise UserError(
            f"model.estimator '{path}' is not {kind}, but the task is {task}",
            where=where,
            fix="Pick a matching estimator, or set task: explicitly",
        )
    preprocessor = features.build_preprocessor(spec, estimator=estimator, mode=cfg.model.preprocess)
    steps = [("preprocess", preprocessor)] if preprocessor is not None else []
    return Pipeline([*steps, ("model", estimator)])


def _sklearn_is_classifier(estimator: Any) -> bool:
    from sklearn.base import is_classifier

    return bool(is_classifier(estimator))


def fit(pipeline: Any, X: pd.DataFrame, y: Any, *, where: str, **fit_params: Any) -> None:
    """Fit; whatever the estimator raises (its code may be the user's) is one user error."""
    from sklearn.exceptions import ConvergenceWarning

    with (
        estimators.user_code(
            f"training failed: {type(pipeline[-1]).__name__}",
            where=where,
            fix="Check model.params and the data types of your columns",
        ),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        pipeline.fit(X, y, **fit_params)


def train(cfg: Config, out: Path) -> dict[str, Any]:
    """Train the configured model; writes its file(s) (`trained_models`) and `out/run.json`."""
    log = progress.current
    inputs = config_inputs(cfg)
    fsutil.check_replaceable(out, marker=rundir.RUN, inputs=inputs)  # before the long fit
    timings: dict[str, float] = {}
    with estimators.importable_from(cfg.base_dir):  # user code may import lazily, in fit
        # An estimator the config names is checked and built before any data is read.
        named = make_estimator(cfg, cfg.model.estimator) if cfg.model.estimator else None
        began = time.perf_counter()
        with log.stage("load data"):
            dataset = load_dataset(cfg)
            spec = features.infer_spec(
                dataset.train,
                target=dataset.target,
                drop=cfg.data.drop,
                id_column=cfg.data.id_column,
            )
            X = features.design_matrix(dataset.train, spec, source=cfg.data.train)
            y = dataset.train[dataset.target]
            if dataset.task == "classification":
                y = data.class_values(y)
        timings["load_s"] = round(time.perf_counter() - began, 4)
        pipeline = build_pipeline(cfg, dataset.task, spec, estimator=named)
        flavour = trained_models.flavour_of(pipeline[-1])
        trained_models.quieten(pipeline[-1], flavour)
        fit_params = trained_models.native_categories(
            pipeline, spec, flavour, given=cfg.model.params
        )
        encoding = None
        if dataset.task == "classification":
            listed = cfg.model.classes
            encoding = trained_models.encoding_for(
                y,
                flavour=flavour,
                classes=listed,
                where=cfg.where("model.classes") if listed else cfg.data.train,
            )
        y_fit = trained_models.targets(y, encoding, where=cfg.data.train)
        began = time.perf_counter()
        with log.stage(f"fit {type(pipeline[-1]).__name__}"):
            fit(pipeline, X, y_fit, where=cfg.where("model.estimator"), **fit_params)
        with estimators.user_code(
            f"reading the parameters of {type(pipeline[-1]).__name__}",
            where=cfg.where("model.estimator"),
            fix="Check the estimator's get_params",
        ):
            estimator_facts = {
                "class": estimators.class_path(pipeline[-1]),
                "params": estimators.plain_params(pipeline[-1]),
            }
    timings["fit_s"] = round(time.perf_counter() - began, 4)
    if encoding is not None:
        classes: list[str] | None = list(encoding.classes)
    else:
        classes = [str(c) for c in data.label_text(getattr(pipeline, "classes_", []))] or None
    with fsutil.staged_dir(out, marker=rundir.RUN, inputs=inputs) as stage:
        saved = trained_models.save(
            pipeline,
            flavour,
            stage,
            task=dataset.task,
            classes=tuple(classes) if classes else None,
            where=cfg.where("model.estimator"),
        )
        info = run_facts(
            cfg,
            dataset,
            spec=spec,
            estimator=estimator_facts,
            classes=classes,
            model=saved,
            timings=timings,
        )
        path = stage / rundir.RUN
        documents.write_run(path, documents.parse_run(info, where=str(out / rundir.RUN)))
    return info


def run_facts(
    cfg: Config,
    dataset: Dataset,
    *,
    spec: features.FeatureSpec,
    estimator: Mapping[str, Any],
    classes: Sequence[str] | None,
    model: documents.ModelFile,
    timings: Mapping[str, float],
) -> dict[str, Any]:
    """run.json of a model trained on `dataset`, by modelci's fit or the user's script."""
    versions = library_versions()
    if model.library and model.library_version and model.library != "scikit-learn":
        versions[model.library] = model.library_version  # scikit-learn's is there already
    labels = list(classes) if classes else None
    return {
        "schema": rundir.SCHEMAS[rundir.RUN],
        "modelci_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": cfg.name,
        "task": dataset.task,
        # model.params may hold NaN (a real setting for some estimators): keep JSON strict.
        "config": estimators.plain_value(cfg.to_dict()),
        "config_path": cfg.source,
        "config_dir": str(cfg.base_dir),
        "estimator": dict(estimator),
        "target": dataset.target,
        "features": spec.to_dict(),
        "classes": labels,
        "positive_class": labels[-1] if labels and len(labels) == 2 else None,
        "data": dataset.facts,
        "versions": versions,
        "git": git_facts(cfg.base_dir),
        "timings": dict(timings),
        "model": model.to_json(),
    }


def library_versions() -> dict[str, str]:
    import importlib.metadata as metadata

    out = {"python": platform.python_version(), "modelci": __version__}
    for name, dist in (
        ("sklearn", "scikit-learn"),
        ("numpy", "numpy"),
        ("pandas", "pandas"),
        ("scipy", "scipy"),
        ("skops", "skops"),
    ):
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_facts(directory: Path) -> dict[str, Any] | None:
    """Commit and dirtiness of the checkout holding the config, when there is one."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}
