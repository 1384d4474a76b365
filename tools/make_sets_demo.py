"""Generate the set-valued demo (cli/demo/intervention-sets_coder_*.csv): 46 crying episodes, 3 coders, which
intervention subscales the therapist used (codebook intervention-sets). Coders A and B write a set in one cell
("pause|support", "none" for no intervention, blank for a missing rating); coder C's file is a German Excel CSV
(';') with one 0/1 column per code. Run: python tools/make_sets_demo.py (deterministic, seed 24)."""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cli" / "demo"
CODES = ("here_and_now", "exploring_emotions", "contextualizing", "pause", "letting_narrate", "support",
         "exploring_facts", "change_topic")
PREVALENCE = (0.35, 0.5, 0.25, 0.3, 0.3, 0.4, 0.3, 0.15)
NOISE = {"A": 0.03, "B": 0.05, "C": 0.06}  # chance that a coder flips one code (present <-> absent)


def main() -> None:
    rng = random.Random(24)
    units = [f"S{i:02d}" for i in range(1, 47)]
    truth = {u: {c for c, p in zip(CODES, PREVALENCE) if rng.random() < p} for u in units}
    for coder, noise in NOISE.items():
        rows = []
        for u in units:
            s = set(truth[u])
            for c in CODES:
                if rng.random() < noise:
                    s ^= {c}
            rows.append((u, None if rng.random() < 0.03 else s))
        path = OUT / f"intervention-sets_coder_{coder}.csv"
        if coder == "C":  # one 0/1 column per code, ';' as Excel writes it in German locales
            head = "unit;" + ";".join(f"interventions:{c}" for c in CODES)
            body = [u + ";" + (";" * (len(CODES) - 1) if s is None else ";".join("1" if c in s else "0"
                                                                                for c in CODES)) for u, s in rows]
        else:
            head = "unit,interventions"
            body = [f"{u}," + ("" if s is None else "|".join(c for c in CODES if c in s) or "none") for u, s in rows]
        path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
