"""The reporting checklist of the Guidelines for Reporting Reliability and Agreement Studies (GRRAS; Kottner et
al., 2011, J Clin Epidemiol 64:96-106, Table 1): each of its 15 items (its number and a paraphrase in irrkit's
words), what irrkit filled in from the codebook, the data and the results, and what the author must add.

Built from :func:`irrkit.outputs.manuscript.study_facts`, the facts the methods paragraph is written from, so the
two never disagree. :func:`entries` gives the items; :func:`markdown` and :func:`html_section` render them (every
text from the data through :mod:`irrkit.outputs.escaping`). Pure functions: text, no file I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from irrkit.outputs.escaping import html as html_text
from irrkit.outputs.escaping import md
from irrkit.outputs.manuscript import MEASUREMENT_SOURCES, StudyFacts, item_label
from irrkit.statistics import registry
from irrkit.statistics.sources import IN_TEXT, REFERENCES

# (number, section, paraphrase of the GRRAS item, in irrkit's words)
GRRAS = (
    (1, "Title and abstract", "Say in the title or abstract that inter- or intra-rater reliability or agreement "
                              "was studied."),
    (2, "Introduction", "Name the instrument (here: the coding system) and describe it."),
    (3, "Introduction", "Say which population of subjects (units) the results are meant for."),
    (4, "Introduction", "Say which population of raters the results are meant for (where it applies)."),
    (5, "Introduction", "Summarise what is known about the instrument's reliability and agreement, and why this "
                        "study was needed (where it applies)."),
    (6, "Methods", "Explain how the sample size was chosen; give the planned numbers of raters, subjects and "
                   "repeated ratings."),
    (7, "Methods", "Describe how the subjects and the raters were sampled."),
    (8, "Methods", "Describe how the rating was done, e.g. the interval between repeated ratings, what the raters "
                   "knew, blinding."),
    (9, "Methods", "Say whether the ratings were made independently of each other."),
    (10, "Methods", "Describe the statistical analysis."),
    (11, "Results", "Give the actual numbers of raters, subjects and repeated ratings included."),
    (12, "Results", "Describe the raters and the subjects, e.g. the raters' training and experience."),
    (13, "Results", "Report the estimates of reliability and agreement with measures of their uncertainty."),
    (14, "Discussion", "Discuss the practical relevance of the results."),
    (15, "Auxiliary material", "Make detailed results available, e.g. online."),
)


@dataclass
class Entry:
    """One GRRAS item: what irrkit filled in (plain text) and what the author must add."""

    number: int
    section: str
    item: str
    filled: list[str] = field(default_factory=list)
    add: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "filled in" if not self.add else "to add" if not self.filled else "partly filled in"


def _study(f: StudyFacts, key: str, entry: Entry, ask: str) -> None:
    text = f.study.get(key)
    if text:
        entry.filled.append(f"{text} (codebook study: {key})")
    else:
        entry.add.append(f"{ask} (or give it in the codebook's study: {key})")


def _estimate(r, weights: str | None) -> str:
    """An estimate as the methods paragraph states it: symbol (with the item's weights), value, CI."""
    sym = registry.symbol(r.key, weights, "en")
    if r.coef.get("value") is None:
        return f"{sym} undefined ({r.coef.get('reason')})"
    return f"{sym} = {r.value}, 95% CI {r.ci}" if r.ci != "—" else f"{sym} = {r.value} (no CI)"


def entries(f: StudyFacts, doc: dict | None = None) -> list[Entry]:
    """The 15 GRRAS items with what the facts fill in and what is left to the author."""
    doc = doc or {}
    out = {n: Entry(n, sec, text) for n, sec, text in GRRAS}
    unit_word = "episodes" if f.timed else "units"
    title = f.codebook_title or f.codebook_id or "the coding system"
    # 1
    out[1].filled.append(f"Suggested wording: \"Inter-rater reliability of the {title}: {f.n_coders} coders, "
                         f"{f.n_units} {unit_word}\"")
    out[1].add.append("Put it in the title or abstract")
    # 2
    e = out[2]
    version = f", version {f.codebook_version}" if f.codebook_version else ""
    e.filled.append(f"Coding system: {title}{version}" + (f"; source: {f.codebook_source}" if f.codebook_source
                                                            else ""))
    for it in f.items:
        cats = it.get("categories") or []
        d = f.definitions.get(it["item"]) or {}
        defined = (f"; definitions: {'item and ' if d.get('item') else ''}{d.get('codes', 0)} of {d.get('of', 0)} "
                   "codes" if d else "")
        if it.get("multiple"):  # a set-valued item: its codes (its categories are the distinct sets given)
            codes = it.get("codes") or []
            e.filled.append(f"{item_label(doc, it['item'])}: a set of codes per unit (any of {len(codes)} codes"
                            + (f": {', '.join(map(str, codes))}" if len(codes) <= 12 else "") + ")" + defined)
            continue
        e.filled.append(f"{item_label(doc, it['item'])}: {it['level']}, {len(cats)} categories"
                        + (f" ({', '.join(map(str, cats))})" if cats and len(cats) <= 12 else "") + defined)
    e.add.append("Describe what the instrument measures, how it was developed and how coders use it")
    if not f.codebook_source:
        e.add.append("Cite the coding manual (the codebook's source:)")
    # 3, 4
    _study(f, "population", out[3], "Name the subjects (patients, sessions, sequences) the results are meant for")
    _study(f, "raters", out[4], "Name the raters the results are meant for")
    # 5
    out[5].add.append("Summarise earlier reliability findings for this instrument and the rationale of the study")
    # 6
    e = out[6]
    for p in f.planned:
        e.filled.append(f"Planned with irrkit plan: {p.get('summary') or p.get('n_units')}")
    e.filled.append(f"Design: {f.n_coders} coders, each {unit_word[:-1]} rated once by each coder (no repeated "
                    "ratings)")
    if not f.planned:
        e.add.append("Explain how the number of units was chosen (irrkit plan computes it; give its JSON with "
                     "--plan)")
    # 7, 8, 9
    _study(f, "sampling", out[7], "Describe how the units and the coders were chosen and what share of all units "
                                  "they are (Lombard et al., 2002)")
    _study(f, "blinding", out[8], "Describe what the coders knew while coding (other codings, clinical "
                                  "information) and the interval between repeated codings")
    _study(f, "independence", out[9], "Say whether the coders coded independently of each other")
    # 10
    e = out[10]
    e.filled.append(f"Software: {f.software}")
    stats = "; ".join(f"{sym} ({'; '.join(IN_TEXT.get(c, c) for c in src)})" if src else sym
                      for sym, src in f.statistics.items())
    if stats:
        e.filled.append(f"Coefficients: {stats}")
    if f.measurement:  # interval and ratio items as measurement, as the methods paragraph names them
        sources = MEASUREMENT_SOURCES + (["barnhart2002"] if f.overall_ccc else [])
        e.filled.append("Measurement agreement: Lin's concordance correlation"
                        + (" (overall CCC for more than two coders)" if f.overall_ccc else "")
                        + " and Bland-Altman limits of agreement (bias ± 1.96 SD, 95% CIs) ("
                        + "; ".join(IN_TEXT[c] for c in sources) + ")")
    weighted = {it["item"]: it.get("weights") for it in f.items if registry.weighted(it.get("weights"))}
    if weighted:
        e.filled.append("Weights: " + "; ".join(f"{item_label(doc, i)}: {w}" for i, w in weighted.items()))
    for key, what in (("se", "Standard errors"), ("ci", "Confidence intervals"), ("p_value", "p values")):
        if f.conventions.get(key):
            e.filled.append(f"{what}: {f.conventions[key]}")
    icc_methods = list(dict.fromkeys(re.sub(r"on all \d+ ratings", "on all ratings", r.coef["method"])
                                     for r in f.rows if registry.model(r.key) and r.coef.get("method")))
    e.filled.append(f"Missing ratings: {f.n_missing} of {f.n_ratings + f.n_missing}; kappa-type coefficients: "
                    "units with at least two ratings count for the observed agreement, every rating for the "
                    "category shares (Gwet, 2014)" + (f"; ICCs: {'; '.join(icc_methods)}" if icc_methods else ""))
    cluster = f.conventions.get("cluster")
    e.filled.append(f"Clustering: {cluster}" if cluster else f"Clustering: none given (the {unit_word} are "
                                                             "treated as independent)")
    # 11
    e = out[11]
    e.filled.append(f"{f.n_coders} coders, {f.n_units} {unit_word}, {f.n_ratings} ratings over {f.n_items} "
                    f"item{'s' * (f.n_items != 1)} ({f.n_missing} missing); one rating per coder and "
                    f"{unit_word[:-1]}")
    if len({it["n_units"] for it in f.items}) > 1:
        e.filled.append("Units per item: " + "; ".join(f"{item_label(doc, it['item'])}: {it['n_units']}"
                                                       for it in f.items))
    # 12
    e = out[12]
    for r in f.rounds:
        trainees = r.get("trainees") or {}
        verdict = {True: "passed", False: "failed", None: "not gated"}[r.get("passed")]
        e.filled.append(f"Training round {r.get('round') or '—'} {r.get('name') or ''}".rstrip()
                        + f" ({r.get('timestamp') or 'no date'}): {len(trainees)} trainee"
                        f"{'s' * (len(trainees) != 1)} against {r.get('reference')}, {verdict}")
    if f.study.get("raters"):
        e.filled.append(f"Raters: {f.study['raters']} (codebook study: raters)")
    if not f.rounds:
        e.add.append("Describe the coders' training (irrkit train records it; give the history with --history)")
    e.add.append("Describe the coders' experience and the characteristics of the units coded")
    # 13
    e = out[13]
    for it in f.items:
        mine = [_estimate(r, it.get("weights")) for r in f.rows if r.item == it["item"]]
        if mine:
            e.filled.append(f"{item_label(doc, it['item'])}: " + "; ".join(mine))
    e.filled.extend(f"{label}: {text}" for label, text in f.measurement)
    # 14
    e = out[14]
    for r in f.rows:
        if r.interpretation:
            e.filled.append(f"{item_label(doc, r.item)}, {registry.symbol(r.key, None)}: {r.interpretation} "
                            f"({r.scale})")
    e.add.append("Discuss what this agreement means for using the coding system (the benchmarks are conventions, "
                 "not a verdict)")
    # 15
    out[15].filled.append("irrkit's outputs: results.json (every coefficient with SE, CI and p), per-category "
                          "agreement, coder x coder matrices and the HTML report")
    out[15].add.append("Attach them as supplementary material")
    return [out[n] for n, _, _ in GRRAS]


CITATION = REFERENCES["kottner2011"]


def markdown(f: StudyFacts, doc: dict | None = None) -> str:
    """The checklist in Markdown: per GRRAS item its number, paraphrase and status, what irrkit filled in and
    what to add."""
    lines = ["# Reporting checklist (GRRAS)", "",
             "The 15 items of the Guidelines for Reporting Reliability and Agreement Studies (Kottner et al., 2011, "
             "Table 1), paraphrased; what irrkit filled in from the codebook, the data and the results, and what "
             "you add. The methods paragraph (`irrkit report --methods`) is written from the same facts.", ""]
    section = None
    for e in entries(f, doc):
        if e.section != section:
            section = e.section
            lines += [f"## {section}", ""]
        lines += [f"### {e.number}. {md(e.item)}", "", f"*{e.status}*", ""]
        lines += [f"- {md(x)}" for x in e.filled]
        lines += [f"- **Add:** {md(x)}" for x in e.add]
        lines.append("")
    lines += ["## Reference", "", CITATION, ""]
    return "\n".join(lines)


def html_section(f: StudyFacts, doc: dict | None = None) -> str:
    """The checklist as a section of the HTML report (a table: item, what irrkit filled in, what to add)."""
    rows = []
    for e in entries(f, doc):
        filled = "".join(f"<li>{html_text(x)}</li>" for x in e.filled)
        add = "".join(f"<li>{html_text(x)}</li>" for x in e.add)
        rows.append(f'<tr data-grras="{e.number}"><td class="num">{e.number}</td><td>{html_text(e.section)}: '
                    f"{html_text(e.item)}</td><td>{html_text(e.status)}</td><td><ul>{filled}</ul></td>"
                    f"<td><ul>{add}</ul></td></tr>")
    return ('<section class="item" id="checklist" data-item="checklist"><h2>Reporting checklist (GRRAS)</h2>'
            "<p>The items of the Guidelines for Reporting Reliability and Agreement Studies (Kottner et al., 2011), "
            "paraphrased, with what irrkit filled in and what the authors add.</p>"
            '<div class="scroll"><table><thead><tr><th class="num">#</th><th>item</th><th>status</th>'
            "<th>filled in by irrkit</th><th>to add</th></tr></thead><tbody>" + "".join(rows)
            + f"</tbody></table></div><p class=\"meta\">{html_text(CITATION.replace('*', ''))}</p></section>")
