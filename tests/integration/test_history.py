"""History across releases against the fake GitHub: `modelci baseline --history` records the
model's last releases (verified), and a `max_drop_from_best` gate catches the slow decay a
per-PR `max_drop` lets through.

The models are decision stumps, each on its own feature column: model k's feature is the
target except on a known set of test rows, so its test accuracy is exactly what the test
chose, and every release is 0.8 × the per-PR tolerance worse than the one before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_in_process
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO
from tests.integration.release_world import (
    assets_of,
    clean_environment,
    no_sleep_client,
    one_line_error,
    publish,
    release_of,
    use,
)

TEST_ROWS = 2000
ALWAYS_WRONG = 100  # every model misses the last 100 test rows: the best has accuracy 0.95
TOLERANCE = 0.01
STEP = int(0.8 * TOLERANCE * TEST_ROWS)  # 16 more rows missed per release: 0.8 × tolerance
MODELS = 6  # five releases and the candidate

CONFIG = """\
name: tumour
data: {{train: train.csv, test: test.csv, target: target, drop: [{drop}]}}
model:
  estimator: sklearn.tree.DecisionTreeClassifier
  params: {{max_depth: 1, random_state: 0}}
metrics: {{importance: false, plots: false, resamples: 200}}
compare: {{history: {history}}}
gates:
  accuracy:
    max_drop: {tolerance}
    max_drop_from_best: {{releases: {releases}, tolerance: {tolerance}}}
"""


def _write_data(root: Path) -> None:
    """train.csv (each f_k is the target but for every 20th row, so the stumps' leaves are not
    pure) and test.csv (f_k misses the first STEP × k rows and the last ALWAYS_WRONG)."""
    names = [f"f{k}" for k in range(MODELS)]

    def table(rows: int, wrong: Any) -> str:
        lines = [",".join([*names, "target"])]
        for i in range(rows):
            truth = "yes" if (i * 7) % 3 == 0 else "no"
            flipped = "no" if truth == "yes" else "yes"
            values = [str(int((flipped if wrong(i, k) else truth) == "yes")) for k in range(MODELS)]
            lines.append(",".join([*values, truth]))
        return "\n".join(lines) + "\n"

    (root / "train.csv").write_text(table(600, lambda i, k: i % 20 == 0))
    (root / "test.csv").write_text(
        table(TEST_ROWS, lambda i, k: i < STEP * k or i >= TEST_ROWS - ALWAYS_WRONG)
    )


def _config(root: Path, k: int, *, releases: int = 5, history: int = 10) -> Path:
    drop = ", ".join(f"f{j}" for j in range(MODELS) if j != k)
    path = root / f"model{k}-{releases}-{history}.yaml"
    text = CONFIG.format(drop=drop, tolerance=TOLERANCE, history=history, releases=releases)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Model k trained and evaluated into runs/model<k> (in-process: sklearn is imported once)."""
    root = tmp_path_factory.mktemp("history-runs")
    _write_data(root)
    found = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for k in range(MODELS):
            config = _config(root, k)
            for args in (
                ("train", "-c", str(config), "--out", f"runs/model{k}"),
                ("evaluate", f"runs/model{k}"),
            ):
                result = run_in_process(*args)
                assert result.code == 0, result.stderr
            found[k] = root / "runs" / f"model{k}"
    return found


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub, tmp_path: Path) -> None:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    no_sleep_client(monkeypatch)
    use(monkeypatch, fake_github, tmp_path)


def _publish_five(runs: dict[int, Path]) -> list[str]:
    tags = [f"tumour@v1.{k}.0" for k in range(5)]
    for k, tag in enumerate(tags):
        published = publish(runs[k], tag)
        assert published.code == 0, published.stderr
    return tags


def _fetch(runs: dict[int, Path], *extra: str, releases: int = 5) -> Any:
    """`modelci baseline --from release:latest` with the candidate's config (its name: picks
    the tumour@ tags and its gates the from-best windows)."""
    config = _config(runs[5].parents[1], 5, releases=releases)
    return run_in_process(
        "baseline", "--from", "release:latest", "--out", "baseline", "-c", str(config), *extra
    )


def _accuracy(run: Path) -> float:
    return json.loads((run / "metrics.json").read_text())["accuracy"]


def test_the_models_decay_as_constructed(runs: dict[int, Path]) -> None:
    for k in range(MODELS):
        assert _accuracy(runs[k]) == pytest.approx(1 - (ALWAYS_WRONG + STEP * k) / TEST_ROWS)


def test_slow_decay_passes_per_pr_but_fails_against_the_best_release(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    tags = _publish_five(runs)
    fetched = _fetch(runs)
    assert fetched.code == 0, fetched.stderr

    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert history["schema"] == "modelci.history/1" and history["model"] == "tumour"
    assert [r["tag"] for r in history["releases"]] == tags  # oldest first
    recorded = [r["metrics"]["accuracy"]["value"] for r in history["releases"]]
    assert recorded == pytest.approx([_accuracy(runs[k]) for k in range(5)])
    # The best of the last five is the oldest, a different model: downloaded and verified.
    assert history["best_runs"] == {"accuracy": {"tag": tags[0], "run": f"history/{tags[0]}"}}
    best_dir = tmp_path / "baseline" / "history" / tags[0]
    assert (best_dir / "model.skops").read_bytes() == (runs[0] / "model.skops").read_bytes()

    compared = run_in_process(
        "compare", str(runs[5]), "baseline", "--out", "compare", "--gates-from", "baseline"
    )
    assert compared.code == 1, compared.stderr
    comparison = json.loads((tmp_path / "compare" / "comparison.json").read_text())
    assert comparison["failed_gates"] == ["accuracy"]
    accuracy = next(m for m in comparison["metrics"] if m["name"] == "accuracy")
    # Against the latest release the candidate lost 0.8 × the tolerance: within it...
    assert accuracy["delta"] == pytest.approx(-STEP / TEST_ROWS)
    reason = accuracy["gate"]["reason"]
    assert reason.startswith(f"dropped by {STEP / TEST_ROWS:.4f}, within {TOLERANCE:g} allowed")
    # ...against the best of the last five it lost four times that, significantly.
    (best,) = comparison["history"]["from_best"]
    assert best["best_tag"] == tags[0] and best["rescored"] is True
    assert best["status"] == "fail"
    assert best["delta"] == pytest.approx(-5 * STEP / TEST_ROWS)
    assert best["best"] == pytest.approx(_accuracy(runs[0]))
    assert best["p_value"] < 0.05
    assert f"from {tags[0]}, the best of the last 5 releases" in reason
    assert f"dropped by {5 * STEP / TEST_ROWS:.3f} (> {TOLERANCE:g} allowed), significant" in reason
    assert comparison["history"]["metrics"][0] == comparison["primary"]
    assert "accuracy" in comparison["history"]["metrics"]
    assert [r["tag"] for r in comparison["history"]["releases"]] == tags
    assert "plots/history.png" in comparison["plots"]
    png = tmp_path / "compare" / "plots" / "history.png"
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_best_release_that_is_the_baseline_uses_its_predictions(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    # Releases that get better: the latest is the best, nothing more is downloaded.
    for k, tag in zip((4, 2, 0), ("tumour@v1.0.0", "tumour@v1.1.0", "tumour@v1.2.0"), strict=True):
        assert publish(runs[k], tag).code == 0
    fetched = _fetch(runs)
    assert fetched.code == 0, fetched.stderr
    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert history["best_runs"] == {} and not (tmp_path / "baseline" / "history").exists()
    compared = run_in_process("compare", str(runs[1]), "baseline", "--out", "compare")
    comparison = json.loads((tmp_path / "compare" / "comparison.json").read_text())
    (best,) = comparison["history"]["from_best"]
    assert best["best_tag"] == "tumour@v1.2.0" and best["rescored"] is False
    accuracy = next(m for m in comparison["metrics"] if m["name"] == "accuracy")
    assert best["delta"] == pytest.approx(accuracy["delta"])  # the same comparison
    assert compared.code == 0, compared.stderr  # 0.008 lost: within both tolerances


def test_history_zero_records_nothing(runs: dict[int, Path], tmp_path: Path) -> None:
    _publish_five(runs)
    fetched = _fetch(runs, "--history", "0")
    assert fetched.code == 0, fetched.stderr
    assert not (tmp_path / "baseline" / "history.json").exists()
    compared = run_in_process("compare", str(runs[5]), "baseline", "--out", "compare")
    assert compared.code == 0, compared.stderr  # no history: only the per-PR gate
    comparison = json.loads((tmp_path / "compare" / "comparison.json").read_text())
    assert comparison["history"] is None
    # ...and the reviewer is told that slow decay went unwatched, in the log and the comment.
    accuracy = next(m for m in comparison["metrics"] if m["name"] == "accuracy")
    assert "from-best gate was not checked" in accuracy["gate"]["warning"]
    assert "⚠️ accuracy: the from-best gate was not checked" in compared.stdout
    reported = run_in_process("report", "compare", "--out", "report.md")
    assert reported.code == 0, reported.stderr
    text = (tmp_path / "report.md").read_text()
    assert "⚠️ **accuracy** gate: the from-best gate was not checked" in text


def test_a_tampered_older_release_is_refused(
    fake_github: FakeGitHub, runs: dict[int, Path], tmp_path: Path
) -> None:
    tags = _publish_five(runs)
    held = assets_of(fake_github, release_of(fake_github, tags[1]))
    evaluation = held["evaluation.json"]
    evaluation.data = evaluation.data.replace(b'"value": 0.', b'"value": 1.', 1)
    fetched = _fetch(runs)
    assert fetched.code == 2
    line = one_line_error(fetched, "baseline")
    assert f"release {tags[1]}: evaluation.json does not match SHA256SUMS" in line
    assert not (tmp_path / "baseline").exists()  # refused whole: no baseline without its history


def test_history_applies_to_release_sources_only(runs: dict[int, Path]) -> None:
    refused = run_in_process(
        "baseline", "--from", f"path:{runs[0]}", "--out", "baseline", "--history", "3"
    )
    assert refused.code == 2
    assert "--history applies to release: sources" in one_line_error(refused, "baseline")
    bad = run_in_process("baseline", "--from", "release:latest", "--history", "-1")
    assert bad.code == 2 and "--history" in bad.stderr


def test_a_garbled_history_json_stops_compare_with_one_line(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    _publish_five(runs)
    assert _fetch(runs).code == 0
    path = tmp_path / "baseline" / "history.json"
    data = json.loads(path.read_text())
    data["best_runs"]["accuracy"]["run"] = "../../elsewhere"
    path.write_text(json.dumps(data))
    compared = run_in_process("compare", str(runs[5]), "baseline", "--out", "compare")
    assert compared.code == 2
    line = one_line_error(compared, "compare")
    assert "history.json: best_runs.accuracy.run must be a path history/<tag>" in line
    assert not (tmp_path / "compare").exists()


def test_release_notes_show_the_trend_over_the_previous_releases(
    fake_github: FakeGitHub, runs: dict[int, Path]
) -> None:
    tags = [f"tumour@v1.{k}.0" for k in range(3)]
    for k, tag in enumerate(tags):
        assert publish(runs[k], tag).code == 0
    first = assets_of(fake_github, release_of(fake_github, tags[0]))
    assert "plot-history.png" not in first  # one point is no trend
    assert "Trend" not in (release_of(fake_github, tags[0]).body or "")

    release = release_of(fake_github, tags[2])
    held = assets_of(fake_github, release)
    assert held["plot-history.png"].data.startswith(b"\x89PNG")
    sums = held["SHA256SUMS"].data.decode()
    assert "  plot-history.png\n" in sums  # verified like every other asset
    url = f"{fake_github.server_url}/{REPO}/releases/download/{tags[2]}/plot-history.png"
    body = release.body or ""
    assert f"📈 [Trend]({url})" in body and f"[![Metrics over the last releases]({url})]" in body
    assert "over the previous releases (2) and this one" in body


def test_a_release_without_verifiable_records_is_left_out(
    fake_github: FakeGitHub, runs: dict[int, Path], tmp_path: Path
) -> None:
    tags = _publish_five(runs)
    repo = fake_github.state.repo(REPO)
    held = assets_of(fake_github, release_of(fake_github, tags[2]))
    del repo.assets[held["evaluation.json"].id]  # e.g. published by hand, or by an older tool
    fetched = _fetch(runs)
    assert fetched.code == 0, fetched.stderr
    assert f"release {tags[2]} is left out of the history" in fetched.stdout + fetched.stderr
    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert [r["tag"] for r in history["releases"]] == [t for t in tags if t != tags[2]]


def test_a_from_best_window_wider_than_history_is_fetched_whole(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    tags = _publish_five(runs)
    assert _fetch(runs, "--history", "2").code == 0
    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert [r["tag"] for r in history["releases"]] == tags  # the gate looks at five
    assert history["best_runs"]["accuracy"]["tag"] == tags[0]


def test_the_candidates_own_window_is_fetched_for_gates_from_candidate(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    tags = _publish_five(runs)
    # The releases gate on the best of five; the pull request's config on the best of three.
    assert _fetch(runs, releases=3).code == 0
    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert history["best_runs"]["accuracy"]["tag"] == tags[0]  # the recorded gate's
    assert (tmp_path / "baseline" / "history" / tags[2] / "run.json").is_file()  # and the PR's
    candidate = tmp_path / "candidate"
    config = _config(runs[5].parents[1], 5, releases=3)
    for args in (
        ("train", "-c", str(config), "--out", str(candidate)),
        ("evaluate", str(candidate)),
    ):
        assert run_in_process(*args).code == 0
    compared = run_in_process(
        "compare", str(candidate), "baseline", "--out", "compare", "--gates-from", "candidate"
    )
    assert compared.code == 1, compared.stderr
    comparison = json.loads((tmp_path / "compare" / "comparison.json").read_text())
    (best,) = comparison["history"]["from_best"]
    assert best["best_tag"] == tags[2] and best["releases"] == 3 and best["rescored"] is True
    assert best["delta"] == pytest.approx(-3 * STEP / TEST_ROWS)


def test_a_pull_request_setting_compare_history_to_0_still_meets_the_decay_gate(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    # compare.history sizes the trend plot; the config `baseline` reads is the pull request's,
    # so it must not be able to switch the from-best windows off with it.
    tags = _publish_five(runs)
    config = _config(runs[5].parents[1], 5, history=0)
    fetched = run_in_process(
        "baseline", "--from", "release:latest", "--out", "baseline", "-c", str(config)
    )
    assert fetched.code == 0, fetched.stderr
    history = json.loads((tmp_path / "baseline" / "history.json").read_text())
    assert history["best_runs"]["accuracy"]["tag"] == tags[0]
    compared = run_in_process(
        "compare", str(runs[5]), "baseline", "--out", "compare", "--gates-from", "baseline"
    )
    assert compared.code == 1, compared.stderr
    comparison = json.loads((tmp_path / "compare" / "comparison.json").read_text())
    assert comparison["failed_gates"] == ["accuracy"]
