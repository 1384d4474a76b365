"""outputs.jsontext.dumps writes the text json.dumps(indent=2, ensure_ascii=False) writes, character for
character (its long lists of numbers through the C encoder): on edge cases and on a real results document."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from irrkit.outputs import jsontext

CASES = [[], {}, [[]], {"a": [1] * 40}, {"a": [[1, 2], []] * 20}, [[1.5, None, math.nan, True, -0.0] * 10],
         {"x": [{"y": [0.1] * 33}] * 2, "z": 'ü"\x00', "w": ["a, b"] * 40}, [[[1] * 40] * 40],
         {"m": [[1.0, None]] * 31 + [[2.0]]}, {"n": [1e308, -1e-308, 2**70, math.inf] * 9}, {"s": [1, "x"] * 20},
         {"t": ["a\nb", "c, d", "\u2028", "é\"\\", "\t\r\x1f", ""] * 6},  # line breaks and separators in text
         {"d": {f"k{i}\n": (i if i % 3 else "v, w") for i in range(40)}, "e": {str(i): [i] for i in range(40)}},
         [{"x": {i: i for i in range(40)}}], {"f": {f"k{i}": None for i in range(32)}, "g": [{}, []] * 20},
         # matrices whose rows are tuples, mixed, or hold a list or a dict: one type check over all cells
         {"r": [(1, 2.5), [None, "x"]] * 20}, {"r": [[1, 2]] * 39 + [[1, [2]]]}, {"r": [[1], {"a": 1}] * 20},
         {"r": [[True, False, -0.0]] * 32 + [()]}]


@pytest.mark.parametrize("doc", CASES)
def test_the_same_text_as_json_dumps(doc) -> None:
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_compute_json_of_an_interval_item_is_the_text_json_dumps_writes(tmp_path) -> None:
    """compute -f json of an interval item (the units x coders matrix of ratings): the text
    json.dumps(indent=2) writes of the same document (read back; floats' repr round-trips)."""
    from typer.testing import CliRunner

    from irrkit.cli.main import app

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 4)).round(3) + rng.normal(size=(200, 1)).round(3)
    rows = ["unit,a,b,c,d"] + [f"u{i}," + ",".join("" if i == 5 and j == 2 else repr(float(v))
                                                   for j, v in enumerate(row)) for i, row in enumerate(x)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    res = CliRunner().invoke(app, ["compute", str(tmp_path / "r.csv"), "--level", "interval", "-f", "json"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    doc = json.loads(out)
    assert out == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    assert len(doc["items"][0]["ratings"]["values"]) == 200  # the plots' points: derived from these
