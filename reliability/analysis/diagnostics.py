"""Coder diagnostics of one item: who agrees with whom, who uses which categories, who pulls agreement down.

* **Coder x coder matrix**: every pair of coders on the units both rated, with the statistics of a training
  round (:func:`irrkit.analysis.pairs.pair_statistics`: percent agreement, Cohen's kappa and Gwet's AC1 from
  the chance engine for nominal items; ICC(A,1) from :mod:`irrkit.statistics.icc` and the mean absolute difference
  for ordinal, interval and ratio items).
* **Light's (1971) kappa** (nominal items): the mean of the k(k-1)/2 pairwise Cohen's kappas, computed on the
  units every coder rated, as R ``irr::kappam.light`` does (it drops incomplete units with ``na.omit``).
  No SE is given: irr's z rests on an ad-hoc variance, and the pairwise kappas share coders.
* **Coder profiles**: each coder's number of ratings and missing ratings and category distribution (scale
  items: mean and SD too - a coder who rates systematically higher lowers ICC(A,1) but not ICC(C,1)).
* **Leave-one-coder-out**: the item's primary statistic recomputed without each coder by
  :func:`irrkit.analysis.item.analyse` (same options, same engine); the coder whose removal raises it most is
  named as the one who lowers agreement most.

Pure functions, no printing, no file I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np

from irrkit.analysis.item import ItemResult, Options, analyse, icc_of
from irrkit.ratings import Cells, ItemRatings
from irrkit.statistics import chance_corrected, counting, registry
from irrkit.statistics.icc import ICC_KEYS
from irrkit.statistics.registry import name as stat_name
from irrkit.statistics.results import Coefficient, undefined

NOMINAL_MATRIX = registry.MATRIX["nominal"]
SCALE_MATRIX = registry.MATRIX["scale"]
LIGHT_METHOD = ("mean of the pairwise Cohen's kappas on the units rated by every coder "
                "(Light 1971; as R irr::kappam.light)")


@dataclass(frozen=True)
class PairStats:
    """Two coders on the units both rated."""

    a: str
    b: str
    n_units: int
    statistics: dict[str, Coefficient]

    def to_dict(self) -> dict[str, Any]:
        return {"coders": [self.a, self.b], "n_units": self.n_units,
                "statistics": {k: c.to_dict() for k, c in self.statistics.items()}}


@dataclass(frozen=True)
class CoderProfile:
    """One coder's use of an item: ratings given, units left unrated, categories used."""

    coder: str
    n_rated: int
    n_missing: int
    distribution: dict[str, int] = field(default_factory=dict)  # category code -> ratings (categorical items)
    mean: float | None = None  # scale items
    sd: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"coder": self.coder, "n_rated": self.n_rated, "n_missing": self.n_missing}
        if self.distribution:
            d["distribution"] = self.distribution
        if self.mean is not None:
            d["mean"], d["sd"] = self.mean, self.sd
        return d


@dataclass(frozen=True)
class LeaveOneOut:
    """The primary statistic without each coder; ``lowers_most``: the coder whose removal raises it most
    (None when no removal raises it, or fewer than three coders)."""

    statistic: str
    full: Coefficient
    without: dict[str, Coefficient]
    lowers_most: str | None
    reason: str | None = None
    weights: str | None = None  # the item's weights (the statistic's name says them)

    @property
    def name(self) -> str:
        return stat_name(self.statistic, self.weights)

    def change(self, coder: str) -> float | None:
        c = self.without.get(coder)
        if c is None or not c.ok or not self.full.ok:
            return None
        return c.value - self.full.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic, "name": self.name,
            "full": self.full.value if self.full.ok else None,
            "without": {c: {**_brief(v), "change": _round_change(self.change(c))} for c, v in self.without.items()},
            "lowers_most": self.lowers_most, "reason": self.reason,
            "method": "the primary statistic recomputed without each coder (same options and engine)",
        }


@dataclass(frozen=True)
class Diagnostics:
    """Coder diagnostics of one item."""

    item: str
    level: str
    coders: list[str]
    statistics: tuple[str, ...]  # the matrix statistics, first one shown above the diagonal
    pairs: list[PairStats]
    profiles: list[CoderProfile]
    leave_one_out: LeaveOneOut
    light_kappa: Coefficient | None = None
    pair_summary: PairSummary | None = None  # many coders: the pairs summarised, ``pairs`` the worst of them

    def matrix(self, key: str) -> list[list[float | None]]:
        """Symmetric coders x coders matrix of one statistic (diagonal and undefined pairs: None); empty when the
        pairs are summarised (many coders)."""
        if self.pair_summary is not None:
            return []
        pos = {c: i for i, c in enumerate(self.coders)}
        m: list[list[float | None]] = [[None] * len(self.coders) for _ in self.coders]
        for p in self.pairs:
            c = p.statistics.get(key)
            v = c.value if c is not None and c.ok else None
            m[pos[p.a]][pos[p.b]] = m[pos[p.b]][pos[p.a]] = v
        return m

    def mean_with_others(self, key: str) -> dict[str, float | None]:
        """Each coder's mean of ``key`` over the pairs it is in (undefined pairs left out); when the pairs are
        summarised, each coder's agreement with the others on the units they share (the summary's statistic)."""
        if self.pair_summary is not None:
            s = self.pair_summary
            return {c: s.with_others.get(c) for c in self.coders} if key == s.statistic else {}
        out = {}
        for i, row in enumerate(self.matrix(key)):
            vals = [v for j, v in enumerate(row) if j != i and v is not None]
            out[self.coders[i]] = float(np.mean(vals)) if vals else None
        return out

    def to_dict(self) -> dict[str, Any]:
        n: list[list[int | None]] = [[None] * len(self.coders) for _ in self.coders] if self.pair_summary is None \
            else []
        pos = {c: i for i, c in enumerate(self.coders)}
        for p in self.pairs if self.pair_summary is None else ():
            n[pos[p.a]][pos[p.b]] = n[pos[p.b]][pos[p.a]] = p.n_units
        d: dict[str, Any] = {
            "coders": self.coders,
            "matrix": {"statistics": list(self.statistics), "n_units": n,
                       **{k: self.matrix(k) for k in self.statistics}},
            "pairs": [p.to_dict() for p in self.pairs],
            "coder_profiles": [p.to_dict() for p in self.profiles],
            "leave_one_out": self.leave_one_out.to_dict(),
        }
        if self.light_kappa is not None:
            d["light_kappa"] = self.light_kappa.to_dict()
        if self.pair_summary is not None:
            d["pair_summary"] = self.pair_summary.to_dict()
        return d


@dataclass(frozen=True)
class PairSummary:
    """The pairs of many coders summarised (instead of every pair in full): how many pairs share units, the
    distribution of pair agreement over the pairs sharing at least ``min_shared`` units, each coder's agreement
    with the others and the ``worst`` coders by it. ``statistic``: percent agreement (nominal items) or the mean
    absolute difference (other levels), per pair of ratings of one unit."""

    statistic: str
    n_coders: int
    n_pairs_possible: int
    n_pairs_sharing: int  # pairs of coders with at least one unit both rated
    min_shared: int
    n_pairs_enough: int  # pairs with at least min_shared units both rated
    quantiles: dict[str, float]  # of the pair statistic over those pairs ("min", "p10", ..., "max")
    with_others: dict[str, float]  # coder -> statistic over every pair of ratings with another coder
    comparisons: dict[str, int]  # coder -> pairs of ratings with another coder
    worst: list[str]  # the coders with the lowest agreement (highest mean difference) with the others
    units_left_out: int = 0  # units with so many coders that their pairs were not enumerated
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "name": stat_name(self.statistic), "n_coders": self.n_coders,
                "n_pairs_possible": self.n_pairs_possible, "n_pairs_sharing_units": self.n_pairs_sharing,
                "min_shared_units": self.min_shared, "n_pairs_with_min_shared": self.n_pairs_enough,
                "quantiles": self.quantiles,
                "worst_coders": [{"coder": c, "with_others": self.with_others[c],
                                  "comparisons": self.comparisons[c]} for c in self.worst],
                "units_left_out": self.units_left_out, "note": self.note,
                "method": "every pair of ratings of one unit by two coders; pairs of coders listed in 'pairs': "
                          f"the {LISTED_PAIRS} with the lowest agreement among those sharing at least "
                          f"{self.min_shared} units (irrkit check --pairs all lists every pair)"}


def _brief(c: Coefficient) -> dict[str, Any]:
    d = c.to_dict()
    return {k: d[k] for k in ("value", "ci_low", "ci_high", "n_units", "status", "reason")}


def _round_change(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _labels(r: ItemRatings) -> list[str]:
    return list(r.labels) if r.labels else [f"{c:g}" for c in r.categories]


def _rated_coders(r: ItemRatings, codes: np.ndarray | None = None) -> list[int]:
    """The coders (columns) with at least one rating; the first units usually settle it for every coder."""
    if r.sparse and codes is None:
        return np.flatnonzero(r.cells.per_coder()).tolist()
    m = r.values if codes is None else codes
    rated = (lambda x: x >= 0) if codes is not None else (lambda x: ~np.isnan(x))
    used = rated(m[:1024]).any(axis=0)
    rest = np.flatnonzero(~used)
    if len(rest):
        used[rest] = rated(m[:, rest]).any(axis=0)
    return np.flatnonzero(used).tolist()


def profiles(r: ItemRatings, codes: np.ndarray | None = None, used_only: bool = False,
             joint: Combos | None = None) -> list[CoderProfile]:
    """Each coder's ratings, missing ratings and category distribution (every codebook category, used or not;
    ``used_only``: the categories the coder used). ``codes``: the item's category indices when the caller has
    them (nominal items: counted from them; ``joint``: their combinations, the distributions counted from
    those)."""
    out = []
    categorical = r.level != "interval" and r.level != "ratio" or bool(r.labels)
    labels = _labels(r)
    if not (categorical and r.categories):
        codes = None
    elif codes is None and not r.sparse:
        codes = counting.category_index(r.values, r.categories)
    if r.sparse:
        return _cell_profiles(r, categorical, labels, used_only)
    at = {} if joint is None or codes is None or joint.width != len(labels) + 1 else \
        {c: i for i, c in enumerate(joint.cols)}
    for j, coder in enumerate(r.coders):
        dist = {}
        if codes is not None:  # slot 0: not rated
            if joint is not None and j in at:
                counts = joint.marginal(at[j])
            else:
                counts = np.bincount(codes[:, j] + 1, minlength=len(labels) + 1)
            if used_only:
                dist = {labels[k]: int(counts[k + 1]) for k in np.flatnonzero(counts[1:]).tolist()}
            else:
                dist = {lab: int(counts[k + 1]) for k, lab in enumerate(labels)}
        mean = sd = None
        if r.level == "nominal" and codes is not None:
            n = int(r.n_units - counts[0])
        else:
            col = r.values[:, j]
            rated = ~np.isnan(col)
            n = int(rated.sum())
            if r.level != "nominal" and n:
                mean = float(col[rated].mean())
                sd = float(col[rated].std(ddof=1)) if n > 1 else None
        out.append(CoderProfile(coder, n, int(r.n_units - n), dist, mean, sd))
    return out


def _cell_profiles(r: ItemRatings, categorical: bool, labels: list[str], used_only: bool) -> list[CoderProfile]:
    """:func:`profiles` of crowd data (rated cells): the same figures from sums over each coder's cells."""
    c = r.cells
    k = r.n_coders
    n = c.per_coder()
    dist = None
    if categorical and r.categories:
        code = counting.category_index(c.value, r.categories).astype(np.int64)
        q = len(labels)
        dist = np.bincount(c.coder * q + code, minlength=k * q).reshape(k, q)
    mean = sd = None
    if r.level != "nominal":
        s1 = np.bincount(c.coder, c.value, minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s1 / n
            dev = c.value - mean[c.coder]
            sd = np.sqrt(np.bincount(c.coder, dev * dev, minlength=k) / (n - 1))
    out = []
    for j, coder in enumerate(r.coders):
        d = {}
        if dist is not None:
            row = dist[j]
            d = ({labels[i]: int(row[i]) for i in np.flatnonzero(row).tolist()} if used_only
                 else {lab: int(row[i]) for i, lab in enumerate(labels)})
        nj = int(n[j])
        out.append(CoderProfile(coder, nj, int(r.n_units - nj), d,
                                float(mean[j]) if mean is not None and nj else None,
                                float(sd[j]) if sd is not None and nj > 1 else None))
    return out


def pairwise(r: ItemRatings, confidence: float = 0.95, codes: np.ndarray | None = None,
             tables: Sequence[np.ndarray] | None = None) -> list[PairStats]:
    """Every pair of coders with a rating, on the units both rated. Nominal items (no clusters): from each
    pair's q x q table (:func:`pair_tables`, :func:`table_statistics`); otherwise
    :func:`irrkit.analysis.pairs.pair_statistics` on the pair's ratings. ``codes``: the item's category
    indices, ``tables``: the pairs' tables (:func:`pair_tables`), when the caller has them."""
    keys = NOMINAL_MATRIX if r.level == "nominal" else SCALE_MATRIX
    if _tabled(r):
        codes = counting.category_index(r.values, r.categories) if codes is None else codes
    coders = _rated_coders(r, codes)
    pairs = list(combinations(coders, 2))
    if codes is not None:
        tables = pair_tables(codes, len(r.categories), pairs) if tables is None else tables
        return [PairStats(r.coders[x], r.coders[y], int(t.sum()),
                          {k: _explained(c) for k, c in table_statistics(t, confidence, keys).items()})
                for (x, y), t in zip(pairs, tables)]
    from irrkit.analysis.pairs import pair_statistics
    out = []
    for x, y in pairs:
        a, b = r.values[:, x], r.values[:, y]
        n = int((~np.isnan(a) & ~np.isnan(b)).sum())
        stats = {k: _explained(c) for k, c in pair_statistics(a, b, r, confidence, keys).items()}
        out.append(PairStats(r.coders[x], r.coders[y], n, stats))
    return out


def _tabled(r: ItemRatings) -> bool:
    """Whether the pair statistics of ``r`` come from q x q tables: nominal, few categories, no clusters."""
    return r.level == "nominal" and r.clusters is None and 1 <= len(r.categories) <= counting.DENSE_MAX_Q


def pair_tables(codes: np.ndarray, q: int, pairs: Sequence[tuple[int, int]],
                rows: np.ndarray | None = None) -> list[np.ndarray]:
    """The q x q contingency table (rows: first coder) of each pair of columns of a units x coders index matrix
    (-1 = missing), on the units both rated (``rows``: only these units): one bincount per pair over
    ``(a + 1)(q + 1) + b + 1``, whose row and column 0 (a rating missing) are dropped; no per-unit Python."""
    c = codes if rows is None else codes[rows]
    width = q + 1
    used = sorted({j for pair in pairs for j in pair})
    if len(pairs) > len(used) and len(c) > JOINT_FROM and width ** len(used) <= JOINT_CELLS:
        return _joint_pair_tables(c, width, used, pairs)
    itype = np.int64 if width * width >= 2**31 else np.int32
    cols = {j: np.ascontiguousarray(c[:, j], dtype=itype) for j in sorted({j for pair in pairs for j in pair})}
    shifted: dict[int, np.ndarray] = {}
    out = []
    key = np.empty(len(c), dtype=itype)
    for x, y in pairs:
        if x not in shifted:
            shifted[x] = (cols[x] + 1) * width + 1
        np.add(shifted[x], cols[y], out=key)
        out.append(np.bincount(key, minlength=width * width).reshape(width, width)[1:, 1:])
    return out


JOINT_FROM = 20_000  # units from which pair_tables counts each unit's ratings by all coders at once ...
JOINT_CELLS = 1 << 20  # ... when the (q + 1) ** coders combinations fit in this many cells


def _joint_pair_tables(c: np.ndarray, width: int, used: list[int], pairs: Sequence[tuple[int, int]]
                       ) -> list[np.ndarray]:
    """:func:`pair_tables` from one count of each unit's combination of ratings by the coders ``used`` (a
    (q + 1) ** coders table, one bincount over the units): each pair's table is that table summed over the
    other coders (whole numbers: the same counts)."""
    key = np.zeros(len(c), dtype=np.int64)
    for j in used:
        key *= width
        key += c[:, j]
        key += 1
    joint = np.bincount(key, minlength=width ** len(used)).reshape((width,) * len(used))
    at = {j: i for i, j in enumerate(used)}
    out = []
    for x, y in pairs:
        a, b = at[x], at[y]
        t = joint.sum(axis=tuple(i for i in range(len(used)) if i not in (a, b)))
        out.append((t if a < b else t.T)[1:, 1:])
    return out


class Combos:
    """Each distinct combination of categories the coders ``cols`` gave one unit (rows of category indices,
    -1 = missing) and how many units gave it (``freq``), from one pass over the units: the pair tables, Light's
    kappa, the coder profiles and leave-one-coder-out of many units are counted from these rows (at most
    (q + 1) ** coders of them) instead of from the units again and again. Whole-number counts: the same
    tables, hence the same figures. (A plain class: a dataclass costs 1 ms of every start.)"""

    __slots__ = ("cols", "rows", "freq", "width", "n_units")

    def __init__(self, cols: list[int], rows: np.ndarray, freq: np.ndarray, width: int, n_units: int) -> None:
        self.cols, self.rows, self.freq, self.width, self.n_units = cols, rows, freq, width, n_units  # freq: int64

    def tables(self, pairs: Sequence[tuple[int, int]], complete: bool = False) -> list[np.ndarray]:
        """The q x q table of each pair of positions in ``cols`` on the units both rated (``complete``: on the
        units every coder rated), as :func:`pair_tables` gives it."""
        rows, freq, w = self.rows, self.freq, self.width
        if complete:
            keep = (rows >= 0).all(axis=1)
            rows, freq = rows[keep], freq[keep]
        return [np.bincount((rows[:, a] + 1) * w + rows[:, b] + 1, weights=freq, minlength=w * w)
                .astype(np.int64).reshape(w, w)[1:, 1:] for a, b in pairs]

    def marginal(self, a: int) -> np.ndarray:
        """Units per category index + 1 (slot 0: not rated) of the coder at position ``a``."""
        return np.bincount(self.rows[:, a] + 1, weights=self.freq, minlength=self.width).astype(np.int64)

    def complete(self) -> int:
        """Units rated by every coder."""
        return int(self.freq[(self.rows >= 0).all(axis=1)].sum())


def combos(codes: np.ndarray, q: int, cols: list[int]) -> Combos | None:
    """The :class:`Combos` of the coders ``cols`` of a units x coders index matrix (-1 = missing), for more than
    JOINT_FROM units (fewer: the per-pair passes are as quick); None when a combination cannot be one int64 key."""
    if len(codes) <= JOINT_FROM or len(cols) < 2:
        return None
    sub = codes[:, cols] if len(cols) != codes.shape[1] else codes
    got = counting.keyed_rows(sub, q + 1, offset=1)
    if got is None:
        return None
    return Combos(list(cols), got[0], got[1].astype(np.int64), q + 1, len(codes))


def table_statistics(table: np.ndarray, confidence: float = 0.95,
                     keys: Sequence[str] = NOMINAL_MATRIX) -> dict[str, Coefficient]:
    """The nominal pair statistics of :func:`irrkit.analysis.pairs.pair_statistics` (percent agreement, Cohen's
    kappa by the Conger engine, AC1) from the pair's q x q table: the same engine calls on one row per
    non-empty cell, its count as frequency weight (``chance``'s ``freq=``), so the work does not grow with
    the units. The values are those of the units bit for bit (their sums are of whole numbers and halves);
    the SEs are the same sums over units taken cell by cell (equal to the last bits)."""
    t = np.asarray(table)
    q = t.shape[0]
    a, b = np.nonzero(t)
    if not len(a):
        return {k: undefined(k, "no unit rated by both") for k in keys}
    codes = np.column_stack([a, b]).astype(np.int32)
    freq = t[a, b].astype(float)
    out = {}
    if "percent_agreement" in keys or "gwet_ac1" in keys:  # (Light's kappa asks for Cohen's kappa alone)
        ag = chance_corrected.agreement(counting.count_table(codes, q), freq=freq)
        out = {"percent_agreement": chance_corrected.percent_agreement(ag, confidence),
               "gwet_ac1": chance_corrected.gwet_ac(ag, confidence)}
    if "cohen_kappa" in keys:
        out["cohen_kappa"] = chance_corrected.conger_kappa(codes, q, None, confidence, key="cohen_kappa", freq=freq)
    return {k: out[k] for k in keys if k in out}


def _explained(c: Coefficient) -> Coefficient:
    """Say why a field is empty (the mean absolute difference has no p-value: it is not a test)."""
    if c.reason or all(v is not None for v in (c.value, c.se, c.ci_low, c.ci_high, c.p_value)):
        return c
    if c.key == "mean_abs_diff" and c.value is not None and c.p_value is None:
        return c.with_(reason="a distance, not a test: no p-value")
    return c.with_(reason="not computed")


def _table_kappa(t: np.ndarray, confidence: float) -> Coefficient:
    """Cohen's kappa of a pair from its q x q table (see :func:`table_statistics`)."""
    return table_statistics(t, confidence, ("cohen_kappa",))["cohen_kappa"]


def light_kappa(r: ItemRatings, confidence: float = 0.95, codes: np.ndarray | None = None,
                tables: Sequence[np.ndarray] | None = None,
                kappas: Sequence[Coefficient] | None = None, joint: Combos | None = None) -> Coefficient:
    """Light's (1971) kappa: mean of the pairwise Cohen's kappas on the units every coder rated (R
    ``irr::kappam.light``: ``ratings <- na.omit(ratings)``, then ``kappa2`` on each pair of columns).

    Coders without any rating of the item are left out. Undefined when fewer than two coders or two complete
    units remain, or a pairwise kappa is undefined (chance agreement 1). ``codes``: the item's category
    indices; ``tables``: the pairs' tables on the units both rated (:func:`pair_tables`) and ``kappas``: the
    pairs' Cohen's kappas from them (:func:`table_statistics`), used when every unit is complete (then they are
    the tables and kappas on the complete units); ``joint``: the combinations of the coders' categories (the
    complete units and their tables counted from them).
    """
    key = "light_kappa"
    cols = _rated_coders(r, codes)
    if len(cols) < 2:
        return undefined(key, "fewer than two coders rated this item")
    q = len(r.categories)
    pairs = list(combinations(range(len(cols)), 2))
    tabled = _tabled(r)
    if tabled:  # each pair's table on the complete units: the same kappas (values: sums of whole numbers)
        codes = counting.category_index(r.values, r.categories) if codes is None else codes
        sub = codes[:, cols] if len(cols) != codes.shape[1] else codes
        if joint is not None and (joint.cols != cols or joint.width != q + 1):
            joint = None
        if joint is not None:
            n = joint.complete()
        else:
            complete = np.flatnonzero((sub >= 0).all(axis=1))
            n = len(complete)
    else:
        x = r.values[:, cols]
        x = x[~np.isnan(x).any(axis=1)]
        n = x.shape[0]
    if n < 2:
        return undefined(key, f"fewer than two units rated by every coder ({n})", n)
    values = []
    if tabled:
        if n == r.n_units and kappas is not None:
            ks = list(kappas)
        else:
            if (tables is None or n != r.n_units) and joint is not None:
                tables = joint.tables(pairs, complete=True)
            elif tables is None or n != r.n_units:
                tables = pair_tables(sub, q, pairs, rows=complete)
            ks = [_table_kappa(t, confidence) for t in tables]
    else:
        full = counting.category_index(x, r.categories)
        ks = (chance_corrected.conger_kappa(full[:, [a, b]], q, None, confidence, key="cohen_kappa") for a, b in pairs)
    for (a, b), k in zip(pairs, ks):
        if not k.ok:
            return undefined(key, f"Cohen's kappa of {r.coders[cols[a]]} and {r.coders[cols[b]]} is undefined: "
                             f"{k.reason}", n)
        values.append(k.value)
    dropped = r.n_units - n
    reason = "no standard error (pairwise kappas share coders; use --bootstrap for an interval of the item's "\
             "statistics)"
    method = LIGHT_METHOD + (f"; {dropped} unit{'s' * (dropped > 1)} not rated by every coder left out"
                             if dropped else "")
    return Coefficient(key, float(np.mean(values)), n_units=n, reason=reason, method=method,
                       extra={"pairs": len(values), "coders": len(cols),
                              "min_pair": float(min(values)), "max_pair": float(max(values))})


def leave_one_out(r: ItemRatings, result: ItemResult, opts: Options | None = None,
                  codes: np.ndarray | None = None, only: list[int] | None = None,
                  joint: Combos | None = None) -> LeaveOneOut:
    """The primary statistic of ``result`` recomputed without each coder (needs three coders or more;
    ``codes``: the item's category indices when the caller has them, ``joint`` their combinations; ``only``:
    without these coders only)."""
    if opts is not None and opts.step:
        opts.step(f"item '{r.item}': leave-one-coder-out")
    opts = replace(opts or Options(), bootstrap=0, per_category=False, progress=None, step=None)
    key = result.primary
    full = result.coefficients[key]
    coders = _rated_coders(r, codes)
    if len(coders) < 3:
        return LeaveOneOut(key, full, {}, None, "fewer than three coders: leaving one out leaves no agreement "
                                                "to compare", result.weights)
    without: dict[str, Coefficient] = {}
    fast = _loo_from_table(r, key, coders, opts, codes, joint)
    for j in coders if only is None else [c for c in coders if c in set(only)]:
        if fast is not None:
            c = fast(j)
        else:
            keep = [c for c in coders if c != j]
            if r.sparse:
                sub = replace(r, coders=[r.coders[c] for c in keep], warnings=[],
                              cells=r.cells.without_coders([c for c in range(r.n_coders) if c not in set(keep)]))
            else:
                sub = replace(r, coders=[r.coders[c] for c in keep], values=r.values[:, keep], warnings=[])
            if key in ICC_KEYS:  # the ICCs alone: no need for the chance-corrected family
                c = icc_of(sub, opts, (key,)).get(key)
            else:
                c = analyse(sub, opts).coefficients.get(key)
        without[r.coders[j]] = c if c is not None else undefined(key, "not computed without this coder")
    lowers, reason = None, None
    if full.ok:
        gains = {c: v.value - full.value for c, v in without.items() if v.ok}
        if gains:
            best = max(gains, key=lambda c: gains[c])
            if gains[best] > 1e-12:
                lowers = best
            else:
                reason = "no coder's removal raises the statistic"
        else:
            reason = "undefined without every coder"
    else:
        reason = f"the statistic is undefined with all coders: {full.reason}"
    return LeaveOneOut(key, full, without, lowers, reason, result.weights)


# the statistics leave-one-out takes from the item's count table less one coder (nominal items, identity weights)
TABLE_LOO = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger", "krippendorff_alpha")


def _loo_from_table(r: ItemRatings, key: str, coders: list[int], opts: Options,
                    codes: np.ndarray | None = None, joint: Combos | None = None
                    ) -> Callable[[int], Coefficient] | None:
    """The primary statistic without coder j from the units x categories count table less that coder's
    ratings (one table for the item, not one analysis per coder), by the calls :func:`analyse` makes for
    ``key``; None where analyse takes another path (weights, clusters, many categories, other statistics).

    The table less one coder is the table of the other coders exactly (whole numbers), so the figures are
    those of ``analyse`` without that coder, bit for bit."""
    from irrkit.analysis.item import _dense_max, krippendorff_alpha

    q = len(r.categories)
    if (key not in TABLE_LOO or r.level != "nominal" or r.sparse or opts.weights or r.weight_matrix is not None
            or r.clusters is not None or not 1 <= q <= _dense_max(r.n_units, opts)):
        return None
    if codes is None:
        codes = counting.category_index(r.values, r.categories)
    n = len(codes)
    if joint is not None and (joint.cols != coders or joint.width != q + 1 or n <= LOO_DISTINCT_FROM):
        joint = None
    if len(coders) != codes.shape[1]:
        codes = codes[:, coders]
    cf = opts.confidence

    def statistic(t: np.ndarray, f: np.ndarray | None = None) -> Coefficient:
        a = chance_corrected.agreement(t, freq=f)
        if key == "krippendorff_alpha":
            return krippendorff_alpha(t, list(r.categories), r.level, cf, a=a, dense_max=_dense_max(n, opts))
        if key == "percent_agreement":
            return chance_corrected.percent_agreement(a, cf)
        if key == "fleiss_kappa":
            return chance_corrected.fleiss_kappa(a, cf)
        if key == "gwet_ac1":
            return chance_corrected.gwet_ac(a, cf)
        return chance_corrected.brennan_prediger(a, cf)

    width = q + 1
    if joint is not None:  # many units: each combination of the coders' categories taken once, with its units
        # (the count table's distinct rows and each unit's row among them, from the combinations: no pass over
        # the units; the same rows, frequencies and order as below, so the same figures)
        got = distinct_rows(counting.count_table(joint.rows, q))
        if got is not None:
            combo_row, drows = got

            def from_combos(j: int) -> Coefficient:
                cnt = np.bincount(combo_row * width + (joint.rows[:, coders.index(j)] + 1), weights=joint.freq,
                                  minlength=len(drows) * width)
                nz = np.flatnonzero(cnt)
                t, cat = drows[nz // width], nz % width - 1
                hit = np.flatnonzero(cat >= 0)
                t[hit, cat[hit]] -= 1.0  # the other coders' counts of that row
                return statistic(t, cnt[nz])

            return from_combos
    tab = counting.count_table(codes, q)
    by_coder = np.ascontiguousarray(codes.T)
    distinct = distinct_rows(tab) if n > LOO_DISTINCT_FROM else None
    if distinct is not None:  # many units: each unit's (row, coder's category) taken once, with its frequency
        row_id, drows = distinct

        def compressed(j: int) -> Coefficient:
            cnt = np.bincount(row_id * width + (by_coder[coders.index(j)] + 1), minlength=len(drows) * width)
            nz = np.flatnonzero(cnt)
            t, cat = drows[nz // width], nz % width - 1
            hit = np.flatnonzero(cat >= 0)
            t[hit, cat[hit]] -= 1.0  # the other coders' counts of that row
            return statistic(t, cnt[nz].astype(float))

        return compressed
    rows = np.arange(n, dtype=np.int64) * q

    def without(j: int) -> Coefficient:
        c = by_coder[coders.index(j)]
        cells = rows + c
        if c.min(initial=0) < 0:  # missing ratings: only the rated units lose a count
            cells = cells[c >= 0]
        flat = tab.reshape(-1)
        flat[cells] -= 1.0  # the other coders' table, in place (whole numbers: restored exactly below)
        try:
            return statistic(tab)
        finally:
            flat[cells] += 1.0

    return without


LOO_DISTINCT_FROM = 20_000  # units from which leave-one-out works on the distinct rows of the count table


def distinct_rows(tab: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(index of each unit's row among the distinct rows, the distinct rows) of a count table of small whole
    numbers (r coders and q categories give at most C(r + q, q) distinct rows, whatever the number of units);
    None when the rows cannot be keyed as one integer each (:func:`counting.keyed_rows`). With the engine's
    ``freq=`` the distinct rows give the figures of the whole table up to the order of the sums
    (tests/test_loo_distinct.py)."""
    if not tab.size:
        return None
    got = counting.keyed_rows(tab.astype(np.int64), int(tab.max()) + 1, ids=True)
    return None if got is None else (got[2], got[0].astype(float))


def diagnose(r: ItemRatings, result: ItemResult, opts: Options | None = None) -> Diagnostics:
    """All coder diagnostics of one item (``result``: ``analyse(r, opts)``); more than MANY_CODERS coders:
    the pairs summarised (:func:`summarised`) unless ``opts.all_pairs``."""
    opts = opts or Options()
    stats = NOMINAL_MATRIX if r.level == "nominal" else SCALE_MATRIX
    if r.sparse:  # crowd data: the pairs summarised from the rated cells, unless every pair is asked for
        cols = _rated_coders(r)
        if not opts.all_pairs:
            return summarised(r, result, opts, None, cols)
        r = r.as_dense()
    codes = counting.category_index(r.values, r.categories) if _tabled(r) else None  # shared by all of them
    cols = _rated_coders(r, codes)
    if len(cols) > MANY_CODERS and not opts.all_pairs:
        return summarised(r, result, opts, codes, cols)
    q = len(r.categories)
    joint = None if codes is None else combos(codes, q, cols)  # many units: one pass, every count from it
    pos = list(combinations(range(len(cols)), 2))
    tables = None if codes is None else pair_tables(codes, q, list(combinations(cols, 2))) if joint is None \
        else joint.tables(pos)
    pairs = pairwise(r, opts.confidence, codes, tables)
    kappas = [p.statistics["cohen_kappa"] for p in pairs] if tables is not None else None
    light = light_kappa(r, opts.confidence, codes, tables, kappas, joint) if r.level == "nominal" else None
    return Diagnostics(r.item, r.level, [r.coders[j] for j in cols], stats, pairs, profiles(r, codes, joint=joint),
                       leave_one_out(r, result, opts, codes, joint=joint), light)


MANY_CODERS = 50  # more coders than this (1,225 pairs): the pairs are summarised unless --pairs all
MIN_SHARED = 10  # units two coders must share for their pair to count in the distribution of pair agreement
LISTED_PAIRS = 100  # pairs listed in full when summarised: the lowest agreement among those sharing MIN_SHARED
WORST_CODERS = 10  # coders named by their agreement with the others
LOO_CODERS = 5  # leave-one-coder-out for this many of the worst coders when summarised
PAIR_BUDGET = 20_000_000  # pairs of ratings enumerated at most (a unit with 10,000 coders has 50 million)
_QUANTILES = {"min": 0.0, "p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9, "max": 1.0}


def rating_pairs(x: np.ndarray | Cells, budget: int = PAIR_BUDGET) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                             np.ndarray, np.ndarray]:
    """Every pair of ratings of one unit by two coders of a units x coders matrix (NaN = missing) or its rated
    cells: (first coder, second coder (first < second), first value, second value, the units left out). Units
    are grouped by their number of ratings m, whose C(m, 2) pairs come from one triangle of indices over the
    unit's cells (in coder order); units whose pairs would pass ``budget`` in all are left out, the most-rated
    first (:func:`coder_terms` counts them coder by coder)."""
    c = x if isinstance(x, Cells) else Cells.from_matrix(x)
    per_unit = c.per_unit()
    start = np.concatenate(([0], np.cumsum(per_unit)[:-1]))
    pairs_of = per_unit.astype(np.int64) * (per_unit - 1) // 2
    drop = np.zeros(0, dtype=np.int64)
    if int(pairs_of.sum()) > budget:  # the most-rated units out until the rest fit
        order = np.argsort(-pairs_of, kind="stable")
        over = np.cumsum(pairs_of[order[::-1]])[::-1] > budget  # (the sum of this unit's and all smaller ones)
        drop = order[over]
        per_unit = per_unit.copy()
        per_unit[drop] = 0
    out: list[list[np.ndarray]] = [[], [], [], []]
    for m in np.unique(per_unit[per_unit >= 2]).tolist():
        units = np.flatnonzero(per_unit == m)
        at = start[units][:, None] + np.arange(m)  # each unit's cells, its coders in ascending order
        coder, value = c.coder[at], c.value[at]
        i, j = np.triu_indices(m, 1)
        for k, part in enumerate((coder[:, i], coder[:, j], value[:, i], value[:, j])):
            out[k].append(part.ravel())
    empty = [np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)]
    a, b, va, vb = (np.concatenate(p) if p else e for p, e in zip(out, empty, strict=True))
    return a, b, va, vb, drop


def _row(c: Cells, u: int) -> np.ndarray:
    """Unit u's ratings by every coder (NaN = not rated) from rated cells."""
    lo, hi = np.searchsorted(c.unit, [u, u + 1])
    row = np.full(c.shape[1], np.nan)
    row[c.coder[lo:hi]] = c.value[lo:hi]
    return row


def coder_terms(row: np.ndarray, nominal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One unit's ratings (NaN = missing) compared with each other, coder by coder, without enumerating the
    pairs: (the coders who rated it, the other ratings each is compared with (m - 1), the sum of the pair
    statistic over them: ratings equal to its own (nominal) or the sum of absolute differences (by the sorted
    values and their running sums))."""
    coders = np.flatnonzero(~np.isnan(row))
    v = row[coders]
    m = len(v)
    if nominal:
        _, inv, cnt = np.unique(v, return_inverse=True, return_counts=True)
        total = (cnt[inv] - 1).astype(float)
    else:
        order = np.argsort(v, kind="stable")
        sv = v[order]
        before = np.concatenate(([0.0], np.cumsum(sv)[:-1]))
        k = np.arange(m)
        after = sv.sum() - before - sv
        dist = np.empty(m)
        dist[order] = (k * sv - before) + (after - (m - 1 - k) * sv)
        total = dist
    return coders, np.full(m, m - 1, dtype=np.int64), total


def summarised(r: ItemRatings, result: ItemResult, opts: Options, codes: np.ndarray | None,
               cols: list[int]) -> Diagnostics:
    """The coder diagnostics of many coders without every pair in full: the pair agreement of every pair of
    coders sharing a unit (:func:`rating_pairs`), summarised (:class:`PairSummary`); the pairs listed in full
    (matrix statistics with CIs) are the LISTED_PAIRS with the lowest agreement among those sharing MIN_SHARED
    units; leave-one-coder-out for the LOO_CODERS coders with the lowest agreement with the others; Light's
    kappa is not computed (the mean of C(k, 2) pairwise kappas on the units every coder rated)."""
    nominal = r.level == "nominal"
    key = "percent_agreement" if nominal else "mean_abs_diff"
    stats = (key, *(s for s in (NOMINAL_MATRIX if nominal else SCALE_MATRIX) if s != key))
    names = [r.coders[j] for j in cols]
    k = len(cols)
    if r.sparse:
        x = r.cells if len(cols) == r.n_coders else r.cells.without_coders(
            np.setdiff1d(np.arange(r.n_coders), cols))
    else:
        x = r.values[:, cols] if len(cols) != r.values.shape[1] else r.values
    a, b, va, vb, drop = rating_pairs(x)
    left = len(drop)
    score = (va == vb).astype(float) if nominal else np.abs(va - vb)
    pair = a * k + b
    keys, inverse, shared = np.unique(pair, return_inverse=True, return_counts=True)
    mean = np.bincount(inverse, score, minlength=len(keys)) / np.maximum(shared, 1)
    enough = shared >= MIN_SHARED
    quant = {q: float(np.quantile(mean[enough], p)) for q, p in _QUANTILES.items()} if enough.any() else {}
    n_cmp = np.bincount(a, minlength=k) + np.bincount(b, minlength=k)
    tot = np.bincount(a, score, minlength=k) + np.bincount(b, score, minlength=k)
    for u in drop.tolist():  # the units left out of the pairs: each coder's comparisons there, without the pairs
        g, n_u, t_u = coder_terms(x[u] if isinstance(x, np.ndarray) else _row(x, u), nominal)
        n_cmp[g] += n_u
        tot[g] += t_u
    with_others = {names[g]: float(tot[g] / n_cmp[g]) for g in np.flatnonzero(n_cmp).tolist()}
    comparisons = {names[g]: int(n_cmp[g]) for g in range(k)}
    ranked = [g for g in np.argsort(-tot / np.maximum(n_cmp, 1) if not nominal else tot / np.maximum(n_cmp, 1),
                                    kind="stable").tolist() if n_cmp[g] >= MIN_SHARED]
    worst = [names[g] for g in ranked[:WORST_CODERS]]
    sel = np.flatnonzero(enough)
    sel = sel[np.argsort(-mean[sel] if not nominal else mean[sel], kind="stable")[:LISTED_PAIRS]]
    from irrkit.analysis.pairs import pair_statistics

    listed = []
    for p in sel.tolist():
        x, y = cols[int(keys[p]) // k], cols[int(keys[p]) % k]
        st = pair_statistics(r.column(x), r.column(y), r, opts.confidence, stats)
        listed.append(PairStats(r.coders[x], r.coders[y], int(shared[p]), {s: _explained(c) for s, c in st.items()}))
    note = (f"{left} unit{'s' * (left > 1)} rated by so many coders that their pairs of ratings (more than "
            f"{PAIR_BUDGET:,} in all) were not enumerated: they count in each coder's agreement with the others, "
            "not in the pairs' counts" if left else "")
    summary = PairSummary(key, k, k * (k - 1) // 2, len(keys), MIN_SHARED, int(enough.sum()), quant, with_others,
                          comparisons, worst, left, note)
    pos = {c: i for i, c in enumerate(names)}
    loo_cols = [cols[pos[c]] for c in worst[:LOO_CODERS]]
    full = result.coefficients[result.primary]
    if loo_cols and (full.method or "").startswith("REML"):  # a mixed-model fit per coder: not done
        loo = LeaveOneOut(result.primary, full, {}, None,
                          f"not computed for {k} coders with REML ICCs (one mixed-model fit per coder); the coders "
                          "with the lowest agreement with the others are named in the pair summary", result.weights)
    elif loo_cols:
        loo = leave_one_out(r, result, opts, codes, only=loo_cols)
    else:
        loo = LeaveOneOut(result.primary, result.coefficients[result.primary], {}, None,
                          f"not computed: with {k} coders it is computed for the {LOO_CODERS} with the lowest "
                          f"agreement with the others, and no coder has {MIN_SHARED} ratings compared with others'",
                          result.weights)
    light = undefined("light_kappa", f"not computed for {k} coders (the mean of {k * (k - 1) // 2:,} pairwise "
                      "kappas); irrkit check --pairs all computes it") if nominal else None
    result.notes.append(pair_summary_text(summary))
    return Diagnostics(r.item, r.level, names, stats, listed, profiles(r, codes, used_only=True), loo, light,
                       summary)


def pair_summary_text(s: PairSummary) -> str:
    """The pair summary in one note: pairs sharing units, the distribution of pair agreement, the worst coders."""
    name = stat_name(s.statistic)
    txt = (f"{s.n_coders:,} coders: {s.n_pairs_sharing:,} of {s.n_pairs_possible:,} coder pairs share units, "
           f"{s.n_pairs_enough:,} share at least {s.min_shared}")
    if s.quantiles:
        q = s.quantiles
        txt += (f"; their {name}: median {q['median']:.3f} (10-90%: {q['p10']:.3f}-{q['p90']:.3f}, "
                f"min {q['min']:.3f})")
    if s.worst:
        low = "highest" if s.statistic == "mean_abs_diff" else "lowest"
        txt += f"; {low} {name} with the others: " + ", ".join(f"{c} {s.with_others[c]:.3f}" for c in s.worst[:5])
    if s.note:
        txt += f"; {s.note}"
    return txt + " (pairs summarised: irrkit check --pairs all lists every pair)"


def summary_text(d: Diagnostics) -> str:
    """One sentence on the leave-one-out result, e.g. for a terminal note."""
    loo = d.leave_one_out
    name = loo.name
    if loo.lowers_most is None:
        return f"leave-one-coder-out ({name}): {loo.reason}"
    c = loo.without[loo.lowers_most]
    return (f"{loo.lowers_most} lowers agreement most: {name} {loo.full.value:.3f} with all coders, "
            f"{c.value:.3f} without {loo.lowers_most} ({loo.change(loo.lowers_most):+.3f})")


__all__ = ["CoderProfile", "Diagnostics", "LeaveOneOut", "PairStats", "diagnose", "leave_one_out", "light_kappa",
           "pairwise", "profiles", "summary_text"]
