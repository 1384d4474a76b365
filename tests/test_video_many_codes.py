"""An episode item with thousands of codes (an open coding scheme): the pairs' tables and the unitizing
coincidences cover the codes in use, not (codes + 1)^2 cells. The figures are those of the full item: kappa, pi
and alpha do not depend on unused codes (checked against the item with only the used codes), AC1 and
Brennan-Prediger do (checked against their formulas on the time units, computed here)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

EPISODES = "video,coder,start,end,code\nv,a,1,5,c1\nv,a,6,9,c2\nv,a,12,15,c7\nv,b,1,5,c1\nv,b,6,9,c3\nv,b,12,14,c7\n"


def run(tmp_path, n_codes: int) -> dict:
    cb = tmp_path / f"cb{n_codes}.yaml"
    cb.write_text("id: big\nitems:\n  - id: x\n    kind: episodes\n    tolerance: 0\n    lengths: {v: 20}\n"
                  "    categories: [" + ", ".join(f"c{i}" for i in range(n_codes)) + "]\n", encoding="utf-8")
    f = tmp_path / "e.csv"
    f.write_text(EPISODES, encoding="utf-8")
    res = CliRunner().invoke(app, ["video", str(f), "-c", str(cb), "--no-gate", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]


def test_five_thousand_codes(tmp_path) -> None:
    big = run(tmp_path, 5000)
    small = run(tmp_path, 8)  # c0..c7: every code used, few unused
    tb, ts = big["time_based"][0]["coefficients"], small["time_based"][0]["coefficients"]
    for key in ("percent_agreement", "cohen_kappa", "scott_pi", "krippendorff_alpha"):
        assert tb[key]["value"] == pytest.approx(ts[key]["value"], abs=1e-12)
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        assert big["statistics"][key]["value"] == pytest.approx(small["statistics"][key]["value"], abs=1e-12)
    # the 20 time units of 1 s (midpoint rule), "no code" the last category
    q = 5001
    a = np.full(20, q - 1)
    b = np.full(20, q - 1)
    for s, e, k in ((1, 5, 1), (6, 9, 2), (12, 15, 7)):
        a[s:e] = k
    for s, e, k in ((1, 5, 1), (6, 9, 3), (12, 14, 7)):
        b[s:e] = k
    pa = np.mean(a == b)
    pi = (np.bincount(a, minlength=q) + np.bincount(b, minlength=q)) / 40
    ac1 = (pa - (pi * (1 - pi)).sum() / (q - 1)) / (1 - (pi * (1 - pi)).sum() / (q - 1))
    bp = (pa - 1 / q) / (1 - 1 / q)
    assert tb["gwet_ac1"]["value"] == pytest.approx(ac1, abs=1e-12)
    assert tb["brennan_prediger"]["value"] == pytest.approx(bp, abs=1e-12)
    assert big["unitizing"]["labels"] == ["c1", "c2", "c3", "c7", "no code"]  # the coincidences of codes in use
    assert np.array(big["unitizing"]["observed"]).shape == (5, 5)
    assert len(big["unitizing"]["per_code"]) == 5000
