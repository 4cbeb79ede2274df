"""Fetch a baseline run directory for `modelci compare`: from a release, a registry or a path.

Whatever the source, the result is a run directory that compare accepts: `run.json` and
`model.skops`, plus `metrics.json` and `evaluation.json` for the record, and `baseline.json`
saying where it came from. Nothing is trusted on the way in:

- a release's SHA256SUMS must list every file kept, and every file it lists must match (the
  files kept are hashed; the others are checked against GitHub's asset digest, or downloaded
  and hashed when GitHub has none);
- the model's sha256 must match the one run.json records, and the model must load with
  `persist.load` (skops, an allowlist of types, never pickle).

A release's `predictions.csv` is never part of it, so compare re-scores the baseline model on
the candidate's rows. A `path:` source keeps its predictions: compare reads them only when their
test-row fingerprint is the candidate's, and re-scores otherwise.

The directory is staged and moved into place whole, so a refused baseline leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents, fsutil, persist, protected, rundir
from modelci.errors import UserError
from modelci.release import contents, tags
from modelci.release.remote import RepoReleases

KINDS = ("release", "registry", "path")
BASELINE = documents.BASELINE
KEEP = (rundir.MODEL, rundir.RUN, rundir.METRICS, rundir.EVALUATION)
REQUIRED = (rundir.MODEL, rundir.RUN)
MAX_ASSET_BYTES = 2 << 30
Log = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class Source:
    kind: str  # one of KINDS
    ref: str  # "latest" or a tag; a registry reference; a directory

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What was fetched, or why nothing was (`found=False`)."""

    found: bool
    source: Source
    directory: Path | None = None
    tag: str | None = None
    url: str | None = None
    model_sha256: str | None = None
    reason: str | None = None


def parse_source(text: str) -> Source:
    """`release:latest`, `release:TAG`, `registry:REF` or `path:DIR`.

    >>> parse_source("release:latest"), str(parse_source("registry:ghcr.io/o/m:v1"))
    (Source(kind='release', ref='latest'), 'registry:ghcr.io/o/m:v1')
    """
    kind, sep, ref = text.partition(":")
    ref = ref.strip()
    if not sep or kind not in KINDS or not ref:
        raise UserError(
            f"--from {text!r} is not a baseline source",
            fix="Use release:latest, release:TAG, registry:REF or path:DIR",
        )
    if kind == "release" and ref != "latest":
        tags.parse_tag(ref, where="--from release:")
    return Source(kind=kind, ref=ref)


# -- sources --------------------------------------------------------------------------------------


def from_release(
    releases: RepoReleases,
    source: Source,
    out: Path,
    *,
    name: str | None = None,
    log: Log = print,
) -> Baseline:
    """Download and verify a release's model and records into `out`."""
    check_out(out)
    where = f"{releases.owner}/{releases.repo}"
    if source.ref == "latest":
        published = releases.list_all()
        release = tags.latest_release(published, name)
        if release is None and name is not None:
            # A repository with one model tags plain versions (v1.2.3) even when its config
            # names the model; NAME@ tags are for monorepos.
            release = tags.latest_release(published, None)
        if release is None:
            model = f"model {name!r} ({name}@vX.Y.Z or vX.Y.Z tags)" if name else "this repository"
            return Baseline(
                found=False,
                source=source,
                reason=f"no published release of {model} in {where}",
            )
    else:
        release = releases.by_tag(source.ref)
        if release is None:
            raise UserError(
                f"no published release {source.ref} in {where}",
                fix="Check the tag (drafts are not baselines), or use release:latest",
            )
    tag = str(release["tag_name"])
    label = f"release {tag}"
    listed = {str(a.get("name")): a for a in releases.assets(int(release["id"]))}
    if contents.SHA256SUMS not in listed:
        raise UserError(
            f"{label} has no {contents.SHA256SUMS} asset, so its files cannot be verified",
            fix="Publish it with `modelci publish release`, or choose another baseline",
        )
    with tempfile.TemporaryDirectory(prefix="modelci-baseline-") as scratch_dir:
        scratch = Path(scratch_dir)
        releases.download(
            listed[contents.SHA256SUMS], scratch / contents.SHA256SUMS, max_bytes=1 << 20
        )
        sums = contents.parse_sha256sums(
            (scratch / contents.SHA256SUMS).read_text(encoding="utf-8", errors="replace"),
            where=f"{label}: {contents.SHA256SUMS}",
        )
        for needed in REQUIRED:
            if needed not in sums or needed not in listed:
                raise UserError(
                    f"{label} has no {needed} listed in {contents.SHA256SUMS}",
                    fix="Publish the run with `modelci publish release`",
                )
        with fsutil.staged_dir(out, marker=rundir.RUN) as stage:
            kept: dict[str, str] = {}
            for file_name, expected in sums.items():
                asset = listed.get(file_name)
                if asset is None:
                    raise UserError(
                        f"{label}: {contents.SHA256SUMS} lists {file_name}, which the release "
                        "does not have",
                        fix="The release is incomplete; re-publish it or choose another baseline",
                    )
                if file_name in KEEP:
                    releases.download(asset, stage / file_name, max_bytes=MAX_ASSET_BYTES)
                    _check(label, file_name, fsutil.sha256_file(stage / file_name), expected)
                    kept[file_name] = expected
                    continue
                digest = str(asset.get("digest") or "")
                if digest.startswith("sha256:"):
                    _check(label, file_name, digest.removeprefix("sha256:").lower(), expected)
                else:  # no digest from GitHub: hash the download
                    dest = scratch / file_name
                    releases.download(asset, dest, max_bytes=MAX_ASSET_BYTES)
                    _check(label, file_name, fsutil.sha256_file(dest), expected)
                    dest.unlink()
            sha = verify(stage, label=label)
            documents.write_baseline(
                stage / BASELINE,
                _provenance(source, tag=tag, url=release.get("html_url"), sha=sha, files=kept),
            )
    log(f"verified {len(sums)} files of {label} against {contents.SHA256SUMS}")
    return Baseline(
        found=True,
        source=source,
        directory=out,
        tag=tag,
        url=release.get("html_url"),
        model_sha256=sha,
    )


def from_path(directory: Path, out: Path, *, source: Source | None = None) -> Baseline:
    """Copy a run directory (after verifying its model) into `out`."""
    source = source or Source(kind="path", ref=str(directory))
    same = directory.resolve() == out.resolve()  # verified in place
    inputs = () if same else protected.run_inputs(directory)
    check_out(out, inputs=inputs)
    run = rundir.Run.open(directory)
    label = str(source)
    if same:
        sha = verify(directory, label=label)
        return Baseline(found=True, source=source, directory=out, model_sha256=sha)
    if run.model_path.name != rundir.MODEL or run.model_path.parent != run.path:
        raise UserError(
            f"{label}: run.json names the model file {run.model_path}, not {rundir.MODEL} "
            "beside it",
            fix="Pass a run directory written by `modelci train`",
        )
    with fsutil.staged_dir(out, marker=rundir.RUN, inputs=inputs) as stage:
        for name in KEEP:
            if (directory / name).is_file():
                shutil.copy2(directory / name, stage / name)
        # Predictions belong to evaluation.json; compare uses them only for the same rows.
        if (directory / rundir.EVALUATION).is_file() and (directory / rundir.PREDICTIONS).is_file():
            shutil.copy2(directory / rundir.PREDICTIONS, stage / rundir.PREDICTIONS)
        if (directory / rundir.PLOTS).is_dir():
            shutil.copytree(directory / rundir.PLOTS, stage / rundir.PLOTS, symlinks=False)
        sha = verify(stage, label=label)
        files = {n: fsutil.sha256_file(stage / n) for n in KEEP if (stage / n).is_file()}
        documents.write_baseline(
            stage / BASELINE, _provenance(source, tag=None, url=None, sha=sha, files=files)
        )
    return Baseline(found=True, source=source, directory=out, model_sha256=sha)


def from_registry(
    ref: str,
    out: Path,
    *,
    credentials: Any = None,
    plain_http: bool = False,
    pull: Callable[..., Any] | None = None,
    log: Log = print,
) -> Baseline:
    """Pull `ref` with `modelci.registry.pull` (every layer digest-checked), then verify and
    keep it like a path source; a SHA256SUMS among the files must match too."""
    if pull is None:
        from modelci import registry  # the registry side is imported only when used

        pull = registry.pull
    source = Source(kind="registry", ref=ref)
    with tempfile.TemporaryDirectory(prefix="modelci-pull-") as scratch:
        pulled = Path(scratch) / "run"
        pull(ref, pulled, credentials=credentials, plain_http=plain_http)
        if (pulled / contents.SHA256SUMS).is_file():
            sums = contents.parse_sha256sums(
                (pulled / contents.SHA256SUMS).read_text(encoding="utf-8", errors="replace"),
                where=f"{source}: {contents.SHA256SUMS}",
            )
            for file_name, expected in sums.items():
                if not (pulled / file_name).is_file():
                    raise UserError(
                        f"{source}: {contents.SHA256SUMS} lists {file_name}, not pulled"
                    )
                _check(str(source), file_name, fsutil.sha256_file(pulled / file_name), expected)
            log(f"verified {len(sums)} files of {source} against {contents.SHA256SUMS}")
        return from_path(pulled, out, source=source)


def check_out(out: Path, *, inputs: tuple[Path, ...] = ()) -> None:
    """--out is replaced whole, so it must be new, empty, or a run directory (not an input)."""
    fsutil.check_replaceable(out, marker=rundir.RUN, kind="a run directory", inputs=inputs)


# -- verification ---------------------------------------------------------------------------------


def verify(directory: Path, *, label: str) -> str:
    """Check a run directory's model against run.json and load it safely; its sha256."""
    try:
        run = rundir.Run.open(directory)
    except UserError as error:
        raise UserError(f"{label}: {error.message}", fix=error.fix) from None
    recorded = run.model_sha256
    if not recorded or not run.model_path.is_file():
        raise UserError(
            f"{label}: no model file, or no model sha256 in run.json",
            fix="Choose a baseline written by `modelci train`",
        )
    _check(label, rundir.MODEL, fsutil.sha256_file(run.model_path), recorded, against="run.json")
    try:
        persist.load(run.model_path, expected_sha256=recorded)
    except UserError as error:
        message = error.message.replace(str(run.model_path), rundir.MODEL)
        raise UserError(f"{label}: {message}", fix=error.fix) from None
    return recorded


def _check(label: str, name: str, actual: str, expected: str, *, against: str = "") -> None:
    if actual != expected:
        raise UserError(
            f"{label}: {name} does not match {against or contents.SHA256SUMS} (sha256 "
            f"{actual[:12]}…, expected {expected[:12]}…); refusing a tampered or corrupted baseline",
            fix="Re-publish the baseline, or choose another one",
        )


def _provenance(
    source: Source, *, tag: str | None, url: Any, sha: str, files: Mapping[str, str]
) -> documents.BaselineSource:
    return documents.BaselineSource(
        source=str(source),
        kind=source.kind,
        tag=tag,
        url=url if isinstance(url, str) else None,
        model_sha256=sha,
        files=dict(files),
    )
