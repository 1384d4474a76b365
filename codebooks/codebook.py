"""Codebook model and loader: a coding system's items, their level, their codes or scale, and gates.

``load_codebook(path)`` / ``parse_codebook(text, name)`` read YAML *safely* (node tree only, no object
construction) and report every problem at once as one ``InputError`` of ``file:line: message`` lines.

Format (UTF-8 YAML, at most 5 MB, one document; no anchors/aliases; no tags but the YAML core types)::

    id: my-codebook                   # required: letters, digits, '.', '_', '-'
    title: Free text                  # optional, like version and source (a citation)
    version: "1.0"
    source: Author (2024). Title. Journal, 1(1), 1-10.
    unit_column: unit                 # column naming the rated unit   (default "unit")
    coder_column: coder               # column naming the coder        (default "coder")
    missing: ["", NA, N/A, "-", "."]  # tokens meaning a missing rating (default: these and "na")
    items:                            # required, non-empty list
      - id: pause                     # required: a letter, then letters, digits, '_' or '-'; unique
        label: Pause                  # optional short name
        definition: An intentional pause emerges.   # optional
        level: ordinal                # required: nominal | ordinal | interval | ratio
        categories:                   # EITHER categories: at least 2, unique codes, listed in order
          - {code: 0, label: absent, definition: Not observed.}   # code int or str, kept as str ("0")
          - {code: 1, label: present}                             # a bare code (- 1) is also accepted
        scale: {min: 1, max: 7, step: 1, anchors: {1: never, 7: always}}  # OR a scale (min < max;
                                      #   step optional, > 0, dividing max - min; anchors on the scale)
        primary: gwet_ac2             # optional statistic key (default: by level)
        weights: ordinal              # optional: identity|linear|quadratic|ordinal|radical|ratio|circular|
                                      #   bipolar -- or weight_matrix: q x q values in [0, 1], diagonal 1
        gate: {gwet_ac2: 0.6}         # optional: statistic: minimum, or [{statistic, minimum}]
    gate:                             # optional: statistic: minimum (all items),
      krippendorff_alpha: 0.667       #   or [{statistic, minimum, item (optional)}]

Rules: nominal items need categories; interval/ratio categories need numeric codes (ratio: >= 0);
ordinal items need categories in order (numeric codes monotone) or a scale; ICC is not a primary
statistic for nominal items; gate minimums are numbers in [-1, 1]; statistic keys are STATISTIC_KEYS.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from irrkit.codebooks import bundled_or_missing
from irrkit.codebooks.checks import check_codebook
from irrkit.codebooks.model import MAX_BYTES, Codebook
from irrkit.codebooks.yaml_nodes import NodeChecker, _decode, _yaml_problem, compose
from irrkit.errors import InputError


def load_codebook(path: str | Path, unit_column: str | None = None) -> Codebook:
    """Read, check and return the codebook at ``path`` (or the bundled one of that name, e.g. ``crying-forms``);
    InputError lists every problem as file:line. ``unit_column``: the files' unit column instead of the
    codebook's (``--unit-col Sequenz``)."""
    p, name = Path(path), str(path)
    if not p.exists():
        p = bundled_or_missing(name)  # a bundled codebook by name ("crying-forms"), else the error naming them
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InputError.single(name, f"cannot read codebook: {e.strerror or e}") from None
    cb = replace(parse_codebook(data, name), path=p)
    if unit_column:
        if cb.item(unit_column) is not None:
            raise InputError.single("--unit-col", f"'{unit_column}' is an item of codebook '{cb.id}', not a unit "
                                                  "column")
        cb = replace(cb, unit_column=unit_column)
    return cb


def parse_codebook(text: str | bytes, name: str = "<codebook>") -> Codebook:
    """Parse and check codebook YAML (str, or bytes that must be UTF-8); ``name`` labels the problems."""
    if len(text) > MAX_BYTES or (isinstance(text, str) and len(text.encode("utf-8", "replace")) > MAX_BYTES):
        limit = f"{MAX_BYTES / 2**20:g} MB" if MAX_BYTES >= 2**20 else f"{MAX_BYTES} bytes"
        raise InputError.single(name, f"codebook is larger than {limit}, the limit for codebooks")
    if isinstance(text, bytes):
        text = _decode(text, name)
    if not text.strip():
        raise InputError.single(name, "the codebook is empty")
    try:
        root, tag_problems = compose(text)
    except yaml.MarkedYAMLError as e:
        raise InputError([_yaml_problem(name, e)]) from None
    except yaml.YAMLError as e:  # ReaderError: a character YAML does not allow
        pos = getattr(e, "position", 0)
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        char = getattr(e, "character", None)
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        msg = f"character {shown} at column {col} is not allowed in YAML"
        raise InputError.single(name, msg, line) from None
    if root is None:
        raise InputError.single(name, "the codebook is empty (only comments)")
    return check_codebook(NodeChecker(name, tag_problems), root)


