"""The GitHub options every GitHub-facing command shares, and the one way to build its client.

`add_github_options` declares `--repo`, `--api-url` and `--token-env` once; `GitHubContext` is
what such a command runs with (its arguments, the Actions environment with the options applied,
stdout, and a client a test hands in), and `GitHubContext.session()` (over `github_session`)
yields the `GitHub` client and closes it. Domain code never builds a client: it receives the one
the session yields, so tests hand in a client for the fake GitHub at the transport boundary.

Only the standard library is imported at module level: `modelci --help` loads every command.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from modelci.github import ActionsEnvironment, GitHub


def add_github_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("GitHub")
    group.add_argument(
        "--repo", metavar="OWNER/REPO", help="repository (default: $GITHUB_REPOSITORY)"
    )
    group.add_argument(
        "--api-url",
        metavar="URL",
        help="REST API root, e.g. https://ghe.example/api/v3 (default: $GITHUB_API_URL, "
        "else https://api.github.com)",
    )
    group.add_argument(
        "--token-env",
        metavar="NAME",
        default="GITHUB_TOKEN",
        help="environment variable holding the token (default: GITHUB_TOKEN)",
    )


def github_environment(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> ActionsEnvironment:
    """The Actions environment (`environ`, default the process's) with the options applied."""
    from modelci.errors import UserError
    from modelci.github import ActionsEnvironment

    env = ActionsEnvironment.from_env(environ, token_var=args.token_env)
    if args.repo is not None:
        from modelci.release.remote import parse_repository

        env = dataclasses.replace(env, repository="/".join(parse_repository(args.repo)))
    if args.api_url is not None:
        url = args.api_url.strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise UserError(
                f"--api-url must be an http(s) URL, got {args.api_url!r}",
                fix="e.g. --api-url https://ghe.example/api/v3",
            )
        env = dataclasses.replace(env, api_url=url)
    return env


@dataclasses.dataclass(frozen=True, kw_only=True)
class GitHubContext:
    """What a GitHub-facing command runs with; tests build one around a fake's client."""

    args: argparse.Namespace
    env: ActionsEnvironment
    out: TextIO
    client: GitHub | None = None  # None: `session` builds one from `env`

    @classmethod
    def of(
        cls,
        args: argparse.Namespace,
        *,
        environ: Mapping[str, str] | None = None,
        client: GitHub | None = None,
        out: TextIO | None = None,
    ) -> GitHubContext:
        """The context of this process (or of `environ`), the options in `args` applied."""
        return cls(
            args=args, env=github_environment(args, environ), out=out or sys.stdout, client=client
        )

    def session(self, *, fix: str | None = None) -> contextlib.AbstractContextManager[GitHub]:
        return github_session(self.env, self.client, token_env=self.args.token_env, fix=fix)


@contextlib.contextmanager
def github_session(
    env: ActionsEnvironment,
    client: GitHub | None = None,
    *,
    token_env: str = "GITHUB_TOKEN",
    fix: str | None = None,
) -> Iterator[GitHub]:
    """The client for `env`, closed on exit; `client` when given (its owner closes it).

    Without a token in `$token_env` this refuses before any request, in one line; `fix` says
    what else the command could do instead.
    """
    from modelci.errors import UserError
    from modelci.github import GitHub

    if client is not None:
        yield client
        return
    if not env.token:
        raise UserError(
            f"no GitHub token in ${token_env}",
            fix=fix
            or f"Pass the workflow's token to the step (env: {token_env}: ${{{{ github.token }}}})",
        )
    with GitHub.from_environment(env) as github:
        yield github
