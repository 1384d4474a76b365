"""Every table irrkit writes, read back as its users read it: CSV with the csv module and pandas, Markdown,
JSON, JUnit XML. Every numeric field must be a plain number (never ``np.float64(...)``), every file must have
the user's umask (or the mode of the file it replaced)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from irrkit.cli.demo import demo_files, demo_training
from irrkit.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
CB = ROOT / "codebooks"
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
NUMERIC = {"value", "se", "ci_low", "ci_high", "p_value", "pa", "pe", "n_units", "n_coders", "ratings",
           "z_fleiss_1971", "se_null", "minimum", "difference", "line"}
NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def run(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**NO_CI, **(env or {})})


def check_csv(text: str, numeric: set[str] = NUMERIC, sep: str = ",", decimal: str = ".") -> list[dict[str, str]]:
    """Parse with the csv module and pandas; every numeric field a plain number or empty."""
    body = text.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=sep))
    assert rows, "no rows"
    for r in rows:
        for k in numeric & set(r):
            v = r[k]
            assert v == "" or NUMBER.fullmatch(v.replace(decimal, ".")), f"{k}: {v!r} is not a plain number"
    assert "np." not in body and "float64" not in body
    df = pd.read_csv(io.StringIO(body), sep=sep, decimal=decimal, keep_default_na=False, na_values=[""])
    for k in numeric & set(df.columns):
        assert pd.api.types.is_numeric_dtype(df[k]), f"pandas reads column {k} as {df[k].dtype}"
    return rows


def check_json_numbers(obj: object, path: str = "") -> None:
    """JSON numbers are finite numbers; no number hides in a string."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            check_json_numbers(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            check_json_numbers(v, f"{path}[{k}]")
    elif isinstance(obj, float):
        assert math.isfinite(obj), path
    elif isinstance(obj, str):
        assert "np.float" not in obj and "np.int" not in obj, path


def check_markdown(text: str) -> None:
    assert "np.float" not in text and "nan" not in text.lower().split()
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), line
    cells = [c.strip() for line in text.splitlines() if line.startswith("| ") for c in line.split("|")]
    for c in cells:
        if re.fullmatch(r"-?\d*\.\d+.*", c):
            assert NUMBER.fullmatch(c), c


def check_junit(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        assert float(case.get("time", "x")) >= 0
        assert " " not in case.get("classname", " ")
    for suite in root.iter("testsuite"):
        float(suite.get("time", "x"))
    return root


def test_check_tables_read_back(tmp_path: Path) -> None:
    """Both demo codebooks (Krippendorff's alpha was written as np.float64(...) text)."""
    for name in ("crying-forms", "interventions"):
        out = tmp_path / name
        r = run("check", *demo_files(name), "-c", CB / f"{name}.yaml", "--out", out, "--junit", out / "j.xml",
                "--summary", out / "gate.md", "--min", "percent_agreement=0.1")
        assert r.exit_code == 0, r.output
        summary = check_csv((out / "summary.csv").read_text(encoding="utf-8"))
        alpha = [x for x in summary if x["statistic"] == "krippendorff_alpha"]
        assert alpha and all(NUMBER.fullmatch(x["value"]) for x in alpha)
        check_csv((out / "per_category.csv").read_text(encoding="utf-8"))
        check_csv((out / "disagreements.csv").read_text(encoding="utf-8"), set())
        doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
        check_json_numbers(doc)
        check_markdown((out / "summary.md").read_text(encoding="utf-8"))
        check_markdown((out / "gate.md").read_text(encoding="utf-8"))
        junit = check_junit(out / "j.xml")
        assert all(float(s.get("time")) > 0 for s in junit.iter("testsuite"))  # the run's wall time, not 0.000
        # the same numbers in summary.csv and results.json
        by_key = {(it["item"], k): c for it in doc["items"] for k, c in it["coefficients"].items()}
        for row in summary:
            c = by_key[(row["item"], row["statistic"])]
            if c["value"] is not None:  # the CSV: the JSON's full-precision value rounded to 15 digits
                assert float(row["value"]) == float(f"{c['value']:.15g}")


def test_stdout_formats_read_back(tmp_path: Path) -> None:
    r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "-f", "csv")
    assert r.exit_code == 0
    check_csv(r.stdout)
    wide = tmp_path / "wide.csv"
    wide.write_text("unit,r1,r2,r3\nu1,1,1,2\nu2,2,2,2\nu3,1,2,1\nu4,3,3,3\nu5,1,1,1\n", encoding="utf-8")
    for level in ("nominal", "ordinal", "interval"):
        r = run("compute", wide, "--level", level, "-f", "csv")
        assert r.exit_code == 0, r.output
        rows = check_csv(r.stdout)
        assert any(x["statistic"] == "krippendorff_alpha" and x["value"] for x in rows)
    r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "-f", "json")
    check_json_numbers(json.loads(r.stdout))
    r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "-f", "markdown")
    check_markdown(r.stdout)


def test_training_tables_read_back(tmp_path: Path) -> None:
    gold, trainees = demo_training()
    out = tmp_path / "h"
    r = run("train", *trainees, "--gold", gold, "-c", CB / "crying-forms.yaml", "--out", out, "--junit",
            tmp_path / "t.xml", "--summary", tmp_path / "t.md", "--history", tmp_path / "hist", "--round", "r1")
    assert r.exit_code == 1, r.output
    check_csv((out / "training_summary.csv").read_text(encoding="utf-8"))
    for p in out.glob("handout_*.csv"):
        check_csv(p.read_text(encoding="utf-8"), {"difference", "line"})
    for p in out.glob("handout_*.md"):
        check_markdown(p.read_text(encoding="utf-8"))
    check_json_numbers(json.loads((out / "training.json").read_text(encoding="utf-8")))
    check_json_numbers(json.loads(next((tmp_path / "hist").glob("round-*.json")).read_text(encoding="utf-8")))
    check_markdown((tmp_path / "t.md").read_text(encoding="utf-8"))
    root = check_junit(tmp_path / "t.xml")
    assert {c.get("classname") for c in root.iter("testcase")} >= {
        "irrkit.train.crying-forms.crying-forms_trainee_ben.form"}
    r = run("train", *trainees, "--gold", gold, "-c", CB / "crying-forms.yaml", "-f", "csv")
    check_csv(r.stdout)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_get_the_umask_and_keep_a_replaced_mode(tmp_path: Path) -> None:
    """Files were 0600 whatever the umask; --summary turned a 0644 file into 0600."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "o"
        summary = tmp_path / "gate.md"
        summary.write_text("old\n", encoding="utf-8")
        os.chmod(summary, 0o664)
        r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "--out", out, "--summary",
                summary, "--junit", tmp_path / "j.xml")
        assert r.exit_code == 0, r.output
        for p in out.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
        assert stat.S_IMODE((tmp_path / "j.xml").stat().st_mode) == 0o644
        assert stat.S_IMODE(summary.stat().st_mode) == 0o664  # replaced, mode kept
        assert summary.read_text(encoding="utf-8").startswith("## irrkit gate")  # replaced, not appended
        os.umask(0o002)
        (out / "summary.csv").unlink()
        run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "--out", out)
        assert stat.S_IMODE((out / "summary.csv").stat().st_mode) == 0o664  # a new file: the umask
        assert stat.S_IMODE((out / "summary.md").stat().st_mode) == 0o644  # replaced: its mode
    finally:
        os.umask(old)


def _german_round(tmp: Path) -> tuple[Path, list[Path]]:
    """A German lab's Excel exports: ';', UTF-8 BOM, CRLF, decimal commas, umlauts."""
    (tmp / "cb.yaml").write_text("id: de\nitems:\n  - id: form\n    level: nominal\n    categories: [{code: "
                                 "weinen, label: Weinen}, {code: lächeln, label: Lächeln}]\n  - id: dauer\n"
                                 "    level: interval\n    scale: {min: 0, max: 100}\n", encoding="utf-8")
    gold = [("s1", "weinen", "2,5"), ("s2", "lächeln", "10"), ("s3", "weinen", "7,25"), ("s4", "lächeln", "3")]
    other = [("s1", "weinen", "3,5"), ("s2", "weinen", "10"), ("s3", "weinen", "7,75"), ("s4", "lächeln", "3")]
    files = []
    for name, rows in (("Gold", gold), ("Bäcker", other), ("Bücker", gold)):
        text = "unit;form;dauer\r\n" + "".join(f"{u};{f};{d}\r\n" for u, f, d in rows)
        p = tmp / f"{name}.csv"
        p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        files.append(p)
    return tmp / "cb.yaml", files


def test_excel_dialect_follows_semicolon_inputs(tmp_path: Path) -> None:
    cb, (gold, *trainees) = _german_round(tmp_path)
    r = run("check", gold, *trainees, "-c", cb, "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    for name in ("summary.csv", "per_category.csv", "disagreements.csv"):
        raw = (tmp_path / "o" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name  # Excel reads umlauts right
        text = raw.decode("utf-8")
        assert text.splitlines()[0].count(";") >= 2 and ",item," not in text
        if name == "summary.csv":
            rows = check_csv(text, sep=";", decimal=",")
            assert any("," in x["value"] for x in rows)  # decimal commas
    r = run("train", *trainees, "--gold", gold, "-c", cb, "--out", tmp_path / "h", "--no-gate")
    assert r.exit_code == 0, r.output
    check_csv((tmp_path / "h" / "training_summary.csv").read_text(encoding="utf-8"), sep=";", decimal=",")
    handout = (tmp_path / "h" / "handout_Bäcker.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(handout), delimiter=";"))
    dauer = {x["unit"]: x for x in rows if x["item"] == "dauer"}
    assert (dauer["s1"]["trainee_code"], dauer["s1"]["gold_code"]) == ("3,5", "2,5")  # as typed
    assert dauer["s1"]["difference"] == "1"  # a whole number as an integer, not 1,0
    md = (tmp_path / "h" / "handout_Bäcker.md").read_text(encoding="utf-8")
    assert "| 7,75 |" in md and "| 7,25 |" in md
    assert (tmp_path / "h" / "handout_Bücker.md").exists()  # umlauts kept and distinct


def test_csv_dialect_option_overrides(tmp_path: Path) -> None:
    cb, files = _german_round(tmp_path)
    r = run("check", *files, "-c", cb, "--out", tmp_path / "o", "--csv-dialect", "standard")
    assert r.exit_code == 0, r.output
    text = (tmp_path / "o" / "summary.csv").read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    check_csv(text)
    r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "-f", "csv", "--csv-dialect",
            "excel-de")
    check_csv(r.stdout, sep=";", decimal=",")
    r = run("check", *demo_files("crying-forms"), "-c", CB / "crying-forms.yaml", "-f", "csv")
    check_csv(r.stdout)  # ','-separated inputs: standard by default
