"""Line up two runs' recorded predictions by row id, for `compare` when a side has no model.

A predictions run cannot be re-scored, so its rows are whatever its predictions file holds: the
two sides are compared on the same row ids or not at all, and in the candidate's order whatever
order each file lists them in. The truth must agree on every row, or the two runs were scored
against different labels and no paired statistic means anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelci import data
from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np

    from modelci.scoring import Predictions

SAME_ROWS_FIX = (
    "Evaluate both on the same test rows: the same data and split, or predictions files "
    "whose row_id values match (--id-column names another id column)"
)


def by_row_id(
    candidate: Predictions, baseline: Predictions, *, candidate_where: str, baseline_where: str
) -> tuple[Predictions, Predictions]:
    """Both sides' predictions on the same rows, in the order of their row ids.

    One order whatever order the files list their rows in, so that the resampled intervals
    and p-values of a comparison do not change when a file is shuffled.
    """
    import numpy as np
    import pandas as pd

    cand_ids = _keys(candidate.row_id)
    base_ids = _keys(baseline.row_id)
    order = np.argsort(cand_ids, kind="stable")
    candidate, cand_ids = candidate.take(order), cand_ids[order]
    position = pd.Index(base_ids).get_indexer(cand_ids)
    only_candidate = int((position < 0).sum())
    only_baseline = len(base_ids) - (len(cand_ids) - only_candidate)
    if only_candidate or only_baseline:
        raise UserError(
            "the candidate and the baseline predict different rows: "
            f"{only_candidate:,} row id(s) only in the candidate ({candidate_where}), "
            f"{only_baseline:,} only in the baseline ({baseline_where})",
            fix=SAME_ROWS_FIX,
        )
    aligned = baseline.take(position)
    _check_truth(candidate, aligned, cand_ids, candidate_where, baseline_where)
    return candidate, aligned


def _keys(row_id: np.ndarray) -> np.ndarray:
    """Row ids as text, so 7, 7.0 and "7" from two files are one row. Each file's ids are
    distinct: the predictions reader refuses a repeated one with its line."""
    return data.label_text(row_id)


def _check_truth(
    candidate: Predictions,
    baseline: Predictions,
    ids: np.ndarray,
    candidate_where: str,
    baseline_where: str,
) -> None:
    import numpy as np

    if candidate.classes is None:
        ours = candidate.y_true.astype(float)
        theirs = baseline.y_true.astype(float)
        differ = ~np.isclose(ours, theirs, rtol=1e-9, atol=0.0)
    else:
        differ = candidate.y_true != baseline.y_true
    if differ.any():
        first = int(differ.nonzero()[0][0])
        raise UserError(
            f"the candidate and the baseline disagree on the true value of {int(differ.sum()):,} "
            f"of {len(ids):,} rows (first: row_id {ids[first]} is "
            f"{_value(candidate.y_true[first])} in {candidate_where}, "
            f"{_value(baseline.y_true[first])} in {baseline_where})",
            fix="Compare runs scored against the same target on the same rows (check the "
            "predictions file's y_true column, or --target)",
        )


def _value(value: Any) -> str:
    return repr(str(value)) if isinstance(value, str) else f"{float(value):g}"
