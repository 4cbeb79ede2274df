"""What the fake GitHub remembers: users, tokens, repositories and everything inside them.

Plain dataclasses, mutated only under `State.lock`. Seeding goes through the `add_*` methods (or a
JSON seed with the same fields), and `dump()`/`load()` round-trip the whole state through JSON so a
fake running in its own process can hand its state to a test.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import threading
from datetime import datetime, timezone
from typing import Any

from tests.fakes.github import gitobjects
from tests.fakes.github.gitobjects import Commit, Signature, TreeEntry

SCOPES = ("metadata", "contents", "issues", "pull_requests", "checks", "statuses", "actions")
LEVELS = {"none": 0, "read": 1, "write": 2}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(kw_only=True)
class User:
    login: str
    id: int
    type: str = "User"  # "Bot" for github-actions[bot]
    name: str | None = None
    email: str | None = None


@dataclasses.dataclass(kw_only=True)
class Token:
    """A credential; `permissions` maps a GITHUB_TOKEN scope to "none", "read" or "write"."""

    value: str
    login: str
    permissions: dict[str, str]
    repositories: list[str] | None = None  # full names it may see; None: all

    def allows(self, scope: str, level: str) -> bool:
        return LEVELS[self.permissions.get(scope, "none")] >= LEVELS[level]


@dataclasses.dataclass(kw_only=True)
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    login: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    head_repo: str  # full name; differs from the base repository for a fork
    state: str = "open"
    draft: bool = False
    merged: bool = False
    merge_commit_sha: str | None = None
    created_at: str = dataclasses.field(default_factory=now)
    updated_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class Comment:
    id: int
    issue_number: int
    body: str
    login: str
    created_at: str = dataclasses.field(default_factory=now)
    updated_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class CheckRun:
    id: int
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    external_id: str | None = None
    details_url: str | None = None
    output: dict[str, Any] = dataclasses.field(default_factory=dict)
    suite_id: int = 0


@dataclasses.dataclass(kw_only=True)
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    login: str
    created_at: str = dataclasses.field(default_factory=now)
    updated_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class Run:
    id: int
    name: str
    head_sha: str
    head_branch: str | None
    event: str
    status: str = "completed"
    conclusion: str | None = "success"
    run_number: int = 1
    run_attempt: int = 1
    workflow_id: int = 1
    path: str = ".github/workflows/ci.yml"
    login: str = "octocat"
    pull_numbers: list[int] = dataclasses.field(default_factory=list)
    created_at: str = dataclasses.field(default_factory=now)
    head_repo: str | None = None  # full name of a fork the run's code came from; None: this repo


@dataclasses.dataclass(kw_only=True)
class Artifact:
    id: int
    run_id: int
    name: str
    data: bytes  # the zip archive GitHub would serve
    expired: bool = False
    created_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class Release:
    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    login: str
    created_at: str = dataclasses.field(default_factory=now)
    published_at: str | None = None
    updated_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class Asset:
    id: int
    release_id: int
    name: str
    label: str | None
    content_type: str
    data: bytes
    login: str
    download_count: int = 0
    created_at: str = dataclasses.field(default_factory=now)
    updated_at: str = dataclasses.field(default_factory=now)


@dataclasses.dataclass(kw_only=True)
class Repo:
    owner: str
    name: str
    id: int
    private: bool = False
    default_branch: str = "main"
    description: str | None = None
    created_at: str = dataclasses.field(default_factory=now)
    issues: list[int] = dataclasses.field(default_factory=list)  # plain issues (not pulls)
    blobs: dict[str, bytes] = dataclasses.field(default_factory=dict)
    trees: dict[str, list[TreeEntry]] = dataclasses.field(default_factory=dict)
    commits: dict[str, Commit] = dataclasses.field(default_factory=dict)
    refs: dict[str, str] = dataclasses.field(default_factory=dict)  # "refs/heads/main" -> sha
    pulls: dict[int, Pull] = dataclasses.field(default_factory=dict)
    comments: dict[int, Comment] = dataclasses.field(default_factory=dict)
    check_runs: dict[int, CheckRun] = dataclasses.field(default_factory=dict)
    statuses: dict[int, Status] = dataclasses.field(default_factory=dict)
    runs: dict[int, Run] = dataclasses.field(default_factory=dict)
    artifacts: dict[int, Artifact] = dataclasses.field(default_factory=dict)
    releases: dict[int, Release] = dataclasses.field(default_factory=dict)
    assets: dict[int, Asset] = dataclasses.field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    # -- git objects -----------------------------------------------------------------------------

    def put_blob(self, content: bytes) -> str:
        sha = gitobjects.blob_sha(content)
        self.blobs[sha] = content
        return sha

    def put_tree(self, entries: list[TreeEntry]) -> str:
        sha = gitobjects.tree_sha(entries)
        self.trees[sha] = sorted(entries, key=lambda e: e.name)
        return sha

    def put_commit(self, commit: Commit) -> str:
        sha = gitobjects.commit_sha(commit)
        self.commits[sha] = commit
        return sha

    def tree_from_files(self, files: dict[str, bytes], *, base: str | None = None) -> str:
        """Write nested trees for `path -> content` (None content deletes) on top of `base`."""
        flat = self.flatten(base) if base else {}
        for path, content in files.items():
            if content is None:
                flat.pop(path, None)
            else:
                flat[path] = ("100644", self.put_blob(content))
        return self.tree_from_flat(flat)

    def tree_from_flat(self, flat: dict[str, tuple[str, str]]) -> str:
        """Build nested trees from `path -> (mode, sha)`; returns the root tree sha."""
        children: dict[str, dict[str, tuple[str, str]]] = {}
        entries: list[TreeEntry] = []
        for path, (mode, sha) in flat.items():
            head, sep, rest = path.partition("/")
            if sep:
                children.setdefault(head, {})[rest] = (mode, sha)
            else:
                entries.append(TreeEntry(name=head, mode=mode, sha=sha))
        for name, sub in children.items():
            entries.append(
                TreeEntry(name=name, mode=gitobjects.TREE_MODE, sha=self.tree_from_flat(sub))
            )
        return self.put_tree(entries)

    def flatten(self, tree: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """Every non-tree entry below `tree` as `path -> (mode, sha)`."""
        flat: dict[str, tuple[str, str]] = {}
        for entry in self.trees[tree]:
            path = f"{prefix}{entry.name}"
            if entry.mode == gitobjects.TREE_MODE:
                flat.update(self.flatten(entry.sha, f"{path}/"))
            else:
                flat[path] = (entry.mode, entry.sha)
        return flat

    def resolve(self, ref: str) -> str | None:
        """A commit sha for a sha, a branch, a tag or a full ref name."""
        if ref in self.commits:
            return ref
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        matches = [sha for sha in self.commits if len(ref) >= 7 and sha.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        seen: set[str] = set()
        pending = [descendant]
        while pending:
            sha = pending.pop()
            if sha == ancestor:
                return True
            if sha in seen or sha not in self.commits:
                continue
            seen.add(sha)
            pending.extend(self.commits[sha].parents)
        return False

    def file_at(self, ref: str, path: str) -> bytes | None:
        sha = self.resolve(ref)
        if sha is None:
            return None
        entry = self.flatten(self.commits[sha].tree).get(path)
        return self.blobs.get(entry[1]) if entry else None


class State:
    """The whole fake GitHub; every id comes from one counter, as GitHub's ids are global."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self._ids = itertools.count(1001)

    def next_id(self) -> int:
        return next(self._ids)

    # -- seeding ----------------------------------------------------------------------------------

    def add_user(self, login: str, *, type: str = "User", name: str | None = None) -> User:
        with self.lock:
            user = self.users.get(login)
            if user is None:
                user = User(login=login, id=self.next_id(), type=type, name=name)
                self.users[login] = user
            return user

    def add_token(
        self,
        value: str,
        *,
        login: str = "github-actions[bot]",
        permissions: dict[str, str] | str = "write",
        repositories: list[str] | None = None,
    ) -> Token:
        """A token for `login`. `permissions` is a scope map, or "read"/"write" for every scope.

        A fork's pull request gets a GITHUB_TOKEN with "read" everywhere: writes answer 403.
        """
        if isinstance(permissions, str):
            permissions = dict.fromkeys(SCOPES, permissions)
        unknown = set(permissions) - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown token scopes {sorted(unknown)}; known: {SCOPES}")
        with self.lock:
            self.add_user(login, type="Bot" if login.endswith("[bot]") else "User")
            token = Token(
                value=value,
                login=login,
                permissions={"metadata": "read", **permissions},
                repositories=repositories,
            )
            self.tokens[value] = token
            return token

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        private: bool = False,
        description: str | None = None,
        files: dict[str, bytes | str] | None = None,
    ) -> Repo:
        """A repository whose default branch holds one commit with `files` (README.md if none)."""
        owner, name = full_name.split("/")
        with self.lock:
            self.add_user(owner)
            repo = Repo(
                owner=owner,
                name=name,
                id=self.next_id(),
                private=private,
                default_branch=default_branch,
                description=description,
            )
            self.repos[full_name] = repo
            self.commit(
                repo,
                branch=default_branch,
                files=files or {"README.md": f"# {name}\n"},
                message="Initial commit",
            )
            return repo

    def repo(self, full_name: str) -> Repo:
        return self.repos[full_name]

    def commit(
        self,
        repo: Repo,
        *,
        branch: str,
        files: dict[str, bytes | str | None],
        message: str = "Update",
        login: str | None = None,
    ) -> str:
        """Commit `files` on top of `branch` (created if missing) and move the branch."""
        with self.lock:
            parent = repo.refs.get(f"refs/heads/{branch}")
            base = repo.commits[parent].tree if parent else None
            encoded = {
                path: content.encode() if isinstance(content, str) else content
                for path, content in files.items()
            }
            tree = repo.tree_from_files(encoded, base=base)  # type: ignore[arg-type]
            who = self.users.get(login or repo.owner) or self.add_user(login or repo.owner)
            signature = Signature(
                name=who.name or who.login,
                email=f"{who.id}+{who.login}@users.noreply.github.com",
                date=now(),
            )
            sha = repo.put_commit(
                Commit(
                    tree=tree,
                    parents=(parent,) if parent else (),
                    author=signature,
                    committer=signature,
                    message=message,
                )
            )
            repo.refs[f"refs/heads/{branch}"] = sha
            return sha

    def add_pull(
        self,
        repo: Repo,
        *,
        number: int | None = None,
        head: str = "feature",
        base: str | None = None,
        title: str = "A change",
        body: str | None = None,
        login: str = "octocat",
        head_repo: str | None = None,
        files: dict[str, bytes | str | None] | None = None,
    ) -> Pull:
        """An open pull request; the head branch gets a commit with `files` if it doesn't exist."""
        with self.lock:
            base = base or repo.default_branch
            if f"refs/heads/{head}" not in repo.refs:
                repo.refs[f"refs/heads/{head}"] = repo.refs[f"refs/heads/{base}"]
                self.commit(repo, branch=head, files=files or {"CHANGE.md": title}, login=login)
            self.add_user(login)
            taken = set(repo.pulls) | set(repo.issues)
            number = number or max(taken, default=0) + 1
            pull = Pull(
                number=number,
                id=self.next_id(),
                title=title,
                body=body,
                login=login,
                head_ref=head,
                head_sha=repo.refs[f"refs/heads/{head}"],
                base_ref=base,
                base_sha=repo.refs[f"refs/heads/{base}"],
                head_repo=head_repo or repo.full_name,
            )
            repo.pulls[number] = pull
            return pull

    def add_run(
        self,
        repo: Repo,
        *,
        run_id: int | None = None,
        head_sha: str | None = None,
        head_branch: str | None = None,
        event: str = "pull_request",
        name: str = "CI",
        conclusion: str | None = "success",
        pull_numbers: list[int] | None = None,
        head_repo: str | None = None,
    ) -> Run:
        """A workflow run; `head_repo` names the fork a fork PR's run came from (GitHub then
        leaves `pull_requests` empty, so pass no `pull_numbers` to mimic it)."""
        with self.lock:
            branch = head_branch or repo.default_branch
            run = Run(
                id=run_id or self.next_id(),
                name=name,
                head_sha=head_sha or repo.refs[f"refs/heads/{branch}"],
                head_branch=branch,
                event=event,
                conclusion=conclusion,
                status="completed" if conclusion else "in_progress",
                pull_numbers=pull_numbers or [],
                head_repo=head_repo,
            )
            repo.runs[run.id] = run
            return run

    def add_artifact(self, repo: Repo, *, run_id: int, name: str, data: bytes) -> Artifact:
        """Attach a zip archive to a workflow run, as `actions/upload-artifact` would."""
        with self.lock:
            if run_id not in repo.runs:
                raise KeyError(f"{repo.full_name} has no workflow run {run_id}")
            artifact = Artifact(id=self.next_id(), run_id=run_id, name=name, data=data)
            repo.artifacts[artifact.id] = artifact
            return artifact

    # -- seed files and dumps ---------------------------------------------------------------------

    def seed(self, data: dict[str, Any]) -> None:
        """Apply a seed: {"users": [...], "tokens": [...], "repos": [...]} (see README.md)."""
        with self.lock:
            for user in data.get("users", []):
                self.add_user(user["login"], type=user.get("type", "User"), name=user.get("name"))
            for token in data.get("tokens", []):
                self.add_token(
                    token["token"],
                    login=token.get("login", "github-actions[bot]"),
                    permissions=token.get("permissions", "write"),
                    repositories=token.get("repositories"),
                )
            for spec in data.get("repos", []):
                repo = self.add_repo(
                    spec["full_name"],
                    default_branch=spec.get("default_branch", "main"),
                    private=spec.get("private", False),
                    description=spec.get("description"),
                    files=spec.get("files"),
                )
                repo.issues.extend(spec.get("issues", []))
                for pull in spec.get("pulls", []):
                    self.add_pull(
                        repo,
                        number=pull.get("number"),
                        head=pull.get("head", "feature"),
                        base=pull.get("base"),
                        title=pull.get("title", "A change"),
                        body=pull.get("body"),
                        login=pull.get("login", "octocat"),
                        head_repo=pull.get("head_repo"),
                        files=pull.get("files"),
                    )
                for run in spec.get("runs", []):
                    made = self.add_run(
                        repo,
                        run_id=run.get("id"),
                        head_sha=run.get("head_sha"),
                        head_branch=run.get("head_branch"),
                        event=run.get("event", "pull_request"),
                        name=run.get("name", "CI"),
                        conclusion=run.get("conclusion", "success"),
                        pull_numbers=run.get("pull_numbers"),
                        head_repo=run.get("head_repo"),
                    )
                    for artifact in run.get("artifacts", []):
                        self.add_artifact(
                            repo,
                            run_id=made.id,
                            name=artifact["name"],
                            data=base64.b64decode(artifact["zip_base64"]),
                        )

    def dump(self) -> dict[str, Any]:
        """Everything, JSON-ready (bytes as base64)."""
        with self.lock:
            return _encode(
                {
                    "next_id": self._peek_id(),
                    "users": list(self.users.values()),
                    "tokens": list(self.tokens.values()),
                    "repos": list(self.repos.values()),
                }
            )

    def _peek_id(self) -> int:
        value = next(self._ids)
        self._ids = itertools.count(value)
        return value

    @classmethod
    def load(cls, data: dict[str, Any]) -> State:
        """The inverse of `dump()`."""
        state = cls()
        state._ids = itertools.count(data["next_id"])
        for user in data["users"]:
            state.users[user["login"]] = User(**user)
        for token in data["tokens"]:
            state.tokens[token["value"]] = Token(**token)
        for raw in data["repos"]:
            raw = dict(raw)
            raw["blobs"] = {k: base64.b64decode(v) for k, v in raw["blobs"].items()}
            raw["trees"] = {
                k: [TreeEntry(**entry) for entry in entries] for k, entries in raw["trees"].items()
            }
            raw["commits"] = {
                k: Commit(
                    tree=c["tree"],
                    parents=tuple(c["parents"]),
                    author=Signature(**c["author"]),
                    committer=Signature(**c["committer"]),
                    message=c["message"],
                )
                for k, c in raw["commits"].items()
            }
            kinds = {
                "pulls": Pull,
                "comments": Comment,
                "check_runs": CheckRun,
                "statuses": Status,
                "runs": Run,
                "artifacts": Artifact,
                "releases": Release,
                "assets": Asset,
            }
            for key, kind in kinds.items():
                items = {}
                for item_id, item in raw[key].items():
                    if "data" in item:
                        item = {**item, "data": base64.b64decode(item["data"])}
                    items[int(item_id)] = kind(**item)
                raw[key] = items
            repo = Repo(**raw)
            state.repos[repo.full_name] = repo
        return state


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value
