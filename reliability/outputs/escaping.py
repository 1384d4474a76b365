"""Text that is safe where irrkit puts it: spreadsheets, terminals, CI logs, Markdown, HTML, XML, file names.

Coder names, unit ids, codes, labels, notes and file names are user text; each output gets the escaping its
reader needs (pure functions, no I/O):

- ``csv_text``: the OWASP rule against CSV formula injection (a text cell starting with ``= + - @``, tab or CR
  gets a leading ``'``; numbers are left alone);
- ``workflow_command``: GitHub Actions workflow commands with every field escaped (``% CR LF`` in the message,
  also ``: ,`` in properties), so data can never forge a command;
- ``terminal``: control characters (ESC, CR, LF, BEL, C1 codes, bidi overrides) shown as visible escapes;
- ``md`` / ``md_line``: Markdown (and the HTML GitHub allows in it) with newlines, ``# | < > & [ ] * ` \\``
  escaped; ``html`` for HTML pages;
- ``xml_text`` / ``xml_attr``: only characters XML 1.0 allows, escaped;
- ``filename_part``: a file-name part that keeps Unicode letters, refuses separators, control characters and
  ``..``, and stays short (unique by a hash of the full name when cut).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["plain", "counted", "csv_text", "csv_number", "csv_value", "is_number_text", "workflow_data",
           "workflow_property", "workflow_command", "terminal", "md", "md_line", "html", "xml_text", "xml_attr",
           "filename_part", "unique_filename_part", "name_key"]


# ----------------------------------------------------------------------------------------------- numbers


def plain(x: Any) -> Any:
    """A numpy scalar as the Python number it holds (``np.float64(0.5)`` -> ``0.5``); anything else as is."""
    if type(x).__module__ == "numpy" and hasattr(x, "item"):
        return x.item()
    return x


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs: ``1 coder``, ``2 coders``, ``1 pair``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# ----------------------------------------------------------------------------------------------- CSV

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_number_text(s: str) -> bool:
    """True when ``s`` is a plain decimal number (point or comma), as a spreadsheet reads it."""
    return bool(_NUMBER.fullmatch(s.strip()))


def csv_text(s: str) -> str:
    """A text cell that no spreadsheet runs as a formula (OWASP: a leading ``'`` before ``= + - @``, tab or
    CR); numbers such as ``-1`` or ``+2,5`` stay numbers."""
    if s.startswith(FORMULA_START) and not is_number_text(s):
        return "'" + s
    return s


def csv_number(v: float) -> str:
    """A float as CSV text: the shortest text that reads back as the value rounded to 15 significant digits
    (``0.65``, not ``0.6499999999999999``; ``0.2``, not ``0.20000000000000004``), a whole number as an integer
    (``39``, ``-1``, not ``39.0``); empty when not finite. 15 digits are what a double holds exactly in decimal,
    so only the last-bit noise of arithmetic goes; the JSON keeps every bit."""
    if v != v or v in (float("inf"), float("-inf")):
        return ""
    r = float(f"{v:.15g}")
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    return repr(r)


def csv_value(v: Any, decimal: str = ".") -> str:
    """One CSV cell: numbers as :func:`csv_number` (``decimal`` as the separator), booleans as ``true``/``false``
    (the one spelling of every irrkit CSV, as in the JSON), None and non-finite numbers empty, text through
    ``csv_text``."""
    v = plain(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        text = csv_number(v)
        return text.replace(".", decimal) if decimal != "." else text
    if isinstance(v, int):
        return str(v)
    return csv_text(str(v))


# ----------------------------------------------------------------------------------------------- GitHub


def workflow_data(s: str) -> str:
    """The message of a workflow command: ``%``, CR and LF escaped (GitHub's own escaping), other control
    characters (ESC ...) shown as visible escapes (the log is shown in a terminal-like view)."""
    return terminal(str(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(s: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``): also ``:`` and ``,`` escaped."""
    return workflow_data(s).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: Any) -> str:
    """``::command k=v,...::message`` with every field escaped; properties that are None are left out."""
    props = ",".join(f"{k}={workflow_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{command}{' ' + props if props else ''}::{workflow_data(message)}"


# ----------------------------------------------------------------------------------------------- terminal

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0, DEL, C1, and the format characters that reorder or hide text (bidi overrides, line separators)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def terminal(s: Any) -> str:
    """Text for a terminal or a log: control characters shown as ``\\x1b``, ``\\n``, ``\\u202e`` ..., so no
    escape sequence runs and no line break from data starts a new (forged) line."""
    return _CONTROL.sub(_visible, str(s))


# ----------------------------------------------------------------------------------------------- Markdown/HTML

_MD = {"\\": "\\\\", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]", "|": "\\|", "#": "&#35;", "<": "&lt;",
       ">": "&gt;", "&": "&amp;"}
_MD_CHARS = re.compile(r"[\\`*\[\]|#<>&]")


def md(s: Any) -> str:
    """A field interpolated into Markdown (a table cell, a heading, a list item): it cannot start a heading,
    end a table row, open a link, emphasis, code or an HTML tag; line breaks become ``<br>``."""
    text = _MD_CHARS.sub(lambda m: _MD[m.group(0)], str(s))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return terminal(text)


def md_line(s: Any) -> str:
    """As ``md``, line breaks as spaces (for headings and one-line contexts)."""
    return md(str(s).replace("\r\n", " ").replace("\r", " ").replace("\n", " "))


def html(s: Any) -> str:
    """Text for HTML element content or a quoted attribute."""
    import html as _html

    return _html.escape(xml_text(s), quote=True)


# ----------------------------------------------------------------------------------------------- XML

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s: Any) -> str:
    """``s`` with the characters XML 1.0 forbids shown as visible escapes (``\\x01``); not yet escaped."""
    return _XML_BAD.sub(_visible, str(s))


def _xml_escape(s: str) -> str:
    """``& < >`` as entities (what ``xml.sax.saxutils.escape`` does, without its urllib/http imports)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_content(s: Any) -> str:
    """Element content: allowed characters only, ``& < >`` escaped."""
    return _xml_escape(xml_text(s))


def xml_attr(s: Any) -> str:
    """A double-quoted attribute value (with its quotes): ``& < > "`` escaped, tab and line breaks kept as
    character references (XML 1.0, section 3.3.3: a literal one would be normalised to a space)."""
    t = _xml_escape(xml_text(s)).replace('"', "&quot;")
    return '"' + t.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


# ----------------------------------------------------------------------------------------------- file names

_UNSAFE_FILE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u2028\u2029\u202a-\u202e\u2066-\u2069]+')
_WINDOWS_DEVICES = re.compile(r"(?i)(con|prn|aux|nul|com\d|lpt\d)(\..*)?")
MAX_PART_BYTES = 120  # handout_<part>.csv stays far below the 255-byte limit of common file systems


def filename_part(name: str, max_bytes: int = MAX_PART_BYTES, fallback: str = "unnamed") -> str:
    """A part of a file name made from user text: Unicode letters kept (NFC), path separators, control and
    Windows-reserved characters replaced by ``_``, no ``..``, no leading dot or trailing dot/space, no device
    name (``CON``); cut to ``max_bytes`` UTF-8 bytes with ``~`` and a hash of the full name when longer."""
    s = unicodedata.normalize("NFC", str(name))
    s = _UNSAFE_FILE.sub("_", s)
    s = re.sub(r"\.{2,}", ".", s).strip(" ").lstrip(".").rstrip(". ")
    if not s:
        s = fallback
    if _WINDOWS_DEVICES.fullmatch(s):
        s = "_" + s
    if len(s.encode("utf-8")) > max_bytes:
        import hashlib  # (here: OpenSSL's module costs --help a few ms)

        digest = hashlib.sha1(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = s.encode("utf-8")[: max_bytes - 9].decode("utf-8", "ignore").rstrip(". ")
        s = f"{cut}~{digest}"
    return s


def unique_filename_part(name: str, used: set[str], fallback: str = "unnamed") -> str:
    """``filename_part(name)``, with ``_2``, ``_3`` ... appended until no name in ``used`` collides with it
    (``name_key``: also on case-insensitive file systems); the result's key is added to ``used``."""
    s = filename_part(name, fallback=fallback)
    base, k = s, 2
    while name_key(s) in used:
        s, k = f"{base}_{k}", k + 1
    used.add(name_key(s))
    return s


def name_key(s: str) -> str:
    """The key under which two file names collide on case-insensitive or normalising file systems (macOS,
    Windows): NFC, case-folded."""
    return unicodedata.normalize("NFC", s).casefold()
