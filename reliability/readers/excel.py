"""Excel workbooks (.xlsx/.xlsm, read with the optional openpyxl): one Table per non-empty sheet."""

from __future__ import annotations

from pathlib import Path

from reliability.errors import InputError

from .files import check_file
from .table import Table, blank_row, cell_text, rows_table

MAX_CELLS = 20_000_000  # most cells read from one workbook (a zip bomb guard)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_xlsx(path: Path, name: str, warnings: list[str]) -> list[tuple[Table, str]]:
    """One Table per non-empty sheet, located as "FILE sheet 'S'", rows numbered as in Excel. One sheet: the
    coder is named after the file (like a CSV); several sheets: each sheet is a coder named after the sheet.
    A coder column overrides both."""
    check_file(path, name)
    try:
        import openpyxl
    except ImportError:
        raise InputError.single(name, "reading Excel .xlsx files needs the optional package openpyxl: "
                                "pip install 'irrkit[excel]' (or save each sheet as CSV)") from None
    tables: list[tuple[str, Table]] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            n_cells = 0
            for ws in wb.worksheets:
                rows = []
                for r, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                    n_cells += len(row)
                    if n_cells > MAX_CELLS:
                        raise InputError.single(name, f"workbook has more than {MAX_CELLS:,} cells; irrkit "
                                                "reads workbooks up to that size (save the sheets as CSV)")
                    rows.append((r, [cell_text(v) for v in row]))
                where = f"{name} sheet '{ws.title}'"
                if all(blank_row(cells) for _, cells in rows):
                    warnings.append(f"{where}: empty sheet ignored")
                    continue
                tables.append((ws.title, rows_table(where, rows)))
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors of a broken or foreign file
        raise InputError.single(name, f"cannot be read as an Excel .xlsx workbook ({type(e).__name__}: {e}); "
                                "open and save it again in Excel, or save each sheet as CSV") from None
    if not tables:
        raise InputError.single(name, "workbook is empty (no sheet has cells with data)")
    if len(tables) == 1:
        return [(tables[0][1], path.stem)]
    return [(t, title) for title, t in tables]
