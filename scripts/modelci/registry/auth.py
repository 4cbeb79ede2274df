"""Registry credentials, and the parsing of `WWW-Authenticate` challenges.

Registries ask for credentials in one of two ways (distribution spec, "token authentication"):
- `Basic realm="…"`: send the username and password on every request (htpasswd registries);
- `Bearer realm="https://…/token",service="…",scope="repository:NAME:pull"`: exchange the
  username and password (or nothing, for anonymous pulls) at the realm for a short-lived token,
  then send `Authorization: Bearer TOKEN`. ghcr.io works this way and accepts a `GITHUB_TOKEN` as
  the password with any username.

    >>> parse_challenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/m:pull,push"')
    Challenge(scheme='bearer', params={'realm': 'https://ghcr.io/token', 'service': 'ghcr.io', 'scope': 'repository:o/m:pull,push'})
    >>> Credentials(username="me", password="s3cret")
    Credentials(username='me')
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from modelci.errors import UserError

DEFAULT_PASSWORD_ENV = "MODELCI_REGISTRY_PASSWORD"
USERNAME_ENV = "MODELCI_REGISTRY_USERNAME"
GHCR = "ghcr.io"
# ghcr.io ignores the username when the password is a GITHUB_TOKEN; any non-empty name works.
_GHCR_FALLBACK_USER = "modelci"

_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?')


@dataclasses.dataclass(frozen=True, kw_only=True)
class Credentials:
    """A username and password (or token) for one registry. The password is never in `repr`."""

    username: str
    password: str = dataclasses.field(repr=False)

    @classmethod
    def from_env(
        cls,
        registry_host: str,
        *,
        username: str | None = None,
        password_env: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Credentials | None:
        """Credentials for `registry_host` from the environment, or None for anonymous access.

        The password comes from the variable `password_env` names (default
        `MODELCI_REGISTRY_PASSWORD`; for ghcr.io, `GITHUB_TOKEN` when that is unset). The
        username is `username`, else `MODELCI_REGISTRY_USERNAME`, else (ghcr.io only)
        `GITHUB_ACTOR`. A named variable that is empty, or a username without a password, is
        a user error rather than a silent anonymous request.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        host = registry_host.strip().lower()
        ghcr = host == GHCR or host.startswith(GHCR + ":")
        variable = password_env or DEFAULT_PASSWORD_ENV
        password = get(variable)
        if password is None and password_env is None and ghcr:
            variable, password = "GITHUB_TOKEN", get("GITHUB_TOKEN")
        if password is None:
            if password_env is not None:
                raise UserError(
                    f"--password-env names {password_env}, which is not set or empty",
                    fix=f"Pass the secret to the step, e.g. env: {password_env}: "
                    "${{ secrets.NAME }}",
                )
            if username:
                raise UserError(
                    f"--username {username} is given but no password",
                    fix=f"Set {DEFAULT_PASSWORD_ENV} (or name another variable with "
                    "--password-env)",
                )
            return None
        user = username or get(USERNAME_ENV)
        if user is None and ghcr:
            user = get("GITHUB_ACTOR") or _GHCR_FALLBACK_USER
        if user is None:
            raise UserError(
                f"{variable} is set but no registry username is",
                fix=f"Pass --username or set {USERNAME_ENV}",
            )
        return cls(username=user, password=password)


@dataclasses.dataclass(frozen=True)
class Challenge:
    """One `WWW-Authenticate` challenge: the scheme (lowercase) and its parameters."""

    scheme: str
    params: dict[str, str]

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")


def parse_challenge(header: str | None) -> Challenge | None:
    """The first Basic or Bearer challenge in a `WWW-Authenticate` value, or None."""
    if not header:
        return None
    match = re.match(r"\s*([A-Za-z]+)\s*(.*)", header, re.DOTALL)
    if match is None:
        return None
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in ("basic", "bearer"):
        return None
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        found = _PARAM.match(rest, position)
        if found is None or found.end() == position:
            break
        quoted, bare = found.group(2), found.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
        params[found.group(1).lower()] = value
        position = found.end()
    return Challenge(scheme=scheme, params=params)
