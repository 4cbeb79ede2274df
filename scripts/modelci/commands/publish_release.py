"""Publish an evaluated run directory as a GitHub release.

The release gets the run's files as assets: run.json, the model file of its flavour
(model.skops, model.ubj, model.json, model.txt, model.cbm or model.onnx) and preprocess.skops
when recorded, or a predictions run's predictions.csv (it has no model), metrics.json,
evaluation.json, the plots (plots/roc.png → plot-roc.png), MODEL_CARD.md (metrics with
intervals, data fingerprints, training config, and the card: section of modelci.yaml) and
SHA256SUMS (`sha256sum -c SHA256SUMS` checks a download). The notes hold the metrics table
with deltas against the model's previous release and link the card; after a first release they
also show the trend of the primary and gated metrics over the previous releases (up to the
config's compare.history) and this one, uploaded as plot-history.png.

Tags: v1.2.3 or 1.2.3; a prerelease (v1.2.3-rc.1) is published as a prerelease and never
marked latest; in a monorepo, NAME@v1.2.3 tags keep one line of versions per model (the
config's name:). The release is created as a draft (or an existing draft of the tag is
reused), every asset is uploaded, and only then is it published, so a failure leaves an
unpublished draft that the next run finishes; re-running replaces changed assets and never
duplicates one. --draft-only stops before publishing.

An unevaluated run, or one whose model file no longer matches run.json's sha256, is refused.

Outputs (and stdout): release-url, release-id, tag, published, asset-urls (JSON: name → URL).
Exit 0 when published, 2 on bad input, 3 when GitHub fails (the draft is left unpublished).
The token comes from $GITHUB_TOKEN (or --token-env NAME) and needs contents: write.

examples:
  modelci publish release runs/candidate --tag v1.2.0
  modelci publish release runs/churn --tag churn@v2.0.0-rc.1 --repo octo/models
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from modelci.commands.github_options import GitHubContext, add_github_options

HELP = "publish an evaluated run as a GitHub release: model, card, metrics, SHA256SUMS"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="evaluated run directory")
    parser.add_argument(
        "--tag",
        required=True,
        help="release tag: v1.2.3, 1.2.3, v1.2.3-rc.1 (prerelease) or NAME@v1.2.3 (one model "
        "of a monorepo)",
    )
    parser.add_argument(
        "--draft-only",
        action="store_true",
        help="upload everything to a draft release and stop before publishing",
    )
    parser.add_argument(
        "--checksums-out",
        metavar="FILE",
        type=Path,
        help="also write the SHA256SUMS asset here (e.g. for a provenance attestation)",
    )
    add_github_options(parser)


def run(args: argparse.Namespace, context: GitHubContext | None = None) -> int:
    from modelci import progress
    from modelci.github import workflow
    from modelci.release import tags
    from modelci.release.publish import publish_run
    from modelci.release.remote import RepoReleases, parse_repository

    context = context or GitHubContext.of(args)
    env, out = context.env, context.out
    owner, repo = parse_repository(env.repository)
    tag = tags.parse_tag(args.tag)
    checksums_out = getattr(args, "checksums_out", None)
    if checksums_out is not None:  # checked before anything is published
        from modelci import fsutil, protected

        checksums_out = fsutil.check_writable_file(
            checksums_out, inputs=protected.run_inputs(args.run_dir), flag="--checksums-out"
        )
    with context.session() as client:
        published = publish_run(
            args.run_dir,
            tag=tag,
            releases=RepoReleases(client, owner, repo),
            server_url=env.server_url,
            target=env.sha,
            draft_only=args.draft_only,
            log=progress.current.info,
            warn=lambda text: print(workflow.command("warning", text), file=out, flush=True),
        )
    state = (
        "draft release (not published: --draft-only)" if published.draft else "published release"
    )
    extra = "" if published.draft or not published.prerelease else " (prerelease, not latest)"
    print(
        f"{state} {published.tag} in {owner}/{repo}{extra}: "
        f"{len(published.uploaded)} assets uploaded, {len(published.unchanged)} unchanged",
        file=out,
    )
    outputs = {
        "release-url": published.url,
        "release-id": str(published.release_id),
        "tag": published.tag,
        "published": "false" if published.draft else "true",
        "asset-urls": json.dumps(published.assets, separators=(",", ":")),
    }
    if checksums_out is not None:
        from modelci.fsutil import write_text_atomic

        write_text_atomic(checksums_out, published.checksums)
        outputs["checksums"] = str(checksums_out)
    for name, value in outputs.items():
        print(f"{name}={value}", file=out)
    out.flush()
    workflow.set_outputs(outputs, env=env)
    return 0
