"""Extreme and hostile input (issue 14, input side): zip bombs, huge cells, zero-padded codes, symlink loops,
terminals that cannot encode Unicode. Every case: exit 2 (or a clean result), a readable message, inputs untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

CB = """id: lab
unit_column: unit
items:
  - id: form
    level: nominal
    categories: [010, 020, 030]
"""


def invoke(argv: list[str], root: Path, monkeypatch: pytest.MonkeyPatch, **env: str | None) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "200", "GITHUB_ACTIONS": None, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr and "internal error" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def files(root: Path, texts: dict[str, str]) -> dict[str, bytes]:
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8")
    return snapshot(root)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_zero_padded_codes_are_kept_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files(tmp_path, {"cb.yaml": CB, "a.csv": "unit,form\nu1,010\nu2,020\nu3,030\n",
                     "b.csv": "unit,form\nu1,010\nu2,020\nu3,020\n"})
    code, out, err = invoke(["check", "a.csv", "b.csv", "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    item = json.loads(out)["items"][0]
    assert item["categories"] == ["010", "020", "030"]
    assert item["coefficients"]["percent_agreement"]["value"] == pytest.approx(2 / 3)
    code, out, _ = invoke(["codebook", "show", "cb.yaml"], tmp_path, monkeypatch)
    assert "010" in out and "│ 8 " not in out


@pytest.mark.parametrize("args", [
    ["check", "loop", "b.csv", "-c", "cb.yaml"],
    ["check", "a.csv", "b.csv", "-c", "cb.yaml", "--out", "loop"],
    ["check", "a.csv", "b.csv", "-c", "cb.yaml", "--junit", "loop"],
    ["check", "a.csv", "b.csv", "-c", "cb.yaml", "--summary", "loop/s.md"],
    ["train", "-g", "a.csv", "b.csv", "-c", "cb.yaml", "--history", "loop"],
    ["train", "-g", "a.csv", "b.csv", "-c", "cb.yaml", "--junit", "loop"],
    ["compute", "loop"],
])
def test_a_symlink_loop_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    before = files(tmp_path, {"cb.yaml": CB, "a.csv": "unit,form\nu1,010\nu2,020\nu3,030\n",
                              "b.csv": "unit,form\nu1,010\nu2,020\nu3,020\n"})
    (tmp_path / "loop").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop")
    code, out, err = invoke(args, tmp_path, monkeypatch)
    assert code == 2, err
    assert "symbolic link loop" in err and "loop" in err.split("symbolic link loop")[0]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_legacy_stream_encodings_never_crash(tmp_path: Path, encoding: str) -> None:
    import os
    import subprocess
    import sys

    demo = Path(__file__).parent.parent / "cli" / "demo"
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100"}
    argv = [sys.executable, "-m", "irrkit.cli.main", "train", "-g", str(demo / "crying-forms_gold.csv"),
            str(demo / "crying-forms_trainee_anna.csv"), "-c",
            str(Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml")]
    res = subprocess.run(argv, capture_output=True, env=env, cwd=tmp_path, timeout=120)
    out, err = res.stdout.decode(encoding), res.stderr.decode(encoding)
    assert res.returncode == 0, err
    assert "pass >= 0.60" in out and "≥" not in out and "Traceback" not in err


CB_NOTE = CB.replace("[010, 020, 030]", "[a, b]")


def workbook(path: Path, rows: list[list[object]], long: int = 0) -> Path:
    """A one-sheet workbook; the text LONG in it becomes ``long`` n's (openpyxl cuts cells to Excel's 32,767
    characters when it writes, other writers and hand-made files do not)."""
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "anna"
    for r in rows:
        ws.append(r)
    wb.save(path)
    if long:
        with zipfile.ZipFile(path) as src:
            parts = [(info, src.read(info)) for info in src.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info, data in parts:
                dst.writestr(info, data.replace(b"LONG", b"n" * long))
    return path


def test_xlsx_zip_bomb_is_refused_from_its_declared_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    files(tmp_path, {"cb.yaml": CB_NOTE})
    small = workbook(tmp_path / "small.xlsx", [["unit", "form"], ["u1", "a"]])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"a" * (40 * 2**20) + b"</t></si></sst>")
    assert bomb.stat().st_size < 2**20
    before = snapshot(tmp_path)
    code, out, err = invoke(["check", "bomb.xlsx", "small.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2 and out == ""
    line = next(ln for ln in err.splitlines() if "bomb.xlsx" in ln)
    assert "'xl/sharedStrings.xml' unpacks from" in line and "to 40 MB" in line and "zip bomb" in line
    assert len(err) < 1000 and snapshot(tmp_path) == before
    from irrkit.readers import excel

    monkeypatch.setattr(excel, "MAX_UNPACKED", 1000)
    code, _, err = invoke(["check", "small.xlsx", "small.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2 and "small.xlsx: workbook unpacks to" in err and "up to 1000 bytes unpacked" in err


def test_xlsx_cell_over_the_limit_names_sheet_row_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files(tmp_path, {"cb.yaml": CB_NOTE})
    workbook(tmp_path / "x.xlsx", [["unit", "form", "note"], ["u1", "a", "ok"], ["u2", "b", "LONG"]], 200_000)
    code, _, err = invoke(["check", "x.xlsx", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2
    assert ("x.xlsx sheet 'anna':3: column 'C': a cell holds 200,000 characters; irrkit reads cells up to 131,072 "
            "characters") in err and len(err) < 500


def test_one_cell_length_rule_for_small_and_big_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit.readers import delimited

    rows = [f"u{i},a,fine" for i in range(30)]
    rows[20] = "u20,a," + "n" * 200_000
    files(tmp_path, {"cb.yaml": CB_NOTE, "a.csv": "\n".join(["unit,form,note", *rows]) + "\n"})
    results = []
    for limit in (10**9, 10):  # the csv module path, then pandas' C tokenizer path
        monkeypatch.setattr(delimited, "BIG_LINES", limit)
        monkeypatch.setattr(delimited, "GRID_LINES", limit)
        results.append(invoke(["check", "a.csv", "-c", "cb.yaml", "--allow-single"], tmp_path, monkeypatch))
    assert results[0] == results[1]
    code, _, err = results[0]
    assert code == 2 and "a.csv:22: a cell is longer than 131,072 characters" in err
    monkeypatch.setattr(delimited, "BIG_LINES", 10)
    monkeypatch.setattr(delimited, "GRID_LINES", 10)
    rows[20] = "u20,a," + "n" * 100_000  # under the limit: accepted by both
    files(tmp_path, {"a.csv": "\n".join(["unit,form,note", *rows]) + "\n"})
    assert invoke(["check", "a.csv", "-c", "cb.yaml", "--allow-single"], tmp_path, monkeypatch)[0] == 0


def test_echoed_values_are_cut_to_a_readable_length(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = "x" * 100_000
    files(tmp_path, {"cb.yaml": CB_NOTE, "a.csv": f"unit,form\nu1,{big}\nu2,a\n{big},b\n{big},a\n"})
    code, _, err = invoke(["check", "a.csv", "-c", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2
    assert f"a.csv:2: column 'form': value '{'x' * 40}...' (100,000 characters) is not a code of item 'form' " \
           "(allowed: a, b)" in err
    assert f"unit '{'x' * 40}...' (100,000 characters) is rated twice" in err
    assert max(len(ln) for ln in err.splitlines()) < 300


def test_a_file_that_grows_while_it_is_read_is_read_whole_or_refused(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """read_bytes reads a file as the size it has (not a 200 MB buffer each time); a file that has grown since
    (its size told smaller than what is there) is still read to its end, and refused beyond the limit."""
    import os

    from irrkit.errors import InputError
    from irrkit.readers import files

    real = os.fstat

    def told_smaller(fd):  # the size when the reader asked, before the writer appended
        st = real(fd)
        return os.stat_result((*st[:6], max(st.st_size // 3, 1), *st[7:]))

    p = tmp_path / "growing.csv"
    data = b"unit,anna\n" + b"".join(b"u%d,1\n" % i for i in range(500))
    p.write_bytes(data)
    monkeypatch.setattr(files.os, "fstat", told_smaller)
    assert files.read_bytes(p, "growing.csv") == data
    monkeypatch.setattr(files, "MAX_BYTES", len(data) - 1)
    monkeypatch.setattr(files, "check_file", lambda path, name: False)  # it was small when checked
    with pytest.raises(InputError, match="growing.csv: file is larger than"):
        files.read_bytes(p, "growing.csv")
