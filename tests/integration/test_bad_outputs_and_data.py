"""Outputs never destroy inputs, and defective data is refused in one line (issue 9, 1/5/6/7).

Every refusal is checked the same way: exit 2, one error line naming the culprit, no traceback,
and every file under the test folder still there with the same bytes, with nothing added (so
nothing was written outside the target and nothing half-written).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import Result, run_in_process

FAST = (
    "model: {estimator: sklearn.linear_model.LogisticRegression, params: {max_iter: 500}}\n"
    "metrics: {resamples: 100, importance: false, plots: false}\n"
)
FAST_REGRESSION = (
    "task: regression\nmodel: {estimator: sklearn.linear_model.Ridge}\n"
    "metrics: {resamples: 100, importance: false, plots: false}\n"
)


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file (bytes) and symlink (target) under `root`."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = f"-> {path.readlink()}"
        elif path.is_file():
            out[key] = path.read_bytes()
    return out


def assert_refused(result: Result, *needles: str) -> str:
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def refused_and_untouched(root: Path, *args: str, needles: tuple[str, ...]) -> str:
    before = snapshot(root)
    line = assert_refused(run_in_process(*args), *needles)
    assert snapshot(root) == before, "a refused command changed, added or removed files"
    return line


def classification_frame(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    label = np.where(x1 - x2 + rng.normal(scale=0.5, size=rows) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "label": label})


def regression_frame(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": 3 * x1 - x2 + rng.normal(size=rows)})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """proj/ (config + data), runs/B (candidate) and runs/A (baseline), evaluated, and
    runs/compare; built once, and every test below leaves it as it was."""
    root = tmp_path_factory.mktemp("world")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        (root / "proj").mkdir()
        classification_frame().to_csv(root / "proj/data.csv", index=False)
        (root / "proj/modelci.yaml").write_text("data: {train: data.csv, target: label}\n" + FAST)
        other = FAST.replace("max_iter: 500", "max_iter: 500, C: 0.1")
        (root / "proj/baseline.yaml").write_text("data: {train: data.csv, target: label}\n" + other)
        for args in (
            ("train", "-c", "proj/modelci.yaml", "--out", "runs/B"),
            ("evaluate", "runs/B"),
            ("train", "-c", "proj/baseline.yaml", "--out", "runs/A"),
            ("evaluate", "runs/A"),
            ("compare", "runs/B", "runs/A", "--out", "runs/compare"),
        ):
            done = run_in_process(*args)
            assert done.code == 0, (args, done.stderr)
    return root


@pytest.fixture
def at_world(world: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(world)
    return world


# ---- 1. outputs that destroy inputs -------------------------------------------------------------


@pytest.mark.parametrize(
    "out",
    [
        "proj/data.csv/..",  # resolves to the project folder after the check used to run
        "proj/nothing/..",
        "proj/sub/../../proj",
        "proj",
        "proj-link",  # a symlink to the project folder
        "proj/data.csv/../..",  # the working directory
        ".",
    ],
)
def test_train_never_replaces_the_project(at_world, out):
    link = at_world / "proj-link"
    link.symlink_to("proj")
    try:
        line = refused_and_untouched(
            at_world, "train", "-c", "proj/modelci.yaml", "--out", out, needles=(f"--out {out}",)
        )
    finally:
        link.unlink()
    assert "is, or holds, the input" in line or "working directory" in line


def test_train_refuses_an_out_holding_the_data_file_elsewhere(at_world, tmp_path):
    data = tmp_path / "shared" / "data.csv"
    data.parent.mkdir()
    shutil.copy(at_world / "proj/data.csv", data)
    (data.parent / "run.json").write_text("{}")  # looks like a run directory: still refused
    (at_world / "proj/elsewhere.yaml").write_text(
        f"data: {{train: {data}, target: label}}\n" + FAST
    )
    try:
        before = snapshot(tmp_path)
        refused_and_untouched(
            at_world,
            "train",
            "-c",
            "proj/elsewhere.yaml",
            "--out",
            str(data.parent),
            needles=("is, or holds, the input", "data.csv"),
        )
        assert snapshot(tmp_path) == before
    finally:
        (at_world / "proj/elsewhere.yaml").unlink()


def test_pull_never_wipes_the_folder_above(at_world):
    (at_world / "keep").mkdir()
    (at_world / "keep/mine.txt").write_text("precious")
    try:
        # The registry is never contacted: --out is refused first.
        refused_and_untouched(
            at_world,
            "pull",
            "127.0.0.1:9/o/m:1",
            "--plain-http",
            "--out",
            "keep/x/..",
            needles=("--out keep/x/..", "is not empty and is not a run directory"),
        )
    finally:
        shutil.rmtree(at_world / "keep")


@pytest.mark.parametrize(
    "flag, target",
    [
        ("--out", "runs/B/model.skops"),  # the candidate's model, read via comparison.json
        ("--out", "runs/A/predictions.csv"),  # the baseline's
        ("--out", "runs/B/x/../run.json"),
        ("--out", "runs/compare/comparison.json"),
        ("--out", "runs/compare/flips.csv"),  # compare's flipped rows, the artifact's
        ("--out", "model-link.md"),  # a symlink to the candidate's model
        ("--html", "runs/A/evaluation.json"),
        ("--out", "proj/data.csv"),  # the data the runs were trained on
    ],
)
def test_report_never_overwrites_what_it_reads(at_world, flag, target):
    link = at_world / "model-link.md"
    link.symlink_to("runs/B/model.skops")
    try:
        args = ["report", "runs/compare", "--out", "report.md", "--html", "report.html"]
        args[args.index(flag) + 1] = target
        refused_and_untouched(at_world, *args, needles=(f"{flag} {target}", "records the report"))
    finally:
        link.unlink()


def test_report_refuses_the_same_file_twice(at_world):
    refused_and_untouched(
        at_world,
        "report",
        "runs/B",
        "--out",
        "r.md",
        "--html",
        "./r.md",
        needles=("--html and --out are the same file",),
    )


def test_report_beside_a_run_is_still_allowed(at_world):
    for _ in range(2):  # a second time over its own earlier output, too
        done = run_in_process("report", "runs/compare", "--out", "runs/B/report.md")
        assert done.code == 0, done.stderr
    (at_world / "runs/B/report.md").unlink()


@pytest.mark.parametrize("out", ["runs/B", "runs", "runs/A/../B", "proj", "."])
def test_compare_never_replaces_its_runs_or_their_data(at_world, out):
    line = refused_and_untouched(
        at_world, "compare", "runs/B", "runs/A", "--out", out, needles=(f"--out {out}",)
    )
    assert "is, or holds, the input" in line or "working directory" in line


@pytest.mark.parametrize("out", ["proj", "runs", "runs/A/.."])
def test_evaluate_elsewhere_never_replaces_an_input(at_world, out):
    refused_and_untouched(
        at_world, "evaluate", "runs/B", "--out", out, needles=("is, or holds, the input",)
    )


def test_evaluate_a_model_file_into_its_own_run_is_refused(at_world):
    # Same model, so not "another run": the merge would still replace the input model file.
    refused_and_untouched(
        at_world,
        "evaluate",
        "--model",
        "runs/B/model.skops",
        "--data",
        "proj/data.csv",
        "--target",
        "label",
        "--out",
        "runs/B",
        needles=("is, or holds, the input runs/B/model.skops",),
    )


@pytest.mark.parametrize(
    "out, needle",
    [("proj", "is not an earlier demo"), (".", "working directory"), ("runs/..", "working")],
)
def test_demo_never_writes_over_a_folder_of_the_users(at_world, out, needle):
    refused_and_untouched(at_world, "demo", "--out", out, needles=(needle,))


@pytest.mark.parametrize("out", ["runs", "runs/B/.."])
def test_baseline_never_replaces_the_run_it_copies(at_world, out):
    refused_and_untouched(
        at_world,
        "baseline",
        "--from",
        "path:runs/B",
        "--out",
        out,
        needles=("is, or holds, the input",),
    )


@pytest.mark.parametrize("out", ["runs/B", "runs/compare", "runs"])
def test_comment_bundle_never_replaces_what_it_renders(at_world, monkeypatch, out):
    for name in ("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    refused_and_untouched(
        at_world,
        "comment",
        "runs/compare",
        "--bundle",
        out,
        "--pr",
        "7",
        needles=("--bundle", "is, or holds, the input"),
    )


def test_checksums_out_never_overwrites_the_run(at_world, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)  # refused before a token is needed
    refused_and_untouched(
        at_world,
        "publish",
        "release",
        "runs/B",
        "--tag",
        "v1.0.0",
        "--repo",
        "o/r",
        "--checksums-out",
        "runs/B/model.skops",
        needles=("--checksums-out runs/B/model.skops",),
    )


# ---- 7. compare RUN RUN -------------------------------------------------------------------------


@pytest.mark.parametrize("baseline", ["runs/B", "./runs/B", "runs/A/../B", "B-link"])
def test_compare_refuses_one_run_twice(at_world, baseline):
    link = at_world / "B-link"
    link.symlink_to("runs/B")
    try:
        refused_and_untouched(
            at_world,
            "compare",
            "runs/B",
            baseline,
            "--out",
            "runs/self",
            needles=("the candidate and the baseline are the same run directory",),
        )
    finally:
        link.unlink()


def test_identical_models_in_two_run_directories_stay_comparable(at_world):
    shutil.copytree(at_world / "runs/B", at_world / "runs/B-copy")
    try:
        done = run_in_process("compare", "runs/B", "runs/B-copy", "--out", "runs/twin")
        assert done.code == 0, done.stderr
        assert "pass" in done.stdout
    finally:
        shutil.rmtree(at_world / "runs/B-copy")
        shutil.rmtree(at_world / "runs/twin")


# ---- 6. truncated or empty predictions.csv ------------------------------------------------------


def _with_field(line: str, index: int, value: str) -> str:
    fields = line.split(",")
    return ",".join([*fields[:index], value, *fields[index + 1 :]])


def _damage(text: str, how: str) -> str:
    lines = text.splitlines(keepends=True)
    return {
        "empty": "",
        "header only": lines[0],
        "cut mid-line": text[: len(text) - len(lines[-1]) // 2 - 1],
        "a row short": "".join(lines[:-1]),
        "not a class": "".join([lines[0], _with_field(lines[1], 2, "ye"), *lines[2:]]),
        "no y_pred column": "".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != 2) for line in lines
        ),
    }[how]


@pytest.mark.parametrize(
    "how",
    ["empty", "header only", "cut mid-line", "a row short", "not a class", "no y_pred column"],
)
@pytest.mark.parametrize("side", ["B", "A"])
def test_compare_refuses_a_damaged_predictions_file(at_world, how, side):
    predictions = at_world / "runs" / side / "predictions.csv"
    original = predictions.read_bytes()
    predictions.write_text(_damage(original.decode(), how))
    try:
        refused_and_untouched(
            at_world,
            "compare",
            "runs/B",
            "runs/A",
            "--out",
            "runs/compare",
            needles=(f"runs/{side}/predictions.csv",),
        )
    finally:
        predictions.write_bytes(original)


# ---- 7. duplicated columns ----------------------------------------------------------------------


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [pa.array(frame.iloc[:, i]) for i in range(frame.shape[1])]
        pq.write_table(pa.table(arrays, names=list(frame.columns)), path)
    else:
        frame.to_csv(path, index=False, sep="\t" if path.suffix == ".tsv" else ",")


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
@pytest.mark.parametrize("column", ["label", "x1"])
def test_duplicated_column_names_are_refused(cli, tmp_path, suffix, column):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    frame = classification_frame()
    frame.insert(0, column, frame[column], allow_duplicates=True)  # the label leaks as `label.1`
    _write(frame, tmp_path / f"data{suffix}")
    (tmp_path / "modelci.yaml").write_text(f"data: {{train: data{suffix}, target: label}}\n" + FAST)
    before = snapshot(tmp_path)
    assert_refused(
        cli("train", "--out", "runs/x"), f"data{suffix} has two columns named '{column}'"
    )
    assert snapshot(tmp_path) == before


def test_a_column_named_like_a_pandas_copy_is_not_a_duplicate(cli, tmp_path):
    frame = classification_frame().assign(**{"x1.1": 0.5})
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "modelci.yaml").write_text("data: {train: data.csv, target: label}\n" + FAST)
    assert cli("train", "--out", "runs/x").code == 0


# ---- 6/7. infinite and huge values --------------------------------------------------------------


def _regression_project(tmp_path: Path, frame: pd.DataFrame, test: pd.DataFrame | None = None):
    frame.to_csv(tmp_path / "data.csv", index=False)
    data = "data: {train: data.csv, target: y}\n"
    if test is not None:
        test.to_csv(tmp_path / "test.csv", index=False)
        data = "data: {train: data.csv, test: test.csv, target: y}\n"
    (tmp_path / "modelci.yaml").write_text(data + FAST_REGRESSION)


def _test_split_position(frame: pd.DataFrame) -> int:
    from modelci import data

    _, test_idx = data.split(frame, "y", task="regression", test_size=0.25, seed=0)
    return int(test_idx[0])


@pytest.mark.parametrize(
    "value, needle", [(np.inf, "an infinite value (inf)"), (-1e200, "a value too large to score")]
)
@pytest.mark.parametrize("split", ["train", "test split", "test file"])
def test_a_regression_target_that_cannot_be_scored(cli, tmp_path, value, needle, split):
    frame = regression_frame()
    test = regression_frame(seed=1) if split == "test file" else None
    row = _test_split_position(frame) if split == "test split" else 5
    (test if test is not None else frame).loc[row, "y"] = value
    _regression_project(tmp_path, frame, test)
    name = "test.csv" if test is not None else "data.csv"
    before = snapshot(tmp_path)
    assert_refused(
        cli("train", "--out", "runs/x"),
        f"regression target 'y' in {name} has {needle}",
        f"first at {name}:{row + 2}",
    )
    assert snapshot(tmp_path) == before


def test_a_whole_target_near_1e200_is_refused(cli, tmp_path):
    frame = regression_frame().assign(y=lambda f: f["y"] * 1e200)
    _regression_project(tmp_path, frame)
    assert_refused(cli("train", "--out", "runs/x"), "a value too large to score", "within ±1e+100")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("where", ["train", "test file"])
def test_infinity_in_a_feature_names_the_column_and_row(cli, tmp_path, where):
    frame = regression_frame()
    test = regression_frame(seed=1) if where == "test file" else None
    (test if test is not None else frame).loc[7, "x2"] = -np.inf
    _regression_project(tmp_path, frame, test)
    name = "test.csv" if test is not None else "data.csv"
    assert_refused(
        cli("train", "--out", "runs/x"),
        f"feature column 'x2' of {name} holds 1 infinite value(s), first at {name}:9",
    )
    assert not (tmp_path / "runs").exists()


def test_infinity_in_a_dropped_column_is_fine(cli, tmp_path):
    frame = regression_frame().assign(junk=np.inf)
    _regression_project(tmp_path, frame)
    config = tmp_path / "modelci.yaml"
    config.write_text(config.read_text().replace("target: y}", "target: y, drop: [junk]}"))
    assert cli("train", "--out", "runs/x").code == 0


def test_evaluate_on_other_data_with_infinity(cli, tmp_path):
    _regression_project(tmp_path, regression_frame())
    assert cli("train", "--out", "runs/x").code == 0
    bad_target = regression_frame(seed=2)
    bad_target.loc[3, "y"] = np.inf
    bad_target.to_csv(tmp_path / "bad_target.csv", index=False)
    bad_feature = regression_frame(seed=2)
    bad_feature.loc[4, "x1"] = np.inf
    bad_feature.to_csv(tmp_path / "bad_feature.csv", index=False)
    before = snapshot(tmp_path)
    assert_refused(
        cli("evaluate", "runs/x", "--data", "bad_target.csv"),
        "regression target 'y' in bad_target.csv has an infinite value",
        "bad_target.csv:5",
    )
    assert_refused(
        cli("evaluate", "runs/x", "--data", "bad_feature.csv"),
        "feature column 'x1' of bad_feature.csv",
        "bad_feature.csv:6",
    )
    assert snapshot(tmp_path) == before


def test_a_model_that_predicts_infinity_is_refused():
    from modelci import scoring
    from modelci.errors import UserError

    class Wild:
        def predict(self, X):
            return np.where(X["x1"] > 1, np.inf, 0.0)

    frame = regression_frame()
    with pytest.raises(UserError, match="not finite numbers within ±1e\\+100, first for row"):
        scoring.predict(
            Wild(), frame[["x1"]], frame["y"], task="regression", row_id=np.arange(120), where="t"
        )


# ---- 5. permutation importance is bounded by rows and columns -----------------------------------


def test_wide_data_evaluates_with_importance_bounded_and_said(cli, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(150, 3000)), columns=[f"c{i}" for i in range(3000)])
    frame["label"] = np.where(frame["c0"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "wide.csv", index=False)
    (tmp_path / "modelci.yaml").write_text(
        "data: {train: wide.csv, target: label}\n"
        + FAST.replace("importance: false", "importance: true")
    )
    assert cli("train", "--out", "runs/wide").code == 0
    done = cli("evaluate", "runs/wide")
    assert done.code == 0, done.stderr
    importance = json.loads((tmp_path / "runs/wide/evaluation.json").read_text())["importance"]
    assert importance["columns"] == 3000 and importance["rows"] == 0
    assert importance["features"] == []
    assert importance["note"].startswith("skipped: 3000 columns are too many to permute")
    assert "permutation importance skipped" in done.stderr


def test_the_importance_bound():
    from modelci import evaluation

    assert evaluation.importance_rows(2000, 30) == (2000, None)  # the default: untouched
    rows, note = evaluation.importance_rows(2000, 100)
    assert rows == 199 and note.startswith("on 199 of 2000 rows")
    assert evaluation.IMPORTANCE_MAX_CELLS >= 199 * 100 * (1 + 100 * 5)
    # Few rows do not make many columns cheap: every prediction pays per column.
    assert evaluation.importance_rows(10, 300)[0] == 0
    assert evaluation.importance_rows(10, 141) == (10, None)
