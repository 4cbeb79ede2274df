"""modelci.registry.reference: parsing REGISTRY/NAME:TAG and the semver tag expansion."""

from __future__ import annotations

import pytest

from modelci.errors import UserError
from modelci.registry.reference import Reference, expand_tags, version_of

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("ghcr.io/octo/churn:1.2.3", "ghcr.io", "octo/churn", "1.2.3", None),
        ("ghcr.io/Octo-Org/Churn_Model:v1", "ghcr.io", "octo-org/churn_model", "v1", None),
        ("localhost:5000/churn", "localhost:5000", "churn", None, None),
        ("localhost/a/b/c:x", "localhost", "a/b/c", "x", None),
        (f"127.0.0.1:5000/m@{DIGEST}", "127.0.0.1:5000", "m", None, DIGEST),
        (f"reg.example.com/m:t@{DIGEST}", "reg.example.com", "m", "t", DIGEST),
        ("REG.example.com:443/m:Tag_1.x-y", "reg.example.com:443", "m", "Tag_1.x-y", None),
    ],
)
def test_parse(text: str, registry: str, repository: str, tag: str | None, digest: str | None):
    ref = Reference.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "churn:1.0",  # no registry host
        "octo/churn:1.0",  # first part is not a host
        "ghcr.io/",
        "ghcr.io/octo/churn:-bad",
        "ghcr.io/octo/churn:" + "x" * 129,
        "ghcr.io/octo//churn:1",
        "ghcr.io/octo/churn@sha256:abc",
        "ghcr.io/octo/churn@sha512:" + "a" * 128,
        "ghcr.io/oct o/churn:1",
        "ghcr.io/octo/ch..urn:1",
    ],
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(UserError) as raised:
        Reference.parse(text)
    assert "\n" not in raised.value.line()


def test_reference_helpers() -> None:
    ref = Reference.parse("localhost:5000/octo/churn:1.2.3")
    assert ref.host == "localhost"
    assert ref.reference == "1.2.3"
    assert str(ref.with_digest(DIGEST)) == f"localhost:5000/octo/churn@{DIGEST}"
    assert str(ref.with_tag("1.2")) == "localhost:5000/octo/churn:1.2"
    assert Reference.parse(f"ghcr.io/o/m:t@{DIGEST}").reference == DIGEST
    assert Reference.parse("docker.io/library/m:1").api_host == "registry-1.docker.io"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("1.2.3", ["1.2.3", "1.2", "1", "latest"]),
        ("v1.2.3", ["1.2.3", "1.2", "1", "latest"]),
        ("10.20.30", ["10.20.30", "10.20", "10", "latest"]),
        ("0.4.1", ["0.4.1", "0.4", "latest"]),  # no "0": every 0.x minor may break
        ("1.2.3-rc.1", ["1.2.3-rc.1"]),
        ("v2.0.0-beta", ["2.0.0-beta"]),
        ("1.2", ["1.2"]),
        ("01.2.3", ["01.2.3"]),  # leading zero: not semver, pushed as given
        ("v1.2.3-rc.01", ["v1.2.3-rc.01"]),  # numeric prerelease with a leading zero: not semver
        ("v1.2.3-rc.01a", ["1.2.3-rc.01a"]),  # alphanumeric identifiers may start with 0
        ("v1.2.3+build.7", ["1.2.3", "1.2", "1", "latest"]),  # build metadata is not a tag
        ("v1.2.3-", ["v1.2.3-"]),
        ("V1.2.3", ["V1.2.3"]),
        ("latest", ["latest"]),
        ("sha-abc123", ["sha-abc123"]),
    ],
)
def test_expand_tags(tag: str, expected: list[str]) -> None:
    assert expand_tags(tag) == expected
    assert version_of(tag) == expected[0]
