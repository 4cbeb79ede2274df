"""The standard world the fixtures seed: one repository, one open pull request, two tokens.

Kept apart from the pytest plugin so tests can import these names without importing the plugin
module early (pytest must import it first to rewrite its asserts).
"""

from __future__ import annotations

from tests.fakes.github.server import FakeGitHub

TOKEN = "ghs_fakeWriteToken0000000000000000000001"
READ_ONLY_TOKEN = "ghs_fakeReadOnlyToken00000000000000000002"  # a fork PR's GITHUB_TOKEN
BOT = "github-actions[bot]"
REPO = "octo-org/demo"


def seed_default(fake: FakeGitHub) -> None:
    fake.add_token(TOKEN, login=BOT)
    fake.add_token(READ_ONLY_TOKEN, login=BOT, permissions="read")
    repo = fake.state.add_repo(REPO)
    fake.state.add_pull(repo, number=1, head="feature", title="Improve the model")
