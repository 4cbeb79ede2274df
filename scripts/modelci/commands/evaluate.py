"""Evaluate a trained model: metrics with 95% intervals, per-class tables, curves, data checks,
predictions and plots, written into the run directory.

  modelci evaluate runs/candidate                 # on the test rows of training
  modelci evaluate runs/candidate --data new.csv  # on other rows
  modelci evaluate --model model.skops --data test.csv --target y --out runs/mine
  modelci evaluate --predictions preds.csv --out runs/preds   # predictions alone, no model

--predictions takes the columns of the predictions.csv evaluate writes (row_id, y_true, y_pred,
proba_<class>…); --id-column, --target and --prediction-column name others, --task overrides
the inferred task. A run made so (run.json model null) evaluates again with `evaluate RUN`.

The run's own config's absolute gates (`min`/`max`) are applied and recorded in evaluation.json
(`gates`); relative ones (`max_drop`, …) wait for a baseline. With --gate a failed one exits 1,
after every output is written: a model's first pull request, with no baseline yet.

Step outputs (in GitHub Actions): run-dir, metrics (metrics.json's object, one line of JSON) and
primary (the headline metric's name); with --gate also verdict (pass or fail) and failed-gates
(a JSON list) when the config sets gates.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelci.documents import Evaluation
    from modelci.rundir import Run

HELP = "evaluate a run (or a bring-your-own model) and write metrics, plots, predictions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", type=Path, help="run directory made by train")
    parser.add_argument("--data", help="evaluate on this CSV/TSV/Parquet instead")
    parser.add_argument(
        "--model", type=Path, help="a model file trained elsewhere: model.skops, model.ubj, …"
    )
    parser.add_argument(
        "--predictions",
        type=Path,
        metavar="FILE",
        help="evaluate predictions alone (CSV/TSV/Parquet: row_id, y_true, y_pred, "
        "proba_<class>…) into the predictions run --out",
    )
    parser.add_argument(
        "--target",
        help="target column (with --model); the truth column (with --predictions, default y_true)",
    )
    parser.add_argument("--id-column", help="row id column of --predictions (default: row_id)")
    parser.add_argument(
        "--prediction-column", help="prediction column of --predictions (default: y_pred)"
    )
    parser.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="task of --predictions (default: inferred: proba_ columns or label-like truth "
        "→ classification) or of --model (default: the model's)",
    )
    parser.add_argument("--sha256", help="expected sha256 of --model")
    parser.add_argument("--classes", help="with --model: a,b,c in the order of its outputs")
    parser.add_argument(
        "--out",
        type=Path,
        help="write outputs here (default: the run directory; with --model: runs/evaluation)",
    )
    parser.add_argument("--primary", help="headline metric (default: from the config)")
    add_plots_flag(parser)
    add_gate_flag(parser)


def add_gate_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 when an absolute gate (min/max) of the run's config fails, after every "
        "output is written: a first pull request, with no baseline to compare with",
    )


def add_plots_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        default=None,
        help="skip the plots whatever metrics.plots says, e.g. when a comparison will show its "
        "own overlays instead",
    )


def run(args: argparse.Namespace) -> int:
    import tempfile

    from modelci import bring_your_own
    from modelci.errors import UserError
    from modelci.github import workflow
    from modelci.rundir import Run

    if args.classes is not None and args.model is None:
        raise UserError(
            "--classes applies to --model only (a run records its classes; a predictions "
            "file has one proba_<class> column per class)",
            fix="e.g. modelci evaluate --model model.onnx --data test.csv --target y --classes a,b",
        )
    if args.predictions is not None:
        return _evaluate_predictions(args)
    for flag, value in (
        ("--id-column", args.id_column),
        ("--prediction-column", args.prediction_column),
        ("--task", args.task if args.model is None else None),
    ):
        if value is not None:
            raise UserError(
                f"{flag} applies to --predictions only",
                fix=f"e.g. modelci evaluate --predictions preds.csv --out DIR {flag} ...",
            )
    if args.model is not None:
        if args.run_dir is not None:
            raise UserError("give either a run directory or --model, not both")
        if not args.data or not args.target:
            raise UserError(
                "--model needs --data and --target",
                fix="e.g. --model model.skops --data test.csv --target label",
            )
        out = args.out or Path("runs/evaluation")
        with tempfile.TemporaryDirectory(prefix="modelci-byo-") as work:
            # Evaluated into `out` from the temporary run: a failure leaves nothing behind.
            run_ = bring_your_own.make_run(
                args.model,
                args.data,
                args.target,
                Path(work),
                sha256=args.sha256,
                task=args.task,
                classes=bring_your_own.parse_classes(args.classes),
            )
            code, outputs = evaluate_run(
                run_,
                out=out,
                primary=args.primary,
                plots=args.plots,
                inputs=(args.model,),
                gate=args.gate,
            )
    else:
        if args.run_dir is None:
            raise UserError(
                "no run directory given", fix="modelci evaluate RUN_DIR, or --model/--data/--target"
            )
        code, outputs = evaluate_run(
            Run.open(args.run_dir),
            out=args.out or args.run_dir,
            data=args.data,
            primary=args.primary,
            plots=args.plots,
            gate=args.gate,
        )
    workflow.set_outputs(outputs)
    return code


def _evaluate_predictions(args: argparse.Namespace) -> int:
    from modelci import evaluation, prediction_tables
    from modelci.errors import UserError
    from modelci.github import workflow

    for flag, value in (
        ("a run directory", args.run_dir),
        ("--model", args.model),
        ("--data", args.data),
        ("--sha256", args.sha256),
    ):
        if value is not None:
            raise UserError(
                f"give either --predictions or {flag}, not both",
                fix="Predictions carry their own truth: modelci evaluate --predictions FILE "
                "--out DIR",
            )
    if args.out is None:
        raise UserError(
            "--predictions needs --out, the run directory to make",
            fix=f"e.g. modelci evaluate --predictions {args.predictions} --out runs/predictions",
        )
    defaults = prediction_tables.Columns()
    columns = prediction_tables.Columns(
        id=args.id_column or defaults.id,
        truth=args.target or defaults.truth,
        prediction=args.prediction_column or defaults.prediction,
    )
    document = evaluation.evaluate_predictions_file(
        args.predictions,
        out=args.out,
        columns=columns,
        task=args.task,
        primary=args.primary,
        draw_plots=args.plots,
    )
    outputs = headline(document, args.out)
    code, verdict = gated(document, gate=args.gate)
    workflow.set_outputs(outputs | verdict)
    return code


def evaluate_run(
    run: Run,
    *,
    out: Path,
    data: str | None = None,
    primary: str | None = None,
    plots: bool | None = None,
    inputs: tuple[Path, ...] = (),
    gate: bool = False,
) -> tuple[int, dict[str, str]]:
    """Evaluate `run` into `out`, print the headline line; returns the exit code (1: `gate` and
    an absolute gate failed) and the step outputs. `inputs` are files read besides the run's
    own, which no output may replace."""
    from modelci import evaluation

    document = evaluation.evaluate(
        run, data_override=data, out=out, primary=primary, draw_plots=plots, inputs=inputs
    )
    outputs = headline(document, out)
    code, verdict = gated(document, gate=gate)
    return code, outputs | verdict


def gated(document: Evaluation, *, gate: bool) -> tuple[int, dict[str, str]]:
    """The exit code of the evaluation's absolute gates (1 only with `gate` and a failure) and,
    with `gate`, the step outputs verdict and failed-gates (none when nothing is gated). Prints
    the gates' line with `gate`, and a failure whatever `gate` says."""
    import json

    from modelci.errors import ExitCode

    gates = document.gates
    if gates is not None and (gate or gates.failed):
        print(gates_line(document))
    if not gate or gates is None:
        return 0, {}
    failed = [result.name for result in gates.failed]
    outputs = {
        "verdict": gates.verdict,
        "failed-gates": json.dumps(failed, separators=(",", ":")),
    }
    return (int(ExitCode.GATE_FAILED) if gates.verdict == "fail" else 0), outputs


def headline(document: Evaluation, out: Path) -> dict[str, str]:
    """Print the headline line; the step outputs."""
    import json

    headline = document.metric(document.primary)
    assert headline is not None and headline.value is not None  # evaluate checked it
    ci = headline.ci
    interval = f" (95% CI {ci[0]:.4f}–{ci[1]:.4f})" if ci else ""
    print(f"{headline.name} = {headline.value:.4f}{interval} on {document.n_rows} rows → {out}")
    flat = dict(document.flat_metrics().values)
    return {
        "run-dir": str(out.resolve()),
        "metrics": json.dumps(flat, separators=(",", ":"), allow_nan=False),
        "primary": headline.name,
    }


def gates_line(document: Evaluation) -> str:
    """The absolute gates in one line, e.g. "gates: ❌ fail (accuracy: value 0.62 is below the
    minimum 0.9); waiting for a baseline: roc_auc"."""
    gates = document.gates
    assert gates is not None
    if gates.failed:
        reasons = "; ".join(f"{result.name}: {result.gate.reason}" for result in gates.failed)
        line = f"gates: ❌ fail ({reasons})"
    elif gates.results:
        line = f"gates: ✅ pass ({', '.join(result.name for result in gates.results)})"
    else:
        line = "gates: no absolute gate"
    if gates.waiting:
        line += f"; waiting for a baseline: {', '.join(gates.waiting)}"
    return line
