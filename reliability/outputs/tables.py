"""Tables from results, as rows and text (no file I/O: the CLI writes them)."""

from __future__ import annotations

import csv
import io
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from irrkit import __version__
from irrkit.analysis.item import ItemResult, Options
from irrkit.outputs.escaping import FORMULA_START, csv_number, csv_value, md, md_line, plain, terminal
from irrkit.ratings import ItemRatings
from irrkit.statistics import interpret, registry

SUMMARY_FIELDS = ("item", "level", "weights", "statistic", "name", "primary", "n_units", "n_coders", "n_ratings",
                  "n_missing", "value", "se", "ci_low", "ci_high", "p_value", "pa", "pe", "f", "df1", "df2",
                  "method", "bootstrap_ci_low", "bootstrap_ci_high", "bootstrap_se", "interpretation", "scale",
                  "gate_minimum", "gate_on", "gate_passed", "status", "reason")


def n_missing(it: ItemResult) -> int:
    """Missing ratings of an item: coders x units rated by someone, less the ratings (each coder's count from
    the coder diagnostics when computed)."""
    d = it.diagnostics
    if d is not None and d.profiles:
        return sum(p.n_missing for p in d.profiles)
    return max(it.n_units * it.n_coders - it.n_ratings, 0)


def results_json(items: Sequence[ItemResult], opts: Options, **meta: Any) -> dict[str, Any]:
    """The stable JSON contract: {"tool", "version", "items": [...]} (see README)."""
    out: dict[str, Any] = {"tool": "irrkit", "version": __version__}
    out.update({k: v for k, v in meta.items() if v is not None})
    out["conventions"] = {
        "se": "Gwet (2008) linearisation over units, no finite-population correction",
        "ci": f"{opts.confidence:.0%} CI = value +/- t(n_units - 1) x SE, upper bound capped at 1; ICC: F-based "
              f"({opts.icc_convention} convention)",
        "p_value": "one-sided, H1: agreement above chance (ICC: F test of H0 ICC = 0)",
    }
    out["items"] = [it.to_dict(opts) for it in items]
    return out


def summary_rows(items: Sequence[ItemResult], opts: Options, primary_only: bool = False,
                 gates: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One row per item and coefficient: ratings and missing ratings, value, SE, CI, p, the ICC's F test and
    estimation method, the bootstrap CI when computed, and the gate on that statistic (``gates``:
    irrkit.workflows.gates.GateResult) when there is one."""
    rows = []
    by = {(g.item, g.statistic): g for g in gates}
    for it in items:
        missing = n_missing(it)
        for key, c in it.coefficients.items():
            if primary_only and key != it.primary:
                continue
            scale = it.scale_for(key, opts)
            rows.append({
                "item": it.item, "level": it.level, "weights": it.weights, "statistic": key,
                "name": statistic_name(key, it.weights, bool(it.codes)), "primary": key == it.primary,
                "n_units": c.n_units or it.n_units,
                "n_coders": it.n_coders, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                "p_value": c.p_value, "pa": c.pa, "pe": c.pe,
                "interpretation": interpret.label(c.value, scale) if c.ok and registry.benchmarked(key) else "",
                "scale": registry.scale_title(scale) if registry.benchmarked(key) else "",
                "status": c.status, "reason": c.reason or "",
            })
            boot = c.extra.get("bootstrap") or {}
            g = by.get((it.item, key))
            rows[-1].update({
                "n_ratings": it.n_ratings, "n_missing": missing, "f": c.extra.get("f"), "df1": c.extra.get("df1"),
                "df2": c.extra.get("df2"), "method": c.method, "bootstrap_ci_low": boot.get("ci_low"),
                "bootstrap_ci_high": boot.get("ci_high"), "bootstrap_se": boot.get("se"),
                "gate_minimum": g.minimum if g else None, "gate_on": g.on if g else "",
                "gate_passed": ("pass" if g.passed else "FAIL") if g else ""})
    return rows


def per_category_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    rows = []
    for it in items:
        null = it.fleiss_null or {}
        for k, (code, stats) in enumerate(it.per_category.items()):
            for key, c in stats.items():
                held = getattr(it, "code_counts", None) or it.distribution  # a set-valued item: ratings holding it
                row = {"item": it.item, "category": code, "ratings": held.get(code, 0),
                       "statistic": key, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                       "p_value": c.p_value, "status": c.status, "reason": c.reason or ""}
                if key == "fleiss_kappa" and null:
                    row["z_fleiss_1971"] = null["per_category_z"][k]
                    row["se_null"] = null["per_category_se_null"]
                rows.append(row)
    return rows


@dataclass(frozen=True)
class _Block:
    """The disagreement rows of one item: units, the distinct cell texts and each row's index into them."""

    item: str
    coders: tuple[str, ...]
    units: list[str]
    spelled: list[str]  # distinct cell texts ("" = not rated)
    index: np.ndarray  # rows x coders indices into ``spelled``


class DisagreementRows(Sequence[dict[str, Any]]):
    """Every unit and item where the coders' ratings are not all the same, kept by column (one block per item):
    a sequence of row dicts (``unit``, ``item``, each coder's code) that :func:`to_csv` writes without
    building them."""

    def __init__(self, blocks: Sequence[_Block]) -> None:
        self.blocks = list(blocks)
        self._starts = np.cumsum([0] + [len(b.units) for b in self.blocks])

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = int(np.searchsorted(self._starts, i, side="right")) - 1
        b, j = self.blocks[k], i - int(self._starts[k])
        return {"unit": b.units[j], "item": b.item, **{c: b.spelled[t] for c, t in zip(b.coders, b.index[j])}}

    def fields(self) -> list[str]:
        """The columns: unit, item, then the coders in order of first appearance (none without rows)."""
        if not len(self):
            return []
        return list(dict.fromkeys(["unit", "item", *(c for b in self.blocks if b.units for c in b.coders)]))


def disagreement_rows(ratings: Iterable[ItemRatings], chunk: int = 1 << 16) -> DisagreementRows:
    """Every unit and item where the coders' ratings are not all the same: unit, item, each coder's code
    (each distinct code spelled once; ``chunk`` units at a time, so no units x coders float temporaries).
    Crowd data (ratings kept as rated cells) are left out: a column per coder for thousands of coders (the
    check says so in the item's notes)."""
    blocks = []
    for r in ratings:
        if r.sparse:
            continue
        labels = list(r.labels) if r.labels else [f"{c:g}" for c in r.categories]
        lookup = {float(c): lab for c, lab in zip(r.categories, labels)}
        found = _coded_disagreements(r.values, r.categories, chunk)
        if found is not None:  # every rating exactly a category: index 0 = not rated, k + 1 = category k
            keep, index = found
            spelled = ["", *(lookup[float(c)] for c in r.categories)]
        else:
            keep_parts, cells_parts = [], []
            for s in range(0, r.values.shape[0], chunk):
                b = r.values[s:s + chunk]
                with np.errstate(invalid="ignore"):  # fmin/fmax skip NaN; hi > lo: two ratings that differ
                    k = np.flatnonzero(np.fmax.reduce(b, axis=1) > np.fmin.reduce(b, axis=1))
                keep_parts.append(k + s)
                cells_parts.append(b[k])
            keep = np.concatenate(keep_parts) if keep_parts else np.zeros(0, dtype=np.int64)
            sub = np.concatenate(cells_parts) if cells_parts else np.zeros((0, r.values.shape[1]))
            distinct, inverse = np.unique(sub.ravel(), return_inverse=True)  # each distinct value spelled once
            spelled = ["" if math.isnan(x) else lookup.get(float(x), f"{x:g}") for x in distinct.tolist()]
            index = inverse.reshape(sub.shape)
        if keep.size == 0:
            continue
        units = list(operator.itemgetter(*keep.tolist())(r.units)) if len(keep) > 1 else [r.units[int(keep[0])]]
        blocks.append(_Block(r.item, tuple(r.coders), units, spelled, index))
    return DisagreementRows(blocks)


def _coded_disagreements(values: np.ndarray, categories: Sequence[float],
                         chunk: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The units whose ratings differ and 1 + the category index of each of their cells (0: not rated), when
    every rating is exactly one of the categories (the common case: integer work, no sort of the cells);
    None otherwise."""
    from irrkit.statistics.counting import category_index
    cats = np.asarray(categories, dtype=float)
    q = len(cats)
    if not q or len(np.unique(cats)) != q:
        return None
    small = np.uint8 if q < 255 else np.int32
    keep_parts, index_parts = [], []
    for s in range(0, values.shape[0], chunk):
        b = values[s:s + chunk]
        try:
            idx = category_index(b, cats)
        except ValueError:
            return None
        if not ((cats.take(idx) == b) | ((idx < 0) & np.isnan(b))).all():
            return None
        lo = np.where(idx < 0, q, idx).min(axis=1)
        k = np.flatnonzero(idx.max(axis=1) > lo)
        keep_parts.append(k + s)
        sub = idx[k]
        sub += 1
        index_parts.append(sub.astype(small))
    if not keep_parts:
        return np.zeros(0, dtype=np.int64), np.zeros((0, values.shape[1]), dtype=small)
    return np.concatenate(keep_parts), np.concatenate(index_parts)


def _disagreements_csv(rows: DisagreementRows, dialect: CsvDialect, chunk: int = 1 << 16) -> str | None:
    """``to_csv`` of the disagreement rows, the same text: each distinct cell escaped and quoted once by the csv
    module, the lines assembled in bytes (unit ids: ASCII without characters to quote or escape, checked by
    column). None where that does not hold (the caller takes the row-by-row path)."""
    fields = rows.fields()
    d = dialect.delimiter
    if len(d) != 1 or not d.isascii():
        return None

    def quoted(t: str) -> str:  # one cell as csv.writer spells it inside a row
        buf = io.StringIO()
        csv.writer(buf, delimiter=d, lineterminator="\n").writerow([t, "x"])
        return buf.getvalue()[:-(len(d) + 2)]

    def cell(v: str) -> str:
        return quoted(csv_value(v, dialect.decimal))

    head = io.StringIO()
    csv.writer(head, delimiter=d, lineterminator="\n").writerow([csv_value(f) for f in fields])
    parts = [("\ufeff" if dialect.bom else "") + head.getvalue()]
    bad = (d, '"', "\r", "\n", "\x00")
    first_bad = np.array([ord(c) for c in FORMULA_START], dtype=np.uint8)
    sep = ord(d)
    for b in rows.blocks:
        tokens = [cell(t).encode() for t in b.spelled]
        if any(b"\x00" in t for t in tokens):
            return None
        width = max(1, *(len(t) for t in tokens))
        tok = np.zeros((len(tokens), width), dtype=np.uint8)
        for i, t in enumerate(tokens):
            tok[i, :len(t)] = np.frombuffer(t, dtype=np.uint8)
        item = cell(b.item).encode()
        if b"\x00" in item or "unit" in b.coders or "item" in b.coders:
            return None  # a NUL would be lost below; a coder named like a column overwrites it in the rows
        col = {c: j for j, c in enumerate(b.coders)}
        for s in range(0, len(b.units), chunk):
            some = b.units[s:s + chunk]
            m = len(some)
            joined = "".join(some)
            if not joined.isascii() or any(c in joined for c in bad):
                return None  # non-ASCII, characters to quote, NUL: the row-by-row path
            lens = np.fromiter(map(len, some), dtype=np.int64, count=m)
            starts = np.cumsum(lens) - lens
            raw = np.frombuffer(joined.encode(), dtype=np.uint8)
            if np.isin(raw[starts[lens > 0]], first_bad).any():
                return None  # a unit id that starts like a formula: escaped row by row
            u = np.zeros((m, int(lens.max(initial=0))), dtype=np.uint8)
            u[np.repeat(np.arange(m), lens), np.arange(len(raw)) - np.repeat(starts, lens)] = raw
            pieces = []
            for f in fields:
                if f == "unit":
                    pieces.append(u)
                elif f == "item":
                    pieces.append(np.broadcast_to(np.frombuffer(item, dtype=np.uint8), (m, len(item))))
                elif f in col:
                    pieces.append(tok[b.index[s:s + m, col[f]]])
                else:
                    pieces.append(np.zeros((m, 0), dtype=np.uint8))
                pieces.append(np.full((m, 1), sep, dtype=np.uint8))
            pieces[-1] = np.full((m, 1), ord("\n"), dtype=np.uint8)
            mat = np.concatenate(pieces, axis=1).ravel()
            parts.append(mat[mat != 0].tobytes().decode())
    return "".join(parts)


LOA_FIELDS = ("item", "a", "b", "comparison", "n_units", "ccc", "ccc_ci_low", "ccc_ci_high", "bias", "bias_ci_low",
              "bias_ci_high", "sd", "lower", "lower_ci_low", "lower_ci_high", "upper", "upper_ci_low", "upper_ci_high",
              "slope", "slope_p", "proportional_bias", "method", "status", "reason")


def loa_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """One row per coder pair (and, with more than two coders, per coder against the mean of the others) of each
    interval or ratio item: the pair's CCC (Lin 1989) and the Bland-Altman bias, limits of agreement, their CIs
    and the test of proportional bias."""
    rows = []
    for it in items:
        cont = getattr(it, "continuous", None)
        if cont is None:
            continue
        for x in [*cont.pairs, *cont.vs_others]:
            c = cont.ccc.get((x.a, x.b))
            d = x.to_dict()
            rows.append({"item": it.item, "a": x.a, "b": x.b, "comparison": f"{x.a} − {x.b}",
                         "n_units": x.n_units, "ccc": c.value if c else None, "ccc_ci_low": c.ci_low if c else None,
                         "ccc_ci_high": c.ci_high if c else None,
                         **{k: d[k] for k in LOA_FIELDS if k in d and k not in ("n_units", "status", "reason")},
                         "status": x.status, "reason": " ".join(filter(None, [x.reason, c.reason if c else None]))})
    return rows


def loa_markdown(items: Sequence[ItemResult]) -> list[str]:
    """The Markdown section of the limits of agreement (none without interval or ratio items)."""
    rows = loa_rows(items)
    if not rows:
        return []
    lines = ["", f"## {md(registry.name('limits_of_agreement'))} and {md(registry.name('ccc'))}", "",
             "Bias and limits: bias ± 1.96 SD of the differences (Bland & Altman 1999), 95% CIs; proportional bias: "
             "slope of the differences on the means (t test). CCC: Lin (1989), Fisher-z CI.", "",
             "| item | comparison | units | CCC [CI] | bias [CI] | lower limit [CI] | upper limit [CI] | slope (p) |",
             "|---|---|---:|---|---|---|---|---|"]
    for r in rows:
        slope = (f"{fmt(r['slope'])} ({fmt(r['slope_p'])})"
                 + (" **proportional bias**" if r["proportional_bias"] else "")) if r["slope"] is not None else ""
        lines.append(f"| {md(r['item'])} | {md(r['comparison'])} | {r['n_units']} | "
                     + (f"{fmt(r['ccc'])} {ci_text(r['ccc_ci_low'], r['ccc_ci_high'])}" if r["ccc"] is not None
                        else "") + " | "
                     + " | ".join(f"{fmt(r[k], 2)} {ci_text2(r[k + '_ci_low'], r[k + '_ci_high'])}"
                                  if r[k] is not None else f"undefined: {md(r['reason'])}"
                                  for k in ("bias", "lower", "upper"))
                     + f" | {slope} |")
    return lines


def ci_text2(low: float | None, high: float | None) -> str:
    """A CI in a measure's unit (two decimals)."""
    if low is None or high is None:
        return ""
    return f"[{fmt(low, 2)}, {fmt(high, 2)}]"


# The statistics each kind of item reports (the terminal table shows the MAIN ones; --all every one computed)
MAIN_NOMINAL = registry.MAIN["nominal"]
MAIN_SCALE = registry.MAIN["scale"]
REPORTED = registry.REPORTED


def main_statistics(it: ItemResult) -> list[str]:
    """The statistics an item's table shows by default, its primary statistic first."""
    keys = [k for k in registry.MAIN[registry.kind(it.level)] if k in it.coefficients]
    if it.primary not in keys:
        keys.insert(0, it.primary)
    keys.sort(key=lambda k: k != it.primary)
    return keys


def reported_statistics(it: ItemResult) -> set[str]:
    """The statistics reported for an item of this level (where a gate for all items applies): the nominal
    family for nominal items, ICCs, AC2, alpha and agreement for ordinal/interval/ratio items, and the primary."""
    primary = getattr(it, "primary", None)
    return {*registry.REPORTED[registry.kind(getattr(it, "level", None))], primary} & set(
        it.coefficients)


def statistic_name(key: str, weights: str | None = None, sets: bool = False) -> str:
    """The one label of a statistic in every table (registry.name): weighted statistics are named with their
    weights, 'Percent agreement (quadratic weights)'; ``sets``: of a set-valued item, '... (exact set match)'."""
    return registry.name(key, weights, sets=sets)


def fmt(x: Any, digits: int = 3) -> str:
    x = plain(x)
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else ""
    if isinstance(x, float):
        if not math.isfinite(x):
            return ""
        if x != 0 and abs(x) < 10 ** -digits:
            return f"{x:.1e}"
        return f"{x:.{digits}f}"
    return str(x)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV table is spelled: separator, decimal mark, UTF-8 BOM (what Excel in a locale expects)."""

    name: str
    delimiter: str = ","
    decimal: str = "."
    bom: bool = False


STANDARD = CsvDialect("standard")
EXCEL_DE = CsvDialect("excel-de", ";", ",", True)  # German (and most European) Excel: ';', '2,5', BOM
DIALECTS = {d.name: d for d in (STANDARD, EXCEL_DE)}


def dialect_for(choice: str, delimiters: Sequence[str] = ()) -> CsvDialect:
    """The dialect of the CSV outputs: ``standard``, ``excel-de`` or ``auto``, which follows the inputs: when
    every CSV input was ``;``-separated (how Excel saves CSV where the decimal mark is a comma) the outputs are
    too, with decimal commas and a UTF-8 BOM; otherwise (``,``/tab inputs, Excel or SPSS files) ``standard``."""
    if choice != "auto":
        return DIALECTS[choice]
    return EXCEL_DE if delimiters and all(d == ";" for d in delimiters) else STANDARD


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str] | None = None,
           dialect: CsvDialect = STANDARD, visible: bool = False) -> str:
    """CSV text with full precision: numbers as plain Python numbers (never ``np.float64(...)``), empty for
    missing or non-finite, text cells safe from formula injection (``escaping.csv_value``), in ``dialect``.
    ``visible``: for a terminal or CI log (stdout), control characters and line breaks inside cells are shown
    as escapes (``\\n``), so no line of data can pose as a workflow command or move the cursor."""
    if isinstance(rows, DisagreementRows) and fields is None and not visible and len(rows):
        text = _disagreements_csv(rows, dialect)
        if text is not None:
            return text
    if fields is None:
        fields = rows.fields() if isinstance(rows, DisagreementRows) else list(dict.fromkeys(k for r in rows
                                                                                             for k in r))
    buf = io.StringIO()
    if dialect.bom:
        buf.write("\ufeff")
    w = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\n")
    show = terminal if visible else str
    texts: dict[str, str] = {}  # text cells repeat (codes, coder names, items): escape each distinct one once

    def cell(v: Any) -> str:
        if type(v) is str:
            t = texts.get(v)
            if t is None:
                t = texts[v] = show(csv_value(v, dialect.decimal))
            return t
        if type(v) is int and not visible:  # (csv_value's answer for them, without its tests of type)
            return str(v)
        if type(v) is float and not visible:
            t = csv_number(v)
            return t.replace(".", dialect.decimal) if dialect.decimal != "." else t
        return show(csv_value(v, dialect.decimal))

    w.writerow([show(csv_value(f)) for f in fields])
    w.writerows([cell(r.get(k)) for k in fields] for r in rows)
    return buf.getvalue()


def ci_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{fmt(low)}, {fmt(high)}]"


def to_markdown(items: Sequence[ItemResult], opts: Options, title: str = "Inter-rater reliability",
                warnings: Sequence[str] = (), gates: Sequence[Any] = ()) -> str:
    """A Markdown report: one table of every item's coefficients (ratings and missing, SE, CI, bootstrap CI
    when computed, p, the ICC's F test, gate), the ICC estimation per item, the gates, notes and warnings."""
    rows = summary_rows(items, opts, gates=gates)
    boot = any(r["bootstrap_ci_low"] is not None for r in rows)
    lines = [f"# {md_line(title)}", "",
             f"{opts.confidence:.0%} CIs: value ± t(n−1)·SE (Gwet 2008 linearisation), upper bound capped at 1; "
             f"ICC CIs from the F distribution ({opts.icc_convention} convention). p one-sided.", "",
             "| item | level | units | coders | ratings (missing) | statistic | value | SE | CI | "
             + ("bootstrap CI | " if boot else "") + "p | F(df1, df2) | interpretation | gate |",
             "|---|---|---:|---:|---:|---|---:|---:|---|" + ("---|" if boot else "") + "---:|---|---|---|"]
    for row in rows:
        name = f"**{md(row['name'])}**" if row["primary"] else md(row["name"])
        value = fmt(row["value"]) if row["status"] == "ok" else f"undefined: {md(row['reason'])}"
        ftest = (f"F({fmt(row['df1'], 0)}, {fmt(row['df2'], 1 if row['df2'] % 1 else 0)}) = {fmt(row['f'], 2)}"
                 if row["f"] is not None and row["df1"] is not None and row["df2"] is not None else "")
        gate_txt = (f"{row['gate_passed']} ≥ {row['gate_minimum']:.2f} ({row['gate_on']})"
                    if row["gate_minimum"] is not None else "")
        lines.append(f"| {md(row['item'])} | {md(row['level'])} | {row['n_units']} | {row['n_coders']} | "
                     f"{row['n_ratings']} ({row['n_missing']}) | {name} | {value} | {fmt(row['se'])} | "
                     f"{ci_text(row['ci_low'], row['ci_high'])} | "
                     + (f"{ci_text(row['bootstrap_ci_low'], row['bootstrap_ci_high'])} | " if boot else "")
                     + f"{fmt(row['p_value'])} | {ftest} | {md(row['interpretation'])} | {gate_txt} |")
    icc = [(it.item, it.coefficients[it.primary].method) for it in items
           if it.primary.startswith("icc") and it.coefficients[it.primary].method]
    if icc:
        lines += ["", "ICC estimation: " + "; ".join(f"{md(i)}: {md(m)}" for i, m in icc) + "."]
    if gates:
        failed = [g for g in gates if not g.passed]
        lines += ["", f"## Gates: {len(gates) - len(failed)} of {len(gates)} passed", "",
                  *[f"- {'pass' if g.passed else '**FAIL**'} {md(g.item)}: {md(g.message)}" for g in gates]]
    notes = [f"- {md(it.item)}: {md(n)}" for it in items for n in it.notes] + [f"- {md(w)}" for w in warnings]
    if notes:
        lines += ["", "## Notes and warnings", "", *notes]
    lines += loa_markdown(items)
    from irrkit.outputs.diagnostics_tables import markdown_lines
    lines += markdown_lines(items, md)
    lines += ["", "Primary statistic of each item in bold. Interpretation: Landis & Koch (1977) for kappa-type, "
              "Koo & Li (2016) for ICC, Krippendorff (2004) for alpha, unless chosen otherwise.", ""]
    return "\n".join(lines)
