"""End-to-end: release.yml under `act` on a tag push, against the fake GitHub and a local registry.

The example caller (examples/workflows/release.yml) runs on `push` of `refs/tags/v1.0.0` in a
small user repository: the model is trained, evaluated, published as a GitHub release of the fake
(assets: the model, its records, MODEL_CARD.md, SHA256SUMS), pushed to a local `docker-registry`
over plain HTTP and its provenance "attested" (a stub that records the subjects). The fake, the
act wiring and the stubs are test_workflows.py's; its module-scoped fixtures are imported here,
so this module gets a fake GitHub process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.e2e.test_workflows import (  # noqa: F401 (fixtures, used by name)
    LOGISTIC,
    REPO,
    ROOT,
    TOKEN,
    Fake,
    Scenario,
    act,
    cache,
    fake,
    git,
    modelci_copy,
    workdir,
)
from tests.registry_support import LocalRegistry

pytestmark = pytest.mark.e2e

TAG = "v1.0.0"
NEXT = "v1.1.0"


def release_caller(registry_host: str) -> str:
    text = (ROOT / "examples" / "workflows" / "release.yml").read_text()
    anchor = "      config: modelci.yaml\n"
    assert anchor in text and "      attest: true\n" in text
    return text.replace(
        anchor,
        f"{anchor}      registry: {registry_host}\n      registry-plain-http: true\n",
    )


def tag_repo(root: Path, name: str, files: dict[str, str], tag: str) -> Scenario:
    repo = root / name / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "remote", "add", "origin", f"https://github.com/{REPO}.git")
    for path, text in files.items():
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "release")
    git(repo, "tag", tag)
    artifacts = root / name / "artifacts"
    artifacts.mkdir()
    return Scenario(name, repo, artifacts, root / name / "act.log")


def push_event(github: Fake, tag: str) -> dict:
    # act takes GITHUB_SHA from `after`: a commit the fake has (the release's target_commitish
    # must exist), while act runs the local repository's checkout.
    sha = github.pull(1)["base_sha"]
    return {
        "ref": f"refs/tags/{tag}",
        "ref_type": "tag",
        "before": "0" * 40,
        "after": sha,
        "created": True,
        "deleted": False,  # act reads `after` as GITHUB_SHA only when this is false
        "head_commit": {"id": sha, "message": "release"},
        "repository": {
            "full_name": REPO,
            "name": "demo",
            "owner": {"login": "octo-org", "name": "octo-org"},
            "default_branch": "main",
        },
        "pusher": {"name": "octocat"},
        "sender": {"login": "octocat"},
    }


def test_tag_push_publishes_the_release_and_pushes_the_registry(
    fake: Fake,  # noqa: F811
    workdir: Path,  # noqa: F811
    modelci_copy: Path,  # noqa: F811
    cache: Path,  # noqa: F811
    registry: LocalRegistry,
    skopeo,
) -> None:
    scenario = tag_repo(
        workdir,
        "release",
        {
            "modelci.yaml": LOGISTIC,
            ".github/workflows/modelci-release.yml": release_caller(registry.host),
        },
        TAG,
    )
    done = act(
        scenario,
        event_name="push",
        event=push_event(fake, TAG),
        workflow=".github/workflows/modelci-release.yml",
        token=TOKEN,
        fake=fake,
        modelci=modelci_copy,
        cache=cache,
    )
    log = scenario.log.read_text()
    assert done.returncode == 0, log[-8000:]

    # the GitHub release: published, with every asset
    repo = fake.repo()
    releases = [r for r in repo["releases"].values() if r["tag_name"] == TAG]
    assert len(releases) == 1, repo["releases"]
    release = releases[0]
    assert not release["draft"] and not release["prerelease"], release
    assets = {a["name"]: a for a in repo["assets"].values() if a["release_id"] == release["id"]}
    for name in ("model.skops", "run.json", "metrics.json", "MODEL_CARD.md", "SHA256SUMS"):
        assert name in assets, sorted(assets)

    # the attestation's subjects are the release's SHA256SUMS, as uploaded
    subjects = (scenario.artifacts / "attestation" / "subjects.txt").read_text()
    checksums = {}
    for line in filter(None, subjects.splitlines()):
        digest, name = line.split(None, 1)
        checksums[name.lstrip("*")] = digest
    assert "model.skops" in checksums, subjects

    # the registry: the tag (and its series), a ModelPack manifest holding the model
    image = f"{registry.host}/{REPO}"
    tags = skopeo("list-tags", f"docker://{image}")["Tags"]
    assert TAG in tags or TAG.lstrip("v") in tags, tags
    pushed = TAG if TAG in tags else TAG.lstrip("v")
    manifest = skopeo("inspect", "--raw", f"docker://{image}:{pushed}")
    titles = {
        (layer.get("annotations") or {}).get("org.opencontainers.image.title")
        for layer in manifest["layers"]
    }
    assert "model.skops" in titles, json.dumps(manifest, indent=1)
    model = next(
        layer
        for layer in manifest["layers"]
        if (layer.get("annotations") or {}).get("org.opencontainers.image.title") == "model.skops"
    )
    assert model["digest"] == f"sha256:{checksums['model.skops']}"

    # the next tag is gated against this release (re-scored), then released and pushed too
    assert "Success - Main Gate against the previous release" not in log  # no release before
    first_run = len(log)
    git(scenario.repo, "tag", NEXT)
    done = act(
        scenario,
        event_name="push",
        event=push_event(fake, NEXT),
        workflow=".github/workflows/modelci-release.yml",
        token=TOKEN,
        fake=fake,
        modelci=modelci_copy,
        cache=cache,
    )
    log = scenario.log.read_text()
    assert done.returncode == 0, log[-8000:]
    second = log[first_run:]
    assert "Success - Main Gate against the previous release" in second, second[-8000:]
    releases = {r["tag_name"]: r for r in fake.repo()["releases"].values()}
    assert not releases[NEXT]["draft"], releases
    tags = skopeo("list-tags", f"docker://{image}")["Tags"]
    assert {"1.1.0", "1.0.0", "1.1", "1", "latest"} <= set(tags), tags


def delete_plain_releases(fake: Fake) -> None:  # noqa: F811
    import urllib.request

    for release in fake.repo()["releases"].values():
        if "@" not in release["tag_name"]:
            request = urllib.request.Request(
                f"{fake.url}/repos/{REPO}/releases/{release['id']}",
                method="DELETE",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 204


def test_tag_push_releases_a_predictions_file(
    fake: Fake,  # noqa: F811
    workdir: Path,  # noqa: F811
    modelci_copy: Path,  # noqa: F811
    cache: Path,  # noqa: F811
) -> None:
    """`predictions:` releases a committed predictions file as the run: no model asset."""
    local = workdir / "predictions-source"
    local.mkdir()
    (local / "modelci.yaml").write_text(LOGISTIC)
    modelci = str(ROOT / ".venv" / "bin" / "modelci")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    done = subprocess.run(
        [modelci, "train", "-c", "modelci.yaml", "--out", "run", "--evaluate", "--no-plots"],
        cwd=local,
        env={**env, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    tag = "scores@v0.1.0"  # a model of its own: no previous release, so no gate
    # release:latest of a model with no NAME@ release yet falls back to plain v tags (a
    # single-model repository); other tests leave those in the fake, so remove them.
    delete_plain_releases(fake)
    caller = (ROOT / "examples" / "workflows" / "release.yml").read_text()
    anchor = "      config: modelci.yaml\n"
    assert anchor in caller and "      attest: true\n" in caller
    caller = caller.replace(anchor, "      predictions: predictions.csv\n")
    caller = caller.replace(
        "      attest: true\n", "      attest: false\n      push-registry: false\n"
    )
    scenario = tag_repo(
        workdir,
        "release-predictions",
        {
            "predictions.csv": (local / "run" / "predictions.csv").read_text(),
            ".github/workflows/modelci-release.yml": caller,
        },
        tag,
    )
    done = act(
        scenario,
        event_name="push",
        event=push_event(fake, tag),
        workflow=".github/workflows/modelci-release.yml",
        token=TOKEN,
        fake=fake,
        modelci=modelci_copy,
        cache=cache,
    )
    log = scenario.log.read_text()
    assert done.returncode == 0, log[-8000:]
    repo = fake.repo()
    (release,) = [r for r in repo["releases"].values() if r["tag_name"] == tag]
    assert not release["draft"], release
    assets = {a["name"] for a in repo["assets"].values() if a["release_id"] == release["id"]}
    for name in ("predictions.csv", "run.json", "metrics.json", "MODEL_CARD.md", "SHA256SUMS"):
        assert name in assets, sorted(assets)
    assert not any(name.startswith("model.") for name in assets), sorted(assets)
