"""BORIS exports as Excel workbooks: read through readers/excel.py (openpyxl), the same episodes as the CSV
export, problems naming file, sheet and Excel row, and `irrkit video` on the demo with the BORIS export as .xlsx
giving the statistics of the CSV run (the written JSON read back)."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from workbook_helpers import workbook

from irrkit.cli.demo import demo_video
from irrkit.cli.main import app
from irrkit.codebooks import bundled
from irrkit.episodes.timecode import EpisodeSpec
from irrkit.errors import InputError
from irrkit.readers.episodes import detect, read_episode_files

openpyxl = pytest.importorskip("openpyxl")
SPECS = {"cry": EpisodeSpec("cry", ("protest", "despair"), lengths={})}
HEADER = ["Observation id", "Media file name", "Total length", "Subject", "Behavior", "Behavioral category",
          "Modifiers", "Behavior type", "Time", "Status"]
ROWS = [["obs-cleo", "v01.mp4", 20.0, "child", "protest", "cry", None, "STATE", 2.0, "START"],
        ["obs-cleo", "v01.mp4", 20.0, "child", "protest", "cry", None, "STATE", 6.5, "STOP"],
        ["obs-cleo", "v01.mp4", 20.0, "child", "despair", "cry", None, "STATE", 9, "START"],
        ["obs-cleo", "v01.mp4", 20.0, "child", "despair", "cry", None, "STATE", 12.25, "STOP"]]




def episodes_of(es):
    return sorted((es.videos[v], es.coders[c], int(s), int(e), es.spec.codes[k])
                  for v, c, s, e, k in zip(es.video, es.coder, es.start, es.end, es.code))


def test_tabular_workbook_with_metadata_rows(tmp_path):
    p = workbook(tmp_path / "boris.xlsx", {"events": [["Observation id", "obs-cleo"], [], ["FPS", 25],
                                                      HEADER, *ROWS]})
    assert detect(p) == "boris"
    sets, warnings = read_episode_files([p], SPECS)
    assert episodes_of(sets["cry"]) == [("v01", "obs-cleo", 2000, 6500, "protest"),
                                        ("v01", "obs-cleo", 9000, 12250, "despair")]
    assert sets["cry"].lengths_ms.tolist() == [20000] and warnings == []


def test_aggregated_workbook_sheets_are_coders(tmp_path):
    agg = ["Media file name", "Subject", "Behavior", "Behavioral category", "Start (s)", "Stop (s)"]
    p = workbook(tmp_path / "agg.xlsx", {"dana": [agg, ["v02.mp4", "child", "protest", "cry", 1.5, 4]],
                                         "eli": [agg, ["v02.mp4", "child", "despair", "cry", 2, 5]],
                                         "notes": [["just a note"]]})
    sets, warnings = read_episode_files([p], SPECS)
    # no observation id and no coder column: each sheet's name is its coder
    assert episodes_of(sets["cry"]) == [("v02", "dana", 1500, 4000, "protest"), ("v02", "eli", 2000, 5000,
                                                                                "despair")]
    assert any("sheet 'notes'" in w and "sheet ignored" in w for w in warnings)


@pytest.mark.parametrize("drop,row,what", [(1, 3, "'protest' STARTs but never STOPs"),
                                           (0, 3, "'protest' STOPs without a START")])
def test_problems_name_file_sheet_and_row(tmp_path, drop, row, what):
    rows = [r for i, r in enumerate(ROWS) if i != drop]
    p = workbook(tmp_path / "boris.xlsx", {"S1": [["metadata"], HEADER, *rows]})
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    assert f"{p} sheet 'S1':{row}: column 'Status': {what}" in str(e.value)


def test_bad_time_cell_and_no_header(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][8] = "soon"
    p = workbook(tmp_path / "boris.xlsx", {"S1": [HEADER, *rows]})
    with pytest.raises(InputError, match=r"boris.xlsx sheet 'S1':4: column 'Time': 'soon' is not a time"):
        read_episode_files([p], SPECS)
    q = workbook(tmp_path / "other.xlsx", {"S1": [["video", "coder", "start"], ["v", "a", 1]]})
    with pytest.raises(InputError, match="no BORIS header found in any sheet"):
        read_episode_files([q], SPECS)


def test_broken_workbook_is_exit_2_with_the_file(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    res = CliRunner().invoke(app, ["video", str(bad), "-c", str(bundled("crying-episodes"))])
    assert res.exit_code == 2 and "broken.xlsx" in res.stderr and "Traceback" not in res.stderr + res.stdout


def test_demo_with_the_boris_export_as_xlsx_gives_the_csv_numbers(tmp_path):
    files = demo_video()
    boris = next(p for p in files if str(p).endswith(".csv"))
    with open(boris, newline="") as fh:
        table = list(csv.reader(fh))
    numeric = {table[0].index(c) for c in ("Total length", "FPS", "Time")}
    xlsx = workbook(tmp_path / (boris.stem + ".xlsx"), {"Events": [table[0]] + [
        [float(v) if j in numeric and v else (v or None) for j, v in enumerate(r)] for r in table[1:]]})
    out = {}
    for name, inputs in (("csv", files), ("xlsx", [p for p in files if p != boris] + [xlsx])):
        res = CliRunner().invoke(app, ["video", *map(str, inputs), "-c", str(bundled("crying-episodes")),
                                       "--out", str(tmp_path / name), "--no-gate"])
        assert res.exit_code == 0, res.stderr
        out[name] = json.loads((tmp_path / name / "results.json").read_text())
    assert out["csv"]["items"] == out["xlsx"]["items"]


CELL = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
                 st.sampled_from(["START", "STOP", "POINT", "start", "", "protest", "despair", "cry", "x", "1:02",
                                  "00:00:01.5", "-3", "nan", "1e400"]),
                 st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 1), max_size=6))
def test_fuzz_workbook_cells(tmp_path, rows):
    """Any cells under a BORIS header: episodes or an InputError naming the workbook, never another exception."""
    p = workbook(tmp_path / "fuzz.xlsx", {"S": [HEADER, *rows]})
    try:
        read_episode_files([p], SPECS)
    except InputError as e:
        assert "fuzz.xlsx" in str(e)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=400), zipped=st.booleans())
def test_fuzz_workbook_bytes(tmp_path, blob, zipped):
    p = tmp_path / "bytes.xlsx"
    if zipped:  # a ZIP archive that is no workbook, or a broken one
        import zipfile

        with zipfile.ZipFile(p, "w") as z:
            z.writestr("xl/workbook.xml", blob)
    else:
        p.write_bytes(blob)
    with pytest.raises(InputError, match="bytes.xlsx"):
        read_episode_files([p], SPECS)


def test_a_boris_workbook_formatted_down_to_a_million_empty_rows(tmp_path) -> None:
    """A sheet whose XML holds a <row/> element for every one of its 1,048,576 rows (Excel writes them for a
    formatted column): the empty rows are dropped before openpyxl reads the sheet, the events are read with
    their Excel row numbers."""
    import zipfile

    from irrkit.readers import excel

    cells = [("Observation id", "Behavior", "Behavior type", "Time"), ("s1_cleo", "sad", "START", 1.5),
             ("s1_cleo", "sad", "STOP", 5), ("s1_cleo", "moved", "START", 7), ("s1_cleo", "moved", "STOP", 9)]
    rows = []
    for i, row in enumerate(cells, start=1):
        cs = "".join(f'<c r="{"ABCD"[j]}{i}"><v>{v}</v></c>' if isinstance(v, (int, float)) else
                     f'<c r="{"ABCD"[j]}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(row))
        rows.append(f'<row r="{i}">{cs}</row>')
    rows += [f'<row r="{i}" spans="1:16384" ht="15"/>' for i in range(6, 1_048_577)]
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Events" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        f'org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><dimension ref="A1:XFD1048576"/>'
        f'<sheetData>{"".join(rows)}</sheetData></worksheet>',
    }
    book = tmp_path / "cleo.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
    compact = zipfile.ZipFile(excel._without_empty_rows(book))
    assert compact.read("xl/worksheets/sheet1.xml").count(b"<row") == 5
    warnings: list[str] = []
    ((table, _),) = excel.read_xlsx(book, str(book), warnings)
    assert table.lines.tolist() == [2, 3, 4, 5] and list(table.header) == list(cells[0])
