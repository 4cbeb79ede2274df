"""scripts/setup-modelci.sh's decisions, without installing anything: whether a sub-action reuses
the modelci already on the PATH (its venv has every extra and package the step asks for) or
installs a venv that has them, and the one-line refusals of bad `packages`.

The "present" modelci is a fake venv: a `modelci` that prints this checkout's version, a stamp
file as the script writes it, and the shim folder the script puts on the PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "setup-modelci.sh"
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (ROOT / "scripts/modelci/__init__.py").read_text(), re.M
)


def fake_venv(root: Path, *, extras: str, packages: str) -> Path:
    """A venv whose stamp records `extras` and `packages`; returns its shim folder."""
    assert VERSION
    venv = root / "venv"
    (venv / "bin").mkdir(parents=True)
    modelci = venv / "bin" / "modelci"
    modelci.write_text(f"#!/bin/sh\necho 'modelci {VERSION.group(1)}'\n")
    modelci.chmod(0o755)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".modelci-stamp").write_text(
        f"modelci={VERSION.group(1)}\nsource=x\nextras={extras}\npackages={packages}\n"
        f"local=\npython={sys.executable} 3.12.0\n"
    )
    shim = venv / "modelci-bin"
    shim.mkdir()
    (shim / "modelci").symlink_to("../bin/modelci")
    return shim


def setup(cwd: Path, shim: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    path = os.environ["PATH"] if shim is None else f"{shim}:{os.environ['PATH']}"
    environment = {
        "PATH": path,
        "HOME": str(cwd),
        "MODELCI_SETUP_IF_MISSING": "true",
        "MODELCI_CACHE_DIR": str(cwd / "cache"),
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def test_reuses_the_modelci_whose_venv_has_what_the_step_asks_for(tmp_path: Path) -> None:
    shim = fake_venv(tmp_path, extras="onnx,xgboost", packages="torch==2.5.1")
    done = setup(tmp_path, shim, MODELCI_EXTRAS="xgboost", MODELCI_PACKAGES="torch==2.5.1")
    assert done.returncode == 0, done.stderr
    assert "is already on the PATH" in done.stderr
    assert f"python={tmp_path}/venv/bin/python" in done.stdout
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize(
    ("extras", "packages", "lacking"),
    [("lightgbm", "", "modelci[lightgbm]"), ("xgboost", "skl2onnx", "skl2onnx")],
)
def test_installs_a_venv_with_both_when_the_present_one_lacks_some(
    tmp_path: Path, extras: str, packages: str, lacking: str
) -> None:
    shim = fake_venv(tmp_path, extras="xgboost", packages="torch==2.5.1")
    # an interpreter that is not there stops the install right after the decision
    done = setup(
        tmp_path,
        shim,
        MODELCI_EXTRAS=extras,
        MODELCI_PACKAGES=packages,
        MODELCI_PYTHON=str(tmp_path / "no-python"),
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"lacks {lacking}: installing a venv that has them" in done.stderr
    assert "no-python' not found" in done.stdout


def test_the_new_venv_keeps_the_present_interpreter(tmp_path: Path) -> None:
    """No `python` input: the present venv's interpreter (setup-python's), not python3 of PATH."""
    shim = fake_venv(tmp_path, extras="", packages="")
    stamp = tmp_path / "venv" / ".modelci-stamp"
    stamp.write_text(stamp.read_text().replace(sys.executable, str(tmp_path / "gone" / "python")))
    done = setup(tmp_path, shim, MODELCI_EXTRAS="onnx")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"python '{tmp_path}/gone/python' not found" in done.stdout


def test_a_local_package_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    done = setup(tmp_path, None, MODELCI_PACKAGES="./my_models xgboost-cpu")
    assert done.returncode == 2
    assert done.stdout.strip().splitlines() == [
        "::error title=modelci setup::packages names the local path './my_models', which does "
        f"not exist (from {tmp_path.resolve()})"
    ]


def test_an_option_in_packages_is_refused(tmp_path: Path) -> None:
    done = setup(tmp_path, None, MODELCI_PACKAGES="--index-url=https://evil.example/ numpy")
    assert done.returncode == 2
    assert "packages lists requirement specifiers only" in done.stdout


def test_bad_extras_are_refused(tmp_path: Path) -> None:
    done = setup(tmp_path, None, MODELCI_EXTRAS="xgboost;rm -rf")
    assert done.returncode == 2
    assert "extras must be comma-separated names like 'xgboost'" in done.stdout
