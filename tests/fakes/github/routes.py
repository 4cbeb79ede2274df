"""One handler per OpenAPI operation the fake serves, keyed by operationId.

Handlers run under the state lock, receive a `Context` (already authenticated and validated
against the OpenAPI description) and return a `Reply` or raise `HttpError`, answering as GitHub
answers, including its 422s for semantic errors the schema cannot express.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from tests.fakes.github import render
from tests.fakes.github.gitobjects import Commit, Signature
from tests.fakes.github.render import Urls
from tests.fakes.github.state import (
    Asset,
    CheckRun,
    Comment,
    Release,
    Repo,
    State,
    Status,
    Token,
    now,
)

DOCS = "https://docs.github.com/rest"
MAX_COMMENT = 65536


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            data["errors"] = self.errors
        data |= {"documentation_url": DOCS, "status": str(self.status)}
        return data


def not_found() -> HttpError:
    return HttpError(404, "Not Found")


def validation_failed(
    resource: str, code: str, field: str, message: str | None = None
) -> HttpError:
    error = {"resource": resource, "code": code, "field": field}
    if message:
        error["message"] = message
    return HttpError(422, "Validation Failed", errors=[error])


@dataclasses.dataclass(kw_only=True)
class Reply:
    status: int = 200
    json: Any = None
    raw: bytes | None = None  # a non-JSON body
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(kw_only=True)
class Context:
    state: State
    urls: Urls
    method: str
    path: str  # API path, without prefix and query
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    json: Any
    token: Token | None

    @property
    def login(self) -> str:
        return self.token.login if self.token else "ghost"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def repo(self, scope: str = "metadata", level: str = "read", *also: str) -> Repo:
        """The addressed repository, if the token may see it and has `level` on `scope`.

        A repository the token cannot see answers 404 (as GitHub hides private ones); a visible
        one without the permission answers 403, as a fork's read-only GITHUB_TOKEN meets.
        """
        full_name = f"{self.params['owner']}/{self.params['repo']}"
        repo = self.state.repos.get(full_name)
        if repo is None:
            raise not_found()
        token = self.token
        if token is None:
            if repo.private:
                raise not_found()
            if level != "read":
                raise HttpError(401, "Requires authentication")
            return repo
        if token.repositories is not None and full_name not in token.repositories:
            raise not_found()
        if not any(token.allows(s, level) for s in (scope, *also)):
            raise HttpError(403, "Resource not accessible by integration")
        return repo

    def can_write(self, scope: str = "contents") -> bool:
        return self.token is not None and self.token.allows(scope, "write")


def paginate(ctx: Context, items: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
    """Slice by `per_page`/`page` and build GitHub's Link header (prev, next, last, first)."""
    try:
        per_page = max(1, min(100, int(ctx.arg("per_page", "30") or 30)))
    except ValueError:
        per_page = 30
    try:
        page = max(1, int(ctx.arg("page", "1") or 1))
    except ValueError:
        page = 1
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    if last == 1:
        return chunk, {}

    def url(number: int) -> str:
        query = {k: v[-1] for k, v in ctx.query.items()}
        query |= {"per_page": str(per_page), "page": str(number)}
        return f"{ctx.urls.api}{ctx.path}?{urlencode(query)}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return chunk, {"Link": ", ".join(links)}


def _listing(ctx: Context, items: Sequence[Any], key: str | None = None) -> Reply:
    chunk, headers = paginate(ctx, items)
    if key is None:
        return Reply(json=chunk, headers=headers)
    return Reply(json={"total_count": len(items), key: chunk}, headers=headers)


def _created(data: dict[str, Any]) -> Reply:
    return Reply(status=201, json=data, headers={"Location": data["url"]})


def _commit_for(repo: Repo, ref: str) -> str:
    sha = repo.resolve(ref)
    if sha is None:
        raise HttpError(422, f"No commit found for SHA: {ref}")
    return sha


# -- repositories and pulls -----------------------------------------------------------------------


def get_repo(ctx: Context) -> Reply:
    repo = ctx.repo()
    level = "write" if ctx.can_write() else "read"
    return Reply(json=render.repository(ctx.state, ctx.urls, repo, permissions=level))


def get_pull(ctx: Context) -> Reply:
    repo = ctx.repo("pull_requests")
    pull = repo.pulls.get(ctx.int_param("pull_number"))
    if pull is None:
        raise not_found()
    return Reply(json=render.pull(ctx.state, ctx.urls, repo, pull, full=True))


def list_pulls(ctx: Context) -> Reply:
    repo = ctx.repo("pull_requests")
    state = ctx.arg("state", "open")
    head, base = ctx.arg("head"), ctx.arg("base")
    found = []
    for pull in sorted(repo.pulls.values(), key=lambda p: p.number, reverse=True):
        if state != "all" and pull.state != state:
            continue
        owner = pull.head_repo.split("/")[0]
        if head and head not in (f"{owner}:{pull.head_ref}", pull.head_ref):
            continue
        if base and pull.base_ref != base:
            continue
        found.append(render.pull(ctx.state, ctx.urls, repo, pull, full=False))
    if ctx.arg("direction") == "asc":
        found.reverse()
    return _listing(ctx, found)


def pulls_for_commit(ctx: Context) -> Reply:
    repo = ctx.repo("pull_requests")
    sha = _commit_for(repo, ctx.params["commit_sha"])
    found = [
        render.pull(ctx.state, ctx.urls, repo, pull, full=False)
        for pull in repo.pulls.values()
        if sha in (pull.head_sha, pull.merge_commit_sha)
    ]
    return _listing(ctx, found)


# -- issue comments -------------------------------------------------------------------------------


def _issue(ctx: Context, repo: Repo) -> int:
    number = ctx.int_param("issue_number")
    if number not in repo.pulls and number not in repo.issues:
        raise not_found()
    return number


def _check_body(body: str) -> None:
    if len(body) > MAX_COMMENT:
        raise validation_failed(
            "IssueComment",
            "unprocessable",
            "data",
            f"Body is too long (maximum is {MAX_COMMENT} characters)",
        )


def list_comments(ctx: Context) -> Reply:
    repo = ctx.repo("issues", "read", "pull_requests")
    number = _issue(ctx, repo)
    since = ctx.arg("since")
    found = [
        render.comment(ctx.state, ctx.urls, repo, c)
        for c in sorted(repo.comments.values(), key=lambda c: c.id)
        if c.issue_number == number and (since is None or c.updated_at >= since)
    ]
    return _listing(ctx, found)


def create_comment(ctx: Context) -> Reply:
    repo = ctx.repo("issues", "write", "pull_requests")
    number = _issue(ctx, repo)
    _check_body(ctx.json["body"])
    item = Comment(
        id=ctx.state.next_id(), issue_number=number, body=ctx.json["body"], login=ctx.login
    )
    repo.comments[item.id] = item
    return _created(render.comment(ctx.state, ctx.urls, repo, item))


def _comment(ctx: Context, repo: Repo) -> Comment:
    item = repo.comments.get(ctx.int_param("comment_id"))
    if item is None:
        raise not_found()
    return item


def get_comment(ctx: Context) -> Reply:
    repo = ctx.repo("issues", "read", "pull_requests")
    return Reply(json=render.comment(ctx.state, ctx.urls, repo, _comment(ctx, repo)))


def update_comment(ctx: Context) -> Reply:
    repo = ctx.repo("issues", "write", "pull_requests")
    item = _comment(ctx, repo)
    _check_body(ctx.json["body"])
    item.body = ctx.json["body"]
    item.updated_at = now()
    return Reply(json=render.comment(ctx.state, ctx.urls, repo, item))


def delete_comment(ctx: Context) -> Reply:
    repo = ctx.repo("issues", "write", "pull_requests")
    del repo.comments[_comment(ctx, repo).id]
    return Reply(status=204)


# -- git data -------------------------------------------------------------------------------------


def create_blob(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    encoding = ctx.json.get("encoding", "utf-8")
    content = ctx.json["content"]
    if encoding == "base64":
        try:
            data = base64.b64decode(content, validate=False)
        except binascii.Error:
            raise validation_failed("Blob", "invalid", "content") from None
    elif encoding in ("utf-8", "utf8"):
        data = content.encode()
    else:
        raise validation_failed("Blob", "invalid", "encoding", f"unknown encoding {encoding}")
    sha = repo.put_blob(data)
    return _created({"url": f"{ctx.urls.repo_api(repo)}/git/blobs/{sha}", "sha": sha})


def get_blob(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    sha = ctx.params["file_sha"]
    if sha not in repo.blobs:
        raise not_found()
    return Reply(json=render.blob(ctx.urls, repo, sha))


def create_tree(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    base = ctx.json.get("base_tree")
    if base is not None and base not in repo.trees:
        # base_tree may name a commit too, as git's tree-ish does
        base = repo.commits[base].tree if base in repo.commits else None
        if base is None:
            raise HttpError(422, "base_tree is not a valid tree oid")
    flat = repo.flatten(base) if base else {}
    for entry in ctx.json["tree"]:
        path, mode, kind = entry.get("path"), entry.get("mode"), entry.get("type")
        if not path or not mode or not kind:
            raise HttpError(422, "Must supply a valid tree.path, tree.mode and tree.type")
        path = path.strip("/")
        if "content" in entry:
            flat[path] = (mode, repo.put_blob(entry["content"].encode()))
            continue
        sha = entry.get("sha")
        if sha is None:  # "sha": null deletes the path, file or directory
            flat.pop(path, None)
            for key in [k for k in flat if k.startswith(f"{path}/")]:
                del flat[key]
            continue
        if kind == "blob" and sha not in repo.blobs:
            raise HttpError(422, f"tree.sha {sha} is not a valid blob")
        if kind == "tree":
            if sha not in repo.trees:
                raise HttpError(422, f"tree.sha {sha} is not a valid tree")
            for key in [k for k in flat if k == path or k.startswith(f"{path}/")]:
                del flat[key]
            for sub, value in repo.flatten(sha).items():
                flat[f"{path}/{sub}"] = value
            continue
        flat[path] = (mode, sha)
    sha = repo.tree_from_flat(flat)
    return _created(render.tree(ctx.urls, repo, sha, recursive=False))


def get_tree(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    sha = ctx.params["tree_sha"]
    if sha not in repo.trees:
        resolved = repo.resolve(sha)
        if resolved is None:
            raise not_found()
        sha = repo.commits[resolved].tree
    recursive = ctx.arg("recursive") not in (None, "", "0", "false")
    return Reply(json=render.tree(ctx.urls, repo, sha, recursive=recursive))


def _signature(ctx: Context, given: dict[str, Any] | None, default: Signature | None) -> Signature:
    if given:
        return Signature(name=given["name"], email=given["email"], date=given.get("date") or now())
    if default is not None:
        return default
    user = ctx.state.users.get(ctx.login)
    ident = user.id if user else 0
    return Signature(
        name=ctx.login, email=f"{ident}+{ctx.login}@users.noreply.github.com", date=now()
    )


def create_commit(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    body = ctx.json
    if body["tree"] not in repo.trees:
        raise HttpError(422, "Tree SHA does not exist")
    for parent in body.get("parents", []):
        if parent not in repo.commits:
            raise HttpError(422, "Parent SHA does not exist or is not a commit object")
    author = _signature(ctx, body.get("author"), None)
    committer = _signature(ctx, body.get("committer"), author)
    sha = repo.put_commit(
        Commit(
            tree=body["tree"],
            parents=tuple(body.get("parents", [])),
            author=author,
            committer=committer,
            message=body["message"],
        )
    )
    return _created(render.git_commit(ctx.urls, repo, sha))


def get_commit(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    sha = ctx.params["commit_sha"]
    if sha not in repo.commits:
        raise not_found()
    return Reply(json=render.git_commit(ctx.urls, repo, sha))


def get_ref(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    name = f"refs/{ctx.params['ref']}"
    if name not in repo.refs:
        raise not_found()
    return Reply(json=render.git_ref(ctx.urls, repo, name))


def create_ref(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    name, sha = ctx.json["ref"], ctx.json["sha"]
    if not name.startswith("refs/") or name.count("/") < 2:
        raise HttpError(422, "ref must start with 'refs' and have at least two slashes.")
    if name in repo.refs:
        raise HttpError(422, "Reference already exists")
    if sha not in repo.commits:
        raise HttpError(422, "Object does not exist")
    repo.refs[name] = sha
    return _created(render.git_ref(ctx.urls, repo, name))


def update_ref(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    name = f"refs/{ctx.params['ref']}"
    sha = ctx.json["sha"]
    if name not in repo.refs:
        raise HttpError(422, "Reference does not exist")
    if sha not in repo.commits:
        raise HttpError(422, "Object does not exist")
    if not ctx.json.get("force") and not repo.is_ancestor(repo.refs[name], sha):
        raise HttpError(422, "Update is not a fast forward")
    repo.refs[name] = sha
    return Reply(json=render.git_ref(ctx.urls, repo, name))


# -- checks and statuses --------------------------------------------------------------------------


def _apply_check(item: CheckRun, body: dict[str, Any]) -> None:
    for key in ("name", "details_url", "external_id", "started_at", "completed_at"):
        if key in body:
            setattr(item, key, body[key])
    if "status" in body:
        item.status = body["status"]
    if body.get("conclusion"):
        item.conclusion = body["conclusion"]
        item.status = "completed"  # GitHub completes a run that is given a conclusion
    if item.status == "completed":
        if not item.conclusion:
            raise HttpError(
                422, "Invalid request.\n\nconclusion is required when status is completed."
            )
        item.completed_at = item.completed_at or now()
    if "output" in body:
        output = dict(body["output"])
        output["annotations"] = item.output.get("annotations", []) + output.get("annotations", [])
        item.output = {**item.output, **output}


def create_check(ctx: Context) -> Reply:
    repo = ctx.repo("checks", "write")
    sha = _commit_for(repo, ctx.json["head_sha"])
    item = CheckRun(
        id=ctx.state.next_id(),
        head_sha=sha,
        name=ctx.json["name"],
        status="queued",
        conclusion=None,
        started_at=now(),
        completed_at=None,
        suite_id=ctx.state.next_id(),
    )
    _apply_check(item, ctx.json)
    repo.check_runs[item.id] = item
    return _created(render.check_run(ctx.urls, repo, item))


def update_check(ctx: Context) -> Reply:
    repo = ctx.repo("checks", "write")
    item = repo.check_runs.get(ctx.int_param("check_run_id"))
    if item is None:
        raise not_found()
    _apply_check(item, ctx.json)
    return Reply(json=render.check_run(ctx.urls, repo, item))


def list_checks(ctx: Context) -> Reply:
    repo = ctx.repo("checks")
    sha = _commit_for(repo, ctx.params["ref"])
    runs = sorted((r for r in repo.check_runs.values() if r.head_sha == sha), key=lambda r: -r.id)
    if ctx.arg("check_name"):
        runs = [r for r in runs if r.name == ctx.arg("check_name")]
    if ctx.arg("status"):
        runs = [r for r in runs if r.status == ctx.arg("status")]
    if ctx.arg("filter", "latest") == "latest":
        latest: dict[str, CheckRun] = {}
        for run in runs:
            latest.setdefault(run.name, run)
        runs = list(latest.values())
    return _listing(ctx, [render.check_run(ctx.urls, repo, r) for r in runs], "check_runs")


def create_status(ctx: Context) -> Reply:
    repo = ctx.repo("statuses", "write")
    sha = _commit_for(repo, ctx.params["sha"])
    item = Status(
        id=ctx.state.next_id(),
        sha=sha,
        state=ctx.json["state"],
        context=ctx.json.get("context") or "default",
        description=ctx.json.get("description"),
        target_url=ctx.json.get("target_url"),
        login=ctx.login,
    )
    repo.statuses[item.id] = item
    return _created(render.status(ctx.state, ctx.urls, repo, item))


def list_statuses(ctx: Context) -> Reply:
    repo = ctx.repo("statuses")
    sha = _commit_for(repo, ctx.params["ref"])
    found = sorted((s for s in repo.statuses.values() if s.sha == sha), key=lambda s: -s.id)
    return _listing(ctx, [render.status(ctx.state, ctx.urls, repo, s) for s in found])


# -- actions --------------------------------------------------------------------------------------


def get_run(ctx: Context) -> Reply:
    repo = ctx.repo("actions")
    run = repo.runs.get(ctx.int_param("run_id"))
    if run is None:
        raise not_found()
    return Reply(json=render.workflow_run(ctx.state, ctx.urls, repo, run))


def list_artifacts(ctx: Context) -> Reply:
    repo = ctx.repo("actions")
    run_id = ctx.int_param("run_id")
    if run_id not in repo.runs:
        raise not_found()
    name = ctx.arg("name")
    found = [
        render.artifact(ctx.urls, repo, a)
        for a in sorted(repo.artifacts.values(), key=lambda a: a.id)
        if a.run_id == run_id and (name is None or a.name == name)
    ]
    return _listing(ctx, found, "artifacts")


def download_artifact(ctx: Context) -> Reply:
    repo = ctx.repo("actions")
    item = repo.artifacts.get(ctx.int_param("artifact_id"))
    if item is None or ctx.params["archive_format"] != "zip":
        raise not_found()
    if item.expired:
        raise HttpError(410, "Artifact has expired")
    location = f"{ctx.urls.server}/_fake/objects/artifacts/{item.id}?sig=fake"
    return Reply(status=302, raw=b"", content_type="", headers={"Location": location})


# -- releases -------------------------------------------------------------------------------------


def _visible(ctx: Context, repo: Repo, release: Release | None) -> Release:
    # Drafts exist only for those who may push.
    if release is None or (release.draft and not ctx.can_write()):
        raise not_found()
    return release


def _publish(repo: Repo, release: Release) -> None:
    tag = f"refs/tags/{release.tag_name}"
    if tag not in repo.refs:
        target = repo.resolve(release.target_commitish)
        if target is None:
            raise validation_failed("Release", "invalid", "target_commitish")
        repo.refs[tag] = target
    release.published_at = release.published_at or now()


def create_release(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    body = ctx.json
    if any(r.tag_name == body["tag_name"] for r in repo.releases.values()):
        raise validation_failed("Release", "already_exists", "tag_name")
    release = Release(
        id=ctx.state.next_id(),
        tag_name=body["tag_name"],
        target_commitish=body.get("target_commitish") or repo.default_branch,
        name=body.get("name"),
        body=body.get("body"),
        draft=bool(body.get("draft", False)),
        prerelease=bool(body.get("prerelease", False)),
        login=ctx.login,
    )
    if repo.resolve(release.target_commitish) is None and (
        f"refs/tags/{release.tag_name}" not in repo.refs
    ):
        raise validation_failed("Release", "invalid", "target_commitish")
    if not release.draft:
        _publish(repo, release)
    repo.releases[release.id] = release
    return _created(render.release(ctx.state, ctx.urls, repo, release))


def list_releases(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    writer = ctx.can_write()
    found = [
        render.release(ctx.state, ctx.urls, repo, r)
        for r in sorted(repo.releases.values(), key=lambda r: (r.created_at, r.id), reverse=True)
        if writer or not r.draft
    ]
    return _listing(ctx, found)


def latest_release(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    published = [r for r in repo.releases.values() if not r.draft and not r.prerelease]
    if not published:
        raise not_found()
    latest = max(published, key=lambda r: (r.created_at, r.id))
    return Reply(json=render.release(ctx.state, ctx.urls, repo, latest))


def release_by_tag(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    for release in repo.releases.values():
        if release.tag_name == ctx.params["tag"] and not release.draft:
            return Reply(json=render.release(ctx.state, ctx.urls, repo, release))
    raise not_found()


def get_release(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    release = _visible(ctx, repo, repo.releases.get(ctx.int_param("release_id")))
    return Reply(json=render.release(ctx.state, ctx.urls, repo, release))


def update_release(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    release = _visible(ctx, repo, repo.releases.get(ctx.int_param("release_id")))
    body = ctx.json or {}
    if "tag_name" in body and any(
        r.tag_name == body["tag_name"] and r.id != release.id for r in repo.releases.values()
    ):
        raise validation_failed("Release", "already_exists", "tag_name")
    for key in ("tag_name", "target_commitish", "name", "body", "draft", "prerelease"):
        if key in body:
            setattr(release, key, body[key])
    if not release.draft:
        _publish(repo, release)
    release.updated_at = now()
    return Reply(json=render.release(ctx.state, ctx.urls, repo, release))


def delete_release(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    release = _visible(ctx, repo, repo.releases.get(ctx.int_param("release_id")))
    del repo.releases[release.id]
    for asset_id in [a.id for a in repo.assets.values() if a.release_id == release.id]:
        del repo.assets[asset_id]
    return Reply(status=204)


def list_assets(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    release = _visible(ctx, repo, repo.releases.get(ctx.int_param("release_id")))
    found = [
        render.asset(ctx.state, ctx.urls, repo, a)
        for a in sorted(repo.assets.values(), key=lambda a: a.id)
        if a.release_id == release.id
    ]
    return _listing(ctx, found)


def _safe_name(name: str) -> str:
    # GitHub renames special characters to periods and trims periods at either end.
    return re.sub(r"[^A-Za-z0-9._+\-]", ".", name).strip(".") or "default"


def upload_asset(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    release = _visible(ctx, repo, repo.releases.get(ctx.int_param("release_id")))
    name = _safe_name(ctx.arg("name") or "")
    if any(a.name == name and a.release_id == release.id for a in repo.assets.values()):
        raise validation_failed("ReleaseAsset", "already_exists", "name")
    content_type = {k.lower(): v for k, v in ctx.headers.items()}.get(
        "content-type", "application/octet-stream"
    )
    item = Asset(
        id=ctx.state.next_id(),
        release_id=release.id,
        name=name,
        label=ctx.arg("label"),
        content_type=content_type,
        data=ctx.body,
        login=ctx.login,
    )
    repo.assets[item.id] = item
    return Reply(status=201, json=render.asset(ctx.state, ctx.urls, repo, item))


def _asset(ctx: Context, repo: Repo) -> Asset:
    item = repo.assets.get(ctx.int_param("asset_id"))
    if item is None:
        raise not_found()
    _visible(ctx, repo, repo.releases.get(item.release_id))
    return item


def get_asset(ctx: Context) -> Reply:
    repo = ctx.repo("contents")
    item = _asset(ctx, repo)
    accept = {k.lower(): v for k, v in ctx.headers.items()}.get("accept", "")
    if "application/octet-stream" in accept:
        location = f"{ctx.urls.server}/_fake/objects/assets/{item.id}?sig=fake"
        return Reply(status=302, raw=b"", content_type="", headers={"Location": location})
    return Reply(json=render.asset(ctx.state, ctx.urls, repo, item))


def update_asset(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    item = _asset(ctx, repo)
    body = ctx.json or {}
    if "name" in body:
        name = _safe_name(body["name"])
        if any(
            a.name == name and a.release_id == item.release_id and a.id != item.id
            for a in repo.assets.values()
        ):
            raise validation_failed("ReleaseAsset", "already_exists", "name")
        item.name = name
    if "label" in body:
        item.label = body["label"]
    item.updated_at = now()
    return Reply(json=render.asset(ctx.state, ctx.urls, repo, item))


def delete_asset(ctx: Context) -> Reply:
    repo = ctx.repo("contents", "write")
    del repo.assets[_asset(ctx, repo).id]
    return Reply(status=204)


HANDLERS: dict[str, Callable[[Context], Reply]] = {
    "repos/get": get_repo,
    "pulls/get": get_pull,
    "pulls/list": list_pulls,
    "repos/list-pull-requests-associated-with-commit": pulls_for_commit,
    "issues/list-comments": list_comments,
    "issues/create-comment": create_comment,
    "issues/get-comment": get_comment,
    "issues/update-comment": update_comment,
    "issues/delete-comment": delete_comment,
    "git/create-blob": create_blob,
    "git/get-blob": get_blob,
    "git/create-tree": create_tree,
    "git/get-tree": get_tree,
    "git/create-commit": create_commit,
    "git/get-commit": get_commit,
    "git/get-ref": get_ref,
    "git/create-ref": create_ref,
    "git/update-ref": update_ref,
    "checks/create": create_check,
    "checks/update": update_check,
    "checks/list-for-ref": list_checks,
    "repos/create-commit-status": create_status,
    "repos/list-commit-statuses-for-ref": list_statuses,
    "actions/get-workflow-run": get_run,
    "actions/list-workflow-run-artifacts": list_artifacts,
    "actions/download-artifact": download_artifact,
    "repos/create-release": create_release,
    "repos/list-releases": list_releases,
    "repos/get-latest-release": latest_release,
    "repos/get-release-by-tag": release_by_tag,
    "repos/get-release": get_release,
    "repos/update-release": update_release,
    "repos/delete-release": delete_release,
    "repos/list-release-assets": list_assets,
    "repos/upload-release-asset": upload_asset,
    "repos/get-release-asset": get_asset,
    "repos/update-release-asset": update_asset,
    "repos/delete-release-asset": delete_asset,
}
