"""The model card (MODEL_CARD.md): sections as data, rendered by a pure function.

As in skops's `Card`, building (`build`: run.json + evaluation.json → `ModelCard`) is separate
from rendering (`render`: `ModelCard` → markdown) and from saving (the caller uploads or writes
the text). The card says what the model is, what it is for (`card:` of modelci.yaml), how well
it does with confidence intervals, which data it saw (sources, sha256, the test-row
fingerprint), and how it was trained (the resolved config).

The `card:` texts are the repository's own markdown and are kept as written; every value that
comes from data (sources, column names, config values) is escaped or put in code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelci.documents import DataCheck, Evaluation, Importance, RunInfo
from modelci.release.tags import ReleaseTag
from modelci.report.markdown import escape
from modelci.report.numbers import Precision, ci_label, number, size

DASH = "—"
TOP_FEATURES = 15
STATUS_ICON = {"ok": "✅", "warn": "⚠️", "fail": "❌"}
# run.json's `card:` keys that become sections of their own, with the hint shown when unset.
STATED = (
    ("Intended use", "intended_use"),
    ("Limitations", "limitations"),
    ("Ethical considerations", "ethical_considerations"),
)


@dataclass(frozen=True, kw_only=True)
class Section:
    title: str
    content: str  # markdown, without the heading


@dataclass(frozen=True, kw_only=True)
class ModelCard:
    title: str
    summary: str
    sections: tuple[Section, ...]

    def section(self, title: str) -> Section:
        for section in self.sections:
            if section.title == title:
                return section
        raise KeyError(title)

    def render(self) -> str:
        return render(self)


def build(info: RunInfo, evaluation: Evaluation, *, tag: ReleaseTag | None = None) -> ModelCard:
    """The card of a run (its run.json and evaluation.json), released under `tag`."""
    card = _card(info)
    name = _name(info) or (tag.name if tag else None)
    estimator = _estimator(info)
    title = f"Model card: {name or estimator.rsplit('.', 1)[-1]}"
    if tag is not None:
        title += f" {tag.raw if not tag.name else 'v' + tag.version}"
    description = card.get("description")
    what = (
        f"A {info.task} model ({_code(estimator)}) predicting {_code(info.target)}."
        if info.model is not None
        else f"{info.task.capitalize()} predictions of {_code(info.target)}: there is no model "
        "file, only the predictions were evaluated."
    )
    summary = (description.strip() if isinstance(description, str) else "") or (
        f"{what} _Describe it with `card.description` in modelci.yaml._"
    )
    sections = [Section(title="Model details", content=_details(info, card, tag))]
    for heading, key in STATED:
        sections.append(Section(title=heading, content=_stated(card, key)))
    sections += [
        Section(title="Evaluation", content=_evaluation(evaluation)),
        Section(title="Data", content=_data(info, evaluation)),
    ]
    if evaluation.data_checks:
        sections.append(Section(title="Data checks", content=_checks(evaluation.data_checks)))
    importance = _importance(evaluation.importance)
    if importance:
        sections.append(Section(title="Feature importance", content=importance))
    sections += [
        Section(title="Training configuration", content=_training(info)),
        Section(title="How to use", content=_usage(info, tag)),
    ]
    return ModelCard(title=title, summary=summary, sections=tuple(sections))


def _card(info: RunInfo) -> Mapping[str, Any]:
    card = info.config.get("card")
    return card if isinstance(card, Mapping) else {}


def _estimator(info: RunInfo) -> str:
    """The estimator class, else the model's flavour (a training script's model), else what a
    predictions run is."""
    if info.estimator is not None:
        return info.estimator.class_name
    if info.model is not None:
        return f"{info.model.flavour_name} model"
    return "predictions"


def _library(info: RunInfo) -> str | None:
    """The library (and version) that wrote the model file; runs from before flavours record
    none: theirs is scikit-learn's, whose version run.json's versions hold."""
    model = info.model
    if model is None:
        return None
    library = model.library or ("scikit-learn" if model.flavour_name == "sklearn" else None)
    version = model.library_version
    if version is None and model.flavour_name == "sklearn":
        version = info.versions.get("sklearn")
    if library is None:
        return None
    return f"{library} {version}" if version else library


def _name(info: RunInfo) -> str | None:
    name = info.name or info.config.get("name")
    return str(name) if name else None


def render(card: ModelCard) -> str:
    """The card as markdown."""
    parts = [f"# {escape(card.title)}\n", card.summary.strip() + "\n"]
    for section in card.sections:
        parts.append(f"## {escape(section.title)}\n\n{section.content.strip()}\n")
    return "\n".join(parts)


# -- sections -------------------------------------------------------------------------------------


def _stated(card: Mapping[str, Any], key: str) -> str:
    text = card.get(key)
    if isinstance(text, str) and text.strip():
        return text.strip()
    return f"_Not stated. Set `card.{key}` in modelci.yaml._"


def _details(info: RunInfo, card: Mapping[str, Any], tag: ReleaseTag | None) -> str:
    model, features, git = info.model, info.features, info.git
    rows: list[tuple[str, str]] = [
        ("Model", escape(_name(info) or DASH)),
        ("Version", _cell(tag.raw) if tag else DASH),
        ("Task", escape(info.task)),
        ("Target", _cell(info.target)),
    ]
    classes = info.classes
    if classes:
        shown = ", ".join(_cell(c) for c in classes[:20])
        more = f" and {len(classes) - 20} more" if len(classes) > 20 else ""
        positive = info.positive_class
        rows.append(
            ("Classes", shown + more + (f" (positive: {_cell(positive)})" if positive else ""))
        )
    rows.append(("Estimator", _cell(info.estimator.class_name) if info.estimator else DASH))
    preprocess = info.section("model").get("preprocess")
    if preprocess:
        rows.append(("Preprocessing", escape(str(preprocess))))
    counts = ", ".join(
        f"{len(features.get(kind) or ())} {kind}" for kind in ("numeric", "categorical", "dates")
    )
    dropped = features.get("dropped") or ()
    if dropped:
        counts += "; dropped: " + ", ".join(_cell(c) for c in dropped)
    if model is not None or any(features.values()):  # a predictions run may know none
        rows.append(("Features", counts))
    if model is None:
        rows.append(("Model file", "none: only its predictions were evaluated"))
        test = info.data.test
        if test is not None:
            facts = [_cell(test.source or "?")]
            if test.rows is not None:
                facts.append(f"{number(test.rows)} rows")
            if test.sha256:
                facts.append(f"sha256 {_cell(test.sha256)}")
            rows.append(("Predictions", ", ".join(facts)))
    else:
        rows.append(
            (
                "Model file",
                f"{_cell(model.file)} ({escape(model.flavour_name)}), "
                f"{size(model.size_bytes)}, sha256 {_cell(model.sha256)}",
            )
        )
        library = _library(info)
        if library:
            rows.append(("Library", escape(library)))
        if model.preprocess is not None:
            kept = model.preprocess
            rows.append(
                (
                    "Preprocessing file",
                    f"{_cell(kept.file)} (modelci's preprocessing, skops), "
                    f"{size(kept.size_bytes)}, sha256 {_cell(kept.sha256)}",
                )
            )
    command = (info.training or {}).get("command")
    if isinstance(command, str) and command:
        rows.append(("Training command", _cell(command)))
    created, by = info.created, info.modelci_version
    rows.append(("Trained", escape(f"{created or DASH}" + (f" with modelci {by}" if by else ""))))
    if info.versions:
        rows.append(("Libraries", escape(", ".join(f"{k} {v}" for k, v in info.versions.items()))))
    if git is not None and git.commit:
        rows.append(("Commit", _cell(git.commit) + (" (uncommitted changes)" if git.dirty else "")))
    for label, key in (("Authors", "authors"), ("License", "license")):
        value = card.get(key)
        rows.append((label, escape(value) if value else DASH))
    return _table(("", ""), rows, ("left", "left"))


def _evaluation(evaluation: Evaluation) -> str:
    primary, confidence, data = evaluation.primary, evaluation.confidence, evaluation.data
    rows_count = evaluation.n_rows or data.rows
    lines = [
        f"Scored on {number(rows_count) if rows_count is not None else 'an unknown number of'} "
        f"test rows of {_code(data.source or '?')}. "
        f"Intervals are {ci_label(confidence)}s, by the method shown.\n"
    ]
    metrics = sorted(evaluation.metrics, key=lambda m: m.name != primary)
    rows = [
        (
            f"**{escape(m.name)}** (primary)" if m.name == primary else escape(m.name),
            (row := Precision.of(m.ci, m.value)).value(m.value),
            row.interval(m.ci),
            escape(m.method or DASH),
            "higher" if m.higher_is_better else "lower",
        )
        for m in metrics
    ]
    if rows:
        lines.append(
            _table(
                ("Metric", "Value", ci_label(confidence), "Method", "Better"),
                rows,
                ("left", "right", "right", "left", "left"),
            )
        )
    if evaluation.skipped_metrics:
        lines.append(
            "Not computed: "
            + "; ".join(f"{escape(k)} ({escape(v)})" for k, v in evaluation.skipped_metrics)
            + ".\n"
        )
    if evaluation.unavailable:  # what a predictions run cannot measure without a model
        lines.append(
            "Not measured: "
            + "; ".join(f"{escape(k)} ({escape(v)})" for k, v in evaluation.unavailable)
            + ".\n"
        )
    model = evaluation.model
    if model.latency_ms_per_1k_rows is not None:
        lines.append(
            f"Prediction latency: {number(model.latency_ms_per_1k_rows)} ms per 1,000 rows "
            f"(on the machine that evaluated it); model size {size(model.size_bytes)}.\n"
        )
    return "\n".join(lines)


def _data(info: RunInfo, evaluation: Evaluation) -> str:
    data = info.data
    rows = [
        (
            role,
            _cell(facts.source or "?"),
            _cell(facts.sha256 or "?"),
            number(facts.rows),
            number(facts.columns),
        )
        for role, facts in (("train", data.train), ("test", data.test))
        if facts is not None
    ]
    parts = []
    if rows:
        parts.append(
            _table(
                ("Split", "Source", "sha256 of the file", "Rows", "Columns"),
                rows,
                ("left", "left", "left", "right", "right"),
            )
        )
    split = data.split
    if split:
        described = {
            "stratified": "a stratified split of the training data",
            "random": "a random split of the training data",
            "file": "a separate test file",
        }.get(str(split.get("kind")), escape(str(split.get("kind"))))
        extra = ", ".join(
            f"{key} {number(split[key])}"
            for key in ("test_size", "seed")
            if split.get(key) is not None
        )
        parts.append(f"Test rows: {described}" + (f" ({extra})" if extra else "") + ".\n")
    fingerprint = data.test_fingerprint or evaluation.data.test_fingerprint
    if fingerprint:
        parts.append(
            f"Test-row fingerprint (sha256 of the rows scored): {_code(fingerprint)}. "
            "`modelci compare` uses it to tell whether two models were scored on the same rows.\n"
        )
    return "\n".join(parts) or "_No data facts recorded._"


def _checks(checks: Sequence[DataCheck]) -> str:
    return "".join(
        f"- {STATUS_ICON.get(c.status, '•')} {_code(c.name)}: {escape(c.detail)}\n" for c in checks
    )


def _importance(importance: Importance | None) -> str | None:
    if importance is None or not importance.features:
        return None
    shown = importance.features[:TOP_FEATURES]
    # Means and stds in the decimals the repeats' spread supports, as the PR comment has them.
    column = Precision.of_spread((f.std for f in shown), *(f.mean for f in shown))
    rows = [(_cell(f.feature), column.value(f.mean), column.value(f.std)) for f in shown]
    scoring = importance.scoring or "the primary metric"
    repeats = importance.repeats if importance.repeats is not None else "?"
    rows_used = importance.rows if importance.rows is not None else "?"
    return (
        f"Permutation importance: the drop in {_code(scoring)} when a feature's values "
        f"are shuffled ({repeats} repeats on {rows_used} rows); the top {len(rows)}.\n\n"
        + _table(("Feature", "Mean drop", "Std"), rows, ("left", "right", "right"))
    )


def _training(info: RunInfo) -> str:
    import yaml

    estimator = info.estimator
    config = {k: v for k, v in info.config.items() if k != "card"}
    command = (info.training or {}).get("command")
    if estimator is not None:
        parts = [
            f"Estimator {_code(estimator.class_name)} with these parameters:\n",
            _fenced(yaml.safe_dump(dict(estimator.params), sort_keys=True), "yaml"),
        ]
    elif isinstance(command, str) and command:
        made = "the model" if info.model is not None else "the predictions"
        parts = [f"The repository's own training script made {made}: {_code(command)}.\n"]
    elif info.model is None:
        parts = ["No model was trained here: the predictions were evaluated as given.\n"]
    else:
        parts = ["No estimator recorded: the model file was evaluated as given.\n"]
    if config:
        parts += [
            "The resolved `modelci.yaml` (every default filled in; `card:` is this page):\n",
            _fenced(yaml.safe_dump(config, sort_keys=False), "yaml"),
        ]
    fit = info.timings.get("fit_s")
    if fit is not None:
        parts.append(f"Fitting took {number(fit)} s.\n")
    return "\n".join(parts)


def _usage(info: RunInfo, tag: ReleaseTag | None) -> str:
    ref = tag.raw if tag else "TAG"
    return (
        "Check the downloaded files, then use the release as the baseline of a comparison:\n\n"
        + _fenced(
            "sha256sum -c SHA256SUMS\n"
            f"modelci baseline --from release:{ref} --out runs/baseline\n"
            "modelci compare runs/candidate runs/baseline --out runs/compare\n",
            "sh",
        )
        + "\n"
        + _formats(info)
    )


# What each flavour's file is, for the reader who loads it without modelci.
FORMATS = {
    "sklearn": "a [skops](https://skops.readthedocs.io) file, never a pickle",
    "xgboost": "XGBoost's own model format (UBJSON or JSON), which holds no code",
    "lightgbm": "LightGBM's own text model format, which holds no code",
    "catboost": "CatBoost's own binary model format, which holds no code",
    "onnx": "an ONNX graph, scored with onnxruntime",
}


def _formats(info: RunInfo) -> str:
    model = info.model
    if model is None:
        return (
            "This release has no model file: `predictions.csv` holds the predictions that were "
            "evaluated (row id, truth, prediction and class probabilities). `modelci compare` "
            "aligns them with a candidate's by row id, so a candidate must be scored on the "
            "same rows.\n"
        )
    flavour = model.flavour_name
    text = (
        f"{_code(model.file)} is {FORMATS.get(flavour, escape(flavour))}: `modelci baseline` "
        "loads it only after checking its sha256"
        + (
            " and every type it holds against an allowlist"
            if flavour == "sklearn"
            else " and the checks of its flavour"
        )
        + "."
    )
    if flavour == "sklearn":
        text += (
            " Loading it yourself, review "
            f'`skops.io.get_untrusted_types(file="{model.file}")` before trusting any of them.'
        )
    if model.preprocess is not None:
        text += (
            f" {_code(model.preprocess.file)} is modelci's preprocessing of the raw columns "
            "into the model's inputs, a skops file checked against the same allowlist; apply "
            "it before the model."
        )
    return text + "\n"


# -- markdown helpers -----------------------------------------------------------------------------


def _code(text: str, *, cell: bool = False) -> str:
    """An inline code span; text with a backtick falls back to escaped text. In a table `cell`,
    a pipe needs GitHub's `\\|` even inside code.

    >>> _code("a|b"), _code("a|b", cell=True), _code("x`y")
    ('`a|b`', '`a\\\\|b`', 'x\\\\`y')
    """
    text = " ".join(text.split())
    if "`" in text or not text:
        return escape(text)
    return f"`{text.replace('|', chr(92) + '|') if cell else text}`"


def _cell(text: str) -> str:
    return _code(text, cell=True)


def _fenced(text: str, language: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}\n"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str]) -> str:
    marks = {"left": "---", "right": "---:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
