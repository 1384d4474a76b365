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
from irrkit.outputs.manuscript import MEASUREMENT_SOURCES, WORDS, StudyFacts, item_label
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


# the same items in German (for `irrkit report --checklist FILE --lang de`)
GRRAS_DE = {
    1: ("Titel und Abstract", "Im Titel oder Abstract sagen, dass Inter- oder Intrarater-Reliabilität oder "
                              "-Übereinstimmung untersucht wurde."),
    2: ("Einleitung", "Das Instrument (hier: das Kodiersystem) nennen und beschreiben."),
    3: ("Einleitung", "Sagen, für welche Population von Untersuchungseinheiten die Ergebnisse gelten sollen."),
    4: ("Einleitung", "Sagen, für welche Population von Ratern die Ergebnisse gelten sollen (wo zutreffend)."),
    5: ("Einleitung", "Zusammenfassen, was über Reliabilität und Übereinstimmung des Instruments bekannt ist und "
                      "warum diese Studie nötig war (wo zutreffend)."),
    6: ("Methode", "Erklären, wie der Stichprobenumfang gewählt wurde; die geplante Zahl der Rater, Einheiten und "
                   "wiederholten Ratings angeben."),
    7: ("Methode", "Beschreiben, wie Einheiten und Rater ausgewählt wurden."),
    8: ("Methode", "Beschreiben, wie geratet wurde, z. B. Abstand zwischen wiederholten Ratings, was die Rater "
                   "wussten, Verblindung."),
    9: ("Methode", "Sagen, ob die Ratings unabhängig voneinander abgegeben wurden."),
    10: ("Methode", "Die statistische Auswertung beschreiben."),
    11: ("Ergebnisse", "Die tatsächliche Zahl der Rater, Einheiten und wiederholten Ratings angeben."),
    12: ("Ergebnisse", "Rater und Einheiten beschreiben, z. B. Training und Erfahrung der Rater."),
    13: ("Ergebnisse", "Die Schätzungen von Reliabilität und Übereinstimmung mit Maßen ihrer Unsicherheit "
                       "berichten."),
    14: ("Diskussion", "Die praktische Bedeutung der Ergebnisse diskutieren."),
    15: ("Zusatzmaterial", "Ausführliche Ergebnisse verfügbar machen, z. B. online."),
}

# every sentence irrkit writes into the checklist, in English and German ({} fields filled from the facts)
TEXT = {
    "en": {
        "status": ("filled in", "to add", "partly filled in"),
        "units": ("units", "unit"), "episodes": ("episodes", "episode"), "the system": "the coding system",
        "wording": 'Suggested wording: "Inter-rater reliability of the {title}: {coders} coders, {units} {unit_word}"',
        "put": "Put it in the title or abstract",
        "system": "Coding system: {title}{version}", "version": ", version {v}", "source": "; source: {s}",
        "definitions": "; definitions: {item}{codes} of {of} codes", "def item": "item and ",
        "set item": "{label}: a set of codes per unit (any of {n} codes{codes})",
        "item": "{label}: {level}, {n} categories{cats}",
        "describe": "Describe what the instrument measures, how it was developed and how coders use it",
        "cite": "Cite the coding manual (the codebook's source:)",
        "study": "{text} (codebook study: {key})", "or study": "{ask} (or give it in the codebook's study: {key})",
        "population": "Name the subjects (patients, sessions, sequences) the results are meant for",
        "raters": "Name the raters the results are meant for",
        "earlier": "Summarise earlier reliability findings for this instrument and the rationale of the study",
        "planned": "Planned with irrkit plan: {p}",
        "design": "Design: {coders} coders, each {unit} rated once by each coder (no repeated ratings)",
        "plan": "Explain how the number of units was chosen (irrkit plan computes it; give its JSON with --plan)",
        "sampling": "Describe how the units and the coders were chosen and what share of all units they are "
                    "(Lombard et al., 2002)",
        "blinding": "Describe what the coders knew while coding (other codings, clinical information) and the "
                    "interval between repeated codings",
        "independence": "Say whether the coders coded independently of each other",
        "software": "Software: {s}", "coefficients": "Coefficients: {s}",
        "measurement": "Measurement agreement: Lin's concordance correlation{occc} and Bland-Altman limits of "
                       "agreement (bias ± 1.96 SD, 95% CIs) ({cites})",
        "occc": " (overall CCC for more than two coders)", "weights": "Weights: {s}",
        "conventions": (("se", "Standard errors"), ("ci", "Confidence intervals"), ("p_value", "p values")),
        "missing": "Missing ratings: {m} of {all}; kappa-type coefficients: units with at least two ratings count "
                   "for the observed agreement, every rating for the category shares (Gwet, 2014){icc}",
        "iccs": "; ICCs: {s}", "cluster": "Clustering: {s}",
        "no cluster": "Clustering: none given (the {units} are treated as independent)",
        "numbers": "{coders} coders, {units} {unit_word}, {ratings} ratings over {items} item{s} ({missing} "
                   "missing); one rating per coder and {unit}",
        "per item": "Units per item: {s}",
        "verdict": {True: "passed", False: "failed", None: "not gated"},
        "round": "Training round {round} {name}", "round tail": " ({date}): {n} trainee{s} against {ref}, {verdict}",
        "no date": "no date", "raters study": "Raters: {s} (codebook study: raters)",
        "training": "Describe the coders' training (irrkit train records it; give the history with --history)",
        "experience": "Describe the coders' experience and the characteristics of the units coded",
        "ci": "95% CI", "no ci": "no CI", "undefined": "undefined",
        "discuss": "Discuss what this agreement means for using the coding system (the benchmarks are "
                   "conventions, not a verdict)",
        "outputs": "irrkit's outputs: results.json (every coefficient with SE, CI and p), per-category agreement, "
                   "coder x coder matrices and the HTML report",
        "attach": "Attach them as supplementary material",
        "title": "Reporting checklist (GRRAS)", "add": "Add:", "reference": "Reference",
        "intro": "The 15 items of the Guidelines for Reporting Reliability and Agreement Studies (Kottner et al., "
                 "2011, Table 1), paraphrased; what irrkit filled in from the codebook, the data and the results, "
                 "and what you add. The methods paragraph (`irrkit report --methods`) is written from the same "
                 "facts.",
    },
    "de": {
        "status": ("ausgefüllt", "zu ergänzen", "teilweise ausgefüllt"),
        "units": ("Einheiten", "Einheit"), "episodes": ("Episoden", "Episode"), "the system": "Kodiersystem",
        "wording": 'Vorschlag: „Interrater-Reliabilität des Kodiersystems {title}: {coders} Kodierende, {units} '
                   '{unit_word}“',
        "put": "In Titel oder Abstract aufnehmen",
        "system": "Kodiersystem: {title}{version}", "version": ", Version {v}", "source": "; Quelle: {s}",
        "definitions": "; Definitionen: {item}{codes} von {of} Codes", "def item": "Item und ",
        "set item": "{label}: eine Menge von Codes je Einheit (aus {n} Codes{codes})",
        "item": "{label}: {level}, {n} Kategorien{cats}",
        "describe": "Beschreiben, was das Instrument misst, wie es entwickelt wurde und wie Kodierende es anwenden",
        "cite": "Das Kodiermanual zitieren (source: im Codebook)",
        "study": "{text} (Codebook, study: {key})", "or study": "{ask} (oder im Codebook unter study: {key})",
        "population": "Die Einheiten (Patientinnen und Patienten, Sitzungen, Sequenzen) nennen, für die die "
                      "Ergebnisse gelten sollen",
        "raters": "Die Rater nennen, für die die Ergebnisse gelten sollen",
        "earlier": "Frühere Befunde zur Reliabilität dieses Instruments und die Begründung der Studie zusammenfassen",
        "planned": "Geplant mit irrkit plan: {p}",
        "design": "Design: {coders} Kodierende, jede {unit} von jeder und jedem einmal kodiert (keine wiederholten "
                  "Ratings)",
        "plan": "Erklären, wie die Zahl der Einheiten gewählt wurde (irrkit plan berechnet sie; sein JSON mit "
                "--plan angeben)",
        "sampling": "Beschreiben, wie Einheiten und Kodierende ausgewählt wurden und welchen Anteil aller Einheiten "
                    "sie bilden (Lombard et al., 2002)",
        "blinding": "Beschreiben, was die Kodierenden beim Kodieren wussten (andere Kodierungen, klinische "
                    "Informationen), und den Abstand zwischen wiederholten Kodierungen",
        "independence": "Sagen, ob die Kodierenden unabhängig voneinander kodiert haben",
        "software": "Software: {s}", "coefficients": "Koeffizienten: {s}",
        "measurement": "Übereinstimmung als Messung: Lins Konkordanzkorrelation{occc} und "
                       "Bland-Altman-Übereinstimmungsgrenzen (Bias ± 1,96 SD, 95%-KI) ({cites})",
        "occc": " (Gesamt-CCC bei mehr als zwei Kodierenden)", "weights": "Gewichte: {s}",
        "conventions": (("se", "Standardfehler"), ("ci", "Konfidenzintervalle"), ("p_value", "p-Werte")),
        "missing": "Fehlende Ratings: {m} von {all}; Kappa-artige Koeffizienten: Einheiten mit mindestens zwei "
                   "Ratings gehen in die beobachtete Übereinstimmung ein, jedes Rating in die Kategorienanteile "
                   "(Gwet, 2014){icc}",
        "iccs": "; ICCs: {s}", "cluster": "Clusterung: {s}",
        "no cluster": "Clusterung: keine angegeben (die {units} gelten als unabhängig)",
        "numbers": "{coders} Kodierende, {units} {unit_word}, {ratings} Ratings über {items} Item{s} ({missing} "
                   "fehlend); ein Rating je Kodierender und {unit}",
        "per item": "Einheiten je Item: {s}",
        "verdict": {True: "bestanden", False: "nicht bestanden", None: "ohne Schwelle"},
        "round": "Trainingsrunde {round} {name}",
        "round tail": " ({date}): {n} Trainee{s} gegen {ref}, {verdict}",
        "no date": "ohne Datum", "raters study": "Rater: {s} (Codebook, study: raters)",
        "training": "Das Training der Kodierenden beschreiben (irrkit train hält es fest; die Historie mit "
                    "--history angeben)",
        "experience": "Die Erfahrung der Kodierenden und die Merkmale der kodierten Einheiten beschreiben",
        "ci": "95%-KI", "no ci": "ohne KI", "undefined": "nicht definiert",
        "discuss": "Diskutieren, was diese Übereinstimmung für den Einsatz des Kodiersystems bedeutet (die "
                   "Benchmarks sind Konventionen, kein Urteil)",
        "outputs": "Ausgaben von irrkit: results.json (jeder Koeffizient mit SE, KI und p), Übereinstimmung je "
                   "Kategorie, Matrizen Kodierende x Kodierende und der HTML-Bericht",
        "attach": "Als Zusatzmaterial beifügen",
        "title": "Checkliste für den Bericht (GRRAS)", "add": "Ergänzen:", "reference": "Literatur",
        "intro": "Die 15 Punkte der Guidelines for Reporting Reliability and Agreement Studies (Kottner et al., "
                 "2011, Tabelle 1), sinngemäß; was irrkit aus Codebook, Daten und Ergebnissen ausgefüllt hat und "
                 "was Sie ergänzen. Der Methodenabschnitt (`irrkit report --methods --lang de`) ist aus denselben "
                 "Fakten geschrieben.",
    },
}


@dataclass
class Entry:
    """One GRRAS item: what irrkit filled in (plain text) and what the author must add."""

    number: int
    section: str
    item: str
    filled: list[str] = field(default_factory=list)
    add: list[str] = field(default_factory=list)
    lang: str = "en"

    @property
    def status(self) -> str:
        done, todo, partly = TEXT[self.lang]["status"]
        return done if not self.add else todo if not self.filled else partly


def _study(f: StudyFacts, key: str, entry: Entry, ask: str) -> None:
    t = TEXT[f.lang]
    text = f.study.get(key)
    if text:
        entry.filled.append(t["study"].format(text=text, key=key))
    else:
        entry.add.append(t["or study"].format(ask=ask, key=key))


def _estimate(r, weights: str | None, lang: str = "en") -> str:
    """An estimate as the methods paragraph states it: symbol (with the item's weights), value, CI."""
    t = TEXT[lang]
    sym = registry.symbol(r.key, weights, lang)
    if r.coef.get("value") is None:
        return f"{sym} {t['undefined']} ({r.coef.get('reason')})"
    return f"{sym} = {r.value}, {t['ci']} {r.ci}" if r.ci != "—" else f"{sym} = {r.value} ({t['no ci']})"


def entries(f: StudyFacts, doc: dict | None = None) -> list[Entry]:
    """The 15 GRRAS items with what the facts fill in and what is left to the author (in the facts' language)."""
    doc = doc or {}
    lang = f.lang if f.lang in TEXT else "en"
    t = TEXT[lang]
    out = {n: Entry(n, *(GRRAS_DE[n] if lang == "de" else (sec, text)), lang=lang) for n, sec, text in GRRAS}
    unit_word, unit_one = t["episodes"] if f.timed else t["units"]
    title = f.codebook_title or f.codebook_id or t["the system"]
    # 1
    out[1].filled.append(t["wording"].format(title=title, coders=f.n_coders, units=f.n_units, unit_word=unit_word))
    out[1].add.append(t["put"])
    # 2
    e = out[2]
    version = t["version"].format(v=f.codebook_version) if f.codebook_version else ""
    e.filled.append(t["system"].format(title=title, version=version)
                    + (t["source"].format(s=f.codebook_source) if f.codebook_source else ""))
    for it in f.items:
        cats = it.get("categories") or []
        d = f.definitions.get(it["item"]) or {}
        defined = t["definitions"].format(item=t["def item"] if d.get("item") else "", codes=d.get("codes", 0),
                                          of=d.get("of", 0)) if d else ""
        label = item_label(doc, it["item"])
        if it.get("multiple"):  # a set-valued item: its codes (its categories are the distinct sets given)
            codes = it.get("codes") or []
            listed = f": {', '.join(map(str, codes))}" if len(codes) <= 12 else ""
            e.filled.append(t["set item"].format(label=label, n=len(codes), codes=listed) + defined)
            continue
        listed = f" ({', '.join(map(str, cats))})" if cats and len(cats) <= 12 else ""
        level = WORDS[lang].get(it["level"], it["level"])
        e.filled.append(t["item"].format(label=label, level=level, n=len(cats), cats=listed) + defined)
    e.add.append(t["describe"])
    if not f.codebook_source:
        e.add.append(t["cite"])
    # 3, 4
    _study(f, "population", out[3], t["population"])
    _study(f, "raters", out[4], t["raters"])
    # 5
    out[5].add.append(t["earlier"])
    # 6
    e = out[6]
    for p in f.planned:
        e.filled.append(t["planned"].format(p=p.get("summary") or p.get("n_units")))
    e.filled.append(t["design"].format(coders=f.n_coders, unit=unit_one))
    if not f.planned:
        e.add.append(t["plan"])
    # 7, 8, 9
    _study(f, "sampling", out[7], t["sampling"])
    _study(f, "blinding", out[8], t["blinding"])
    _study(f, "independence", out[9], t["independence"])
    # 10
    e = out[10]
    e.filled.append(t["software"].format(s=f.software))
    stats = "; ".join(f"{sym} ({'; '.join(IN_TEXT.get(c, c) for c in src)})" if src else sym
                      for sym, src in f.statistics.items())
    if stats:
        e.filled.append(t["coefficients"].format(s=stats))
    if f.measurement:  # interval and ratio items as measurement, as the methods paragraph names them
        sources = MEASUREMENT_SOURCES + (["barnhart2002"] if f.overall_ccc else [])
        e.filled.append(t["measurement"].format(occc=t["occc"] if f.overall_ccc else "",
                                                cites="; ".join(IN_TEXT[c] for c in sources)))
    weighted = {it["item"]: it.get("weights") for it in f.items if registry.weighted(it.get("weights"))}
    if weighted:
        e.filled.append(t["weights"].format(s="; ".join(f"{item_label(doc, i)}: {registry.weights_text(str(w), lang)}"
                                                        for i, w in weighted.items())))
    for key, what in t["conventions"]:
        if f.conventions.get(key):  # (the results JSON states its conventions in English)
            e.filled.append(f"{what}: {f.conventions[key]}")
    icc_methods = list(dict.fromkeys(re.sub(r"on all \d+ ratings", "on all ratings", r.coef["method"])
                                     for r in f.rows if registry.model(r.key) and r.coef.get("method")))
    e.filled.append(t["missing"].format(m=f.n_missing, all=f.n_ratings + f.n_missing,
                                        icc=t["iccs"].format(s="; ".join(icc_methods)) if icc_methods else ""))
    cluster = f.conventions.get("cluster")
    e.filled.append(t["cluster"].format(s=cluster) if cluster else t["no cluster"].format(units=unit_word))
    # 11
    e = out[11]
    e.filled.append(t["numbers"].format(coders=f.n_coders, units=f.n_units, unit_word=unit_word,
                                        ratings=f.n_ratings, items=f.n_items, s="s" * (f.n_items != 1),
                                        missing=f.n_missing, unit=unit_one))
    if len({it["n_units"] for it in f.items}) > 1:
        e.filled.append(t["per item"].format(s="; ".join(f"{item_label(doc, it['item'])}: {it['n_units']}"
                                                         for it in f.items)))
    # 12
    e = out[12]
    for r in f.rounds:
        trainees = r.get("trainees") or {}
        e.filled.append(t["round"].format(round=r.get("round") or "—", name=r.get("name") or "").rstrip()
                        + t["round tail"].format(date=r.get("timestamp") or t["no date"], n=len(trainees),
                                                 s="s" * (len(trainees) != 1), ref=r.get("reference"),
                                                 verdict=t["verdict"][r.get("passed")]))
    if f.study.get("raters"):
        e.filled.append(t["raters study"].format(s=f.study["raters"]))
    if not f.rounds:
        e.add.append(t["training"])
    e.add.append(t["experience"])
    # 13
    e = out[13]
    for it in f.items:
        mine = [_estimate(r, it.get("weights"), lang) for r in f.rows if r.item == it["item"]]
        if mine:
            e.filled.append(f"{item_label(doc, it['item'])}: " + "; ".join(mine))
    e.filled.extend(f"{label}: {text}" for label, text in f.measurement)
    # 14
    e = out[14]
    for r in f.rows:
        if r.interpretation:
            e.filled.append(f"{item_label(doc, r.item)}, {registry.symbol(r.key, None, lang)}: {r.interpretation} "
                            f"({r.scale})")
    e.add.append(t["discuss"])
    # 15
    out[15].filled.append(t["outputs"])
    out[15].add.append(t["attach"])
    return [out[n] for n, _, _ in GRRAS]


CITATION = REFERENCES["kottner2011"]


def markdown(f: StudyFacts, doc: dict | None = None) -> str:
    """The checklist in Markdown (in the facts' language): per GRRAS item its number, paraphrase and status, what
    irrkit filled in and what to add."""
    t = TEXT[f.lang if f.lang in TEXT else "en"]
    lines = [f"# {t['title']}", "", t["intro"], ""]
    section = None
    for e in entries(f, doc):
        if e.section != section:
            section = e.section
            lines += [f"## {section}", ""]
        lines += [f"### {e.number}. {md(e.item)}", "", f"*{e.status}*", ""]
        lines += [f"- {md(x)}" for x in e.filled]
        lines += [f"- **{t['add']}** {md(x)}" for x in e.add]
        lines.append("")
    lines += [f"## {t['reference']}", "", CITATION, ""]
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
