"""Render a compare directory or an evaluated run directory as a markdown (and HTML) report.

DIR is the output of `modelci compare` (comparison.json) or a run directory after
`modelci evaluate` (evaluation.json). The markdown links the plot images relative to the
output file, so report.md opened beside the run directory shows them; `--images none` leaves
them out (for a PR comment that cannot host images). `--html` also writes one self-contained
page with the images embedded.

examples:
  modelci report runs/compare --out report.md
  modelci report runs/candidate --out report.md --html report.html
  modelci report runs/compare --out comment.md --images none --limit 60000
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
from pathlib import Path

HELP = "render a comparison or evaluation as a markdown/HTML report"

DEFAULT_LIMIT = 65_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", type=Path, help="compare or evaluated run directory")
    parser.add_argument("--out", type=Path, required=True, help="markdown file to write")
    parser.add_argument("--html", type=Path, help="also write a self-contained HTML page here")
    parser.add_argument(
        "--images",
        choices=("relative", "none"),
        default="relative",
        help="link plots relative to --out (default), or leave them out",
    )
    parser.add_argument(
        "--limit",
        type=_positive_int,
        default=DEFAULT_LIMIT,
        help=f"cap the markdown at this many characters (default {DEFAULT_LIMIT:,}, "
        "under GitHub's comment limit)",
    )


def run(args: argparse.Namespace) -> int:
    for path in write_report(
        args.dir, args.out, html=args.html, images=args.images, limit=args.limit
    ):
        print(path)
    return 0


def write_report(
    source: Path,
    out: Path,
    *,
    html: Path | None = None,
    images: str = "relative",
    limit: int = 65_000,
) -> list[Path]:
    """Render the report of a compare or run directory; returns the files written."""
    from modelci import progress
    from modelci.errors import UserError
    from modelci.fsutil import write_text_atomic
    from modelci.report import html as html_report
    from modelci.report import inputs, markdown

    with progress.current.stage("load report inputs"):
        report = inputs.load_report(source)
    present = {path for path in report.plots if (source / path).is_file()}

    def image_url(path: str) -> str | None:
        if images == "none" or path not in present:
            return None
        relative = os.path.relpath((source / path).resolve(), out.resolve().parent)
        return urllib.parse.quote(Path(relative).as_posix())

    for target in (out, html):
        if target is not None and target.is_dir():
            raise UserError("is a directory", where=str(target), fix="give a file name")
    with progress.current.stage("render report"):
        text = markdown.render_markdown(report, image_url=image_url, limit=limit)
        page = None
        if html is not None:
            embedded = {path: (source / path).read_bytes() for path in sorted(present)}
            page = html_report.render_html(report, images=embedded)
    write_text_atomic(out, text)
    written = [out]
    if page is not None and html is not None:
        write_text_atomic(html, page)
        written.append(html)
    return written


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 200:
        raise argparse.ArgumentTypeError(f"must be at least 200 characters, got {value}")
    return value
