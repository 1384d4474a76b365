"""The reporting checklist (GRRAS; Kottner et al. 2011) of ``irrkit report --checklist`` and the HTML report.

What it must show: the 15 items, each with what irrkit filled in and what the author adds; study fields of the
codebook, the plan and the round history fill more; the methods paragraph and the checklist never disagree (both
are written from ``manuscript.study_facts``: the numbers and estimates of one are the other's, and changing the
facts changes both). Everything is read back from the files the command writes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.outputs import checklist, manuscript

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
NO_CI = {"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
WORDS = {w: k for k, w in enumerate(manuscript.NUMBER_WORDS["en"])}


def run(*args: object) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env=NO_CI)
    return res.exit_code, res.stdout, res.stderr


def unmd(text: str) -> str:
    """Markdown as a reader sees it: escapes undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def _n(word: str) -> int:
    return WORDS[word] if word in WORDS else int(word.replace(",", ""))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("results")
    docs = {}
    for book in ("crying-forms", "interventions"):
        code, stdout, _ = run("check", *sorted(DEMO.glob(f"{book}_coder_*.csv")), "-c", book, "-f", "json",
                              "--no-gate")
        assert code == 0
        docs[book] = out / f"{book}.json"
        docs[book].write_text(stdout)
    code, stdout, _ = run("check", *sorted(DEMO.glob("duration_coder_*.csv")), "-c", DEMO / "duration_codebook.yaml",
                          "-f", "json", "--no-gate")
    assert code == 0
    docs["duration"] = out / "duration.json"  # an interval item: CCC and limits of agreement beside the ICC
    docs["duration"].write_text(stdout)
    video = [*sorted(DEMO.glob("video_session*.eaf")), DEMO / "video_boris_cleo.csv"]
    code, stdout, _ = run("video", *video, "-c", "crying-episodes", "-f", "json", "--no-gate")
    docs["video"] = out / "video.json"
    docs["video"].write_text(stdout)
    return docs


def _sections(text: str) -> dict[int, str]:
    parts = re.split(r"^### (\d+)\. ", text, flags=re.M)
    return {int(parts[k]): parts[k + 1] for k in range(1, len(parts), 2)}


@pytest.mark.parametrize("book", ["crying-forms", "interventions", "video", "duration"])
def test_the_methods_paragraph_and_the_checklist_state_the_same_numbers(results: dict[str, Path], book: str,
                                                                         tmp_path: Path) -> None:
    code, _, err = run("report", results[book], "-o", tmp_path / "r.html", "--methods", tmp_path / "m.md",
                       "--checklist", tmp_path / "c.md")
    assert code == 0, err
    methods = unmd((tmp_path / "m.md").read_text())
    text = (tmp_path / "c.md").read_text()
    items = _sections(text)
    assert sorted(items) == list(range(1, 16))
    m = re.search(r"coded by (\w+) coders? .*? on ([\w,]+) (units|episodes) \(([\w,]+) ratings over all items, "
                  r"([\w,]+) missing\)", methods)
    c = re.search(r"(\d+) coders, (\d+) (units|episodes), (\d+) ratings over (\d+) items? \((\d+) missing\)",
                  unmd(items[11]))
    assert m and c, (methods[:400], items[11])
    assert (_n(m[1]), _n(m[2]), m[3], _n(m[4]), _n(m[5])) == (int(c[1]), int(c[2]), c[3], int(c[4]), int(c[6]))
    assert re.search(r"irrkit \S+ \(Python [\d.]+\)", methods)[0] in unmd(items[10])
    # every estimate of the checklist (item 13) is stated so in the methods paragraph
    estimates = [e for line in unmd(items[13]).splitlines() if line.startswith("- ")
                 for e in line.split(": ", 1)[1].split("; ")]
    assert estimates
    for e in estimates:
        assert e in methods, e
    if book == "duration":  # the measurement statistics of the paragraph are in the checklist too
        assert "concordance correlation" in methods and "ρc° = .96" in unmd(items[13])
        assert "Bland-Altman limits of agreement" in unmd(items[10])
    # every statistic's citation in the checklist's analysis is in the paragraph
    for cite in re.findall(r"\(([A-Z][^()]*?, \d{4})\)", unmd(items[10])):
        assert cite.split(",")[0].split(" ")[0] in methods, cite


def test_both_are_written_from_the_one_facts_function(results: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    real = manuscript.study_facts

    def changed(*args, **kwargs):  # a study of 4,321 units: both outputs must say so
        from dataclasses import replace

        return replace(real(*args, **kwargs), n_units=4321, software="irrkit 9.9.9 (Python 0.0)")

    monkeypatch.setattr(manuscript, "study_facts", changed)
    code, _, err = run("report", results["crying-forms"], "-o", tmp_path / "r.html", "--methods", tmp_path / "m.md",
                       "--checklist", tmp_path / "c.md")
    assert code == 0, err
    for name in ("m.md", "c.md"):
        text = (tmp_path / name).read_text()
        assert "4,321 units" in text or "4321 units" in text, name
        assert "irrkit 9.9.9" in text, name
    assert "4321 units" in html.unescape((tmp_path / "r.html").read_text())


STUDY = """study:
  population: "Patients in outpatient psychodynamic therapy; 46 crying sequences (# not a heading) <script>x</script>"
  raters: Psychologists in training (Masterstudierende), 2 years of clinical experience
  sampling: Every crying sequence of 12 sessions, chosen at random from 40 Ärztinnen-Sitzungen
  blinding: Coders did not see each other's codings; no clinical information
  independence: Each coder coded alone
"""


def _codebook_with_study(tmp_path: Path) -> Path:
    text = (ROOT / "codebooks" / "crying-forms.yaml").read_text(encoding="utf-8")
    cb = tmp_path / "studie.yaml"
    cb.write_text(text.replace("\nitems:", "\n" + STUDY + "items:", 1), encoding="utf-8")
    return cb


def test_study_fields_plan_and_history_fill_more(tmp_path: Path) -> None:
    cb = _codebook_with_study(tmp_path)
    code, _, err = run("check", *sorted(DEMO.glob("crying-forms_coder_*.csv")), "-c", cb, "--out", tmp_path / "res",
                       "--no-gate")
    assert code == 0, err
    hist = tmp_path / "hist"
    gold, trainees = DEMO / "crying-forms_gold.csv", sorted(DEMO.glob("crying-forms_trainee_*.csv"))
    code, _, _ = run("train", *trainees, "--gold", gold, "-c", cb, "--history", hist, "--round", "r1", "-f", "json")
    assert code == 1  # ben fails
    code, stdout, _ = run("plan", "-s", "fleiss_kappa", "--expected", "0.6", "--half-width", "0.1", "--coders", "3",
                          "--prevalences", "0.2,0.3,0.5", "-f", "json")
    (tmp_path / "plan.json").write_text(stdout)
    summary = json.loads(stdout)["plans"][0]["summary"]
    code, _, err = run("report", tmp_path / "res" / "results.json", "-o", tmp_path / "r.html", "--checklist",
                       tmp_path / "c.md", "--plan", tmp_path / "plan.json", "--history", hist)
    assert code == 0, err
    text = (tmp_path / "c.md").read_text()
    items = _sections(text)
    for n in (3, 4, 7, 8, 9, 6):
        assert "*filled in*" in items[n], (n, items[n])
    assert "<script>" not in text and "&lt;script&gt;" in text and "\n#" not in items[3]  # escaped
    assert "Ärztinnen-Sitzungen" in items[7]
    assert summary in unmd(items[6])
    assert re.search(r"Training round 1 r1 \(.*\): 2 trainees against crying-forms_gold, failed", unmd(items[12]))
    page = (tmp_path / "r.html").read_text()
    assert page.count("data-grras=") == 15 and "<script>x" not in page
    rows = re.findall(r'<tr data-grras="(\d+)">(.*?)</tr>', page)
    assert [int(n) for n, _ in rows] == list(range(1, 16))
    assert "Psychologists in training" in dict(rows)["4"]


def test_the_checklist_paraphrases_all_15_grras_items_and_cites_the_paper() -> None:
    assert [n for n, _, _ in checklist.GRRAS] == list(range(1, 16))
    assert {s for _, s, _ in checklist.GRRAS} == {"Title and abstract", "Introduction", "Methods", "Results",
                                                  "Discussion", "Auxiliary material"}
    assert "Kottner" in checklist.CITATION and "64" in checklist.CITATION and "96–106" in checklist.CITATION


def test_a_study_key_the_codebook_does_not_know_is_refused_with_its_line(tmp_path: Path) -> None:
    cb = tmp_path / "bad.yaml"
    text = (ROOT / "codebooks" / "crying-forms.yaml").read_text(encoding="utf-8")
    cb.write_text(text.replace("\nitems:", "\nstudy:\n  populaton: typo\nitems:", 1), encoding="utf-8")
    line = cb.read_text().splitlines().index("  populaton: typo") + 1
    code, _, err = run("codebook", "validate", cb)
    assert code == 2 and f"{cb}:{line}" in err and "populaton" in err


def test_a_plan_file_that_is_not_a_plan_and_a_round_are_refused(results: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run("report", results["crying-forms"], "-o", tmp_path / "r.html", "--checklist", tmp_path / "c.md",
                       "--plan", results["interventions"])
    assert code == 2 and "is not the JSON of irrkit plan" in err and not (tmp_path / "c.md").exists()


def test_the_demo_tells_the_checklist_of_the_interventions_round() -> None:
    code, stdout, _ = run("demo", "-f", "json")
    assert code == 0
    doc = json.loads(stdout)["runs"]["checklist"]
    assert [e["number"] for e in doc["items"]] == list(range(1, 16))
    eleven = doc["items"][10]["filled"][0]
    assert eleven.startswith("3 coders, 46 units") and "46 units" in doc["methods"]


@pytest.mark.parametrize("edit, where", [
    (lambda it: it["continuous"].__setitem__("bland_altman", ["x"]), "$.items[0].continuous.bland_altman[0]"),
    (lambda it: it["continuous"]["bland_altman_vs_others"][0].__setitem__("bias", "x"),
     "$.items[0].continuous.bland_altman_vs_others[0].bias"),
    (lambda it: it.__setitem__("codes", 5), "$.items[0].codes"),
    (lambda it: it.__setitem__("per_category", {"sad": "x"}), "$.items[0].per_category.sad"),
])
def test_a_hand_edited_results_file_is_refused_by_report_naming_the_place(results, tmp_path, edit, where):
    """report --checklist/--methods on a results JSON edited by hand: exit 2 with the JSON path (these crashed
    with AttributeError/TypeError before the schema knew the new parts)."""
    doc = json.loads(results["duration"].read_text(encoding="utf-8"))
    edit(doc["items"][0])
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run("report", bad, "-o", tmp_path / "r.html", "--checklist", tmp_path / "c.md", "--methods",
                       tmp_path / "m.md")
    assert code == 2 and where in err and "edited.json" in err, err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.md").exists()


@pytest.mark.parametrize("book", ["crying-forms", "duration"])
def test_the_german_checklist_and_methods_paragraph_state_the_same_numbers(results, tmp_path, book):
    """`--lang de`: the checklist in German (items, status, what to add), written from the same facts as the German
    methods paragraph: every estimate of item 13 is in the paragraph verbatim, the counts of item 11 are its
    counts (in words there)."""
    code, _, err = run("report", results[book], "-o", tmp_path / "r.html", "--methods", tmp_path / "m.md",
                       "--checklist", tmp_path / "c.md", "--lang", "de")
    assert code == 0, err
    methods = unmd((tmp_path / "m.md").read_text(encoding="utf-8"))
    text = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert text.startswith("# Checkliste für den Bericht (GRRAS)") and "**Ergänzen:**" in text
    items = _sections(text)
    assert sorted(items) == list(range(1, 16))
    assert items[10].startswith("Die statistische Auswertung beschreiben.")
    estimates = [e for line in unmd(items[13]).splitlines() if line.startswith("- ")
                 for e in line.split(": ", 1)[1].split("; ")]
    assert estimates and all("95%-KI" in e for e in estimates if "=" in e)
    for e in estimates:
        assert e in methods, e
    c = re.search(r"(\d+) Kodierende, (\d+) Einheiten, (\d+) Ratings über (\d+) Items? \((\d+) fehlend\)",
                  unmd(items[11]))
    de_words = {w: k for k, w in enumerate(manuscript.NUMBER_WORDS["de"])}
    m = re.search(r"die (\w+) Kodierende.*? an (\S+) Einheiten kodierten \((\S+) Ratings über alle Items, (\S+) "
                  r"fehlend\)", methods)
    assert c and m, (items[11], methods[:300])

    def n(w: str) -> int:
        return de_words[w] if w in de_words else int(w.replace(".", ""))
    assert (n(m[1]), n(m[2]), n(m[3]), n(m[4])) == (int(c[1]), int(c[2]), int(c[3]), int(c[5]))
