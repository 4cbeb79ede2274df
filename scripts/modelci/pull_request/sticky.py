"""The sticky pull-request comment: one per pull request and key, updated in place on every run.

A hidden marker, `<!-- modelci:comment key=NAME -->`, names the comment; a comment is ours when it
carries our marker AND was written by the login our token comments as (anyone may paste the
marker; we must never edit or delete a human's comment). `upsert_comment` reads every page of the
pull request's comments, then updates ours in place (skipping the edit when nothing changed) or
creates it.

Concurrency and retries: two runs may both find nothing and both create, and a POST whose answer
was lost (a dropped connection, a 502 after GitHub stored it) is retried by the client and may
store the comment twice. So after creating we list again and settle: the OLDEST of our comments is
kept (it holds its place in the timeline, and every racing run converges on the same one), it gets
this run's body, and the others are deleted. A later run cleans up whatever a crash left behind.

The body is capped at GitHub's limits with room to spare: 65,000 characters and 262,144 bytes of
UTF-8, marker and footer included (`compose_body`, pure).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from modelci.errors import UserError
from modelci.github.client import GitHub, GitHubError, NotFound

DEFAULT_KEY = "default"
ACTIONS_BOT = "github-actions[bot]"  # the login of a workflow's GITHUB_TOKEN
MAX_CHARS = 65_000  # GitHub refuses bodies over 65,536 characters
MAX_BYTES = 262_144
PER_PAGE = 100
_MIN_RENDER = 200  # below this many characters a report is only its truncation note
_MAX_ROUNDS = 3  # upsert rounds when a racing run deletes the comment we were about to edit
_MAX_STRIP_PASSES = 16  # marker-removal passes before the final escaping (see strip_markers)

_KEY = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ANY_MARKER = re.compile(r"<!--\s*modelci:comment\b[^>]*?-->\n?")
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)

Action = Literal["created", "updated", "unchanged"]
Log = Callable[[str], None]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommentResult:
    """The comment as it stands after `upsert_comment`."""

    id: int
    url: str
    action: Action
    author: str | None = None  # the login GitHub shows on the comment
    removed: tuple[int, ...] = ()  # ids of duplicate comments deleted on the way


# -- markers and bodies (pure) ---------------------------------------------------------------------


def validate_key(key: str) -> str:
    """The key, if it is 1-64 of `A-Z a-z 0-9 . _ -`; else a UserError.

    >>> validate_key("nightly-2")
    'nightly-2'
    """
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise UserError(
            f"The comment key must be 1 to 64 letters, digits, '.', '_' or '-'. Got {key!r} instead.",
            fix="Pick a key such as 'default' or 'nightly'",
        )
    return key


def marker(key: str = DEFAULT_KEY) -> str:
    """The hidden line that names a comment.

    >>> marker("default")
    '<!-- modelci:comment key=default -->'
    """
    return f"<!-- modelci:comment key={validate_key(key)} -->"


def footer(summary_url: str | None) -> str:
    """The last line of every comment: where the full report is."""
    if not summary_url:
        return ""
    return f"<sub>Full report in the [job summary]({summary_url}).</sub>"


def compose_body(
    markdown: str | Callable[[int], str],
    *,
    key: str = DEFAULT_KEY,
    summary_url: str | None = None,
    max_chars: int = MAX_CHARS,
    max_bytes: int = MAX_BYTES,
) -> str:
    """Marker, report, footer: at most `max_chars` characters and `max_bytes` UTF-8 bytes.

    `markdown` is the report, or a renderer `render(limit) -> str` that returns at most `limit`
    characters (as `report.markdown.render_markdown` does), so a long report drops whole sections
    rather than being cut. A ready string over the budget (e.g. from an untrusted bundle) is cut at
    a line boundary instead.
    """
    head = marker(key) + "\n"
    tail = footer(summary_url)
    tail = f"\n\n{tail}\n" if tail else "\n"
    room_chars = max_chars - len(head) - len(tail)
    room_bytes = max_bytes - _size(head) - _size(tail)
    if room_chars < 1 or room_bytes < 1:
        raise ValueError("the limits leave no room for the report")
    if callable(markdown):
        text = fit(lambda limit: strip_markers(markdown(limit)), room_chars, room_bytes)
    else:
        text = truncate_markdown(strip_markers(markdown), room_chars, room_bytes)
    return head + text.strip("\n") + tail


def fit(render: Callable[[int], str], max_chars: int, max_bytes: int) -> str:
    """The fullest rendering within both limits; `render(limit)` keeps to `limit` characters.

    Characters and bytes differ for non-ASCII text, so the character limit shrinks in proportion
    until the bytes fit too (rarely more than one extra rendering).
    """
    limit = max_chars
    while True:
        text = render(limit)
        size = _size(text)
        if len(text) <= max_chars and size <= max_bytes:
            return text
        if limit <= _MIN_RENDER:
            return truncate_markdown(text, max_chars, max_bytes)
        shrunk = int(limit * min(1.0, max_bytes / size) * 0.98)
        limit = max(_MIN_RENDER, min(limit - 1, shrunk))


def truncate_markdown(text: str, max_chars: int, max_bytes: int) -> str:
    """`text` cut at the last whole line within both limits, with open `<details>` closed.

    >>> truncate_markdown("a\\nbb\\nccc\\n", 200, 200)
    'a\\nbb\\nccc\\n'
    >>> truncate_markdown("line one\\n" * 50, 120, 1000).splitlines()[-1]
    '*… truncated; the full report is in the job summary.*'
    """
    if len(text) <= max_chars and _size(text) <= max_bytes:
        return text
    note = "\n\n*… truncated; the full report is in the job summary.*\n"
    closer = "</details>\n"
    kept: list[str] = []
    chars = size = opened = 0
    for line in text.splitlines(keepends=True):
        now_open = max(0, opened + _details_balance(line))
        extra = len(note) + len(closer) * now_open
        if chars + len(line) + extra > max_chars or size + _size(line) + extra > max_bytes:
            break
        kept.append(line)
        chars += len(line)
        size += _size(line)
        opened = now_open
    body = "".join(kept)
    if body and not body.endswith("\n"):
        body += "\n"
    result = body + closer * opened + note
    if len(result) > max_chars or _size(result) > max_bytes:  # limits smaller than the note
        return result.encode("utf-8")[: min(max_bytes, max_chars)].decode("utf-8", "ignore")[
            :max_chars
        ]
    return result


def strip_markers(text: str) -> str:
    """Remove any modelci marker, so a report can never claim another comment's key.

    Removing a marker can join its neighbours into a new one, so removal repeats until nothing
    changes, at most `_MAX_STRIP_PASSES` times (each pass scans the whole text; nesting
    thousands deep would otherwise cost quadratic time). Any `<!--` still left, from a deeper
    nesting or from any other HTML comment, is then escaped, which cannot create another: the
    result never holds a comment opener, so never a marker.

    >>> strip_markers("<!-<!-- modelci:comment -->- modelci:comment key=other -->")
    ''
    >>> strip_markers("a <!-- note --> <!-- modelci:comment key=x")
    'a &lt;!-- note --> &lt;!-- modelci:comment key=x'
    """
    for _ in range(_MAX_STRIP_PASSES):
        stripped = _ANY_MARKER.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text.replace("<!--", "&lt;!--")


def is_ours(comment: Mapping[str, Any], *, key: str, author_login: str | None) -> bool:
    """Whether a comment (GitHub's JSON) carries our marker and was written by our login.

    Without a known login, only `github-actions[bot]` of type Bot counts.
    """
    body = comment.get("body")
    if not isinstance(body, str) or marker(key) not in body:
        return False
    user = comment.get("user")
    if not isinstance(user, Mapping):
        return False
    login = str(user.get("login") or "")
    expected = author_login or ACTIONS_BOT
    if login.lower() != expected.lower():
        return False
    return expected.lower() != ACTIONS_BOT or user.get("type") == "Bot"


def comment_author(configured: str | None = None) -> str:
    """The login whose comments are ours: the configured one, else the Actions bot.

    `GET /user` cannot tell: an installation token (the workflow's GITHUB_TOKEN, a GitHub App's)
    gets 403 there. A token that comments as someone else (a PAT, an App) needs the login
    configured; `upsert_comment` warns when a comment it creates shows another author.
    """
    login = (configured or "").strip()
    if not login:
        return ACTIONS_BOT
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?", login):
        raise UserError(
            f"The comment author must be a GitHub login such as 'my-app[bot]'. Got {login!r} instead."
        )
    return login


# -- the upsert ------------------------------------------------------------------------------------


def find_comments(
    github: GitHub,
    owner: str,
    repo: str,
    pr: int,
    *,
    key: str = DEFAULT_KEY,
    author_login: str | None = ACTIONS_BOT,
) -> list[dict[str, Any]]:
    """Our comments on the pull request, oldest first, from every page of its comments."""
    found = [
        comment
        for comment in github.paginate(
            f"repos/{owner}/{repo}/issues/{pr}/comments", per_page=PER_PAGE
        )
        if isinstance(comment, dict) and is_ours(comment, key=key, author_login=author_login)
    ]
    return sorted(found, key=lambda c: int(c["id"]))


def upsert_comment(
    github: GitHub,
    owner: str,
    repo: str,
    pr: int,
    body: str,
    *,
    key: str = DEFAULT_KEY,
    author_login: str | None = ACTIONS_BOT,
    log: Log | None = None,
) -> CommentResult:
    """Create or update our comment on pull request `pr`; leaves exactly one of ours behind.

    GitHub failures (after the client's retries) propagate as `GitHubError`; a 403 is `Forbidden`,
    which a caller may answer by handing the comment to a trusted workflow.
    """
    key = validate_key(key)
    author = author_login or ACTIONS_BOT
    if marker(key) not in body:
        body = marker(key) + "\n" + body
    issues = f"repos/{owner}/{repo}/issues"
    for _ in range(_MAX_ROUNDS):
        ours = find_comments(github, owner, repo, pr, key=key, author_login=author)
        created: dict[str, Any] | None = None
        if not ours:
            created, ours = _create(github, issues, owner, repo, pr, body, key=key, author=author)
            if created is not None:
                _warn_on_author(created, author, log)
            if not ours:
                if created is None:  # pragma: no cover - _create raises rather than this
                    raise RuntimeError("comment neither created nor found")
                return _result(created, "created")
        try:
            created_id = int(created["id"]) if created is not None else None
            return _settle(github, issues, ours, body, created_id=created_id)
        except _Vanished:
            continue  # a racing run deleted the one we kept; look again
    raise GitHubError(
        f"GitHub: comments on pull request #{pr} kept changing under modelci; giving up after "
        f"{_MAX_ROUNDS} rounds",
        method="PATCH",
        path=f"/{issues}/comments",
    )


class _Vanished(Exception):
    pass


def _create(
    github: GitHub,
    issues: str,
    owner: str,
    repo: str,
    pr: int,
    body: str,
    *,
    key: str,
    author: str,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """POST the comment, then list again: (the created comment or None, all of ours now)."""
    try:
        created = github.post(f"{issues}/{pr}/comments", json={"body": body})
    except GitHubError as error:
        if not _maybe_applied(error):
            raise
        # The comment may be stored although the answer never came: look before failing.
        try:
            ours = find_comments(github, owner, repo, pr, key=key, author_login=author)
        except GitHubError:
            raise error from None
        if not ours:
            raise
        return None, ours
    try:
        return created, find_comments(github, owner, repo, pr, key=key, author_login=author)
    except GitHubError:
        return created, []  # it is posted; a duplicate from a race is left for the next run


def _settle(
    github: GitHub,
    issues: str,
    ours: list[dict[str, Any]],
    body: str,
    *,
    created_id: int | None,
) -> CommentResult:
    keep, extras = ours[0], ours[1:]
    action: Action
    if keep.get("body") == body:
        final, action = keep, ("created" if keep["id"] == created_id else "unchanged")
    else:
        final, action = _update(github, issues, keep, body), "updated"
    removed = []
    for extra in extras:
        _delete(github, f"{issues}/comments/{extra['id']}")
        removed.append(int(extra["id"]))
    return _result(final, action, removed=tuple(removed))


def _update(github: GitHub, issues: str, comment: Mapping[str, Any], body: str) -> dict[str, Any]:
    path = f"{issues}/comments/{comment['id']}"
    try:
        return github.patch(path, json={"body": body})
    except NotFound:
        raise _Vanished() from None
    except GitHubError as error:
        if not _maybe_applied(error):
            raise
        # The edit may have landed although its answer was lost.
        try:
            current = github.get(path)
        except NotFound:
            raise _Vanished() from None
        except GitHubError:
            raise error from None
        if isinstance(current, dict) and current.get("body") == body:
            return current
        raise


def _delete(github: GitHub, path: str) -> None:
    try:
        github.delete(path)
    except NotFound:
        return  # a racing run removed it first
    except GitHubError as error:
        if not _maybe_applied(error):
            raise
        # The delete may have landed although its answer was lost (its retries then meet 404).
        try:
            github.get(path)
        except NotFound:
            return
        except GitHubError:
            raise error from None
        raise


def _maybe_applied(error: GitHubError) -> bool:
    """True when GitHub may have done what was asked although it reported a failure."""
    return error.status is None or error.status >= 500 or error.status == 408


def _result(
    comment: Mapping[str, Any], action: Action, removed: Iterable[int] = ()
) -> CommentResult:
    user = comment.get("user")
    return CommentResult(
        id=int(comment["id"]),
        url=str(comment.get("html_url") or comment.get("url") or ""),
        action=action,
        author=str(user["login"]) if isinstance(user, Mapping) and user.get("login") else None,
        removed=tuple(removed),
    )


def _warn_on_author(created: Mapping[str, Any], expected: str, log: Log | None) -> None:
    user = created.get("user")
    actual = user.get("login") if isinstance(user, Mapping) else None
    if log is not None and actual and str(actual).lower() != expected.lower():
        log(
            f"the comment was posted as {actual}, but modelci looks for comments by {expected}; "
            f"pass --author {actual} so that the next run updates it instead of adding another"
        )


def _details_balance(line: str) -> int:
    return len(_DETAILS_OPEN.findall(line)) - len(_DETAILS_CLOSE.findall(line))


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
