"""User text reaching a spreadsheet, a terminal, a CI log, Markdown or XML (irrkit.outputs.escaping and every
output that uses it): hostile coder/trainee names, unit ids and notes, read back from the written files."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.outputs import escaping as ts

NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
CB = """id: mini
items:
  - id: form
    level: nominal
    categories:
      - {code: a, label: Alpha, definition: "The <b>first</b> | kind"}
      - {code: b, label: "Beta\\e[31m"}
      - {code: c, label: Gamma}
"""
GOLD = [("u1", "a"), ("u2", "b"), ("u3", "c"), ("u4", "a"), ("u5", "b"), ("u6", "c")]
FORMULA = '=HYPERLINK("http://evil","x")'
FORGE = "t\n::error title=forged::pwned"
ESC = "e\x1b[2J\x1b]0;title\x07x"
HEADING = "x\n## passed <script>alert(1)</script>"
NOTE = "@SUM(1) <img src=x onerror=alert(1)>\x01 -cmd"


def run(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**NO_CI, **(env or {})})


def hostile_round(tmp: Path, names: list[str]) -> list[str]:
    (tmp / "cb.yaml").write_text(CB, encoding="utf-8")
    with open(tmp / "gold.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit", "form"])
        w.writerows(GOLD)
    with open(tmp / "long.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit", "coder", "form", "note"])
        for n in names:
            for k, (u, c) in enumerate(GOLD):
                w.writerow([u, n, "a" if k % 2 else c, NOTE])
    return ["train", str(tmp / "long.csv"), "--gold", str(tmp / "gold.csv"), "-c", str(tmp / "cb.yaml")]


# ----------------------------------------------------------------------------------------------- helpers


def test_csv_text_owasp() -> None:
    for s in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "-", "=cmd|' /C calc'!A0"):
        assert ts.csv_text(s) == "'" + s
    for s in ("-1", "+2,5", "-0.25", "1e-3", "abc", "", "a=b"):
        assert ts.csv_text(s) == s
    assert ts.csv_value(-0.5) == "-0.5" and ts.csv_value(-0.5, ",") == "-0,5"


def test_workflow_fields_are_escaped() -> None:
    line = ts.workflow_command("error", "50% done\nnext", title="a: b, c\r\n::x", file="f,1.csv")
    assert "\n" not in line and "\r" not in line
    assert line == "::error title=a%3A b%2C c%0D%0A%3A%3Ax,file=f%2C1.csv::50%25 done%0Anext"


@given(st.text())
def test_escapes_never_leak(s: str) -> None:
    t = ts.terminal(s)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in t)
    m = ts.md(s)
    assert "\n" not in m and "|" not in m.replace("\\|", "") and "<" not in m.replace("<br>", "")
    assert not m.lstrip().startswith("#")
    el = ET.fromstring(f"<a b={ts.xml_attr(s)}>{ts.xml_content(s)}</a>")  # always well-formed XML 1.0
    assert el.get("b") == ts.xml_text(s)  # and read back as written, line breaks and quotes included
    assert (el.text or "") == ts.xml_text(s).replace("\r\n", "\n").replace("\r", "\n")  # XML end-of-line rule
    w = ts.workflow_command("error", s, title=s)
    assert "\n" not in w and "\r" not in w and w.startswith("::error title=")
    head, message = w[2:].split("::", 1)  # the runner splits at the first '::' after the properties
    assert ":" not in head and "," not in head.removeprefix("error title=")  # data never closes or adds a property
    assert message == ts.workflow_data(s)  # a '::' inside the message is plain text there


def test_file_name_parts() -> None:
    assert ts.filename_part("Jonas Weiß") == "Jonas Weiß"
    assert ts.filename_part("Bäcker") != ts.filename_part("Bücker")
    assert ts.filename_part("../../etc/passwd") == "_._etc_passwd"
    assert "/" not in ts.filename_part("a/b\\c") and ".." not in ts.filename_part("a..b")
    assert ts.filename_part("a\x1bb\nc") == "a_b_c"
    assert ts.filename_part("..") == "unnamed" and ts.filename_part("CON") == "_CON"
    long_a, long_b = "x" * 299 + "a", "x" * 299 + "b"
    pa, pb = ts.filename_part(long_a), ts.filename_part(long_b)
    assert len(pa.encode()) <= ts.MAX_PART_BYTES and pa != pb
    assert len(ts.filename_part("ä" * 300).encode()) <= ts.MAX_PART_BYTES


# ----------------------------------------------------------------------------------------------- end to end


def test_hostile_names_in_every_output(tmp_path: Path) -> None:
    names = [FORMULA, FORGE, ESC, HEADING]
    argv = hostile_round(tmp_path, names)
    out = tmp_path / "out"
    r = run(*argv, "--out", out, "--junit", tmp_path / "j.xml", "--summary", tmp_path / "s.md",
            env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 1, r.output
    # the CI log: irrkit's own four annotations only, no raw line break from data, no escape sequence
    lines = (r.stdout + r.stderr).splitlines()
    assert [x for x in lines if x.startswith("::")] == [x for x in lines if x.startswith("::error title=irrkit")]
    assert len([x for x in lines if x.startswith("::")]) == 4
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
    # spreadsheets: every text cell that starts a formula is neutralised, in every CSV
    csvs = sorted(out.glob("*.csv"))
    assert len(csvs) == 5
    for p in csvs:
        for row in csv.reader(io.StringIO(p.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(ts.FORMULA_START) or ts.is_number_text(cell), (p.name, cell)
    summary = list(csv.DictReader(open(out / "training_summary.csv", encoding="utf-8", newline="")))
    assert {r["trainee"] for r in summary} >= {"'" + FORMULA}
    handout = next(p for p in csvs if p.name.startswith("handout_=HYPERLINK"))
    assert "'" + NOTE in handout.read_text(encoding="utf-8")
    # Markdown: no forged heading or raw HTML in handouts and the step summary
    for p in [*out.glob("*.md"), tmp_path / "s.md"]:
        text = p.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text and "\x1b" not in text, p.name
        assert not any(line.startswith("## passed") for line in text.splitlines()), p.name
        for line in text.splitlines():
            if line.startswith("|"):
                assert line.endswith("|")
    # JUnit parses (a control character made it unparseable)
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert len(list(root.iter("testcase"))) == 4
    assert json.loads((out / "training.json").read_text(encoding="utf-8"))["trainees"].keys() == set(names)


def test_stdout_formats_carry_no_raw_control_characters(tmp_path: Path) -> None:
    argv = hostile_round(tmp_path, [FORGE, ESC])
    for fmt in ("table", "csv", "markdown", "json"):
        r = run(*argv, "-f", fmt, env={"GITHUB_ACTIONS": "true"})
        assert r.exit_code == 1, r.output
        both = r.stdout + r.stderr
        assert "\x1b" not in both and "\x07" not in both, fmt
        assert not [x for x in both.splitlines() if x.startswith("::") and not x.startswith("::error title=irrkit")]
    r = run(*argv, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {x["trainee"] for x in rows} == {ts.terminal(FORGE), ts.terminal(ESC)}


def test_codebook_labels_and_file_names_reach_no_terminal(tmp_path: Path) -> None:
    argv = hostile_round(tmp_path, ["anna"])
    r = run("codebook", "show", tmp_path / "cb.yaml")
    assert r.exit_code == 0 and "\x1b" not in r.stdout and "\\x1b[31m" in r.stdout
    bad = tmp_path / "bad\x1b[2J.csv"
    bad.write_text("unit,form\nu1,zz\n", encoding="utf-8")
    r = run("train", bad, *argv[2:])
    assert r.exit_code == 2 and "\x1b" not in r.stdout + r.stderr and "bad\\x1b[2J.csv" in r.stderr


@pytest.mark.parametrize("names", [["Jonas Weiß", "Bäcker", "Bücker"], ["x" * 299 + "a", "x" * 299 + "b"],
                                   ["../../escape", "a/b", "Anna", "anna"]])
def test_handout_file_names(tmp_path: Path, names: list[str]) -> None:
    argv = hostile_round(tmp_path, names)
    out = tmp_path / "out"
    r = run(*argv, "--out", out)
    assert r.exit_code in (0, 1), r.output
    md = sorted(p for p in out.glob("handout_*.md"))
    assert len(md) == len(names) and all(p.parent == out for p in md)
    heads = {p.read_text(encoding="utf-8").splitlines()[0].removeprefix("# Training handout: ") for p in md}
    assert heads == {ts.md_line(n) for n in names}
    if "Bäcker" in names:
        assert {p.name for p in md} == {"handout_Jonas Weiß.md", "handout_Bäcker.md", "handout_Bücker.md"}
    assert len({p.name.casefold() for p in md}) == len(names)  # unique on case-insensitive file systems too
    assert not (tmp_path / "escape.md").exists() and not (tmp_path.parent / "handout_escape.md").exists()
