"""Many coders (issue 20): beyond ``allpairs.MANY_CODERS`` coders ``irrkit video`` computes every pair's values at
once (``irrkit.episodes.allpairs``). Each pair's figures must be those of the pair alone: the reference is a
two-coder run of the same two files (two coders never take the new path), and the item's means, sweep and onset
table those of the per-pair path (``--pairs all``)."""

from __future__ import annotations

import csv
import io
import json
import math
from itertools import combinations

import numpy as np
import pytest

from irrkit.episodes import allpairs, events
from irrkit.episodes import video as V
from irrkit.workflows.video import run_video

CODES = ("protest", "sad", "helpless", "relief")
VIDEOS = 7
LENGTH_S = 150  # known recording lengths: a pair's time units are the same alone and among many coders


def _write(tmp_path, n_coders: int, seed: int):
    """One CSV per coder as Excel writes it in Germany (';', BOM, umlauts in names) of random episodes on 7
    videos, each coder leaving out at most one video; and a codebook with the recording lengths. Returns (files,
    codebook)."""
    rng = np.random.default_rng(seed)
    files = []
    for c in range(n_coders):
        skip = int(rng.integers(VIDEOS + 3))  # >= VIDEOS: codes every video
        lines = ["video;coder;start;end;code"]
        for v in range(VIDEOS):
            if v == skip:
                continue
            t = 0.0
            while True:
                t += float(rng.integers(0, 60)) / 10
                d = float(rng.integers(0, 120)) / 10
                if t + d > LENGTH_S:
                    break
                s, e = f"{t:.1f}", f"{t + d:.1f}"  # (the episode readers take times with a decimal point)
                lines.append(f"s{v};Kodierer_{c:02d}ä;{s};{e};{CODES[int(rng.integers(len(CODES)))]}")
                t += d
        f = tmp_path / f"coder_{c:02d}.csv"
        f.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
        files.append(f)
    lengths = ", ".join(f"s{v}: {LENGTH_S}" for v in range(VIDEOS))
    cats = "".join(f"      - {{code: {k}}}\n" for k in CODES)
    cb = tmp_path / "cb.yaml"
    cb.write_text(f"id: many\nitems:\n  - id: cry\n    kind: episodes\n    categories:\n{cats}    overlap: false\n"
                  f"    step: 1\n    tolerance: 2\n    lengths: {{{lengths}}}\n", encoding="utf-8")
    return files, cb


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _num(x) -> float | None:
    return None if x in ("", None) else float(x)


def _same(a, b, tol: float = 1e-12) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _assert_same(a, b, path: str = "") -> None:
    """The same JSON, numbers to 1e-12 (relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert _same(a, b), (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize("match", ["onset", "overlap"])
def test_each_pair_equals_the_two_coder_run_of_its_files(tmp_path, match):
    """24 coders (276 pairs, past MANY_CODERS = 20): every pair in pairs.csv and in the JSON's ELAN pair kappas
    equals a two-coder run of that pair's two files (8 pairs, chosen at random) on every figure."""
    files, cb = _write(tmp_path, 24, seed=7 if match == "onset" else 8)
    many = run_video(files, cb, out=tmp_path / "out", match=match, no_gate=True)
    res = many.results[0]
    assert res.many is not None and not res.pairs  # the new path was taken
    pairs = {(r["coder_a"], r["coder_b"]): r for r in _rows(many.files[tmp_path / "out" / "pairs.csv"])}
    assert len(pairs) == 24 * 23 // 2
    elan = many.payload["items"][0]["statistics"]["easydiag_kappa"]["pairs"]
    rng = np.random.default_rng(1)
    chosen = [tuple(sorted(p)) for p in rng.choice(24, (8, 2), replace=True) if p[0] != p[1]]
    for a, b in chosen:
        alone = run_video([files[a], files[b]], cb, match=match, no_gate=True).results[0]
        assert alone.many is None and len(alone.es.coders) == 2
        ca, cb_ = alone.es.coders  # (files are read in the order given: coder a first)
        row = pairs[(ca, cb_)]
        st = alone.coefficients
        for col, key in (("time_kappa", "cohen_kappa"), ("tolerance_kappa", "tolerance_kappa"),
                         ("event_kappa", "event_kappa"), ("matched_kappa", "matched_kappa")):
            want = st[key].value if st[key].ok else None
            assert _same(_num(row[col]), want), (a, b, col, row[col], want)
        p = alone.pairs[0]
        assert (int(row["agreements"]), int(row["code_disagreements"]), int(row["only_a"]), int(row["only_b"])) == (
            p.agreements, p.code_disagreements, p.only_a, p.only_b)
        k = st["easydiag_kappa"]
        assert _same(elan[f"{ca}|{cb_}"], k.value if k.ok else None)


def test_means_sweep_and_onsets_equal_the_per_pair_path(tmp_path):
    """The item's figures with 22 coders: the same as each pair in turn (``all_pairs``, the path of fewer
    coders) for every statistic, the tolerance sweep and the onset table; only the per-pair SEs and the list of
    pairs differ (summarised, with a note)."""
    files, cb = _write(tmp_path, 22, seed=3)
    fast = run_video(files, cb, out=tmp_path / "a", no_gate=True)
    slow = run_video(files, cb, out=tmp_path / "b", no_gate=True, all_pairs=True)
    jf = json.loads(fast.files[tmp_path / "a" / "results.json"])["items"][0]
    js = json.loads(slow.files[tmp_path / "b" / "results.json"])["items"][0]
    assert set(js["statistics"]) == set(jf["statistics"])
    _assert_same(jf["statistics"], js["statistics"])  # values, SEs (none for means), n, status, reasons, methods
    _assert_same(jf["time_based"], js["time_based"])  # the family over all coders and the tolerance means
    _assert_same(jf["sweep"], js["sweep"])
    assert jf["onsets"] == js["onsets"]  # pooled in the same order: every figure bit for bit
    assert jf["unitizing"] == js["unitizing"]
    # pairs: every pair in pairs.csv either way; the JSON of many coders lists the lowest and a summary
    assert len(_rows(fast.files[tmp_path / "a" / "pairs.csv"])) == len(_rows(slow.files[tmp_path / "b" /
                                                                                         "pairs.csv"])) == 231
    s = jf["pair_summary"]
    assert s["n_coders"] == 22 and s["n_pairs"] == 231 and len(jf["pairs"]) == min(V.LISTED_PAIRS, 231)
    kappas = [p["time_kappa"] for p in jf["pairs"]]
    assert kappas == sorted(kappas) and kappas[0] == pytest.approx(s["quantiles"]["time_kappa"]["min"])
    assert "pair_summary" not in js and len(js["pairs"]) == 231
    assert any("22 coders, 231 pairs" in n and "--pairs all" in n for n in jf["notes"])


def test_fast_tables_equal_each_pair_on_random_blocks():
    """The building blocks on random episodes with many blocks of choice (both rules, several tolerances): every
    pair's time-unit and tolerance tables, event tally and ELAN matrix equal those of the per-pair functions."""
    from irrkit.episodes import easydiag, timeline
    from irrkit.episodes.timecode import EpisodeSpec, build

    rng = np.random.default_rng(5)
    rows = []
    for v in range(4):
        for c in range(6):
            t = 0
            while True:
                t += int(rng.integers(0, 6000))
                d = int(rng.integers(0, 8000))
                if t + d > 120_000:
                    break
                rows.append((f"v{v}", f"c{c}", t, t + d, int(rng.integers(3)), 0, 0))
                t += d
    es = build(EpisodeSpec("x", ("a", "b", "c"), step=1.0, tolerance=2.0), rows, ["generated"])
    runs, g = timeline.code_runs(es)
    plain, tol = allpairs.unit_tables(runs, 4, (2, 3))
    et = allpairs.easydiag_tables(es)
    fallback = 0
    for rule in events.RULES:
        ev = allpairs.event_values(es, (500, 2000, 5000), rule)
        fallback += sum(e.fallback_blocks for e in ev.values())
        for p, (a, b) in enumerate(combinations(range(6), 2)):
            for t, e in ev.items():
                r = events.event_based(es, a, b, t, rule)
                tally = np.zeros((4, 4))
                np.add.at(tally, (r.rows[:, 0], r.rows[:, 1]), 1)
                assert np.array_equal(tally, e.tally[p]), (rule, t, a, b)
    for p, (a, b) in enumerate(combinations(range(6), 2)):
        assert np.array_equal(plain[p], timeline.contingency(runs.codes[:, a], runs.codes[:, b], 4,
                                                             runs.length.astype(float)))
        for w in (2, 3):
            assert np.array_equal(tol[w][p], timeline.tolerant_table_runs(runs, a, b, 4, w))
        assert np.array_equal(et[p], easydiag.pair_table(es, a, b))
    assert fallback > 0  # blocks with a real choice went to the per-block solver


def test_pairs_option(tmp_path):
    """``--pairs``: summary (default) or all; anything else is refused naming the allowed values."""
    from typer.testing import CliRunner

    from irrkit.cli.main import app

    files, cb = _write(tmp_path, 3, seed=1)
    run = CliRunner().invoke(app, ["video", *map(str, files), "-c", str(cb), "--pairs", "some", "--no-gate"])
    assert run.exit_code == 2 and "summary, all" in run.output
