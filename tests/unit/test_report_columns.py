"""Every numeric column of a report table is written with one decimals count, so it lines up.

The per-class and permutation-importance tables of the PR comment, the model card's
importance table and the leaderboard's latency column have no interval of their own; they
used to print four significant digits per cell (0.9231, 0.005493 and 0.00298 in one column).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from modelci import documents
from modelci.release import card
from modelci.report import inputs
from modelci.report.blocks import Section, Table
from modelci.report.content import build_sections
from modelci.report.leaderboard import build_leaderboard

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
MULTICLASS = FIXTURES / "multiclass_eval"
BINARY_PASS = FIXTURES / "binary_pass"

# Values of very different sizes in one column: the case four significant digits misaligned.
MEANS = (0.9231, 0.2113, 0.005493, 0.00298, -0.0004)
STDS = (0.0310, 0.0042, 0.0051, 0.0038, 0.0029)


def decimals(cell: str) -> int:
    """Decimals of one formatted number ("0.912", "+0.05", "0.42 ms", "1,187")."""
    match = re.fullmatch(r"[+-]?[\d,]+(?:\.(\d+))?(?: ms)?", cell)
    assert match, f"not a number: {cell!r}"
    return len(match.group(1) or "")


def column(table: Table, header: str) -> list[str]:
    index = table.headers.index(header)
    return ["".join(span.text for span in row[index]) for row in table.rows]


def section(report: inputs.Report, key: str) -> Table:
    found: list[Section] = [s for s in build_sections(report) if s.key == key]
    [table] = [block for block in found[0].blocks if isinstance(block, Table)]
    return table


def copy_edited(source: Path, tmp_path: Path, change: Any) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    path = target / "evaluation.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return target


def mixed_importance(doc: dict[str, Any]) -> None:
    features = doc["importance"]["features"]
    for feature, mean, std in zip(features, MEANS, STDS, strict=False):
        feature.update(mean=mean, std=std)


def test_importance_means_and_stds_share_the_decimals_of_the_typical_std(
    tmp_path: Path,
) -> None:
    run = copy_edited(MULTICLASS, tmp_path, mixed_importance)
    table = section(inputs.load_report(run), "importance")
    means, stds = column(table, "mean drop in f1_macro"), column(table, "std")
    # Stds around 0.004: two significant digits are four decimals, for both columns.
    assert means == ["0.9231", "0.2113", "0.0055", "0.0030"]
    assert stds == ["0.0310", "0.0042", "0.0051", "0.0038"]
    assert {decimals(cell) for cell in means + stds} == {4}


def test_importance_that_only_hurts_keeps_its_sign(tmp_path: Path) -> None:
    def hurts(doc: dict[str, Any]) -> None:
        doc["importance"]["features"][1].update(mean=-0.0004, std=0.003)

    run = copy_edited(MULTICLASS, tmp_path, hurts)
    means = column(section(inputs.load_report(run), "importance"), "mean drop in f1_macro")
    assert means[-1] == "-0.000"  # shuffling it helped a little: not read as no effect
    assert len({decimals(cell) for cell in means}) == 1


def test_per_class_columns_share_one_decimals_count(tmp_path: Path) -> None:
    def mixed(doc: dict[str, Any]) -> None:
        doc["per_class"][0].update(precision=0.9231, recall=1.0, f1=0.96)
        doc["per_class"][1].update(precision=0.005493, recall=0.5, f1=0.00298)

    run = copy_edited(MULTICLASS, tmp_path, mixed)
    table = section(inputs.load_report(run), "per_class")
    cells = [cell for name in ("precision", "recall", "f1") for cell in column(table, name)]
    # 60 rows in the largest class: a share on them is known to about ±0.13, two decimals.
    assert column(table, "precision") == ["0.92", "0.01", "0.96"]
    assert column(table, "recall")[0] == "1.00"
    assert {decimals(cell) for cell in cells} == {2}


def test_per_class_delta_lines_up_with_the_scores() -> None:
    table = section(inputs.load_report(BINARY_PASS / "compare"), "per_class")
    scores = column(table, "f1")
    deltas = column(table, "Δ f1")
    assert all(cell[0] in "+-" for cell in deltas)
    assert len({decimals(cell) for cell in scores + deltas}) == 1


def test_model_card_importance_lines_up_like_the_comment() -> None:
    info = json.loads((BINARY_PASS / "runs" / "candidate" / "run.json").read_text())
    evaluation = json.loads((BINARY_PASS / "runs" / "candidate" / "evaluation.json").read_text())
    mixed_importance(evaluation)
    built = card.build(
        documents.parse_run(info, where="run.json"),
        documents.parse_evaluation(evaluation, where="evaluation.json"),
    )
    text = card.render(built)
    block = text.split("| Feature | Mean drop | Std |")[1].split("\n\n")[0]
    # The last two cells of each row (a feature's name may hold an escaped "|").
    rows = [re.findall(r"\| ([^|]+) \| ([^|]+) \|$", line) for line in block.splitlines()[2:]]
    cells = [cell for [found] in rows for cell in found]
    assert cells[:4] == ["0.9231", "0.0310", "0.2113", "0.0042"]
    assert {decimals(cell) for cell in cells} == {4}


def test_leaderboard_latency_column_lines_up(tmp_path: Path) -> None:
    runs = []
    for name, latency in (("a", 0.42), ("b", 12.3), ("c", 1.0)):

        def change(doc: dict[str, Any], latency: float = latency) -> None:
            doc["metrics"]["latency_ms_per_1k_rows"]["value"] = latency
            doc["model"]["latency_ms_per_1k_rows"] = latency

        run = copy_edited(MULTICLASS, tmp_path / name, change)
        info = json.loads((run / "run.json").read_text())
        info.update(config_path=f"{name}.yaml")
        (run / "run.json").write_text(json.dumps(info))
        runs.append(run)
    board = build_leaderboard([inputs.load_report(run) for run in runs])
    [table] = [b for b in board.sections[1].blocks if isinstance(b, Table)]
    latencies = column(table, "latency")
    # No more decimals than the values hold (0.42), the same on every row.
    assert sorted(latencies) == ["0.42 ms", "1.00 ms", "12.30 ms"]
