"""Extreme and hostile input (issue 14, input side): zip bombs, huge cells, zero-padded codes, symlink loops,
terminals that cannot encode Unicode. Every case: exit 2 (or a clean result), a readable message, inputs untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

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
    argv = [sys.executable, "-m", "cli.main", "train", "-g", str(demo / "crying-forms_gold.csv"),
            str(demo / "crying-forms_trainee_anna.csv"), "-c",
            str(Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml")]
    res = subprocess.run(argv, capture_output=True, env=env, cwd=tmp_path, timeout=120)
    out, err = res.stdout.decode(encoding), res.stderr.decode(encoding)
    assert res.returncode == 0, err
    assert "pass >= 0.60" in out and "≥" not in out and "Traceback" not in err
