"""The PR comment read top-down as a reviewer reads it: real comparisons made by the CLI, their
markdown rendered as GitHub renders it (cmark-gfm) and shown in headless Chromium, where every
`<details>` is closed until clicked. The verdict comes first, then what got worse, then the
metrics table; closed sections show their summary line alone and open onto their content in the
documented order; the plots are images; no markdown syntax shows; a slice, class or release
named with markup shows as text and never becomes an element.

Two comparisons: `modelci demo` (bundled data; passes, with inconclusive gates), and one whose
candidate learnt wrong labels for one plan, where that plan, one class and one earlier release
(history.json beside the baseline) are named with markup.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.browser_support import NOT_INSTALLED, Image, Seen, chromium, lines, position, show
from tests.conftest import run_in_process, write_config

BROWSER = chromium()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BROWSER is None, reason=NOT_INSTALLED),
]

PLAN = "<img src=x onerror=alert(1)>"  # a plan's name in the data, one slice
LABEL = "<img src=y onerror=alert(2)>"  # a class label in the data
TAG = "v1.1.0<img src=z onerror=alert(3)>"  # a release tag in history.json
PLANS = [PLAN] + [f"plan-{i}" for i in range(9)]
CONFIG = """\
data:
  train: data/{train}.csv
  test: data/test.csv
  target: label
  id_column: id
model:
  estimator: sklearn.ensemble.HistGradientBoostingClassifier
  params: {{max_iter: 60, random_state: 0}}
metrics: {{resamples: 200, importance: false}}
gates:
  recall: {{max_drop: 0.15, slices: true}}
  accuracy: {{max_drop: 0.02}}
churn:
  max_harmful: 0.05
"""
# The comment's sections top-down (contract section 4), as the first visible line of each.
# History needs recorded releases (`modelci baseline --history`): the regressed comparison has.
ORDER = (
    ("headline", r"(✅|❌) modelci: "),
    ("gates", r"Failed gates$"),
    ("slices", r"(❌ |⚠️ )?Worst slices"),
    ("metrics", r"Metrics$"),
    ("churn", r"(❌ )?Prediction churn: "),
    ("history", r"(❌ )?History: "),
    ("checks", r"Data checks$"),
    ("plots", r"Plots$"),
    ("per_class", r"Per-class metrics"),
    ("confusion", r"Confusion matrix"),
    ("importance", r"Permutation importance"),
    ("facts", r"Run facts$"),
)
# Markdown that GitHub turns into formatting; seeing it means a renderer escaped too much or
# built a table or a link wrongly.
MARKDOWN_SYNTAX = (
    "**",
    "|---",
    "---|",
    "\\_",
    "\\|",
    "![",
    "](",
    "`",
    "<details",
    "<summary",
    "<sub",
)


def comment_seen(markdown_file: Path) -> tuple[str, Seen]:
    assert BROWSER is not None
    text = markdown_file.read_text(encoding="utf-8")
    return text, show(text, beside=markdown_file.parent, browser=BROWSER)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`modelci demo`: the bundled breast-cancer data, LogisticRegression vs gradient boosting,
    sliced by tumour size, with a churn gate."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GITHUB_OUTPUT", raising=False)
        done = run_in_process("demo", "--out", str(out))
    assert done.code == 0, done.stderr
    markdown, seen = comment_seen(out / "report.md")
    comparison = json.loads((out / "compare" / "comparison.json").read_text())
    return {"stdout": done.stdout, "markdown": markdown, "seen": seen, "comparison": comparison}


@pytest.fixture(scope="module")
def regressed(tmp_path_factory):
    """A candidate trained on rows whose labels are wrong for one plan (10% of the rows): it
    fails the accuracy gate, that plan's slice and the churn gate. The plan and one class are
    named with markup."""
    where = tmp_path_factory.mktemp("regressed")
    before = Path.cwd()
    os.chdir(where)
    try:
        _train_and_compare(where)
    finally:
        os.chdir(before)
    markdown, seen = comment_seen(where / "comment.md")
    comparison = json.loads((where / "runs" / "compare" / "comparison.json").read_text())
    return {"markdown": markdown, "seen": seen, "comparison": comparison}


def _plans(rows: int, seed: int, start: int) -> pd.DataFrame:
    """Ten plans of 10% each; the label follows x1 + x2 whatever the plan."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    plan = np.asarray(PLANS, dtype=object)[rng.permutation(np.arange(rows) % 10)]
    label = np.where(x1 + x2 + rng.normal(0, 0.3, rows) > 0, LABEL, "no")
    ids = [f"r{start + i}" for i in range(rows)]
    return pd.DataFrame({"id": ids, "x1": x1, "x2": x2, "plan": plan, "label": label})


def _train_and_compare(where: Path) -> None:
    data = where / "data"
    data.mkdir()
    clean = _plans(3_000, seed=1, start=0)
    clean.to_csv(data / "clean.csv", index=False)
    broken = clean.copy()
    wrong = broken.plan == PLAN
    broken.loc[wrong, "label"] = np.where(broken.label[wrong] == "no", LABEL, "no")
    broken.to_csv(data / "broken.csv", index=False)
    _plans(2_000, seed=2, start=10_000).to_csv(data / "test.csv", index=False)
    for name, train in (("baseline", "clean"), ("candidate", "broken")):
        write_config(where, CONFIG.format(train=train), f"{name}.yaml")
        done = run_in_process("train", "-c", f"{name}.yaml", "--out", f"runs/{name}")
        assert done.code == 0, done.stderr
        done = run_in_process("evaluate", f"runs/{name}")
        assert done.code == 0, done.stderr
    _record_releases(where / "runs" / "baseline")
    done = run_in_process("compare", "runs/candidate", "runs/baseline", "--out", "runs/compare")
    assert done.code == 1, done.stderr  # the gates fail
    done = run_in_process("report", "runs/compare", "--out", "comment.md")
    assert done.code == 0, done.stderr


def _record_releases(baseline: Path) -> None:
    """history.json as `modelci baseline --history` leaves it beside the baseline: three earlier
    releases (one tagged with markup), so the comment has its trend section."""
    from modelci import documents

    def release(tag: str, roc_auc: float) -> documents.ReleasePoint:
        recorded = {"roc_auc": documents.RecordedMetric(value=roc_auc, ci=None)}
        return documents.ReleasePoint(
            tag=tag, published_at=None, model_sha256=None, n_rows=2_000, metrics=recorded
        )

    releases = (release("v1.0.0", 0.975), release(TAG, 0.978), release("v1.2.0", 0.981))
    history = documents.History(repository="octo-org/plans", model="plans", releases=releases)
    documents.write_history(baseline / documents.HISTORY, history)


def section_lines(seen: Seen) -> dict[str, int]:
    """Each section present in the expanded text → the index of its first line."""
    found = {}
    for key, pattern in ORDER:
        try:
            found[key] = position(seen.expanded, pattern)
        except AssertionError:
            continue
    return found


def between(text: str, start: str, end: str | None) -> list[str]:
    """The visible lines after the first matching `start` and before the first matching `end`
    (None: to the end)."""
    return lines(text)[position(text, start) + 1 : None if end is None else position(text, end)]


# --- the harness ------------------------------------------------------------------------------


def test_the_harness_sees_closed_details_and_injected_markup(tmp_path):
    """The checks below can fail: a closed section's content is off the screen until opened,
    and markup that reaches the page unescaped is found as an element with a handler."""
    assert BROWSER is not None
    markdown = (
        "### verdict\n\n<details><summary>Closed</summary>\n\n| a | b |\n|---|---|\n"
        "| hidden | row |\n\n</details>\n\n" + PLAN + "\n"
    )
    seen = show(markdown, beside=tmp_path, browser=BROWSER)
    assert lines(seen.collapsed) == ["verdict", "Closed"]
    assert lines(seen.expanded) == ["verdict", "Closed", "a\tb", "hidden\trow"]
    assert seen.summaries == ("Closed",) and seen.initially_open == (False,)
    assert seen.headings == ("verdict",)
    assert seen.handlers == ("img onerror",)
    assert seen.images == (Image(src="x", alt="", loaded=False),)


# --- what comes first ------------------------------------------------------------------------


def gates(comparison: dict) -> int:
    """How many gates the comparison applied: the gated metrics, and churn's when set."""
    metrics = sum(1 for metric in comparison["metrics"] if metric["gate"]["status"] != "none")
    churn = comparison.get("churn") or {}
    return metrics + (churn.get("gate") is not None)


def test_the_verdict_line_comes_first(demo, regressed):
    first = lines(demo["seen"].collapsed)
    total = gates(demo["comparison"])
    assert first[0] == f"✅ modelci: candidate passes all {total} gates against baseline"
    assert first[1].startswith("roc_auc 0.987 (Δ -0.008, 95% CI")  # the primary metric
    failed = len(regressed["comparison"]["failed_gates"])
    first = lines(regressed["seen"].collapsed)
    total = gates(regressed["comparison"])
    assert first[0] == f"❌ modelci: candidate fails {failed} of {total} gates against baseline"


def test_each_warning_the_cli_printed_shows_above_the_metrics_table(demo):
    """The ⚠️ lines `modelci demo` printed (inconclusive gates) are in the headline, before the
    table, where a reviewer reads them without scrolling."""
    printed = [line for line in demo["stdout"].splitlines() if line.startswith("⚠️ ")]
    assert len(printed) >= 2, demo["stdout"]  # roc_auc and log_loss are inconclusive
    above = between(demo["seen"].collapsed, r"(✅|❌) modelci: ", r"Metrics$")
    for line in printed:
        metric, _, why = line.removeprefix("⚠️ ").partition(": ")
        assert any(
            shown.startswith(f"⚠️ {metric} ") and shown.endswith(why.removeprefix("inconclusive: "))
            for shown in above
        ), (line, above)


def test_each_ungated_metric_that_got_significantly_worse_is_flagged_above_the_gates(regressed):
    worse = [
        metric["name"]
        for metric in regressed["comparison"]["metrics"]
        if metric["gate"]["status"] == "none" and metric.get("worse")
    ]
    assert worse, "the candidate is worse on the whole set: some ungated metric shows it"
    above = between(regressed["seen"].collapsed, r"(✅|❌) modelci: ", r"Failed gates$")
    flagged = [line for line in above if line.startswith("⚠️ ")]
    assert [line.split()[1] for line in flagged] == worse
    assert all("got significantly worse" in line for line in flagged), flagged


def test_failed_gates_come_before_the_metrics_table(regressed):
    seen, comparison = regressed["seen"], regressed["comparison"]
    assert "accuracy" in comparison["failed_gates"]
    listed = between(seen.collapsed, r"Failed gates$", r"(❌ |⚠️ )?Worst slices|Metrics$")
    assert [line.split(":")[0] for line in listed] == [
        f"❌ {name}" for name in comparison["failed_gates"]
    ]
    accuracy = next(line for line in listed if line.startswith("❌ accuracy:"))
    assert "(gate: max_drop 0.02)" in accuracy


def test_the_worst_slices_name_the_regressed_plan_before_the_metrics_table(regressed):
    seen = regressed["seen"]
    summary = position(seen.collapsed, r"(❌ |⚠️ )?Worst slices")
    assert summary < position(seen.collapsed, r"Metrics$")
    assert lines(seen.collapsed)[summary].startswith("❌ Worst slices: 1 of 10 significantly worse")
    # Opened, the flagged row is that plan, named as the data names it.
    rows = between(seen.expanded, r"(❌ |⚠️ )?Worst slices", r"Metrics$")
    assert any(row.startswith(f"plan={PLAN}\t") for row in rows), rows


# --- closed sections -------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "regressed"])
def test_closed_sections_show_their_summary_line_alone(which, request):
    seen: Seen = request.getfixturevalue(which)["seen"]
    assert seen.summaries and not any(seen.initially_open)
    visible = lines(seen.collapsed)
    stops = set(seen.summaries) | set(seen.headings)
    for summary in seen.summaries:
        assert summary in visible
        following = visible[visible.index(summary) + 1 : visible.index(summary) + 2]
        # The next thing on the screen is another section, never the closed one's content.
        assert not following or following[0] in stops, (summary, following)
    # Opened, each shows content under its summary, and the summaries keep their order.
    opened = lines(seen.expanded)
    at = [opened.index(summary) for summary in seen.summaries]
    assert at == sorted(at)
    assert len(opened) > len(visible) + 2 * len(seen.summaries)


def test_opened_sections_show_their_tables(demo):
    seen = demo["seen"]
    # summary → (the first line under it once opened, a line found nowhere else)
    contents = {
        # None worse after correction: the largest drops, saying so.
        r"Worst slices: none of \d+ significantly worse": (
            "None significantly worse",
            "mean radius in [",
        ),
        r"Prediction churn: ": ("Changed: ", "all rows\t"),
        r"Per-class metrics \(candidate\): 2 classes": ("class\tprecision\trecall\tf1", "class\t"),
        r"Confusion matrix \(candidate\)": ("true ↓ / predicted →", "true ↓ / predicted →"),
        r"Permutation importance \(candidate\): \d+ features": (
            "feature\tmean drop in roc_auc",
            "worst concave points\t",
        ),
        r"Run facts": ("baseline\tcandidate", "run directory\t"),
    }
    for summary, (first, only) in contents.items():
        assert only not in seen.collapsed
        under = between(seen.expanded, summary, None)
        assert under[0].startswith(first)
        assert any(line.startswith(only) for line in under)


@pytest.mark.parametrize("which", ["demo", "regressed"])
def test_sections_follow_the_documented_order(which, request):
    seen: Seen = request.getfixturevalue(which)["seen"]
    found = section_lines(seen)
    assert list(found.values()) == sorted(found.values()), found
    expected = {"headline", "metrics", "checks", "plots", "per_class", "confusion", "facts"}
    expected |= {"slices", "churn"}  # both comparisons measure slices and churn
    expected |= {"importance"} if which == "demo" else {"gates", "history"}
    assert set(found) == expected


# --- what is drawn ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "regressed"])
def test_the_plots_are_images_that_load(which, request):
    made = request.getfixturevalue(which)
    linked = re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", made["markdown"])
    assert len(linked) >= 4  # metric deltas, ROC, precision-recall, calibration at least
    seen: Seen = made["seen"]
    # The alt text as GitHub shows it on hover: markdown's backslash escapes removed.
    linked = [(re.sub(r"\\(.)", r"\1", alt), src) for alt, src in linked]
    assert [(image.alt, image.src) for image in seen.images] == linked
    assert all(image.loaded for image in seen.images), seen.images


@pytest.mark.parametrize("which", ["demo", "regressed"])
def test_no_markdown_syntax_shows(which, request):
    seen: Seen = request.getfixturevalue(which)["seen"]
    for text in (seen.collapsed, seen.expanded):
        shown = [syntax for syntax in MARKDOWN_SYNTAX if syntax in text]
        assert not shown, shown
        assert not re.search(r"^#+ ", text, re.MULTILINE)


def test_markup_in_the_data_shows_as_text_and_makes_no_element(regressed):
    seen = regressed["seen"]
    assert f"plan={PLAN}" in seen.expanded  # the worst slice
    per_class = between(seen.expanded, r"Per-class metrics", r"Confusion matrix")
    assert any(row.startswith(f"{LABEL}\t") for row in per_class), per_class
    trend = between(seen.expanded, r"History: ", r"Data checks$")
    assert any(row.startswith(f"{TAG}\t") for row in trend), trend
    assert seen.handlers == ()
    assert {image.src for image in seen.images} == set(
        re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", regressed["markdown"])
    )
    assert "script" not in seen.tags
