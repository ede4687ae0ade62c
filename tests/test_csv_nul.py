"""A CSV file is checked for NUL once, as a whole: a file without one skips the per-field
check, and a UTF-16 file (the only encoding that may carry one) still has it refused,
naming the row and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from filiera.db import Database
from filiera.errors import ImportFailed
from filiera.imports.csv_import import import_csv
from filiera.imports.csv_table import read_table

HEADER = "name,country,city\n"


def test_a_nul_in_a_utf16_cell_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(HEADER + "Alfa Srl,IT,Torino\nBeta\x00 Srl,IT,Milano\n", encoding="utf-16")
    assert read_table(path).nul_free is False
    db = Database(f"sqlite:///{tmp_path}/nul.db")
    db.ensure_ready()
    with pytest.raises(ImportFailed) as failed, db.session() as session:
        import_csv(session, path, "organisations")
    assert [(e["record"], e["field"]) for e in failed.value.errors] == [
        ("members.csv row 3", "name")
    ]
    assert "NUL" in failed.value.errors[0]["message"]
    db.dispose()


def test_a_file_without_nul_is_marked_so(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(HEADER + "Alfa Srl,IT,Torino\n", encoding="utf-16")
    assert read_table(path).nul_free is True
