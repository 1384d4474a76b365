"""Large codebooks composed by libyaml (codebooks/yaml_nodes.compose, issue 22): the same Codebook and the same
problems, with the same lines, as PyYAML's Python composer, which stays the path for anything it may not take."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from irrkit.codebooks import yaml_nodes
from irrkit.codebooks.codebook import parse_codebook
from irrkit.errors import InputError

BUNDLED = sorted((Path(__file__).resolve().parents[1] / "codebooks").glob("*.yaml"))
pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml")


def both(text: str, monkeypatch) -> tuple[object, object]:
    """parse_codebook's result (or its problems) by the Python composer and by libyaml."""
    out = []
    for fast in (1 << 40, 0):
        monkeypatch.setattr(yaml_nodes, "FAST_FROM", fast)
        try:
            out.append(parse_codebook(text, "cb.yaml"))
        except InputError as e:
            out.append([(p.line, p.message) for p in e.problems])
    return out[0], out[1]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_codebooks_are_the_same_either_way(path, monkeypatch):
    slow, fast = both(path.read_text(encoding="utf-8"), monkeypatch)
    assert slow == fast


def big(q: int, extra: str = "") -> str:
    return ("id: big\nunit_column: unit\nversion: 2024-01-01\nitems:\n  - id: code\n    level: nominal\n"
            "    categories: [" + ", ".join(f"k{v}" for v in range(q)) + "]\n" + extra)


def test_many_categories_the_same_and_through_libyaml(monkeypatch):
    text = big(20_000)
    slow, fast = both(text, monkeypatch)
    assert slow == fast and len(slow.items[0].categories) == 20_000
    monkeypatch.setattr(yaml_nodes, "CodebookLoader", None)  # the libyaml path alone (no fallback possible)
    monkeypatch.setattr(yaml_nodes, "FAST_FROM", 0)
    assert parse_codebook(text, "cb.yaml") == slow


@pytest.mark.parametrize("extra", [
    "  - id: other\n    level: nominl\n    categories: [a, b]\n",  # a bad level: its line
    "  - id: other\n    level: nominal\n    categories: [a, a]\n",  # a repeated code
    "  - id: other\n    level: nominal\n    categories: [a, b]\n    <<: {x: 1}\n",  # a merge key: its tag
    "  - id: other\n    level: nominal\n    categories: [a, b]\n    note: !!python/name:os.system x\n",  # a tag
    "  - id: other\n    level: nominal\n    categories: &c [a, b]\n",  # an anchor
    "  - id: other\n    level: nominal\n    categories: [a, b\n",  # broken YAML
    "  - id: other\n" + "".join("  " * (i + 2) + "- \n" for i in range(40)),  # too deep
])
def test_problems_are_the_same_either_way(extra, monkeypatch):
    slow, fast = both(big(3_000, extra), monkeypatch)
    assert isinstance(slow, list) and slow == fast


def test_what_libyaml_is_not_given(monkeypatch):
    assert not yaml_nodes._plain("a: &x 1\n" + " " * 70_000)
    assert not yaml_nodes._plain("a: [" * 1200)
    assert not yaml_nodes._plain("a:\n" + "".join(" " * i + "- \n" for i in range(600)))
    assert yaml_nodes._plain(big(20_000))


def test_ampersands_and_exclamation_marks_in_text_take_libyaml_and_give_the_same_codebook(monkeypatch):
    """'&', '*' and '!' inside texts are no anchor, alias or tag: such codebooks (all bundled ones cite
    'Bland & Altman'-like sources) are composed by libyaml too, with the same result; a real anchor, alias or
    tag still takes the Python composer."""
    text = big(3, "  - id: other\n    label: 'Cry & sob!'\n    definition: Wow! 5 * 3 & more\n    level: nominal\n"
                  "    categories: [a, b]\n")
    assert yaml_nodes._plain(text)
    slow, fast = both(text, monkeypatch)
    assert slow == fast and slow.items[1].label == "Cry & sob!"
    for prop in ("[&a x, *a]", "!!str x", "{k: &a v}"):
        assert not yaml_nodes._plain(big(3, f"  - id: other\n    level: nominal\n    categories: {prop}\n"))
    assert all(yaml_nodes._plain(p.read_text(encoding="utf-8")) for p in BUNDLED)
