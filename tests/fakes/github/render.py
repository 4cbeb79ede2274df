"""The fake's state as GitHub's JSON: every field the OpenAPI description requires, real URLs.

URLs are built from the address the client used (its Host header), so the same fake serves a test
on 127.0.0.1 and a workflow in a container that reaches the host by another name.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from tests.fakes.github.state import (
    Artifact,
    Asset,
    CheckRun,
    Comment,
    Pull,
    Release,
    Repo,
    Run,
    State,
    Status,
    User,
)

EPOCH = "2020-01-01T00:00:00Z"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Urls:
    server: str  # "http://127.0.0.1:PORT" – the web side (html_url, downloads)
    api: str  # server + "" for github.com style, + "/api/v3" for GHES style
    uploads: str  # server + "/api/uploads"

    def repo_api(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repo_html(self, repo: Repo) -> str:
        return f"{self.server}/{repo.full_name}"


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode().rstrip("=")


def user(urls: Urls, who: User) -> dict[str, Any]:
    api = f"{urls.api}/users/{who.login}"
    return {
        "login": who.login,
        "id": who.id,
        "node_id": node_id("User", who.id),
        "avatar_url": f"{urls.server}/avatars/u/{who.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.server}/{who.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": who.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def login(state: State, urls: Urls, name: str) -> dict[str, Any]:
    return user(urls, state.users.get(name) or state.add_user(name))


def repository(
    state: State, urls: Urls, repo: Repo, *, permissions: str | None = None
) -> dict[str, Any]:
    """Satisfies `full-repository`, `repository` and `minimal-repository` at once."""
    api = urls.repo_api(repo)
    html = urls.repo_html(repo)
    host = urls.server.split("://", 1)[1]
    data: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": login(state, urls, repo.owner),
        "private": repo.private,
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "contributors_url": f"{api}/contributors",
        "deployments_url": f"{api}/deployments",
        "downloads_url": f"{api}/downloads",
        "events_url": f"{api}/events",
        "forks_url": f"{api}/forks",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": f"git://{host}/{repo.full_name}.git",
        "hooks_url": f"{api}/hooks",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "languages_url": f"{api}/languages",
        "merges_url": f"{api}/merges",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "stargazers_url": f"{api}/stargazers",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "tags_url": f"{api}/tags",
        "teams_url": f"{api}/teams",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "clone_url": f"{html}.git",
        "mirror_url": None,
        "svn_url": html,
        "homepage": None,
        "language": "Python",
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "size": 1,
        "default_branch": repo.default_branch,
        "open_issues": sum(p.state == "open" for p in repo.pulls.values()) + len(repo.issues),
        "open_issues_count": sum(p.state == "open" for p in repo.pulls.values()) + len(repo.issues),
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "license": None,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "pushed_at": repo.created_at,
        "created_at": repo.created_at,
        "updated_at": repo.created_at,
        "network_count": 0,
        "subscribers_count": 0,
    }
    if permissions is not None:
        write = permissions == "write"
        data["permissions"] = {
            "admin": False,
            "maintain": False,
            "push": write,
            "triage": write,
            "pull": True,
        }
    return data


def comment(state: State, urls: Urls, repo: Repo, item: Comment) -> dict[str, Any]:
    api = urls.repo_api(repo)
    kind = "pull" if item.issue_number in repo.pulls else "issues"
    return {
        "id": item.id,
        "node_id": node_id("IssueComment", item.id),
        "url": f"{api}/issues/comments/{item.id}",
        "html_url": f"{urls.repo_html(repo)}/{kind}/{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{api}/issues/{item.issue_number}",
        "body": item.body,
        "user": login(state, urls, item.login),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "author_association": "NONE" if item.login.endswith("[bot]") else "OWNER",
        "performed_via_github_app": None,
        "reactions": reactions(f"{api}/issues/comments/{item.id}/reactions"),
    }


def reactions(url: str) -> dict[str, Any]:
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0
    )
    return {"url": url, "total_count": 0, **counts}


def _branch(
    state: State, urls: Urls, repo: Repo, ref: str, sha: str, full_name: str
) -> dict[str, Any]:
    source = state.repos.get(full_name, repo)
    return {
        "label": f"{source.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": login(state, urls, source.owner),
        "repo": repository(state, urls, source),
    }


def pull(state: State, urls: Urls, repo: Repo, item: Pull, *, full: bool) -> dict[str, Any]:
    api = urls.repo_api(repo)
    html = f"{urls.repo_html(repo)}/pull/{item.number}"
    link = lambda href: {"href": href}  # noqa: E731 - six uses in one literal
    data: dict[str, Any] = {
        "url": f"{api}/pulls/{item.number}",
        "id": item.id,
        "node_id": node_id("PullRequest", item.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{item.number}",
        "commits_url": f"{api}/pulls/{item.number}/commits",
        "review_comments_url": f"{api}/pulls/{item.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{item.number}/comments",
        "statuses_url": f"{api}/statuses/{item.head_sha}",
        "number": item.number,
        "state": item.state,
        "locked": False,
        "title": item.title,
        "user": login(state, urls, item.login),
        "body": item.body,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "closed_at": None if item.state == "open" else item.updated_at,
        "merged_at": item.updated_at if item.merged else None,
        "merge_commit_sha": item.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(state, urls, repo, item.head_ref, item.head_sha, item.head_repo),
        "base": _branch(state, urls, repo, item.base_ref, item.base_sha, repo.full_name),
        "_links": {
            "self": link(f"{api}/pulls/{item.number}"),
            "html": link(html),
            "issue": link(f"{api}/issues/{item.number}"),
            "comments": link(f"{api}/issues/{item.number}/comments"),
            "review_comments": link(f"{api}/pulls/{item.number}/comments"),
            "review_comment": link(f"{api}/pulls/comments{{/number}}"),
            "commits": link(f"{api}/pulls/{item.number}/commits"),
            "statuses": link(f"{api}/statuses/{item.head_sha}"),
        },
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": item.draft,
    }
    if full:
        comments = sum(c.issue_number == item.number for c in repo.comments.values())
        data |= {
            "merged": item.merged,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": comments,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": 1,
        }
    return data


def blob(urls: Urls, repo: Repo, sha: str) -> dict[str, Any]:
    content = repo.blobs[sha]
    encoded = base64.b64encode(content).decode()
    # GitHub wraps the base64 at 60 characters, with a trailing newline.
    wrapped = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    return {
        "sha": sha,
        "node_id": node_id("Blob", sha),
        "size": len(content),
        "url": f"{urls.repo_api(repo)}/git/blobs/{sha}",
        "content": wrapped,
        "encoding": "base64",
    }


def tree(urls: Urls, repo: Repo, sha: str, *, recursive: bool) -> dict[str, Any]:
    api = urls.repo_api(repo)
    entries: list[dict[str, Any]] = []

    def walk(tree_sha: str, prefix: str) -> None:
        for entry in repo.trees[tree_sha]:
            kind = entry.type
            item: dict[str, Any] = {
                "path": prefix + entry.name,
                "mode": entry.mode,
                "type": kind,
                "sha": entry.sha,
            }
            if kind == "blob":
                item["size"] = len(repo.blobs.get(entry.sha, b""))
                item["url"] = f"{api}/git/blobs/{entry.sha}"
            elif kind == "tree":
                item["url"] = f"{api}/git/trees/{entry.sha}"
            entries.append(item)
            if recursive and kind == "tree":
                walk(entry.sha, f"{prefix}{entry.name}/")

    walk(sha, "")
    return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": entries, "truncated": False}


def git_commit(urls: Urls, repo: Repo, sha: str) -> dict[str, Any]:
    api = urls.repo_api(repo)
    html = urls.repo_html(repo)
    item = repo.commits[sha]
    return {
        "sha": sha,
        "node_id": node_id("Commit", sha),
        "url": f"{api}/git/commits/{sha}",
        "html_url": f"{html}/commit/{sha}",
        "author": dataclasses.asdict(item.author),
        "committer": dataclasses.asdict(item.committer),
        "tree": {"sha": item.tree, "url": f"{api}/git/trees/{item.tree}"},
        "message": item.message,
        "parents": [
            {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{html}/commit/{p}"}
            for p in item.parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def git_ref(urls: Urls, repo: Repo, name: str) -> dict[str, Any]:
    sha = repo.refs[name]
    return {
        "ref": name,
        "node_id": node_id("Ref", f"{repo.id}:{name}"),
        "url": f"{urls.repo_api(repo)}/git/{name}",
        "object": {"type": "commit", "sha": sha, "url": f"{urls.repo_api(repo)}/git/commits/{sha}"},
    }


def github_actions_app(urls: Urls) -> dict[str, Any]:
    owner = User(login="github", id=9919, type="Organization")
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": node_id("App", 15368),
        "owner": user(urls, owner),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": f"{urls.server}/features/actions",
        "html_url": f"{urls.server}/apps/github-actions",
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "permissions": {"checks": "write", "contents": "write", "statuses": "write"},
        "events": ["check_run", "pull_request", "push"],
    }


def check_run(urls: Urls, repo: Repo, item: CheckRun) -> dict[str, Any]:
    api = urls.repo_api(repo)
    output = item.output
    return {
        "id": item.id,
        "head_sha": item.head_sha,
        "node_id": node_id("CheckRun", item.id),
        "external_id": item.external_id or "",
        "url": f"{api}/check-runs/{item.id}",
        "html_url": f"{urls.repo_html(repo)}/runs/{item.id}",
        "details_url": item.details_url or f"{urls.repo_html(repo)}/runs/{item.id}",
        "status": item.status,
        "conclusion": item.conclusion,
        "started_at": item.started_at,
        "completed_at": item.completed_at,
        "output": {
            "title": output.get("title"),
            "summary": output.get("summary"),
            "text": output.get("text"),
            "annotations_count": len(output.get("annotations", [])),
            "annotations_url": f"{api}/check-runs/{item.id}/annotations",
        },
        "name": item.name,
        "check_suite": {"id": item.suite_id},
        "app": github_actions_app(urls),
        "pull_requests": [
            pull_minimal(urls, repo, p) for p in repo.pulls.values() if p.head_sha == item.head_sha
        ],
    }


def pull_minimal(urls: Urls, repo: Repo, item: Pull) -> dict[str, Any]:
    short = {"id": repo.id, "url": urls.repo_api(repo), "name": repo.name}
    return {
        "id": item.id,
        "number": item.number,
        "url": f"{urls.repo_api(repo)}/pulls/{item.number}",
        "head": {"ref": item.head_ref, "sha": item.head_sha, "repo": short},
        "base": {"ref": item.base_ref, "sha": item.base_sha, "repo": short},
    }


def status(state: State, urls: Urls, repo: Repo, item: Status) -> dict[str, Any]:
    creator = login(state, urls, item.login)
    return {
        "url": f"{urls.repo_api(repo)}/statuses/{item.sha}",
        "avatar_url": creator["avatar_url"],
        "id": item.id,
        "node_id": node_id("StatusContext", item.id),
        "state": item.state,
        "description": item.description,
        "target_url": item.target_url,
        "context": item.context,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "creator": creator,
    }


def workflow_run(state: State, urls: Urls, repo: Repo, item: Run) -> dict[str, Any]:
    api = f"{urls.repo_api(repo)}/actions/runs/{item.id}"
    commit = repo.commits.get(item.head_sha)
    head_commit = None
    if commit is not None:
        head_commit = {
            "id": item.head_sha,
            "tree_id": commit.tree,
            "message": commit.message,
            "timestamp": commit.committer.date,
            "author": {"name": commit.author.name, "email": commit.author.email},
            "committer": {"name": commit.committer.name, "email": commit.committer.email},
        }
    actor = login(state, urls, item.login)
    # A fork PR's run names the fork as its head repository (when the fake knows the fork).
    head = state.repos.get(item.head_repo, repo) if item.head_repo else repo
    return {
        "id": item.id,
        "name": item.name,
        "node_id": node_id("WorkflowRun", item.id),
        "check_suite_id": item.id + 1,
        "check_suite_node_id": node_id("CheckSuite", item.id + 1),
        "head_branch": item.head_branch,
        "head_sha": item.head_sha,
        "path": item.path,
        "display_title": commit.message.splitlines()[0] if commit and commit.message else item.name,
        "run_number": item.run_number,
        "run_attempt": item.run_attempt,
        "event": item.event,
        "status": item.status,
        "conclusion": item.conclusion,
        "workflow_id": item.workflow_id,
        "url": api,
        "html_url": f"{urls.repo_html(repo)}/actions/runs/{item.id}",
        "pull_requests": [
            pull_minimal(urls, repo, repo.pulls[n]) for n in item.pull_numbers if n in repo.pulls
        ],
        "created_at": item.created_at,
        "updated_at": item.created_at,
        "run_started_at": item.created_at,
        "actor": actor,
        "triggering_actor": actor,
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{urls.repo_api(repo)}/check-suites/{item.id + 1}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{urls.repo_api(repo)}/actions/workflows/{item.workflow_id}",
        "head_commit": head_commit,
        "repository": repository(state, urls, repo),
        "head_repository": repository(state, urls, head),
        "head_repository_id": head.id,
    }


def artifact(urls: Urls, repo: Repo, item: Artifact) -> dict[str, Any]:
    api = f"{urls.repo_api(repo)}/actions/artifacts/{item.id}"
    run = repo.runs[item.run_id]
    return {
        "id": item.id,
        "node_id": node_id("Artifact", item.id),
        "name": item.name,
        "size_in_bytes": len(item.data),
        "url": api,
        "archive_download_url": f"{api}/zip",
        "expired": item.expired,
        "created_at": item.created_at,
        "updated_at": item.created_at,
        "expires_at": "2099-01-01T00:00:00Z",
        "digest": None,
        "workflow_run": {
            "id": run.id,
            "repository_id": repo.id,
            "head_repository_id": repo.id,
            "head_branch": run.head_branch or "",
            "head_sha": run.head_sha,
        },
    }


def asset(state: State, urls: Urls, repo: Repo, item: Asset) -> dict[str, Any]:
    release = repo.releases[item.release_id]
    return {
        "url": f"{urls.repo_api(repo)}/releases/assets/{item.id}",
        "browser_download_url": (
            f"{urls.repo_html(repo)}/releases/download/{release.tag_name}/{item.name}"
        ),
        "id": item.id,
        "node_id": node_id("ReleaseAsset", item.id),
        "name": item.name,
        "label": item.label,
        "state": "uploaded",
        "content_type": item.content_type,
        "size": len(item.data),
        "digest": f"sha256:{hashlib.sha256(item.data).hexdigest()}",
        "download_count": item.download_count,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "uploader": login(state, urls, item.login),
    }


def release(state: State, urls: Urls, repo: Repo, item: Release) -> dict[str, Any]:
    api = f"{urls.repo_api(repo)}/releases/{item.id}"
    html = urls.repo_html(repo)
    tag_path = f"tag/{item.tag_name}" if not item.draft else f"tag/untagged-{item.id}"
    return {
        "url": api,
        "assets_url": f"{api}/assets",
        "upload_url": f"{urls.uploads}/repos/{repo.full_name}/releases/{item.id}/assets{{?name,label}}",
        "html_url": f"{html}/releases/{tag_path}",
        "id": item.id,
        "author": login(state, urls, item.login),
        "node_id": node_id("Release", item.id),
        "tag_name": item.tag_name,
        "target_commitish": item.target_commitish,
        "name": item.name,
        "draft": item.draft,
        "immutable": False,
        "prerelease": item.prerelease,
        "created_at": item.created_at,
        "published_at": item.published_at,
        "updated_at": item.updated_at,
        "assets": [
            asset(state, urls, repo, a) for a in repo.assets.values() if a.release_id == item.id
        ],
        "tarball_url": f"{urls.repo_api(repo)}/tarball/{item.tag_name}",
        "zipball_url": f"{urls.repo_api(repo)}/zipball/{item.tag_name}",
        "body": item.body,
    }
