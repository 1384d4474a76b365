"""The workflows behind the commands (irrkit.workflows.check/compute/video/rounds/report/history), called from
Python: inputs and options in, a result with the files to write out; nothing written, nothing printed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.analysis.item import Options
from irrkit.cli.demo import demo_files, demo_video_training
from irrkit.cli.main import app
from irrkit.errors import InputError
from irrkit.outputs.files import write_all
from irrkit.workflows import check, compute, history, rounds, video

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "faults"
CB = ROOT / "codebooks" / "crying-forms.yaml"


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_check_evaluates_the_gates_once_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture) -> None:
    from irrkit.workflows import gates

    calls = Counter()
    real = gates.evaluate

    def evaluate(*a, **k):
        calls["evaluate"] += 1
        return real(*a, **k)

    monkeypatch.setattr(gates, "evaluate", evaluate)
    run = check.run_check(demo_files("crying-forms"), CB, Options(), out=tmp_path / "out", mins=["gwet_ac1=0.7"],
                          junit=tmp_path / "j.xml", report_html=tmp_path / "r.html")
    assert calls["evaluate"] == 1  # on main: three times (JSON, JUnit/summary, report)
    assert listing(tmp_path) == [] and capsys.readouterr() == ("", "")
    assert list(run.files) == [*(tmp_path / "out" / n for n in check.OUTPUT_NAMES), tmp_path / "j.xml",
                               tmp_path / "r.html"]
    assert run.meta["gates"] and len(run.gate_results) == len(run.meta["gates"])
    assert [r.item for r in run.failed] == [r["item"] for r in run.meta["gates"] if not r["passed"]]
    written = write_all(run.files, run.inputs, appends=run.appends)
    assert written == list(run.files)
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert doc["gates"] == run.meta["gates"]


def test_check_refuses_an_output_over_an_input_before_reading(tmp_path: Path) -> None:
    files = demo_files("crying-forms")
    with pytest.raises(InputError, match="over an input"):
        check.run_check(files, CB, Options(), junit=files[0])


def test_compute_returns_the_items() -> None:
    items = compute.run_compute(DATA / "coder_A.csv", Options(), long=False, level="nominal")
    assert [it.item for it in items] == ["ratings"]
    with pytest.raises(InputError, match="choose one input form"):
        compute.run_compute(DATA / "coder_A.csv", Options(), long=True, counts=True)


def test_video_gold_reads_every_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from irrkit.readers import episodes

    reads = Counter()
    real = episodes.read_plain

    def read_plain(path, encoding=None):
        reads[Path(path).name] += 1
        return real(path, encoding)

    monkeypatch.setattr(episodes, "read_plain", read_plain)
    gold, trainees = demo_video_training()
    run = video.run_video(trainees, ROOT / "codebooks" / "crying-episodes.yaml", gold=gold, item="crying",
                          input_format="plain")
    assert reads == Counter({p.name: 1 for p in [*trainees, gold]})  # on main: twice each
    assert [r.item for r in run.results] == ["crying (dana)", "crying (emil)"]
    assert run.files == {} and run.gate_results


def test_train_numbers_the_round_when_written(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    argv = dict(history=hist, out=tmp_path / "out")
    run = rounds.run_train([DATA / "anna.csv"], DATA / "gold.csv", DATA / "cb.yaml", round_name="r1", **argv)
    assert run.locked is not None and run.history.target is None and not tmp_path.joinpath("out").exists()
    write_all(run.files, run.inputs, appends=run.appends, locked=run.locked)
    assert run.history.number == 1 and run.history.target == hist / "round-001-r1.json"
    assert run.history.changes() == []
    again = rounds.run_train([DATA / "anna.csv"], DATA / "gold.csv", DATA / "cb.yaml", round_name="r2", **argv)
    write_all(again.files, again.inputs, appends=again.appends, locked=again.locked)
    assert again.history.number == 2 and again.history.changes()[0].startswith("since round 1 'r1'")
    assert [r.name for r in history.rounds(hist)] == ["r1", "r2"]
    with pytest.raises(InputError, match="already recorded"):
        rounds.run_train([DATA / "anna.csv"], DATA / "gold.csv", DATA / "cb.yaml", round_name="r1", **argv)


@pytest.mark.parametrize("content", ["[]", "{not json", ""])
def test_one_history_reader_for_train_and_report(tmp_path: Path, content: str) -> None:
    """train and report read a history alike: a broken record is bad input for both (report skipped a record
    that was JSON but not an object, train refused it)."""
    hist = tmp_path / "hist"
    runner = CliRunner()
    r = runner.invoke(app, ["train", str(DATA / "anna.csv"), "--gold", str(DATA / "gold.csv"), "-c",
                            str(DATA / "cb.yaml"), "--history", str(hist), "--round", "r1", "--out",
                            str(tmp_path / "out")])
    assert r.exit_code in (0, 1), r.output
    (hist / "round-002-broken.json").write_text(content, encoding="utf-8")
    r1 = runner.invoke(app, ["train", str(DATA / "anna.csv"), "--gold", str(DATA / "gold.csv"), "-c",
                             str(DATA / "cb.yaml"), "--history", str(hist), "--round", "r3"])
    r2 = runner.invoke(app, ["report", str(tmp_path / "out" / "training.json"), "-o", str(tmp_path / "r.html"),
                             "--history", str(hist)])
    for r in (r1, r2):
        assert r.exit_code == 2 and "round-002-broken.json: is not a " in r.stderr, r.output
    assert not (tmp_path / "r.html").exists() and len(list(hist.iterdir())) == 2
