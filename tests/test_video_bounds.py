"""Episode input a user or an attacker can supply: absurd times and lengths, huge cells, pipes. Each is a clear
error (exit 2) naming the file, the line and the value cut to 60 characters, never a crash (exit 3)."""

from __future__ import annotations

import os
import threading

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.episodes.timecode import parse_time

CB = "crying-episodes"


def video(*args: object) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["video", *map(str, args)])
    return res.exit_code, res.output


@pytest.mark.parametrize("text", ["1e307", "1e308", "1.7e308", "9" * 5000 + ":00:00", "12:" + "9" * 5000 + ":00",
                                  "1e13", "-5", "nan", "inf", "00:61:00"])
def test_absurd_times_are_not_times(text) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize("text, ms", [("12.5", 12500), ("00:01:02.500", 62500), ("1:00:00", 3_600_000),
                                      ("999999999", 999_999_999_000), ("131,2", 131200), ("00:02:11,2", 131200)])
def test_ordinary_times(text, ms) -> None:
    assert parse_time(text) == ms


@pytest.mark.parametrize("start", ["1e307", "1e308", "9" * 5000 + ":00:00"])
def test_a_plain_file_with_an_absurd_time_exits_2(tmp_path, start) -> None:
    f = tmp_path / "anna.csv"
    f.write_text(f"video,coder,start,end,code\ns1,anna,{start},5,sad\ns1,anna,6,9,moved\n", encoding="utf-8")
    g = tmp_path / "ben.csv"
    g.write_text("video,coder,start,end,code\ns1,ben,1,5,sad\n", encoding="utf-8")
    code, out = video(f, g, "-c", CB, "--no-gate")
    assert code == 2, out
    assert "anna.csv:2" in out and "is not a time" in out
    assert "9" * 61 not in out  # the value is cut


def test_a_boris_time_of_1e308_exits_2(tmp_path) -> None:
    f = tmp_path / "cleo.csv"
    f.write_text("Observation id,Media file name,Subject,Behavior,Behavioral category,Behavior type,Time\n"
                 "s1_cleo,s1.mp4,p,sad,crying,START,1e308\ns1_cleo,s1.mp4,p,sad,crying,STOP,1e309\n",
                 encoding="utf-8")
    code, out = video(f, "-c", CB, "--no-gate")
    assert code == 2 and "cleo.csv:2" in out and "1e308" in out


def test_a_codebook_length_of_1e18_is_refused(tmp_path) -> None:
    from irrkit.codebooks import bundled

    huge = "    step: 1\n    lengths: {s1: 1000000000000000000}\n"  # 10^18 s
    text = bundled(CB).read_text(encoding="utf-8").replace("    step: 1\n", huge, 1)
    cb = tmp_path / "cb.yaml"
    cb.write_text(text, encoding="utf-8")
    f = tmp_path / "a.csv"
    f.write_text("video,coder,start,end,code\ns1,anna,1,5,sad\n", encoding="utf-8")
    code, out = video(f, "-c", cb, "--no-gate")
    assert code == 2 and "must be at most" in out and "cb.yaml" in out


def test_a_200000_character_elan_value_is_refused_and_not_echoed(tmp_path) -> None:
    big = "x" * 200_000
    eaf = tmp_path / "a.eaf"
    eaf.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" FORMAT="3.0" VERSION="3.0">
<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="900"/></TIME_ORDER>
<TIER LINGUISTIC_TYPE_REF="lt" TIER_ID="crying"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1"
 TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>{big}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>
</ANNOTATION></TIER></ANNOTATION_DOCUMENT>""", encoding="utf-8")
    code, out = video(eaf, "-c", CB, "--no-gate")
    assert code == 2 and "131,072" in out and len(out) < 2000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_read_once(tmp_path) -> None:
    """``irrkit video <(cat f.csv)``: the format detector and the reader both ask for the pipe's bytes."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = "video,coder,start,end,code\ns1,anna,1,5,sad\ns1,ben,1.5,5,sad\n"

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write(text)

    t = threading.Thread(target=feed)
    t.start()
    code, out = video(fifo, "-c", CB, "--no-gate", "--format", "json")
    t.join(timeout=10)
    assert code == 0, out
    assert '"anna"' in out and '"ben"' in out


def test_a_german_excel_episode_file_with_decimal_commas_gives_the_same_agreement(tmp_path) -> None:
    """Excel in a German locale writes ';'-separated CSV with a BOM and decimal commas: 131,2 is 131.2 s."""
    import json

    rows = {"anna": [("36.1", "52.0", "protest"), ("72.3", "83.0", "helpless"), ("94.3", "111.9", "sad")],
            "jürgen": [("35.4", "52.6", "protest"), ("71.0", "84.2", "helpless"), ("95.0", "110.5", "moved")]}
    docs = []
    for german in (False, True):
        files = []
        for coder, eps in rows.items():
            f = tmp_path / f"{coder}_{german}.csv"
            sep = ";" if german else ","
            lines = [sep.join(("video", "coder", "start", "end", "code"))]
            for a, b, c in eps:
                a, b = (a.replace(".", ","), b.replace(".", ",")) if german else (a, b)
                lines.append(sep.join(("s1", coder, a, b, c)))
            f.write_bytes(("\ufeff" if german else "").encode() + "\r\n".join(lines).encode("utf-8"))
            files.append(f)
        code, out = video(*files, "-c", CB, "--no-gate", "-f", "json")
        assert code == 0, out
        docs.append(json.loads(out[out.index("{"):]))
    plain, german = (d["items"] if isinstance(d["items"], list) else list(d["items"].values()) for d in docs)
    assert plain and "kappa" in json.dumps(plain)
    assert json.dumps(plain, sort_keys=True) == json.dumps(german, sort_keys=True)
