"""Faults and races while irrkit writes (in-process fault injection and forked processes, no timing):
history numbering under 20 parallel runs, all-or-nothing batches with the history record, SIGTERM, SIGKILL
between renames, stale temporary files, parallel step-summary appends, full disks and read-only folders,
not-gated rounds, bad input in CI."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import re
import signal
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.outputs import files as output

DATA = Path(__file__).resolve().parent / "data" / "faults"  # a small round: these tests run many commands
CB = DATA / "cb.yaml"
GOLD, ANNA, BEN = DATA / "gold.csv", DATA / "anna.csv", DATA / "ben.csv"
CODERS = [DATA / "coder_A.csv", DATA / "coder_B.csv", DATA / "coder_C.csv"]
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
FORK = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
needs_fork = pytest.mark.skipif(FORK is None, reason="needs fork()")
TMP_LIKE = re.compile(r"\..*\.(tmp|bak)$|\.irrkit-batch")


def run(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**NO_CI, **(env or {})})


def train_argv(tmp: Path, *more: object) -> list[object]:
    return ["train", ANNA, BEN, "--gold", GOLD, "-c", CB, "--out", tmp / "out", "--junit", tmp / "j.xml",
            "--history", tmp / "hist", *more]


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def no_temp_files(root: Path) -> None:
    left = [p.name for p in root.rglob("*") if TMP_LIKE.search(p.name)]
    assert not left, left


def assert_nothing_written(root: Path, before: dict[str, str]) -> None:
    """An output of the run failed (exit 2): nothing at all was written, not even a JUnit problem report."""
    after = snapshot(root)
    assert after.keys() == before.keys(), sorted(set(after) ^ set(before))
    assert all(after[k] == v for k, v in before.items() if v)
    no_temp_files(root)


def dead_pid() -> int:
    """The pid of a process that has ended."""
    if FORK is None:
        return 2**22 + 12345
    p = FORK.Process(target=os._exit, args=(0,))
    p.start()
    p.join()
    return p.pid


# ----------------------------------------------------------------------------------------------- history


def _train_child(tmp: str, k: int) -> None:
    r = CliRunner().invoke(app, ["train", str(ANNA), "--gold", str(GOLD), "-c", str(CB), "--history",
                                 f"{tmp}/hist", "--round", f"r{k}", "-f", "json"], env=NO_CI)
    os._exit(r.exit_code)


@needs_fork
def test_parallel_rounds_get_numbers_1_to_n(tmp_path: Path) -> None:
    """20 parallel train --history runs: numbered 1-9 with repeats before; now rounds 1..20, each once."""
    warm = CliRunner().invoke(app, ["train", str(ANNA), "--gold", str(GOLD), "-c", str(CB), "--history",
                                    str(tmp_path / "warm"), "-f", "json"], env=NO_CI)
    assert warm.exit_code == 0, warm.output  # the children fork with every module loaded
    procs = [FORK.Process(target=_train_child, args=(str(tmp_path), k)) for k in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * 20
    names = sorted(p.name for p in (tmp_path / "hist").iterdir())
    numbers = sorted(int(n.split("-")[1]) for n in names)
    assert numbers == list(range(1, 21)), names
    assert sorted(n.split("-", 2)[2] for n in names) == sorted(f"r{k}.json" for k in range(20))
    for n in names:
        rec = json.loads((tmp_path / "hist" / n).read_text(encoding="utf-8"))
        assert f"round-{rec['round']:03d}-{rec['name']}.json" == n


def test_read_only_history_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hist").mkdir()
    before = snapshot(tmp_path)
    real = os.open

    def ro(path, flags, *a):  # a read-only history folder (also for root, who may write anyway)
        if Path(path).parent.name == "hist" and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, flags, *a)

    monkeypatch.setattr(os, "open", ro)
    r = run(*train_argv(tmp_path, "--round", "r1"))
    assert r.exit_code == 2, r.output
    assert "hist: folder is not writable" in r.stderr and ".tmp" not in r.stderr
    assert_nothing_written(tmp_path, before)  # on main the JUnit file was written anyway


def test_full_disk_on_history_record_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(tmp_path)
    real = os.fsync
    state = {"n": 0}

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").find("round-001") >= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        state["n"] += 1
        real(fd)

    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc")
    monkeypatch.setattr(os, "fsync", fsync)
    r = run(*train_argv(tmp_path, "--round", "r1"))
    assert r.exit_code == 2 and state["n"] >= 5, r.output
    assert "round-001-r1.json: cannot write: No space left on device; nothing was written" in r.stderr
    assert_nothing_written(tmp_path, before)


def test_round_appearing_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another run records the same name while this one stages: exit 2, nothing written; another name:
    this round takes the next number."""
    hist = tmp_path / "hist"
    hist.mkdir()
    real = output._stage

    def stage(path, text, staged, name="r1"):
        if path.name == "summary.md" or path.name == "training_summary.csv":
            (hist / f"round-001-{name}.json").write_text("{}", encoding="utf-8")
        return real(path, text, staged)

    monkeypatch.setattr(output, "_stage", stage)
    before = snapshot(tmp_path)
    r = run(*train_argv(tmp_path, "--round", "r1"))
    assert r.exit_code == 2 and "round 'r1' is already recorded here" in r.stderr
    assert_nothing_written(tmp_path, {**before, "hist/round-001-r1.json": ""})
    (hist / "round-001-r1.json").unlink()
    monkeypatch.setattr(output, "_stage", lambda p, t, s: stage(p, t, s, name="other"))
    r = run(*train_argv(tmp_path, "--round", "r1"))
    assert r.exit_code == 1, r.output
    assert sorted(p.name for p in hist.iterdir()) == ["round-001-other.json", "round-002-r1.json"]
    assert json.loads((tmp_path / "out" / "training.json").read_text(encoding="utf-8"))["round"] == 2
    no_temp_files(tmp_path)


def test_no_gate_round_is_recorded_as_not_gated(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    r = run("train", BEN, "--gold", GOLD, "-c", CB, "--history", hist, "--round", "r1", "--no-gate")
    assert r.exit_code == 0, r.output
    rec = json.loads(next(hist.glob("round-001-*.json")).read_text(encoding="utf-8"))
    assert rec["passed"] is None and rec["gate_status"] == "not gated"
    ben = rec["trainees"]["ben"]
    assert ben["passed"] is None and ben["items"]["form"]["passed"] is None
    r = run("train", BEN, "--gold", GOLD, "-c", CB, "--history", hist, "--round", "r2")
    assert r.exit_code == 1
    line = next(x for x in r.stdout.splitlines() if "form" in x and "Cohen's kappa" in x)
    assert line.endswith("not gated -> fail"), line
    assert "pass -> fail" not in r.stdout
    # a record of an older version: a --no-gate round said "passed": true with no gates
    old = json.loads((hist / "round-002-r2.json").read_text(encoding="utf-8"))
    for t in old["trainees"].values():
        for d in t["items"].values():
            d["gates"], d["passed"] = [], True
    old["round"], old["name"] = 3, "legacy"
    (hist / "round-003-legacy.json").write_text(json.dumps(old), encoding="utf-8")
    r = run("train", BEN, "--gold", GOLD, "-c", CB, "--history", hist, "--round", "r4")
    assert "not gated -> fail" in r.stdout and "pass -> fail" not in r.stdout


# ----------------------------------------------------------------------------------------------- signals


@pytest.fixture
def sigterm_handled():
    old = signal.getsignal(signal.SIGTERM)
    output.handle_sigterm()
    yield
    signal.signal(signal.SIGTERM, old)


def good_round(tmp: Path) -> tuple[list[object], dict[str, str]]:
    out = tmp / "out"
    out.mkdir()
    for n in ("summary.csv", "summary.md", "per_category.csv", "disagreements.csv", "results.json"):
        (out / n).write_text(f"previous {n}\n", encoding="utf-8")
    return ["check", *CODERS, "-c", CB, "--out", out], snapshot(tmp)


def test_sigterm_while_staging_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              sigterm_handled) -> None:
    argv, before = good_round(tmp_path)
    real, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    r = run(*argv)
    assert r.exit_code != 0 and len(calls) == 2
    assert snapshot(tmp_path) == before


def test_sigterm_while_renaming_finishes_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   sigterm_handled) -> None:
    """The renames of a batch are not torn apart: SIGTERM waits until the batch is complete."""
    argv, before = good_round(tmp_path)
    real, calls = os.replace, []

    def replace(src, dst) -> None:
        calls.append(dst)
        if len(calls) == 3:  # from another thread, as a signal the kernel hands to a worker thread
            t = threading.Thread(target=signal.raise_signal if hasattr(signal, "raise_signal") else os.kill,
                                 args=(signal.SIGTERM,) if hasattr(signal, "raise_signal") else
                                 (os.getpid(), signal.SIGTERM))
            t.start()
            t.join()
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    r = run(*argv)
    assert r.exit_code != 0 and len(calls) >= 6  # the journal and the five tables
    after = snapshot(tmp_path)
    assert all(after[k] != before[k] for k in before if k.startswith("out/"))  # every table new
    no_temp_files(tmp_path)


def _killed_between_renames(out: str) -> None:
    real, calls = os.replace, []

    def replace(src, dst) -> None:
        real(src, dst)
        calls.append(dst)
        if len(calls) == 3:  # the journal, then two tables
            os._exit(9)  # SIGKILL: no finally, no cleanup

    os.replace = replace
    output.write_all({Path(out) / f"t{k}.csv": f"new {k}\n" for k in range(5)})
    os._exit(0)


@needs_fork
def test_sigkill_between_renames_is_rolled_back_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for k in range(5):
        (out / f"t{k}.csv").write_text(f"old {k}\n", encoding="utf-8")
    p = FORK.Process(target=_killed_between_renames, args=(str(out),))
    p.start()
    p.join()
    assert p.exitcode == 9
    texts = [(out / f"t{k}.csv").read_text(encoding="utf-8") for k in range(5)]
    assert texts[:2] == ["new 0\n", "new 1\n"] and texts[2:] == ["old 2\n", "old 3\n", "old 4\n"]  # a mix
    assert any(n.name.startswith(".irrkit-batch") for n in out.iterdir())
    removed = output.sweep([out])  # what the next run writing there does first
    assert removed
    assert [(out / f"t{k}.csv").read_text(encoding="utf-8") for k in range(5)] == [f"old {k}\n" for k in range(5)]
    no_temp_files(tmp_path)


def test_stale_temp_files_are_swept(tmp_path: Path) -> None:
    argv, _ = good_round(tmp_path)
    out = tmp_path / "out"
    dead = out / f".summary.csv.irrkit-{dead_pid()}-0123abcd.tmp"
    old = out / ".summary.md.k3j_x9a2.tmp"  # tempfile.mkstemp's name, from earlier irrkit versions
    live = out / f".results.json.irrkit-{os.getppid()}-0123abcd.tmp"  # a running irrkit's
    mine = out / ".notes.tmp"  # not irrkit's pattern
    for p in (dead, old, live, mine):
        p.write_text("partial", encoding="utf-8")
    os.utime(old, (1e9, 1e9))
    r = run(*argv)
    assert r.exit_code == 0, r.output
    assert not dead.exists() and not old.exists() and live.exists() and mine.exists()


# ----------------------------------------------------------------------------------------------- step summary


def _append_child(tmp: str, k: int) -> None:
    os.chdir(tmp)
    r = CliRunner().invoke(app, ["check", *map(str, CODERS), "-c", str(CB), "--min",
                                 f"percent_agreement=0.{k}", "--summary", "sub/../step.md", "-f", "json"],
                           env={"GITHUB_STEP_SUMMARY": f"{tmp}/step.md", "GITHUB_ACTIONS": None})
    os._exit(r.exit_code)


@needs_fork
def test_parallel_step_summary_appends_lose_nothing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    step = tmp_path / "step.md"
    step.write_text("# earlier step\n", encoding="utf-8")
    procs = [FORK.Process(target=_append_child, args=(str(tmp_path), k)) for k in range(1, 9)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert all(p.exitcode in (0, 1) for p in procs)
    text = step.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")  # a relative spelling of the same path appends too
    assert text.count("## irrkit gate") == 8
    for k in range(1, 9):
        assert f"| 0.{k}0 |" in text


def test_summary_elsewhere_is_replaced(tmp_path: Path) -> None:
    s = tmp_path / "s.md"
    s.write_text("old content\n", encoding="utf-8")
    r = run("check", *CODERS, "-c", CB, "--summary", s, env={"GITHUB_STEP_SUMMARY": str(
        tmp_path / "other.md")})
    assert r.exit_code == 0 and "old content" not in s.read_text(encoding="utf-8")
    assert "replacing it" in run("check", "--help").stdout.replace("\n", " ").replace("│", " ")


# ----------------------------------------------------------------------------------------------- errors


def test_full_disk_names_the_table_and_prints_no_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv, before = good_round(tmp_path)
    real = os.fsync

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    r = run(*argv)
    monkeypatch.setattr(os, "fsync", real)
    assert r.exit_code == 2
    assert "summary.csv: cannot write: No space left on device; nothing was written" in r.stderr
    assert ".tmp" not in r.stderr and "Fleiss" not in r.stdout  # no result shown as if written
    assert snapshot(tmp_path) == before


def test_read_only_out_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    real = os.open

    def ro(path, flags, *a):
        if Path(path).parent == out and flags & os.O_CREAT:
            raise OSError(errno.EACCES, "Permission denied", str(path))
        return real(path, flags, *a)

    monkeypatch.setattr(os, "open", ro)
    r = run("check", *CODERS, "-c", CB, "--out", out)
    assert r.exit_code == 2
    assert f"{out}: folder is not writable (Permission denied): cannot write summary.csv there" in r.stderr
    assert ".tmp" not in r.stderr and "Fleiss" not in r.stdout
    assert list(out.iterdir()) == []


def test_bad_input_in_ci_annotates_and_reports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BEN.read_text(encoding="utf-8").replace("u2,a", "u2,weeping", 1), encoding="utf-8")
    line = next(k for k, x in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "weeping" in x)
    step = tmp_path / "step.md"
    step.write_text("earlier\n", encoding="utf-8")
    r = run("train", ANNA, bad, "--gold", GOLD, "-c", CB, "--junit", tmp_path / "j.xml", "--summary", step,
            "--out", tmp_path / "out", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)})
    assert r.exit_code == 2
    ann = [x for x in r.stderr.splitlines() if x.startswith("::error")]
    assert ann and ann[0].startswith(f"::error title=irrkit train%3A bad input,file={str(bad).replace(':', '%3A')},"
                                     f"line={line}::column 'form': value 'weeping'")
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("errors") == "1" and "weeping" in root.find(".//error").get("message")
    text = step.read_text(encoding="utf-8")
    assert text.startswith("earlier\n") and "bad input (exit 2)" in text and "weeping" in text
    assert not (tmp_path / "out").exists()
    r = run("check", *CODERS, "-c", CB, "--min", "nonsense=0.5", "--junit", tmp_path / "k.xml",
            env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 2 and "::error title=irrkit check%3A bad input::" in r.stderr  # no file= for an option
    assert "nonsense" in (tmp_path / "k.xml").read_text(encoding="utf-8")
