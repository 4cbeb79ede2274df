"""Host a run's plot images on an orphan branch, one commit per run, and link them by commit.

A PR comment can only show images that live at a URL, and a private repository's images must be
served by GitHub itself to its readers. So the PNGs go to the branch `modelci-assets` (its history
shares nothing with the code), under `pr-<N>/<run id>-<attempt>/<plot path>`, and each is linked as
`{server}/{owner}/{repo}/blob/{commit}/{path}?raw=true`: pinned to the commit, so a later run
never changes what an old comment shows, and served with the reader's own permissions.

One commit per run, two ways to make it:

- GraphQL `createCommitOnBranch` (the default): the whole commit, every image base64-encoded, in
  one request, guarded by `expectedHeadOid`. With the read of the head, 2 requests per run.
- The Git Data REST API (the fallback, and how the branch is first created): a blob per image,
  a tree on top of the head's tree (`base_tree`), a commit whose parent is the head, then a
  fast-forward-only `PATCH git/refs/heads/modelci-assets`. 5 + one request per image.

Either way a concurrent run may move the branch first. Then the head is read again and the commit
is made again on top of it, at most `max_attempts` times. Nothing is ever forced: both runs' images
end up reachable from the head.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Literal

from modelci.errors import ExternalError, UserError
from modelci.github.client import (
    Conflict,
    Forbidden,
    GitHub,
    GitHubError,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)

BRANCH = "modelci-assets"
MAX_ATTEMPTS = 5
# Above this much PNG data the commit goes through REST blobs rather than one GraphQL request
# (base64 grows it by a third; GitHub limits the size of a GraphQL request).
GRAPHQL_MAX_BYTES = 6 * 1024 * 1024
README = """\
# modelci assets

Plot images shown in modelci's pull-request comments, one folder per pull request and run.
This branch shares no history with the code. Deleting it only removes the images from old
comments; the next run creates it again.
"""

Method = Literal["auto", "graphql", "rest"]
Log = Callable[[str], None]

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_OID = re.compile(r"[0-9a-f]{40}")
_MUTATION = (
    "mutation ($input: CreateCommitOnBranchInput!) "
    "{ createCommitOnBranch(input: $input) { commit { oid } } }"
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UploadedImages:
    """Where a run's images landed."""

    commit_sha: str
    branch: str
    paths: dict[str, str]  # plot path ("plots/roc.png") -> path on the branch
    urls: dict[str, str]  # plot path -> URL pinned to the commit
    requests: int = 0  # API requests it took (for the log and the benchmark)
    method: str = "graphql"  # how the commit was made: "graphql", "rest" or "create"


def run_folder(
    pr: int, run_id: int | None, run_attempt: int | None, images: Mapping[str, bytes]
) -> str:
    """`pr-<N>/<run id>-<attempt>`; outside Actions, `pr-<N>/local-<digest of the images>`.

    >>> run_folder(7, 123, 2, {})
    'pr-7/123-2'
    >>> run_folder(7, None, None, {"a.png": b"x"})
    'pr-7/local-da5599067b15'
    """
    if run_id is not None:
        return f"pr-{int(pr)}/{int(run_id)}-{int(run_attempt or 1)}"
    digest = hashlib.sha256()
    for path in sorted(images):
        digest.update(path.encode() + b"\0" + hashlib.sha256(images[path]).digest())
    return f"pr-{int(pr)}/local-{digest.hexdigest()[:12]}"


def check_image_path(path: str) -> str:
    """A plot path safe to put on the branch and in a URL: relative, plain parts, no `..`."""
    parts = path.split("/")
    if not path or len(path) > 300 or not all(_PART.fullmatch(part) for part in parts):
        raise UserError(
            f"The plot path must be relative, of letters, digits, '.', '_', '-' and '/'. "
            f"Got {path!r} instead."
        )
    if any(set(part) == {"."} for part in parts):
        raise UserError(f"The plot path must not contain '.' or '..' parts. Got {path!r} instead.")
    return path


def blob_url(server_url: str, owner: str, repo: str, commit_sha: str, path: str) -> str:
    """The URL that serves a file of a commit, also in a private repository.

    >>> blob_url("https://github.com", "o", "r", "0" * 40, "pr-1/9-1/plots/roc.png")
    'https://github.com/o/r/blob/0000000000000000000000000000000000000000/pr-1/9-1/plots/roc.png?raw=true'
    """
    quoted = urllib.parse.quote(path, safe="/")
    return f"{server_url.rstrip('/')}/{owner}/{repo}/blob/{commit_sha}/{quoted}?raw=true"


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside a REST API URL (GHES serves it at `/api/graphql`).

    >>> graphql_url("https://api.github.com")
    'https://api.github.com/graphql'
    >>> graphql_url("https://ghe.example/api/v3")
    'https://ghe.example/api/graphql'
    """
    api_url = api_url.rstrip("/")
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/v3")] + "/graphql"
    return api_url + "/graphql"


def git_blob_sha(data: bytes) -> str:
    """The object id git gives `data` as a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def upload_images(
    github: GitHub,
    owner: str,
    repo: str,
    images: Mapping[str, bytes],
    *,
    pr: int,
    run_id: int | None,
    run_attempt: int | None,
    server_url: str,
    branch: str = BRANCH,
    method: Method = "auto",
    max_attempts: int = MAX_ATTEMPTS,
    log: Log | None = None,
) -> UploadedImages:
    """Commit `images` (plot path -> PNG bytes) to `branch` in one commit; their pinned URLs.

    `method`: "auto" uses GraphQL up to `GRAPHQL_MAX_BYTES` of images, and falls back to the
    REST Git Data API when GraphQL is not served, fails after retries, or refuses without the
    branch having moved; "graphql" and "rest" use only that one (a missing branch is always
    created with REST). A 403 raises `Forbidden` (a fork's read-only
    token); a branch that keeps moving raises `ExternalError` after `max_attempts`.
    """
    if not images:
        raise ValueError("no images to upload")
    folder = run_folder(pr, run_id, run_attempt, images)
    paths = {plot: f"{folder}/{check_image_path(plot)}" for plot in images}
    files = {paths[plot]: bytes(data) for plot, data in images.items()}
    message = f"modelci: plots of pull request #{int(pr)}, {folder.split('/', 1)[1]}"
    store = _Branch(github, owner, repo, branch, log=log)
    sha, how = store.commit(files, message, method=method, max_attempts=max_attempts)
    return UploadedImages(
        commit_sha=sha,
        branch=branch,
        paths=paths,
        urls={plot: blob_url(server_url, owner, repo, sha, path) for plot, path in paths.items()},
        requests=store.requests,
        method=how,
    )


class _Moved(Exception):
    """The branch moved (or appeared, or vanished) under us: read the head again.

    `landed` is (our commit, how) when the ref update may have succeeded unseen.
    """

    def __init__(self, landed: tuple[str, str] | None = None):
        super().__init__("the branch moved")
        self.landed = landed


class _GraphQLRefused(Exception):
    """GraphQL answered with errors that are not about permissions."""


class _Branch:
    """The asset branch of one repository, as the steps of one upload see it."""

    def __init__(self, github: GitHub, owner: str, repo: str, branch: str, *, log: Log | None):
        self.github = github
        self.owner = owner
        self.repo = repo
        self.branch = branch
        self.git = f"repos/{owner}/{repo}/git"
        self.requests = 0
        self._log = log or (lambda text: None)
        self._blobs: set[str] = set()  # blob ids known to exist, so a retry sends none twice

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        self.requests += 1
        return self.github.request_json(method, path, json=json)

    # -- the loop ---------------------------------------------------------------------------------

    def commit(
        self, files: dict[str, bytes], message: str, *, method: Method, max_attempts: int
    ) -> tuple[str, str]:
        """Make the commit on the current head, again on the new head when the branch moved."""
        use_graphql = method == "graphql" or (
            method == "auto" and sum(len(data) for data in files.values()) <= GRAPHQL_MAX_BYTES
        )
        refused_at: str | None = None  # the head GraphQL last refused to commit on
        pending: tuple[str, str] | None = None  # (our commit, how) the branch may already hold
        last: Exception | None = None
        for _ in range(max_attempts):
            head = self.head()
            if pending is not None and head == pending[0]:
                return pending  # the branch moved to our commit although the answer was lost
            pending = None
            try:
                if head is None:
                    return self.create_branch(files, message), "create"
                if use_graphql and refused_at == head:
                    # Refused although the branch had not moved: not a race, so not worth a retry.
                    if method == "graphql":
                        raise ExternalError(_one_line(last or Exception("refused")))
                    self._log(f"{_one_line(last or Exception('refused'))}; using the REST API")
                    use_graphql = False
                if use_graphql:
                    try:
                        return self.commit_graphql(head, files, message), "graphql"
                    except _GraphQLRefused as error:
                        refused_at, last = head, error  # usually a moved head: look again
                        continue
                    except (Unauthorized, Forbidden, RateLimited):
                        raise  # answers about the token, which REST would give as well
                    except GitHubError as error:
                        if method == "graphql":
                            raise
                        # No GraphQL here (an old GHES, a proxy), a body too large for it, or it
                        # keeps failing: use REST, after reading the head again (it may have
                        # committed although the answer was lost).
                        self._log(f"{_one_line(error)}; using the REST API")
                        use_graphql, last = False, error
                        continue
                return self.commit_rest(head, files, message), "rest"
            except _Moved as moved:
                cause = moved.__cause__
                last = cause if isinstance(cause, Exception) else moved
                pending = moved.landed
        raise ExternalError(
            f"GitHub: could not add the plots to branch {self.branch} of {self.owner}/{self.repo} "
            f"in {max_attempts} attempts; other runs kept moving it"
            + (f" (last: {_one_line(last)})" if last else ""),
            fix="Rerun the job.",
        )

    # -- steps ------------------------------------------------------------------------------------

    def head(self) -> str | None:
        """The branch's commit, or None when it does not exist."""
        try:
            ref = self._call("GET", f"{self.git}/ref/heads/{self.branch}")
        except NotFound:
            return None
        sha = (ref.get("object") or {}).get("sha") if isinstance(ref, dict) else None
        if not isinstance(sha, str) or not _OID.fullmatch(sha):
            raise ExternalError(f"GitHub: the ref of branch {self.branch} has no commit sha")
        return sha

    def commit_graphql(self, head: str, files: dict[str, bytes], message: str) -> str:
        additions = [
            {"path": path, "contents": base64.b64encode(data).decode("ascii")}
            for path, data in sorted(files.items())
        ]
        payload = {
            "query": _MUTATION,
            "variables": {
                "input": {
                    "branch": {
                        "repositoryNameWithOwner": f"{self.owner}/{self.repo}",
                        "branchName": self.branch,
                    },
                    "expectedHeadOid": head,
                    "message": {"headline": message},
                    "fileChanges": {"additions": additions},
                }
            },
        }
        answer = self._call("POST", graphql_url(self.github.api_url), payload)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            text = "; ".join(
                str(e.get("message") or e.get("type") or e) if isinstance(e, dict) else str(e)
                for e in errors
            )
            kinds = {e.get("type") for e in errors if isinstance(e, dict)}
            if "FORBIDDEN" in kinds or "not accessible" in text.lower():
                raise Forbidden(
                    f"GitHub POST /graphql (createCommitOnBranch): {text}",
                    method="POST",
                    path="/graphql",
                    status=403,
                    body=answer,
                    fix="Grant the workflow `contents: write`; a pull request from a fork gets "
                    "a read-only GITHUB_TOKEN.",
                )
            raise _GraphQLRefused(f"GitHub GraphQL createCommitOnBranch: {text}"[:400])
        try:
            oid = answer["data"]["createCommitOnBranch"]["commit"]["oid"]
        except (KeyError, TypeError):
            raise _GraphQLRefused(
                "GitHub GraphQL createCommitOnBranch: no commit in the answer"
            ) from None
        if not isinstance(oid, str) or not _OID.fullmatch(oid):
            raise _GraphQLRefused(f"GitHub GraphQL createCommitOnBranch: bad commit oid {oid!r}")
        return oid

    def commit_rest(self, head: str, files: dict[str, bytes], message: str) -> str:
        commit = self._call("GET", f"{self.git}/commits/{head}")
        base_tree = commit["tree"]["sha"]
        entries = [
            {"path": path, "mode": "100644", "type": "blob", "sha": self.blob(data)}
            for path, data in sorted(files.items())
        ]
        tree = self._call("POST", f"{self.git}/trees", {"base_tree": base_tree, "tree": entries})
        sha = self._new_commit(tree["sha"], [head], message)
        try:
            self._call(
                "PATCH", f"{self.git}/refs/heads/{self.branch}", {"sha": sha, "force": False}
            )
        except (Unprocessable, Conflict) as error:
            # "Update is not a fast forward": another run moved it; "does not exist": deleted.
            raise _Moved() from error
        except GitHubError as error:
            if _maybe_applied(error):
                raise _Moved((sha, "rest")) from error  # the next round sees whether it landed
            raise
        return sha

    def create_branch(self, files: dict[str, bytes], message: str) -> str:
        entries: list[dict[str, Any]] = [
            {"path": "README.md", "mode": "100644", "type": "blob", "content": README}
        ]
        entries += [
            {"path": path, "mode": "100644", "type": "blob", "sha": self.blob(data)}
            for path, data in sorted(files.items())
        ]
        tree = self._call("POST", f"{self.git}/trees", {"tree": entries})
        sha = self._new_commit(tree["sha"], [], message)
        try:
            self._call("POST", f"{self.git}/refs", {"ref": f"refs/heads/{self.branch}", "sha": sha})
        except (Unprocessable, Conflict) as error:
            # "Reference already exists": another run created it first (or our own retried POST).
            raise _Moved((sha, "create")) from error
        except GitHubError as error:
            if _maybe_applied(error):
                raise _Moved((sha, "create")) from error
            raise
        return sha

    def blob(self, data: bytes) -> str:
        expected = git_blob_sha(data)
        if expected in self._blobs:
            return expected
        answer = self._call(
            "POST",
            f"{self.git}/blobs",
            {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"},
        )
        if answer.get("sha") != expected:
            raise ExternalError(
                f"GitHub stored a blob as {answer.get('sha')!r}, but its content hashes to {expected}"
            )
        self._blobs.add(expected)
        return expected

    def _new_commit(self, tree: str, parents: list[str], message: str) -> str:
        answer = self._call(
            "POST", f"{self.git}/commits", {"message": message, "tree": tree, "parents": parents}
        )
        return str(answer["sha"])


def _maybe_applied(error: GitHubError) -> bool:
    return error.status is None or error.status >= 500 or error.status == 408


def _one_line(error: Exception) -> str:
    text = error.line() if isinstance(error, GitHubError) else str(error)
    return " ".join(text.split())[:300]
