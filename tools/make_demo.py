"""Generate the bundled demo data (cli/demo/*.csv): a synthetic but realistic training round.

46 crying sequences from 32 sessions, 3 coders, both bundled codebooks; one rare crying form, a few missing
ratings and one weak intervention item ('contextualizing'); plus a gold coding and two trainees (one who
passes, one who does not) for `irrkit train`. Run: python tools/make_demo.py (deterministic, seed 2024).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "cli" / "demo"
N_UNITS, CODERS = 46, ("A", "B", "C")
FORM_P = {"protest": 0.14, "sad": 0.34, "helpless": 0.2, "relief": 0.1, "moved": 0.19, "suppressed": 0.03}
WEAK = "contextualizing"


def codes(cb: dict, item: str) -> list[str]:
    it = next(i for i in cb["items"] if i["id"] == item)
    return [str(c["code"]) for c in it["categories"]]


def truth(rng: np.random.Generator, forms: dict, ivs: dict) -> dict[str, list]:
    form_codes = codes(forms, "form")
    p = np.array([FORM_P.get(c, 0.1) for c in form_codes])
    t = {"form": list(rng.choice(form_codes, N_UNITS, p=p / p.sum()))}
    t["intensity"] = list(rng.choice([0, 1, 2, 3], N_UNITS, p=[0.08, 0.3, 0.4, 0.22]))
    for it in ivs["items"]:
        if it["level"] == "nominal":
            t[it["id"]] = list(rng.choice(codes(ivs, it["id"]), N_UNITS, p=[0.45, 0.3, 0.25]))
        else:
            t[it["id"]] = list(rng.choice([0, 1, 2, 3], N_UNITS, p=[0.35, 0.3, 0.22, 0.13]))
    return t


def rate(rng: np.random.Generator, true: dict, cb: dict, accuracy: float, missing: float) -> list[dict]:
    """One coder's ratings: the true code most of the time, a neighbouring/other code otherwise."""
    rows = []
    for u in range(N_UNITS):
        row = {"unit": f"S{u + 1:02d}"}
        for it in cb["items"]:
            item, v = it["id"], true[it["id"]][u]
            acc = accuracy - (0.12 if item == WEAK else 0.0)
            if rng.random() < missing:
                row[item] = ""
            elif item == WEAK and rng.random() > acc:
                row[item] = int(rng.integers(0, 4))
            elif False:
                row[item] = ""
            elif it["level"] == "nominal":
                row[item] = v if rng.random() < acc else rng.choice(codes(cb, item))
            else:
                row[item] = int(v if rng.random() < acc else np.clip(v + rng.choice([-1, 1]), 0, 3))
        rows.append(row)
    return rows


def write(path: Path, rows: list[dict], sep: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=sep)
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(2024)
    forms = yaml.safe_load((ROOT / "codebooks" / "crying-forms.yaml").read_text(encoding="utf-8"))
    ivs = yaml.safe_load((ROOT / "codebooks" / "interventions.yaml").read_text(encoding="utf-8"))
    true = truth(rng, forms, ivs)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.csv"):
        old.unlink()
    sessions = np.sort(rng.integers(1, 33, N_UNITS))
    for name, cb in (("crying-forms", forms), ("interventions", ivs)):
        for coder, acc, miss in zip(CODERS, (0.86, 0.82, 0.78), (0.0, 0.02, 0.04)):
            rows = rate(rng, true, cb, acc, miss)
            # coder C works in a German-locale spreadsheet: ';'-separated
            write(OUT / f"{name}_coder_{coder}.csv", rows, sep=";" if coder == "C" else ",")
    # training round: gold coding (the consensus of experienced coders) and two trainees, crying forms only
    gold = [{"unit": f"S{u + 1:02d}", "session": f"P{sessions[u]:02d}", "form": true["form"][u],
             "intensity": int(true["intensity"][u])} for u in range(N_UNITS)]
    write(OUT / "crying-forms_gold.csv", gold)
    for trainee, acc in (("anna", 0.9), ("ben", 0.6)):
        rows = rate(rng, true, forms, acc, 0.0)
        for r, g in zip(rows, gold):
            r["session"] = g["session"]
            r["note"] = ""
        rows[3]["note"] = "unsure: tears only at the end"
        write(OUT / f"crying-forms_trainee_{trainee}.csv", [
            {"unit": r["unit"], "session": r["session"], "form": r["form"], "intensity": r["intensity"],
             "note": r["note"]} for r in rows])
    print(f"wrote {len(list(OUT.glob('*.csv')))} files to {OUT}")


if __name__ == "__main__":
    main()
