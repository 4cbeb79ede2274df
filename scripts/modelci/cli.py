"""The `modelci` command line: one subcommand per module in `modelci.commands`.

Command modules import only the standard library at module level, so `modelci --help` and
`modelci --version` stay fast; heavy libraries are imported inside each command's `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from modelci import __version__, progress
from modelci.errors import ExitCode, ModelciError

COMMANDS = (
    "train",
    "evaluate",
    "compare",
    "report",
    "demo",
    "check",
    "comment",
    "publish",
    "pull",
    "baseline",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelci",
        description="Train, evaluate and compare ML models; report on pull requests.",
    )
    parser.add_argument("--version", action="version", version=f"modelci {__version__}")
    # Accepted before the command too (`modelci -q demo`); separate dests so the subcommand's
    # defaults do not overwrite them.
    top = parser.add_mutually_exclusive_group()
    top.add_argument(
        "-q", "--quiet", dest="top_quiet", action="store_true", help="print only errors and results"
    )
    top.add_argument(
        "-v", "--verbose", dest="top_verbose", action="store_true", help="print more detail"
    )
    common = argparse.ArgumentParser(add_help=False)
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print only errors and results")
    noise.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"modelci.commands.{name.replace('-', '_')}")
        command = sub.add_parser(
            name,
            parents=[common],
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet, verbose = args.quiet or args.top_quiet, args.verbose or args.top_verbose
    level = progress.QUIET if quiet else progress.VERBOSE if verbose else progress.NORMAL
    progress.current = progress.Progress(level)
    try:
        return int(args.run(args))
    except ModelciError as error:
        print(f"modelci {args.command}: error: {error.line()}", file=sys.stderr)
        return int(error.exit_code)
    except OSError as error:
        # Disk full, a read-only or missing folder, a file where a folder should be: the
        # user's environment, said in one line (network errors arrive as ModelciError).
        where = f"{error.filename}: " if error.filename else ""
        print(
            f"modelci {args.command}: error: {where}{error.strerror or error}",
            file=sys.stderr,
        )
        return int(ExitCode.USER_ERROR)
    except KeyboardInterrupt:
        print(f"modelci {args.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"modelci {args.command}: error: out of memory", file=sys.stderr)
        return int(ExitCode.USER_ERROR)


if __name__ == "__main__":
    raise SystemExit(main())
