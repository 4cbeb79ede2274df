"""Publish a trained run: as a GitHub release, or to an OCI registry as a ModelPack artifact.

examples:
  modelci publish release runs/candidate --tag v1.2.0
  modelci publish registry runs/candidate --ref ghcr.io/octo-org/churn:1.2.0
"""

from __future__ import annotations

import argparse
import importlib

HELP = "publish a run as a GitHub release or to an OCI registry"

# target → module with HELP, configure(parser) and run(args).
TARGETS = {
    "release": "modelci.commands.publish_release",
    "registry": "modelci.commands.publish_registry",
}


def configure(parser: argparse.ArgumentParser) -> None:
    # -q/-v after the target too; SUPPRESS so an absent flag there does not reset one given
    # before it (argparse copies a subparser's defaults over the parent's values).
    noise = argparse.ArgumentParser(add_help=False)
    group = noise.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    group.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="publish_target", metavar="TARGET", required=True)
    for name, module_name in TARGETS.items():
        module = importlib.import_module(module_name)
        target = sub.add_parser(
            name,
            parents=[noise],
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(target)
        target.set_defaults(publish_run=module.run)


def run(args: argparse.Namespace) -> int:
    return int(args.publish_run(args))
