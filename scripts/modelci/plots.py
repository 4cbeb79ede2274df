"""PNG plots drawn from the run-directory JSON (`evaluation.json`, `comparison.json`).

Compute once, render later: `evaluate` and `compare` write the numbers, these functions only draw
them, so a plot can be re-rendered from the JSON alone and the same JSON gives the same bytes.

Every figure is a bare `matplotlib.figure.Figure` on an Agg canvas inside an `rc_context`: no
pyplot, so no global figure state leaks between plots or into the caller's process.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from modelci import calibration, slice_plot
from modelci.documents import (
    CalibrationCurve,
    Comparison,
    ConfusionMatrix,
    Curves,
    Evaluation,
    Histogram,
    Importance,
    PrCurve,
    RegressionDetails,
    RocCurve,
    Sample,
)
from modelci.fsutil import write_bytes_atomic
from modelci.report.numbers import ci_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Titles by file stem; the report uses them as image alt text and captions.
TITLES: dict[str, str] = {
    "metric_deltas": "Metric deltas with confidence intervals",
    "confusion_matrix": "Confusion matrix",
    "roc": "ROC curve",
    "pr": "Precision–recall curve",
    "calibration": "Calibration (reliability diagram)",
    "importance": "Permutation importance",
    "predicted_vs_actual": "Predicted vs actual",
    "residuals": "Residuals vs predicted",
    "residual_histogram": "Residual histogram",
    "history": "Metrics over the last releases",
}

BASELINE = "#8c8c8c"
CANDIDATE = "#1f77b4"
REFERENCE = "#b0b0b0"
GATE_COLOURS = {"pass": "#2ca02c", "fail": "#d62728", "none": "#7f7f7f"}
# tab10 without its grey, which is the baseline's colour.
CLASS_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)

WIDTH, HEIGHT, DPI = 5.0, 4.0, 100
# Legends with more entries than this would cover the curves; the report's tables carry the rest.
MAX_LEGEND = 12
TOP_FEATURES = 15
LABEL_CHARS = 24

# DejaVu Sans ships with matplotlib, so the bytes do not depend on the fonts of the CI machine.
_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e8e8e8",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "lines.linewidth": 1.6,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "image.cmap": "Blues",
}


@dataclass(frozen=True, kw_only=True)
class _Line:
    x: Sequence[float]
    y: Sequence[float]
    colour: str
    label: str | None
    dashed: bool = False


def render_evaluation_plots(evaluation: Evaluation, out_dir: Path) -> list[str]:
    """Draw the plots of one evaluated run into `out_dir/plots/`; return their relative paths.

    A plot whose data is missing (no probabilities → no ROC; no importance) is skipped.
    """
    drawings: dict[str, _Drawing | None]
    if evaluation.task == "regression":
        regression = evaluation.regression or RegressionDetails()
        drawings = {
            "predicted_vs_actual": _predicted_vs_actual({"": regression.sample}),
            "residuals": _residuals(regression.sample),
            "residual_histogram": _residual_histogram({"": regression.residual_histogram}),
            "importance": _importance(evaluation.importance),
        }
    else:
        curves = evaluation.curves or Curves()
        drawings = {
            "confusion_matrix": _confusion_matrix(evaluation.confusion_matrix),
            "roc": _roc({"": curves.roc}),
            "pr": _pr({"": curves.pr}, prevalence=evaluation.prevalence),
            "calibration": _calibration({"": curves.calibration}),
            "importance": _importance(evaluation.importance),
        }
    return _save_all(drawings, out_dir)


def render_comparison_plots(comparison: Comparison, out_dir: Path) -> list[str]:
    """Draw baseline-vs-candidate overlays, the metric-delta forest plot and the trend over the
    releases into `out_dir/plots/`."""
    base_label, cand_label = comparison.baseline.label, comparison.candidate.label
    if base_label == cand_label:
        # The sides are keyed by label below; two equal labels would merge them.
        base_label, cand_label = "baseline", "candidate"
    drawings: dict[str, _Drawing | None] = {"metric_deltas": _metric_deltas(comparison)}
    if comparison.task == "regression":
        base = comparison.baseline_regression or RegressionDetails()
        cand = comparison.candidate_regression or RegressionDetails()
        drawings["predicted_vs_actual"] = _predicted_vs_actual(
            {base_label: base.sample, cand_label: cand.sample}
        )
        drawings["residual_histogram"] = _residual_histogram(
            {base_label: base.residual_histogram, cand_label: cand.residual_histogram}
        )
    else:
        curves = comparison.baseline_curves, comparison.candidate_curves
        for name, draw in (("roc", _roc), ("pr", _pr), ("calibration", _calibration)):
            drawings[name] = draw(
                {
                    label: getattr(side, name) if side else None
                    for label, side in zip((base_label, cand_label), curves, strict=True)
                }
            )
    drawings["slices"] = _drawing(slice_plot.forest(comparison, width=WIDTH + 1.0))
    from modelci import history_plot  # the trend over the releases (comparison.history)

    drawings[history_plot.NAME] = history_plot.drawing(history_plot.of_comparison(comparison))
    return _save_all(drawings, out_dir)


# --- figure plumbing -------------------------------------------------------------------------

Curve = TypeVar("Curve", RocCurve, PrCurve, CalibrationCurve)


@dataclass(frozen=True, kw_only=True)
class _Drawing:
    """How to draw one figure, its size in inches, and how to lay it out.

    Constrained layout measures every text extent before drawing, a third of a plot's cost.
    Plots whose labels are short and fixed (unit axes, numeric ticks) get fixed margins in
    inches instead; those with data-sized labels (class names, feature names, metric names)
    keep the constrained layout.
    """

    draw: Callable[[Figure], None]
    size: tuple[float, float]
    margins: Mapping[str, float] | None = None  # None: constrained layout


# Fixed margins (inches) around the axes: tick labels and axis label on the left and bottom,
# the title on top; found by measuring what constrained layout gives these plots, plus slack.
MARGINS = {"left": 0.62, "bottom": 0.45, "right": 0.12, "top": 0.28, "between": 0.2}
# Average glyph width of DejaVu Sans, in inches per point of font size, to size margins by text.
GLYPH_WIDTH = 0.0082


def _drawing(forest: slice_plot.Forest | None) -> _Drawing | None:
    return None if forest is None else _Drawing(draw=forest.draw, size=forest.size)


def _save_all(drawings: Mapping[str, _Drawing | None], out_dir: Path) -> list[str]:
    written = []
    for name, drawing in drawings.items():
        if drawing is None:
            continue
        png = _png(drawing.draw, drawing.size, margins=drawing.margins)
        write_bytes_atomic(out_dir / "plots" / f"{name}.png", png)
        written.append(f"plots/{name}.png")
    return written


def _png(
    draw: Callable[[Figure], None],
    size: tuple[float, float],
    *,
    margins: Mapping[str, float] | None = None,
) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = size
    with matplotlib.rc_context(cast(Any, _RC)):
        figure = Figure(figsize=size, dpi=DPI, layout=None if margins else "constrained")
        FigureCanvasAgg(figure)
        draw(figure)
        if margins:
            rows = len(figure.axes)
            tall = height - margins["bottom"] - margins["top"]
            gaps = margins["between"] * (rows - 1)
            figure.subplots_adjust(
                left=margins["left"] / width,
                right=1 - margins["right"] / width,
                bottom=margins["bottom"] / height,
                top=1 - margins["top"] / height,
                # hspace is a fraction of the mean axes height.
                hspace=margins["between"] / max((tall - gaps) / rows, 1e-6),
            )
        buffer = io.BytesIO()
        # No Software/version text chunk: the same data must give the same bytes on any machine.
        # zlib's default level: PIL's `optimize` spent a fifth of the plot time for ~10 % bytes.
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    """A name from the data or a config (a class, a feature, a slice, a release tag) as plot
    text: one line, shortened, and its "$" escaped, since matplotlib reads $…$ as mathtext."""
    label = " ".join(str(label).split())
    label = label if len(label) <= limit else label[: limit - 1] + "…"
    return label.replace("$", r"\$")


def _series_lines(
    sides: Mapping[str, Mapping[str, Curve] | None],
    *,
    points: Callable[[Curve], tuple[Sequence[float], Sequence[float]]],
    score: Callable[[Curve], str] | None = None,
) -> list[_Line]:
    """Lines for one curve kind: per class for one run, or baseline vs candidate overlays.

    `sides` maps a side label ("" for a single run) to that side's `{class: curve}` dict. With
    one run every class gets its own colour; in a comparison of a binary task the baseline is
    grey and the candidate blue; for multiclass each class keeps its colour and the baseline is
    dashed, so a class's two curves sit next to each other in the legend.
    """
    present = {side: curves for side, curves in sides.items() if curves}
    if not present:
        return []
    classes = list(dict.fromkeys(c for curves in present.values() for c in curves))
    compare = "" not in present
    lines = []
    for index, cls in enumerate(classes):
        class_colour = CLASS_COLOURS[index % len(CLASS_COLOURS)]
        for side, curves in present.items():
            # Position among all sides, not the present ones: a missing baseline must not
            # turn the candidate grey.
            side_index = list(sides).index(side)
            curve = curves.get(cls)
            if curve is None or not points(curve)[0]:
                continue
            pairs = points(curve)
            if not compare:
                colour = CANDIDATE if len(classes) == 1 else class_colour
                label = _label(None if len(classes) == 1 else _short(cls), score, curve)
                lines.append(_Line(x=pairs[0], y=pairs[1], colour=colour, label=label))
            elif len(classes) == 1:
                colour = BASELINE if side_index == 0 else CANDIDATE
                label = _label(_short(side), score, curve)
                lines.append(_Line(x=pairs[0], y=pairs[1], colour=colour, label=label))
            else:
                label = _label(f"{_short(cls)} {_short(side, 12)}", score, curve)
                lines.append(
                    _Line(
                        x=pairs[0],
                        y=pairs[1],
                        colour=class_colour,
                        label=label,
                        dashed=side_index == 0,
                    )
                )
    return lines


def _label(name: str | None, score: Callable[[Curve], str] | None, curve: Curve) -> str | None:
    if score is None:
        return name
    return f"{name} ({score(curve)})" if name else score(curve)


def _draw_lines(
    ax: Axes, lines: Sequence[_Line], *, markers: bool = False, steps: bool = False
) -> None:
    for line in lines:
        ax.plot(
            line.x,
            line.y,
            color=line.colour,
            linestyle="--" if line.dashed else "-",
            linewidth=1.3 if line.dashed else 1.6,
            marker="o" if markers else None,
            markersize=3,
            # Precision is only defined at the thresholds; between them it holds (as in sklearn).
            drawstyle="steps-post" if steps else "default",
            label=line.label,
        )


def _legend(ax: Axes, count: int, loc: Literal["lower right", "lower left", "upper left"]) -> None:
    if 0 < count <= MAX_LEGEND:
        ax.legend(loc=loc, ncols=2 if count > 6 else 1, fontsize=8 if count <= 6 else 6.5)


def _unit_axes(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


# --- classification --------------------------------------------------------------------------


def _roc(sides: Mapping[str, Mapping[str, RocCurve] | None]) -> _Drawing | None:
    lines = _series_lines(
        sides, points=lambda c: (c.fpr, c.tpr), score=lambda c: f"AUC {_fmt(c.auc)}"
    )
    if not lines:
        return None

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        ax.plot([0, 1], [0, 1], color=REFERENCE, linestyle=":", linewidth=1, label="chance")
        _draw_lines(ax, lines)
        _unit_axes(ax, "false positive rate", "true positive rate")
        ax.set_title(_title("ROC curve", sides, lines))
        _legend(ax, len(lines) + 1, "lower right")

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


def _pr(
    sides: Mapping[str, Mapping[str, PrCurve] | None], *, prevalence: float | None = None
) -> _Drawing | None:
    lines = _series_lines(
        sides, points=lambda c: (c.recall, c.precision), score=lambda c: f"AP {_fmt(c.ap)}"
    )
    if not lines:
        return None

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        if prevalence is not None:
            # A classifier that guesses at random has precision equal to the positive rate.
            ax.axhline(prevalence, color=REFERENCE, linestyle=":", linewidth=1, label="chance")
        _draw_lines(ax, lines, steps=True)
        _unit_axes(ax, "recall", "precision")
        ax.set_title(_title("Precision–recall", sides, lines))
        _legend(ax, len(lines) + (prevalence is not None), "lower left")

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


def _calibration(sides: Mapping[str, Mapping[str, CalibrationCurve] | None]) -> _Drawing | None:
    """Reliability diagram over the bins evaluation.json records, each point with its binomial
    standard error, and below it the rows in each bin, so a point on few rows reads as such."""
    lines = _series_lines(sides, points=lambda c: (c.prob_pred, c.prob_true))
    if not lines:
        return None
    # Same order as `lines`: the bins' edges where recorded (equal-count bins), else the bins'
    # mean predicted probability (files from before edges were recorded).
    counts = _series_lines(sides, points=lambda c: (c.edges or c.prob_pred, c.count))
    total = _total(sides)
    quantile = all(len(line.x) == len(line.y) + 1 for line in counts)

    def draw(figure: Figure) -> None:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        top.plot([0, 1], [0, 1], color=REFERENCE, linestyle=":", linewidth=1, label="perfect")
        _draw_lines(top, lines, markers=True)
        for line, rows in zip(lines, counts, strict=True):
            below, above = calibration.wilson_bars(list(line.y), list(rows.y))
            top.errorbar(
                line.x,
                line.y,
                yerr=[below, above],
                fmt="none",
                ecolor=line.colour,
                elinewidth=0.8,
                capsize=2,
                alpha=0.6,
            )
        top.set_xlim(-0.01, 1.01)
        top.set_ylim(-0.01, 1.02)
        top.set_ylabel("observed frequency")
        notes = [f"n={total}" if total else None, "equal-count bins" if quantile else None]
        top.set_title(_title("Calibration", sides, lines, ", ".join(filter(None, notes)) or None))
        top.text(
            0.99,
            0.02,
            "bars: Wilson interval, ±1 standard error",
            transform=top.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#666666",
        )
        # Over-confident models sag below the diagonal on the right; the top left stays clear.
        _legend(top, len(lines) + 1, "upper left")
        _bin_counts(bottom, counts)
        bottom.set_xlabel("predicted probability" if quantile else "mean predicted probability")
        bottom.set_ylabel("rows")

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


def _bin_counts(ax: Axes, counts: Sequence[_Line]) -> None:
    """Rows per bin: steps over the bins' edges, or bars at the bins' means in older files."""
    width = 0.025 if len(counts) > 1 else 0.035
    for index, line in enumerate(counts):
        style = "--" if line.dashed else "-"
        if len(line.x) == len(line.y) + 1:
            # Equal-count bins have unequal widths: each bin's rows drawn across its own range.
            fill = len(counts) <= 2
            ax.stairs(
                line.y,
                line.x,
                color=line.colour,
                linestyle=style,
                linewidth=1,
                fill=fill,
                alpha=0.35 if fill else 1.0,
            )
            if fill:
                ax.stairs(line.y, line.x, color=line.colour, linestyle=style, linewidth=1)
        elif len(counts) <= 2:
            # Bars for one or two series; more would hide each other, so they become lines.
            offset = (index - (len(counts) - 1) / 2) * width
            x = [v + offset for v in line.x]
            ax.bar(x, line.y, width=width, color=line.colour, alpha=0.75)
        else:
            ax.plot(
                line.x,
                line.y,
                color=line.colour,
                linestyle=style,
                marker="o",
                markersize=2.5,
                linewidth=1,
            )


def _total(sides: Mapping[str, Mapping[str, CalibrationCurve] | None]) -> int | None:
    """Rows behind one calibration curve (every class and side is scored on the same rows)."""
    for curves in sides.values():
        for curve in (curves or {}).values():
            if curve.count:
                return int(sum(curve.count))
    return None


def _title(
    base: str, sides: Mapping[str, object], lines: Sequence[_Line], extra: str | None = None
) -> str:
    notes = []
    compare = "" not in sides
    if compare and any(line.dashed for line in lines):
        notes.append(f"dashed: {_short(next(iter(sides)), 12)}")
    if not compare and len(lines) > 1:
        notes.append("one vs rest")
    if extra:
        notes.append(extra)
    return f"{base} ({', '.join(notes)})" if notes else base


def _confusion_matrix(matrix: ConfusionMatrix | None) -> _Drawing | None:
    if matrix is None or not matrix.labels:
        return None
    labels = matrix.labels
    values = [[float(v) for v in row] for row in matrix.counts]
    shares = [[v / sum(row) if sum(row) else 0.0 for v in row] for row in values]
    n = len(labels)
    names = [_short(label, 14 if n <= 12 else 18) for label in labels]
    tick_size = 8 if n <= 12 else 6
    # Numbers in cells stop being readable past a dozen classes; a colour bar takes over.
    annotate = n <= 12
    fontsize = 9 if n <= 5 else 7 if n <= 8 else 6

    def panel(ax: Axes, grid: list[list[float]], title: str, text: Callable[[int, int], str]):
        top = max(max(row) for row in grid) or 1.0
        image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=top)
        ax.grid(False)
        ax.set_title(title)
        ticks = list(range(n))
        shown = names if n <= 30 else [""] * n
        ax.set_xticks(ticks, shown, rotation=45 if n > 3 else 0, fontsize=tick_size)
        ax.set_yticks(ticks, shown, fontsize=tick_size)
        if n > 3:
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        if annotate:
            for i in range(n):
                for j in range(n):
                    dark = grid[i][j] > 0.55 * top
                    ax.text(
                        j,
                        i,
                        text(i, j),
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        color="white" if dark else "#222222",
                    )
        else:
            ax.figure.colorbar(image, ax=ax, shrink=0.8)

    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        panel(left, values, "counts", lambda i, j: f"{values[i][j]:g}")
        panel(right, shares, "share of true class (row)", lambda i, j: f"{shares[i][j]:.0%}")

    return _Drawing(draw=draw, size=(2 * WIDTH - 1, HEIGHT))


def _importance(importance: Importance | None) -> _Drawing | None:
    if importance is None or not importance.features:
        return None
    rows = [(f.feature, f.mean, f.std) for f in importance.features]
    total = len(rows)
    rows = sorted(rows, key=lambda row: -row[1])[:TOP_FEATURES]
    scoring = importance.scoring

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        positions = list(range(len(rows)))
        ax.barh(
            positions,
            [row[1] for row in rows],
            xerr=[row[2] or 0.0 for row in rows],
            color=CANDIDATE,
            alpha=0.85,
            height=0.65,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 1},
        )
        ax.set_yticks(positions, [_short(row[0], 28) for row in rows])
        # Most important on top, the way people read a ranking.
        ax.invert_yaxis()
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"drop in {_short(scoring, 30)} when shuffled" if scoring else "importance")
        shown = f"top {len(rows)} of {total}" if total > len(rows) else f"{total} features"
        ax.set_title(f"Permutation importance ({shown})")

    return _Drawing(draw=draw, size=(WIDTH, max(HEIGHT, 1.2 + 0.22 * len(rows))))


# --- regression ------------------------------------------------------------------------------


def _scatter_alpha(n: int) -> float:
    return 0.7 if n <= 200 else 0.45 if n <= 1000 else 0.25


def _predicted_vs_actual(sides: Mapping[str, Sample | None]) -> _Drawing | None:
    series = []
    for index, (side, sample) in enumerate(sides.items()):
        if sample is None or not sample.y_true:
            continue
        pairs = sample.y_true, sample.y_pred
        colour = CANDIDATE if side == "" or index > 0 else BASELINE
        series.append((side, pairs, colour))
    if not series:
        return None
    low = min(min(p[0]) for _, p, _ in series) if series else 0.0
    low = min(low, min(min(p[1]) for _, p, _ in series))
    high = max(max(max(p[0]) for _, p, _ in series), max(max(p[1]) for _, p, _ in series))
    pad = (high - low) * 0.03 or 1.0

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        ax.plot(
            [low, high], [low, high], color=REFERENCE, linestyle=":", linewidth=1, label="y = x"
        )
        for side, (actual, predicted), colour in series:
            ax.scatter(
                actual,
                predicted,
                s=8,
                color=colour,
                alpha=_scatter_alpha(len(actual)),
                linewidths=0,
                label=f"{_short(side)} (n={len(actual)})" if side else f"n={len(actual)}",
            )
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(low - pad, high + pad)
        ax.set_xlabel("actual")
        ax.set_ylabel("predicted")
        ax.set_title("Predicted vs actual")
        ax.legend(loc="upper left", markerscale=2)

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


def _residuals(sample: Sample | None) -> _Drawing | None:
    if sample is None or not sample.y_true:
        return None
    actual, predicted = sample.y_true, sample.y_pred
    residual = [a - p for a, p in zip(actual, predicted, strict=True)]

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        ax.axhline(0, color=REFERENCE, linestyle=":", linewidth=1)
        ax.scatter(
            predicted,
            residual,
            s=8,
            color=CANDIDATE,
            alpha=_scatter_alpha(len(residual)),
            linewidths=0,
        )
        ax.set_xlabel("predicted")
        ax.set_ylabel("residual (actual − predicted)")
        ax.set_title(f"Residuals vs predicted (n={len(residual)})")

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


def _residual_histogram(sides: Mapping[str, Histogram | None]) -> _Drawing | None:
    series = []
    for index, (side, histogram) in enumerate(sides.items()):
        if histogram is None or not histogram.counts:
            continue
        colour = CANDIDATE if side == "" or index > 0 else BASELINE
        series.append((side, histogram.edges, histogram.counts, colour))
    if not series:
        return None

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for side, edges, counts, colour in series:
            label = _short(side) if side else None
            ax.stairs(counts, edges, fill=True, color=colour, alpha=0.35 if side else 0.7)
            ax.stairs(counts, edges, color=colour, linewidth=1.2, label=label)
        ax.axvline(0, color="#555555", linestyle=":", linewidth=1)
        ax.set_xlabel("residual (actual − predicted)")
        ax.set_ylabel("count")
        ax.set_title("Residual histogram")
        if any(side for side, *_ in series):
            ax.legend(loc="upper right")

    return _Drawing(draw=draw, size=(WIDTH, HEIGHT), margins=MARGINS)


# --- comparison: the forest plot -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _DeltaRow:
    name: str
    status: str
    primary: bool
    lower_is_better: bool
    delta: float
    low: float | None
    high: float | None


def _metric_deltas(comparison: Comparison) -> _Drawing | None:
    """One row per metric: the delta, its interval and a zero line, coloured by gate status.

    Metrics live on unrelated scales (AUC, log loss, bytes, milliseconds), so a shared axis would
    flatten all but one row. Each row gets its own symmetric scale around zero instead, with the
    numbers printed beside it; what the eye compares is the side of zero and whether the
    interval crosses it. Lower-is-better rows are mirrored so that right is always better.
    """
    rows = _delta_rows(comparison)
    if not rows:
        return None
    confidence = comparison.confidence

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(rows), 1, squeeze=False)[:, 0]
        for ax, row in zip(axes, rows, strict=True):
            colour = GATE_COLOURS.get(row.status, GATE_COLOURS["none"])
            values = [v for v in (row.delta, row.low, row.high) if v is not None]
            extent = max(abs(v) for v in values) * 1.25 or 1.0
            ax.set_xlim(extent, -extent) if row.lower_is_better else ax.set_xlim(-extent, extent)
            ax.set_ylim(-1, 1)
            ax.axvline(0, color="#444444", linewidth=1)
            if row.low is not None and row.high is not None:
                ax.plot([row.low, row.high], [0, 0], color=colour, linewidth=2.4)
            ax.plot([row.delta], [0], marker="o", color=colour, markersize=7, linestyle="none")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.spines["bottom"].set_color("#dddddd")
            name = _short(row.name, 24) + (" ↓" if row.lower_is_better else "")
            ax.set_ylabel(
                name,
                rotation=0,
                ha="right",
                va="center",
                fontsize=8,
                fontweight="bold" if row.primary else "normal",
            )
            text = "\n".join(_delta_text(row))
            ax.annotate(text, xy=(1.03, 0.5), xycoords="axes fraction", va="center", fontsize=7)
        axes[0].set_title(f"Metric deltas (candidate − baseline), {ci_label(confidence)}")
        axes[-1].set_xlabel(
            "← worse      better →\neach row on its own scale; ↓ lower is better, drawn mirrored",
            fontsize=7,
        )
        present = [s for s in ("fail", "pass", "none") if any(r.status == s for r in rows)]
        names = {"fail": "gate failed", "pass": "gate passed", "none": "no gate"}
        handles = [
            axes[0].plot([], [], marker="o", linestyle="none", color=GATE_COLOURS[s])[0]
            for s in present
        ]
        figure.legend(
            handles,
            [names[s] for s in present],
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=len(present),
            fontsize=8,
        )

    # Margins sized by the longest name (left) and the longest printed interval (right), so the
    # layout needs no measuring pass: with one axes per metric that pass was half the plot's time.
    names_width = max(len(_short(r.name, 24)) + 2 * r.lower_is_better for r in rows)
    numbers_width = max(len(line) for r in rows for line in _delta_text(r))
    margins = {
        "left": 0.15 + names_width * 8 * GLYPH_WIDTH,
        "right": 0.25 + numbers_width * 7 * GLYPH_WIDTH,
        "top": 0.3,
        "bottom": 0.75,
        "between": 0.06,
    }
    size = (WIDTH + 1.0, max(2.6, 1.4 + 0.5 * len(rows)))
    return _Drawing(draw=draw, size=size, margins=margins)


def _delta_text(row: _DeltaRow) -> list[str]:
    """A row's delta and interval as the report's table writes them (report.numbers)."""
    from modelci.report.numbers import Precision

    ci = (row.low, row.high) if row.low is not None and row.high is not None else None
    precision = Precision.of(ci, row.delta)
    lines = [precision.delta(row.delta)]
    return lines if ci is None else [*lines, precision.interval(ci, sign=True)]


def _delta_rows(comparison: Comparison) -> list[_DeltaRow]:
    rows = []
    for metric in comparison.metrics:
        if metric.delta is None:
            continue
        low, high = metric.ci if metric.ci is not None else (None, None)
        rows.append(
            _DeltaRow(
                name=metric.name,
                status=metric.gate.status,
                primary=metric.name == comparison.primary,
                lower_is_better=metric.higher_is_better is False,
                delta=metric.delta,
                low=low,
                high=high,
            )
        )
    # The same order as the report's table: failed gates, the primary metric, the rest.
    rows.sort(key=lambda row: (row.status != "fail", not row.primary))
    return rows
