"""pytest fixtures for the registry tests. Enable with `pytest_plugins = ["tests.registry_fixture"]`.

- `registry`: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1, anonymous,
  session-wide (give each test its own repository name);
- `registry_basic`: another with htpasswd basic auth, user `BASIC_USER` / `BASIC_PASSWORD`;
- `registry_proxy`: a `FaultProxy` in front of `registry` (new per test), which counts the blob
  bytes uploaded through it and can drop one upload's connection midway;
- `skopeo(*args)`: runs skopeo (TLS verification off: these registries speak plain HTTP);
- `fake_registry`: an in-memory registry with ghcr.io-style bearer-token auth (`FakeRegistry`).

The real-registry fixtures skip, with the reason, when docker-registry, skopeo or htpasswd is
missing (`bash .ci/install-system-tools.sh` installs them).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.fakes.registry import FakeRegistry
from tests.registry_support import (
    BASIC_PASSWORD,
    BASIC_USER,
    FaultProxy,
    LocalRegistry,
    missing_tools,
)


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    reason = missing_tools("docker-registry", "skopeo")
    if reason:
        pytest.skip(reason)
    started = LocalRegistry(tmp_path_factory.mktemp("registry"))
    yield started
    started.stop()


@pytest.fixture(scope="session")
def registry_basic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    reason = missing_tools("docker-registry", "skopeo", "htpasswd")
    if reason:
        pytest.skip(reason)
    line = subprocess.run(
        ["htpasswd", "-Bbn", BASIC_USER, BASIC_PASSWORD],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    started = LocalRegistry(tmp_path_factory.mktemp("registry-basic"), htpasswd=line)
    yield started
    started.stop()


@pytest.fixture
def registry_proxy(registry: LocalRegistry) -> Iterator[FaultProxy]:
    proxy = FaultProxy(registry.host)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def skopeo() -> Callable[..., Any]:
    """skopeo with TLS verification off; parses JSON output when there is some."""

    def call(*args: str, check: bool = True) -> Any:
        command, rest = args[0], list(args[1:])
        done = subprocess.run(
            ["skopeo", command, "--tls-verify=false", *rest],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"skopeo {' '.join(args)} failed: {done.stderr.strip()}")
        text = done.stdout.strip()
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    return call


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistry]:
    fake = FakeRegistry()
    yield fake
    fake.close()
