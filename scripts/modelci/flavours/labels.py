"""Class labels as modelci hands them to a library model: codes 0..K-1, and back.

XGBoost, LightGBM and ONNX graphs know classes only by position, so modelci fixes the order: the
training labels sorted (numbers as numbers, text as text), or the classes the config lists. Labels
are compared as modelci's label text (`data.label_text`: 1, 1.0 and "1" are one class), the same
strings run.json records as `classes` and `load(classes=...)` takes back.

>>> encoding = fit_encoding(["yes", "no", "yes"], where="data/train.csv")
>>> encoding.classes, encoding.encode(["no", "yes"], where="data/test.csv").tolist()
(('no', 'yes'), [0, 1])
>>> fit_encoding([10, 2, 2], where="t").classes
('2', '10')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, kw_only=True)
class LabelEncoding:
    classes: tuple[str, ...]  # position k is code k

    def encode(self, labels: Any, *, where: str) -> np.ndarray:
        """Codes for `labels`; a label that is not one of the classes is one line."""
        import numpy as np

        from modelci import data

        text = data.label_text(labels)
        position = {label: code for code, label in enumerate(self.classes)}
        unknown = sorted(set(text.tolist()) - position.keys())
        if unknown:
            shown = ", ".join(unknown[:3]) + (" …" if len(unknown) > 3 else "")
            raise UserError(
                f"{len(unknown)} class(es) not among the model's classes "
                f"({', '.join(self.classes[:5])}): {shown}",
                where=where,
                fix="List every class in the config (model.classes), or drop those rows",
            )
        return np.fromiter((position[label] for label in text.tolist()), np.int64, len(text))

    def decode(self, codes: Any) -> np.ndarray:
        """The class labels (text) for codes 0..K-1."""
        from modelci.flavours import base

        return base.decode(codes, self.classes)


def fit_encoding(labels: Any, *, classes: Sequence[Any] | None = None, where: str) -> LabelEncoding:
    """The encoding for a training target: its labels sorted, or `classes` in their order."""
    import numpy as np

    from modelci import data

    if classes is not None:
        listed = tuple(data.label_text(list(classes)).tolist())
        if len(set(listed)) != len(listed):
            raise UserError(
                f"model.classes lists a class twice: {', '.join(listed)}",
                where=where,
                fix="List each class once",
            )
        encoding = LabelEncoding(classes=listed)
        encoding.encode(labels, where=where)  # every training label must be listed
        return encoding
    values = np.asarray(labels)
    try:
        unique = np.unique(values)
    except TypeError:  # numbers and text mixed: order them as text
        unique = np.unique(values.astype(str))
    found = tuple(dict.fromkeys(data.label_text(unique).tolist()))
    if len(found) < 2:
        raise UserError(
            f"the target has {len(found)} class ({', '.join(found)}); a classifier needs two "
            "or more",
            where=where,
            fix="Check the target column, or set task: regression",
        )
    return LabelEncoding(classes=found)
