"""GitHub transport: the Actions environment and a REST client. No domain logic lives here."""

from __future__ import annotations

from modelci.github.client import (
    Conflict,
    Forbidden,
    GitHub,
    GitHubError,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from modelci.github.environment import ActionsEnvironment, append_step_summary, set_outputs

__all__ = [
    "ActionsEnvironment",
    "Conflict",
    "Forbidden",
    "GitHub",
    "GitHubError",
    "NotFound",
    "RateLimited",
    "Unauthorized",
    "Unprocessable",
    "append_step_summary",
    "set_outputs",
]
