"""A small GitHub REST client: JSON calls, pagination, uploads, downloads, retries.

Transport only: it knows HTTP, GitHub's headers and GitHub's failure modes, and nothing about
comments, checks or releases, which are built on top of it. Only the CLI entry builds one (from
`ActionsEnvironment`); everything else receives it.

Retries follow the injected `modelci.http_retry.RetryPolicy` (by default
`RetryPolicy(github_rate_limits=True)`), with GitHub's rate limits as octokit's retry and
throttling plugins treat them:
- 5xx, 408, a dropped connection or a timeout: up to `max_retries` retries, waiting
  `backoff * 2**n` seconds plus some jitter;
- 429, and a 403 that is a rate limit (its message says "rate limit", or it carries
  `retry-after`, or `x-ratelimit-remaining: 0`): wait as long as `retry-after` or
  `x-ratelimit-reset` asks, if that is at most `max_wait`; a longer wait fails at once, since
  sitting out a primary rate limit inside a CI job helps no one;
- never 400, 401, 403 (plain), 404, 410, 422: those are answers, not accidents.

Every failure becomes one `GitHubError` (an `ExternalError`, exit 3) with a one-line message
naming the method, the path, the status and GitHub's own message, and never the token.
"""

from __future__ import annotations

import contextlib
import json as _json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import requests

from modelci import __version__
from modelci.errors import ExternalError, UserError
from modelci.github.environment import ActionsEnvironment
from modelci.http_retry import RetryPolicy, is_transient

API_VERSION = "2022-11-28"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_DOWNLOAD = 1 << 30
_CHUNK = 1 << 16
# Keys that sit beside the item list in GitHub's wrapped list responses.
_LIST_METADATA = frozenset({"total_count", "incomplete_results", "repository_selection"})

T = TypeVar("T")


class GitHubError(ExternalError):
    """GitHub answered with an error, or could not be reached, after any retries."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        body: Any = None,
        request_id: str | None = None,
        fix: str | None = None,
    ):
        super().__init__(message, fix=fix)
        self.method = method
        self.path = path
        self.status = status
        self.body = body  # parsed JSON when GitHub sent JSON, else the text
        self.request_id = request_id

    @property
    def github_message(self) -> str | None:
        return self.body.get("message") if isinstance(self.body, dict) else None

    @property
    def errors(self) -> list[dict[str, Any]]:
        """GitHub's `errors` list, e.g. [{"resource": "ReleaseAsset", "code": "already_exists"}]."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

    @property
    def error_codes(self) -> list[str]:
        return [str(e["code"]) for e in self.errors if "code" in e]


class Unauthorized(GitHubError):
    """401: the token is missing, wrong or expired."""


class Forbidden(GitHubError):
    """403 that is not a rate limit: the token lacks a permission."""


class NotFound(GitHubError):
    """404 (GitHub also answers 404 for private things the token may not see)."""


class Conflict(GitHubError):
    """409: e.g. the repository is empty, or a merge conflict."""


class Unprocessable(GitHubError):
    """422: GitHub understood the request and refused it; see `errors` / `error_codes`."""


class RateLimited(GitHubError):
    """429 or a rate-limit 403 that did not clear within the wait we allow."""


_BY_STATUS: dict[int, type[GitHubError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: RateLimited,
}

_FIXES: dict[type[GitHubError], str] = {
    Unauthorized: "Check that the step receives a valid token.",
    Forbidden: (
        "Grant the workflow the permission it needs; a pull request from a fork gets a "
        "read-only GITHUB_TOKEN."
    ),
}


class GitHub:
    """A GitHub REST API client over one `requests.Session`."""

    def __init__(
        self,
        *,
        api_url: str = "https://api.github.com",
        token: str | None = None,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ):
        """`retry` is when and how long to retry (its `sleep`, `clock` and `log` too); pass one
        with `github_rate_limits=True`, or a 403 rate limit reads as a plain `Forbidden`."""
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._own_session = session is None
        self.session = session or requests.Session()
        self.timeout = timeout
        self.retry = RetryPolicy(github_rate_limits=True) if retry is None else retry

    @classmethod
    def from_environment(cls, env: ActionsEnvironment, **kwargs: Any) -> GitHub:
        """The client for this workflow run: its API URL (github.com or GHES) and token."""
        return cls(api_url=env.api_url, token=env.token, **kwargs)

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r})"

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- JSON calls -------------------------------------------------------------------------------

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("GET", path, params=params)

    def post(self, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("POST", path, json=json, params=params)

    def patch(self, path: str, *, json: Any = None) -> Any:
        return self.request_json("PATCH", path, json=json)

    def put(self, path: str, *, json: Any = None) -> Any:
        return self.request_json("PUT", path, json=json)

    def delete(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("DELETE", path, params=params)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One API call; the parsed JSON answer, or None for an empty one (204)."""
        body = None
        extra = dict(headers or {})
        if json is not None:
            body = _json.dumps(json).encode()
            extra.setdefault("Content-Type", "application/json; charset=utf-8")
        response = self.request(method, path, params=params, data=body, headers=extra)
        return self._parse(method, response)

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        per_page: int = 100,
        item_key: str | None = None,
    ) -> Iterator[Any]:
        """Every item of a listing, following `Link: <…>; rel="next"` page by page (lazily).

        Lists wrapped in an object ({"total_count": n, "check_runs": [...]}) are unwrapped:
        by `item_key`, or by the one list-valued key.
        """
        url: str | None = self._url(path)
        query: dict[str, Any] | None = {**(params or {}), "per_page": per_page}
        while url:
            response = self.request("GET", url, params=query)
            data = self._parse("GET", response)
            yield from self._items(data, item_key, url)
            next_url = response.links.get("next", {}).get("url")
            if next_url and not self._same_origin(next_url):
                # Following it would hand the token to another host.
                raise GitHubError(
                    f"GitHub GET {self._display(url)}: pagination link leads to another host "
                    f"({urlsplit(next_url).netloc})",
                    method="GET",
                    path=self._display(url),
                )
            url, query = next_url, None  # the next link carries the query

    # -- raw transfers ----------------------------------------------------------------------------

    def upload(
        self,
        upload_url: str,
        *,
        name: str,
        data: bytes | Path,
        content_type: str = "application/octet-stream",
        label: str | None = None,
    ) -> Any:
        """POST raw bytes to an `upload_url` template ("…/assets{?name,label}"); the asset JSON.

        `data` may be a path: the file is reopened for every attempt, so a retry resends it
        from the start.
        """
        url = re.sub(r"\{[^}]*\}$", "", upload_url)
        params = {"name": name, **({"label": label} if label is not None else {})}
        if isinstance(data, Path) and not data.is_file():
            raise UserError(f"{data}: no such file to upload")
        size = data.stat().st_size if isinstance(data, Path) else len(data)
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        response = self.request("POST", url, params=params, data=data, headers=headers)
        return self._parse("POST", response)

    def download(
        self,
        path: str,
        dest: Path,
        *,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD,
        accept: str = "application/octet-stream",
    ) -> int:
        """Stream a file (following redirects, as artifact and asset downloads need) to `dest`.

        Writes to a temporary file beside `dest` and renames it, so `dest` is whole or absent.
        More than `max_bytes` fails without keeping anything. Returns the size.
        """
        dest.parent.mkdir(parents=True, exist_ok=True)

        def save(response: requests.Response) -> int:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise self._too_large(path, max_bytes)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
            try:
                size = 0
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.iter_content(_CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise self._too_large(path, max_bytes)
                        out.write(chunk)
                os.replace(tmp, dest)
                return size
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)

        return self._send("GET", path, headers={"Accept": accept}, stream=True, consume=save)

    # -- the one place requests are sent ----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | Path | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send with retries; a successful (< 400) response, or the mapped `GitHubError`."""
        return self._send(
            method, path, params=params, data=data, headers=headers, consume=lambda r: r
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | Path | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        consume: Callable[[requests.Response], T],
    ) -> T:
        url = self._url(path)
        shown = self._display(url)
        merged = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"modelci/{__version__}",
            **({"Authorization": f"Bearer {self._token}"} if self._token else {}),
            **(headers or {}),
        }
        attempt = 0
        while True:
            body: IO[bytes] | bytes | None = None
            try:
                body = data.open("rb") if isinstance(data, Path) else data
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=merged,
                    timeout=self.timeout,
                    stream=stream,
                )
                if response.status_code < 400:
                    try:
                        return consume(response)
                    finally:
                        response.close()  # the body is read (or saved) by now
            except requests.RequestException as error:
                if not is_transient(error) or not self.retry.can_retry(attempt):
                    raise GitHubError(
                        f"GitHub {method} {shown}: {self._describe(error)}"
                        + (f" (after {attempt + 1} attempts)" if attempt else ""),
                        method=method,
                        path=shown,
                    ) from None
                attempt += 1
                self.retry.pause(attempt, f"GitHub {method} {shown}: {self._describe(error)}")
                continue
            finally:
                if isinstance(data, Path) and body is not None and not isinstance(body, bytes):
                    body.close()

            status = response.status_code
            pause = self.retry.wait_for_status(
                status, response.headers, attempt=attempt, message=_message(response)
            )
            if pause is None or not self.retry.can_retry(attempt):
                raise self._error(method, shown, response, attempts=attempt + 1, waited=pause)
            attempt += 1
            response.close()
            self.retry.pause(attempt, f"GitHub {method} {shown}: {status} {response.reason}", pause)

    # -- helpers ----------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.api_url}/{path.lstrip('/')}"

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.api_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def _display(self, url: str) -> str:
        """The path for messages: relative to the API, or host+path elsewhere; never a query."""
        bare = url.split("?", 1)[0].split("#", 1)[0]
        if bare.startswith(self.api_url + "/"):
            return self._scrub(bare[len(self.api_url) :])
        parts = urlsplit(bare)
        return self._scrub(f"{parts.netloc}{parts.path}")

    def _scrub(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return " ".join(text.split())

    def _describe(self, error: Exception) -> str:
        if isinstance(error, requests.Timeout):
            return f"timed out after {self.timeout:g} s"
        if isinstance(error, requests.exceptions.SSLError):
            return "TLS failed: " + self._scrub(str(error))[:200]
        if isinstance(error, requests.exceptions.ChunkedEncodingError):
            return "connection dropped while reading the response"
        if isinstance(error, requests.ConnectionError):
            # requests nests urllib3's reasons several deep; the errno line is the useful part.
            text = self._scrub(str(error))
            found = re.search(r"\[Errno -?\d+\][^'\")]*|Remote end closed[^'\")]*", text)
            return "connection failed: " + (found.group(0).strip() if found else text[:200])
        return f"{type(error).__name__}: " + self._scrub(str(error))[:200]

    def _error(
        self,
        method: str,
        shown: str,
        response: requests.Response,
        *,
        attempts: int,
        waited: float | None,
    ) -> GitHubError:
        status = response.status_code
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        kind = _BY_STATUS.get(status, GitHubError)
        github_message = _message(response, body)
        if status == 403 and self.retry.is_rate_limit(status, response.headers, github_message):
            kind = RateLimited
        reason = response.reason or ""
        message = f"GitHub {method} {shown}: {status} {reason}".rstrip()
        if github_message and github_message.lower() != reason.lower():
            message += f": {github_message}"
        codes = ", ".join(
            f"{e.get('code')}" + (f" ({e['field']})" if e.get("field") else "")
            for e in (body.get("errors", []) if isinstance(body, dict) else [])
            if isinstance(e, dict) and e.get("code")
        )
        if codes:
            message += f" [{codes}]"
        if kind is RateLimited and waited is None:
            message += f" (needs a wait over {self.retry.max_wait:g} s)"
        elif attempts > 1:
            message += f" (after {attempts} attempts)"
        message = self._scrub(message)
        if len(message) > 400:
            message = message[:399] + "…"
        return kind(
            message,
            method=method,
            path=shown,
            status=status,
            body=body,
            request_id=response.headers.get("x-github-request-id"),
            fix=_FIXES.get(kind),
        )

    def _too_large(self, path: str, max_bytes: int) -> GitHubError:
        shown = self._display(self._url(path))
        return GitHubError(
            f"GitHub GET {shown}: download exceeds the {max_bytes} byte limit",
            method="GET",
            path=shown,
        )

    def _parse(self, method: str, response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            shown = self._display(response.url)
            raise GitHubError(
                f"GitHub {method} {shown}: {response.status_code} answer is not JSON",
                method=method,
                path=shown,
                status=response.status_code,
            ) from None

    def _items(self, data: Any, item_key: str | None, url: str) -> list[Any]:
        if isinstance(data, list):
            return data
        if isinstance(data, dict):
            if item_key is not None:
                return list(data.get(item_key) or [])
            lists = [k for k, v in data.items() if isinstance(v, list) and k not in _LIST_METADATA]
            if len(lists) == 1:
                return list(data[lists[0]])
        shown = self._display(url)
        raise GitHubError(
            f"GitHub GET {shown}: the answer is not a list (pass item_key)",
            method="GET",
            path=shown,
        )


def _message(response: requests.Response, body: Any = None) -> str:
    """GitHub's `message`, on one line."""
    if body is None:
        try:
            body = response.json()
        except ValueError:
            return ""
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message).split()) if message else ""
