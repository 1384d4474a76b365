"""Every file a command writes goes through the one batch writer (irrkit.outputs.files): the fault cases of issue
"One house" (points 5 and 6), each all or nothing. Faults are injected at the os level (root may write into a
read-only folder, so chmod would prove nothing) or made with a path under a file (NotADirectory)."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

DATA = Path(__file__).resolve().parent / "data" / "faults"
CB = DATA / "cb.yaml"
GOLD, ANNA, BEN = DATA / "gold.csv", DATA / "anna.csv", DATA / "ben.csv"
CODERS = [DATA / "coder_A.csv", DATA / "coder_B.csv", DATA / "coder_C.csv"]
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}


def run(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**NO_CI, **(env or {})})


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def _fd_is(fd: int, name: str) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith(name)
    except OSError:
        return False


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")


# ----------------------------------------------------------------------------------------------- train --history


def test_train_with_history_under_a_file_writes_no_junit(tmp_path: Path) -> None:
    """On main: exit 2, but the JUnit file was written (the problem report). Now: nothing at all."""
    (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    r = run("train", ANNA, BEN, "--gold", GOLD, "-c", CB, "--junit", tmp_path / "j.xml", "--out", tmp_path / "out",
            "--history", tmp_path / "afile" / "hist", "--round", "r1")
    assert r.exit_code == 2, r.output
    assert "afile" in r.stderr and "nothing was written" in r.stderr
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------------------------- step summary


@needs_proc
@pytest.mark.parametrize("fault", ["fsync", "write", "partial-write"])
def test_step_summary_on_a_full_disk_is_left_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       fault: str) -> None:
    """On main: exit 0 (the append was never synced) or exit 2 with the JUnit file already written and the
    summary cut mid-section. Now: exit 2, the earlier steps' summary byte for byte as it was, no JUnit."""
    step = tmp_path / "step.md"
    step.write_text("# earlier step\n\nall good\n", encoding="utf-8")
    before = snapshot(tmp_path)
    real_write, real_fsync = os.write, os.fsync

    def write(fd: int, data) -> int:
        if _fd_is(fd, "step.md"):
            if fault == "partial-write" and len(data) > 10:
                return real_write(fd, bytes(data[:10]))  # the disk fills up after 10 bytes
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        if _fd_is(fd, "step.md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    if fault == "fsync":
        monkeypatch.setattr(os, "fsync", fsync)
    else:
        monkeypatch.setattr(os, "write", write)
    r = run("check", *CODERS, "-c", CB, "--min", "percent_agreement=0.1", "--summary", step, "--junit",
            tmp_path / "j.xml", "--out", tmp_path / "out", env={"GITHUB_STEP_SUMMARY": str(step)})
    assert r.exit_code == 2, r.output
    assert f"{step}: cannot append: No space left on device; nothing was written" in r.stderr
    assert snapshot(tmp_path) == before
    assert step.read_text(encoding="utf-8") == "# earlier step\n\nall good\n"


def test_step_summary_appends_after_the_tables(tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    step.write_text("# earlier step\n", encoding="utf-8")
    r = run("check", *CODERS, "-c", CB, "--min", "percent_agreement=0.1", "--summary", step, "--junit",
            tmp_path / "j.xml", env={"GITHUB_STEP_SUMMARY": str(step)})
    assert r.exit_code == 0, r.output
    text = step.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n\n") and "## irrkit gate" in text
    assert (tmp_path / "j.xml").exists()


# ----------------------------------------------------------------------------------------------- report


@pytest.fixture
def results_json(tmp_path: Path) -> Path:
    r = run("check", *CODERS, "-c", CB, "--out", tmp_path / "res")
    assert r.exit_code == 0, r.output
    return tmp_path / "res" / "results.json"


@pytest.mark.parametrize("other", ["--latex", "--methods", "--table-md"])
def test_report_two_outputs_on_one_path(tmp_path: Path, results_json: Path, other: str) -> None:
    """On main the later output silently replaced the earlier one. Now: exit 2 naming both options."""
    target = tmp_path / "x.out"
    before = snapshot(tmp_path)
    r = run("report", results_json, "-o", target, other, tmp_path / "sub" / ".." / "x.out")
    assert r.exit_code == 2, r.output
    assert f"-o/--out and {other} name the same file" in r.stderr
    assert snapshot(tmp_path) == before


def test_report_two_manuscript_outputs_on_one_path(tmp_path: Path, results_json: Path) -> None:
    r = run("report", results_json, "--latex", tmp_path / "t.tex", "--table-md", tmp_path / "t.tex")
    assert r.exit_code == 2 and "--latex and --table-md name the same file" in r.stderr
    assert not (tmp_path / "t.tex").exists()


def test_report_output_on_a_figure(tmp_path: Path, results_json: Path) -> None:
    figs = tmp_path / "figs"
    r = run("report", results_json, "--figures", figs, "--latex", tmp_path / "x.tex")
    assert r.exit_code == 0, r.output
    some = sorted(figs.iterdir())[0]
    before = snapshot(tmp_path)
    for argv in (["-o", some], ["-o", tmp_path / "r.html", "--methods", some]):
        r = run("report", results_json, "--figures", figs, *argv)
        assert r.exit_code == 2 and "the figures (--figures) write" in r.stderr, r.output
    assert snapshot(tmp_path) == before


def test_report_never_overwrites_a_round_record(tmp_path: Path) -> None:
    """The README promises an append-only history; on main report -o replaced a round record."""
    hist = tmp_path / "hist"
    r = run("train", ANNA, "--gold", GOLD, "-c", CB, "--history", hist, "--round", "r1", "--out", tmp_path / "o")
    assert r.exit_code in (0, 1), r.output
    record = hist / "round-001-r1.json"
    before = snapshot(tmp_path)
    for argv in (["-o", record], ["-o", record, "--history", hist]):
        r = run("report", tmp_path / "o" / "training.json", *argv)
        assert r.exit_code == 2, r.output
        assert "round-001-r1.json" in r.stderr and ("append-only" in r.stderr or "over an input" in r.stderr)
    r = run("check", *CODERS, "-c", CB, "--junit", record)  # any command: a record is never a target
    assert r.exit_code == 2 and "append-only" in r.stderr
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------------------------- modes


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_outputs_keep_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        r = run("check", *CODERS, "-c", CB, "--out", tmp_path / "res", "--junit", tmp_path / "j.xml")
        assert r.exit_code == 0, r.output
        r = run("report", tmp_path / "res" / "results.json", "-o", tmp_path / "r.html", "--latex", tmp_path / "t.tex")
        assert r.exit_code == 0, r.output
    finally:
        os.umask(old)
    for p in (tmp_path / "res" / "summary.csv", tmp_path / "j.xml", tmp_path / "r.html", tmp_path / "t.tex"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o640, p


def test_input_untouched_when_report_fails(tmp_path: Path, results_json: Path) -> None:
    text = results_json.read_bytes()
    r = run("report", results_json, "-o", results_json)
    assert r.exit_code == 2 and "over an input" in r.stderr
    assert results_json.read_bytes() == text
