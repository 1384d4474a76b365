"""Numeric extremes (issue 14): counts beyond what a float counts exactly are refused; ratings near 1e308 (or
1e-310) give the same coefficients as the same ratings in a plain unit; no numpy warning ever reaches the user
(every CLI run here has warnings turned into errors, so a warning would be an internal error, exit 3)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.statistics.results import Coefficient, t_inference

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("error")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("big", ["1e30", "99999999999999999999", "1e400", "9007199254740993"])
def test_counts_beyond_exact_floats_are_not_counts(tmp_path, big):
    path = tmp_path / "counts.csv"
    path.write_text(f"a,b,c\n{big},0,1\n1,2,0\n0,1,2\n")
    res = invoke("compute", path, "--counts", "-f", "json")
    assert res.exit_code == 2, res.output
    assert f"counts.csv:2: column 'a': value '{big}' is not a count" in res.output
    assert "9,007,199,254,740,992" in res.output  # the limit is named
    assert res.stdout == ""  # nothing computed, nothing printed as a result


def test_large_counts_are_counted_exactly_up_to_2_to_the_53(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("a,b\n9007199254740000,0\n1,2\n0,3\n")
    res = invoke("compute", path, "--counts", "-f", "json")
    assert res.exit_code == 0, res.output
    item = json.loads(res.stdout)["items"][0]
    assert item["n_units"] == 3 and item["distribution"] == {"a": 9007199254740001, "b": 5}
    path.write_text("a,b\n9007199254740992,0\n1,2\n0,3\n")  # each count exact, their total is not
    res = invoke("compute", path, "--counts", "-f", "json")
    assert res.exit_code == 2 and "add up to 9,007,199,254,740,998, more than 9,007,199,254,740,992" in res.output


BASE = [[1.0, 1.1, 1.2], [1.5, 1.4, 1.3], [0.5, 0.6, 0.4], [1.7, 1.6, 1.75], [0.1, 0.2, 0.3]]


def _wide(path: Path, rows, fmt="{!r}") -> Path:
    path.write_text("unit,a,b,c\n" + "".join(f"u{i}," + ",".join(fmt.format(v) for v in r) + "\n"
                                             for i, r in enumerate(rows)))
    return path


def _coefs(path: Path, level: str) -> dict:
    res = invoke("compute", path, "--level", level, "-f", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["items"][0]


@pytest.mark.parametrize("level", ["interval", "ratio"])
@pytest.mark.parametrize("scale", [1e308, 1e-310])
def test_ratings_near_the_float_limits_give_the_coefficients_of_a_plain_unit(tmp_path, level, scale):
    plain = _coefs(_wide(tmp_path / "plain.csv", BASE), level)
    extreme = _coefs(_wide(tmp_path / "extreme.csv", [[v * scale for v in r] for r in BASE], "{:.17g}"), level)
    assert extreme["n_units"] == 5
    assert any("divided by 2^" in n for n in extreme["notes"])
    for key, want in plain["coefficients"].items():
        got = extreme["coefficients"][key]
        assert got["status"] == want["status"] == "ok", (key, got["reason"])
        for field in ("value", "se", "ci_low", "ci_high", "p_value"):
            if want[field] is None:
                assert got[field] is None, (key, field)
            else:  # the printed decimals of v * scale are rounded, so the data differ in the 16th digit
                assert got[field] == pytest.approx(want[field], rel=1e-9, abs=1e-12), (key, field)


def test_no_warning_reaches_stderr_of_the_installed_command(tmp_path):
    path = _wide(tmp_path / "extreme.csv", [[v * 1e308 for v in r] for r in BASE], "{:.17g}")
    env = {**os.environ, "PYTHONWARNINGS": "default", "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-m", "irrkit.cli.main", "compute", str(path), "--level", "interval"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and "Traceback" not in proc.stderr
    assert "ICC(A,1)" in proc.stdout and "undefined" not in proc.stdout


def test_a_value_that_overflowed_is_undefined_with_the_reason_never_ok_and_null():
    c = Coefficient("icc2", value=math.inf, se=None)
    assert c.status == "undefined" and c.value is None and "overflow" in c.reason
    assert Coefficient("icc2", value=0.5).ok
    assert "overflow" in t_inference(0.5, math.inf, 5)[3]
    assert "fewer than two units" in t_inference(0.5, 0.1, 1)[3]


def _coder_files(folder: Path, scale: float, maximum: str) -> tuple[Path, list[Path]]:
    folder.mkdir()
    cb = folder / "cb.yaml"
    cb.write_text(f"id: ext\nitems:\n  - id: size\n    level: interval\n    scale: {{min: 0, max: {maximum}}}\n")
    files = []
    for j, name in enumerate(("gold", "anna", "ben")):
        path = folder / f"{name}.csv"
        path.write_text("unit,size\n" + "".join(f"u{i},{r[j] * scale:.17g}\n" for i, r in enumerate(BASE)))
        files.append(path)
    return cb, files


def test_training_round_near_1e308_gives_the_figures_of_a_plain_unit(tmp_path):
    def round_of(folder, scale, maximum):
        cb, (gold, *trainees) = _coder_files(tmp_path / folder, scale, maximum)
        res = invoke("train", *trainees, "--gold", gold, "-c", cb, "-f", "json")
        assert res.exit_code == 0, res.output
        return {t: d["items"]["size"]["statistics"] for t, d in json.loads(res.stdout)["trainees"].items()}

    plain, extreme = round_of("plain", 1.0, "2"), round_of("extreme", 1e308, "1.79e+308")
    for trainee, stats in plain.items():
        got = extreme[trainee]
        assert got["icc2"]["status"] == "ok" and got["icc2"]["value"] == pytest.approx(stats["icc2"]["value"],
                                                                                         rel=1e-9)
        for field in ("value", "se", "ci_high"):  # |differences| of about 0.1: an SE near 0 is rounding noise
            want = stats["mean_abs_diff"][field] * 1e308
            assert got["mean_abs_diff"][field] == pytest.approx(want, rel=1e-9, abs=1e-9 * 1e308), field


def test_many_categories_and_no_rating_at_all_is_undefined_not_a_crash():
    """The sparse count table of an item nobody rated (found by hypothesis in test_closed_forms): bincount of no
    cells is int64, and dividing it in place failed; every coefficient must say 'no ratings'."""
    from irrkit.statistics import chance_corrected as cc
    from irrkit.statistics import weights
    from irrkit.statistics.sparse import sparse_count_table

    codes = np.full((2, 2), -1)
    a = cc.agreement(sparse_count_table(codes, 2), weights.kernel("identity", [40.0, 56.0]))
    for f in (cc.percent_agreement, cc.fleiss_kappa, cc.gwet_ac, cc.brennan_prediger,
              cc.krippendorff_alpha):
        c = f(a)
        assert c.status == "undefined" and c.reason == "no ratings", c
