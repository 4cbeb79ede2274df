"""How `train` fits and saves a model of any flavour (`modelci.flavours`).

A scikit-learn estimator is saved as today: the whole Pipeline (preprocessing + estimator) in
`model.skops`. An estimator of XGBoost, LightGBM or CatBoost (told by its class's module) is a
*library model*: its booster is saved in the library's own format by its flavour, and modelci's
preprocessing (the Pipeline's `preprocess` step, when there is one) beside it as
`preprocess.skops`, so nothing is pickled and each file is checked by its sha256. A library
classifier is trained on the codes 0..K-1 of its labels (`flavours.labels`): the sorted labels or
`model.classes`; run.json records them as `classes` and loading decodes by position.

>>> flavour_name("xgboost.sklearn"), flavour_name("sklearn.ensemble._forest"), flavour_name("mine")
('xgboost', 'sklearn', 'sklearn')
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from modelci import documents, features, flavours
from modelci.errors import UserError
from modelci.flavours import labels

# The top-level module of an estimator's class → the flavour that saves it.
LIBRARY_FLAVOURS = ("xgboost", "lightgbm", "catboost")
# Set unless the estimator already has them: LightGBM logs every tree's warnings to stdout, and
# CatBoost logs every iteration and writes a catboost_info/ folder into the working directory
# (the user's checkout, in CI). Recorded in run.json like any parameter.
QUIET_DEFAULTS: dict[str, tuple[tuple[tuple[str, ...], dict[str, Any]], ...]] = {
    "lightgbm": ((("verbose", "verbosity"), {"verbose": -1}),),
    "catboost": (
        (("allow_writing_files", "train_dir"), {"allow_writing_files": False}),
        (("verbose", "logging_level", "silent", "verbose_eval"), {"logging_level": "Silent"}),
    ),
}


def flavour_name(module: str) -> str:
    top = module.split(".")[0]
    return top if top in LIBRARY_FLAVOURS else "sklearn"


def flavour_of(estimator: Any) -> flavours.Flavour:
    """The flavour that saves `estimator`: its library's, or sklearn for everything else."""
    return flavours.FLAVOURS[flavour_name(type(estimator).__module__)]


def quieten(estimator: Any, flavour: flavours.Flavour) -> None:
    """Apply `QUIET_DEFAULTS` for parameters neither the config nor a factory has set."""
    rules = QUIET_DEFAULTS.get(flavour.name, ())
    if not rules:
        return
    given = estimator.get_params(deep=False)
    for names, values in rules:
        if not any(given.get(name) is not None for name in names):
            estimator.set_params(**values)


def native_categories(
    pipeline: Any, spec: features.FeatureSpec, flavour: flavours.Flavour, *, given: Collection[str]
) -> dict[str, Any]:
    """Let XGBoost and LightGBM split on the categorical columns as categories: modelci's
    preprocessing codes them 0..n-1 after the numeric inputs (`features.build_preprocessor`),
    and the library is told which columns they are (XGBoost `feature_types`, LightGBM
    `categorical_feature`; a config that sets these, or `enable_categorical`, decides itself).
    Returns the fit parameters to pass. CatBoost takes the codes as numbers."""
    if len(pipeline) < 2 or not spec.categorical:
        return {}
    n_numeric = len(features.numeric_inputs(spec))
    n_categorical = len(spec.categorical)
    model = pipeline[-1]
    decided = {"feature_types", "enable_categorical"} & set(given)
    if (
        flavour.name == "xgboost"
        and not decided
        and model.get_params().get("feature_types") is None
    ):
        model.set_params(
            feature_types=["q"] * n_numeric + ["c"] * n_categorical, enable_categorical=True
        )
    if flavour.name == "lightgbm" and not {"categorical_feature", "cat_feature"} & set(given):
        return {"model__categorical_feature": list(range(n_numeric, n_numeric + n_categorical))}
    return {}


def encoding_for(
    y: Any, *, flavour: flavours.Flavour, classes: Sequence[Any] | None, where: str
) -> labels.LabelEncoding | None:
    """The label encoding a library classifier is trained on; None for scikit-learn, which
    keeps its own labels (`classes_`, in sorted order: `model.classes` may only repeat it)."""
    if flavour.name != "sklearn":
        encoding = labels.fit_encoding(y, classes=classes, where=where)
        seen = set(labels.fit_encoding(y, where=where).classes)
        absent = [c for c in encoding.classes if c not in seen]
        if absent:  # the library would train fewer outputs than there are classes
            raise UserError(
                f"model.classes lists {', '.join(absent)}, which no training row has",
                where=where,
                fix="List only classes of the training data",
            )
        return encoding
    if classes is None:
        return None
    encoding = labels.fit_encoding(y, classes=classes, where=where)
    own = labels.fit_encoding(y, where=where).classes
    if encoding.classes != own:
        raise UserError(
            f"model.classes lists {', '.join(encoding.classes)}, but a scikit-learn estimator "
            f"orders its classes itself: {', '.join(own)}",
            where=where,
            fix="List them in that order, or leave model.classes out",
        )
    return None


def save(
    pipeline: Any,
    flavour: flavours.Flavour,
    stage: Path,
    *,
    task: str,
    classes: tuple[str, ...] | None,
    where: str,
) -> documents.ModelFile:
    """Write the fitted pipeline's files into `stage` and return run.json's record of them; a
    library model is loaded back from its
    bytes, so a model `evaluate` would refuse (an objective without probabilities) is refused
    here, at train, in the config's words."""
    from modelci import persist

    if flavour.name == "sklearn":
        return flavour.save(pipeline, stage).run_record(flavour.name)
    written = flavour.save(pipeline[-1], stage)
    preprocess = None
    if len(pipeline) > 1:
        path = stage / flavours.PREPROCESS_FILE
        digest = persist.save(pipeline[0], path)
        preprocess = documents.FileRef(
            file=path.name, sha256=digest, size_bytes=path.stat().st_size
        )
    model_path = stage / written.name
    try:
        flavour.load(
            model_path,
            expected_sha256=written.sha256,
            classes=classes,
            task=task,  # type: ignore[arg-type]
        )
    except UserError as error:
        raise UserError(
            f"the fitted {flavour.name} model cannot be scored: "
            + error.message.replace(f"{model_path}: ", "").replace(str(model_path), written.name),
            where=where,
            fix=error.fix,
        ) from None
    return written.run_record(flavour.name, preprocess=preprocess)


def targets(y: Any, encoding: labels.LabelEncoding | None, *, where: str) -> Any:
    """What the estimator is fitted on: the labels themselves, or their codes."""
    return y if encoding is None else encoding.encode(y, where=where)
