"""irrkit video end to end on the bundled demo (ELAN + BORIS): written files read back, gates/JUnit/summary,
bad input -> exit 2 naming the place, the episode item kind in the codebook (loader, schema, validate/show)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timeline_reference import code_matrix
from typer.testing import CliRunner

from irrkit.cli.demo import demo_video
from irrkit.cli.main import app
from irrkit.codebooks import SCHEMA, bundled
from irrkit.codebooks.codebook import load_codebook, parse_codebook
from irrkit.codebooks.model import EPISODE_KEYS, EPISODE_STATISTIC_KEYS
from irrkit.errors import InputError
from irrkit.readers.episodes import read_episode_files

runner = CliRunner()
CB = bundled("crying-episodes")


def run(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.stdout, res.stderr


def test_demo_files_through_video_and_read_back(tmp_path):
    out = tmp_path / "res"
    code, stdout, _ = run("video", *demo_video(), "-c", CB, "--out", out, "--format", "json", "--no-gate")
    assert code == 0
    printed = json.loads(stdout)
    written = json.loads((out / "results.json").read_text())
    assert printed == written
    crying = written["items"][0]
    assert crying["item"] == "crying" and crying["coders"] == ["anna", "ben", "cleo"]
    assert crying["videos"] == ["session01", "session02", "session03"]
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    by_key = {(r["item"], r["statistic"]): r for r in summary}
    for key, stat in crying["statistics"].items():
        if stat["value"] is not None:
            assert float(by_key[("crying", key)]["value"]) == pytest.approx(stat["value"], abs=1e-12)
    # the time units' count: three recordings of 420, 360 and 480 s (BORIS Total length) at 1 s
    assert crying["time_based"][0]["n_units"] == 1260
    assert crying["sweep"][0]["tolerance_s"] == 0.0 and len(crying["sweep"]) == 6
    pairs = list(csv.DictReader(io.StringIO((out / "pairs.csv").read_text())))
    assert len(pairs) == 6 and {p["coder_a"] for p in pairs} == {"anna", "ben"}
    dis = list(csv.DictReader(io.StringIO((out / "disagreements.csv").read_text())))
    assert dis and all(len(r["from"]) == 12 and r["from"][2] == ":" for r in dis)
    assert (out / "summary.md").read_text().startswith("# ")


def test_disagreement_list_matches_the_time_units(tmp_path):
    """Every listed stretch is a run of units where the coders' codes differ, and every such unit is listed."""
    out = tmp_path / "res"
    assert run("video", *demo_video(), "-c", CB, "--out", out, "--item", "crying", "--no-gate")[0] == 0
    sets, _ = read_episode_files(demo_video(), {e.id: e.spec() for e in load_codebook(CB).episodes})
    codes, g = code_matrix(sets["crying"])
    differ = (codes != codes[:, :1]).any(axis=1)
    listed = np.zeros(g.n, dtype=bool)
    videos = sets["crying"].videos
    for r in csv.DictReader(io.StringIO((out / "disagreements.csv").read_text())):
        v = videos.index(r["video"])
        h, m, s = r["from"].split(":")
        t0 = int(round(int(h) * 3600 + int(m) * 60 + float(s)))
        t1 = t0 + int(round(float(r["seconds"])))
        listed[g.offset[v] + t0: g.offset[v] + t1] = True
    assert np.array_equal(listed, differ)


def test_gates_junit_and_summary(tmp_path):
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    code, _, err = run("video", *demo_video(), "-c", CB, "--item", "crying", "--min", "crying:u_alpha=0.99",
                       "--min", "binary_u_alpha=0.5", "--junit", junit, "--summary", summary)
    assert code == 1 and "gate failed" in err
    root = ET.fromstring(junit.read_text())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) >= {"u_alpha", "binary_u_alpha", "cohen_kappa"}  # codebook gates kept beside --min
    assert cases["u_alpha"].find("failure") is not None and cases["binary_u_alpha"].find("failure") is None
    assert "failed" in summary.read_text()
    assert run("video", *demo_video(), "-c", CB, "--item", "crying", "--min", "u_alpha=0.1", "--no-gate")[0] == 0


def test_step_summary_is_appended_however_spelled(tmp_path, monkeypatch):
    """$GITHUB_STEP_SUMMARY given as another spelling of the same path: appended to, earlier steps kept; a
    plain --summary file is replaced (the shared gate_outputs rule of check and train)."""
    step = tmp_path / "step.md"
    step.write_text("earlier step\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    for _ in range(2):
        code, _, _ = run("video", *demo_video(), "-c", CB, "--item", "crying", "--min", "u_alpha=0.1",
                         "--summary", "sub/../step.md")
        assert code == 0
    text = step.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and text.count("irrkit video gate") == 2
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    other = tmp_path / "other.md"
    for _ in range(2):
        assert run("video", *demo_video(), "-c", CB, "--item", "crying", "--summary", other)[0] == 0
    assert other.read_text(encoding="utf-8").count("irrkit video gate") == 1


def test_min_names_an_episode_item(tmp_path):
    code, _, err = run("video", *demo_video(), "-c", CB, "--min", "nonsense:u_alpha=0.5")
    assert code == 2 and "--min: item 'nonsense' is not an episode item of the codebook (items: " in err


@pytest.mark.parametrize("args,where", [
    (["--min", "icc2=0.5"], "--min: 'icc2' is not an episode statistic"),
    (["--item", "cryin"], "--item: 'cryin' is not an episode item"),
    (["--tier", "nonsense"], "--tier: 'nonsense' is not TIER=ITEM"),
])
def test_bad_options_exit_2(args, where):
    code, _, err = run("video", *demo_video(), "-c", CB, *args)
    assert code == 2 and where in err and "Traceback" not in err


def test_bad_file_exit_2_with_line(tmp_path):
    bad = tmp_path / "ep.csv"
    bad.write_text("video,coder,start,end,code\nv,anna,1,2,protest\nv,ben,4,3,sad\n")
    code, _, err = run("video", bad, "-c", CB, "--item", "crying")
    assert code == 2 and f"{bad}:3: item 'crying': episode ends at 00:00:03.000" in err


def test_outputs_never_replace_inputs(tmp_path):
    f = tmp_path / "ep.csv"
    f.write_text("video,coder,start,end,code\nv,anna,1,2,protest\nv,ben,1,2,protest\n")
    code, _, err = run("video", f, "-c", CB, "--junit", f)
    assert code == 2 and "refusing to write an output over an input file" in err
    assert f.read_text().startswith("video,coder")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_cli_elan(tmp_path, data):
    raw = bytearray(demo_video()[0].read_bytes()[:3000])
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    p = tmp_path / "fuzz.eaf"
    p.write_bytes(bytes(raw))
    code, _, err = run("video", p, "-c", CB, "--format", "json", "--no-gate")
    assert code in (0, 2) and "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert str(p) in err


# --------------------------------------------------------------------------------------------- codebook


def test_bundled_episode_codebook_matches_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(CB.read_text(encoding="utf-8")))
    defs = schema["$defs"]
    assert set(defs["episode_item"]["properties"]) == set(EPISODE_KEYS)
    assert tuple(defs["episode_statistic"]["enum"]) == EPISODE_STATISTIC_KEYS
    cb = load_codebook(CB)
    assert [e.id for e in cb.episodes] == ["crying", "intervention"] and cb.items == ()
    assert cb.episodes[0].codes[:2] == ("protest", "sad")


BASE = "id: v\nitems:\n  - id: crying\n    kind: episodes\n    categories: [a, b]\n"


@pytest.mark.parametrize("extra,line,msg", [
    ("    step: 0\n", 6, "'step' must be between 0.001 and 3600 seconds"),
    ("    overlap: maybe\n", 6, "'overlap' must be true or false"),
    ("    match: nearest\n", 6, "match rule 'nearest' is not one of onset, overlap"),
    ("    level: nominal\n", 6, "unknown key 'level'"),
    ("    gate: {icc2: 0.5}\n", 6, "unknown statistic 'icc2'"),
    ("    lengths: {v01: -3}\n", 6, "length of video 'v01' must be > 0 seconds"),
])
def test_episode_item_refusals(extra, line, msg):
    with pytest.raises(InputError) as e:
        parse_codebook(BASE + extra, "cb.yaml")
    assert f"cb.yaml:{line}:" in str(e.value) and msg in str(e.value)


def test_episode_item_kind_must_be_episodes():
    with pytest.raises(InputError, match="kind 'events' is not 'episodes'"):
        parse_codebook(BASE.replace("kind: episodes", "kind: events"), "cb.yaml")


def test_codebook_validate_and_show():
    code, out, _ = run("codebook", "validate", CB)
    assert code == 0 and "2 time-coded items (6 and 4 codes)" in out
    code, out, _ = run("codebook", "show", CB)
    assert code == 0 and "pause" in out and "protest" in out and "episodes" in out


# --------------------------------------------------------------------------------------------- training


def test_train_against_gold_writes_handouts_with_times(tmp_path):
    from irrkit.cli.demo import demo_video_training

    gold, trainees = demo_video_training()
    out = tmp_path / "round1"
    code, _, err = run("video", *trainees, "--gold", gold, "-c", CB, "--item", "crying", "--out", out,
                       "--junit", tmp_path / "j.xml")
    assert code in (0, 1) and "Traceback" not in err
    data = json.loads((out / "results.json").read_text())
    assert [i["item"] for i in data["items"]] == ["crying (dana)", "crying (emil)"]
    assert [i["coders"] for i in data["items"]] == [["gold", "dana"], ["gold", "emil"]]
    for name in ("dana", "emil"):
        rows = list(csv.DictReader(io.StringIO((out / f"handout_crying_{name}.csv").read_text())))
        md = (out / f"handout_crying_{name}.md").read_text()
        assert md.startswith(f"# {name}: crying against the gold segmentation")
        for r in rows:  # every listed episode is one of the gold's (missed) or the trainee's (extra) in the files
            assert r["what"] in ("missed episode", "extra episode", "other code")
            assert len(r["from"]) == 12 and r["from"] in md
        # the listed missed episodes are exactly the gold episodes left unmatched for this trainee
        pair = next(p for p in data["items"][("dana", "emil").index(name)]["pairs"])
        assert sum(r["what"] == "missed episode" for r in rows) == pair["only_a"]
        assert sum(r["what"] == "extra episode" for r in rows) == pair["only_b"]
    cases = [c.get("classname") for c in ET.fromstring((tmp_path / "j.xml").read_text()).iter("testcase")]
    assert {"irrkit.crying-episodes.video.crying_(dana)", "irrkit.crying-episodes.video.crying_(emil)"} <= set(cases)


def test_gold_file_must_hold_one_coder(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("video,coder,start,end,code\nv,g1,1,2,protest\nv,g2,1,2,protest\n")
    t = tmp_path / "t.csv"
    t.write_text("video,coder,start,end,code\nv,anna,1,2,protest\n")
    code, _, err = run("video", t, "--gold", gold, "-c", CB, "--item", "crying")
    assert code == 2 and "a gold file holds one coder's segmentation, not 2" in err


def test_video_results_name_the_tool_and_its_version(tmp_path):
    from irrkit import __version__

    out = tmp_path / "v"
    code, stdout, _ = run("video", *demo_video(), "-c", CB, "--out", out, "--format", "json", "--no-gate")
    assert code == 0
    for doc in (json.loads(stdout), json.loads((out / "results.json").read_text())):
        assert doc["tool"] == "irrkit" and doc["version"] == __version__
