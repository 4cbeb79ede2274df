"""Push a run directory to an OCI registry as a CNCF ModelPack artifact.

Every file of RUN_DIR becomes one layer (the model file of any flavour — model.skops,
model.ubj, model.json, model.txt, model.cbm, model.onnx — and preprocess.skops weight layers,
run.json a weight-config layer, predictions a dataset layer, the other JSON files, plots,
MODEL_CARD.md and SHA256SUMS doc layers), annotated with its path, so `modelci pull` and a
plain `oras pull` restore the same tree; the config's format names the model's (skops,
xgboost-ubj, onnx, …). A predictions run is pushed without a weight layer. The run must be
evaluated (evaluation.json, metrics.json), and its model and preprocess.skops must match the
sha256 run.json records. The manifest carries org.opencontainers.image.* annotations (source, revision,
version, created, description) from run.json and the Actions environment.

Tags: a semantic version also moves its series. 1.2.3 (or v1.2.3) pushes 1.2.3, 1.2, 1 and
latest; 0.4.1 pushes 0.4.1, 0.4 and latest; a prerelease (1.2.3-rc.1) pushes only itself;
any other tag is pushed as given.

Blobs the registry already has are skipped, files are streamed (memory stays flat whatever
the model's size), an upload cut off midway is restarted (3 retries), and every digest the
registry reports is checked. Prints the manifest digest; in Actions sets the outputs digest,
ref (REGISTRY/NAME@DIGEST) and tags (one REGISTRY/NAME:TAG per line).

Credentials: the password (or token) comes from $MODELCI_REGISTRY_PASSWORD, or the variable
--password-env names; for ghcr.io, $GITHUB_TOKEN when that is unset (the job needs
`permissions: packages: write`). The username from --username, $MODELCI_REGISTRY_USERNAME or,
for ghcr.io, $GITHUB_ACTOR. Without a password the push is anonymous. Repository names are
lowercased (ghcr.io/Octo/Model → ghcr.io/octo/model).

Exit 0 when pushed, 2 on bad input (reference, run directory), 3 when the registry fails.

examples:
  modelci publish registry runs/candidate --ref ghcr.io/octo-org/churn:1.2.0
  modelci publish registry runs/candidate --ref localhost:5000/churn:dev --plain-http
  modelci publish registry runs/c --ref registry.example.com/ml/churn:2.0.0 \\
      --username ci --password-env REGISTRY_TOKEN --annotation org.opencontainers.image.url=https://example.com
"""

from __future__ import annotations

import argparse
from pathlib import Path

from modelci.commands.pull import add_auth_arguments, credentials_from

HELP = "push a run to an OCI registry as a CNCF ModelPack artifact"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="run directory to push")
    parser.add_argument(
        "--ref",
        required=True,
        metavar="REGISTRY/NAME:TAG",
        help="where to push, e.g. ghcr.io/OWNER/MODEL:1.2.3",
    )
    parser.add_argument(
        "--annotation",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="add (or override) a manifest annotation; repeatable",
    )
    add_auth_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from modelci import progress
    from modelci.errors import UserError
    from modelci.github import workflow
    from modelci.registry import Reference, push_run
    from modelci.registry.modelpack import parse_annotation

    ref = Reference.parse(args.ref)
    annotations = dict(parse_annotation(text) for text in args.annotation)
    if not args.run_dir.is_dir():
        raise UserError(
            f"run directory {args.run_dir} not found",
            fix="Create it with `modelci train --out DIR`",
        )
    result = push_run(
        args.run_dir,
        ref,
        credentials=credentials_from(args, ref),
        plain_http=args.plain_http,
        annotations=annotations,
    )
    print(result.digest)
    stats = result.stats
    progress.current.info(
        f"pushed {result.reference} as {', '.join(t.tag or '' for t in result.tags)}: "
        f"{stats.blobs_uploaded} blobs uploaded ({stats.bytes_uploaded:,} bytes), "
        f"{stats.blobs_skipped} already there"
    )
    workflow.set_outputs(
        {
            "digest": result.digest,
            "ref": str(result.reference),
            "tags": "\n".join(str(tag) for tag in result.tags),
        },
    )
    return 0
