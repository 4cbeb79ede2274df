"""Rules every GitHub Actions file of modelci keeps, checked on the files themselves.

The linters (.ci/lint-actions.sh: zizmor, actionlint, check-jsonschema, ShellCheck) find most
problems; these are the project's own rules on top: inputs reach scripts only through `env:`,
third-party actions are pinned exactly as shared/action-pins.md lists them, checkouts keep no
credentials, workflows start from no permissions, and each action's README documents every
input and output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PINS_FILE = ROOT.parent / "shared" / "action-pins.md"
FIRST_PARTY = "modelci/modelci"

ACTIONS = sorted([ROOT / "action.yml", *ROOT.glob("actions/*/action.yml")])
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/workflows/*.yml")])
ALL_FILES = ACTIONS + WORKFLOWS
SUB_ACTIONS = [
    "train",
    "evaluate",
    "compare",
    "report",
    "comment",
    "check",
    "baseline",
    "publish-release",
    "publish-registry",
    "plan",
    "gather",
]

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
PIN_ROW = re.compile(r"`(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v[\w.]+)`")
SHA = re.compile(r"[0-9a-f]{40}")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{rel(path)} is not a YAML mapping"
    return document


def steps(document: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, step) for every step of a composite action or of a workflow's jobs."""
    found = []
    runs = document.get("runs")
    if isinstance(runs, dict):
        found += [(f"runs.steps[{i}]", s) for i, s in enumerate(runs.get("steps") or [])]
    for name, job in (document.get("jobs") or {}).items():
        found += [(f"jobs.{name}.steps[{i}]", s) for i, s in enumerate(job.get("steps") or [])]
    return found


def uses_lines(path: Path) -> list[tuple[int, str, str | None]]:
    """(line number, reference, trailing comment) of every `uses:` in the file's text."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = USES_LINE.match(line)
        if match:
            found.append((number, match["ref"], match["comment"]))
    return found


def is_third_party(ref: str) -> bool:
    return not (
        ref.startswith(("./", "docker://"))
        or ref == FIRST_PARTY
        or ref.startswith((f"{FIRST_PARTY}@", f"{FIRST_PARTY}/"))
    )


@pytest.fixture(scope="module")
def pins() -> dict[str, tuple[str, str]]:
    """action -> (sha, version) from shared/action-pins.md, the only pins allowed."""
    if not PINS_FILE.is_file():
        pytest.skip(f"{PINS_FILE} is not here (it lies beside the repository, in shared/)")
    table = {
        m["action"]: (m["sha"], m["version"])
        for m in PIN_ROW.finditer(PINS_FILE.read_text(encoding="utf-8"))
    }
    assert table, f"no pins found in {PINS_FILE}"
    return table


def test_the_files_are_there() -> None:
    assert [rel(p) for p in ACTIONS] == ["action.yml"] + [
        f"actions/{name}/action.yml" for name in sorted(SUB_ACTIONS)
    ]
    names = {rel(p) for p in WORKFLOWS}
    assert {
        ".github/workflows/ci.yml",
        ".github/workflows/pull-request.yml",
        ".github/workflows/post-comment.yml",
        "examples/workflows/pull-request.yml",
        "examples/workflows/post-comment.yml",
        ".github/workflows/release.yml",
        "examples/workflows/release.yml",
    } <= names


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_no_expression_inside_run(path: Path) -> None:
    """Inputs and contexts reach a script only through env: (no template injection)."""
    for where, step in steps(load(path)):
        script = step.get("run")
        if isinstance(script, str):
            assert "${{" not in script, f"{rel(path)} {where}: move the expression into env:"


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_third_party_uses_are_pinned_as_listed(
    path: Path, pins: dict[str, tuple[str, str]]
) -> None:
    for number, ref, comment in uses_lines(path):
        if not is_third_party(ref):
            continue
        where = f"{rel(path)}:{number}: {ref}"
        action, _, version_ref = ref.partition("@")
        assert SHA.fullmatch(version_ref), f"{where} must be pinned by a full commit SHA"
        assert comment and re.fullmatch(r"v\d[\w.]*", comment.strip()), (
            f"{where} needs the version as a comment: '# vX.Y.Z'"
        )
        repository = "/".join(action.split("/")[:2])  # owner/name/path@sha: pinned per repo
        assert repository in pins, f"{where}: {repository} is not in shared/action-pins.md"
        assert (version_ref, comment.strip()) == pins[repository], (
            f"{where} # {comment}: action-pins.md has {repository}@{pins[repository][0]} "
            f"# {pins[repository][1]}"
        )


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_first_party_uses_point_at_files_here(path: Path) -> None:
    """modelci's own actions and workflows are used by their released tag, and exist."""
    for number, ref, _ in uses_lines(path):
        if is_third_party(ref) or ref.startswith(("./", "docker://")):
            continue
        target, _, tag = ref.partition("@")
        assert re.fullmatch(r"v\d+", tag), f"{rel(path)}:{number}: {ref} must use the major tag"
        inner = target.removeprefix(FIRST_PARTY).lstrip("/")
        expected = ROOT / inner if inner.endswith(".yml") else ROOT / inner / "action.yml"
        assert expected.is_file(), f"{rel(path)}:{number}: {ref} names no file of this repository"


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_checkouts_keep_no_credentials(path: Path) -> None:
    for where, step in steps(load(path)):
        uses = step.get("uses", "")
        if isinstance(uses, str) and uses.startswith("actions/checkout@"):
            value = (step.get("with") or {}).get("persist-credentials")
            assert value in (False, "false"), (
                f"{rel(path)} {where}: actions/checkout needs persist-credentials: false"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=rel)
def test_workflows_start_from_no_permissions(path: Path) -> None:
    document = load(path)
    assert document.get("permissions") == {}, f"{rel(path)}: add top-level `permissions: {{}}`"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{rel(path)}: job {name} must say which permissions it needs"


@pytest.mark.parametrize("path", WORKFLOWS, ids=rel)
def test_every_write_grant_says_why(path: Path) -> None:
    """A job's `scope: write` line carries a comment saying what needs it."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(r"^\s+[a-z-]+:\s*write\s*$", line):
            pytest.fail(f"{rel(path)}:{number}: comment why this grant is needed: {line.strip()}")


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_composite_actions_take_inputs_only_through_env(path: Path) -> None:
    document = load(path)
    assert document["runs"]["using"] == "composite"
    for where, step in steps(document):
        if "run" in step:
            assert step.get("shell") == "bash", f"{rel(path)} {where}: use shell: bash"


@pytest.mark.parametrize("name", SUB_ACTIONS)
def test_sub_actions_set_up_modelci_first(name: str) -> None:
    """Each sub-action works alone: its first step runs the shared setup script."""
    first = load(ROOT / "actions" / name / "action.yml")["runs"]["steps"][0]
    assert first["run"] == 'bash "${GITHUB_ACTION_PATH}/../../scripts/setup-modelci.sh"'
    assert first["env"]["MODELCI_SETUP_IF_MISSING"] == "true"
    # and, where the step loads models, the action's own `extras` and `packages`
    assert set(first["env"]) <= {"MODELCI_SETUP_IF_MISSING", "MODELCI_EXTRAS", "MODELCI_PACKAGES"}


def table_rows(markdown: Path) -> set[str]:
    """The names in the first column of the file's tables, written as `name`."""
    text = markdown.read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^\|\s*`([\w-]+)`\s*\|", text, flags=re.MULTILINE)}


def readme_of(action: Path) -> Path:
    # The repository's README is the project's; the setup action's reference lives in docs/.
    if action == ROOT / "action.yml":
        return ROOT / "docs" / "github-actions.md"
    return action.parent / "README.md"


@pytest.mark.parametrize("path", ACTIONS, ids=rel)
def test_readme_documents_every_input_and_output(path: Path) -> None:
    document = load(path)
    readme = readme_of(path)
    assert readme.is_file(), f"{rel(path)}: {rel(readme)} is missing"
    rows = table_rows(readme)
    for kind in ("inputs", "outputs"):
        for name in document.get(kind) or {}:
            assert name in rows, f"{rel(readme)}: no table row for the {kind[:-1]} `{name}`"
    assert "```yaml" in readme.read_text(encoding="utf-8"), f"{rel(readme)}: add an example"


def triggers(document: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the key `on` as the boolean True)."""
    value = document.get("on", document.get(True))
    return value if isinstance(value, dict) else {}


@pytest.mark.parametrize(
    "path", [p for p in WORKFLOWS if "workflow_call" in triggers(load(p))], ids=rel
)
def test_reusable_workflow_inputs_are_documented(path: Path) -> None:
    rows = table_rows(ROOT / "docs" / "github-actions.md")
    for name in triggers(load(path))["workflow_call"].get("inputs") or {}:
        assert name in rows, (
            f"docs/github-actions.md: no table row for {rel(path)}'s input `{name}`"
        )
