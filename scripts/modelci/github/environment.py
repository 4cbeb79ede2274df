"""The GitHub Actions environment, read once into one typed object.

`ActionsEnvironment.from_env()` reads the variables the runner sets for every step; nothing else in
modelci reads `os.environ` for them. It works unchanged on GitHub Enterprise Server, where the
runner sets `GITHUB_API_URL=https://ghe.example/api/v3`.

    >>> env = ActionsEnvironment.from_env({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r"})
    >>> env
    ActionsEnvironment(api_url='https://api.github.com', server_url='https://github.com', repository='o/r', event_name=None, event_path=None, sha=None, run_id=None, run_attempt=None, step_summary=None, output=None)
    >>> ActionsEnvironment.from_env({"GITHUB_API_URL": "https://ghe.example/api/v3"}).uploads_url
    'https://ghe.example/api/uploads'
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from modelci.errors import UserError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ActionsEnvironment:
    """What a workflow step knows about its run. The token never appears in `repr`."""

    token: str | None = dataclasses.field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    repository: str | None = None  # "owner/name"
    event_name: str | None = None
    event_path: Path | None = None
    sha: str | None = None
    run_id: int | None = None
    run_attempt: int | None = None
    step_summary: Path | None = None
    output: Path | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, token_var: str = "GITHUB_TOKEN"
    ) -> ActionsEnvironment:
        """Read the standard Actions variables; `token_var` names the one holding the token.

        Unset and empty variables alike become None (the runner sets some to "" outside their
        context), so a local run outside Actions gets a usable object with the defaults.
        """
        source = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = source.get(name, "").strip()
            return value or None

        def path(name: str) -> Path | None:
            value = get(name)
            return Path(value) if value else None

        def number(name: str) -> int | None:
            value = get(name)
            if value is None:
                return None
            try:
                return int(value)
            except ValueError:
                raise UserError(
                    f"{name} must be a whole number, got {value!r}",
                    fix="Unset it, or run inside GitHub Actions, which sets it.",
                ) from None

        return cls(
            token=get(token_var),
            api_url=(get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            server_url=(get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            repository=get("GITHUB_REPOSITORY"),
            event_name=get("GITHUB_EVENT_NAME"),
            event_path=path("GITHUB_EVENT_PATH"),
            sha=get("GITHUB_SHA"),
            run_id=number("GITHUB_RUN_ID"),
            run_attempt=number("GITHUB_RUN_ATTEMPT"),
            step_summary=path("GITHUB_STEP_SUMMARY"),
            output=path("GITHUB_OUTPUT"),
        )

    @property
    def uploads_url(self) -> str:
        """Where release assets go: uploads.github.com, or GHES's `/api/uploads`.

        The `upload_url` in a release's JSON is the authority; this is for building one by hand.
        """
        parts = urlsplit(self.api_url)
        if parts.path.rstrip("/").endswith("/api/v3"):
            return self.api_url.rstrip("/")[: -len("/api/v3")] + "/api/uploads"
        if parts.netloc.startswith("api."):
            return urlunsplit((parts.scheme, "uploads." + parts.netloc[4:], "", "", ""))
        return self.server_url + "/api/uploads"

    @property
    def owner(self) -> str:
        return self.require_repository()[0]

    @property
    def repo(self) -> str:
        return self.require_repository()[1]

    def require_repository(self) -> tuple[str, str]:
        owner, _, name = (self.repository or "").partition("/")
        if not owner or not name or "/" in name:
            raise UserError(
                f"GITHUB_REPOSITORY must look like 'owner/name', got {self.repository!r}",
                fix="Run inside GitHub Actions, or set GITHUB_REPOSITORY.",
            )
        return owner, name

    def require_token(self) -> str:
        if not self.token:
            raise UserError(
                "no GitHub token",
                fix="Pass the workflow's token to the step, e.g. env: GITHUB_TOKEN: ${{ github.token }}.",
            )
        return self.token

    @functools.cached_property
    def event(self) -> dict[str, Any]:
        """The webhook payload of the triggering event; {} outside Actions. Read on first use."""
        if self.event_path is None:
            return {}
        try:
            data = json.loads(self.event_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(
                f"GITHUB_EVENT_PATH points at {self.event_path}, which does not exist"
            ) from None
        except ValueError as error:
            raise UserError(f"{self.event_path} is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise UserError(f"{self.event_path} must hold a JSON object")
        return data
