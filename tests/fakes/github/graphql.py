"""GitHub's GraphQL endpoint, for the one operation modelci sends: `createCommitOnBranch`.

github.com serves GraphQL at `https://api.github.com/graphql`, GHES at `https://HOST/api/graphql`
(beside, not under, `/api/v3`). Like GitHub, the fake answers 200 with an `errors` list for
GraphQL-level failures (a stale `expectedHeadOid`, a token without `contents: write`), and HTTP
errors only for transport matters (401 without valid credentials, 400 for a body that is not JSON).

There is no GraphQL schema validation library in the test environment, so the input is checked by
hand against `CreateCommitOnBranchInput` as `@octokit/graphql-schema` 15.26.1 (`schema.graphql`)
defines it:

    input CreateCommitOnBranchInput {
      branch: CommittableBranch!          # {branchName, repositoryNameWithOwner} or {id}
      clientMutationId: String
      expectedHeadOid: GitObjectID!
      fileChanges: FileChanges            # {additions: [{path, contents: Base64String}], deletions: [{path}]}
      message: CommitMessage!             # {headline!, body}
    }

Anything else (another operation, an unknown field) is answered with a GraphQL error and recorded
as a violation, so a test that strays fails. Error wordings are the fake's own; modelci must not
depend on them (it reads `type` and re-reads the branch instead).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from tests.fakes.github.gitobjects import Commit, Signature
from tests.fakes.github.render import Urls
from tests.fakes.github.routes import DOCS, Reply
from tests.fakes.github.state import State, Token, now

OPERATION = "graphql/createCommitOnBranch"
_CALL = re.compile(r"\bcreateCommitOnBranch\s*\(\s*input\s*:\s*\$input\s*\)")
_VARIABLE = re.compile(r"\$input\s*:\s*CreateCommitOnBranchInput!")
_OID = re.compile(r"[0-9a-f]{40}")
_FIELDS = {
    "input": ({"branch", "expectedHeadOid", "message"}, {"clientMutationId", "fileChanges"}),
    "branch": (set(), {"branchName", "repositoryNameWithOwner", "id"}),
    "message": ({"headline"}, {"body"}),
    "fileChanges": (set(), {"additions", "deletions"}),
    "addition": ({"path", "contents"}, set()),
    "deletion": ({"path"}, set()),
}


class _Invalid(Exception):
    """The request breaks the schema: a violation as well as an error answer."""


class _Refused(Exception):
    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind


def handle(state: State, urls: Urls, token: Token | None, body: bytes) -> tuple[Reply, list[str]]:
    """Answer one GraphQL request; (the reply, violations to record)."""
    if token is None:
        return _http(401, "This endpoint requires you to be authenticated."), []
    try:
        request = json.loads(body or b"null")
    except ValueError:
        return _http(400, "Problems parsing JSON"), ["GraphQL request body is not JSON"]
    try:
        inputs = _check(request)
    except _Invalid as error:
        return _errors([{"message": str(error), "type": "INVALID"}]), [f"GraphQL: {error}"]
    try:
        with state.lock:
            oid = _commit(state, token, inputs)
    except _Refused as error:
        entry: dict[str, Any] = {"message": str(error), "path": ["createCommitOnBranch"]}
        if error.kind:
            entry["type"] = error.kind
        return _errors([entry], data={"createCommitOnBranch": None}), []
    return Reply(json={"data": {"createCommitOnBranch": {"commit": {"oid": oid}}}}), []


def _check(request: Any) -> dict[str, Any]:
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise _Invalid("the request needs a `query` string")
    query = request["query"]
    if not _CALL.search(query) or not _VARIABLE.search(query) or "mutation" not in query:
        raise _Invalid("the fake serves only `createCommitOnBranch(input: $input)`")
    variables = request.get("variables")
    if not isinstance(variables, dict) or not isinstance(variables.get("input"), dict):
        raise _Invalid("Variable $input of type CreateCommitOnBranchInput! was not provided")
    inputs = variables["input"]
    _fields(inputs, "input")
    _fields(_object(inputs["branch"], "branch"), "branch")
    _fields(_object(inputs["message"], "message"), "message")
    if not isinstance(inputs["message"]["headline"], str):
        raise _Invalid("message.headline must be a String")
    if not isinstance(inputs.get("expectedHeadOid"), str) or not _OID.fullmatch(
        inputs["expectedHeadOid"]
    ):
        raise _Invalid("expectedHeadOid must be a GitObjectID")
    changes = inputs.get("fileChanges") or {}
    _fields(_object(changes, "fileChanges"), "fileChanges")
    for kind, field in (("addition", "additions"), ("deletion", "deletions")):
        items = changes.get(field) or []
        if not isinstance(items, list):
            raise _Invalid(f"fileChanges.{field} must be a list")
        for item in items:
            _fields(_object(item, kind), kind)
            if not isinstance(item["path"], str):
                raise _Invalid(f"{kind}.path must be a String")
    return inputs


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{name} must be an input object")
    return value


def _fields(value: dict[str, Any], name: str) -> None:
    required, optional = _FIELDS[name]
    missing = required - set(value)
    unknown = set(value) - required - optional
    if missing or unknown:
        raise _Invalid(
            f"{name}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            if missing
            else f"{name}: unknown fields {sorted(unknown)}"
        )


def _commit(state: State, token: Token, inputs: dict[str, Any]) -> str:
    branch = inputs["branch"]
    full_name, name = branch.get("repositoryNameWithOwner"), branch.get("branchName")
    if not isinstance(full_name, str) or not isinstance(name, str):
        raise _Refused("the fake locates branches by repositoryNameWithOwner and branchName only")
    repo = state.repos.get(full_name)
    hidden = token.repositories is not None and full_name not in token.repositories
    if repo is None or hidden or (repo.private and not token.allows("metadata", "read")):
        raise _Refused(
            f"Could not resolve to a Repository with the name '{full_name}'.", "NOT_FOUND"
        )
    if not token.allows("contents", "write"):
        raise _Refused("Resource not accessible by integration", "FORBIDDEN")
    ref = f"refs/heads/{name.removeprefix('refs/heads/')}"
    head = repo.refs.get(ref)
    if head is None:
        raise _Refused(f"A ref named {ref!r} does not exist.", "NOT_FOUND")
    if head != inputs["expectedHeadOid"]:
        raise _Refused(
            f"Expected {ref} to point to {inputs['expectedHeadOid']}, but it points to {head}; "
            "pull and try again (expectedHeadOid is stale)",
            "STALE_DATA",
        )
    changes = inputs.get("fileChanges") or {}
    files: dict[str, bytes | None] = {}
    for item in changes.get("deletions") or []:
        files[item["path"].strip("/")] = None
    for item in changes.get("additions") or []:
        try:
            files[item["path"].strip("/")] = base64.b64decode(item["contents"], validate=True)
        except (binascii.Error, ValueError):
            raise _Refused(f"contents of {item['path']!r} is not valid Base64") from None
    tree = repo.tree_from_files(files, base=repo.commits[head].tree)  # type: ignore[arg-type]
    user = state.users.get(token.login) or state.add_user(token.login)
    who = Signature(
        name=user.name or user.login,
        email=f"{user.id}+{user.login}@users.noreply.github.com",
        date=now(),
    )
    message = inputs["message"]["headline"]
    if inputs["message"].get("body"):
        message += "\n\n" + inputs["message"]["body"]
    sha = repo.put_commit(
        Commit(tree=tree, parents=(head,), author=who, committer=who, message=message)
    )
    repo.refs[ref] = sha
    return sha


def _errors(errors: list[dict[str, Any]], *, data: Any = None) -> Reply:
    body: dict[str, Any] = {"errors": errors}
    if data is not None:
        body = {"data": data, **body}
    return Reply(json=body)


def _http(status: int, message: str) -> Reply:
    return Reply(status=status, json={"message": message, "documentation_url": DOCS})
