"""Tests of irrkit.readers: coder files against a codebook, compute input, count tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import irrkit
from irrkit import readers
from irrkit.codebooks.model import Category, Codebook, Item, Scale
from irrkit.errors import InputError
from irrkit.readers import (
    delimited,
    files,
    read_coder_files,
    read_compute_input,
    read_counts,
    read_table,
    sniff_table,
)

FORMS = ("protest", "grief", "anger", "shame", "fear", "joy")
CB = Codebook(
    id="ccrt",
    items=(
        Item("form", categories=tuple(Category(str(i + 1), lab) for i, lab in enumerate(FORMS))),
        Item("intensity", level="interval", scale=Scale(0, 10, 0.5)),
    ),
)
CB_TEXT = Codebook(
    id="focus",
    items=(
        Item("focus", categories=(Category("self", "Self"), Category("other", "Other person"),
                                  Category("obj", "Object")),
             weight_matrix=((1, 0, 0), (0, 1, 0.5), (0, 0.5, 1))),
        Item("mood", level="interval", scale=Scale(-3, 3)),
    ),
)
NAN = math.nan


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8", newline="")
    else:
        p.write_bytes(content)
    return p


def mat(rs: readers.RatingSet, item: str) -> list[list[float]]:
    return [[-1.0 if math.isnan(v) else v for v in row] for row in rs.items[item].values.tolist()]


ANNA = "unit,form,intensity\nu1,1,2\nu2,2,3.5\nu3,3,10\n"
BEN = "unit,form,intensity\nu1,1,2.5\nu2,4,3.5\nu4,6,\n"


# ----------------------------------------------------------------------------------------------- good input


def test_per_coder_files(tmp_path: Path) -> None:
    rs = read_coder_files([write(tmp_path, "anna.csv", ANNA), write(tmp_path, "ben.csv", BEN)], CB)
    assert rs.coders == ["anna", "ben"]
    assert rs.units == ["u1", "u2", "u3", "u4"]
    assert mat(rs, "form") == [[1, 1], [2, 4], [3, -1], [-1, 6]]
    assert mat(rs, "intensity") == [[2, 2.5], [3.5, 3.5], [10, -1], [-1, -1]]
    form, inten = rs.items["form"], rs.items["intensity"]
    assert form.categories == (1, 2, 3, 4, 5, 6) and form.labels == ("1", "2", "3", "4", "5", "6")
    assert form.weights == "identity" and form.primary == "fleiss_kappa" and form.weight_matrix is None
    assert inten.categories == tuple(i / 2 for i in range(21)) and inten.labels[:3] == ("0", "0.5", "1")
    assert inten.weights == "quadratic" and inten.primary == "icc2"
    assert rs.files == [str(tmp_path / "anna.csv"), str(tmp_path / "ben.csv")]
    # u3 and u4 are each in one coder's file only: said once, by the absent-rows warning, not again per item
    assert any("coder 'ben' (" in w and "has no row for 1 of the 4 units the other coders rated: u3" in w
               for w in rs.warnings)
    assert any("coder 'anna' (" in w and "no row for 1 of the 4 units the other coders rated: u4" in w
               for w in rs.warnings)
    assert not any("rated by only one coder" in w for w in rs.warnings)
    assert list(rs.records.columns) == ["unit", "coder", "item", "code", "value", "file", "line"]
    assert len(rs.records) == 12
    row = rs.records[(rs.records.unit == "u2") & (rs.records.coder == "ben") & (rs.records.item == "form")]
    assert row.iloc[0].to_dict() | {"file": ""} == {"unit": "u2", "coder": "ben", "item": "form", "code": "4",
                                                     "value": 4.0, "file": "", "line": 3}


def test_long_file_with_coder_column(tmp_path: Path) -> None:
    p = write(tmp_path, "all.csv", "coder,unit,form,intensity\nanna,u1,1,2\nben,u1,2,2\nanna,u2,3,0\n"
                                    "ben,u2,3,1\ncarl,u1,1,\n")
    rs = read_coder_files([p], CB)
    assert rs.coders == ["anna", "ben", "carl"] and rs.units == ["u1", "u2"]
    assert mat(rs, "form") == [[1, 2, 1], [3, 3, -1]]
    assert any("item 'intensity': coder 'carl' rated no unit" in w for w in rs.warnings)


def test_constant_coder_column_names_the_coder(tmp_path: Path) -> None:
    a = write(tmp_path, "export1.csv", "unit,coder,form,intensity\nu1,Anna,1,1\nu2,Anna,2,1\n")
    b = write(tmp_path, "export2.csv", "unit,coder,form,intensity\nu1, Ben ,1,1\nu2,Ben,2,1\n")
    assert read_coder_files([a, b], CB).coders == ["Anna", "Ben"]


def test_semicolon_decimal_comma_bom(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.csv", b"\xef\xbb\xbfunit;form;intensity\r\nu1;1;2,5\r\nu2;2;10\r\n")
    b = write(tmp_path, "ben.csv", b"\xef\xbb\xbfunit;form;intensity\r\nu1;1;2,5\r\nu2;3;9,5\r\n")
    rs = read_coder_files([a, b], CB)
    assert mat(rs, "intensity") == [[2.5, 2.5], [10, 9.5]]
    assert rs.records.loc[0, "code"] == "1" and set(rs.records.code) >= {"2,5", "9,5"}


def test_tab_separated_and_sep_line(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.tsv", "unit\tform\tintensity\nu1\t1\t2\nu2\t2\t3\n")
    b = write(tmp_path, "ben.csv", "sep=;\nunit;form;intensity\nu1;1;2\nu2;5;x\n")
    with pytest.raises(InputError) as e:
        read_coder_files([a, b], CB)
    assert f"{b}:4: column 'intensity': value 'x' is not a number" in str(e.value)  # sep= line counts


def test_labels_numeric_spellings_and_spaces(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.csv", "unit,form,intensity\n u1 ,Grief, 2 \nu2,1.0,3\nu3, 2 ,4.0\nu4,JOY,NA\n")
    b = write(tmp_path, "ben.csv", "unit,form,intensity\nu1,2,2\nu2,protest,3\nu3,,4\nu4,6,.\n")
    rs = read_coder_files([a, b], CB)
    assert rs.units == ["u1", "u2", "u3", "u4"]
    assert mat(rs, "form") == [[2, 2], [1, 1], [2, -1], [6, 6]]
    codes = rs.records[rs.records.item == "form"].code.tolist()
    assert codes == ["2", "1", "2", "6", "2", "1", "", "6"]


def test_text_codes_labels_weights_and_negative_scale(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", "unit,focus,mood\n1,self,-3\n2,other person,0.5\n3,OBJ,3\n")
    b = write(tmp_path, "b.csv", "unit,focus,mood\n1,Self,-2\n2,obj,0,5\n3,other,3\n".replace("0,5", '"0,5"'))
    rs = read_coder_files([a, b], CB_TEXT)
    focus, mood = rs.items["focus"], rs.items["mood"]
    assert mat(rs, "focus") == [[1, 1], [2, 3], [3, 2]]
    assert focus.labels == ("self", "other", "obj") and focus.categories == (1, 2, 3)
    assert np.array_equal(focus.weight_matrix, np.array([[1, 0, 0], [0, 1, 0.5], [0, 0.5, 1]]))
    assert mood.categories == (-3, -2, 0.5, 3) and mood.labels == ("-3", "-2", "0.5", "3")


def test_context_columns_and_quoted_newlines(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.csv", 'unit,session,form,intensity,note\nu1,1,1,2,"two\nlines"\nu2,1,2,3,ok\n')
    b = write(tmp_path, "ben.csv", "unit,form,intensity,line\nu1,1,2,a\nu2,2,3,b\n")
    rs = read_coder_files([a, b], CB)
    assert f"{a}: unknown column 'note' kept as context (not an item of codebook 'ccrt')" in rs.warnings
    assert list(rs.records.columns)[7:] == ["session", "note", "context_line"]
    r = rs.records[rs.records.coder == "anna"]
    assert r.line.tolist() == [2, 4, 2, 4] and r.note.tolist()[0] == "two\nlines"
    assert rs.records[rs.records.coder == "ben"].session.tolist() == ["", "", "", ""]


def test_encodings(tmp_path: Path) -> None:
    text = "unit,form,intensity,Notiz\nü1,1,2,Übertragung\nu2,2,3,\n"
    a = write(tmp_path, "anna.csv", text.encode("cp1252"))
    b = write(tmp_path, "ben.txt", text.replace(",", "\t").encode("utf-16"))  # Excel "Unicode text"
    with pytest.raises(InputError, match="try --encoding cp1252"):
        read_coder_files([a, b], CB)
    rs = read_coder_files([a], CB, encoding="cp1252")
    assert rs.units == ["ü1", "u2"] and rs.records.Notiz.iloc[0] == "Übertragung"
    rs = read_coder_files([b], CB)
    assert rs.units == ["ü1", "u2"] and rs.coders == ["ben"]
    c = write(tmp_path, "carl.csv", b"\xef\xbb\xbf" + text.encode())  # a UTF-8 BOM beats --encoding
    assert read_coder_files([c], CB, encoding="cp1252").units == ["ü1", "u2"]
    assert rs.warnings[-1].startswith("only one coder")


def test_blank_rows_and_unnamed_empty_columns(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.csv", "unit;form;intensity;\nu1;1;2;\n;;;\n\nu2;2;3;\n")
    rs = read_coder_files([a, write(tmp_path, "ben.csv", BEN)], CB)
    assert rs.records[rs.records.coder == "anna"].line.tolist() == [2, 5, 2, 5]
    r = write(tmp_path, "r.csv", '"","unit","form","intensity"\n"1","u1",1,2\n')
    rs = read_coder_files([r], CB)
    assert f"{r}: column 1 has no header; ignored" in rs.warnings


def test_open_items_without_codes(tmp_path: Path) -> None:
    cb = Codebook(id="x", items=(Item("theme"), Item("score", level="interval")))
    a = write(tmp_path, "a.csv", "unit,theme,score\n1,work,3\n2,love,4\n")
    b = write(tmp_path, "b.csv", "unit,theme,score\n1,work,3\n2,family,5\n")
    rs = read_coder_files([a, b], cb)
    assert rs.items["theme"].labels == ("family", "love", "work") and mat(rs, "theme") == [[3, 3], [2, 1]]
    assert rs.items["score"].categories == (3, 4, 5)
    c = write(tmp_path, "c.csv", "unit,theme,score\n1,work,high\n")
    with pytest.raises(InputError, match=r"c.csv:2: column 'score': value 'high' is not a number"):
        read_coder_files([a, c], cb)


def test_big_file_path_matches_small_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(f"u{i},{i % 6 + 1},{i % 21 / 2}\n" for i in range(3000))
    a = write(tmp_path, "anna.csv", "unit,form,intensity\n" + rows)
    b = write(tmp_path, "ben.csv", "unit;form;intensity\n" + rows.replace(",", ";").replace(".", ","))
    monkeypatch.setattr(delimited, "GRID_LINES", 10**9)  # the csv module, then the grid
    small = read_coder_files([a, b], CB)
    monkeypatch.setattr(delimited, "BIG_LINES", 100)
    monkeypatch.setattr(delimited, "GRID_LINES", 100)
    big = read_coder_files([a, b], CB)
    assert big.units == small.units and np.array_equal(big.items["intensity"].values,
                                                       small.items["intensity"].values, equal_nan=True)
    assert big.records.equals(small.records)
    bad = write(tmp_path, "bad.csv", "unit,form,intensity\n" + rows + "x1,9,2\n\nx2,1,\"3\n\"\nx3,1\n")
    msgs = []
    for limit in (10**9, 100):
        monkeypatch.setattr(delimited, "BIG_LINES", limit)
        monkeypatch.setattr(delimited, "GRID_LINES", limit)
        with pytest.raises(InputError) as e:
            read_coder_files([a, bad], CB)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    assert f"{bad}:3002: column 'form': value '9' is not a code" in msgs[0]
    assert f"{bad}:3004: column 'intensity': value '3\n' is not" not in msgs[0]
    assert f"{bad}:3006: row has 2 fields, but the header has 3" in msgs[0]


def test_sniff_and_read_table(tmp_path: Path) -> None:
    p = write(tmp_path, "t.csv", 'a;b\n1;"x\ny"\n2;3\n')
    header, rows = sniff_table(p)
    assert header == ["a", "b"] and rows == [(2, ["1", "x\ny"]), (4, ["2", "3"])]
    assert read_table(p).delimiter == ";"
    assert read_table(write(tmp_path, "one.csv", "unit\n1\n2\n")).header == ["unit"]
    assert read_table(write(tmp_path, "c.csv", "a,b\n1,\"2,5\"\n")).delimiter == ","


# ------------------------------------------------------------------------------------------- compute / counts


def test_compute_wide_and_long(tmp_path: Path) -> None:
    w = write(tmp_path, "w.csv", "case;r1;r2;r3\n1;2,5;3;NA\n2;1;1;1\n3;4;;4\n")
    r = read_compute_input(w, level="interval")
    assert r.item == "ratings" and r.units == ["1", "2", "3"] and r.coders == ["r1", "r2", "r3"]
    assert np.array_equal(r.values, np.array([[2.5, 3, NAN], [1, 1, 1], [4, NAN, 4]]), equal_nan=True)
    assert r.categories == (1, 2.5, 3, 4) and r.weights == "quadratic"
    lg = write(tmp_path, "l.csv", "unit,coder,value\na,x,yes\na,y,no\nb,x,no\nb,y,maybe\n")
    r = read_compute_input(lg, long=True)
    assert r.labels == ("maybe", "no", "yes") and r.values.tolist() == [[3, 2], [2, 1]]
    r = read_compute_input(lg, long=True, categories=["no", "maybe", "yes"], level="ordinal")
    assert r.labels == ("no", "maybe", "yes") and r.values.tolist() == [[3, 1], [1, 2]]
    assert r.weights == "quadratic"  # ordinal items default to quadratic weights


def test_counts(tmp_path: Path) -> None:
    c, cats = read_counts(write(tmp_path, "c.csv", "unit;a;b;c\nx;1;2;0\ny;3;0;0\n"))
    assert cats == ["a", "b", "c"] and c.tolist() == [[1, 2, 0], [3, 0, 0]] and c.dtype == np.int64
    c, cats = read_counts(write(tmp_path, "d.csv", "yes,no\n2,1\n0,3.0\n,3\n"))
    assert cats == ["yes", "no"] and c.tolist() == [[2, 1], [0, 3], [0, 3]]


# ----------------------------------------------------------------------------------------------- bad input


def bad(paths: list[Path], *fragments: str, cb: Codebook = CB, **kw: object) -> str:
    """read_coder_files must raise InputError containing every fragment, leaving the files untouched."""
    before = {p: p.read_bytes() for p in paths if p.is_file()}
    with pytest.raises(InputError) as e:
        read_coder_files(paths, cb, **kw)  # type: ignore[arg-type]
    msg = str(e.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    assert {p: p.read_bytes() for p in before} == before
    assert all(isinstance(p.file, str) for p in e.value.problems)
    return msg


def test_missing_path_and_directory(tmp_path: Path) -> None:
    ok = write(tmp_path, "anna.csv", ANNA)
    bad([ok, tmp_path / "nope.csv"], f"{tmp_path / 'nope.csv'}: file not found")
    (tmp_path / "dir.csv").mkdir()
    bad([ok, tmp_path / "dir.csv"], f"{tmp_path / 'dir.csv'}: is a directory")


def test_same_file_twice(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", ANNA)
    bad([p, tmp_path / "." / "anna.csv"], "file given twice")


@pytest.mark.parametrize("content", ["", "  \n\t\n", b"\xef\xbb\xbf\r\n"])
def test_empty_file(tmp_path: Path, content: str | bytes) -> None:
    p = write(tmp_path, "anna.csv", content)
    bad([p], f"{p}: file is empty")


def test_header_only(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\n\n")
    bad([p], f"{p}:1: has a header but no data rows")


def test_no_unit_column(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "Unit,form,intensity\nu1,1,1\n")
    bad([p], f"{p}:1: no unit column 'unit' (columns found: 'Unit', 'form', 'intensity'); "
             "did you mean 'Unit'?")
    q = write(tmp_path, "ben.csv", "segment,form,intensity\nu1,1,1\n")
    bad([q], f"{q}:1: no unit column 'unit' (columns found: 'segment', 'form', 'intensity')")


def test_missing_item_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,from\nu1,1\n")
    bad([p], f"{p}:1: missing item columns 'form', 'intensity' of codebook 'ccrt'",
        "for 'form' did you mean 'from'")


def test_duplicate_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,form,intensity\nu1,1,2,3\n")
    bad([p], f"{p}:1: duplicate column 'form' (columns 2 and 3)")


@pytest.mark.parametrize(("row", "line", "msg"), [
    ("u2,1,2,3", 3, "row has 4 fields, but the header has 3"),
    ("u2,1", 3, "row has 2 fields, but the header has 3"),
    ("u2,1,2,5", 3, "row has 4 fields, but the header has 3 (a decimal comma in a comma-separated file?"),
    ("u2,x,y,z,", 3, "row has 5 fields, but the header has 3\n"),
])
def test_ragged_rows(tmp_path: Path, row: str, line: int, msg: str) -> None:
    p = write(tmp_path, "anna.csv", f"unit,form,intensity\nu1,1,1\n{row}\nu3,1,1\nu4,1,x\n")
    bad([p], f"{p}:{line}: {msg}")


def test_ragged_rows_are_grouped(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\n" + "".join(f"u{i},1,1,\n" for i in range(9)))
    msg = bad([p], f"{p}:2: row has 4 fields, but the header has 3 (stray separators at the end of the "
                   "line?) (also on lines 3, 4, 5 and 5 more)")
    assert len(msg.splitlines()) == 1


def test_unterminated_quote(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", 'unit,form,intensity\nu1,1,1\nu2,"1,1\nu3,1,1\n')
    bad([p], f"{p}:3: unterminated quote")


def test_text_after_closing_quote(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", 'unit,form,intensity\nu1,1,1\nu2,"1"x,1\n')
    bad([p], f"{p}:3: text after a closing quote")


def test_unknown_code(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\nu1,1,1\nu2,9,1\nu3,9,1\nu4,zorn,1\n")
    msg = bad([p], f"{p}:3: column 'form': value '9' is not a code of item 'form' "
                   "(allowed: 1 (protest), 2 (grief), 3 (anger), 4 (shame), 5 (fear), 6 (joy)) "
                   "(also on line 4)",
              f"{p}:5: column 'form': value 'zorn' is not a code")
    assert "\n" in msg and len(msg.splitlines()) == 2


def test_long_allowed_list_is_truncated(tmp_path: Path) -> None:
    cats = tuple(Category(f"code{i}", "x" * 30) for i in range(40))
    cb = Codebook(id="big", items=(Item("c", categories=cats),))
    p = write(tmp_path, "anna.csv", "unit,c\nu1,nope\n")
    msg = bad([p], f"{p}:2: column 'c': value 'nope' is not a code of item 'c' (allowed: code0, code1",
              "more)", cb=cb)
    assert len(msg.split("allowed: ")[1]) < 110


def test_ambiguous_label(tmp_path: Path) -> None:
    cb = Codebook(id="amb", items=(Item("c", categories=(Category("a", "Same"), Category("b", "same"))),))
    p = write(tmp_path, "anna.csv", "unit,c\nu1,a\nu2,SAME\n")
    bad([p], f"{p}:3: column 'c': value 'SAME' matches several categories of item 'c' (a, b)", cb=cb)


@pytest.mark.parametrize(("value", "msg"), [
    ("12", "value '12' is outside the scale 0-10 of item 'intensity'"),
    ("-1", "value '-1' is outside the scale 0-10"),
    ("2.3", "value '2.3' is not on the scale of item 'intensity' (steps of 0.5 from 0 to 10)"),
    ("2,25", "value '2,25' is not on the scale"),
    ("high", "value 'high' is not a number (item 'intensity' has the scale 0-10)"),
    ("1e400", "value '1e400' is not a number"),
])
def test_bad_scale_values(tmp_path: Path, value: str, msg: str) -> None:
    p = write(tmp_path, "anna.csv", f'unit;form;intensity\nu1;1;1\nu2;1;"{value}"\n')
    bad([p], f"{p}:3: column 'intensity': {msg}")


def test_duplicate_unit_in_file(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\nu1,1,1\nu2,1,1\nu1,2,2\n")
    bad([p], f"{p}:4: unit 'u1' is rated twice by coder 'anna' (first on line 2)")


def test_duplicate_unit_in_long_file(tmp_path: Path) -> None:
    p = write(tmp_path, "all.csv", "unit,coder,form,intensity\nu1,a,1,1\nu1,b,1,1\nu1,a,2,2\n")
    bad([p], f"{p}:4: unit 'u1' is rated twice by coder 'a' (first on line 2)")


def test_coder_name_used_by_two_files(tmp_path: Path) -> None:
    a = write(tmp_path, "rater1/data.csv", ANNA)
    b = write(tmp_path, "rater2/data.csv", ANNA)
    bad([a, b], f"{b}:2: coder name 'data' is also used by {a}, and both files rate unit 'u1' ({a}:2) "
                "and 2 more units; give each coder a distinct name")
    c = write(tmp_path, "c.csv", "unit,coder,form,intensity\nu9,anna,1,1\nu3,anna,1,1\n")
    bad([write(tmp_path, "anna.csv", ANNA), c], f"{c}:3: coder name 'anna' is also used by")


def test_batches_of_one_coder_are_fine(tmp_path: Path) -> None:
    a = write(tmp_path, "b1.csv", "unit,coder,form,intensity\nu1,anna,1,1\nu1,ben,1,1\n")
    b = write(tmp_path, "b2.csv", "unit,coder,form,intensity\nu2,anna,1,1\nu2,ben,2,1\n")
    assert read_coder_files([a, b], CB).items["form"].values.tolist() == [[1, 1], [1, 2]]


def test_empty_unit_and_coder(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\nu1,1,1\n ,1,1\n,2,\n")
    bad([p], f"{p}:3: column 'unit': empty unit id (also on line 4)")
    q = write(tmp_path, "all.csv", "unit,coder,form,intensity\nu1,a,1,1\nu2,,1,1\n")
    bad([q], f"{q}:3: column 'coder': empty coder name")


def test_not_utf8(tmp_path: Path) -> None:
    text = "unit,form,intensity,note\nu1,1,1,ok\nu2,1,1,Übertragung\n"
    p = write(tmp_path, "anna.csv", text.encode("cp1252"))
    bad([p], f"{p}: is not valid UTF-8 (byte 0xdc on line 3)", "try --encoding cp1252")
    bad([p], f"{p}: cannot be decoded as 'utf-8' (byte 0xdc on line 3)", encoding="utf-8")
    bad([write(tmp_path, "x.csv", b"unit\x81,form\n")], "cannot be decoded as 'cp1252'", encoding="cp1252")


def test_unknown_encoding(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", ANNA)
    bad([p], f"{p}: unknown encoding 'klingon'", encoding="klingon")
    bad([p], "unknown encoding 'rot13'", encoding="rot13")


@pytest.mark.parametrize(("content", "msg"), [
    (b"unit,form\x00\x01\x02\nu1,1\n", "is a binary file (contains NUL bytes)"),
    (b"PK\x03\x04\x14\x00\x06\x00", "is a ZIP archive (an Excel .xlsx workbook?), not a CSV text file"),
    (b"$FL2@(#) IBM SPSS STATISTICS", "is an SPSS .sav file"),
])
def test_binary_files(tmp_path: Path, content: bytes, msg: str) -> None:
    p = write(tmp_path, "anna.csv", content)
    bad([p], f"{p}: {msg}")


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_BYTES", 10)
    p = write(tmp_path, "anna.csv", ANNA)
    bad([p], f"{p}: file is 44 bytes; irrkit reads files up to 10 bytes (split it")


def test_all_problems_of_all_files_are_collected(tmp_path: Path) -> None:
    a = write(tmp_path, "anna.csv", "unit,form,intensity\nu1,7,1\nu2,1,11\n")
    b = write(tmp_path, "ben.csv", "unit,form\nu1,1\n")
    c = write(tmp_path, "carl.csv", "")
    msg = bad([a, b, tmp_path / "dora.csv", c], f"{a}:2: column 'form'", f"{a}:3: column 'intensity'",
              f"{b}:1: missing item column 'intensity'", "dora.csv: file not found", f"{c}: file is empty")
    assert len(msg.splitlines()) == 5


def test_problem_list_is_capped(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", "unit,form,intensity\n" + "".join(f"u{i},x{i},1\n" for i in range(80)))
    msg = bad([p], f"{p}:2: column 'form': value 'x0'", "...: and 30 more problems")
    assert len(msg.splitlines()) == 51


def test_line_numbers_after_quoted_newlines(tmp_path: Path) -> None:
    p = write(tmp_path, "anna.csv", 'unit,note,form,intensity\nu1,"a\nb\nc",1,1\nu2,x,8,1\n')
    bad([p], f"{p}:5: column 'form': value '8'")


def test_compute_bad_input(tmp_path: Path) -> None:
    p = write(tmp_path, "w.csv", "unit,r1,r2\n1,a,b\n2,a,c\n1,a,a\n")
    before = p.read_bytes()
    with pytest.raises(InputError) as e:
        read_compute_input(p, categories=["a", "b"])
    msg = str(e.value)
    assert f"{p}:3: column 'r2': value 'c' is not one of the given categories (allowed: a, b)" in msg
    assert f"{p}:4: unit '1' appears twice (first on line 2)" in msg
    with pytest.raises(InputError, match=r"w.csv:2: column 'r1': value 'a' is not a number \(the data has "):
        read_compute_input(p, level="interval")
    with pytest.raises(InputError, match=r"w.csv:1: no value column 'value'"):
        read_compute_input(p, long=True, coder_col="r1")
    with pytest.raises(InputError, match="unknown level 'metric'"):
        read_compute_input(p, level="metric")
    assert p.read_bytes() == before


def test_counts_bad_input(tmp_path: Path) -> None:
    p = write(tmp_path, "c.csv", "unit,a,b\nx,1,-2\ny,1.5,0\n")
    with pytest.raises(InputError) as e:
        read_counts(p)
    assert f"{p}:2: column 'b': value '-2' is not a count" in str(e.value)
    assert f"{p}:3: column 'a': value '1.5' is not a count" in str(e.value)
    with pytest.raises(InputError, match="no category columns"):
        read_counts(write(tmp_path, "d.csv", "unit\nx\n"))


# ----------------------------------------------------------------------------------------------- fuzz

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path: Path, data: bytes) -> None:
    p = write(tmp_path, "fuzz.csv", data)
    try:
        read_coder_files([p], CB)
    except InputError as e:
        assert e.problems and str(e)
    assert p.read_bytes() == data


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list('unitformesy,;\t"\r\n 0123.-NA\ufeff')), max_size=300))
def test_fuzz_csvish_text(tmp_path: Path, text: str) -> None:
    p = write(tmp_path, "fuzz.csv", text)
    for read in (lambda: read_coder_files([p], CB), lambda: read_compute_input(p), lambda: read_counts(p),
                 lambda: read_compute_input(p, long=True, coder_col="form", value_col="intensity")):
        try:
            read()
        except InputError as e:
            assert e.problems


@FUZZ
@given(head=st.sampled_from(["unit,form,intensity", "unit;coder;form;intensity",
                             "coder\tunit\tform\tintensity", "unit,form,intensity,note"]),
       body=st.text(alphabet=st.sampled_from(list(',;\t"\n 0123456789.,-abNAu')), max_size=200))
def test_fuzz_with_header(tmp_path: Path, head: str, body: str) -> None:
    p = write(tmp_path, "fuzz.csv", head + "\n" + body)
    try:
        rs = read_coder_files([p], CB)
    except InputError as e:
        assert e.problems
    else:
        assert all(r.values.shape == (len(rs.units), len(rs.coders)) for r in rs.items.values())


def test_the_package_exports_the_readers_api() -> None:
    assert irrkit.read_coder_files is readers.read_coder_files is read_coder_files
    assert irrkit.RatingSet is readers.RatingSet


def test_place_formats_line_column_and_element() -> None:
    p = readers.Place("a.csv", 3, "form")
    assert str(p.problem("bad")) == "a.csv:3: column 'form': bad"
    assert str(p) == "a.csv:3: column 'form'"
    assert str(p.at(line=7).problem("x")) == "a.csv:7: column 'form': x"
    x = readers.Place("s.eaf", element="TIER 'child'")
    assert str(x.problem("no time slot")) == "s.eaf: element TIER 'child': no time slot"
    assert str(readers.Place("b.csv").problem("file is empty")) == "b.csv: file is empty"
