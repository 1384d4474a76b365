"""SPSS files (.sav/.zsav, read with the optional pyreadstat): variables are columns, cases are lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from irrkit.codebooks.model import Codebook
from irrkit.errors import InputError
from irrkit.readers.files import check_file
from irrkit.readers.table import Table, cell_text
from irrkit.readers.values import Parsed

SPSS_SUFFIXES = (".sav", ".zsav")


def read_sav(path: Path, name: str, cb: Codebook, parsers: dict[str, Callable[[str], Parsed]],
              warnings: list[str]) -> Table:
    """An SPSS .sav/.zsav file as a Table: variables are columns, cases are lines 1..n. In an item's column a
    value whose SPSS value label names a category (its label or code) is read as that category's code."""
    check_file(path, name)
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
        texts = np.array([cell_text(v) for v in df[var].tolist()], dtype=object)
        item, labels = cb.item(col), labels_of.get(var) or {}
        if item is not None and item.categories and labels:
            mapped, present = {}, set(texts.tolist())
            for value, label in labels.items():
                code, _, err = parsers[item.id](str(label).strip())
                raw = cell_text(value)
                if err is None and code != "":
                    mapped[raw] = code
                elif raw in present:
                    warnings.append(f"{name}: column '{col}': SPSS value label '{label}' of value {raw} names "
                                    f"no category of item '{item.id}'; the value itself is checked")
            texts = np.array([mapped.get(t, t) for t in texts], dtype=object)
        cells.append(texts)
    return Table(name, header, cells, np.arange(1, len(df) + 1, dtype=np.int64), "", None)
