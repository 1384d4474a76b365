"""Honest uncertainty for time-coded agreement: time units within a video are not independent observations, so
SEs, CIs and p-values treat the videos as the independent observations (cluster-robust), and with fewer than
``timeline.MIN_VIDEOS`` videos only the values are given, with the reason; the headline statistic is a
chance-corrected one (time-unit Cohen's kappa for two coders, Fleiss' kappa for more)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import timeline_reference  # the dense unit matrix, the reference of the run-based statistics
from typer.testing import CliRunner

from irrkit.cli.demo import demo_video
from irrkit.cli.main import app
from irrkit.episodes import timeline
from irrkit.episodes.timecode import EpisodeSpec, build
from irrkit.statistics import chance_corrected


def episodes(n_videos: int, seed: int = 1):
    """Two coders, ``n_videos`` videos of 120 s, episodes of codes a/b with jittered boundaries."""
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(n_videos):
        t = 0
        while t < 110_000:
            s = t + int(rng.integers(1000, 8000))
            e = s + int(rng.integers(2000, 9000))
            if e > 120_000:
                break
            k = int(rng.integers(0, 2))
            for c in ("anna", "ben"):
                js, je = int(rng.integers(-800, 800)), int(rng.integers(-800, 800))
                kk = k if rng.random() < 0.85 else 1 - k
                rows.append((f"v{v}", c, max(0, s + js), e + je, kk, 0, 0))
            t = e + 1000
    spec = EpisodeSpec("x", ("a", "b"), step=1.0, tolerance=0.0, lengths={f"v{v}": 120.0 for v in range(n_videos)})
    return build(spec, rows, ["f.csv"])


def test_below_the_minimum_of_videos_only_values_and_the_reason() -> None:
    es = episodes(timeline.MIN_VIDEOS - 1)
    (res,) = timeline.time_based(es)
    c = res.coefficients["cohen_kappa"]
    assert c.ok and c.se is None and c.ci_low is None and c.p_value is None
    assert f"fewer than {timeline.MIN_VIDEOS}" in c.reason and "not independent" in c.reason
    assert res.pairs[0]["cohen_kappa"].se is None


def test_from_the_minimum_on_the_se_is_cluster_robust_over_videos() -> None:
    """Equal to the engine on the expanded unit matrix (not the runs) with each unit's video as its cluster, and
    larger than the SE that treats the time units as independent (what clustering is for)."""
    es = episodes(timeline.MIN_VIDEOS + 3)
    (res,) = timeline.time_based(es)
    codes, g = timeline_reference.code_matrix(es)
    want = timeline.engine_family(codes, 3, clusters=g.unit_video)["cohen_kappa"]
    got = res.coefficients["cohen_kappa"]
    assert got.value == pytest.approx(want.value, abs=1e-12) and got.se == pytest.approx(want.se, rel=1e-9)
    naive = chance_corrected.conger_kappa(codes, 3, None)
    assert got.se > naive.se
    assert res.pairs[0]["cohen_kappa"].se == pytest.approx(want.se, rel=1e-9)
    assert "videos as the independent observations" in res.notes[0]


def test_the_demo_has_three_videos_and_says_so() -> None:
    res = CliRunner().invoke(app, ["video", *map(str, demo_video()), "-c", "crying-episodes", "--no-gate",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    for it in json.loads(res.stdout)["items"]:
        assert it["primary"] == "fleiss_kappa"  # three coders: anna, ben, cleo
        k = it["statistics"]["fleiss_kappa"]
        assert k["value"] is not None and k["se"] is None and k["p_value"] is None
        assert "3 videos, fewer than 5" in k["reason"]


def test_a_unitizing_bootstrap_replicate_is_the_alpha_of_the_resampled_videos() -> None:
    """A replicate (videos drawn [2, 0, 1, ...] times) computed from the per-video sums equals unitizing() run
    from scratch on a data set that holds each video as often as it was drawn."""
    from irrkit.episodes import unitizing

    es = episodes(4, seed=3)
    pv = unitizing.per_video(es)
    total = unitizing.alphas_from(unitizing.Sums(pv.obs.sum(0), pv.s_c.sum(0), pv.s_star.sum(0)))
    point = unitizing.unitizing(es).alphas
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        assert total[key] == pytest.approx(point[key].value, abs=1e-12)
    m = np.array([2.0, 0.0, 1.0, 3.0])
    rep = unitizing.alphas_from(unitizing.Sums(np.einsum("v,vck->ck", m, pv.obs), m @ pv.s_c, m @ pv.s_star))
    rows = []
    for v, times in enumerate(m.astype(int)):
        sel = es.video == v
        for r in range(times):
            rows += [(f"v{v}_{r}", es.coders[c], int(s), int(e), int(k), 0, 0)
                     for c, s, e, k in zip(es.coder[sel], es.start[sel], es.end[sel], es.code[sel], strict=True)]
    lengths = {f"v{v}_{r}": 120.0 for v, times in enumerate(m.astype(int)) for r in range(times)}
    again = build(EpisodeSpec("x", ("a", "b"), step=1.0, tolerance=0.0, lengths=lengths), rows, ["f.csv"])
    direct = unitizing.unitizing(again).alphas
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        assert rep[key] == pytest.approx(direct[key].value, abs=1e-12)


def test_the_unitizing_bootstrap_gives_a_ci_around_the_estimate() -> None:
    from irrkit.episodes import unitizing

    es = episodes(8, seed=4)
    point = unitizing.unitizing(es).alphas
    ci = unitizing.bootstrap_over_videos(es, n_boot=400, seed=1)
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        lo, hi, n = ci[key]
        assert n == 400 and lo < point[key].value < hi and hi - lo < 0.5


def test_analyse_episodes_puts_the_video_bootstrap_on_the_unitizing_alphas() -> None:
    from irrkit.episodes.video import analyse_episodes

    many = analyse_episodes(episodes(timeline.MIN_VIDEOS + 1, seed=5))
    c = many.coefficients["u_alpha"]
    assert c.ci_low is not None and c.ci_low < c.value < c.ci_high and "bootstrap over the 6 videos" in c.method
    few = analyse_episodes(episodes(2, seed=5)).coefficients["u_alpha"]
    assert few.ok and few.ci_low is None and "2 videos, fewer than" in few.reason


def resampled(es, mult):
    """The item built from scratch with video v repeated mult[v] times (copies named v#1, v#2, ...)."""
    rows = []
    for v, k in enumerate(mult):
        for copy in range(int(k)):
            sel = np.flatnonzero(es.video == v)
            rows += [(f"{es.videos[v]}#{copy}", es.coders[es.coder[i]], int(es.start[i]), int(es.end[i]),
                      int(es.code[i]), 0, 0) for i in sel]
    return build(es.spec, rows, ["f.csv"], coders=es.coders)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_event_kappa_replicate_equals_the_resampled_videos(seed) -> None:
    """A bootstrap replicate of the event-based and matched kappas (per-video tallies re-weighted) equals
    event_based() recomputed on the resampled videos, matching included; the matching never crosses videos."""
    from irrkit.episodes import events
    from irrkit.statistics.bootstrap import multiplicities

    es = episodes(7, seed)
    es = build(es.spec.__class__("x", ("a", "b"), step=1.0, tolerance=1.0), [
        (es.videos[v], es.coders[c], int(s), int(e), int(k), 0, 0)
        for v, c, s, e, k in zip(es.video, es.coder, es.start, es.end, es.code)], ["f.csv"])
    res = events.event_based(es, 0, 1, 1000, "onset")
    m = multiplicities(len(es.videos), 4, np.random.default_rng(seed))
    for key in events.EVENT_KEYS:
        tables, q = events.video_tables(res, key, len(es.videos))
        reps = events.replicate_kappas(tables, q, m)
        for b in range(len(m)):
            again = events.event_based(resampled(es, m[b]), 0, 1, 1000, "onset").coefficients[key]
            assert reps[b] == pytest.approx(again.value, abs=1e-12), (key, b)


def test_event_kappas_clustered_over_videos_with_a_bootstrap_ci() -> None:
    """From MIN_VIDEOS videos on: SE and p of the event kappas cluster-robust over videos (the engine with each
    event's video as its cluster), a percentile bootstrap CI over videos around the value; below: the value
    and the reason."""
    from irrkit.episodes import events
    from irrkit.episodes import video as V

    es = episodes(timeline.MIN_VIDEOS + 3)
    res = V.analyse_episodes(es, tolerance_ms=1000)
    pair = res.pairs[0]
    for key in ("event_kappa", "matched_kappa"):
        c = res.coefficients[key]
        rows, vid = pair.rows, pair.row_video
        if key == "matched_kappa":
            keep = (rows < 2).all(axis=1)
            rows, vid = rows[keep], vid[keep]
        fam = timeline.engine_family(rows.astype(np.int32), int(rows.max()) + 1, clusters=vid)["cohen_kappa"]
        assert c.value == pytest.approx(fam.value, abs=1e-12) and c.se == pytest.approx(fam.se, rel=1e-12)
        pa = pair.coefficients[events.PERCENT_KEYS[key]]
        want_pa = timeline.engine_family(rows.astype(np.int32), int(rows.max()) + 1, clusters=vid)["percent_agreement"]
        assert pa.value == pytest.approx(want_pa.value, abs=1e-12) and pa.se == want_pa.se
        assert c.p_value == fam.p_value and "cluster-robust over the 8 videos" in c.method
        assert c.ci_low < c.value < c.ci_high and "percentile bootstrap" in c.method
        independent = timeline.engine_family(rows.astype(np.int32), int(rows.max()) + 1)["cohen_kappa"]
        assert c.se != pytest.approx(independent.se, rel=1e-3)  # not the SE of independent events
    few = V.analyse_episodes(episodes(timeline.MIN_VIDEOS - 1))
    c = few.coefficients["event_kappa"]
    assert c.ok and c.se is None and c.ci_low is None and c.p_value is None and "fewer than 5" in c.reason
