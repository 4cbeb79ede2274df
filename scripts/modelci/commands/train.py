"""Train the model a config describes; writes model.skops and run.json into --out.

modelci train -c modelci.yaml --out runs/candidate
modelci train -c modelci.yaml --set model.params.max_iter=50 --set data.seed=1
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelci.config import Override

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
    from modelci import config, training

    cfg = config.load(args.config, overrides_from(args))
    info = training.train(cfg, args.out)
    print(f"trained {info['estimator']['class']} ({info['task']}) → {args.out}")
    return 0
