"""The Bland-Altman plots' points of an interval item are derived from the item's ratings in the results JSON
(issue 22: not written twice; 3,000 x 8: 2.76 -> 1.03 MB, ~25 ms of float text): the JSON carries them as
``points`` only when it does not carry the ratings, the derived points are the analysis' own to the last bit, equal
a hand computation, and the HTML report draws exactly the plots it drew from the points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.analysis import item as item_mod
from irrkit.analysis.continuous import VS_OTHERS, ratings_points
from irrkit.analysis.item import Options, analyse, ratings_from_dict
from irrkit.cli.main import app
from irrkit.outputs import jsontext
from irrkit.readers import read_compute_input

# three coders (three pairs: each pair plotted, and each coder against the mean of the others); blanks: missing
ROWS = [("u1", "3,5", "4", "2,25"), ("u2", "7", "", "6,5"), ("u3", "1,75", "2", "2"), ("u4", "", "9,5", "8"),
        ("u5", "5", "5,25", "4,75"), ("u6", "10", "8,5", ""), ("u7", "2,5", "3", "3,25"), ("u8", "6", "6", "7,5")]
CODERS = ["Jürgen", "Zoë", "Ann"]


def _write(path: Path, rows=ROWS, scale: float = 1.0) -> Path:
    """A German Excel CSV (';', decimal comma, BOM)."""
    def cell(c: str) -> str:
        return "" if not c else (f"{float(c.replace(',', '.')) * scale!r}".replace(".", ",") if scale != 1 else c)

    lines = ["unit;" + ";".join(CODERS)] + [";".join([u, *(cell(c) for c in cs)]) for u, *cs in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def _compute(path: Path) -> dict:
    res = CliRunner().invoke(app, ["compute", str(path), "--level", "interval", "-f", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _by_hand(rows=ROWS) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """Each pair's (mean, difference) of the units both rated, each coder against the mean of the others (units
    it and another coder rated), written out with Python lists."""
    vals = [[None if not c else float(c.replace(",", ".")) for c in cs] for _, *cs in rows]
    out = {}
    for i in range(3):
        for j in range(i + 1, 3):
            both = [(r[i], r[j]) for r in vals if r[i] is not None and r[j] is not None]
            out[(CODERS[i], CODERS[j])] = ([(x + y) / 2 for x, y in both], [x - y for x, y in both])
    for j in range(3):
        means, diffs = [], []
        for r in vals:
            others = [r[k] for k in range(3) if k != j and r[k] is not None]
            if r[j] is not None and others:
                m = sum(others) / len(others)
                means.append((r[j] + m) / 2)
                diffs.append(r[j] - m)
        out[(CODERS[j], VS_OTHERS)] = (means, diffs)
    return out


def test_the_json_carries_ratings_not_points_and_they_give_the_points_by_hand(tmp_path: Path) -> None:
    doc = _compute(_write(tmp_path / "d.csv"))
    it = doc["items"][0]
    entries = it["continuous"]["bland_altman"] + it["continuous"]["bland_altman_vs_others"]
    assert len(entries) == 6 and not any("points" in x for x in entries)
    assert it["ratings"]["coders"] == CODERS
    got = ratings_points(ratings_from_dict(it)[0])
    want = _by_hand()
    assert set(got) == set(want)
    for key, (means, diffs) in want.items():
        assert got[key][0] == pytest.approx(means, rel=1e-15, abs=1e-15), key
        assert got[key][1] == pytest.approx(diffs, rel=1e-15, abs=1e-15), key
    assert got[("Jürgen", "Zoë")] == ([3.75, 1.875, 5.125, 9.25, 2.75, 6.0], [-0.5, -0.25, -0.25, 1.5, -0.5, 0.0])


@pytest.mark.parametrize("scale", [1.0, 1e306])
def test_derived_points_are_the_analysis_points_to_the_last_bit(tmp_path: Path, scale: float) -> None:
    """Also for ratings near 1e308, analysed divided by a power of two (the points scaled back exactly)."""
    r = read_compute_input(_write(tmp_path / "d.csv", scale=scale), level="interval")
    r.weights = "quadratic"
    res = analyse(r, Options())
    assert res.continuous is not None and len(res.continuous.points) == 6
    doc = json.loads(jsontext.dumps(res.to_dict(Options())))  # through the JSON text, as the report reads it
    got = ratings_points(ratings_from_dict(doc)[0])
    assert got == res.continuous.points
    assert max(abs(v) for m, _ in got.values() for v in m) > (1e306 if scale > 1 else 0)


def test_points_are_written_when_the_ratings_are_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_mod, "RATINGS_MAX_CELLS", 10)
    doc = _compute(_write(tmp_path / "d.csv"))
    it = doc["items"][0]
    assert "ratings" not in it and "ratings_omitted" in it
    written = {(x["a"], x["b"]): (x["points"]["mean"], x["points"]["difference"])
               for x in it["continuous"]["bland_altman"] + it["continuous"]["bland_altman_vs_others"]}
    want = _by_hand()
    assert set(written) == set(want)
    for key, (means, diffs) in want.items():
        assert written[key][0] == pytest.approx(means, rel=1e-15) and written[key][1] == pytest.approx(diffs, rel=1e-15)


def test_the_report_draws_the_same_plots_from_the_ratings(tmp_path: Path) -> None:
    """The report of the JSON as written (ratings, no points) is the report of the same JSON with each
    comparison's points written in (the JSON of earlier versions), byte for byte: the same six plots."""
    doc = _compute(_write(tmp_path / "d.csv"))
    (tmp_path / "new.json").write_text(json.dumps(doc), encoding="utf-8")
    hand = _by_hand()
    it = doc["items"][0]
    for x in it["continuous"]["bland_altman"] + it["continuous"]["bland_altman_vs_others"]:
        means, diffs = ratings_points(ratings_from_dict(it)[0])[(x["a"], x["b"])]
        assert means == pytest.approx(hand[(x["a"], x["b"])][0], rel=1e-15)
        x["points"] = {"mean": means, "difference": diffs}
    (tmp_path / "old.json").write_text(json.dumps(doc), encoding="utf-8")
    for name in ("new", "old"):
        res = CliRunner().invoke(app, ["report", str(tmp_path / f"{name}.json"), "-o", str(tmp_path / f"{name}.html")])
        assert res.exit_code == 0, res.output
    new, old = ((tmp_path / f"{n}.html").read_text(encoding="utf-8") for n in ("new", "old"))
    assert new == old
    assert new.count('<svg aria-label="ratings: Bland-Altman plot') == 6
