"""Benchmarks of the time-coded episode statistics (issue 20, "Targets"), side by side; nothing here is a test.

Three cases, each run in a fresh Python process so that its wall time and peak memory are the whole process's
(imports included):

* ``hours``: 100 videos of 1 h, 5 coders, 0.1 s step (each coder a jittered copy of a common segmentation):
  every statistic of ``irrkit video`` (``analyse_episodes``: time-based family with clustered SEs, tolerance,
  event-based with the bootstrap over videos, unitizing alphas with their bootstrap, EasyDIAg/ELAN kappa; then
  the tolerance sweep and the disagreement list), 1,000 resamples. Target < 5 s.
* ``chain``: two coders with 12,000 contiguous episodes of 10 s each, B's shifted by 5 s (one block of
  choices, 24,000 episodes), matched by the "overlap" and the "onset" rule (tolerance 5 s), and the same with
  B's onsets jittered by up to 3 s (the two-stage exact solver). Target < 5 s and < 500 MB.
* ``coders``: 400 coders (79,800 pairs) on 5 videos of 10 min: ``analyse_episodes``. Target < 30 s.
* ``cli``: the same 400 coders as a CSV file (``benchmarks.data.many_coders_files``) through the whole
  ``irrkit video episodes.csv -c codebook.yaml --out DIR`` process (reading, every statistic, the tolerance sweep,
  the disagreement list, writing the seven files). Target < 30 s.

    python benchmarks/video.py                     # all four
    python benchmarks/video.py --case hours --case chain
    python benchmarks/video.py --coders 100        # the many-coders case with fewer coders
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def generate(hours: int, coders: int, seed: int = 1, step: float = 0.1):
    """``hours`` videos of 1 h; each coder's episodes a jittered copy of a common "true" segmentation."""
    from benchmarks.data import true_episodes
    from irrkit.episodes.timecode import EpisodeSpec, build

    rng = np.random.default_rng(seed)
    codes = ("protest", "despair", "whimper")
    spec = EpisodeSpec("cry", codes, step=step, tolerance=2.0, lengths={f"v{v:03d}": 3600.0 for v in range(hours)})
    rows = []
    for v in range(hours):
        truth = true_episodes(rng, 3590, 60, 40)
        for c in range(coders):
            prev_end = 0
            for s, e, k in truth:
                if rng.random() < 0.05:
                    continue  # an omission
                s2 = max(prev_end, int(round((s + rng.normal(0, 0.8)) * 1000)))
                e2 = int(round((e + rng.normal(0, 0.8)) * 1000))
                if e2 <= s2:
                    continue
                k2 = k if rng.random() < 0.9 else int(rng.integers(3))
                rows.append((f"v{v:03d}", f"coder{c}", s2, e2, k2, 0, 0))
                prev_end = e2
    return build(spec, rows, ["generated"])


def chain(n: int, jitter: int = 0, seed: int = 0):
    """Two coders' contiguous episodes of 10 s, B's shifted by 5 s (onsets jittered by up to ``jitter`` ms)."""
    from irrkit.episodes.timecode import EpisodeSpec, build

    rng = np.random.default_rng(seed)
    spec = EpisodeSpec("cry", ("a", "b", "c"), step=1.0, tolerance=5.0)
    rows = []
    for c, off in (("A", 0), ("B", 5000)):
        t = np.arange(n, dtype=np.int64) * 10000 + off
        if jitter and c == "B":
            t = np.sort(t + rng.integers(-jitter, jitter + 1, n))
        ends = np.append(t[1:], t[-1] + 10000)
        rows += [("v", c, int(s), int(e), int(rng.integers(3)), 0, 0) for s, e in zip(t, ends)]
    return build(spec, rows, ["generated"])


def many(coders: int, videos: int = 5, minutes: int = 10, seed: int = 2):
    """``coders`` coders on ``videos`` videos: jittered copies of a common segmentation (10% omissions;
    ``benchmarks.data.many_coders_episodes``, also written as files for ``irrkit video``)."""
    from benchmarks.data import VIDEO_CODES, many_coders_episodes
    from irrkit.episodes.timecode import EpisodeSpec, build

    spec = EpisodeSpec("cry", VIDEO_CODES, step=1.0, tolerance=2.0)
    rows = [(*r, 0, 0) for r in many_coders_episodes(coders, videos, minutes, seed)]
    return build(spec, rows, ["generated"])


# ------------------------------------------------------------------------------------- one case per process


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_hours(args) -> dict:
    from irrkit.episodes import video as V

    es = generate(args.hours, 5)
    t0 = time.perf_counter()
    res = V.analyse_episodes(es)
    t1 = time.perf_counter()
    V.sweep_rows(es, res.rule)
    t2 = time.perf_counter()
    V.disagreement_rows(es)
    t3 = time.perf_counter()
    ci = res.coefficients["u_alpha"]
    return {"episodes": len(es), "analyse_s": t1 - t0, "sweep_s": t2 - t1, "disagreements_s": t3 - t2,
            "statistics_s": t3 - t0, "u_alpha_ci": [ci.ci_low, ci.ci_high],
            "event_kappa_ci": [res.coefficients["event_kappa"].ci_low, res.coefficients["event_kappa"].ci_high]}


def _run_chain(args) -> dict:
    from irrkit.episodes import events

    out = {}
    for jitter in (0, 3000):
        es = chain(args.chain, jitter)
        for rule in events.RULES:
            t0 = time.perf_counter()
            r = events.event_based(es, 0, 1, 5000, rule)
            out[f"{rule}{' jittered' if jitter else ''}"] = {
                "s": time.perf_counter() - t0, "matched": r.agreements + r.code_disagreements,
                "unmatched": r.only_a + r.only_b}
    return out


def _run_coders(args) -> dict:
    from irrkit.episodes import video as V

    es = many(args.coders)
    t0 = time.perf_counter()
    V.analyse_episodes(es)
    return {"episodes": len(es), "pairs": args.coders * (args.coders - 1) // 2, "analyse_s": time.perf_counter() - t0}


def _run_cli(args) -> dict:
    """``irrkit video`` as a user runs it, timed from outside (the whole process: interpreter start included;
    the data written before the clock starts)."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from benchmarks.data import many_coders_files

    with tempfile.TemporaryDirectory() as tmp:
        data, codebook = many_coders_files(tmp, args.coders)
        cmd = [sys.executable, "-c", "import resource, sys; from irrkit.cli.main import run; sys.argv[0] = 'irrkit'; "
               "code = 0\ntry:\n    run()\nexcept SystemExit as e:\n    code = e.code or 0\n"
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr); sys.exit(code)",
               "video", str(data), "-c", str(codebook), "--out", str(Path(tmp) / "out")]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode:
            raise SystemExit(p.stderr[-2000:])
        peak = float(p.stderr.strip().splitlines()[-1])
        pairs = sum(1 for _ in open(Path(tmp) / "out" / "pairs.csv", encoding="utf-8")) - 1
    return {"wall": wall, "peak_mb": peak, "pairs": pairs}


def child(args) -> None:
    t0 = time.perf_counter()
    got = {"hours": _run_hours, "chain": _run_chain, "coders": _run_coders}[args.child](args)
    got["process_s"] = time.perf_counter() - t0  # after interpreter start-up; the parent adds that
    got["peak_mb"] = _peak_mb()
    print(json.dumps(got))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", choices=("hours", "chain", "coders", "cli"))
    ap.add_argument("--hours", type=int, default=100)
    ap.add_argument("--chain", type=int, default=12_000)
    ap.add_argument("--coders", type=int, default=400)
    ap.add_argument("--child", choices=("hours", "chain", "coders"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        return child(args)
    print(f"load average {os.getloadavg()[0]:.1f}; each case in its own process (wall time and peak memory of the "
          "whole process, generation of the data included in the wall time)")
    print("| case | what | time | target |")
    print("|---|---|---|---|")
    for case in args.case or ("hours", "chain", "coders", "cli"):
        if case == "cli":
            r = _run_cli(args)
            print(f"| irrkit video, {args.coders} coders ({r['pairs']:,} pairs) | whole process: read the CSV, every "
                  f"statistic, sweep, disagreements, 7 files written | {r['wall']:.1f} s, {r['peak_mb']:.0f} MB | "
                  "< 30 s |")
            continue
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, __file__, "--child", case, "--hours", str(args.hours), "--chain",
                            str(args.chain), "--coders", str(args.coders)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode:
            print(f"| {case} | failed | {wall:.1f} s | {p.stderr.strip().splitlines()[-1:]} |")
            continue
        r = json.loads(p.stdout)
        if case == "hours":
            print(f"| {args.hours} h, 5 coders, 0.1 s step ({r['episodes']:,} episodes) | every statistic incl. "
                  f"bootstrap (analyse {r['analyse_s']:.2f} s, sweep {r['sweep_s']:.2f} s, disagreements "
                  f"{r['disagreements_s']:.2f} s) | {r['statistics_s']:.2f} s statistics; whole process {wall:.1f} s, "
                  f"{r['peak_mb']:.0f} MB | < 5 s |")
        elif case == "chain":
            parts = ", ".join(f"{k} {v['s']:.2f} s ({v['matched']:,} matched)" for k, v in r.items()
                              if isinstance(v, dict))
            print(f"| 2 x {args.chain:,} contiguous episodes | {parts} | whole process {wall:.1f} s, "
                  f"{r['peak_mb']:.0f} MB | < 5 s, < 500 MB |")
        else:
            print(f"| {args.coders} coders ({r['pairs']:,} pairs, {r['episodes']:,} episodes) | analyse_episodes | "
                  f"{r['analyse_s']:.1f} s; whole process {wall:.1f} s, {r['peak_mb']:.0f} MB | < 30 s |")


if __name__ == "__main__":
    main()
