"""First real use (issue 12, input and CLI side): letters of any script, silent gaps, terminal tables, help texts,
diagnostics on stderr once per cause."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

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
    assert code == 0 and "2 items" in out


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
    assert [ln.split("│")[3:6] for ln in table.splitlines() if "cleo.csv" in ln] == [
        ["     3 ", "       5 ", " 7 (3 units absent)"]]


def test_warnings_go_to_stderr_once_per_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = three_coders(tmp_path, note=True)
    for fmt in ("table", "json", "csv", "markdown"):
        code, out, err = invoke(["check", *names, "-c", "cb.yaml", "-f", fmt], tmp_path, monkeypatch)
        assert code == 0
        lines = [ln for ln in err.splitlines() if "kept as context" in ln]
        assert lines == ["warning anna.csv, ben.csv, cleo.csv: unknown column 'note' kept as context (not an item "
                         "of codebook 'lab')"], err
        assert "warning" not in out.replace("warnings", "") or fmt == "markdown"
