"""Honest statistics for model metrics: point values equal scikit-learn's, plus intervals.

Every metric gets the fastest method that is valid for it; see `classification.py` and
`regression.py` for which metric gets which, and why. The `method` strings a result can carry:

  multinomial-bootstrap  exact row bootstrap of a confusion metric, via the confusion cells
  mcnemar-mid-p          paired accuracy: McNemar mid-p value, interval from the cell bootstrap
  delong                 ROC AUC: DeLong's variance, normal interval / z-test
  normal                 mean of per-row losses: normal interval / paired z-test (1,000 rows
                         or more)
  student-t              the same below 1,000 rows: Student's t with n − 1 degrees of freedom
  delta-method           RMSE, R²: the delta method on per-row squared errors
  bootstrap              row-level percentile bootstrap (fewer than 5,000 rows)
  block-bootstrap        the same on random row blocks and binned scores (5,000 rows or more)
  point                  no valid interval (max error, fewer than two rows, constant target,
                         a class with a single row for AUC): `ci` and `p_value` are None

Every PairedDelta carries the standard error behind its interval (`se`, None without one).
Built on these, for reviewers who need more than one number per metric:

  slice_rows.py          which rows form each slice (categorical levels, numeric bins, crosses)
  slices.py              the same paired comparison per slice, corrected across slices × metrics
  multiple_testing.py    Holm and Benjamini–Hochberg adjusted p-values (slices use Holm: why)
  churn.py               prediction flips overall / per class / per slice, harmful-flip test
  power.py               the smallest worsening a comparison could have detected (80% power)
  seeds.py               a bootstrap seed derived from the test rows' fingerprint

Inputs are checked at this boundary (ValueError with the parameter's name); a metric that
cannot be computed is returned in the second dict with a reason instead of raising.
"""

from __future__ import annotations

from modelci.stats.classification import compare_classification, score_classification
from modelci.stats.regression import compare_regression, score_regression
from modelci.stats.results import Estimate, PairedDelta

__all__ = [
    "Estimate",
    "PairedDelta",
    "compare_classification",
    "compare_regression",
    "score_classification",
    "score_regression",
]
