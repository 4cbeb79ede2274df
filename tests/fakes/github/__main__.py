"""Run the fake GitHub in its own process, e.g. for workflow tests under `act`.

    python -m tests.fakes.github --port 0 --seed seed.json --state-file state.json --url-file url.txt

Prints the API URL on stdout (and writes it to --url-file) once it is listening. SIGTERM or
SIGINT stops it; the state file is rewritten after every change and at exit. The exit status is 1
if any request or response broke GitHub's OpenAPI description (listed on stderr), else 0.
Control endpoints (no auth): GET /_fake/state, POST /_fake/seed, GET|DELETE /_fake/requests,
GET|POST|DELETE /_fake/faults, GET|DELETE /_fake/validation-errors,
POST /_fake/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts?name=NAME (body: zip bytes).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from tests.fakes.github.server import FakeGitHub
from tests.fakes.github.state import State


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.github", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-prefix", default="", help='"" (github.com) or "/api/v3" (GHES)')
    parser.add_argument("--seed", type=Path, help="JSON seed: users, tokens, repos")
    parser.add_argument(
        "--state-file", type=Path, help="loaded if it exists; rewritten after every change"
    )
    parser.add_argument("--url-file", type=Path, help="write the API URL here when listening")
    parser.add_argument("--no-validate", action="store_true", help="skip response validation")
    args = parser.parse_args(argv)

    state = State()
    if args.state_file and args.state_file.exists() and args.state_file.stat().st_size:
        state = State.load(json.loads(args.state_file.read_text()))
    if args.seed:
        state.seed(json.loads(args.seed.read_text()))
    fake = FakeGitHub(
        api_prefix=args.api_prefix,
        host=args.host,
        port=args.port,
        state=state,
        validate=not args.no_validate,
        state_file=args.state_file,
    )
    fake.save()

    signal.signal(signal.SIGTERM, lambda signum, frame: fake.interrupt())
    signal.signal(signal.SIGINT, lambda signum, frame: fake.interrupt())
    if args.url_file:
        # Written whole then renamed, so a poller never reads half a URL.
        partial = args.url_file.with_name(args.url_file.name + ".partial")
        partial.write_text(fake.api_url + "\n")
        partial.replace(args.url_file)
    print(fake.api_url, flush=True)
    fake.serve_forever()
    fake.stop()
    errors = fake.take_validation_errors()
    for error in errors:
        print(f"OpenAPI violation: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
