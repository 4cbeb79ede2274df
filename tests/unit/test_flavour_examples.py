"""The README's flavour sections show the example configs verbatim, and those configs load."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples/flavours").glob("*.yaml"))
README = (ROOT / "README.md").read_text()


def test_there_is_an_example_for_every_flavour():
    from modelci import flavours

    assert sorted(path.stem for path in EXAMPLES) == sorted(flavours.FLAVOURS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_config_loads_and_the_readme_shows_it_verbatim(path):
    from modelci import config

    loaded = config.load(path)
    assert loaded.data.train == "sklearn:breast_cancer"  # runnable offline, on bundled data
    assert f"```yaml\n{path.read_text()}```" in README
    flavour_section = README.split("## Model flavours", 1)[1].split("\n## ", 1)[0]
    assert path.read_text() in flavour_section


def test_the_readme_names_every_model_file_and_extra():
    from modelci import flavours

    section = README.split("## Model flavours", 1)[1].split("\n## ", 1)[0]
    for name, flavour in flavours.FLAVOURS.items():
        for file_name in flavour.file_names:
            assert f"`{file_name}`" in section, file_name
        if flavour.extra is not None:
            assert f"pip install 'modelci[{flavour.extra}]'" in section, name
    assert "`preprocess.skops`" in section and "exactly one" in section
