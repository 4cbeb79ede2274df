"""A small client for the OCI distribution API: blobs and manifests, auth, retries, streaming.

Transport only: it knows HTTP, the distribution spec and registries' failure modes, and nothing
about run directories or ModelPack, which are built on top of it. Only the command entry (or
`pull`/`push_run`) builds one; everything else receives it.

- Auth: anonymous first; a 401 with a `Basic` challenge resends with the credentials; a `Bearer`
  challenge exchanges them at the realm for a token of scope `repository:NAME:ACTIONS` (cached
  per scope). A 401 after a fresh token or with Basic credentials is final.
- Retries follow the injected `modelci.http_retry.RetryPolicy` (by default `RetryPolicy()`):
  dropped connections, timeouts, 5xx, 408 and 429 (waiting `Retry-After`, capped) are retried
  up to `max_retries` times with `backoff * 2**n` plus some jitter; other 4xx are answers.
- Blob uploads stream from the file (POST a session, PATCH the whole body, PUT `?digest=`), so a
  model of any size costs one chunk of memory. An upload interrupted mid-body is restarted in a
  new session (after checking whether the blob arrived after all), at most `max_retries` times.
- Blob downloads stream to a file and are checked against the expected size and sha256 digest.

Every failure becomes one `RegistryError` (an `ExternalError`, exit 3) with a one-line message
naming the method, the host and path, the status and the registry's error code, and never the
password or a token.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from modelci import __version__
from modelci.errors import ExternalError
from modelci.http_retry import TRANSIENT_ERRORS, RetryPolicy, is_transient
from modelci.registry.auth import Challenge, Credentials, parse_challenge

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))
MAX_MANIFEST_BYTES = 4 << 20  # the size registries commonly accept for a manifest
DEFAULT_TIMEOUT = 60.0
CHUNK = 1 << 20


class RegistryError(ExternalError):
    """The registry answered with an error, or could not be reached, after any retries."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        transient: bool = False,
        fix: str | None = None,
    ):
        super().__init__(message, fix=fix)
        self.status = status
        self.code = code  # the distribution error code, e.g. MANIFEST_UNKNOWN
        self.transient = transient  # worth retrying at a higher level (a new upload session)


class RegistryAuthError(RegistryError):
    """401/403: no credentials, wrong credentials, a stale token, or missing permission."""


class NotFound(RegistryError):
    """404: no such repository, manifest or blob."""


@dataclasses.dataclass
class TransferStats:
    """What a client sent and received; benchmarks and tests read it."""

    requests: int = 0
    retries: int = 0
    blobs_uploaded: int = 0
    blobs_skipped: int = 0
    bytes_uploaded: int = 0  # blob bytes sent in request bodies, every attempt counted
    bytes_downloaded: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Blob:
    """Content to upload: a file (streamed) or bytes, with its sha256 digest and size."""

    digest: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_bytes(cls, data: bytes) -> Blob:
        return cls(digest=sha256_digest(data), size=len(data), data=data)

    @classmethod
    def from_file(cls, path: Path) -> Blob:
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
        return cls(digest=f"sha256:{digest.hexdigest()}", size=size, path=path)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FetchedManifest:
    body: bytes
    media_type: str
    digest: str


def sha256_digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


class _Body:
    """A request body streamed from a file in chunks; `len()` lets requests send Content-Length."""

    def __init__(self, blob: Blob, stats: TransferStats, chunk: int):
        self._blob, self._stats, self._chunk = blob, stats, chunk

    def __len__(self) -> int:
        return self._blob.size

    def __iter__(self) -> Iterator[bytes]:
        if self._blob.data is not None:
            self._stats.bytes_uploaded += len(self._blob.data)
            yield self._blob.data
            return
        assert self._blob.path is not None
        remaining = self._blob.size
        with self._blob.path.open("rb") as handle:
            while remaining > 0:
                chunk = handle.read(min(self._chunk, remaining))
                if not chunk:
                    break  # the file shrank; the registry's digest check will say so
                remaining -= len(chunk)
                self._stats.bytes_uploaded += len(chunk)
                yield chunk


class RegistryClient:
    """The distribution API of one registry, over one `requests.Session`."""

    def __init__(
        self,
        registry: str,
        *,
        credentials: Credentials | None = None,
        plain_http: bool = False,
        actions: str = "pull",
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        chunk_size: int = CHUNK,
    ):
        """`retry` is when and how long to retry (its `sleep`, `clock` and `log` too)."""
        self.registry = registry
        self.base_url = f"{'http' if plain_http else 'https'}://{registry}"
        self.plain_http = plain_http
        self.actions = actions  # "pull" or "pull,push": the scope of bearer tokens we ask for
        self._credentials = credentials
        self._own_session = session is None
        self.session = session or requests.Session()
        self.timeout = timeout
        self.retry = RetryPolicy() if retry is None else retry
        self.chunk_size = chunk_size
        self.stats = TransferStats()
        self._basic = False  # the registry asked for Basic auth: send it with every request
        self._tokens: dict[str, str] = {}  # bearer token per scope

    def __repr__(self) -> str:
        return f"RegistryClient({self.base_url!r}, actions={self.actions!r})"

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- blobs ------------------------------------------------------------------------------------

    def blob_size(self, repository: str, digest: str) -> int | None:
        """The size of a blob the registry holds (-1: size not given), or None when it has none."""
        url = self._url(f"/v2/{repository}/blobs/{digest}")
        response = self._request("HEAD", url, repository=repository, ok=(200, 404))
        response.close()
        if response.status_code == 404:
            return None
        length = response.headers.get("Content-Length", "")
        return int(length) if length.isdigit() else -1

    def push_blob(self, repository: str, blob: Blob) -> bool:
        """Upload `blob` unless the registry has it already; True when bytes were sent."""
        if self.blob_size(repository, blob.digest) in (blob.size, -1):
            self.stats.blobs_skipped += 1
            return False
        attempt = 0
        while True:
            location = self._start_upload(repository)
            try:
                self._send_blob(repository, location, blob)
                break
            except RegistryError as error:
                if not error.transient:
                    raise
                if not self.retry.can_retry(attempt):
                    error.message += f" (upload of {_short(blob.digest)} tried {attempt + 1} times)"
                    raise RegistryError(
                        error.message, status=error.status, code=error.code, fix=error.fix
                    ) from None
                attempt += 1
                self._cancel_upload(repository, location)
                self._back_off(
                    attempt, f"{error.message}; restarting the upload of {_short(blob.digest)}"
                )
                # The body may have arrived whole before the connection dropped.
                if self.blob_size(repository, blob.digest) == blob.size:
                    break
        self.stats.blobs_uploaded += 1
        return True

    def fetch_blob(self, repository: str, digest: str, size: int, dest: Path) -> None:
        """Stream a blob into `dest`, checking its size and digest; a drop restarts it."""
        url = self._url(f"/v2/{repository}/blobs/{digest}")
        algorithm, _, expected = digest.partition(":")
        if algorithm != "sha256":
            raise RegistryError(f"blob {digest} uses {algorithm}; modelci verifies sha256 only")
        attempt = 0
        while True:
            response = self._request(
                "GET",
                url,
                repository=repository,
                headers={"Accept-Encoding": "identity"},
                stream=True,
            )
            try:
                hasher = hashlib.sha256()
                written = 0
                with dest.open("wb") as out:
                    # A Content-Encoding is transport only: the digest is of the decoded bytes.
                    for chunk in response.raw.stream(self.chunk_size, decode_content=True):
                        written += len(chunk)
                        if written > size:
                            raise RegistryError(
                                f"registry GET {self._display(url)}: blob is larger than the "
                                f"{size} bytes its descriptor declares"
                            )
                        hasher.update(chunk)
                        out.write(chunk)
                self.stats.bytes_downloaded += written
                if written < size:
                    raise requests.exceptions.ChunkedEncodingError(
                        f"body ended after {written} of {size} bytes"
                    )
            except (*TRANSIENT_ERRORS, _urllib3_errors()) as error:
                if not self.retry.can_retry(attempt):
                    raise RegistryError(
                        f"registry GET {self._display(url)}: {self._describe(error)} "
                        f"(after {attempt + 1} attempts)"
                    ) from None
                attempt += 1
                self._back_off(
                    attempt, f"registry GET {self._display(url)}: {self._describe(error)}"
                )
                continue
            finally:
                response.close()
            if hasher.hexdigest() != expected:
                raise RegistryError(
                    f"registry GET {self._display(url)}: content does not match its digest "
                    f"(got sha256:{hasher.hexdigest()[:12]}…)",
                    fix="The registry served corrupt data; try again, or report it to the "
                    "registry's operator",
                )
            return

    def fetch_blob_bytes(self, repository: str, digest: str, size: int, limit: int) -> bytes:
        """A small blob (a config) in memory, checked like `fetch_blob`."""
        if size > limit:
            raise RegistryError(f"blob {_short(digest)} is {size} bytes; the limit is {limit}")
        url = self._url(f"/v2/{repository}/blobs/{digest}")
        response = self._request("GET", url, repository=repository)
        data = response.content
        self.stats.bytes_downloaded += len(data)
        if len(data) != size or sha256_digest(data) != digest:
            raise RegistryError(
                f"registry GET {self._display(url)}: content does not match its descriptor "
                f"({len(data)} bytes, {_short(sha256_digest(data))})"
            )
        return data

    def _start_upload(self, repository: str) -> str:
        url = self._url(f"/v2/{repository}/blobs/uploads/")
        response = self._request(
            "POST", url, repository=repository, headers={"Content-Length": "0"}, ok=(202,)
        )
        response.close()
        location = response.headers.get("Location")
        if not location:
            raise RegistryError(f"registry POST {self._display(url)}: 202 without a Location")
        return urljoin(url, location)

    def _send_blob(self, repository: str, location: str, blob: Blob) -> None:
        if blob.size:
            response = self._request(
                "PATCH",
                location,
                repository=repository,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(blob.size),
                    "Content-Range": f"0-{blob.size - 1}",
                },
                body=lambda: _Body(blob, self.stats, self.chunk_size),
                ok=(202, 204),
                retry=False,
            )
            response.close()
            location = urljoin(location, response.headers.get("Location") or location)
        response = self._request(
            "PUT",
            _with_query(location, digest=blob.digest),
            repository=repository,
            headers={"Content-Type": "application/octet-stream", "Content-Length": "0"},
            ok=(201, 204),
            retry=False,
        )
        response.close()
        stored = response.headers.get("Docker-Content-Digest")
        if stored and stored != blob.digest:
            raise RegistryError(
                f"registry stored blob {_short(stored)} for {_short(blob.digest)}",
                fix="The registry changed the content; report it to its operator",
            )

    def _cancel_upload(self, repository: str, location: str) -> None:
        """Best effort: tell the registry to drop an abandoned upload session."""
        with contextlib.suppress(RegistryError):
            self._request(
                "DELETE", location, repository=repository, ok=(200, 202, 204, 404), retry=False
            ).close()

    # -- manifests --------------------------------------------------------------------------------

    def put_manifest(self, repository: str, reference: str, body: bytes, media_type: str) -> str:
        """Store a manifest under a tag (or digest); returns its digest, checked."""
        url = self._url(f"/v2/{repository}/manifests/{reference}")
        response = self._request(
            "PUT",
            url,
            repository=repository,
            headers={"Content-Type": media_type},
            body=body,
            ok=(200, 201, 202, 204),
        )
        response.close()
        digest = sha256_digest(body)
        stored = response.headers.get("Docker-Content-Digest")
        if stored and stored != digest:
            raise RegistryError(
                f"registry PUT {self._display(url)}: stored the manifest as {_short(stored)}, "
                f"expected {_short(digest)}"
            )
        return digest

    def get_manifest(self, repository: str, reference: str) -> FetchedManifest:
        """Fetch a manifest by tag or digest; a digest reference is verified against the body."""
        url = self._url(f"/v2/{repository}/manifests/{reference}")
        response = self._request(
            "GET", url, repository=repository, headers={"Accept": MANIFEST_ACCEPT}, stream=True
        )
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_MANIFEST_BYTES:
                raise RegistryError(f"registry GET {self._display(url)}: manifest is too large")
            body = response.raw.read(MAX_MANIFEST_BYTES + 1, decode_content=True)
        except TRANSIENT_ERRORS as error:
            raise RegistryError(
                f"registry GET {self._display(url)}: {self._describe(error)}"
            ) from None
        finally:
            response.close()
        if len(body) > MAX_MANIFEST_BYTES:
            raise RegistryError(f"registry GET {self._display(url)}: manifest is too large")
        digest = sha256_digest(body)
        if reference.startswith("sha256:") and digest != reference:
            raise RegistryError(
                f"registry GET {self._display(url)}: manifest does not match its digest "
                f"(got {_short(digest)})"
            )
        stored = response.headers.get("Docker-Content-Digest")
        if stored and stored != digest:
            raise RegistryError(
                f"registry GET {self._display(url)}: manifest body is {_short(digest)} but the "
                f"registry says {_short(stored)}"
            )
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        return FetchedManifest(body=body, media_type=media_type, digest=digest)

    # -- the one place requests are sent ----------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        repository: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | Callable[[], Any] | None = None,
        ok: tuple[int, ...] = (200,),
        stream: bool = False,
        retry: bool = True,
    ) -> requests.Response:
        """Send with auth and retries; a response whose status is in `ok`, or a RegistryError.

        `body` is bytes, or a function returning a fresh iterable body for every attempt.
        With `retry=False`, a transient failure raises at once, marked `transient`.
        """
        scope = f"repository:{repository}:{self.actions}"
        shown = f"{method} {self._display(url)}"
        attempt = 0
        authenticated_again = False
        while True:
            merged = {"User-Agent": f"modelci/{__version__}", **(headers or {})}
            authorization = self._authorization(url, scope)
            if authorization:
                merged["Authorization"] = authorization
            payload = body() if callable(body) else body
            self.stats.requests += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    data=payload,
                    headers=merged,
                    timeout=self.timeout,
                    stream=stream,
                    allow_redirects=method in ("GET", "HEAD"),
                )
            except TRANSIENT_ERRORS as error:
                fatal = not is_transient(error)
                if fatal or not retry or not self.retry.can_retry(attempt):
                    raise RegistryError(
                        f"registry {shown}: {self._describe(error)}"
                        + (f" (after {attempt + 1} attempts)" if attempt else ""),
                        transient=not fatal,
                        fix=self._connection_fix(error),
                    ) from None
                attempt += 1
                self._back_off(attempt, f"registry {shown}: {self._describe(error)}")
                continue
            except requests.RequestException as error:
                raise RegistryError(f"registry {shown}: {self._describe(error)}") from None

            status = response.status_code
            if status in ok:
                return response
            with contextlib.suppress(*TRANSIENT_ERRORS):
                response.content  # noqa: B018 - read the (small) error body before closing
            response.close()
            if status == 401 and not authenticated_again:
                challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
                if challenge is not None and self._answer(challenge, scope):
                    authenticated_again = True
                    continue
                raise self._error(method, url, response, attempts=attempt + 1)
            pause = self.retry.wait_for_status(status, response.headers, attempt=attempt)
            if pause is None or not retry or not self.retry.can_retry(attempt):
                failure = self._error(method, url, response, attempts=attempt + 1)
                failure.transient = pause is not None and not retry
                raise failure
            attempt += 1
            self._back_off(attempt, f"registry {shown}: {status} {response.reason}", pause)

    # -- auth -------------------------------------------------------------------------------------

    def _authorization(self, url: str, scope: str) -> str | None:
        # Credentials go only to the registry itself, never to a host a Location points at.
        if urlsplit(url).netloc.lower() != urlsplit(self.base_url).netloc.lower():
            return None
        token = self._tokens.get(scope)
        if token:
            return f"Bearer {token}"
        if self._basic and self._credentials is not None:
            pair = f"{self._credentials.username}:{self._credentials.password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None

    def _answer(self, challenge: Challenge, scope: str) -> bool:
        """Act on a 401's challenge; True when the request is worth sending again."""
        if challenge.scheme == "basic":
            if self._credentials is None or self._basic:
                return False  # nothing to offer, or the registry refused what we sent
            self._basic = True
            return True
        self._tokens.pop(scope, None)  # stale (expired, revoked) or never had one
        self._tokens[scope] = self._fetch_token(challenge, scope)
        return True

    def _fetch_token(self, challenge: Challenge, scope: str) -> str:
        realm = challenge.realm or ""
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryAuthError(
                f"registry {self.registry}: bearer challenge without a usable realm ({realm!r})"
            )
        if parts.scheme == "http" and not self.plain_http and self._credentials is not None:
            raise RegistryAuthError(
                f"registry {self.registry}: refusing to send credentials to a plain-http token "
                f"service ({parts.netloc})",
                fix="Use a registry whose token service has TLS, or --plain-http for a local one",
            )
        params: list[tuple[str, str]] = []
        if challenge.params.get("service"):
            params.append(("service", challenge.params["service"]))
        asked = challenge.params.get("scope")
        for item in dict.fromkeys([scope, *([asked] if asked else [])]):
            params.append(("scope", item))
        auth = (
            (self._credentials.username, self._credentials.password)
            if self._credentials is not None
            else None
        )
        shown = f"token service {parts.netloc}{parts.path}"
        attempt = 0
        while True:
            self.stats.requests += 1
            try:
                response = self.session.get(
                    realm,
                    params=params,
                    auth=auth,
                    headers={"User-Agent": f"modelci/{__version__}"},
                    timeout=self.timeout,
                )
            except TRANSIENT_ERRORS as error:
                if not is_transient(error) or not self.retry.can_retry(attempt):
                    raise RegistryAuthError(f"{shown}: {self._describe(error)}") from None
                attempt += 1
                self._back_off(attempt, f"{shown}: {self._describe(error)}")
                continue
            except requests.RequestException as error:
                raise RegistryAuthError(f"{shown}: {self._describe(error)}") from None
            status = response.status_code
            wait = self.retry.wait_for_status(status, response.headers, attempt=attempt)
            if status >= 400 and wait is not None and self.retry.can_retry(attempt):
                attempt += 1
                response.close()
                self._back_off(attempt, f"{shown}: {status} {response.reason}", wait)
                continue
            break
        if response.status_code in (401, 403):
            who = "the credentials" if auth else "anonymous access"
            raise RegistryAuthError(
                f"{shown} refused {who}: {response.status_code} {response.reason}",
                status=response.status_code,
                fix=self._auth_fix(),
            )
        if response.status_code >= 400:
            raise RegistryAuthError(f"{shown}: {response.status_code} {response.reason}")
        try:
            data = response.json()
        except ValueError:
            data = None
        token = (data.get("token") or data.get("access_token")) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryAuthError(f"{shown}: the answer holds no token")
        return token

    def _auth_fix(self) -> str:
        if self._credentials is None:
            return (
                "The registry needs credentials: pass --username and set "
                "MODELCI_REGISTRY_PASSWORD (or name the variable with --password-env)"
            )
        if self.registry.startswith("ghcr.io"):
            return (
                "Check the token: a GITHUB_TOKEN needs `permissions: packages: write` to push, "
                "and expires when its job ends"
            )
        return "Check the username and password; a token may have expired"

    # -- helpers ----------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _display(self, url: str) -> str:
        """Host and path for messages: never a query (upload state) and never a secret."""
        parts = urlsplit(url)
        path = re.sub(r"(sha256:[0-9a-f]{12})[0-9a-f]{52}", r"\1…", parts.path)
        return self._scrub(f"{parts.netloc}{path}")

    def _scrub(self, text: str) -> str:
        secrets = [*self._tokens.values()]
        if self._credentials is not None:
            secrets.append(self._credentials.password)
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return " ".join(text.split())

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, requests.Timeout):
            return f"timed out after {self.timeout:g} s"
        if isinstance(error, requests.exceptions.SSLError):
            found = re.search(r"\[SSL[^\]]*\][^'\")(]*", str(error))
            return "TLS failed: " + (found.group(0).strip() if found else "handshake error")
        if isinstance(error, requests.exceptions.ChunkedEncodingError | _urllib3_errors()):
            return "connection dropped during the transfer"
        if isinstance(error, requests.ConnectionError):
            text = self._scrub(str(error))
            if "Connection aborted" in text or "RemoteDisconnected" in text or "reset" in text:
                return "connection dropped during the transfer"
            found = re.search(r"\[Errno -?\d+\][^'\")]*", text)
            return "connection failed: " + (found.group(0).strip() if found else text[:160])
        return f"{type(error).__name__}: " + self._scrub(str(error))[:160]

    def _connection_fix(self, error: BaseException) -> str | None:
        if isinstance(error, requests.exceptions.SSLError) and not self.plain_http:
            return "A registry without TLS (a local one) needs --plain-http"
        if isinstance(error, requests.ConnectionError) and "refused" in str(error).lower():
            return f"Is a registry listening at {self.base_url}?"
        return None

    def _back_off(self, attempt: int, what: str, wait: float | None = None) -> None:
        """Count retry number `attempt` (1, 2, …), say why, and wait before it: `wait`
        seconds when the answer said how long, else the policy's backoff."""
        self.stats.retries += 1
        self.retry.pause(attempt, what, wait)

    def _error(
        self, method: str, url: str, response: requests.Response, *, attempts: int
    ) -> RegistryError:
        status = response.status_code
        code, detail = _oci_error(response)
        message = f"registry {method} {self._display(url)}: {status} {response.reason or ''}"
        message = message.rstrip()
        if code or detail:
            message += ": " + " ".join(part for part in (code, detail) if part)
        if attempts > 1:
            message += f" (after {attempts} attempts)"
        message = self._scrub(message)
        if len(message) > 400:
            message = message[:399] + "…"
        kind: type[RegistryError] = RegistryError
        fix = None
        if status in (401, 403):
            kind, fix = RegistryAuthError, self._auth_fix()
            if status == 401 and self._tokens:
                message += " (a fresh token was refused too)"
        elif status == 404:
            kind = NotFound
        if code == "DIGEST_INVALID":
            fix = "A file changed while it was being uploaded; push again"
        return kind(message, status=status, code=code or None, fix=fix)


def _oci_error(response: requests.Response) -> tuple[str, str]:
    """The first `{"errors": [{"code", "message"}]}` entry of an error body, on one line."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = str(first.get("code") or "")
        message = " ".join(str(first.get("message") or "").split())[:200]
        return code, message
    return "", ""


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _short(digest: str) -> str:
    return digest[:19] + "…" if len(digest) > 20 else digest


def _urllib3_errors() -> type[Exception]:
    import urllib3.exceptions

    return urllib3.exceptions.HTTPError
