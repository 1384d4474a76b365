"""Writing small .xlsx workbooks for reader tests (openpyxl, from the test extra)."""

from pathlib import Path

import pytest


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook at ``path`` with one sheet per entry, each row appended as given."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path
