"""Write fixtures/sets/nltk_alpha.json: Krippendorff's alpha under the MASI and Jaccard distances by nltk's
AnnotationTask (an implementation independent of irrkit) on small set-valued data sets, with nltk's version and
the call. Not run in CI: python tools/nltk_sets_reference.py (needs `pip install nltk`). See fixtures/sets/README.md
for the cases nltk is right on and its known bugs."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import nltk
from nltk.metrics import jaccard_distance, masi_distance
from nltk.metrics.agreement import AnnotationTask

ROOT = Path(__file__).resolve().parent.parent
CALL = "AnnotationTask(data=[(coder, unit, frozenset(codes)), ...], distance=nltk.metrics.{distance}).alpha()"


def se407453() -> dict:
    """The example of https://stats.stackexchange.com/questions/407453 (2 coders, 11 units; the question's second
    'Item0' renamed Item10)."""
    rows = [("l1,l2", "l1"), ("l1,l2", "l1,l2"), ("l1", "l1"), ("l3", "l3"), ("l3", "l1,l3"), ("l4", "l4"),
            ("l2", "l4"), ("l1,l2", "l1"), ("l1,l2", "l1,l2,l3"), ("l1", "l1"), ("l1", "l1")]
    return {f"Item{i}": {"coder1": a.split(","), "coder2": b.split(",")} for i, (a, b) in enumerate(rows)}


def missing3() -> dict:
    """3 coders, 12 units, codes a-d, some ratings missing (omitted), one unit rated once (not pairable)."""
    rng = random.Random(3)
    units = {}
    for u in range(12):
        units[f"u{u}"] = {}
        for c in ("c1", "c2", "c3"):
            if rng.random() < 0.15:
                continue
            units[f"u{u}"][c] = sorted(x for x in "abcd" if rng.random() < 0.45) or ["a"]
    units["u11"] = {"c1": ["b", "c"]}  # a unit with one rating: not pairable
    return units


def demo() -> dict:
    """The bundled demo (cli/demo/intervention-sets_coder_*.csv): 46 units, 3 coders, missing ratings and the empty
    set ('none'); coder C's file in 0/1 columns."""
    units: dict = {}
    for coder in "AB":
        with open(ROOT / f"cli/demo/intervention-sets_coder_{coder}.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["interventions"]:
                    codes = [] if row["interventions"] == "none" else row["interventions"].split("|")
                    units.setdefault(row["unit"], {})[f"intervention-sets_coder_{coder}"] = codes
    with open(ROOT / "cli/demo/intervention-sets_coder_C.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            cells = {k.split(":", 1)[1]: v for k, v in row.items() if k != "unit"}
            if all(v == "" for v in cells.values()):
                continue
            units.setdefault(row["unit"], {})["intervention-sets_coder_C"] = [k for k, v in cells.items() if v == "1"]
    return units


def one_value() -> dict:
    """Every rating the same set: Krippendorff's D_e = 0, alpha 0/0 (undefined); nltk returns 1."""
    return {f"u{u}": {"c1": ["a", "b"], "c2": ["a", "b"]} for u in range(5)}


def guarded(d):
    """nltk's distance with d(A, A) = 0 first: nltk's masi/jaccard distances divide by |A ∪ B| = 0 for two empty
    sets."""
    def g(a, b):
        return 0.0 if a == b else d(a, b)
    g.__name__ = d.__name__
    return g


def run(units: dict, distance) -> float | str:
    data = [(c, u, frozenset(codes)) for u, r in units.items() for c, codes in r.items()]
    try:
        return AnnotationTask(data=data, distance=distance).alpha()
    except Exception as e:  # noqa: BLE001 - recorded: the fixture says what nltk does
        return f"{type(e).__name__}: {e}"


def main() -> None:
    cases = {}
    # compare_with: the nltk figures irrkit must equal (None: nltk is wrong there; see fixtures/sets/README.md)
    for name, make, right in (("se407453", se407453, "nltk"), ("missing3", missing3, "nltk"),
                              ("demo", demo, "nltk_guarded_empty"), ("one_value", one_value, None)):
        units = make()
        nl = {f"{key}_alpha": run(units, d) for key, d in (("masi", masi_distance), ("jaccard", jaccard_distance))}
        nl_g = {f"{key}_alpha": run(units, guarded(d)) for key, d in (("masi", masi_distance),
                                                                       ("jaccard", jaccard_distance))}
        cases[name] = {"about": make.__doc__, "units": units, "nltk": nl, "nltk_guarded_empty": nl_g,
                       "compare_with": right}
    doc = {"source": "nltk.metrics.agreement.AnnotationTask.alpha", "nltk_version": nltk.__version__,
           "call": CALL, "guarded_call": CALL.replace("nltk.metrics.{distance}", "d with d(A, A) = 0 first, else "
                                                     "nltk.metrics.{distance}(A, B)"),
           "made_by": "python tools/nltk_sets_reference.py", "cases": cases}
    out = ROOT / "fixtures" / "sets" / "nltk_alpha.json"
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, c in cases.items():
        print(name, c["nltk"], c["nltk_guarded_empty"])


if __name__ == "__main__":
    main()
