"""GitHub API requests for a steady-state `modelci comment` (comment and branch exist, 6 plots).

Goal: <= 8 requests. Counted from the fake GitHub's request log (tests/fakes/github), so the number
is exactly what the command sends; it does not depend on the network. Prints the default path
(GraphQL createCommitOnBranch for the plots) and, for comparison, the Git Data REST path the
command falls back to.

  python benchmarks/bench_comment_requests.py
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import struct
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]

from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.fakes.github.world import REPO, TOKEN, seed_default  # noqa: E402
from tests.retry_support import github_retry  # noqa: E402

from modelci import cli  # noqa: E402
from modelci.commands import comment as comment_command  # noqa: E402
from modelci.github import GitHub  # noqa: E402
from modelci.pull_request import plot_branch, sticky  # noqa: E402

GOAL = 8
PLOTS = ("metric_deltas", "roc", "pr", "calibration", "confusion_matrix", "importance")


def png(seed: int, side: int = 64) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes([(seed * 37 + x + y) % 256 for x in range(side * 3)])
                    for y in range(side))  # fmt: skip
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


def compare_dir(workdir: Path) -> Path:
    shutil.copytree(ROOT / "tests" / "fixtures" / "report" / "binary_pass", workdir / "bp")
    directory = workdir / "bp" / "compare"
    doc = json.loads((directory / "comparison.json").read_text())
    doc["plots"] = [f"plots/{name}.png" for name in PLOTS]
    (directory / "comparison.json").write_text(json.dumps(doc))
    (directory / "plots").mkdir()
    for seed, name in enumerate(PLOTS):
        (directory / "plots" / f"{name}.png").write_bytes(png(seed))
    return directory


def run_command(fake: FakeGitHub, directory: Path, run_id: int) -> str:
    environ = {
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_RUN_ID": str(run_id),
        "GITHUB_RUN_ATTEMPT": "1",
    }
    args = cli.build_parser().parse_args(["comment", str(directory), "--pr", "1"])
    out = io.StringIO()
    with GitHub(api_url=fake.api_url, token=TOKEN, retry=github_retry()) as github:
        code = comment_command.comment(args, environ=environ, github=github, out=out)
    if code != 0:
        raise SystemExit(f"modelci comment exited {code}")
    return out.getvalue().strip()


def show(title: str, fake: FakeGitHub) -> int:
    calls = fake.calls()
    print(f"{title}: {len(calls)} requests")
    for (method, path), count in Counter((c.method, c.path) for c in calls).items():
        print(f"  {count} x {method} {path}")
    return len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub() as fake:
        seed_default(fake)
        directory = compare_dir(Path(tmp))
        run_command(fake, directory, run_id=1)  # creates the branch and the comment
        run_command(fake, directory, run_id=2)
        fake.clear_requests()
        run_command(fake, directory, run_id=3)
        steady = show("modelci comment, steady state, 6 plots (GraphQL commit)", fake)

        # The REST Git Data path the command falls back to when GraphQL is unavailable.
        fake.clear_requests()
        images = {f"plots/{name}.png": png(100 + i) for i, name in enumerate(PLOTS)}
        with GitHub(api_url=fake.api_url, token=TOKEN) as github:
            uploaded = plot_branch.upload_images(
                github, *REPO.split("/"), images, pr=1, run_id=4, run_attempt=1,
                server_url=fake.server_url, method="rest",
            )  # fmt: skip
            body = sticky.compose_body("rest " + uploaded.commit_sha)
            sticky.upsert_comment(github, *REPO.split("/"), 1, body)
        rest = show("the same with the REST Git Data fallback", fake)
        fake.check()
    verdict = "meets" if steady <= GOAL else "misses"
    print(f"\nsteady state: {steady} requests ({verdict} the goal of <= {GOAL}); "
          f"REST fallback: {rest}")  # fmt: skip


if __name__ == "__main__":
    main()
