"""The one registry of statistics (irrkit.statistics.registry) and what the program writes from it: every key an
analysis produces has an entry with English and German names; weighted statistics are named as weighted; no
raw key reaches a human-facing output (terminal, Markdown, HTML text, handouts, step summary, video tables'
name column); a gate on a statistic the item's level does not compute is a usage error (exit 2) naming the
statistic to gate instead; the HTML overview's gate cell names the gated statistic and its value.

Everything is read back from what the commands write (typer's CliRunner on the bundled demo data)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.demo import demo_training, demo_video, demo_video_training
from irrkit.cli.main import app
from irrkit.statistics import registry

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
FORMS = ROOT / "codebooks" / "crying-forms.yaml"
INTERVENTIONS = ROOT / "codebooks" / "interventions.yaml"
EPISODES = ROOT / "codebooks" / "crying-episodes.yaml"
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
RAW = re.compile(r"(?<![\w|/.-])(" + "|".join(sorted(registry.KEYS, key=len, reverse=True)) + r")(?![\w-])")


def run(*args: object) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env=NO_CI)
    return res.exit_code, res.stdout, res.stderr


def coders(book: str) -> list[Path]:
    return sorted(DEMO.glob(f"{book}_coder_*.csv"))


def raw_keys(text: str) -> set[str]:
    return set(RAW.findall(text))


def html_text(page: str) -> str:
    """The text a reader sees: text nodes (SVG text of the figures too), no CSS, no attributes."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return " ".join(html.unescape(t) for t in re.findall(r">([^<]+)<", page))


# ----------------------------------------------------------------------------------------------- the registry


def test_the_registry_loads_without_numpy() -> None:
    code = ("import sys, irrkit.statistics.registry as r; r.name('fleiss_kappa', 'quadratic'); "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_entry_has_english_and_german_names_a_symbol_and_a_family() -> None:
    for s in registry.STATISTICS:
        assert s.en and s.de and s.symbol, s.key
        assert s.en != s.key and s.de != s.key, s.key
        assert s.family in registry.FAMILIES, s.key
        assert s.levels and all(lv in (*registry.LEVELS, registry.EPISODES, registry.SETS) for lv in s.levels), s.key
        assert s.benchmark in (None, "kappa", "icc", "alpha"), s.key
        assert not s.source or s.source in registry.REFERENCES, s.key
        if registry.EPISODES in s.levels and set(s.levels) & set(registry.LEVELS):
            assert s.time_en and s.time_de, s.key  # a time-unit variant is named as such
    assert registry.name("fleiss_kappa", lang="de") == "Fleiss' Kappa"
    assert registry.name("percent_agreement", lang="de") == "Prozentuale Übereinstimmung"
    assert registry.symbol("krippendorff_alpha") == "Krippendorff's α" and registry.symbol("icc2") == "ICC(A,1)"
    assert registry.model("icc2") == "two-way random effects, absolute agreement, single rater"


def test_weighted_naming() -> None:
    q = "quadratic"
    assert registry.name("percent_agreement", q) == "Percent agreement (quadratic weights)"
    assert registry.name("cohen_kappa", q) == "Cohen's kappa (quadratic weights)"
    assert registry.name("fleiss_kappa", q) == "Fleiss' kappa (quadratic weights)"
    assert registry.name("gwet_ac2", q) == "Gwet's AC2 (quadratic weights)"
    assert registry.name("fleiss_kappa", q, "de") == "Fleiss' Kappa (quadratische Gewichte)"
    for w in (None, "identity"):
        assert registry.name("fleiss_kappa", w) == "Fleiss' kappa"
        assert registry.name("percent_agreement", w) == "Percent agreement"
    # no weights in the name of what takes none; AC1 is unweighted, AC2 weighted: two keys
    assert registry.name("krippendorff_alpha", q) == "Krippendorff's alpha"
    assert registry.name("icc2", q) == "ICC(A,1)"
    assert registry.applies("gwet_ac1", "nominal") and not registry.applies("gwet_ac2", "nominal")
    assert registry.applies("gwet_ac2", "ordinal") and not registry.applies("gwet_ac1", "ordinal")
    assert registry.applies("gwet_ac1", "ordinal", "identity")
    assert registry.instead("gwet_ac1", "ordinal") == "gwet_ac2"
    assert not registry.applies("icc2", "nominal") and registry.applies("icc2", "interval")
    assert registry.symbol("fleiss_kappa", q) == "Fleiss' κ (quadratic weights)"
    assert registry.scale("percent_agreement") is None and registry.scale("icc2") == "koo_li"
    assert registry.scale("krippendorff_alpha") == "krippendorff" and registry.scale("gwet_ac1") == "landis_koch"


def test_gateable_lists_are_the_codebook_keys() -> None:
    from irrkit.codebooks.model import EPISODE_STATISTIC_KEYS, STATISTIC_KEYS
    from irrkit.workflows.gates import STATISTICS

    assert STATISTIC_KEYS == STATISTICS == registry.gateable()
    assert "gwet_ac1" in registry.gateable("nominal") and "gwet_ac1" not in registry.gateable("ordinal")
    assert "icc2" not in registry.gateable("nominal")
    assert EPISODE_STATISTIC_KEYS == registry.gateable(registry.EPISODES)
    assert "tolerance_kappa" in EPISODE_STATISTIC_KEYS and "tolerance_kappa" not in STATISTIC_KEYS


# ------------------------------------------------------------------------ every key an analysis produces


def _keys_of_check(doc: dict) -> set[tuple[str, str]]:
    out = set()
    for it in doc["items"]:
        for k in it["coefficients"]:
            out.add((k, it["level"]))
        for stats in (it.get("per_category") or {}).values():
            out |= {(k, it["level"]) for k in stats}
        d = it.get("diagnostics") or {}
        for key in ("light_kappa",):
            if d.get(key):
                out.add((key, it["level"]))
        out |= {(k, it["level"]) for k in (d.get("matrix") or {}).get("statistics", [])}
    return out


def test_every_key_any_analysis_produces_has_an_entry(tmp_path: Path) -> None:
    seen: set[tuple[str, str]] = set()
    # nominal and ordinal items, three coders; diagnostics too
    for book, cb in (("crying-forms", FORMS), ("interventions", INTERVENTIONS)):
        code, out, err = run("check", *coders(book), "-c", cb, "-f", "json")
        assert code == 0, err
        seen |= _keys_of_check(json.loads(out))
    # two coders (Cohen's kappa, Scott's pi), nominal and interval
    wide = tmp_path / "w.csv"
    wide.write_text("unit,r1,r2\n" + "".join(f"u{i},{i % 4},{(i * 7) % 5}\n" for i in range(30)), encoding="utf-8")
    for level in ("nominal", "interval", "ratio"):
        code, out, err = run("compute", wide, "--level", level, "-f", "json")
        assert code == 0, err
        seen |= _keys_of_check(json.loads(out))
    levels = {lv for _, lv in seen}
    assert {"nominal", "ordinal", "interval", "ratio"} <= levels
    keys = {k for k, _ in seen}
    assert {"cohen_kappa", "scott_pi", "gwet_ac1", "gwet_ac2", "icc2", "mean_abs_diff"} <= keys
    for key, level in seen:
        assert key in registry.BY_KEY, key
        assert level in registry.BY_KEY[key].levels, (key, level)
    # the time-coded demo: flat statistics, the time-based family, pairs, per-code unitizing alphas
    out_dir = tmp_path / "video"
    code, out, err = run("video", *demo_video(), "-c", EPISODES, "--out", out_dir, "-f", "json", "--no-gate")
    assert code == 0, err
    doc = json.loads(out)
    video_keys = {k for it in doc["items"] for k in it["statistics"]}
    video_keys |= {r["statistic"] for r in csv.DictReader(io.StringIO(
        (out_dir / "summary.csv").read_text(encoding="utf-8")))}
    assert {"tolerance_kappa", "binary_u_alpha", "u_alpha", "cu_alpha", "event_kappa", "matched_kappa",
            "ku_alpha"} <= video_keys
    for key in video_keys:
        assert key in registry.BY_KEY, key
        assert registry.EPISODES in registry.BY_KEY[key].levels, key
        assert registry.name(key, time=True) != key


# ----------------------------------------------------------------------------- no raw key for people


def test_no_raw_key_in_the_demo_terminal_markdown_and_video_names(tmp_path: Path) -> None:
    code, out, err = run("demo", "--out", tmp_path / "res")
    assert code == 0, err
    assert raw_keys(out) == set() and raw_keys(err) == set()
    for md in (tmp_path / "res").rglob("*.md"):
        assert raw_keys(md.read_text(encoding="utf-8")) == set(), md
    rows = list(csv.DictReader(io.StringIO((tmp_path / "res" / "crying-episodes" / "summary.csv").read_text(
        encoding="utf-8"))))
    assert rows and all(r["name"] and not raw_keys(r["name"]) for r in rows)
    assert {r["statistic"] for r in rows} <= set(registry.KEYS)  # the key column stays keys
    names = {r["statistic"]: r["name"] for r in rows}
    assert names["tolerance_kappa"] == "Time-unit kappa with tolerance"
    assert names["binary_u_alpha"] == "Krippendorff's |u-alpha (segmentation)"


def test_no_raw_key_in_the_html_report_step_summary_and_terminal(tmp_path: Path) -> None:
    code, out, err = run("check", *coders("interventions"), "-c", INTERVENTIONS, "--report", tmp_path / "r.html",
                         "--summary", tmp_path / "s.md", "--min", "trigger:percent_agreement=0.5", "--all")
    assert code == 0, err
    text = html_text((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert raw_keys(text) == set()
    assert raw_keys((tmp_path / "s.md").read_text(encoding="utf-8")) == set()
    assert raw_keys(out) == set() and raw_keys(err) == set()
    # the video report and its terminal table
    code, out, err = run("video", *demo_video(), "-c", EPISODES, "--out", tmp_path / "v", "--report",
                         tmp_path / "v.html", "--no-gate")
    assert code == 0, err
    assert raw_keys(out) == set()
    assert raw_keys(html_text((tmp_path / "v.html").read_text(encoding="utf-8"))) == set()


def test_no_raw_key_in_handouts(tmp_path: Path) -> None:
    gold, trainees = demo_training()
    code, out, err = run("train", *trainees, "--gold", gold, "-c", FORMS, "--out", tmp_path / "round",
                         "--summary", tmp_path / "s.md")
    assert code in (0, 1), err
    handouts = list((tmp_path / "round").glob("*.md"))
    assert handouts
    for md in handouts:
        assert raw_keys(md.read_text(encoding="utf-8")) == set(), md
    for f in (tmp_path / "round").glob("*.csv"):
        for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))):
            if "name" in r and r.get("statistic"):
                assert not raw_keys(r["name"]), (f, r["name"])
    assert raw_keys((tmp_path / "s.md").read_text(encoding="utf-8")) == set()
    assert raw_keys(out) == set() and raw_keys(err) == set()
    gold, trainees = demo_video_training()
    code, out, err = run("video", *trainees, "--gold", gold, "-c", EPISODES, "--item", "crying", "--out",
                         tmp_path / "vround")
    assert code in (0, 1), err
    for md in (tmp_path / "vround").glob("*.md"):
        assert raw_keys(md.read_text(encoding="utf-8")) == set(), md


# --------------------------------------------------------------------------------- weighted, everywhere


def test_the_interventions_demo_names_weighted_statistics_as_weighted(tmp_path: Path) -> None:
    """Ordinal items with quadratic weights: summary.md, the HTML report and the terminal all say weighted (the
    HTML report used to call quadratic-weighted agreement 'Percent agreement')."""
    code, out, err = run("demo", "--out", tmp_path / "res")
    assert code == 0, err
    folder = tmp_path / "res" / "interventions"
    doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    ordinal = [it for it in doc["items"] if it["level"] == "ordinal"]
    assert ordinal and all(it["weights"] == "quadratic" for it in ordinal)
    md = (folder / "summary.md").read_text(encoding="utf-8")
    head = next(ln for ln in md.splitlines() if ln.startswith("| item |")).split("|")
    col = [h.strip() for h in head].index("statistic")
    names = {ln.split("|")[col].strip().strip("*") for ln in md.splitlines()
             if ln.startswith(f"| {ordinal[0]['item']} ")}
    assert {"Percent agreement (quadratic weights)", "Fleiss' kappa (quadratic weights)",
            "Gwet's AC2 (quadratic weights)", "Conger's kappa (quadratic weights)"} <= names
    assert "Percent agreement" not in names and "Fleiss' kappa" not in names
    assert "Percent agreement (quadratic weights)" in out
    code, _, err = run("report", folder / "results.json", "-o", tmp_path / "r.html")
    assert code == 0, err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = page[page.index(f'data-item="{ordinal[0]["item"]}"'):]
    section = html_text(section[:section.index("</section>")])
    pa = ordinal[0]["coefficients"]["percent_agreement"]["value"]
    assert f"Percent agreement (quadratic weights) {pa:.3f}".replace(" 0.", " .") in section  # APA: no leading 0
    assert not re.search(r"Percent agreement(?! \(quadratic weights\))", section)
    # the manuscript table and methods paragraph: weighted symbols, German too
    for lang, words in (("en", "quadratic weights"), ("de", "quadratische Gewichte")):
        code, _, err = run("report", folder / "results.json", "-o", tmp_path / f"m{lang}.html", "--table-md",
                           tmp_path / f"t{lang}.md", "--methods", tmp_path / f"m{lang}.md", "--lang", lang)
        assert code == 0, err
        assert f"AC2 ({words})" in (tmp_path / f"t{lang}.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ gates the level lacks


def test_a_gate_on_a_statistic_the_level_does_not_compute_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("check", *coders("crying-forms"), "-c", FORMS, "--min", "intensity:gwet_ac1=0.7")
    assert code == 2
    assert "gwet_ac1" in err and "ordinal item 'intensity'" in err and "gate gwet_ac2" in err
    assert "allowed for this item: percent_agreement, fleiss_kappa, gwet_ac2," in err
    assert not (tmp_path / "x").exists()
    code, _, err = run("check", *coders("crying-forms"), "-c", FORMS, "--min", "form:icc2=0.7")
    assert code == 2 and "icc2" in err and "nominal item 'form'" in err
    # a gate for all items still applies where its statistic is computed
    code, out, err = run("check", *coders("crying-forms"), "-c", FORMS, "--min", "gwet_ac1=-1", "-f", "json")
    assert code == 0, err


@pytest.mark.parametrize("gate, line, words", [
    ("    gate: {gwet_ac1: 0.6}\n", 9, "gwet_ac1 (Gwet's AC1) is not computed for ordinal item 'sev' (quadratic "
                                    "weights): gate gwet_ac2 instead"),
    ("gate:\n  - {statistic: icc2, minimum: 0.5, item: form}\n", 10, "icc2 (ICC(A,1)) is not computed for nominal "
                                                                      "item 'form'"),
])
def test_a_codebook_gate_the_level_does_not_compute_is_refused_at_load(tmp_path: Path, gate: str, line: int,
                                                                      words: str) -> None:
    cb = tmp_path / "cb.yaml"
    cb.write_text("id: t\nitems:\n  - id: form\n    level: nominal\n    categories: [a, b]\n  - id: sev\n"
                  "    level: ordinal\n    categories: [0, 1, 2]\n" + gate, encoding="utf-8")
    code, _, err = run("codebook", "validate", cb)
    assert code == 2
    assert f"cb.yaml:{line}:" in err and words in err


# --------------------------------------------------------------------------------- the overview's gate


def test_the_overview_gate_cell_names_the_gated_statistic_and_its_value(tmp_path: Path) -> None:
    code, out, err = run("check", *coders("crying-forms"), "-c", FORMS, "--min", "intensity:gwet_ac2=0.5",
                         "--report", tmp_path / "r.html", "-f", "json")
    assert code in (0, 1), err
    doc = json.loads(out)
    it = next(i for i in doc["items"] if i["item"] == "intensity")
    ac2 = it["coefficients"]["gwet_ac2"]["value"]
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    overview = page[page.index("<h2>Overview</h2>"):]
    overview = overview[:overview.index("</table>")]
    row = next(r for r in overview.split("<tr>") if 'href="#item-intensity"' in r)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert html_text(f">{cells[5]}<").strip() == registry.name(it["primary"])  # the primary statistic column
    gate_cell = html.unescape(re.sub(r"<[^>]+>", "", cells[-1]))
    verdict = "pass" if ac2 >= 0.5 else "FAIL"
    assert gate_cell == f"{verdict} Gwet's AC2 (quadratic weights) {ac2:.3f} ≥ .50".replace(" 0.", " .")  # APA
    assert registry.name(it["primary"]) not in gate_cell


def test_the_icc_symbols_in_the_json_are_the_registry_s() -> None:
    from irrkit.statistics.icc import ICC_KEYS, MCGRAW_WONG

    assert MCGRAW_WONG == {k: registry.symbol(k) for k in ICC_KEYS}
    assert all(registry.BY_KEY[k].family == "icc" for k in ICC_KEYS)


def test_json_keeps_keys_and_adds_names(tmp_path: Path) -> None:
    code, out, err = run("check", *coders("crying-forms"), "-c", FORMS, "-f", "json")
    assert code == 0, err
    for it in json.loads(out)["items"]:
        assert set(it["coefficients"]) <= set(registry.KEYS)
        for key, c in it["coefficients"].items():
            assert c["name"] == registry.name(key, it["weights"])
    intensity = next(it for it in json.loads(out)["items"] if it["item"] == "intensity")
    assert intensity["coefficients"]["fleiss_kappa"]["name"] == "Fleiss' kappa (quadratic weights)"


def test_annotations_name_the_statistic(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["check", *map(str, coders("crying-forms")), "-c", str(FORMS), "--min",
                                   "intensity:percent_agreement=0.999"],
                             env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": None})
    assert res.exit_code == 1
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("::error"))
    assert "title=irrkit gate%3A intensity Percent agreement (quadratic weights)::" in line
    assert not raw_keys(line)


def test_the_step_summary_names_an_item_gate_with_the_item_s_weights(tmp_path: Path) -> None:
    code, _, err = run("check", *coders("crying-forms"), "-c", FORMS, "--min", "intensity:fleiss_kappa=0.1",
                       "--min", "fleiss_kappa=0.1", "--summary", tmp_path / "s.md")
    assert code == 0, err
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "| ✅ | intensity | Fleiss' kappa (quadratic weights) |" in summary
    assert "| intensity: Fleiss' kappa (quadratic weights) | 0.10 | intensity |  |" in summary
    assert "| all items: Fleiss' kappa | 0.10 | form |  |" in summary  # intensity has its own gate
    assert not raw_keys(summary)


def test_video_json_keeps_keys_and_adds_names(tmp_path: Path) -> None:
    code, out, err = run("video", *demo_video(), "-c", EPISODES, "-f", "json", "--no-gate")
    assert code == 0, err
    for it in json.loads(out)["items"]:
        for key, c in it["statistics"].items():
            assert key in registry.KEYS and c["name"] == registry.name(key, time=True)
