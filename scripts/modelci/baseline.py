"""Fetch a baseline run directory for `modelci compare`: from a release, a registry or a path.

Whatever the source, the result is a run directory that compare accepts: the run's own files
(`modelci.run_files`: `run.json`, its model file of any flavour and `preprocess.skops` when
recorded, `metrics.json` and `evaluation.json`; a predictions run's `predictions.csv` in place
of a model), and `baseline.json` saying where it came from. Nothing is trusted on the way in:

- a release's SHA256SUMS must list every file the run needs, and every file it lists must
  match (the files kept are hashed; the others are checked against GitHub's asset digest, or
  downloaded and hashed when GitHub has none);
- run.json's model file must be named for the flavour it records, its sha256 (and that of
  `preprocess.skops`) must match run.json, and the model must load with `models.load` (the
  flavour's own checks: skops's allowlist, a booster's trees, an ONNX graph's operators;
  never pickle).

A model run's `predictions.csv` is not part of a release, so compare re-scores the baseline
model on the candidate's rows. A predictions run has no model to re-score: its
`predictions.csv` travels with it (listed in SHA256SUMS, or a registry layer checked by its
digest) and compare aligns it by row id. A `path:` or registry source keeps a model run's
predictions too: compare reads them only when their test-row fingerprint is the candidate's,
and re-scores otherwise.

The directory is staged and moved into place whole, so a refused baseline leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents, fsutil, protected, run_files, rundir
from modelci.errors import UserError
from modelci.release import contents, tags
from modelci.release.remote import RepoReleases

KINDS = ("release", "registry", "path")
BASELINE = documents.BASELINE
MAX_ASSET_BYTES = 2 << 30
Log = Callable[[str], None]
Add = Callable[[Path, Mapping[str, Any], "str | None"], None]


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
    model_sha256: str | None = None  # None: a predictions run, or nothing found
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


@dataclass(frozen=True, kw_only=True)
class ReleaseAssets:
    """A release's assets and its SHA256SUMS: every file downloaded through it is checked.

    A file must be listed in SHA256SUMS and be an asset of the release, and its bytes must
    match; anything else is refused (one line naming the release and the file)."""

    releases: RepoReleases
    label: str  # "release v1.2.0"
    listed: Mapping[str, Any]  # asset name → GitHub's asset
    sums: Mapping[str, str]  # file name → sha256, as SHA256SUMS lists them

    @classmethod
    def of(
        cls,
        releases: RepoReleases,
        release: Mapping[str, Any],
        scratch: Path,
        *,
        listed: Mapping[str, Any] | None = None,
    ) -> ReleaseAssets:
        """The release's asset list (`listed`, when already fetched: name → asset) and its
        SHA256SUMS (downloaded into `scratch`)."""
        label = f"release {release['tag_name']}"
        if listed is None:
            listed = assets_by_name(releases, release)
        if contents.SHA256SUMS not in listed:
            raise UserError(
                f"{label} has no {contents.SHA256SUMS} asset, so its files cannot be verified",
                fix="Publish it with `modelci publish release`, or choose another baseline",
            )
        path = scratch / contents.SHA256SUMS
        releases.download(listed[contents.SHA256SUMS], path, max_bytes=1 << 20)
        sums = contents.parse_sha256sums(
            path.read_text(encoding="utf-8", errors="replace"),
            where=f"{label}: {contents.SHA256SUMS}",
        )
        path.unlink()
        return cls(releases=releases, label=label, listed=listed, sums=sums)

    def require(self, names: list[str]) -> None:
        """Every one of `names` is listed in SHA256SUMS and is an asset."""
        _require_listed(self.label, names, self.sums, self.listed)

    def asset(self, name: str) -> Mapping[str, Any]:
        """The asset SHA256SUMS lists as `name`; a listed file the release lacks is refused."""
        asset = self.listed.get(name)
        if asset is None:
            raise UserError(
                f"{self.label}: {contents.SHA256SUMS} lists {name}, which the release "
                "does not have",
                fix="The release is incomplete; re-publish it or choose another baseline",
            )
        return asset

    def download(self, name: str, dest: Path) -> str:
        """Download `name` into `dest` and check it against SHA256SUMS; its sha256."""
        if name not in self.sums:
            self.require([name])
        self.releases.download(self.asset(name), dest, max_bytes=MAX_ASSET_BYTES)
        expected = self.sums[name]
        _check(self.label, name, fsutil.sha256_file(dest), expected)
        return expected


def assets_by_name(releases: RepoReleases, release: Mapping[str, Any]) -> dict[str, Any]:
    """A release's assets by name."""
    return {str(a.get("name")): a for a in releases.assets(int(release["id"]))}


# -- sources --------------------------------------------------------------------------------------


def from_release(
    releases: RepoReleases,
    source: Source,
    out: Path,
    *,
    name: str | None = None,
    log: Log = print,
    add: Add | None = None,
) -> Baseline:
    """Download and verify a release's model and records into `out`.

    `add(stage, release, model_sha256)` writes more into the staged directory before it is
    moved into place (the release history), so a refusal there leaves nothing behind either.
    """
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
    with tempfile.TemporaryDirectory(prefix="modelci-baseline-") as scratch_dir:
        scratch = Path(scratch_dir)
        assets = ReleaseAssets.of(releases, release, scratch)
        label, sums = assets.label, assets.sums
        assets.require([rundir.RUN])
        with fsutil.staged_dir(out, marker=rundir.RUN) as stage:
            # run.json first: it says which files the run has (its flavour's model file, or
            # the predictions of a predictions run).
            assets.download(rundir.RUN, stage / rundir.RUN)
            _, own = _read(stage, label)
            assets.require([f.name for f in own if f.needed])
            keep = {f.name for f in own}
            kept: dict[str, str] = {rundir.RUN: sums[rundir.RUN]}
            for file_name, expected in sums.items():
                if file_name == rundir.RUN:
                    continue
                if file_name in keep:
                    kept[file_name] = assets.download(file_name, stage / file_name)
                    continue
                asset = assets.asset(file_name)
                digest = str(asset.get("digest") or "")
                if digest.startswith("sha256:"):
                    _check(label, file_name, digest.removeprefix("sha256:").lower(), expected)
                else:  # no digest from GitHub: hash the download
                    assets.download(file_name, scratch / file_name)
                    (scratch / file_name).unlink()
            sha = verify(stage, label=label)
            documents.write_baseline(
                stage / BASELINE,
                _provenance(source, tag=tag, url=release.get("html_url"), sha=sha, files=kept),
            )
            if add is not None:
                add(stage, release, sha)
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
    """Copy a run directory's files (after verifying them) into `out`."""
    source = source or Source(kind="path", ref=str(directory))
    same = directory.resolve() == out.resolve()  # verified in place
    inputs = () if same else protected.run_inputs(directory)
    check_out(out, inputs=inputs)
    label = str(source)
    if same:
        sha = verify(directory, label=label)
        return Baseline(found=True, source=source, directory=out, model_sha256=sha)
    _, own = _read(directory, label)
    with fsutil.staged_dir(out, marker=rundir.RUN, inputs=inputs) as stage:
        names = [f.name for f in own]
        # A model run's predictions belong to its evaluation.json; compare uses them only
        # for the same rows (a predictions run lists them among its own files).
        if (directory / rundir.EVALUATION).is_file() and rundir.PREDICTIONS not in names:
            names.append(rundir.PREDICTIONS)
        for name in names:
            if (directory / name).is_file():
                shutil.copy2(directory / name, stage / name)
        if (directory / rundir.PLOTS).is_dir():
            shutil.copytree(directory / rundir.PLOTS, stage / rundir.PLOTS, symlinks=False)
        sha = verify(stage, label=label)
        files = {n: fsutil.sha256_file(stage / n) for n in names if (stage / n).is_file()}
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


def verify(directory: Path, *, label: str) -> str | None:
    """Check a run directory's files against run.json and load its model the way compare will;
    the model's sha256 (None for a predictions run, which has no model)."""
    run, own = _read(directory, label)
    for file in own:
        if file.needed and not (directory / file.name).is_file():
            what = "predictions run" if run.info.model is None else "run"
            raise UserError(
                f"{label}: no {file.name}, which this {what} needs",
                fix="Choose a baseline published by `modelci publish` from an evaluated run",
            )
    bad = run_files.changed(directory, own)
    if bad is not None:
        file, actual = bad
        _check(label, file.name, actual, file.sha256 or "", against="run.json")
    if run.info.model is None:
        return None
    from modelci import models  # the flavour's library is imported only here

    try:
        models.load(run)
    except UserError as error:
        message = error.message.replace(str(directory) + "/", "")
        raise UserError(f"{label}: {message}", fix=error.fix) from None
    return run.model_sha256


def _read(directory: Path, label: str) -> tuple[rundir.Run, tuple[run_files.RunFile, ...]]:
    """The run and its files by its run.json; a name that is not one modelci writes, or a
    model file named for another flavour than recorded, is refused."""
    try:
        run = rundir.Run.open(directory)
        return run, run.files()
    except UserError as error:
        message = error.message.replace(str(directory) + "/", "")
        raise UserError(f"{label}: {message}", fix=error.fix) from None


def _require_listed(
    label: str, names: list[str], sums: Mapping[str, str], listed: Mapping[str, Any]
) -> None:
    for name in names:
        if name not in sums or name not in listed:
            raise UserError(
                f"{label} has no {name} listed in {contents.SHA256SUMS}",
                fix="Publish the run with `modelci publish release`",
            )


def _check(label: str, name: str, actual: str, expected: str, *, against: str = "") -> None:
    if actual != expected:
        raise UserError(
            f"{label}: {name} does not match {against or contents.SHA256SUMS} (sha256 "
            f"{actual[:12]}…, expected {expected[:12]}…); refusing a tampered or corrupted baseline",
            fix="Re-publish the baseline, or choose another one",
        )


def _provenance(
    source: Source, *, tag: str | None, url: Any, sha: str | None, files: Mapping[str, str]
) -> documents.BaselineSource:
    return documents.BaselineSource(
        source=str(source),
        kind=source.kind,
        tag=tag,
        url=url if isinstance(url, str) else None,
        model_sha256=sha,
        files=dict(files),
    )
