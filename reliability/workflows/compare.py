"""``irrkit compare A.json B.json``: is the difference between two results' coefficients real?

Two results JSON of ``check``/``compute`` (``-f json`` or ``--out``). Which comparison applies is decided from
the units the two share (their ``"ratings"``: unit ids and ratings) and stated: every rated unit shared ->
**dependent** (the difference of the units' linearised terms, cluster-robust when the units carry clusters),
none shared -> **independent** (``sqrt(se1^2 + se2^2)``), partly shared -> refused unless ``shared=True``, which
compares on the shared units (both coefficients recomputed on them). The formulas are in
:mod:`irrkit.statistics.comparison`. A library function: it returns a :class:`CompareRun` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irrkit.errors import InputError
from irrkit.statistics.results import Coefficient, undefined

WHAT = "a results JSON of irrkit check or compute (-f json or --out)"
REPRODUCE_TOL = 1e-9


@dataclass
class Comparison:
    """One statistic of one item of A against one of B."""

    item_a: str
    item_b: str
    statistic: str
    statistic_b: str
    weights: str
    a: Coefficient
    b: Coefficient
    difference: Coefficient
    bootstrap: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        from irrkit.statistics.registry import name

        def side(c: Coefficient) -> dict[str, Any]:
            return {k: v for k, v in c.to_dict().items() if k in ("value", "se", "ci_low", "ci_high", "n_units",
                                                                    "status", "reason")}
        d = self.difference.to_dict()
        for k in ("pa", "pe"):
            d.pop(k, None)
        return {"item_a": self.item_a, "item_b": self.item_b, "statistic": self.statistic,
                "statistic_b": self.statistic_b, "name": name(self.statistic, self.weights),
                "a": side(self.a), "b": side(self.b), "difference": d,
                **({"bootstrap": self.bootstrap} if self.bootstrap else {})}


@dataclass
class CompareRun:
    """What ``compare`` found: the kind of comparison, why, and one row per item and statistic."""

    a: str
    b: str
    kind: str  # dependent / independent
    statement: str  # how the kind was decided, in words
    rows: list[Comparison]
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from irrkit import __version__

        return {"tool": "irrkit", "version": __version__, "kind": "comparison", "a": self.a, "b": self.b,
                "comparison": self.kind, "statement": self.statement, "confidence": self.confidence,
                "rows": [r.to_dict() for r in self.rows], "notes": self.notes}


def _read(path: Path) -> dict[str, Any]:
    from irrkit.readers.json_input import read_json

    doc = read_json(path, WHAT)
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list) or not doc["items"]:
        raise InputError.single(str(path), f"has no items: give {WHAT}")
    for k, it in enumerate(doc["items"]):
        why = _ratings_shape(it.get("ratings")) if isinstance(it, dict) else None
        if why:
            raise InputError.single(str(path), f"$.items[{k}].ratings: {why}: the file was changed by hand; write "
                                               "it again with irrkit check -f json or --out")
    return doc


def _ratings_shape(d: Any) -> str | None:
    """What is wrong with the shape of an item's ``ratings`` (a hand-edited file), or None: one row of values per
    unit, one value per coder, unit ids once each, one cluster per unit, a square weight matrix."""
    if not isinstance(d, dict):
        return None
    units, coders, values = d.get("units") or [], d.get("coders") or [], d.get("values") or []
    if len(values) != len(units):
        return f"{len(units)} unit ids but {len(values)} rows of values"
    bad = next((i for i, row in enumerate(values) if not isinstance(row, list) or len(row) != len(coders)), None)
    if bad is not None:
        return f"row {bad} of the values has not one value for each of the {len(coders)} coders"
    if len({str(u) for u in units}) != len(units):
        return "a unit id is given twice"
    cl = d.get("clusters")
    if cl is not None and len(cl) != len(units):
        return f"{len(cl)} clusters for {len(units)} units"
    wm, q = d.get("weight_matrix"), len(d.get("category_values") or [])
    if wm is not None and (len(wm) != q or any(not isinstance(r, list) or len(r) != q for r in wm)):
        return f"the weight matrix is not {q} x {q} (one row and column per category value)"
    return None


def _coefficient(key: str, d: dict[str, Any]) -> Coefficient:
    """A coefficient as the JSON has it (for the independent comparison and the table)."""
    return Coefficient(key, d.get("value"), d.get("se"), d.get("ci_low"), d.get("ci_high"), d.get("p_value"),
                       n_units=int(d.get("n_units") or 0), status=d.get("status") or "ok", reason=d.get("reason"))


def _named_pairs(specs: list[str], option: str, left: tuple[dict, Callable[[str], str]],
                 right: tuple[dict, Callable[[str], str]]) -> list[tuple[str, str]]:
    """``X`` (the same name on both sides) or ``X:Y`` of each spec given with ``option``; a name missing on its
    side is bad input, said by that side's message."""
    out = []
    for spec in specs:
        x, _, y = spec.partition(":")
        y = y or x
        for name, (have, missing) in ((x, left), (y, right)):
            if name not in have:
                raise InputError.single(option, missing(name))
        out.append((x, y))
    return out


def _pairs(a: dict, b: dict, items: list[str] | None, pa: Path, pb: Path) -> list[tuple[dict, dict]]:
    """The item pairs to compare: ``items`` as ``X`` (the same id in both) or ``X:Y``; default: every item id
    in both, or the one item of each."""
    ia = {it["item"]: it for it in a["items"]}
    ib = {it["item"]: it for it in b["items"]}
    if items:
        return [(ia[x], ib[y]) for x, y in _named_pairs(
            items, "--item", (ia, lambda name: f"no item '{name}' in {pa} (items: {', '.join(ia)})"),
            (ib, lambda name: f"no item '{name}' in {pb} (items: {', '.join(ib)})"))]
    common = [(ia[k], ib[k]) for k in ia if k in ib]
    if common:
        return common
    if len(ia) == 1 and len(ib) == 1:
        return [(a["items"][0], b["items"][0])]
    raise InputError.single("--item", f"{pa} and {pb} have no item in common ({', '.join(ia)} / {', '.join(ib)}): "
                                      "name the pair as --item A_ITEM:B_ITEM")


def _statistics(ita: dict, itb: dict, statistics: list[str] | None, every: bool) -> list[tuple[str, str]]:
    ca, cb = ita.get("coefficients") or {}, itb.get("coefficients") or {}
    if statistics:
        return _named_pairs(
            statistics, "--statistic",
            (ca, lambda key: f"item '{ita['item']}' has no '{key}' (it has: {', '.join(ca)})"),
            (cb, lambda key: f"item '{itb['item']}' has no '{key}' (it has: {', '.join(cb)})"))
    if every:
        return [(k, k) for k in ca if k in cb]
    from irrkit.statistics import registry

    key = ita.get("primary")
    if key not in cb:
        key = next((k for k in ca if k in cb), None)
    if key is None:
        raise InputError.single("--statistic", f"items '{ita['item']}' and '{itb['item']}' have no statistic in "
                                               "common")
    out = [(key, key)]
    if key in registry.BY_KEY and not registry.BY_KEY[key].se:  # an ICC: also the first main statistic with an SE
        more = next((k for k in registry.MAIN[registry.kind(ita.get("level"))] if k in ca and k in cb
                     and k in registry.BY_KEY and registry.BY_KEY[k].se), None)
        out += [(more, more)] if more else []
    return out


def _rated_units(it: dict) -> list[str] | None:
    r = it.get("ratings")
    if not r:
        return None
    return [str(u) for u, row in zip(r["units"], r["values"]) if any(v is not None for v in row)]


def decide(ita: dict, itb: dict, pa: Path, pb: Path, shared: bool) -> tuple[str, str, list[str] | None]:
    """(kind, statement, the shared units) of one item pair."""
    ua, ub = _rated_units(ita), _rated_units(itb)
    if ua is None or ub is None:
        which, it = (pa, ita) if ua is None else (pb, itb)
        why = it.get("ratings_omitted") or "it was written by an irrkit version before 'compare'"
        raise InputError.single(str(which), f"item '{it['item']}' has no unit ids and ratings ({why}): which units "
                                            "the results share cannot be told; give --independent if they come "
                                            "from different units")
    sb = set(ub)
    both = [u for u in ua if u in sb]
    if not both:
        return "independent", (f"no unit shared ({len(ua)} units in {pa.name}, {len(ub)} in {pb.name}): "
                               "independent comparison"), None
    if len(both) == len(ua) == len(ub):
        return "dependent", f"all {len(both)} units shared: dependent comparison (same units)", both
    text = (f"{len(both)} of the units are shared ({len(ua)} units in {pa.name}, {len(ub)} in {pb.name})")
    if not shared:
        raise InputError.single(str(pb), f"{text}: neither the same units nor different ones; give --shared to "
                                         f"compare on the {len(both)} shared units (both coefficients "
                                         "recomputed on them), or compare results of the same or of disjoint "
                                         "units")
    return "dependent", f"{text}: dependent comparison on the {len(both)} shared units, recomputed on them", both


def _reanalyse(it: dict, units: list[str], confidence: float, path: Path, check: bool):
    """The item re-analysed from its ratings, on ``units`` (in that order), keeping the unit terms."""
    from dataclasses import replace

    from irrkit.analysis.item import Options, analyse, ratings_from_dict
    from irrkit.statistics.chance_corrected import keeping_terms

    r, o = ratings_from_dict(it)
    pos = {u: i for i, u in enumerate(r.units)}
    rows = np.array([pos[u] for u in units], dtype=np.int64)
    r = replace(r, units=list(units), values=r.values[rows],
                clusters=None if r.clusters is None else np.asarray(r.clusters)[rows])
    opts = Options(confidence=confidence, weights=o.get("weights"), icc_convention=o.get("icc_convention", "psych"),
                   icc_missing=o.get("icc_missing", "mixed"), per_category=False)
    with keeping_terms():
        res = analyse(r, opts)
    if check:  # the same units: the figures must be the file's
        for key, c in res.coefficients.items():
            stored = (it.get("coefficients") or {}).get(key, {}).get("value")
            if c.ok and stored is not None and abs(c.value - stored) > REPRODUCE_TOL * max(1.0, abs(stored)):
                raise InputError.single(str(path), f"item '{it['item']}': its ratings give {key} = {c.value:.6f}, "
                                                   f"the file says {stored:.6f}: the file was changed, or written "
                                                   "by another irrkit version")
    return r, res, opts


def run_compare(a_path: Path, b_path: Path, *, items: list[str] | None = None, statistics: list[str] | None = None,
                every: bool = False, shared: bool = False, independent: bool = False, confidence: float = 0.95,
                bootstrap: int = 0, seed: int | None = None) -> CompareRun:
    """Compare the coefficients of two results (see the module docstring)."""
    from irrkit.statistics import comparison

    a, b = _read(a_path), _read(b_path)
    rows: list[Comparison] = []
    kinds, statements, notes = set(), [], []
    for ita, itb in _pairs(a, b, items, a_path, b_path):
        keys = _statistics(ita, itb, statistics, every)
        if independent:
            kind, text, units = "independent", "independent comparison (--independent: different units)", None
        else:
            kind, text, units = decide(ita, itb, a_path, b_path, shared)
        kinds.add(kind)
        label = ita["item"] if ita["item"] == itb["item"] else f"{ita['item']} / {itb['item']}"
        statements.append(f"{label}: {text}")
        if kind == "independent":
            for ka, kb in keys:
                c1 = _coefficient(ka, ita["coefficients"][ka])
                c2 = _coefficient(kb, itb["coefficients"][kb])
                row = Comparison(ita["item"], itb["item"], ka, kb, ita.get("weights") or "identity", c1, c2,
                                 comparison.independent_difference(c1, c2, confidence))
                if bootstrap:
                    row.bootstrap = _bootstrap_independent(ita, itb, ka, kb, bootstrap, seed, confidence, row)
                rows.append(row)
            continue
        full = len(units) == len(_rated_units(ita))
        ra, res_a, oa = _reanalyse(ita, units, confidence, a_path, full)
        rb, res_b, ob = _reanalyse(itb, units, confidence, b_path, full)
        clusters = ra.clusters if ra.clusters is not None else rb.clusters
        if ra.clusters is not None and rb.clusters is not None and not _same_partition(ra.clusters, rb.clusters):
            notes.append(f"{label}: the two results group the units into different clusters; {a_path.name}'s are "
                         "used")
        idx = np.arange(len(units))
        for ka, kb in keys:
            c1, c2 = res_a.coefficients.get(ka), res_b.coefficients.get(kb)
            if c1 is None or c2 is None:
                raise InputError.single("--statistic", f"'{ka if c1 is None else kb}' is not computed on the "
                                                       f"{len(units)} shared units")
            diff = comparison.dependent_difference(c1, c2, idx, idx, len(units), clusters, confidence)
            row = Comparison(ita["item"], itb["item"], ka, kb, ita.get("weights") or "identity", c1, c2, diff)
            if bootstrap:
                row.bootstrap = _bootstrap_dependent(ra, rb, oa, ob, ka, kb, clusters, bootstrap, seed,
                                                     confidence, diff)
            rows.append(row)
    kind = kinds.pop() if len(kinds) == 1 else "mixed"
    return CompareRun(str(a_path), str(b_path), kind, "; ".join(statements), rows, confidence, notes)


def _same_partition(x: np.ndarray, y: np.ndarray) -> bool:
    pairs = set(zip(np.asarray(x).tolist(), np.asarray(y).tolist()))
    return len(pairs) == len(set(np.asarray(x).tolist())) == len(set(np.asarray(y).tolist()))


def _draws(n: int, clusters: np.ndarray | None, size: int, rng: np.random.Generator) -> np.ndarray:
    from irrkit.statistics import bootstrap as bs

    return bs.multiplicities(n, size, rng) if clusters is None else bs.cluster_multiplicities(clusters, size, rng)


def _method(n_boot: int, seed: int | None, over: str) -> str:
    return f"percentile bootstrap over {over}, {n_boot} replicates" + ("" if seed is None else f", seed {seed}")


def _bootstrap_dependent(ra, rb, oa, ob, ka: str, kb: str, clusters, n_boot: int, seed: int | None,
                         confidence: float, diff: Coefficient) -> dict[str, Any]:
    """The same draws of the shared units for both coefficients."""
    from irrkit.analysis.item import replicate_values
    from irrkit.statistics.comparison import bootstrap_difference

    m = _draws(len(ra.units), clusters, n_boot, np.random.default_rng(seed))
    value = None if diff.value is None else diff.value
    out = bootstrap_difference(replicate_values(ra, ka, m, oa), replicate_values(rb, kb, m, ob),
                               value if value is not None else float("nan"), confidence)
    over = "the shared units" if clusters is None else "whole clusters of the shared units"
    return {**out, "method": _method(n_boot, seed, over)}


def _bootstrap_independent(ita: dict, itb: dict, ka: str, kb: str, n_boot: int, seed: int | None,
                           confidence: float, row: Comparison) -> dict[str, Any] | None:
    """Each result's units drawn on their own (needs the ratings of both)."""
    from irrkit.analysis.item import Options, ratings_from_dict, replicate_values
    from irrkit.statistics.comparison import bootstrap_difference

    if not ita.get("ratings") or not itb.get("ratings"):
        return {"method": "no bootstrap: a result has no ratings"}
    rng = np.random.default_rng(seed)
    reps = []
    for it, key in ((ita, ka), (itb, kb)):
        r, o = ratings_from_dict(it)
        opts = Options(confidence=confidence, weights=o.get("weights"), icc_convention=o.get("icc_convention",
                                                                                             "psych"))
        reps.append(replicate_values(r, key, _draws(len(r.units), r.clusters, n_boot, rng), opts))
    value = row.difference.value
    out = bootstrap_difference(reps[0], reps[1], value if value is not None else float("nan"), confidence)
    return {**out, "method": _method(n_boot, seed, "each result's units separately")}


# ----------------------------------------------------------------------------------------------- check --by


def agreement_by(data, results: list, column: str, files: list[str], opts) -> dict[str, Any]:
    """``check --by COLUMN``: each item's coefficient in every group of units (the groups of a context column
    of the coder files), and the chi-square test of equal coefficients across the groups
    (:func:`irrkit.statistics.comparison.equality_test`; the groups' units are independent samples). The item's
    primary statistic, and for an ICC (no SE) also the first of its main statistics that has one."""
    from dataclasses import replace

    from irrkit.analysis.item import analyse
    from irrkit.statistics import comparison, registry
    from irrkit.statistics.clusters import clusters_from_records

    names: dict[str, int] = {}
    codes = clusters_from_records(data.records, data.units, column, files, option="--by", what="group", names=names)
    label = {c: lab for lab, c in names.items()}
    groups = sorted(set(codes.tolist()))
    if len(groups) < 2:
        raise InputError.single(", ".join(files), f"--by {column}: every unit is in one group "
                                f"('{label.get(groups[0], '')}' ): no groups to compare" if groups else
                                f"--by {column}: no units")
    sub_opts = replace(opts, per_category=False, bootstrap=0, progress=None)
    tests = []
    for res in results:
        r = data.items[res.item]
        per = []
        for g in groups:
            rows = np.flatnonzero(codes == g)
            rg = replace(r, units=[r.units[i] for i in rows], values=r.values[rows],
                         clusters=None if r.clusters is None else np.asarray(r.clusters)[rows])
            per.append((label.get(g, str(g)), analyse(rg, sub_opts)))
        keys = [res.primary]
        if not registry.BY_KEY[res.primary].se:
            keys += [next(k for k in registry.MAIN[registry.kind(res.level)] if k in res.coefficients
                          and registry.BY_KEY[k].se)]
        for key in keys:
            rows_out, vals, ses = [], [], []
            for lab, gres in per:
                c = gres.coefficients.get(key)
                d = {"group": lab, "n_units": gres.n_units}
                if c is None:
                    d.update(status="undefined", reason=f"not computed in this group ({gres.n_units} units)")
                else:
                    d.update({k: v for k, v in c.to_dict().items() if k in ("value", "se", "ci_low", "ci_high",
                                                                            "p_value", "status", "reason")})
                    if c.ok and c.se is not None:
                        vals.append(c.value)
                        ses.append(c.se)
                rows_out.append(d)
            if registry.BY_KEY[key].se:
                eq = comparison.equality_test(vals, ses, opts.confidence)
            else:
                eq = undefined(comparison.EQUALITY, "an ICC has no SE (F-based CI): no test")
            eq_d = eq.to_dict()
            eq_d["groups_used"] = len(vals)
            tests.append({"item": res.item, "statistic": key, "name": registry.name(key, res.weights),
                          "groups": rows_out, "equality": eq_d})
    return {"column": column, "groups": [label.get(g, str(g)) for g in groups], "tests": tests,
            "note": "the groups' units are independent samples (the same coders may code every group); the test "
                    "compares each group's coefficient with their inverse-variance weighted mean"}


# ----------------------------------------------------------------------------------------------- round history


def change_inference(old: dict[str, Any], new: dict[str, Any], confidence: float = 0.95) -> dict[str, dict]:
    """A trainee's change on one item between two round records (``new - old``), per statistic: the same units
    (``pair_ratings``) -> dependent (both rounds' pair statistics recomputed with their unit terms, the
    difference of the terms), no unit in common -> independent (``sqrt(se1^2 + se2^2)``), partly the same
    units or records without units -> no CI, and why. ``{statistic: Coefficient.to_dict()}``."""
    from irrkit.statistics import comparison

    keys = [k for k in new.get("statistics", {}) if k in old.get("statistics", {})]
    po, pn = old.get("pair_ratings"), new.get("pair_ratings")
    out: dict[str, dict] = {}
    if not po or not pn:
        why = "a round record without its units (written before irrkit compare): no CI of the change"
        return {k: undefined(comparison.KEY, why).to_dict() for k in keys}
    uo, un = [str(u) for u in po["units"]], [str(u) for u in pn["units"]]
    shared = set(uo) & set(un)
    if not shared:
        for k in keys:
            c0, c1 = _coefficient(k, old["statistics"][k]), _coefficient(k, new["statistics"][k])
            out[k] = comparison.independent_difference(c1, c0, confidence).to_dict()
        return out
    if len(shared) != len(uo) or len(shared) != len(un):
        why = (f"the rounds share {len(shared)} of their units ({len(uo)} and {len(un)}): neither the same units "
               "nor new ones, no CI of the change")
        return {k: undefined(comparison.KEY, why).to_dict() for k in keys}
    order = {u: i for i, u in enumerate(un)}
    idx = np.array([order[u] for u in uo])
    stats = []
    for rec, rows in ((po, np.arange(len(uo))), (pn, idx)):
        stats.append(_pair_terms(rec, rows, new.get("level") or "nominal", keys, confidence))
    n = len(uo)
    every = np.arange(n)
    for k in keys:
        c0, c1 = stats[0].get(k), stats[1].get(k)
        if c0 is None or c1 is None:
            continue
        out[k] = comparison.dependent_difference(c1, c0, every, every, n, None, confidence).to_dict()
    return out


def _pair_terms(rec: dict, rows: np.ndarray, level: str, keys: list[str], confidence: float) -> dict:
    """A round record's pair statistics recomputed from its ``pair_ratings`` (rows in the shared order)."""
    from irrkit.analysis.pairs import pair_statistics
    from irrkit.ratings import ItemRatings
    from irrkit.statistics.chance_corrected import keeping_terms

    a = np.asarray(rec["coder"], dtype=float)[rows]
    b = np.asarray(rec["reference"], dtype=float)[rows]
    r = ItemRatings("item", level, [str(rec["units"][i]) for i in rows], ["coder", "reference"],
                    np.column_stack([a, b]), tuple(float(c) for c in rec["category_values"]))
    with keeping_terms():
        return pair_statistics(a, b, r, confidence, keys)


def comparison_files(out: Path, doc: dict[str, Any], csv_dialect: str = "auto") -> dict[Path, str]:
    """What ``compare --out DIR`` writes: comparison.csv (``csv_dialect``: standard or excel-de; auto is standard,
    the inputs being JSON), comparison.md and comparison.json (``doc``: :meth:`CompareRun.to_dict`)."""
    import json

    from irrkit.outputs import comparison_tables as ct
    from irrkit.outputs.tables import dialect_for, to_csv

    return {out / "comparison.csv": to_csv(ct.compare_rows(doc), ct.COMPARE_FIELDS, dialect_for(csv_dialect)),
            out / "comparison.md": ct.compare_markdown(doc),
            out / "comparison.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"}
