"""Semantic versions, exactly as semver.org 2.0.0 defines them: grammar and precedence.

One grammar for every place that reads a version from a tag (release tags, registry tags), so
they cannot disagree about what is a version. Conventions around a version (a leading `v`, a
`NAME@` prefix) belong to the callers; `parse_v` reads the common `v` prefix.

>>> version = parse("1.4.0-rc.2+build.7")
>>> version.core, version.pre, version.build, str(version)
('1.4.0', ('rc', '2'), ('build', '7'), '1.4.0-rc.2+build.7')
>>> parse("1.2.3-rc.01") is None  # a numeric identifier has no leading zero
True
>>> parse("1.2.3-rc.01a").pre  # an alphanumeric one may start with 0
('rc', '01a')
>>> sorted([parse("1.0.0"), parse("1.0.0-rc.1"), parse("1.0.0-beta.11"), parse("1.0.0-beta.2")])
[Version('1.0.0-beta.2'), Version('1.0.0-beta.11'), Version('1.0.0-rc.1'), Version('1.0.0')]
>>> parse("1.0.0+a") == parse("1.0.0+b")  # build metadata does not take part in precedence
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

# semver.org's own regular expression (section "Is there a suggested regular expression"),
# spelled with [0-9] because Python's \d also matches non-ASCII digits.
_NUMBER = r"0|[1-9][0-9]*"
_PRE_IDENTIFIER = rf"(?:{_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_IDENTIFIER = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_PRE_IDENTIFIER}(?:\.{_PRE_IDENTIFIER})*))?"
    rf"(?:\+(?P<build>{_BUILD_IDENTIFIER}(?:\.{_BUILD_IDENTIFIER})*))?"
)


@functools.total_ordering
@dataclass(frozen=True, kw_only=True)
class Version:
    """A semantic version; ordering and equality are semver precedence (build ignored)."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = field(default=(), compare=False)

    @property
    def prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def core(self) -> str:
        """MAJOR.MINOR.PATCH, without prerelease or build."""
        return f"{self.major}.{self.minor}.{self.patch}"

    def __str__(self) -> str:
        text = self.core
        if self.pre:
            text += "-" + ".".join(self.pre)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"Version({str(self)!r})"

    def precedence(self) -> tuple[Any, ...]:
        """A sort key: numeric identifiers sort numerically and before alphanumeric ones, and a
        release sorts after all of its prereleases (semver 2.0.0, section 11)."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.precedence() < other.precedence()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.precedence() == other.precedence()

    def __hash__(self) -> int:
        return hash(self.precedence())


def parse(text: str) -> Version | None:
    """The version `text` spells, or None when it is not a semantic version.

    >>> parse("1.2"), parse("01.2.3"), parse("1.2.3-"), parse("1.2.3-rc..1"), parse("v1.2.3")
    (None, None, None, None, None)
    """
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    return Version(
        major=int(match["major"]),
        minor=int(match["minor"]),
        patch=int(match["patch"]),
        pre=tuple(match["pre"].split(".")) if match["pre"] else (),
        build=tuple(match["build"].split(".")) if match["build"] else (),
    )


def parse_v(text: str) -> Version | None:
    """Like `parse`, also accepting one lowercase `v` in front, as tags usually carry it.

    >>> parse_v("v1.2.3"), parse_v("1.2.3"), parse_v("V1.2.3"), parse_v("vv1.2.3")
    (Version('1.2.3'), Version('1.2.3'), None, None)
    """
    return parse(text.removeprefix("v"))
