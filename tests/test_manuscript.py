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
    """(item, key, value text, CI text) per table row: the primary statistic and Gwet's AC1/AC2."""
    rows = []
    for it in doc["items"]:
        for key in [it["primary"]] + [k for k in ("gwet_ac1", "gwet_ac2") if k in it["coefficients"]
                                      and k != it["primary"]]:
            c = it["coefficients"][key]
            rows.append((it["item"], key, apa2(c["value"]), f"[{apa2(c['ci_low'])}, {apa2(c['ci_high'])}]"))
    return rows


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
    items = {it["item"]: it for it in written["doc"]["items"]}
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
            assert cells[0] == item.replace("_", "\\_") and cells[6] == value and cells[7] == ci
            tex_value = value.replace("\u2212", "$-$")
            assert f"{tex_value} & {ci.replace(chr(0x2212), '$-$')}" in tex
        assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installed: the LaTeX table is not compiled")
def test_latex_table_compiles(written, tmp_path):
    body = (written["dir"] / "t-en.tex").read_text(encoding="utf-8")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage[utf8]{inputenc}\\usepackage{booktabs}"
                                      "\\begin{document}" + body + "\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path, capture_output=True,
                         timeout=120)
    assert run.returncode == 0 and (tmp_path / "doc.pdf").exists(), run.stdout[-2000:]


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
