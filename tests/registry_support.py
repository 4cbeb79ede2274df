"""Helpers for the registry tests: a real OCI registry on 127.0.0.1 (Debian's `docker-registry`,
CNCF distribution 2.8), a fault-injecting HTTP proxy to put in front of it, and a run
directory made without training. The fixtures built on them are in `tests.registry_fixture`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.fakes.loopback import serve

BASIC_USER = "ci"
BASIC_PASSWORD = "registry-s3cret"
REGISTRY_BINARY = "/usr/bin/docker-registry"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def make_run_dir(
    path: Path, *, model: bytes | None = None, name: str = "churn", plots: int = 2
) -> Path:
    """A run directory as `modelci train` + `evaluate` leave it, without training anything:
    a model file of arbitrary bytes (its sha256 recorded in run.json), metrics, evaluation,
    predictions and plots. Publishing never loads the model, so this is all it needs."""
    import hashlib

    model = model if model is not None else bytes(range(256)) * 400
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.skops").write_bytes(model)
    run = {
        "schema": "modelci.run/1",
        "modelci_version": "0.1.0",
        "created": "2026-11-27T13:40:00Z",
        "name": name,
        "task": "classification",
        "target": "churned",
        "config": {"name": name, "card": {"description": "Predicts churn.", "license": "MIT"}},
        "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {}},
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False},
        "model": {
            "file": "model.skops",
            "sha256": hashlib.sha256(model).hexdigest(),
            "size_bytes": len(model),
        },
    }
    (path / "run.json").write_text(json.dumps(run, indent=2))
    (path / "metrics.json").write_text(json.dumps({"roc_auc": 0.91, "accuracy": 0.88}))
    (path / "evaluation.json").write_text(json.dumps({"schema": "modelci.evaluation/1"}))
    (path / "predictions.csv").write_text("row_id,y_true,y_pred\n0,1,1\n1,0,1\n")
    (path / "plots").mkdir(exist_ok=True)
    for index in range(plots):
        (path / "plots" / f"plot{index}.png").write_bytes(
            b"\x89PNG\r\n\x1a\n" + bytes([index]) * 64
        )
    return path


def missing_tools(*tools: str) -> str | None:
    for tool in tools:
        found = Path(REGISTRY_BINARY).exists() if tool == "docker-registry" else shutil.which(tool)
        if not found:
            return f"{tool} is not installed (bash .ci/install-system-tools.sh installs it)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalRegistry:
    """`docker-registry serve` with its own config and storage under `root`."""

    def __init__(self, root: Path, *, htpasswd: str | None = None):
        self.root = root
        self.storage = root / "storage"
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        auth = ""
        if htpasswd is not None:
            (root / "htpasswd").write_text(htpasswd)
            auth = f"auth:\n  htpasswd:\n    realm: modelci-test\n    path: {root / 'htpasswd'}\n"
        (root / "config.yml").write_text(
            "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.storage}\n"
            "  delete:\n    enabled: true\n"
            "  maintenance:\n    uploadpurging:\n      enabled: false\n"
            f"http:\n  addr: {self.host}\n  secret: modelci-test-secret\n" + auth
        )
        self._log = (root / "registry.log").open("wb")
        self.process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(root / "config.yml")],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"docker-registry exited: {(self.root / 'registry.log').read_text()[-2000:]}"
                )
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection(self.host, timeout=1)
                connection.request("GET", "/v2/")
                status = connection.getresponse().status
                connection.close()
                if status in (200, 401):
                    return
            time.sleep(0.05)
        raise RuntimeError("docker-registry did not start within 15 s")

    def upload_sessions(self) -> int:
        """Upload sessions the registry still holds (abandoned ones are left here)."""
        return sum(1 for _ in self.storage.rglob("_uploads/*"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of a registry.

    It forwards every request as is (the Host header too, so the registry's Location URLs
    point back at the proxy), counts the body bytes of blob uploads (PATCH/PUT under
    /blobs/uploads/) in `upload_bytes`, and with `drop_upload_after(n)` cuts the connection
    of the next blob upload after `n` body bytes, without answering.
    """

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.upload_bytes = 0
        self.upload_requests = 0
        self.drops = 0
        self.log: list[tuple[str, str, int | None]] = []
        self._drop_after: int | None = None
        self._lock = threading.Lock()
        # Late-bound, so a test can wrap _handle on a running server.
        self.server, self.host = serve(lambda handler: self._handle(handler))

    def drop_upload_after(self, n: int) -> None:
        with self._lock:
            self._drop_after = n

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method, path = handler.command, handler.path
        length = int(handler.headers.get("Content-Length") or 0)
        assert "chunked" not in (handler.headers.get("Transfer-Encoding") or ""), "unsupported"
        upload = method in ("PATCH", "PUT") and "/blobs/uploads/" in path and length > 0
        drop_after = None
        if upload:
            with self._lock:
                self.upload_requests += 1
                drop_after, self._drop_after = self._drop_after, None
        upstream = http.client.HTTPConnection(self.upstream, timeout=30)
        upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in handler.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                upstream.putheader(key, value)
        upstream.endheaders()
        remaining = length
        while remaining > 0:
            chunk = handler.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            if drop_after is not None and length - remaining + len(chunk) >= drop_after:
                # Cut both sides mid-body; the client sees its connection dropped.
                with self._lock:
                    self.drops += 1
                    self.log.append((method, path, None))
                upstream.close()
                handler.close_connection = True
                with contextlib.suppress(OSError):
                    handler.connection.shutdown(socket.SHUT_RDWR)
                return
            upstream.send(chunk)
            remaining -= len(chunk)
            if upload:
                with self._lock:
                    self.upload_bytes += len(chunk)
        response = upstream.getresponse()
        body = response.read()
        upstream.close()
        with self._lock:
            self.log.append((method, path, response.status))
        handler.send_response_only(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP and (
                key.lower() != "content-length" or method == "HEAD"
            ):
                handler.send_header(key, value)
        if method != "HEAD":
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(body)
