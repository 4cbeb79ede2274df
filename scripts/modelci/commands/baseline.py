"""Fetch the baseline to compare a candidate with, as a run directory `modelci compare` accepts.

Sources:
  release:latest   the newest published, non-prerelease release of this model: NAME@vX.Y.Z
                   tags for the model named by --name or the config's name:, plain vX.Y.Z
                   tags otherwise
  release:TAG      that published release
  registry:REF     an OCI reference pushed by `modelci publish registry` (credentials as for
                   `modelci pull`; --plain-http for a local registry without TLS)
  path:DIR         a run directory on disk

A release's SHA256SUMS must list the run's files (run.json, the model file of its flavour and
preprocess.skops when recorded, metrics.json, evaluation.json; a predictions run's
predictions.csv) and every file it lists must match; the model file must be named for the
flavour run.json records, its sha256 (and preprocess.skops's) must match run.json, and it
must load with its flavour's checks (skops's allowlist, a booster's trees, an ONNX graph's
operators). Anything else is refused (exit 2) and --out is left untouched. A model run's
predictions do not come with a release, so compare re-scores the baseline model on the
candidate's rows; a predictions run's do, and compare aligns them by row id.

With a release: source, --history N (default: the config's compare.history, 10; 0: none) also
records the model's last N published releases up to the baseline's (more when a from-best
window is wider) in history.json: each one's run.json and evaluation.json, checked against its
SHA256SUMS. For every max_drop_from_best or max_rise_from_best gate (of the baseline's recorded
config and of --config), the best of its last releases is downloaded and verified as a run
into history/TAG/ when its model is not the baseline's; compare scores it on the candidate's
rows.

When release:latest finds no release, the command prints a notice, sets found=false and exits
0: the pull-request report then shows the candidate alone. Outputs: found, dir, source, tag,
model-sha256 (empty for a predictions run).

examples:
  modelci baseline --from release:latest --out runs/baseline
  modelci baseline --from release:churn@v1.2.0 --out runs/baseline --repo octo/models
  modelci baseline --from path:../main/runs/candidate --out runs/baseline
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.commands.github_options import GitHubContext, add_github_options
from modelci.errors import UserError

if TYPE_CHECKING:
    from modelci.config import Config

DEFAULT_HISTORY = 10
HELP = "fetch and verify a baseline run (release, registry or path) for compare"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SOURCE",
        help="release:latest, release:TAG, registry:REF or path:DIR",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("runs/baseline"),
        help="run directory to write (default: runs/baseline)",
    )
    parser.add_argument(
        "--name",
        metavar="MODEL",
        help="model name for release:latest (NAME@ tags; default: name: of the config)",
    )
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        help="config whose name: picks the model for release:latest (default: modelci.yaml "
        "when it exists)",
    )
    parser.add_argument(
        "--history",
        type=_count,
        metavar="N",
        help="with release: sources, record the model's last N releases in history.json "
        "(default: compare.history of the config, 10; 0: none)",
    )
    from modelci.commands.pull import add_auth_arguments

    add_auth_arguments(parser)  # registry: sources: --username, --password-env, --plain-http
    add_github_options(parser)  # release: sources: --repo, --api-url, --token-env


def run(args: argparse.Namespace, context: GitHubContext | None = None) -> int:
    from modelci import baseline, progress
    from modelci.github import workflow

    context = context or GitHubContext.of(args)
    env, out = context.env, context.out
    source = baseline.parse_source(args.source)
    log = progress.current.info
    if source.kind != "release" and args.history:
        raise UserError(
            f"--history applies to release: sources, not {source.kind}:",
            fix="Drop --history, or fetch the baseline with --from release:latest",
        )
    if source.kind == "release":
        from modelci import release_history
        from modelci.release.remote import RepoReleases, parse_repository

        owner, repo = parse_repository(env.repository)
        # Only a release source reads the config (its name:, compare.history and gates): a
        # path or registry baseline is not held up by a config it never uses.
        config = _config(args.config)
        name = args.name or (config.name if config is not None else None)
        count = args.history
        if count is None:
            count = config.compare.history if config is not None else DEFAULT_HISTORY
        with context.session() as client:
            releases = RepoReleases(client, owner, repo)
            add = None
            # compare.history only sizes the trend: a pull request that sets it to 0 still
            # gets its from-best windows fetched (only an explicit --history 0 turns them off).
            if count > 0 or args.history is None:
                add = release_history.adder(
                    releases,
                    count=count,
                    gates=dict(config.gates) if config is not None else {},
                    log=log,
                )
            fetched = baseline.from_release(releases, source, args.out, name=name, log=log, add=add)
    elif source.kind == "registry":
        from modelci.commands.pull import credentials_from
        from modelci.registry import Reference

        credentials = credentials_from(args, Reference.parse(source.ref))
        fetched = baseline.from_registry(
            source.ref, args.out, credentials=credentials, plain_http=args.plain_http, log=log
        )
    else:
        fetched = baseline.from_path(Path(source.ref), args.out, source=source)

    if not fetched.found:
        message = f"modelci baseline: {fetched.reason}; the report shows the candidate alone"
        print(workflow.command("notice", message), file=out, flush=True)
        outputs = {"found": "false", "source": str(source)}
    else:
        what = fetched.tag or str(source)
        print(f"baseline {what} → {fetched.directory}", file=out)
        outputs = {
            "found": "true",
            "dir": str(fetched.directory),
            "source": str(source),
            "tag": fetched.tag or "",
            "model-sha256": fetched.model_sha256 or "",
        }
    for key, value in outputs.items():
        print(f"{key}={value}", file=out)
    out.flush()
    workflow.set_outputs(outputs, env=env)
    return 0


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _config(path: Path | None) -> Config | None:
    """--config, else modelci.yaml when it exists: its name: and compare.history."""
    from modelci import config

    if path is None:
        path = Path("modelci.yaml")
        if not path.is_file():
            return None
    return config.load(path)
