"""irrkit's JSON as input (report, plan --from, --history): one reader with a published schema, the size and
depth limits, a wrong type exits 2 naming the JSON path; every value reaches HTML and SVG escaped."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.readers.json_input import results_schema, validate

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    res = CliRunner().invoke(app, ["check", *map(str, sorted(DEMO.glob("interventions_coder_*.csv"))), "-c",
                                   "interventions", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_schema_is_valid_and_irrkit_outputs_match_it(results, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = results_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert (ROOT / "codebooks" / "results.schema.json").exists()  # published next to schema.json
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(results)) == [] and validate(results) == []
    run = CliRunner().invoke(app, ["train", str(DEMO / "crying-forms_trainee_anna.csv"), "--gold",
                                   str(DEMO / "crying-forms_gold.csv"), "-c", "crying-forms", "--format", "json",
                                   "--history", str(tmp_path / "h"), "--round", "r1", "--no-gate"])
    training = json.loads(run.stdout)
    record = json.loads(next((tmp_path / "h").glob("round-*.json")).read_text())
    for doc in (training, record):
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == [] and validate(doc) == []


WRONG = [  # (change, the JSON path the message must name)
    (lambda d: d["items"][0].__setitem__("n_units", "46"), "$.items[0].n_units"),
    (lambda d: d["items"][0]["coefficients"]["fleiss_kappa"].__setitem__("value", "high"),
     "$.items[0].coefficients.fleiss_kappa.value"),
    (lambda d: d.__setitem__("items", {"a": 1}), "$.items"),
    (lambda d: d["items"][1].__setitem__("categories", 5), "$.items[1].categories"),
    (lambda d: d.__setitem__("coders", "A"), "$.coders"),
    (lambda d: d["items"][0]["coefficients"]["fleiss_kappa"].__setitem__("interpretation", ["x"]),
     "$.items[0].coefficients.fleiss_kappa.interpretation"),
    (lambda d: d["items"][0].__setitem__("coefficients", []), "$.items[0].coefficients"),
    (lambda d: d["items"][2].__setitem__("n_coders", 2.5), "$.items[2].n_coders"),
    (lambda d: d["items"][0].__setitem__("n_units", -3), "$.items[0].n_units"),
]


@pytest.mark.parametrize("k", range(len(WRONG)))
def test_a_wrong_type_exits_2_naming_the_json_path(results, tmp_path, k):
    change, where = WRONG[k]
    doc = copy.deepcopy(results)
    change(doc)
    p = tmp_path / "results.json"
    p.write_text(json.dumps(doc))
    before = p.read_bytes()
    for args in (["report", str(p), "-o", str(tmp_path / "r.html")], ["plan", "--from", str(p), "--half-width", "0.1"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert f"{p}: {where}: expected" in res.output.replace("\n", " ") or f"{where}: expected" in res.output
    assert p.read_bytes() == before and not (tmp_path / "r.html").exists()
    jsonschema = pytest.importorskip("jsonschema")  # the independent validator agrees that it is invalid
    assert list(jsonschema.Draft202012Validator(results_schema()).iter_errors(doc))


def test_depth_nan_size_and_devices(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    nan = tmp_path / "nan.json"
    nan.write_text('{"tool": "irrkit", "items": [{"item": "a", "n_units": NaN}]}')
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: 201 MB without writing them
        f.truncate(201 * 1024 * 1024)
    for p, says in ((deep, "nested deeper than 64 levels"), (nan, "$.items[0].n_units: nan is not a number"),
                    (big, "irrkit reads files up to 200 MB"), (Path("/dev/zero"), "not a regular file")):
        res = CliRunner().invoke(app, ["report", str(p), "-o", str(tmp_path / "r.html")])
        assert res.exit_code == 2 and says in res.output.replace("\n", " "), res.output


def test_history_records_are_checked_too(results, tmp_path):
    h = tmp_path / "h"
    h.mkdir()
    (h / "round-001-a.json").write_text('{"tool": "irrkit", "kind": "training-round", "round": "one"}')
    p = tmp_path / "results.json"
    p.write_text(json.dumps(results))
    res = CliRunner().invoke(app, ["report", str(p), "-o", str(tmp_path / "r.html"), "--history", str(h)])
    assert res.exit_code == 2 and "round-001-a.json: is not a round record: $.round: expected an integer or null" in \
        res.output.replace("\n", " "), res.output


def test_names_with_markup_and_control_characters_reach_html_and_svg_escaped(results, tmp_path):
    doc = copy.deepcopy(results)
    doc["items"][0]["item"] = "<script>alert(1)</script>\x1b[31m\x01"
    doc["coders"][0] = "A\u202e<b>"
    for it in doc["items"]:
        it["diagnostics"]["coders"][0] = "A\x02<u>"
    p = tmp_path / "results.json"
    p.write_text(json.dumps(doc))
    res = CliRunner().invoke(app, ["report", str(p), "-o", str(tmp_path / "r.html"), "--figures",
                                   str(tmp_path / "figs")])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "figures.py" not in res.output  # no raw ESC, no matplotlib warning
    page = (tmp_path / "r.html").read_text()
    assert "<script>alert" not in page and "<u>" not in page and "\x1b" not in page and "\x01" not in page
    svgs = sorted((tmp_path / "figs").glob("*.svg"))
    assert len(svgs) >= 8
    for s in svgs:
        ET.parse(s)  # valid XML
