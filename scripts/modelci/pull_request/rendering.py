"""What a PR comment shows, loaded once: one report or the leaderboard of several, and its plots.

`from_directories` loads it from compare (or evaluated run) directories on disk, in the job that
produced them. `from_bundle` loads it from a fork's comment bundle, in the trusted job: the bundle
carries the JSON documents, never markdown, so every string in the comment goes through the
same escaping renderer (`modelci.report.markdown`) whichever job posts it. `bundled_reports` is
the other direction: what of a directory goes into a bundle.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modelci import documents, png
from modelci.documents import COMPARISON, EVALUATION, RUN
from modelci.errors import UserError
from modelci.pull_request import bundle
from modelci.report.inputs import Report, RunFacts

ImageUrl = Callable[[str], str | None]
# Where a report's plot lives: (the report, its plot path) -> PNG bytes, or None when absent.
PlotSource = Callable[[Report, str], bytes | None]


@dataclass(frozen=True, kw_only=True)
class Rendering:
    """The comment's content: `render(image_url, limit, link)` is markdown of at most `limit`
    characters; `plots` are keyed by the paths the markdown names them by."""

    plots: dict[str, bytes]
    render: Callable[[ImageUrl, int, str | None], str]
    leaderboard: bool


def from_directories(
    directories: Sequence[Path], *, images: bool, warn: Callable[[str], None]
) -> Rendering:
    """Load one report, or the leaderboard of several compare (or evaluated run) directories."""
    from modelci.report import inputs

    reports = [inputs.load_report(directory) for directory in directories]

    def plot(report: Report, path: str) -> bytes | None:
        return plot_images(Path(report.source), (path,), warn).get(path)

    return _rendering(reports, plot if images else None)


def from_bundle(received: bundle.CommentBundle) -> Rendering:
    """The comment of a bundle written by untrusted code, rendered here from its documents."""
    images = {str(index): report.images for index, report in enumerate(received.reports)}

    def plot(report: Report, path: str) -> bytes | None:
        index = Path(report.source).parent.name  # `<index>/<name>`, as `reports_from_bundle` sets
        return images.get(index, {}).get(path)

    return _rendering(reports_from_bundle(received), plot)


def reports_from_bundle(received: bundle.CommentBundle) -> list[Report]:
    """Parse the bundle's documents into reports: the one place a fork's data becomes a `Report`.

    The documents are laid out in a private folder as `modelci compare` and `modelci evaluate`
    wrote them and read by the same reader as any report. A comparison's recorded run
    directories are pointed at the bundled run documents (or at nothing), so that no path the
    bundle names is ever looked up on this machine; the report still shows the recorded ones.
    """
    from modelci.report import inputs

    reports = []
    with tempfile.TemporaryDirectory(prefix="modelci-bundle-") as workdir:
        for index, bundled in enumerate(received.reports):
            root = Path(workdir) / str(index)
            folder = root / "report"  # beside candidate/ and baseline/, whatever its name
            folder.mkdir(parents=True)
            where = f"{bundle.REPORTS}/{index}"
            documents = dict(bundled.documents)
            recorded: dict[str, str | None] = {}
            if "comparison.json" in documents:
                doc = bundle.strict_json(documents["comparison.json"], f"{where}/comparison.json")
                for side in ("candidate", "baseline"):
                    info = doc.get(side)
                    if not isinstance(info, dict):
                        continue  # the reader says what is wrong with it
                    run = info.get("run")
                    recorded[side] = run if isinstance(run, str) and run else None
                    names = [f"{side}/run.json", f"{side}/evaluation.json"]
                    bundled_run = [name for name in names if name in documents]
                    info["run"] = str((root / side).resolve()) if bundled_run else None
                documents["comparison.json"] = json.dumps(doc).encode("utf-8")
            for name, data in documents.items():
                target = root / name if "/" in name else folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            try:
                report = inputs.load_report(folder)
            except UserError as error:
                # Name the bundle's member, not this machine's scratch folder.
                message = error.line().replace(f"{folder}/", f"{where}/")
                message = message.replace(f"{root}/", f"{where}/")
                raise UserError(
                    f"comment bundle refused: {where} ({bundled.name}): {message}"
                ) from None
            except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
                # A document of the right schema but the wrong shape: hostile or broken, and
                # refused in one line either way, never a traceback in the trusted job.
                raise UserError(
                    f"comment bundle refused: {where} ({bundled.name}): a document has the "
                    f"wrong shape ({type(error).__name__})"
                ) from None
            reports.append(_with_recorded_paths(report, recorded, source=f"{index}/{bundled.name}"))
    return reports


def _with_recorded_paths(report: Report, recorded: dict[str, str | None], *, source: str) -> Report:
    def facts(run: RunFacts | None, side: str) -> RunFacts | None:
        return replace(run, path=recorded[side]) if run is not None and side in recorded else run

    return replace(
        report,
        source=source,
        candidate_run=facts(report.candidate_run, "candidate"),
        baseline_run=facts(report.baseline_run, "baseline"),
    )


def bundled_reports(
    directories: Sequence[Path], *, images: bool, warn: Callable[[str], None]
) -> tuple[bundle.BundledReport, ...]:
    """What the bundle carries of each directory: the documents its report is read from, and
    the plots it shows (those a bundle can hold, `bundle.IMAGE`)."""
    from modelci.report import inputs

    bundled = []
    for directory in directories:
        directory = Path(directory)
        report = inputs.load_report(directory)  # refuses here what the trusted job would
        carried: dict[str, bytes] = {}
        if (directory / COMPARISON).is_file():
            comparison = documents.read_comparison(directory / COMPARISON)
            carried[COMPARISON] = documents.checked_bytes(directory / COMPARISON)
            for label, side in (
                ("candidate", comparison.candidate),
                ("baseline", comparison.baseline),
            ):
                run = inputs.find_run_dir(side.run, directory)
                for name in (RUN, EVALUATION):
                    if run is not None and (run / name).is_file():
                        carried[f"{label}/{name}"] = documents.checked_bytes(run / name)
        else:
            for name in (EVALUATION, RUN):
                if (directory / name).is_file():
                    carried[name] = documents.checked_bytes(directory / name)
        plots: dict[str, bytes] = {}
        if images:
            for path, data in plot_images(directory, report.plots, warn).items():
                if bundle.IMAGE.fullmatch(path):
                    plots[path] = data
                else:
                    warn(f"{directory / path}: a bundle holds only plots/<name>.png; left out")
        name = directory.resolve().name
        bundled.append(
            bundle.BundledReport(
                name=name if bundle.NAME.fullmatch(name) else "report",
                documents=carried,
                images=plots,
            )
        )
    return tuple(bundled)


def plot_images(
    directory: Path, plots: tuple[str, ...], warn: Callable[[str], None]
) -> dict[str, bytes]:
    """The report's plots that exist as PNG files, by relative path."""
    images: dict[str, bytes] = {}
    for plot in plots:
        path = directory / plot
        if not path.is_file():
            warn(f"{path}: listed in the report but missing; the comment shows it without")
            continue
        data = path.read_bytes()
        if not png.is_png(data):
            warn(f"{path}: not a PNG image; left out of the comment")
            continue
        images[plot] = data
    return images


def _rendering(reports: Sequence[Report], plot: PlotSource | None) -> Rendering:
    """One report, or the leaderboard of several; `plot` finds their images (None: no images)."""
    from modelci.report import leaderboard, markdown

    if len(reports) == 1:
        report = reports[0]
        found = {path: plot(report, path) for path in report.plots} if plot else {}
        return Rendering(
            plots={path: data for path, data in found.items() if data is not None},
            render=lambda url, limit, link: markdown.render_markdown(
                report, image_url=url, limit=limit, full_report_url=link
            ),
            leaderboard=False,
        )
    board = leaderboard.build_leaderboard(reports)
    by_source = {report.source: report for report in reports}
    plots: dict[str, bytes] = {}
    if plot is not None:
        for prefixed, (source, path) in board.plots.items():
            data = plot(by_source[source], path)
            if data is not None:
                plots[prefixed] = data
    return Rendering(
        plots=plots,
        render=lambda url, limit, link: markdown.render_leaderboard_markdown(
            board, image_url=url, limit=limit, full_report_url=link
        ),
        leaderboard=True,
    )
