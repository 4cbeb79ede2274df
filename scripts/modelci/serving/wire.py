"""What every part of serving agrees on: output names, the body limit, the scores of a request
and the error a bad request raises (HTTP 400 with `{"error": message}`).

Output tensors (OIP) and MLflow keys:
- `predict`: the predicted label (BYTES, the label's text) of a classifier, or the value (FP64)
  of a regressor; shape `[N]`.
- `predict_proba`: a classifier's class probabilities, FP64, shape `[N, K]` (row-major), the
  classes in the order the model metadata lists them (the output's `parameters.classes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

PREDICT = "predict"
PREDICT_PROBA = "predict_proba"
OUTPUTS = (PREDICT, PREDICT_PROBA)
# The protocol name of a run's model when its config has no `name:`.
DEFAULT_MODEL_NAME = "model"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
# A request scores at most this many rows (a bigger batch is split by the client).
MAX_ROWS = 100_000


class BadRequest(Exception):
    """A request the model cannot score: HTTP `status` (400, or 413 over the body limit) with
    `{"error": message}`; the message names the column (and row) at fault and how to fix it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, kw_only=True)
class Scores:
    """A model's outputs for the rows of one request, as `evaluate` computes them."""

    task: str
    # Classification: each row's predicted label (text, object array); regression: float64.
    predicted: np.ndarray
    # Classification only: (rows, classes) float64, columns in `classes` order.
    proba: np.ndarray | None
    classes: tuple[str, ...] | None
