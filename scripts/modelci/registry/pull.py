"""Pull a ModelPack (or plain ORAS) artifact into a directory: every file checked, all or nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from modelci import fsutil, progress
from modelci.errors import UserError
from modelci.registry import modelpack
from modelci.registry.auth import Credentials
from modelci.registry.client import RegistryClient, RegistryError
from modelci.registry.reference import Reference

MAX_CONFIG_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True, kw_only=True)
class PullResult:
    manifest_digest: str
    files: list[str]  # relative paths written under `out`, in manifest order


def pull(
    ref: str,
    out: Path,
    *,
    credentials: Credentials | None = None,
    plain_http: bool = False,
    client: RegistryClient | None = None,
) -> PullResult:
    """Download the artifact `ref` (REGISTRY/NAME:TAG or REGISTRY/NAME@sha256:…) into `out`.

    The manifest must be a ModelPack artifact (or an ORAS artifact of plain files); each layer
    goes to the path its `org.cncf.model.filepath` (else `org.opencontainers.image.title`)
    annotation names, which must stay inside `out`. Every size and sha256 digest is checked.
    Files land in a staging directory that replaces `out` only once all are in, so a failure
    leaves `out` as it was. `out` must be new, empty, or a run directory (holding run.json).
    Raises UserError (bad reference, not a model artifact, unsafe paths) or RegistryError.
    """
    target = Reference.parse(ref)
    fsutil.check_replaceable(out, marker="run.json", kind="a run directory")
    own = client is None
    if client is None:
        client = RegistryClient(target.api_host, credentials=credentials, plain_http=plain_http)
    log = progress.current
    try:
        with log.stage("fetch manifest"):
            fetched = client.get_manifest(target.repository, target.reference)
            kind, planned = modelpack.plan_pull(fetched.body, fetched.media_type)
            if kind == "modelpack":
                _check_config(client, target, fetched.body)
        total = sum(item.size for item in planned)
        with (
            log.stage(f"download {len(planned)} files ({total:,} bytes)"),
            fsutil.staged_dir(out, marker="run.json", kind="a run directory") as stage,
        ):
            first: dict[str, Path] = {}
            for item in planned:
                dest = stage / item.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                if item.digest in first:  # the same content twice: fetch it once
                    shutil.copyfile(first[item.digest], dest)
                    continue
                client.fetch_blob(target.repository, item.digest, item.size, dest)
                first[item.digest] = dest
                log.debug(f"{item.path} ({item.size:,} bytes)")
    finally:
        if own:
            client.close()
    return PullResult(manifest_digest=fetched.digest, files=[item.path for item in planned])


def _check_config(client: RegistryClient, target: Reference, manifest_body: bytes) -> None:
    """A ModelPack config must be a JSON object; fetched (and digest-checked) but not written."""
    manifest = json.loads(manifest_body)  # valid JSON: `plan_pull` parsed it first
    config = manifest.get("config") if isinstance(manifest, dict) else None
    digest = config.get("digest") if isinstance(config, dict) else None
    size = config.get("size") if isinstance(config, dict) else None
    if not isinstance(digest, str) or not isinstance(size, int) or isinstance(size, bool):
        raise UserError("the ModelPack manifest has no valid config descriptor")
    data = client.fetch_blob_bytes(target.repository, digest, size, MAX_CONFIG_BYTES)
    try:
        document = json.loads(data)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise RegistryError(f"{target}: the ModelPack config is not a JSON object")
