"""First real use (issue 12, input and CLI side): letters of any script, silent gaps, terminal tables, help texts,
diagnostics on stderr once per cause."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

CB = """id: lab
unit_column: unit
items:
  - id: form
    level: nominal
    categories: [a, b, c]
  - id: intensität
    level: interval
    scale: {min: 0, max: 10}
"""


def invoke(argv: list[str], root: Path, monkeypatch: pytest.MonkeyPatch, columns: int = 200,
           **env: str | None) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, argv, env={"COLUMNS": str(columns), "GITHUB_ACTIONS": None, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def files(root: Path, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8")


def test_item_ids_with_umlauts_are_letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nfd = unicodedata.normalize("NFD", "intensität")  # as some editors (macOS) write it
    files(tmp_path, {"cb.yaml": CB, "anna.csv": "unit,form,intensität\nu1,a,3\nu2,b,4\nu3,c,5\n",
                     "ben.csv": f"unit,form,{nfd}\nu1,a,3\nu2,b,5\nu3,c,5\n"})
    code, out, err = invoke(["check", "anna.csv", "ben.csv", "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = json.loads(out)
    assert [it["item"] for it in doc["items"]] == ["form", "intensität"]
    code, out, _ = invoke(["codebook", "validate", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 0 and "2 rated items" in out


@pytest.mark.parametrize("bad", ["1st", "_x", "a b", "a.b", "≥x", "x≥"])
def test_item_ids_still_refuse_non_letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    files(tmp_path, {"cb.yaml": CB.replace("intensität", f'"{bad}"')})
    code, _, err = invoke(["codebook", "validate", "cb.yaml"], tmp_path, monkeypatch)
    assert code == 2 and "cb.yaml:7: " in err, err and "must start with a letter" in err


def test_schema_accepts_letters_of_any_script() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent.parent / "codebooks" / "schema.json").read_text(encoding="utf-8"))
    item = {"id": "intensität", "level": "interval", "scale": {"min": 0, "max": 10}}
    doc = {"id": "lab", "items": [item]}
    jsonschema.Draft202012Validator(schema).validate(doc)
    for bad in ("1st", "_x", "a b", "a.b"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(schema).validate({"id": "lab", "items": [{**item, "id": bad}]})


def three_coders(root: Path, note: bool = False) -> list[str]:
    """anna and ben rate u1..u6, cleo only u1..u3 (and leaves one intensity blank)."""
    head = "unit,form,intensität" + (",note" if note else "")
    extra = ",n" if note else ""
    rows = {"anna": [f"u{i},{'abc'[i % 3]},{i}{extra}" for i in range(1, 7)],
            "ben": [f"u{i},{'abc'[i % 3]},{i}{extra}" for i in range(1, 7)],
            "cleo": ["u1,b,1" + extra, "u2,c," + extra, "u3,a,3" + extra]}
    files(root, {"cb.yaml": CB, **{f"{k}.csv": "\n".join([head, *v]) + "\n" for k, v in rows.items()}})
    return ["anna.csv", "ben.csv", "cleo.csv"]


def test_a_coder_file_lacking_units_is_named_with_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = three_coders(tmp_path)
    code, out, err = invoke(["check", *names, "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0
    doc = json.loads(out)  # stdout stays pure JSON: the warning is on stderr
    counts = {c["coder"]: c for c in doc["coder_counts"]}
    assert counts["cleo"] == {"coder": "cleo", "files": ["cleo.csv"], "units": 3, "ratings": 5, "missing": 7,
                              "absent_units": ["u4", "u5", "u6"]}
    assert counts["anna"]["ratings"] == 12 and counts["anna"]["missing"] == 0 and counts["anna"]["units"] == 6
    line = next(ln for ln in err.splitlines() if "cleo" in ln)
    assert "warning" in line and "cleo.csv" in line and "3 of the 6 units" in line and "u4, u5, u6" in line
    code, out, err = invoke(["check", *names, "-c", "cb.yaml"], tmp_path, monkeypatch)
    table = out[out.index("Coders"):]
    assert [[x.strip() for x in ln.split("│")[1:-1]] for ln in table.splitlines() if "cleo" in ln] == [
        ["cleo", "3", "5", "7 (3 units absent)"]]


def test_warnings_go_to_stderr_once_per_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = three_coders(tmp_path, note=True)
    for fmt in ("table", "json", "csv", "markdown"):
        code, out, err = invoke(["check", *names, "-c", "cb.yaml", "-f", fmt], tmp_path, monkeypatch)
        assert code == 0
        lines = [ln for ln in err.splitlines() if "kept as context" in ln]
        assert lines == ["warning anna.csv, ben.csv, cleo.csv: unknown column 'note' kept as context (not an item "
                         "of codebook 'lab')"], err
        assert "warning" not in out.replace("warnings", "") or fmt == "markdown"


COMMANDS = (["check"], ["compute"], ["demo"], ["train"], ["retest"], ["codebook", "validate"], ["codebook", "show"],
            [])


@pytest.mark.parametrize("width", [80, 120])
def test_help_shows_no_bool_and_cuts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    for cmd in COMMANDS:
        code, out, _ = invoke([*cmd, "-h"], tmp_path, monkeypatch, columns=width)
        assert code == 0 and "Usage: irrkit" in out, cmd
        assert "<bool>" not in out and "…" not in out, (cmd, out)
        assert max(len(ln) for ln in out.splitlines()) <= width
        assert invoke([*cmd, "--help"], tmp_path, monkeypatch, columns=width)[1] == out
    out = invoke(["compute", "-h"], tmp_path, monkeypatch, columns=120)[1]
    text = " ".join(ln.strip("│ ") for ln in out.splitlines())
    assert "identity, linear, quadratic, ordinal, radical, ratio, circular or bipolar" in " ".join(text.split())


def test_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit import __version__

    for flag in ("--version", "-V"):
        assert invoke([flag], tmp_path, monkeypatch) == (0, f"irrkit {__version__}\n", "")


def test_confidence_as_percentage_says_what_to_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    three_coders(tmp_path)
    code, out, err = invoke(["check", "anna.csv", "ben.csv", "-c", "cb.yaml", "--confidence", "95"], tmp_path,
                            monkeypatch)
    assert code == 2 and out == "" and "write 0.95" in " ".join(err.replace("│", " ").split())
    code, _, err = invoke(["compute", "anna.csv", "--confidence", "0.3"], tmp_path, monkeypatch)
    assert code == 2 and "not between 0.5 and 0.999" in " ".join(err.replace("│", " ").split())
    assert invoke(["check", "anna.csv", "ben.csv", "-c", "cb.yaml", "--confidence", "0.9"], tmp_path,
                  monkeypatch)[0] == 0


def table_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln[:1] in "┏┃┡│├└"]


def test_terminal_tables_fit_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = Path(__file__).parent.parent / "cli" / "demo"
    for args in (["compute", str(demo / "interventions_coder_A.csv"), "--level", "ordinal"], ["demo"]):
        code, out, _ = invoke(args, tmp_path, monkeypatch, columns=80)
        assert code == 0
        assert max(len(ln) for ln in out.splitlines()) <= 80
        rows = table_lines(out)
        assert rows and all(ln[-1] in "┓┃┩│┤┘" for ln in rows), out  # every row ends in its right border
    cells = " ".join(out.replace("│", " ").split())  # nothing abbreviated with "…" or cut
    for word in ("interpretation", "Substantial", "Krippendorff's alpha", "exploring_emotions", "Almost perfect"):
        assert word in cells, word
    assert "…" not in out


def test_a_pipe_gets_the_full_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = invoke(["demo"], tmp_path, monkeypatch, COLUMNS=None)
    assert code == 0
    head = next(ln for ln in out.splitlines() if "statistic" in ln)
    assert [c.strip() for c in head.strip("┃").split("┃")] == ["item", "statistic", "value", "95% CI",
                                                              "interpretation"]
    assert any("│ Almost perfect" in ln for ln in out.splitlines())
    assert all(ln[-1] in "┓┃┩│┤┘" for ln in table_lines(out))


def test_all_shows_se_and_p(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = three_coders(tmp_path)
    code, out, _ = invoke(["check", *names, "-c", "cb.yaml", "--all"], tmp_path, monkeypatch)
    doc = json.loads(invoke(["check", *names, "-c", "cb.yaml", "-f", "json"], tmp_path, monkeypatch)[1])
    head = next(ln for ln in out.splitlines() if "statistic" in ln)
    cols = [c.strip() for c in head.strip("┃").split("┃")]
    assert cols[:6] == ["item", "statistic", "value", "SE", "p", "95% CI"]
    fleiss = doc["items"][0]["coefficients"]["fleiss_kappa"]
    row = next([c.strip() for c in ln.strip("│").split("│")] for ln in out.splitlines() if "Fleiss' kappa" in ln)
    assert row[2] == f"{fleiss['value']:.3f}" and row[3] == f"{fleiss['se']:.3f}"
    assert row[4] == ("< 0.001" if fleiss["p_value"] < 0.001 else f"{fleiss['p_value']:.3f}")
    assert "SE" not in [c.strip() for c in next(
        ln for ln in invoke(["check", *names, "-c", "cb.yaml"], tmp_path, monkeypatch)[1].splitlines()
        if "statistic" in ln).strip("┃").split("┃")]


def test_summary_md_and_terminal_use_one_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = invoke(["demo", "--out", "res"], tmp_path, monkeypatch)
    md = (tmp_path / "res" / "crying-forms" / "summary.md").read_text(encoding="utf-8")
    head = next(ln for ln in md.splitlines() if ln.startswith("| item |")).split("|")
    col = [h.strip() for h in head].index("statistic")
    rows = [ln.split("|")[col].strip().strip("*") for ln in md.splitlines() if ln.startswith("| intensity ")]
    assert "Percent agreement (quadratic weights)" in rows and "Percent agreement" not in rows
    assert "Fleiss' kappa (quadratic weights)" in rows and "Fleiss' kappa" not in rows
    assert "Percent agreement (quadratic weights)" in out
    csv_names = (tmp_path / "res" / "crying-forms" / "summary.csv").read_text(encoding="utf-8")
    assert "intensity,ordinal,quadratic,percent_agreement,Percent agreement (quadratic weights)" in csv_names


def test_retest_writes_out_and_summary_like_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    march = (Path(__file__).parent.parent / "cli" / "demo" / "crying-forms_trainee_anna.csv").read_text(
        encoding="utf-8").splitlines()
    may = list(march)
    assert may[3].startswith("S03,P02,sad,1,")
    may[3] = may[3].replace("S03,P02,sad,1,", "S03,P02,sad,2,")
    files(tmp_path, {"march.csv": "\n".join(march) + "\n", "may.csv": "\n".join(may) + "\n"})
    cb = str(Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml")
    code, out, err = invoke(["retest", "march.csv", "may.csv", "-c", cb, "--out", "res", "--summary", "s.md"],
                            tmp_path, monkeypatch)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [
        "handout_second.csv", "handout_second.md", "retest.json", "retest_summary.csv"]
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert summary.startswith("## irrkit test-retest") and "| ✅ | intensity | ICC(A,1) |" in summary
    doc = json.loads((tmp_path / "res" / "retest.json").read_text(encoding="utf-8"))
    assert doc["files"] == ["march.csv", "may.csv"]
    rows = list(csv.DictReader((tmp_path / "res" / "handout_second.csv").open(encoding="utf-8")))
    assert [(r["item"], r["unit"]) for r in rows] == [("intensity", "S03")]
    stats = {(r["item"], r["statistic"]): r for r in csv.DictReader(
        (tmp_path / "res" / "retest_summary.csv").open(encoding="utf-8"))}
    assert float(stats[("form", "percent_agreement")]["value"]) == 1.0
    assert "### Unit S03" in (tmp_path / "res" / "handout_second.md").read_text(encoding="utf-8")


def test_a_gate_for_all_items_applies_where_its_statistic_is_reported(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    names = three_coders(tmp_path)
    files(tmp_path, {"cb.yaml": CB + "    gate: {icc2: 0.0}\ngate:\n  fleiss_kappa: 0.99\n  krippendorff_alpha: -1\n"})
    code, out, err = invoke(["check", *names, "-c", "cb.yaml", "-f", "json", "--summary", "s.md", "--junit",
                             "j.xml"], tmp_path, monkeypatch)
    doc = json.loads(out)
    assert "fleiss_kappa" in doc["items"][1]["coefficients"]  # computed for the interval item, but not reported
    junit = (tmp_path / "j.xml").read_text(encoding="utf-8")
    import xml.etree.ElementTree as ET

    cases = sorted((c.get("classname"), c.get("name")) for c in ET.fromstring(junit).iter("testcase"))
    assert cases == [("irrkit.lab.form", "fleiss_kappa"), ("irrkit.lab.form", "krippendorff_alpha"),
                     ("irrkit.lab.intensität", "icc2"), ("irrkit.lab.intensität", "krippendorff_alpha")]
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    section = summary[summary.index("### Gates and the items they cover"):]
    assert "| all items: Fleiss' kappa | 0.99 | form | intensität |" in section
    assert "| all items: Krippendorff's alpha | -1.00 | form, intensität |  |" in section
    assert "| intensität: ICC(A,1) | 0.00 | intensität |  |" in section
    assert code == (1 if doc["items"][0]["coefficients"]["fleiss_kappa"]["value"] < 0.99 else 0)


def test_train_notes_go_to_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = Path(__file__).parent.parent / "cli" / "demo"
    anna = (demo / "crying-forms_trainee_anna.csv").read_text(encoding="utf-8").splitlines()
    files(tmp_path, {"anna.csv": "\n".join(anna[:-2]) + "\n"})  # the last two units missing
    cb = str(Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml")
    code, out, err = invoke(["train", "-g", str(demo / "crying-forms_gold.csv"), "anna.csv", "-c", cb], tmp_path,
                            monkeypatch)
    assert code in (0, 1)
    assert "note" not in out and "has no row for" not in out
    line = " ".join(err.split())
    assert "coder 'anna' (anna.csv) has no row for 2 of the 46 units the other coders rated: S45, S46" in line
