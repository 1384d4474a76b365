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

from irrkit.readers.compute import COMPUTE_MISSING, COUNT_ID_NAMES, read_compute_input, read_counts
from irrkit.readers.contingency import read_contingency
from irrkit.readers.delimited import BIG_LINES, DELIMITERS, read_table, sniff_delimiter, sniff_table
from irrkit.readers.excel import EXCEL_SUFFIXES, MAX_CELLS
from irrkit.readers.files import MAX_BYTES
from irrkit.readers.place import MAX_PROBLEMS, Place
from irrkit.readers.records import RESERVED, RatingSet, read_coder_files
from irrkit.readers.spss import SPSS_SUFFIXES
from irrkit.readers.table import Table
from irrkit.readers.values import Parsed

__all__ = [
    "BIG_LINES", "COMPUTE_MISSING", "COUNT_ID_NAMES", "DELIMITERS", "EXCEL_SUFFIXES", "MAX_BYTES", "MAX_CELLS",
    "MAX_PROBLEMS", "Parsed", "Place", "RESERVED", "SPSS_SUFFIXES", "RatingSet", "Table", "read_coder_files",
    "read_compute_input", "read_contingency", "read_counts", "read_table", "sniff_delimiter", "sniff_table",
]
