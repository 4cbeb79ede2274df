"""modelci.semver: the one SemVer 2.0.0 grammar, and its two users agreeing on it."""

from __future__ import annotations

import doctest

import pytest

from modelci import semver
from modelci.registry.reference import version_of
from modelci.release.tags import try_parse


def test_doctests() -> None:
    assert doctest.testmod(semver).failed == 0


# semver.org's own lists of valid and invalid versions (from its regex test cases).
VALID = [
    "0.0.4",
    "1.2.3",
    "10.20.30",
    "1.1.2-prerelease+meta",
    "1.1.2+meta",
    "1.1.2+meta-valid",
    "1.0.0-alpha",
    "1.0.0-beta",
    "1.0.0-alpha.beta",
    "1.0.0-alpha.beta.1",
    "1.0.0-alpha.1",
    "1.0.0-alpha0.valid",
    "1.0.0-alpha.0valid",
    "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
    "1.0.0-rc.1+build.1",
    "2.0.0-rc.1+build.123",
    "1.2.3-beta",
    "10.2.3-DEV-SNAPSHOT",
    "1.2.3-SNAPSHOT-123",
    "2.0.0+build.1848",
    "2.0.1-alpha.1227",
    "1.0.0-alpha+beta",
    "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
    "1.2.3----R-S.12.9.1--.12+meta",
    "1.2.3----RC-SNAPSHOT.12.9.1--.12",
    "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
    "1.0.0-0A.is.legal",
]
INVALID = [
    "1",
    "1.2",
    "1.2.3-0123",
    "1.2.3-0123.0123",
    "1.1.2+.123",
    "+invalid",
    "-invalid",
    "-invalid+invalid",
    "-invalid.01",
    "alpha",
    "alpha.beta",
    "alpha.beta.1",
    "alpha.1",
    "alpha+beta",
    "alpha_beta",
    "alpha.",
    "alpha..",
    "beta",
    "1.0.0-alpha_beta",
    "-alpha.",
    "1.0.0-alpha..",
    "1.0.0-alpha..1",
    "1.0.0-alpha...1",
    "1.0.0-alpha....1",
    "1.0.0-alpha.....1",
    "1.0.0-alpha......1",
    "1.0.0-alpha.......1",
    "01.1.1",
    "1.01.1",
    "1.1.01",
    "1.2",
    "1.2.3.DEV",
    "1.2-SNAPSHOT",
    "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
    "1.2-RC-SNAPSHOT",
    "-1.0.3-gamma+b7718",
    "+justmeta",
    "9.8.7+meta+meta",
    "9.8.7-whatever+meta+meta",
    "1.0.0-rc.01",
    "1.2.3\n",
    "１.２.３",  # fullwidth digits: Python's \d would take them
]


@pytest.mark.parametrize("text", VALID)
def test_valid_versions_parse_and_print_back(text: str) -> None:
    version = semver.parse(text)
    assert version is not None and str(version) == text


@pytest.mark.parametrize("text", INVALID)
def test_invalid_versions_are_refused(text: str) -> None:
    assert semver.parse(text) is None


def test_precedence_follows_section_11() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
        "10.0.0",
    ]
    versions = [semver.parse(text) for text in ordered]
    assert sorted(reversed(versions)) == versions  # type: ignore[type-var]
    assert semver.parse("1.0.0+build.1") == semver.parse("1.0.0")
    assert len({semver.parse("1.0.0+a"), semver.parse("1.0.0+b")}) == 1


@pytest.mark.parametrize(
    "text",
    [
        "v1.2.3",
        "v1.2.3-rc.1",
        "v1.2.3-rc.01",  # the two used to disagree here: the registry took it as a version
        "v1.2.3-rc.01a",
        "v1.2.3-0",
        "v1.2.3-00",
        "v01.2.3",
        "v1.2.3-",
        "v1.2.3-rc..1",
        "v1.2.3+build.1",
        "v1.2",
        "vv1.2.3",
        "v１.２.３",
    ],
)
def test_release_tags_and_registry_tags_agree_on_what_is_a_version(text: str) -> None:
    # The registry drops the `v` of exactly the tags it treats as versions.
    treated_as_version_by_registry = version_of(text) != text
    assert treated_as_version_by_registry == (try_parse(text) is not None)
    assert treated_as_version_by_registry == (semver.parse_v(text) is not None)
