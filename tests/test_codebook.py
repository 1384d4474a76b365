"""Codebooks: the bundled ones load and match schema.json; every bad codebook is refused as file:line."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irrkit.codebooks import SCHEMA, available, bundled
from irrkit.codebooks.codebook import load_codebook, parse_codebook
from irrkit.codebooks.model import ITEM_KEYS, LEVELS, MAX_BYTES, SCALE_KEYS, STATISTIC_KEYS, TOP_KEYS, WEIGHTS, Codebook
from irrkit.errors import InputError
from irrkit.outputs.codebook_tables import codebook_to_rows

ITEM = "  - {id: a, level: nominal, categories: [x, y]}\n"
INTENSITY = ["trigger", "here_and_now", "exploring_emotions", "contextualizing", "pause", "letting_narrate",
             "support", "exploring_facts", "change_topic"]


def problems(tmp_path, text: str | bytes) -> tuple[str, str]:
    """Write ``text`` to codebook.yaml, load it, return (path, error message); fail if it loads."""
    path = tmp_path / "codebook.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(InputError) as exc:
        load_codebook(path)
    assert all(p.file == str(path) for p in exc.value.problems)
    return str(path), str(exc.value)


# ------------------------------------------------------------------------------------------ bundled


def test_bundled_names():
    assert {"interventions", "crying-forms"} <= set(available())
    assert bundled("interventions") == bundled("interventions.yaml")
    with pytest.raises(InputError, match="did you mean 'interventions'"):
        bundled("intervention")
    with pytest.raises(InputError):
        bundled("../tests/test_codebook")


@pytest.mark.parametrize("name", ["interventions", "crying-forms"])
def test_bundled_load_and_match_schema(name):
    jsonschema = pytest.importorskip("jsonschema")
    path = bundled(name)
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=schema.json\n")
    cb = load_codebook(path)
    assert cb.path == path and cb.source and cb.title
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_schema_matches_loader_constants():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    defs = schema["$defs"]
    assert tuple(defs["statistic"]["enum"]) == STATISTIC_KEYS
    assert tuple(defs["item"]["properties"]["level"]["enum"]) == LEVELS
    assert tuple(defs["item"]["properties"]["weights"]["enum"]) == WEIGHTS
    assert set(schema["properties"]) == set(TOP_KEYS)
    assert set(defs["item"]["properties"]) == set(ITEM_KEYS)
    assert set(defs["scale"]["properties"]) == set(SCALE_KEYS)


def test_interventions_codebook():
    cb = load_codebook(bundled("interventions"))
    assert "Gutjahr" in cb.source and "27(1), 725" in cb.source
    assert [it.id for it in cb.items] == [*INTENSITY, "dominant_response"]
    for iid in INTENSITY:
        it = cb.item(iid)
        assert it is not None and it.level == "ordinal" and it.definition
        assert it.codes == ("0", "1", "2", "3")
        assert [c.label for c in it.categories] == ["absent", "slight", "moderate", "strong"]
        assert all(c.definition for c in it.categories)
    dom = cb.item("dominant_response")
    assert dom is not None and dom.level == "nominal"
    assert dom.codes == ("addressing", "giving_space", "neutralizing")


def test_crying_forms_codebook():
    cb = load_codebook(bundled("crying-forms"))
    text = bundled("crying-forms").read_text(encoding="utf-8")
    assert "NOT the article's own table" in cb.source and "NOT the article's own table" in text
    assert "coding manual in use" in text
    form, intensity = cb.item("form"), cb.item("intensity")
    assert form is not None and form.level == "nominal" and 4 <= len(form.categories) <= 6
    assert all(c.label and c.definition for c in form.categories)
    assert intensity is not None and intensity.level == "ordinal" and intensity.codes == ("0", "1", "2", "3")


# ------------------------------------------------------------------------------------------ good input


def test_values_are_read_as_written(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("""\
id: demo
version: 1.10
missing: [NA, -9]
items:
  - id: yn
    label: no
    level: nominal
    categories: [yes, no]
  - id: sev
    level: ordinal
    categories:
      - {code: 1, label: low}
      - {code: 0x2, label: high}
    gate: {gwet_ac2: 0.6}
  - id: vas
    level: interval
    scale: {min: 0, max: 10, step: 0.5, anchors: {0: none, "10": worst}}
    weights: quadratic
  - id: w
    level: ordinal
    categories: [a, b]
    weight_matrix: [[1, 0.5], [0.5, 1]]
gate:
  - {statistic: krippendorff_alpha, minimum: 0.667}
  - {statistic: icc2, minimum: 0.75, item: vas}
""", encoding="utf-8")
    cb = load_codebook(path)
    assert isinstance(cb, Codebook) and cb.path == path
    assert cb.version == "1.10" and cb.missing == ("NA", "-9")
    assert cb.unit_column == "unit" and cb.coder_column == "coder"
    yn, sev, vas, w = cb.items
    assert yn.label == "no" and yn.codes == ("yes", "no")
    assert sev.codes == ("1", "2") and sev.category_values() == (1.0, 2.0)
    assert vas.scale is not None and len(vas.scale.grid()) == 21
    assert vas.scale.anchors == {0.0: "none", 10.0: "worst"}
    assert w.weight_matrix == ((1.0, 0.5), (0.5, 1.0))
    assert [(g.statistic, g.minimum, g.item) for g in cb.gates] == [
        ("krippendorff_alpha", 0.667, None), ("icc2", 0.75, "vas"), ("gwet_ac2", 0.6, "sev")]
    rows = codebook_to_rows(cb)
    assert rows[:2] == [{"item": "yn", "level": "nominal", "code": "", "label": "no", "definition": ""},
                        {"item": "yn", "level": "nominal", "code": "yes", "label": "", "definition": ""}]
    assert [(r["code"], r["label"]) for r in rows if r["item"] == "vas"] == [
        ("0 to 10, step 0.5", ""), ("0", "none"), ("10", "worst")]
    assert len(rows) == 4 + 2 + 2 + 2 + 2


def test_top_level_gate_mapping_and_bom():
    text = b"\xef\xbb\xbfid: demo\nitems:\n" + ITEM.encode() + b"gate: {fleiss_kappa: 0.6}\n"
    cb = parse_codebook(text, "x")
    assert cb.gates[0].statistic == "fleiss_kappa" and cb.gates[0].item is None


def test_unsafe_tag_is_never_constructed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("still here")
    path, msg = problems(tmp_path, f"id: demo\ntitle: !!python/object/apply:os.remove [{str(victim)!r}]\n"
                         f"items:\n{ITEM}")
    assert victim.exists() and f"{path}:2: tag '!!python/object/apply:os.remove' is not allowed" in msg


def test_all_problems_are_reported_at_once(tmp_path):
    path, msg = problems(tmp_path, """\
id: demo
titel: Demo
items:
  - id: a
    level: nominl
    categories: [x]
gate: {gwet: 2}
""")
    lines = msg.splitlines()
    assert [ln.split(": ")[0] for ln in lines] == [f"{path}:{n}" for n in (2, 5, 6, 7, 7)]


# ------------------------------------------------------------------------------------------ bad input
# Each case marks the line the error must name with a trailing "#!".

BAD = [
    ("level_typo", "id: demo\nitems:\n  - id: pause\n    level: nominl   #!\n    categories: [0, 1]\n",
     "item 'pause': level 'nominl' is not one of nominal, ordinal, interval, ratio "
     "(did you mean 'nominal'?)"),
    ("syntax_mapping", "id: demo\ntitle: a: b   #!\nitems: []\n",
     "YAML syntax error, column 9: mapping values are not allowed here"),
    ("syntax_indent", "id: demo\nitems:\n  - id: a\n   level: nominal   #!\n", "YAML syntax error, column 4"),
    ("syntax_tab", "id: demo\nitems:\n\t- id: a   #!\n", "indent with spaces, not tabs"),
    ("two_documents", f"id: demo\nitems:\n{ITEM}---   #!\nid: other\n", "but found another document"),
    ("control_char", f"id: demo\ntitle: a\x07b   #!\nitems:\n{ITEM}", "character U+0007 at column 9"),
    ("duplicate_top_key", f"id: demo\ntitle: one\ntitle: two   #!\nitems:\n{ITEM}",
     "duplicate key 'title' (first at line 2)"),
    ("duplicate_item_key", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories: [x, y]\n"
     "    level: ordinal   #!\n", "item 'a': duplicate key 'level' (first at line 4)"),
    ("duplicate_code", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories:\n"
     "      - {code: 1, label: one}\n      - {code: '1', label: also one}   #!\n",
     "item 'a': duplicate category code '1' (first at line 6)"),
    ("duplicate_item_id", f"id: demo\nitems:\n{ITEM}  - {{id: a, level: ordinal, categories: [1, 2]}}   #!\n",
     "duplicate item id 'a' (first at line 3)"),
    ("one_category", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories: [only]   #!\n",
     "item 'a': a categorical item needs at least 2 categories, found 1"),
    ("ordinal_without_order", "id: demo\nitems:\n  - id: a   #!\n    level: ordinal\n",
     "item 'a': an ordinal item needs its categories listed in order"),
    ("ordinal_out_of_order", "id: demo\nitems:\n  - id: a\n    level: ordinal\n"
     "    categories: [1, 3, 2]   #!\n",
     "ordinal categories must be listed in order"),
    ("no_categories_no_scale", "id: demo\nitems:\n  - id: a   #!\n    level: nominal\n",
     "needs 'categories' (a list of codes) or a 'scale'"),
    ("scale_min_ge_max", "id: demo\nitems:\n  - id: a\n    level: interval\n    scale:\n      min: 7\n"
     "      max: 1   #!\n", "item 'a': scale: min (7) must be less than max (1)"),
    ("scale_min_not_number", "id: demo\nitems:\n  - id: a\n    level: interval\n    scale:\n"
     "      min: low   #!\n      max: 1\n", "scale: min must be a finite number, not 'low'"),
    ("step_not_positive", "id: demo\nitems:\n  - id: a\n    level: interval\n"
     "    scale: {min: 0, max: 10, step: -0.5}   #!\n", "scale: step must be greater than 0, not -0.5"),
    ("step_not_dividing", "id: demo\nitems:\n  - id: a\n    level: interval\n    scale:\n      min: 1\n"
     "      max: 10\n      step: 2   #!\n", "scale: step 2 does not divide the range 1 to 10"),
    ("anchor_off_scale", "id: demo\nitems:\n  - id: a\n    level: ordinal\n    scale:\n      min: 0\n"
     "      max: 10\n      anchors:\n        0: never\n        12: always   #!\n",
     "anchor 12 is outside the scale 0 to 10"),
    ("both_categories_and_scale", "id: demo\nitems:\n  - id: a\n    level: ordinal\n    categories: [1, 2]\n"
     "    scale: {min: 1, max: 2}   #!\n", "item 'a': give either 'categories' or 'scale', not both"),
    ("nominal_scale", "id: demo\nitems:\n  - id: a\n    level: nominal\n    scale: {min: 1, max: 5}   #!\n",
     "item 'a': a nominal item needs 'categories', not a 'scale'"),
    ("interval_text_codes", "id: demo\nitems:\n  - id: a\n    level: interval\n"
     "    categories: [low, high]   #!\n",
     "interval items need numeric category codes ('low' is not a number)"),
    ("unknown_top_key", f"id: demo\ntitel: Demo   #!\nitems:\n{ITEM}",
     "unknown key 'titel' (did you mean 'title'?)"),
    ("unknown_item_key", "id: demo\nitems:\n  - id: a\n    level: nominal\n    defintion: x   #!\n"
     "    categories: [x, y]\n", "item 'a': unknown key 'defintion' (did you mean 'definition'?)"),
    ("unknown_category_key", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories:\n"
     "      - {code: 1, lable: one}   #!\n      - {code: 2}\n",
     "item 'a': category 1: unknown key 'lable' (did you mean 'label'?)"),
    ("category_without_code", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories:\n"
     "      - {label: one}   #!\n      - {code: 2}\n", "item 'a': category 1: missing required key 'code'"),
    ("missing_level", "id: demo\nitems:\n  - id: a   #!\n    categories: [x, y]\n",
     "item 'a': missing required key 'level'"),
    ("item_id_not_identifier", "id: demo\nitems:\n  - id: 2nd item   #!\n    level: nominal\n"
     "    categories: [x, y]\n", "item '2nd item': id must start with a letter"),
    ("missing_id", f"title: Demo   #!\nitems:\n{ITEM}", "missing required key 'id'"),
    ("empty_items", "id: demo\nitems: []   #!\n", "'items' must be a non-empty list of items"),
    ("top_level_list", "- id: demo   #!\n  items: []\n", "the top level must be a mapping"),
    ("same_unit_and_coder_column", f"id: demo\nunit_column: rater\ncoder_column: rater   #!\nitems:\n{ITEM}",
     "unit_column and coder_column must differ"),
    ("unknown_weights", "id: demo\nitems:\n  - id: a\n    level: ordinal\n    categories: [1, 2, 3]\n"
     "    weights: quadratc   #!\n", "weights 'quadratc' is not one of identity"),
    ("weight_matrix_diagonal", "id: demo\nitems:\n  - id: a\n    level: ordinal\n    categories: [1, 2, 3]\n"
     "    weight_matrix:\n      - [1, 0.5, 0]\n      - [0.5, 0.8, 0.5]   #!\n      - [0, 0.5, 1]\n",
     "item 'a': weight_matrix: row 2: the diagonal weight must be 1, not 0.8"),
    ("weight_matrix_size", "id: demo\nitems:\n  - id: a\n    level: ordinal\n    categories: [1, 2, 3]\n"
     "    weight_matrix: [[1, 0], [0, 1]]   #!\n", "weight_matrix: must be a list of 3 rows"),
    ("primary_icc_nominal", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories: [x, y]\n"
     "    primary: icc2   #!\n", "item 'a': icc2 is not defined for a nominal item"),
    ("gate_unknown_statistic", f"id: demo\nitems:\n{ITEM}gate:\n  gwet_ac: 0.6   #!\n",
     "gate: unknown statistic 'gwet_ac' (did you mean"),
    ("gate_unknown_item", "id: demo\nitems:\n  - {id: pause, level: nominal, categories: [x, y]}\ngate:\n"
     "  - statistic: gwet_ac1\n    minimum: 0.6\n    item: paus   #!\n",
     "gate: unknown item 'paus' (did you mean 'pause'?)"),
    ("gate_minimum_percent", f"id: demo\nitems:\n{ITEM}gate:\n  fleiss_kappa: 70   #!\n",
     "minimum for fleiss_kappa must be a number between -1 and 1, not '70' (write 0.7 for 70%)"),
    ("item_gate_unknown_statistic", "id: demo\nitems:\n  - id: a\n    level: ordinal\n"
     "    categories: [1, 2]\n    gate: {krippendorf_alpha: 0.667}   #!\n",
     "item 'a': gate: unknown statistic 'krippendorf_alpha' (did you mean 'krippendorff_alpha'?)"),
    ("anchor_and_alias", "id: demo\nitems:\n  - id: a\n    level: nominal\n"
     "    categories: &cats [x, y]   #!\n"
     "  - {id: b, level: nominal, categories: *cats}\n", "anchors (&name) and aliases are not allowed"),
    ("alias", "id: demo\nitems:\n  - id: a\n    level: nominal\n    categories: *cats   #!\n",
     "aliases are not allowed in codebooks"),
    ("python_tag", f"id: demo\ntitle: !!python/object/apply:os.system ['echo hi']   #!\nitems:\n{ITEM}",
     "tag '!!python/object/apply:os.system' is not allowed"),
    ("local_tag", "id: demo\nitems:\n  - id: !item a   #!\n    level: nominal\n    categories: [x, y]\n",
     "tag '!item' is not allowed"),
    ("deep_nesting", "id: demo\ntitle: " + "[" * 30 + "]" * 30 + "   #!\n", "nesting deeper than 20 levels"),
]


@pytest.mark.parametrize("text, fragment", [pytest.param(t, f, id=n) for n, t, f in BAD])
def test_bad_codebook(tmp_path, text, fragment):
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.endswith("#!"))
    path, msg = problems(tmp_path, text)
    assert any(ln.startswith(f"{path}:{line}: ") and fragment in ln for ln in msg.splitlines()), msg


def test_not_utf8(tmp_path):
    path, msg = problems(tmp_path, b"id: demo\ntitle: caf\xe9\n")
    assert msg == f"{path}:2: codebook is not UTF-8 text (byte 0xe9); save it as UTF-8"


def test_utf16(tmp_path):
    path, msg = problems(tmp_path, f"id: demo\nitems:\n{ITEM}".encode("utf-16"))
    assert msg.startswith(f"{path}: codebook is UTF-16")


@pytest.mark.parametrize("text", ["", "  \n\n", "# only a comment\n"])
def test_empty(tmp_path, text):
    path, msg = problems(tmp_path, text)
    assert msg.startswith(f"{path}: the codebook is empty")


def test_too_large(tmp_path):
    path, msg = problems(tmp_path, b"#" * (MAX_BYTES + 1))
    assert msg == f"{path}: codebook is larger than 5 MB, the limit for codebooks"


def test_unreadable(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: cannot read codebook"):
        load_codebook(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="cannot read codebook"):
        load_codebook(tmp_path)


# ------------------------------------------------------------------------------------------ fuzzing


def outcome(data: str | bytes) -> None:
    """parse_codebook returns a sound Codebook or raises InputError naming the file -- never anything else."""
    try:
        cb = parse_codebook(data, "fuzz.yaml")
    except InputError as e:
        assert e.problems and all(p.file == "fuzz.yaml" for p in e.problems)
        assert len(e.problems) == 1 or all(p.line for p in e.problems)  # several: all from the checker
        return
    assert isinstance(cb, Codebook) and cb.items and len({it.id for it in cb.items}) == len(cb.items)
    assert all(len(it.categories) >= 2 or it.scale is not None for it in cb.items)
    assert len(codebook_to_rows(cb)) >= len(cb.items)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text())
def test_fuzz_text(text):
    outcome(text)


@FUZZ
@given(st.binary())
def test_fuzz_bytes(data):
    outcome(data)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(), st.text(max_size=6),
                    st.sampled_from([*LEVELS, *STATISTIC_KEYS, *WEIGHTS, "0", "1", "a", "-1"]))
keys = st.sampled_from([*TOP_KEYS, *ITEM_KEYS, *SCALE_KEYS, "code", "label", "statistic", "minimum", "item"])
values = st.recursive(scalars, lambda v: st.lists(v, max_size=4) | st.dictionaries(keys, v, max_size=4),
                      max_leaves=12)

numeric_codes = st.lists(st.integers(0, 9), min_size=2, max_size=5, unique=True).map(sorted)
scales = st.builds(lambda lo, n, step: {"min": lo, "max": lo + n * step, "step": step},
                   st.integers(-3, 3), st.integers(1, 5), st.sampled_from([1, 0.5, 2]))
gates = st.dictionaries(st.sampled_from(STATISTIC_KEYS), st.floats(-1, 1), max_size=2)


@st.composite
def documents(draw) -> dict:
    """A valid codebook as Python data, then 0-3 keys set to random values or deleted anywhere in it."""
    items = []
    for i in range(draw(st.integers(1, 3))):
        level = draw(st.sampled_from(LEVELS))
        item: dict = {"id": f"item{i}", "level": level, "label": draw(st.text(max_size=8))}
        if level == "nominal" or draw(st.booleans()):
            item["categories"] = draw(numeric_codes if level != "nominal" else st.lists(
                st.sampled_from("abcde"), min_size=2, max_size=5, unique=True))
        else:
            item["scale"] = draw(scales)
        if draw(st.booleans()):
            item["gate"] = draw(gates)
        items.append(item)
    doc = {"id": "demo", "items": items, "gate": draw(gates), "missing": draw(st.lists(st.text(max_size=3)))}
    for _ in range(draw(st.integers(0, 3))):
        scale_dicts = [it["scale"] for it in items if isinstance(it.get("scale"), dict)]
        target = draw(st.sampled_from([doc, *items, *scale_dicts]))
        key = draw(keys | st.sampled_from([*target, "id"]))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(values)
    return doc


@FUZZ
@given(documents())
def test_fuzz_structured(doc):
    outcome(yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(st.data())
def test_fuzz_mutated_bundled(data):
    lines = bundled("interventions").read_text(encoding="utf-8").splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1))
    junk = st.sampled_from(["", "  - x\n", "\t\n", "&a\n", "*a\n", ": :\n", "    level: ratio\n"])
    lines[i] = data.draw(junk | st.text(max_size=20))
    outcome("".join(lines))
