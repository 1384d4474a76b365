"""Time-coded episodes: time-based kappa (by hand and against the engine on independently binned data),
tolerance, event matching, unitizing alphas against two independent implementations."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import timeline_reference

from irrkit.analysis.item import analyse
from irrkit.episodes import events, timeline, unitizing
from irrkit.episodes.timecode import EpisodeSpec, build, check_episodes, fmt_time, parse_time
from irrkit.errors import InputError
from irrkit.ratings import ItemRatings
from irrkit.statistics.two_coders import table_coefficients

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "reference" / "unitizing_independent.json"


def episodes(rows, codes=("a", "b"), length=None, overlap=False, step=1.0, tolerance=2.0):
    """rows: (video, coder, start_s, end_s, code)."""
    lengths = {} if length is None else {v: length for v in {r[0] for r in rows}}
    spec = EpisodeSpec("cry", tuple(codes), overlap=overlap, step=step, tolerance=tolerance, lengths=lengths)
    built = [(v, c, round(s * 1000), round(e * 1000), codes.index(k) if k else -1, 0, i + 2)
             for i, (v, c, s, e, k) in enumerate(rows)]
    return build(spec, built, ["episodes.csv"])


# A: no code 0-2, a 2-6, b 9-12;  B: a 3-6, b 10-14, a 16-17;  20 one-second units
HAND = [("v1", "A", 2, 6, "a"), ("v1", "A", 9, 12, "b"),
        ("v1", "B", 3, 6, "a"), ("v1", "B", 10, 14, "b"), ("v1", "B", 16, 17, "a")]


def test_time_based_kappa_by_hand():
    es = episodes(HAND, length=20)
    codes, _ = timeline_reference.code_matrix(es)
    n = 2  # "no code"
    assert codes[:, 0].tolist() == [n, n, 0, 0, 0, 0, n, n, n, 1, 1, 1, n, n, n, n, n, n, n, n]
    assert codes[:, 1].tolist() == [n, n, n, 0, 0, 0, n, n, n, n, 1, 1, 1, 1, n, n, 0, n, n, n]
    (res,) = timeline.time_based(es, tolerance_ms=0, min_videos=1)
    # 15 of 20 units agree; marginals A: a 4, b 3, none 13; B: a 4, b 4, none 12
    pe = (4 * 4 + 3 * 4 + 13 * 12) / 400
    assert res.coefficients["percent_agreement"].value == pytest.approx(0.75, abs=1e-12)
    assert res.coefficients["cohen_kappa"].value == pytest.approx((0.75 - pe) / (1 - pe), abs=1e-12)
    assert res.n_units == 20 and res.labels == ["a", "b", "no code"]


def test_time_based_tolerance_by_hand():
    """Window 2 units, each coder in turn as reference (Bakeman et al. 2009): A as reference every unit
    agrees; B as reference only unit 16 (B: a, A has no a within 14-18) stays a disagreement."""
    es = episodes(HAND, length=20)
    (res,) = timeline.time_based(es, tolerance_ms=2000, min_videos=1)
    assert res.tolerance_ms == 2000
    pa = 39 / 40
    # rows: A's codes twice (a 4, b 3, none 13) | B as reference: first column B's codes with unit 16 -> none
    pe = (7 * 8 + 7 * 7 + 26 * 25) / 1600
    assert res.tolerance["percent_agreement"].value == pytest.approx(pa, abs=1e-12)
    assert res.tolerance["cohen_kappa"].value == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)


def _naive_bins(rows, coders, videos, lengths, step, codes):
    """Units x coders built the slow, obvious way: for each unit, look for the episode covering its midpoint."""
    units = []
    for v in videos:
        n = int(np.ceil(lengths[v] / step - 1e-9))
        for i in range(n):
            mid = (i + 0.5) * step
            row = []
            for c in coders:
                hit = [r for r in rows if r[0] == v and r[1] == c and r[2] <= mid < r[3]]
                row.append(codes.index(hit[0][4]) if hit else len(codes))
            units.append(row)
    return np.array(units, dtype=float)


@pytest.mark.parametrize("seed", range(8))
def test_time_based_equals_engine_on_independently_binned_data(seed):
    rnd = random.Random(seed)
    codes = ("a", "b", "c")
    coders = ["A", "B", "C"][: 2 + seed % 2]
    videos = ["v1", "v2"] if seed < 4 else ["v1"]
    step = rnd.choice([0.5, 1.0, 0.3])
    lengths = {v: 30.0 for v in videos}
    rows = []
    for v in videos:
        for c in coders:
            t = rnd.uniform(0, 3)
            while t < 27:
                d = round(rnd.uniform(0.5, 5), 3)
                rows.append((v, c, round(t, 3), round(min(t + d, 30), 3), rnd.choice(codes)))
                t += d + rnd.uniform(0, 4)
    es = episodes(rows, codes=codes, length=30.0, step=step)
    (res,) = timeline.time_based(es, tolerance_ms=0, min_videos=1)
    values = _naive_bins(rows, coders, videos, lengths, step, codes)
    ref = analyse(ItemRatings("cry", "nominal", [str(i) for i in range(len(values))], coders, values,
                              tuple(float(k) for k in range(len(codes) + 1))))
    assert res.n_units == len(values)
    keys = ["percent_agreement", "fleiss_kappa", "gwet_ac1", "conger_kappa", "krippendorff_alpha"] + (
        ["cohen_kappa"] if len(coders) == 2 else [])
    for key in keys:
        assert res.coefficients[key].value == pytest.approx(ref.coefficients[key].value, abs=1e-9), key
    if len(videos) > 1:  # SEs cluster-robust over the videos: the engine on the naive units with their videos
        from irrkit.statistics import chance_corrected, counting

        unit_video = np.repeat(np.arange(len(videos)), len(values) // len(videos))
        a = chance_corrected.agreement(counting.count_table(values.astype(np.int32), len(codes) + 1),
                                       clusters=unit_video)
        for key, fn in (("fleiss_kappa", chance_corrected.fleiss_kappa), ("gwet_ac1", chance_corrected.gwet_ac),
                        ("percent_agreement", chance_corrected.percent_agreement)):
            assert res.coefficients[key].se == pytest.approx(fn(a).se, abs=1e-12), key
            assert res.coefficients[key].method.startswith("Gwet (2008) linearisation, cluster-robust over 2")
    elif len(coders) == 2:  # one video, two coders: the contingency table and its SE convention (n, not n - 1)
        table = np.zeros((4, 4))
        for a_, b_ in values.astype(int):
            table[a_, b_] += 1
        theirs = table_coefficients(table)
        for key in ("cohen_kappa", "scott_pi", "gwet_ac1", "percent_agreement"):
            assert res.coefficients[key].se == pytest.approx(theirs[key].se, abs=1e-12), key
    else:
        for key in keys:
            assert res.coefficients[key].se == pytest.approx(ref.coefficients[key].se, abs=1e-9), key
    for pair in res.pairs:  # each pair's Cohen's kappa, against the engine on the pair's binned columns
        i, j = pair["coders"]
        two = ItemRatings("cry", "nominal", [str(k) for k in range(len(values))], ["x", "y"], values[:, [i, j]],
                          tuple(float(k) for k in range(len(codes) + 1)))
        assert pair["cohen_kappa"].value == pytest.approx(analyse(two).coefficients["cohen_kappa"].value, abs=1e-9)


def test_overlapping_item_gives_one_analysis_per_code():
    rows = [("v", "A", 0, 10, "a"), ("v", "A", 5, 8, "b"), ("v", "B", 1, 10, "a"), ("v", "B", 6, 8, "b")]
    es = episodes(rows, length=10, overlap=True)
    check_episodes(es)
    res = timeline.time_based(es, tolerance_ms=0, min_videos=1)
    assert [r.what for r in res] == ["cry: a", "cry: b"]
    # code a: A 10 units present, B units 1-9 -> 9 of 10 agree; code b: A 5,6,7 B 6,7 -> 9 of 10
    assert res[0].coefficients["percent_agreement"].value == pytest.approx(0.9)
    assert res[1].coefficients["percent_agreement"].value == pytest.approx(0.9)


def test_coder_who_did_not_code_a_video_is_missing_not_no_code():
    rows = [("v1", "A", 0, 5, "a"), ("v1", "B", 0, 5, "a"), ("v2", "A", 0, 5, "a")]
    es = episodes(rows, length=10)
    codes, _ = timeline_reference.code_matrix(es)
    assert (codes[10:, 1] == -1).all() and (codes[:10, 1] >= 0).all()
    declared = episodes(rows + [("v2", "B", 0, 0, None)], length=10)
    codes, _ = timeline_reference.code_matrix(declared)
    assert (codes[10:, 1] == 2).all()  # B coded v2 and found nothing: "no code"


# --------------------------------------------------------------------------------------------- events


def test_event_based_by_hand():
    es = episodes(HAND, length=20)
    r = events.event_based(es, 0, 1, tol=2000)
    assert (r.agreements, r.code_disagreements, r.only_a, r.only_b) == (2, 0, 0, 1)
    # tally (a, a), (b, b), (nil, a): pa 2/3, pe = (1*2 + 1*1 + 1*0) / 9
    assert r.coefficients["event_percent_agreement"].value == pytest.approx(2 / 3)
    assert r.coefficients["event_kappa"].value == pytest.approx((2 / 3 - 3 / 9) / (1 - 3 / 9))
    assert r.onset["a"]["onset"]["median_s"] == pytest.approx(1.0)
    assert r.onset["b"]["offset"]["largest_s"] == pytest.approx(2.0)


def test_event_matching_is_optimal_where_greedy_is_not():
    """A1 at 10 s is nearest to B1 at 11 s, but A2 at 11.9 s can only reach B1: greedy nearest-first leaves
    two episodes unmatched, the optimal matching pairs A1-B2 and A2-B1."""
    rows = [("v", "A", 10, 10.5, "a"), ("v", "A", 11.9, 12.5, "a"), ("v", "B", 11, 11.5, "a"),
            ("v", "B", 8.1, 8.5, "a")]
    es = episodes(rows)
    r = events.event_based(es, 0, 1, tol=2000)
    assert r.agreements == 2 and r.only_a == 0 and r.only_b == 0


def test_event_matching_prefers_the_same_code():
    rows = [("v", "A", 10, 11, "a"), ("v", "B", 10.5, 11, "b"), ("v", "B", 11, 12, "a")]
    r = events.event_based(episodes(rows), 0, 1, tol=2000)
    assert r.agreements == 1 and r.code_disagreements == 0 and r.only_b == 1


def test_overlap_rule():
    rows = [("v", "A", 0, 10, "a"), ("v", "B", 6, 12, "a")]  # onsets 6 s apart, but they overlap
    assert events.event_based(episodes(rows), 0, 1, tol=2000, rule="onset").agreements == 0
    assert events.event_based(episodes(rows), 0, 1, tol=2000, rule="overlap").agreements == 1


# --------------------------------------------------------------------------------------------- unitizing


def _from_fixture(d):
    codes = tuple(sorted({u["code"] for u in d["units"]}))
    rows = [("v", u["coder"], u["start"], u["end"], u["code"]) for u in d["units"]]
    return episodes(rows, codes=codes, length=d["length"])


@pytest.mark.parametrize("name", ["two_coders", "three_coders", "lindanna_example", "kua_example"])
def test_unitizing_alphas_match_independent_implementations(name):
    d = json.loads(FIX.read_text())["datasets"][name]
    res = unitizing.unitizing(_from_fixture(d))
    for key, by_impl in d["expected"].items():
        for impl, value in by_impl.items():
            if key == "ku_alpha":
                for code, v in value.items():
                    assert res.per_code[code].value == pytest.approx(v, abs=1e-9), (impl, code)
            else:
                assert res.alphas[key].value == pytest.approx(value, abs=1e-9), (impl, key)


def test_unitizing_against_krippendorff_unitized_alpha_package_on_random_data():
    kua = pytest.importorskip("krippendorff_unitized_alpha.krippendorffs_unitized_alpha")
    rnd = random.Random(7)
    for _ in range(5):
        n, rows, segs = 60, [], {}
        for c in ("A", "B", "C")[: rnd.choice([2, 3])]:
            t, lst = 0, []
            while True:
                s = t + rnd.randint(0, 6)
                e = s + rnd.randint(1, 8)
                if e > n:
                    break
                code = rnd.choice("xy")
                rows.append(("v", c, s, e, code))
                if s > t:
                    lst.append(kua.Segment(kua.EMPTY_TAG, t, s))
                lst.append(kua.Segment(code, s, e))
                t = e
            if t < n:
                lst.append(kua.Segment(kua.EMPTY_TAG, t, n))
            segs[c] = lst
        mine = unitizing.unitizing(episodes(rows, codes=("x", "y"), length=n)).alphas["u_alpha"].value
        assert mine == pytest.approx(kua.KrippendorffUnitizedAlpha(segs).result, abs=1e-9)


def test_unitizing_perfect_and_undefined():
    rows = [("v", "A", 2, 5, "a"), ("v", "B", 2, 5, "a")]
    res = unitizing.unitizing(episodes(rows, length=10))
    assert res.alphas["u_alpha"].value == pytest.approx(1.0)
    assert res.alphas["cu_alpha"].status == "undefined"  # one code only: no expected disagreement on codes
    assert "0/0" in res.alphas["cu_alpha"].reason
    alone = unitizing.unitizing(episodes([("v", "A", 2, 5, "a")], length=10))
    assert alone.alphas["u_alpha"].status == "undefined"


# --------------------------------------------------------------------------------------------- checks, times


def test_check_episodes_names_file_and_line():
    bad = episodes([("v", "A", 5, 3, "a"), ("v", "B", 0, 4, "a"), ("v", "B", 3, 6, "b"), ("v", "B", 8, 12, "a")],
                   length=10)
    with pytest.raises(InputError) as e:
        check_episodes(bad)
    text = str(e.value)
    assert "episodes.csv:2: item 'cry': episode ends at 00:00:03.000, before it starts at 00:00:05.000" in text
    assert "episodes.csv:4:" in text and "overlapping episodes" in text and "(line 3)" in text
    assert "episodes.csv:5:" in text and "after the end of video 'v' (00:00:10.000)" in text


@pytest.mark.parametrize("text,ms", [("12.5", 12500), ("01:02.25", 62250), ("1:00:00", 3_600_000),
                                     ("00:00:01:250", 1250), ("0", 0), ("3,5", 3500), ("-1", None),
                                     ("nan", None), ("1:60", None), ("", None), ("12,5:00", None)])
def test_parse_time(text, ms):
    assert parse_time(text) == ms


def test_fmt_time():
    assert fmt_time(3_723_004) == "01:02:03.004"
    assert parse_time(fmt_time(3_723_004)) == 3_723_004


@pytest.mark.parametrize("seed", range(4))
def test_tolerance_tally_equals_the_per_unit_definition(seed):
    rnd = random.Random(100 + seed)
    rows = []
    for v in ("v1", "v2"):
        for c in ("A", "B"):
            t = 0.0
            while t < 50:
                d = rnd.uniform(0.5, 6)
                rows.append((v, c, round(t, 1), round(min(t + d, 60), 1), rnd.choice("ab")))
                t += d + rnd.uniform(0, 5)
    es = episodes(rows, length=60, step=0.5)
    codes, g = timeline_reference.code_matrix(es)
    w = rnd.choice([1, 2, 4])
    table = np.zeros((3, 3))
    for v in range(2):
        lo, hi = g.offset[v], g.offset[v + 1]
        a, b = codes[lo:hi, 0], codes[lo:hi, 1]
        for t in range(hi - lo):
            win = slice(max(0, t - w), min(hi - lo, t + w + 1))
            table[a[t], a[t] if a[t] in b[win] else b[t]] += 1  # A as the reference
            table[b[t] if b[t] in a[win] else a[t], b[t]] += 1  # B as the reference
    assert np.array_equal(timeline_reference.tolerant_table(codes[:, 0], codes[:, 1], 3, w, g), table)
