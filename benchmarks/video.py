"""Benchmark of the time-coded episode statistics (issue: 100 h of video, 5 coders, 0.1 s step, < 2 s).

Generates episodes from a fixed seed (100 videos of 1 h, 5 coders, 3 codes, episodes of 2-40 s with gaps of
1-60 s; each coder's episodes are a jittered copy of a common "true" segmentation, so coders mostly agree),
then times each statistic separately (median of ``--runs`` runs after a warm-up) and all of them together.
Nothing here is a test: the target is printed for a person to read.

    python benchmarks/video.py            # 100 h, 5 coders, step 0.1 s
    python benchmarks/video.py --hours 10 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from irrkit.episodes import (
    events,
    timeline,
    unitizing,  # noqa: E402
)
from irrkit.episodes.timecode import EpisodeSpec, build  # noqa: E402


def generate(hours: int, coders: int, seed: int = 1, step: float = 0.1):
    rng = np.random.default_rng(seed)
    codes = ("protest", "despair", "whimper")
    spec = EpisodeSpec("cry", codes, step=step, tolerance=2.0, lengths={f"v{v:03d}": 3600.0 for v in range(hours)})
    rows = []
    for v in range(hours):
        t, truth = 0.0, []
        while True:
            t += rng.uniform(1, 60)
            d = rng.uniform(2, 40)
            if t + d > 3590:
                break
            truth.append((t, t + d, int(rng.integers(3))))
            t += d
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


def timed(fn, runs: int) -> tuple[float, object]:
    out = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=int, default=100)
    ap.add_argument("--coders", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--step", type=float, default=0.1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    es = generate(args.hours, args.coders, step=args.step)
    gen = time.perf_counter() - t0
    m = len(es.coders)
    pairs = [(i, j) for i in range(m) for j in range(i + 1, m)]
    units = timeline.grid(es).n
    print(f"{args.hours} h of video, {m} coders, {len(es):,} episodes, step {args.step:g} s "
          f"({units:,} time units); generated in {gen:.1f} s; load average {os.getloadavg()[0]:.1f}")
    jobs = {
        "time-based family, no tolerance (5 coefficients + SEs)": lambda: timeline.time_based(es, tolerance_ms=0),
        "time-based with 2 s tolerance (family + 10 pairwise tallies)": lambda: timeline.time_based(es),
        "unitizing alphas (u, |u, cu, per code)": lambda: unitizing.unitizing(es),
        "event-based, optimal matching, all 10 pairs": lambda: [events.event_based(es, a, b) for a, b in pairs],
    }
    total = 0.0
    rows = []
    for name, fn in jobs.items():
        t, out = timed(fn, args.runs)
        total += t if "no tolerance" not in name else 0.0
        rows.append((name, t))
    for name, t in rows:
        print(f"| {name} | {t * 1000:,.0f} ms |")
    print(f"| all time-based statistics (tolerance run includes the family) | {total * 1000:,.0f} ms | target < 2 s: "
          f"{'ok' if total < 2 else 'MISSED'} |")
    res = timeline.time_based(es)[0]
    print("check: time-based Fleiss kappa", round(res.coefficients["fleiss_kappa"].value, 4),
          "| tolerance mean pairwise kappa", round(res.tolerance["cohen_kappa"].value, 4))


if __name__ == "__main__":
    main()
