"""The multinomial bootstrap over confusion cells is the row bootstrap, and its metrics are sklearn's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from modelci.stats import cells, compare_classification, score_classification

QUANTILES = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975]
CHECKED = ["accuracy", "balanced_accuracy", "f1_macro", "precision_macro", "mcc"]


def noisy_predictions(n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    keep_a = rng.random(n) < 0.7
    keep_b = keep_a | (rng.random(n) < 0.2)  # correlated with A, somewhat better
    pred_a = np.where(keep_a, y, rng.integers(0, k, n))
    pred_b = np.where(keep_b, y, rng.integers(0, k, n))
    return y, pred_a, pred_b


def naive_metrics(y, preds, k, resamples, seed):
    """Resample rows, count each resample's confusion cells, compute the metrics."""
    index = np.random.default_rng(seed).integers(0, y.size, size=(resamples, y.size))
    joint = cells.count(y, preds, k)
    out = []
    for pred in preds:
        code = (y * k + pred)[index] + (np.arange(resamples) * k * k)[:, None]
        matrices = np.bincount(code.ravel(), minlength=resamples * k * k).reshape(-1, k, k)
        tallies = cells.Tallies(
            truth=matrices.sum(axis=2),
            predicted=matrices.sum(axis=1),
            hits=np.einsum("bkk->bk", matrices),
        )
        out.append(cells.metrics(tallies, binary=k == 2))
    return joint, out


def multinomial_metrics(joint, models, resamples, seed, binary):
    chunks = [
        [cells.metrics(cells.tallies(w, joint, m), binary=binary) for m in range(models)]
        for w in cells.draws(joint, resamples, np.random.default_rng(seed))
    ]
    return [
        {name: np.concatenate([c[m][name] for c in chunks]) for name in chunks[0][m]}
        for m in range(models)
    ]


@pytest.mark.parametrize("k", [2, 3])
def test_cell_bootstrap_has_the_row_bootstrap_distribution(k):
    y, pred_a, pred_b = noisy_predictions(300, k, seed=k)
    joint, naive = naive_metrics(y, [pred_a, pred_b], k, 8000, seed=1)
    exact = multinomial_metrics(joint, 2, 8000, seed=2, binary=k == 2)
    names = CHECKED + (["precision", "recall", "f1"] if k == 2 else [])
    for name in names:
        for model in (0, 1):
            a, b = naive[model][name], exact[model][name]
            sd = a.std()
            assert b.std() == pytest.approx(sd, rel=0.1), name
            assert np.abs(np.quantile(a, QUANTILES) - np.quantile(b, QUANTILES)).max() < 0.25 * sd
        naive_delta = naive[1][name] - naive[0][name]
        exact_delta = exact[1][name] - exact[0][name]
        sd = naive_delta.std()
        assert exact_delta.std() == pytest.approx(sd, rel=0.1), name
        gap = np.quantile(naive_delta, QUANTILES) - np.quantile(exact_delta, QUANTILES)
        assert np.abs(gap).max() < 0.25 * sd, name


def test_public_intervals_are_the_percentile_intervals_of_those_draws():
    y, pred_a, pred_b = noisy_predictions(250, 3, seed=7)
    _, naive = naive_metrics(y, [pred_a, pred_b], 3, 4000, seed=3)
    single, _ = score_classification(y, pred_a, None, n_classes=3, resamples=4000, seed=5)
    paired, _ = compare_classification(y, pred_a, None, pred_b, None, n_classes=3, resamples=4000)
    for name in CHECKED:
        sd = naive[0][name].std()
        low, high = np.quantile(naive[0][name], [0.025, 0.975])
        assert single[name].method == "multinomial-bootstrap"
        assert single[name].ci == pytest.approx((low, high), abs=0.25 * sd)
        delta = naive[1][name] - naive[0][name]
        low, high = np.quantile(delta, [0.025, 0.975])
        assert paired[name].ci == pytest.approx((low, high), abs=0.25 * delta.std())


@pytest.mark.parametrize("seed", range(40))
def test_vectorised_metrics_equal_sklearn_on_awkward_confusion_matrices(seed):
    """Tiny, lopsided data: zero rows, zero columns, classes absent from y or from pred."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    n = int(rng.integers(1, 12))
    y = rng.choice(rng.permutation(k)[: rng.integers(1, k + 1)], n)
    pred = rng.choice(rng.permutation(k)[: rng.integers(1, k + 1)], n)
    joint = cells.count(y, [pred], k)
    found = {
        name: v[0]
        for name, v in cells.metrics(cells.tallies(joint.counts, joint, 0), binary=k == 2).items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "accuracy": skm.accuracy_score(y, pred),
            "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
            "precision_macro": skm.precision_score(y, pred, average="macro"),
            "recall_macro": skm.recall_score(y, pred, average="macro"),
            "f1_macro": skm.f1_score(y, pred, average="macro"),
            "mcc": skm.matthews_corrcoef(y, pred),
        }
        if k == 2:
            expected |= {
                "precision": skm.precision_score(y, pred, pos_label=1, labels=[0, 1]),
                "recall": skm.recall_score(y, pred, pos_label=1, labels=[0, 1]),
                "f1": skm.f1_score(y, pred, pos_label=1, labels=[0, 1]),
            }
    assert found == pytest.approx(expected, abs=1e-12)


def test_joint_cells_decode_to_the_inputs():
    y, pred_a, pred_b = noisy_predictions(500, 4, seed=9)
    joint = cells.count(y, [pred_a, pred_b], 4)
    assert joint.counts.sum() == 500
    rebuilt = {
        (t, a, b): c for t, a, b, c in zip(joint.truth, *joint.preds, joint.counts, strict=True)
    }
    for t, a, b in zip(y, pred_a, pred_b, strict=True):
        assert (t, a, b) in rebuilt
    expected = np.bincount((y * 4 + pred_a) * 4 + pred_b, minlength=64)
    assert sorted(rebuilt.values()) == sorted(expected[expected > 0])
