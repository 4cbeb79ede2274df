"""Exit codes and the exceptions that map to them.

Every failure a user can cause or meet is raised as one of these; `cli.main` turns it into one
clear line on stderr and the matching exit code, never a traceback.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    GATE_FAILED = 1
    USER_ERROR = 2
    EXTERNAL_ERROR = 3


class ModelciError(Exception):
    """Base class; `exit_code` says how the CLI ends."""

    exit_code: ExitCode = ExitCode.USER_ERROR

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None):
        self.message = message
        self.where = where
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """One line: where: what. fix."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text = f"{text.rstrip('.')}. {self.fix}"
        return text


class UserError(ModelciError):
    """Bad input: config, data, paths, arguments. Exit 2."""

    exit_code = ExitCode.USER_ERROR


class ExternalError(ModelciError):
    """A service (GitHub, a registry) failed or refused after retries. Exit 3."""

    exit_code = ExitCode.EXTERNAL_ERROR


class GateFailed(ModelciError):
    """A quality gate failed; raised after every output was written. Exit 1."""

    exit_code = ExitCode.GATE_FAILED
