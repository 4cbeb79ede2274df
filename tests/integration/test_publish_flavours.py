"""`publish registry`, `publish release`, `baseline` and `pull` for runs that are not a
scikit-learn `model.skops`: an XGBoost booster (`model.ubj`), a LightGBM one (`model.txt`), an
ONNX graph that no scikit-learn code scores, a booster with modelci's preprocessing kept apart
(`preprocess.skops`), and a predictions run (no model file: its `predictions.csv` must travel
with it).

The runs start from one real `modelci train` + `evaluate` (breast cancer, LogisticRegression).
Each model run swaps in a model of its flavour trained here on the same rows and rewrites
run.json's model record as training would; its evaluation.json keeps the sklearn numbers, since
publishing and fetching never re-score. The predictions run is `modelci evaluate --predictions`
of the sklearn run's predictions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Result, run_in_process
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO
from tests.integration.release_world import (
    CONFIG,
    assets_of,
    clean_environment,
    no_sleep_client,
    one_line_error,
    outputs,
    publish,
    release_of,
    use,
)
from tests.registry_support import LocalRegistry

from modelci import fsutil, rundir

pytest_plugins = ["tests.registry_fixture"]

Skopeo = Callable[..., Any]
WEIGHT = "application/vnd.cncf.model.weight.v1.raw"
DATASET = "application/vnd.cncf.model.dataset.v1.raw"
KINDS = ("xgboost", "lightgbm", "onnx", "preprocessed", "predictions")
# The run's own files, which a release carries and a baseline keeps (besides baseline.json).
OWN = {
    "xgboost": {"model.ubj"},
    "lightgbm": {"model.txt"},
    "onnx": {"model.onnx"},
    "preprocessed": {"model.ubj", "preprocess.skops"},
    "predictions": {"predictions.csv"},
}
RECORDS = {"run.json", "metrics.json", "evaluation.json"}


# -- the runs -------------------------------------------------------------------------------------


def _features() -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    return frame.drop(columns="target"), frame["target"]


def _derive(
    sklearn_run: Path,
    out: Path,
    *,
    estimator: dict[str, Any] | None,
    write: Callable[[Path], dict[str, Any]],
) -> Path:
    """A copy of the sklearn run whose model file is what `write` saves (returning run.json's
    model record)."""
    shutil.copytree(sklearn_run, out)
    (out / "model.skops").unlink()
    model = write(out)
    info = json.loads((out / "run.json").read_text())
    info["model"], info["estimator"] = model, estimator
    (out / "run.json").write_text(json.dumps(info, indent=2))
    evaluation = json.loads((out / "evaluation.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    evaluation["model"].update(sha256=model["sha256"], size_bytes=model["size_bytes"])
    metrics["model_size_bytes"] = model["size_bytes"]
    (out / "evaluation.json").write_text(json.dumps(evaluation))
    (out / "metrics.json").write_text(json.dumps(metrics))
    return out


def _record(saved: Any, flavour: str, **extra: Any) -> dict[str, Any]:
    return {
        "file": saved.name,
        "sha256": saved.sha256,
        "size_bytes": saved.size_bytes,
        "flavour": flavour,
        "library": saved.library,
        "library_version": saved.library_version,
        **extra,
    }


def xgboost_run(sklearn_run: Path, out: Path, *, preprocess: bool = False) -> Path:
    import xgboost
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from modelci import persist
    from modelci.flavours import FLAVOURS

    X, y = _features()
    pipeline = Pipeline([("scale", StandardScaler())]).set_output(transform="pandas")
    if preprocess:
        X = pipeline.fit_transform(X)
    booster = xgboost.XGBClassifier(n_estimators=8, max_depth=2, n_jobs=1).fit(X, y)

    def write(folder: Path) -> dict[str, Any]:
        extra = {}
        if preprocess:
            digest = persist.save(pipeline, folder / "preprocess.skops")
            size = (folder / "preprocess.skops").stat().st_size
            extra["preprocess"] = {"file": "preprocess.skops", "sha256": digest, "size_bytes": size}
        return _record(FLAVOURS["xgboost"].save(booster, folder), "xgboost", **extra)

    estimator = {"class": "xgboost.XGBClassifier", "params": {"n_estimators": 8, "max_depth": 2}}
    return _derive(sklearn_run, out, estimator=estimator, write=write)


def lightgbm_run(sklearn_run: Path, out: Path) -> Path:
    import lightgbm

    from modelci.flavours import FLAVOURS

    X, y = _features()
    booster = lightgbm.LGBMClassifier(n_estimators=8, num_leaves=4, n_jobs=1, verbose=-1)
    booster.fit(X.set_axis([f"f{i}" for i in range(X.shape[1])], axis=1), y)
    return _derive(
        sklearn_run,
        out,
        estimator={"class": "lightgbm.LGBMClassifier", "params": {"n_estimators": 8}},
        write=lambda folder: _record(FLAVOURS["lightgbm"].save(booster, folder), "lightgbm"),
    )


def onnx_run(sklearn_run: Path, out: Path) -> Path:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    from modelci.flavours import FLAVOURS

    X, y = _features()
    fitted = LogisticRegression(max_iter=5000).fit(X.to_numpy(dtype="float32"), y)
    graph = convert_sklearn(
        fitted,
        initial_types=[("input", FloatTensorType([None, X.shape[1]]))],
        options={id(fitted): {"zipmap": False}},
        target_opset=17,
    )
    # No estimator: scikit-learn code made the graph, none scores it.
    return _derive(
        sklearn_run,
        out,
        estimator=None,
        write=lambda folder: _record(FLAVOURS["onnx"].save(graph, folder), "onnx"),
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("flavour-runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        (root / "modelci.yaml").write_text(
            CONFIG.format(name="name: cancer\n", C=1.0, plots="true")
        )
        for args in (("train", "--out", "runs/sklearn"), ("evaluate", "runs/sklearn")):
            result = run_in_process(*args)
            assert result.code == 0, result.stderr
    sklearn_run = root / "runs" / "sklearn"
    return {
        "sklearn": sklearn_run,
        "xgboost": xgboost_run(sklearn_run, root / "runs" / "xgboost"),
        "lightgbm": lightgbm_run(sklearn_run, root / "runs" / "lightgbm"),
        "onnx": onnx_run(sklearn_run, root / "runs" / "onnx"),
        "preprocessed": xgboost_run(sklearn_run, root / "runs" / "preprocessed", preprocess=True),
        "predictions": predictions_run(root, sklearn_run),
    }


def predictions_run(root: Path, sklearn_run: Path) -> Path:
    """The sklearn run's predictions evaluated alone, as a user without a model would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        shutil.copy(sklearn_run / "predictions.csv", root / "preds.csv")
        result = run_in_process("evaluate", "--predictions", "preds.csv", "--out", "runs/preds")
        assert result.code == 0, result.stderr
    run = root / "runs" / "preds"
    assert json.loads((run / "run.json").read_text())["model"] is None
    return run


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    no_sleep_client(monkeypatch)
    yield


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _model_sha256(run: Path) -> str | None:
    model = json.loads((run / "run.json").read_text())["model"]
    return None if model is None else str(model["sha256"])


def _flip_last_byte(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def _copy(run: Path, tmp_path: Path, name: str = "copy") -> Path:
    return Path(shutil.copytree(run, tmp_path / name))


def _push(run: Path, ref: str) -> Result:
    return run_in_process("publish", "registry", str(run), "--ref", ref, "--plain-http")


def baseline(*args: str) -> Result:
    return run_in_process("baseline", *args)


# -- the registry ---------------------------------------------------------------------------------


@pytest.mark.registry
@pytest.mark.parametrize("kind", KINDS)
def test_registry_push_baseline_and_pull(
    kind: str,
    runs: dict[str, Path],
    registry: LocalRegistry,
    skopeo: Skopeo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = runs[kind]
    ref = f"{registry.host}/octo/{kind}-{uuid.uuid4().hex[:8]}:1.0.0"
    pushed = _push(run, ref)
    assert pushed.code == 0, pushed.stderr

    # An independent client sees a ModelPack artifact: the model file of the flavour (and its
    # preprocessing) as weight layers, a predictions run's predictions as data, no weights.
    raw = skopeo("inspect", "--raw", f"docker://{ref}")
    assert raw["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
    layers = {layer["annotations"]["org.cncf.model.filepath"]: layer for layer in raw["layers"]}
    weights = {path for path, layer in layers.items() if layer["mediaType"] == WEIGHT}
    assert weights == OWN[kind] - {"predictions.csv"}
    assert layers["predictions.csv"]["mediaType"] == DATASET
    assert set(layers) == set(_tree(run))
    config = skopeo("inspect", "--config", "--raw", f"docker://{ref}")
    assert config["modelfs"]["diffIds"] == [layer["digest"] for layer in raw["layers"]]
    expected_format = {
        "xgboost": "xgboost-ubj",
        "lightgbm": "lightgbm-text",
        "onnx": "onnx",
        "preprocessed": "xgboost-ubj",
    }
    assert config["config"].get("format") == expected_format.get(kind)

    # pull restores the tree under its names, byte for byte.
    pulled = run_in_process("pull", ref, "--out", "pulled", "--plain-http")
    assert pulled.code == 0, pulled.stderr
    assert _tree(tmp_path / "pulled") == _tree(run)

    # baseline keeps the run's own files, verified, and says which model it holds.
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    fetched = baseline("--from", f"registry:{ref}", "--plain-http", "--out", "runs/baseline")
    assert fetched.code == 0, fetched.stderr
    kept = _tree(tmp_path / "runs" / "baseline")
    for name in OWN[kind] | RECORDS:
        assert kept[name] == (run / name).read_bytes(), name
    provenance = json.loads(kept["baseline.json"])
    assert provenance["model_sha256"] == _model_sha256(run)
    assert outputs(output)["model-sha256"] == (_model_sha256(run) or "")
    assert provenance["files"]["run.json"] == fsutil.sha256_file(run / "run.json")


@pytest.mark.registry
def test_registry_refuses_an_unevaluated_run_or_a_changed_preprocessing(
    runs: dict[str, Path], registry: LocalRegistry, skopeo: Skopeo, tmp_path: Path
) -> None:
    unevaluated = _copy(runs["xgboost"], tmp_path, "unevaluated")
    (unevaluated / "evaluation.json").unlink()
    ref = f"{registry.host}/octo/refused-{uuid.uuid4().hex[:8]}:1.0.0"
    refused = _push(unevaluated, ref)
    assert refused.code == 2
    line = one_line_error(refused, "publish")
    assert f"run {unevaluated} has no evaluation.json; run `modelci evaluate" in line
    changed = _copy(runs["preprocessed"], tmp_path, "changed")
    _flip_last_byte(changed / "preprocess.skops")
    refused = _push(changed, ref)
    assert refused.code == 2
    assert "preprocess.skops does not match the sha256 in run.json" in one_line_error(
        refused, "publish"
    )
    assert skopeo("inspect", "--raw", f"docker://{ref}", check=False) is None  # nothing pushed


# -- releases -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_release_publish_and_baseline(
    kind: str,
    runs: dict[str, Path],
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = runs[kind]
    output = use(monkeypatch, fake_github, tmp_path)
    published = publish(run, "cancer@v1.0.0")
    assert published.code == 0, published.stderr
    held = assets_of(fake_github, release_of(fake_github, "cancer@v1.0.0"))
    plots = {name for name in held if name.startswith("plot-")}
    assert plots, "the sklearn run was evaluated with plots"
    assert set(held) - plots == OWN[kind] | RECORDS | {"MODEL_CARD.md", "SHA256SUMS"}
    sums = held["SHA256SUMS"].data.decode()
    for name in OWN[kind]:
        assert f"{fsutil.sha256_file(run / name)}  {name}\n" in sums

    card = held["MODEL_CARD.md"].data.decode()
    info = json.loads((run / "run.json").read_text())
    if kind == "predictions":
        assert "| Model file | none: only its predictions were evaluated |" in card
        assert "This release has no model file: `predictions.csv`" in card
        assert "Not measured: importance (a predictions run has no model" in card
    else:
        model = info["model"]
        assert f"`{model['file']}` ({model['flavour']})" in card
        assert f"| Library | {model['library']} {model['library_version']} |" in card
        assert ("preprocess.skops" in card) == (kind == "preprocessed")

    fetched = baseline("--from", "release:cancer@v1.0.0", "--out", "runs/baseline")
    assert fetched.code == 0, fetched.stderr
    kept = _tree(tmp_path / "runs" / "baseline")
    assert set(kept) == OWN[kind] | RECORDS | {"baseline.json", "history.json"}
    for name in OWN[kind] | RECORDS:
        assert kept[name] == (run / name).read_bytes(), name
    provenance = json.loads(kept["baseline.json"])
    assert set(provenance["files"]) == OWN[kind] | RECORDS
    assert provenance["model_sha256"] == _model_sha256(run)
    assert outputs(output)["model-sha256"] == (_model_sha256(run) or "")


def test_a_native_model_forged_in_the_release_is_refused_by_its_sha256(
    runs: dict[str, Path], fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone with write access replaces model.ubj and its SHA256SUMS line: run.json's
    # sha256 still catches it.
    use(monkeypatch, fake_github, tmp_path)
    assert publish(runs["xgboost"], "v1.0.0").code == 0
    held = assets_of(fake_github, release_of(fake_github, "v1.0.0"))
    model = held["model.ubj"]
    old = hashlib.sha256(model.data).hexdigest()
    model.data = model.data[:-1] + bytes([model.data[-1] ^ 1])
    new = hashlib.sha256(model.data).hexdigest()
    held["SHA256SUMS"].data = held["SHA256SUMS"].data.replace(old.encode(), new.encode())

    refused = baseline("--from", "release:latest", "--out", "runs/baseline")
    assert refused.code == 2
    line = one_line_error(refused, "baseline")
    assert "model.ubj does not match run.json" in line and "refusing" in line
    assert not (tmp_path / "runs" / "baseline").exists()


@pytest.mark.parametrize("kind", ["onnx", "preprocessed"])
def test_a_tampered_file_of_a_path_baseline_is_refused(
    kind: str, runs: dict[str, Path], tmp_path: Path
) -> None:
    tampered = _copy(runs[kind], tmp_path, "tampered")
    name = "model.onnx" if kind == "onnx" else "preprocess.skops"
    _flip_last_byte(tampered / name)
    refused = baseline("--from", f"path:{tampered}", "--out", "runs/baseline")
    assert refused.code == 2
    assert f"{name} does not match run.json" in one_line_error(refused, "baseline")
    assert not (tmp_path / "runs" / "baseline").exists()


def test_a_model_file_named_for_another_flavour_is_refused(
    runs: dict[str, Path], fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mislabelled = _copy(runs["xgboost"], tmp_path, "mislabelled")
    info = json.loads((mislabelled / "run.json").read_text())
    info["model"]["flavour"] = "onnx"
    (mislabelled / "run.json").write_text(json.dumps(info))
    refused = baseline("--from", f"path:{mislabelled}", "--out", "runs/baseline")
    assert refused.code == 2
    line = one_line_error(refused, "baseline")
    assert "model.ubj is a xgboost model file, but model.flavour says onnx" in line
    use(monkeypatch, fake_github, tmp_path)
    refused = publish(mislabelled, "v1.0.0")
    assert refused.code == 2 and "model.flavour says onnx" in one_line_error(refused, "publish")
    assert not fake_github.calls("POST", "/repos/*/*/releases")


def test_an_unevaluated_run_is_not_released(
    runs: dict[str, Path], fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    unevaluated = _copy(runs["onnx"], tmp_path, "unevaluated")
    (unevaluated / "evaluation.json").unlink()
    refused = publish(unevaluated, "v1.0.0")
    assert refused.code == 2
    line = one_line_error(refused, "publish")
    assert line.endswith(
        f"run {unevaluated} has no evaluation.json; run `modelci evaluate {unevaluated}` first"
    )
    no_predictions = _copy(runs["predictions"], tmp_path, "no-predictions")
    (no_predictions / "predictions.csv").unlink()
    refused = publish(no_predictions, "v1.0.0")
    assert refused.code == 2 and "predictions.csv not found" in one_line_error(refused, "publish")
    assert not fake_github.calls("POST", "/repos/*/*/releases")


def test_a_predictions_release_without_its_predictions_is_not_a_baseline(
    runs: dict[str, Path], fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    assert publish(runs["predictions"], "v1.0.0").code == 0
    release = release_of(fake_github, "v1.0.0")
    held = assets_of(fake_github, release)
    repo = fake_github.state.repo(REPO)
    del repo.assets[held["predictions.csv"].id]
    sums = held["SHA256SUMS"]
    sums.data = b"".join(
        line for line in sums.data.splitlines(keepends=True) if b"predictions.csv" not in line
    )
    refused = baseline("--from", "release:latest", "--out", "runs/baseline")
    assert refused.code == 2
    assert "has no predictions.csv listed in SHA256SUMS" in one_line_error(refused, "baseline")


@pytest.mark.parametrize("kind", ["xgboost", "onnx", "preprocessed"])
def test_a_fetched_baseline_of_any_flavour_is_re_scored_by_compare(
    kind: str,
    runs: dict[str, Path],
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use(monkeypatch, fake_github, tmp_path)
    assert publish(runs[kind], "cancer@v1.0.0").code == 0
    assert baseline("--from", "release:cancer@v1.0.0", "--out", "runs/baseline").code == 0
    compared = run_in_process(
        "compare", str(runs["sklearn"]), "runs/baseline", "--out", "runs/compare"
    )
    assert compared.code in (0, 1), compared.stderr
    comparison = json.loads((tmp_path / "runs" / "compare" / "comparison.json").read_text())
    assert comparison["baseline"]["rescored"] is True  # a release brings no model predictions
    assert comparison["baseline"]["model_sha256"] == _model_sha256(runs[kind])
    roc = next(m for m in comparison["metrics"] if m["name"] == "roc_auc")
    assert 0.9 < roc["baseline"] <= 1.0  # the booster or graph scored the candidate's rows


@pytest.mark.parametrize("kind", ["xgboost", "onnx"])
def test_a_model_that_matches_its_record_but_does_not_load_is_refused(
    kind: str, runs: dict[str, Path], tmp_path: Path
) -> None:
    # run.json rewritten to match: the flavour's own checks still stand.
    forged = _copy(runs[kind], tmp_path, "forged")
    info = json.loads((forged / "run.json").read_text())
    path = forged / info["model"]["file"]
    path.write_bytes(b"{not a model}" * 10)
    info["model"]["sha256"] = fsutil.sha256_file(path)
    (forged / "run.json").write_text(json.dumps(info))
    refused = baseline("--from", f"path:{forged}", "--out", "runs/baseline")
    assert refused.code == 2, refused.stderr
    line = one_line_error(refused, "baseline")
    assert f"path:{forged}: " in line and info["model"]["file"] in line
    assert str(forged) + "/" not in line.split(": ", 3)[-1]  # the file is named, not its path
    assert not (tmp_path / "runs" / "baseline").exists()


# -- trained by modelci, end to end ---------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flavours"
TRAINED = {
    # A config-trained booster: model.ubj with preprocess.skops beside it.
    "xgboost": "model:\n  estimator: xgboost.XGBClassifier\n  params: {n_estimators: 30}\n",
    # A training script's ONNX graph (examples/flavours/train_onnx.py).
    "onnx": "train:\n  command: {python} train_onnx.py\n",
}


@pytest.mark.registry
@pytest.mark.parametrize("kind", list(TRAINED))
def test_trained_runs_go_through_registry_release_baseline_pull_and_compare(
    kind: str,
    runs: dict[str, Path],
    registry: LocalRegistry,
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copy(EXAMPLES / "train_onnx.py", tmp_path / "train_onnx.py")
    (tmp_path / "modelci.yaml").write_text(
        "name: cancer\ndata: {train: 'sklearn:breast_cancer', target: target}\n"
        + TRAINED[kind].replace("{python}", sys.executable)
        + "metrics: {importance: false, plots: false, resamples: 100}\n"
    )
    for args in (("train", "--out", "runs/candidate"), ("evaluate", "runs/candidate")):
        result = run_in_process(*args)
        assert result.code == 0, result.stderr
    run = tmp_path / "runs" / "candidate"
    own = {f.name for f in rundir.Run.open(run).files()}
    assert own - RECORDS == (
        {"model.ubj", "preprocess.skops"} if kind == "xgboost" else {"model.onnx"}
    )

    ref = f"{registry.host}/octo/trained-{kind}-{uuid.uuid4().hex[:8]}:1.0.0"
    assert _push(run, ref).code == 0
    assert run_in_process("pull", ref, "--out", "pulled", "--plain-http").code == 0
    assert _tree(tmp_path / "pulled") == _tree(run)
    from_registry = baseline("--from", f"registry:{ref}", "--plain-http", "--out", "runs/reg")
    assert from_registry.code == 0, from_registry.stderr

    use(monkeypatch, fake_github, tmp_path)
    assert publish(run, "cancer@v1.0.0").code == 0
    from_release = baseline("--from", "release:latest", "--out", "runs/rel")
    assert from_release.code == 0, from_release.stderr
    for fetched in ("reg", "rel"):
        kept = _tree(tmp_path / "runs" / fetched)
        assert all(kept[name] == (run / name).read_bytes() for name in own), fetched
        compared = run_in_process(
            "compare", str(runs["sklearn"]), f"runs/{fetched}", "--out", f"runs/cmp-{fetched}"
        )
        assert compared.code in (0, 1), compared.stderr
        comparison = json.loads(
            (tmp_path / "runs" / f"cmp-{fetched}" / "comparison.json").read_text()
        )
        assert comparison["baseline"]["model_sha256"] == _model_sha256(run)


@pytest.mark.registry
def test_a_predictions_baseline_is_aligned_by_row_id_not_re_scored(
    runs: dict[str, Path],
    registry: LocalRegistry,
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = f"{registry.host}/octo/preds-{uuid.uuid4().hex[:8]}:1.0.0"
    assert _push(runs["predictions"], ref).code == 0
    assert baseline("--from", f"registry:{ref}", "--plain-http", "--out", "runs/reg").code == 0
    use(monkeypatch, fake_github, tmp_path)
    assert publish(runs["predictions"], "cancer@v1.0.0").code == 0
    assert baseline("--from", "release:cancer@v1.0.0", "--out", "runs/rel").code == 0
    for fetched in ("reg", "rel"):
        compared = run_in_process(
            "compare", str(runs["sklearn"]), f"runs/{fetched}", "--out", f"runs/cmp-{fetched}"
        )
        assert compared.code in (0, 1), compared.stderr
        path = tmp_path / "runs" / f"cmp-{fetched}" / "comparison.json"
        side = json.loads(path.read_text())["baseline"]
        assert side["kind"] == "predictions" and side["rescored"] is False, side
