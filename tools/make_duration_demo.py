"""Generate the continuous demo (cli/demo/duration_*.csv): how long the patient cries in each of the 46 crying
sequences, in seconds, timed by three coders from the video. A and B time closely; C starts the clock early on
long episodes (about 12% longer: proportional bias). Run: python tools/make_duration_demo.py (seed 2024).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "cli" / "demo"
N_UNITS = 46


def main() -> None:
    rng = np.random.default_rng(2024)
    truth = np.clip(rng.lognormal(np.log(35), 0.6, N_UNITS), 4, 240)
    timed = {"A": truth + rng.normal(0, 3, N_UNITS), "B": truth + 1.5 + rng.normal(0, 3.5, N_UNITS),
             "C": truth * 1.12 + rng.normal(0, 4, N_UNITS)}
    missing = {"B": {17}, "C": {40}}  # a sequence each that a coder did not time
    for coder, vals in timed.items():
        with (OUT / f"duration_coder_{coder}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["unit", "crying_duration"])
            for i, v in enumerate(vals):
                w.writerow([f"S{i + 1:02d}", "" if i in missing.get(coder, ()) else int(round(max(v, 1)))])


if __name__ == "__main__":
    main()
