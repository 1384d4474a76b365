"""Krippendorff's (1995) one-code unitizing examples through ``irrkit video``: an episode item with a single code
(present against "no code"), time units of 1 s. Example A against the published figures (Cohen's kappa .385,
Scott's pi .314, alpha .329), every example against a tally of the 24 positions made here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "video"


def results(example: str) -> dict:
    res = CliRunner().invoke(app, ["video", str(HERE / f"k1995_{example}.csv"), "-c", str(HERE / "k1995.yaml"),
                                   "--no-gate", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]["time_based"][0]["coefficients"]


def tally(example: str) -> tuple[float, float, float]:
    """Kappa, pi and nominal alpha of the two coders' 24 positions (1 = inside a unit, 0 = not)."""
    rows = list(csv.DictReader(open(HERE / f"k1995_{example}.csv", encoding="utf-8")))
    coders = list(dict.fromkeys(r["coder"] for r in rows))
    u = np.zeros((2, 24))
    for r in rows:
        u[coders.index(r["coder"]), int(float(r["start"])):int(float(r["end"]))] = 1
    po = np.mean(u[0] == u[1])
    p1, p2 = u.mean(axis=1)
    pe_kappa = p1 * p2 + (1 - p1) * (1 - p2)
    pooled = u.mean()
    pe_pi = pooled**2 + (1 - pooled) ** 2
    n = 2 * 24
    alpha = 1 - (n - 1) * (1 - po) / (n * (1 - pe_pi))
    return (po - pe_kappa) / (1 - pe_kappa), (po - pe_pi) / (1 - pe_pi), alpha


def test_example_a_gives_the_published_figures() -> None:
    c = results("A")
    assert round(c["cohen_kappa"]["value"], 3) == 0.385
    assert round(c["scott_pi"]["value"], 3) == 0.314
    assert round(c["krippendorff_alpha"]["value"], 3) == 0.329


@pytest.mark.parametrize("example", ["A", "B", "C", "D"])
def test_every_example_matches_a_tally_of_the_positions(example) -> None:
    c = results(example)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa, pi, alpha = tally(example)
    if not np.isfinite(kappa):  # D: both coders mark every position, chance agreement 1: said, not a number
        for key in ("cohen_kappa", "scott_pi", "krippendorff_alpha"):
            assert c[key]["status"] == "undefined" and "chance agreement is 1" in c[key]["reason"]
        assert c["percent_agreement"]["value"] == 1.0
        return
    assert c["cohen_kappa"]["value"] == pytest.approx(kappa, abs=1e-12)
    assert c["scott_pi"]["value"] == pytest.approx(pi, abs=1e-12)
    assert c["krippendorff_alpha"]["value"] == pytest.approx(alpha, abs=1e-12)


def test_a_one_code_codebook_validates() -> None:
    res = CliRunner().invoke(app, ["codebook", "validate", str(HERE / "k1995.yaml")])
    assert res.exit_code == 0, res.output
