"""`compare`: candidate vs baseline on the same rows, with paired statistics and gates."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import (
    documents,
    features,
    fsutil,
    gates,
    prediction_churn,
    progress,
    protected,
    rows,
    rundir,
    scoring,
    slicing,
)
from modelci.config import ChurnConfig, CompareConfig, GateRule, SlicesConfig
from modelci.documents import Comparison, Evaluation
from modelci.errors import UserError
from modelci.rundir import Run

GATES_FROM = ("candidate", "baseline")
NO_HISTORY = (
    "the from-best gate was not checked: the baseline carries no release history "
    "(`modelci baseline --from release:…` records it)"
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    alpha: float
    strict: bool
    confidence: float
    resamples: int
    seed: int
    gates: dict[str, GateRule]
    # Whose config the gates, alpha and strict were taken from, and why when it is not the
    # side asked for.
    gates_from: str = "candidate"
    gates_note: str | None = None
    # What is measured (the candidate's) and how it is judged (the policy side's).
    slices: SlicesConfig = dataclasses.field(default_factory=SlicesConfig)
    churn: ChurnConfig = dataclasses.field(default_factory=ChurnConfig)
    inconclusive: str = "warn"  # compare.inconclusive: pass | warn | fail
    history: int = 10  # compare.history: releases in the trend plot


def settings_from(
    candidate: Run,
    baseline: Run | None = None,
    *,
    alpha: float | None,
    strict: bool | None,
    gates_from: str = "candidate",
) -> Settings:
    """Gates, alpha and strict from the `gates_from` side's recorded config; flags win.

    `baseline` keeps a pull request from loosening its own gates: they come from the baseline
    run's config. A baseline without a recorded config (a bring-your-own model) falls back to
    the candidate's, and says so. Statistics settings (confidence, resamples, seed) are always
    the candidate's: they describe how its rows are measured, not what passes; so are the
    slices. Churn's gate and the rest of `compare` are policy, from the `gates_from` side.
    """
    if gates_from not in GATES_FROM:
        raise UserError(f"--gates-from must be candidate or baseline, got '{gates_from}'")
    config = candidate.info.config
    policy, source, note = config, "candidate", None
    if gates_from == "baseline":
        recorded = recorded_policy(baseline) if baseline is not None else None
        if recorded is not None:
            policy, source = recorded, "baseline"
        else:
            note = (
                "the baseline has no recorded config (a bring-your-own model?), so the "
                "candidate's gates, alpha and strict were used"
            )
    policy_run = baseline if source == "baseline" and baseline is not None else candidate
    policy_at = str(policy_run.path / rundir.RUN)
    compare_cfg = CompareConfig.from_dict(_section(policy, "compare"), where=policy_at)
    metrics_cfg = config.get("metrics") or {}
    return Settings(
        alpha=alpha if alpha is not None else compare_cfg.alpha,
        strict=strict if strict is not None else compare_cfg.strict,
        confidence=metrics_cfg.get("confidence", 0.95),
        resamples=metrics_cfg.get("resamples", 1000),
        seed=resample_seed(candidate, (config.get("data") or {}).get("seed", 0)),
        gates=gate_rules(policy, source),
        gates_from=source,
        gates_note=note,
        slices=SlicesConfig.from_dict(
            candidate.info.section("slices"), where=str(candidate.path / rundir.RUN)
        ),
        churn=ChurnConfig.from_dict(_section(policy, "churn"), where=policy_at),
        inconclusive=compare_cfg.inconclusive,
        history=compare_cfg.history,
    )


def resample_seed(candidate: Run, seed: int) -> int:
    """The paired tests' seed: the one the candidate's evaluation drew from its test rows and
    `data.seed` (the rows compared are the candidate's); for an evaluation recorded before
    that, from its rows' fingerprint."""
    from modelci.stats.seeds import resample_seed as from_rows

    if not candidate.has_evaluation():
        return from_rows(candidate.info.data.test_fingerprint, seed)
    evaluated = candidate.evaluation()
    if evaluated.resample_seed is not None:
        return evaluated.resample_seed
    return from_rows(evaluated.data.test_fingerprint or candidate.info.data.test_fingerprint, seed)


def _section(config: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    value = config.get(name)
    return value if isinstance(value, Mapping) else None


def recorded_policy(run: Run) -> dict[str, Any] | None:
    """A run's recorded policy (`gates`, `compare`, `churn`) and the `slices` a per-slice gate
    sees; None without one (bring-your-own)."""
    config = run.info.config
    if not isinstance(config.get("gates"), Mapping):
        return None
    return {
        "gates": config["gates"],
        "compare": run.info.section("compare"),
        "churn": run.info.section("churn"),
        "slices": run.info.section("slices"),
    }


def gate_rules(policy: Mapping[str, Any], side: str) -> dict[str, GateRule]:
    rules = {}
    for name, rule in (policy.get("gates") or {}).items():
        try:
            rules[name] = GateRule.from_dict(rule)
        except (TypeError, ValueError, KeyError) as error:
            raise UserError(
                f"the {side}'s recorded gate on {name} is not understood: {error}",
                fix="Compare with runs made by this modelci version, or use --gates-from",
            ) from None
    return rules


def gate_changes(candidate: Run, baseline: Run) -> list[dict[str, Any]]:
    """How the candidate's gates and pass/fail settings differ from the baseline's recorded ones.

    Empty when they agree or when the baseline recorded no config (nothing to compare with).
    """
    before = recorded_policy(baseline)
    after = recorded_policy(candidate)
    if before is None or after is None:
        return []
    changes: list[dict[str, Any]] = []
    old, new = before["gates"], after["gates"]
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            changes.append({"metric": name, "before": old.get(name), "after": new.get(name)})
    # The settings that decide what passes (compare.history only draws a plot). The slices
    # are the candidate's (what is measured), so a pull request could hide a slice from a
    # `slices: true` gate by changing them: said here, like a loosened gate.
    defaults: dict[tuple[str, str], Any] = {
        ("compare", "alpha"): 0.05,
        ("compare", "strict"): False,
        ("compare", "inconclusive"): "warn",
        ("churn", "max_harmful"): None,
        ("slices", "automatic"): True,
        ("slices", "min_rows"): 30,
        ("slices", "correction"): "holm",
        ("slices", "by"): [],
    }
    for (section, key), default in defaults.items():
        was = (before.get(section) or {}).get(key, default)
        now = (after.get(section) or {}).get(key, default)
        if was != now:
            changes.append({"setting": f"{section}.{key}", "before": was, "after": now})
    return changes


def compare(candidate: Run, baseline: Run, out: Path, settings: Settings) -> Comparison:
    log = progress.current
    inputs = (*protected.run_inputs(candidate.path), *protected.run_inputs(baseline.path))
    fsutil.check_replaceable(out, marker=rundir.COMPARISON, inputs=inputs)
    if not candidate.has_evaluation():
        raise UserError(
            f"{candidate.path} has not been evaluated",
            fix=f"Run `modelci evaluate {candidate.path}` first",
        )
    candidate_eval = candidate.evaluation()
    check_compatible(candidate, baseline)
    classes = candidate_eval.classes or None
    with log.stage("align predictions"):
        cand = scoring.read_predictions(
            candidate.path / rundir.PREDICTIONS,
            task=candidate.task,
            classes=classes,
            rows=candidate_eval.data.rows,
        )
        cand, base, rescored, baseline_eval, test_rows = paired_predictions(
            candidate, candidate_eval, baseline, cand, classes
        )
    with log.stage("paired statistics"):
        deltas, skipped = paired_deltas(cand, base, settings)
    primary = candidate_eval.primary
    metric_rows = _metric_rows(deltas, candidate_eval, settings, rows=len(cand.y))
    for name, rule in settings.gates.items():
        if name not in deltas:
            reason = skipped.get(name, "not a metric of this task")
            metric_rows.append(
                {
                    "name": name,
                    "higher_is_better": _higher_is_better(name),
                    "baseline": None,
                    "candidate": None,
                    "delta": None,
                    "ci": None,
                    "p_value": None,
                    "method": None,
                    "se": None,
                    "minimum_detectable": None,
                    "adjusted_p": None,
                    "worse": None,
                    "gate": {
                        "rule": rule.as_dict(),
                        "status": gates.FAIL,
                        "reason": f"cannot be computed: {reason}",
                    },
                }
            )
    with log.stage("slices and churn"):
        shared = _seen_by_both(cand, base)
        sliced = slicing.compare_slices(
            candidate,
            *shared,
            settings=settings,
            metric_rows=metric_rows,
            primary=primary,
            evaluated=candidate_eval.data,
            test_rows=test_rows,
        )
        for row in metric_rows:
            if row["name"] in sliced.failures:
                row["gate"] = gates.with_failure(row["gate"], sliced.failures[row["name"]])
        churn = prediction_churn.measure(*shared, settings=settings, slices=sliced.rows)
    from modelci import history_comparison

    history = history_comparison.compare_history(
        history_comparison.Sides(
            candidate=candidate,
            candidate_eval=candidate_eval,
            baseline=baseline,
            cand=cand,
            deltas=deltas,
            classes=classes,
            test_rows=test_rows,
        ),
        settings,
        primary=primary,
    )
    from_best = {best.metric: best for best in history.from_best} if history is not None else {}
    for row in metric_rows:
        best = from_best.get(row["name"])
        if best is not None and best.status == gates.FAIL:
            row["gate"] = gates.with_failure(row["gate"], best.reason)
        elif best is not None and best.warning:
            text = f"against {best.best_tag}, the best recent release: {best.warning}"
            row["gate"] = gates.with_warning(row["gate"], text)
        gated = settings.gates.get(row["name"])
        if history is None and gated is not None and gated.from_best is not None:
            # Unchecked is not passed: a reviewer should see that slow decay went unwatched.
            row["gate"] = gates.with_warning(row["gate"], NO_HISTORY)
    failed = [row["name"] for row in metric_rows if row["gate"]["status"] == gates.FAIL]
    failed += ["churn"] if churn.failed else []
    document: dict[str, Any] = {
        "schema": rundir.SCHEMAS[rundir.COMPARISON],
        "task": candidate.task,
        "primary": primary,
        "n_rows": len(cand.y),
        "confidence": settings.confidence,
        "alpha": settings.alpha,
        "strict": settings.strict,
        "resamples": settings.resamples,
        "resample_seed": settings.seed,
        "gates_from": settings.gates_from,
        "gates_note": settings.gates_note,
        "gate_changes": gate_changes(candidate, baseline),
        "candidate": _describe(candidate, "candidate", candidate_eval),
        "baseline": dict(_describe(baseline, "baseline", baseline_eval), rescored=rescored),
        "metrics": metric_rows,
        "skipped_metrics": skipped,
        "verdict": "fail" if failed else "pass",
        "failed_gates": failed,
        "data_checks": [check.to_json() for check in candidate_eval.data_checks],
        "classes": list(classes) if classes else None,
        "positive_class": candidate_eval.positive_class,
        "curves": {
            "baseline": _curves(base, baseline_eval, rescored),
            "candidate": _json_of(candidate_eval.curves),
        },
        "regression": {
            "baseline": _regression(base, baseline_eval, rescored, settings.seed),
            "candidate": _json_of(candidate_eval.regression),
        },
        "plots": [],
        "slices": sliced.report,
        "churn": churn.report,
        "history": None if history is None else history.to_json(),
    }
    written = documents.parse_comparison(document, where=str(out / rundir.COMPARISON))
    with fsutil.staged_dir(out, marker=rundir.COMPARISON, inputs=inputs) as stage:
        with log.stage("plots"):
            from modelci import plots

            drawn = plots.render_comparison_plots(written, stage)
            written = dataclasses.replace(written, plots=tuple(drawn))
        prediction_churn.write_flips(stage, churn)
        documents.write_comparison(stage / rundir.COMPARISON, written)
    return written


def _metric_rows(
    deltas: Mapping[str, Any], candidate_eval: Evaluation, settings: Settings, *, rows: int
) -> list[dict[str, Any]]:
    """One row per compared metric: the paired delta, its power, Holm's correction, the gate.

    Holm runs across every compared metric, gated or not, so an ungated metric is flagged
    `worse` only when it stays significant among all the metrics looked at: with a dozen
    metrics, one at p = 0.03 is what luck alone gives.
    """
    from modelci.stats import multiple_testing, power

    adjusted = multiple_testing.holm([delta.p_value for delta in deltas.values()])
    metric_rows = []
    for (name, delta), adjusted_p in zip(deltas.items(), adjusted, strict=True):
        higher = _higher_is_better(name)
        cand_metric = candidate_eval.metric(name)
        # Means of per-row losses are t-tests below 1,000 rows (method student-t): the
        # detectable size takes the same degrees of freedom.
        detectable = power.detectable_on(delta, rows=rows, alpha=settings.alpha)
        observed = gates.Observed.paired(
            delta,
            higher_is_better=higher,
            candidate_ci=cand_metric.ci if cand_metric is not None else None,
            minimum_detectable=detectable,
            rows=rows,
        )
        result = gates.evaluate(
            settings.gates.get(name),
            observed,
            alpha=settings.alpha,
            strict_default=settings.strict,
            inconclusive=settings.inconclusive,
        )
        bad_way = delta.delta < 0 if higher else delta.delta > 0
        se = delta.se if delta.se is not None and math.isfinite(delta.se) else None
        metric_rows.append(
            {
                "name": name,
                "higher_is_better": higher,
                "baseline": delta.baseline,
                "candidate": delta.candidate,
                "delta": delta.delta,
                "ci": list(delta.ci) if delta.ci is not None else None,
                "p_value": delta.p_value,
                "method": delta.method,
                "se": se,
                "minimum_detectable": detectable,
                "adjusted_p": adjusted_p,
                "worse": None
                if adjusted_p is None
                else bool(adjusted_p < settings.alpha and bad_way),
                "gate": result.as_dict(),
            }
        )
    return metric_rows


def _json_of(part: documents.Curves | documents.RegressionDetails | None) -> Any:
    return None if part is None else part.to_json()


def _higher_is_better(name: str) -> bool:
    from modelci import metrics

    return metrics.METRICS[name].higher_is_better


def _describe(run: Run, label: str, evaluation: Evaluation | None) -> dict[str, Any]:
    """One side's record; a predictions side has no model to hash, size or time."""
    model = run.info.model
    evaluated = evaluation.model if evaluation is not None else documents.EvaluatedModel()
    git = run.info.git
    return {
        "run": str(run.path),
        "label": label,
        "name": run.info.name,
        "kind": run.info.kind,
        "model_sha256": None if model is None else model.sha256,
        "estimator": run.info.estimator.class_name if run.info.estimator else None,
        "flavour": None if model is None else model.flavour_name,
        "size_bytes": None
        if model is None
        else (evaluated.size_bytes if evaluation is not None else model.size_bytes),
        "latency_ms_per_1k_rows": None if model is None else evaluated.latency_ms_per_1k_rows,
        "git": None if git is None else {"commit": git.commit, "dirty": git.dirty},
    }


def check_compatible(candidate: Run, baseline: Run) -> None:
    if candidate.path.resolve() == baseline.path.resolve():
        # Identical models in two run directories are a fair comparison; one directory twice
        # would pass every gate with p = 1 and say nothing.
        raise UserError(
            f"the candidate and the baseline are the same run directory ({candidate.path}, "
            f"{baseline.path})",
            fix="Compare two different runs, e.g. runs/candidate runs/baseline",
        )
    if candidate.task != baseline.task:
        raise UserError(
            f"cannot compare a {candidate.task} candidate with a {baseline.task} baseline",
            fix="Compare runs of the same task",
        )
    # A predictions file names its truth column as it likes (y_true, --target): there the
    # truth values themselves are checked, row by row, when the two are aligned.
    if candidate.has_model and baseline.has_model and candidate.target != baseline.target:
        raise UserError(
            f"candidate predicts '{candidate.target}' but the baseline predicts "
            f"'{baseline.target}'",
            fix="Compare models of the same target",
        )
    if candidate.task == "classification" and sorted(candidate.classes or []) != sorted(
        baseline.classes or []
    ):
        raise UserError(
            f"the runs know different classes (candidate: {list(candidate.classes or [])}, "
            f"baseline: {list(baseline.classes or [])})",
            fix="Train both on data with the same set of classes",
        )


def paired_predictions(
    candidate: Run,
    candidate_eval: Evaluation,
    other: Run,
    cand: scoring.Predictions,
    classes: tuple[str, ...] | None,
    test_rows: rows.EvalRows | None = None,
) -> tuple[scoring.Predictions, scoring.Predictions, bool, Evaluation | None, rows.EvalRows | None]:
    """The candidate's predictions and `other`'s (the baseline, or a best release) on the same
    rows: `other`'s model scored on the candidate's rows when both have one (`predictions_on_rows`),
    else both predictions files matched by row id. Also whether `other` was re-scored, its
    evaluation, and the candidate's test rows when they were read to re-score it (`test_rows`,
    when given, are those rows read already)."""
    if candidate.has_model and other.has_model:
        base, rescored, other_eval, test_rows = predictions_on_rows(
            candidate, candidate_eval, other, classes, test_rows
        )
        if len(base.row_id) != len(cand.row_id) or (base.row_id != cand.row_id).any():
            raise UserError(
                "baseline and candidate predictions are not on the same rows",
                fix="Re-run `modelci evaluate` on both runs with the same --data",
            )
        return cand, base, rescored, other_eval, test_rows
    cand, base, other_eval = _recorded_predictions(candidate, other, cand, classes)
    return cand, base, False, other_eval, None


def _recorded_predictions(
    candidate: Run,
    baseline: Run,
    cand: scoring.Predictions,
    classes: tuple[str, ...] | None,
) -> tuple[scoring.Predictions, scoring.Predictions, Evaluation]:
    """Both sides' own predictions.csv, matched by row id (`alignment.by_row_id`).

    A predictions run has no model to re-score, so when either side is one, both are compared
    on the rows their predictions files share, and those must be all of them.
    """
    from modelci import alignment

    if (
        baseline.has_model
        and (baseline.path / rundir.EVALUATION).is_file()
        and not (baseline.path / rundir.PREDICTIONS).is_file()
    ):
        raise UserError(
            f"{baseline.path} holds no predictions.csv (a model baseline fetched from a release "
            "or registry carries none), and a predictions run has no feature columns to "
            "re-score its model on",
            fix=f"Evaluate it on the same rows first (`modelci evaluate {baseline.path} --data "
            "ROWS`, ids in the id column), or compare with a predictions run as the baseline",
        )
    if not baseline.has_evaluation():
        raise UserError(
            f"{baseline.path} has not been evaluated (with a predictions run on either side, "
            "compare uses each side's recorded predictions and re-scores nothing)",
            fix=f"Run `modelci evaluate {baseline.path}` on the candidate's test rows first",
        )
    baseline_eval = baseline.evaluation()
    base = scoring.read_predictions(
        baseline.path / rundir.PREDICTIONS,
        task=baseline.task,
        classes=classes,
        rows=baseline_eval.data.rows,
    )
    cand, base = alignment.by_row_id(
        cand,
        base,
        candidate_where=str(candidate.path / rundir.PREDICTIONS),
        baseline_where=str(baseline.path / rundir.PREDICTIONS),
    )
    return cand, base, baseline_eval


def predictions_on_rows(
    candidate: Run,
    candidate_eval: Evaluation,
    baseline: Run,
    classes: tuple[str, ...] | None,
    test_rows: rows.EvalRows | None = None,
) -> tuple[scoring.Predictions, bool, Evaluation | None, rows.EvalRows | None]:
    """A model run's (the baseline's, a best release's) predictions on the candidate's rows:
    read back when it recorded them on those rows, else its model re-scored on them (then with
    the rows it was re-scored on)."""
    fingerprint = candidate_eval.data.test_fingerprint
    source = candidate_eval.data.source
    if fingerprint is None or source is None:
        raise UserError(
            f"{candidate.path / rundir.EVALUATION}: data must record source and test_fingerprint",
            fix=f"Re-run `modelci evaluate {candidate.path}`",
        )
    baseline_eval = baseline.evaluation() if baseline.has_evaluation() else None
    if (
        baseline_eval
        and baseline_eval.data.test_fingerprint == fingerprint
        and (baseline.path / rundir.PREDICTIONS).is_file()  # a release carries none
    ):
        return (
            scoring.read_predictions(
                baseline.path / rundir.PREDICTIONS,
                task=baseline.task,
                classes=classes,
                rows=baseline_eval.data.rows,
            ),
            False,
            baseline_eval,
            None,
        )
    # Different (or no) rows: score the baseline model on the candidate's test rows (read once
    # per comparison: a best release is re-scored on the rows the baseline was).
    if test_rows is None:
        recorded = candidate.info.data.test_fingerprint
        test_rows = rows.for_run(
            candidate, None if recorded == fingerprint else source, train_rows=False
        )
    if test_rows.facts["test_fingerprint"] != fingerprint:
        raise UserError(
            f"cannot rebuild the rows {candidate.path} was evaluated on ({source} changed)",
            fix="Re-run `modelci evaluate` on the candidate, then compare",
        )
    from modelci import models

    model = models.load(baseline)
    spec = features.FeatureSpec.from_dict(dict(baseline.info.features))
    try:
        X = features.design_matrix(test_rows.frame, spec, source=source)
    except UserError as error:
        raise UserError(
            f"the baseline cannot be re-scored on the candidate's rows: {error.message}",
            fix="Compare runs trained on the same columns",
        ) from None
    predictions = scoring.predict(
        model,
        X,
        test_rows.frame[baseline.target],
        task=baseline.task,
        row_id=test_rows.row_id,
        where=source,
    )
    if classes is not None and predictions.classes != classes:
        predictions = _reorder(predictions, classes)
    return predictions, True, baseline_eval, test_rows


def _reorder(predictions: scoring.Predictions, classes: tuple[str, ...]) -> scoring.Predictions:
    import dataclasses

    order = [predictions.classes.index(c) for c in classes]  # type: ignore[union-attr]
    proba = predictions.proba[:, order] if predictions.proba is not None else None
    return dataclasses.replace(predictions, classes=classes, proba=proba)


def paired_deltas(
    cand: scoring.Predictions,
    base: scoring.Predictions,
    settings: Settings,
    metrics: Collection[str] | None = None,
) -> Any:
    """Candidate minus baseline, paired on the rows, for `metrics` (all of the task's when None)."""
    from modelci import stats

    classes = cand.classes
    if classes is None:
        return stats.compare_regression(
            base.y,
            base.pred,
            cand.pred,
            confidence=settings.confidence,
            resamples=settings.resamples,
            seed=settings.seed,
            metrics=metrics,
        )
    cand, base = _seen_by_both(cand, base)
    return stats.compare_classification(
        cand.y,
        base.pred,
        base.proba_seen,
        cand.pred,
        cand.proba_seen,
        n_classes=len(classes),
        confidence=settings.confidence,
        resamples=settings.resamples,
        seed=settings.seed,
        metrics=metrics,
    )


def _seen_by_both(
    cand: scoring.Predictions, base: scoring.Predictions
) -> tuple[scoring.Predictions, scoring.Predictions]:
    """Both sides on the rows compared: those whose true class both models know (the others
    are left out of every statistic; data checks say so). Regression rows are all compared."""
    import numpy as np

    if cand.classes is None:
        return cand, base
    both = cand.seen & base.seen  # type: ignore[operator]

    def on_both(side: scoring.Predictions) -> scoring.Predictions:
        # A side already on those rows is kept, with the label codes it has computed.
        same = np.array_equal(side.seen, both)  # type: ignore[arg-type]
        return side if same else dataclasses.replace(side, seen=both)

    return on_both(cand), on_both(base)


def _curves(
    base: scoring.Predictions, baseline_eval: Evaluation | None, rescored: bool
) -> dict[str, Any] | None:
    if not rescored and baseline_eval is not None:
        return _json_of(baseline_eval.curves)
    proba = base.proba_seen
    if base.classes is None or proba is None:
        return None
    from modelci import evaluation

    codes = list(range(len(base.classes)))
    one_vs_rest = [len(codes) - 1] if len(codes) == 2 else codes
    return evaluation.curves(base.y, proba, list(base.classes), one_vs_rest)


def _regression(
    base: scoring.Predictions, baseline_eval: Evaluation | None, rescored: bool, seed: int
) -> dict[str, Any] | None:
    if base.classes is not None:
        return None
    if not rescored and baseline_eval is not None:
        return _json_of(baseline_eval.regression)
    from modelci import evaluation

    return evaluation.regression_details(base, seed=seed)
