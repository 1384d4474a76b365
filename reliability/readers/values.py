"""Checking cell values against a codebook item: category codes, scale values, free tokens.

A parser maps one stripped cell text to (canonical code, value, error); columns are parsed through their
distinct values, and every bad value is reported once with the lines it occurs on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from irrkit.codebooks.model import Item
from irrkit.errors import Problem
from irrkit.readers.factorize import factorize
from irrkit.readers.place import quoted, report_cells
from irrkit.readers.table import close_hint, fmt_number

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
Parsed = tuple[str, float, str | None]  # canonical code ('' = missing), value, error message


def parse_number(t: str) -> float | None:
    """A finite number written with a decimal point or comma, else None. A negative zero ('-0,00', as Excel writes
    a small negative number rounded) is 0: the grid reads it so, and a category is not labelled '-0'."""
    if not _NUMBER.fullmatch(t):
        return None
    n = float(t.replace(",", ".")) + 0.0  # + 0.0: -0.0 -> 0.0, every other number unchanged
    return n if math.isfinite(n) else None



_NUMBER_CHARS = np.zeros(128, dtype=bool)  # code points a plain number is written with (0: padding)
_NUMBER_CHARS[[0, *map(ord, "0123456789+-.eE")]] = True


def numbers(tokens: np.ndarray) -> np.ndarray:
    """:func:`parse_number` of each stripped token (NaN where it gives None), in one pass for columns of
    distinct numbers (a continuous scale has as many distinct tokens as cells): tokens made only of digits,
    signs, '.' and 'e' (a decimal comma read as a point) go through float() directly; the others, or a
    malformed number among them ('1.2.3', '1e'), through parse_number one by one."""
    toks = np.asarray(tokens, dtype=str)
    out = np.full(len(toks), np.nan)
    if not len(toks):
        return out
    pts = np.strings.replace(toks, ",", ".")
    chars = pts.view(np.uint32).reshape(len(pts), -1)
    simple = _NUMBER_CHARS[np.minimum(chars, 127)].all(axis=1) & (np.strings.str_len(pts) > 0)
    simple &= np.strings.count(toks, ",") <= 1
    rest = np.flatnonzero(~simple)
    try:
        out[simple] = [float(t) for t in pts[simple].tolist()]
    except ValueError:
        rest = np.arange(len(toks))
    for i in rest:
        n = parse_number(str(toks[i]))
        out[i] = np.nan if n is None else n
    out[~np.isfinite(out)] = np.nan
    return out + 0.0  # a negative zero is 0, as in parse_number


LABELLED_MAX = 1000  # numeric categories up to this many get labels; more (a continuous scale) are shown by value


def number_labels(values: Sequence[float]) -> tuple[str, ...]:
    """The label of each numeric category as written, or () for a continuous scale (labels are not listed
    beyond LABELLED_MAX categories; tables show the values)."""
    return tuple(fmt_number(v) for v in values) if len(values) <= LABELLED_MAX else ()


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


def category_parser(item: Item, missing: set[str], what: str) -> Callable[[str], Parsed]:
    codes, vals = item.codes, item.category_values()
    exact = {c: i for i, c in enumerate(codes)}
    numeric: dict[float, int] = {}
    folded: dict[str, set[int]] = {}
    for i, cat in enumerate(item.categories):
        n = parse_number(cat.code.strip())
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
            n = parse_number(t)
            i = numeric.get(n) if n is not None else None
        if i is None:
            hits = folded.get(t.casefold(), set())
            if len(hits) > 1:
                amb = ", ".join(codes[k] for k in sorted(hits))
                return t, math.nan, f"value {quoted(t)} matches several categories of item '{item.id}' ({amb})"
            i = next(iter(hits), None)
        if i is None:
            return t, math.nan, f"value {quoted(t)} is not {what} (allowed: {_allowed(item)}){close_hint(t, codes)}"
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
        n = parse_number(t)
        if n is None:
            n = anchors.get(t.casefold())
            if n is None:
                return t, math.nan, f"value {quoted(t)} is not a number (item '{item.id}' has the scale {rng})"
        if not s.min - eps <= n <= s.max + eps:
            return t, math.nan, f"value {quoted(t)} is outside the scale {rng} of item '{item.id}'"
        if s.step:
            k = (n - s.min) / s.step
            if abs(k - round(k)) > 1e-6:
                return t, math.nan, (f"value {quoted(t)} is not on the scale of item '{item.id}' "
                                     f"(steps of {s.step:g} from {s.min:g} to {s.max:g})")
            n = round(s.min + round(k) * s.step, 10)
        return t, n, None

    return parse


def open_parser(missing: set[str]) -> Callable[[str], Parsed]:
    """Items without categories or scale: keep the token; numbers get their value, strings wait for
    resolve_open."""

    def parse(t: str) -> Parsed:
        if t in missing:
            return "", math.nan, None
        n = parse_number(t)
        return t, (math.nan if n is None else n), None

    parse.open_missing = missing  # type: ignore[attr-defined]  # validate_distinct parses these in one go
    return parse


def set_label(mask: int, item: Item) -> str:
    """A set of codes as written in tables: its codes in codebook order joined by the item's separator, or the
    item's empty-set token."""
    codes = [c for k, c in enumerate(item.codes) if mask >> k & 1]
    return item.separator.join(codes) if codes else item.empty


def set_parser(item: Item, missing: set[str]) -> Callable[[str], Parsed]:
    """A cell of a set-valued item (``multiple: true``): codes split at the item's separator or ';', each checked
    as a code of the item; the canonical set (:func:`set_label`) and its bitmask (bit k: the k-th code). The
    item's empty-set token is the empty set (0); a missing token is a missing rating."""
    one = category_parser(item, set(), f"a code of item '{item.id}'")
    index = {c: k for k, c in enumerate(item.codes)}
    seps = [ch for ch in dict.fromkeys((item.separator, ";"))]
    empty = item.empty.casefold()

    def parse(t: str) -> Parsed:
        if t in missing:
            return "", math.nan, None
        if t.casefold() == empty:
            return item.empty, 0.0, None
        cut = t
        for ch in seps[1:]:
            cut = cut.replace(ch, seps[0])
        parts = [p.strip() for p in cut.split(seps[0])]
        mask, bad = 0, []
        for p in parts:
            if not p:
                continue
            if p.casefold() == empty:
                return t, math.nan, (f"value {quoted(t)} gives the empty-set token '{item.empty}' beside codes of "
                                     f"item '{item.id}': write '{item.empty}' alone when no code applies")
            code, _, err = one(p)
            if err:
                hint = close_hint(p, item.codes)
                bad.append(quoted(p) + (f" ({hint.removeprefix('; ')})" if hint else ""))
            else:
                mask |= 1 << index[code]
        if bad:
            what = "is not a code" if len(bad) == 1 else "are not codes"
            return t, math.nan, (f"value {quoted(t)}: {', '.join(bad)} {what} of item '{item.id}' "
                                 f"(allowed: {_allowed(item)}; several codes separated by '{item.separator}', "
                                 f"'{item.empty}' for none)")
        if not any(parts):
            return t, math.nan, (f"value {quoted(t)} holds no code of item '{item.id}' (write '{item.empty}' when "
                                 "no code applies, leave the cell blank for a missing rating)")
        return set_label(mask, item), float(mask), None

    return parse


def presence_parser(item: Item, code: str, missing: set[str]) -> Callable[[str], Parsed]:
    """A cell of one code's 0/1 column of a set-valued item (``item:code``): 1 present, 0 absent, blank missing."""

    def parse(t: str) -> Parsed:
        if t in missing:
            return "", math.nan, None
        n = parse_number(t)
        if n in (0.0, 1.0):
            return str(int(n)), n, None
        return t, math.nan, (f"value {quoted(t)} is not 0 or 1 (column '{item.code_column(code)}': is code "
                             f"'{code}' of item '{item.id}' given, 1, or not, 0)")

    return parse


def item_parser(item: Item, missing: set[str]) -> Callable[[str], Parsed]:
    if item.multiple:
        return set_parser(item, missing)
    if item.categories:
        return category_parser(item, missing, f"a code of item '{item.id}'")
    if item.scale is not None:
        return _scale_parser(item, missing)
    return open_parser(missing)


def validate_distinct(raw: np.ndarray | None, parse: Callable[[str], Parsed], lines: np.ndarray, file: str,
                       column: str, problems: list[Problem],
                       distinct: tuple[np.ndarray, np.ndarray] | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column via its distinct values: (index of each cell's value, canonical code of each distinct
    value, value of each distinct value). ``distinct``: pandas.factorize of ``raw`` when already known."""
    if distinct is None:
        distinct = factorize(raw)
    idx, uniq = distinct
    missing = getattr(parse, "open_missing", None)
    if missing is not None and len(uniq) > 64:  # free tokens: every distinct token at once
        toks = np.strings.strip(np.asarray(uniq, dtype=str))
        gone = np.isin(toks, np.array(sorted(missing), dtype=str))
        values = numbers(toks)
        values[gone] = np.nan
        codes = np.where(gone, "", toks).astype(object)
        return idx, codes, values
    res = [parse(str(u).strip()) for u in uniq]
    bad = np.array([r[2] is not None for r in res], dtype=bool)
    if bad.any():
        report_cells(bad[idx], idx, [r[2] or "" for r in res], lines, file, column, problems)
    codes = np.array([r[0] for r in res] or [""], dtype=object)
    values = np.array([r[1] for r in res] or [0.0], dtype=float)
    return idx, codes, values


def validate(raw: np.ndarray | None, parse: Callable[[str], Parsed], lines: np.ndarray, file: str, column: str,
             problems: list[Problem], distinct: tuple[np.ndarray, np.ndarray] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column via its distinct values; returns (canonical codes, values)."""
    idx, codes, values = validate_distinct(raw, parse, lines, file, column, problems, distinct)
    if not len(idx):
        return np.empty(0, object), np.empty(0)
    return codes[idx], values[idx]


def resolve_open(codes: np.ndarray, level: str, what: str) -> tuple[np.ndarray, tuple[float, ...],
                                                                      tuple[str, ...], dict[str, str]]:
    """Values, categories and labels of free tokens; errors by token (numbers required above ordinal)."""
    idx, uniq = factorize(codes)
    value, cats, labels, errors = resolve_tokens(uniq, level, what)
    if not len(codes):
        return np.empty(0), cats, labels, errors
    out = np.array([value.get(str(c), math.nan) for c in uniq], dtype=float)[idx]
    return out, cats, labels, errors


def resolve_tokens(codes: Sequence[object], level: str, what: str) -> tuple[dict[str, float], tuple[float, ...],
                                                                           tuple[str, ...], dict[str, str]]:
    """resolve_open on the distinct codes: the value of each token instead of each cell."""
    tokens = sorted({str(c) for c in codes if c != ""})
    nums = dict(zip(tokens, [None if np.isnan(v) else float(v) for v in numbers(np.array(tokens, dtype=str))],
                    strict=True)) if len(tokens) > 64 else {t: parse_number(t) for t in tokens}
    if all(n is not None for n in nums.values()):
        value = {t: float(n) for t, n in nums.items() if n is not None}
        cats = tuple(sorted(set(value.values())))
        labels = number_labels(cats)
        errors: dict[str, str] = {}
    elif level in ("interval", "ratio"):
        value = {t: math.nan for t in tokens}
        cats, labels = (), ()
        errors = {t: f"value {quoted(t)} is not a number ({what} has level '{level}')" for t, n in nums.items()
                  if n is None}
    else:
        value = {t: float(i + 1) for i, t in enumerate(tokens)}
        cats, labels, errors = tuple(value.values()), tuple(tokens), {}
    return value, cats, labels, errors
