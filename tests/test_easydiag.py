"""ELAN's modified kappa (Holle & Rein 2015, "Cohen's kappa (modified, EasyDIAg)") through ``irrkit video``.

No published example with its data and ELAN's or EasyDIAg's figures was found (see fixtures/video/README.md), so
the check is a hand tally of a small made-up example, every step written out below, plus the chance agreement
against an independent fit of the quasi-independence model (statsmodels' Poisson GLM).

The example (fixtures/video/easydiag_hand.csv; codes iconic, beat; seconds), anna against ben:

=====  ==================  ==================  =====================================  ===================
video  anna                ben                 overlap / longer                       outcome
=====  ==================  ==================  =====================================  ===================
v1     iconic 0-10         iconic 1-10         9 / 10 = 90%                           linked (iconic, iconic)
v1     beat 20-25          iconic 20-24        4 / 5 = 80%                            linked (beat, iconic)
v1     iconic 30-40        iconic 35-45        5 / 10 = 50% < 60%                     both unmatched
v1     beat 50-60          beat 54-60          6 / 10 = 60% (exactly the threshold)   linked (beat, beat)
v1     iconic 70-75        -                                                          anna's unmatched
v2     beat 0-4            beat 0-4            100%                                   linked (beat, beat)
v2     -                   beat 10-12                                                 ben's unmatched
=====  ==================  ==================  =====================================  ===================

A linked pair counts 2, an unmatched episode 1 (rows anna, columns ben)::

                iconic  beat  unmatched | row
    iconic         2      0       2     |  4
    beat           2      4       0     |  6
    unmatched      1      1       0     |  2
    column         5      5       2     | N = 12 (the 12 episodes)

* raw agreement p_o = (2 + 4) / 12 = 1/2; linked share = 8/12 = 2/3
* ordinary chance p_e = (4*5 + 6*5 + 2*2) / 144 = 54/144 = 3/8; p_oM = (4 + 5 + 2) / 12 = 11/12;
  kappa_max = (11/12 - 3/8) / (1 - 3/8) = 13/15
* quasi-independence (cell unmatched/unmatched a structural zero): m_ij = a_i b_j. Solving the margins by hand:
  by the symmetry of the column margins b_iconic = b_beat = 0.4 S (S = sum of b), b_unmatched = S/5,
  a_iconic = 4/S, a_beat = 6/S, so m_iconic,iconic = 1.6 and m_beat,beat = 2.4: p_e(ipf) = 4/12 = 1/3 and
  kappa_ipf = (1/2 - 1/3) / (2/3) = 1/4
  (ELAN's 20 sweeps from a 0.001 seed come within 3e-5 of it)
* unmatched excluded: [[2, 0], [2, 4]], p_o = 6/8, p_e = (2*4 + 6*4) / 64 = 1/2, kappa = 1/2, kappa_max = 1/2
* per code, 2 x 2 tables [[a, b], [c, d]]: iconic a = 2, b = 4 - 2 = 2, c = 5 - 2 = 3, d = 12 - 7 = 5:
  kappa = (7/12 - 76/144) / (1 - 76/144) = 2/17, kappa_max = (11/12 - 76/144) / (68/144) = 14/17;
  beat a = 4, b = 2, c = 1, d = 5: kappa = (9/12 - 1/2) / (1/2) = 1/2, kappa_max = (11/12 - 1/2) / (1/2) = 5/6
"""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.episodes import easydiag
from irrkit.episodes.timecode import EpisodeSpec, build

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "video"
TABLE = [[2, 0, 2], [2, 4, 0], [1, 1, 0]]


@pytest.fixture(scope="module")
def stats() -> dict:
    res = CliRunner().invoke(app, ["video", str(HERE / "easydiag_hand.csv"), "-c", str(HERE / "easydiag_hand.yaml"),
                                   "--no-gate", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]["statistics"]


def test_the_hand_tally_through_irrkit_video(stats) -> None:
    k, km = stats["easydiag_kappa"], stats["easydiag_kappa_max"]
    assert k["status"] == "ok" and "60% of the longer one" in k["method"]
    assert k["labels"] == ["iconic", "beat", "unmatched"] and k["table"] == TABLE
    assert k["n_units"] == 12 and k["pa"] == pytest.approx(0.5) and k["linked_share"] == pytest.approx(2 / 3)
    assert k["kappa_ipf_exact"] == pytest.approx(0.25, abs=1e-9)
    assert k["value"] == pytest.approx(0.25, abs=3e-5)  # ELAN's 20 sweeps, 0.001 seed
    assert km["value"] == pytest.approx(13 / 15) and k["kappa_max"] == pytest.approx(13 / 15)
    assert k["kappa_excl_unmatched"] == pytest.approx(0.5) and k["kappa_max_excl_unmatched"] == pytest.approx(0.5)
    assert k["raw_agreement_excl_unmatched"] == pytest.approx(0.75)
    iconic, beat = k["per_code"]["iconic"], k["per_code"]["beat"]
    assert iconic["table"] == [[2, 2], [3, 5]] and beat["table"] == [[4, 2], [1, 5]]
    assert iconic["kappa"] == pytest.approx(2 / 17) and iconic["kappa_max"] == pytest.approx(14 / 17)
    assert beat["kappa"] == pytest.approx(0.5) and beat["kappa_max"] == pytest.approx(5 / 6)
    assert iconic["raw_agreement"] == pytest.approx(7 / 12) and beat["raw_agreement"] == pytest.approx(0.75)


def test_elan_sweeps_spelled_out() -> None:
    """ELAN's fit, written as plainly as possible: seed of ones, the structural cell 0 -> 0.001, 20 times rows
    then columns; chance = its diagonal without the last cell over N."""
    t = np.array(TABLE, dtype=float)
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    m = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 0.001]]
    for _ in range(20):
        for i in range(3):
            s = sum(m[i])
            m[i] = [x / s * rows[i] for x in m[i]]
        for j in range(3):
            s = sum(m[i][j] for i in range(3))
            for i in range(3):
                m[i][j] = m[i][j] / s * cols[j]
    pe = (m[0][0] + m[1][1]) / 12
    r = easydiag.figures(t.astype(int), ["iconic", "beat"])
    assert r.chance_ipf == pytest.approx(pe, abs=1e-14)
    assert r.kappa_ipf == pytest.approx((0.5 - pe) / (1 - pe), abs=1e-14)


def glm_chance(table: np.ndarray) -> float:
    """The quasi-independence fit by another route: a Poisson log-linear model with row and column effects on
    every cell but the structural zero; its fitted diagonal (without that cell) over N."""
    import statsmodels.api as sm

    k = len(table)
    cells = [(i, j) for i in range(k) for j in range(k) if (i, j) != (k - 1, k - 1)]
    x = np.zeros((len(cells), 2 * k - 1))
    for n, (i, j) in enumerate(cells):
        x[n, 0] = 1
        if i:
            x[n, i] = 1
        if j:
            x[n, k - 1 + j] = 1
    y = np.array([table[i, j] for i, j in cells], dtype=float)
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-13)
    mu = dict(zip(cells, fit.fittedvalues))
    return sum(mu[(i, i)] for i in range(k - 1)) / table.sum()


@pytest.mark.parametrize("seed", range(4))
def test_chance_agreement_is_the_quasi_independence_fit(seed) -> None:
    rng = np.random.default_rng(seed)
    k = 2 + seed
    t = rng.integers(1, 25, size=(k + 1, k + 1))
    t[np.arange(k), np.arange(k)] *= 4
    t[-1, -1] = 0
    r = easydiag.figures(t, [str(i) for i in range(k)])
    pe = glm_chance(t)
    assert r.chance_exact == pytest.approx(pe, abs=1e-9)
    assert r.chance_ipf == pytest.approx(pe, abs=1e-3)  # ELAN's 20 sweeps from a 0.001 seed
    assert glm_chance(np.array(TABLE)) == pytest.approx(1 / 3, abs=1e-7)


def brute_link(sa, ea, sb, eb, threshold):
    """Every pair's share of the longer episode, then greedy from the largest share (then overlap; among equals
    the later candidate in (a, b-by-start) order, as ELAN)."""
    cand = []
    order_b = sorted(range(len(sb)), key=lambda j: sb[j])
    for i in range(len(sa)):
        for j in order_b:
            ov = min(ea[i], eb[j]) - max(sa[i], sb[j])
            longer = max(ea[i] - sa[i], eb[j] - sb[j])
            if ov > 0 and longer > 0 and ov / longer >= threshold:
                cand.append((ov / longer, ov, len(cand), i, j))
    used_a, used_b, out = set(), set(), []
    for _, _, _, i, j in sorted(cand, reverse=True):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return sorted(out)


@pytest.mark.parametrize("seed", range(30))
def test_linking_equals_the_all_pairs_greedy(seed) -> None:
    rnd = random.Random(seed)
    overlap = seed % 2 == 1  # odd seeds: a coder's episodes may overlap each other
    threshold = (0.3, 0.51, 0.6, 0.9)[seed % 4]

    def coder():
        s, e, t = [], [], 0
        for _ in range(rnd.randrange(0, 25)):
            t += rnd.randrange(0, 6) if overlap else rnd.randrange(0, 4)
            d = rnd.choice([0, 1, 2, 3, 5, 8, 10])
            s.append(t)
            e.append(t + d)
            if not overlap:
                t += d
        return s, e

    (sa, ea), (sb, eb) = coder(), coder()
    got = easydiag.link(np.array(sa), np.array(ea), np.array(sb), np.array(eb), threshold)
    assert [tuple(p) for p in got.tolist()] == brute_link(sa, ea, sb, eb, threshold)


def test_points_never_link_and_touching_is_no_overlap() -> None:
    assert len(easydiag.link(np.array([5, 0]), np.array([5, 10]), np.array([5, 10]), np.array([5, 20]))) == 0


def test_three_coders_pool_the_pair_tables() -> None:
    """A third coder identical to anna: the figures come from the sum of the three pairs' tables (ELAN's global
    table over the selected tier pairs); each pair's kappa_ipf is given."""
    spec = EpisodeSpec("gesture", ("iconic", "beat"), tolerance=0.0)
    rows = []
    for line, r in enumerate(open(HERE / "easydiag_hand.csv", encoding="utf-8").read().splitlines()[1:]):
        v, c, s, e, code = r.split(",")
        for who in ([c, "cleo"] if c == "anna" else [c]):
            rows.append((v, who, round(float(s) * 1000), round(float(e) * 1000), spec.codes.index(code), 0, line))
    es = build(spec, rows, ["x.csv"], coders=["anna", "ben", "cleo"])
    res = easydiag.easydiag(es)
    tables = [easydiag.pair_table(es, a, b) for a, b in combinations(range(3), 2)]
    assert res.table.tolist() == sum(tables).tolist()
    assert tables[0].tolist() == TABLE  # anna-ben
    assert tables[1].tolist() == [[6, 0, 0], [0, 6, 0], [0, 0, 0]]  # anna-cleo: all linked, same code
    assert set(res.pairs) == {"anna|ben", "anna|cleo", "ben|cleo"}
    assert res.pairs["anna|cleo"] == pytest.approx(1.0)
    coefs = easydiag.coefficients(es)
    assert "summed" in coefs["easydiag_kappa"].method and coefs["easydiag_kappa"].extra["pairs"] == res.pairs


def test_undefined_not_nan() -> None:
    spec = EpisodeSpec("gesture", ("iconic",), tolerance=0.0)
    es = build(spec, [("v", "a", 0, 1000, 0, 0, 2)], ["x.csv"])
    c = easydiag.coefficients(es)
    assert c["easydiag_kappa"].status == "undefined" and "fewer than two coders" in c["easydiag_kappa"].reason
    es = build(spec, [("v", "a", 0, 1000, 0, 0, 2), ("v", "b", 0, 1000, 0, 0, 3)], ["x.csv"])
    c = easydiag.coefficients(es)  # one code, linked: chance agreement 1 (ELAN's 0.001 seed gives ~1 - 1e-6)
    assert c["easydiag_kappa"].status == "undefined" and c["easydiag_kappa"].value is None
    assert "chance agreement is 1" in c["easydiag_kappa"].reason
    assert c["easydiag_kappa"].extra["raw_agreement"] == 1.0


def test_linking_is_fast_on_long_records() -> None:
    import time

    rng = np.random.default_rng(0)
    s = np.cumsum(rng.integers(1000, 5000, 200_000))
    e = s + rng.integers(500, 1000, len(s))
    t0 = time.perf_counter()
    p = easydiag.link(s, e, s + 100, e + 50)
    assert len(p) == len(s) and time.perf_counter() - t0 < 5


def test_a_video_only_one_coder_coded_is_left_out() -> None:
    """As ELAN compares the tiers of a file that holds both: anna's episodes in a video ben did not code are not
    counted as unmatched."""
    spec = EpisodeSpec("gesture", ("iconic", "beat"), tolerance=0.0)
    rows = [("v1", "anna", 0, 1000, 0, 0, 2), ("v1", "ben", 0, 1000, 0, 0, 3), ("v2", "anna", 0, 1000, 1, 0, 4)]
    es = build(spec, rows, ["x.csv"])
    assert easydiag.pair_table(es, 0, 1).tolist() == [[2, 0, 0], [0, 0, 0], [0, 0, 0]]
