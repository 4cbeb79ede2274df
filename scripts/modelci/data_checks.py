"""Data checks shown in every report: things about the test rows a reviewer should know."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelci import data, features

if TYPE_CHECKING:
    import pandas as pd

    from modelci.scoring import Predictions

# A class this rare in the test rows makes its per-class numbers very noisy.
RARE_CLASS_SHARE = 0.05
# Train/test class shares further apart than this hint at a shifted split.
SHIFT_POINTS = 0.10


def check(name: str, status: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"check": name, "status": status, "detail": detail, **extra}


def run_checks(
    *,
    test: pd.DataFrame,
    train: pd.DataFrame | None,
    target: str,
    spec: features.FeatureSpec,
    predictions: Predictions,
) -> list[dict[str, Any]]:
    out = []
    if predictions.classes is not None:
        out.append(unseen_classes(predictions))
        out.append(class_balance(test, train, target))
    out.append(unseen_categories(test, train, spec))
    out.append(duplicates(test, train, target, spec))
    out.append(missing_values(test, spec))
    return out


def prediction_checks(predictions: Predictions, *, trained: bool) -> list[dict[str, Any]]:
    """The checks that need no feature columns and no training rows: all a predictions run
    (only row ids, truth and predictions) can answer. `trained`: its classes are those of a
    training split (a training script's run); otherwise they are the truth's own, and no test
    class can be unseen."""
    if predictions.classes is None:
        return []
    shares = balance(_prediction_shares(predictions), None)
    return [unseen_classes(predictions), shares] if trained else [shares]


def _prediction_shares(predictions: Predictions) -> dict[str, float]:
    """Class shares of the true labels, counted from their codes (a million labels)."""
    import numpy as np

    assert predictions.classes is not None and predictions.seen is not None
    counts = dict(
        zip(
            predictions.classes,
            np.bincount(predictions.y, minlength=len(predictions.classes)),
            strict=True,
        )
    )
    unseen, unseen_counts = np.unique(predictions.y_true[~predictions.seen], return_counts=True)
    counts.update(zip(map(str, unseen), unseen_counts, strict=True))
    total = sum(int(n) for n in counts.values())
    return {label: int(counts[label]) / total for label in sorted(counts) if counts[label]}


def unseen_classes(predictions: Predictions) -> dict[str, Any]:
    import numpy as np

    assert predictions.seen is not None
    unseen = ~predictions.seen
    if not unseen.any():
        return check("unseen_classes", "ok", "every test class was seen in training")
    labels = sorted(set(np.asarray(predictions.y_true)[unseen].tolist()))
    shown = ", ".join(labels[:5]) + (" …" if len(labels) > 5 else "")
    return check(
        "unseen_classes",
        "fail",
        f"{int(unseen.sum())} test row(s) of class(es) never seen in training ({shown}) "
        "were left out of the metrics",
        classes=labels,
        rows=int(unseen.sum()),
    )


def class_balance(test: pd.DataFrame, train: pd.DataFrame | None, target: str) -> dict[str, Any]:
    return balance(_shares(test[target]), None if train is None else _shares(train[target]))


def _shares(labels: pd.Series) -> dict[str, float]:
    """Each class's share of `labels` by label text, sorted by it."""
    import pandas as pd

    shares = pd.Series(data.label_text(labels.to_numpy())).value_counts(normalize=True)
    return {str(k): float(v) for k, v in shares.sort_index().items()}


def balance(test: dict[str, float], train: dict[str, float] | None) -> dict[str, Any]:
    """The class_balance check of test class shares, against training's when known."""
    values = {k: round(v, 4) for k, v in test.items()}
    detail = ", ".join(f"{k}: {v:.0%}" for k, v in values.items())
    status, notes = "ok", []
    rare = [k for k, v in values.items() if v < RARE_CLASS_SHARE]
    if rare:
        status = "warn"
        notes.append(f"rare in test: {', '.join(rare[:5])}")
    if train is not None:
        shifted = [k for k, v in values.items() if abs(v - train.get(k, 0.0)) > SHIFT_POINTS]
        if shifted:
            status = "warn"
            notes.append(
                f"share differs from training by >{SHIFT_POINTS:.0%}: {', '.join(shifted[:5])}"
            )
    if notes:
        detail = f"{detail} ({'; '.join(notes)})"
    return check("class_balance", status, detail, values=values)


def unseen_categories(
    test: pd.DataFrame, train: pd.DataFrame | None, spec: features.FeatureSpec
) -> dict[str, Any]:
    if not spec.categorical:
        return check("unseen_categories", "ok", "no categorical features")
    if train is None:
        return check("unseen_categories", "skipped", "training data not available")
    counts = features.unseen_categories(train, test, spec)
    if not counts:
        return check("unseen_categories", "ok", "every test category was seen in training")
    detail = ", ".join(f"{column}: {n} row(s)" for column, n in list(counts.items())[:5])
    return check(
        "unseen_categories", "warn", f"categories never seen in training — {detail}", columns=counts
    )


def duplicates(
    test: pd.DataFrame, train: pd.DataFrame | None, target: str, spec: features.FeatureSpec
) -> dict[str, Any]:
    import numpy as np

    if train is None:
        return check("train_test_duplicates", "skipped", "training data not available")
    columns = [c for c in (*spec.inputs, target) if c in test.columns and c in train.columns]
    shared = np.isin(data.row_hashes(test[columns]), data.row_hashes(train[columns]))
    count = int(shared.sum())
    if not count:
        return check("train_test_duplicates", "ok", "no test row also appears in training")
    return check(
        "train_test_duplicates",
        "warn",
        f"{count} test row(s) ({count / len(test):.1%}) also appear in training; "
        "metrics on them are optimistic",
        rows=count,
    )


def missing_values(test: pd.DataFrame, spec: features.FeatureSpec) -> dict[str, Any]:
    columns = [c for c in spec.inputs if c in test.columns]
    shares = test[columns].isna().mean()
    shares = shares[shares > 0].sort_values(ascending=False)
    if shares.empty:
        return check("missing_values", "ok", "no missing feature values")
    detail = ", ".join(f"{k}: {v:.0%}" for k, v in list(shares.items())[:5])
    return check(
        "missing_values",
        "ok",
        f"imputed: {detail}",
        columns={str(k): round(float(v), 4) for k, v in shares.items()},
    )
