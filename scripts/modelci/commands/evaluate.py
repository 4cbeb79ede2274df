"""Evaluate a trained model: metrics with 95% intervals, per-class tables, curves, data checks,
predictions and plots, written into the run directory.

  modelci evaluate runs/candidate                 # on the test rows of training
  modelci evaluate runs/candidate --data new.csv  # on other rows
  modelci evaluate --model model.skops --data test.csv --target y --out runs/mine
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "evaluate a run (or a bring-your-own model) and write metrics, plots, predictions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", type=Path, help="run directory made by train")
    parser.add_argument("--data", help="evaluate on this CSV/TSV/Parquet instead")
    parser.add_argument("--model", type=Path, help="a skops model file trained elsewhere")
    parser.add_argument("--target", help="target column (with --model)")
    parser.add_argument("--sha256", help="expected sha256 of --model")
    parser.add_argument(
        "--out",
        type=Path,
        help="write outputs here (default: the run directory; with --model: runs/evaluation)",
    )
    parser.add_argument("--primary", help="headline metric (default: from the config)")


def run(args: argparse.Namespace) -> int:
    import tempfile

    from modelci import evaluation
    from modelci.errors import UserError
    from modelci.rundir import Run

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
            run_ = evaluation.bring_your_own(
                args.model, args.data, args.target, Path(work), sha256=args.sha256
            )
            document = evaluation.evaluate(run_, out=out, primary=args.primary)
    else:
        if args.run_dir is None:
            raise UserError(
                "no run directory given", fix="modelci evaluate RUN_DIR, or --model/--data/--target"
            )
        run_ = Run.open(args.run_dir)
        out = args.out or args.run_dir
        document = evaluation.evaluate(
            run_, data_override=args.data, out=args.out, primary=args.primary
        )
    primary = document.metric(document.primary)
    assert primary is not None and primary.value is not None  # evaluate checked it
    ci = primary.ci
    interval = f" (95% CI {ci[0]:.4f}–{ci[1]:.4f})" if ci else ""
    print(f"{primary.name} = {primary.value:.4f}{interval} on {document.n_rows} rows → {out}")
    return 0
