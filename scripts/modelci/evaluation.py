"""`evaluate`: score a run's model on its test rows and write metrics, evaluation, predictions
and plots into the run directory. Everything here computes data; plots render it afterwards."""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import (
    calibration,
    data,
    data_checks,
    documents,
    evaluation_gates,
    features,
    fsutil,
    progress,
    protected,
    rows,
    rundir,
    scoring,
)
from modelci.documents import Evaluation
from modelci.errors import UserError
from modelci.rundir import Run

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from modelci import prediction_tables

CURVE_POINTS = 200
REGRESSION_SAMPLE = 2000
TOP_FEATURES = 15
# Permutation importance scores (1 + columns × repeats) copies of its rows, each reading every
# column: its cost grows with rows × columns² (`importance` stacks the copies into a few
# predictions). Bound it to what the default (2,000 rows × 30 columns) costs; below
# IMPORTANCE_MIN_ROWS rows the estimate is too noisy to be worth the columns it would allow.
IMPORTANCE_REPEATS = 5
IMPORTANCE_MAX_CELLS = 10_000_000
IMPORTANCE_MIN_ROWS = 100


def evaluate(
    run: Run,
    *,
    data_override: str | None = None,
    out: Path | None = None,
    primary: str | None = None,
    draw_plots: bool | None = None,
    inputs: tuple[Path, ...] = (),
) -> Evaluation:
    """Evaluate `run`; outputs go into `out` (default: the run directory itself). `draw_plots`
    None follows the config's `metrics.plots`; False skips them (a comparison draws its own).
    `inputs` are files read besides the run's own (a bring-your-own model), which no output may
    replace. A predictions run is scored from its predictions.csv (`evaluate_predictions_run`)."""
    if not run.has_model:
        return evaluate_predictions_run(
            run,
            data_override=data_override,
            out=out,
            primary=primary,
            draw_plots=draw_plots,
            inputs=inputs,
        )
    log = progress.current
    settings = _settings(run.info)
    reads = (*protected.model_and_data(run.path), *inputs)
    if data_override is not None:
        reads += (Path(data_override),)
    elsewhere = out is not None and out.resolve() != run.path.resolve()
    if out is not None and elsewhere:
        _check_evaluation_out(out, run, (*protected.run_inputs(run.path), *reads))
    with log.stage("load model and rows"):
        from modelci import models

        model = models.load(run)
        test_rows = rows.for_run(run, data_override)
        from modelci import slicing

        slicing.check_plan(run, test_rows.frame.columns, test_rows.facts["source"])
        spec = features.FeatureSpec.from_dict(dict(run.info.features))
        X = features.design_matrix(test_rows.frame, spec, source=test_rows.facts["source"])
    with log.stage("predict"):
        predictions = scoring.predict(
            model,
            X,
            test_rows.frame[run.target],
            task=run.task,
            row_id=test_rows.row_id,
            where=test_rows.facts["source"],
        )
        latency = scoring.latency_ms_per_1k(model, X)
    document = build_document(
        run.info,
        predictions,
        settings,
        primary=primary,
        run_dir=run.path,
        data_facts=test_rows.facts,
        checks=lambda: data_checks.run_checks(
            test=test_rows.frame,
            train=test_rows.train,
            target=run.target,
            spec=spec,
            predictions=predictions,
        ),
        model={
            "sha256": run.model_sha256,
            "size_bytes": models.size_bytes(run),
            "latency_ms_per_1k_rows": latency,
        },
    )
    if settings["importance"]:
        with log.stage("permutation importance"):
            document["importance"] = importance(
                model,
                X,
                test_rows.frame[run.target],
                predictions,
                rows=settings["importance_rows"],
                seed=settings["seed"],
            )
    return _write(
        document,
        predictions,
        target_dir=out or run.path,
        reads=reads,
        plots=settings["plots"] if draw_plots is None else draw_plots,
        fill=(lambda stage: _copy_run(run, stage)) if elsewhere else None,
    )


# Why a predictions run's evaluation lacks these: evaluation.json `unavailable`, the report's
# words. Keys are the metrics.json / evaluation.json names they stand for.
UNAVAILABLE = {
    "importance": "a predictions run has no model to permute its features through",
    "latency_ms_per_1k_rows": "a predictions run has no model to time",
    "model_size_bytes": "a predictions run has no model file",
}


def evaluate_predictions_run(
    run: Run,
    *,
    data_override: str | None = None,
    out: Path | None = None,
    primary: str | None = None,
    draw_plots: bool | None = None,
    inputs: tuple[Path, ...] = (),
) -> Evaluation:
    """Evaluate a predictions run from its predictions.csv (there is no model to run)."""
    fix = (
        "Make the run again: modelci train (its training script wrote the predictions)"
        if run.info.training is not None
        else "Make the run again: modelci evaluate --predictions FILE --out DIR"
    )
    if data_override is not None:
        raise UserError(
            f"{run.path} is a predictions run: it has no model to score --data {data_override} "
            "with",
            fix="Evaluate it without --data, or evaluate new predictions with --predictions FILE",
        )
    recorded = run.info.data
    with progress.current.stage("read predictions"):
        predictions = scoring.read_predictions(
            run.path / rundir.PREDICTIONS,
            task=run.task,
            classes=run.classes,
            rows=recorded.test.rows if recorded.test is not None else None,
            fix=fix,
            distribution=True,
        )
    from modelci import prediction_runs

    if recorded.test_fingerprint and prediction_runs.fingerprint(predictions) != (
        recorded.test_fingerprint
    ):
        raise UserError(
            f"{run.path / rundir.PREDICTIONS} holds other rows (row ids or truth) than its "
            "run.json records (an edited file?)",
            fix=fix,
        )
    elsewhere = out is not None and out.resolve() != run.path.resolve()
    reads = (run.path / rundir.RUN, *inputs)
    if out is not None and elsewhere:
        _check_evaluation_out(out, run, (*protected.run_inputs(run.path), *reads))
    return evaluate_predictions(
        run.info,
        predictions,
        out=out or run.path,
        primary=primary,
        draw_plots=draw_plots,
        reads=reads,
        fill=(lambda stage: _copy_run(run, stage)) if elsewhere else None,
    )


def evaluate_predictions_file(
    path: Path,
    *,
    out: Path,
    columns: prediction_tables.Columns,
    task: str | None = None,
    primary: str | None = None,
    draw_plots: bool | None = None,
) -> Evaluation:
    """`evaluate --predictions FILE --out DIR`: a predictions run in `out`, evaluated."""
    from modelci import prediction_runs, prediction_tables

    fsutil.check_replaceable(out, marker=rundir.RUN, inputs=(path,))
    if (out / rundir.RUN).is_file() and documents.read_run(out / rundir.RUN).model is not None:
        raise UserError(
            f"--out {out} holds a model run; evaluating predictions into it would overwrite "
            "its run.json",
            fix="Choose a new directory for the predictions run",
        )
    with progress.current.stage("read predictions"):
        table = prediction_tables.read_table(path)
        predictions = prediction_tables.from_table(table, columns=columns, task=task)
    facts = {"source": table.source, "sha256": table.sha256, "rows": int(table.frame.shape[0])}
    info = prediction_runs.run_info(
        predictions, source_facts=facts, target=columns.truth, where=str(out / rundir.RUN)
    )

    verbatim = prediction_runs.already_normalised(table, predictions, columns)

    def fill(stage: Path) -> None:
        documents.write_run(stage / rundir.RUN, info)

    return evaluate_predictions(
        info,
        predictions,
        out=out,
        primary=primary,
        draw_plots=draw_plots,
        reads=(path,),
        fill=fill,
        write=(lambda target: shutil.copyfile(path, target)) if verbatim else None,
        replace=True,  # a new run: nothing of an older one in `out` may linger (its plots)
    )


def evaluate_predictions(
    info: documents.RunInfo,
    predictions: scoring.Predictions,
    *,
    out: Path,
    primary: str | None,
    draw_plots: bool | None,
    reads: tuple[Path, ...],
    fill: Callable[[Path], None] | None,
    write: Callable[[Path], object] | None = None,
    replace: bool = False,
) -> Evaluation:
    """The evaluation of predictions alone (no model): what `build_document` can compute
    without one, and why the rest is missing (`UNAVAILABLE`). `write` writes predictions.csv
    when it need not be formatted again (a copy of its input); `replace` makes `out` anew."""
    settings = _settings(info)
    recorded = info.data.test
    if primary is None and settings["primary"] is None and predictions.classes is not None:
        # Labels alone are a common way to hand in predictions: headline what they can show.
        primary = default_primary(info.task) if predictions.proba is not None else "accuracy"
    document = build_document(
        info,
        predictions,
        settings,
        primary=primary,
        run_dir=out,
        data_facts={
            **(recorded.to_json() if recorded is not None else {}),
            "test_fingerprint": info.data.test_fingerprint,
        },
        checks=lambda: data_checks.prediction_checks(
            predictions, trained=info.training is not None
        ),
        model=None,
    )
    document["unavailable"] = dict(UNAVAILABLE)
    return _write(
        document,
        predictions,
        target_dir=out,
        reads=reads,
        plots=settings["plots"] if draw_plots is None else draw_plots,
        fill=fill,
        write=write,
        replace=replace,
    )


def build_document(
    info: documents.RunInfo,
    predictions: scoring.Predictions,
    settings: Mapping[str, Any],
    *,
    primary: str | None,
    run_dir: Path,
    data_facts: Mapping[str, Any],
    checks: Callable[[], list[dict[str, Any]]],
    model: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """evaluation.json of `predictions`, model run or predictions run alike: metrics with
    intervals, per-class tables and curves or regression details, data checks (`checks`,
    called once the metrics stand), the config's absolute gates. `model` is None for a
    predictions run; `run_dir` holds `info`'s run.json (named by errors in its config)."""
    if predictions.seen is not None and not predictions.seen.any():
        shown = sorted(set(predictions.y_true.tolist()))[:5]
        raise UserError(
            f"no test label matches a class the model was trained on (trained: "
            f"{', '.join(predictions.classes or ())}; test: {', '.join(map(str, shown))})",
            fix="Check the target column of the test data",
        )
    seed = resample_seed(predictions, settings["seed"])
    with progress.current.stage("metrics with intervals"):
        metric_values, skipped = score(predictions, {**settings, "seed": seed})
    primary = primary or settings.get("primary") or default_primary(info.task)
    if primary not in metric_values:
        reason = skipped.get(primary, "not a metric of this task")
        raise UserError(
            f"primary metric '{primary}' cannot be computed: {reason}",
            fix="Set metrics.primary (or pass --primary) to one of " + ", ".join(metric_values),
        )
    document: dict[str, Any] = {
        "schema": rundir.SCHEMAS[rundir.EVALUATION],
        "task": info.task,
        "primary": primary,
        "target": info.target,
        "classes": list(predictions.classes) if predictions.classes else None,
        "positive_class": info.positive_class,
        "n_rows": len(predictions.y),
        "confidence": settings["confidence"],
        "resample_seed": seed,
        "data": dict(data_facts),
        "metrics": metric_values,
        "skipped_metrics": skipped,
        "per_class": None,
        "confusion_matrix": None,
        "curves": None,
        "regression": None,
        "importance": None,
        "data_checks": checks(),
        "model": None if model is None else dict(model),
        "plots": [],
        # The config's own min/max gates: what a first pull request, with no baseline, is held to.
        "gates": evaluation_gates.of_run(Run(path=run_dir, info=info), metric_values, skipped),
    }
    if predictions.classes is not None:
        document.update(classification_details(predictions))
    else:
        document["regression"] = regression_details(predictions, seed=settings["seed"])
    return document


def resample_seed(predictions: scoring.Predictions, seed: int) -> int:
    """The seed of the intervals' resampling: from the scored rows and `data.seed`.

    Other test rows get another resampling pattern, so one unlucky pattern does not bias every
    run alike; the same rows get the same intervals, in any order (the rows' fingerprint is
    taken sorted by row id, since a comparison aligns rows and a shuffled file holds the same
    rows). Recorded as evaluation.json's `resample_seed`, which `compare` reuses.
    """
    import numpy as np

    from modelci import prediction_runs
    from modelci.stats import seeds

    ids = predictions.row_id
    order = None
    try:
        if len(ids) > 1 and not bool(np.all(ids[:-1] <= ids[1:])):
            order = np.argsort(ids, kind="stable")
    except TypeError:  # ids of mixed types do not sort: the rows in file order then
        order = None
    return seeds.resample_seed(prediction_runs.fingerprint(predictions, order), seed)


def _write(
    document: Mapping[str, Any],
    predictions: scoring.Predictions,
    *,
    target_dir: Path,
    reads: tuple[Path, ...],
    plots: bool,
    fill: Callable[[Path], None] | None,
    write: Callable[[Path], object] | None = None,
    replace: bool = False,
) -> Evaluation:
    """evaluation.json, metrics.json, predictions.csv and the plots into `target_dir`, all or
    nothing; `fill` first adds the run's own files (evaluating into another directory);
    `write` replaces the writing of predictions.csv; `replace` replaces `target_dir` whole
    instead of adding to it."""
    from modelci import prediction_runs

    result = documents.parse_evaluation(document, where=str(target_dir / rundir.EVALUATION))
    with fsutil.staged_dir(
        target_dir, merge=not replace, marker=rundir.RUN if replace else None, inputs=reads
    ) as stage:
        if fill is not None:
            fill(stage)
        if plots:
            with progress.current.stage("plots"):
                from modelci import plots as drawing

                drawn = drawing.render_evaluation_plots(result, stage)
                result = dataclasses.replace(result, plots=tuple(drawn))
        documents.write_evaluation(stage / rundir.EVALUATION, result)
        documents.write_metrics_of(stage / rundir.METRICS, result)
        if write is not None:
            write(stage / rundir.PREDICTIONS)
        else:
            prediction_runs.write_predictions(stage / rundir.PREDICTIONS, predictions)
    return result


def _check_evaluation_out(out: Path, run: Run, inputs: tuple[Path, ...]) -> None:
    """Evaluating into another directory copies the run there: never over a different run."""
    fsutil.check_replaceable(out, marker=rundir.RUN, inputs=inputs)
    if (out / rundir.RUN).is_file():
        other = documents.read_run(out / rundir.RUN)
        if other.model != run.info.model or (
            other.model is None and other.data.test_fingerprint != run.info.data.test_fingerprint
        ):
            what = "a different model" if run.has_model else "other predictions"
            raise UserError(
                f"--out {out} holds another run ({what}); evaluating into it would "
                "overwrite its run.json",
                fix="Choose a new directory, or evaluate that run itself",
            )


def _copy_run(run: Run, stage: Path) -> None:
    names = [rundir.RUN]
    if run.has_model:
        names.append(run.model.file)
        if run.model.preprocess is not None:
            names.append(run.model.preprocess.file)
    for name in names:
        shutil.copy2(run.path / name, stage / name)


def _settings(info: documents.RunInfo) -> dict[str, Any]:
    recorded = info.section("metrics")
    seed = info.section("data").get("seed", 0)
    return {
        "primary": recorded.get("primary"),
        "confidence": recorded.get("confidence", 0.95),
        "resamples": recorded.get("resamples", 1000),
        "importance": recorded.get("importance", True),
        "importance_rows": recorded.get("importance_rows", 2000),
        "plots": recorded.get("plots", True),
        "seed": seed,
    }


def default_primary(task: str) -> str:
    return "roc_auc" if task == "classification" else "rmse"


def score(
    predictions: scoring.Predictions, settings: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    from modelci import metrics, stats

    options = {
        "confidence": settings["confidence"],
        "resamples": settings["resamples"],
        "seed": settings["seed"],
    }
    if predictions.classes is not None:
        estimates, skipped = stats.score_classification(
            predictions.y,
            predictions.pred,
            predictions.proba_seen,
            n_classes=len(predictions.classes),
            **options,
        )
    else:
        estimates, skipped = stats.score_regression(predictions.y, predictions.pred, **options)
    values = {
        name: {
            "value": e.value,
            "ci": list(e.ci) if e.ci is not None else None,
            "method": e.method,
            "higher_is_better": metrics.METRICS[name].higher_is_better,
        }
        for name, e in estimates.items()
    }
    return values, dict(skipped)


def _thin(*arrays: np.ndarray) -> list[list[float]]:
    """At most CURVE_POINTS evenly spaced points, always keeping both ends."""
    import numpy as np

    n = len(arrays[0])
    keep = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(int))
    return [[round(float(v), 6) for v in np.asarray(a)[keep]] for a in arrays]


def classification_details(predictions: scoring.Predictions) -> dict[str, Any]:
    import numpy as np

    assert predictions.classes is not None
    classes = list(predictions.classes)
    k = len(classes)
    y, pred = predictions.y, predictions.pred
    # From the confusion counts (one bincount) rather than scikit-learn's per-call label
    # discovery over every row; the same numbers (precision_recall_fscore_support,
    # zero_division=0).
    counts = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    hits = np.diag(counts).astype(float)
    support, predicted = counts.sum(axis=1), counts.sum(axis=0)
    precision = _share(hits, predicted)
    recall = _share(hits, support)
    f1 = _share(2 * hits, support + predicted)
    per_class = [
        {
            "class": label,
            "precision": round(float(p), 6),
            "recall": round(float(r), 6),
            "f1": round(float(f), 6),
            "support": int(s),
        }
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    ]
    details: dict[str, Any] = {
        "per_class": per_class,
        "confusion_matrix": {"labels": classes, "counts": counts.tolist()},
        "curves": None,
    }
    proba = predictions.proba_seen
    if proba is not None and len(y):
        one_vs_rest = [len(classes) - 1] if len(classes) == 2 else list(range(k))
        details["curves"] = curves(y, proba, classes, one_vs_rest)
    return details


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, 0 where whole is 0 (scikit-learn's zero_division=0)."""
    import numpy as np

    out = np.zeros(len(part), dtype=float)
    np.divide(part, whole, out=out, where=whole != 0)
    return out


def curves(
    y: np.ndarray, proba: np.ndarray, classes: list[str], codes: list[int]
) -> dict[str, Any]:
    import numpy as np

    out: dict[str, dict[str, Any]] = {"roc": {}, "pr": {}, "calibration": {}}
    for code in codes:
        truth = (y == code).astype(int)
        if truth.min() == truth.max():
            continue  # a curve needs both outcomes
        score_ = proba[:, code]
        fpr, tpr, precision, recall = _roc_and_pr(truth, score_)
        fpr_t, tpr_t = _thin(fpr, tpr)
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # sklearn.metrics.auc
        out["roc"][classes[code]] = {"fpr": fpr_t, "tpr": tpr_t, "auc": area}
        recall_t, precision_t = _thin(recall, precision)
        out["pr"][classes[code]] = {
            "recall": recall_t,
            "precision": precision_t,
            # sklearn.metrics.average_precision_score: the step-wise area under the curve.
            "ap": float(-np.sum(np.diff(recall) * precision[:-1])),
            "prevalence": float(truth.mean()),
        }
        out["calibration"][classes[code]] = calibration.calibration_curve(truth, score_)
    return out


def _roc_and_pr(
    truth: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's roc_curve (intermediate points dropped) and precision_recall_curve,
    point for point, from one sort of the scores instead of three (a million rows: seconds)."""
    import numpy as np

    order = np.argsort(score, kind="mergesort")[::-1]
    ranked, hits = score[order], truth[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    tps = np.cumsum(hits, dtype=np.float64)[last]
    fps = 1 + last - tps
    if len(fps) > 2:
        keep = np.flatnonzero(np.r_[True, (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), True])
        roc_fps, roc_tps = np.r_[0, fps[keep]], np.r_[0, tps[keep]]
    else:
        roc_fps, roc_tps = np.r_[0, fps], np.r_[0, tps]
    fpr, tpr = roc_fps / roc_fps[-1], roc_tps / roc_tps[-1]
    precision = _share(tps, tps + fps)
    recall = tps / tps[-1]
    return fpr, tpr, np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def regression_details(predictions: scoring.Predictions, *, seed: int) -> dict[str, Any]:
    import numpy as np

    y, pred = predictions.y, predictions.pred
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(y), size=min(len(y), REGRESSION_SAMPLE), replace=False))
    residuals = y - pred
    counts, edges = np.histogram(residuals, bins=30)
    return {
        "sample": {
            "y_true": [round(float(v), 6) for v in y[keep]],
            "y_pred": [round(float(v), 6) for v in pred[keep]],
        },
        "residual_histogram": {
            "edges": [round(float(v), 6) for v in edges],
            "counts": [int(v) for v in counts],
        },
    }


def importance_rows(wanted: int, columns: int) -> tuple[int, str | None]:
    """How many of the `wanted` rows permutation importance may use within the bound, and a
    note when that is fewer (0 rows: skipped).

    >>> importance_rows(2000, 30)
    (2000, None)
    >>> importance_rows(2000, 100)
    (199, 'on 199 of 2000 rows: 100 columns, and rows × columns × (1 + columns × 5 repeats) is kept within 10,000,000')
    >>> importance_rows(150, 3000)[0]
    0
    """
    per_row = columns * (1 + columns * IMPORTANCE_REPEATS)
    bound = (
        f"rows × columns × (1 + columns × {IMPORTANCE_REPEATS} repeats) is kept within "
        f"{IMPORTANCE_MAX_CELLS:,}"
    )
    if per_row * IMPORTANCE_MIN_ROWS > IMPORTANCE_MAX_CELLS:
        return 0, (
            f"skipped: {columns} columns are too many to permute within the bound ({bound}, "
            f"counting at least {IMPORTANCE_MIN_ROWS} rows); set metrics.importance: false to "
            "leave it out"
        )
    rows = min(wanted, IMPORTANCE_MAX_CELLS // per_row)
    if rows < wanted:
        return rows, f"on {rows} of {wanted} rows: {columns} columns, and {bound}"
    return rows, None


def importance(
    model: Any,
    X: pd.DataFrame,
    y_raw: pd.Series,
    predictions: scoring.Predictions,
    *,
    rows: int,
    seed: int,
) -> dict[str, Any] | None:
    """Permutation importance of the input columns on a seeded sample of rows, bounded by
    rows and columns (`importance_rows`); the bound applied is recorded in `note`."""
    import numpy as np
    import pandas as pd

    from modelci import importance as permutation
    from modelci import models

    mask = predictions.seen if predictions.seen is not None else np.ones(len(X), bool)
    X_seen, y_seen = X[mask], y_raw[mask]
    if predictions.classes is not None:
        # Codes 0..K-1 on both sides (`models.coded`), whatever labels the library knows.
        y_seen = pd.Series(
            scoring.codes(data.label_text(y_seen.to_numpy()), predictions.classes),
            index=y_seen.index,
        )
        model = models.coded(model)
    if predictions.classes is None:
        scoring_name = "neg_root_mean_squared_error"
    elif predictions.proba is not None and len(predictions.classes) == 2:
        scoring_name = "roc_auc"
    else:
        scoring_name = "accuracy"
    if predictions.classes is not None and y_seen.nunique() < 2:
        return None
    used, note = importance_rows(min(len(X_seen), rows), X.shape[1])
    facts: dict[str, Any] = {
        "method": "permutation",
        "scoring": scoring_name,
        "rows": used,
        "repeats": IMPORTANCE_REPEATS,
        "columns": int(X.shape[1]),
        "max_cells": IMPORTANCE_MAX_CELLS,
        "note": note,
        "features": [],
    }
    if note:
        progress.current.info(f"permutation importance {note}")
    if not used:
        return facts
    rng = np.random.default_rng(seed)
    take = np.sort(rng.choice(len(X_seen), size=used, replace=False))
    X_sample, y_sample = X_seen.iloc[take], y_seen.iloc[take]
    if predictions.classes is not None and y_sample.nunique() < 2:
        return None
    # scikit-learn's permutation importance, its predictions batched (`modelci.importance`).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = permutation.permutation_importance(
            model,
            X_sample,
            y_sample,
            scoring=scoring_name,
            repeats=IMPORTANCE_REPEATS,
            seed=seed,
        )
    order = np.argsort(-result.mean)[:TOP_FEATURES]
    facts["features"] = [
        {
            "feature": str(X.columns[i]),
            "mean": round(float(result.mean[i]), 6),
            "std": round(float(result.std[i]), 6),
        }
        for i in order
    ]
    return facts
