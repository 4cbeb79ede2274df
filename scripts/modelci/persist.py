"""Saving and loading models with skops: an explicit allowlist, a sha256 check, never pickle.

skops itself trusts scikit-learn's estimator classes and plain containers; beyond those it
reports every other type in the file as untrusted. modelci accepts only the internals of the
models it builds (tree structures, hist-gradient-boosting predictors, dtypes), listed below.
A file that needs anything else is refused before a single object is constructed. Trees and
tree predictors are trusted only because every one is validated after loading and before
anything predicts with it (`tree_checks`): their compiled code trusts its node arrays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelci import fsutil, tree_checks
from modelci.errors import UserError

ALLOWED_TYPES = frozenset(
    {
        "numpy.dtype",
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.MultinomialLogit",
        "sklearn._loss.link.IdentityLink",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss._loss.CyHalfMultinomialLoss",
        "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn.utils._bunch.Bunch",
        "collections.OrderedDict",
    }
)


def save(model: Any, path: Path) -> str:
    """Write `model` atomically; returns the file's sha256."""
    import skops.io as sio

    fsutil.write_bytes_atomic(path, sio.dumps(model))
    return fsutil.sha256_file(path)


def load(path: Path, *, expected_sha256: str | None = None) -> Any:
    """Load a model saved by `save`, after checking its digest and every type it contains."""
    import skops.io as sio

    if not path.is_file():
        raise UserError(
            f"model file {path} not found", fix="Run `modelci train` first, or pass --model PATH"
        )
    if expected_sha256 is not None:
        actual = fsutil.sha256_file(path)
        if actual != expected_sha256:
            raise UserError(
                f"{path}: sha256 {actual[:12]}… does not match {expected_sha256[:12]}… "
                "recorded in run.json; the file was changed or corrupted",
                fix="Re-run `modelci train`, or restore the original model file",
            )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as error:  # skops raises a variety of zip/JSON errors on a bad file
        raise UserError(
            f"{path} is not a readable skops file ({type(error).__name__})",
            fix="Pass a model saved by modelci or skops.io.dump",
        ) from None
    refused = sorted(set(untrusted) - ALLOWED_TYPES)
    if refused:
        shown = ", ".join(refused[:3]) + (" …" if len(refused) > 3 else "")
        raise UserError(
            f"{path} contains types modelci does not load: {shown}",
            fix="Only models built from scikit-learn estimators are accepted; "
            "never load a model file you do not trust",
        )
    try:
        model = sio.load(path, trusted=list(untrusted))
    except Exception as error:
        raise UserError(
            f"{path}: cannot load the model ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''})",
            fix="It may come from an incompatible scikit-learn version; retrain it",
        ) from None
    _refuse_unsafe_trees(model, path)
    return model


def _refuse_unsafe_trees(model: Any, path: Path) -> None:
    try:
        problem = tree_checks.find_problem(model)
    except RecursionError:
        raise UserError(
            f"{path}: the model is nested too deeply to check",
            fix="Never load a model file you do not trust",
        ) from None
    if problem is not None:
        raise UserError(
            f"{path}: refused, a tree scikit-learn would predict with unchecked is malformed: "
            f"{problem.describe()}",
            fix="The file was crafted or corrupted; retrain it, and never load a model file "
            "you do not trust",
        )
