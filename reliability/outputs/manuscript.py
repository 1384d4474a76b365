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
import re
from dataclasses import dataclass
from typing import Any

from irrkit import __version__
from irrkit.outputs.escaping import md as md_cell
from irrkit.outputs.escaping import md_line, terminal, xml_text
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
           "episodes": "time-coded", "sets": "nominal, set of codes", "undefined": "undefined"},
    "de": {"table": "Tabelle", "title": "Interrater-Reliabilität je Item", "item": "Item", "level": "Skalenniveau",
           "units": "Einheiten", "coders": "Kodierende", "ratings": "Ratings (fehlend)", "statistic": "Kennwert",
           "value": "Wert", "ci": "95%-KI", "interp": "Interpretation", "note": "Anmerkung",
           "nominal": "nominal", "ordinal": "ordinal", "interval": "intervall", "ratio": "verhältnis",
           "episodes": "zeitkodiert", "sets": "nominal, Codemenge", "undefined": "nicht definiert"},
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
    label: str = ""  # the codebook's label of the item (the table shows it; ``item`` is the id)


def items_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a results JSON, a time-coded (``irrkit video``) item in the shape of a rated one: its
    episodes as units, its statistics as coefficients (time-unit kappa over time units, event agreement over
    matched episodes), no missing ratings."""
    out = []
    for it in doc.get("items", []):
        if it.get("kind") != "episodes":
            out.append(it)
            continue
        stats = it.get("statistics") or {}
        primary = it.get("primary") if it.get("primary") in stats else next(iter(stats), "")
        k = len(it.get("coders") or [])
        out.append({"item": it["item"], "level": "episodes", "n_units": it.get("n_episodes") or 0, "n_coders": k,
                    "n_ratings": (it.get("n_episodes") or 0) * k, "primary": primary, "coefficients": stats,
                    "weights": None, "episodes": it})
    return out


def _missing(it: dict[str, Any]) -> int:
    if it.get("level") == "episodes":
        return 0
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
    sym = registry.symbol(key, it.get("weights"), lang)
    if it.get("multiple") and key not in registry.SET_DISTANCE_KEYS:
        sym += " (exakte Übereinstimmung der Mengen)" if lang == "de" else " (exact set match)"
    return sym


def item_label(doc: dict[str, Any], item: str) -> str:
    """The item's label from the codebook (``item_labels`` of the results JSON), else its id."""
    labels = doc.get("item_labels")
    label = labels.get(item) if isinstance(labels, dict) else None
    return label if isinstance(label, str) and label.strip() else item


def rows(doc: dict[str, Any], lang: str = "en") -> list[Row]:
    """Per item: the primary statistic and, beside it, Gwet's AC1/AC2 (robust to prevalence); for a set-valued item
    alpha under the other set distance (Jaccard beside MASI)."""
    out = []
    w = WORDS[lang]
    for it in items_of(doc):
        beside = ("jaccard_alpha", "masi_alpha") if it.get("multiple") else ("gwet_ac1", "gwet_ac2")
        keys = [it["primary"]] + [k for k in beside if k in it["coefficients"] and k != it["primary"]][:1]
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
                           SCALE_NAME.get(interp.get("scale") or "", ""), c, item_label(doc, it["item"])))
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
    return [r.label or r.item, r.level, str(r.units), str(r.coders), f"{r.ratings} ({r.missing})", r.statistic, r.value,
            r.ci, interp]


def markdown_table(doc: dict[str, Any], lang: str = "en", number: int = 1) -> str:
    """The APA table in Markdown; every cell through :func:`irrkit.outputs.escaping.md` (a line break in a name
    is ``<br>``, markup and pipes are escaped, control characters shown as ``\\x1b``)."""
    w = WORDS[lang]
    lines = [f"**{w['table']} {number}**", "", f"*{w['title']}*", "", "| " + " | ".join(header(lang)) + " |",
             "|" + "|".join(["---", "---", "--:", "--:", "--:", "---", "--:", "---", "---"]) + "|"]
    # value and CI are irrkit's own numbers ("[.68, .86]" stays readable); every other cell through md()
    lines += ["| " + " | ".join(c if j in (6, 7) else md_cell(c) for j, c in enumerate(cells(r))) + " |"
              for r in rows(doc, lang)]
    lines += ["", f"*{w['note']}.* {_note(doc, lang)}", ""]
    return "\n".join(lines)


def _tex(s: str) -> str:
    """Text for LaTeX: special characters escaped, control characters shown as ``\\x1b`` (then escaped), line
    breaks as spaces (a blank line would end the table's paragraph), and a break after ``_`` allowed."""
    s = " ".join(str(s).replace("\r", "\n").split("\n"))
    s = terminal(s)
    rep = {"\\": r"\textbackslash{}\allowbreak{}", "/": r"/\allowbreak{}", "&": r"\&", "%": r"\%", "$": r"\$",
           "#": r"\#", "_": r"\_\allowbreak{}", "{": r"\{\allowbreak{}", "}": r"\}\allowbreak{}",
           "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", MINUS: "$-$", "κ": r"$\kappa$",
           "α": r"$\alpha$", "π": r"$\pi$", "±": r"$\pm$", "×": r"$\times$", "—": "---", "<": r"\textless{}",
           ">": r"\textgreater{}", "|": r"\textbar{}"}
    out = "".join(rep.get(ch, ch) for ch in s)
    for word, hyphenated in SOFT_HYPHENS.items():
        out = out.replace(word, hyphenated)
    return out


# irrkit's own long German words, with their hyphenation points (TeX does not hyphenate a word with an accent
# in the default OT1 encoding, nor German words with English patterns)
SOFT_HYPHENS = {"Übereinstimmung": r"Über\-ein\-stim\-mung", "zweifaktorielles": r"zwei\-fak\-to\-ri\-el\-les",
                "Einzelrater": r"Einzel\-rater", "zufälligen": r"zu\-fäl\-li\-gen",
                "Mittelwerte": r"Mit\-tel\-wer\-te", "Verhältnisgewichte": r"Ver\-hält\-nis\-ge\-wich\-te",
                "quadratische": r"qua\-dra\-ti\-sche", "Gewichte": r"Ge\-wich\-te",
                "Interpretation": r"In\-ter\-pre\-ta\-tion", "beträchtlich": r"be\-trächt\-lich",
                "vollkommen": r"voll\-kom\-men"}


def _tex_cell(s: str) -> str:
    """A table cell: ``{}`` first, so that a cell starting with ``[`` after ``\\\\`` is not read as the
    optional argument of the row end."""
    return "{}" + _tex(s)


def _two_lines(a: str, b: str, align: str = "l") -> str:
    """A header on two lines without extra packages (a nested tabular)."""
    return rf"\begin{{tabular}}[b]{{@{{}}{align}@{{}}}}{a}\\{b}\end{{tabular}}"


def latex_table(doc: dict[str, Any], lang: str = "en", number: int = 1) -> str:
    """The APA table for LaTeX, as wide as the text (``tabularx``): needs ``\\usepackage{booktabs,tabularx}``
    (and UTF-8 input for umlauts, the default since LaTeX 2018). Item, statistic and interpretation wrap; the
    numbers do not. Compiles in an A4 ``article`` without overfull boxes (tests/test_manuscript.py runs
    pdflatex)."""
    w = WORDS[lang]
    body = []
    for r in rows(doc, lang):  # the level goes under the item (one column fewer: the table fits A4)
        c = cells(r)
        body.append(" & ".join([_tex_cell(c[0]) + rf" \newline({_tex(c[1])})", *map(_tex_cell, c[2:])]) + r" \\")
    h = [_tex(x) for x in header(lang)]
    ratings_head = w["ratings"].split(" ", 1)
    h[4] = _two_lines(_tex(ratings_head[0]), _tex(ratings_head[1]) if len(ratings_head) > 1 else "", "r")
    h = [h[0], *h[2:]]
    # the three wrapping columns share the width in proportion to their longest word (each must hold it);
    # \hspace{0pt} lets TeX hyphenate a cell's first word too
    grid = [header(lang)] + [cells(r) for r in rows(doc, lang)]
    for row in grid[1:]:
        row[0] = f"{row[0]} ({row[1]})"  # the level under the item
    def pieces(text: str) -> list[str]:  # what TeX cannot break: words, split at the soft hyphens irrkit adds
        for word, hyphenated in SOFT_HYPHENS.items():
            text = text.replace(word, " ".join(x + "-" for x in hyphenated.split(r"\-")))
        return re.split(r"[\s/_]+", text)

    longest = [max(len(word) for row in grid for word in pieces(row[j]) or [""]) + 2 for j in (0, 5, 8)]
    share = [3 * x / sum(longest) for x in longest]
    wrap = r">{\raggedright\arraybackslash\hsize=%.3f\hsize\hspace{0pt}}X"
    spec = (wrap % share[0]) + "rrr" + (wrap % share[1]) + "rl" + (wrap % share[2])
    return "\n".join([
        f"% irrkit {__version__}: needs \\usepackage{{booktabs}} and \\usepackage{{tabularx}} in the preamble",
        r"\begin{table}[htbp]", r"\centering", r"\footnotesize", r"\setlength{\tabcolsep}{2pt}",
        rf"\caption{{{_tex(w['title'])}}}", rf"\label{{tab:irr{number}}}",
        rf"\begin{{tabularx}}{{\textwidth}}{{{spec}}}", r"\toprule",
        " & ".join(h) + r" \\", r"\midrule", *body, r"\bottomrule", r"\end{tabularx}",
        r"\par\smallskip", rf"\parbox{{\linewidth}}{{\footnotesize\textit{{{_tex(w['note'])}.}} "
                           rf"{_tex(_note(doc, lang))}}}",
        r"\end{table}", ""])


PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}  # inches


def docx_table(doc: dict[str, Any], lang: str = "en", number: int = 1, paper: str | None = None) -> bytes:
    """The table as a Word document (python-docx): APA layout, horizontal rules only, on A4 for ``lang="de"``
    (``paper``: "a4" or "letter"; default A4 in German, US Letter in English), 2.5 cm margins, column widths
    fitted to their content (the longest word must fit, the rest shared by the text's length). Text from the
    data passes :func:`irrkit.outputs.escaping.xml_text` (a control character would stop python-docx)."""
    from docx import Document
    from docx.shared import Inches, Pt

    w = WORDS[lang]
    paper = paper or ("a4" if lang == "de" else "letter")
    d = Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Inches(PAPER[paper][0]), Inches(PAPER[paper][1])
    margin = Inches(0.98)  # 2.5 cm
    sec.left_margin = sec.right_margin = sec.top_margin = sec.bottom_margin = margin
    d.styles["Normal"].font.name = "Times New Roman"
    d.styles["Normal"].font.size = Pt(11)
    p = d.add_paragraph()
    p.add_run(f"{w['table']} {number}").bold = True
    p = d.add_paragraph()
    p.add_run(w["title"]).italic = True
    rs = rows(doc, lang)
    grid = [header(lang)] + [[" ".join(xml_text(c).split()) for c in cells(r)] for r in rs]
    t = d.add_table(rows=len(grid), cols=9)
    t.autofit = False
    widths = column_widths(grid, PAPER[paper][0] - 2 * 0.98)
    for j, w_in in enumerate(widths):  # the grid's widths too: LibreOffice lays a table out by its w:gridCol
        t.columns[j].width = Inches(w_in)
    for i, row in enumerate(grid):
        for j, c in enumerate(row):
            cell = t.rows[i].cells[j]
            cell.width = Inches(widths[j])
            cell.text = c
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
    _apa_rules(t)
    p = d.add_paragraph()
    p.add_run(f"{w['note']}.").italic = True
    p.add_run(" " + _note(doc, lang))
    buf = io.BytesIO()
    d.core_properties.author = "irrkit"
    d.save(buf)
    return buf.getvalue()


def column_widths(grid: list[list[str]], total: float, char: float = 0.075,
                  nowrap: frozenset[int] = frozenset({2, 3, 4, 6, 7})) -> list[float]:
    """Column widths (inches) summing to ``total``: each column at least its longest word (the ``nowrap``
    columns of numbers and CIs their whole body cells), then the rest shared in proportion to the column's
    longest cell beyond that (``char``: inches a character at 9 pt)."""
    cols = list(zip(*grid))
    least = [max(max((len(x) for x in c.split()), default=1) for c in col) * char + 0.1 for col in cols]
    for j in nowrap:
        if j < len(cols):
            least[j] = max(least[j], max((len(c) for c in cols[j][1:]), default=1) * char + 0.1)
    want = [max(len(c) for c in col) * char + 0.1 for col in cols]
    if sum(least) >= total:
        return [x * total / sum(least) for x in least]
    extra = [max(0.0, a - b) for a, b in zip(want, least)]
    room = total - sum(least)
    if sum(extra) <= room:
        spare = room - sum(extra)
        return [b + e + spare * e / (sum(extra) or 1) if sum(extra) else b + spare / len(least)
                for b, e in zip(least, extra)]
    return [b + room * e / sum(extra) for b, e in zip(least, extra)]


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


NUMBER_WORDS = {"en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
                "de": ("null", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")}


def number(n: int, lang: str = "en") -> str:
    """APA 7 (6.32): numbers below 10 in words (when they do not go with a unit of measurement or a
    statistic), 10 and above in numerals with a thousands separator."""
    if 0 <= n < 10:
        return NUMBER_WORDS[lang][n]
    return f"{n:,}".replace(",", "." if lang == "de" else ",")


def narrative(cite: str, lang: str = "en") -> str:
    """A narrative citation (APA 7, 8.11): 'Landis and Koch (1977)', 'Lombard et al. (2002)'; German 'und'."""
    authors, year = IN_TEXT[cite].rsplit(", ", 1)
    return f"{authors.replace(' & ', ' und ' if lang == 'de' else ' and ')} ({year})"


def parenthetical(cites: list[str]) -> str:
    """'(Fleiss, 1971; Gwet, 2014)': '&' between two authors, as APA 7 wants inside parentheses."""
    return "(" + "; ".join(IN_TEXT[c] for c in cites) + ")"


def _measurement(items: list[dict[str, Any]], doc: dict[str, Any], lang: str) -> tuple[list[tuple[str, str]], bool]:
    """Interval and ratio items as measurement, one (label, "CCC = .., limits ..") per item (Lin's CCC, the
    overall CCC for 3+ coders, and for two coders the Bland-Altman bias and limits of agreement with their CIs),
    and whether an overall CCC is among them."""
    de = lang == "de"
    found = []
    multi = False
    for it in items:
        cont = it.get("continuous")
        if not isinstance(cont, dict):
            continue
        co = it.get("coefficients", {})
        key = "ccc" if "ccc" in co else "overall_ccc" if "overall_ccc" in co else None
        bits = []
        if key:
            multi |= key == "overall_ccc"
            c = co[key]
            sym = registry.symbol(key, None, lang)
            if c.get("value") is None:
                bits.append(f"{sym} {'nicht definiert' if de else 'undefined'} ({c.get('reason')})")
            else:
                ci = (f", {'95%-KI' if de else '95% CI'} [{apa(c.get('ci_low'))}, {apa(c.get('ci_high'))}]"
                      if c.get("ci_low") is not None and c.get("ci_high") is not None else "")
                bits.append(f"{sym} = {apa(c['value'])}{ci}")
        loa = cont.get("bland_altman") or []
        if len(loa) == 1 and loa[0].get("bias") is not None:
            x = loa[0]

            def two(k: str, x: dict[str, Any] = x) -> str:
                return apa(x.get(k), 2, bounded=False)
            if de:
                bits.append(f"Bias {two('bias')} [{two('bias_ci_low')}, {two('bias_ci_high')}], "
                            f"Übereinstimmungsgrenzen {two('lower')} [{two('lower_ci_low')}, {two('lower_ci_high')}] "
                            f"bis {two('upper')} [{two('upper_ci_low')}, {two('upper_ci_high')}]"
                            + ("; proportionaler Bias" if x.get("proportional_bias") else ""))
            else:
                bits.append(f"bias {two('bias')} [{two('bias_ci_low')}, {two('bias_ci_high')}], limits of agreement "
                            f"{two('lower')} [{two('lower_ci_low')}, {two('lower_ci_high')}] to {two('upper')} "
                            f"[{two('upper_ci_low')}, {two('upper_ci_high')}]"
                            + ("; proportional bias" if x.get("proportional_bias") else ""))
        if len(loa) > 1:
            bits.append("Übereinstimmungsgrenzen je Paar und je Kodierendem gegen das Mittel der anderen im Bericht"
                        if de else "limits of agreement per pair and of each coder against the mean of the others in "
                        "the report")
        if bits:
            found.append((item_label(doc, it["item"]), ", ".join(bits)))
    return found, multi


MEASUREMENT_SOURCES = ["lin1989", "lin2000", "bland1999"]  # the CCC (Lin's SE) and the limits' CIs


def _measurement_sentences(f: StudyFacts) -> str:
    """The methods paragraph's sentence on interval and ratio items as measurement ('' without such items)."""
    if not f.measurement:
        return ""
    de = f.lang == "de"
    multi = f.overall_ccc
    occc = f"; Gesamt-CCC bei mehr als zwei Kodierenden: {IN_TEXT['barnhart2002']}" if de and multi else \
        f"; overall CCC for more than two coders, {IN_TEXT['barnhart2002']}" if multi else ""
    if de:
        head = (f"Für Intervall- und Verhältnisskalen wurden zusätzlich Lins Konkordanzkorrelation "
                f"{parenthetical(['lin1989', 'lin2000'])[:-1]}{occc}) und die Bland-Altman-Übereinstimmungsgrenzen "
                f"(Bias ± 1,96 SD der Differenzen, 95%-KI; {IN_TEXT['bland1999']}) berichtet")
    else:
        head = (f"For interval and ratio items, Lin's concordance correlation coefficient "
                f"{parenthetical(['lin1989', 'lin2000'])[:-1]}{occc}) and Bland-Altman limits of agreement (bias "
                f"± 1.96 SD of the differences, 95% CIs; {IN_TEXT['bland1999']}) are reported")
    return head + ": " + "; ".join(f"{md_line(label)}: {text}" for label, text in f.measurement) + "."


@dataclass(frozen=True)
class StudyFacts:
    """What a results JSON (with the plan and round history, when given) says about the study: the one source of
    the methods paragraph and the reporting checklist (:mod:`irrkit.outputs.checklist`), so that they never
    disagree. Counts are over all items; ``statistics`` maps each symbol to its sources in order of first use."""

    software: str  # "irrkit 0.1.0 (Python 3.12.1)"
    codebook_id: str | None
    codebook_title: str | None
    codebook_version: str | None
    codebook_source: str | None
    items: list[dict[str, Any]]  # items_of(doc): each item as the table reads it
    n_items: int
    n_units: int
    n_coders: int
    n_ratings: int
    n_missing: int
    timed: bool  # every item time-coded (episodes)
    rows: list[Row]
    statistics: dict[str, list[str]]
    kappa_ci: bool  # a kappa-type coefficient with a CI (Gwet's linearised SEs)
    icc: bool
    scales: list[str]  # citation keys of the benchmark scales used, in order
    conventions: dict[str, Any]
    study: dict[str, str]
    definitions: dict[str, Any]
    planned: list[dict[str, Any]]  # the plan's answers (irrkit plan -f json), if given
    rounds: list[dict[str, Any]]  # the training rounds of the history, if given
    measurement: list[tuple[str, str]]  # interval and ratio items as measurement: (label, "CCC .., limits ..")
    overall_ccc: bool  # an overall CCC (3+ coders) among them
    lang: str = "en"


def study_facts(doc: dict[str, Any], lang: str = "en", plan: dict[str, Any] | None = None,
                history: list[dict[str, Any]] | None = None) -> StudyFacts:
    """The facts of a results JSON that the methods paragraph and the checklist report (see :class:`StudyFacts`);
    ``plan``: the JSON of ``irrkit plan``; ``history``: the round records of a history folder."""
    items = items_of(doc)
    cb = doc.get("codebook")
    cb_id = cb.get("id") if isinstance(cb, dict) else cb
    cb_title = doc.get("codebook_title") or (cb.get("title") if isinstance(cb, dict) else None) or cb_id
    cb_version = doc.get("codebook_version") or (cb.get("version") if isinstance(cb, dict) else None)
    all_rows = rows(doc, lang)
    used: dict[str, list[str]] = {}  # symbol -> its sources, in order of first use
    for r in all_rows:
        sym = registry.symbol(r.key, None, lang)
        src = [c for c in (registry.source(r.key),) if c]
        if registry.model(r.key) and "mcgraw1996" not in src:
            src.append("mcgraw1996")
        used.setdefault(sym, src)
    scales = [SCALE_SOURCE[k] for k in dict.fromkeys(
        (r.coef.get("interpretation") or {}).get("scale") for r in all_rows) if k in SCALE_SOURCE]
    study = doc.get("study")
    measurement, overall = _measurement(items, doc, lang)
    return StudyFacts(
        software=f"irrkit {__version__} (Python {platform.python_version()})",
        codebook_id=cb_id, codebook_title=cb_title, codebook_version=None if cb_version is None else str(cb_version),
        codebook_source=doc.get("codebook_source"), items=items, n_items=len(items),
        n_units=max((it["n_units"] for it in items), default=0),
        n_coders=len(doc.get("coders") or []) or max((it["n_coders"] for it in items), default=0),
        n_ratings=sum(it.get("n_ratings", 0) for it in items), n_missing=sum(_missing(it) for it in items),
        timed=bool(items) and all(it.get("level") == "episodes" for it in items), rows=all_rows,
        statistics=used, kappa_ci=any(not registry.model(r.key) and r.ci != "—" for r in all_rows),
        icc=any(registry.model(r.key) for r in all_rows), scales=scales,
        conventions=dict(doc.get("conventions") or {}), study=dict(study) if isinstance(study, dict) else {},
        definitions=dict(doc.get("definitions") or {}),
        planned=list((plan or {}).get("plans") or []), rounds=list(history or []),
        measurement=measurement, overall_ccc=overall, lang=lang)


def methods(doc: dict[str, Any], lang: str = "en", facts: StudyFacts | None = None) -> str:
    """A methods paragraph in APA 7 style (Markdown), then the references it cites and only those: the coding
    system by title and version, numbers below 10 in words, narrative citations with "and", each statistic
    with its source, item labels, p stated as one-sided. Every name from the data passes
    :func:`irrkit.outputs.escaping.md_line` (markup, HTML and line breaks cannot reach a Markdown converter).
    Its figures are :func:`study_facts` (``facts``: computed once for the checklist too)."""
    de = lang == "de"
    f = facts if facts is not None and facts.lang == lang else study_facts(doc, lang)
    items = f.items
    cited: list[str] = ["lombard2002"]
    n_units, coders, ratings, missing = f.n_units, f.n_coders, f.n_ratings, f.n_missing
    cb_title, cb_version = f.codebook_title, f.codebook_version
    system = ""
    if cb_title:
        system = md_line(f"„{cb_title}“" if de else f"“{cb_title}”")
        if cb_version:
            system += f", Version {md_line(cb_version)}," if de else f", version {md_line(cb_version)},"
    n_items = f.n_items
    timed = f.timed
    unit_word = ("Episoden" if timed else "Einheiten") if de else ("episodes" if timed else "units")
    parts: list[str] = []
    if de:
        coded = f" mit dem Kodiersystem {system}" if system else ""
        parts.append(f"Die Interrater-Reliabilität wurde mit {f.software} für "
                     f"{number(n_items, 'de')} Item{'s' * (n_items != 1)} bestimmt, die {number(coders, 'de')} "
                     f"Kodierende{coded} an "
                     f"{number(n_units, 'de')} {unit_word} kodierten ({number(ratings, 'de')} Ratings über alle Items, "
                     f"{number(missing, 'de')} fehlend). [Beschreiben Sie, wie die Einheiten ausgewählt wurden und "
                     "welchen Anteil aller Einheiten sie bilden (Lombard et al., 2002).]")
    else:
        coded = f" with the coding system {system}" if system else ""
        parts.append(f"Inter-rater reliability was computed with {f.software} for "
                     f"{number(n_items)} item{'s' * (n_items != 1)} coded by {number(coders)} "
                     f"coder{'s' * (coders != 1)}{coded} on {number(n_units)} {unit_word} ({number(ratings)} ratings "
                     f"over all items, {number(missing)} missing). [Describe how the units were selected and what "
                     "share of all units they are (Lombard et al., 2002).]")
    all_rows = f.rows
    used = f.statistics
    if used:
        listed = "; ".join(f"{md_line(sym)} {parenthetical(src)}" if src else md_line(sym)
                           for sym, src in used.items())
        parts.append(("Berichtet werden je Item " if de else "Reported per item are ") + listed + ".")
        cited += [c for src in used.values() for c in src]
    for it in items:
        sentences = []
        for r in all_rows:
            if r.item != it["item"]:
                continue
            c = r.coef
            scale = (c.get("interpretation") or {}).get("scale")
            if scale and registry.source(scale):
                cited.append(registry.source(scale))
            sym = registry.symbol(r.key, it.get("weights"), lang)
            if c.get("value") is None:
                sentences.append(f"{sym} {'nicht definiert' if de else 'undefined'} ({md_line(c.get('reason'))})")
                continue
            s = f"{sym} = {r.value}, {'95%-KI' if de else '95% CI'} {r.ci}" if r.ci != "—" else \
                f"{sym} = {r.value} ({'ohne KI' if de else 'no CI'})"
            if registry.model(r.key):
                model = registry.model(r.key, lang)
                reml = "REML" in (c.get("method") or "")
                if de:
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
            parts.append(f"{md_line(item_label(doc, it['item']))}: " + "; ".join(sentences) + ".")
    measured = _measurement_sentences(f)
    if measured:
        parts.append(measured)
        cited += MEASUREMENT_SOURCES + (["barnhart2002"] if f.overall_ccc else [])
    episodes = [it["episodes"] for it in items if it.get("level") == "episodes"]
    if episodes:
        e = episodes[0]
        step, tol = (x if isinstance(x, (int, float)) else float("nan")
                     for x in (e.get("step_s"), e.get("tolerance_s")))
        rule = md_line(e.get("match_rule") or "onset")
        if de:
            parts.append("Die zeitkodierten Episoden wurden auf zwei Wegen verglichen "
                         f"{parenthetical(['bakeman2009'])}: zeitbasiert über Zeiteinheiten von {step:g} s (jede "
                         "Einheit mit ihrem Code oder „kein Code“) und ereignisbasiert über Episoden, die einander "
                         f"mit einer Toleranz von {tol:g} s am {'Beginn' if rule == 'onset' else rule} zugeordnet "
                         "wurden. Zeiteinheiten eines Videos sind keine unabhängigen Beobachtungen; Standardfehler "
                         "und Konfidenzintervalle werden daher über Videos gebildet, sobald genug Videos vorliegen.")
        else:
            parts.append(f"The time-coded episodes were compared in two ways {parenthetical(['bakeman2009'])}: "
                         f"time-based, over time units of {step:g} s (each unit with its code or \"no code\"), and "
                         f"event-based, over episodes matched with a tolerance of {tol:g} s at their {rule}. Time "
                         "units of one video are not independent observations, so standard errors and confidence "
                         "intervals are taken over videos when there are enough of them.")
        cited.append("bakeman2009")
    if any(r.coef.get("p_value") is not None for r in all_rows):
        parts.append("Die *p*-Werte sind einseitig (H1: Übereinstimmung über dem Zufall; ICC: *F*-Test der H0 "
                     "ICC = 0)." if de else
                     "All *p* values are one-sided (H1: agreement above chance; ICC: *F* test of H0: ICC = 0).")
    kappa_type, icc = f.kappa_ci, f.icc
    if de:
        text = []
        if kappa_type:
            text.append("Konfidenzintervalle kappa-artiger Koeffizienten beruhen auf den linearisierten "
                        f"Standardfehlern nach {narrative('gwet2008', 'de')}")
        if icc:
            text.append(f"ICCs folgen {narrative('mcgraw1996', 'de')} und werden nach {narrative('koo2016', 'de')} "
                        "berichtet (Software, Modell, Typ, Definition)")
        if text:
            parts.append("; ".join(text) + ".")
    else:
        text = []
        if kappa_type:
            text.append(f"Confidence intervals of kappa-type coefficients use the linearised standard errors of "
                        f"{narrative('gwet2008')}")
        if icc:
            text.append(f"ICCs follow {narrative('mcgraw1996')} and are reported as {narrative('koo2016')} "
                        "recommend (software, model, type, definition)")
        if text:
            parts.append("; ".join(text) + ".")
    cited += (["gwet2008"] if kappa_type else []) + (["mcgraw1996", "koo2016"] if icc else [])
    scales = f.scales
    if scales:
        joined = [narrative(c, lang) for c in scales]
        conj = " und " if de else " and "
        listed = joined[0] if len(joined) == 1 else ", ".join(joined[:-1]) + conj + joined[-1]
        parts.append(("Die Interpretation folgt " if de else "Interpretation follows ") + listed + ".")
        cited += scales
    refs = sorted(dict.fromkeys(cited), key=lambda k: REFERENCES[k])
    head = "Literatur" if de else "References"
    return " ".join(parts) + f"\n\n## {head}\n\n" + "\n\n".join(REFERENCES[k] for k in refs) + "\n"


__all__ = ["Row", "StudyFacts", "apa", "apa_p", "docx_table", "latex_table", "markdown_table", "methods", "rows",
           "study_facts"]
