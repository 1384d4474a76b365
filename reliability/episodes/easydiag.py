"""ELAN's own inter-annotator figure: the modified Cohen's kappa of Holle & Rein (2015), "EasyDIAg: A tool for
easy determination of interrater agreement", Behav Res Methods 47:837-847, as ELAN 6 computes it (menu File >
Multiple File Processing > Calculate inter-annotator reliability > "Cohen's kappa (modified, EasyDIAg)").

Written here from the published description and from reading how ELAN and EasyDIAg proceed; no code of
theirs is used. The steps, for two coders A and B of one item:

1. **Linking** (per video). Two episodes, one of A and one of B, *may* be linked when they overlap in time and
   the overlap reaches a share ``p`` (default 60%; ELAN and EasyDIAg allow 51% to 100%) of the *longer* of the
   two::

       overlap(a, b) / max(len(a), len(b)) >= p,   overlap = min(end_a, end_b) - max(start_a, start_b) > 0

   Each episode is linked at most once: candidate pairs are taken from the largest share down (ties: the
   larger overlap in ms first), a pair is kept when neither episode is linked yet. With ``p > 0.5`` and a
   coder's episodes not overlapping each other, no episode has two candidates, so the order never matters.
   Episodes of zero length (point events) have no share and are never linked.

2. **Agreement matrix** (K codes + "unmatched"). A linked pair adds **2** to cell (code of A, code of B) -- the
   GSEQ convention Holle & Rein follow: each of the two annotations is counted, so the matrix sums to the number
   of annotations; an unlinked episode of A adds 1 to (its code, unmatched), one of B adds 1 to (unmatched, its
   code). The (unmatched, unmatched) cell is a structural zero. Tables of all videos (and, for three or more
   coders, of all pairs of coders) are summed, as ELAN sums its tables over all files and tier pairs into its
   "global" results; only codes that occur are kept (ELAN lists the values found).

3. **Overall figures, unmatched included** (N = sum of the matrix, n_i. and n_.i its margins)::

       p_o        = sum_i n_ii / N                                  (raw agreement)
       p_e(ipf)   = sum_{i < K} m_ii / N                            (chance agreement)
       kappa_ipf  = (p_o - p_e(ipf)) / (1 - p_e(ipf))               (the figure EasyDIAg/ELAN ask you to report)
       kappa_max  = (p_oM - p_e) / (1 - p_e),  p_oM = sum_i min(n_i., n_.i) / N,  p_e = sum_i n_i. n_.i / N^2

   where m are the expected counts under quasi-independence with the structural zero, found by iterative
   proportional fitting (Bakeman & Robinson 1994, p. 106): start from 1 in every cell and 0 in the
   unmatched/unmatched cell, then scale rows to the row margins and columns to the column margins, 20 times
   (ELAN: 20 sweeps, rows first; a zero seed or margin is replaced by 0.001 before fitting, so the structural
   cell starts at 0.001). That is what ``easydiag_kappa`` reports; the model's own chance agreement, in closed
   form (:func:`quasi_independence_chance`), is given too (``kappa_ipf_exact``): on random tables
   the two agree to about five decimals (median), but they can differ in the second on small or sparse ones
   (two coders with one unlinked episode each: ELAN's chance agreement is 0.018, the model's 0).

   ``kappa_max`` is Cohen's (1960) maximum kappa given the margins; ELAN computes it with the ordinary chance
   agreement p_e, EasyDIAg's MATLAB code (as published in the PLAY-behaviorome/EasyDIAg copy) with p_e(ipf)
   (given here as ``kappa_max_ipf_chance``). The two programs differ in more than that: EasyDIAg fits from an
   exact zero, clips a negative kappa at 0, links by largest overlap before applying the threshold and counts a
   linked disagreement once in its per-code tables (ELAN: twice); ELAN's forum reports data where the two
   programs' kappa_ipf differ. irrkit follows ELAN.

4. **Unmatched excluded**: Cohen's kappa, kappa_max and raw agreement of the K x K matched part (doubled
   counts), only when at least two codes occur (ELAN: "not available because there is only one value").

5. **Per code** v: a 2 x 2 table from the overall matrix: a = n_vv, b = n_v. - n_vv (A said v, B another code or
   nothing), c = n_.v - n_vv, d = N - a - b - c; its Cohen's kappa, kappa_max and raw agreement.

ELAN prints a negative kappa as "0" and an undefined one as "NaN"; here a negative value is kept as it is and
an undefined one is ``undefined`` with the reason. Where the model's exact chance agreement is 1 (e.g. one
code, every episode linked) kappa_ipf is undefined, although ELAN, whose 0.001 seed leaves its chance agreement
a hair below 1, prints a value there. ELAN's separate "Fleiss' kappa (multiple raters)" method
links annotations of three or more raters into clusters by a different rule (average overlap ratio); it is not
this figure. For three or more coders this module, like ELAN's global table over the selected tier pairs,
pools the tables of all pairs of coders; each pair's kappa_ipf is given too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.statistics.results import Coefficient, undefined

OVERLAP = 0.6  # ELAN's and EasyDIAg's default minimal overlap, as a share of the longer annotation
IPF_SWEEPS = 20  # ELAN's and EasyDIAg's number of fitting sweeps
ZERO_SEED = 0.001  # ELAN's stand-in for a zero seed cell or margin before fitting
KEYS = ("easydiag_kappa", "easydiag_kappa_max")


def link(sa: np.ndarray, ea: np.ndarray, sb: np.ndarray, eb: np.ndarray,
         threshold: float = OVERLAP) -> np.ndarray:
    """Linked pairs (k x 2 indices into a and b) of two coders' episodes in one video (see the module docstring).

    Candidates are found without an n_a x n_b matrix: with b sorted by start, the b's an episode a can overlap
    start before a's end and lie past the running maximum of earlier ends, a contiguous range per a."""
    sa, ea, sb, eb = (np.asarray(x, dtype=np.int64) for x in (sa, ea, sb, eb))
    if not len(sa) or not len(sb):
        return np.zeros((0, 2), dtype=np.int64)
    ob = np.argsort(sb, kind="stable")
    s2, e2 = sb[ob], eb[ob]
    reach = np.maximum.accumulate(e2)  # non-decreasing: every b at or after lo may still overlap
    lo = np.searchsorted(reach, sa, side="right")  # first b whose running end passes a's start
    hi = np.searchsorted(s2, ea, side="left")  # b's starting before a's end
    n = np.maximum(hi - lo, 0)
    ia = np.repeat(np.arange(len(sa)), n)
    jb = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    ov = np.minimum(ea[ia], e2[jb]) - np.maximum(sa[ia], s2[jb])
    longer = np.maximum(ea[ia] - sa[ia], e2[jb] - s2[jb])
    ok = (ov > 0) & (longer > 0)
    ia, jb, ov, longer = ia[ok], jb[ok], ov[ok], longer[ok]
    share = ov / longer
    keep = share >= threshold  # IEEE division, as ELAN's: a share of exactly 3/5 is the double 0.6 and counts
    ia, jb, ov, share = ia[keep], ob[jb[keep]], ov[keep], share[keep]
    if not len(ia):
        return np.zeros((0, 2), dtype=np.int64)
    if len(np.unique(ia)) == len(ia) and len(np.unique(jb)) == len(jb):
        return np.stack([ia, jb], axis=1)  # no episode has two candidates: every candidate is a link
    # the largest share first, then the larger overlap; among equals the later candidate (as ELAN takes the
    # last of a stable ascending sort)
    order = np.lexsort((np.arange(len(ia)), ov, share))[::-1]
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for k in order:
        i, j = int(ia[k]), int(jb[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return np.array(sorted(out), dtype=np.int64).reshape(-1, 2)


def pair_table(es: EpisodeSet, a: int, b: int, threshold: float = OVERLAP) -> np.ndarray:
    """The (K+1) x (K+1) agreement matrix of coders a (rows) and b (columns), summed over the videos both coded;
    last row and column: unmatched. Linked pairs count 2, unlinked episodes 1. All videos are linked at once,
    each on its own stretch of one time line (video x span + time), so no episode reaches into another video."""
    from irrkit.episodes.timeline import coded

    k = len(es.spec.codes)
    t = np.zeros((k + 1, k + 1), dtype=np.int64)
    done = coded(es)
    both = (done[:, a] & done[:, b])[es.video]
    ma = np.flatnonzero(both & (es.coder == a))
    mb = np.flatnonzero(both & (es.coder == b))
    if not len(ma) and not len(mb):
        return t
    span = int(es.end[np.concatenate([ma, mb])].max()) + 1
    base_a = es.video[ma].astype(np.int64) * span
    base_b = es.video[mb].astype(np.int64) * span
    p = link(base_a + es.start[ma], base_a + es.end[ma], base_b + es.start[mb], base_b + es.end[mb], threshold)
    ca, cb = es.code[ma], es.code[mb]
    np.add.at(t, (ca[p[:, 0]], cb[p[:, 1]]), 2)
    la = np.ones(len(ma), dtype=bool)
    la[p[:, 0]] = False
    lb = np.ones(len(mb), dtype=bool)
    lb[p[:, 1]] = False
    np.add.at(t, (ca[la], k), 1)
    np.add.at(t, (k, cb[lb]), 1)
    return t


def ipf(rows: np.ndarray, cols: np.ndarray, seed: np.ndarray, sweeps: int = IPF_SWEEPS) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` to the margins (rows first, then columns, ``sweeps`` times);
    zero seed cells and zero margins become ZERO_SEED first, as in ELAN."""
    m = np.where(seed == 0, ZERO_SEED, seed).astype(float)
    r = np.where(rows == 0, ZERO_SEED, rows).astype(float)
    c = np.where(cols == 0, ZERO_SEED, cols).astype(float)
    for _ in range(sweeps):
        m *= (r / m.sum(axis=1))[:, None]
        m *= (c / m.sum(axis=0))[None, :]
    return m


def quasi_independence_chance(rows: np.ndarray, cols: np.ndarray) -> float:
    """The chance agreement under quasi-independence with the last cell a structural zero, in closed form (the
    value ELAN's 20 sweeps of :func:`ipf` approach). With m_ij = a_i b_j off that cell, the margins give
    a_i = r_i / B, b_j = c_j / A for the code rows and columns and A B = R' C' / M, where R' = N - r_K and
    C' = N - c_K are the counts outside the unmatched row and column and M = N - r_K - c_K the linked block; so
    m_ii = r_i c_i M / (R' C') and the chance agreement is sum_{i<K} r_i c_i M / (R' C' N). With no linked pair
    (M = 0) the fit puts nothing on the code block: chance agreement 0."""
    r = np.asarray(rows, dtype=float)
    c = np.asarray(cols, dtype=float)
    n = r.sum()
    rp, cp = n - r[-1], n - c[-1]
    m = n - r[-1] - c[-1]
    if n == 0 or m <= 0:
        return 0.0
    return float((r[:-1] * c[:-1]).sum() * m / (rp * cp * n))


def _kappa_2x2(t: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(kappa, kappa_max, raw agreement) of a 2 x 2 (or any square) table; None where undefined."""
    n = t.sum()
    if n == 0:
        return None, None, None
    r, c = t.sum(axis=1), t.sum(axis=0)
    po = np.trace(t) / n
    pe = float((r * c).sum()) / n**2
    if pe >= 1:
        return None, None, float(po)
    pom = np.minimum(r, c).sum() / n
    return float((po - pe) / (1 - pe)), float((pom - pe) / (1 - pe)), float(po)


@dataclass
class EasyDIAgResult:
    """The figures of one agreement matrix (see the module docstring); None where undefined, with the reason."""

    table: np.ndarray  # (K'+1) x (K'+1), codes that occur + unmatched; rows: first coder
    labels: list[str]
    threshold: float
    kappa_ipf: float | None
    kappa_max: float | None
    kappa_max_ipf_chance: float | None
    raw_agreement: float | None
    chance_ipf: float | None
    kappa_ipf_exact: float | None  # with the exact quasi-independence chance instead of ELAN's 20 sweeps
    chance_exact: float | None
    linked: float | None  # share of the annotations that were linked
    kappa_excl: float | None
    kappa_max_excl: float | None
    raw_agreement_excl: float | None
    per_code: dict[str, dict[str, Any]] = field(default_factory=dict)
    reason: str | None = None
    pairs: dict[str, float | None] = field(default_factory=dict)  # 3+ coders: each pair's kappa_ipf


def figures(table: np.ndarray, labels: list[str], threshold: float = OVERLAP) -> EasyDIAgResult:
    """Every figure ELAN reports from one agreement matrix (last row and column: unmatched)."""
    t = np.asarray(table, dtype=np.int64)
    keep = np.flatnonzero((t[:-1].sum(axis=1) + t[:, :-1].sum(axis=0)) > 0)  # codes that occur
    idx = np.append(keep, len(t) - 1)
    t = t[np.ix_(idx, idx)]
    labels = [labels[i] for i in keep]
    k = len(keep)
    n = int(t.sum())
    empty = EasyDIAgResult(t, labels, threshold, *([None] * 11))
    if n == 0:
        empty.reason = "no episodes in videos both coders coded"
        return empty
    r, c = t.sum(axis=1), t.sum(axis=0)
    po = float(np.trace(t) / n)
    pe = float((r * c).sum()) / n**2
    pom = float(np.minimum(r, c).sum()) / n
    seed = np.ones_like(t, dtype=float)
    seed[-1, -1] = 0.0
    fit = ipf(r, c, seed)
    pe_ipf = float(np.trace(fit[:-1, :-1]) / n)
    linked = float(t[:-1, :-1].sum() / n)
    pe_exact = quasi_independence_chance(r, c)
    res = EasyDIAgResult(t, labels, threshold, None, None, None, po, pe_ipf, None, pe_exact, linked, None, None,
                         None)
    if pe_exact < 1:
        res.kappa_ipf_exact = (po - pe_exact) / (1 - pe_exact)
    if pe_exact < 1 - 1e-9:
        res.kappa_ipf = (po - pe_ipf) / (1 - pe_ipf)
        res.kappa_max_ipf_chance = (pom - pe_ipf) / (1 - pe_ipf)
    else:  # ELAN's 0.001 seed leaves the chance a hair below 1 and prints a kappa of ~1: not a figure
        res.reason = "the chance agreement is 1 (the quasi-independence fit puts every count on the diagonal)"
    if pe < 1:
        res.kappa_max = (pom - pe) / (1 - pe)
    if k >= 2:
        res.kappa_excl, res.kappa_max_excl, res.raw_agreement_excl = _kappa_2x2(t[:-1, :-1])
    for i, code in enumerate(labels):
        a = int(t[i, i])
        b = int(r[i] - a)
        cc = int(c[i] - a)
        two = np.array([[a, b], [cc, n - a - b - cc]])
        kap, kmax, raw = _kappa_2x2(two)
        res.per_code[code] = {"table": two.tolist(), "kappa": kap, "kappa_max": kmax, "raw_agreement": raw}
    return res


def easydiag(es: EpisodeSet, threshold: float = OVERLAP, tables: np.ndarray | None = None,
             pair_kappas: list[float | None] | None = None) -> EasyDIAgResult:
    """The figures of an item: two coders, their matrix; three or more, the matrices of all pairs summed (each
    pair's kappa_ipf in ``pairs``). ``tables``, ``pair_kappas``: every pair's matrix and kappa_ipf, in
    ``combinations`` order, computed beforehand (many coders: ``allpairs``)."""
    m = len(es.coders)
    labels = list(es.spec.codes)
    if m < 2:
        r = figures(np.zeros((len(labels) + 1,) * 2, dtype=np.int64), labels, threshold)
        r.reason = "fewer than two coders"
        return r
    if tables is None:
        tables = np.array([pair_table(es, a, b, threshold) for a, b in combinations(range(m), 2)])
    res = figures(tables.sum(axis=0), labels, threshold)
    if m > 2:
        if pair_kappas is None:
            pair_kappas = [figures(t, labels, threshold).kappa_ipf for t in tables]
        res.pairs = {f"{es.coders[a]}|{es.coders[b]}": k for (a, b), k in zip(combinations(range(m), 2),
                                                                              pair_kappas, strict=True)}
    return res


def coefficients(es: EpisodeSet, threshold: float = OVERLAP, tables: np.ndarray | None = None,
                 pair_kappas: list[float | None] | None = None) -> dict[str, Coefficient]:
    """``easydiag_kappa`` (kappa_ipf) and ``easydiag_kappa_max`` as flat coefficients, every other figure in
    ``extra``; no SE (neither ELAN nor EasyDIAg gives one). ``tables``, ``pair_kappas``: see :func:`easydiag`."""
    r = easydiag(es, threshold, tables, pair_kappas)
    pooled = " (the tables of all pairs of coders summed, as ELAN's global table)" if len(es.coders) > 2 else ""
    method = (f"Holle & Rein (2015), as ELAN 6: episodes linked when their overlap is at least {threshold:.0%} "
              "of the longer one; linked pairs counted twice; chance agreement by iterative proportional fitting "
              f"with the unmatched/unmatched cell a structural zero{pooled}")
    n = int(r.table.sum())
    extra: dict[str, Any] = {
        "overlap_threshold": threshold, "raw_agreement": r.raw_agreement, "chance_agreement_ipf": r.chance_ipf,
        "kappa_ipf_exact": r.kappa_ipf_exact, "chance_agreement_exact": r.chance_exact,
        "linked_share": r.linked, "kappa_max": r.kappa_max, "kappa_max_ipf_chance": r.kappa_max_ipf_chance,
        "kappa_excl_unmatched": r.kappa_excl, "kappa_max_excl_unmatched": r.kappa_max_excl,
        "raw_agreement_excl_unmatched": r.raw_agreement_excl, "per_code": r.per_code,
        "labels": [*r.labels, "unmatched"], "table": r.table.tolist()}
    if r.pairs:
        extra["pairs"] = r.pairs
    out: dict[str, Coefficient] = {}
    why = r.reason or "undefined"
    out["easydiag_kappa"] = (Coefficient("easydiag_kappa", r.kappa_ipf, pa=r.raw_agreement, pe=r.chance_ipf,
                                         n_units=n, method=method, extra=extra)
                             if r.kappa_ipf is not None else undefined("easydiag_kappa", why, n, method=method,
                                                                       extra=extra))
    out["easydiag_kappa_max"] = (Coefficient("easydiag_kappa_max", r.kappa_max, n_units=n,
                                             method="Cohen (1960) maximum kappa given the margins of the matrix "
                                                    "above (unmatched included; ordinary chance agreement, as "
                                                    "ELAN)")
                                 if r.kappa_max is not None else undefined(
                                     "easydiag_kappa_max", r.reason or "the chance agreement is 1", n))
    return out
