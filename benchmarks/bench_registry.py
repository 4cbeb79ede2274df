"""`modelci publish registry` / `pull`: bytes re-sent for an unchanged run, and memory for a big model.

Goals: a re-push of an unchanged run uploads 0 blob bytes; pushing (and pulling) a 200 MB model
raises the process's peak memory by well under the model's size (< 10 %: files are streamed in
1 MiB chunks). Runs against Debian's docker-registry on 127.0.0.1 when it is installed (else the
in-memory fake registry of the tests, which holds blobs in RAM, so only the client's own Python
allocations — tracemalloc — are meaningful there).

  python benchmarks/bench_registry.py [--size-mb 200]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]

from tests.fakes.registry import TOKEN, FakeRegistry  # noqa: E402
from tests.registry_support import LocalRegistry, make_run_dir, missing_tools  # noqa: E402

from modelci import progress  # noqa: E402
from modelci.registry import Credentials, RegistryClient, pull, push_run  # noqa: E402

MB = 1_000_000


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_model(path: Path, size: int) -> str:
    """`size` incompressible bytes, written 1 MB at a time; returns their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left:
            chunk = os.urandom(min(MB, left))
            digest.update(chunk)
            out.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def registry_for(workdir: Path) -> Iterator[tuple[str, Credentials | None, str]]:
    if missing_tools("docker-registry") is None:
        root = workdir / "registry"
        root.mkdir()
        local = LocalRegistry(root)
        try:
            yield local.host, None, "docker-registry (CNCF distribution 2.8)"
        finally:
            local.stop()
    else:
        fake = FakeRegistry()
        try:
            yield fake.host, Credentials(username="u", password=TOKEN), "in-memory fake registry"
        finally:
            fake.close()


def measured(action: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """Run `action`; its result, seconds, ru_maxrss growth (MB) and tracemalloc peak (MB)."""
    before = max_rss_mb()
    tracemalloc.start()
    began = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, max_rss_mb() - before, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    size = args.size_mb * MB
    progress.current = progress.Progress(progress.QUIET)
    workdir = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    try:
        run = make_run_dir(workdir / "run")
        sha256 = write_model(run / "model.skops", size)
        # run.json must record the model's digest: push refuses a model that differs from it.
        info = json.loads((run / "run.json").read_text())
        info["model"].update(sha256=sha256, size_bytes=size)
        (run / "run.json").write_text(json.dumps(info))

        with registry_for(workdir) as (host, credentials, kind):
            ref = f"{host}/bench/model:1.0.0"

            def push() -> Any:
                client = RegistryClient(
                    host, credentials=credentials, plain_http=True, actions="pull,push"
                )
                with client:
                    return push_run(run, ref, client=client)

            first, push_s, push_rss, push_peak = measured(push)
            again, repush_s, _, _ = measured(push)
            out = workdir / "pulled"
            pulled, pull_s, pull_rss, pull_peak = measured(
                lambda: pull(ref, out, credentials=credentials, plain_http=True)
            )
            same = (out / "model.skops").stat().st_size == size and pulled.manifest_digest == (
                first.digest
            )

        print(f"registry: {kind}; model {args.size_mb} MB (incompressible)")
        print(f"{'step':<10} {'seconds':>8} {'MB/s':>7} {'blob bytes sent':>16} {'rss +MB':>8} {'py peak MB':>11}")  # fmt: skip
        print(f"{'push':<10} {push_s:8.2f} {size / MB / push_s:7.0f} {first.stats.bytes_uploaded:16,} {push_rss:8.1f} {push_peak:11.1f}")  # fmt: skip
        print(f"{'re-push':<10} {repush_s:8.2f} {'':>7} {again.stats.bytes_uploaded:16,} {'':>8} {'':>11}")  # fmt: skip
        print(f"{'pull':<10} {pull_s:8.2f} {size / MB / pull_s:7.0f} {'':>16} {pull_rss:8.1f} {pull_peak:11.1f}")  # fmt: skip
        verdict = (
            "ok"
            if again.stats.bytes_uploaded == 0 and max(push_rss, pull_rss) < 0.1 * size / MB
            else "MISSED"
        )
        print(
            f"goal: re-push 0 bytes ({again.stats.bytes_uploaded}), peak memory growth < 10 % of "
            f"the model ({max(push_rss, pull_rss):.1f} MB of {size / MB:.0f} MB): {verdict}; "
            f"round trip identical: {same}"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
