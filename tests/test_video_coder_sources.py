"""Who coded what (issue 20, point 1): every source of a coder name in the JSON (``coder_sources``) and, with
``--verbose``, at the terminal: ELAN (ANNOTATOR, @coder, AUTHOR, --coder, file name), BORIS (Coder/Observer
column, --coder, the observation id), Datavyu (the file name, --coder), plain CSV (the coder column).
Also ``--gamma`` (Mathet's gamma asked for from the command line)."""

from __future__ import annotations

import json
from pathlib import Path

from test_boris_layouts import project, tabular_v8
from test_elan_as_labs_write import CRYING_A, CRYING_B, eaf
from typer.testing import CliRunner

from irrkit.cli.main import app

runner = CliRunner()


def video(*args: object) -> tuple[int, dict | None, str]:
    res = runner.invoke(app, ["video", *(str(a) for a in args), "-c", "crying-episodes", "--no-gate",
                              "--format", "json"])
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        doc = None
    return res.exit_code, doc, res.stderr


def test_elan_sources_in_json_and_with_verbose(tmp_path: Path) -> None:
    a = tmp_path / "anna.eaf"
    a.write_text(eaf([({"TIER_ID": "crying", "ANNOTATOR": "anna", "PARTICIPANT": "Patientin"}, CRYING_A)]),
                 encoding="utf-8")
    b = tmp_path / "s01.eaf"
    b.write_text(eaf([({"TIER_ID": "crying"}, CRYING_B)], author="Ben M."), encoding="utf-8")
    c = tmp_path / "cleo.eaf"
    c.write_text(eaf([({"TIER_ID": "crying@cleo"}, CRYING_B)]), encoding="utf-8")
    d = tmp_path / "dora.eaf"
    d.write_text(eaf([({"TIER_ID": "crying"}, CRYING_A)]), encoding="utf-8")
    code, doc, err = video(a, b, c, d, "--verbose")
    assert code == 0, err
    src = doc["coder_sources"]
    assert src == {"anna": f"{a}: ANNOTATOR of tier 'crying'", "Ben M.": f"{b}: the document's AUTHOR",
                   "cleo": f"{c}: the @coder part of tier 'crying@cleo'", "dora": f"{d}: the file name"}
    for who, how in src.items():
        assert f"coder '{who}': {how}" in " ".join(err.split())
    assert "Patientin" not in src
    code, doc, err = video(d, a, "--coder", "emil")
    assert doc["coder_sources"]["emil"] == f"{d}: --coder"
    assert "coder '" not in err  # without --verbose, not at the terminal


def test_boris_plain_and_datavyu_sources(tmp_path: Path) -> None:
    f = tabular_v8(tmp_path / "cleo.tsv")
    p = project(tmp_path / "crying.boris")
    g = tmp_path / "ep.csv"
    g.write_text("video,Coder,start,end,code\nsession01,anna,2,6.5,protest\n", encoding="utf-8")
    code, doc, err = video(f, g, "--verbose")
    assert code == 0, err
    assert doc["coder_sources"]["cleo"] == f"{f}: the observation id 'session01_cleo' after the media's name"
    assert doc["coder_sources"]["anna"] == f"{g}: column 'Coder' (first at line 2)"
    code, doc, err = video(p, "--coder", "dora")
    assert doc["coder_sources"] == {"dora": f"{p}: --coder"}
    o = tmp_path / "obs.csv"
    o.write_text("Observation id,Media file name,Observer,Behavior,Behavioral category,Behavior type,Time\n"
                 "s1,session01.mp4,Fay,protest,crying,START,2.0\ns1,session01.mp4,Fay,protest,crying,STOP,6.0\n",
                 encoding="utf-8")
    code, doc, err = video(o, f)
    assert code == 0, err
    assert doc["coder_sources"]["Fay"] == f"{o}: column 'Observer' (first at line 2)"
    dv = tmp_path / "session01_emil.csv"
    dv.write_text("crying.ordinal,crying.onset,crying.offset,crying.code01\n1,2000,6500,protest\n", encoding="utf-8")
    code, doc, err = video(dv, f)
    assert code == 0, err
    assert doc["coder_sources"]["emil"] == f"{dv}: the file name 'session01_emil' (video_coder)"


def test_gamma_option_asks_for_gamma(tmp_path: Path) -> None:
    """--gamma adds gamma and gamma-cat to the item's coefficients: their values with pygamma-agreement, else
    undefined with the install line (the test extra does not install it)."""
    a = tmp_path / "anna.eaf"
    a.write_text(eaf([({"TIER_ID": "crying", "ANNOTATOR": "anna"}, CRYING_A)]), encoding="utf-8")
    b = tmp_path / "ben.eaf"
    b.write_text(eaf([({"TIER_ID": "crying", "ANNOTATOR": "ben"}, CRYING_B)]), encoding="utf-8")
    code, doc, err = video(a, b)
    crying = next(it for it in doc["items"] if it["item"] == "crying")
    assert "gamma" not in crying["statistics"]
    code, doc, err = video(a, b, "--gamma")
    assert code == 0, err
    crying = next(it for it in doc["items"] if it["item"] == "crying")
    g = crying["statistics"]["gamma"]
    assert g["value"] is not None or "irrkit[gamma]" in g["reason"]


def test_progress_counts_every_pair_of_coders(tmp_path: Path) -> None:
    """The workflow's progress hook: per item, the pairs of coders of the analysis and of each tolerance of the
    sweep, advanced exactly to the total announced (the CLI shows a bar from PAIRS_BAR on)."""
    from contextlib import contextmanager

    from irrkit.cli.demo import demo_video
    from irrkit.codebooks import bundled
    from irrkit.episodes.video import SWEEP_S
    from irrkit.workflows.video import run_video

    seen = []

    @contextmanager
    def record(total):
        done: list[int] = []
        yield done.append
        seen.append((total, sum(done)))

    run = run_video(demo_video(), bundled("crying-episodes"), out=tmp_path, no_gate=True, progress=record)
    assert len(seen) == len(run.results)
    for (total, done), res in zip(seen, run.results):
        m = len(res.es.coders)
        assert total == done == m * (m - 1) // 2 * (1 + len(SWEEP_S))


def test_gamma_help_names_the_extra() -> None:
    """The help's install line survives Rich markup (``[gamma]`` is not a tag)."""
    res = runner.invoke(app, ["video", "--help"], env={"COLUMNS": "200"})
    assert "irrkit[gamma]" in res.stdout and "--verbose" in res.stdout
