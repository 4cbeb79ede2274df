"""Reading a predictions CSV in chunks (the fast path) must read it as a whole read would."""

from __future__ import annotations

import hashlib

import pandas as pd

from modelci import prediction_tables

# More rows than one of pandas' low-memory chunks, so the types can change between chunks.
ROWS = 300_000


def test_a_column_that_turns_from_numbers_to_text_reads_as_one_type(tmp_path):
    path = tmp_path / "p.csv"
    labels = ["1"] * ROWS + ["cat"] * ROWS
    text = "row_id,y_true\n" + "".join(f"{i},{v}\n" for i, v in enumerate(labels))
    path.write_text(text)
    table = prediction_tables.read_table(path)
    whole = pd.read_csv(path, low_memory=False)
    # Chunked, the column would hold ints 1 and strings 'cat' side by side.
    assert table.frame["y_true"].map(type).nunique() == 1
    assert table.frame.equals(whole)
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_numeric_file_reads_exactly_and_keeps_its_sha256(tmp_path):
    path = tmp_path / "p.csv"
    rows = ["row_id,y_true,y_pred"] + [f"{i},{i % 7},{i / 3:.6f}" for i in range(ROWS)]
    path.write_text("\n".join(rows) + "\n")
    table = prediction_tables.read_table(path)
    assert table.frame.equals(pd.read_csv(path, low_memory=False))
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
