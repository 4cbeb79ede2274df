"""An in-memory OCI registry on 127.0.0.1 with ghcr.io-style bearer-token auth, for the tests
docker-registry cannot cover (its token auth needs signed JWTs and a certificate).

- `GET /token?service=…&scope=…` with Basic credentials (or none, for anonymous pulls) issues
  an opaque token for the scopes those credentials may have: `accounts` maps a password to
  the actions it allows (a `GITHUB_TOKEN` with any username, as ghcr.io does);
- every /v2/ request needs `Authorization: Bearer TOKEN` whose scope covers it, else 401 with a
  `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge;
- blobs, uploads (POST, PATCH, PUT ?digest=, DELETE) and manifests as the distribution spec
  has them, kept in dicts.

Faults: `revoke_tokens()` makes every token issued so far stale (a 401 until a new one is
fetched); `refuse_tokens = True` makes the registry refuse every token (a stale credential);
`fail_next(status, n)` answers the next n /v2/ requests with `status`; `corrupt_blobs` serves
wrong bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import serve

TOKEN = "ghs_faketoken0123456789"  # a GITHUB_TOKEN lookalike: any username goes with it


class FakeRegistry:
    def __init__(self, accounts: dict[str, str] | None = None, *, anonymous_pull: bool = True):
        self.accounts = accounts if accounts is not None else {TOKEN: "pull,push"}
        self.anonymous_pull = anonymous_pull
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[tuple[str, str], tuple[bytes, str]] = {}  # (repo, ref) → body, type
        self.uploads: dict[str, bytearray] = {}
        self.tokens: dict[str, set[str]] = {}  # token → scopes "repository:NAME:ACTION"
        self.token_requests: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, int]] = []
        self.refuse_tokens = False
        self.corrupt_blobs = False
        self._failures: list[int] = []
        self._lock = threading.Lock()
        # Late-bound, so a test can wrap _handle on a running server.
        self.server, self.host = serve(lambda handler: self._handle(handler))

    # -- faults -----------------------------------------------------------------------------------

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- protocol ---------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if parts.path == "/token":
            return self._token(h, query)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._send(
                h, failure, {"errors": [{"code": "UNAVAILABLE", "message": "try later"}]}
            )
        segments = parts.path.split("/")
        # /v2/<name...>/(blobs|manifests)/<ref> or /v2/<name...>/blobs/uploads/[<id>]
        if parts.path in ("/v2/", "/v2"):
            return (
                self._send(h, 200, {})
                if self._authorized(h, None, "pull")
                else self._challenge(h, None, "pull")
            )
        kind_index = max(
            (i for i, s in enumerate(segments) if s in ("blobs", "manifests")), default=-1
        )
        if kind_index < 3:
            return self._send(h, 404, {"errors": [{"code": "NAME_UNKNOWN", "message": "?"}]})
        name = "/".join(segments[2:kind_index])
        kind, rest = segments[kind_index], segments[kind_index + 1 :]
        action = "pull" if h.command in ("GET", "HEAD") else "push"
        if not self._authorized(h, name, action):
            return self._challenge(h, name, action)
        if kind == "blobs" and rest and rest[0] == "uploads":
            return self._upload(h, name, [s for s in rest[1:] if s], query, body)
        if kind == "blobs" and rest:
            data = self.blobs.get(rest[0])
            if data is None:
                return self._send(
                    h, 404, {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown"}]}
                )
            if self.corrupt_blobs and h.command == "GET":
                data = b"X" * len(data)
            return self._send_bytes(
                h, 200, data, "application/octet-stream", {"Docker-Content-Digest": rest[0]}
            )
        if kind == "manifests" and rest:
            ref = rest[0]
            if h.command == "PUT":
                digest = "sha256:" + hashlib.sha256(body).hexdigest()
                media = h.headers.get("Content-Type", "")
                with self._lock:
                    self.manifests[(name, ref)] = (body, media)
                    self.manifests[(name, digest)] = (body, media)
                return self._send_bytes(
                    h,
                    201,
                    b"",
                    "text/plain",
                    {"Docker-Content-Digest": digest, "Location": f"/v2/{name}/manifests/{digest}"},
                )
            found = self.manifests.get((name, ref))
            if found is None:
                return self._send(
                    h,
                    404,
                    {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]},
                )
            digest = "sha256:" + hashlib.sha256(found[0]).hexdigest()
            return self._send_bytes(h, 200, found[0], found[1], {"Docker-Content-Digest": digest})
        return self._send(h, 405, {"errors": [{"code": "UNSUPPORTED", "message": "?"}]})

    def _upload(
        self,
        h: BaseHTTPRequestHandler,
        name: str,
        rest: list[str],
        query: dict[str, list[str]],
        body: bytes,
    ) -> None:
        if h.command == "POST" and not rest:
            upload = uuid.uuid4().hex
            with self._lock:
                self.uploads[upload] = bytearray()
            return self._send_bytes(
                h,
                202,
                b"",
                "text/plain",
                {"Location": f"/v2/{name}/blobs/uploads/{upload}?_state=x", "Range": "0-0"},
            )
        upload = rest[0] if rest else ""
        if upload not in self.uploads:
            return self._send(
                h, 404, {"errors": [{"code": "BLOB_UPLOAD_UNKNOWN", "message": "upload unknown"}]}
            )
        if h.command == "DELETE":
            with self._lock:
                del self.uploads[upload]
            return self._send_bytes(h, 204, b"", "text/plain", {})
        with self._lock:
            self.uploads[upload].extend(body)
        if h.command == "PATCH":
            size = len(self.uploads[upload])
            return self._send_bytes(
                h,
                202,
                b"",
                "text/plain",
                {
                    "Location": f"/v2/{name}/blobs/uploads/{upload}?_state=y",
                    "Range": f"0-{max(size - 1, 0)}",
                },
            )
        digest = (query.get("digest") or [""])[0]
        data = bytes(self.uploads.pop(upload))
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            return self._send(
                h,
                400,
                {
                    "errors": [
                        {
                            "code": "DIGEST_INVALID",
                            "message": "provided digest did not match uploaded content",
                        }
                    ]
                },
            )
        with self._lock:
            self.blobs[digest] = data
        return self._send_bytes(
            h,
            201,
            b"",
            "text/plain",
            {"Docker-Content-Digest": digest, "Location": f"/v2/{name}/blobs/{digest}"},
        )

    # -- auth -------------------------------------------------------------------------------------

    def _token(self, h: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        header = h.headers.get("Authorization", "")
        user = password = None
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        self.token_requests.append(
            {"user": user, "scopes": query.get("scope", []), "service": query.get("service")}
        )
        if password is not None and password not in self.accounts:
            return self._send(
                h, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
            )
        allowed = (
            set(self.accounts[password].split(","))
            if password is not None
            else ({"pull"} if self.anonymous_pull else set())
        )
        granted = set()
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            repo, _, actions = rest.rpartition(":")
            for action in actions.split(","):
                if action in allowed:
                    granted.add(f"{kind}:{repo}:{action}")
        token = "tok_" + secrets.token_hex(8)
        with self._lock:
            self.tokens[token] = granted
        return self._send(h, 200, {"token": token, "expires_in": 300})

    def _authorized(self, h: BaseHTTPRequestHandler, name: str | None, action: str) -> bool:
        header = h.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or self.refuse_tokens:
            return False
        scopes = self.tokens.get(header[7:])
        if scopes is None:
            return False
        return name is None or f"repository:{name}:{action}" in scopes

    def _challenge(self, h: BaseHTTPRequestHandler, name: str | None, action: str) -> None:
        value = f'Bearer realm="http://{self.host}/token",service="fake-registry"'
        if name is not None:
            value += f',scope="repository:{name}:{"pull" if action == "pull" else "pull,push"}"'
        return self._send(
            h,
            401,
            {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
            {"WWW-Authenticate": value},
        )

    # -- replies ----------------------------------------------------------------------------------

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        document: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._send_bytes(
            h, status, json.dumps(document).encode(), "application/json", headers or {}
        )

    def _send_bytes(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        media: str,
        headers: dict[str, str],
    ) -> None:
        with self._lock:
            self.requests.append((h.command, urlsplit(h.path).path, status))
        h.send_response(status)
        h.send_header("Content-Type", media)
        h.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            h.send_header(key, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)
