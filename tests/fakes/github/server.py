"""The fake GitHub's HTTP side: one ThreadingHTTPServer on 127.0.0.1 serving three areas.

- the REST API under `api_prefix` ("" like api.github.com, "/api/v3" like GitHub Enterprise
  Server), every request and response checked against GitHub's OpenAPI description;
- the uploads host under "/api/uploads" (release assets), which `upload_url` points at;
- the web side at the root: `/{owner}/{repo}/blob/{ref}/{path}?raw=true`, release downloads, and
  the storage URLs that artifact and asset downloads redirect to;

plus a control API under "/_fake/" for a fake running in its own process (see `__main__`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import json
import mimetypes
import os
import re
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.github import graphql, routes
from tests.fakes.github.faults import Fault, Faults
from tests.fakes.github.openapi_validation import OpenAPI, load
from tests.fakes.github.render import Urls
from tests.fakes.github.routes import Context, HttpError, Reply
from tests.fakes.github.state import State, Token

UPLOADS_PREFIX = "/api/uploads"
# The web side's routes; on a github.com-style fake everything else is API.
_WEB = re.compile(r"^/_fake/objects/|^/(?!repos/)[^/]+/[^/]+/(blob|raw|releases/download)/")
RATE_LIMIT = 5000


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoggedRequest:
    method: str
    path: str  # API path without prefix (uploads: without "/api/uploads"); web: as requested
    query: str
    area: str  # "api", "uploads", "web", "graphql"
    status: int | None  # None: the connection was dropped
    operation: str | None
    fault: int | None  # id of the fault rule that changed this call
    auth: str | None  # "bearer", "token" or None; never the token itself
    user_agent: str | None
    api_version: str | None


class ValidationFailures(AssertionError):
    """The fake saw traffic that GitHub's OpenAPI description does not allow."""


class FakeGitHub:
    """A stateful fake of the GitHub REST API; start() it, point a client at `api_url`."""

    def __init__(
        self,
        *,
        api_prefix: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        state: State | None = None,
        validate: bool = True,
        state_file: Path | None = None,
        openapi: OpenAPI | None = None,
    ):
        if api_prefix and (not api_prefix.startswith("/") or api_prefix.endswith("/")):
            raise ValueError(f"api_prefix must look like '/api/v3', got {api_prefix!r}")
        self.api_prefix = api_prefix
        self.state = state or State()
        self.faults = Faults()
        self.validate = validate
        self.state_file = state_file
        self.openapi = openapi or load()
        self.requests: list[LoggedRequest] = []
        self.validation_errors: list[str] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._request_ids = 0
        self._rate_used: dict[str, int] = {}
        self._rate_reset = int(time.time()) + 3600
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the command-line entry)."""
        self._server.serve_forever(poll_interval=0.1)

    def interrupt(self) -> None:
        """Stop `serve_forever()` from a signal handler on the serving thread."""
        self._stopping.set()
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        threading.Thread(target=self._server.shutdown, daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
        self.save()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.server_url + self.api_prefix

    @property
    def uploads_url(self) -> str:
        return self.server_url + UPLOADS_PREFIX

    @property
    def graphql_path(self) -> str:
        # GHES serves GraphQL beside its REST API: /api/graphql, not /api/v3/graphql.
        return "/api/graphql" if self.api_prefix else "/graphql"

    @property
    def graphql_url(self) -> str:
        return self.server_url + self.graphql_path

    def urls(self, host_header: str | None = None) -> Urls:
        # Answer with the address the client used, so a container reaching the host by another
        # name gets links it can follow.
        server = f"http://{host_header}" if host_header else self.server_url
        return Urls(server=server, api=server + self.api_prefix, uploads=server + UPLOADS_PREFIX)

    # -- what tests read --------------------------------------------------------------------------

    def calls(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Logged API/uploads/web requests, filtered by method and fnmatch path pattern."""
        with self._log_lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or fnmatch.fnmatchcase(r.path, path))
            ]

    def clear_requests(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def take_validation_errors(self) -> list[str]:
        with self._log_lock:
            errors, self.validation_errors = self.validation_errors, []
        return errors

    def check(self) -> None:
        """Raise if any request or response broke the OpenAPI description; fixtures call this."""
        errors = self.take_validation_errors()
        if errors:
            raise ValidationFailures(
                f"fake GitHub saw {len(errors)} OpenAPI violation(s):\n" + "\n".join(errors)
            )

    @contextlib.contextmanager
    def expect_validation_errors(self) -> Iterator[list[str]]:
        """For a test that sends invalid traffic on purpose: yields the violations it caused."""
        before = self.take_validation_errors()
        found: list[str] = []
        try:
            yield found
        finally:
            found.extend(self.take_validation_errors())
            with self._log_lock:
                self.validation_errors[:0] = before
        if not found:
            raise AssertionError("expected an OpenAPI violation, the fake saw none")

    # -- seeding shortcuts ------------------------------------------------------------------------

    def add_token(self, value: str, **kwargs: Any) -> Token:
        return self.state.add_token(value, **kwargs)

    def add_fault(self, fault: Fault | None = None, **fields: Any) -> Fault:
        return self.faults.add(fault, **fields)

    def save(self) -> None:
        if self.state_file is None:
            return
        data = json.dumps(self.state.dump())
        # Replace atomically: a test may read the file while the fake writes it.
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".fakegithub-")
        with os.fdopen(fd, "w") as out:
            out.write(data)
        os.replace(tmp, self.state_file)

    # -- request handling -------------------------------------------------------------------------

    def _record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self.requests.append(entry)

    def _violation(self, text: str) -> None:
        with self._log_lock:
            self.validation_errors.append(text)

    def _common_headers(self, token: Token | None, client: str) -> dict[str, str]:
        key = token.value if token else f"anonymous:{client}"
        limit = RATE_LIMIT if token else 60
        with self._log_lock:
            used = self._rate_used[key] = self._rate_used.get(key, 0) + 1
            self._request_ids += 1
            request_id = self._request_ids
        return {
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
            "x-github-request-id": f"FAKE:{request_id:05X}:{request_id * 7919:07X}:{id(self) & 0xFFFFFF:06X}",
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-reset": str(self._rate_reset),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": "core",
        }

    def handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        raw_path = parts.path
        method = handler.command
        body = handler.read_body()
        if raw_path.startswith("/_fake/") and not raw_path.startswith("/_fake/objects/"):
            self._control(handler, method, raw_path, parts.query, body)
            return
        if raw_path == self.graphql_path:
            area, path = "graphql", "/graphql"
        elif raw_path.startswith(UPLOADS_PREFIX + "/"):
            area, path = "uploads", raw_path[len(UPLOADS_PREFIX) :]
        elif _WEB.match(raw_path):
            area, path = "web", raw_path
        elif raw_path.startswith(self.api_prefix + "/"):
            area, path = "api", raw_path[len(self.api_prefix) :]
        else:
            area, path = "web", raw_path
        path = unquote(path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k: v for k, v in handler.headers.items()}
        lowered = {k.lower(): v for k, v in headers.items()}
        auth_scheme, token_value = _credentials(lowered.get("authorization"))
        log = dict(
            method=method,
            path=path,
            query=parts.query,
            area=area,
            auth=auth_scheme,
            user_agent=lowered.get("user-agent"),
            api_version=lowered.get("x-github-api-version"),
        )

        fault = self.faults.pick(method, path)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        # Each call is logged before the client can see its outcome, so a test that counts
        # calls right after one returns never races the server thread.
        if fault is not None and fault.drop == "before":
            self._record(LoggedRequest(**log, status=None, operation=None, fault=fault.id))
            handler.drop()
            return

        token = self.state.tokens.get(token_value) if token_value else None
        common = self._common_headers(token, handler.client_address[0])
        urls = self.urls(lowered.get("host"))
        operation = None
        if fault is not None and fault.status is not None:
            reply = _fault_reply(fault)
        elif area == "web":
            reply = self._web(method, path, query, urls)
        elif token_value and token is None:
            reply = _error(HttpError(401, "Bad credentials"))
        elif area == "graphql":
            operation = graphql.OPERATION
            if method != "POST":
                reply = _error(HttpError(404, "Not Found"))
            else:
                reply, violations = graphql.handle(self.state, urls, token, body)
                for violation in violations:
                    self._violation(f"{method} {path}: {violation}")
        else:
            matched = self.openapi.match(method, path, uploads=area == "uploads")
            if matched is None:
                self._violation(f"{method} {path}: no operation in the OpenAPI subset matches")
                reply = _error(HttpError(404, "Not Found"))
            else:
                op, params = matched
                operation = op.operation_id
                reply = self._api(op, params, path, method, query, headers, body, token, urls)
        if area == "uploads" and reply.status >= 400 and isinstance(reply.json, dict):
            # The uploads host names the request in its error bodies, as recorded traffic shows.
            reply.json = {**reply.json, "request_id": common["x-github-request-id"]}
            reply.raw = None
        reply.headers = {**common, **reply.headers}

        if method != "GET" and reply.status < 400 and area != "web":
            self.save()
        if fault is not None and fault.drop == "after":
            self._record(LoggedRequest(**log, status=None, operation=operation, fault=fault.id))
            handler.drop()
            return
        self._record(
            LoggedRequest(
                **log,
                status=reply.status,
                operation=operation,
                fault=fault.id if fault is not None else None,
            )
        )
        handler.reply(reply, truncate=fault is not None and fault.drop == "mid-body")

    def _api(
        self,
        op: Any,
        params: dict[str, str],
        path: str,
        method: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        token: Token | None,
        urls: Urls,
    ) -> Reply:
        check = self.openapi.check_request(op, path_params=params, query=query, body=body)
        where = f"{method} {path} ({op.operation_id})"
        if check.unparsable_body:
            self._violation(f"{where}: request body is not JSON")
            return _error(HttpError(400, "Problems parsing JSON"))
        if not check.ok:
            problems = check.problems + check.body_problems
            for problem in problems:
                self._violation(f"{where}: request {problem}")
            # GitHub's wording for a body its schema rejects.
            return _error(HttpError(422, "Invalid request.\n\n" + "\n".join(problems)))
        handler = routes.HANDLERS.get(op.operation_id)
        if handler is None:
            self._violation(f"{where}: the fake has no handler for this operation")
            return _error(HttpError(404, "Not Found"))
        ctx = Context(
            state=self.state,
            urls=urls,
            method=method,
            path=path,
            params=params,
            query=query,
            headers=headers,
            body=body,
            json=check.json_body,
            token=token,
        )
        try:
            with self.state.lock:
                reply = handler(ctx)
        except HttpError as error:
            reply = _error(error)
        except Exception as error:  # a bug in the fake must fail the test, not hang it
            detail = "".join(traceback.format_exception(error)[-3:]).strip()
            self._violation(f"{where}: the fake crashed: {detail}")
            return _error(HttpError(500, f"fake GitHub crashed: {type(error).__name__}: {error}"))
        if reply.json is not None:
            reply.raw = json.dumps(reply.json).encode()
        if self.validate:
            problems = self.openapi.check_response(
                op,
                status=reply.status,
                headers={"content-type": reply.content_type, **reply.headers},
                body=reply.raw or b"",
            )
            if problems:
                for problem in problems:
                    self._violation(f"{where}: response {reply.status} {problem}")
                return _error(
                    HttpError(
                        500,
                        f"fake GitHub: response {reply.status} to {where} breaks the OpenAPI "
                        "description: " + "; ".join(problems),
                    )
                )
        return reply

    def _web(self, method: str, path: str, query: dict[str, list[str]], urls: Urls) -> Reply:
        """The non-API side: raw files, release downloads, storage redirects' targets."""
        if method != "GET":
            return _error(HttpError(404, "Not Found"))
        parts = path.strip("/").split("/")
        with self.state.lock:
            if parts[:3] == ["_fake", "objects", "assets"] or parts[:3] == [
                "_fake",
                "objects",
                "artifacts",
            ]:
                return self._object(parts[2], parts[3] if len(parts) > 3 else "")
            if len(parts) < 4:
                return _error(HttpError(404, "Not Found"))
            repo = self.state.repos.get(f"{parts[0]}/{parts[1]}")
            if repo is None:
                return _error(HttpError(404, "Not Found"))
            kind = parts[2]
            if kind in ("blob", "raw") and len(parts) >= 5:
                ref, file_path = parts[3], "/".join(parts[4:])
                content = repo.file_at(ref, file_path)
                if content is None:
                    return _error(HttpError(404, "Not Found"))
                if kind == "blob" and query.get("raw", [""])[-1] != "true":
                    page = f"<html><body><pre>{file_path}</pre></body></html>".encode()
                    return Reply(raw=page, content_type="text/html; charset=utf-8")
                if kind == "blob":
                    location = f"{urls.server}/{repo.full_name}/raw/{ref}/{file_path}"
                    return Reply(
                        status=302, raw=b"", content_type="", headers={"Location": location}
                    )
                guessed = mimetypes.guess_type(file_path)[0] or "text/plain; charset=utf-8"
                return Reply(raw=content, content_type=guessed)
            if kind == "releases" and len(parts) >= 6 and parts[3] == "download":
                tag, name = parts[4], "/".join(parts[5:])
                for release in repo.releases.values():
                    if release.tag_name != tag or release.draft:
                        continue
                    for item in repo.assets.values():
                        if item.release_id == release.id and item.name == name:
                            location = f"{urls.server}/_fake/objects/assets/{item.id}?sig=fake"
                            return Reply(
                                status=302, raw=b"", content_type="", headers={"Location": location}
                            )
            return _error(HttpError(404, "Not Found"))

    def _object(self, kind: str, ident: str) -> Reply:
        for repo in self.state.repos.values():
            if kind == "assets" and ident.isdigit() and int(ident) in repo.assets:
                item = repo.assets[int(ident)]
                item.download_count += 1
                return Reply(
                    raw=item.data,
                    content_type=item.content_type,
                    headers={"Content-Disposition": f"attachment; filename={item.name}"},
                )
            if kind == "artifacts" and ident.isdigit() and int(ident) in repo.artifacts:
                artifact = repo.artifacts[int(ident)]
                return Reply(
                    raw=artifact.data,
                    content_type="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={artifact.name}.zip"},
                )
        return _error(HttpError(404, "Not Found"))

    # -- control API for an out-of-process fake ---------------------------------------------------

    def _control(self, handler: _Handler, method: str, path: str, query: str, body: bytes) -> None:
        try:
            reply = self._control_reply(method, path, parse_qs(query), body)
        except (ValueError, KeyError, TypeError) as error:
            reply = Reply(status=400, json={"message": f"{type(error).__name__}: {error}"})
        if reply.json is not None:
            reply.raw = json.dumps(reply.json, default=str).encode()
        handler.reply(reply, truncate=False)

    def _control_reply(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> Reply:
        route = (method, path.rstrip("/"))
        if route == ("GET", "/_fake/state"):
            return Reply(json=self.state.dump())
        if route == ("POST", "/_fake/seed"):
            self.state.seed(json.loads(body))
            self.save()
            return Reply(json={"ok": True})
        if route == ("GET", "/_fake/requests"):
            return Reply(json=[dataclasses.asdict(r) for r in self.calls()])
        if route == ("DELETE", "/_fake/requests"):
            self.clear_requests()
            return Reply(status=204)
        if route == ("GET", "/_fake/faults"):
            return Reply(json=[rule.describe() for rule in self.faults.rules])
        if route == ("POST", "/_fake/faults"):
            data = json.loads(body)
            rules = [
                self.faults.add(Fault.from_json(d))
                for d in (data if isinstance(data, list) else [data])
            ]
            return Reply(status=201, json=[rule.describe() for rule in rules])
        if route == ("DELETE", "/_fake/faults"):
            self.faults.clear()
            return Reply(status=204)
        if route == ("GET", "/_fake/validation-errors"):
            return Reply(json=list(self.validation_errors))
        if route == ("DELETE", "/_fake/validation-errors"):
            return Reply(json=self.take_validation_errors())
        parts = path.strip("/").split("/")
        # POST /_fake/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts?name=NAME, body: zip
        if method == "POST" and len(parts) == 8 and parts[1] == "repos" and parts[7] == "artifacts":
            repo = self.state.repo(f"{parts[2]}/{parts[3]}")
            artifact = self.state.add_artifact(
                repo, run_id=int(parts[6]), name=query["name"][-1], data=body
            )
            self.save()
            return Reply(status=201, json={"id": artifact.id, "name": artifact.name})
        return Reply(status=404, json={"message": f"no control route {method} {path}"})


def _credentials(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme in ("bearer", "token") and value.strip():
        return scheme, value.strip()
    return scheme or None, header  # a malformed header is an unknown credential: 401


def _error(error: HttpError) -> Reply:
    return Reply(status=error.status, json=error.body(), headers=error.headers)


def _fault_reply(fault: Fault) -> Reply:
    status = fault.status or 500
    headers = fault.response_headers()
    if fault.body is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        data: Any = {
            "message": phrase,
            "documentation_url": routes.DOCS,
            "status": str(status),
        }
        return Reply(status=status, json=data, raw=json.dumps(data).encode(), headers=headers)
    if isinstance(fault.body, str):
        return Reply(
            status=status, raw=fault.body.encode(), content_type="text/plain", headers=headers
        )
    return Reply(
        status=status, json=fault.body, raw=json.dumps(fault.body).encode(), headers=headers
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeGitHub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as GitHub; every reply has a Content-Length
    # Headers and body go out in two writes; with Nagle on, each keep-alive reply would wait
    # for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "GitHub.com"
    sys_version = ""
    server: _Server

    def do_GET(self) -> None:
        try:
            self.server.fake.handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout); nothing to answer
        except Exception as error:
            # A crash outside a route handler: fail the test rather than print and carry on.
            detail = "".join(traceback.format_exception(error)[-3:]).strip()
            self.server.fake._violation(f"{self.command} {self.path}: the fake crashed: {detail}")
            self.close_connection = True

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is the record; stderr stays quiet in tests

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def reply(self, reply: Reply, *, truncate: bool) -> None:
        body = reply.raw
        if body is None:
            body = json.dumps(reply.json).encode() if reply.json is not None else b""
        self.send_response(reply.status)
        if reply.content_type and body:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.drop()
            return
        self.wfile.write(body)
