"""The comment bundle: how a fork's pull request gets its report comment without a write token.

GitHub gives a pull request from a fork a read-only token, so the comment is posted in two
stages (GitHub Security Lab, "Keeping your GitHub Actions and workflows secure: preventing pwn
requests"):

1. the untrusted `pull_request` job runs the PR's code, renders the report and writes a bundle
   with `write_bundle` (modelci-comment.json, report.md, plots/*.png), uploaded as an artifact;
2. a trusted `workflow_run` job, which runs the base branch's code with a write token, lists the
   run's bundle artifacts (`modelci-comment`, `modelci-comment-<id>`) with
   `list_bundle_artifacts`, fetches each with `download_artifact`, opens it with
   `read_untrusted_bundle`, and finds the pull request with `find_pull_request` from GitHub's
   own record of the run (a bundle rendered for another head commit is refused).

Everything in the bundle was written by code the PR's author controls: the reader treats the zip
as hostile (sizes, names, file types, well-formed PNGs, the metadata schema), strips every HTML
comment from the markdown so it cannot forge the sticky comment's marker, and the PR number it
claims is never used to decide where to post.
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

VERSION = 1
METADATA = "modelci-comment.json"
MARKDOWN = "report.md"
PLOTS = "plots"
DEFAULT_ARTIFACT = "modelci-comment"  # and "modelci-comment-<id>", one per candidate
MAX_BUNDLES = 20  # comment bundles posted from one run
MAX_LISTED_ARTIFACTS = 1_000  # artifacts of one run looked at

MAX_FILES = 50
# The trusted job commits every image to the base repository's assets branch, so the caps are
# tight (our plots are 14-52 KB) and each image must be a well-formed PNG (`_check_png`).
MAX_PNG_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024
MAX_PNG_SIDE = 4096  # pixels, width and height
MAX_MARKDOWN_BYTES = 300_000
MAX_METADATA_BYTES = 64 * 1024
# The zip on disk (and the artifact download): the content plus generous zip overhead.
MAX_ZIP_BYTES = MAX_TOTAL_BYTES + 4 * 1024 * 1024

KEY = re.compile(r"[A-Za-z0-9._-]{1,64}")
IMAGE = re.compile(r"plots/[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.png")
SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# An HTML comment, or an unterminated one running to the end (GitHub hides both).
_COMMENT = re.compile(r"<!--(?:.*?-->|.*\Z)", re.DOTALL)
_METADATA_KEYS = frozenset(
    {"version", "key", "run_id", "run_attempt", "head_sha", "pr_number_claimed", "images"}
)
_CHUNK = 1 << 16


@dataclass(frozen=True, kw_only=True)
class CommentBundle:
    """A rendered PR comment in transit from the untrusted job to the trusted one."""

    markdown: str  # the report markdown; image links are the relative plot paths
    key: str  # comment key: which sticky comment on the PR this updates
    images: dict[str, bytes]  # "plots/roc.png" -> PNG bytes
    run_id: int | None
    run_attempt: int | None
    head_sha: str | None
    pr_number_claimed: int | None  # informational only, never trusted


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
    markdown = bundle.markdown.encode("utf-8")
    _check_size(MARKDOWN, len(markdown), MAX_MARKDOWN_BYTES)
    if len(bundle.images) > MAX_FILES - 2:
        raise _refuse(f"{len(bundle.images)} images, more than the {MAX_FILES - 2} allowed")
    total = len(markdown)
    for name, data in bundle.images.items():
        if not IMAGE.fullmatch(name):
            raise _refuse(f"image name {_shown(name)} must look like 'plots/roc.png'")
        _check_size(name, len(data), MAX_PNG_BYTES)
        _check_png(name, data)
        total += len(data)
    _check_size("the bundle", total, MAX_TOTAL_BYTES)

    metadata = {
        "version": VERSION,
        "key": bundle.key,
        "run_id": bundle.run_id,
        "run_attempt": bundle.run_attempt,
        "head_sha": bundle.head_sha,
        "pr_number_claimed": bundle.pr_number_claimed,
        "images": sorted(bundle.images),
    }
    with staged_dir(Path(directory), marker=METADATA, flag="--bundle") as stage:
        (stage / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        (stage / MARKDOWN).write_bytes(markdown)
        if bundle.images:
            (stage / PLOTS).mkdir()
        for name, data in sorted(bundle.images.items()):
            (stage / name).write_bytes(data)


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


def strip_html_comments(markdown: str) -> str:
    """Remove every HTML comment, so no text can pose as a hidden marker.

    >>> strip_html_comments("a<!-- x -->b<!-- open")
    'ab'
    >>> strip_html_comments("<!<!-- -->-- modelci -->")
    '&lt;!-- modelci -->'
    """
    text = _COMMENT.sub("", markdown)
    # Removing a comment can join its neighbours into a new "<!--"; one more pass of escaping
    # (which cannot create another) settles it in linear time.
    return text.replace("<!--", "&lt;!--")


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
            if name != f"{PLOTS}/":
                raise _refuse(f"unexpected directory {_shown(name)}")
            continue
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            raise _refuse(f"{_shown(name)} is not a regular file")
        if info.flag_bits & 0x1:
            raise _refuse(f"{_shown(name)} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(f"{_shown(name)} uses an unsupported compression method")
        if name not in (METADATA, MARKDOWN) and not IMAGE.fullmatch(name):
            raise _refuse(
                f"unexpected file {_shown(name)}: a bundle holds only {METADATA}, {MARKDOWN} "
                "and plots/<name>.png"
            )
        if name in members:
            raise _refuse(f"{_shown(name)} appears twice")
        _check_size(name, info.file_size, _limit(name))
        declared += info.file_size
        _check_size("the bundle", declared, MAX_TOTAL_BYTES)
        members[name] = info
    for required in (METADATA, MARKDOWN):
        if required not in members:
            raise _refuse(f"{required} is missing")
    return members


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
    if name == MARKDOWN:
        return MAX_MARKDOWN_BYTES
    return MAX_PNG_BYTES


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
    try:
        markdown = contents[MARKDOWN].decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(f"{MARKDOWN} is not UTF-8 text") from None
    images = {name: data for name, data in contents.items() if IMAGE.fullmatch(name)}
    listed = set(metadata["images"])
    if missing := sorted(listed - set(images)):
        raise _refuse(f"{_shown(missing[0])} is listed in {METADATA} but missing")
    if unlisted := sorted(set(images) - listed):
        raise _refuse(f"{_shown(unlisted[0])} is not listed in {METADATA}")
    for name, data in images.items():
        _check_png(name, data)
    return CommentBundle(
        markdown=strip_html_comments(markdown),
        key=metadata["key"],
        images=dict(sorted(images.items())),
        run_id=metadata["run_id"],
        run_attempt=metadata["run_attempt"],
        head_sha=metadata["head_sha"],
        pr_number_claimed=metadata["pr_number_claimed"],
    )


def _metadata(raw: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise _refuse(f"{METADATA} repeats a key")
        return dict(pairs)

    def no_constants(name: str) -> None:
        raise _refuse(f"{METADATA} holds {name}, which is not JSON")

    try:
        data = json.loads(
            raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants
        )
    except UnicodeDecodeError:
        raise _refuse(f"{METADATA} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise _refuse(
            f"{METADATA} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise _refuse(f"{METADATA} must hold a JSON object")
    unknown = sorted(set(data) - _METADATA_KEYS)
    if unknown:
        raise _refuse(f"{METADATA} has unknown keys {_shown(', '.join(unknown))}")
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise _refuse(
            f"{METADATA} version must be {VERSION}, got {_shown(repr(version))}",
            fix="write the bundle with the same major version of modelci",
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
    images = data.get("images", [])
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise _refuse(f"{METADATA}: 'images' must be a list of paths")
    if len(set(images)) != len(images):
        raise _refuse(f"{METADATA}: 'images' repeats a path")
    return {
        "key": key,
        "run_id": data.get("run_id"),
        "run_attempt": data.get("run_attempt"),
        "head_sha": head_sha,
        "pr_number_claimed": data.get("pr_number_claimed"),
        "images": images,
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
