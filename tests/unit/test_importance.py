"""`modelci.importance`: permutation importance with batched predictions measures what
scikit-learn's `permutation_importance` measures, in a few calls, on frames of any dtype."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance as sklearn_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelci import evaluation, scoring
from modelci import importance as permutation


def _signal(rows: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Two informative columns (a number and a category) and two useless ones."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "strong": rng.normal(size=rows),
            "noise": rng.normal(size=rows),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], rows)),
            "junk": rng.choice(["p", "q"], rows),
        }
    )
    score = 2 * X["strong"] + 1.5 * (X["colour"] == "red") + 0.5 * rng.normal(size=rows)
    return X, pd.Series((score > 0.5).astype(int))


def _pipeline(model: Any) -> Any:
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["colour", "junk"]),
        (StandardScaler(), ["strong", "noise"]),
    )
    return make_pipeline(encode, model)


def _one_by_one(model: Any, X: pd.DataFrame, y: pd.Series, scoring_name: str, seed: int) -> Any:
    """The straightforward loop: one permuted copy and one prediction per column and repeat,
    scored with scikit-learn's metric functions, the same shuffles."""
    metric = {
        "roc_auc": lambda frame: metrics.roc_auc_score(y, model.predict_proba(frame)[:, 1]),
        "accuracy": lambda frame: metrics.accuracy_score(y, model.predict(frame)),
        "neg_root_mean_squared_error": lambda frame: (
            -metrics.root_mean_squared_error(y, model.predict(frame))
        ),
    }[scoring_name]
    orders = permutation.shuffles(len(X), 5, seed)
    baseline = metric(X)
    drops = np.empty((X.shape[1], 5))
    for c, name in enumerate(X.columns):
        for r, order in enumerate(orders):
            copy = X.copy()
            copy[name] = X[name].iloc[order].to_numpy()
            drops[c, r] = baseline - metric(copy)
    return drops


@pytest.mark.parametrize("scoring_name", ["roc_auc", "accuracy"])
def test_batched_equals_one_prediction_per_column_and_repeat(scoring_name: str) -> None:
    X, y = _signal(600)
    model = _pipeline(LogisticRegression()).fit(X, y)
    result = permutation.permutation_importance(
        model, X, y, scoring=scoring_name, repeats=5, seed=7, chunk_cells=900
    )
    expected = _one_by_one(model, X, y, scoring_name, seed=7)
    np.testing.assert_allclose(result.drops, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.mean, expected.mean(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.std, expected.std(axis=1, ddof=0), rtol=0, atol=1e-12)


def test_the_values_are_scikit_learns_for_the_same_seed() -> None:
    X, y = _signal()
    model = _pipeline(HistGradientBoostingClassifier(max_iter=30, random_state=0)).fit(X, y)
    ours = permutation.permutation_importance(model, X, y, scoring="roc_auc", repeats=5, seed=3)
    theirs = sklearn_importance(model, X, y, scoring="roc_auc", n_repeats=5, random_state=3)
    np.testing.assert_allclose(ours.drops, theirs.importances, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.std, theirs.importances_std, rtol=0, atol=1e-12)


def test_clearly_important_columns_rank_above_useless_ones_as_with_scikit_learn() -> None:
    X, y = _signal(4000, seed=1)
    model = _pipeline(LogisticRegression()).fit(X, y)
    ours = permutation.permutation_importance(model, X, y, scoring="roc_auc", repeats=5, seed=0)
    # Another seed for scikit-learn: the same thing measured, other shuffles.
    theirs = sklearn_importance(model, X, y, scoring="roc_auc", n_repeats=5, random_state=11)
    for mean in (ours.mean, theirs.importances_mean):
        ranked = [X.columns[i] for i in np.argsort(-mean)]
        assert ranked[:2] == ["strong", "colour"]
        assert mean[2] > 0.05 and abs(mean[1]) < 0.01 and abs(mean[3]) < 0.01  # noise, junk
    np.testing.assert_allclose(ours.mean, theirs.importances_mean, atol=0.01)


def test_regression_scores_the_negative_rmse() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=800), "z": rng.normal(size=800)})
    y = pd.Series(3 * X["x"] + 0.1 * rng.normal(size=800))
    model = LinearRegression().fit(X, y)
    name = "neg_root_mean_squared_error"
    result = permutation.permutation_importance(model, X, y, scoring=name, repeats=5, seed=2)
    np.testing.assert_allclose(result.drops, _one_by_one(model, X, y, name, 2), atol=1e-12)
    theirs = sklearn_importance(model, X, y, scoring=name, n_repeats=5, random_state=2)
    np.testing.assert_allclose(result.mean, theirs.importances_mean, atol=1e-12)
    assert result.mean[0] > 3 and abs(result.mean[1]) < 0.01  # RMSE grows by ~3√2 - 0.1


def test_multiclass_scores_accuracy_on_codes() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=900), "z": rng.normal(size=900)})
    y = pd.Series(np.digitize(X["x"], [-0.5, 0.5]))  # classes 0, 1, 2
    model = LogisticRegression().fit(X, y)
    result = permutation.permutation_importance(model, X, y, scoring="accuracy", repeats=5, seed=4)
    theirs = sklearn_importance(model, X, y, scoring="accuracy", n_repeats=5, random_state=4)
    np.testing.assert_array_equal(result.drops, theirs.importances)
    assert result.mean[0] > 0.4 and abs(result.mean[1]) < 0.02


class _Recorder:
    """A classifier that keeps the frames it is asked to predict and checks their dtypes."""

    def __init__(self, dtypes: pd.Series) -> None:
        self.dtypes = dtypes
        self.frames: list[pd.DataFrame] = []

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        pd.testing.assert_series_equal(frame.dtypes, self.dtypes)
        self.frames.append(frame)
        return (frame["n"].to_numpy() > 0).astype(int)


def _mixed(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "n": rng.normal(size=rows),
            "city": pd.Categorical(rng.choice(["Lyon", "Oslo", "Rome"], rows)),
            "text": rng.choice(["a", "b", "c"], rows).astype(object),
            "when": pd.date_range("2024-01-01", periods=rows, freq="D", tz="UTC"),
            "count": pd.array(rng.integers(0, 5, rows), dtype="Int64"),
            "flag": rng.random(rows) > 0.5,
        },
        index=pd.RangeIndex(100, 100 + rows),  # not 0-based: positions, never labels, are taken
    )


def test_mixed_dtype_frames_are_permuted_within_each_column_keeping_dtypes() -> None:
    X = _mixed()
    model = _Recorder(X.dtypes)
    y = (X["n"] > 0).astype(int)
    result = permutation.permutation_importance(model, X, y, scoring="accuracy", repeats=5, seed=0)
    assert result.mean[0] > 0.2 and np.all(result.mean[1:] == 0)  # only "n" is read
    stacked = pd.concat(model.frames, ignore_index=True)
    orders = permutation.shuffles(len(X), 5, 0)
    rows = len(X)
    for c, name in enumerate(X.columns):
        for r in range(5):
            block = stacked.iloc[(1 + c * 5 + r) * rows :][:rows]
            # The permuted column holds the same values, in the shuffled order …
            assert list(block[name]) == list(X[name].iloc[orders[r]])
            # … and every other column is untouched.
            rest = X.drop(columns=name).reset_index(drop=True)
            pd.testing.assert_frame_equal(block.drop(columns=name).reset_index(drop=True), rest)


def test_the_same_seed_gives_the_same_importance_and_another_seed_other_shuffles() -> None:
    X, y = _signal(500)
    model = _pipeline(LogisticRegression()).fit(X, y)

    def run(seed: int) -> np.ndarray:
        found = permutation.permutation_importance(
            model, X, y, scoring="roc_auc", repeats=5, seed=seed
        )
        return found.drops

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5), run(6))


def test_no_frame_predicted_is_larger_than_the_chunk_bound() -> None:
    X = _mixed(50)
    model = _Recorder(X.dtypes)
    y = (X["n"] > 0).astype(int)
    bound = 50 * 6 * 4  # four copies per call
    permutation.permutation_importance(
        model, X, y, scoring="accuracy", repeats=5, seed=0, chunk_cells=bound
    )
    assert max(frame.size for frame in model.frames) <= bound
    # Every copy predicted once: the frame as it is, then each column in each repeat.
    assert sum(len(frame) for frame in model.frames) == 50 * (1 + 6 * 5)
    assert len(model.frames) == -(-(1 + 6 * 5) // 4)


class _Regressor:
    def __init__(self) -> None:
        self.sizes: list[int] = []

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        self.sizes.append(frame.size)
        return frame.iloc[:, 0].to_numpy()


def test_evaluate_builds_no_frame_beyond_the_importance_cell_bound() -> None:
    rng = np.random.default_rng(0)
    columns = 120  # importance_rows keeps 138 of its 400 rows
    X = pd.DataFrame(rng.normal(size=(400, columns)), columns=[f"c{i}" for i in range(columns)])
    y = X["c0"]
    predictions = scoring.Predictions(
        task="regression",
        row_id=np.arange(400),
        y_true=y.to_numpy(),
        y_pred=y.to_numpy(),
        classes=None,
        proba=None,
        seen=None,
    )
    model = _Regressor()
    found = evaluation.importance(model, X, y, predictions, rows=2000, seed=0)
    assert found is not None and found["rows"] == 138
    assert found["features"][0]["feature"] == "c0" and found["features"][0]["mean"] > 1
    assert max(model.sizes) <= min(permutation.CHUNK_CELLS, evaluation.IMPORTANCE_MAX_CELLS)
    assert sum(model.sizes) <= evaluation.IMPORTANCE_MAX_CELLS


def test_an_unknown_scoring_is_refused() -> None:
    X, y = _signal(50)
    with pytest.raises(ValueError, match="scoring 'r2' is none of"):
        permutation.permutation_importance(None, X, y, scoring="r2", repeats=5, seed=0)
