"""Sequential gating: the first look whose CI is wholly above/below the minimum, checked by brute force over
prefixes with the engine's functions, and the error rate of the adjusted looks by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from irrkit.ratings import ItemRatings
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting
from irrkit.workflows.sequential import MIN_FIRST_LOOK, look_sizes, sequential_gate


def nominal(n: int) -> ItemRatings:
    return ItemRatings("form", "nominal", [f"u{i}" for i in range(n)], ["gold", "t"], np.full((n, 2), np.nan),
                       (0.0, 1.0, 2.0))


def codings(rng, n, kappa):
    gold = rng.integers(0, 3, n).astype(float)
    t = np.where(rng.random(n) < kappa, gold, rng.integers(0, 3, n)).astype(float)
    return t, gold


def wilson_by_hand(x, n, conf):
    """Wilson (1927) score interval, written out: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - conf) / 2)
    p = x / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, c - h), min(1.0, c + h)


def brute_force(t, gold, minimum, conf, sizes, q=3):
    """First prefix whose interval clears or misses the minimum: the hull of Cohen's kappa CI (cc.conger_kappa,
    2 coders) and the Wilson interval of the agreement mapped through (p - pe) / (1 - pe), pe from the marginals
    counted here."""
    for n in sizes:
        codes = counting.category_index(np.column_stack([t[:n], gold[:n]]), tuple(float(i) for i in range(q)))
        c = cc.conger_kappa(codes, q, None, conf)
        pe = sum(np.mean(t[:n] == k) * np.mean(gold[:n] == k) for k in range(q))
        wl, wh = wilson_by_hand(np.sum(t[:n] == gold[:n]), n, conf)
        lo, hi = min(c.ci_low, (wl - pe) / (1 - pe)), max(c.ci_high, (wh - pe) / (1 - pe))
        if lo > minimum:
            return "pass", n, lo
        if hi < minimum:
            return "fail", n, hi
    return "undecided", None, None


@pytest.mark.parametrize("kappa, seed", [(0.95, 1), (0.2, 2), (0.6, 3)])
def test_decision_is_the_first_clear_look(kappa, seed):
    rng = np.random.default_rng(seed)
    t, gold = codings(rng, 120, kappa)
    res = sequential_gate(t, gold, nominal(120), "cohen_kappa", 0.6, start=10, step=5)
    sizes = look_sizes(120, MIN_FIRST_LOOK, 5)  # start=10 is raised to the minimum first look
    assert MIN_FIRST_LOOK == 20 and res.looks_planned == len(sizes) == 21
    assert res.look_confidence == pytest.approx(1 - 0.05 / 21)
    decision, n, bound = brute_force(t, gold, 0.6, 1 - 0.05 / 21, sizes)
    assert (res.decision, res.n_units) == (decision, n)
    d = res.to_dict()
    assert d["units_saved"] == (0 if res.n_units is None else 120 - res.n_units)
    if decision != "undecided":
        assert d["ci_low" if decision == "pass" else "ci_high"] == pytest.approx(bound, rel=1e-9)


def test_no_decision_from_a_run_of_agreements():
    """The old gate: 10 agreements, kappa 1, SE 0, CI [1, 1]: "pass". Now the first look is at 20 units, and 20
    agreements in a row on a skewed item (pe = .74) still leave the Wilson bound of the agreement (.73 at the
    Bonferroni level) below pe: undecided at that look."""
    gold = np.array([0.0] * 17 + [1.0, 2.0, 0.0] + [0.0, 1.0] * 20)
    t = gold.copy()
    t[20:] = np.where(np.arange(40) % 3 == 0, 2.0, gold[20:])  # later disagreements
    res = sequential_gate(t, gold, nominal(60), "cohen_kappa", 0.6, start=10)
    assert res.looks[0].n_units == 20
    assert res.looks[0].value == 1.0 and res.looks[0].ci_high == 1.0 and res.looks[0].ci_low < 0.6
    assert res.decision != "pass"


def prevalence(q, skewed):
    if not skewed:
        return np.full(q, 1 / q)
    p = np.full(q, 0.2 / (q - 1))
    p[0] = 0.8
    return p


def test_wrong_decisions_at_most_five_percent_in_every_scenario():
    """Source: simulation (seeded). The trainee copies the gold code with probability kappa and otherwise draws a
    code from the same shares, so that the population Cohen's kappa is exactly kappa. 60 units, minimum .6,
    default looks (20, 25, ..., 60, Bonferroni): a pass when the true kappa is below .6 or a fail when it is above
    is wrong. Scenarios: 2, 4 and 6 categories, balanced or skewed (80% in one category) shares, true kappa .45 and
    .55 (below) and .65 and .75 (above). Before the guard (looks from 10 units, the asymptotic CI alone) the
    skewed scenarios had 9-24% wrong decisions; now none exceeds 5% (three or more wrong in 40 would be > 5%)."""
    n, reps, rates = 60, 40, {}
    for q in (2, 4, 6):
        r = ItemRatings("x", "nominal", [f"u{i}" for i in range(n)], ["gold", "t"], np.full((n, 2), np.nan),
                        tuple(float(i) for i in range(q)))
        for skewed in (False, True):
            p = prevalence(q, skewed)
            for kappa in (0.45, 0.55, 0.65, 0.75):
                rng = np.random.default_rng(100 * q + 10 * skewed + int(100 * kappa))
                wrong = 0
                for _ in range(reps):
                    gold = rng.choice(q, n, p=p).astype(float)
                    t = np.where(rng.random(n) < kappa, gold, rng.choice(q, n, p=p)).astype(float)
                    d = sequential_gate(t, gold, r, "cohen_kappa", 0.6).decision
                    wrong += d == ("pass" if kappa < 0.6 else "fail")
                rates[(q, skewed, kappa)] = wrong / reps
    assert max(rates.values()) <= 0.05, rates
    assert sum(rates.values()) / len(rates) <= 0.02


def test_clear_cases_stop_early():
    rng = np.random.default_rng(4)
    t, gold = codings(rng, 200, 1.0)
    good = sequential_gate(t, gold, nominal(200), "cohen_kappa", 0.6)
    assert good.decision == "pass" and good.n_units < 60
    t, gold = codings(rng, 200, 0.0)
    bad = sequential_gate(t, gold, nominal(200), "cohen_kappa", 0.6)
    assert bad.decision == "fail" and bad.n_units < 60


def test_adjusted_looks_keep_wrong_passes_rare():
    # trainees whose true kappa is below the minimum: a "pass" is a wrong decision
    rng = np.random.default_rng(5)
    wrong = unadjusted = 0
    for _ in range(150):
        t, gold = codings(rng, 80, 0.45)
        wrong += sequential_gate(t, gold, nominal(80), "cohen_kappa", 0.6, step=5).decision == "pass"
        unadjusted += sequential_gate(t, gold, nominal(80), "cohen_kappa", 0.6, step=5,
                                      adjust=False).decision == "pass"
    assert wrong / 150 <= 0.03
    assert unadjusted >= wrong


def test_scale_items_and_missing_units():
    rng = np.random.default_rng(6)
    s = rng.normal(size=60)
    gold, t = s + 0.2 * rng.normal(size=60), s + 0.2 * rng.normal(size=60)
    t[::7] = np.nan
    r = ItemRatings("intensity", "interval", [f"u{i}" for i in range(60)], ["gold", "t"], np.full((60, 2), np.nan),
                    ())
    res = sequential_gate(t, gold, r, "icc2", 0.6)
    assert res.n_available == int((~np.isnan(t)).sum())
    assert res.decision == "pass" and res.coefficient.ci_low > 0.6
    assert look_sizes(1) == [] and look_sizes(12, 10, 5) == [10, 12]


def test_train_sequential_through_the_cli():
    import csv
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from irrkit.cli.main import app

    demo = Path(__file__).parent.parent / "cli" / "demo"
    res = CliRunner().invoke(app, ["train", str(demo / "crying-forms_trainee_anna.csv"), "--gold",
                                   str(demo / "crying-forms_gold.csv"), "-c",
                                   str(Path(__file__).parent.parent / "codebooks" / "crying-forms.yaml"),
                                   "--sequential", "--format", "json"])
    assert res.exit_code == 0, res.output
    row = next(r for r in json.loads(res.stdout)["sequential"] if r["item"] == "form")
    # by hand: the files in the gold file's unit order, Cohen's kappa on each prefix
    gold = {r["unit"]: r["form"] for r in csv.DictReader((demo / "crying-forms_gold.csv").open())}
    anna = {r["unit"]: r["form"] for r in csv.DictReader((demo / "crying-forms_trainee_anna.csv").open())}
    cats = sorted(set(gold.values()) | set(anna.values()))
    units = [u for u in gold if u in anna and gold[u] and anna[u]]
    g = np.array([cats.index(gold[u]) for u in units], dtype=float)
    t = np.array([cats.index(anna[u]) for u in units], dtype=float)
    sizes = look_sizes(len(units), MIN_FIRST_LOOK, 5)
    decision, n, bound = brute_force(t, g, 0.6, 1 - 0.05 / len(sizes), sizes, q=len(cats))
    assert (row["decision"], row["n_units"]) == (decision, n)
    if decision != "undecided":
        assert row["ci_low" if decision == "pass" else "ci_high"] == pytest.approx(bound, rel=1e-9)
