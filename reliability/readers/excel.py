"""Excel workbooks (.xlsx/.xlsm, read with the optional openpyxl): one Table per non-empty sheet."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from irrkit.errors import InputError
from irrkit.readers.files import check_file, size_text
from irrkit.readers.limits import MAX_CELL_CHARS, long_cell
from irrkit.readers.place import quoted
from irrkit.readers.table import Table, blank_row, cell_text, rows_table

MAX_CELLS = 20_000_000  # most cells read from one workbook (a zip bomb guard)
MAX_UNPACKED = 2**30  # most bytes a workbook may unpack to (the sum of its parts' declared sizes)
MAX_RATIO = 100  # a part over BIG_PART bytes may unpack to at most this many times its packed size
BIG_PART = 16 * 2**20
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
RESAVE = "open and save it again in Excel, or save each sheet as CSV"


def check_zip(path: Path, name: str) -> None:
    """Refuse a workbook whose ZIP directory declares more than MAX_UNPACKED bytes, or a large part that
    expands more than MAX_RATIO-fold (a zip bomb), before anything is unpacked. The declared sizes bound the
    work: zipfile never unpacks a part beyond its declared size (it fails the CRC check instead)."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError.single(name, f"cannot be read as an Excel .xlsx workbook (not a ZIP archive: "
                                f"{str(e)[:200]}); {RESAVE}") from None
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED:
        raise InputError.single(name, f"workbook unpacks to {size_text(total)}; irrkit reads workbooks up to "
                                f"{size_text(MAX_UNPACKED)} unpacked (save the sheets as CSV)")
    for p in parts:
        if p.file_size > BIG_PART and p.file_size > MAX_RATIO * max(p.compress_size, 1):
            raise InputError.single(name, f"workbook part {quoted(p.filename)} unpacks from "
                                    f"{size_text(p.compress_size)} to {size_text(p.file_size)} "
                                    f"({p.file_size // max(p.compress_size, 1):,}-fold): refused as a zip bomb "
                                    f"(irrkit allows {MAX_RATIO}-fold for parts over {size_text(BIG_PART)})")


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
    check_zip(path, name)
    tables: list[tuple[str, Table]] = []
    try:
        wb = openpyxl.load_workbook(_without_empty_rows(path), read_only=True, data_only=True)
        try:
            n_cells = 0
            for ws in wb.worksheets:
                rows = []
                if hasattr(ws, "reset_dimensions"):  # read-only: the rows the sheet holds, not its stated size
                    ws.reset_dimensions()  # (A1:XFD1048576 would pad every row to 16,384 empty cells)
                for r, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                    n_cells += len(row) + 1  # an empty row costs too: a million of them is work
                    if not any(v is not None and v != "" for v in row):
                        continue  # blank rows are skipped by every reader: not kept (row numbers stay right)
                    if n_cells > MAX_CELLS:
                        raise InputError.single(name, f"workbook has more than {MAX_CELLS:,} cells; irrkit "
                                                "reads workbooks up to that size (save the sheets as CSV)")
                    texts = [cell_text(v) for v in row]
                    if any(len(t) > MAX_CELL_CHARS for t in texts):
                        j = next(j for j, t in enumerate(texts) if len(t) > MAX_CELL_CHARS)
                        raise InputError.single(f"{name} sheet {quoted(ws.title)}", long_cell(len(texts[j])), r,
                                                _column_letter(j))
                    rows.append((r, texts))
                where = f"{name} sheet {quoted(ws.title)}"
                if all(blank_row(cells) for _, cells in rows):
                    warnings.append(f"{where}: empty sheet ignored")
                    continue
                tables.append((ws.title, rows_table(where, rows)))
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors of a broken or foreign file
        raise InputError.single(name, f"cannot be read as an Excel .xlsx workbook ({type(e).__name__}: "
                                f"{str(e)[:200]}); {RESAVE}") from None
    if not tables:
        raise InputError.single(name, "workbook is empty (no sheet has cells with data)")
    if len(tables) == 1:
        return [(tables[0][1], path.stem)]
    return [(t, title) for title, t in tables]


_EMPTY_ROW = re.compile(rb"<(?:\w+:)?row\b[^<>]*?(?:/>|>\s*</(?:\w+:)?row>)")
COMPACT_FROM = 4 << 20  # worksheet XML from this size is searched for empty rows before openpyxl reads it


def _without_empty_rows(path: Path) -> Path | io.BytesIO:
    """The workbook, or a copy in memory whose big worksheets lack their empty ``<row/>`` elements: a sheet
    formatted down to row 1,048,576 holds a million of them (a few hundred KB zipped), which openpyxl would
    read one by one (seconds to minutes). Rows keep their numbers (the ``r`` attribute of the rows kept)."""
    with zipfile.ZipFile(path) as z:
        big = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.file_size > COMPACT_FROM]
        if not big:
            return path
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as w:
            for info in z.infolist():
                data = z.read(info)
                if info in big:
                    data = _EMPTY_ROW.sub(b"", data)
                w.writestr(info.filename, data)
    out.seek(0)
    return out


def _column_letter(j: int) -> str:
    """Excel's name of the column at 0-based position j: A, ..., Z, AA, ..."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out
