"""BORIS files in the layouts BORIS writes today, typed here (not made by irrkit): the tabular events export of
BORIS 8 (START/STOP in 'Behavior type', no 'Status' column), the aggregated events export and the project file
(.boris, JSON) read without exporting. All three must give the same episodes, and the older layout (with
'Status') the same again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.codebooks.codebook import load_codebook
from irrkit.readers.episodes import read_episode_files

# (category, behavior, start s, stop s) of observer cleo in session01.mp4 (420 s)
EPISODES = [("intervention", "support", 26.5, 33.7), ("crying", "protest", 35.7, 52.6),
            ("intervention", "exploring_emotions", 44.8, 46.7), ("crying", "sad", 100.0, 130.2),
            ("intervention", "pause", 131.0, 140.5)]
MEDIA = "C:/Users/lab/Videos/session01.mp4"
COMMON = ["Observation id", "Observation date", "Description", "Observation type", "Source", "Time offset (s)",
          "Media duration (s)", "FPS", "Subject", "Behavior", "Behavioral category", "Behavior type"]


def _events() -> list[tuple[float, str, str, str]]:
    ev = [(s, "START", b, c) for c, b, s, _ in EPISODES] + [(e, "STOP", b, c) for c, b, _, e in EPISODES]
    return sorted(ev)


def tabular_v8(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow([*COMMON, "Time", "Media file name", "Image index", "Image file path", "Comment"])
        for t, status, b, c in _events():
            w.writerow(["session01_cleo", "2024-05-02 10:00:00", "", "Media file", f"player #1:{MEDIA}", "0.000",
                        "420.000", "25.00", "patient", b, c, status, f"{t:.3f}", MEDIA, int(t * 25), "NA", ""])
    return path


def aggregated_v8(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*COMMON, "Start (s)", "Stop (s)", "Duration (s)", "Media file name", "Image index start",
                    "Image index stop", "Image file path start", "Image file path stop", "Comment start",
                    "Comment stop"])
        for c, b, s, e in sorted(EPISODES, key=lambda x: x[2]):
            w.writerow(["session01_cleo", "2024-05-02 10:00:00", "", "Media file", f"player #1:{MEDIA}", "0.000",
                        "420.000", "25.00", "patient", b, c, "STATE", f"{s:.3f}", f"{e:.3f}", f"{e - s:.3f}", MEDIA,
                        "NA", "NA", "NA", "NA", "", ""])
    return path


def project(path: Path) -> Path:
    behaviors = {str(i): {"type": "State event", "key": k, "code": b, "description": "", "category": c,
                          "modifiers": {}, "excluded": "", "coding map": "", "color": ""}
                 for i, (k, (c, b)) in enumerate(zip("qwert", sorted({(c, b) for c, b, _, _ in EPISODES})))}
    doc = {"time_format": "hh:mm:ss", "project_date": "2024-05-01T09:00:00", "project_name": "crying",
           "project_description": "", "project_format_version": "7.0",
           "subjects_conf": {"0": {"key": "p", "name": "patient", "description": ""}},
           "behaviors_conf": behaviors,
           "observations": {"session01_cleo": {
               "file": {"1": [MEDIA], "2": [], "3": [], "4": [], "5": [], "6": [], "7": [], "8": []},
               "type": "MEDIA", "date": "2024-05-02T10:00:00", "description": "", "time offset": 0.0,
               "events": [[t, "patient", b, "", ""] for t, _, b, _ in _events()],
               "observation time interval": [0, 0], "independent_variables": {},
               "media_info": {"length": {MEDIA: 420.0}, "fps": {MEDIA: 25.0}, "hasVideo": {MEDIA: True},
                              "hasAudio": {MEDIA: True}, "offset": {"1": 0.0}}}},
           "behavioral_categories": ["crying", "intervention"], "coding_map": {}, "behaviors_coding_map": [],
           "converters": {}, "independent_variables": {}}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def old_layout(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Observation id", "Observation date", "Media file name", "Total length", "FPS", "Subject",
                    "Behavior", "Behavioral category", "Modifiers", "Behavior type", "Time", "Status"])
        for t, status, b, c in _events():
            w.writerow(["session01_cleo", "2024-05-02 10:00:00", MEDIA, "420.000", "25", "patient", b, c, "",
                        "STATE", f"{t:.3f}", status])
    return path


def episodes_of(path: Path) -> dict[str, list[tuple]]:
    specs = {e.id: e.spec() for e in load_codebook("crying-episodes").episodes}
    sets, _ = read_episode_files([path], specs)
    out = {}
    for item, es in sets.items():
        out[item] = sorted((es.videos[v], es.coders[c], int(s), int(e), es.spec.codes[k])
                           for v, c, s, e, k in zip(es.video, es.coder, es.start, es.end, es.code))
        assert es.lengths_ms.tolist() == [420_000]
    return out


def expected() -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {"crying": [], "intervention": []}
    for c, b, s, e in EPISODES:
        out[c].append(("session01", "cleo", round(s * 1000), round(e * 1000), b))
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("make, name", [(tabular_v8, "cleo_events.tsv"), (aggregated_v8, "cleo_aggregated.csv"),
                                        (project, "crying.boris"), (old_layout, "cleo_old.csv")])
def test_every_boris_layout_gives_the_same_episodes(tmp_path, make, name) -> None:
    assert episodes_of(make(tmp_path / name)) == expected()


def test_the_current_tabular_export_through_the_command(tmp_path) -> None:
    f = tabular_v8(tmp_path / "cleo.tsv")
    g = aggregated_v8(tmp_path / "dora.csv")
    g.write_text(g.read_text(encoding="utf-8").replace("session01_cleo", "session01_dora"), encoding="utf-8")
    res = CliRunner().invoke(app, ["video", str(f), str(g), "-c", "crying-episodes", "--no-gate", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    crying = next(it for it in doc["items"] if it["item"] == "crying")
    assert crying["coders"] == ["cleo", "dora"]
    assert crying["time_based"][0]["coefficients"]["cohen_kappa"]["value"] == pytest.approx(1.0)


def test_a_state_event_left_open_in_a_project_is_named(tmp_path) -> None:
    p = project(tmp_path / "p.boris")
    doc = json.loads(p.read_text())
    doc["observations"]["session01_cleo"]["events"].pop()
    p.write_text(json.dumps(doc))
    specs = {e.id: e.spec() for e in load_codebook("crying-episodes").episodes}
    with pytest.raises(Exception) as e:
        read_episode_files([p], specs)
    assert "session01_cleo" in str(e.value) and "never STOPs" in str(e.value)
