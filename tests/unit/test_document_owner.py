"""Only the `modelci.documents` package opens the run directory's JSON documents (issue #8, item 1).

The check reads every module's syntax tree: a call that reads a file (`open`, `read_text`,
`read_bytes`, `json.load`/`json.loads`) must not touch an expression that names one of the
contract's files, either directly (`run_dir / "run.json"`, `path / rundir.EVALUATION`) or through
a local name assigned from one (`path = run_dir / RUN; path.read_text()`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import modelci
from modelci import documents

PACKAGE = Path(modelci.__file__).resolve().parent
OWNER = PACKAGE / "documents"
CONSTANTS = {"RUN", "METRICS", "EVALUATION", "COMPARISON", "BASELINE"}
READS = {"open", "read_text", "read_bytes", "load", "loads", "read_json"}


def _names_a_document(node: ast.AST, tainted: set[str]) -> bool:
    for child in ast.walk(node):
        text = child.value if isinstance(child, ast.Constant) else None
        if isinstance(text, str) and text.endswith(documents.FILES):
            return True
        if isinstance(child, ast.Attribute) and child.attr in CONSTANTS:
            return True
        if isinstance(child, ast.Name) and (child.id in CONSTANTS or child.id in tainted):
            return True
    return False


def raw_reads(source: str, filename: str = "<module>") -> list[str]:
    """`file:line` of every read of a contract document in `source`."""
    tree = ast.parse(source, filename)
    found = []
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        tainted: set[str] = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and _names_a_document(node.value, tainted):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "read_document" or (name in READS and _names_a_document(node, tainted)):
                found.append(f"{filename}:{node.lineno}")
    return sorted(set(found))


def test_no_module_but_documents_reads_the_contract_files() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if OWNER not in path.parents:
            offenders += raw_reads(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert offenders == [], "read these through modelci.documents instead"


def test_the_check_catches_each_kind_of_raw_read() -> None:
    caught = [
        'json.loads((run_dir / "run.json").read_text())',
        "data = json.load(open(directory / rundir.EVALUATION))",
        "(out / COMPARISON).read_bytes()",
        "path = run_dir / documents.METRICS\nvalue = path.read_text()",
        "def f(d):\n    p = d / 'baseline.json'\n    with open(p) as f:\n        return f.read()",
        "doc = read_document(path)",
    ]
    for snippet in caught:
        assert raw_reads(snippet), snippet


def test_the_check_leaves_other_files_and_existence_checks_alone() -> None:
    allowed = [
        'json.loads((bundle / "metadata.json").read_text())',
        "(run_dir / RUN).is_file()",
        "documents.read_run(run_dir / RUN)",
        "shutil.copy2(directory / rundir.EVALUATION, stage / rundir.EVALUATION)",
    ]
    for snippet in allowed:
        assert not raw_reads(snippet), snippet
