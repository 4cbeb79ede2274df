"""The setup action's script (`scripts/setup-modelci.sh`, as action.yml runs it) cold and warm,
against a plain `python -m venv` + `pip install` of the same packages into a fresh venv.

Goals: cold <= 10 s (empty tool cache), warm <= 2 s (same tool cache again: the venv is reused).

"cold" means an empty modelci tool cache; the installer's own download cache (uv's or pip's) is
left as it is unless --no-download-cache, which gives both sides an empty one (everything comes
from the package index: a first run on a fresh hosted runner).

  python benchmarks/bench_setup_action.py [--no-download-cache] [--installer auto|pip]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "setup-modelci.sh"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-download-cache", action="store_true")
    parser.add_argument("--installer", choices=["auto", "pip"], default="auto")
    args = parser.parse_args()
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        scratch = Path(tmp)
        env = {
            **os.environ,
            "MODELCI_PYTHON": python,
            "MODELCI_CACHE_DIR": str(scratch / "tool-cache"),
            "RUNNER_TEMP": str(scratch),
            "GITHUB_PATH": str(scratch / "github_path"),
            "GITHUB_OUTPUT": str(scratch / "github_output"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        env.pop("MODELCI_SETUP_IF_MISSING", None)
        if args.installer == "pip":
            env["MODELCI_INSTALLER"] = "pip"
        if args.no_download_cache:
            env["UV_CACHE_DIR"] = str(scratch / "uv-cache")
            env["PIP_NO_CACHE_DIR"] = "1"

        cold, log = timed(["bash", str(SCRIPT)], env)
        installer = "uv" if " with uv " in log else "pip"
        warm, log = timed(["bash", str(SCRIPT)], env)
        assert "reusing" in log, log

        # The same packages the plain way: modelci from a copy of the source (as the script
        # builds it) and its dependencies, into a fresh venv.
        source = scratch / "source"
        (source / "scripts").mkdir(parents=True)
        shutil.copy2(ROOT / "pyproject.toml", source)
        shutil.copy2(ROOT / "README.md", source)
        shutil.copytree(
            ROOT / "scripts" / "modelci",
            source / "scripts" / "modelci",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        venv = scratch / "plain-venv"
        began = time.perf_counter()
        timed([python, "-m", "venv", str(venv)], env)
        timed([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)], env)
        plain = time.perf_counter() - began

    caches = "empty download caches" if args.no_download_cache else "download caches as found"
    print(f"setup-modelci.sh ({installer}; {caches})")
    print(
        f"  cold (empty tool cache)    {cold:7.2f} s   goal <= 10 s   {'ok' if cold <= 10 else 'MISSED'}"
    )
    print(
        f"  warm (same tool cache)     {warm:7.2f} s   goal <=  2 s   {'ok' if warm <= 2 else 'MISSED'}"
    )
    print(f"plain venv + pip install     {plain:7.2f} s")
    print(f"  cold / plain               {cold / plain:7.3f}")
    print(f"  warm / plain               {warm / plain:7.3f}")
    print(f"  warm / cold                {warm / cold:7.3f}")


if __name__ == "__main__":
    main()
