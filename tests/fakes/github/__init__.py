"""A fake GitHub for tests: stateful, validated against GitHub's OpenAPI description, with faults.

    from tests.fakes.github import FakeGitHub

    with FakeGitHub() as fake:
        fake.add_token("t0k3n", login="github-actions[bot]")
        repo = fake.state.add_repo("octo/demo")
        fake.state.add_pull(repo, number=1)
        fake.faults.add(path="/repos/*/*/issues/*/comments", status=502, times=2)
        ...  # point a client at fake.api_url with token "t0k3n"
        fake.check()  # raises on any OpenAPI violation

See README.md for the fixtures, the command line and the control API.
"""

from __future__ import annotations

from tests.fakes.github.faults import Fault, Faults
from tests.fakes.github.server import FakeGitHub, LoggedRequest, ValidationFailures
from tests.fakes.github.state import State

__all__ = ["FakeGitHub", "Fault", "Faults", "LoggedRequest", "State", "ValidationFailures"]
