"""GitHub transport: the Actions environment, workflow commands and a REST client.

No domain logic lives here; what modelci does on a pull request is in `modelci.pull_request`.
"""

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
from modelci.github.environment import ActionsEnvironment

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
]
