"""The comment bundle: how a fork's pull request gets its report comment without a write token.

GitHub gives a pull request from a fork a read-only token, so the comment is posted in two
stages (GitHub Security Lab, "Keeping your GitHub Actions and workflows secure: preventing pwn
requests"):

1. the untrusted `pull_request` job runs the PR's code and writes a bundle with `write_bundle`:
   the JSON documents the report is rendered from and its plots (modelci-comment.json,
   reports/<n>/comparison.json, reports/<n>/candidate/run.json, ..., reports/<n>/plots/*.png),
   uploaded as an artifact;
2. a trusted `workflow_run` job, which runs the base branch's code with a write token, lists the
   run's bundle artifacts (`modelci-comment`, `modelci-comment-<id>`) with
   `list_bundle_artifacts`, fetches each with `download_artifact`, opens it with
   `read_untrusted_bundle`, finds the pull request with `find_pull_request` from GitHub's own
   record of the run (a bundle rendered for another head commit is refused), and renders the
   comment itself from the documents (`modelci.pull_request.rendering.from_bundle`).

Everything in the bundle was written by code the PR's author controls: the reader treats the zip
as hostile (sizes, names, file types, well-formed PNGs, strict JSON, the metadata schema), and
no markdown the PR's code wrote is ever posted: every string of the documents goes through the
same escaping renderer as a comment posted directly. The PR number it claims is never used to
decide where to post.
"""

from __future__ import annotations

import itertools
import json
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import png
from modelci.errors import UserError
from modelci.github.client import GitHub, NotFound, Unprocessable

VERSION = 2
METADATA = "modelci-comment.json"
REPORTS = "reports"
# The documents a report is rendered from, by their path inside the report's folder: a compare
# directory's comparison.json with the candidate's and baseline's run facts, or an evaluated
# run directory's evaluation.json and run.json.
DOCUMENTS = (
    "comparison.json",
    "candidate/run.json",
    "candidate/evaluation.json",
    "baseline/run.json",
    "baseline/evaluation.json",
    "evaluation.json",
    "run.json",
)
DEFAULT_ARTIFACT = "modelci-comment"  # and "modelci-comment-<id>", one per candidate
MAX_BUNDLES = 20  # comment bundles posted from one run
MAX_LISTED_ARTIFACTS = 1_000  # artifacts of one run looked at

MAX_REPORTS = 20  # reports in one bundle: the candidates of a leaderboard
MAX_FILES = 200  # zip entries, folders included
# The trusted job commits every image to the base repository's assets branch, so the caps are
# tight (our plots are 14-52 KB) and each image must be a well-formed PNG (`_check_png`).
MAX_PNG_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024
MAX_PNG_SIDE = 4096  # pixels, width and height
MAX_DOCUMENT_BYTES = 1024 * 1024  # ours are 5-30 KB
MAX_METADATA_BYTES = 64 * 1024
# The zip on disk (and the artifact download): the content plus generous zip overhead.
MAX_ZIP_BYTES = MAX_TOTAL_BYTES + 4 * 1024 * 1024

KEY = re.compile(r"[A-Za-z0-9._-]{1,64}")
IMAGE = re.compile(r"plots/[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.png")
# A report's folder name: what a leaderboard calls a candidate whose run has no name.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_MEMBER = re.compile(r"reports/(0|[1-9][0-9]?)/(.+)")
_FOLDERS = frozenset({"plots", "candidate", "baseline"})
_METADATA_KEYS = frozenset(
    {"version", "key", "run_id", "run_attempt", "head_sha", "pr_number_claimed", "reports"}
)
_REPORT_KEYS = frozenset({"name", "documents", "images"})
_CHUNK = 1 << 16


@dataclass(frozen=True, kw_only=True)
class BundledReport:
    """One report's raw material: its JSON documents and its plots, by path in its folder."""

    name: str  # the report directory's name (NAME)
    documents: dict[str, bytes]  # "comparison.json", "candidate/run.json", ... (DOCUMENTS)
    images: dict[str, bytes]  # "plots/roc.png" -> PNG bytes


@dataclass(frozen=True, kw_only=True)
class CommentBundle:
    """A PR comment's data in transit from the untrusted job to the trusted one, which renders it."""

    key: str  # comment key: which sticky comment on the PR this updates
    reports: tuple[BundledReport, ...]  # one report, or the candidates of a leaderboard
    run_id: int | None
    run_attempt: int | None
    head_sha: str | None
    pr_number_claimed: int | None  # informational only, never trusted

    @property
    def image_count(self) -> int:
        return sum(len(report.images) for report in self.reports)


# -- writing (the untrusted job) ------------------------------------------------------------------


def write_bundle(bundle: CommentBundle, directory: Path) -> None:
    """Write the bundle's files into `directory`, replacing it whole, or leave it untouched.

    The writer refuses what the reader would refuse, so a bad bundle fails in the PR's own job,
    where its author can see why.
    """
    from modelci.fsutil import staged_dir

    _check_key(bundle.key)
    _check_optional_int(bundle.run_id, "run_id")
    _check_optional_int(bundle.run_attempt, "run_attempt")
    _check_optional_int(bundle.pr_number_claimed, "pr_number_claimed")
    if bundle.head_sha is not None and not SHA.fullmatch(bundle.head_sha):
        raise _refuse(f"head_sha must be a hex commit sha, got {_shown(bundle.head_sha)}")
    if not 1 <= len(bundle.reports) <= MAX_REPORTS:
        raise _refuse(f"{len(bundle.reports)} reports; a bundle holds 1 to {MAX_REPORTS}")
    files: dict[str, bytes] = {}
    for index, report in enumerate(bundle.reports):
        _check_report(report, f"{REPORTS}/{index}")
        for path, data in {**report.documents, **report.images}.items():
            files[f"{REPORTS}/{index}/{path}"] = data
    for name, data in files.items():
        _check_size(name, len(data), _limit(name))
    _check_size("the bundle", sum(len(data) for data in files.values()), MAX_TOTAL_BYTES)
    if len(files) + len(_folders(files)) > MAX_FILES - 1:
        raise _refuse(f"{len(files)} files, more than the {MAX_FILES} entries allowed")

    metadata = {
        "version": VERSION,
        "key": bundle.key,
        "run_id": bundle.run_id,
        "run_attempt": bundle.run_attempt,
        "head_sha": bundle.head_sha,
        "pr_number_claimed": bundle.pr_number_claimed,
        "reports": [
            {"name": r.name, "documents": sorted(r.documents), "images": sorted(r.images)}
            for r in bundle.reports
        ],
    }
    with staged_dir(Path(directory), marker=METADATA, flag="--bundle") as stage:
        (stage / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        for name, data in sorted(files.items()):
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)


def _check_report(report: BundledReport, where: str) -> None:
    """What both sides check of one report: its name, which documents, well-formed files."""
    if not isinstance(report.name, str) or not NAME.fullmatch(report.name):
        raise _refuse(
            f"{where}: report name {_shown(str(report.name))} must be 1 to 64 of A-Z, a-z, "
            "0-9, '.', '_' or '-', starting with a letter or digit"
        )
    names = set(report.documents)
    if unknown := sorted(names - set(DOCUMENTS)):
        raise _refuse(f"{where}: unexpected document {_shown(unknown[0])}")
    if not names & {"comparison.json", "evaluation.json"}:
        raise _refuse(f"{where}: neither comparison.json nor evaluation.json")
    if {"comparison.json", "evaluation.json"} <= names:
        raise _refuse(f"{where}: both comparison.json and evaluation.json; a report is one")
    if "comparison.json" in names and names & {"evaluation.json", "run.json"}:
        raise _refuse(f"{where}: a comparison's run documents go under candidate/ and baseline/")
    if "evaluation.json" in names and any("/" in name for name in names):
        raise _refuse(f"{where}: an evaluated run has no candidate/ or baseline/ documents")
    for name, data in report.documents.items():
        strict_json(data, f"{where}/{name}")
    for name, data in report.images.items():
        if not IMAGE.fullmatch(name):
            raise _refuse(f"{where}: image name {_shown(name)} must look like 'plots/roc.png'")
        _check_png(f"{where}/{name}", data)


def _folders(files: Mapping[str, bytes]) -> set[str]:
    return {
        "/".join(name.split("/")[:depth]) + "/"
        for name in files
        for depth in range(1, name.count("/") + 1)
    }


def strict_json(raw: bytes, name: str) -> dict[str, Any]:
    """A JSON object in UTF-8 with no repeated key and no NaN or Infinity; else refused.

    >>> strict_json(b'{"a": 1}', "x.json")
    {'a': 1}
    """

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise _refuse(f"{_shown(name)} repeats a key")
        return dict(pairs)

    def no_constants(constant: str) -> None:
        raise _refuse(f"{_shown(name)} holds {constant}, which is not JSON")

    try:
        data = json.loads(
            raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants
        )
    except UnicodeDecodeError:
        raise _refuse(f"{_shown(name)} is not UTF-8 text") from None
    except RecursionError:
        raise _refuse(f"{_shown(name)} nests too deeply") from None
    except json.JSONDecodeError as error:
        raise _refuse(
            f"{_shown(name)} is not valid JSON "
            f"(line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise _refuse(f"{_shown(name)} must hold a JSON object")
    return data


# -- reading (the trusted job) --------------------------------------------------------------------


def read_untrusted_bundle(zip_path: Path) -> CommentBundle:
    """Open a bundle zip written by untrusted code; any doubt refuses it with one `UserError`."""
    zip_path = Path(zip_path)
    try:
        size = zip_path.stat().st_size
    except OSError as error:
        raise _refuse(f"cannot read {zip_path}: {error.strerror or error}") from None
    _check_size("the zip", size, MAX_ZIP_BYTES)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = _checked_members(archive.infolist())
            contents = {name: _read_member(archive, info) for name, info in members.items()}
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as error:
        raise _refuse(f"not a readable zip ({_shown(str(error), 120)})") from None
    except OSError as error:
        raise _refuse(f"cannot read {zip_path}: {error.strerror or error}") from None
    return _bundle_from(contents)


def _checked_members(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The file entries by name, after every check that needs no decompression."""
    if len(infos) > MAX_FILES:
        raise _refuse(f"{len(infos)} entries, more than the {MAX_FILES} allowed")
    members: dict[str, zipfile.ZipInfo] = {}
    declared = 0
    for info in infos:
        name = info.filename
        _check_path(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(f"{_shown(name)} is a symbolic link")
        if info.is_dir():
            if not _is_folder(name):
                raise _refuse(f"unexpected directory {_shown(name)}")
            continue
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            raise _refuse(f"{_shown(name)} is not a regular file")
        if info.flag_bits & 0x1:
            raise _refuse(f"{_shown(name)} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(f"{_shown(name)} uses an unsupported compression method")
        if name != METADATA and _member_path(name) is None:
            raise _refuse(
                f"unexpected file {_shown(name)}: a bundle holds only {METADATA} and "
                f"{REPORTS}/<n>/ with the report's JSON documents and plots/<name>.png"
            )
        if name in members:
            raise _refuse(f"{_shown(name)} appears twice")
        _check_size(name, info.file_size, _limit(name))
        declared += info.file_size
        _check_size("the bundle", declared, MAX_TOTAL_BYTES)
        members[name] = info
    if METADATA not in members:
        raise _refuse(f"{METADATA} is missing")
    return members


def _member_path(name: str) -> tuple[int, str] | None:
    """(report index, path in its folder) of an allowed report file; None for anything else."""
    match = _MEMBER.fullmatch(name)
    if match is None or int(match.group(1)) >= MAX_REPORTS:
        return None
    path = match.group(2)
    return (int(match.group(1)), path) if path in DOCUMENTS or IMAGE.fullmatch(path) else None


def _is_folder(name: str) -> bool:
    """A folder entry on the way to an allowed file: reports/, reports/<n>/, reports/<n>/plots/."""
    parts = name.rstrip("/").split("/")
    if parts[0] != REPORTS or len(parts) > 3:
        return False
    if len(parts) >= 2 and _member_path(f"{parts[0]}/{parts[1]}/run.json") is None:
        return False
    return len(parts) < 3 or parts[2] in _FOLDERS


def _check_path(name: str) -> None:
    parts = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or re.match(r"[A-Za-z]:", name)
        or ".." in parts
        or "." in parts
        or "" in parts[:-1]
    ):
        raise _refuse(f"unsafe path {_shown(name)}")


def _limit(name: str) -> int:
    if name == METADATA:
        return MAX_METADATA_BYTES
    return MAX_PNG_BYTES if name.endswith(".png") else MAX_DOCUMENT_BYTES


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, never more than its declared size or its limit (zip-bomb safe)."""
    limit = min(info.file_size, _limit(info.filename))
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
            size += len(chunk)
            if size > limit:
                raise _refuse(f"{_shown(info.filename)} holds more than its declared size")
            chunks.append(chunk)
    if size != info.file_size:
        raise _refuse(f"{_shown(info.filename)} holds less than its declared size")
    return b"".join(chunks)


def _bundle_from(contents: Mapping[str, bytes]) -> CommentBundle:
    metadata = _metadata(contents[METADATA])
    found: dict[int, dict[str, bytes]] = {}
    for name, data in contents.items():
        if name != METADATA:
            index, path = _member_path(name) or (-1, name)
            found.setdefault(index, {})[path] = data
    listed: list[dict[str, Any]] = metadata["reports"]
    if stray := sorted(set(found) - set(range(len(listed)))):
        raise _refuse(f"{REPORTS}/{stray[0]}/ is not listed in {METADATA}")
    reports = []
    for index, entry in enumerate(listed):
        where = f"{REPORTS}/{index}"
        files = found.get(index, {})
        named = set(entry["documents"]) | set(entry["images"])
        if missing := sorted(named - set(files)):
            raise _refuse(f"{where}/{_shown(missing[0])} is listed in {METADATA} but missing")
        if unlisted := sorted(set(files) - named):
            raise _refuse(f"{where}/{_shown(unlisted[0])} is not listed in {METADATA}")
        report = BundledReport(
            name=entry["name"],
            documents={name: files[name] for name in sorted(entry["documents"])},
            images={name: files[name] for name in sorted(entry["images"])},
        )
        _check_report(report, where)
        reports.append(report)
    return CommentBundle(
        key=metadata["key"],
        reports=tuple(reports),
        run_id=metadata["run_id"],
        run_attempt=metadata["run_attempt"],
        head_sha=metadata["head_sha"],
        pr_number_claimed=metadata["pr_number_claimed"],
    )


def _metadata(raw: bytes) -> dict[str, Any]:
    data = strict_json(raw, METADATA)
    unknown = sorted(set(data) - _METADATA_KEYS)
    if unknown:
        raise _refuse(f"{METADATA} has unknown keys {_shown(', '.join(unknown))}")
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise _refuse(
            f"{METADATA} version must be {VERSION}, got {_shown(repr(version))}",
            fix="write the bundle with the same version of modelci as the trusted job runs",
        )
    key = data.get("key")
    if not isinstance(key, str):
        raise _refuse(f"{METADATA}: 'key' must be a string")
    _check_key(key)
    for field in ("run_id", "run_attempt", "pr_number_claimed"):
        _check_optional_int(data.get(field), field)
    head_sha = data.get("head_sha")
    if head_sha is not None and not (isinstance(head_sha, str) and SHA.fullmatch(head_sha)):
        raise _refuse(f"{METADATA}: 'head_sha' must be a hex commit sha or null")
    reports = data.get("reports")
    if not isinstance(reports, list) or not 1 <= len(reports) <= MAX_REPORTS:
        raise _refuse(f"{METADATA}: 'reports' must be a list of 1 to {MAX_REPORTS} reports")
    for entry in reports:
        if not isinstance(entry, dict) or set(entry) != _REPORT_KEYS:
            raise _refuse(
                f"{METADATA}: each report must be an object with exactly "
                f"{', '.join(sorted(_REPORT_KEYS))}"
            )
        for field in ("documents", "images"):
            paths = entry[field]
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise _refuse(f"{METADATA}: '{field}' must be a list of paths")
            if len(set(paths)) != len(paths):
                raise _refuse(f"{METADATA}: '{field}' repeats a path")
    return {
        "key": key,
        "run_id": data.get("run_id"),
        "run_attempt": data.get("run_attempt"),
        "head_sha": head_sha,
        "pr_number_claimed": data.get("pr_number_claimed"),
        "reports": reports,
    }


def _check_key(key: str) -> None:
    if not KEY.fullmatch(key):
        raise _refuse(
            f"comment key {_shown(key)} must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' or '-'"
        )


def _check_optional_int(value: Any, field: str) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise _refuse(
            f"'{field}' must be a positive whole number or null, got {_shown(repr(value))}"
        )


def _check_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise _refuse(f"{_shown(what)} is {size:,} bytes, more than the {limit:,} allowed")


def _check_png(name: str, data: bytes) -> None:
    """A well-formed PNG of at most `MAX_PNG_SIDE` pixels a side (the trusted job commits it)."""
    try:
        png.validate(data, max_side=MAX_PNG_SIDE)
    except png.NotPng:
        raise _refuse(f"{_shown(name)} is not a PNG image (wrong signature)") from None
    except png.InvalidPng as error:
        raise _refuse(f"{_shown(name)} is not a valid PNG image ({error})") from None


def _shown(text: str, limit: int = 80) -> str:
    """Hostile text made safe for a one-line message: printable, short."""
    cleaned = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _refuse(problem: str, *, fix: str | None = None) -> UserError:
    return UserError(f"comment bundle refused: {problem}", fix=fix)


# -- GitHub: fetching the bundle and finding the pull request (the trusted job) --------------------


def is_bundle_artifact(name: object) -> bool:
    """Whether an artifact name is a comment bundle's: `modelci-comment` or `modelci-comment-<id>`.

    >>> [is_bundle_artifact(n) for n in ("modelci-comment", "modelci-comment-a", "modelci-comment-")]
    [True, True, False]
    """
    if not isinstance(name, str):
        return False
    return name == DEFAULT_ARTIFACT or (
        name.startswith(f"{DEFAULT_ARTIFACT}-") and len(name) > len(DEFAULT_ARTIFACT) + 1
    )


@dataclass(frozen=True, kw_only=True)
class BundleArtifacts:
    """A run's comment-bundle artifacts: the newest live one per name, in name order."""

    live: list[dict[str, Any]]  # at most MAX_BUNDLES
    expired: list[str]  # names whose every artifact has expired
    skipped: list[str]  # names past the MAX_BUNDLES bound, not posted


def list_bundle_artifacts(
    github: GitHub, owner: str, repo: str, run_id: int, *, limit: int | None = None
) -> BundleArtifacts:
    """Every comment-bundle artifact of the run (`is_bundle_artifact`), newest per name, bounded.

    At most `MAX_LISTED_ARTIFACTS` artifacts are looked at and `limit` (default `MAX_BUNDLES`)
    bundles returned; the names are sorted, so which ones fall past the bound does not depend on
    upload order.
    """
    limit = MAX_BUNDLES if limit is None else limit
    listing = github.paginate(
        f"/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts", item_key="artifacts"
    )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for artifact in itertools.islice(listing, MAX_LISTED_ARTIFACTS):
        if isinstance(artifact, dict) and is_bundle_artifact(artifact.get("name")):
            by_name.setdefault(artifact["name"], []).append(artifact)
    live: list[dict[str, Any]] = []
    expired: list[str] = []
    for name in sorted(by_name):
        fresh = [a for a in by_name[name] if not a.get("expired")]
        if fresh:
            live.append(max(fresh, key=_age))
        else:
            expired.append(name)
    return BundleArtifacts(
        live=live[:limit], expired=expired, skipped=[a["name"] for a in live[limit:]]
    )


def download_artifact(
    github: GitHub, owner: str, repo: str, artifact: Mapping[str, Any], workdir: Path
) -> Path:
    """Download one artifact (as listed by GitHub) into `workdir`, size-checked; its zip's path."""
    name = str(artifact.get("name"))
    artifact_id = int(artifact["id"])
    size = artifact.get("size_in_bytes")
    if isinstance(size, int) and size > MAX_ZIP_BYTES:
        raise _refuse(
            f"artifact {_shown(name)!r} is {size:,} bytes, more than the {MAX_ZIP_BYTES:,} allowed"
        )
    dest = Path(workdir) / f"{DEFAULT_ARTIFACT}-{artifact_id}.zip"
    github.download(
        f"/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip",
        dest,
        max_bytes=MAX_ZIP_BYTES,
        accept="application/vnd.github+json",
    )
    return dest


def download_bundle(
    github: GitHub,
    owner: str,
    repo: str,
    run_id: int,
    workdir: Path,
    *,
    artifact_name: str = DEFAULT_ARTIFACT,
) -> Path:
    """Download the run's newest live artifact named `artifact_name`; the path of its zip.

    upload-artifact@v4 zips the bundle directory's files, so the artifact zip is the bundle zip:
    pass the result to `read_untrusted_bundle`.
    """
    found = [
        artifact
        for artifact in github.paginate(
            f"/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
            params={"name": artifact_name},
            item_key="artifacts",
        )
        if isinstance(artifact, dict) and artifact.get("name") == artifact_name
    ]
    live = [a for a in found if not a.get("expired")]
    if not live:
        state = "has only expired artifacts" if found else "has no artifact"
        raise UserError(
            f"workflow run {run_id} {state} named {artifact_name!r}",
            fix=(
                "upload the bundle directory with actions/upload-artifact in the pull request "
                f"workflow, with name: {artifact_name}"
            ),
        )
    return download_artifact(github, owner, repo, max(live, key=_age), workdir)


def check_head_sha(bundle: CommentBundle, head_sha: str, *, what: str, run_id: int) -> None:
    """Refuse a bundle rendered for another commit than the one GitHub says the run built."""
    if bundle.head_sha is not None and bundle.head_sha.lower() != head_sha.lower():
        raise _refuse(
            f"{what} was rendered for commit {bundle.head_sha[:12]}, but workflow run {run_id} "
            f"built {_shown(head_sha)[:12]}; nothing posted for it"
        )


def _age(artifact: Mapping[str, Any]) -> tuple[str, int]:
    """Sort key: newest last (creation time, then id)."""
    artifact_id = artifact.get("id")
    return str(artifact.get("created_at") or ""), artifact_id if type(artifact_id) is int else 0


def find_pull_request(github: GitHub, owner: str, repo: str, run_id: int) -> tuple[int, str]:
    """The open pull request a workflow run built: (number, head sha), from GitHub's records.

    Matches by the run's head sha (and head repository), looking at the run's `pull_requests`
    (filled for same-repository PRs), the PRs GitHub associates with the commit, and the open
    PRs whose head is the run's `owner:branch` (the way to find a fork's PR). None, or more
    than one, refuses.
    """
    base = f"/repos/{owner}/{repo}"
    run = github.get(f"{base}/actions/runs/{run_id}")
    if not isinstance(run, dict) or not isinstance(run.get("head_sha"), str):
        raise UserError(f"workflow run {run_id}: GitHub's answer has no head_sha")
    event = run.get("event")
    if event not in ("pull_request", "pull_request_target"):
        raise UserError(
            f"workflow run {run_id} was triggered by {event!r}, not by a pull request",
            fix="run the trusted job with `on: workflow_run` only for pull_request workflows",
        )
    head_sha: str = run["head_sha"]
    head_repo, this_repo = _obj(run.get("head_repository")), _obj(run.get("repository"))

    def matches(pull: Any, *, open_only: bool) -> bool:
        pull = _obj(pull)
        head, base_side = _obj(pull.get("head")), _obj(pull.get("base"))
        if type(pull.get("number")) is not int or head.get("sha") != head_sha:
            return False
        if open_only and pull.get("state") != "open":
            return False
        # Stubs and full PRs alike carry the head and base repositories' ids.
        for side, expected in ((head, head_repo.get("id")), (base_side, this_repo.get("id"))):
            found_id = _obj(side.get("repo")).get("id")
            if expected and found_id and found_id != expected:
                return False
        return True

    # The run's own list (filled for same-repository PRs, empty for forks) holds stubs with no
    # state; the listings below hold full PRs, so what they find is known to be open.
    stubs = {p["number"] for p in run.get("pull_requests") or [] if matches(p, open_only=False)}
    found: set[int] = set()
    try:
        pulls = github.paginate(f"{base}/commits/{head_sha}/pulls")
        found = {p["number"] for p in pulls if matches(p, open_only=True)}
    except (NotFound, Unprocessable):
        pass  # GitHub may not know a fork's commit in the base repository
    branch = run.get("head_branch")
    fork_owner = (
        _obj(head_repo.get("owner")).get("login")
        or str(head_repo.get("full_name") or "").partition("/")[0]
    )
    from_fork = bool(head_repo.get("id")) and head_repo.get("id") != this_repo.get("id")
    # A fork's PR is found by its head label; asked for forks always, so that a second PR on
    # the same commit shows up as ambiguity rather than being missed.
    if (from_fork or not (found or stubs)) and fork_owner and isinstance(branch, str) and branch:
        pulls = github.paginate(
            f"{base}/pulls", params={"state": "open", "head": f"{fork_owner}:{branch}"}
        )
        found |= {p["number"] for p in pulls if matches(p, open_only=True)}
    for number in sorted(stubs - found):
        if matches(github.get(f"{base}/pulls/{number}"), open_only=True):
            found.add(number)
    if not found:
        raise UserError(
            f"workflow run {run_id}: no open pull request has head commit {head_sha[:12]}",
            fix="the pull request may have been closed, or pushed to since; nothing to comment on",
        )
    if len(found) > 1:
        numbers = ", ".join(f"#{n}" for n in sorted(found))
        raise UserError(
            f"workflow run {run_id}: head commit {head_sha[:12]} is the head of several open "
            f"pull requests ({numbers}); refusing to guess which one to comment on"
        )
    return found.pop(), head_sha


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
