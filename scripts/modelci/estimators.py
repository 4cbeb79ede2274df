"""Turn `model.estimator` + `model.params` into an unfitted estimator, with helpful errors.

The two spellings are told apart before anything the config names is called:
`pkg.module.Class` must be an estimator class (it has fit, predict and get_params) and is
instantiated with the params; only the explicit factory form `pkg.module:function` calls a
function, which must return an estimator. Modules are looked up on the import path and then in
the config's folder (`importable_from`). Whatever user code raises while it is built or fitted,
`SystemExit` included, becomes one `UserError` naming it (`user_code`).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modelci.errors import UserError

DEFAULTS = {
    "classification": "sklearn.ensemble.HistGradientBoostingClassifier",
    "regression": "sklearn.ensemble.HistGradientBoostingRegressor",
}
ESTIMATOR_METHODS = ("fit", "predict", "get_params")
_FORMS = (
    "Name an estimator class (sklearn.linear_model.LogisticRegression), or a factory function "
    "returning one as module:function"
)


def default_for(task: str) -> str:
    return DEFAULTS[task]


def resolve(path: str, params: dict[str, Any], *, where: str, config_dir: Path) -> Any:
    """`pkg.module.Class` or `pkg.module:factory` → an estimator built with `params`."""
    is_factory = ":" in path
    module_name, _, attribute = path.partition(":") if is_factory else path.rpartition(".")
    if not module_name or not attribute:
        raise UserError(
            f"model.estimator '{path}' is not an import path",
            where=where,
            fix="Write it in full, e.g. sklearn.linear_model.LogisticRegression",
        )
    with importable_from(config_dir):
        target = _attribute(_import(module_name, path, where, config_dir), path, attribute, where)
        if inspect.isclass(target):
            missing = [m for m in ESTIMATOR_METHODS if not callable(getattr(target, m, None))]
            if missing:
                raise UserError(
                    f"model.estimator '{path}' is a class without {', '.join(missing)}, "
                    "not a scikit-learn estimator",
                    where=where,
                    fix=_FORMS,
                )
        elif not is_factory:
            kind = "a function" if callable(target) else f"a {type(target).__name__}"
            raise UserError(
                f"model.estimator '{path}' is {kind}, not an estimator class",
                where=where,
                fix=_FORMS,
            )
        elif not callable(target):
            raise UserError(
                f"model.estimator '{path}' is a {type(target).__name__}, not a function",
                where=where,
                fix=_FORMS,
            )
        estimator = _call(target, path, params, where)
    if inspect.isclass(estimator):
        raise UserError(
            f"model.estimator '{path}' returned the class {estimator.__name__}, not an "
            "estimator made from it",
            where=where,
            fix=f"Return {estimator.__name__}(...) from the factory",
        )
    if not all(callable(getattr(estimator, m, None)) for m in ESTIMATOR_METHODS):
        raise UserError(
            f"model.estimator '{path}' did not give a scikit-learn estimator "
            f"(got {type(estimator).__name__} without {'/'.join(ESTIMATOR_METHODS)})",
            where=where,
        )
    return estimator


@contextlib.contextmanager
def importable_from(config_dir: Path) -> Iterator[None]:
    """Modules beside the config importable, after everything installed, while this lasts.

    Appended rather than put first, so a file in the project cannot replace a library that
    modelci or the estimator imports; a project file that an installed module shadows is
    refused by name in `_import` instead of silently ignored.
    """
    entry = str(config_dir.resolve())
    added = entry not in sys.path
    if added:
        sys.path.append(entry)
        importlib.invalidate_caches()
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)


@contextlib.contextmanager
def user_code(what: str, *, where: str, fix: str) -> Iterator[None]:
    """Turn whatever user code raises into one UserError: `what`, then what it did.

    SystemExit is caught too (a silent exit 0 would pass CI), and modelci's own errors raised
    by user code are not taken at their word (a GateFailed from a factory is not a gate).
    KeyboardInterrupt stays an interrupt; MemoryError stays the environment's.
    """
    try:
        yield
    except MemoryError:
        raise
    except (Exception, SystemExit) as error:
        raise UserError(f"{what} {last_line(error)}", where=where, fix=fix) from None


def last_line(error: BaseException) -> str:
    """What a traceback's last line would say, kept to one line: `raised Type: first line of
    the message (at file:line)`, or `called sys.exit(…)`. The frame is the innermost one
    outside Python, the installed packages and modelci: the user's own code, when it is there."""
    if isinstance(error, SystemExit):
        summary = f"called sys.exit({'' if error.code is None else repr(error.code)})"
    else:
        message = next((line for line in str(error).splitlines() if line.strip()), "")
        summary = f"raised {type(error).__name__}: {message.strip()}".rstrip(": ")
    frame = _innermost_user_frame(error)
    return f"{summary} (at {frame})" if frame else summary


def _innermost_user_frame(error: BaseException) -> str | None:
    import sysconfig
    import traceback

    installed = tuple(
        str(Path(p).resolve())
        for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    )
    here = str(Path(__file__).resolve().parent)
    for entry in reversed(traceback.extract_tb(error.__traceback__)):
        file = str(Path(entry.filename).resolve())
        if not file.startswith((*installed, here)) and not entry.filename.startswith("<"):
            return f"{Path(entry.filename).name}:{entry.lineno}"
    return None


def _import(module_name: str, path: str, where: str, config_dir: Path) -> Any:
    top = module_name.split(".")[0]
    module: Any = None
    missing: ModuleNotFoundError | None = None
    with user_code(
        f"model.estimator '{path}': importing '{module_name}'",
        where=where,
        fix="Fix the module, or install what it imports",
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            named = error.name or ""
            if not (module_name == named or module_name.startswith(f"{named}.")):
                raise  # something the module imports is missing: the module's own failure
            missing = error
    if missing is not None:
        extra = _extra_for(top)
        raise UserError(
            f"model.estimator '{path}': cannot import module '{module_name}' ({missing})",
            where=where,
            fix=f"Install it with `pip install 'modelci[{extra}]'`"
            if extra
            else f"Check the spelling, install the package that provides it, or put {top}.py "
            "beside the config",
        )
    local = next(
        (p for p in (config_dir / f"{top}.py", config_dir / top / "__init__.py") if p.is_file()),
        None,
    )
    found = getattr(sys.modules.get(top), "__file__", None)
    if local is not None and (found is None or Path(found).resolve() != local.resolve()):
        raise UserError(
            f"model.estimator '{path}': {local.relative_to(config_dir)} beside the config is "
            f"shadowed by the installed module '{top}' ({found or 'built in'})",
            where=where,
            fix=f"Rename {local.name} to a name no installed module uses",
        )
    return module


def _extra_for(top: str) -> str | None:
    """The modelci extra that installs a flavour's library (xgboost → modelci[xgboost])."""
    from modelci import flavours

    flavour = flavours.FLAVOURS.get(top)
    return None if flavour is None else flavour.extra


def _attribute(module: Any, path: str, attribute: str, where: str) -> Any:
    if hasattr(module, attribute):
        return getattr(module, attribute)
    names = [n for n in dir(module) if not n.startswith("_")]
    close = difflib.get_close_matches(attribute, names, n=1)
    separator = ":" if ":" in path else "."
    fix = (
        f"Did you mean '{module.__name__}{separator}{close[0]}'?"
        if close
        else f"Check the names that '{module.__name__}' exports"
    )
    raise UserError(
        f"model.estimator '{path}': '{module.__name__}' has no '{attribute}'", where=where, fix=fix
    )


def _call(factory: Any, path: str, params: dict[str, Any], where: str) -> Any:
    unknown = _unknown_param(factory, params)
    if unknown:
        valid = [p for p in inspect.signature(factory).parameters if p != "self"]
        close = difflib.get_close_matches(unknown, valid, n=1)
        fix = f"Did you mean '{close[0]}'?" if close else f"Valid: {', '.join(valid)}"
        raise UserError(
            f"model.params: '{unknown}' is not a parameter of {path}", where=where, fix=fix
        )
    with user_code(
        f"model.estimator '{path}'", where=where, fix="Check model.params and the estimator's code"
    ):
        return factory(**params)


def _unknown_param(factory: Any, params: dict[str, Any]) -> str | None:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return next((name for name in params if name not in signature.parameters), None)


def class_path(estimator: Any) -> str:
    kind = type(estimator)
    return f"{kind.__module__.split('._')[0]}.{kind.__qualname__}"


def plain_params(estimator: Any) -> dict[str, Any]:
    """The estimator's parameters as JSON can hold them (for run.json), see `plain_value`."""
    return {name: plain_value(v) for name, v in sorted(estimator.get_params(deep=False).items())}


def plain_value(value: Any) -> Any:
    """A parameter value as strict JSON can hold it, the same way every time.

    numpy scalars become Python numbers; NaN and ±infinity become the strings "nan", "inf" and
    "-inf" (XGBoost's `missing=nan` is a real setting, not a missing value, so not null);
    lists, tuples and string-keyed mappings are converted item by item; anything else is
    recorded as its repr.

    >>> plain_value({"missing": float("nan"), "sizes": (1, 2.5), "tol": float("-inf")})
    {'missing': 'nan', 'sizes': [1, 2.5], 'tol': '-inf'}
    """
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [plain_value(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: plain_value(item) for key, item in value.items()}
    return repr(value)
