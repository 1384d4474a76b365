"""Timings of `irrkit plan` (not a test: nothing here asserts a time).

Targets (issue 11): a closed form < 0.3 s (the whole command), a simulation plan of 2,000 replicates for
100-500 units x 3 coders < 5 s.

    python benchmarks/plan_bench.py            # prints wall and CPU seconds
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2]


def main() -> None:
    from irrkit.planning import closed_forms, simulation

    exe = Path(sys.executable).with_name("irrkit")
    rows = []
    for args in (["-s", "icc", "--expected", "0.8", "--coders", "3", "--half-width", "0.1"],
                 ["-s", "krippendorff_alpha", "--min", "0.8", "--categories", "4"],
                 ["-s", "fleiss_kappa", "--expected", "0.6", "--min", "0.4", "--coders", "4", "--prevalences",
                  "0.2,0.3,0.5"]):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, _ = timed(lambda a=args: subprocess.run([str(exe), "plan", *a, "-f", "json"], check=True,
                                                      capture_output=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 3  # three runs
        rows.append((f"irrkit plan {' '.join(args[:2])} (whole command, child CPU)", wall, cpu, "< 0.3 s"))
    wall, cpu = timed(lambda: closed_forms.kappa_power(0.4, 0.6, (0.2, 0.3, 0.5), 4), repeat=5)
    rows.append(("kappa_power, in process", wall, cpu, ""))
    for key, prev in (("icc2", None), ("gwet_ac1", (0.2, 0.3, 0.5)), ("fleiss_kappa", (0.2, 0.3, 0.5))):
        design = simulation.Design(key, 3, 0.7, prevalences=prev)
        for n in (100, 300, 500):
            wall, cpu = timed(lambda d=design, m=n: simulation.simulate(d, m, 2000, seed=1), repeat=1)
            rows.append((f"simulate {key}: 2000 replicates x {n} units x 3 coders", wall, cpu, "< 5 s"))
        wall, cpu = timed(lambda d=design: simulation.plan_by_simulation(d, minimum=0.55, seed=1), repeat=1)
        rows.append((f"plan_by_simulation {key} (lower bound > 0.55), 2000 replicates", wall, cpu, ""))
    print(f"{'what':78} {'wall s':>8} {'CPU s':>8}  target")
    for what, wall, cpu, target in rows:
        print(f"{what:78} {wall:8.3f} {'' if cpu is None else f'{cpu:8.3f}':>8}  {target}")


if __name__ == "__main__":
    main()
