"""Reading rating files: coder CSV files checked against a codebook, and ad-hoc tables for ``compute``.

The only module of the library that does file I/O (read-only). Every problem in every file is collected and
raised as one InputError (``file:line: column 'c': message``); warnings are returned, not raised.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reliability.codebook import LEVELS, Category, Codebook, Item
from reliability.errors import InputError, Problem
from reliability.ratings import ItemRatings

MAX_BYTES = 200 * 1024 * 1024
MAX_PROBLEMS = 50
MAX_CELLS = 20_000_000  # most cells read from one workbook (a zip bomb guard)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")
BIG_LINES = 50_000  # files with more lines are tokenised by pandas' C parser
DELIMITERS = ",;\t"
COMPUTE_MISSING = ("", "NA", "na", "N/A", "n/a", ".", "-", "NaN", "nan")
COUNT_ID_NAMES = ("unit", "units", "id", "subject", "case", "object", "item", "segment")
RESERVED = ("unit", "coder", "item", "code", "value", "file", "line")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (Excel .xls?)"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .sav file"),
    (b"%PDF", "a PDF document"),
)

Parsed = tuple[str, float, str | None]  # canonical code ('' = missing), value, error message


@dataclass
class Table:
    """A text table: stripped header names, the raw cells of each header position, the line of each row.

    ``problems`` holds structural problems (ragged rows, broken quotes); those rows are left out.
    """

    file: str
    header: list[str]
    cells: list[np.ndarray]
    lines: np.ndarray
    delimiter: str
    header_line: int | None = 1  # None: no header line (SPSS)
    problems: list[Problem] = field(default_factory=list)
    # True when every cell is its own strip() (a quote-free file with no white space next to a delimiter or a
    # line break), so a blank cell is "". Set by the fast path only; False is always safe.
    _plain: bool = field(default=False, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.lines)


@dataclass
class RatingSet:
    """All coders' ratings of all codebook items, aligned on one units x coders grid."""

    codebook: Codebook
    coders: list[str]
    units: list[str]
    items: dict[str, ItemRatings]
    records: pd.DataFrame  # unit, coder, item, code, value, file, line + context columns
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- raw text


def _bad_encoding(encoding: str | None) -> str:
    return f"unknown encoding '{encoding}' (try utf-8, cp1252 or latin-1)"


def _size(n: float) -> str:
    """A byte count for messages: '512 bytes', '3.5 KB', '200 MB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} bytes"


def _too_large(name: str, size: str) -> InputError:
    return InputError.single(name, f"file is {size}; irrkit reads files up to {_size(MAX_BYTES)} "
                             "(split it, e.g. one file per coder)")


def _check_file(path: Path, name: str) -> None:
    """An existing file (or pipe) no larger than MAX_BYTES, else InputError."""
    try:
        if not path.exists():
            raise InputError.single(name, "file not found")
        if path.is_dir():
            raise InputError.single(name, "is a directory, not a file")
        st = path.stat()
    except (OSError, ValueError) as e:
        raise InputError.single(name, f"cannot read file: {getattr(e, 'strerror', None) or e}") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise InputError.single(name, "is not a regular file (a device?)")
    if st.st_size > MAX_BYTES:
        raise _too_large(name, _size(st.st_size))


def _read_text(path: Path, name: str, encoding: str | None) -> str:
    """The decoded file text, BOM removed."""
    _check_file(path, name)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)  # bounded: a pipe or a file growing meanwhile
    except (OSError, ValueError) as e:
        raise InputError.single(name, f"cannot read file: {getattr(e, 'strerror', None) or e}") from None
    if len(data) > MAX_BYTES:
        raise _too_large(name, f"larger than {_size(MAX_BYTES)}")
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
    text = text[1:] if text.startswith("\ufeff") else text
    if "\x00" in text:
        raise InputError.single(name, "contains NUL characters; not a CSV text file")
    return text


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


def _blank(row: Sequence[str]) -> bool:
    return all(not c.strip() for c in row)


def _csv_error(msg: str) -> str:
    if "end of data" in msg:
        return "unterminated quote: a quoted field starting in this row is never closed"
    if "expected after" in msg:
        return "text after a closing quote (a quote inside a quoted value must be doubled: \"\")"
    if "field limit" in msg:
        return "a field is longer than 131072 characters (an unclosed quote?)"
    return f"cannot parse the CSV: {msg}"


def _ragged(row: list[str], n: int, delim: str) -> str:
    k, hint = len(row), ""
    digits = [x.strip().isdigit() for x in row]
    if k > n and _blank(row[n:]):
        hint = " (stray separators at the end of the line?)"
    elif k > n and delim == "," and any(a and b for a, b in zip(digits, digits[1:], strict=False)):
        hint = " (a decimal comma in a comma-separated file? quote the value or use ';' as separator)"
    return f"row has {k} fields, but the header has {n}{hint}"


def _parse_slow(text: str, name: str, delim: str, skip: int) -> Table:
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
    start = next((i for i, r in enumerate(rows) if not _blank(r)), None)
    if start is None:
        raise InputError(problems or [Problem(name, "file is empty")])
    header = [h.strip() for h in rows[start]]
    n = len(header)
    data, dlines, ragged = [], [], {}
    for row, line in zip(rows[start + 1 :], lines[start + 1 :], strict=True):
        if _blank(row):
            continue
        if len(row) != n:
            ragged.setdefault(_ragged(row, n, delim), []).append(line)
            continue
        data.append(row)
        dlines.append(line)
    problems += [Problem(name, msg + _also(ls), ls[0]) for msg, ls in ragged.items()]
    problems.sort(key=lambda p: p.line or 0)
    cells = [np.array(c, dtype=object) for c in zip(*data, strict=True)] if data else [
        np.empty(0, object) for _ in header]
    return Table(name, header, cells, np.array(dlines, dtype=np.int64), delim, lines[start], problems)


# Every character str.strip() removes (str.isspace()); the ASCII ones first.
_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
           "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_N_ASCII_SPACES = 10


def _spaces(s: str) -> str:
    return _SPACES[:_N_ASCII_SPACES] if s.isascii() else _SPACES


def _is_plain(text: str, delim: str) -> bool:
    """True if, with one row per line, every cell of the text is its own strip(): no quotes, "\\r" only in
    "\\r\\n", and no white space next to a delimiter or a line break."""
    if '"' in text or ("\r" in text and text.count("\r") != text.count("\r\n")):
        return False
    if text[:1].isspace() and text[:1] != "\n" or text[-1:].isspace() and text[-1:] not in "\r\n":
        return False
    for ch in _spaces(text):
        if ch in ("\n", "\r", delim) or ch not in text:
            continue
        if any(x in text for x in (delim + ch, ch + delim, "\n" + ch, ch + "\n", ch + "\r")):
            return False
    return True


def _stripped(arr: np.ndarray) -> bool:
    """True if no cell of a column of strings starts or ends with white space (each cell is its own strip())."""
    if not len(arr):
        return True
    try:
        s = "\x00".join(arr.tolist())  # cells hold no NUL (read_text refuses it); one there only answers False
    except TypeError:
        return False
    if s[:1].isspace() or s[-1:].isspace():
        return False
    return not any(ch in s and ("\x00" + ch in s or ch + "\x00" in s) for ch in _spaces(s))


_SPACE_TABLE = np.zeros(ord(_SPACES[-1]) + 2, dtype=bool)  # code point (clipped) -> is white space
_SPACE_TABLE[[ord(c) for c in _SPACES]] = True


def _edge_spaces(arr: np.ndarray) -> np.ndarray | None:
    """Which cells of a column of strings start or end with white space; None if that cannot be told."""
    try:
        cp = np.frombuffer("\x00".join(arr.tolist()).encode("utf-32-le"), dtype=np.uint32)
    except (TypeError, UnicodeEncodeError):
        return None
    sep = np.flatnonzero(cp == 0)
    if len(sep) != len(arr) - 1 or not len(cp):
        return None
    starts, ends = np.concatenate(([0], sep + 1)), np.concatenate((sep, [len(cp)]))
    full = ends > starts
    top = len(_SPACE_TABLE) - 1
    first = _SPACE_TABLE[np.minimum(cp[np.minimum(starts, len(cp) - 1)], top)]
    last = _SPACE_TABLE[np.minimum(cp[np.maximum(ends - 1, 0)], top)]
    return full & (first | last)


def _blank_cells(arr: np.ndarray, plain: bool = False) -> np.ndarray:
    """Which cells are empty or white space: only cells with white space at an end are stripped (through their
    distinct values)."""
    blank = np.asarray(arr == "", dtype=bool)
    if plain or _stripped(arr):
        return blank
    edge = _edge_spaces(arr)
    if edge is None:
        edge = np.ones(len(arr), dtype=bool)
    if edge.any():
        idx, uniq = pd.factorize(arr[edge])
        blank[edge] = np.array([not str(u).strip() for u in uniq], dtype=bool)[idx] if len(uniq) else True
    return blank


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
    return all(len(fields) == n or _blank(fields) for fields in records)


def _parse_fast(text: str, name: str, delim: str, skip: int, newlines: int | None = None) -> Table | None:
    """pandas' C tokenizer; None when the file needs the careful path (quoted newlines, ragged rows...)."""
    try:
        data = text.encode("utf-8")
        df = pd.read_csv(io.BytesIO(data), sep=delim, header=None, dtype=object, keep_default_na=False,
                         na_filter=False, engine="c", skip_blank_lines=False, encoding="utf-8")
    except Exception:  # noqa: BLE001 - any tokenizer complaint: let the csv module report it precisely
        return None
    n_lines = (text.count("\n") if newlines is None else newlines) + (not text.endswith("\n"))
    if len(df) != n_lines or len(df) < 2:
        return None
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    header = [str(c[0]).strip() for c in cols]
    if _blank(header):
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
        blank[idx] = _blank_cells(c[idx] if idx.size < len(c) else c, plain)
    if blank.any():
        cells, lines = [c[~blank] for c in cells], lines[~blank]
    return Table(name, header, cells, lines, delim, 1 + skip, _plain=plain)


def read_table(path: str | Path, encoding: str | None = None) -> Table:
    """Read a CSV/TSV file into a Table (every cell a string); file-level problems raise InputError."""
    name = str(path)
    text = _read_text(Path(path), name, encoding)
    if not text or text.isspace():  # not text.strip(), without copying the text
        raise InputError.single(name, "file is empty")
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).strip()
    m = re.fullmatch(r"sep=(.)", first)
    if m:  # Excel's "sep=;" hint line
        delim, skip, text = m.group(1), 1, text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delim, skip = sniff_delimiter(text), 0
    newlines = text.count("\n")
    table = _parse_fast(text, name, delim, skip, newlines) if newlines > BIG_LINES else None
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


# ---------------------------------------------------------------------------------------------- values


def _number(t: str) -> float | None:
    """A finite number written with a decimal point or comma, else None."""
    if not _NUMBER.fullmatch(t):
        return None
    n = float(t.replace(",", "."))
    return n if math.isfinite(n) else None


def _fmt(v: float) -> str:
    return np.format_float_positional(v, trim="-")


def _allowed(item: Item) -> str:
    def fit(parts: list[str]) -> str | None:
        s = ", ".join(parts)
        return s if len(s) <= 100 else None

    long = [f"{c.code} ({c.label})" if c.label and c.label != c.code and len(c.label) <= 20 else c.code
            for c in item.categories]
    out = fit(long) or fit(list(item.codes))
    if out is None:
        shown: list[str] = []
        for code in item.codes:
            if len(", ".join([*shown, code])) > 90:
                break
            shown.append(code)
        out = ", ".join(shown) + f", ... ({len(item.codes) - len(shown)} more)"
    return out


def _category_parser(item: Item, missing: set[str], what: str) -> Callable[[str], Parsed]:
    codes, vals = item.codes, item.category_values()
    exact = {c: i for i, c in enumerate(codes)}
    numeric: dict[float, int] = {}
    folded: dict[str, set[int]] = {}
    for i, cat in enumerate(item.categories):
        n = _number(cat.code.strip())
        if n is not None:
            numeric.setdefault(n, i)
        for key in (cat.code, cat.label):
            if key.strip():
                folded.setdefault(key.strip().casefold(), set()).add(i)

    def parse(t: str) -> Parsed:
        i = exact.get(t)
        if i is None:
            if t in missing:
                return "", math.nan, None
            n = _number(t)
            i = numeric.get(n) if n is not None else None
        if i is None:
            hits = folded.get(t.casefold(), set())
            if len(hits) > 1:
                amb = ", ".join(codes[k] for k in sorted(hits))
                return t, math.nan, f"value '{t}' matches several categories of item '{item.id}' ({amb})"
            i = next(iter(hits), None)
        if i is None:
            return t, math.nan, f"value '{t}' is not {what} (allowed: {_allowed(item)})"
        return codes[i], vals[i], None

    return parse


def _scale_parser(item: Item, missing: set[str]) -> Callable[[str], Parsed]:
    s = item.scale
    assert s is not None
    rng = f"{s.min:g} to {s.max:g}" if s.min < 0 else f"{s.min:g}-{s.max:g}"
    anchors = {str(lab).strip().casefold(): float(v) for v, lab in s.anchors.items() if str(lab).strip()}
    eps = 1e-9 * max(1.0, abs(s.min), abs(s.max))

    def parse(t: str) -> Parsed:
        if t in missing:
            return "", math.nan, None
        n = _number(t)
        if n is None:
            n = anchors.get(t.casefold())
            if n is None:
                return t, math.nan, f"value '{t}' is not a number (item '{item.id}' has the scale {rng})"
        if not s.min - eps <= n <= s.max + eps:
            return t, math.nan, f"value '{t}' is outside the scale {rng} of item '{item.id}'"
        if s.step:
            k = (n - s.min) / s.step
            if abs(k - round(k)) > 1e-6:
                return t, math.nan, (f"value '{t}' is not on the scale of item '{item.id}' "
                                     f"(steps of {s.step:g} from {s.min:g} to {s.max:g})")
            n = round(s.min + round(k) * s.step, 10)
        return t, n, None

    return parse


def _open_parser(missing: set[str]) -> Callable[[str], Parsed]:
    """Items without categories or scale: keep the token; numbers get their value, strings wait for
    _resolve_open."""

    def parse(t: str) -> Parsed:
        if t in missing:
            return "", math.nan, None
        n = _number(t)
        return t, (math.nan if n is None else n), None

    return parse


def _item_parser(item: Item, missing: set[str]) -> Callable[[str], Parsed]:
    if item.categories:
        return _category_parser(item, missing, f"a code of item '{item.id}'")
    if item.scale is not None:
        return _scale_parser(item, missing)
    return _open_parser(missing)


def _also(lines: list[int]) -> str:
    rest = lines[1:]
    if not rest:
        return ""
    shown = ", ".join(str(x) for x in rest[:3])
    more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
    return f" (also on line{'s' if len(rest) > 1 else ''} {shown}{more})"


def _report(mask: np.ndarray, keys: np.ndarray, messages: Sequence[str], lines: np.ndarray, file: str,
            column: str | None, problems: list[Problem]) -> None:
    """One problem per distinct bad value: its first line, plus the other lines it occurs on."""
    where: dict[int, list[int]] = {}
    for r in np.flatnonzero(mask):
        where.setdefault(int(keys[r]), []).append(int(lines[r]))
    for k, ls in where.items():
        problems.append(Problem(file, messages[k] + _also(ls), ls[0], column))


def _report_tokens(codes: np.ndarray, errors: dict[str, str], files: np.ndarray, columns: np.ndarray,
                   lines: np.ndarray, problems: list[Problem]) -> None:
    """Report the tokens in ``errors`` per (file, column)."""
    msgs = list(errors)
    index = {t: i for i, t in enumerate(msgs)}
    keys = np.array([index.get(str(c), -1) for c in codes], dtype=np.int64)
    bad = keys >= 0
    for f, c in dict.fromkeys(zip(files[bad], columns[bad], strict=True)):
        _report(bad & (files == f) & (columns == c), keys, [errors[t] for t in msgs], lines, str(f), str(c),
                problems)


def _validate_distinct(raw: np.ndarray, parse: Callable[[str], Parsed], lines: np.ndarray, file: str,
                       column: str, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column via its distinct values: (index of each cell's value, canonical code of each distinct
    value, value of each distinct value)."""
    idx, uniq = pd.factorize(raw)
    res = [parse(str(u).strip()) for u in uniq]
    bad = np.array([r[2] is not None for r in res], dtype=bool)
    if bad.any():
        _report(bad[idx], idx, [r[2] or "" for r in res], lines, file, column, problems)
    codes = np.array([r[0] for r in res] or [""], dtype=object)
    values = np.array([r[1] for r in res] or [0.0], dtype=float)
    return idx, codes, values


def _validate(raw: np.ndarray, parse: Callable[[str], Parsed], lines: np.ndarray, file: str, column: str,
              problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column via its distinct values; returns (canonical codes, values)."""
    idx, codes, values = _validate_distinct(raw, parse, lines, file, column, problems)
    if not len(idx):
        return np.empty(0, object), np.empty(0)
    return codes[idx], values[idx]


def _resolve_open(codes: np.ndarray, level: str, what: str) -> tuple[np.ndarray, tuple[float, ...],
                                                                      tuple[str, ...], dict[str, str]]:
    """Values, categories and labels of free tokens; errors by token (numbers required above ordinal)."""
    idx, uniq = pd.factorize(codes)
    value, cats, labels, errors = _resolve_tokens(uniq, level, what)
    if not len(codes):
        return np.empty(0), cats, labels, errors
    out = np.array([value.get(str(c), math.nan) for c in uniq], dtype=float)[idx]
    return out, cats, labels, errors


def _resolve_tokens(codes: Sequence[object], level: str, what: str) -> tuple[dict[str, float], tuple[float, ...],
                                                                           tuple[str, ...], dict[str, str]]:
    """_resolve_open on the distinct codes: the value of each token instead of each cell."""
    tokens = sorted({str(c) for c in codes if c != ""})
    nums = {t: _number(t) for t in tokens}
    if all(n is not None for n in nums.values()):
        value = {t: float(n) for t, n in nums.items() if n is not None}
        cats = tuple(sorted(set(value.values())))
        labels = tuple(_fmt(v) for v in cats)
        errors: dict[str, str] = {}
    elif level in ("interval", "ratio"):
        value = {t: math.nan for t in tokens}
        cats, labels = (), ()
        errors = {t: f"value '{t}' is not a number ({what} has level '{level}')" for t, n in nums.items()
                  if n is None}
    else:
        value = {t: float(i + 1) for i, t in enumerate(tokens)}
        cats, labels, errors = tuple(value.values()), tuple(tokens), {}
    return value, cats, labels, errors


# ---------------------------------------------------------------------------------------------- headers


def _columns(t: Table, problems: list[Problem], warnings: list[str]) -> dict[str, int]:
    """Name -> position of the usable columns; unnamed columns with data are ignored, duplicates reported."""
    pos: dict[str, int] = {}
    for i, h in enumerate(t.header):
        if not h:
            if not _blank_cells(t.cells[i], t._plain).all():
                warnings.append(f"{t.file}: column {i + 1} has no header; ignored")
        elif h in pos:
            problems.append(Problem(t.file, f"duplicate column '{h}' (columns {pos[h] + 1} and {i + 1})",
                                    t.header_line))
        else:
            pos[h] = i
    return pos


def _missing_column(t: Table, what: str, wanted: str, found: Sequence[str]) -> Problem:
    msg = f"no {what} column '{wanted}' (columns found: {_names(found)}){_hint(wanted, found)}"
    return Problem(t.file, msg, t.header_line)


def _names(cols: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(f"'{c}'" for c in cols[:limit])
    return (shown + f", ... ({len(cols) - limit} more)" if len(cols) > limit else shown) or "none"


def _hint(wanted: str, candidates: Sequence[str]) -> str:
    folded = {c.casefold(): c for c in candidates}
    m = folded.get(wanted.casefold())
    if m is None:
        close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.6)
        m = folded[close[0]] if close else None
    return f"; did you mean '{m}'?" if m else ""


def _strip(arr: np.ndarray, plain: bool = False) -> np.ndarray:
    """Each cell stripped (through the distinct values); returned as it is when no cell needs it, else only
    the cells with white space at an end are stripped."""
    if plain or _stripped(arr):
        return arr
    edge = _edge_spaces(arr)
    if edge is None:
        return _strip_all(arr)
    out = np.array(arr, dtype=object)
    out[edge] = _strip_all(arr[edge])
    return out


def _strip_all(arr: np.ndarray) -> np.ndarray:
    idx, uniq = pd.factorize(arr)
    if not len(uniq):
        return np.empty(len(arr), dtype=object)
    return np.array([str(u).strip() for u in uniq], dtype=object)[idx]


def _duplicated(key: np.ndarray, size: int) -> np.ndarray:
    """Which entries of a non-negative integer key below ``size`` occur more than once."""
    if size > 4 * len(key) + 1024:
        key, uniq = pd.factorize(key)
        size = len(uniq)
    counts = np.bincount(key, minlength=size)
    return counts[key] > 1 if counts.max(initial=0) > 1 else np.zeros(len(key), dtype=bool)


def _filled(n: int, value: str) -> np.ndarray:
    """An object array of n copies of a string (np.full(n, value, dtype=object), many times faster)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _raise_if(problems: list[Problem]) -> None:
    if not problems:
        return
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem("...", f"and {extra} more problem{'s' * (extra > 1)}")]
    raise InputError(problems)


# ---------------------------------------------------------------------------------------------- Excel, SPSS


def _cell_text(v: object) -> str:
    """A spreadsheet/SPSS cell as the text a CSV would hold: None/NaN -> '', 1.0 -> '1', dates in ISO form."""
    if v is None or v is pd.NaT:
        return ""
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float | np.floating):
        return _fmt(float(v)) if math.isfinite(v) else ("" if math.isnan(v) else str(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()  # type: ignore[no-any-return]
    return str(v)


def _rows_table(file: str, rows: list[tuple[int, list[str]]]) -> Table:
    """A Table from (row number, cells) rows: the first non-blank row is the header, blank rows are skipped,
    short rows are padded (cells past the header are an unnamed column, ignored with a warning)."""
    rows = [(n, cells) for n, cells in rows if not _blank(cells)]
    width = max((len(cells) for _, cells in rows), default=0)
    if not rows:
        raise InputError.single(file, "is empty (no cells with data)")
    (head_line, head), body = rows[0], rows[1:]
    header = [h.strip() for h in head] + [""] * (width - len(head))
    data = [cells + [""] * (width - len(cells)) for _, cells in body]
    cells = [np.array(c, dtype=object) for c in zip(*data, strict=True)] if data else [
        np.empty(0, object) for _ in header]
    return Table(file, header, cells, np.array([n for n, _ in body], dtype=np.int64), "", head_line)


def _read_xlsx(path: Path, name: str, warnings: list[str]) -> list[tuple[Table, str]]:
    """One Table per non-empty sheet, located as "FILE sheet 'S'", rows numbered as in Excel. One sheet: the
    coder is named after the file (like a CSV); several sheets: each sheet is a coder named after the sheet.
    A coder column overrides both."""
    _check_file(path, name)
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
                    rows.append((r, [_cell_text(v) for v in row]))
                where = f"{name} sheet '{ws.title}'"
                if all(_blank(cells) for _, cells in rows):
                    warnings.append(f"{where}: empty sheet ignored")
                    continue
                tables.append((ws.title, _rows_table(where, rows)))
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


def _read_sav(path: Path, name: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
              warnings: list[str]) -> Table:
    """An SPSS .sav/.zsav file as a Table: variables are columns, cases are lines 1..n. In an item's column a
    value whose SPSS value label names a category (its label or code) is read as that category's code."""
    _check_file(path, name)
    try:
        import pyreadstat
    except ImportError:
        raise InputError.single(name, "reading SPSS .sav files needs the optional package pyreadstat: "
                                "pip install 'irrkit[spss]' (or export the data from SPSS as CSV)") from None
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as e:  # noqa: BLE001 - pyreadstat's errors for broken or foreign files
        raise InputError.single(name, f"cannot be read as an SPSS .sav file ({type(e).__name__}: {e})") from None
    labels_of = getattr(meta, "variable_value_labels", None) or {}
    header = [str(c).strip() for c in df.columns]
    cells = []
    for col, var in zip(header, df.columns, strict=True):
        texts = np.array([_cell_text(v) for v in df[var].tolist()], dtype=object)
        item, labels = cb.item(col), labels_of.get(var) or {}
        if item is not None and item.categories and labels:
            mapped, present = {}, set(texts.tolist())
            for value, label in labels.items():
                code, _, err = parsers[item.id](str(label).strip())
                raw = _cell_text(value)
                if err is None and code != "":
                    mapped[raw] = code
                elif raw in present:
                    warnings.append(f"{name}: column '{col}': SPSS value label '{label}' of value {raw} names "
                                    f"no category of item '{item.id}'; the value itself is checked")
            texts = np.array([mapped.get(t, t) for t in texts], dtype=object)
        cells.append(texts)
    return Table(name, header, cells, np.arange(1, len(df) + 1, dtype=np.int64), "", None)


# ---------------------------------------------------------------------------------------------- coder files


@dataclass
class _Chunk:
    file: str
    units: np.ndarray
    coders: np.ndarray
    lines: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    context: dict[str, np.ndarray]
    coder: str | None = None  # the one coder of every row (no coder column), else None


def _coder_tables(path: Path, name: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
                  encoding: str | None, warnings: list[str]) -> list[tuple[Table, str]]:
    """The tables of one coder file with the coder each is named after when it has no coder column:
    CSV/TSV text, an Excel workbook (.xlsx, one table per sheet) or an SPSS file (.sav)."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(path, name, warnings)
    if suffix in SPSS_SUFFIXES:
        return [(_read_sav(path, name, cb, parsers, warnings), path.stem)]
    return [(read_table(path, encoding), path.stem)]


def _read_coder_file(t: Table, coder: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
                     problems: list[Problem], warnings: list[str]) -> _Chunk | None:
    name = t.file
    problems.extend(t.problems)
    pos = _columns(t, problems, warnings)
    found = list(pos)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    if cb.unit_column not in pos:
        problems.append(_missing_column(t, "unit", cb.unit_column, found))
    absent = [it.id for it in cb.items if it.id not in pos]
    if absent:
        others = [c for c in found if cb.item(c) is None and c not in (cb.unit_column, cb.coder_column)]
        hints = "".join(_hint(a, others).replace("; did", f"; for '{a}' did") for a in absent)
        problems.append(Problem(name, f"missing item column{'s' * (len(absent) > 1)} "
                                f"{', '.join(repr(a) for a in absent)} of codebook '{cb.id}' "
                                f"(columns found: {_names(found)}){hints}", t.header_line))
    codes, values = {}, {}
    for it in cb.items:
        if it.id in pos:
            codes[it.id], values[it.id] = _validate(t.cells[pos[it.id]], parsers[it.id], t.lines, name, it.id,
                                                    problems)
    context = {}
    for c, i in pos.items():
        if c not in (cb.unit_column, cb.coder_column) and cb.item(c) is None:
            warnings.append(f"{name}: unknown column '{c}' kept as context "
                            f"(not an item of codebook '{cb.id}')")
            context[f"context_{c}" if c in RESERVED else c] = _strip(t.cells[i], t._plain)
    if cb.unit_column not in pos:
        return None
    units = _strip(t.cells[pos[cb.unit_column]], t._plain)
    empty = units == ""
    if empty.any():
        _report(empty, np.zeros(len(units), int), ["empty unit id"], t.lines, name, cb.unit_column, problems)
    coders = named = _filled(len(units), coder)
    if cb.coder_column in pos:
        col = _strip(t.cells[pos[cb.coder_column]], t._plain)
        blank = col == ""
        if not blank.all():
            coders = col
            if blank.any():
                _report(blank, np.zeros(len(col), int), ["empty coder name"], t.lines, name, cb.coder_column,
                        problems)
    if absent:
        return None
    return _Chunk(name, units, coders, t.lines, codes, values, context, coder if coders is named else None)


def _check_duplicates(chunks: list[_Chunk], problems: list[Problem], units: np.ndarray, coders: np.ndarray,
                      key: np.ndarray, size: int) -> None:
    """A (unit, coder) pair may occur once: within a file report each repeat, across files once per pair.
    ``units``, ``coders``: the chunks' concatenated; ``key``: an integer below ``size`` per (unit, coder) pair."""
    dup = _duplicated(key, size)
    if not dup.any():
        return
    fidx = np.repeat(np.arange(len(chunks)), [len(c.units) for c in chunks])
    lines = np.concatenate([c.lines for c in chunks])
    dup &= (units != "") & (coders != "")
    first: dict[tuple[str, str], tuple[int, int]] = {}
    across: dict[tuple[str, int, int], list] = {}
    for r in np.flatnonzero(dup):
        key = (str(units[r]), str(coders[r]))
        here = (int(fidx[r]), int(lines[r]))
        if key not in first:
            first[key] = here
            continue
        f0, l0 = first[key]
        if f0 == here[0]:
            problems.append(Problem(chunks[f0].file, f"unit '{key[0]}' is rated twice by coder '{key[1]}' "
                                    f"(first on line {l0})", here[1], None))
        else:
            across.setdefault((key[1], f0, here[0]), []).append((key[0], l0, here[1]))
    for (coder, f0, f1), hits in across.items():
        unit, l0, l1 = hits[0]
        more = f" and {len(hits) - 1} more unit{'s' * (len(hits) > 2)}" if len(hits) > 1 else ""
        problems.append(Problem(
            chunks[f1].file, f"coder name '{coder}' is also used by {chunks[f0].file}, and both files rate "
            f"unit '{unit}' ({chunks[f0].file}:{l0}){more}; give each coder a distinct name "
            "(coder column or file name)", l1))


def _coverage_warnings(m: np.ndarray, item: str, units: list[str], coders: list[str]) -> list[str]:
    out = []
    rated = ~np.isnan(m)
    per_unit = rated.sum(axis=1)
    if len(coders) > 1:
        single = np.flatnonzero(per_unit == 1)
        if single.size:
            few = ", ".join(units[i] for i in single[:5]) + (", ..." if single.size > 5 else "")
            n = single.size
            out.append(f"item '{item}': {n} unit{'s' * (n > 1)} rated by only one coder ({few})")
    for j in np.flatnonzero(rated.sum(axis=0) == 0):
        out.append(f"item '{item}': coder '{coders[j]}' rated no unit")
    return out


def read_coder_files(paths: Sequence[str | Path], codebook: Codebook,
                     encoding: str | None = None) -> RatingSet:
    """Read per-coder (or long, with a coder column) CSV files and check every value against the codebook."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list[Problem] = []
    warnings: list[str] = []
    if not paths:
        raise InputError.single("<input>", "no coder files given")
    missing = set(codebook.missing)
    parsers = {it.id: _item_parser(it, missing) for it in codebook.items}
    seen: dict[Path, str] = {}
    chunks: list[_Chunk] = []
    names: list[str] = []
    for p in paths:
        path, name = Path(p), str(p)
        try:
            key = path.resolve()
        except OSError:
            key = path.absolute()
        if key in seen:
            problems.append(Problem(name, f"file given twice (also as {seen[key]})"))
            continue
        seen[key] = name
        names.append(name)
        try:
            tables = _coder_tables(path, name, codebook, parsers, encoding, warnings)
        except InputError as e:
            problems.extend(e.problems)
            continue
        for t, coder in tables:
            chunk = _read_coder_file(t, coder, codebook, parsers, problems, warnings)
            if chunk is not None:
                chunks.append(chunk)
    if chunks:
        units_all = np.concatenate([c.units for c in chunks])
        coders_all = np.concatenate([c.coders for c in chunks])
        ui, units_u = pd.factorize(units_all)
        if all(c.coder is not None for c in chunks):  # factorize the files' coder names, not every row
            rated = [c for c in chunks if len(c.units)]
            fi, coders_u = pd.factorize(np.array([c.coder for c in rated], dtype=object))
            ci = np.repeat(fi, [len(c.units) for c in rated])
        else:
            ci, coders_u = pd.factorize(coders_all)
        cell = ui.astype(np.int64) * len(coders_u) + ci  # flat index in the units x coders grid
        _check_duplicates(chunks, problems, units_all, coders_all, cell, len(units_u) * len(coders_u))
    _raise_if(problems)
    if not chunks:
        raise InputError.single("<input>", "no usable coder files")

    lines_all = np.concatenate([c.lines for c in chunks])
    files_all = np.repeat(np.array([c.file for c in chunks], dtype=object), [len(c.units) for c in chunks])
    units, coders = units_u.tolist(), coders_u.tolist()  # strings: stripped cells, file or sheet names
    ctx_names = list(dict.fromkeys(k for c in chunks for k in c.context))
    context = {k: np.concatenate([c.context.get(k, _filled(len(c.units), "")) for c in chunks])
               for k in ctx_names}

    # the columns every item's records share, converted to pandas once
    shared = {k: pd.Series(v) for k, v in (("unit", units_all), ("coder", coders_all), ("file", files_all),
                                            ("line", lines_all), *context.items())}
    items: dict[str, ItemRatings] = {}
    frames = []
    for it in codebook.items:
        codes = np.concatenate([c.codes[it.id] for c in chunks])
        vals = np.concatenate([c.values[it.id] for c in chunks])
        labels: tuple[str, ...]
        if it.categories:
            cats, labels = it.category_values(), it.codes
        elif it.scale is not None and it.scale.grid():
            cats = it.scale.grid()
            labels = tuple(_fmt(v) for v in cats)
        elif it.scale is not None:
            cats = tuple(float(v) for v in np.unique(vals[~np.isnan(vals)]))
            labels = tuple(_fmt(v) for v in cats)
        else:
            vals, cats, labels, errors = _resolve_open(codes, it.level, f"item '{it.id}'")
            if errors:
                _report_tokens(codes, errors, files_all, _filled(len(codes), it.id), lines_all,
                               problems)
                continue
        m = np.full((len(units), len(coders)), np.nan)
        m.reshape(-1)[cell] = vals
        warn = _coverage_warnings(m, it.id, units, coders)
        warnings.extend(warn)
        items[it.id] = ItemRatings(
            item=it.id, level=it.level, units=units, coders=coders, values=m, categories=tuple(cats),
            labels=tuple(labels), weights=it.default_weights(),
            weight_matrix=None if it.weight_matrix is None else np.array(it.weight_matrix, dtype=float),
            primary=it.default_primary(), warnings=list(warn),
            explicit_categories=bool(it.categories) or bool(it.scale and it.scale.step))
        frames.append(pd.DataFrame({"unit": shared["unit"], "coder": shared["coder"], "item": it.id, "code": codes,
                                    "value": vals, "file": shared["file"], "line": shared["line"],
                                    **{k: shared[k] for k in context}}, copy=False))
    _raise_if(problems)
    if len(coders) < 2:
        warnings.append(f"only one coder ({', '.join(coders)}); agreement needs at least two")
    cols = ["unit", "coder", "item", "code", "value", "file", "line", *ctx_names]
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return RatingSet(codebook, coders, units, items, records, warnings, names)


# ---------------------------------------------------------------------------------------------- compute input


def read_compute_input(path: str | Path, *, long: bool = False, unit_col: str | None = None,
                       coder_col: str = "coder", value_col: str = "value",
                       categories: Sequence[str] | None = None, level: str = "nominal",
                       encoding: str | None = None) -> ItemRatings:
    """Ad-hoc ratings without a codebook: wide (unit + one column per coder) or long (unit, coder, value)."""
    name = str(path)
    if level not in LEVELS:
        raise InputError.single(name, f"unknown level '{level}' (choose {', '.join(LEVELS)})")
    t = read_table(path, encoding)
    problems, warnings = list(t.problems), []
    pos = _columns(t, problems, warnings)
    found = list(pos)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    ucol = unit_col or ("unit" if long else next(iter(pos), ""))
    need = [("unit", ucol), ("coder", coder_col), ("value", value_col)] if long else [("unit", ucol)]
    for what, col in need:
        if col not in pos:
            problems.append(_missing_column(t, what, col, found))
    coder_cols = [c for c in pos if c != ucol] if not long else []
    if not long and ucol in pos and not coder_cols:
        problems.append(Problem(name, "no coder columns: a wide file has the unit column and one column "
                                "per coder", t.header_line))
    if long:
        warnings += [f"{name}: column '{c}' ignored" for c in pos if c not in (ucol, coder_col, value_col)]
    _raise_if(problems)

    item = Item("ratings", level=level)
    if categories is not None:
        cats = [str(c).strip() for c in categories]
        dups = sorted({c for c in cats if cats.count(c) > 1})
        if not cats or dups or "" in cats:
            got = ", ".join(cats)
            raise InputError.single("--categories", f"need distinct, non-empty categories (got {got})")
        item = Item("ratings", level=level, categories=tuple(Category(c) for c in cats))
        parse = _category_parser(item, set(COMPUTE_MISSING) - set(cats), "one of the given categories")
    else:
        parse = _open_parser(set(COMPUTE_MISSING))
    units_raw = _strip(t.cells[pos[ucol]], t._plain)
    cols = [value_col] if long else coder_cols
    parsed = [_validate_distinct(t.cells[pos[c]], parse, t.lines, name, c, problems) for c in cols]
    empty = units_raw == ""
    if empty.any():
        _report(empty, np.zeros(len(empty), int), ["empty unit id"], t.lines, name, ucol, problems)
    ui, units_u = pd.factorize(units_raw)
    if long:
        coders_raw = _strip(t.cells[pos[coder_col]], t._plain)
        blank = coders_raw == ""
        if blank.any():
            _report(blank, np.zeros(len(blank), int), ["empty coder name"], t.lines, name, coder_col,
                    problems)
        ci, coders_u = pd.factorize(coders_raw)
        cell = ui.astype(np.int64) * len(coders_u) + ci  # flat index in the units x coders grid
        dup = _duplicated(cell, len(units_u) * len(coders_u))
        what = "unit '{u}' is rated twice by coder '{c}' (first on line {l})"
    else:
        coders_raw = np.empty(0, dtype=object)
        dup = _duplicated(ui, len(units_u))
        what = "unit '{u}' appears twice (first on line {l})"
    dup &= ~empty
    first: dict[tuple[str, str], int] = {}
    for r in np.flatnonzero(dup):
        k = (str(units_raw[r]), str(coders_raw[r]) if long else "")
        if k in first:
            problems.append(Problem(name, what.format(u=k[0], c=k[1], l=first[k]), int(t.lines[r])))
        else:
            first[k] = int(t.lines[r])
    if categories is not None:
        cat_vals, labels = item.category_values(), item.codes
        col_vals = [v for _, _, v in parsed]
    else:
        value, cat_vals, labels, errors = _resolve_tokens({c for _, u, _ in parsed for c in u}, level, "the data")
        col_vals = [np.array([value.get(str(c), math.nan) for c in u], dtype=float) for _, u, _ in parsed]
        if errors:
            n = len(t.lines)
            codes = np.concatenate([u[i] for i, u, _ in parsed])
            _report_tokens(codes, errors, _filled(len(codes), name),
                           np.repeat(np.array(cols, dtype=object), n), np.tile(t.lines, len(cols)), problems)
    _raise_if(problems)

    if long:
        m = np.full((len(units_u), len(coders_u)), np.nan)
        m.reshape(-1)[cell] = col_vals[0][parsed[0][0]]
        units, coders = units_u.tolist(), coders_u.tolist()
    else:
        units, coders = units_raw.tolist(), list(coder_cols)
        m = np.empty((len(units), len(coders)))
        for j, ((i, _, _), v) in enumerate(zip(parsed, col_vals, strict=True)):
            m[:, j] = v[i]
    warnings += _coverage_warnings(m, "ratings", units, coders)
    return ItemRatings("ratings", level, units, coders, m, tuple(cat_vals), tuple(labels),
                       weights=item.default_weights(), primary=item.default_primary(), warnings=warnings,
                       explicit_categories=categories is not None)


def read_counts(path: str | Path, encoding: str | None = None) -> tuple[np.ndarray, list[str]]:
    """A units x categories table of counts (header = category names; an optional leading unit id column)."""
    name = str(path)
    t = read_table(path, encoding)
    problems, warnings = list(t.problems), []
    pos = _columns(t, problems, warnings)
    if t.n_rows == 0 and not t.problems:
        problems.append(Problem(name, "has a header but no data rows", t.header_line))
    names = list(pos)

    def count(s: str) -> Parsed:
        n = _number(s) if s else 0.0
        if n is None or n < 0 or n != int(n):
            return s, math.nan, f"value '{s}' is not a count (a non-negative whole number)"
        return s, n, None

    if names:
        first = t.cells[pos[names[0]]]
        if names[0].casefold() in COUNT_ID_NAMES or any(count(str(s).strip())[2] for s in pd.unique(first)):
            names = names[1:]
    if not names:
        problems.append(Problem(name, "no category columns: the header must name the categories",
                                t.header_line))
    out = np.zeros((t.n_rows, len(names)), dtype=np.int64)
    for j, c in enumerate(names):
        _, vals = _validate(t.cells[pos[c]], count, t.lines, name, c, problems)
        out[:, j] = np.nan_to_num(vals).astype(np.int64)
    _raise_if(problems)
    return out, names
