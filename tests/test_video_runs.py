"""Time-based statistics on runs of identical time units: the runs expand to the units x coders matrix, and every
statistic (value, SE, CI; plain, cluster-robust, pairwise, with tolerance) equals the one computed on the
expanded matrix by the unweighted engine and the per-unit tolerance tally."""

from __future__ import annotations

import random

import numpy as np
import pytest
import timeline_reference

from irrkit.episodes import timeline
from irrkit.episodes.timecode import EpisodeSpec, build

FIELDS = ("value", "se", "ci_low", "ci_high", "p_value", "pa", "pe")


def generated(seed, overlap=False):
    rnd = random.Random(seed)
    codes = ("a", "b", "c")
    coders = ["A", "B", "C", "D"][: 2 + seed % 3]
    videos = ["v1", "v2", "v3"][: 1 + seed % 3]
    step = rnd.choice([0.1, 0.5, 1.0, 0.3])
    spec = EpisodeSpec("cry", codes, overlap=overlap, step=step, tolerance=2.0,
                       lengths={v: 40.0 for v in videos})
    rows, line = [], 2
    for vi, v in enumerate(videos):
        for ci, c in enumerate(coders):
            if vi == 1 and ci == 1:
                continue  # B did not code v2: missing there, not "no code"
            t = rnd.uniform(0, 3)
            while t < 36:
                d = rnd.uniform(0.05, 6)
                rows.append((v, c, round(t * 1000), round(min(t + d, 40) * 1000), rnd.randrange(3), 0, line))
                line += 1
                t += (d if not overlap else d / 2) + rnd.uniform(0, 4)
    return build(spec, rows, ["generated.csv"])


@pytest.mark.parametrize("seed", range(12))
def test_runs_expand_to_the_code_matrix(seed):
    es = generated(seed)
    runs, g = timeline.code_runs(es)
    codes, _ = timeline_reference.code_matrix(es)
    assert np.array_equal(timeline_reference.expand(runs), codes)
    assert (runs.length > 0).all() and runs.start[-1] == g.n
    assert np.array_equal(np.repeat(runs.video, runs.length), g.unit_video)
    ov = generated(seed, overlap=True)
    for k in range(3):
        pres, _ = timeline.presence_runs(ov, k)
        assert np.array_equal(timeline_reference.expand(pres), timeline_reference.presence_matrix(ov, k)[0])


def same(got, want, key):
    assert got.status == want.status and got.n_units == want.n_units and got.method == want.method, key
    for f in FIELDS:
        g, w = getattr(got, f), getattr(want, f)
        assert (g is None) == (w is None), (key, f)
        if w is not None:
            assert g == pytest.approx(w, rel=1e-9, abs=1e-12), (key, f)


@pytest.mark.parametrize("seed", range(12))
def test_statistics_on_runs_equal_the_expanded_matrix(seed):
    es = generated(seed)
    (res,) = timeline.time_based(es, min_videos=1)
    codes, g = timeline_reference.code_matrix(es)
    q = len(es.spec.codes) + 1
    several = len(g.offset) > 2
    want = timeline.engine_family(codes, q, clusters=g.unit_video if several else None)
    assert set(res.coefficients) == set(want)
    for key, c in want.items():
        same(res.coefficients[key], c, key)
    w = es.spec.tolerance_ms // g.step_ms
    for pair in res.pairs:
        i, j = pair["coders"]
        if several:  # the pair's kappa with videos as clusters
            plain = timeline.engine_family(codes[:, [i, j]], q, clusters=g.unit_video)
        else:
            plain = timeline.pair_family(timeline.contingency(codes[:, i], codes[:, j], q))
        same(pair["cohen_kappa"], plain["cohen_kappa"], "pair")
        tol = timeline.pair_family(timeline_reference.tolerant_table(codes[:, i], codes[:, j], q, w, g))
        for key, want_key in (("tolerance_kappa", "cohen_kappa"), ("tolerance_percent_agreement",
                                                                  "percent_agreement")):
            got = pair[key]  # the tally counts every unit twice: the value, never an SE over units
            assert got.value == pytest.approx(tol[want_key].value, rel=1e-9, abs=1e-12)
            assert got.se is None and got.p_value is None and "counts each time unit twice" in got.reason


@pytest.mark.parametrize("seed", range(6))
def test_overlapping_item_on_runs_equals_the_presence_matrix(seed):
    es = generated(seed, overlap=True)
    res = timeline.time_based(es, min_videos=1)
    for k, r in enumerate(res):
        pres, g = timeline_reference.presence_matrix(es, k)
        want = timeline.engine_family(pres, 2, clusters=g.unit_video if len(g.offset) > 2 else None)
        for key, c in want.items():
            same(r.coefficients[key], c, key)


@pytest.mark.parametrize("seed", range(12))
def test_tolerance_tally_on_runs_equals_the_unit_tally(seed):
    es = generated(seed)
    runs, g = timeline.code_runs(es)
    codes = timeline_reference.expand(runs)
    for w in (0, 1, 3, 20, 10_000):
        for i in range(codes.shape[1]):
            for j in range(i + 1, codes.shape[1]):
                assert np.array_equal(timeline.tolerant_table_runs(runs, i, j, 4, w),
                                      timeline_reference.tolerant_table(codes[:, i], codes[:, j], 4, w, g)), (w, i, j)


def unit_level_disagreements(es):
    """The disagreement stretches from the units x coders matrix, unit by unit (the previous implementation)."""
    codes, g = timeline_reference.code_matrix(es)
    c = np.where(codes < 0, 99, codes)
    valid = codes >= 0
    ref = np.where(valid, codes, -2).max(axis=1)
    differ = (valid & (codes != ref[:, None])).any(axis=1)
    change = np.ones(g.n, dtype=bool)
    change[1:] = (c[1:] != c[:-1]).any(axis=1)
    change[g.offset[:-1][g.offset[:-1] < g.n]] = True
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], g.n)
    return [(int(g.unit_video[s]), int(s - g.offset[g.unit_video[s]]), int(e - s), tuple(c[s]))
            for s, e in zip(starts, ends) if differ[s]]


@pytest.mark.parametrize("seed", range(12))
def test_disagreement_list_from_runs_equals_the_unit_level_list(seed):
    from irrkit.episodes.timecode import parse_time
    from irrkit.episodes.video import disagreement_rows
    es = generated(seed)
    want = unit_level_disagreements(es)
    rows = disagreement_rows(es)
    labels = [*es.spec.codes, "no code"]
    step = es.spec.step_ms
    got = [(es.videos.index(r["video"]), parse_time(r["from"]) // step, round(r["seconds"] * 1000) // step,
            tuple(labels.index(r[name]) if r[name] else 99 for name in es.coders)) for r in rows]
    assert got == want and len(want) > 0
