"""JSON text as ``json.dumps(doc, indent=2, ensure_ascii=False)`` writes it, character for character, faster.

Python's C encoder is used only without ``indent``; with it every value goes through the pure-Python encoder
(0.3 s for the 90,000 plot points of an interval item's Bland-Altman data). Here long lists of numbers (and
lists of such lists: a units x coders matrix) are encoded by the C encoder and laid out as the indented
encoder lays them out (one value per line); the rest of the document goes through ``json.dumps`` as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

INDENT = 2
LONG = 32  # lists of at least this many numbers are encoded in C
_SCALAR = {int, float, bool, type(None)}  # never a string, whose text may hold ", "
_MARK = "\x00irrkit-json-{}\x00"
_FOUND = re.compile(r'"\\u0000irrkit-json-(\d+)\\u0000"')


def _numbers(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and set(map(type, x)) <= _SCALAR


def _layout(x: list | tuple, base: str) -> str:
    """A list of numbers, or of lists of numbers, as the indented encoder writes it at indentation ``base``."""
    if not x:
        return "[]"
    pad = base + " " * INDENT
    if not isinstance(x[0], (list, tuple)):
        return "[\n" + pad + (",\n" + pad).join(_texts(x)) + "\n" + base + "]"
    flat = _texts([v for row in x for v in row])  # one call of the C encoder for all rows
    inner, rows, at = pad + " " * INDENT, [], 0
    for row in x:
        n = len(row)
        rows.append("[\n" + inner + (",\n" + inner).join(flat[at:at + n]) + "\n" + pad + "]" if n else "[]")
        at += n
    return "[\n" + pad + (",\n" + pad).join(rows) + "\n" + base + "]"


def _texts(values: list) -> list[str]:
    """Each value's JSON text, by the C encoder (numbers' text holds no ", ")."""
    return json.dumps(values)[1:-1].split(", ") if values else []


def dumps(doc: Any) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``, the same text (tests/test_jsontext.py)."""
    long: list[list | tuple] = []

    def swap(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if len(x) >= LONG and (_numbers(x) or all(_numbers(v) for v in x)):
                long.append(x)
                return _MARK.format(len(long) - 1)
            return [swap(v) for v in x]
        return x

    text = json.dumps(swap(doc), indent=INDENT, ensure_ascii=False)
    if not long:
        return text

    def put(m: re.Match) -> str:
        prefix = text[text.rfind("\n", 0, m.start()) + 1:m.start()]  # the line up to the list
        base = prefix[:len(prefix) - len(prefix.lstrip(" "))]
        return _layout(long[int(m.group(1))], base)

    return _FOUND.sub(put, text)
