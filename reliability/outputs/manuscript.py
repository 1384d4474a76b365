"""Manuscript output from a results JSON: an APA 7 table (Markdown, LaTeX booktabs, Word .docx) and a methods
paragraph, in English or German.

APA number style (APA 7, 6.36): no leading zero for statistics that cannot exceed 1 (kappa, AC1, alpha, ICC,
percent agreement as a proportion, p), two decimals for coefficients, p exact to three decimals or p < .001.
ICCs are reported as Koo & Li (2016) ask: software and version, model, type and definition ("two-way random
effects, absolute agreement, single rater"); content-analysis reliability as Lombard, Snyder-Duch & Bracken
(2002) ask: a coefficient per variable with its CI, the number of units and how they were chosen (a
placeholder the authors fill in). Pure functions: text and bytes, no file I/O.
"""

from __future__ import annotations

import io
import platform
from dataclasses import dataclass
from typing import Any

from irrkit import __version__
from irrkit.statistics import registry
from irrkit.statistics.sources import IN_TEXT, REFERENCES, SCALE_SOURCE

MINUS = "\u2212"
# names, symbols, ICC models, sources and references: the registry of statistics (statistics/registry.py,
# statistics/sources.py); the benchmark scales in the text as their sources are cited
SCALE_NAME = {k: IN_TEXT[c] for k, c in SCALE_SOURCE.items()}
WORDS = {
    "en": {"table": "Table", "title": "Inter-Rater Reliability per Item", "item": "Item", "level": "Level",
           "units": "Units", "coders": "Coders", "ratings": "Ratings (missing)", "statistic": "Statistic",
           "value": "Value", "ci": "95% CI", "interp": "Interpretation", "note": "Note",
           "nominal": "nominal", "ordinal": "ordinal", "interval": "interval", "ratio": "ratio",
           "undefined": "undefined"},
    "de": {"table": "Tabelle", "title": "Interrater-Reliabilität je Item", "item": "Item", "level": "Skalenniveau",
           "units": "Einheiten", "coders": "Kodierende", "ratings": "Ratings (fehlend)", "statistic": "Kennwert",
           "value": "Wert", "ci": "95%-KI", "interp": "Interpretation", "note": "Anmerkung",
           "nominal": "nominal", "ordinal": "ordinal", "interval": "intervall", "ratio": "verhältnis",
           "undefined": "nicht definiert"},
}
LABEL_DE = {"Poor": "schlecht", "Slight": "gering", "Fair": "ausreichend", "Moderate": "moderat",
            "Substantial": "beträchtlich", "Almost perfect": "fast vollkommen", "Good": "gut",
            "Excellent": "exzellent", "Unacceptable": "inakzeptabel", "Tentative": "vorläufig",
            "Acceptable": "akzeptabel", "Very good": "sehr gut", "Intermediate to good": "mittel bis gut"}


def apa(x: float | None, digits: int = 2, bounded: bool = True) -> str:
    """APA number: ``bounded`` statistics (|x| <= 1) without leading zero, a true minus sign."""
    if x is None:
        return "—"
    s = f"{abs(x):.{digits}f}"
    if bounded and s.startswith("0."):
        s = s[1:]
    return (MINUS if x < 0 and float(s) != 0 else "") + s


def apa_p(p: float | None, italic: str = "") -> str:
    """'p < .001' or 'p = .023' (APA 7); ``italic``: the markup around the p ('*' in Markdown)."""
    if p is None:
        return ""
    return f"{italic}p{italic} < .001" if p < 0.001 else f"{italic}p{italic} = {apa(p, 3)}"


@dataclass(frozen=True)
class Row:
    """One line of the table: an item's statistic."""

    item: str
    level: str
    units: int
    coders: int
    ratings: int
    missing: int
    key: str
    statistic: str  # symbol with model/type/weights
    value: str
    ci: str
    interpretation: str
    scale: str
    coef: dict[str, Any]


def _missing(it: dict[str, Any]) -> int:
    d = it.get("diagnostics")
    if d and d.get("coder_profiles"):
        return sum(p["n_missing"] for p in d["coder_profiles"])
    return max(it["n_units"] * it["n_coders"] - it.get("n_ratings", 0), 0)


def statistic_name(key: str, it: dict[str, Any], lang: str = "en") -> str:
    """The table's statistic: its symbol (registry.symbol) with the item's weights when weighted, an ICC with
    its model, type and definition."""
    model = registry.model(key, lang)
    if model:
        return f"{registry.symbol(key, lang=lang)} ({model})"
    return registry.symbol(key, it.get("weights"), lang)


def rows(doc: dict[str, Any], lang: str = "en") -> list[Row]:
    """Per item: the primary statistic and, beside it, Gwet's AC1/AC2 (robust to prevalence)."""
    out = []
    w = WORDS[lang]
    for it in doc.get("items", []):
        keys = [it["primary"]] + [k for k in ("gwet_ac1", "gwet_ac2") if k in it["coefficients"] and
                                  k != it["primary"]]
        for key in keys:
            c = it["coefficients"][key]
            interp = c.get("interpretation") or {}
            lab = interp.get("label") or ""
            ok = c.get("value") is not None
            out.append(Row(it["item"], w.get(it["level"], it["level"]), it["n_units"], it["n_coders"],
                           it.get("n_ratings", 0), _missing(it), key, statistic_name(key, it, lang),
                           apa(c["value"]) if ok else w["undefined"],
                           f"[{apa(c.get('ci_low'))}, {apa(c.get('ci_high'))}]" if c.get("ci_low") is not None and
                           c.get("ci_high") is not None else "—",
                           LABEL_DE.get(lab, lab) if lang == "de" else lab.lower(),
                           SCALE_NAME.get(interp.get("scale") or "", ""), c))
    return out


def _note(doc: dict[str, Any], lang: str) -> str:
    if lang == "de":
        return ("KI = Konfidenzintervall (Kappa-artige Koeffizienten: Wert ± t(n − 1) × SE nach Gwet, 2008; "
                "ICC: F-Verteilung). Interpretation nach der jeweils angegebenen Skala. Berechnet mit irrkit "
                f"{__version__}.")
    return ("CI = confidence interval (kappa-type coefficients: value ± t(n − 1) × SE, Gwet, 2008; ICC: F "
            f"distribution). Interpretation by the scale named. Computed with irrkit {__version__}.")


def header(lang: str) -> list[str]:
    w = WORDS[lang]
    return [w["item"], w["level"], w["units"], w["coders"], w["ratings"], w["statistic"], w["value"], w["ci"],
            w["interp"]]


def cells(r: Row) -> list[str]:
    interp = f"{r.interpretation} ({r.scale})" if r.interpretation and r.scale else r.interpretation
    return [r.item, r.level, str(r.units), str(r.coders), f"{r.ratings} ({r.missing})", r.statistic, r.value,
            r.ci, interp]


def markdown_table(doc: dict[str, Any], lang: str = "en", number: int = 1) -> str:
    w = WORDS[lang]

    def md(s: str) -> str:
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")

    lines = [f"**{w['table']} {number}**", "", f"*{w['title']}*", "", "| " + " | ".join(header(lang)) + " |",
             "|" + "|".join(["---", "---", "--:", "--:", "--:", "---", "--:", "---", "---"]) + "|"]
    lines += ["| " + " | ".join(md(c) for c in cells(r)) + " |" for r in rows(doc, lang)]
    lines += ["", f"*{w['note']}.* {_note(doc, lang)}", ""]
    return "\n".join(lines)


def _tex(s: str) -> str:
    rep = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
           "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", MINUS: "$-$", "κ": r"$\kappa$",
           "α": r"$\alpha$", "π": r"$\pi$", "±": r"$\pm$", "−": "$-$", "×": r"$\times$", "—": "---"}
    return "".join(rep.get(ch, ch) for ch in s)


def latex_table(doc: dict[str, Any], lang: str = "en", number: int = 1) -> str:
    """A booktabs table (needs \\usepackage{booktabs}; UTF-8 input for umlauts)."""
    w = WORDS[lang]
    body = [" & ".join(_tex(c) for c in cells(r)) + r" \\" for r in rows(doc, lang)]
    return "\n".join([
        r"\begin{table}[htbp]", r"\centering", r"\small",
        rf"\caption{{{_tex(w['title'])}}}", rf"\label{{tab:irr{number}}}",
        r"\begin{tabular}{llrrrp{5cm}rll}", r"\toprule",
        " & ".join(_tex(h) for h in header(lang)) + r" \\", r"\midrule", *body, r"\bottomrule", r"\end{tabular}",
        r"\par\smallskip", rf"\parbox{{\linewidth}}{{\footnotesize\textit{{{_tex(w['note'])}.}} "
                           rf"{_tex(_note(doc, lang))}}}",
        r"\end{table}", ""])


def docx_table(doc: dict[str, Any], lang: str = "en", number: int = 1) -> bytes:
    """The table as a Word document (python-docx): APA layout, horizontal rules only."""
    from docx import Document
    from docx.shared import Pt

    w = WORDS[lang]
    d = Document()
    d.styles["Normal"].font.name = "Times New Roman"
    d.styles["Normal"].font.size = Pt(11)
    p = d.add_paragraph()
    p.add_run(f"{w['table']} {number}").bold = True
    p = d.add_paragraph()
    p.add_run(w["title"]).italic = True
    rs = rows(doc, lang)
    t = d.add_table(rows=1 + len(rs), cols=9)
    for j, h in enumerate(header(lang)):
        t.rows[0].cells[j].text = h
    for i, r in enumerate(rs, 1):
        for j, c in enumerate(cells(r)):
            t.rows[i].cells[j].text = c
    _apa_rules(t)
    p = d.add_paragraph()
    p.add_run(f"{w['note']}.").italic = True
    p.add_run(" " + _note(doc, lang))
    buf = io.BytesIO()
    d.core_properties.author = "irrkit"
    d.save(buf)
    return buf.getvalue()


def _apa_rules(table: Any) -> None:
    """Top and bottom rules of the table and a rule under the header (APA: no vertical lines)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def border(cell: Any, side: str) -> None:
        tc_pr = cell._tc.get_or_add_tcPr()
        borders = tc_pr.find(qn("w:tcBorders"))
        if borders is None:
            borders = OxmlElement("w:tcBorders")
            tc_pr.append(borders)
        el = OxmlElement(f"w:{side}")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
            el.set(qn(k), v)
        borders.append(el)

    for c in table.rows[0].cells:
        border(c, "top")
        border(c, "bottom")
    for c in table.rows[-1].cells:
        border(c, "bottom")


# ----------------------------------------------------------------------------------------------- methods


def methods(doc: dict[str, Any], lang: str = "en") -> str:
    """A methods paragraph with the figures in APA style, then the references it cites (Markdown)."""
    items = doc.get("items", [])
    cited: list[str] = ["lombard2002"]
    n_units = max((it["n_units"] for it in items), default=0)
    coders = len(doc.get("coders") or []) or max((it["n_coders"] for it in items), default=0)
    ratings = sum(it.get("n_ratings", 0) for it in items)
    missing = sum(_missing(it) for it in items)
    py = platform.python_version()
    parts: list[str] = []
    if lang == "de":
        parts.append(f"Die Interrater-Reliabilität wurde mit irrkit {__version__} (Python {py}) für {len(items)} "
                     f"Item{'s' * (len(items) != 1)} bestimmt, die {coders} Kodierende an {n_units} Einheiten "
                     f"kodierten ({ratings} Ratings über alle Items, {missing} fehlend). [Beschreiben Sie, wie die "
                     "Einheiten "
                     "ausgewählt wurden und welchen Anteil aller Einheiten sie bilden (Lombard et al., 2002).]")
    else:
        parts.append(f"Inter-rater reliability was computed with irrkit {__version__} (Python {py}) for "
                     f"{len(items)} item{'s' * (len(items) != 1)} coded by {coders} coders on {n_units} units "
                     f"({ratings} ratings over all items, {missing} missing). [Describe how the units were "
                     "selected and what "
                     "share of all units they are (Lombard et al., 2002).]")
    for it in items:
        sentences = []
        for r in rows(doc, lang):
            if r.item != it["item"]:
                continue
            c = r.coef
            cite = registry.source(r.key)
            if cite:
                cited.append(cite)
            scale = (c.get("interpretation") or {}).get("scale")
            if scale and registry.source(scale):
                cited.append(registry.source(scale))
            sym = registry.symbol(r.key, it.get("weights"), lang)
            if c.get("value") is None:
                sentences.append(f"{sym} {'nicht definiert' if lang == 'de' else 'undefined'}"
                                 f" ({c.get('reason')})")
                continue
            s = f"{sym} = {r.value}, {'95%-KI' if lang == 'de' else '95% CI'} {r.ci}"
            if registry.model(r.key):
                model = registry.model(r.key, lang)
                reml = "REML" in (c.get("method") or "")
                if lang == "de":
                    how = ("REML-Schätzung aus allen Ratings" if reml else
                           "zweifaktorielle Varianzanalyse vollständiger Einheiten")
                else:
                    how = "REML estimate from all ratings" if reml else "two-way ANOVA on complete units"
                s += f" ({model}; {how}"
                if c.get("f") is not None and c.get("df1") is not None:
                    df2 = c["df2"]
                    df2s = f"{df2:.0f}" if abs(df2 - round(df2)) < 1e-9 else f"{df2:.1f}"
                    f_txt = apa(c["f"], 2, bounded=False)
                    s += f"; *F*({c['df1']:.0f}, {df2s}) = {f_txt}, {apa_p(c.get('p_value'), '*')}"
                s += ")"
            elif c.get("p_value") is not None:
                s += f", {apa_p(c['p_value'], '*')}"
            if r.interpretation:
                s += f", {r.interpretation}"
            sentences.append(s)
        if sentences:
            parts.append(f"{it['item']}: " + "; ".join(sentences) + ".")
    if lang == "de":
        parts.append("Konfidenzintervalle kappa-artiger Koeffizienten beruhen auf Gwets (2008) linearisierten "
                     "Standardfehlern; ICCs folgen McGraw und Wong (1996) und werden nach Koo und Li (2016) "
                     "berichtet (Software, Modell, Typ, Definition).")
    else:
        parts.append("Confidence intervals of kappa-type coefficients use Gwet's (2008) linearised standard errors; "
                     "ICCs follow McGraw and Wong (1996) and are reported as Koo and Li (2016) recommend (software, "
                     "model, type, definition).")
    scales = [SCALE_NAME[k] for k in dict.fromkeys(
        (r.coef.get("interpretation") or {}).get("scale") for r in rows(doc, lang)) if k in SCALE_NAME]
    if scales:
        parts.append(("Die Interpretation folgt " if lang == "de" else "Interpretation follows ")
                     + "; ".join(f"{s.split(', ')[0]} ({s.split(', ')[1]})" for s in scales) + ".")
    cited += ["gwet2008", "mcgraw1996", "koo2016"] if any(it["level"] != "nominal" for it in items) else ["gwet2008"]
    refs = sorted(dict.fromkeys(cited), key=lambda k: REFERENCES[k])
    head = "Literatur" if lang == "de" else "References"
    return " ".join(parts) + f"\n\n## {head}\n\n" + "\n\n".join(REFERENCES[k] for k in refs) + "\n"


__all__ = ["Row", "apa", "apa_p", "docx_table", "latex_table", "markdown_table", "methods", "rows"]
