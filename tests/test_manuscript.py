"""Manuscript output: the APA table as Word (read back with python-docx), LaTeX (compiled where a TeX exists) and
Markdown, and the methods paragraph in English and German - every number agrees with the results JSON, in APA
style (no leading zero for bounded statistics, p < .001)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app
from irrkit.outputs.manuscript import apa, apa_p

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
runner = CliRunner()


def apa2(x: float) -> str:
    """APA style, written independently: two decimals, no leading zero, minus sign."""
    s = f"{x:.2f}"
    return re.sub(r"^(-?)0\.", r"\1.", s).replace("-", "\u2212")


@pytest.fixture(scope="module", params=["crying-forms", "interventions"])
def written(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    files = sorted(DEMO.glob(f"{request.param}_coder_*.csv"))
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(ROOT / "codebooks" / f"{request.param}.yaml"),
                              "--out", str(d / "out")])
    assert res.exit_code == 0, res.output
    out = {}
    for lang in ("en", "de"):
        args = ["report", str(d / "out" / "results.json"), "-o", str(d / f"r-{lang}.html"), "--lang", lang,
                "--docx", str(d / f"t-{lang}.docx"), "--latex", str(d / f"t-{lang}.tex"),
                "--table-md", str(d / f"t-{lang}.md"), "--methods", str(d / f"m-{lang}.md")]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    out["doc"] = json.loads((d / "out" / "results.json").read_text())
    out["dir"] = d
    return out


def expected_rows(doc):
    """(item label, key, value text, CI text) per table row: the primary statistic and Gwet's AC1/AC2; the item's
    label from the codebook (results.json's item_labels), else its id."""
    rows = []
    labels = doc.get("item_labels") or {}
    for it in doc["items"]:
        for key in [it["primary"]] + [k for k in ("gwet_ac1", "gwet_ac2") if k in it["coefficients"]
                                      and k != it["primary"]]:
            c = it["coefficients"][key]
            rows.append((labels.get(it["item"], it["item"]), key, apa2(c["value"]),
                         f"[{apa2(c['ci_low'])}, {apa2(c['ci_high'])}]"))
    return rows


NASTY = {"tool": "irrkit", "codebook": "c", "codebook_title": "Forms\n\nof crying <b>", "codebook_version": "2",
         "coders": ["A", "B", "C"],
         "items": [{"item": "[x] first\n\nsecond", "level": "nominal", "n_units": 30, "n_coders": 3,
                    "n_ratings": 90, "primary": "fleiss_kappa", "weights": "identity",
                    "coefficients": {"fleiss_kappa": {"value": 0.5, "ci_low": 0.3, "ci_high": 0.7,
                                                      "p_value": 0.0001, "status": "ok"}}},
                   {"item": "\\input{/etc/passwd} \x1b[31m\x01 <script>", "level": "ordinal", "n_units": 30,
                    "n_coders": 3, "n_ratings": 90, "primary": "gwet_ac2", "weights": "quadratic",
                    "coefficients": {"gwet_ac2": {"value": 0.6, "ci_low": 0.4, "ci_high": 0.8,
                                                  "p_value": 0.02, "status": "ok"}}}]}


def test_apa_numbers():
    assert apa(0.4999) == ".50" and apa(-0.051) == "\u2212.05" and apa(1.0) == "1.00" and apa(-0.001) == ".00"
    assert apa(9.137, bounded=False) == "9.14" and apa(0.5, bounded=False) == "0.50"
    assert apa_p(0.0004) == "p < .001" and apa_p(0.0234) == "p = .023" and apa_p(0.0004, "*") == "*p* < .001"


@pytest.mark.parametrize("lang", ["en", "de"])
def test_docx_table_reads_back_with_the_json_numbers(written, lang):
    import docx

    d = docx.Document(io.BytesIO((written["dir"] / f"t-{lang}.docx").read_bytes()))
    assert d.paragraphs[0].text == ("Table 1" if lang == "en" else "Tabelle 1")
    table = d.tables[0]
    head = [c.text for c in table.rows[0].cells]
    assert head[6] == ("Value" if lang == "en" else "Wert") and len(head) == 9
    body = [[c.text for c in r.cells] for r in table.rows[1:]]
    exp = expected_rows(written["doc"])
    assert len(body) == len(exp)
    labels = written["doc"].get("item_labels") or {}
    items = {labels.get(it["item"], it["item"]): it for it in written["doc"]["items"]}
    for row, (item, _key, value, ci) in zip(body, exp):
        assert row[0] == item and row[6] == value and row[7] == ci
        it = items[item]
        assert row[2] == str(it["n_units"]) and row[3] == str(it["n_coders"])
        assert row[4].startswith(f"{it['n_ratings']} (")
        assert not re.search(r"(?<![\d])0\.\d", row[6] + row[7])  # no leading zero


def test_markdown_and_latex_tables_carry_the_same_numbers(written):
    for lang in ("en", "de"):
        md = (written["dir"] / f"t-{lang}.md").read_text(encoding="utf-8")
        tex = (written["dir"] / f"t-{lang}.tex").read_text(encoding="utf-8")
        lines = [ln for ln in md.splitlines() if ln.startswith("| ") and not ln.startswith("| Item")]
        exp = expected_rows(written["doc"])
        assert len(lines) == len(exp)
        for ln, (item, _k, value, ci) in zip(lines, exp):
            cells = [c.strip() for c in ln.strip("|").split(" | ")]
            assert cells[0] == item and cells[6] == value and cells[7] == ci  # (the labels hold no markup)
            tex_value = value.replace("\u2212", "$-$")
            assert f"{tex_value} & {{}}{ci.replace(chr(0x2212), '$-$')}" in tex
        assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex


def compile_a4(tmp_path, body: str) -> str:
    """pdflatex on an A4 article that \\inputs the table (the packages its comment names); the log."""
    (tmp_path / "table.tex").write_text(body, encoding="utf-8")
    (tmp_path / "doc.tex").write_text("\\documentclass[a4paper]{article}\n\\usepackage{booktabs}\n"
                                      "\\usepackage{tabularx}\n\\begin{document}\n\\input{table}\n"
                                      "\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    assert run.returncode == 0 and (tmp_path / "doc.pdf").exists(), log[-3000:]
    return log


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installed: the LaTeX table is not compiled "
                    "(.ci/run installs texlive-latex-base and texlive-latex-recommended)")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_latex_table_fits_a4_without_overfull_boxes(written, tmp_path, lang):
    body = (written["dir"] / f"t-{lang}.tex").read_text(encoding="utf-8")
    assert body.startswith("% irrkit") and "booktabs" in body.splitlines()[0] and "tabularx" in body.splitlines()[0]
    assert "\\begin{tabularx}{\\textwidth}" in body
    log = compile_a4(tmp_path, body)
    assert "Overfull" not in log, [ln for ln in log.splitlines() if "Overfull" in ln]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installed: the LaTeX table is not compiled")
def test_latex_table_survives_names_as_users_type_them(tmp_path):
    from irrkit.outputs.manuscript import latex_table

    doc = json.loads(json.dumps(NASTY))
    log = compile_a4(tmp_path, latex_table(doc))
    assert "Overfull" not in log
    tex = latex_table(doc)
    assert "\n\n" not in tex.split("\\begin{tabularx}")[1]  # no blank line inside the table
    assert "\\input" not in tex.split("\\begin{tabularx}")[1] and "\x1b" not in tex


@pytest.mark.skipif(shutil.which("soffice") is None, reason="no LibreOffice installed: the .docx is not converted")
def test_libreoffice_converts_the_docx(written, tmp_path):
    run = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                          str(written["dir"] / "t-en.docx")], capture_output=True, timeout=180)
    assert run.returncode == 0 and (tmp_path / "t-en.pdf").exists()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_methods_paragraph_reports_every_item_in_apa_style(written, lang):
    text = (written["dir"] / f"m-{lang}.md").read_text(encoding="utf-8")
    doc = written["doc"]
    for item, _key, value, ci in expected_rows(doc):
        assert f"{item}: " in text and f"= {value}, {'95% CI' if lang == 'en' else '95%-KI'} {ci}" in text
    for it in doc["items"]:
        c = it["coefficients"][it["primary"]]
        if it["primary"].startswith("icc"):
            df2 = f"{c['df2']:.0f}" if abs(c["df2"] - round(c["df2"])) < 1e-9 else f"{c['df2']:.1f}"
            assert f"*F*({c['df1']:.0f}, {df2}) = {c['f']:.2f}" in text
            assert ("two-way random effects, absolute agreement, single rater" if lang == "en" else
                    "zweifaktorielles Modell mit zufälligen Effekten, absolute Übereinstimmung, Einzelrater") in text
            assert ("REML" in text) == ("REML" in c["method"])
    assert "*p* < .001" in text and "p = 0." not in text
    assert f"irrkit {doc['version']}" in text
    assert "Lombard, M., Snyder-Duch, J., & Bracken, C. C. (2002)" in text
    assert "Koo, T. K., & Li, M. Y. (2016)" in text or all(it["level"] == "nominal" for it in doc["items"])
    if lang == "de":
        assert "Die Interrater-Reliabilität wurde mit irrkit" in text and "## Literatur" in text
    else:
        assert "## References" in text


def test_manuscript_from_a_training_round_is_refused(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"tool": "irrkit", "kind": "training-round", "trainees": {}}))
    res = runner.invoke(app, ["report", str(p), "--docx", str(tmp_path / "t.docx")])
    assert res.exit_code == 2 and "check results JSON" in res.output
    assert not (tmp_path / "t.docx").exists() and not (tmp_path / "t.html").exists()


def test_docx_is_a4_in_german_with_widths_fitted_and_control_characters_shown(tmp_path):
    import docx
    from docx.shared import Inches

    from irrkit.outputs.manuscript import docx_table

    for lang, size in (("de", (8.27, 11.69)), ("en", (8.5, 11.0))):
        d = docx.Document(io.BytesIO(docx_table(NASTY, lang)))
        sec = d.sections[0]
        assert (round(sec.page_width / Inches(1), 2), round(sec.page_height / Inches(1), 2)) == size
        t = d.tables[0]
        widths = [c.width for c in t.rows[0].cells]
        text_width = sec.page_width - sec.left_margin - sec.right_margin
        assert abs(sum(widths) - text_width) < Inches(0.05)  # the table spans the text width
        assert len(set(widths)) > 3  # not nine equal columns
        assert widths[0] == max(widths) and widths[2] < widths[0] * 0.6  # the long names get the room
        names = [r.cells[0].text for r in t.rows[1:]]
        assert names[0] == "[x] first second" and "\\x1b" in names[1] and "\x1b" not in names[1]


def test_interval_of_one_and_words_below_ten():
    from irrkit.outputs.manuscript import methods, narrative, number

    assert [number(n) for n in (0, 3, 9, 10, 1349)] == ["zero", "three", "nine", "10", "1,349"]
    assert number(3, "de") == "drei" and number(1349, "de") == "1.349"
    assert narrative("landis1977") == "Landis and Koch (1977)" and narrative("koo2016", "de") == "Koo und Li (2016)"
    text = methods(json.loads(json.dumps(NASTY)))
    assert "coded by three coders" in text and "two items" in text
    assert "<b>" not in text and "<script>" not in text and "\x1b" not in text and "\\input" not in text.replace(
        "\\\\input", "")
    para = text.split("\n\n")[0]
    assert "\n" not in para  # names' line breaks do not split the paragraph


@pytest.mark.parametrize("lang", ["en", "de"])
def test_methods_paragraph_apa7(written, lang):
    """APA 7: narrative citations with "and" (8.17), every reference in the list cited and every citation listed
    (8.1), numbers below 10 in words (6.32), the coding system by title and version, item labels, p one-sided."""
    text = (written["dir"] / f"m-{lang}.md").read_text(encoding="utf-8")
    para, refs = text.split("\n\n## ")
    entries = refs.split("\n\n")[1:]
    assert " & " not in re.sub(r"\([^()]*\d{4}\)", "", para).replace("(Lombard et al., 2002)", "")  # only in (...)
    for entry in entries:
        first = entry.split(",")[0]
        year = re.search(r"\((\d{4})\)", entry).group(1)
        assert re.search(rf"{first}[^()]*(\(|, ){year}", para), (first, year)  # cited in the text
    for cite in re.findall(r"\b([A-Z][A-Za-z]+)(?: (?:and|und|&) [A-Z][A-Za-z]+| et al\.)?,? \(?(\d{4})", para):
        assert any(e.startswith(cite[0]) and f"({cite[1]})" in e for e in entries), cite
    doc = written["doc"]
    three = "three coders" if lang == "en" else "drei Kodierende"
    assert three in para
    assert doc["codebook_title"] in para and (f"version {doc['codebook_version']}" if lang == "en" else
                                              f"Version {doc['codebook_version']}") in para
    for it in doc["items"]:
        assert f"{doc['item_labels'][it['item']]}: " in para
    assert ("one-sided" if lang == "en" else "einseitig") in para
    if lang == "de":
        for english in ("quadratic", "weights", "coders", "units", "two-way", "agreement", " and "):
            assert english not in para, english


def test_manuscript_outputs_of_a_video_result(tmp_path):
    """irrkit report on a video results.json: table and methods paragraph (it ended in KeyError, exit 3)."""
    eafs = sorted(DEMO.glob("video_session0*_*.eaf"))
    res = runner.invoke(app, ["video", *map(str, eafs), "-c", str(ROOT / "codebooks" / "crying-episodes.yaml"),
                              "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "v" / "results.json").read_text())
    for lang in ("en", "de"):
        res = runner.invoke(app, ["report", str(tmp_path / "v" / "results.json"), "-o", str(tmp_path / "r.html"),
                                  "--lang", lang, "--methods", str(tmp_path / f"m-{lang}.md"), "--docx",
                                  str(tmp_path / f"t-{lang}.docx"), "--latex", str(tmp_path / f"t-{lang}.tex"),
                                  "--table-md", str(tmp_path / f"t-{lang}.md")])
        assert res.exit_code == 0, res.output
    text = (tmp_path / "m-en.md").read_text(encoding="utf-8")
    for it in doc["items"]:
        c = it["statistics"][it["primary"]]
        assert f"{it['item']}: " in text and f"= {apa2(c['value'])}" in text
    assert "(Bakeman et al., 2009)" in text and "Bakeman, R., Quera, V., & Gnisci, A. (2009)" in text
    assert "time units of 1 s" in text and "tolerance of 2 s" in text
    assert "zeitbasiert" in (tmp_path / "m-de.md").read_text(encoding="utf-8")


def test_paper_option_of_the_report(written, tmp_path):
    import docx
    from docx.shared import Inches

    for paper, size in (("a4", (8.27, 11.69)), ("letter", (8.5, 11.0))):
        res = runner.invoke(app, ["report", str(written["dir"] / "out" / "results.json"), "-o",
                                  str(tmp_path / "r.html"), "--docx", str(tmp_path / f"{paper}.docx"), "--paper",
                                  paper])
        assert res.exit_code == 0, res.output
        sec = docx.Document(str(tmp_path / f"{paper}.docx")).sections[0]
        assert (round(sec.page_width / Inches(1), 2), round(sec.page_height / Inches(1), 2)) == size


def test_the_docx_grid_carries_the_column_widths():
    """LibreOffice (and Word when it lays out a table) reads the widths of w:tblGrid/w:gridCol, not only each
    cell's: both must hold the fitted widths (found rendering the table with LibreOffice: nine equal columns)."""
    import docx

    from irrkit.outputs.manuscript import docx_table

    t = docx.Document(io.BytesIO(docx_table(NASTY, "de"))).tables[0]
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    grid = [int(g.get(f"{ns}w")) for g in t._tbl.tblGrid.iter(f"{ns}gridCol")]
    cells = [c.width for c in t.rows[0].cells]
    assert len(grid) == 9 and len(set(grid)) > 3
    assert all(abs(g * 635 - c) <= 635 for g, c in zip(grid, cells, strict=True))  # twips vs EMU


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="no LibreOffice or pdfinfo installed: the German .docx is not rendered")
def test_libreoffice_renders_the_german_docx_on_a4(tmp_path):
    from irrkit.outputs.manuscript import docx_table

    src = tmp_path / "t-de.docx"
    src.write_bytes(docx_table(NASTY, "de"))
    run = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                         capture_output=True, timeout=180)
    assert run.returncode == 0
    info = subprocess.run(["pdfinfo", str(tmp_path / "t-de.pdf")], capture_output=True, text=True).stdout
    assert "(A4)" in info
