"""The release tag grammar and the choices made from a repository's releases."""

from __future__ import annotations

import pytest

from modelci.errors import UserError
from modelci.release import tags
from modelci.release.tags import latest_release, make_latest, parse_tag, previous_release


@pytest.mark.parametrize(
    ("text", "name", "version", "prerelease"),
    [
        ("v1.2.3", None, "1.2.3", False),
        ("1.2.3", None, "1.2.3", False),
        ("v0.0.0", None, "0.0.0", False),
        ("v1.2.3-rc.1", None, "1.2.3-rc.1", True),
        ("1.0.0-alpha", None, "1.0.0-alpha", True),
        ("v2.0.0+build.7", None, "2.0.0+build.7", False),
        ("churn@v1.2.3", "churn", "1.2.3", False),
        ("churn@1.2.3", "churn", "1.2.3", False),
        ("fraud-model_2.b@v10.20.30-beta.2", "fraud-model_2.b", "10.20.30-beta.2", True),
        ("refs/tags/churn@v1.0.0", "churn", "1.0.0", False),
    ],
)
def test_accepted_tags(text: str, name: str | None, version: str, prerelease: bool) -> None:
    tag = parse_tag(text)
    assert (tag.name, tag.version, tag.prerelease) == (name, version, prerelease)
    assert tag.raw == text.removeprefix("refs/tags/")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "latest",
        "v1",
        "v1.2",
        "v1.2.3.4",
        "V1.2.3",
        "v01.2.3",
        "v1.2.3-rc.01",
        "v1.2.3-",
        "v1.2.3-rc..1",
        "@v1.2.3",
        "churn@",
        "-churn@v1.0.0",
        "a..b@v1.0.0",
        "churn.lock@v1.0.0",
        "models/churn@v1.0.0",
        "churn@v1.0.0@v2.0.0",
        "churn v1.0.0",
    ],
)
def test_refused_tags(text: str) -> None:
    assert tags.try_parse(text) is None
    with pytest.raises(UserError) as caught:
        parse_tag(text)
    line = caught.value.line()
    assert "--tag" in line and "NAME@v1.2.3" in line and "\n" not in line


def test_semver_precedence() -> None:
    ordered = [
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.0.1",
        "v1.2.0",
        "v1.10.0",
        "v2.0.0",
    ]
    parsed = [parse_tag(t) for t in ordered]
    assert sorted(reversed(parsed)) == parsed
    assert parse_tag("v1.0.0") == parse_tag("1.0.0+build.5")
    assert parse_tag("a@v1.0.0") != parse_tag("b@v1.0.0")


def test_titles() -> None:
    assert parse_tag("v1.2.3").title == "v1.2.3"
    assert parse_tag("churn@1.2.3").title == "churn v1.2.3"


def release(tag: str, **fields: object) -> dict[str, object]:
    return {"tag_name": tag, "draft": False, "prerelease": False, **fields}


MONOREPO = [
    release("churn@v1.0.0", id=1),
    release("churn@v1.1.0", id=2),
    release("churn@v1.2.0-rc.1", prerelease=True, id=3),
    release("churn@v1.3.0", draft=True, id=4),
    release("fraud@v7.0.0", id=5),
    release("v9.9.9", id=6),
    release("nightly", id=7),
    release("churn@v1.1.5-rc.1", id=8),  # a prerelease tag, though not marked as one
]


def test_latest_release_is_per_model_and_published_only() -> None:
    assert latest_release(MONOREPO, "churn")["tag_name"] == "churn@v1.1.0"  # type: ignore[index]
    assert latest_release(MONOREPO, "fraud")["tag_name"] == "fraud@v7.0.0"  # type: ignore[index]
    assert latest_release(MONOREPO, None)["tag_name"] == "v9.9.9"  # type: ignore[index]
    assert latest_release(MONOREPO, "other") is None
    assert latest_release([], None) is None


def test_latest_release_prefers_the_version_not_the_date() -> None:
    releases = [
        release("v2.0.0", published_at="2024-01-01"),
        release("v1.9.9", published_at="2025"),
    ]
    assert latest_release(releases, None)["tag_name"] == "v2.0.0"  # type: ignore[index]


def test_previous_release_is_the_models_highest_below() -> None:
    assert previous_release(MONOREPO, parse_tag("churn@v1.2.0"))["tag_name"] == "churn@v1.1.0"  # type: ignore[index]
    assert previous_release(MONOREPO, parse_tag("churn@v1.1.0"))["tag_name"] == "churn@v1.0.0"  # type: ignore[index]
    # A prerelease compares with the last stable release below it.
    assert previous_release(MONOREPO, parse_tag("churn@v2.0.0-rc.1"))["tag_name"] == "churn@v1.1.0"  # type: ignore[index]
    assert previous_release(MONOREPO, parse_tag("churn@v1.0.0")) is None
    assert previous_release(MONOREPO, parse_tag("v10.0.0"))["tag_name"] == "v9.9.9"  # type: ignore[index]


def test_make_latest() -> None:
    assert make_latest(MONOREPO, parse_tag("churn@v1.2.0")) == "true"
    assert make_latest(MONOREPO, parse_tag("churn@v1.0.1")) == "false"  # an older line
    assert make_latest(MONOREPO, parse_tag("churn@v2.0.0-rc.1")) == "false"
    assert make_latest(MONOREPO, parse_tag("churn@v1.1.0")) == "true"  # re-publishing it
    assert make_latest(MONOREPO, parse_tag("new@v0.1.0")) == "true"
