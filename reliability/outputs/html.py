"""One self-contained HTML report from a results JSON (``check``) or a round JSON (``train``, ``retest``).

Offline by construction: inline CSS, inline SVG figures (matplotlib, :mod:`irrkit.outputs.figures`), no script,
no external link. Readable on a phone (fluid layout, figures scale, wide tables scroll) and printable (print
CSS: no page break inside a figure or table). Every text from the data (coder, item, category names, file
names, notes) is escaped. Pure: returns the HTML and the figures; the CLI writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from irrkit import __version__
from irrkit.statistics import registry
from irrkit.statistics.registry import SCALE_TITLES
from irrkit.statistics.registry import name as stat_name

CSS = """
:root{--ink:#1f2933;--muted:#5f6b78;--line:#d5dbe1;--pass:#1e7b45;--fail:#b3261e;--bg:#fff}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
background:var(--bg);margin:0 auto;max-width:62rem;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta{color:var(--muted);font-size:.9rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5rem 0;max-width:100%}
section,header,footer,nav{min-width:0;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;min-width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.primary td{font-weight:600}
figure{margin:1rem 0;break-inside:avoid;page-break-inside:avoid}
figure{overflow-x:auto;-webkit-overflow-scrolling:touch}
figure svg{max-width:100%;height:auto;display:block}
@media (max-width:40rem){figure svg{max-width:none;width:34rem}}
figcaption{color:var(--muted);font-size:.85rem}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.4rem .7rem;margin:.5rem 0}
.pass{color:var(--pass);font-weight:600}.fail{color:var(--fail);font-weight:600}
.who{background:#fdecea;border-left:4px solid var(--fail);padding:.4rem .7rem}
nav ol{columns:2;font-size:.9rem}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}nav ol{columns:1}}
@media print{body{max-width:none;padding:0;font-size:11pt}nav{display:none}h2{break-before:auto}
section{break-inside:auto}a{color:inherit;text-decoration:none}}
@page{margin:15mm}
"""


def esc(x: Any) -> str:
    """HTML text of any value: escaped, quotes too, characters XML cannot hold dropped (irrkit.outputs.escaping)."""
    from irrkit.outputs.escaping import html

    return html("" if x is None else str(x))


def _number(x: Any) -> float | None:
    """A number of the JSON, or None for anything else (a hand-edited file)."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def num(x: float | None, digits: int = 3, bounded: bool = False) -> str:
    """A number in APA style: ``bounded`` (a statistic that cannot exceed 1: kappa, AC1, alpha, ICC, SE of
    one, a proportion) without the leading zero (APA 7, 6.36), a true minus sign; tiny values as 0 rounded."""
    if x is None:
        return "—"
    s = f"{abs(x):.{digits}f}"
    if bounded and s.startswith("0."):
        s = s[1:]
    return ("\u2212" if x < 0 and float(s) != 0 else "") + s


def p_text(p: float | None) -> str:
    """APA p: '< .001' or '.023' (three decimals, no leading zero)."""
    if p is None:
        return "—"
    return "&lt; .001" if p < 0.001 else num(p, 3, bounded=True)  # (HTML: the cells are markup)


UNBOUNDED = {"mean_abs_diff", "f"}  # statistics not bounded by 1 (their numbers keep the leading zero)
MAX_STACKED = 12  # more categories than this: a box per coder, not stacked bars of recycled colours


def ci(c: dict[str, Any], bounded: bool = True) -> str:
    if c.get("ci_low") is None or c.get("ci_high") is None:
        return "—"
    return f"[{num(c['ci_low'], bounded=bounded)}, {num(c['ci_high'], bounded=bounded)}]"


def value(key: str, c: dict[str, Any]) -> str:
    """A statistic's value (or why it is undefined), APA style."""
    if c.get("value") is None:
        return f"undefined: {esc(c.get('reason'))}"
    return num(c["value"], bounded=key not in UNBOUNDED)


CONVENTION_NAMES = {"se": "Standard errors", "ci": "Confidence intervals", "p_value": "p values",
                    "bootstrap": "Bootstrap CIs", "weights": "Weights", "missing": "Missing ratings",
                    "interpretation": "Interpretation", "cluster": "Clusters"}


@dataclass
class Report:
    """The HTML text and every figure drawn for it (name -> matplotlib Figure, for PNG export; name -> its SVG
    text as inlined in the page, for SVG export without drawing it again)."""

    html: str
    figures: dict[str, Any] = field(default_factory=dict)
    svgs: dict[str, str] = field(default_factory=dict)


class _Page:
    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []
        self.figures: dict[str, Any] = {}
        self.svgs: dict[str, str] = {}

    def add(self, *chunks: str) -> None:
        self.parts.extend(chunks)

    def figure(self, name: str, fig: Any, caption: str) -> None:
        from irrkit.outputs import figures

        key = f"fig{len(self.figures) + 1:02d}-{_slug(name)}"
        self.figures[key] = fig
        text = figures.svg(fig, key).replace("<svg ", f'<svg aria-label="{esc(caption)}" ', 1)
        self.svgs[key] = text
        self.add(f'<figure class="plot" id="{key}" data-figure="{esc(name)}">{text}'
                 f"<figcaption>{esc(caption)}</figcaption></figure>")

    def render(self) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<meta name=\"generator\" content=\"irrkit {esc(__version__)}\">"
                f"<title>{esc(self.title)}</title><style>{CSS}</style></head><body>\n"
                + "\n".join(self.parts) + "\n</body></html>\n")


def _slug(s: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "-", s).strip("-")[:40] or "x"


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset(),
           classes: list[str] | None = None) -> str:
    """A table; cells are already HTML."""
    th = "".join(f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    body = []
    for k, r in enumerate(rows):
        cls = f' class="{classes[k]}"' if classes and classes[k] else ""
        tds = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


# ----------------------------------------------------------------------------------------------- check


def _episode_view(it: dict[str, Any]) -> dict[str, Any]:
    """A time-coded (video) item in the shape of a check item: its statistics as coefficients."""
    stats = it.get("statistics") or {}
    primary = it.get("primary") if it.get("primary") in stats else next(
        (k for k, c in stats.items() if c.get("value") is not None), next(iter(stats), ""))
    return {"item": it["item"], "level": f"episodes ({it.get('match_rule', '')})",
            "n_units": it.get("n_episodes", 0), "n_coders": len(it.get("coders") or []),
            "n_ratings": it.get("n_episodes", 0), "weights": f"none; tolerance {it.get('tolerance_s')} s",
            "primary": primary, "coefficients": stats, "notes": it.get("notes") or [],
            "timelines": _timelines(it), "sweep": it.get("sweep") if isinstance(it.get("sweep"), list) else [],
            "onsets": it.get("onsets") if isinstance(it.get("onsets"), list) else [],
            "coder_names": [str(c) for c in it.get("coders") or []],
            "codes": [str(c) for c in it.get("codes") or []]}


def _name(it: dict[str, Any], key: str) -> str:
    """A statistic of an item as the registry names it: with the item's weights; a time-coded item's
    time-based statistics as such ('Time-unit Cohen's kappa'); a set-valued item's exact-match statistics as
    such."""
    return stat_name(key, it.get("weights"), time=str(it.get("level", "")).startswith(registry.EPISODES),
                     sets=bool(it.get("multiple")))


def _gate_cell(gates: list[dict[str, Any]]) -> str:
    """The overview's gate cell: each gate of the item with the statistic it gated and that statistic's value
    (estimate or CI lower bound, as compared)."""
    parts = []
    for g in gates:
        cls, word = ("pass", "pass") if g["passed"] else ("fail", "FAIL")
        got = g.get("value") if g.get("on", "estimate") == "estimate" else g.get("ci_low")
        what = "" if g.get("on", "estimate") == "estimate" else " (CI lower bound)"
        parts.append(f'<span class="{cls}">{word}</span> {esc(stat_name(g["statistic"], g.get("weights")))} '
                     f"{num(got, bounded=True) if got is not None else 'undefined'}{what} ≥ "
                     f"{num(g['minimum'], 2, bounded=True)}")
    return "<br>".join(parts)


def _value_ci(key: str, c: dict[str, Any]) -> str:
    """'0.712 [0.55, 0.87]' of a coefficient's dict, or why it has no value."""
    if c.get("value") is None or c.get("ci_low") is None:
        return value(key, c)
    return f"{value(key, c)} {ci(c, key not in UNBOUNDED)}"


def _forest_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    coefs = item["coefficients"]
    kinds = (*registry.LEVELS, registry.SETS)
    order = registry.FOREST[registry.kind(item["level"])] if item["level"] in kinds else ()
    keys = [item["primary"]] + [k for k in order if k in coefs and k != item["primary"]]
    if item["level"].startswith("episodes"):
        keys = [item["primary"]] + [k for k in coefs if k != item["primary"]]
    rows = []
    for k in keys:
        c = coefs.get(k)
        if not c or c.get("value") is None:
            continue
        interp = c.get("interpretation") or {}
        rows.append({"key": k, "name": _name(item, k), "value": c["value"], "ci_low": c.get("ci_low"),
                     "ci_high": c.get("ci_high"), "scale": interp.get("scale"), "label": interp.get("label"),
                     "primary": k == item["primary"]})
    return rows


TIMELINES_MAX = 12  # videos drawn as timelines per item (the first ones; a note names how many are left out)


def _timelines(it: dict[str, Any]) -> list[tuple[str, list[tuple[int, float, float, int]], float | None]] | None:
    """Per video of a time-coded item of the results JSON: (video, episodes as (coder, start s, end s, code),
    length s), for the timelines; None where the JSON lists no episodes or lists them in another shape (a
    hand-edited file draws no timeline rather than failing)."""
    ep, videos = it.get("episodes"), it.get("videos")
    coders, codes = it.get("coders") or [], it.get("codes") or []
    if not isinstance(ep, dict) or not isinstance(videos, list) or not isinstance(ep.get("rows"), list):
        return None
    lengths = ep.get("lengths_s") if isinstance(ep.get("lengths_s"), list) else []
    out: list[tuple[str, list[tuple[int, float, float, int]], float | None]] = [
        (str(v), [], lengths[i] if i < len(lengths) and isinstance(lengths[i], (int, float)) else None)
        for i, v in enumerate(videos)]
    for row in ep["rows"]:
        ok = isinstance(row, list) and len(row) == 5 and all(isinstance(x, (int, float)) for x in row)
        if not ok or not (0 <= row[0] < len(out) and 0 <= row[1] < len(coders) and 0 <= row[4] < len(codes)):
            return None
        out[int(row[0])][1].append((int(row[1]), float(row[2]), float(row[3]), int(row[4])))
    return out


def check_report(doc: dict[str, Any], title: str | None = None, gates: list[dict[str, Any]] | None = None,
                 history: list[dict[str, Any]] | None = None, plan: dict[str, Any] | None = None) -> Report:
    """The report of a ``check`` results JSON (``gates``: gate results as dicts with item, statistic, minimum,
    passed, message, if any), ending with the reporting checklist (GRRAS; ``history``: training rounds and
    ``plan``: the JSON of ``irrkit plan``, for its items 6 and 12)."""
    from irrkit.outputs import figures

    title = title or f"Inter-rater reliability: {doc.get('codebook_title') or doc.get('codebook') or 'ratings'}"
    page = _Page(title)
    coders = doc.get("coders") or list(dict.fromkeys(c for it in doc.get("items", []) for c in it.get("coders") or []))
    items = [_episode_view(it) if it.get("kind") == "episodes" else it for it in doc.get("items", [])]
    gates = gates if gates is not None else doc.get("gates") or []
    page.add(f"<header><h1>{esc(title)}</h1><p class=\"meta\">"
             f"codebook {esc(doc.get('codebook'))} {esc(doc.get('codebook_version') or '')} · "
             f"{len(coders)} coders: {esc(', '.join(coders))} · "
             f"irrkit {esc(doc.get('version'))}</p>"
             + (f"<p class=\"meta\">files: {esc(', '.join(doc.get('files') or []))}</p>" if doc.get("files") else "")
             + "</header>")
    page.add("<nav><ol>" + "".join(f'<li><a href="#item-{_slug(it["item"])}">{esc(it["item"])}</a></li>'
                                   for it in items) + "</ol></nav>")
    by_item: dict[str, list[dict[str, Any]]] = {}
    for g in gates:
        by_item.setdefault(g["item"], []).append(g)
    rows = []
    for it in items:
        c = it["coefficients"].get(it["primary"], {})
        g = by_item.get(it["item"], [])
        weights = it.get("weights")
        verdict = _gate_cell([{**x, "weights": weights} for x in g])
        bounded = it["primary"] not in UNBOUNDED
        rows.append([f'<a href="#item-{_slug(it["item"])}">{esc(it["item"])}</a>', esc(it["level"]),
                     esc(it["n_units"]), esc(it["n_coders"]), esc(it.get("n_ratings", "")),
                     esc(_name(it, it["primary"])), value(it["primary"], c),
                     ci(c, bounded), esc((c.get("interpretation") or {}).get("label") or ""), verdict])
    page.add("<h2>Overview</h2>", _table(["item", "level", "units", "coders", "ratings", "primary statistic",
                                          "value", "95% CI", "interpretation", "gate"], rows, {2, 3, 4, 6}))
    scales = [r["scale"] for it in items for r in _forest_rows(it) if r.get("scale")]
    if scales:
        page.figure("benchmark-bands", figures.band_legend(scales),
                    "Benchmark bands shaded behind each coefficient: " +
                    "; ".join(SCALE_TITLES[s] for s in dict.fromkeys(scales) if s in SCALE_TITLES) + ".")
    for it in items:
        _check_item(page, it, by_item.get(it["item"], []))
    if doc.get("by"):
        _by_groups(page, doc["by"])
    from irrkit.outputs.checklist import html_section
    from irrkit.outputs.manuscript import study_facts

    page.add(html_section(study_facts(doc, plan=plan, history=history), doc))
    page.add(_footer(doc))
    return Report(page.render(), page.figures, page.svgs)


def _by_groups(page: _Page, by: dict[str, Any]) -> None:
    """``check --by``: each group's coefficient and the test of equality across the groups."""
    from irrkit.outputs.comparison_tables import by_rows, equality_rows

    col = esc(by["column"])
    rows = [[esc(r["item"]), esc(r["name"]), esc(r["group"]), esc(r["n_units"]),
             num(r["value"], bounded=True) if r["status"] == "ok" else esc(f"undefined: {r['reason']}"),
             num(r["se"], bounded=True), ci(r)] for r in by_rows(by)]
    tests = [[esc(r["item"]), esc(r["name"]), esc(r["groups"]),
              num(r["chi2"], 2) if r["status"] == "ok" else esc(f"undefined: {r['reason']}"),
              esc("" if r["df"] is None else r["df"]), p_text(r["p_value"]),
              "—" if r["pooled"] is None else f"{num(r['pooled'], bounded=True)} "
              f"{ci({'ci_low': r['pooled_ci_low'], 'ci_high': r['pooled_ci_high']})}"] for r in equality_rows(by)]
    page.add(f'<section class="item" id="by-group" data-item="by-group"><h2>Agreement by {col}</h2>',
             _table(["item", "statistic", col, "units", "value", "SE", "95% CI"], rows, {3, 4, 5}),
             f"<p>Test of equal coefficients across the groups of {col}: chi-square of the groups' estimates "
             "against their inverse-variance weighted mean, df = groups − 1 (Fleiss, Levin &amp; Paik, 2003, "
             "sec. 18.1); the groups' units are independent samples.</p>",
             _table(["item", "statistic", "groups", "χ²", "df", "p", "pooled [95% CI]"], tests, {2, 3, 4, 5}),
             "</section>")


def _check_item(page: _Page, it: dict[str, Any], gates: list[dict[str, Any]]) -> None:
    from irrkit.outputs import figures

    name = it["item"]
    page.add(f'<section class="item" id="item-{_slug(name)}" data-item="{esc(name)}"><h2>{esc(name)}</h2>'
             f'<p class="meta">{esc(it["level"])} · {esc(it["n_units"])} units · {esc(it["n_coders"])} coders · '
             f'{esc(it.get("n_ratings", ""))} ratings · weights {esc(it.get("weights"))}</p>')
    for n in it.get("notes", []):
        page.add(f'<p class="note">{esc(n)}</p>')
    rows, classes = [], []
    has_boot = any(isinstance(c.get("bootstrap"), dict) for c in it["coefficients"].values())
    for key, c in it["coefficients"].items():
        interp = c.get("interpretation") or {}
        bounded = key not in UNBOUNDED
        boot = c.get("bootstrap")
        row = [esc(_name(it, key)), value(key, c), num(c.get("se"), bounded=bounded), ci(c, bounded)]
        if has_boot:
            row.append(ci(boot, bounded) if isinstance(boot, dict) else "—")
        rows.append(row + [p_text(c.get("p_value")), esc(interp.get("label") or ""),
                           esc(SCALE_TITLES.get(interp.get("scale") or "", ""))])
        classes.append("primary" if key == it["primary"] else "")
    head = ["statistic", "value", "SE", "95% CI", *(["bootstrap CI"] if has_boot else []), "<i>p</i>",
            "interpretation", "scale"]
    page.add(_table(head, rows, {1, 2, 5 if has_boot else 4}, classes))
    for g in gates:
        cls = "pass" if g["passed"] else "fail"
        page.add(f'<p><span class="{cls}">{"pass" if g["passed"] else "FAIL"}</span> {esc(g["message"])}</p>')
    fr = _forest_rows(it)
    if fr:
        page.figure(f"{name}-forest", figures.forest(fr, f"{name}: coefficients"),
                    f"{name}: each coefficient with its 95% CI over the bands of its benchmark scale; diamond: "
                    "the primary statistic.")
    cats = it.get("per_category") if isinstance(it.get("per_category"), dict) else {}  # (an old list form: none)
    if cats and it.get("codes"):  # a set-valued item: each code present/absent, a row per code
        keys = [k for k in ("fleiss_kappa", "cohen_kappa", "gwet_ac1", "percent_agreement")
                if any(k in st for st in cats.values())]
        held = it.get("code_counts") or {}
        page.add(f"<h3>{esc(name)}: each code present or absent</h3>", _table(
            ["code", "ratings with it", *(esc(stat_name(k)) for k in keys)],
            [[esc(code), esc(held.get(code, 0)), *(_value_ci(k, st.get(k) or {}) for k in keys)]
             for code, st in cats.items()], {1, *range(2, 2 + len(keys))}))
    if cats:
        dist = it.get("code_counts") or it.get("distribution") or {}
        data = []
        for code, st in cats.items():
            k, a = st.get("fleiss_kappa", {}), st.get("gwet_ac1", {})
            data.append({"code": code, "ratings": dist.get(code, 0), "kappa": k.get("value"),
                         "kappa_low": k.get("ci_low"), "kappa_high": k.get("ci_high"), "ac1": a.get("value")})
        what = ("each code present or absent (a binary item" if it.get("codes") else
                "each category against all others (Fleiss 1971 category kappa")
        page.figure(f"{name}-per-category", figures.per_category(data, f"{name}: agreement per "
                                                                       f"{'code' if it.get('codes') else 'category'}"),
                    f"{name}: {what}; Fleiss' kappa with 95% CI; Gwet's AC1).")
    timelines = it.get("timelines") or []
    for v, (video, eps, length) in enumerate(timelines[:TIMELINES_MAX]):
        page.figure(f"{name}-timeline-{v}", figures.timeline(it["coder_names"], it["codes"], eps, length,
                                                             f"{name}: {video}"),
                    f"{video}: each coder's episodes of {name}, a row per coder; dark marks above: where the "
                    "coders' codes differ.")
    if len(timelines) > TIMELINES_MAX:
        page.add(f'<p class="note">Timelines of the first {TIMELINES_MAX} of {len(timelines)} videos.</p>')
    sweep = [r for r in it.get("sweep") or [] if isinstance(r, dict) and isinstance(r.get("tolerance_s"), (int, float))]
    if len(sweep) >= 2:
        series = {label: [r.get(k) if isinstance(r.get(k), (int, float)) else None for r in sweep]
                  for k, label in (("time_kappa", stat_name("tolerance_kappa")),
                                   ("event_kappa", stat_name("event_kappa")))}
        page.figure(f"{name}-sweep", figures.trend([f"{r['tolerance_s']:g} s" for r in sweep], series,
                                                   title=f"{name}: agreement by tolerance", ylabel="kappa"),
                    f"{name}: the time-unit kappa with tolerance and the event-based kappa as the tolerance grows.")
    onsets = [r for r in it.get("onsets") or [] if isinstance(r, dict)]
    if onsets:
        page.add("<h3>Onset and offset differences per code (matched episodes with the same code)</h3>",
                 _table(["code", "boundary", "pairs", "median (s)", "IQR (s)", "largest (s)"],
                        [[esc(r.get("code")), esc(r.get("boundary")), esc(r.get("n")), *(num(_number(r.get(k)), 2)
                          for k in ("median_s", "iqr_s", "largest_abs_s"))] for r in onsets], {2, 3, 4, 5}))
    if isinstance(it.get("continuous"), dict):
        _continuous(page, name, it["continuous"], it)
    d = it.get("diagnostics")
    if d and len(d.get("coders", [])) >= 2:
        _diagnostics(page, name, d, it)
    page.add("</section>")


BLAND_ALTMAN_MAX = 12  # Bland-Altman plots per item (the pairs, or each coder against the mean of the others)


def _limit(x: dict[str, Any], key: str) -> str:
    """A bias or limit with its CI, in the measure's unit (two decimals)."""
    if _number(x.get(key)) is None:
        return "—"
    return (f"{num(_number(x[key]), 2)} [{num(_number(x.get(key + '_ci_low')), 2)}, "
            f"{num(_number(x.get(key + '_ci_high')), 2)}]")


def _continuous(page: _Page, name: str, cont: dict[str, Any], it: dict[str, Any]) -> None:
    """An interval or ratio item as measurement: the limits of agreement of each comparison (table), the
    coder x coder CCC matrix, and a Bland-Altman plot per coder pair (or per coder against the mean of the
    others): its points derived from the item's ``ratings`` when the JSON gives them (the points are then not
    written twice), else the comparison's own ``points`` (older results, or the ratings not written)."""
    from irrkit.outputs import figures

    loa_name, ccc_name = stat_name("limits_of_agreement"), stat_name("ccc")
    ccc = {(c.get("a"), c.get("b")): c for c in cont.get("ccc_pairs") or [] if isinstance(c, dict)}
    entries = [x for x in [*(cont.get("bland_altman") or []), *(cont.get("bland_altman_vs_others") or [])]
               if isinstance(x, dict)]
    page.add(f"<h3>{esc(loa_name)} and {esc(ccc_name)}</h3>")
    rows = []
    for x in entries:
        c = ccc.get((x.get("a"), x.get("b"))) or {}
        prop = ("—" if x.get("slope") is None else
                f'<span class="fail">yes</span>: slope {num(_number(x["slope"]))}, <i>p</i> {p_text(x.get("slope_p"))}'
                if x.get("proportional_bias") else f"no (<i>p</i> {p_text(x.get('slope_p'))})")
        rows.append([esc(f"{x.get('a')} − {x.get('b')}"), esc(x.get("n_units")),
                     value("ccc", c) + " " + ci(c) if c else "—", *(_limit(x, k) for k in ("bias", "lower", "upper")),
                     prop])
    page.add(_table(["comparison", "units", esc(ccc_name) + " [95% CI]", "bias [95% CI]",
                     "lower limit [95% CI]", "upper limit [95% CI]", "proportional bias"], rows, {1}),
             '<p class="meta">Bland &amp; Altman (1999): bias ± 1.96 SD of the differences, t-based 95% CIs; '
             "proportional bias: slope of the differences on the means (t test, p &lt; .05). "
             f"{esc(ccc_name)}: Lin (1989), Fisher-z CI.</p>")
    coders = [str(c) for c in cont.get("coders") or []]
    matrix = cont.get("ccc_matrix") or []
    if len(coders) >= 2 and len(matrix) == len(coders):
        page.add(f"<h3>{esc(ccc_name)} between coders</h3>",
                 _table(["", *(esc(c) for c in coders)],
                        [[esc(c), *(num(_number(v), bounded=True) for v in row)] for c, row in zip(coders, matrix)],
                        set(range(1, len(coders) + 1))))
        if len(coders) >= 3:
            page.figure(f"{name}-ccc-matrix",
                        figures.heatmap(matrix, coders, coders, f"{name}: {ccc_name} between coders", vmin=0.0,
                                        vmax=1.0),
                        f"{name}: coder x coder matrix of {ccc_name} (Lin 1989) on the units both coders rated.")
    if isinstance(it.get("ratings"), dict) and not any("points" in x for x in entries):
        from irrkit.analysis.continuous import ratings_points
        from irrkit.analysis.item import ratings_from_dict

        derived = ratings_points(ratings_from_dict(it)[0])
        entries = [{**x, "points": {"mean": p[0], "difference": p[1]}} if (p := derived.get((x.get("a"), x.get("b"))))
                   else x for x in entries]
    drawn = [x for x in entries if isinstance(x.get("points"), dict) and x["points"].get("mean")]
    for x in drawn[:BLAND_ALTMAN_MAX]:
        a, b = x.get("a"), x.get("b")
        page.figure(f"{name}-bland-altman-{a}-{b}", figures.bland_altman(x, f"{name}: {a} − {b}"),
                    f"{name}: Bland-Altman plot of {a} − {b}: each unit's difference against the mean of the two; "
                    f"solid line the bias {num(_number(x.get('bias')), 2)}, dashed lines the {loa_name} "
                    f"{num(_number(x.get('lower')), 2)} and {num(_number(x.get('upper')), 2)}, shaded their 95% CIs"
                    + ("; dash-dotted: the regression line of the differences on the means (proportional bias)."
                       if x.get("proportional_bias") else "."))
    if len(drawn) > BLAND_ALTMAN_MAX:
        page.add(f'<p class="note">Bland-Altman plots of the first {BLAND_ALTMAN_MAX} of {len(drawn)} '
                 "comparisons.</p>")


def _diagnostics(page: _Page, name: str, d: dict[str, Any], it: dict[str, Any]) -> None:
    from irrkit.outputs import figures

    loo = d["leave_one_out"]
    b = "absolute" not in str(loo.get("name", "")).lower()  # a mean absolute difference is not bounded by 1
    page.add("<h3>Coders</h3>")
    if loo.get("lowers_most"):
        w = loo["without"][loo["lowers_most"]]
        page.add(f'<p class="who"><strong>{esc(loo["lowers_most"])}</strong> lowers agreement most: '
                 f'{esc(loo["name"])} {num(loo["full"], bounded=b)} with all coders, '
                 f'{num(w["value"], bounded=b)} without '
                 f'({w["change"]:+.3f}).</p>')
    elif loo.get("reason"):
        page.add(f'<p class="meta">Leave-one-coder-out: {esc(loo["reason"])}.</p>')
    lk = d.get("light_kappa")
    if lk:
        page.add(f"<p>Light's kappa (mean pairwise Cohen's kappa, {esc(lk.get('n_units'))} units rated by every "
                 f"coder): {num(lk['value'], bounded=True) if lk.get('value') is not None else 'undefined: '}"
                 f"{'' if lk.get('value') is not None else esc(lk.get('reason'))}"
                 "</p>")
    first = d["matrix"]["statistics"][0]
    rows = []
    for p in d["coder_profiles"]:
        w = loo["without"].get(p["coder"], {})
        ch = w.get("change")
        rows.append([esc(p["coder"]), str(p["n_rated"]), str(p["n_missing"]),
                     num(w.get("value"), bounded=b) if w else "—", "—" if ch is None else
                     num(ch, bounded=b).replace("\u2212", "\u2212") if ch < 0 else "+" + num(ch, bounded=b)])
    page.add(_table(["coder", "rated", "missing", f"{esc(loo['name'])} without", "change"], rows, {1, 2, 3, 4}))
    coders = [str(c) for c in d["coders"]]
    mad = first == "mean_abs_diff"
    page.figure(f"{name}-coder-matrix",
                figures.heatmap(d["matrix"][first], coders, coders,
                                f"{name}: {stat_name(first)} between coders", vmin=0.0 if not mad else 0.0,
                                vmax=1.0, reverse=mad),
                f"{name}: coder x coder matrix of {stat_name(first)} on the units both coders rated.")
    profiles = d["coder_profiles"]
    if profiles and profiles[0].get("distribution") and not it.get("multiple"):  # (sets: the per-code table)
        cats = list(dict.fromkeys(c for p in profiles for c in p.get("distribution") or {}))
        if it.get("level") in ("interval", "ratio") or len(cats) > MAX_STACKED:
            page.figure(f"{name}-category-use",
                        figures.coder_distribution([p["coder"] for p in profiles],
                                                   [p.get("distribution") or {} for p in profiles],
                                                   f"{name}: ratings per coder"),
                        f"{name}: each coder's ratings (box: quartiles; whiskers: smallest and largest value; "
                        "diamond: mean), with mean and SD.")
        else:
            counts = [[p.get("distribution", {}).get(c, 0) for c in cats] for p in profiles]
            page.figure(f"{name}-category-use",
                        figures.category_use([p["coder"] for p in profiles], cats, counts,
                                             f"{name}: category use per coder"),
                        f"{name}: each coder's share of ratings per category.")


def _footer(doc: dict[str, Any]) -> str:
    conv = doc.get("conventions") or {}
    parts = [f"<li>{esc(CONVENTION_NAMES.get(k) or str(k).replace('_', ' ').capitalize())}: {esc(v)}</li>"
             for k, v in conv.items()]
    return (f"<footer><h2>Conventions</h2><ul>{''.join(parts)}</ul><p class=\"meta\">Interpretation: "
            "Landis &amp; Koch (1977) for kappa-type, Koo &amp; Li (2016) for ICC, Krippendorff (2004) for alpha, "
            f"unless chosen otherwise. Made by irrkit {esc(__version__)}.</p></footer>")


# ----------------------------------------------------------------------------------------------- training


def training_report(doc: dict[str, Any], history: list[dict[str, Any]] | None = None,
                    title: str | None = None, changes: dict[str, Any] | None = None) -> Report:
    """The report of a ``train`` / ``retest`` round JSON; ``history``: round records (the history folder),
    for each trainee's trend over the rounds; ``changes``: each trainee's change since the previous round with its
    CI (``{"since": text, "rows": workflows.training.compare_rounds(...)}``, made by the report workflow)."""
    from irrkit.outputs import figures

    retest = doc.get("kind") == "retest"
    cb = doc.get("codebook") or {}
    model = doc.get("model") if isinstance(doc.get("model"), dict) else None  # irrkit model: a model as trainee
    title = title or (f"Test-retest: {cb.get('id')}" if retest else
                      f"Model {model.get('name')} against human coders: {cb.get('id')}" if model else
                      f"Training round: {cb.get('id')}")
    page = _Page(title)
    verdict = '<span class="pass">passed</span>' if doc.get("passed") else '<span class="fail">FAILED</span>'
    meta = [] if model else [f"round {doc.get('round') or '—'} {doc.get('name') or ''}".rstrip()]
    meta += [str(doc["timestamp"])] if doc.get("timestamp") else []
    meta += [f"reference {doc.get('reference')}", f"codebook {cb.get('id')} {cb.get('version') or ''}".rstrip(),
             f"gates on the {doc.get('gate_on')}"]
    page.add(f"<header><h1>{esc(title)}</h1><p class=\"meta\">{' · '.join(esc(m) for m in meta)}</p>"
             f"<p>{'Model' if model else 'Round'}: {verdict}</p></header>")
    for w in doc.get("warnings") or []:
        page.add(f'<p class="note">{esc(w)}</p>')
    for trainee, t in (doc.get("trainees") or {}).items():
        v = '<span class="pass">passed</span>' if t.get("passed") else '<span class="fail">FAILED</span>'
        page.add(f'<section class="item" id="trainee-{_slug(trainee)}" data-item="{esc(trainee)}">'
                 f"<h2>{esc(trainee)}: {v}</h2>")
        rows = []
        for item, d in t["items"].items():
            gates = {g["statistic"]: g for g in d.get("gates", [])}
            for k, (key, s) in enumerate(d["statistics"].items()):
                g = gates.get(key)
                cell = "" if g is None else (f'<span class="{"pass" if g["passed"] else "fail"}">'
                                             f'{"pass" if g["passed"] else "FAIL"} ≥ {g["minimum"]:.2f}</span>')
                rows.append([esc(item) if k == 0 else "", esc(stat_name(key)), value(key, s),
                             ci(s, key not in UNBOUNDED), esc(d["n_units"]) if k == 0 else "", cell])
        page.add(_table(["item", "statistic", "value", "95% CI", "units", "gate"], rows, {2, 4}))
        for item, d in t["items"].items():
            conf = d.get("confusion")
            if conf:
                page.figure(f"{trainee}-{item}-confusion",
                            figures.heatmap(conf["counts"], conf["codes"], conf["codes"],
                                            f"{item}: {trainee} x {doc.get('reference')}", vmin=0,
                                            vmax=max(max(r) for r in conf["counts"]) or 1, integer=True,
                                            xlabel=f"{doc.get('reference')} (reference)", ylabel=trainee),
                            f"{item}: confusion matrix, rows {trainee}'s codes, columns the reference's codes.")
        page.add("</section>")
    cm = doc.get("coder_matrix") or {}
    if cm.get("items") and len(cm.get("coders", [])) > 2:
        page.add('<section class="item" data-item="coder-matrix"><h2>Between coders</h2>')
        coders = [str(c) for c in cm["coders"]]
        for item, mats in cm["items"].items():
            key = next(k for k in mats if k in ("cohen_kappa", "icc2"))
            page.figure(f"{item}-coder-matrix",
                        figures.heatmap(mats[key], coders, coders,
                                        f"{item}: {stat_name(key)} between coders"),
                        f"{item}: {stat_name(key)} between reference and trainees on the units both rated.")
        page.add("</section>")
    if changes and changes.get("rows"):
        _changes(page, changes)
    if history:
        _trend(page, history)
    if isinstance(doc.get("model"), dict):
        _model(page, doc["model"])
    page.add(_footer(doc))
    return Report(page.render(), page.figures, page.svgs)


def _model(page: _Page, m: dict[str, Any]) -> None:
    """``irrkit model``: run-to-run stability, the model against each human, the alt-test per item."""
    for title, part in (("Run-to-run stability: each run against the first", m.get("stability")),
                        (f"{m.get('name')} against each human coder", m.get("versus_humans"))):
        if not part:
            continue
        rows = []
        for c, items in part["pairs"].items():
            for item, d in items.items():
                for k, (key, s) in enumerate(d["statistics"].items()):
                    rows.append([esc(item) if k == 0 else "", esc(c) if k == 0 else "", esc(stat_name(key)),
                                 value(key, s), ci(s, key not in UNBOUNDED), esc(d["n_units"]) if k == 0 else ""])
        page.add(f'<section class="item" data-item="{esc(title)}"><h2>{esc(title)}</h2>',
                 _table(["item", "against", "statistic", "value", "95% CI", "units"], rows, {3, 5}), "</section>")
    for item, a in (m.get("alt_test") or {}).items():
        verdict = ('<span class="pass">passed</span>' if a.get("passed") else '<span class="fail">FAILED</span>'
                   if a.get("passed") is False else f"undefined: {esc(a.get('reason'))}")
        rows = [[esc(h["human"]), esc(h["n_units"]), num(h.get("rho_model")), num(h.get("rho_human")),
                 num(h.get("t")), p_text(h.get("p_value")), "yes" if h.get("rejected") else "no"]
                for h in a.get("humans", [])]
        page.add(f'<section class="item" data-item="alt-test-{esc(item)}"><h2>Alternative annotator test: '
                 f"{esc(item)}</h2><p>{esc(stat_name('alt_test_winning_rate'))} {num(a.get('winning_rate'))}, "
                 f"{esc(stat_name('alt_test_advantage'))} {num(a.get('advantage_probability'))} (epsilon "
                 f"{esc(a.get('epsilon'))}, Benjamini-Yekutieli q {esc(a.get('q'))}, {esc(a.get('scoring'))}; "
                 f"Calderon, Reichart &amp; Dror, 2025): {verdict}</p>",
                 _table(["human left out", "units", "model wins", "human wins", "t", "p", "model beats human"],
                        rows, {1, 2, 3, 4, 5}), "</section>")


def _changes(page: _Page, changes: dict[str, Any]) -> None:
    """Each trainee's change on the gated (else headline) statistics since the previous round, with the change's
    95% CI and p: on the same units the difference of the units' terms, on new units independent."""
    rows = changes["rows"]
    shown = [r for r in rows if r.get("gated")] or [r for r in rows if r["statistic"] in ("cohen_kappa", "icc2")]
    how = {"dependent": "same units", "independent": "new units"}
    out = []
    for r in shown:
        inf = r.get("change_inference") or {}
        ci = (f"[{num(_number(inf.get('ci_low')))}, {num(_number(inf.get('ci_high')))}]"
              if _number(inf.get("ci_low")) is not None and _number(inf.get("ci_high")) is not None else "—")
        why = how.get(inf.get("kind") or "", "") if ci != "—" else (inf.get("reason") or
                                                                      ("first round" if r["previous"] is None else ""))
        change = _number(r.get("change"))
        out.append([esc(r["trainee"]), esc(r["item"]), esc(stat_name(r["statistic"])),
                    num(_number(r.get("previous"))), num(_number(r.get("current"))),
                    "—" if change is None else ("+" if change >= 0 else "") + num(change), ci,
                    p_text(_number(inf.get("p_value"))) if ci != "—" else "—", esc(why)])
    page.add('<section class="item" data-item="changes"><h2>Change since the previous round</h2>'
             f'<p class="meta">{esc(changes.get("since") or "")}</p>')
    page.add(_table(["trainee", "item", "statistic", "previous", "this round", "change", "95% CI", "p", "how"], out,
                    {3, 4, 5, 7}))
    page.add('<p class="meta">A verdict can change because the minimum changed: judge the change by its CI.</p>'
             "</section>")


def _trend(page: _Page, history: list[dict[str, Any]]) -> None:
    from irrkit.outputs import figures

    rounds = sorted(history, key=lambda r: r.get("round") or 0)
    labels = [f"{r.get('round')} {r.get('name') or ''}".strip() for r in rounds]
    items: dict[str, str] = {}
    minimum: dict[str, float] = {}
    for r in rounds:
        for t in (r.get("trainees") or {}).values():
            for item, d in t.get("items", {}).items():
                items.setdefault(item, "cohen_kappa" if d.get("level") == "nominal" else "icc2")
                for g in d.get("gates", []):
                    if g["statistic"] == items[item]:
                        minimum[item] = g["minimum"]
    if not items or len(rounds) < 1:
        return
    page.add('<section class="item" data-item="trend"><h2>Trend over the rounds</h2>')
    for item, key in items.items():
        names = list(dict.fromkeys(c for r in rounds for c in (r.get("trainees") or {})))
        series = {c: [((r.get("trainees") or {}).get(c, {}).get("items", {}).get(item, {}).get("statistics", {})
                       .get(key, {}).get("value")) for r in rounds] for c in names}
        if not any(v is not None for ys in series.values() for v in ys):
            continue
        page.figure(f"{item}-trend", figures.trend(labels, series, minimum.get(item), f"{item}: {stat_name(key)}",
                                                    stat_name(key)),
                    f"{item}: each trainee's {stat_name(key)} over the rounds of the history.")
    page.add("</section>")


def report(doc: dict[str, Any], history: list[dict[str, Any]] | None = None, title: str | None = None,
           gates: list[dict[str, Any]] | None = None, plan: dict[str, Any] | None = None,
           changes: dict[str, Any] | None = None) -> Report:
    """The report of any irrkit JSON: a round (train/retest) or results (check, compute)."""
    if doc.get("kind") in ("training-round", "retest"):
        return training_report(doc, history, title, changes)
    return check_report(doc, title, gates, history, plan)
