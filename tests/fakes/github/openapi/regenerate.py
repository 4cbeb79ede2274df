"""Regenerate `api.github.com.subset.json`: the operations the fake serves, cut from GitHub's spec.

GitHub's full OpenAPI description is 13 MB and takes long to load; the fake validates only the
operations it serves, so we commit those with every `$ref` they reach and nothing else.

    python tests/fakes/github/openapi/regenerate.py                 # fetches @octokit/openapi with npm
    python tests/fakes/github/openapi/regenerate.py path/to/api.github.com.json
    python tests/fakes/github/openapi/regenerate.py --package @octokit/openapi@23.0.2

Add an operation to OPERATIONS when the fake learns a new route, then rerun.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "api.github.com.subset.json"
MEMBER = "package/generated/api.github.com.json"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/git/blobs"),
    ("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
    ("post", "/repos/{owner}/{repo}/git/trees"),
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
    ("post", "/repos/{owner}/{repo}/git/commits"),
    ("get", "/repos/{owner}/{repo}/git/commits/{commit_sha}"),
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("patch", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("post", "/repos/{owner}/{repo}/check-runs"),
    ("patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/statuses"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts"),
    ("get", "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"),
    ("get", "/repos/{owner}/{repo}/releases"),
    ("post", "/repos/{owner}/{repo}/releases"),
    ("get", "/repos/{owner}/{repo}/releases/latest"),
    ("get", "/repos/{owner}/{repo}/releases/tags/{tag}"),
    ("get", "/repos/{owner}/{repo}/releases/{release_id}"),
    ("patch", "/repos/{owner}/{repo}/releases/{release_id}"),
    ("delete", "/repos/{owner}/{repo}/releases/{release_id}"),
    ("get", "/repos/{owner}/{repo}/releases/{release_id}/assets"),
    ("post", "/repos/{owner}/{repo}/releases/{release_id}/assets"),
    ("get", "/repos/{owner}/{repo}/releases/assets/{asset_id}"),
    ("patch", "/repos/{owner}/{repo}/releases/assets/{asset_id}"),
    ("delete", "/repos/{owner}/{repo}/releases/assets/{asset_id}"),
)

# Prose and metadata that validation never reads; dropping them keeps the file small.
DROPPED_KEYS = frozenset(
    {"description", "summary", "example", "examples", "externalDocs", "tags", "x-github"}
)


def fetch(package: str, workdir: Path) -> tuple[dict[str, Any], str]:
    """`npm pack` the package and read the description out of the tarball."""
    done = subprocess.run(
        ["npm", "pack", package, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    packed = json.loads(done.stdout)[0]
    with tarfile.open(workdir / packed["filename"]) as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{packed['filename']} has no {MEMBER}")
        return json.load(member), f"npm {packed['name']}@{packed['version']} {MEMBER}"


def strip(node: Any, *, role: str = "") -> Any:
    """Drop prose keys from a node.

    `role` says what the dict's keys are: "properties" (schema property names, all kept even when
    one is called `description`), "responses" (status codes), or "response" (a Response object,
    whose `description` OpenAPI requires, so the subset stays a valid description).
    """
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if role == "properties":
            kept[key] = strip(value)
        elif role == "responses":
            kept[key] = strip(value, role="response")
        elif key == "description" and role == "response":
            kept[key] = value
        elif key not in DROPPED_KEYS:
            kept[key] = strip(value, role=key if key in ("properties", "responses") else "")
    return kept


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def subset(full: dict[str, Any], source: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path in OPERATIONS:
        item = full["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = item[method]
    paths = strip(paths)

    components: dict[str, dict[str, Any]] = {}
    pending = list(refs(paths))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/components/"):
            raise SystemExit(f"unexpected $ref {ref}")
        _, _, section, name = ref.split("/", 3)
        if name in components.get(section, {}):
            continue
        value = strip(
            full["components"][section][name], role="response" if section == "responses" else ""
        )
        components.setdefault(section, {})[name] = value
        pending.extend(refs(value))

    return {
        "openapi": full["openapi"],
        "info": {
            "title": full["info"]["title"],
            "version": full["info"]["version"],
            "x-modelci-source": f"{source}; trimmed by tests/fakes/github/openapi/regenerate.py",
        },
        "servers": full["servers"],
        "paths": dict(sorted(paths.items())),
        "components": {
            section: dict(sorted(items.items())) for section, items in sorted(components.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("description", nargs="?", type=Path, help="a full api.github.com.json")
    parser.add_argument("--package", default="@octokit/openapi", help="npm package to fetch")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.description:
        full = json.loads(args.description.read_text())
        source = f"{args.description.name}, info.version {full['info']['version']}"
    else:
        with tempfile.TemporaryDirectory() as workdir:
            full, source = fetch(args.package, Path(workdir))
    result = subset(full, source)
    args.output.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")
    count = sum(len(items) for items in result["components"].values())
    print(f"{args.output}: {len(OPERATIONS)} operations, {count} components", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
