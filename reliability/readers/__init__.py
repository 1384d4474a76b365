"""Reading rating files: the only file I/O of the library (read-only).

One module per format family, all producing a :class:`Table` (header names, string cells, the line of each row):

- :mod:`.delimited`: CSV / semicolon CSV / TSV text (``read_table``, ``sniff_table``, ``sniff_delimiter``); big
  regular quote-free files as byte offsets (:mod:`.grid`: numeric columns straight to float64, text columns one
  string per distinct value), everything else through pandas' C tokenizer or the csv module
- :mod:`.excel`: Excel workbooks, one table per sheet (optional openpyxl)
- :mod:`.spss`: SPSS .sav/.zsav files (optional pyreadstat)

and the core that checks them: :mod:`.values` (cells against a codebook item), :mod:`.records` (coder files
against a codebook, ``read_coder_files`` -> :class:`RatingSet`), :mod:`.compute` (ad-hoc input of
``irrkit compute``), :mod:`.contingency` (two coders' table, ``compute --table``). Every problem names its
place the same way (:mod:`.place`: ``file:line: column 'c': ...``)
and all problems of all files are raised together as one :class:`~irrkit.errors.InputError`.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module (irrkit.readers.*) that defines it: imported when first asked for (PEP 562),
# so that reading one kind of input does not load the others (compute's wide CSV: no records, Excel or SPSS
# module; 4-5 ms of every ``irrkit compute``).
_WHERE = {
    "COMPUTE_MISSING": "compute", "COUNT_ID_NAMES": "compute", "read_compute_input": "compute",
    "read_counts": "compute",
    "read_contingency": "contingency",
    "BIG_LINES": "delimited", "DELIMITERS": "delimited", "read_table": "delimited", "sniff_delimiter": "delimited",
    "sniff_table": "delimited",
    "EXCEL_SUFFIXES": "excel", "MAX_CELLS": "excel",
    "MAX_BYTES": "files",
    "MAX_PROBLEMS": "place", "Place": "place",
    "RESERVED": "records", "RatingSet": "records", "read_coder_files": "records",
    "SPSS_SUFFIXES": "spss",
    "Table": "table",
    "Parsed": "values",
}

__all__ = sorted(_WHERE, key=str.lower)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
