"""Bad input through the real CLI: every case exits 2 with one line per problem naming the file (and the line),
never a traceback, never a changed input, never a partial output; undefined statistics exit 0 with a reason.

Each case runs in a fresh folder holding the case's files, a codebook ``cb.yaml`` and two good coder files
``a.csv`` and ``b.csv``. ``check`` cases also get ``--out out``, a folder holding a previous round's outputs:
after a failed run the whole folder (inputs, old outputs, no new files or folders) must be byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from irrkit import readers
from irrkit.cli.main import app
from irrkit.codebooks import codebook as codebook_mod
from irrkit.codebooks.codebook import parse_codebook
from irrkit.errors import InputError
from irrkit.outputs import files as output
from irrkit.readers import excel, files
from irrkit.workflows.check import OUTPUT_NAMES

ROOT = Path(__file__).resolve().parents[1]

CB = """\
id: t
title: Test codebook
items:
  - id: form
    level: nominal
    categories:
      - {code: 1, label: protest}
      - {code: 2, label: sad}
      - {code: 3, label: helpless}
  - id: inten
    level: interval
    scale: {min: 0, max: 10, step: 0.5}
"""
A = "unit,form,inten\nu1,1,2\nu2,2,3.5\nu3,3,10\nu4,1,1\n"
B = "unit,form,inten\nu1,1,2.5\nu2,2,3.5\nu3,1,9\nu4,1,1\n"
BASE = {"cb.yaml": CB, "a.csv": A, "b.csv": B}
OLD_ROUND = {f"out/{n}": f"previous round: {n}\n" for n in OUTPUT_NAMES}
DIR = object()  # a file entry that is a folder
WIDE = "unit,r1,r2\nu1,1,1\nu2,2,2\nu3,1,2\n"
LONG = "unit,coder,value\nu1,ann,1\nu1,bob,1\nu2,ann,2\nu2,bob,1\n"
COUNTS = "unit,a,b\nu1,2,0\nu2,1,1\n"


def item(body: str, iid: str = "form") -> str:
    return f"id: t\nitems:\n  - id: {iid}\n{body}"


CATS = "    level: nominal\n    categories: [1, 2]\n"


@dataclass
class Case:
    id: str
    argv: str
    files: dict
    expect: tuple  # each entry: a fragment, or a tuple of fragments that must share one stderr line
    code: int = 2
    out: bool = True  # check: add --out out (holding a previous round's outputs)


def C(id: str, argv: str, files: dict | None = None, *expect: str | tuple, code: int = 2, out: bool = True) -> Case:
    return Case(id, argv, files or {}, expect, code, out)


CASES = [
    # ---------------------------------------------------------------- check: file level
    C("empty-file", "check a.csv e.csv -c cb.yaml", {"e.csv": ""}, "e.csv: file is empty"),
    C("blank-file", "check a.csv e.csv -c cb.yaml", {"e.csv": " \n\t\n"}, "e.csv: file is empty"),
    C("header-only", "check a.csv h.csv -c cb.yaml", {"h.csv": "unit,form,inten\n"},
      "h.csv:1: has a header but no data rows"),
    C("no-unit-column", "check a.csv n.csv -c cb.yaml", {"n.csv": "id,form,inten\nu1,1,2\n"},
      ("n.csv:1: no unit column 'unit'", "columns found: 'id', 'form', 'inten'")),
    C("unit-column-case", "check n.csv -c cb.yaml", {"n.csv": "Unit,form,inten\nu1,1,2\n"},
      ("n.csv:1: no unit column 'unit'", "did you mean 'Unit'?")),
    C("duplicate-columns", "check a.csv d.csv -c cb.yaml", {"d.csv": "unit,form,form,inten\nu1,1,1,2\n"},
      "d.csv:1: duplicate column 'form' (columns 2 and 3)"),
    C("ragged-long-row", "check r.csv -c cb.yaml", {"r.csv": "unit,form,inten\nu1,1,2\nu2,2,3,4\nu3,1,1\n"},
      "r.csv:3: row has 4 fields, but the header has 3"),
    C("ragged-short-row", "check r.csv -c cb.yaml", {"r.csv": "unit,form,inten\nu1,1,2\nu2,2\n"},
      "r.csv:3: row has 2 fields, but the header has 3"),
    C("binary-file", "check a.csv x.csv -c cb.yaml", {"x.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"},
      "x.csv: is a binary file (contains NUL bytes), not a CSV text file"),
    C("xlsx-named-csv", "check x.csv -c cb.yaml", {"x.csv": b"PK\x03\x04\x14\x00\x06\x00rest"},
      "x.csv: is a ZIP archive (an Excel .xlsx workbook?), not a CSV text file"),
    C("not-utf8", "check a.csv w.csv -c cb.yaml",
      {"w.csv": "unit,form,inten,note\nu1,1,2,ok\nu2,2,3.5,Übertragung\n".encode("cp1252")},
      ("w.csv: is not valid UTF-8 (byte 0xdc on line 3)", "try --encoding cp1252")),
    C("not-utf8-with-encoding", "check b.csv w.csv -c cb.yaml --encoding cp1252",
      {"w.csv": "unit,form,inten,note\nu1,1,2,ok\nu2,2,3.5,Übertragung\n".encode("cp1252")}, code=0),
    C("wrong-encoding-given", "check w.csv -c cb.yaml --encoding utf-8",
      {"w.csv": "unit,form,inten,note\nu1,1,2,Ü\n".encode("cp1252")},
      ("w.csv: cannot be decoded as 'utf-8' (byte 0xdc on line 2)", "try another --encoding")),
    C("unknown-encoding", "check a.csv -c cb.yaml --encoding klingon", {},
      "a.csv: unknown encoding 'klingon' (try utf-8, cp1252 or latin-1)"),
    C("unclosed-quote", "check q.csv -c cb.yaml", {"q.csv": 'unit,form,inten\nu1,1,2\nu2,"2,3.5\nu3,1,1\n'},
      "q.csv:3: unterminated quote"),
    C("text-after-quote", "check q.csv -c cb.yaml", {"q.csv": 'unit,form,inten\nu1,1,2\nu2,"2"x,3.5\n'},
      "q.csv:3: text after a closing quote"),
    C("unit-rated-twice", "check a.csv b.csv -c cb.yaml", {"a.csv": A + "u2,3,4\n"},
      "a.csv:6: unit 'u2' is rated twice by coder 'a' (first on line 3)"),
    C("unit-rated-twice-long", "check l.csv -c cb.yaml",
      {"l.csv": "unit,coder,form,inten\nu1,ann,1,1\nu1,bob,1,1\nu1,ann,2,2\n"},
      "l.csv:4: unit 'u1' is rated twice by coder 'ann' (first on line 2)"),
    C("stray-spaces-accepted", "check s.csv b.csv -c cb.yaml",
      {"s.csv": " unit , form ,inten \n u1 , 1 , 2 \nu2,2 ,3.5\n u3,3,10\nu4 , 1,1\n"}, code=0),
    C("decimal-codes-accepted", "check s.csv b.csv -c cb.yaml",
      {"s.csv": "unit,form,inten\nu1,1.0,2.0\nu2,2.00,3.50\nu3,3.,10\nu4,1,1\n"}, code=0),
    C("labels-accepted", "check s.csv b.csv -c cb.yaml",
      {"s.csv": "unit,form,inten\nu1,protest,2\nu2,SAD,3.5\nu3, Helpless ,10\nu4,1,1\n"}, code=0),
    C("labels-ambiguous", "check amb.csv -c amb.yaml",
      {"amb.yaml": item("    level: nominal\n    categories:\n      - {code: low, label: Low}\n"
                        "      - {code: LOW, label: very low}\n"),
       "amb.csv": "unit,form\nu1,low\nu2,Low\nu3,LOW\n"},
      "amb.csv:3: column 'form': value 'Low' matches several categories of item 'form' (low, LOW)"),
    C("file-given-twice", "check a.csv a.csv -c cb.yaml", {}, "a.csv: file given twice (also as a.csv)"),
    C("file-given-twice-other-path", "check a.csv b.csv r1/../a.csv -c cb.yaml", {"r1": DIR},
      "r1/../a.csv: file given twice (also as a.csv)"),
    C("coder-name-in-two-files", "check r1/data.csv r2/data.csv -c cb.yaml", {"r1/data.csv": A, "r2/data.csv": B},
      ("r2/data.csv:2: coder name 'data' is also used by r1/data.csv", "unit 'u1' (r1/data.csv:2)",
       "give each coder a distinct name")),
    C("coder-column-clash", "check a.csv l.csv -c cb.yaml", {"l.csv": "unit,coder,form,inten\nu3,a,1,1\n"},
      "l.csv:2: coder name 'a' is also used by a.csv"),
    C("directory", "check a.csv d.csv -c cb.yaml", {"d.csv": DIR}, "d.csv: is a directory, not a file"),
    C("missing-path", "check a.csv nope.csv -c cb.yaml", {}, "nope.csv: file not found"),
    # ---------------------------------------------------------------- check: values
    C("unknown-code", "check a.csv b.csv -c cb.yaml", {"a.csv": "unit,form,inten\nu1,1,2\nu2,9,3\nu3,9,1\n"},
      "a.csv:3: column 'form': value '9' is not a code of item 'form' (allowed: 1 (protest), 2 (sad), "
      "3 (helpless)) (also on line 4)"),
    C("out-of-range", "check a.csv b.csv -c cb.yaml", {"a.csv": "unit,form,inten\nu1,1,2\nu2,2,12\n"},
      "a.csv:3: column 'inten': value '12' is outside the scale 0-10 of item 'inten'"),
    C("off-step", "check a.csv b.csv -c cb.yaml", {"a.csv": "unit,form,inten\nu1,1,2.3\n"},
      "a.csv:2: column 'inten': value '2.3' is not on the scale of item 'inten' (steps of 0.5 from 0 to 10)"),
    C("non-numeric-scale", "check a.csv b.csv -c cb.yaml", {"a.csv": "unit,form,inten\nu1,1,high\n"},
      "a.csv:2: column 'inten': value 'high' is not a number (item 'inten' has the scale 0-10)"),
    C("missing-item-column", "check a.csv m.csv -c cb.yaml", {"m.csv": "unit,form\nu1,1\n"},
      "m.csv:1: missing item column 'inten' of codebook 't' (columns found: 'unit', 'form')"),
    C("empty-unit-id", "check e.csv -c cb.yaml", {"e.csv": "unit,form,inten\nu1,1,2\n ,2,3\n"},
      "e.csv:3: column 'unit': empty unit id"),
    C("markup-in-values", "check a.csv m.csv -c cb.yaml", {"m.csv": "unit,form,inten\nu1,[/],2\nu2,[red]x,3\n"},
      "m.csv:2: column 'form': value '[/]' is not a code", "m.csv:3: column 'form': value '[red]x'"),
    C("every-problem-of-every-file", "check a.csv e.csv nope.csv b.csv -c cb.yaml",
      {"a.csv": "unit,form,inten\nu1,7,1\nu2,1,11\n", "e.csv": ""},
      "a.csv:2: column 'form'", "a.csv:3: column 'inten'", "e.csv: file is empty", "nope.csv: file not found"),
    # ---------------------------------------------------------------- check: outputs and options
    C("out-over-input", "check round/summary.csv round/b.csv -c cb.yaml --out round",
      {"round/summary.csv": A, "round/b.csv": B},
      "round/summary.csv: refusing to write an output over an input file; choose another --out", out=False),
    C("out-is-a-file", "check a.csv b.csv -c cb.yaml --out notes.txt", {"notes.txt": "my notes\n"},
      "notes.txt: is a file, not a folder", out=False),
    C("junit-over-input", "check a.csv b.csv -c cb.yaml --junit b.csv", {},
      "b.csv: refusing to write an output over an input file"),
    C("summary-over-codebook", "check a.csv b.csv -c cb.yaml --summary cb.yaml", {},
      "cb.yaml: refusing to write an output over an input file"),
    C("junit-over-an-output", "check a.csv b.csv -c cb.yaml --junit out/summary.csv", {},
      "out/summary.csv: the same output file is named twice"),
    C("junit-is-a-folder", "check a.csv b.csv -c cb.yaml --junit reports", {"reports": DIR},
      "reports: is a folder; cannot write an output file there"),
    C("min-without-value", "check a.csv b.csv -c cb.yaml --min gwet_ac1", {},
      "--min: 'gwet_ac1' is not STAT=VALUE or ITEM:STAT=VALUE with VALUE in [-1, 1]"),
    C("min-unknown-statistic", "check a.csv b.csv -c cb.yaml --min kappa=0.7", {},
      "--min: 'kappa' is not a statistic (allowed: percent_agreement"),
    C("min-percent", "check a.csv b.csv -c cb.yaml --min gwet_ac1=70", {}, "--min: 'gwet_ac1=70' is not STAT=VALUE"),
    C("min-unknown-item", "check a.csv b.csv -c cb.yaml --min frm:gwet_ac1=0.7", {},
      "--min: item 'frm' is not in the codebook (items: form, inten)"),
    C("bad-format", "check a.csv b.csv -c cb.yaml -f xml", {}, "xml"),
    C("bad-confidence", "check a.csv b.csv -c cb.yaml --confidence 2", {}, "--confidence"),
    C("no-files", "check -c cb.yaml", {}, "Missing argument"),
    C("codebook-missing", "check a.csv b.csv -c nope.yaml", {}, "nope.yaml: cannot read codebook"),
    C("codebook-bad-in-check", "check a.csv b.csv -c dup.yaml", {"dup.yaml": CB + "  - id: form\n" + CATS},
      "dup.yaml:13: duplicate item id 'form' (first at line 4)"),
    # ---------------------------------------------------------------- compute: wide
    C("compute-empty", "compute e.csv", {"e.csv": ""}, "e.csv: file is empty"),
    C("compute-header-only", "compute w.csv", {"w.csv": "unit,r1,r2\n"}, "w.csv:1: has a header but no data rows"),
    C("compute-no-coder-columns", "compute w.csv", {"w.csv": "unit\nu1\nu2\n"}, "w.csv:1: no coder columns"),
    C("compute-duplicate-columns", "compute w.csv", {"w.csv": "unit,r1,r1\nu1,1,1\n"},
      "w.csv:1: duplicate column 'r1' (columns 2 and 3)"),
    C("compute-unit-twice", "compute w.csv", {"w.csv": WIDE + "u1,2,2\n"},
      "w.csv:5: unit 'u1' appears twice (first on line 2)"),
    C("compute-ragged", "compute w.csv", {"w.csv": "unit,r1,r2\nu1,1,1\nu2,1,2,3\n"},
      "w.csv:3: row has 4 fields, but the header has 3"),
    C("compute-interval-text", "compute w.csv --level interval", {"w.csv": WIDE + "u4,a,1\n"},
      "w.csv:5: column 'r1': value 'a' is not a number (the data has level 'interval')"),
    C("compute-not-a-category", "compute w.csv --categories 1,2", {"w.csv": WIDE + "u4,3,1\n"},
      "w.csv:5: column 'r1': value '3' is not one of the given categories (allowed: 1, 2)"),
    C("compute-categories-duplicate", "compute w.csv --categories 1,1,2", {"w.csv": WIDE},
      "--categories: need distinct, non-empty categories (got 1, 1, 2)"),
    C("compute-categories-empty-entry", "compute w.csv --categories 1,,2", {"w.csv": WIDE},
      "--categories: need distinct, non-empty categories"),
    C("compute-bad-weights", "compute w.csv --weights cubic", {"w.csv": WIDE},
      "--weights: 'cubic' is not one of identity, linear, quadratic"),
    C("compute-bad-level", "compute w.csv --level binary", {"w.csv": WIDE}, "binary"),
    C("compute-not-utf8", "compute w.csv", {"w.csv": "unit,r1,r2\nu1,ä,ä\n".encode("latin-1")},
      ("w.csv: is not valid UTF-8 (byte 0xe4 on line 2)", "--encoding cp1252")),
    C("compute-binary", "compute w.csv", {"w.csv": bytes(range(256))}, "w.csv: is a binary file"),
    C("compute-missing-path", "compute nope.csv", {}, "nope.csv: file not found"),
    C("compute-directory", "compute d", {"d": DIR}, "d: is a directory, not a file"),
    # ---------------------------------------------------------------- compute: long
    C("long-no-coder-column", "compute l.csv --long", {"l.csv": "unit,rater,value\nu1,ann,1\n"},
      "l.csv:1: no coder column 'coder' (columns found: 'unit', 'rater', 'value')"),
    C("long-no-value-column", "compute l.csv --long --value-col score", {"l.csv": LONG},
      "l.csv:1: no value column 'score'"),
    C("long-rated-twice", "compute l.csv --long", {"l.csv": LONG + "u1,ann,2\n"},
      "l.csv:6: unit 'u1' is rated twice by coder 'ann' (first on line 2)"),
    C("long-empty-coder", "compute l.csv --long", {"l.csv": LONG + "u3,,2\n"},
      "l.csv:6: column 'coder': empty coder name"),
    # ---------------------------------------------------------------- compute: counts
    C("counts-negative", "compute c.csv --counts", {"c.csv": COUNTS + "u3,-1,3\n"},
      "c.csv:4: column 'a': value '-1' is not a count (a non-negative whole number)"),
    C("counts-non-integer", "compute c.csv --counts", {"c.csv": COUNTS + "u3,1.5,1\n"},
      "c.csv:4: column 'a': value '1.5' is not a count"),
    C("counts-text", "compute c.csv --counts", {"c.csv": COUNTS + "u3,1,x\n"},
      "c.csv:4: column 'b': value 'x' is not a count"),
    C("counts-header-only", "compute c.csv --counts", {"c.csv": "unit,a,b\n"},
      "c.csv:1: has a header but no data rows"),
    C("counts-no-categories", "compute c.csv --counts", {"c.csv": "unit\nu1\n"},
      "c.csv:1: no category columns"),
    # ---------------------------------------------------------------- codebook validate
    C("yaml-syntax", "codebook validate y.yaml", {"y.yaml": "id: t\nitems:\n  - id: form\n   level: nominal\n"},
      ("y.yaml:4: YAML syntax error, column 4: expected <block end>", "(while parsing a block collection (line 3))")),
    C("yaml-unclosed-bracket", "codebook validate y.yaml", {"y.yaml": "id: t\nitems: [\n  {id: form\n"},
      ("y.yaml:4: YAML syntax error, column 1",)),
    C("yaml-tab-indent", "codebook validate y.yaml", {"y.yaml": "id: t\nitems:\n\t- id: form\n"},
      ("y.yaml:3: YAML syntax error, column 1", "indent with spaces, not tabs")),
    C("duplicate-category-codes", "codebook validate y.yaml",
      {"y.yaml": item("    level: nominal\n    categories:\n      - 1\n      - 2\n      - 1\n")},
      "y.yaml:8: item 'form': duplicate category code '1' (first at line 6)"),
    C("duplicate-category-codes-numeric", "codebook validate y.yaml",
      {"y.yaml": item("    level: nominal\n    categories: [1, 2, 1.0]\n")},
      "item 'form': duplicate category code '1.0' (first at line 5)"),
    C("duplicate-item-ids", "codebook validate y.yaml", {"y.yaml": item(CATS) + "  - id: form\n" + CATS},
      "y.yaml:6: duplicate item id 'form' (first at line 3)"),
    C("one-category", "codebook validate y.yaml", {"y.yaml": item("    level: nominal\n    categories: [1]\n")},
      "y.yaml:5: item 'form': a categorical item needs at least 2 categories, found 1"),
    C("ordinal-without-order", "codebook validate y.yaml", {"y.yaml": item("    level: ordinal\n")},
      "y.yaml:3: item 'form': an ordinal item needs its categories listed in order ('categories') or a 'scale'"),
    C("ordinal-up-and-down", "codebook validate y.yaml",
      {"y.yaml": item("    level: ordinal\n    categories: [1, 3, 2]\n")},
      "y.yaml:5: item 'form': ordinal categories must be listed in order"),
    C("scale-min-above-max", "codebook validate y.yaml",
      {"y.yaml": item("    level: interval\n    scale: {min: 10, max: 0}\n")},
      "y.yaml:5: item 'form': scale: min (10) must be less than max (0)"),
    C("scale-min-equals-max", "codebook validate y.yaml",
      {"y.yaml": item("    level: interval\n    scale: {min: 3, max: 3}\n")},
      "item 'form': scale: min (3) must be less than max (3)"),
    C("unknown-key", "codebook validate y.yaml", {"y.yaml": item(CATS + "    lable: Form\n")},
      "y.yaml:6: item 'form': unknown key 'lable' (did you mean 'label'?)"),
    C("unknown-top-key", "codebook validate y.yaml", {"y.yaml": "id: t\nitmes:\n  - id: form\n" + CATS},
      "y.yaml:2: unknown key 'itmes' (did you mean 'items'?)"),
    C("gate-unknown-statistic", "codebook validate y.yaml", {"y.yaml": item(CATS) + "gate:\n  fleis_kappa: 0.7\n"},
      "y.yaml:7: gate: unknown statistic 'fleis_kappa' (did you mean 'fleiss_kappa'?)"),
    C("gate-unknown-item", "codebook validate y.yaml",
      {"y.yaml": item(CATS) + "gate:\n  - {statistic: gwet_ac1, minimum: 0.7, item: frm}\n"},
      "y.yaml:7: gate: unknown item 'frm' (did you mean 'form'?)"),
    C("gate-percent", "codebook validate y.yaml", {"y.yaml": item(CATS) + "gate:\n  gwet_ac1: 70\n"},
      "y.yaml:7: gate: minimum for gwet_ac1 must be a number between -1 and 1, not '70' (write 0.7 for 70%)"),
    C("billion-laughs", "codebook validate y.yaml",
      {"y.yaml": 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                 + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
                           f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
                           for i in range(8))},
      "y.yaml:1: anchors (&name) and aliases are not allowed in codebooks"),
    C("alias", "codebook validate y.yaml", {"y.yaml": "id: t\ntitle: *x\n"}, "y.yaml:2:"),
    C("python-object-tag", "codebook validate y.yaml",
      {"y.yaml": "id: !!python/object/apply:os.system ['touch pwned']\nitems:\n  - id: form\n" + CATS},
      "y.yaml:1: tag '!!python/object/apply:os.system' is not allowed"),
    C("local-tag", "codebook validate y.yaml", {"y.yaml": "id: t\ntitle: !include other.yaml\nitems:\n"
                                                          "  - id: form\n" + CATS},
      "y.yaml:2: tag '!include' is not allowed"),
    C("codebook-not-utf8", "codebook validate y.yaml", {"y.yaml": b"id: t\ntitle: caf\xe9\n"},
      "y.yaml:2: codebook is not UTF-8 text (byte 0xe9); save it as UTF-8"),
    C("codebook-utf16", "codebook validate y.yaml", {"y.yaml": item(CATS).encode("utf-16")},
      "y.yaml: codebook is UTF-16 (or UTF-32) encoded; save it as UTF-8"),
    C("codebook-empty", "codebook validate y.yaml", {"y.yaml": ""}, "y.yaml: the codebook is empty"),
    C("codebook-comments-only", "codebook validate y.yaml", {"y.yaml": "# nothing yet\n"},
      "y.yaml: the codebook is empty"),
    C("codebook-top-level-list", "codebook validate y.yaml", {"y.yaml": "- a\n- b\n"},
      "y.yaml:1: the top level must be a mapping"),
    C("codebook-duplicate-key", "codebook validate y.yaml", {"y.yaml": "id: t\nid: u\nitems:\n  - id: f\n" + CATS},
      "y.yaml:2: duplicate key 'id' (first at line 1)"),
    C("codebook-nominal-scale", "codebook validate y.yaml",
      {"y.yaml": item("    level: nominal\n    scale: {min: 0, max: 3}\n")},
      "item 'form': a nominal item needs 'categories', not a 'scale'"),
    C("codebook-directory", "codebook validate d.yaml", {"d.yaml": DIR}, "d.yaml: cannot read codebook"),
    C("codebook-missing-path", "codebook validate nope.yaml", {}, "nope.yaml: cannot read codebook"),
    C("codebook-show-bad", "codebook show y.yaml", {"y.yaml": item(CATS) + "  - id: form\n" + CATS},
      "y.yaml:6: duplicate item id 'form' (first at line 3)"),
    C("codebook-show-markup", "codebook show y.yaml", {"y.yaml": "id: t\ntitle: '[/] [bold]x'\nsource: '[/]'\n"
                                                                 "items:\n  - id: form\n    label: '[/]'\n" + CATS},
      code=0),
]
assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)


# ----------------------------------------------------------------------------------------------- harness


def write_files(root: Path, files: dict) -> None:
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is DIR:
            p.mkdir()
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", newline="")


def snapshot(root: Path) -> dict[str, str]:
    """Every file's SHA-256 and every folder under ``root``."""
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def argv_of(case: Case) -> list[str]:
    argv = shlex.split(case.argv)
    if argv[0] == "check" and case.out:
        argv += ["--out", "out"]
    return argv


def setup_case(root: Path, case: Case) -> list[str]:
    write_files(root, {**BASE, **(OLD_ROUND if argv_of(case)[0] == "check" and case.out else {}), **case.files})
    return argv_of(case)


def invoke(argv: list[str], root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "200", "GITHUB_ACTIONS": None})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def assert_reported(stderr: str, expect: tuple) -> None:
    lines = stderr.splitlines()
    for e in expect:
        frags = (e,) if isinstance(e, str) else e
        assert any(all(f in ln for f in frags) for ln in lines), f"{frags} not on one line of:\n{stderr}"


def assert_clean(stdout: str, stderr: str) -> None:
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr, stdout + stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    argv = setup_case(tmp_path, case)
    before = snapshot(tmp_path)
    code, out, err = invoke(argv, tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == case.code, f"exit {code}, expected {case.code}\nstdout: {out}\nstderr: {err}"
    if case.code == 2:
        assert_reported(err, case.expect)
        assert snapshot(tmp_path) == before  # inputs, previous outputs, no new file or folder
        problems = [ln for ln in err.splitlines() if ln.startswith("error ")]
        usage = "Usage:" in err
        assert usage or len(problems) >= max(1, len(case.expect)), err
        assert usage or all(len(ln) > len("error x") for ln in problems)
    else:
        after = snapshot(tmp_path)
        inputs = [k for k, v in before.items() if v != "dir" and not k.startswith("out/")]
        assert {k: after[k] for k in inputs} == {k: before[k] for k in inputs}
        if "--out" in argv:  # the new round replaced the old one completely
            assert all(after[k] != before[k] for k in OLD_ROUND)
            assert not [k for k in after if k.endswith(".tmp")]


# a handful through a real process: nothing escapes as a traceback, the exit code is the process's own
SUBPROCESS = ["binary-file", "not-utf8", "markup-in-values", "billion-laughs", "python-object-tag",
              "compute-bad-level", "counts-negative", "min-unknown-item"]


@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_bad_input_subprocess(tmp_path: Path, case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    argv = setup_case(tmp_path, case)
    before = snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("GITHUB_ACTIONS", None)
    p = subprocess.run([sys.executable, "-m", "irrkit.cli.main", *argv], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert_clean(p.stdout, p.stderr)
    assert p.returncode == 2, p.stderr
    assert_reported(p.stderr, case.expect)
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "pwned").exists()


# ----------------------------------------------------------------------------------------------- undefined


def no_bare_nulls(doc: object, path: str = "") -> list[str]:
    """Coefficients (dicts with a status) whose value, SE, CI or p is missing without a reason, or that are
    undefined without a reason or with a value."""
    bad = []
    if isinstance(doc, dict):
        if "status" in doc and "value" in doc:
            nulls = [k for k in ("value", "se", "ci_low", "ci_high", "p_value") if k in doc and doc[k] is None]
            if nulls and not doc.get("reason"):
                bad.append(f"{path}: {nulls} null without a reason")
            if doc["status"] != "ok" and (doc["value"] is not None or not doc.get("reason")):
                bad.append(f"{path}: status {doc['status']} with value {doc['value']} / no reason")
        for k, v in doc.items():
            bad += no_bare_nulls(v, f"{path}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            bad += no_bare_nulls(v, f"{path}/{i}")
    return bad


def strict_json(text: str) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def coefficients(doc: dict) -> dict[tuple[str, ...], dict]:
    """(item, statistic) and (item, category, statistic) -> coefficient."""
    out = {(it["item"], k): c for it in doc["items"] for k, c in it["coefficients"].items()}
    out.update({(it["item"], code, k): c for it in doc["items"] for code, cs in (it.get("per_category") or {}).items()
                for k, c in cs.items() if isinstance(c, dict)})
    return out


def long_file(rows: list[tuple[str, str, str, str]]) -> str:
    return "unit,coder,form,inten\n" + "".join(",".join(r) + "\n" for r in rows)


PAIRS = [("u1", "ann", "bob"), ("u2", "bob", "cat"), ("u3", "cat", "dan"), ("u4", "dan", "eve"),
         ("u5", "eve", "fay"), ("u6", "fay", "ann")]
UNDEFINED = [
    ("single-unit", "check a.csv b.csv -c cb.yaml",
     {"a.csv": "unit,form,inten\nu1,1,2\n", "b.csv": "unit,form,inten\nu1,2,3\n"},
     {("form", "fleiss_kappa"): "only one unit: chance agreement cannot be estimated",
      ("inten", "icc2"): "fewer than two units rated by every coder (1)"}),
    ("single-coder", "check a.csv -c cb.yaml --allow-single", {},
     {("form", "percent_agreement"): "no unit was rated by two or more coders",
      ("form", "fleiss_kappa"): "no unit was rated by two or more coders",
      ("inten", "icc2"): "fewer than two coders"}),
    ("all-identical", "check a.csv b.csv -c cb.yaml",
     {"a.csv": "unit,form,inten\nu1,1,2\nu2,1,2\nu3,1,2\n",
      "b.csv": "unit,form,inten\nu1,1,2\nu2,1,2\nu3,1,2\n"},
     {("form", "fleiss_kappa"): "chance agreement is 1 (every rating falls in one category)",
      ("form", "krippendorff_alpha"): "so alpha is 0/0",
      ("inten", "icc2"): "no variance: every rating is the same value",
      ("form", "2", "fleiss_kappa"): "category '2' was never used"}),
    ("category-never-used", "check a.csv b.csv -c cb.yaml",
     {"a.csv": "unit,form,inten\nu1,1,2\nu2,2,3\nu3,1,4\n", "b.csv": "unit,form,inten\nu1,1,2\nu2,2,3\nu3,2,5\n"},
     {("form", "3", "fleiss_kappa"): "category '3' was never used",
      ("form", "3", "gwet_ac1"): "category '3' was never used"}),
    ("different-pair-per-unit", "check l.csv -c cb.yaml",  # ICCs from the mixed model on all ratings
     {"l.csv": long_file([(u, c, str(1 + (i + j) % 2), str(2 + i)) for i, (u, *cs) in enumerate(PAIRS)
                          for j, c in enumerate(cs)])},
     {}),
    ("different-pair-per-unit-complete", "check l.csv -c cb.yaml --icc-missing complete",
     {"l.csv": long_file([(u, c, str(1 + (i + j) % 2), str(2 + i)) for i, (u, *cs) in enumerate(PAIRS)
                          for j, c in enumerate(cs)])},
     {("inten", "icc2"): "fewer than two units rated by every coder (0)"}),
    ("interval-zero-variance", "check a.csv b.csv -c cb.yaml",
     {"a.csv": "unit,form,inten\nu1,1,5\nu2,2,5\nu3,3,5\n", "b.csv": "unit,form,inten\nu1,1,5\nu2,2,5\nu3,1,5\n"},
     {("inten", "icc2"): "no variance: every rating is the same value, so the ICC is 0/0",
      ("inten", "krippendorff_alpha"): "chance agreement is 1"}),
    ("compute-single-unit", "compute w.csv", {"w.csv": "unit,r1,r2\nu1,1,2\n"},
     {("ratings", "fleiss_kappa"): "only one unit"}),
    ("compute-constant-interval", "compute w.csv --level interval", {"w.csv": "unit,r1,r2\nu1,4,4\nu2,4,4\n"},
     {("ratings", "icc2"): "no variance", ("ratings", "gwet_ac1"): "only one category"}),
    ("compute-long-single-coder", "compute l.csv --long", {"l.csv": "unit,coder,value\nu1,ann,1\nu2,ann,2\n"},
     {("ratings", "fleiss_kappa"): "no unit was rated by two or more coders"}),
    ("counts-one-category", "compute c.csv --counts", {"c.csv": "unit,a,b\nu1,3,0\nu2,3,0\n"},
     {("ratings", "fleiss_kappa"): "chance agreement is 1",
      ("ratings", "b", "gwet_ac1"): "category 'b' was never used"}),
]


@pytest.mark.parametrize(("argv", "files", "undefined"), [u[1:] for u in UNDEFINED], ids=[u[0] for u in UNDEFINED])
def test_undefined_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: str, files: dict,
                              undefined: dict) -> None:
    write_files(tmp_path, {**BASE, **files})
    code, out, err = invoke([*shlex.split(argv), "-f", "json"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 0, err
    doc = strict_json(out)
    assert no_bare_nulls(doc) == []
    coefs = coefficients(doc)
    for key, reason in undefined.items():
        c = coefs[key]
        assert c["status"] == "undefined" and c["value"] is None and reason in c["reason"], (key, c)
    code, table, err = invoke(shlex.split(argv), tmp_path, monkeypatch)
    assert code == 0 and "Traceback" not in table + err
    assert not re.search(r"\b(nan|inf|NaN|Infinity|None|null)\b", table), table
    if any(len(k) == 2 for k in undefined):  # per-category coefficients are not in the table
        assert "undefined: " in table
    code, csv_text, _ = invoke([*shlex.split(argv), "-f", "csv"], tmp_path, monkeypatch)
    assert code == 0 and not re.search(r"\b(nan|inf|NaN|Infinity)\b", csv_text)


# ----------------------------------------------------------------------------------------------- safety


def good_round(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    write_files(tmp_path, {**BASE, **OLD_ROUND})
    return ["check", "a.csv", "b.csv", "-c", "cb.yaml", "--out", "out"], snapshot(tmp_path)


def test_interrupted_rename_keeps_old_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv, before = good_round(tmp_path)

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", crash)
    code, out, err = invoke(argv, tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2 and "No space left on device" in err
    assert snapshot(tmp_path) == before  # old tables intact, no .tmp left


def test_interrupted_staging_keeps_old_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while the third table is written: no table has been replaced yet."""
    argv, before = good_round(tmp_path)
    calls = []
    real = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, err = invoke(argv, tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2 and "No space left on device" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError(5, "Input/output error")], ids=["interrupt", "eio"])
def test_interrupt_during_rename_leaves_whole_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     fault: BaseException) -> None:
    """Interrupted (or EIO) after the second of the batch's renames: the renamed tables are put back, so the
    previous round stays as it was, whole; no .tmp, no backup, no journal left."""
    argv, before = good_round(tmp_path)
    real, calls = os.replace, []

    def replace(src: str, dst: str) -> None:
        if "irrkit-batch" not in str(dst) and not str(src).endswith(".bak"):
            calls.append(dst)
            if len(calls) == 3:
                raise fault
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code != 0 and len(calls) == 3
    assert snapshot(tmp_path) == before  # no .tmp, nothing new, every old table as it was
    assert (tmp_path / "out/summary.csv").read_text(encoding="utf-8") == OLD_ROUND["out/summary.csv"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_device_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    for argv in (["check", "/dev/zero", "a.csv", "-c", "cb.yaml"], ["compute", "/dev/zero"]):
        code, out, err = invoke(argv, tmp_path, monkeypatch)
        assert_clean(out, err)
        assert code == 2 and "/dev/zero: is not a regular file" in err


def test_write_all_refuses_inputs_before_writing(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text(A, encoding="utf-8")
    with pytest.raises(InputError, match="refusing to write an output over an input file"):
        output.write_all({tmp_path / "new.csv": "x", tmp_path / "sub" / ".." / "a.csv": "y"}, inputs=[a])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"] and a.read_text(encoding="utf-8") == A


def test_huge_coder_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {**BASE, **OLD_ROUND})
    before = snapshot(tmp_path)
    monkeypatch.setattr(files, "MAX_BYTES", 40)
    code, out, err = invoke(["check", "a.csv", "b.csv", "-c", "cb.yaml", "--out", "out"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2
    assert_reported(err, [(f"a.csv: file is {len(A)} bytes; irrkit reads files up to 40 bytes", "split it"),
                          f"b.csv: file is {len(B)} bytes"])
    assert snapshot(tmp_path) == before
    for argv in (["compute", "a.csv"], ["compute", "a.csv", "--counts"]):
        assert invoke(argv, tmp_path, monkeypatch)[0] == 2


def test_huge_codebook_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    monkeypatch.setattr(codebook_mod, "MAX_BYTES", 100)
    code, out, err = invoke(["codebook", "validate", "cb.yaml"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2 and "cb.yaml: codebook is larger than 100 bytes, the limit for codebooks" in err
    monkeypatch.setattr(codebook_mod, "MAX_BYTES", 5 * 2**20)
    with pytest.raises(InputError, match="larger than 5 MB"):
        parse_codebook("#" * (5 * 2**20 + 1))


def test_sizes_in_messages() -> None:
    assert [files.size_text(n) for n in (10, 2048, 1536, 200 * 2**20, 3 * 2**30)] == [
        "10 bytes", "2 KB", "1.5 KB", "200 MB", "3 GB"]


# ----------------------------------------------------------------------------------------------- Excel, SPSS


from workbook_helpers import workbook  # noqa: E402

ANNA_ROWS = [["unit", "form", "inten"], ["u1", 1, 2], ["u2", "sad", 3.5], ["u3", 3, 10.0], ["u4", 1.0, 1]]
BEN_ROWS = [["unit", "form", "inten"], ["u1", 1, 2.5], ["u2", 2, 3.5], ["u3", 1, 9], ["u4", 1, 1]]


def test_xlsx_one_sheet_per_coder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    workbook(tmp_path / "round.xlsx", {"anna": ANNA_ROWS, "ben": [[], [None, None], *BEN_ROWS], "empty": []})
    code, out, err = invoke(["check", "round.xlsx", "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = strict_json(out)
    assert doc["coders"] == ["anna", "ben"]
    assert "round.xlsx sheet 'empty': empty sheet ignored" in doc["warnings"]
    assert coefficients(doc)[("form", "percent_agreement")]["value"] == 0.75


def test_xlsx_coder_column_and_file_named_coder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    workbook(tmp_path / "long.xlsx", {"Sheet1": [["unit", "coder", "form", "inten"], ["u1", "x", 1, 2],
                                                 ["u1", "y", 2, 2]]})
    workbook(tmp_path / "carl.xlsx", {"Sheet1": ANNA_ROWS})
    code, out, err = invoke(["check", "long.xlsx", "carl.xlsx", "a.csv", "-c", "cb.yaml", "-f", "json"], tmp_path,
                            monkeypatch)
    assert code == 0, err
    assert strict_json(out)["coders"] == ["x", "y", "carl", "a"]


@pytest.mark.parametrize(("sheets", "expect"), [
    ({"anna": ANNA_ROWS, "ben": [*BEN_ROWS[:3], ["u3", 9, 1], ["u4", 1, 2.3]]},
     ["round.xlsx sheet 'ben':4: column 'form': value '9' is not a code of item 'form' (allowed: 1 (protest)",
      "round.xlsx sheet 'ben':5: column 'inten': value '2.3' is not on the scale"]),
    ({"anna": [[None], ["unit", "form"], ["u1", 1]]}, ["round.xlsx sheet 'anna':2: missing item column 'inten'"]),
    ({"anna": [["unit", "form", "inten"]]}, ["round.xlsx sheet 'anna':1: has a header but no data rows"]),
    ({"anna": [["unit", "form", "form", "inten"], ["u1", 1, 1, 1]]},
     ["round.xlsx sheet 'anna':1: duplicate column 'form'"]),
    ({"anna": [*ANNA_ROWS, ["u1", 2, 2]]}, ["round.xlsx sheet 'anna':6: unit 'u1' is rated twice by coder 'round'"]),
    ({"a": [], "b": []}, ["round.xlsx: workbook is empty (no sheet has cells with data)"]),
])
def test_xlsx_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheets: dict, expect: list[str]) -> None:
    write_files(tmp_path, {**BASE, **OLD_ROUND})
    workbook(tmp_path / "round.xlsx", sheets)
    before = snapshot(tmp_path)
    code, out, err = invoke(["check", "round.xlsx", "-c", "cb.yaml", "--out", "out"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2
    assert_reported(err, tuple(expect))
    assert snapshot(tmp_path) == before


def test_xlsx_same_sheet_names_in_two_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    workbook(tmp_path / "r1.xlsx", {"anna": ANNA_ROWS, "ben": BEN_ROWS})
    workbook(tmp_path / "r2.xlsx", {"anna": ANNA_ROWS, "carl": BEN_ROWS})
    code, out, err = invoke(["check", "r1.xlsx", "r2.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2
    assert_reported(err, [("r2.xlsx sheet 'anna':2: coder name 'anna' is also used by r1.xlsx sheet 'anna'",)])


@pytest.mark.parametrize("content", [A.encode(), b"PK\x03\x04broken", b""])
def test_xlsx_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    pytest.importorskip("openpyxl")
    write_files(tmp_path, {**BASE, "x.xlsx": content})
    code, out, err = invoke(["check", "x.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2 and "x.xlsx: cannot be read as an Excel .xlsx workbook" in err


def test_xlsx_too_many_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    workbook(tmp_path / "x.xlsx", {"anna": ANNA_ROWS})
    monkeypatch.setattr(excel, "MAX_CELLS", 6)
    code, _, err = invoke(["check", "x.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2 and "x.xlsx: workbook has more than 6 cells" in err


def sav(path: Path, columns: dict[str, list], labels: dict[str, dict] | None = None) -> Path:
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    pyreadstat.write_sav(pd.DataFrame(columns), str(path), variable_value_labels=labels or {})
    return path


def test_sav_value_labels_name_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    # SPSS numbers the forms differently from the codebook: the value labels say which is which
    sav(tmp_path / "spss.sav", {"unit": ["u1", "u2", "u3", "u4"], "form": [2.0, 1, 3, 2], "inten": [2, 3.5, 10, 1]},
        {"form": {1: "Sad", 2: "protest", 3: "helpless"}})
    code, out, err = invoke(["check", "spss.sav", "b.csv", "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = strict_json(out)
    assert doc["coders"] == ["spss", "b"]
    assert coefficients(doc)[("form", "percent_agreement")]["value"] == 0.75  # same as a.csv against b.csv


def test_sav_numeric_units_and_unlabelled_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, BASE)
    sav(tmp_path / "x.sav", {"unit": [1.0, 2.0], "form": [1.0, 2.0], "inten": [2.0, math.nan]})
    sav(tmp_path / "y.sav", {"unit": [1.0, 2.0], "form": [1.0, 3.0], "inten": [2.5, 4.0]},
        {"form": {1: "protest", 3: "something else"}})
    code, out, err = invoke(["check", "x.sav", "y.sav", "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = strict_json(out)
    assert any("SPSS value label 'something else' of value 3 names no category" in w for w in doc["warnings"])


def test_sav_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {**BASE, **OLD_ROUND})
    sav(tmp_path / "d.sav", {"unit": [1.0, 2, 3], "form": [1.0, 7, 2], "inten": [2, 3.5, 11]}, {"form": {7: "weird"}})
    sav(tmp_path / "e.sav", {"id": [1.0], "form": [1.0]})
    before = snapshot(tmp_path)
    code, out, err = invoke(["check", "d.sav", "e.sav", "-c", "cb.yaml", "--out", "out"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2
    assert_reported(err, ("d.sav:2: column 'form': value '7' is not a code of item 'form'",
                          "d.sav:3: column 'inten': value '11' is outside the scale 0-10",
                          "e.sav: no unit column 'unit' (columns found: 'id', 'form')",
                          "e.sav: missing item column 'inten'"))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content", [A.encode(), b"$FL2 broken", b""])
def test_sav_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    pytest.importorskip("pyreadstat")
    write_files(tmp_path, {**BASE, "x.sav": content})
    code, out, err = invoke(["check", "x.sav", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2 and "x.sav: cannot be read as an SPSS .sav file" in err


@pytest.mark.parametrize(("name", "module", "extra"), [("x.xlsx", "openpyxl", "irrkit[excel]"),
                                                        ("x.sav", "pyreadstat", "irrkit[spss]")])
def test_optional_package_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, module: str,
                                  extra: str) -> None:
    write_files(tmp_path, {**BASE, name: b"whatever"})
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    code, out, err = invoke(["check", name, "a.csv", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert_clean(out, err)
    assert code == 2
    assert_reported(err, [(f"{name}: reading", f"needs the optional package {module}: pip install '{extra}'")])


# ----------------------------------------------------------------------------------------------- fuzz at the CLI

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
CSV_CHARS = st.sampled_from(list('unitformen,;\t"\r\n 0123.5-NA[]/\\\x00\xe9\ufeff'))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    write_files(root, BASE)
    return root


def run_fuzz(root: Path, argv: list[str]) -> int:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(app, argv, env={"COLUMNS": "200"})
    finally:
        os.chdir(cwd)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.stderr, result.stderr
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        assert all(ln.startswith("error ") for ln in result.stderr.splitlines()), result.stderr
    return result.exit_code


@FUZZ
@given(head=st.sampled_from(["unit,form,inten\n", "unit;coder;form;inten\n", ""]),
       body=st.text(CSV_CHARS, max_size=120) | st.binary(max_size=120))
def test_fuzz_cli_check_and_compute(fuzz_dir: Path, head: str, body: str | bytes) -> None:
    data = head.encode() + (body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    (fuzz_dir / "f.csv").write_bytes(data)
    for argv in (["check", "f.csv", "a.csv", "-c", "cb.yaml", "-f", "json"], ["compute", "f.csv", "-f", "json"],
                 ["compute", "f.csv", "--counts", "-f", "csv"]):
        run_fuzz(fuzz_dir, argv)
    assert (fuzz_dir / "f.csv").read_bytes() == data


@FUZZ
@given(st.text(st.sampled_from(list("id: tems-[]{},&*!|>'\"#\n\t0123levlnomiacgorsxp_.\\")), max_size=200))
def test_fuzz_cli_codebook(fuzz_dir: Path, text: str) -> None:
    (fuzz_dir / "f.yaml").write_text(text, encoding="utf-8")
    run_fuzz(fuzz_dir, ["codebook", "validate", "f.yaml"])


cells = st.one_of(st.none(), st.integers(-3, 12), st.floats(allow_nan=False, allow_infinity=False, width=32),
                  st.sampled_from(["u1", "u2", "sad", "1", "", " ", "NA", "unit", "form", "inten", "coder", "x"]))


@FUZZ
@given(sheets=st.dictionaries(st.sampled_from(["anna", "ben", "Sheet"]),
                              st.lists(st.lists(cells, max_size=5), max_size=6), min_size=1, max_size=3))
def test_fuzz_xlsx_reader(tmp_path_factory: pytest.TempPathFactory, sheets: dict) -> None:
    pytest.importorskip("openpyxl")
    from irrkit.codebooks.codebook import load_codebook
    root = tmp_path_factory.mktemp("xlsx")
    write_files(root, BASE)
    path = workbook(root / "f.xlsx", {"unit": [["unit", "form", "inten"]], **sheets})
    try:
        read = readers.read_coder_files([path], load_codebook(root / "cb.yaml"))
    except InputError as e:
        assert e.problems and all(p.file.startswith(str(path)) for p in e.problems)
    else:
        assert all(r.values.shape == (len(read.units), len(read.coders)) for r in read.items.values())


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".xlsx", ".sav"]))
def test_fuzz_random_bytes_as_spreadsheets(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                           suffix: str) -> None:
    from irrkit.codebooks.codebook import load_codebook
    root = tmp_path_factory.mktemp("bytes")
    write_files(root, {**BASE, f"f{suffix}": data})
    with pytest.raises(InputError):
        readers.read_coder_files([root / f"f{suffix}"], load_codebook(root / "cb.yaml"))
