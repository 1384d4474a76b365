"""ELAN files as labs write them (ELAN 6, EAF 3.0), typed here by hand, not made by irrkit: tiers without an
ANNOTATOR but with a PARTICIPANT (the person filmed), items split between coders, tiers that match no item,
duplicate tier and time-slot ids, a trailing space in a tier name, the document's AUTHOR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.codebooks.codebook import load_codebook
from irrkit.episodes import timeline
from irrkit.errors import InputError
from irrkit.readers.episodes import read_episode_files

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="{author}" DATE="2024-03-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/Users/lab/Videos/session01.mp4" MIME_TYPE="video/mp4"
            RELATIVE_MEDIA_URL="../Videos/session01.mp4"/>
        <PROPERTY NAME="lastUsedAnnotationId">9</PROPERTY>
    </HEADER>
    <TIME_ORDER>
{slots}
    </TIME_ORDER>
"""
TAIL = """    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
    <CONSTRAINT DESCRIPTION="Time subdivision of parent annotation's time interval, no time gaps allowed within
        this interval" STEREOTYPE="Time_Subdivision"/>
</ANNOTATION_DOCUMENT>
"""


def eaf(tiers: list[tuple[dict[str, str], list[tuple[int, int, str]]]], author: str = "",
        extra_slots: str = "") -> str:
    """An EAF document: ``tiers`` = (attributes, [(start_ms, end_ms, code), ...])."""
    slots, body, n, a = [], [], 0, 0
    for attrs, anns in tiers:
        attr_text = " ".join(f'{k}="{v}"' for k, v in {"LINGUISTIC_TYPE_REF": "default-lt", **attrs}.items())
        body.append(f"    <TIER {attr_text}>")
        for start, end, code in anns:
            n += 2
            a += 1
            slots += [f'        <TIME_SLOT TIME_SLOT_ID="ts{n - 1}" TIME_VALUE="{start}"/>',
                      f'        <TIME_SLOT TIME_SLOT_ID="ts{n}" TIME_VALUE="{end}"/>']
            body += ["        <ANNOTATION>",
                     f'            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a{a}" TIME_SLOT_REF1="ts{n - 1}" '
                     f'TIME_SLOT_REF2="ts{n}">',
                     f"                <ANNOTATION_VALUE>{code}</ANNOTATION_VALUE>",
                     "            </ALIGNABLE_ANNOTATION>", "        </ANNOTATION>"]
        body.append("    </TIER>")
    return HEAD.format(author=author, slots="\n".join(slots) + extra_slots) + "\n".join(body) + "\n" + TAIL


CRYING_A = [(1000, 5000, "sad"), (20000, 26000, "moved"), (40000, 44000, "protest")]
CRYING_B = [(1500, 5200, "sad"), (21000, 26000, "moved"), (40500, 43000, "helpless")]
IV_A = [(6000, 9000, "support"), (30000, 33000, "pause")]
IV_B = [(6200, 9500, "support"), (30000, 32000, "exploring_emotions")]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def video(*args: object) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["video", *map(str, args)])
    return res.exit_code, res.output


def read(paths, **kw):
    specs = {e.id: e.spec() for e in load_codebook("crying-episodes").episodes}
    return read_episode_files(paths, specs, **kw)


def test_participant_names_the_person_filmed_not_the_coder(tmp_path) -> None:
    """Two coders' files whose tiers carry PARTICIPANT (patient, therapist) and no ANNOTATOR: two coders named
    after the files, not three named after the people filmed."""
    a = write(tmp_path, "anna.eaf", eaf([({"TIER_ID": "crying", "PARTICIPANT": "Patientin"}, CRYING_A),
                                         ({"TIER_ID": "intervention", "PARTICIPANT": "Therapeutin"}, IV_A)]))
    b = write(tmp_path, "ben.eaf", eaf([({"TIER_ID": "crying", "PARTICIPANT": "Patientin"}, CRYING_B),
                                        ({"TIER_ID": "intervention", "PARTICIPANT": "Therapeutin"}, IV_B)]))
    sets, _ = read([a, b])
    assert sets["crying"].coders == ["anna", "ben"] and sets["intervention"].coders == ["anna", "ben"]
    code, out = video(a, b, "-c", "crying-episodes", "--format", "json", "--no-gate")
    assert code == 0 and "Patientin" not in out and "Therapeutin" not in out


def test_coder_option_only_for_files_that_name_none(tmp_path) -> None:
    a = write(tmp_path, "f1.eaf", eaf([({"TIER_ID": "crying", "ANNOTATOR": "anna"}, CRYING_A)]))
    b = write(tmp_path, "f2.eaf", eaf([({"TIER_ID": "crying"}, CRYING_B)]))
    sets, _ = read([a, b], coder="ben")
    assert sets["crying"].coders == ["anna", "ben"]


def test_author_names_the_coder_of_a_file_without_annotators(tmp_path) -> None:
    a = write(tmp_path, "s01.eaf", eaf([({"TIER_ID": "crying"}, CRYING_A)], author="Anna K."))
    b = write(tmp_path, "s01_2.eaf", eaf([({"TIER_ID": "crying"}, CRYING_B)], author="Ben M."))
    sets, _ = read([a, b])
    assert sets["crying"].coders == ["Anna K.", "Ben M."]


def test_one_file_is_one_coder_unless_its_tiers_name_different_annotators(tmp_path) -> None:
    a = write(tmp_path, "x.eaf", eaf([({"TIER_ID": "crying", "ANNOTATOR": "anna"}, CRYING_A),
                                      ({"TIER_ID": "intervention"}, IV_A)]))
    b = write(tmp_path, "y.eaf", eaf([({"TIER_ID": "crying", "ANNOTATOR": "ben"}, CRYING_B),
                                      ({"TIER_ID": "intervention", "ANNOTATOR": "ben"}, IV_B)]))
    sets, _ = read([a, b])
    assert sets["intervention"].coders == ["anna", "ben"]


def test_a_coder_without_a_tier_for_an_item_is_missing_for_it(tmp_path) -> None:
    """Items split between coders: ben coded crying only. For intervention he is missing (not 'found nothing'),
    and a note names coder, file and item."""
    a = write(tmp_path, "anna.eaf", eaf([({"TIER_ID": "crying"}, CRYING_A), ({"TIER_ID": "intervention"}, IV_A)]))
    b = write(tmp_path, "ben.eaf", eaf([({"TIER_ID": "crying"}, CRYING_B)]))
    c = write(tmp_path, "cleo.eaf", eaf([({"TIER_ID": "crying"}, CRYING_A),
                                         ({"TIER_ID": "intervention"}, IV_B)]))
    sets, warnings = read([a, b, c])
    iv = sets["intervention"]
    coded = timeline.coded(iv)
    assert iv.coders == ["anna", "ben", "cleo"]
    assert coded[0].tolist() == [True, False, True]
    assert timeline.coded(sets["crying"])[0].tolist() == [True, True, True]
    assert any("ben" in w and "ben.eaf" in w and "intervention" in w for w in warnings)


def test_a_file_whose_tiers_match_no_item_is_an_error(tmp_path) -> None:
    a = write(tmp_path, "anna.eaf", eaf([({"TIER_ID": "crying"}, CRYING_A)]))
    b = write(tmp_path, "ben.eaf", eaf([({"TIER_ID": "Weinen"}, CRYING_B), ({"TIER_ID": "Interventionen"}, IV_B)]))
    code, out = video(a, b, "-c", "crying-episodes", "--no-gate")
    assert code == 2
    assert "ben.eaf" in out and "'Weinen'" in out and "Interventionen" in out
    assert "--tier 'Interventionen=intervention'" in out


def test_tier_names_match_without_case_and_surrounding_spaces(tmp_path) -> None:
    a = write(tmp_path, "anna.eaf", eaf([({"TIER_ID": "Crying "}, CRYING_A), ({"TIER_ID": "INTERVENTION"}, IV_A)]))
    b = write(tmp_path, "all.eaf", eaf([({"TIER_ID": "crying@cleo "}, CRYING_B), ({"TIER_ID": "crying@ cleo"}, [])]))
    sets, _ = read([a, b])
    assert sets["crying"].coders == ["anna", "cleo"]
    assert len(sets["intervention"]) == len(IV_A)


def test_a_tier_id_used_twice_is_an_error_naming_both_lines(tmp_path) -> None:
    text = eaf([({"TIER_ID": "crying", "ANNOTATOR": "anna"}, CRYING_A),
                ({"TIER_ID": "crying", "ANNOTATOR": "ben"}, CRYING_B)])
    a = write(tmp_path, "pasted.eaf", text)
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if '<TIER ' in line]
    with pytest.raises(InputError) as e:
        read([a])
    msg = str(e.value)
    assert "tier id 'crying' is used twice" in msg and f"first on line {lines[0]}" in msg
    assert f"pasted.eaf:{lines[1]}" in msg
    code, _ = video(a, "-c", "crying-episodes", "--no-gate")
    assert code == 2


def test_a_time_slot_defined_twice_is_an_error(tmp_path) -> None:
    twice = '\n        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="9"/>'
    text = eaf([({"TIER_ID": "crying"}, CRYING_A)], extra_slots=twice)
    a = write(tmp_path, "slots.eaf", text)
    with pytest.raises(InputError) as e:
        read([a])
    assert "time slot id 'ts1' is defined twice" in str(e.value)


def test_kappa_of_two_coders_named_by_file(tmp_path) -> None:
    """The time-unit Cohen's kappa of the PARTICIPANT case against a tally made here from the intervals."""
    a = write(tmp_path, "anna.eaf", eaf([({"TIER_ID": "crying", "PARTICIPANT": "Patientin"}, CRYING_A)]))
    b = write(tmp_path, "ben.eaf", eaf([({"TIER_ID": "crying", "PARTICIPANT": "Patientin"}, CRYING_B)]))
    sets, _ = read([a, b])
    es = sets["crying"]
    codes = list(es.spec.codes)
    horizon = max(e for _, e, _ in CRYING_A + CRYING_B) // 1000

    def units(eps):  # 1-s time units; a unit takes the code of the episode covering its midpoint (Bakeman 2009)
        u = np.full(horizon, len(codes))
        for s, e, c in eps:
            for t in range(horizon):
                if s <= t * 1000 + 500 < e:
                    u[t] = codes.index(c)
        return u

    x, y = units(CRYING_A), units(CRYING_B)
    q = len(codes) + 1
    po = np.mean(x == y)
    pe = sum(np.mean(x == k) * np.mean(y == k) for k in range(q))
    expected = (po - pe) / (1 - pe)
    res = timeline.time_based(es)
    kappa = res[0].pairs[0]["cohen_kappa"].value if hasattr(res[0], "pairs") else None
    assert kappa == pytest.approx(expected, abs=1e-9)
