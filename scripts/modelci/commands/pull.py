"""Pull a model artifact from an OCI registry into a directory.

REF is REGISTRY/NAME:TAG or REGISTRY/NAME@sha256:DIGEST. The artifact must be a CNCF
ModelPack artifact (what `modelci publish registry` pushes) or an ORAS artifact of plain
files. Every layer is written to the path its annotation names (org.cncf.model.filepath, else
org.opencontainers.image.title); absolute paths, `..` and duplicate paths are refused, and
every size and sha256 digest is checked. The files are staged and moved into --out only when
all of them are in, so a failure leaves --out as it was. --out must be new, empty, or a run
directory (which is then replaced whole). A run pushed by `modelci publish registry` comes back
as it was pushed: its model file under its own name (model.skops, model.ubj, model.onnx, …),
preprocess.skops, or a predictions run's predictions.csv. pull checks digests, not models:
`modelci baseline --from registry:REF` also checks the model against run.json and loads it.

Prints the manifest digest, then each file written; in Actions sets the outputs digest, dir
(--out as given) and files (one path per line, relative to dir). Credentials as for
`publish registry`; without any the pull is anonymous (public packages).
Exit 0 when pulled, 2 on bad input (reference, not a model artifact, unsafe paths, --out),
3 when the registry fails.

examples:
  modelci pull ghcr.io/octo-org/churn:1.2.0 --out runs/baseline
  modelci pull localhost:5000/churn@sha256:4f…e1 --out runs/baseline --plain-http
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelci.registry import Credentials, Reference

HELP = "pull a ModelPack (or ORAS) artifact from an OCI registry into a directory"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="REGISTRY/NAME:TAG or REGISTRY/NAME@DIGEST")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the files to")
    add_auth_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from modelci.github import workflow
    from modelci.registry import Reference, pull

    ref = Reference.parse(args.ref)
    result = pull(
        args.ref, args.out, credentials=credentials_from(args, ref), plain_http=args.plain_http
    )
    print(result.manifest_digest)
    for name in result.files:
        print(args.out / name)
    workflow.set_outputs(
        {"digest": result.manifest_digest, "dir": str(args.out), "files": "\n".join(result.files)}
    )
    return 0


def add_auth_arguments(parser: argparse.ArgumentParser) -> None:
    """--username, --password-env, --plain-http: shared by `pull` and `publish registry`."""
    parser.add_argument(
        "--username",
        help="registry username (default: $MODELCI_REGISTRY_USERNAME; ghcr.io: $GITHUB_ACTOR)",
    )
    parser.add_argument(
        "--password-env",
        metavar="NAME",
        help="environment variable holding the password or token (default: "
        "MODELCI_REGISTRY_PASSWORD; ghcr.io: GITHUB_TOKEN when that is unset)",
    )
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="talk HTTP instead of HTTPS (a local registry without TLS)",
    )


def credentials_from(args: argparse.Namespace, ref: Reference) -> Credentials | None:
    from modelci.registry import Credentials

    return Credentials.from_env(ref.host, username=args.username, password_env=args.password_env)
