"""The first hour (issue 23): what a new user trips over at the terminal. Help at 80 columns, one message per
cause, every problem at once, the CSV numbers as a spreadsheet shows them, tables that keep names whole."""

from __future__ import annotations

import csv
import io
import json
import re
from enum import Enum
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.episodes.timecode import EpisodeSpec
from irrkit.errors import InputError
from irrkit.outputs.escaping import csv_number, csv_value
from irrkit.readers.episodes import read_episode_files

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "cli" / "demo"
COMMANDS = [["check"], ["compute"], ["train"], ["retest"], ["video"], ["plan"], ["report"], ["demo"],
            ["codebook", "show"], ["codebook", "validate"], []]


def invoke(argv: list[str], root: Path | None = None, monkeypatch: pytest.MonkeyPatch | None = None,
           columns: int = 80) -> tuple[int, str, str]:
    if root is not None and monkeypatch is not None:
        monkeypatch.chdir(root)
    r = CliRunner().invoke(app, [str(a) for a in argv], env={"COLUMNS": str(columns), "GITHUB_ACTIONS": None})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


def write(root: Path, texts: dict[str, str], encoding: str = "utf-8") -> None:
    for name, text in texts.items():
        (root / name).write_text(text, encoding=encoding)


def german_rows(flip: bool) -> str:
    """A German lab's coder file as Excel writes it: ';', BOM, a unit column named 'Sequenz'."""
    forms = ["protest", "sad", "helpless", "relief", "moved", "suppressed"]
    lines = ["Sequenz;form;intensity"]
    for i in range(20):
        form = forms[(i * 7 + (3 if flip and i % 4 == 0 else 0)) % 6]
        lines.append(f"S{i + 1:02d};{form};{(i + (1 if flip and i % 5 == 0 else 0)) % 4}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------- help


def help_text(argv: list[str]) -> str:
    code, out, _ = invoke([*argv, "--help"])
    assert code == 0
    return out


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a) or "irrkit" for a in COMMANDS])
def test_help_at_80_columns_has_no_python_types_and_whole_choices(argv: list[str]) -> None:
    text = help_text(argv)
    assert max(len(line) for line in text.splitlines()) <= 80
    for leak in ("<list[", "<int", "<float", "<path", "<str", "range]", "[x>=", "{files}", "{file}", "{"):
        assert leak not in text, leak
    from typer.main import get_command

    from irrkit.cli.main import app as typer_app

    cmd = get_command(typer_app)
    for name in argv:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    flat = " ".join(text.replace("│", " ").split())
    for p in getattr(cmd, "params", []):
        ann = getattr(getattr(p, "type_descriptor", None), "annotation", None)
        if isinstance(ann, type) and issubclass(ann, Enum):  # every choice whole in the help, never c / sv
            for choice in ann:
                assert re.search(rf"(?<![\w-]){re.escape(choice.value)}(?![\w-])", flat), (p.name, choice.value)


def test_usage_lines_name_arguments_in_capitals() -> None:
    assert "Usage: irrkit check [OPTIONS] FILES..." in help_text(["check"])
    assert "Usage: irrkit compute [OPTIONS] FILE" in help_text(["compute"])
    assert "Usage: irrkit retest [OPTIONS] FIRST SECOND" in help_text(["retest"])


def test_check_help_is_short_and_lists_every_exit_code() -> None:
    text = help_text(["check"])
    assert len(text.splitlines()) <= 85  # was 133 lines at 80 columns
    for argv in (["check"], ["train"], ["retest"], ["video"], ["plan"], ["demo"]):
        flat = " ".join(help_text(argv).split())
        assert "3 internal error" in flat, argv


def test_plan_demo_and_train_help_say_what_they_do() -> None:
    plan = " ".join(help_text(["plan"]).replace("│", " ").split())
    assert "Example" in plan and "irrkit plan -s gwet_ac1" in plan
    assert "seed of the simulation" in plan and "bootstrap" not in plan
    demo = " ".join(help_text(["demo"]).replace("│", " ").split())
    assert "Checks 46 crying sequences (3 coders" in demo and "video agreement" in demo
    # the help names what the demo runs, and only that: its stories (cli/demo.py STORIES)
    from irrkit.cli.demo import STORIES

    said = {"demo_compare": "second training round compared with the first", "demo_sets": "set-valued item",
            "demo_model": "model's three runs", "demo_continuous": "duration item",
            "demo_checklist": "reporting checklist"}
    assert set(STORIES) == set(said) and all(said[s] in demo for s in STORIES)
    assert "--bootstrap" not in help_text(["train"])


def test_the_plan_example_runs() -> None:
    code, out, err = invoke(["plan", "-s", "gwet_ac1", "--expected", "0.8", "--categories", "4", "--half-width", "0.1",
                             "-k", "3", "-f", "json"])
    assert code == 0, err
    assert json.loads(out)["plans"][0]["n_units"] > 0


# ----------------------------------------------------------------------------------------------- --unit-col


def test_check_and_train_name_the_unit_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Müller.csv").write_text(german_rows(False), encoding="utf-8-sig")
    (tmp_path / "Bäcker.csv").write_text(german_rows(True), encoding="utf-8-sig")
    code, _, err = invoke(["check", "Müller.csv", "Bäcker.csv", "-c", "crying-forms"], tmp_path, monkeypatch)
    assert code == 2
    assert "no unit column 'unit'" in err and "--unit-col" in err and "did you mean 'intensity'" not in err
    code, out, err = invoke(["check", "Müller.csv", "Bäcker.csv", "-c", "crying-forms", "--unit-col", "Sequenz",
                             "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["coders"] == ["Müller", "Bäcker"] and doc["items"][0]["n_units"] == 20
    code, out, err = invoke(["train", "Bäcker.csv", "--gold", "Müller.csv", "-c", "crying-forms", "--unit-col",
                             "Sequenz", "--no-gate", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    code, _, err = invoke(["check", "Müller.csv", "Bäcker.csv", "-c", "crying-forms", "--unit-col", "form"],
                          tmp_path, monkeypatch)
    assert code == 2 and "'form' is an item" in err


def test_a_missing_unit_column_is_not_answered_with_an_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.csv": "unti,form,intensity\nS1,sad,1\n", "b.csv": "unti,form,intensity\nS1,sad,1\n"})
    _, _, err = invoke(["check", "a.csv", "b.csv", "-c", "crying-forms"], tmp_path, monkeypatch, columns=300)
    assert "did you mean 'unti'?" in err
    write(tmp_path, {"a.csv": "x,form,intensity\nS1,sad,1\n", "b.csv": "x,form,intensity\nS1,sad,1\n"})
    _, _, err = invoke(["check", "a.csv", "b.csv", "-c", "crying-forms"], tmp_path, monkeypatch, columns=300)
    assert "did you mean" not in err


# ----------------------------------------------------------------------------------------------- messages


def demo_copies(tmp_path: Path) -> list[str]:
    names = []
    for f in sorted(DEMO.glob("crying-forms_coder_*.csv")):
        (tmp_path / f.name).write_bytes(f.read_bytes())
        names.append(f.name)
    return names


def test_one_extra_unit_is_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    with open(tmp_path / names[0], "a", encoding="utf-8") as f:
        f.write("S99,sad,2\n")
    _, _, err = invoke(["check", *names, "-c", "crying-forms"], tmp_path, monkeypatch, columns=400)
    lines = [x for x in err.splitlines() if "S99" in x]
    assert len(lines) == 1, err
    assert "coders 'crying-forms_coder_B' (crying-forms_coder_B.csv), 'crying-forms_coder_C'" in lines[0]
    assert "no row for 1 of the 47 units" in lines[0] and "its ratings count as missing" in lines[0]


def test_plurals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    code, out, err = invoke(["check", names[0], "-c", "crying-forms", "--allow-single"], tmp_path, monkeypatch,
                            columns=200)
    assert code == 0, err
    assert "1 coder," in out and "1 coders" not in out and "46 units" in out
    from irrkit.outputs.escaping import counted

    assert (counted(1, "pair"), counted(2, "pair"), counted(1, "video"), counted(0, "unit")) == (
        "1 pair", "2 pairs", "1 video", "0 units")


def test_a_single_coder_file_exits_2_unless_intended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    code, out, err = invoke(["check", names[0], "-c", "crying-forms"], tmp_path, monkeypatch, columns=300)
    assert code == 2 and out == ""
    assert "only one coder (crying-forms_coder_A)" in err and "--allow-single" in err
    assert invoke(["check", names[0], "-c", "crying-forms", "--allow-single"], tmp_path, monkeypatch)[0] == 0


def test_identical_ratings_get_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    (tmp_path / "copy.csv").write_bytes((tmp_path / names[0]).read_bytes())
    code, out, err = invoke(["check", names[0], "copy.csv", names[1], "-c", "crying-forms", "-f", "json"],
                            tmp_path, monkeypatch, columns=300)
    assert code == 0
    note = "coders 'crying-forms_coder_A', 'copy' gave identical ratings on every unit and item: the same file twice?"
    assert note in err and note in json.loads(out)["warnings"]
    _, _, err = invoke(["check", *names, "-c", "crying-forms"], tmp_path, monkeypatch, columns=300)
    assert "identical" not in err


@pytest.mark.parametrize("typo,near", [("sadd", "sad"), ("helples", "helpless")])
def test_check_suggests_a_misspelled_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typo: str,
                                          near: str) -> None:
    write(tmp_path, {"a.csv": f"unit,form,intensity\nS1,{typo},1\nS2,sad,2\n",
                     "b.csv": "unit,form,intensity\nS1,sad,1\nS2,sad,2\n"})
    code, _, err = invoke(["check", "a.csv", "b.csv", "-c", "crying-forms"], tmp_path, monkeypatch, columns=400)
    assert code == 2
    assert f"a.csv:2: form: value '{typo}' is not a code of item 'form'" in err or f"'{typo}'" in err
    assert f"did you mean '{near}'?" in err


def test_one_case_rule_for_check_and_video(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.csv": "unit,form,intensity\nS1,Sad,1\nS2,PROTEST,2\nS3,moved,0\n",
                     "b.csv": "unit,form,intensity\nS1,sad,1\nS2,protest,2\nS3,moved,0\n"})
    code, out, err = invoke(["check", "a.csv", "b.csv", "-c", "crying-forms", "-f", "json"], tmp_path, monkeypatch)
    assert code == 0, err
    assert json.loads(out)["items"][0]["coefficients"]["percent_agreement"]["value"] == 1.0
    head = "video,coder,start,end,code\n"
    write(tmp_path, {"e.csv": head + "v1,anna,0:02,0:06,Sad\nv1,ben,0:02,0:06,sad\nv1,anna,0:10,0:14,Moved\n"
                              "v1,ben,0:10,0:14,moved\n",
                     "f.csv": head + "v1,anna,0:02,0:06,sad\nv1,ben,0:02,0:06,sad\nv1,anna,0:10,0:14,moved\n"
                              "v1,ben,0:10,0:14,moved\n"})
    runs = []
    for f in ("e.csv", "f.csv"):
        code, out, err = invoke(["video", f, "-c", "crying-episodes", "--item", "crying", "-f", "json", "--no-gate"],
                                tmp_path, monkeypatch)
        assert code == 0, err
        runs.append(json.loads(out)["items"])
    assert runs[0] == runs[1]  # 'Sad' is the code 'sad' in both commands
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Codes match ignoring case" in readme


def test_a_long_file_without_long_hints_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = ["unit,coder,value"] + [f"S{u:02d},{c},{(u + k) % 3}" for u in range(1, 26) for k, c in enumerate("AB")]
    write(tmp_path, {"l.csv": "\n".join(rows) + "\n"})
    code, out, err = invoke(["compute", "l.csv"], tmp_path, monkeypatch, columns=400)
    assert code == 2 and out == ""
    errors = [x for x in err.splitlines() if x.startswith("error")]
    assert errors == ["error l.csv:3: unit 'S01' appears twice (first on line 2); 24 more rows repeat a unit: a long "
                      "file (one row per unit, coder and value) needs --long"]
    assert invoke(["compute", "l.csv", "--long"], tmp_path, monkeypatch)[0] == 0


SPECS = {"cry": EpisodeSpec("cry", ("protest", "despair"), lengths={})}


def test_episode_csv_reports_every_problem_at_once(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("video,coder,start,end,code\n"
                 "v1,anna,0:0x,0:05,protest\n"  # line 2: not a time
                 "v1,anna,0:20,0:10,despair\n"  # line 3: ends before it starts
                 "v1,ben,0:01,0:08,protest\n"  # line 4
                 "v1,ben,0:05,0:09,despair\n"  # line 5: overlaps line 4
                 "v1,ben,0:30,0:35,rage\n", encoding="utf-8")  # line 6: unknown code
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    text = str(e.value)
    assert f"{p}:2: column 'start': '0:0x' is not a time" in text
    assert f"{p}:3: item 'cry': episode ends at" in text
    assert f"{p}:5: item 'cry': coder 'ben' has overlapping episodes" in text
    assert f"{p}:6: unknown code 'rage'" in text


EAF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">
  <HEADER TIME_UNITS="milliseconds"/>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="2000"/>
    <TIME_SLOT TIME_SLOT_ID="ts2"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="9000"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="12000"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default" TIER_ID="cry@anna">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>protest</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>rage</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
</ANNOTATION_DOCUMENT>
"""


def test_elan_unaligned_slot_does_not_hide_an_unknown_code(tmp_path: Path) -> None:
    p = tmp_path / "s.eaf"
    p.write_text(EAF, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    text = str(e.value)
    assert "annotation 'a1' of tier 'cry@anna' uses time slot 'ts2' that has no TIME_VALUE (unaligned)" in text
    assert f"{p}:13: element ALIGNABLE_ANNOTATION: unknown code 'rage'" in text


def test_codebook_validate_and_markdown_handout() -> None:
    code, out, _ = invoke(["codebook", "validate", "crying-episodes"])
    assert code == 0 and "2 time-coded items (6 and 4 codes), 2 gates" in out and "0 items" not in out
    code, out, _ = invoke(["codebook", "validate", "crying-forms"])
    assert "2 rated items (2 categorical), 0 gates" in out
    code, out, _ = invoke(["codebook", "show", "crying-episodes", "--format", "markdown"])
    assert code == 0 and out.startswith("# Crying episodes")
    table = [line for line in out.splitlines() if line.startswith("| ")]
    codes = [line.split("|")[1].strip() for line in table if not line.startswith("| Code")]
    assert codes == ["protest", "sad", "helpless", "relief", "moved", "suppressed", "exploring_emotions",
                     "contextualizing", "support", "pause"]
    code, out, _ = invoke(["codebook", "show", "crying-forms", "-f", "markdown"])
    assert "| suppressed | Suppressed (inhibited) crying | Tears well up but the crying is held back" in out
    assert "Rate on the scale 0 to 3" not in out and "## intensity" in out


def test_the_episodes_codebook_has_the_six_crying_forms() -> None:
    from irrkit.codebooks import bundled
    from irrkit.codebooks.codebook import load_codebook
    forms = load_codebook(bundled("crying-forms")).item("form").codes
    episodes = {ep.id: ep for ep in load_codebook(bundled("crying-episodes")).episodes}
    assert episodes["crying"].codes == forms == ("protest", "sad", "helpless", "relief", "moved", "suppressed")


def test_the_weights_range_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    _, out, _ = invoke(["check", *names, "-c", "crying-forms", "-f", "json"], tmp_path, monkeypatch)
    notes = {it["item"]: it.get("notes", []) for it in json.loads(out)["items"]}
    assert "quadratic weights over the codebook's scale (0 to 3, 4 values)" in notes["intensity"]
    assert not any("weights over" in n for n in notes["form"])  # identity weights: no range to state
    write(tmp_path, {"w.csv": "unit,a,b\nu1,1,2\nu2,2,2\nu3,3,3\nu4,1,1\n"})
    _, out, _ = invoke(["compute", "w.csv", "--level", "interval", "-f", "json"], tmp_path, monkeypatch)
    assert ("quadratic weights over the observed values (1 to 3, 3 values); --categories 1,2,... gives the full "
            "scale") in json.loads(out)["items"][0]["notes"]
    _, out, _ = invoke(["compute", "w.csv", "--level", "interval", "--categories", "0,1,2,3,4", "-f", "json"],
                       tmp_path, monkeypatch)
    assert "quadratic weights over the --categories given (0 to 4, 5 values)" in json.loads(out)["items"][0]["notes"]


def test_report_names_the_option_that_points_at_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    _, out, _ = invoke(["check", *names, "-c", "crying-forms", "-f", "json"], tmp_path, monkeypatch)
    (tmp_path / "r.json").write_text(out, encoding="utf-8")
    before = (tmp_path / "r.json").read_bytes()
    code, _, err = invoke(["report", "r.json", "--methods", "r.json"], tmp_path, monkeypatch, columns=300)
    assert code == 2 and "choose another --methods" in err and "--out" not in err
    assert (tmp_path / "r.json").read_bytes() == before


def test_the_demo_does_not_warn_about_its_own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = invoke(["demo"], tmp_path, monkeypatch)
    assert code == 0 and "warning" not in err


# ----------------------------------------------------------------------------------------------- CSV numbers


@pytest.mark.parametrize("value,text", [
    (0.6499999999999999, "0.65"), (0.9999999999999999, "1"), (0.20000000000000004, "0.2"), (39.0, "39"),
    (-1.0, "-1"), (0.1 + 0.2, "0.3"), (1 / 3, "0.333333333333333"), (2.28571901449359e-08, "2.28571901449359e-08"),
    (1e20, "1e+20"), (123456.0, "123456"), (-0.5, "-0.5"), (float("nan"), ""), (float("inf"), "")])
def test_csv_number_is_the_shortest_text_at_15_digits(value: float, text: str) -> None:
    assert csv_number(value) == text
    if text:
        assert float(text) == float(f"{value:.15g}")  # reads back as the value at 15 significant digits


def test_csv_booleans_and_decimal_comma() -> None:
    assert (csv_value(True), csv_value(False), csv_value(0.65, ","), csv_value(-1.0, ",")) == ("true", "false",
                                                                                               "0,65", "-1")


def number_cells(text: str, sep: str = ",") -> list[str]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep))
    return [c for r in rows[1:] for c in r if re.fullmatch(r"-?[\d.,]+(e[+-]\d+)?", c)]


def test_check_csvs_read_back_without_noise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    code, _, err = invoke(["check", *names, "-c", "crying-forms", "--out", "res"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = json.loads((tmp_path / "res" / "results.json").read_text(encoding="utf-8"))
    summary = (tmp_path / "res" / "summary.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(summary)))
    assert {r["primary"] for r in rows} == {"true", "false"}
    icc = next(r for r in rows if r["statistic"] == "icc2" and r["item"] == "intensity")
    assert re.fullmatch(r"\d+", icc["df1"]) and icc["df1"] == "45"  # 46 units - 1, not 45.0
    for name in ("summary.csv", "per_category.csv", "coders.csv", "coder_pairs.csv"):
        for cell in number_cells((tmp_path / "res" / name).read_text(encoding="utf-8")):
            assert not cell.endswith(".0"), (name, cell)
            digits = re.sub(r"[^\d]", "", cell.split("e")[0]).lstrip("0")
            assert len(digits) <= 15, (name, cell)
    by_key = {(it["item"], k): c for it in doc["items"] for k, c in it["coefficients"].items()}
    for r in rows:  # JSON keeps full precision; the CSV is that value at 15 significant digits
        v = by_key[(r["item"], r["statistic"])]["value"]
        if v is not None:
            assert float(r["value"]) == float(f"{v:.15g}")


def test_video_csv_seconds_read_back_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit.cli.demo import demo_video

    code, _, err = invoke(["video", *demo_video(), "-c", "crying-episodes", "--out", "v", "--no-gate"], tmp_path,
                          monkeypatch)
    assert code == 0, err
    for name in ("summary.csv", "pairs.csv", "onsets.csv", "sweep.csv", "disagreements.csv"):
        text = (tmp_path / "v" / name).read_text(encoding="utf-8")
        assert "000000000" not in text and "99999999" not in text, name
        for cell in number_cells(text):
            assert not cell.endswith(".0"), (name, cell)


# ----------------------------------------------------------------------------------------------- terminal


def test_names_stay_whole_and_reasons_are_said_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = demo_copies(tmp_path)
    _, out, _ = invoke(["check", *names, "-c", "crying-forms"], tmp_path, monkeypatch)
    assert max(len(x) for x in out.splitlines()) <= 80
    loo = out[out.index("who lowers agreement most"):]
    assert "crying-forms_coder_B" in loo and "crying-forms_coder_C" in loo  # not crying-forms_c / oder_B
    _, out, _ = invoke(["check", *names[:2], "-c", "crying-forms"], tmp_path, monkeypatch)
    assert out.count("fewer than three coders") == 1


def test_the_wrote_line_is_one_line_in_every_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit.cli.demo import demo_video

    names = demo_copies(tmp_path)
    _, _, err = invoke(["check", *names, "-c", "crying-forms", "--out", "res"], tmp_path, monkeypatch, columns=40)
    assert ("wrote summary.csv, summary.md, per_category.csv, disagreements.csv, coders.csv, coder_pairs.csv, "
            "results.json to res") in err.splitlines()
    _, _, err = invoke(["video", *demo_video(), "-c", "crying-episodes", "--out", "v", "--no-gate"], tmp_path,
                       monkeypatch, columns=40)
    assert ("wrote summary.csv, summary.md, pairs.csv, onsets.csv, sweep.csv, disagreements.csv, results.json "
            "to v") in err.splitlines()


def test_the_bootstrap_bar_says_what_it_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from irrkit.analysis.item import Options
    from irrkit.cli import options

    buf = io.StringIO()
    monkeypatch.setattr(options, "err_console", lambda: Console(file=buf, force_terminal=True, width=120))
    opts = Options(bootstrap=500)
    with options.progress_bar(opts, 2):
        opts.progress(1)
        options_bar = buf.getvalue()
    assert "bootstrap (2 items x 500 resamples)" in options_bar and "/1000 resamples" in options_bar


def test_plan_shows_no_spinner_before_refusing() -> None:
    from irrkit.cli.plan import _progress

    p = _progress(True)
    tick = p.__enter__()
    tick(0)
    assert p.bar is None  # nothing simulated: no spinner
    p.__exit__(None, None, None)


def test_the_sixth_form_moves_only_the_video_demos_ac1_as_its_formula_says(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding 'suppressed' (unused in the demo) changes q: Gwet's AC1 has pe = sum pi_k(1 - pi_k) / (q - 1), so pe
    scales by (q_old - 1) / (q_new - 1) and nothing else moves (kappa, alpha, unitizing have no q in them)."""
    from irrkit.cli.demo import demo_video

    new = (ROOT / "codebooks" / "crying-episodes.yaml").read_text(encoding="utf-8")
    old = "\n".join(x for x in new.splitlines() if "code: suppressed" not in x) + "\n"
    (tmp_path / "old.yaml").write_text(old, encoding="utf-8")
    docs = []
    for cb in ("old.yaml", str(ROOT / "codebooks" / "crying-episodes.yaml")):
        code, out, err = invoke(["video", *demo_video(), "-c", cb, "-f", "json", "--no-gate"], tmp_path, monkeypatch)
        assert code == 0, err
        docs.append({it["item"]: it["statistics"] for it in json.loads(out)["items"]})
    before, after = docs[0]["crying"], docs[1]["crying"]
    q_old, q_new = 6, 7  # 5 or 6 codes and 'no episode' in a time unit
    ac1_old, ac1_new = before["gwet_ac1"], after["gwet_ac1"]
    assert ac1_new["pa"] == ac1_old["pa"]
    assert ac1_new["pe"] == pytest.approx(ac1_old["pe"] * (q_old - 1) / (q_new - 1), rel=1e-12)
    assert ac1_new["value"] == pytest.approx((ac1_new["pa"] - ac1_new["pe"]) / (1 - ac1_new["pe"]), rel=1e-12)
    assert round(ac1_old["value"], 4) == 0.8195 and round(ac1_new["value"], 4) == 0.8228
    for key in ("fleiss_kappa", "krippendorff_alpha", "u_alpha", "event_kappa", "percent_agreement"):
        assert after[key]["value"] == before[key]["value"], key
    assert docs[0]["intervention"] == docs[1]["intervention"]


def test_video_says_a_shared_reason_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit.cli.demo import demo_video

    _, out, _ = invoke(["video", *demo_video(), "-c", "crying-episodes", "--no-gate", "--item", "crying"], tmp_path,
                       monkeypatch)
    assert out.count("no SE, CI or p: 3 videos") == 1 and out.count("mean over 3 pairs of coders: no SE") == 1
    assert "(1) no SE, CI or p: 3 videos" in out
