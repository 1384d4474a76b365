"""Event-based agreement: episodes of two coders matched one to one, then tallied (Bakeman, Quera & Gnisci
2009, Behav Res Methods 41:137; alignment as in Quera, Bakeman & Gnisci 2007, Behav Res Methods 39:39).

Matching rule (stated, and the same in every output):

* two episodes of the same video *may* be matched when their onsets differ by at most the tolerance
  (``rule="onset"``, the default) or when they overlap in time, or, for point events, lie within the
  tolerance (``rule="overlap"``);
* among all one-to-one matchings the one chosen is optimal, lexicographically: (1) as many matched pairs as
  possible, (2) of those as many with the same code as possible, (3) the smallest total onset difference.
  It is found on each block of mutually reachable episodes, so greedy order never decides (where greedy
  matching is ambiguous, e.g. one episode within reach of two, the optimum is taken): small blocks by the
  Hungarian algorithm on their A x B table (scipy's ``linear_sum_assignment``), blocks of more than
  ``DENSE_MAX_CELLS`` cells (12,000 contiguous episodes per coder make one block) on their eligible pairs only
  (scipy's sparse ``min_weight_full_bipartite_matching``, each episode with a private "unmatched" partner), the
  three criteria in whole-number costs, in two exact stages where one solve's sums would pass 2^52.

The tally: a matched pair adds (code of A, code of B); an episode of A left unmatched adds (code, nil) (an
omission by B), one of B adds (nil, code) (a commission). From the tally, the engine computes percent
agreement and Cohen's kappa with "nil" as a category (the nil/nil cell is empty by construction, which
lowers kappa: Bakeman et al. 2009 report it anyway), and Cohen's kappa of the codes of matched pairs alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.episodes.timeline import engine_family
from irrkit.statistics.results import Coefficient, undefined

RULES = ("onset", "overlap")


@dataclass
class Matching:
    """Matched pairs of coder A's and B's episodes (indices into the EpisodeSet) and the unmatched ones."""

    a: int
    b: int
    pairs: np.ndarray  # k x 2 episode indices
    only_a: np.ndarray
    only_b: np.ndarray


def _eligible(es: EpisodeSet, ia: np.ndarray, ib: np.ndarray, tol: int, rule: str) -> np.ndarray:
    """The matching rule, element by element (numpy broadcasting): may episode ia[k] of A be matched with
    ib[k] of B? ``ia[:, None], ib[None, :]`` give a block's whole table."""
    sa, sb = es.start[ia], es.start[ib]
    if rule == "onset":
        return np.abs(sa - sb) <= tol
    ea, eb = es.end[ia], es.end[ib]
    return ((np.minimum(ea, eb) - np.maximum(sa, sb)) > 0) | (((ea == sa) | (eb == sb)) & (np.abs(sa - sb) <= tol))


def _blocks(es: EpisodeSet, idx: np.ndarray, tol: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Order the episodes ``idx`` (both coders) by video, then onset, and number blocks where nothing before can
    reach anything after: a new video, onsets more than ``tol`` apart (onset rule) or a start at or past every
    earlier end and more than ``tol`` after every earlier start (overlap rule: points within the tolerance match).
    Returns (episodes in that order, block of each)."""
    o = idx[np.lexsort((es.start[idx], es.video[idx]))]  # stable: ties keep index order
    if not len(o):
        return o, np.zeros(0, dtype=np.int64)
    span = int(max(es.end[o].max(), es.start[o].max()) + tol + 1)  # a video's times + span: past all of them
    base = es.video[o].astype(np.int64) * span
    s = base + es.start[o]
    if rule == "onset":
        cut = np.diff(s) > tol
    else:
        # an episode reaches a later start before its end (overlap) or, a point, up to tol after its start
        # inclusive (|difference| <= tol): in whole ms, before start + tol + 1
        reach = np.maximum.accumulate(base + np.maximum(es.end[o], es.start[o] + tol + 1))
        cut = s[1:] >= reach[:-1]
    return o, np.concatenate([[0], np.cumsum(cut)])


DENSE_MAX_CELLS = 250_000  # blocks of up to this many A x B cells: the dense Hungarian (scipy linear_sum_assignment)
EXACT_MAX = 2.0**52  # the sparse solver's three criteria in one solve while its sums stay whole numbers in a double


def _dense(es: EpisodeSet, ia: np.ndarray, ib: np.ndarray, tol: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """A block's optimal matching on its A x B table (Hungarian algorithm): matched positions into ia and ib."""
    from scipy.optimize import linear_sum_assignment

    ok = _eligible(es, ia[:, None], ib[None, :], tol, rule)
    if not ok.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = min(len(ia), len(ib))
    d = np.abs(es.start[ia][:, None] - es.start[ib][None, :]).astype(float)
    dn = d / (d[ok].max() + 1.0) / (k + 1)  # < 1/(k+1) each: never outweighs one same-code pair
    same = es.code[ia][:, None] == es.code[ib][None, :]
    gain = np.where(ok, (k + 1.0) * (k + 2.0) + same * 1.0 - dn, 0.0)
    r, c = linear_sum_assignment(gain, maximize=True)
    keep = ok[r, c]
    return r[keep], c[keep]


def _ranges(sorted_vals: np.ndarray, order: np.ndarray, low: np.ndarray, high: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each query k, the pairs (k, order[p]) with ``low[k] <= sorted_vals[p] < high[k]`` (binary search)."""
    lo = np.searchsorted(sorted_vals, low, "left")
    n = np.maximum(np.searchsorted(sorted_vals, high, "left") - lo, 0)
    first = np.cumsum(n) - n
    return np.repeat(np.arange(len(lo)), n), order[np.arange(int(n.sum())) - np.repeat(first - lo, n)]


def _edges(es: EpisodeSet, ia: np.ndarray, ib: np.ndarray, tol: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """The eligible (A, B) pairs of a block as positions into ia and ib, without the A x B table: candidates by
    binary search on the sorted onsets (onsets within the tolerance; for the overlap rule, an episode starting
    inside the other's span or, for points, within the tolerance after its onset), kept by :func:`_eligible`."""
    sa, sb = es.start[ia], es.start[ib]
    ob = np.argsort(sb, kind="stable")
    if rule == "onset":
        r, c = _ranges(sb[ob], ob, sa - tol, sa + tol + 1)
    else:
        ea, eb = es.end[ia], es.end[ib]
        oa = np.argsort(sa, kind="stable")
        r1, c1 = _ranges(sb[ob], ob, sa, np.maximum(ea, sa + tol + 1))
        c2, r2 = _ranges(sa[oa], oa, sb, np.maximum(eb, sb + tol + 1))
        key = np.unique(np.concatenate([r1 * len(ib) + c1, r2 * len(ib) + c2]))
        r, c = key // len(ib), key % len(ib)
    keep = _eligible(es, ia[r], ib[c], tol, rule)
    return r[keep], c[keep]


def _augmented(r: np.ndarray, c: np.ndarray, na: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """The edges of the full-matching problem: rows are A's episodes then B's dummies, columns B's episodes then
    A's dummies. First the pairs (r, c), then A_i with its private dummy ("A_i unmatched"), B_j with its dummy,
    and B_j's dummy with A_i's dummy for every pair (i, j): when A_i and B_j are matched their dummies are left
    and match each other, so every one-to-one matching of the pairs is part of exactly such a full matching."""
    a, b = np.arange(na), np.arange(nb)
    return np.concatenate([r, a, na + b, na + c]), np.concatenate([c, nb + a, b, nb + r])


def _full(rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, n: int) -> np.ndarray:
    """Minimum-cost full matching (scipy's LAPJVsp): the column of each row. Every full matching has n edges,
    so the costs are shifted to be >= 1 (a sparse matrix's explicit zeros would be no edges to some solvers)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    g = csr_matrix((cost + (1.0 - cost.min()), (rows, cols)), shape=(n, n))
    rr, cc = min_weight_full_bipartite_matching(g)
    col_of = np.full(n, -1, dtype=np.int64)
    col_of[rr] = cc
    return col_of


def _tight(r: np.ndarray, c: np.ndarray, gain: np.ndarray, na: int, nb: int) -> np.ndarray:
    """The edges of the full-matching problem (:func:`_augmented`) that some matching with the largest total
    ``gain`` of its pairs uses. LP duality on the matching polytope (max gain'x, each episode in at most one
    pair, x >= 0; integral, so HiGHS's dual simplex gives whole-number duals for whole-number gains and the
    tests below are exact): a matching is optimal exactly when its pairs have reduced cost 0 and it covers
    every episode whose dual is not 0 (complementary slackness). In the full-matching problem those are the
    tight pairs, the "unmatched" edges of episodes with dual 0, and the dummies' edges of tight pairs."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    e = len(r)
    a_ub = csr_matrix((np.ones(2 * e), (np.concatenate([r, na + c]), np.tile(np.arange(e), 2))), shape=(na + nb, e))
    res = linprog(-gain, A_ub=a_ub, b_ub=np.ones(na + nb), bounds=(0, None), method="highs-ds")
    if res.status != 0:  # pragma: no cover - the empty matching is feasible and the gains are bounded
        raise RuntimeError(f"event matching: the linear programme failed ({res.message})")
    y = -res.ineqlin.marginals  # >= 0: the duals of the maximisation
    tight = gain - (y[r] + y[na + c]) > -0.5
    free = y < 0.5  # may stay unmatched
    return np.concatenate([tight, free[:na], free[na:], tight])


def _sparse(es: EpisodeSet, ia: np.ndarray, ib: np.ndarray, tol: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """A large block's optimal matching on its eligible pairs only (memory grows with the pairs, not na x nb).

    The three criteria in whole numbers: a pair costs ``-(k + 1 + same) * width + d`` (d: the onset difference
    less the smallest, ``width`` = k * max d + 1 > any difference of total d; k + 1 pairs' worth outweighs
    any number of same-code pairs), an unmatched episode 0. Solved at once while the sums stay exact in a double
    (:data:`EXACT_MAX`), else in two stages: the optimal matchings for (pairs, same-code pairs) by their tight
    edges (:func:`_tight`), then among them the smallest total d."""
    r, c = _edges(es, ia, ib, tol, rule)
    if not len(r):
        return r, c
    na, nb = len(ia), len(ib)
    n, k = na + nb, min(na, nb)
    same = es.code[ia[r]] == es.code[ib[c]]
    d = np.abs(es.start[ia[r]] - es.start[ib[c]]).astype(float)
    d -= d.min()
    rows, cols = _augmented(r, c, na, nb)
    first = np.concatenate([-(k + 1.0) - same, np.zeros(len(rows) - len(r))])  # pairs, then same-code pairs
    second = np.concatenate([d, np.zeros(len(rows) - len(r))])  # then the onset differences
    width = float(d.max()) * k + 1.0
    if n * (k + 3.0) * width < EXACT_MAX:
        col_of = _full(rows, cols, first * width + second, n)
    else:
        tight = _tight(r, c, (k + 1.0) + same, na, nb)
        col_of = _full(rows[tight], cols[tight], second[tight], n)
    pa = np.flatnonzero(col_of[:na] < nb)
    return pa, col_of[pa]


def match(es: EpisodeSet, a: int, b: int, tol: int | None = None, rule: str = "onset") -> Matching:
    """The optimal one-to-one matching of coder a's and coder b's episodes (see the module docstring).

    Blocks with one episode of each coder (most of them) are matched or not by one vectorised test; the blocks
    with a choice to make go to :func:`_dense` (up to ``DENSE_MAX_CELLS`` cells) or :func:`_sparse`. Pairs come
    in video, block, row order."""
    tol = es.spec.tolerance_ms if tol is None else tol
    both = np.flatnonzero((es.coder == a) | (es.coder == b))
    o, blk = _blocks(es, both, tol, rule)
    nb = int(blk[-1]) + 1 if len(blk) else 0
    isa = es.coder[o] == a
    n_a = np.bincount(blk, weights=isa, minlength=nb)
    n_b = np.bincount(blk, weights=~isa, minlength=nb)
    single = (n_a == 1) & (n_b == 1)
    ea, eb = o[isa & single[blk]], o[~isa & single[blk]]  # one of each per such block, in block order
    ok1 = _eligible(es, ea, eb, tol, rule)
    found_blk = [np.flatnonzero(single)[ok1]]
    found = [np.stack([ea[ok1], eb[ok1]], axis=1)]
    choice = np.flatnonzero((n_a >= 1) & (n_b >= 1) & ~single)
    if len(choice):
        bounds = np.searchsorted(blk, np.stack([choice, choice + 1]))
        for g, lo, hi in zip(choice, bounds[0], bounds[1]):
            bl = o[lo:hi]
            ia, ib = bl[es.coder[bl] == a], bl[es.coder[bl] == b]
            solve = _dense if len(ia) * len(ib) <= DENSE_MAX_CELLS else _sparse
            r, c = solve(es, ia, ib, tol, rule)
            found.append(np.stack([ia[r], ib[c]], axis=1))
            found_blk.append(np.full(len(r), g))
    order = np.argsort(np.concatenate(found_blk), kind="stable")
    p = np.concatenate(found).astype(np.int64).reshape(-1, 2)[order]
    matched = np.zeros(len(es), dtype=bool)
    matched[p.ravel()] = True
    only_a = np.flatnonzero((es.coder == a) & ~matched)
    only_b = np.flatnonzero((es.coder == b) & ~matched)
    return Matching(a, b, p, only_a, only_b)


def coder_index(es: EpisodeSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Computed once for all pairs of coders: the episodes ordered by coder, where each coder's begin, and the
    videos x coders table of who coded what (``timeline.coded``)."""
    from irrkit.episodes.timeline import coded

    order = np.argsort(es.coder, kind="stable")
    return order, np.searchsorted(es.coder[order], np.arange(len(es.coders) + 1)), coded(es)


def _covers(es: EpisodeSet, a: int, b: int, index: tuple | None = None) -> np.ndarray:
    """The episodes of a and b (indices, in the EpisodeSet's order) in videos that both coded (the others cannot
    be compared); work in their number, not in all the episodes', given the :func:`coder_index`."""
    order, bounds, done = index or coder_index(es)
    idx = np.sort(np.concatenate([order[bounds[a]:bounds[a + 1]], order[bounds[b]:bounds[b + 1]]]))
    both = done[:, a] & done[:, b]
    return idx[both[es.video[idx]]]


@dataclass
class EventResult:
    """Event-based agreement of one pair of coders."""

    coders: tuple[int, int]
    rule: str
    tolerance_ms: int
    agreements: int  # matched, same code
    code_disagreements: int  # matched, different codes
    only_a: int  # unmatched episodes of A (omissions by B)
    only_b: int  # unmatched episodes of B (commissions by B)
    coefficients: dict[str, Coefficient]
    matching: Matching
    onset: dict[str, dict[str, float | int]] = field(default_factory=dict)  # per code: median, iqr, largest
    episodes: EpisodeSet | None = None  # the episodes the matching's indices refer to
    rows: np.ndarray | None = None  # the tally: (code of A, code of B) per event, nil = number of codes
    row_video: np.ndarray | None = None  # the video of each tally row (index into the item's videos)


def _diff_stats(d: np.ndarray) -> dict[str, float | int]:
    q1, med, q3 = np.percentile(d, [25, 50, 75])
    return {"n": int(len(d)), "median_s": float(med) / 1000, "iqr_s": float(q3 - q1) / 1000,
            "largest_s": float(np.abs(d).max()) / 1000, "mean_abs_s": float(np.abs(d).mean()) / 1000}


def event_based(es: EpisodeSet, a: int, b: int, tol: int | None = None, rule: str = "onset",
                confidence: float = 0.95, index: tuple | None = None) -> EventResult:
    """Match, tally and compute the event-based statistics of coders a and b (``index``: the
    :func:`coder_index` of ``es`` when many pairs are computed)."""
    tol = es.spec.tolerance_ms if tol is None else tol
    sub = es.select(_covers(es, a, b, index))
    mt = match(sub, a, b, tol, rule)
    q = len(es.spec.codes)
    nil = q
    ca, cb = sub.code[mt.pairs[:, 0]], sub.code[mt.pairs[:, 1]]
    rows = np.concatenate([np.stack([ca, cb], axis=1),
                           np.stack([sub.code[mt.only_a], np.full(len(mt.only_a), nil)], axis=1),
                           np.stack([np.full(len(mt.only_b), nil), sub.code[mt.only_b]], axis=1)]).astype(np.int32)
    row_video = np.concatenate([sub.video[mt.pairs[:, 0]], sub.video[mt.only_a], sub.video[mt.only_b]])
    coefs: dict[str, Coefficient] = {}
    if len(rows) >= 1:
        fam = engine_family(rows, q + 1, confidence)
        coefs["event_percent_agreement"] = fam["percent_agreement"].with_(key="event_percent_agreement")
        coefs["event_kappa"] = fam["cohen_kappa"].with_(key="event_kappa")
    else:
        for k in ("event_percent_agreement", "event_kappa"):
            coefs[k] = undefined(k, "neither coder has an episode in a video both coded")
    if len(ca) >= 1:
        fam = engine_family(np.stack([ca, cb], axis=1).astype(np.int32), q, confidence)
        coefs["matched_kappa"] = fam["cohen_kappa"].with_(key="matched_kappa")
        coefs["matched_percent_agreement"] = fam["percent_agreement"].with_(key="matched_percent_agreement")
    else:
        for k in ("matched_kappa", "matched_percent_agreement"):
            coefs[k] = undefined(k, "no episodes were matched")
    same = ca == cb
    onset: dict[str, dict[str, float | int]] = {}
    for k, code in enumerate(es.spec.codes):
        sel = same & (ca == k)
        if sel.any():
            pa, pb = mt.pairs[sel, 0], mt.pairs[sel, 1]
            onset[code] = {"onset": _diff_stats(sub.start[pb] - sub.start[pa]),
                           "offset": _diff_stats(sub.end[pb] - sub.end[pa])}
    res = EventResult((a, b), rule, tol, int(same.sum()), int((~same).sum()), len(mt.only_a), len(mt.only_b),
                      coefs, mt, onset, sub, rows, row_video.astype(np.int64))
    return res


# --------------------------------------------------------------------------------------------- inference

EVENT_KEYS = ("event_kappa", "matched_kappa")
PERCENT_KEYS = {"event_kappa": "event_percent_agreement", "matched_kappa": "matched_percent_agreement"}
MAX_PAIRS_INFERENCE = 45  # pairs of coders (10 coders) whose event kappas get clustered SEs and bootstrap CIs


def _tally(res: EventResult, key: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows behind ``key`` (all events for event_kappa, matched pairs for matched_kappa) and their videos."""
    nil = len(res.episodes.spec.codes) if res.episodes is not None else 0
    keep = np.ones(len(res.rows), dtype=bool) if key == "event_kappa" else (res.rows != nil).all(axis=1)
    return res.rows[keep], res.row_video[keep]


def video_tables(res: EventResult, key: str, n_videos: int) -> tuple[np.ndarray, int]:
    """Per video, the pair's contingency table of ``key``'s tally over the codes in use (videos x cells, flat)
    and the side of the table: the replicate of a bootstrap over videos is its multiplicity-weighted sum."""
    rows, vid = _tally(res, key)
    used, idx = np.unique(rows, return_inverse=True)
    q = max(len(used), 1)
    idx = idx.reshape(rows.shape)
    cells = np.bincount(vid * q * q + idx[:, 0] * q + idx[:, 1], minlength=n_videos * q * q)
    return cells.reshape(n_videos, q * q).astype(float), q


def replicate_kappas(tables: np.ndarray, q: int, m: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each replicate (rows of ``m``: the videos' multiplicities) from the re-weighted sum of
    the per-video tables, by the one copy of Cohen's formula (``two_coders._cohen``); NaN where undefined."""
    from irrkit.statistics.two_coders import _cohen

    out = np.full(len(m), np.nan)
    for b, t in enumerate(m @ tables):
        if t.sum() > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[b] = _cohen(t.reshape(q, q))[-1]
    return out


def with_inference(pairs: list[EventResult], n_videos: int, n_boot: int = 1000, seed: int = 0,
                   confidence: float = 0.95) -> dict[str, Coefficient] | None:
    """SEs, CIs and p-values of the event kappas with the videos, not the events, as the independent
    observations (events of one video share its coders' moods, its difficulty): each pair's SE and p-value
    cluster-robust over videos (the engine's Conger = Cohen with the video of each event as its cluster, CI
    replaced by a percentile bootstrap over videos: per-video tallies re-weighted by how often each video was
    drawn, ``n_boot`` resamples, ``seed``); the pairs' mean (3+ coders) with the bootstrap CI of the mean. Below
    ``timeline.MIN_VIDEOS`` videos (or beyond ``MAX_PAIRS_INFERENCE`` pairs) the values alone, with the reason.
    Changes ``pairs`` in place; returns the means' coefficients (keys of EVENT_KEYS) for 3+ coders, else None."""
    from irrkit.episodes import timeline
    from irrkit.statistics.bootstrap import multiplicities, percentile_ci

    if not pairs:
        return None
    nv = len(pairs[0].episodes.videos) if pairs[0].episodes is not None else 0
    if n_videos < timeline.MIN_VIDEOS or len(pairs) > MAX_PAIRS_INFERENCE:
        why = timeline.too_few_videos(n_videos) if n_videos < timeline.MIN_VIDEOS else (
            f"no SE, CI or p: {len(pairs):,} pairs of coders, more than {MAX_PAIRS_INFERENCE} (the bootstrap over "
            "videos is taken for up to that many); events within a video are not independent observations")
        for p in pairs:
            for k in (*EVENT_KEYS, *PERCENT_KEYS.values()):
                p.coefficients[k] = timeline.without_inference(p.coefficients[k], why)
        return None
    m = multiplicities(nv, n_boot, np.random.default_rng(seed))
    reps: dict[str, list[np.ndarray]] = {k: [] for k in EVENT_KEYS}
    for p in pairs:
        for k in EVENT_KEYS:
            c = p.coefficients[k]
            rows, vid = _tally(p, k)
            tables, q = video_tables(p, k, nv)
            r = replicate_kappas(tables, q, m)
            reps[k].append(r)
            if not c.ok:
                continue
            g = len(np.unique(vid))
            pk = PERCENT_KEYS[k]
            if g < timeline.MIN_VIDEOS:
                p.coefficients[k] = timeline.without_inference(c, timeline.too_few_videos(g))
                p.coefficients[pk] = timeline.without_inference(p.coefficients[pk], timeline.too_few_videos(g))
                continue
            nq = int(rows.max()) + 1
            fam = engine_family(rows, nq, confidence, clusters=vid)
            cl = fam["cohen_kappa"]
            p.coefficients[pk] = fam["percent_agreement"].with_(key=pk)  # its SE clustered over the videos too
            lo, hi, _, n_ok = percentile_ci(r, confidence)
            p.coefficients[k] = c.with_(
                se=cl.se, p_value=cl.p_value, ci_low=lo, ci_high=hi, reason=None if lo is not None else cl.reason,
                method=f"SE and p cluster-robust over the {g} videos (events within a video are not independent); "
                       f"CI: percentile bootstrap over videos ({n_ok:,} of {n_boot:,} resamples defined, seed {seed})")
    if len(pairs) == 1:
        return None
    out = {}
    for k in EVENT_KEYS:
        mean = np.nanmean(np.stack(reps[k]), axis=0) if all(p.coefficients[k].ok for p in pairs) else None
        ok = [p.coefficients[k].value for p in pairs if p.coefficients[k].ok]
        if mean is None or not ok:
            continue
        lo, hi, _, n_ok = percentile_ci(mean, confidence)
        out[k] = Coefficient(k, float(np.mean(ok)), ci_low=lo, ci_high=hi, n_units=max(p.coefficients[k].n_units
                             for p in pairs), method=f"mean over {len(ok)} pairs of coders; CI: percentile bootstrap "
                             f"over the {n_videos} videos ({n_ok:,} of {n_boot:,} resamples defined, seed {seed}), "
                             "no SE", reason=None if lo is not None else "no bootstrap replicate defined")
    return out
