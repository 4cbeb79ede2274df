"""Turn `model.estimator` + `model.params` into an unfitted estimator, with helpful errors."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from modelci.errors import UserError

DEFAULTS = {
    "classification": "sklearn.ensemble.HistGradientBoostingClassifier",
    "regression": "sklearn.ensemble.HistGradientBoostingRegressor",
}


def default_for(task: str) -> str:
    return DEFAULTS[task]


def resolve(path: str, params: dict[str, Any], *, where: str) -> Any:
    """`pkg.module.Class` or `pkg.module:factory` → an estimator built with `params`."""
    if ":" in path:
        module_name, attribute = path.split(":", 1)
    elif "." in path:
        module_name, attribute = path.rsplit(".", 1)
    else:
        raise UserError(
            f"model.estimator '{path}' is not an import path",
            where=where,
            fix="Write it in full, e.g. sklearn.linear_model.LogisticRegression",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UserError(
            f"model.estimator '{path}': cannot import module '{module_name}' ({error})",
            where=where,
            fix="Check the spelling, or install the package that provides it",
        ) from None
    factory = getattr(module, attribute, None)
    if factory is None:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attribute, names, n=1)
        fix = (
            f"Did you mean '{module_name}.{close[0]}'?"
            if close
            else f"Check the names that '{module_name}' exports"
        )
        raise UserError(
            f"model.estimator '{path}': '{module_name}' has no '{attribute}'", where=where, fix=fix
        )
    if not callable(factory):
        raise UserError(f"model.estimator '{path}' is not a class or function", where=where)
    estimator = _call(factory, path, params, where)
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        raise UserError(
            f"model.estimator '{path}' did not give a scikit-learn estimator "
            f"(got {type(estimator).__name__} without fit/predict)",
            where=where,
        )
    return estimator


def _call(factory: Any, path: str, params: dict[str, Any], where: str) -> Any:
    try:
        return factory(**params)
    except TypeError as error:
        unknown = _unknown_param(factory, params)
        if unknown:
            return _raise_unknown(factory, path, unknown, where)
        raise UserError(f"model.params for '{path}': {error}", where=where) from None


def _unknown_param(factory: Any, params: dict[str, Any]) -> str | None:
    import inspect

    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return next((name for name in params if name not in signature.parameters), None)


def _raise_unknown(factory: Any, path: str, name: str, where: str) -> Any:
    import inspect

    valid = [p for p in inspect.signature(factory).parameters if p != "self"]
    close = difflib.get_close_matches(name, valid, n=1)
    fix = f"Did you mean '{close[0]}'?" if close else f"Valid: {', '.join(valid)}"
    raise UserError(f"model.params: '{name}' is not a parameter of {path}", where=where, fix=fix)


def class_path(estimator: Any) -> str:
    kind = type(estimator)
    return f"{kind.__module__.split('._')[0]}.{kind.__qualname__}"


def plain_params(estimator: Any) -> dict[str, Any]:
    """The estimator's parameters as JSON-friendly values (for run.json)."""
    out: dict[str, Any] = {}
    for name, value in sorted(estimator.get_params(deep=False).items()):
        if value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif isinstance(value, (list, tuple)) and all(
            isinstance(v, (bool, int, float, str)) for v in value
        ):
            out[name] = list(value)
        else:
            out[name] = repr(value)
    return out
