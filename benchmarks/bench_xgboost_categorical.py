"""XGBoost on categorical columns: modelci's preprocessing (impute + one-hot, at most 30 levels a
column) vs XGBoost's native categorical splits (`enable_categorical`), and an ordinal encoding.

The decision it informs (docs/flavours.md): keep modelci's preprocessing as preprocess.skops
beside the booster, or hand XGBoost pandas categories. Synthetic binary data whose signal sits
partly in categorical columns of 5, 40 and 400 levels; prints fit seconds, predict seconds and
the test ROC AUC of each, best of --repeats for the times.

  python benchmarks/bench_xgboost_categorical.py --rows 50000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xgboost
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from modelci import features



def synthetic(rows: int, levels_of: tuple[int, ...], seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(5)})
    logit = frame["x0"] - 0.5 * frame["x1"] + 0.3 * frame["x2"] * frame["x3"]
    for levels in levels_of:
        codes = rng.integers(0, levels, size=rows)
        effect = rng.normal(scale=1.0, size=levels)
        frame[f"c{levels}"] = np.asarray([f"L{c}" for c in range(levels)], dtype=object)[codes]
        logit = logit + effect[codes]
    frame.loc[rng.random(rows) < 0.02, f"c{levels_of[0]}"] = None  # some missing categories
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, y


def booster(**extra: Any) -> Any:
    return xgboost.XGBClassifier(
        n_estimators=200, max_depth=6, random_state=0, n_jobs=2, **extra
    )


def modelci_one_hot(X_train: pd.DataFrame) -> Pipeline:
    spec = features.infer_spec(X_train.assign(y=0), target="y")
    model = booster()
    pre = features.build_preprocessor(spec, estimator=model, mode="auto")
    return Pipeline([("preprocess", pre), ("model", model)])


def ordinal(X_train: pd.DataFrame, *, native: bool = False) -> Pipeline:
    from sklearn.compose import ColumnTransformer

    categorical = [c for c in X_train.columns if c.startswith("c")]
    encode = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    pre = ColumnTransformer(
        [("categorical", encode, categorical)], remainder="passthrough", sparse_threshold=0
    )
    extra: dict[str, Any] = {}
    if native:  # the codes are categories to XGBoost: its categorical splits, on modelci's codes
        types = ["c"] * len(categorical) + ["q"] * (X_train.shape[1] - len(categorical))
        extra = {"feature_types": types, "enable_categorical": True, "max_cat_to_onehot": 1}
    return Pipeline([("preprocess", pre), ("model", booster(**extra))])


class Native:
    """pandas categories with the training levels, XGBoost's own categorical splits."""

    def __init__(self, X_train: pd.DataFrame) -> None:
        self.levels = {
            c: sorted(X_train[c].dropna().unique()) for c in X_train if c.startswith("c")
        }
        self.model = booster(enable_categorical=True, tree_method="hist", max_cat_to_onehot=1)

    def frame(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for column, levels in self.levels.items():
            out[column] = pd.Categorical(out[column], categories=levels)
        return out

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Native:
        self.model.fit(self.frame(X), y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self.frame(X))


def measure(
    name: str, make: Callable[[pd.DataFrame], Any], split: tuple[Any, ...], repeats: int
) -> None:
    X_train, X_test, y_train, y_test = split
    fit_s, predict_s, auc = float("inf"), float("inf"), 0.0
    for _ in range(repeats):
        model = make(X_train)
        began = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = min(fit_s, time.perf_counter() - began)
        began = time.perf_counter()
        proba = model.predict_proba(X_test)[:, 1]
        predict_s = min(predict_s, time.perf_counter() - began)
        auc = roc_auc_score(y_test, proba)
    print(f"{name:34s} fit {fit_s:7.3f} s   predict {predict_s:6.3f} s   ROC AUC {auc:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for levels in ((4, 12), (5, 40, 400)):
        X, y = synthetic(args.rows, levels)
        split = tuple(train_test_split(X, y, test_size=0.2, random_state=0, stratify=y))
        print(f"rows={args.rows} categorical levels={levels} (best of {args.repeats})")
        measure("modelci one-hot (max 30 levels)", modelci_one_hot, split, args.repeats)
        measure("ordinal codes", ordinal, split, args.repeats)
        measure("XGBoost native categorical", Native, split, args.repeats)
        measure(
            "ordinal codes as XGBoost categories",
            lambda X: ordinal(X, native=True),
            split,
            args.repeats,
        )


if __name__ == "__main__":
    main()
