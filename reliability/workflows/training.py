"""Coder training rounds: each trainee against a gold-standard coding, and one coder's test-retest agreement.

Per trainee and item (units rated by both trainee and gold): nominal items get percent agreement, Cohen's
kappa (the Conger engine with two coders) and Gwet's AC1; scale items (ordinal, interval, ratio) get ICC(A,1)
and the mean absolute difference (retest also ICC(C,1)). Also: trainee x gold confusion matrices, the coder x
coder matrix, the disagreement handout for a consensus meeting, pass/fail against gates and round records.
Pure functions: no printing, no file I/O (the CLI reads and writes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from irrkit import __version__
from irrkit.analysis.item import ItemResult
from irrkit.analysis.pairs import NOMINAL_STATS, SCALE_STATS, _confusion, pair_statistics
from irrkit.codebooks.model import Codebook, Gate, Item
from irrkit.errors import InputError
from irrkit.ratings import ItemRatings
from irrkit.readers import RatingSet
from irrkit.statistics import registry
from irrkit.statistics.registry import name as stat_name
from irrkit.statistics.results import Coefficient
from irrkit.workflows import gates as gate

if TYPE_CHECKING:
    import pandas as pd

RETEST_SCALE_STATS = ("icc2", "icc3", "mean_abs_diff")
DEFAULT_GATES = (Gate("cohen_kappa", 0.6), Gate("icc2", 0.6))  # nominal items / scale items
BASE_COLUMNS = ("unit", "coder", "item", "code", "value", "file", "line")


@dataclass
class PairResult:
    """One coder against the reference (gold, or the first pass) on one item."""

    coder: str
    item: str
    level: str
    statistics: dict[str, Coefficient]
    n_units: int  # units both rated
    n_unrated: int  # reference units the coder left unrated
    codes: tuple[str, ...] = ()  # confusion matrix order (codebook order), nominal items
    confusion: np.ndarray | None = None  # rows: the coder's codes, columns: reference codes
    # the units both rated and their values (coder, reference): the round record keeps them, so that the change
    # between two rounds on the same units gets its dependent CI (workflows/compare.change_inference)
    units: list[str] = field(default_factory=list)
    values: tuple[np.ndarray, np.ndarray] | None = None
    category_values: tuple[float, ...] = ()

    def item_result(self) -> ItemResult:
        """The shape gate.evaluate takes."""
        return ItemResult(self.item, self.level, "identity", self.n_units, 2, 2 * self.n_units,
                          list(self.codes), self.statistics, "cohen_kappa" if self.level == "nominal" else "icc2")


@dataclass
class TrainingResult:
    """Every trainee against the reference coder on every item."""

    codebook: Codebook
    reference: str  # coder name of the gold standard (or 'first' in a retest)
    coders: list[str]  # trainees (or 'second')
    pairs: dict[str, dict[str, PairResult]]  # coder -> item -> result
    matrix: dict[str, dict[str, list[list[float | None]]]]  # item -> statistic -> (ref + coders)^2 matrix
    handout: dict[str, list[dict[str, Any]]]  # coder -> disagreement rows
    warnings: list[str] = field(default_factory=list)
    retest: bool = False

    @property
    def matrix_coders(self) -> list[str]:
        return [self.reference, *self.coders]


# ----------------------------------------------------------------------------------------------- handout


def _describe(it: Item, r: ItemRatings, v: float) -> tuple[str, str, str]:
    """Code, label and definition of a value of an item."""
    if math.isnan(v):
        return "", "(not coded)", ""
    for cat, val in zip(it.categories, r.categories, strict=False):
        if abs(val - v) < 1e-9:
            return cat.code, cat.label, cat.definition
    text = np.format_float_positional(v, trim="-")
    anchors = it.scale.anchors if it.scale else {}
    return text, next((lab for x, lab in anchors.items() if abs(x - v) < 1e-9), ""), ""


def _context(records: pd.DataFrame, coder: str, item: str) -> tuple[pd.DataFrame, list[str]]:
    """The coder's records of an item by unit, and the context columns that coder's file fills."""
    sub = records[(records["coder"] == coder) & (records["item"] == item)].drop_duplicates("unit")
    ctx = [c for c in records.columns if c not in BASE_COLUMNS and (sub[c].astype(str) != "").any()]
    return sub.set_index("unit"), ctx


def _typed(src: Any, fallback: str) -> str:
    """The cell text of a record (a value as typed), else ``fallback``."""
    if src is None:
        return fallback
    text = str(src["code"]).strip()
    return text or fallback


def handout_rows(r: ItemRatings, it: Item, ref: int, j: int, records: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Units where coder ``j`` differs from the reference ``ref`` (or left a reference unit unrated); without
    ``records`` the rows have no file, line or context columns."""
    g, t = r.column(ref), r.column(j)
    diff = ~np.isnan(g) & (np.isnan(t) | ~np.isclose(np.nan_to_num(t), g, rtol=0, atol=1e-9))
    rows: list[dict[str, Any]] = []
    if not diff.any():
        return rows
    if records is None:  # no records table (the model workflow without --out): no file, line or context
        mine = gold = None
        ctx, gctx = [], []
    else:
        mine, ctx = _context(records, r.coders[j], r.item)
        gold, gctx = _context(records, r.coders[ref], r.item)
        gctx = [c for c in gctx if c not in ctx]
    described: dict[float, tuple[str, str, str]] = {}  # each distinct value described once (50,000 units: 0.9 s)

    def describe(v: float) -> tuple[str, str, str]:
        if math.isnan(v):
            return _describe(it, r, v)
        if v not in described:
            described[v] = _describe(it, r, v)
        return described[v]
    for i in np.flatnonzero(diff):
        unit = r.units[i]
        tc, tl, td = describe(float(t[i]))
        gc, gl, gd = describe(float(g[i]))
        src = mine.loc[unit] if mine is not None and unit in mine.index else None
        gsrc = gold.loc[unit] if gold is not None and unit in gold.index else None
        if not it.categories:  # a scale value as the coder typed it ('2,5' stays '2,5')
            tc = tc if math.isnan(t[i]) else _typed(src, tc)
            gc = gc if math.isnan(g[i]) else _typed(gsrc, gc)
        row: dict[str, Any] = {
            "trainee": r.coders[j], "item": r.item, "unit": unit, "trainee_code": tc, "trainee_label": tl,
            "gold_code": gc, "gold_label": gl,
            "difference": "" if r.level == "nominal" or math.isnan(t[i]) else float(t[i] - g[i]),
            "trainee_definition": td, "gold_definition": gd}
        row["file"], row["line"] = ("", "") if src is None else (src["file"], int(src["line"]))
        row.update({c: "" if src is None else str(src[c]) for c in ctx})
        row.update({f"gold_{c}": "" if gsrc is None else str(gsrc[c]) for c in gctx})
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------- rounds


def compare(items: dict[str, ItemRatings], codebook: Codebook, reference: str, records: pd.DataFrame | None,
            confidence: float = 0.95, retest: bool = False, warnings: Sequence[str] = ()) -> TrainingResult:
    """Every coder other than ``reference`` against it, item by item."""
    first = next(iter(items.values()))
    if reference not in first.coders:
        raise InputError.single("<gold>", f"no coder '{reference}' in the data "
                                f"(coders: {', '.join(first.coders)})")
    coders = [c for c in first.coders if c != reference]
    if not coders:
        raise InputError.single("<input>", "no trainee coding besides the gold standard")
    ref = first.coders.index(reference)
    pairs: dict[str, dict[str, PairResult]] = {c: {} for c in coders}
    handout: dict[str, list[dict[str, Any]]] = {c: [] for c in coders}
    matrix: dict[str, dict[str, list[list[float | None]]]] = {}
    notes = [w for w in warnings if "only one coder" not in w and "kept as context" not in w]
    ctx = [] if records is None else [c for c in records.columns if c not in BASE_COLUMNS]
    if ctx:
        notes.append(f"context column{'s' * (len(ctx) > 1)} {', '.join(ctx)} passed through to the handouts")
    scale_keys = RETEST_SCALE_STATS if retest else SCALE_STATS
    gaps: dict[str, list[str]] = {}
    for it in codebook.items:
        r = items[it.id]
        keys = NOMINAL_STATS if r.level == "nominal" else scale_keys
        if r.set_codes:  # a set-valued item: alpha under MASI and Jaccard beside the exact set match
            keys = ("masi_alpha", "jaccard_alpha", *NOMINAL_STATS)
        g = r.column(ref)
        for c in coders:
            j = r.coders.index(c)
            t = r.column(j)
            both = ~np.isnan(g) & ~np.isnan(t)
            unrated, extra = int((~np.isnan(g) & np.isnan(t)).sum()), int((np.isnan(g) & ~np.isnan(t)).sum())
            if unrated:
                gaps.setdefault(c, []).append(f"{it.id}: {unrated}")
            if extra:
                notes.append(f"{c} rated {extra} unit{'s' * (extra > 1)} of item '{it.id}' that "
                             f"'{reference}' did not rate; left out")
            stats = pair_statistics(t, g, r, confidence, keys)
            sets = bool(r.set_codes)  # (sets: no pair ratings kept, the change between rounds has no CI)
            p = PairResult(c, it.id, r.level, stats, int(both.sum()), unrated,
                           units=[] if sets else [r.units[i] for i in np.flatnonzero(both)],
                           values=None if sets else (t[both], g[both]), category_values=tuple(r.categories))
            if r.level == "nominal" and not r.set_codes:  # (sets: one row per distinct set would not be read)
                p.codes, p.confusion = tuple(r.labels), _confusion(t, g, r)
            pairs[c][it.id] = p
            handout[c] += handout_rows(r, it, ref, j, records)
        order = [ref] + [r.coders.index(c) for c in coders]
        mkeys = ("percent_agreement", "cohen_kappa") if r.level == "nominal" else ("icc2", "mean_abs_diff")
        mat: dict[str, list[list[float | None]]] = {k: [[None] * len(order) for _ in order] for k in mkeys}
        for x, jx in enumerate(order):
            for y, jy in enumerate(order[x + 1:], x + 1):
                st = pair_statistics(r.column(jx), r.column(jy), r, confidence, mkeys)
                for k in mkeys:
                    mat[k][x][y] = mat[k][y][x] = st[k].value if st[k].ok else None
        matrix[it.id] = mat
    notes += [f"{c} left unrated some units that '{reference}' rated (item: units): {', '.join(v)}"
              for c, v in gaps.items()]
    return TrainingResult(codebook, reference, coders, pairs, matrix, handout, notes, retest)


def train(data: RatingSet, gold_file: str, confidence: float = 0.95) -> TrainingResult:
    """Trainees against the coder of ``gold_file`` (read with ``read_coder_files([gold, *trainees], cb)``)."""
    names = sorted(set(data.records.loc[data.records["file"] == gold_file, "coder"]))
    if len(names) != 1:
        raise InputError.single(gold_file, f"the gold standard must be one coding; found {len(names)} coders "
                                f"({', '.join(names)})")
    return compare(data.items, data.codebook, names[0], data.records, confidence, warnings=data.warnings)


def retest(first: RatingSet, second: RatingSet, confidence: float = 0.95) -> TrainingResult:
    """Intra-coder agreement: one coder's two passes over the same units (coders renamed 'first' and
    'second')."""
    for rs, what in ((first, "first"), (second, "second")):
        if len(rs.coders) != 1:
            raise InputError.single(rs.files[0] if rs.files else what, f"a retest pass must be one coder's "
                                    f"coding; found {len(rs.coders)} coders ({', '.join(rs.coders)})")
    units = list(dict.fromkeys([*first.units, *second.units]))
    pos = {u: i for i, u in enumerate(units)}
    items = {}
    for it in first.codebook.items:
        a, b = first.items[it.id], second.items[it.id]
        m = np.full((len(units), 2), np.nan)
        m[[pos[u] for u in a.units], 0] = a.column(0)
        m[[pos[u] for u in b.units], 1] = b.column(0)
        cats = a.categories if (a.level == "nominal" or it.categories) and not a.set_codes else tuple(
            sorted(set(a.categories) | set(b.categories)))  # (a set-valued item: the distinct sets of both passes)
        labels = a.labels
        if a.set_codes:
            from irrkit.readers.values import set_label

            labels = tuple(set_label(int(v), it) for v in cats)
        items[it.id] = replace(a, units=units, coders=["first", "second"], values=m, categories=cats, labels=labels)
    import pandas as pd

    records = pd.concat([first.records.assign(coder="first"), second.records.assign(coder="second")],
                        ignore_index=True)
    return compare(items, first.codebook, "first", records, confidence, retest=True,
                   warnings=[*first.warnings, *second.warnings])


# ----------------------------------------------------------------------------------------------- gates


def gateable(level: str, retest: bool = False) -> tuple[str, ...]:
    if level == registry.SETS:  # a set-valued item (Item.analysis_level)
        return ("masi_alpha", "jaccard_alpha", *NOMINAL_STATS)
    return NOMINAL_STATS if level == "nominal" else ("icc2", "icc3") if retest else ("icc2",)


def training_gates(cb: Codebook, cli_gates: Sequence[Gate],
                   retest: bool = False) -> tuple[list[Gate], list[str]]:
    """Defaults (Cohen's kappa >= 0.60 nominal, ICC(A,1) >= 0.60 scales), overridden by the codebook's gates
    on the statistics computed here, overridden by ``--min``. Returns the gates and notes on ignored ones."""
    levels = {it.id: it.analysis_level for it in cb.items}
    allowed = {s for lv in levels.values() for s in gateable(lv, retest)}
    for g in cli_gates:
        ok = g.statistic in (gateable(levels[g.item], retest) if g.item in levels else allowed)
        if not ok:
            where = f"{levels[g.item]} item '{g.item}'" if g.item in levels else "any item"
            scales = ", ".join(gateable("ordinal", retest))
            raise InputError.single("--min", f"'{g.statistic}' is not computed for {where} here (nominal: "
                                    f"{', '.join(NOMINAL_STATS)}; scales: {scales})")
    used = [g for g in cb.gates if g.statistic in (gateable(levels[g.item], retest) if g.item else allowed)]
    notes = [f"codebook gate {g.item + ':' if g.item else ''}{g.statistic} >= {g.minimum:.2f} is not used "
             "here (not a training statistic)" for g in cb.gates if g not in used]
    base = gate.combine(list(DEFAULT_GATES), used, list(levels))
    return gate.combine(base, cli_gates, list(levels)), notes


def evaluate(res: TrainingResult, gates: Sequence[Gate],
             on: str = "estimate") -> dict[str, list[gate.GateResult]]:
    """Gate results per coder (item names plain)."""
    return {c: gate.evaluate([p.item_result() for p in res.pairs[c].values()], gates, on) for c in res.coders}


def flat(results: dict[str, list[gate.GateResult]]) -> list[gate.GateResult]:
    """All gate results, items named ``trainee.item`` (for JUnit, summaries and annotations)."""
    return [replace(r, item=f"{c}.{r.item}") for c, rs in results.items() for r in rs]


def passed(results: dict[str, list[gate.GateResult]]) -> dict[str, bool]:
    return {c: all(r.passed for r in rs) for c, rs in results.items()}


# ----------------------------------------------------------------------------------------------- history


def _stat(c: Coefficient) -> dict[str, Any]:
    return {k: v for k, v in c.to_dict().items() if k in ("value", "se", "ci_low", "ci_high", "n_units", "status")}


PAIR_RATINGS_MAX = 100_000  # units both rated kept in a round record (beyond: no dependent CI of the change)


def pair_ratings(p: PairResult) -> dict[str, Any] | None:
    """The units both rated and the two codings' values, for the round record."""
    if p.values is None or len(p.units) > PAIR_RATINGS_MAX:
        return None
    return {"units": list(p.units), "coder": [float(v) for v in p.values[0]],
            "reference": [float(v) for v in p.values[1]], "category_values": [float(c) for c in p.category_values]}


def round_record(res: TrainingResult, results: dict[str, list[gate.GateResult]], *, number: int | None = None,
                 name: str | None = None, timestamp: str | None = None, gate_on: str = "estimate",
                 files: Sequence[str] = (), gated: bool = True) -> dict[str, Any]:
    """A round as a JSON-ready dict: id, time, codebook, and per trainee x item statistics and pass/fail.
    A round run without gates (``gated=False``, ``--no-gate``) records ``"passed": null`` and
    ``"gate_status": "not gated"``: it passed nothing and failed nothing."""
    ok = passed(results)
    trainees = {}
    for c in res.coders:
        gates = {(r.item, r.statistic): r for r in results.get(c, [])}
        items = {}
        for item, p in res.pairs[c].items():
            mine = [g for (i, _), g in gates.items() if i == item]
            items[item] = {
                "level": p.level, "n_units": p.n_units, "n_unrated": p.n_unrated,
                "disagreements": sum(r["item"] == item for r in res.handout[c]),
                "statistics": {k: _stat(s) for k, s in p.statistics.items()},
                "pair_ratings": pair_ratings(p),
                "gates": [{"statistic": g.statistic, "minimum": g.minimum, "passed": g.passed,
                           "message": g.message} for g in mine],
                "passed": all(g.passed for g in mine) if gated and mine else None}
        trainees[c] = {"passed": ok.get(c, True) if gated and results.get(c) else None, "items": items}
    return {"tool": "irrkit", "version": __version__, "kind": "retest" if res.retest else "training-round",
            "round": number, "name": name, "timestamp": timestamp,
            "codebook": {"id": res.codebook.id, "version": res.codebook.version or None},
            "reference": res.reference, "files": list(files), "gate_on": gate_on if gated else None,
            "gate_status": "gated" if gated else "not gated",
            "passed": all(ok.values()) if gated else None, "trainees": trainees}


def to_json(res: TrainingResult, results: dict[str, list[gate.GateResult]], **meta: Any) -> dict[str, Any]:
    """The round record plus confusion matrices, coder matrix, handout size and warnings."""
    out = round_record(res, results, **meta)
    for c in res.coders:
        for item, p in res.pairs[c].items():
            d = out["trainees"][c]["items"][item]
            d["statistics"] = {k: s.to_dict() for k, s in p.statistics.items()}
            if p.confusion is not None:
                d["confusion"] = {"rows": f"{c} codes", "columns": f"{res.reference} codes",
                                  "codes": list(p.codes), "counts": p.confusion.tolist()}
    out["coder_matrix"] = {"coders": res.matrix_coders, "items": res.matrix}
    out["warnings"] = res.warnings
    return out


def compare_rounds(previous: dict[str, Any], current: dict[str, Any],
                   confidence: float = 0.95) -> list[dict[str, Any]]:
    """Change per trainee, item and statistic since the previous round (trainees new in this round: previous
    None). ``gated`` marks the statistics gated in the current round. Verdicts compare like with like: an item
    without gates in a round (``--no-gate``; records of older versions said "passed" there) has the verdict
    None ("not gated"), and ``was_compared``/``compared`` say what each round's gates compared. ``change_inference``:
    the change's SE, CI and p (dependent on the same units, independent on new ones;
    :func:`irrkit.workflows.compare.change_inference`)."""
    from irrkit.workflows.compare import change_inference

    rows = []
    for c, t in current.get("trainees", {}).items():
        before = previous.get("trainees", {}).get(c)
        for item, d in t["items"].items():
            old = (before or {}).get("items", {}).get(item, {})
            gated = {g["statistic"] for g in d.get("gates", [])}
            was = old.get("passed") if old.get("gates") else None
            now = d.get("passed") if d.get("gates") else None
            min_now = {g["statistic"]: g.get("minimum") for g in d.get("gates", [])}
            min_was = {g["statistic"]: g.get("minimum") for g in old.get("gates", [])}
            inference = change_inference(old, d, confidence) if old else {}
            for key, s in d["statistics"].items():
                v0 = old.get("statistics", {}).get(key, {}).get("value")
                v1 = s.get("value")
                rows.append({"trainee": c, "item": item, "statistic": key, "name": stat_name(key),
                             "previous": v0, "current": v1,
                             "change": None if v0 is None or v1 is None else v1 - v0,
                             "gated": key in gated, "was_passed": was, "passed": now,
                             "was_compared": previous.get("gate_on") if was is not None else None,
                             "compared": current.get("gate_on") if now is not None else None,
                             # the gate's minimum in each round: a verdict may change because the threshold did
                             "was_minimum": min_was.get(key), "minimum": min_now.get(key),
                             "change_inference": inference.get(key)})
    return rows


ROUND_FILE = re.compile(r"round-(\d{3,})-(.+)\.json")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def round_file_name(number: int, name: str) -> str:
    if not NAME.fullmatch(name):
        raise InputError.single("--round", f"'{name}' is not a round name (letters, digits, '.', '_', '-'; "
                                "at most 64 characters)")
    return f"round-{number:03d}-{name}.json"
