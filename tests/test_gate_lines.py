"""One gate printer (cli/gates.py) for check, train, retest and video: names from the data cannot forge a GitHub
workflow command or reach the terminal raw. On main the video copy printed trainee names unescaped: a newline in
a name started a forged ``::error`` line, ESC and U+202E reached the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.demo import demo_files, demo_video_training
from irrkit.cli.main import app

EVIL = "mallory\n::error::forged\x1b[31m\u202e"
DEMO = demo_files("crying-forms")[0].parent
CB_VIDEO = Path(__file__).resolve().parents[1] / "codebooks" / "crying-episodes.yaml"


def run(*args: object, ci: bool):
    env = {"GITHUB_ACTIONS": "true" if ci else None, "GITHUB_STEP_SUMMARY": None, "COLUMNS": "300"}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def assert_no_forgery(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and "\u202e" not in text
        for line in text.splitlines():
            assert not line.startswith("::error::forged"), line
            if line.startswith("::"):  # a real annotation: the name's newline escaped in it
                assert "mallory%0A%3A%3Aerror%3A%3Aforged" in line or "forged" not in line, line


@pytest.mark.parametrize("ci", [True, False])
def test_video_gold_run_escapes_trainee_names(tmp_path: Path, ci: bool) -> None:
    gold, trainees = demo_video_training()
    evil = tmp_path / "t.csv"
    text = trainees[0].read_text(encoding="utf-8")
    name = text.splitlines()[1].split(",")[1]
    evil.write_text(text.replace(f",{name},", ',"' + EVIL.replace('"', '""') + '",'), encoding="utf-8")
    r = run("video", evil, "--gold", gold, "-c", CB_VIDEO, "--item", "crying", "--min", "cohen_kappa=0.999", ci=ci)
    assert r.exit_code == 1, r.output
    assert "gate failed crying (mallory\\n::error::forged\\x1b[31m\\u202e)" in r.stderr.replace("\n", "")
    assert_no_forgery(r.stdout, r.stderr)
    if ci:
        assert any(x.startswith("::error title=") and "mallory%0A%3A%3Aerror" in x for x in r.stdout.splitlines())


@pytest.mark.parametrize("ci", [True, False])
def test_train_run_escapes_trainee_names(tmp_path: Path, ci: bool) -> None:
    gold = DEMO / "crying-forms_gold.csv"
    evil = tmp_path / f"{EVIL}.csv"
    evil.write_bytes((DEMO / "crying-forms_trainee_ben.csv").read_bytes())
    cb = Path(__file__).resolve().parents[1] / "codebooks" / "crying-forms.yaml"
    r = run("train", evil, "--gold", gold, "-c", cb, "--min", "cohen_kappa=0.999", ci=ci)
    assert r.exit_code == 1, r.output
    err = r.stderr.replace("\n", "")
    assert "mallory\\n::error::forged\\x1b[31m\\u202e FAILED" in err
    assert "gate failed mallory\\n::error::forged\\x1b[31m\\u202e.form" in err
    assert_no_forgery(r.stdout, r.stderr)
    if ci:
        assert any(x.startswith("::error title=") and "mallory%0A%3A%3Aerror" in x for x in r.stdout.splitlines())


def test_check_gate_lines_unchanged(tmp_path: Path) -> None:
    cb = Path(__file__).resolve().parents[1] / "codebooks" / "crying-forms.yaml"
    r = run("check", *demo_files("crying-forms"), "-c", cb, "--min", "percent_agreement=0.99", ci=False)
    assert r.exit_code == 1
    assert "gates 0 of 2 passed (compared: estimate)" in r.stderr
    assert "gate failed form: Percent agreement" in r.stderr.replace("\n", " ")
