"""Delimited text files (CSV, semicolon CSV, TSV): decoding, delimiter sniffing and parsing into a Table.

A regular quote-free file with more than GRID_LINES lines is read as byte offsets (readers.grid); any other file
through the csv module (exact line numbers for every structural problem), or, with more than BIG_LINES lines,
through pandas' C tokenizer when it gives the same table, else the csv module again.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np

from irrkit.errors import InputError, Problem
from irrkit.readers.files import read_bytes
from irrkit.readers.grid import LazyColumns, plain_grid
from irrkit.readers.limits import MAX_CELL_CHARS, long_cell
from irrkit.readers.place import also_on_lines
from irrkit.readers.table import Table, blank_cells, blank_row, spaces_in

BIG_LINES = 5_000  # files with more lines are tokenised by pandas' C parser (when the grid cannot take them)
GRID_LINES = 1_000  # regular files with more lines are read by the grid: 3,000 lines x 9 cells 25 -> 7 ms
DELIMITERS = ",;\t"
def _bad_encoding(encoding: str | None) -> str:
    return f"unknown encoding '{encoding}' (try utf-8, cp1252 or latin-1)"


_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (Excel .xls?)"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .sav file"),
    (b"%PDF", "a PDF document"),
)



def read_text(path: Path, name: str, encoding: str | None) -> str:
    """The decoded file text, BOM removed."""
    return _read_text(path, name, encoding)[0]


def _read_text(path: Path, name: str, encoding: str | None) -> tuple[str, bytes | None]:
    """:func:`read_text` and, when the file is UTF-8, the bytes of that text (the grid reads them without
    encoding the text again)."""
    data = read_bytes(path, name)
    enc = encoding or ("utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None)
    try:
        wide = enc is not None and codecs.lookup(enc).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        raise InputError.single(name, _bad_encoding(encoding)) from None
    bom = data.startswith(codecs.BOM_UTF8)
    if not wide:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise InputError.single(name, f"is {what}, not a CSV text file; save/export it as CSV")
        if b"\x00" in data:
            raise InputError.single(name, "is a binary file (contains NUL bytes), not a CSV text file "
                                    "(UTF-16 text? then pass --encoding utf-16)")
        data, enc = (data[3:], "utf-8") if bom else (data, enc)  # a UTF-8 BOM overrides --encoding
    try:
        text = data.decode(enc or "utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        byte = f"byte 0x{data[e.start]:02x} on line {line}"
        if enc is None:
            msg = (f"is not valid UTF-8 ({byte}); it was probably saved by Excel/SPSS on Windows - "
                   "try --encoding cp1252")
        else:
            msg = f"cannot be decoded as '{enc}' ({byte}); try another --encoding (utf-8, cp1252, latin-1)"
        raise InputError.single(name, msg) from None
    except LookupError:
        raise InputError.single(name, _bad_encoding(encoding)) from None
    utf8 = codecs.lookup(enc or "utf-8").name == "utf-8"
    if text.startswith("\ufeff"):
        text, data = text[1:], data[3:]
    if "\x00" in text:
        raise InputError.single(name, "contains NUL characters; not a CSV text file")
    return text, data if utf8 else None


def sniff_delimiter(text: str) -> str:
    """``,`` ``;`` or tab: csv.Sniffer on the first lines, checked against field-count consistency."""
    sample = "\n".join(text[:8192].splitlines()[:20])
    scores = {}
    for d in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        n = len(rows[0]) if rows else 0
        scores[d] = (n > 1, sum(len(r) == n for r in rows[1:]), n)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    best = max(DELIMITERS, key=lambda d: scores[d])
    return sniffed if sniffed in scores and scores[sniffed][:2] >= scores[best][:2] else best



def _csv_error(msg: str) -> str:
    if "end of data" in msg:
        return "unterminated quote: a quoted field starting in this row is never closed"
    if "expected after" in msg:
        return "text after a closing quote (a quote inside a quoted value must be doubled: \"\")"
    if "field limit" in msg:
        return long_cell()
    return f"cannot parse the CSV: {msg}"


def _ragged(row: list[str], n: int, delim: str) -> str:
    k, hint = len(row), ""
    digits = [x.strip().isdigit() for x in row]
    if k > n and blank_row(row[n:]):
        hint = " (stray separators at the end of the line?)"
    elif k > n and delim == "," and any(a and b for a, b in zip(digits, digits[1:], strict=False)):
        hint = " (a decimal comma in a comma-separated file? quote the value or use ';' as separator)"
    return f"row has {k} fields, but the header has {n}{hint}"


def _parse_slow(text: str, name: str, delim: str, skip: int) -> Table:
    csv.field_size_limit(MAX_CELL_CHARS)  # the one cell-length rule, also for the fast path
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    done = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(Problem(name, _csv_error(str(e)), done + 1 + skip))
            break
        rows.append(row)
        lines.append(done + 1 + skip)
        done = reader.line_num
    start = next((i for i, r in enumerate(rows) if not blank_row(r)), None)
    if start is None:
        raise InputError(problems or [Problem(name, "file is empty")])
    header = [h.strip() for h in rows[start]]
    n = len(header)
    data, dlines, ragged = [], [], {}
    for row, line in zip(rows[start + 1 :], lines[start + 1 :], strict=True):
        if blank_row(row):
            continue
        if len(row) != n:
            ragged.setdefault(_ragged(row, n, delim), []).append(line)
            continue
        data.append(row)
        dlines.append(line)
    problems += [Problem(name, msg + also_on_lines(ls), ls[0]) for msg, ls in ragged.items()]
    problems.sort(key=lambda p: p.line or 0)
    cells = [np.array(c, dtype=object) for c in zip(*data, strict=True)] if data else [
        np.empty(0, object) for _ in header]
    return Table(name, header, cells, np.array(dlines, dtype=np.int64), delim, lines[start], problems)




def _is_plain(text: str, delim: str) -> bool:
    """True if, with one row per line, every cell of the text is its own strip(): no quotes, "\\r" only in
    "\\r\\n", and no white space next to a delimiter or a line break."""
    if '"' in text or ("\r" in text and text.count("\r") != text.count("\r\n")):
        return False
    if text[:1].isspace() and text[:1] != "\n" or text[-1:].isspace() and text[-1:] not in "\r\n":
        return False
    for ch in spaces_in(text):
        if ch in ("\n", "\r", delim) or ch not in text:
            continue
        if any(x in text for x in (delim + ch, ch + delim, "\n" + ch, ch + "\n", ch + "\r")):
            return False
    return True



def _short_rows_ok(text: str, data: bytes, rows: np.ndarray, n: int, delim: str) -> bool:
    """False if one of the lines ``rows`` (0-based, one row per line; ``data``: the text in UTF-8) has fewer
    than ``n`` fields and is not blank. Lines without quotes are checked by counting delimiters in the bytes,
    the others with the csv module."""
    if len(delim) != 1 or not delim.isascii() or delim in "\"\n\r":
        raw = text.split("\n")
        lines = [raw[i].rstrip("\r") for i in rows]
    else:
        buf = np.frombuffer(data, dtype=np.uint8)
        nl = np.flatnonzero(buf == 10)
        starts = np.concatenate(([0], nl + 1))[rows]
        ends = np.concatenate((nl, [len(buf)]))[rows]
        dpos = np.flatnonzero(buf == ord(delim))
        nd = np.searchsorted(dpos, ends) - np.searchsorted(dpos, starts)
        qpos = np.flatnonzero(buf == ord('"'))
        nq = np.searchsorted(qpos, ends) - np.searchsorted(qpos, starts)
        sel = np.flatnonzero((nq > 0) | (nd + 1 != n))  # lines without quotes with all delimiters are fine
        lines = [data[a:b].decode("utf-8").rstrip("\r") for a, b in zip(starts[sel], ends[sel], strict=True)]
    quoted = [line for line in lines if '"' in line]
    for line in lines:
        if '"' not in line and line.count(delim) + 1 != n and line.replace(delim, "").strip():
            return False
    try:  # one reader for all quoted lines: the same records as a reader per line unless a quote spans lines
        records = list(csv.reader(quoted, delimiter=delim))
        if len(records) != len(quoted):
            records = [next(csv.reader([line], delimiter=delim), []) for line in quoted]
    except csv.Error:  # e.g. a field over the csv module's size limit: the careful path reports it
        return False
    return all(len(fields) == n or blank_row(fields) for fields in records)


def _parse_fast(text: str, name: str, delim: str, skip: int, newlines: int | None = None) -> Table | None:
    """pandas' C tokenizer; None when the file needs the careful path (quoted newlines, ragged rows...)."""
    import pandas as pd

    try:
        data = text.encode("utf-8")
        df = pd.read_csv(io.BytesIO(data), sep=delim, header=None, dtype=object, keep_default_na=False,
                         na_filter=False, engine="c", skip_blank_lines=False, encoding="utf-8")
    except Exception:  # noqa: BLE001 - any tokenizer complaint: let the csv module report it precisely
        return None
    if len(data) > MAX_CELL_CHARS:  # a line that could hold a cell over the limit: the careful path reports it
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        if np.diff(ends, prepend=-1, append=len(data)).max() > MAX_CELL_CHARS:
            return None
    n_lines = (text.count("\n") if newlines is None else newlines) + (not text.endswith("\n"))
    if len(df) != n_lines or len(df) < 2:
        return None
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    header = [str(c[0]).strip() for c in cols]
    if blank_row(header):
        return None
    # pandas pads a short row with empty cells: check the lines whose last cell is empty, unless every line
    # of a quote-free file has all its delimiters
    if '"' in text or text.count(delim) != len(df) * (len(cols) - 1):
        short = np.flatnonzero(cols[-1] == "")
        if short.size and not _short_rows_ok(text, data, short, len(cols), delim):
            return None
    plain = _is_plain(text, delim)
    cells = [c[1:] for c in cols]
    lines = np.arange(2 + skip, len(df) + 1 + skip, dtype=np.int64)
    blank = np.ones(len(lines), dtype=bool)
    for c in cells:
        idx = np.flatnonzero(blank)
        if not idx.size:
            break
        blank[idx] = blank_cells(c[idx] if idx.size < len(c) else c, plain)
    if blank.any():
        cells, lines = [c[~blank] for c in cells], lines[~blank]
    return Table(name, header, cells, lines, delim, 1 + skip, _plain=plain)


def _parse_grid(text: str, name: str, delim: str, skip: int, data: bytes | None = None) -> Table | None:
    """A regular quote-free file as byte offsets (readers.grid); None when it needs a tokenizer. ``data``: the
    text in UTF-8, when at hand."""
    if not _is_plain(text, delim):
        return None
    got = plain_grid(text, delim, data)
    if got is None or blank_row(got[0]):
        return None
    header, grid = got
    return Table(name, header, LazyColumns(grid), grid.rows + 1 + skip, delim, 1 + skip, _plain=True, grid=grid)


def read_table(path: str | Path, encoding: str | None = None) -> Table:
    """Read a CSV/TSV file into a Table (every cell a string); file-level problems raise InputError."""
    name = str(path)
    text, data = _read_text(Path(path), name, encoding)
    if not text or text.isspace():  # not text.strip(), without copying the text
        raise InputError.single(name, "file is empty")
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).strip()
    m = re.fullmatch(r"sep=(.)", first)
    if m:  # Excel's "sep=;" hint line
        delim, skip, text, data = m.group(1), 1, text.split("\n", 1)[1] if "\n" in text else "", None
    else:
        delim, skip = sniff_delimiter(text), 0
    # more than BIG_LINES lines: usually told by the first 1 MB, without counting every line break
    newlines = None if text.count("\n", 0, 1 << 20) > BIG_LINES else text.count("\n")
    table = None
    if newlines is None or newlines > min(GRID_LINES, BIG_LINES):
        table = _parse_grid(text, name, delim, skip, data)
    if table is None and (newlines is None or newlines > BIG_LINES):
        table = _parse_fast(text, name, delim, skip, newlines)
    table = table or _parse_slow(text, name, delim, skip)
    table.header[0] = table.header[0].lstrip("\ufeff").strip()
    return table


def sniff_table(path: str | Path, encoding: str | None = None
                ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) rows of a table; raises InputError on any structural problem."""
    t = read_table(path, encoding)
    if t.problems:
        raise InputError(t.problems)
    rows = [(int(line), [str(c[i]) for c in t.cells]) for i, line in enumerate(t.lines)]
    return t.header, rows
