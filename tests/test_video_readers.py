"""Episode readers (plain CSV, ELAN, BORIS, Datavyu): what they read back, what they refuse and where, and
fuzzing: any bytes give either episodes or an InputError naming the file, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irrkit.episodes.timecode import EpisodeSpec
from irrkit.errors import InputError
from irrkit.readers.episodes import detect, read_episode_files

SPECS = {"cry": EpisodeSpec("cry", ("protest", "despair"), lengths={})}

EAF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">
  <HEADER TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///videos/v01.mp4" MIME_TYPE="video/mp4"/>
  </HEADER>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="2000"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="6500"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="9000"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="12000"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default" TIER_ID="cry@anna">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>protest</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>despair</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default" TIER_ID="cry" ANNOTATOR="ben">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>protest</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default" TIER_ID="transcript"/>
</ANNOTATION_DOCUMENT>
"""

BORIS = """Observation id,Media file name,Total length,Subject,Behavior,Behavioral category,Modifiers,\
Behavior type,Time,Status
obs-cleo,v01.mp4,20.000,child,protest,cry,,STATE,2.000,START
obs-cleo,v01.mp4,20.000,child,protest,cry,,STATE,6.500,STOP
obs-cleo,v01.mp4,20.000,child,despair,cry,,STATE,9.000,START
obs-cleo,v01.mp4,20.000,child,despair,cry,,STATE,12.000,STOP
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def episodes_of(es):
    return sorted((es.videos[v], es.coders[c], int(s), int(e), es.spec.codes[k])
                  for v, c, s, e, k in zip(es.video, es.coder, es.start, es.end, es.code))


def test_plain_csv_reads_back(tmp_path):
    p = write(tmp_path, "ep.csv", "video,coder,start,end,code\nv01,anna,2,6.5,protest\n"
                                  "v01,anna,00:09,00:00:12.000,despair\nv01,ben,,,\n")
    sets, _ = read_episode_files([p], SPECS)
    es = sets["cry"]
    assert episodes_of(es) == [("v01", "anna", 2000, 6500, "protest"), ("v01", "anna", 9000, 12000, "despair")]
    assert es.coders == ["anna", "ben"] and es.declared[0, 1]


@pytest.mark.parametrize("body,where,what", [
    ("v01,anna,2,x,protest", ":2: column 'end': 'x' is not a time", "seconds (12.5) or"),
    ("v01,anna,2,6,crying", ":2: unknown code 'crying'", "allowed: protest, despair"),
    ("v01,anna,6,2,protest", ":2: item 'cry': episode ends at 00:00:02.000, before it starts", ""),
    ("v01,anna,2,6,protest\nv01,anna,5,8,despair", ":3: item 'cry': coder 'anna' has overlapping episodes",
     "(line 2)"),
    ("v01,,2,6,protest", ":2: column 'coder': empty coder", ""),
])
def test_plain_csv_refusals_name_the_line(tmp_path, body, where, what):
    p = write(tmp_path, "ep.csv", "video,coder,start,end,code\n" + body + "\n")
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    assert f"{p}{where}" in str(e.value) and what in str(e.value)


def test_plain_csv_missing_column(tmp_path):
    p = write(tmp_path, "ep.csv", "video,coder,begin,end,code\nv01,anna,2,6,protest\n")
    with pytest.raises(InputError, match="no 'start' column"):
        read_episode_files([p], SPECS)


def test_times_past_the_recording_length(tmp_path):
    p = write(tmp_path, "ep.csv", "video,coder,start,end,code\nv01,anna,2,26,protest\n")
    specs = {"cry": EpisodeSpec("cry", ("protest", "despair"), lengths={"v01": 20})}
    with pytest.raises(InputError, match=r"ep.csv:2: .*ends after the end of video 'v01' \(00:00:20.000\)"):
        read_episode_files([p], specs)


def test_elan_tiers_map_to_coders(tmp_path):
    p = write(tmp_path, "session.eaf", EAF)
    assert detect(p) == "elan"
    sets, warnings = read_episode_files([p], SPECS)
    assert episodes_of(sets["cry"]) == [("v01", "anna", 2000, 6500, "protest"), ("v01", "anna", 9000, 12000, "despair"),
                                        ("v01", "ben", 2000, 12000, "protest")]
    assert any("tier 'transcript' matches no episode item" in w for w in warnings)


@pytest.mark.parametrize("change,where,what", [
    (('REF2="ts4">\n      <ANNOTATION_VALUE>despair', 'REF2="ts9">\n      <ANNOTATION_VALUE>despair'),
     ":15: element ALIGNABLE_ANNOTATION: annotation 'a2'", "time slot 'ts9', which TIME_ORDER does not define"),
    (('TIME_SLOT_ID="ts3" TIME_VALUE="9000"', 'TIME_SLOT_ID="ts3"'), ":15: element ALIGNABLE_ANNOTATION:",
     "no TIME_VALUE (unaligned)"),
    (("<ANNOTATION_VALUE>despair", "<ANNOTATION_VALUE>rage"), ":15: element ALIGNABLE_ANNOTATION: unknown code 'rage'",
     "allowed: protest, despair"),
    (("</TIER>\n  <TIER LINGUISTIC_TYPE_REF", "</TIR>\n  <TIER LINGUISTIC_TYPE_REF"), ":17:",
     "not a well-formed ELAN (XML) file: mismatched tag"),
])
def test_elan_refusals_name_line_and_element(tmp_path, change, where, what):
    p = write(tmp_path, "session.eaf", EAF.replace(*change))
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    assert f"{p}{where}" in str(e.value) and what in str(e.value)


def test_elan_refuses_entities(tmp_path):
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<ANNOTATION_DOCUMENT>&a;</ANNOTATION_DOCUMENT>'
    p = write(tmp_path, "bomb.eaf", bomb)
    with pytest.raises(InputError, match="DTDs and entity declarations are not allowed"):
        read_episode_files([p], SPECS)


def test_boris_tabular_events(tmp_path):
    p = write(tmp_path, "boris.csv", BORIS)
    assert detect(p) == "boris"
    sets, _ = read_episode_files([p], SPECS)
    es = sets["cry"]
    assert episodes_of(es) == [("v01", "obs-cleo", 2000, 6500, "protest"), ("v01", "obs-cleo", 9000, 12000, "despair")]
    assert es.lengths_ms.tolist() == [20000]


def test_boris_aggregated_and_point_events(tmp_path):
    agg = ("Observation id,Media file name,Subject,Behavior,Behavioral category,Start (s),Stop (s),Coder\n"
           "o1,v02.mp4,child,protest,cry,1.5,4,dana\n")
    sets, _ = read_episode_files([write(tmp_path, "agg.csv", agg)], SPECS)
    assert episodes_of(sets["cry"]) == [("v02", "dana", 1500, 4000, "protest")]
    point = BORIS.splitlines()[0] + "\nobs-cleo,v01.mp4,20,child,protest,cry,,POINT,3.0,POINT\n"
    sets, _ = read_episode_files([write(tmp_path, "pt.csv", point)], SPECS)
    assert episodes_of(sets["cry"]) == [("v01", "obs-cleo", 3000, 3000, "protest")]


@pytest.mark.parametrize("drop,where,what", [
    (2, ":2: column 'Status': 'protest' STARTs but never STOPs", ""),
    (1, ":2: column 'Status': 'protest' STOPs without a START", ""),
])
def test_boris_unpaired_events(tmp_path, drop, where, what):
    lines = BORIS.splitlines()
    del lines[drop]
    p = write(tmp_path, "boris.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    assert f"{p}{where}" in str(e.value)


def test_boris_time_past_total_length(tmp_path):
    p = write(tmp_path, "boris.csv", BORIS.replace("12.000,STOP", "25.000,STOP"))
    with pytest.raises(InputError, match=r"boris.csv:4: .*ends after the end of video 'v01'"):
        read_episode_files([p], SPECS)


def test_datavyu_export(tmp_path):
    p = write(tmp_path, "v03_emil.csv", "cry.ordinal,cry.onset,cry.offset,cry.code01,other.onset,other.offset\n"
                                        "1,2000,6500,protest,0,10\n2,00:00:09:000,12000,despair,,\n")
    assert detect(p) == "datavyu"
    sets, warnings = read_episode_files([p], SPECS)
    assert episodes_of(sets["cry"]) == [("v03", "emil", 2000, 6500, "protest"), ("v03", "emil", 9000, 12000, "despair")]
    assert any("Datavyu column 'other' matches no episode item" in w for w in warnings)
    bad = write(tmp_path, "v03_fay.csv", "cry.ordinal,cry.onset,cry.offset,cry.code01\n1,2000,soon,protest\n")
    with pytest.raises(InputError, match=r"v03_fay.csv:2: column 'cry.offset': 'soon' is not a time"):
        read_episode_files([bad], SPECS)


# --------------------------------------------------------------------------------------------- fuzzing

VALID = {"ep.csv": "video,coder,start,end,code\nv01,anna,2,6.5,protest\nv01,ben,1,7,despair\n",
         "session.eaf": EAF, "boris.csv": BORIS,
         "v03_emil.csv": "cry.ordinal,cry.onset,cry.offset,cry.code01\n1,2000,6500,protest\n"}


def _only_input_errors(path: Path) -> None:
    try:
        read_episode_files([path], SPECS)
    except InputError as e:
        assert e.problems and all(str(path) in str(p) or p.file == "..." for p in e.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(VALID)), data=st.data())
def test_fuzz_mutated_files(tmp_path, name, data):
    raw = bytearray(VALID[name].encode())
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        b = data.draw(st.integers(0, 255))
        if op == "flip":
            raw[i] = b
        elif op == "insert":
            raw.insert(i, b)
        elif len(raw) > 1:
            del raw[i]
    _only_input_errors(write(tmp_path, name, bytes(raw)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(VALID)), blob=st.binary(max_size=300))
def test_fuzz_random_bytes(tmp_path, name, blob):
    _only_input_errors(write(tmp_path, name, blob))


def test_a_file_of_no_known_layout_is_reported_once(tmp_path):
    """German Excel CSV of something else: one error naming the columns found and every layout looked for."""
    p = write(tmp_path, "notizen.csv", "\ufeffSitzung;Bemerkung;Dauer\n1;gut;3,5\n")
    with pytest.raises(InputError) as e:
        read_episode_files([p], SPECS)
    (problem,) = e.value.problems
    text = str(problem)
    assert "no known layout" in text and "'Sitzung', 'Bemerkung', 'Dauer'" in text
    for looked_for in ("video, coder, start, end, code", "BORIS", "Datavyu", "ELAN"):
        assert looked_for in text
    q = write(tmp_path, "ep.csv", "video,coder,begin,finish,code\n")
    with pytest.raises(InputError) as e:
        read_episode_files([q], SPECS)
    (problem,) = e.value.problems
    assert "no 'start', 'end' columns" in str(problem)
