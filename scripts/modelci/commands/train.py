"""Train the model a config describes; writes model.skops and run.json into --out.

With train.command in the config, runs your own training script instead, on modelci's split,
and makes the run of the model or predictions it writes (README: "Your own training script").

modelci train -c modelci.yaml --out runs/candidate
modelci train -c modelci.yaml --set model.params.max_iter=50 --set data.seed=1
modelci train -c modelci.yaml --out runs/candidate --evaluate   # then evaluate, same process
modelci train --evaluate --compare-with runs/baseline --compare-out runs/compare --gates-from baseline

--compare-with also compares the evaluated run with a baseline run, as `modelci compare` would
(exit 1 on a failed gate, after every output is written), in the same process. --gate (with
--evaluate) exits 1 when an absolute gate (min/max) of the config fails, as `modelci evaluate
--gate` would: a model's first pull request, with no baseline yet.

Step outputs (in GitHub Actions): run-dir; with --evaluate also evaluate's metrics and primary;
with --gate the absolute gates' verdict and failed-gates; with --compare-with also compare's
comparison-dir, verdict, failed-gates and summary (the verdict fails when either fails).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelci.config import Override

from modelci.commands import compare, evaluate

HELP = "train a model from modelci.yaml into a run directory"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path("modelci.yaml"),
        help="config file (default: modelci.yaml)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("runs/candidate"),
        help="run directory to write (default: runs/candidate)",
    )
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="evaluate the run on its test rows right after training, as `modelci evaluate "
        "OUT` would, without a second start of Python",
    )
    evaluate.add_plots_flag(parser)
    evaluate.add_gate_flag(parser)
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="BASELINE",
        help="with --evaluate: then compare the run with this baseline run directory",
    )
    parser.add_argument(
        "--compare-out",
        type=Path,
        default=Path("runs/compare"),
        help="the compare directory of --compare-with (default: runs/compare)",
    )
    compare.add_gates_from_flag(parser)
    add_override_flags(parser)


def add_override_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. data.seed=3 (YAML value; repeatable)",
    )
    parser.add_argument("--estimator", help="override model.estimator")
    parser.add_argument("--train", dest="train_data", help="override data.train")
    parser.add_argument("--test", dest="test_data", help="override data.test")
    parser.add_argument("--target", help="override data.target")
    parser.add_argument("--seed", type=int, help="override data.seed")


def overrides_from(args: argparse.Namespace) -> list[Override]:
    """CLI flags as dotted config keys; values of --set are parsed as YAML scalars."""
    from modelci import yaml_document
    from modelci.config import Override
    from modelci.errors import UserError

    out: list[Override] = []
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set {item!r} is not KEY=VALUE", fix="e.g. --set data.seed=3")
        # The config's bounded reader: a value is no more trusted than the file it overrides.
        parsed = yaml_document.read(value, source=f"--set {item}")
        value_data = parsed.data if parsed is not None else None
        out.append(Override(key=key.strip(), value=value_data, origin=f"--set {item}"))
    for flag, key in (
        ("estimator", "model.estimator"),
        ("train_data", "data.train"),
        ("test_data", "data.test"),
        ("target", "data.target"),
        ("seed", "data.seed"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            out.append(Override(key=key, value=value, origin=f"--{flag.removesuffix('_data')}"))
    return out


def run(args: argparse.Namespace) -> int:
    from modelci import config, training, training_script
    from modelci.errors import UserError
    from modelci.github import workflow
    from modelci.rundir import Run

    for given, flag in (
        (args.plots is not None, "--no-plots"),
        (args.compare_with, "--compare-with"),
        (args.gate, "--gate"),
    ):
        if given and not args.evaluate:
            raise UserError(f"{flag} goes with --evaluate", fix=f"add --evaluate, or drop {flag}")
    if args.compare_with is not None:
        Run.open(args.compare_with)  # a wrong baseline is refused before the fit, not after
    cfg = config.load(args.config, overrides_from(args))
    if cfg.train.command is not None:
        info = training_script.train(cfg, args.out)
        model = info["model"]
        made = "predictions" if model is None else f"{model['file']} ({model['flavour']})"
        print(f"train.command made {made} for {info['task']} → {args.out}")
    else:
        info = training.train(cfg, args.out)
        print(f"trained {info['estimator']['class']} ({info['task']}) → {args.out}")
    outputs = {"run-dir": str(args.out.resolve())}
    code, evaluated = 0, dict[str, str]()  # evaluate's step outputs, with --evaluate
    if args.evaluate:
        code, evaluated = evaluate.evaluate_run(
            Run.open(args.out), out=args.out, plots=args.plots, gate=args.gate
        )
        outputs |= evaluated
    if args.compare_with is not None:
        compared_code, compared = compare.compare_dirs(
            args.out, args.compare_with, args.compare_out, gates_from=args.gates_from
        )
        outputs |= _both_verdicts(evaluated, compared)
        code = max(code, compared_code)
    workflow.set_outputs(outputs)
    return code


def _both_verdicts(evaluated: dict[str, str], compared: dict[str, str]) -> dict[str, str]:
    """compare's outputs, its verdict and failed-gates joined with the absolute gates' (--gate:
    the candidate's own config, which --gates-from baseline may not have applied)."""
    import json

    if "verdict" not in evaluated:
        return compared
    failed = json.loads(compared["failed-gates"])
    failed += [name for name in json.loads(evaluated["failed-gates"]) if name not in failed]
    verdict = "fail" if "fail" in (evaluated["verdict"], compared["verdict"]) else "pass"
    return compared | {
        "verdict": verdict,
        "failed-gates": json.dumps(failed, separators=(",", ":")),
    }
