"""JSON text as ``json.dumps(doc, indent=2, ensure_ascii=False)`` writes it, character for character, faster.

Python's C encoder is used only without ``indent``; with it every value goes through the pure-Python encoder
(0.3 s for the 90,000 plot points of an interval item's Bland-Altman data, seconds for the per-coder category
distributions of 100,000 categories). Here long lists of scalars (numbers, text, true/false/null), lists of
such lists (a units x coders matrix) and long mappings of text to scalars are encoded by the C encoder, one call
each, with the indented encoder's separators (a line break and the indentation); the rest of the document
goes through ``json.dumps`` as before.
"""

from __future__ import annotations

import json
import re
from itertools import chain
from typing import Any

INDENT = 2
LONG = 32  # lists and mappings of at least this many scalars are encoded in C
_SCALAR = {str, int, float, bool, type(None)}
_ROWS = {list, tuple}
_MARK = "\x00irrkit-json-{}\x00"
_FOUND = re.compile(r'"\\u0000irrkit-json-(\d+)\\u0000"')


def _scalars(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and set(map(type, x)) <= _SCALAR


def _rows_of_scalars(x: list | tuple) -> bool:
    """Every item a list (or tuple) of scalars: the types of all cells in one pass (a units x coders matrix of
    3,000 rows: 0.3 ms, not 3 ms row by row)."""
    return set(map(type, x)) <= _ROWS and set(map(type, chain.from_iterable(x))) <= _SCALAR


def _c(x: list | tuple | dict, sep: str) -> str:
    """The C encoder's text of ``x`` with ``sep`` between items (JSON escapes every line break in a string, so
    "\n" in its output is the separator's)."""
    return json.dumps(x, ensure_ascii=False, separators=(sep, ": "))


def _layout(x: list | tuple | dict, base: str) -> str:
    """A long list or mapping (see the module docstring) as the indented encoder writes it at ``base``."""
    pad = base + " " * INDENT
    if isinstance(x, dict) or not isinstance(x[0], (list, tuple)):
        t = _c(x, ",\n" + pad)
        return t[0] + "\n" + pad + t[1:-1] + "\n" + base + t[-1]
    inner = pad + " " * INDENT
    if all(x):  # a matrix without empty rows: one call, the rows' bounds re-indented
        body = _c(x, ",\n" + inner)[2:-2].replace("],\n" + inner + "[", "\n" + pad + "],\n" + pad + "[\n" + inner)
        return "[\n" + pad + "[\n" + inner + body + "\n" + pad + "]\n" + base + "]"
    rows = [_layout(row, pad) if row else "[]" for row in x]
    return "[\n" + pad + (",\n" + pad).join(rows) + "\n" + base + "]"


def dumps(doc: Any) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``, the same text (tests/test_jsontext.py)."""
    long: list[list | tuple | dict] = []

    def swap(x: Any) -> Any:
        if isinstance(x, dict):
            if len(x) >= LONG and set(map(type, x)) == {str} and set(map(type, x.values())) <= _SCALAR:
                long.append(x)
                return _MARK.format(len(long) - 1)
            return {k: swap(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if len(x) >= LONG and (_scalars(x) or _rows_of_scalars(x)):
                long.append(x)
                return _MARK.format(len(long) - 1)
            return [swap(v) for v in x]
        return x

    text = json.dumps(swap(doc), indent=INDENT, ensure_ascii=False)
    if not long:
        return text

    def put(m: re.Match) -> str:
        prefix = text[text.rfind("\n", 0, m.start()) + 1:m.start()]  # the line up to the list
        return _layout(long[int(m.group(1))], prefix[:len(prefix) - len(prefix.lstrip(" "))])

    return _FOUND.sub(put, text)
