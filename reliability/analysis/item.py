"""Per-item analysis: the right coefficients for an item's level of measurement, interpreted.

nominal items: percent agreement, Fleiss' kappa, Gwet's AC1, Krippendorff's alpha (nominal), Conger's kappa,
Brennan-Prediger, and with two coders Cohen's kappa and Scott's pi; per-category kappas.
ordinal / interval / ratio items: the six ICCs, Gwet's AC2 (the item's weights), Krippendorff's alpha at the
item's level, and the same chance-corrected family weighted; exact percent agreement.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from irrkit.analysis.continuous import continuous_agreement
from irrkit.ratings import Cells, ItemRatings, rescaled
from irrkit.statistics import chance_corrected, counting, interpret, registry, two_coders, weights
from irrkit.statistics.continuous import overall_ccc
from irrkit.statistics.icc import ICC_KEYS, icc_all, icc_cells
from irrkit.statistics.registry import name as stat_name
from irrkit.statistics.results import Coefficient, undefined
from irrkit.statistics.sparse import SparseCounts

# the chance-corrected family and agreement (every statistic a gate may name that is not an ICC)
KAPPA_TYPE = tuple(k for k in registry.gateable() if registry.BY_KEY[k].family != "icc")
PREVALENCE_LIMIT = 0.9
LIST_MAX = 1000  # categories listed (with their distribution) in the result; continuous scales have more


MEMORY_FRACTION = 0.5  # default budget: this share of the machine's memory
CCC_DENSE_CELLS = 4_000_000  # beyond this, sparse crowd data gets the overall CCC only (no units x coders copy)


def default_memory_budget() -> int:
    """Half the machine's physical memory (4 GiB where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_FRACTION)
    except (ValueError, OSError, AttributeError):
        return 4 << 30


@dataclass
class Options:
    """What to compute and how to read it."""

    confidence: float = 0.95
    kappa_scale: str = "landis_koch"
    icc_scale: str = "koo_li"
    alpha_scale: str = "krippendorff"
    icc_convention: str = "psych"  # or "irr"
    icc_missing: str = "mixed"  # or "complete" (psych::ICC's default: complete units only)
    weights: str | None = None  # override the item's weights
    per_category: bool = True
    bootstrap: int = 0  # replicates of the percentile bootstrap over units (0: none)
    seed: int | None = None
    progress: Callable[[int], None] | None = None  # called with the number of replicates just done
    max_memory: int = 0  # bytes the engine may use for its tables (0: default_memory_budget())
    all_pairs: bool = False  # coder diagnostics list every pair of coders, however many (check --pairs all)
    step: Callable[[str], None] | None = None  # told each step of long work as it starts (a progress bar)


@dataclass
class ItemResult:
    """One item analysed: its coefficients, notes, diagnostics and (scale items) continuous agreement."""

    item: str
    level: str
    weights: str
    n_units: int
    n_coders: int
    n_ratings: int
    categories: list[str]
    coefficients: dict[str, Coefficient]
    primary: str
    per_category: dict[str, dict[str, Coefficient]] = field(default_factory=dict)
    distribution: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fleiss_null: dict[str, Any] | None = None
    n_clusters: int | None = None  # units nested in clusters (--cluster): how many clusters
    codes: list[str] = field(default_factory=list)  # a set-valued item: its codes (per_category is per code)
    code_counts: dict[str, int] = field(default_factory=dict)  # a set-valued item: the ratings holding each code
    diagnostics: Any = None  # irrkit.analysis.diagnostics.Diagnostics, when computed (check)
    continuous: Any = None  # irrkit.analysis.continuous.ContinuousAgreement (interval and ratio items)
    ratings: ItemRatings | None = None  # the ratings analysed (in the JSON as "ratings": compare re-reads them)

    def scale_for(self, key: str, opts: Options) -> str:
        """The benchmark scale of a statistic (the chosen one of its kind, registry.scale); a statistic without
        one (percent agreement) gets the kappa scale here: see ``registry.benchmarked``."""
        return registry.scale(key, opts.kappa_scale, opts.icc_scale, opts.alpha_scale) or opts.kappa_scale

    def to_dict(self, opts: Options | None = None) -> dict[str, Any]:
        opts = opts or Options()

        def coef(c: Coefficient) -> dict[str, Any]:
            d = c.to_dict()
            d["name"] = stat_name(c.key, self.weights)  # for people; the key stays the dict's key
            scale = self.scale_for(c.key, opts)
            lab = interpret.label(c.value, scale) if c.ok and registry.benchmarked(c.key) else None
            d["interpretation"] = {"scale": scale if lab else None, "label": lab}
            if lab and c.se:
                chosen, cum = interpret.probabilistic_benchmark(c.value, c.se, scale)
                d["interpretation"]["probabilistic"] = {
                    "label": chosen,
                    "method": "Gwet (2014) benchmarking: first band with cumulative probability > 0.95",
                    "cumulative": {name: p for name, p in cum}}
            return d

        out: dict[str, Any] = {
            "item": self.item, "level": self.level, "weights": self.weights, "n_units": self.n_units,
            "n_coders": self.n_coders, "n_ratings": self.n_ratings, "categories": self.categories,
            "primary": self.primary,
            **({} if self.n_clusters is None else {"n_clusters": self.n_clusters}),
            **({"multiple": True, "codes": self.codes, "code_counts": self.code_counts} if self.codes else {}),
            "coefficients": {k: coef(c) for k, c in self.coefficients.items()},
        }
        if self.per_category:
            out["per_category"] = {code: {k: coef(c) for k, c in d.items()} for code, d in self.per_category.items()}
        if self.distribution:
            out["distribution"] = self.distribution
        if self.fleiss_null:
            out["fleiss_nee_landis"] = self.fleiss_null
        if self.notes:
            out["notes"] = self.notes
        if self.diagnostics is not None:
            out["diagnostics"] = self.diagnostics.to_dict()
        ratings = ratings_dict(self.ratings, opts) if self.ratings is not None else {}
        if self.continuous is not None:  # the plots' points only without the ratings they are derived from
            out["continuous"] = self.continuous.to_dict(points="ratings" not in ratings)
        out.update(ratings)
        return out


RATINGS_MAX_CELLS = 200_000  # units x coders written to the results JSON (beyond: said why not)


def ratings_dict(r: ItemRatings, opts: Options) -> dict[str, Any]:
    """The item's ratings for the results JSON (``"ratings"``): unit ids, coders, the units x coders values
    (null: missing), the category values, the unit clusters and the options that change the figures, so that
    ``irrkit compare`` can recompute the coefficients' unit-level terms (:func:`ratings_from_dict`). Beyond
    RATINGS_MAX_CELLS cells ``"ratings_omitted"`` says why they are not there."""
    if r.set_codes:
        return {"ratings_omitted": "a set-valued item: its ratings are not written (irrkit compare compares it "
                                   "only as independent, --independent)"}
    if r.values is None:
        return {"ratings_omitted": f"sparse crowd data, {r.shape[0]} units x {r.shape[1]} coders: its ratings are not "
                                   "written to the JSON (irrkit compare compares it only as independent)"}
    if r.values.size > RATINGS_MAX_CELLS:
        return {"ratings_omitted": f"{r.values.shape[0]} units x {r.values.shape[1]} coders: more than "
                                   f"{RATINGS_MAX_CELLS} ratings are not written to the JSON"}
    v = np.asarray(r.values, dtype=float)
    cell = v.astype(object)  # each rating as a Python float; whole numbers as int, missing as None (null)
    with np.errstate(invalid="ignore"):
        whole = (np.abs(v) < 2**53) & (v == np.trunc(v))
    cell[whole] = v[whole].astype(np.int64).astype(object)
    cell[np.isnan(v)] = None
    vals = cell.tolist()  # vectorised: a Python loop over 24,000 cells took 5 ms
    return {"ratings": {
        "units": list(r.units), "coders": list(r.coders), "values": vals,
        "category_values": [float(c) for c in r.categories], "labels": list(r.labels),
        "explicit_categories": bool(r.explicit_categories),
        "weight_matrix": None if r.weight_matrix is None else np.asarray(r.weight_matrix, dtype=float).tolist(),
        "clusters": None if r.clusters is None else [int(c) for c in np.asarray(r.clusters)],
        "options": {"weights": opts.weights, "icc_convention": opts.icc_convention,
                    "icc_missing": opts.icc_missing}}}


def ratings_from_dict(item: dict[str, Any]) -> tuple[ItemRatings, dict[str, Any]]:
    """The ItemRatings (and the options) of a results JSON item written by :func:`ratings_dict`."""
    d = item["ratings"]
    values = np.array([[np.nan if v is None else float(v) for v in row] for row in d["values"]], dtype=float)
    values = values.reshape(len(d["units"]), len(d["coders"]))
    wm = d.get("weight_matrix")
    cl = d.get("clusters")
    r = ItemRatings(item["item"], item["level"], [str(u) for u in d["units"]], [str(c) for c in d["coders"]],
                    values, tuple(float(c) for c in d["category_values"]), tuple(d.get("labels") or ()),
                    weights=item.get("weights") or "identity",
                    weight_matrix=None if wm is None else np.asarray(wm, dtype=float),
                    primary=item.get("primary"), explicit_categories=bool(d.get("explicit_categories", True)),
                    clusters=None if cl is None else np.asarray(cl, dtype=np.int64))
    return r, dict(d.get("options") or {})


HEAD = 1024


def _coders_rating(head: np.ndarray, rated: Callable[[np.ndarray], np.ndarray]) -> int:
    """How many coders rated at least one unit: ``head`` says which rated one of the first units (usually all
    of them), ``rated(cols)`` gives the whole columns of the others to look through."""
    used = head.any(axis=0)
    if not used.all():
        rest = np.flatnonzero(~used)
        used[rest] = rated(rest).any(axis=0)
    return int(used.sum())


@dataclass(frozen=True)
class CellCodes:
    """The category index of each rated cell (crowd data, :class:`irrkit.ratings.Cells`), -1 where a rating is
    not a category."""

    cells: Cells
    code: np.ndarray

    @property
    def unit(self) -> np.ndarray:
        return self.cells.unit

    @property
    def coder(self) -> np.ndarray:
        return self.cells.coder

    @property
    def n(self) -> int:
        return self.cells.shape[0]

    def matrix(self) -> np.ndarray:
        """The units x coders index matrix of the coders with a rating (-1 = missing)."""
        used, col = np.unique(self.coder, return_inverse=True)
        m = np.full((self.n, len(used)), -1, dtype=self.code.dtype)
        m[self.unit, col] = self.code
        return m


def icc_of(r: ItemRatings, opts: Options, keys: tuple[str, ...] = ICC_KEYS) -> dict[str, Coefficient]:
    """The ICCs of an item's ratings, a units x coders matrix or its rated cells (crowd data)."""
    if r.sparse:
        return icc_cells(r.cells, opts.confidence, opts.icc_convention, opts.icc_missing, keys)
    return icc_all(r.values, opts.confidence, opts.icc_convention, opts.icc_missing, keys)


def _family(a: chance_corrected.Agreement, codes: np.ndarray | CellCodes, q: int, opts: Options,
            distinct: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Coefficient]:
    """The chance-corrected family on one count table (one engine, one pass). ``distinct``: the distinct rows
    of ``codes`` and their frequencies when ``a`` is of those rows (``counting.distinct_rows``)."""
    cf = opts.confidence
    res = {
        "percent_agreement": chance_corrected.percent_agreement(a, cf),
        "fleiss_kappa": chance_corrected.fleiss_kappa(a, cf),
    }
    ac = chance_corrected.gwet_ac(a, cf)
    res[ac.key] = ac
    if isinstance(codes, CellCodes):
        res["conger_kappa"] = chance_corrected.conger_kappa_cells(codes.unit, codes.coder, codes.code, codes.n, q,
                                                                  a.kernel, cf, a=a)
    elif distinct is None:
        res["conger_kappa"] = chance_corrected.conger_kappa(codes, q, a.kernel, cf, a=a)
    else:
        res["conger_kappa"] = chance_corrected.conger_kappa(distinct[0], q, a.kernel, cf, a=a, freq=distinct[1])
    res["brennan_prediger"] = chance_corrected.brennan_prediger(a, cf)
    if isinstance(codes, CellCodes):
        n_coders = len(np.unique(codes.coder[codes.code >= 0]))
        if n_coders == 2:  # (two coders as rated cells: their units x 2 matrix is small)
            codes = codes.matrix()
    else:
        n_coders = _coders_rating(codes[:HEAD] >= 0, lambda cols: codes[:, cols] >= 0)
    if n_coders == 2:  # Conger's kappa with two coders is Cohen's, Fleiss' is Scott's: same numbers, own keys
        for key, src in (("cohen_kappa", "conger_kappa"), ("scott_pi", "fleiss_kappa")):
            res[key] = res[src].with_(key=key, extra=dict(res[src].extra))
        # Cohen's kappa also with its Fleiss-Cohen-Everitt SEs; non-symmetric weights applied as oriented
        # (from the q x q contingency table: for few categories only)
        if a.sparse is None:
            res["cohen_kappa"] = two_coders.cohen_for_pair(res["cohen_kappa"], codes, q, a.weights, cf)
    return res


def _rescale_note(coefs: dict[str, Coefficient], exponent: int) -> str:
    """Say that the ratings were divided by 2^e; variance components are then in that unit."""
    for key, c in coefs.items():
        if "variance_components" in c.extra:
            coefs[key] = c.with_(extra={**c.extra, "variance_components": {**c.extra["variance_components"],
                                                                          "unit": f"(rating / 2^{exponent})^2"}})
    return (f"the ratings were divided by 2^{exponent} (exactly) for the computation: at their magnitude squared "
            f"differences overflow; the coefficients do not depend on the unit of the ratings")


def _asymmetry_note(n_coders: int) -> str:
    if n_coders == 2:
        return ("the custom weight matrix is not symmetric: Cohen's kappa applies it as given, rows = first coder, "
                "columns = second coder (Cohen 1968); the other coefficients treat the coders as interchangeable "
                "and use its symmetric part (W + W^T)/2")
    return ("the custom weight matrix is not symmetric, but with more than two coders no coder comes first: every "
            "coefficient uses its symmetric part (W + W^T)/2")


def _item_kernel(r: ItemRatings, wname: str, cats: list[float], dense_max: int) -> tuple[weights.Kernel, str]:
    if r.weight_matrix is not None and wname == "custom":
        return weights.MatrixKernel(np.asarray(r.weight_matrix, dtype=float)), "custom"
    at = [float(i + 1) for i in range(len(cats))] if r.explicit_categories else cats  # ranks of named categories
    return weights.kernel(wname, at, dense_max), wname


def analyse(r: ItemRatings, opts: Options | None = None) -> ItemResult:
    """All coefficients for one item.

    With few categories (at most ``counting.DENSE_MAX_Q``) the engine works on the dense units x categories
    table and q x q weights; with more (fine-grained and continuous scales) on the table's nonzero cells and
    the weights' closed forms (:mod:`irrkit.statistics.sparse`): the same numbers, memory O(ratings + q)."""
    opts = opts or Options()
    original = r
    if opts.step:
        opts.step(f"item '{r.item}': chance-corrected coefficients")
    r, exponent = rescaled(r)  # values near 1e308 overflow the squares: divided by 2^e, exactly
    cats = list(r.categories)
    q = len(cats)
    _check_budget(r, q, opts)
    listed = q <= LIST_MAX
    labels = (list(r.labels) if r.labels else [f"{c:g}" for c in cats]) if listed else []
    cl = None if r.clusters is None else np.asarray(r.clusters)
    dense_max = _dense_max(r.n_units, opts)
    if r.sparse:  # crowd data: the category of each rated cell, no units x coders matrix
        cells = r.cells
        codes = CellCodes(cells, counting.category_index(cells.value, cats) if q else
                          np.full(len(cells.value), -1))
    else:
        codes = counting.category_index(r.values, cats) if q else np.full(r.values.shape, -1)
    # many units of a nominal item rated by a few coders: the engine works on the distinct rows of the codes
    # and their frequencies (freq=), the same figures to the last bits in a fraction of the time
    distinct = None
    if (q and q <= dense_max and r.n_units >= DISTINCT_MIN_UNITS and r.level == "nominal" and not opts.weights
            and r.weight_matrix is None and cl is None and not opts.bootstrap and not r.sparse
            and not chance_corrected.keeping()):
        distinct = counting.distinct_rows(codes, q)
    freq = None if distinct is None else distinct[1]
    if distinct is not None:
        tab = counting.count_table(distinct[0], q)
        totals = np.einsum("i,ij->j", freq, tab)  # whole numbers: exact
    elif r.sparse:
        tab = counting.cells_table(codes.unit, codes.code, r.n_units, q, dense_max) if q else np.zeros((r.n_units, 0))
        totals = tab.sum(axis=0) if isinstance(tab, np.ndarray) else tab.col_sums()
    else:
        tab = counting.table(codes, q, dense_max) if q else np.zeros((r.n_units, 0))
        totals = tab.sum(axis=0) if isinstance(tab, np.ndarray) else tab.col_sums()
    row_sums = np.einsum("ij->i", tab) if isinstance(tab, np.ndarray) else tab.row_sums()
    rated = row_sums > 0
    n_units = int(rated.sum()) if freq is None else int(freq[rated].sum())
    n_coders = (int(np.count_nonzero(r.cells.per_coder())) if r.sparse else
                _coders_rating(~np.isnan(r.values[:HEAD]), lambda cols: ~np.isnan(r.values[:, cols])))
    wname = opts.weights or r.weights or "identity"
    if r.level == "nominal" and not opts.weights:
        wname = "identity"
    if r.weight_matrix is not None and not opts.weights:
        wname = "custom"
    kern, wname = _item_kernel(r, wname, cats, dense_max) if q else (weights.MatrixKernel(np.zeros((0, 0))), wname)
    coefs: dict[str, Coefficient] = {}
    notes: list[str] = []
    distribution = {lab: int(totals[k]) for k, lab in enumerate(labels)}
    if not listed:
        notes.append(f"{q} distinct values: categories and their distribution are not listed (more than {LIST_MAX})")
    if q == 0:
        coefs["percent_agreement"] = undefined("percent_agreement", "no ratings")
    else:
        identity = chance_corrected.agreement(tab, clusters=cl, freq=freq)
        a_w = identity
        if wname == "identity":
            coefs.update(_family(identity, codes, q, opts, distinct))
        else:
            why = _too_costly(kern, wname)
            if why:
                weighted = {k: undefined(k, why, n_units) for k in ("percent_agreement", "fleiss_kappa", "gwet_ac2",
                                                                     "conger_kappa", "brennan_prediger")}
            else:
                a_w = chance_corrected.agreement(tab, kern, clusters=cl)
                weighted = _family(a_w, codes, q, opts)
            exact = chance_corrected.percent_agreement(identity, opts.confidence)
            pa = weighted.pop("percent_agreement")  # weighted, as R irrCAC's pa.coeff.raw(weights=)
            coefs["percent_agreement"] = pa.with_(extra={**pa.extra, "weights": wname, "exact_agreement": exact.value})
            coefs.update(weighted)
        if opts.weights and (why := _too_costly(kern, wname)):
            coefs["krippendorff_alpha"] = undefined("krippendorff_alpha", why, n_units)
        elif opts.weights:
            # weights chosen explicitly (identity too): alpha with those weights, as R irrCAC's
            # krippen.alpha.raw(weights=); identity gives the nominal alpha whatever the level
            alpha = chance_corrected.krippendorff_alpha(a_w, opts.confidence)
            coefs["krippendorff_alpha"] = alpha.with_(extra={**alpha.extra, "weights": wname})
        else:
            coefs["krippendorff_alpha"] = krippendorff_alpha(tab, cats, r.level, opts.confidence, a=a_w,
                                                             dense_max=dense_max, clusters=cl)
    if r.level != "nominal":
        if opts.step:
            opts.step(f"item '{r.item}': ICCs")
        coefs.update(icc_of(r, opts))
        per_unit = r.n_ratings / max(n_units, 1)
        if n_coders > MANY_CODERS and per_unit < n_coders / 2 and coefs["icc2k"].ok:
            notes.append(f"ICC(k), ICC(A,k) and ICC(C,k) are the reliability of the mean of all {n_coders} coders "
                         f"(psych's convention); a unit here has {per_unit:.1f} ratings on average: read ICC(1), "
                         "ICC(A,1) and ICC(C,1) (one rating), or their Spearman-Brown for that many ratings")
    per_code: dict[str, dict[str, Coefficient]] = {}
    code_counts: dict[str, int] = {}
    if r.set_codes:  # a set-valued item: alpha under the set distances first; the rest is the exact set match
        from irrkit.analysis.sets import EXACT, set_statistics

        dense_tab = tab if isinstance(tab, np.ndarray) else tab.dense()
        set_coefs, per_code, code_counts = set_statistics(r, dense_tab, opts.confidence, cl, opts.per_category)
        for key, c in coefs.items():
            coefs[key] = c.with_(extra={**c.extra, "agreement": EXACT})
        coefs = {**set_coefs, **coefs}
        if opts.bootstrap:
            notes.append("bootstrap CIs are computed for the exact set match; alpha under the MASI and Jaccard "
                         "distances keeps its linearisation CI")
    cont = None
    if r.level in registry.CONTINUOUS_LEVELS and r.sparse and r.shape[0] * r.shape[1] > CCC_DENSE_CELLS:
        # crowd data: the overall CCC from the units every coder rated (none, as a rule: then undefined, saying
        # why); the pairs' CCCs and limits would need the units x coders matrix
        cells = r.cells
        complete = np.flatnonzero(cells.per_unit() == n_coders)
        keep = np.isin(cells.unit, complete)
        full = np.full((complete.size, n_coders), np.nan)
        full[np.searchsorted(complete, cells.unit[keep]), cells.coder[keep]] = cells.value[keep]
        coefs["overall_ccc"] = overall_ccc(full, opts.confidence)
        notes.append("Lin's CCC of coder pairs and the limits of agreement are not computed for sparse crowd data "
                     f"({n_coders} coders, units x coders {r.shape[0] * r.shape[1]:,} cells)")
    elif r.level in registry.CONTINUOUS_LEVELS:
        dense_r = r.as_dense()  # (sparse only when small here)
        cont = continuous_agreement(dense_r, opts.confidence)
        if exponent:
            cont = cont.scaled(exponent)
        notes.extend(cont.notes)
        if len(cont.coders) == 2:
            coefs["ccc"] = next(iter(cont.ccc.values()))
        elif len(cont.coders) > 2:
            coefs["overall_ccc"] = overall_ccc(dense_r.values, opts.confidence)
    if wname == "custom" and q and not np.allclose(kern.matrix(), kern.matrix().T, rtol=0, atol=1e-12):
        notes.append(_asymmetry_note(n_coders))
    if "cohen_kappa" in coefs and (fce := two_coders.fce_note(coefs["cohen_kappa"])):
        notes.append(fce)
    if exponent:
        notes.append(_rescale_note(coefs, exponent))
    primary = r.primary or ("masi_alpha" if r.set_codes else "fleiss_kappa" if r.level == "nominal" else "icc2")
    if primary not in coefs:
        primary = next(iter(coefs))
    if cl is not None:
        notes.append(_cluster_note(cl, rated, r.level, opts.bootstrap))
    result = ItemResult(r.item, registry.SETS if r.set_codes else r.level, wname, n_units, n_coders, r.n_ratings,
                        labels, coefs, primary, distribution=distribution, notes=notes,
                        n_clusters=None if cl is None else int(len(np.unique(cl[rated]))),
                        codes=list(r.set_codes), code_counts=code_counts, per_category=per_code,
                        continuous=cont, ratings=original)
    dense = isinstance(tab, np.ndarray)
    if q >= 2 and wname == "identity" and opts.per_category and not r.set_codes:  # unweighted, whatever the level
        if dense:
            result.per_category = per_category(tab, labels, opts.confidence, clusters=cl, freq=freq)
            result.fleiss_null = chance_corrected.fleiss_null_se(tab, freq)
        else:
            notes.append(f"per-category kappas and the Fleiss-Nee-Landis test are computed for up to {dense_max} "
                         f"categories, not {q}")
    if opts.bootstrap and q >= 2:
        if r.sparse:
            notes.append("bootstrap CIs are not computed for crowd data (ratings kept as their rated cells): the "
                         "linearisation CIs stand")
        elif dense:
            attach_bootstrap(result, tab, kern.matrix(), cats, r, opts)
        else:
            notes.append(f"bootstrap CIs are computed for up to {dense_max} categories, not {q}: the "
                         f"linearisation CIs stand")
    total = totals.sum()
    if total and q >= 2 and listed:
        top = int(np.argmax(totals))
        share = totals[top] / total
        if share > PREVALENCE_LIMIT:
            ac = coefs.get("gwet_ac1") or coefs.get("gwet_ac2")
            ac_txt = f"; {stat_name(ac.key)} = {ac.value:.3f}" if ac is not None and ac.ok else ""
            shares = ", ".join(f"{lab} {n / total:.0%}" for lab, n in distribution.items() if n)
            notes.append(
                f"prevalence: {share:.0%} of ratings are '{labels[top]}' (ratings: {shares}). Kappa-type "
                f"coefficients (Fleiss, Cohen, Conger, Scott, alpha) are depressed by such prevalence even when "
                f"coders agree (the kappa paradox); read them beside percent agreement and AC1{ac_txt}."
            )
    return result


MANY_CODERS = 50  # more coders than this (a crowd): the ICC(k) forms are said to be of all of them
DISTINCT_MIN_UNITS = 20_000  # from this many units a nominal item is analysed on its distinct rows of codes
BYTES_PER_RATING = 96  # the engine's peak per cell of the units x coders matrix (measured: 70-90 at 10^5-10^6 cells)
BYTES_PER_CELL = 400  # crowd data (rated cells): the peak per rating, pairs of ratings of the diagnostics included
MAX_WEIGHT_EVALS = 4e8  # q^2 per pass over a weight matrix without closed form (a few seconds)


def _check_budget(r: ItemRatings, q: int, opts: Options) -> None:
    """Exit 2 (InputError naming --max-memory) when the item would need more memory than the budget."""
    from irrkit.errors import InputError

    budget = opts.max_memory or default_memory_budget()
    n, k = r.shape
    need = (r.n_ratings * BYTES_PER_CELL + n * min(q, _dense_max(n, opts)) * 8 * 4 if r.sparse
            else r.values.size * BYTES_PER_RATING) + q * 8 * 8
    if need > budget:
        raise InputError.single("--max-memory", f"item '{r.item}' ({n} units x {k} "
                                f"coders, {q} distinct values) needs about {_size(need)}, more than the memory "
                                f"budget of {_size(budget)}; raise --max-memory (e.g. --max-memory "
                                f"{_size(need * 1.5)}) or analyse fewer units at a time")


def _size(b: float) -> str:
    return f"{b / 2**30:.1f}G" if b >= 2**30 else f"{max(1, round(b / 2**20))}M"


def _too_costly(kern: weights.Kernel, wname: str) -> str | None:
    """Why weights without closed form over this many categories are not evaluated (None: they are)."""
    if kern.closed_form or isinstance(kern, weights.MatrixKernel) or kern.q**2 <= MAX_WEIGHT_EVALS:
        return None
    return (f"{wname} weights have no closed form: {kern.q} distinct values need {kern.q**2:.1e} weight evaluations "
            f"per pass, more than the limit of {MAX_WEIGHT_EVALS:.0e}; quadratic, linear, ordinal or identity weights "
            f"are computed in closed form at any size")


def _dense_max(n: int, opts: Options) -> int:
    """Most categories for the dense path: ``counting.DENSE_MAX_Q``, fewer if n x q tables would not fit the
    memory budget (a few of them live at once)."""
    budget = opts.max_memory or default_memory_budget()
    return int(min(counting.DENSE_MAX_Q, max(2, budget // (8 * 4 * max(n, 1)))))


def _cluster_note(cl: np.ndarray, rated: np.ndarray, level: str, bootstrap: int) -> str:
    g = int(len(np.unique(cl[rated])))
    text = (f"clusters: {int(rated.sum())} units in {g} clusters; the SEs of the kappa-type coefficients are "
            "cluster-robust (unit terms summed within clusters, CI t(G-1))")
    if level in registry.CONTINUOUS_LEVELS:
        text += "; the CCCs' and the limits of agreement's CIs assume independent units"
    if level != "nominal":
        text += ("; the ICCs' F-based CIs assume independent units" + (": see their cluster bootstrap CIs"
                                                                       if bootstrap else
                                                                       " (--bootstrap N gives cluster bootstrap CIs)"))
    if bootstrap:
        text += "; bootstrap CIs resample whole clusters"
    return text + "."


def attach_bootstrap(result: ItemResult, counts: np.ndarray, w: np.ndarray, cats: list[float], r: ItemRatings,
                     opts: Options) -> None:
    """Percentile bootstrap CIs over units, added to each coefficient as ``extra['bootstrap']``."""
    from irrkit.statistics import bootstrap as bs

    def put(key: str, ci: tuple) -> None:
        c = result.coefficients.get(key)
        if c is not None and c.ok:
            low, high, se, n_ok = ci
            result.coefficients[key] = c.with_(extra={**c.extra, "bootstrap": {
                "ci_low": low, "ci_high": high, "se": se, "replicates": n_ok,
                "method": f"percentile bootstrap over {over}, {opts.bootstrap} replicates"
                          f"{'' if opts.seed is None else f', seed {opts.seed}'}"}})

    cl = r.clusters
    over = "units" if cl is None else f"clusters ({len(np.unique(cl))}, whole clusters resampled)"
    fam = bs.bootstrap_family(counts, w, opts.bootstrap, opts.seed, opts.confidence, progress=opts.progress,
                              clusters=cl)
    for key, ci in fam.items():
        if key == "krippendorff_alpha":
            continue
        put(("gwet_ac1" if "gwet_ac1" in result.coefficients else "gwet_ac2") if key == "gwet_ac" else key, ci)
    if opts.weights:  # alpha was computed with the explicit weights
        wa = w
    else:
        marg = counts[counts.sum(axis=1) >= 2].sum(axis=0)
        wa = weights.krippendorff_weights(r.level, cats, marg)
    alpha = bs.bootstrap_family(counts, wa, opts.bootstrap, opts.seed, opts.confidence,
                                clusters=cl)["krippendorff_alpha"]
    put("krippendorff_alpha", alpha)
    if r.level != "nominal":
        for key, ci in bs.bootstrap_icc(r.values, opts.bootstrap, opts.seed, opts.confidence, clusters=cl).items():
            put(key, ci)


def krippendorff_alpha(counts: np.ndarray | SparseCounts, categories: list[float], level: str, confidence: float = 0.95,
                       counts_input: bool = False, a: chance_corrected.Agreement | None = None,
                       dense_max: int = counting.DENSE_MAX_Q,
                       clusters: np.ndarray | None = None) -> Coefficient:
    """Krippendorff's alpha at a level of measurement (Krippendorff 2004, ch. 11: the level's difference
    function), value and linearised SE from the one engine (:func:`chance_corrected.krippendorff_alpha`). The tests hold
    it against the ``krippendorff`` package; it is not recomputed at run time.
    ``a``: the observed agreement of ``counts`` the caller already has, reused if its weights are the level's."""
    if level == "ordinal":
        multi = (counts.sum(axis=1) if isinstance(counts, np.ndarray) else counts.row_sums()) >= 2
        marg = counts[multi].sum(axis=0) if isinstance(counts, np.ndarray) else counts.col_sums(multi.astype(float))
    else:
        marg = None
    kern = weights.krippendorff_kernel(level, categories, marg, dense_max if isinstance(counts, np.ndarray) else 0)
    if why := _too_costly(kern, f"Krippendorff's {level} metric"):
        return undefined("krippendorff_alpha", why, int((counts.sum(axis=1) if isinstance(counts, np.ndarray)
                                                         else counts.row_sums()).astype(bool).sum()))
    if a is None or not _same_kernel(a.kernel, kern):
        a = chance_corrected.agreement(counts, kern, clusters=clusters)
    res = chance_corrected.krippendorff_alpha(a, confidence, counts_input=counts_input)
    return res.with_(extra={**res.extra, "level": level}) if res.ok else res


def _same_kernel(a: weights.Kernel, b: weights.Kernel) -> bool:
    """Whether two kernels are the same weights (an agreement computed with one serves the other)."""
    if a.is_identity and b.is_identity:
        return a.q == b.q
    if type(a) is weights.DifferenceKernel and type(b) is weights.DifferenceKernel:
        return (a.closed_form and b.closed_form and (a.sq, a.ab, a.c) == (b.sq, b.ab, b.c)
                and bool(np.array_equal(a.raw, b.raw)))
    if isinstance(a, weights.MatrixKernel) and isinstance(b, weights.MatrixKernel):
        return a.w.shape == b.w.shape and bool(np.array_equal(a.w, b.w))
    return False


def per_category(counts: np.ndarray, labels: list[str], confidence: float = 0.95,
                 clusters: np.ndarray | None = None, freq: np.ndarray | None = None
                 ) -> dict[str, dict[str, Coefficient]]:
    """Each category against all others (a 2-category collapse): Fleiss' kappa (= Fleiss 1971's category
    kappa), AC1 and percent agreement, through the same engine. ``freq``: how many units each row of
    ``counts`` stands for (whole numbers; not with ``clusters``)."""
    total = np.einsum("ij->i", counts)  # whole numbers: the same as counts.sum(axis=1)
    pairs = _category_pairs(counts, total, freq) if clusters is None else None
    out = {}
    for k, lab in enumerate(labels):
        if pairs is not None:
            rows = pairs[k]
        else:
            two = np.empty((counts.shape[0], 2))  # category k, all others
            two[:, 0] = counts[:, k]
            np.subtract(total, counts[:, k], out=two[:, 1])
            rows = _distinct_pairs(two) if clusters is None and freq is None else None
            if freq is not None:
                rows = (two, freq)
        a = (chance_corrected.agreement(two, clusters=clusters) if rows is None
             else chance_corrected.agreement(rows[0], freq=rows[1]))
        if (not rows[0][:, 0].any() if pairs is not None else counts[:, k].sum() == 0):
            reason = f"category '{lab}' was never used"
            out[lab] = {key: undefined(key, reason, a.n) for key in ("fleiss_kappa", "gwet_ac1")}
            continue
        out[lab] = {"fleiss_kappa": chance_corrected.fleiss_kappa(a, confidence),
                    "gwet_ac1": chance_corrected.gwet_ac(a, confidence),
                    "percent_agreement": chance_corrected.percent_agreement(a, confidence)}
    return out


def _category_pairs(counts: np.ndarray, total: np.ndarray, freq: np.ndarray | None = None
                    ) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``_distinct_pairs`` of every category's table (category k, all others), from one bincount over the whole
    table, when it gives them all: whole-number counts from 0 to 2^20, whose units x 2 tables all take the
    counting path (else None). The distinct rows (a, b) of category k are those of the keys a (T + 1) + a + b
    (T: the largest row total), which sort as a * m + b does: by a, then b. ``freq``: how many units each row
    stands for (whole numbers): the pairs and counts of the table with each row repeated that often."""
    n, q = counts.shape
    if not n or not q:
        return None
    rows_n = n
    if freq is not None:
        freq = chance_corrected.frequencies(freq, n)
        n = int(freq.sum())  # the units (the guards below are those of the full table)
    big = float(total.max())
    if not 0 <= big < 2**20 or (big + 1) ** 2 * q > 4 * n * q + 4096:  # (NaN or infinite counts: NaN)
        return None
    t1 = int(big) + 1
    offset = np.arange(q, dtype=np.int64)[None, :] * t1 * t1  # each category's keys in a range of their own
    cnt = np.zeros(q * t1 * t1, dtype=np.int64 if freq is None else float)
    for s in range(0, rows_n, chance_corrected.CHUNK):  # k (T + 1)^2 + a (T + 1) + total, block by block (in cache)
        c = counts[s:s + chance_corrected.CHUNK]
        with np.errstate(invalid="ignore"):  # huge counts that cancel out in a row: caught by the comparison
            keys = c.astype(np.int64)
        if keys.min() < 0 or not np.array_equal(keys, c):
            return None
        keys *= t1
        keys += total[s:s + chance_corrected.CHUNK].astype(np.int64)[:, None]
        keys += offset
        if freq is None:
            cnt += np.bincount(keys.ravel(), minlength=len(cnt))
        else:  # whole-number weights: exact sums
            cnt += np.bincount(keys.ravel(), np.repeat(freq[s:s + chance_corrected.CHUNK], q), minlength=len(cnt))
    cnt = cnt.reshape(q, t1 * t1)
    out = []
    for k in range(q):
        nz = np.flatnonzero(cnt[k])
        a, tot = nz // t1, nz % t1
        # as _distinct_pairs would give them (its own check of the key range: a * m + b below 4 n + 4096)
        b = tot - a
        if int((a * (int(b.max()) + 1) + b).max()) > 4 * n + 4096:
            return None
        out.append((np.column_stack([a, b]).astype(float), cnt[k][nz].astype(float)))
    return out


def _distinct_pairs(two: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct rows of a units x 2 table of whole-number counts and how many units each stands for (a
    per-category table has at most (r + 1)(r + 2) / 2 of them for r coders), or None when the counts are not
    small whole numbers. The engine's ``freq=`` then gives the same values, pa, pe and SEs as the full table up to
    the order of the sums (last bits; tests/test_per_category_fast.py)."""
    if not len(two) or not (two >= 0).all() or two.max() >= 2**20 or not (two == np.floor(two)).all():
        return None
    ab = two.astype(np.int64)
    m = int(ab[:, 1].max()) + 1
    if int((ab[:, 0] * m + ab[:, 1]).max()) > 4 * len(ab) + 4096:
        return None
    # the engine's distinct rows of (b, a), keyed a * base + b: ordered by a, then b
    rows, counts, _ = counting.keyed_rows(ab[:, ::-1], int(ab.max()) + 1)
    return rows[:, ::-1].astype(float), counts


def analyse_counts(counts: np.ndarray, names: list[str], level: str = "nominal", opts: Options | None = None,
                   item: str = "ratings") -> ItemResult:
    """Coefficients from a units x categories count table (coders unknown: no Conger, Cohen or ICC), as R
    irrCAC's *.dist functions compute them."""
    opts = opts or Options()
    counts = np.asarray(counts, dtype=float)
    q = counts.shape[1]
    try:
        values = [float(x) for x in names]
    except ValueError:
        values = [float(i + 1) for i in range(q)]
    wname = opts.weights or ("identity" if level == "nominal" else "quadratic")
    a = chance_corrected.agreement(counts, weights.kernel(wname, values, counting.DENSE_MAX_Q))
    cf = opts.confidence
    coefs = {c.key: c for c in (chance_corrected.percent_agreement(a, cf), chance_corrected.fleiss_kappa(a, cf),
                                chance_corrected.gwet_ac(a, cf), chance_corrected.brennan_prediger(a, cf))}
    if opts.weights or level == "nominal":
        # explicit weights (identity too) weight alpha, as R irrCAC's krippen.alpha.dist(weights=)
        alpha = chance_corrected.krippendorff_alpha(a, cf, counts_input=True)
        coefs["krippendorff_alpha"] = alpha.with_(extra={**alpha.extra, "weights": wname}) if opts.weights else alpha
    else:
        coefs["krippendorff_alpha"] = krippendorff_alpha(counts, values, level, cf, counts_input=True)
    dist = {n: int(counts[:, k].sum()) for k, n in enumerate(names)}
    res = ItemResult(item, level, wname, a.n, int(a.ri.max()) if a.n else 0, int(counts.sum()), list(names), coefs,
                     "fleiss_kappa", distribution=dist)
    if wname == "identity" and q >= 2 and opts.per_category:
        res.per_category = per_category(counts, list(names), cf)
        res.fleiss_null = chance_corrected.fleiss_null_se(counts)
    return res


DEFAULT_WEIGHTS = {"nominal": "identity", "ordinal": "quadratic", "interval": "quadratic", "ratio": "ratio"}


def analyse_table(table: np.ndarray, names: list[str], level: str = "nominal", opts: Options | None = None,
                  item: str = "ratings") -> ItemResult:
    """Coefficients of two coders from their q x q contingency table (rows: first coder), as R irrCAC's *.table
    functions compute them (table-form SEs, n in the denominator), Cohen's kappa with its Fleiss-Cohen-Everitt
    SEs. The weights are computed on the category ranks 1..q (the table names its categories)."""
    opts = opts or Options()
    t = np.asarray(table, dtype=float)
    q = t.shape[0]
    wname = opts.weights or DEFAULT_WEIGHTS[level]
    w = weights.weight_matrix(wname, [float(k + 1) for k in range(q)])
    coefs = two_coders.table_coefficients(t, w, opts.confidence)
    fce = two_coders.cohen_fce(t, w, opts.confidence) if coefs["cohen_kappa"].ok else None
    if fce is not None:
        c = coefs["cohen_kappa"]
        coefs["cohen_kappa"] = c.with_(extra={**c.extra, "fleiss_cohen_everitt": fce})
    n = int(t.sum())
    dist = {lab: int(t[k].sum() + t[:, k].sum()) for k, lab in enumerate(names)}
    res = ItemResult(item, level, wname, n, 2, 2 * n, list(names), coefs, "cohen_kappa", distribution=dist)
    if note := two_coders.fce_note(coefs["cohen_kappa"]):
        res.notes.append(note)
    return res


__all__ = ["ICC_KEYS", "KAPPA_TYPE", "ItemResult", "Options", "analyse", "analyse_counts", "analyse_table",
           "krippendorff_alpha", "per_category"]


def replicate_values(r: ItemRatings, key: str, m: np.ndarray, opts: Options | None = None) -> np.ndarray:
    """The value of statistic ``key`` of item ``r`` in each bootstrap replicate: rows of ``m`` are the
    multiplicities of ``r``'s units (:mod:`irrkit.statistics.bootstrap`), the weights those :func:`analyse`
    uses. The chance-corrected family as frequency-weighted point estimates of the one engine (vectorised),
    Conger's and Cohen's kappa one replicate at a time, the ICCs from the complete units (as ``--bootstrap``
    computes them; Krippendorff's alpha with the level's metric of the whole sample). NaN: undefined in a
    replicate; ValueError for a statistic without replicates."""
    from irrkit.statistics import bootstrap as bs

    opts = opts or Options()
    r, _ = rescaled(r)
    cats = list(r.categories)
    q = len(cats)
    m = np.asarray(m, dtype=float)
    if key in ICC_KEYS:
        x = r.values
        complete = ~np.isnan(x).any(axis=1)
        return bs.icc_replicates(x[complete], m[:, complete])[key]
    codes = counting.category_index(r.values, cats)
    tab = counting.count_table(codes, q)
    wname = opts.weights or r.weights or "identity"
    if r.level == "nominal" and not opts.weights:
        wname = "identity"
    if r.weight_matrix is not None and not opts.weights:
        wname = "custom"
    kern, _ = _item_kernel(r, wname, cats, counting.DENSE_MAX_Q)
    w = kern.matrix()
    fam = {"scott_pi": "fleiss_kappa", "gwet_ac1": "gwet_ac", "gwet_ac2": "gwet_ac"}.get(key, key)
    if fam in ("percent_agreement", "fleiss_kappa", "gwet_ac", "brennan_prediger"):
        return bs.family_replicates(tab, w, m)[fam]
    if key == "krippendorff_alpha":
        if not opts.weights:
            marg = tab[tab.sum(axis=1) >= 2].sum(axis=0)
            w = weights.krippendorff_weights(r.level, cats, marg)
        return bs.family_replicates(tab, w, m)["krippendorff_alpha"]
    if key in ("conger_kappa", "cohen_kappa"):
        out = np.full(m.shape[0], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            for b, f in enumerate(m):
                c = chance_corrected.conger_kappa(codes, q, kern, opts.confidence, freq=f)
                out[b] = c.value if c.ok else np.nan
        return out
    raise ValueError(f"no bootstrap replicates for '{key}'")
