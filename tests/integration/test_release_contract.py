"""Contract: the release code against real GitHub traffic, recorded by @octokit/fixtures.

A replay server on 127.0.0.1 serves the recorded responses of `release-assets` and
`release-assets-conflict` (tests/fakes/github/fixtures/) in order, and checks that each request
modelci sends is the recorded one: method, host (API or uploads), path, query, body, and the
headers that matter (content type and length of an upload, a token). Differences allowed, and
why: `per_page=100` on a listing (modelci always pages), `Bearer` instead of octokit's `token`
scheme and `application/vnd.github+json` instead of the older `…v3+json` (GitHub accepts both).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.retry_support import github_retry, silent

from modelci.github import GitHub
from modelci.release.contents import AssetFile
from modelci.release.remote import RepoReleases

FIXTURES = Path(__file__).resolve().parents[1] / "fakes" / "github" / "fixtures"
HOSTS = {"https://api.github.com:443": "/api", "https://uploads.github.com:443": "/uploads"}


class Replay:
    """Recorded exchanges served in order; every way a request differs is kept in `problems`."""

    def __init__(self, exchanges: list[dict[str, Any]]):
        self.exchanges = exchanges
        self.served = 0
        self.problems: list[str] = []
        self._lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                replay.answer(self)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            if self.served >= len(self.exchanges):
                self.problems.append(f"unexpected {handler.command} {handler.path}")
                return self._send(handler, 400, {"message": "not in the recording"})
            index, exchange = self.served, self.exchanges[self.served]
            self.served += 1
        where = f"exchange {index} ({exchange['method'].upper()} {exchange['path']})"
        problems = self._compare(handler, body, exchange)
        self.problems += [f"{where}: {p}" for p in problems]
        if problems:  # 400 is never retried, so the client stops here
            return self._send(handler, 400, {"message": "; ".join(problems)})
        self._send(handler, exchange["status"], exchange["response"])

    def _compare(
        self, handler: BaseHTTPRequestHandler, body: bytes, exchange: dict[str, Any]
    ) -> list[str]:
        problems = []
        sent, recorded = urlsplit(handler.path), urlsplit(exchange["path"])
        prefix = HOSTS[exchange["scope"]]
        if handler.command != exchange["method"].upper():
            problems.append(f"method {handler.command}")
        if sent.path != prefix + recorded.path:
            problems.append(f"path {sent.path}")
        query = parse_qs(sent.query)
        if handler.command == "GET":
            query.pop("per_page", None)
        if query != parse_qs(recorded.query):
            problems.append(f"query {sent.query!r}")
        expected = exchange.get("body") or ""
        if isinstance(expected, dict):
            if not body or json.loads(body) != expected:
                problems.append(f"JSON body {body[:200]!r}")
        elif body != expected.encode():
            problems.append(f"body {body[:200]!r}")
        wanted = {k.lower(): str(v) for k, v in exchange["reqheaders"].items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        for name in ("content-type", "content-length"):
            if name in wanted and headers.get(name, "").split(";")[0] != wanted[name].split(";")[0]:
                problems.append(f"{name} {headers.get(name)!r}, recorded {wanted[name]!r}")
        token = wanted["authorization"].split()[-1]
        if headers.get("authorization") != f"Bearer {token}":
            problems.append("no token, or another one")
        if headers.get("accept") not in ("application/vnd.github+json", wanted.get("accept")):
            problems.append(f"accept {headers.get('accept')!r}")
        return problems

    def _send(self, handler: BaseHTTPRequestHandler, status: int, response: Any) -> None:
        if response in ("", None):
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        text = json.dumps(response)
        for origin, prefix in HOSTS.items():  # links point back at the replay
            text = text.replace(origin.removesuffix(":443"), self.base + prefix)
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


@pytest.fixture
def replay() -> Iterator[Any]:
    started: list[Replay] = []

    def start(scenario: str, *, first: int | None = None) -> Replay:
        exchanges = json.loads((FIXTURES / f"{scenario}.json").read_text())
        server = Replay(exchanges[:first])
        server.thread.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.server.shutdown()
        server.server.server_close()


def client(server: Replay) -> GitHub:
    token = server.exchanges[0]["reqheaders"]["authorization"].split()[-1]
    return GitHub(api_url=f"{server.base}/api", token=token, retry=github_retry(log=silent))


HELLO = AssetFile.from_bytes("test-upload.txt", b"Hello, world!\n", "text/plain")


def test_upload_replays_the_recorded_release_assets_exchange(replay: Any) -> None:
    # modelci uses the first three exchanges (find the release, upload, list the assets); the
    # recording goes on to rename the asset, which modelci never does.
    server = replay("release-assets", first=3)
    with client(server) as github:
        releases = RepoReleases(github, "octokit-fixture-org", "release-assets")
        release = releases.by_tag("v1.0.0")
        assert release is not None and release["upload_url"].startswith(server.base + "/uploads/")
        asset = releases.upload(release, HELLO, label="test")
        listed = releases.assets(int(release["id"]))
    assert server.problems == []
    assert server.served == 3
    assert asset["name"] == "test-upload.txt" and asset["content_type"] == "text/plain"
    assert [a["id"] for a in listed] == [asset["id"]]


def test_upload_replaces_an_existing_asset_as_recorded(replay: Any) -> None:
    # 422 already_exists → list the assets → delete the old one → upload again.
    server = replay("release-assets-conflict")
    with client(server) as github:
        releases = RepoReleases(github, "octokit-fixture-org", "release-assets-conflict")
        release = releases.by_tag("v1.0.0")
        assert release is not None
        asset = releases.upload(release, HELLO, label="test")
    assert server.problems == []
    assert server.served == len(server.exchanges) == 5
    assert asset["id"] == 1001  # the new upload, not the deleted one


def test_the_replay_notices_a_different_request(replay: Any) -> None:
    server = replay("release-assets-conflict", first=2)
    with client(server) as github:
        releases = RepoReleases(github, "octokit-fixture-org", "release-assets-conflict")
        release = releases.by_tag("v1.0.0")
        assert release is not None
        other = AssetFile.from_bytes("test-upload.txt", b"Goodbye\n", "text/plain")
        with pytest.raises(Exception, match="400"):
            releases.upload(release, other, label="test")
    assert any("body" in p and "content-length" in p for p in [" ".join(server.problems)])
