"""Push a run directory to an OCI registry as a ModelPack artifact, under every expanded tag."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from modelci import progress, run_files, rundir
from modelci.errors import UserError
from modelci.registry import modelpack
from modelci.registry.auth import Credentials
from modelci.registry.client import OCI_MANIFEST, Blob, RegistryClient, TransferStats
from modelci.registry.reference import Reference, expand_tags, version_of


@dataclasses.dataclass(frozen=True, kw_only=True)
class PushResult:
    digest: str  # the manifest digest
    reference: Reference  # REGISTRY/NAME@DIGEST
    tags: list[Reference]  # every REGISTRY/NAME:TAG written
    stats: TransferStats


def push_run(
    run_dir: Path,
    ref: str | Reference,
    *,
    credentials: Credentials | None = None,
    plain_http: bool = False,
    annotations: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    client: RegistryClient | None = None,
) -> PushResult:
    """Push the files of `run_dir` to `ref` (REGISTRY/NAME:TAG) and tag the semver expansions.

    Blobs the registry already holds are not sent again; the manifest is deterministic, so an
    unchanged run re-pushed gives the same digest and uploads nothing.
    """
    target = ref if isinstance(ref, Reference) else Reference.parse(ref)
    if target.digest or not target.tag:
        raise UserError(
            f"publish needs a tag to push to, got {target}",
            fix=f"Give REGISTRY/NAME:TAG, e.g. {target.registry}/{target.repository}:1.0.0",
        )
    run = rundir.Run.open(run_dir)
    # Hashed once, below, as blobs: what is checked is what is sent.
    recorded = run_files.check_publishable(run, check_sha256=False)
    weights = [file.name for file in recorded if file.weight]
    env = os.environ if environ is None else environ
    log = progress.current

    with log.stage("hash run files"):
        files = modelpack.collect_files(run.path, weights)
        blobs = [(path, Blob.from_file(file)) for path, file in files]
        _check_recorded(run, recorded, dict(blobs))
    version = version_of(target.tag)
    name = run.info.name or target.repository.rsplit("/", 1)[-1]
    artifact = modelpack.build_artifact(
        blobs,
        weights=weights,
        run_info=run.info.to_json(),
        name=name,
        version=version,
        source=_source(env),
        annotations=annotations,
    )
    tags = expand_tags(target.tag)
    own = client is None
    if client is None:
        client = RegistryClient(
            target.api_host, credentials=credentials, plain_http=plain_http, actions="pull,push"
        )
    try:
        total = sum(blob.size for blob in artifact.blobs)
        with log.stage(f"push {len(artifact.blobs)} blobs ({_size(total)})"):
            for blob in artifact.blobs:
                if client.push_blob(target.repository, blob):
                    log.debug(f"uploaded {blob.digest[:19]}… ({_size(blob.size)})")
                else:
                    log.debug(f"{blob.digest[:19]}… already there")
        with log.stage(f"tag {', '.join(tags)}"):
            digest = ""
            for tag in tags:
                digest = client.put_manifest(
                    target.repository, tag, artifact.manifest, OCI_MANIFEST
                )
    finally:
        if own:
            client.close()
    return PushResult(
        digest=digest,
        reference=target.with_digest(digest),
        tags=[target.with_tag(tag) for tag in tags],
        stats=client.stats,
    )


def _check_recorded(
    run: rundir.Run, own: tuple[run_files.RunFile, ...], blobs: Mapping[str, Blob]
) -> None:
    """Never publish a model (or preprocessing) that is not the one its run.json describes."""
    for file in own:
        blob = blobs.get(file.name)
        if file.sha256 is not None and blob is not None and blob.digest != f"sha256:{file.sha256}":
            raise UserError(
                f"{run.path / file.name} does not match the sha256 in run.json",
                fix="The file changed after training; re-train the run",
            )


def _source(env: Mapping[str, str]) -> str | None:
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not repository:
        return None
    server = (env.get("GITHUB_SERVER_URL", "").strip() or "https://github.com").rstrip("/")
    return f"{server}/{repository}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"
