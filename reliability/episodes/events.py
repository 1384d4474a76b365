"""Event-based agreement: episodes of two coders matched one to one, then tallied (Bakeman, Quera & Gnisci
2009, Behav Res Methods 41:137; alignment as in Quera, Bakeman & Gnisci 2007, Behav Res Methods 39:39).

Matching rule (stated, and the same in every output):

* two episodes of the same video *may* be matched when their onsets differ by at most the tolerance
  (``rule="onset"``, the default) or when they overlap in time, or, for point events, lie within the
  tolerance (``rule="overlap"``);
* among all one-to-one matchings the one chosen is optimal, lexicographically: (1) as many matched pairs as
  possible, (2) of those as many with the same code as possible, (3) the smallest total onset difference.
  It is found by the Hungarian algorithm (scipy's ``linear_sum_assignment``) on each block of mutually
  reachable episodes, so greedy order never decides (where greedy matching is ambiguous, e.g. one episode
  within reach of two, the optimum is taken).

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
    sa, sb = es.start[ia][:, None], es.start[ib][None, :]
    if rule == "onset":
        return np.abs(sa - sb) <= tol
    ea, eb = es.end[ia][:, None], es.end[ib][None, :]
    overlap = (np.minimum(ea, eb) - np.maximum(sa, sb)) > 0
    point = ((ea == sa) | (eb == sb)) & (np.abs(sa - sb) <= tol)
    return overlap | point


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


def match(es: EpisodeSet, a: int, b: int, tol: int | None = None, rule: str = "onset") -> Matching:
    """The optimal one-to-one matching of coder a's and coder b's episodes (see the module docstring).

    Blocks with one episode of each coder (most of them) are matched or not by one vectorised test; the
    Hungarian algorithm runs on the blocks with a choice to make. Pairs come in video, block, row order."""
    tol = es.spec.tolerance_ms if tol is None else tol
    both = np.flatnonzero((es.coder == a) | (es.coder == b))
    o, blk = _blocks(es, both, tol, rule)
    nb = int(blk[-1]) + 1 if len(blk) else 0
    isa = es.coder[o] == a
    n_a = np.bincount(blk, weights=isa, minlength=nb)
    n_b = np.bincount(blk, weights=~isa, minlength=nb)
    single = (n_a == 1) & (n_b == 1)
    ea, eb = o[isa & single[blk]], o[~isa & single[blk]]  # one of each per such block, in block order
    ok1 = _eligible_pairs(es, ea, eb, tol, rule)
    found_blk = [np.flatnonzero(single)[ok1]]
    found = [np.stack([ea[ok1], eb[ok1]], axis=1)]
    choice = np.flatnonzero((n_a >= 1) & (n_b >= 1) & ~single)
    if len(choice):
        from scipy.optimize import linear_sum_assignment  # only for blocks with a choice to make

        bounds = np.searchsorted(blk, np.stack([choice, choice + 1]))
        for g, lo, hi in zip(choice, bounds[0], bounds[1]):
            bl = o[lo:hi]
            ia, ib = bl[es.coder[bl] == a], bl[es.coder[bl] == b]
            ok = _eligible(es, ia, ib, tol, rule)
            if not ok.any():
                continue
            k = min(len(ia), len(ib))
            d = np.abs(es.start[ia][:, None] - es.start[ib][None, :]).astype(float)
            dn = d / (d[ok].max() + 1.0) / (k + 1)  # < 1/(k+1) each: never outweighs one same-code pair
            same = es.code[ia][:, None] == es.code[ib][None, :]
            gain = np.where(ok, (k + 1.0) * (k + 2.0) + same * 1.0 - dn, 0.0)
            r, c = linear_sum_assignment(gain, maximize=True)
            keep = ok[r, c]
            found.append(np.stack([ia[r[keep]], ib[c[keep]]], axis=1))
            found_blk.append(np.full(int(keep.sum()), g))
    order = np.argsort(np.concatenate(found_blk), kind="stable")
    p = np.concatenate(found).astype(np.int64).reshape(-1, 2)[order]
    matched = np.zeros(len(es), dtype=bool)
    matched[p.ravel()] = True
    only_a = np.flatnonzero((es.coder == a) & ~matched)
    only_b = np.flatnonzero((es.coder == b) & ~matched)
    return Matching(a, b, p, only_a, only_b)


def _eligible_pairs(es: EpisodeSet, ia: np.ndarray, ib: np.ndarray, tol: int, rule: str) -> np.ndarray:
    """:func:`_eligible` of the pairs (ia[k], ib[k]) element by element."""
    sa, sb = es.start[ia], es.start[ib]
    if rule == "onset":
        return np.abs(sa - sb) <= tol
    ea, eb = es.end[ia], es.end[ib]
    return ((np.minimum(ea, eb) - np.maximum(sa, sb)) > 0) | (((ea == sa) | (eb == sb)) & (np.abs(sa - sb) <= tol))


def _covers(es: EpisodeSet, a: int, b: int) -> np.ndarray:
    """Episodes of a or b in videos that both coded (the others cannot be compared)."""
    from irrkit.episodes.timeline import coded

    done = coded(es)
    both = done[:, a] & done[:, b]
    return both[es.video]


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


def _diff_stats(d: np.ndarray) -> dict[str, float | int]:
    q1, med, q3 = np.percentile(d, [25, 50, 75])
    return {"n": int(len(d)), "median_s": float(med) / 1000, "iqr_s": float(q3 - q1) / 1000,
            "largest_s": float(np.abs(d).max()) / 1000, "mean_abs_s": float(np.abs(d).mean()) / 1000}


def event_based(es: EpisodeSet, a: int, b: int, tol: int | None = None, rule: str = "onset",
                confidence: float = 0.95) -> EventResult:
    """Match, tally and compute the event-based statistics of coders a and b."""
    tol = es.spec.tolerance_ms if tol is None else tol
    sub = es.select(_covers(es, a, b))
    mt = match(sub, a, b, tol, rule)
    q = len(es.spec.codes)
    nil = q
    ca, cb = sub.code[mt.pairs[:, 0]], sub.code[mt.pairs[:, 1]]
    rows = np.concatenate([np.stack([ca, cb], axis=1),
                           np.stack([sub.code[mt.only_a], np.full(len(mt.only_a), nil)], axis=1),
                           np.stack([np.full(len(mt.only_b), nil), sub.code[mt.only_b]], axis=1)]).astype(np.int32)
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
                      coefs, mt, onset, sub)
    return res
