"""Render a compare directory or an evaluated run directory as a markdown (and HTML) report.

DIR is the output of `modelci compare` (comparison.json) or a run directory after
`modelci evaluate` (evaluation.json). Several DIRs, each a comparison of one candidate with the
same baseline, render as one leaderboard: the candidates ranked by the primary metric, then each
one's report in a collapsed block. Several evaluated run directories (no baseline yet) rank by the
primary metric's value alone; a mix of the two kinds is refused. The markdown links the plot images relative to the
output file, so report.md opened beside the run directory shows them; `--images none` leaves
them out (for a PR comment that cannot host images). `--html` also writes one self-contained
page with the images embedded.

examples:
  modelci report runs/compare --out report.md
  modelci report runs/candidate --out report.md --html report.html
  modelci report runs/compare --out comment.md --images none --limit 60000
  modelci report runs/compare-hgb runs/compare-rf runs/compare-lr --out leaderboard.md

Step outputs (in GitHub Actions): markdown and html, absolute paths (html empty without --html).
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

HELP = "render a comparison or evaluation as a markdown/HTML report"

DEFAULT_LIMIT = 65_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        metavar="DIR",
        type=Path,
        nargs="+",
        help="compare or evaluated run directory; several of either kind make a leaderboard",
    )
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
    from modelci.github import workflow

    for path in write_report(
        args.dir, args.out, html=args.html, images=args.images, limit=args.limit
    ):
        print(path)
    outputs = {
        "markdown": str(args.out.resolve()),
        "html": str(args.html.resolve()) if args.html is not None else "",
    }
    workflow.set_outputs(outputs)
    return 0


def write_report(
    source: Path | Sequence[Path],
    out: Path,
    *,
    html: Path | None = None,
    images: str = "relative",
    limit: int = 65_000,
) -> list[Path]:
    """Render the report of a compare or run directory, or the leaderboard of several compare
    directories; returns the files written."""
    from modelci import progress
    from modelci.errors import UserError
    from modelci.report import html as html_report
    from modelci.report import inputs, leaderboard, markdown

    sources = [Path(source)] if isinstance(source, str | os.PathLike) else list(source)
    with progress.current.stage("load report inputs"):
        reports = [inputs.load_report(directory) for directory in sources]
        board = leaderboard.build_leaderboard(reports) if len(reports) > 1 else None
    # Plot path as the report names it -> the file.
    if board is not None:
        files = {path: Path(where) / plot for path, (where, plot) in board.plots.items()}
    else:
        files = {path: sources[0] / path for path in reports[0].plots}
    present = {path for path, file in files.items() if file.is_file()}

    def image_url(path: str) -> str | None:
        if images == "none" or path not in present:
            return None
        relative = os.path.relpath(files[path].resolve(), out.resolve().parent)
        return urllib.parse.quote(Path(relative).as_posix())

    from modelci import fsutil, protected

    reads = [path for directory in sources for path in protected.report_inputs(directory)]
    role = "one of the records the report is made from"
    out_file = fsutil.check_writable_file(out, inputs=reads, role=role)
    html_file = (
        None
        if html is None
        else fsutil.check_writable_file(html, inputs=reads, flag="--html", role=role)
    )
    if html_file == out_file:
        raise UserError("--html and --out are the same file", where=str(html), fix="Give two names")
    with progress.current.stage("render report"):
        embedded = {path: files[path].read_bytes() for path in sorted(present)} if html else {}
        if board is not None:
            text = markdown.render_leaderboard_markdown(board, image_url=image_url, limit=limit)
            page = html_report.render_leaderboard_html(board, images=embedded) if html else None
        else:
            text = markdown.render_markdown(reports[0], image_url=image_url, limit=limit)
            page = html_report.render_html(reports[0], images=embedded) if html else None
    fsutil.write_text_atomic(out_file, text)
    written = [out]
    if page is not None and html is not None and html_file is not None:
        fsutil.write_text_atomic(html_file, page)
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
