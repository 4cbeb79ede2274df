"""The suite runs every module's docstring examples, and collecting them is harmless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "scripts" / "modelci"
# Optional or test-only packages a user's install may lack: collecting the package must not
# need them (modelci imports each lazily, where it is used).
OPTIONAL = ("pyarrow", "cmarkgfm", "jsonschema", "openapi_schema_validator", "xgboost")

COLLECT = f"""
import sys
for name in {OPTIONAL!r}:
    sys.modules[name] = None  # makes `import name` raise ImportError
import pytest
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider",
                      "-c", {str(ROOT / "pyproject.toml")!r}, "--rootdir", {str(ROOT)!r},
                      {str(PACKAGE)!r}]))
"""


def test_every_module_with_examples_is_collected_without_extras_or_side_effects(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", COLLECT],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    with_examples = {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if ">>>" in path.read_text(encoding="utf-8")
    }
    assert len(with_examples) >= 10  # the scan itself works
    assert sorted(with_examples - collected) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # importing wrote nothing here
