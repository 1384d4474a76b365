"""Sequential gating: the first look whose CI is wholly above/below the minimum, checked by brute force over
prefixes with the engine's functions, and the error rate of the adjusted looks by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from irrkit.ratings import ItemRatings
from irrkit.statistics import chance_corrected as cc
from irrkit.statistics import counting
from irrkit.workflows.sequential import look_sizes, sequential_gate


def nominal(n: int) -> ItemRatings:
    return ItemRatings("form", "nominal", [f"u{i}" for i in range(n)], ["gold", "t"], np.full((n, 2), np.nan),
                       (0.0, 1.0, 2.0))


def codings(rng, n, kappa):
    gold = rng.integers(0, 3, n).astype(float)
    t = np.where(rng.random(n) < kappa, gold, rng.integers(0, 3, n)).astype(float)
    return t, gold


def brute_force(t, gold, minimum, conf, sizes):
    """First prefix whose Cohen's kappa CI (cc.conger_kappa, 2 coders) clears or misses the minimum."""
    for n in sizes:
        codes = counting.category_index(np.column_stack([t[:n], gold[:n]]), (0.0, 1.0, 2.0))
        c = cc.conger_kappa(codes, 3, None, conf)
        if c.ci_low is not None and c.ci_low > minimum:
            return "pass", n
        if c.ci_high is not None and c.ci_high < minimum:
            return "fail", n
    return "undecided", None


@pytest.mark.parametrize("kappa, seed", [(0.95, 1), (0.2, 2), (0.6, 3)])
def test_decision_is_the_first_clear_look(kappa, seed):
    rng = np.random.default_rng(seed)
    t, gold = codings(rng, 120, kappa)
    res = sequential_gate(t, gold, nominal(120), "cohen_kappa", 0.6, start=10, step=5)
    sizes = look_sizes(120, 10, 5)
    assert res.looks_planned == len(sizes) == 23
    assert res.look_confidence == pytest.approx(1 - 0.05 / 23)
    assert (res.decision, res.n_units) == brute_force(t, gold, 0.6, 1 - 0.05 / 23, sizes)
    d = res.to_dict()
    assert d["units_saved"] == (0 if res.n_units is None else 120 - res.n_units)


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
    sizes = look_sizes(len(units), 10, 5)
    codes_fn = counting.category_index
    for n in sizes:
        c = cc.conger_kappa(codes_fn(np.column_stack([t[:n], g[:n]]), [float(i) for i in range(len(cats))]),
                                len(cats), None, 1 - 0.05 / len(sizes))
        if c.ci_low > 0.6 or c.ci_high < 0.6:
            break
    assert (row["decision"], row["n_units"]) == ("pass" if c.ci_low > 0.6 else "fail", n)
    assert row["ci_low"] == pytest.approx(c.ci_low, rel=1e-9)
