"""The README's copy-paste workflows are the example files, and its quick start is what works."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def yaml_blocks() -> list[object]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, re.S)]


def test_readme_shows_every_example_workflow_verbatim():
    blocks = yaml_blocks()
    examples = sorted((ROOT / "examples/workflows").glob("*.yml"))
    assert examples
    for path in examples:
        assert yaml.safe_load(path.read_text()) in blocks, f"README lacks {path.name}"


def test_readme_shows_the_pull_request_workflow_verbatim_comments_and_all():
    """A user copies the README: its comments (the baseline modes) must be the example's."""
    text = (ROOT / "examples/workflows/pull-request.yml").read_text()
    assert f"```yaml\n{text}```" in README
    assert "# baseline: merge-base" in text


def test_quick_start_is_two_commands_that_the_makefile_has():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(make \w+)", quick, re.M)
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for command in commands:
        assert re.search(rf"^{command.split()[1]}:", makefile, re.M)


def test_every_config_key_is_documented():
    from modelci import config

    keys = [k.name for k in config.TOP_LEVEL]
    keys += [f"{section}.{k.name}" for section, ks in config.SECTIONS.items() for k in ks]
    keys += [f"gates.METRIC.{k.name}" for k in config.GATE_RULE_KEYS]
    missing = [key for key in keys if f"`{key}`" not in README]
    assert not missing
