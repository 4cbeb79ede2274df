"""pytest fixtures for the fake GitHub. Enable with `pytest_plugins = ["tests.fakes.github.pytest_plugin"]`.

- `fake_github`: a started fake, github.com style, seeded by `world.seed_default`: `REPO` with
  pull request #1 open, a write token `TOKEN` and a read-only `READ_ONLY_TOKEN` (a fork PR's
  GITHUB_TOKEN); import those names from `tests.fakes.github.world`;
- `fake_ghes`: the same, GitHub Enterprise Server style (API under /api/v3);
- `fake_github_factory(**kwargs)`: more fakes, with any `FakeGitHub` arguments, unseeded;
- `github_client`: a `modelci.github.GitHub` for `fake_github`, with `TOKEN` and no real sleeps.

Every fake is stopped at teardown, and any OpenAPI violation it saw then fails the test (wrap
deliberate ones in `with fake.expect_validation_errors():`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.fakes.github.server import FakeGitHub
from tests.fakes.github.world import TOKEN, seed_default


@pytest.fixture
def fake_github_factory() -> Iterator[Callable[..., FakeGitHub]]:
    fakes: list[FakeGitHub] = []

    def make(**kwargs: Any) -> FakeGitHub:
        fake = FakeGitHub(**kwargs).start()
        fakes.append(fake)
        return fake

    yield make
    for fake in fakes:
        fake.stop()
    for fake in fakes:
        fake.check()


@pytest.fixture
def fake_github(fake_github_factory: Callable[..., FakeGitHub]) -> FakeGitHub:
    fake = fake_github_factory()
    seed_default(fake)
    return fake


@pytest.fixture
def fake_ghes(fake_github_factory: Callable[..., FakeGitHub]) -> FakeGitHub:
    fake = fake_github_factory(api_prefix="/api/v3")
    seed_default(fake)
    return fake


@pytest.fixture
def github_client(fake_github: FakeGitHub) -> Iterator[Any]:
    from tests.retry_support import github_retry, silent

    from modelci.github import GitHub

    with GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry(log=silent)) as client:
        yield client
