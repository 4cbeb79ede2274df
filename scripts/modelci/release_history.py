"""The model's release history, for `modelci baseline --history N`: the last N published
releases' recorded metrics (`history.json`) and, for each `max_drop_from_best` /
`max_rise_from_best` gate, the best of its last releases downloaded as a run when its model is
not the baseline's.

Every file comes through `baseline.ReleaseAssets`, so it is checked against its release's
SHA256SUMS exactly as the baseline's own files are; a best release is fetched with
`baseline.from_release`, so it is verified (and its model loaded) the same way. The choice of
the best release (`best_release`) is pure and shared with `modelci compare`, which makes it
again for the window of the gates it applies.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents, rundir
from modelci.config import FromBest, GateRule
from modelci.documents.history import BestRun, History, RecordedMetric, ReleasePoint
from modelci.errors import UserError
from modelci.release import contents, tags
from modelci.release.remote import RepoReleases

HISTORY_DIR = "history"  # best releases' runs, in the baseline directory: history/<tag>/


@dataclass(frozen=True, kw_only=True)
class Window:
    """A from-best gate's window: the last `releases` releases, best by `metric`."""

    metric: str
    rule: FromBest
    higher_is_better: bool


def windows(gates: Mapping[str, GateRule]) -> list[Window]:
    """The from-best gates among `gates`, one window each."""
    from modelci import metrics

    found = []
    for name, rule in gates.items():
        best = rule.from_best
        if best is not None and name in metrics.METRICS:
            found.append(
                Window(
                    metric=name, rule=best, higher_is_better=metrics.METRICS[name].higher_is_better
                )
            )
    return found


def best_release(points: Sequence[ReleasePoint], window: Window) -> ReleasePoint | None:
    """The best of the last `window.rule.releases` of `points` (oldest first) by the metric's
    recorded value; the later release wins a tie. None when none recorded the metric.

    >>> from modelci.config import FromBest
    >>> pts = [ReleasePoint(tag=t, published_at=None, model_sha256=None, n_rows=None,
    ...        metrics={"auc": RecordedMetric(value=v)}) for t, v in (("v1", .9), ("v2", .8), ("v3", .8))]
    >>> best_release(pts, Window(metric="auc", rule=FromBest(releases=2, tolerance=0), higher_is_better=True)).tag
    'v3'
    >>> best_release(pts, Window(metric="auc", rule=FromBest(releases=3, tolerance=0), higher_is_better=True)).tag
    'v1'
    """
    sign = 1.0 if window.higher_is_better else -1.0
    recent = list(points)[-window.rule.releases :]
    scored = [
        (sign * value, i, point)
        for i, point in enumerate(recent)
        if (value := recorded(point, window.metric)) is not None
    ]
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def is_baseline(point: ReleasePoint, *, tag: str | None, model_sha256: str | None) -> bool:
    """Whether a release is the baseline: its tag, or the same model file (a predictions run
    has none, so only its tag says)."""
    return point.tag == tag or (
        point.model_sha256 is not None and point.model_sha256 == model_sha256
    )


def recorded(point: ReleasePoint, metric: str) -> float | None:
    """The value of `metric` the release's evaluation recorded (None: not recorded)."""
    found = point.metrics.get(metric)
    return None if found is None else found.value


def adder(
    releases: RepoReleases,
    *,
    count: int,
    gates: Mapping[str, GateRule],
    log: Any = print,
) -> Callable[[Path, Mapping[str, Any], str | None], None]:
    """The `add` hook of `baseline.from_release` that records the history into its stage.

    The from-best gates are the baseline's recorded ones (compare's default policy) and those
    of `gates` (--config: a pull request's own, for `--gates-from candidate`); `best_runs`
    names the recorded gate's best release where both gate a metric, and the other's best run
    is in history/<tag> too."""

    def add(stage: Path, release: Mapping[str, Any], model_sha256: str | None) -> None:
        recorded = recorded_gates(rundir.Run.open(stage))
        gate_windows = [*windows(recorded), *windows(gates)]
        if count == 0 and not gate_windows:
            return  # no trend asked for and no from-best gate: nothing to record
        fetch(
            releases,
            release,
            stage,
            count=count,
            gate_windows=gate_windows,
            model_sha256=model_sha256,
            log=log,
        )

    return add


def recorded_gates(run: rundir.Run) -> dict[str, GateRule]:
    """The gates a run's config recorded; none for a run without one (bring-your-own)."""
    from modelci import comparison

    policy = comparison.recorded_policy(run)
    return {} if policy is None else comparison.gate_rules(policy, "baseline")


def fetch(
    releases: RepoReleases,
    baseline_release: Mapping[str, Any],
    stage: Path,
    *,
    count: int,
    gate_windows: Sequence[Window],
    model_sha256: str | None,
    log: Any = print,
) -> History:
    """Write `history.json` (and `history/<tag>/` for best releases) into the staged baseline
    directory `stage`: the last `count` releases up to the baseline's, oldest first, or as many
    as the widest from-best window needs."""
    from modelci import baseline

    tag = tags.parse_tag(str(baseline_release["tag_name"]), where="release")
    span = max([count, *(w.rule.releases for w in gate_windows)])
    published = releases.list_all()
    chosen = tags.history(published, tag, span)  # a prerelease baseline is not in its trend
    points: list[ReleasePoint] = []
    with tempfile.TemporaryDirectory(prefix="modelci-history-") as scratch:
        for release in chosen:
            point = _point(releases, release, Path(scratch), log=log)
            if point is not None:
                points.append(point)
    best_runs: dict[str, BestRun] = {}
    fetched: dict[str, str] = {}
    for window in gate_windows:
        best = best_release(points, window)
        if best is None or is_baseline(best, tag=tag.raw, model_sha256=model_sha256):
            continue  # the baseline is the best: compare has its predictions already
        if best.tag not in fetched:
            run = f"{HISTORY_DIR}/{best.tag}"
            baseline.from_release(
                releases,
                baseline.Source(kind="release", ref=best.tag),
                stage / HISTORY_DIR / best.tag,
                log=log,
            )
            fetched[best.tag] = run
        best_runs.setdefault(window.metric, BestRun(tag=best.tag, run=fetched[best.tag]))
    history = History(
        repository=f"{releases.owner}/{releases.repo}",
        model=tag.name,
        releases=tuple(points),
        best_runs=best_runs,
    )
    documents.write_history(stage / documents.HISTORY, history)
    log(f"recorded {len(points)} releases of the model in {documents.HISTORY}")
    return history


def previous_points(
    releases: RepoReleases,
    listing: Sequence[Mapping[str, Any]],
    tag: tags.ReleaseTag,
    count: int,
    *,
    warn: Any = print,
) -> tuple[ReleasePoint, ...]:
    """The last `count` releases of `tag`'s model before it, oldest first, for the trend in
    its release notes. Files are verified as for `fetch`, but a release whose files cannot be
    read or do not match is left out with a warning: an old release must not block a new one."""
    from modelci.github.client import Forbidden, GitHubError, Unauthorized

    if count <= 0:
        return ()
    before = [r for r in tags.history(listing, tag, count + 1) if r.get("tag_name") != tag.raw]
    points = []
    with tempfile.TemporaryDirectory(prefix="modelci-history-") as scratch:
        for release in before[-count:]:
            try:
                point = _point(releases, release, Path(scratch), log=warn)
            except (Unauthorized, Forbidden):
                raise
            except (GitHubError, UserError) as error:
                warn(f"{release['tag_name']} is left out of the trend: {error.message}")
                continue
            if point is not None:
                points.append(point)
    return tuple(points)


def _point(
    releases: RepoReleases, release: Mapping[str, Any], scratch: Path, *, log: Any
) -> ReleasePoint | None:
    """One release's run.json and evaluation.json, verified against its SHA256SUMS.

    A release that has no SHA256SUMS, or whose SHA256SUMS does not list both (not published
    by `modelci publish release`, or by an older one), is left out with a note: it has no
    verified record to show. One whose files do not match is refused, as for the baseline."""
    from modelci import baseline

    tag = str(release["tag_name"])
    names = (rundir.RUN, rundir.EVALUATION)
    listed = baseline.assets_by_name(releases, release)
    if contents.SHA256SUMS not in listed or not set(names) <= set(listed):
        log(
            f"release {tag} is left out of the history: it has no SHA256SUMS, run.json and "
            "evaluation.json to verify"
        )
        return None
    assets = baseline.ReleaseAssets.of(releases, release, scratch, listed=listed)
    if any(name not in assets.sums for name in names):
        log(
            f"release {tag} is left out of the history: its SHA256SUMS does not list "
            "run.json and evaluation.json"
        )
        return None
    folder = Path(tempfile.mkdtemp(dir=scratch))
    for name in (rundir.RUN, rundir.EVALUATION):
        assets.download(name, folder / name)
    try:
        run = documents.read_run(folder / rundir.RUN)
        evaluation = documents.read_evaluation(folder / rundir.EVALUATION)
    except UserError as error:
        message = error.message.replace(str(folder) + "/", "")
        raise UserError(f"{assets.label}: {message}", fix=error.fix) from None
    url = release.get("html_url")
    return ReleasePoint(
        tag=tag,
        url=url if isinstance(url, str) else None,
        published_at=str(release.get("published_at") or "") or None,
        model_sha256=None if run.model is None else run.model.sha256,
        n_rows=evaluation.n_rows,
        metrics={m.name: RecordedMetric(value=m.value, ci=m.ci) for m in evaluation.metrics},
    )
