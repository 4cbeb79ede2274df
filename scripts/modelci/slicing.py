"""Slices in `compare`: what is sliced, the compared rows' feature values, and per-slice gates.

The statistics live in `stats.slice_rows` (which rows form a slice, one sort per definition) and
`stats.slices` (the paired comparison per slice, corrected across slices × metrics). This module
decides what is sliced — the candidate's `slices` config, plus one slice per level of each of its
categorical features (run.json `features.categorical`) — finds those columns for the rows
`compare` lined up, and turns the result into comparison.json's `slices` part and the gate
failures of rules with `slices: true`.

A slice gate fails when a slice with at least `min_rows` rows got worse beyond the metric's
tolerance *significantly*, after adjusting across every gated slice × metric: twenty slices
give twenty chances to look bad by luck, and the whole-set gate's α would fail one PR in three.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelci import gates
from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from modelci.comparison import Settings
    from modelci.config import GateRule, SlicesConfig
    from modelci.documents import DataFacts
    from modelci.rows import EvalRows
    from modelci.rundir import Run
    from modelci.scoring import Predictions
    from modelci.stats.slice_rows import Definition, Slices
    from modelci.stats.slices import BeyondTolerance, SliceComparison

CORRECTIONS = {"holm": "Holm", "benjamini-hochberg": "Benjamini–Hochberg"}
PREDICTIONS_RUN = "the candidate is a predictions run: its rows have no feature columns to slice by"


@dataclass(frozen=True, kw_only=True)
class Sliced:
    """What `compare` takes from the slices."""

    report: dict[str, Any] | None  # comparison.json's `slices`; None when slicing is off
    # Metric -> why its gate fails on a slice (the worst one named), for `gates.with_failure`.
    failures: Mapping[str, str] = field(default_factory=dict)
    # The kept slices' positions among the compared rows, for churn per slice.
    rows: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Columns:
    """The slice features' values on the compared rows, or why they cannot be had."""

    values: Mapping[str, np.ndarray] | None
    unavailable: str | None = None


def compare_slices(
    candidate: Run,
    cand: Predictions,
    base: Predictions,
    *,
    settings: Settings,
    metric_rows: Sequence[Mapping[str, Any]],
    primary: str,
    evaluated: DataFacts,
    test_rows: EvalRows | None,
) -> Sliced:
    """The slices of the compared rows (`cand`, `base`: both on the same rows, restricted to the
    rows whose true class both models know). `test_rows` are the rows re-scored, when the
    baseline was; else they are rebuilt as the candidate was evaluated (`evaluated`).
    """
    config, alpha = settings.slices, settings.alpha
    plan = definitions(config, candidate.info.features, where=_config_file(candidate))
    if not plan and not config.automatic:
        return Sliced(report=None)
    names = metric_names(primary, metric_rows)
    if not names:
        why = f"the primary metric {primary} could not be computed on these rows"
        return Sliced(report=_unavailable(config, alpha, names, why))
    if not candidate.has_model:
        return Sliced(report=_unavailable(config, alpha, names, PREDICTIONS_RUN))
    if not plan:
        why = "the candidate has no categorical features and no slices are configured (slices.by)"
        return Sliced(report=_unavailable(config, alpha, names, why))
    columns = compared_columns(candidate, cand, plan, evaluated=evaluated, test_rows=test_rows)
    if columns.values is None:
        return Sliced(report=_unavailable(config, alpha, names, columns.unavailable))
    found = resolve(
        columns.values,
        plan,
        rows=len(cand.y),
        min_rows=config.min_rows,
        where=_config_file(candidate),
    )
    if not found.kept:
        why = f"no slice has at least min_rows = {config.min_rows} rows"
        return Sliced(report=_unavailable(config, alpha, names, why, too_small=found.too_small))
    compared = _compare(
        cand,
        base,
        found,
        names,
        correction=config.correction,
        alpha=alpha,
        confidence=settings.confidence,
        resamples=settings.resamples,
        seed=settings.seed,
    )
    tolerances = slice_tolerances(settings.gates, metric_rows, names)
    beyond = compared.beyond(tolerances) if tolerances else ()
    return Sliced(
        report=report(compared, beyond, names),
        failures=failure_reasons(beyond, compared, tolerances),
        rows=found.rows_by_name(),
    )


def definitions(
    config: SlicesConfig, features: Mapping[str, Sequence[str]], *, where: str
) -> tuple[Definition, ...]:
    """The configured slices (`slices.by`, in their order), then, with `slices.automatic`, one
    slice per level of every categorical feature. A feature sliced by its levels must not be
    numeric: that would be one slice per distinct value."""
    from modelci.stats import slice_rows

    numeric = set(features.get("numeric", ()))
    out: list[Definition] = []
    for entry in config.by:
        # Levels (alone or crossed) need a categorical feature; bins take a numeric one.
        for name in entry.features or (() if entry.bins is not None else (entry.feature,)):
            _levels_of(str(name), numeric, where)
        out.append(entry.definition())
    if config.automatic:
        out.extend(slice_rows.automatic(tuple(features.get("categorical", ()))))
    return tuple(out)


def metric_names(primary: str, metric_rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The primary metric, then every gated metric the whole-set comparison computed."""
    computed = [row["name"] for row in metric_rows if row.get("delta") is not None]
    gated = [
        name
        for name, row in ((row["name"], row) for row in metric_rows)
        if name != primary and name in computed and (row.get("gate") or {}).get("rule")
    ]
    return tuple(([primary] if primary in computed else []) + gated)


def compared_columns(
    candidate: Run,
    cand: Predictions,
    plan: Sequence[Definition],
    *,
    evaluated: DataFacts,
    test_rows: EvalRows | None,
) -> Columns:
    """The features `plan` slices by, one value per compared row (in `cand`'s order).

    The rows come from the re-scoring when there was one, else they are rebuilt as `evaluate`
    read them; a data file that cannot be read again makes slices unavailable rather than the
    comparison fail (compare needs no data file when both sides' predictions are recorded).
    """
    import numpy as np
    import pandas as pd

    from modelci import data

    if test_rows is None:
        test_rows, why = _rebuilt(candidate, evaluated)
        if test_rows is None:
            return Columns(values=None, unavailable=why)
    frame = test_rows.frame
    needed = _columns_needed(plan, frame.columns, candidate, test_rows.facts.get("source"))
    ids = test_rows.row_id
    compared_ids = cand.row_id if cand.seen is None else cand.row_id[cand.seen]
    positions: np.ndarray | slice
    if len(ids) == len(cand.row_id) and np.array_equal(ids, cand.row_id):
        positions = slice(None) if cand.seen is None else cand.seen
    else:
        # Rows matched by id: a predictions baseline puts the rows in their ids' order, and
        # rows whose class a model never saw are not compared.
        found = pd.Index(data.label_text(ids)).get_indexer(data.label_text(compared_ids))
        if (found < 0).any():
            return Columns(
                values=None,
                unavailable="the compared rows' ids are not all rows of the candidate's test data",
            )
        positions = found
    return Columns(values={name: _values(frame[name])[positions] for name in needed})


def _values(column: pd.Series) -> np.ndarray:
    """A column's values as numpy. Text goes through its distinct values: pandas' Arrow
    strings turn into a million Python strings one by one (~0.1 s a column), while the few
    levels, indexed by their codes, cost a gather."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy()
    codes, uniques = pd.factorize(column)
    levels = np.empty(len(uniques) + 1, dtype=object)  # the last, None, for code -1 (missing)
    levels[:-1] = np.asarray(uniques, dtype=object)
    return levels[codes]


def resolve(
    columns: Mapping[str, np.ndarray],
    plan: Sequence[Definition],
    *,
    rows: int,
    min_rows: int,
    where: str,
) -> Slices:
    from modelci.stats import slice_rows

    try:
        return slice_rows.resolve(columns, plan, rows=rows, min_rows=min_rows)
    except ValueError as error:  # a numeric bin on a text column: the config's to fix
        raise UserError(str(error).rstrip("."), where=where, fix="Fix slices.by") from None


def slice_tolerances(
    rules: Mapping[str, GateRule],
    metric_rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
) -> dict[str, float]:
    """Metric -> allowed worsening, for rules with `slices: true` on a sliced metric.

    A `_pct` tolerance is a share of the whole test set's baseline value: a slice's own
    baseline could be near zero and turn any change into a breach. A rule with only `min` /
    `max` has no tolerance for a change and no slice gate.
    """
    rows = {row["name"]: row for row in metric_rows}
    out = {}
    for name, rule in rules.items():
        if not rule.slices or name not in names:
            continue
        row = rows[name]
        seen = gates.Observed(
            higher_is_better=row["higher_is_better"],
            baseline=row["baseline"],
            candidate=row["candidate"],
            delta=row["delta"],
            delta_ci=None,
            p_value=None,
            candidate_ci=None,
        )
        allowed = gates.tolerance(rule, seen)
        if allowed is not None:
            out[name] = allowed
    return out


def failure_reasons(
    beyond: Sequence[BeyondTolerance], compared: SliceComparison, tolerances: Mapping[str, float]
) -> dict[str, str]:
    """Metric -> one reason naming its worst failing slice (strongest evidence), and how many
    other slices failed with it."""
    from modelci import gates, metrics

    # What `beyond` adjusted across: the gated metrics' slices that have a standard error.
    tests = sum(f.metric in tolerances and f.delta.se is not None for f in compared.findings())
    correction = CORRECTIONS.get(compared.correction, compared.correction)
    out: dict[str, str] = {}
    by_metric: dict[str, list[BeyondTolerance]] = {}
    for failure in beyond:  # strongest evidence first
        by_metric.setdefault(failure.finding.metric, []).append(failure)
    for metric, failures in by_metric.items():
        worst = failures[0]
        finding = worst.finding
        word = "dropped" if metrics.direction(metric) > 0 else "rose"
        more = len(failures) - 1
        also = f"; {more} more slice{'s' if more > 1 else ''} too" if more else ""
        delta = finding.delta
        change = gates.measured(
            abs(delta.delta), delta.ci, delta.baseline, delta.candidate, delta.delta
        )
        out[metric] = (
            f"slice {finding.slice} ({finding.rows:,} rows): {word} by "
            f"{change} (> {worst.tolerance:.4g} allowed), significantly "
            f"(one-sided, {correction}-adjusted over {tests} gated slice tests: "
            f"{gates.significance(worst.adjusted_p, compared.alpha)}){also}"
        )
    return out


def report(
    compared: SliceComparison, beyond: Sequence[BeyondTolerance], names: Sequence[str]
) -> dict[str, Any]:
    """comparison.json's `slices`: every kept slice with all its metrics, and the gate failures;
    metrics in the order of `names` (the primary first), which the stats' registry order is not.
    """
    order = [name for name in names if name in compared.metrics]
    rank = {name: position for position, name in enumerate(order)}
    entries: dict[str, dict[str, Any]] = {}
    for finding in compared.findings():
        entry = entries.setdefault(
            finding.slice, {"name": finding.slice, "rows": finding.rows, "metrics": []}
        )
        delta = finding.delta
        entry["metrics"].append(
            {
                "name": finding.metric,
                "baseline": delta.baseline,
                "candidate": delta.candidate,
                "delta": delta.delta,
                "ci": None if delta.ci is None else list(delta.ci),
                "p_value": delta.p_value,
                "adjusted_p": finding.adjusted_p,
                "method": delta.method,
                "minimum_detectable": finding.minimum_detectable,
                "worse": finding.significantly_worse,
            }
        )
    for result in compared.slices:  # a slice where no metric could be computed is still listed
        entry = entries.setdefault(
            result.name, {"name": result.name, "rows": result.rows, "metrics": []}
        )
        entry["metrics"].sort(key=lambda metric: rank[metric["name"]])
    return {
        **_settings(compared.min_rows, compared.correction, compared.alpha),
        "tests": compared.tests,
        "resamples": compared.resamples,
        "metrics": order,
        "unavailable": None,
        "too_small": dict(compared.too_small),
        "slices": list(entries.values()),
        "gate_failures": [
            {
                "slice": failure.finding.slice,
                "metric": failure.finding.metric,
                "delta": failure.finding.delta.delta,
                "tolerance": failure.tolerance,
                "adjusted_p": failure.adjusted_p,
            }
            for failure in beyond
        ],
    }


def _compare(
    cand: Predictions,
    base: Predictions,
    found: Slices,
    names: Sequence[str],
    **options: Any,
) -> SliceComparison:
    from modelci.stats import slices

    if cand.classes is None:
        return slices.compare_regression_slices(
            cand.y, base.pred, cand.pred, slices=found, metrics=names, **options
        )
    return slices.compare_classification_slices(
        cand.y,
        base.pred,
        base.proba_seen,
        cand.pred,
        cand.proba_seen,
        n_classes=len(cand.classes),
        slices=found,
        metrics=names,
        **options,
    )


def _unavailable(
    config: SlicesConfig,
    alpha: float,
    names: Sequence[str],
    why: str | None,
    *,
    too_small: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    return {
        **_settings(config.min_rows, config.correction, alpha),
        "tests": 0,
        "resamples": 0,
        "metrics": list(names),
        "unavailable": why,
        "too_small": dict(too_small or {}),
        "slices": [],
        "gate_failures": [],
    }


def _settings(min_rows: int, correction: str, alpha: float) -> dict[str, Any]:
    return {"min_rows": min_rows, "correction": correction, "alpha": alpha}


def _levels_of(name: str, numeric: set[str], where: str) -> None:
    if name in numeric:
        raise UserError(
            f"slices.by: '{name}' is a numeric feature; slicing it by its levels would make "
            "one slice per distinct value",
            where=where,
            fix=f"Give it bins, e.g. {{feature: {name}, bins: [10, 20]}}",
        )


def _features_of(definition: Definition) -> tuple[str, ...]:
    found = getattr(definition, "features", None)
    return tuple(found) if found is not None else (definition.feature,)  # type: ignore[union-attr]


def _rebuilt(candidate: Run, evaluated: DataFacts) -> tuple[EvalRows | None, str | None]:
    """The rows the candidate was evaluated on, read again as `compare` re-scores them."""
    from modelci import rows

    fingerprint, source = evaluated.test_fingerprint, evaluated.source
    if fingerprint is None or source is None:
        return None, "the candidate's evaluation.json records no data source and fingerprint"
    recorded = candidate.info.data.test_fingerprint
    try:
        test_rows = rows.for_run(
            candidate, None if recorded == fingerprint else source, train_rows=False
        )
    except UserError as error:
        return None, f"the test rows cannot be read again ({error.message})"
    if test_rows.facts["test_fingerprint"] != fingerprint:
        return None, f"the test rows read again from {source} differ from those evaluated"
    return test_rows, None


def check_plan(run: Run, columns: Collection[str], source: object) -> None:
    """What compare would refuse of a run's `slices`, refused when the run is evaluated: a
    numeric feature sliced by its levels, a slice column the test data lacks. So a pull
    request learns it before its comparison, not after."""
    from modelci import rundir
    from modelci.config import SlicesConfig

    config = SlicesConfig.from_dict(run.info.section("slices"), where=str(run.path / rundir.RUN))
    plan = definitions(config, run.info.features, where=_config_file(run))
    _columns_needed(plan, columns, run, source)


def _columns_needed(
    plan: Sequence[Definition], columns: Collection[str], run: Run, source: object
) -> list[str]:
    needed = list(dict.fromkeys(name for definition in plan for name in _features_of(definition)))
    missing = [name for name in needed if name not in columns]
    if missing:
        raise UserError(
            f"the slice feature(s) {', '.join(map(repr, missing))} are not columns of the test "
            f"data ({source})",
            where=_config_file(run),
            fix="Slice by columns of the data (slices.by)",
        )
    return needed


def _config_file(candidate: Run) -> str:
    return candidate.info.config_path or "the candidate's modelci.yaml"
