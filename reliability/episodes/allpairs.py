"""Every pair of coders at once, for many coders: the values of each pair's time-unit, tolerance, event and
ELAN/EasyDIAg figures without a pass per pair over everyone's data (``video.analyse_episodes`` takes this path
beyond :data:`MANY_CODERS` coders; 400 coders are 79,800 pairs).

The figures are those of the per-pair path (``timeline._result``, ``events.event_based``,
``easydiag.pair_table``), computed differently:

* **time-unit tables** (Bakeman et al. 2009): with X the runs x (coders x categories) indicator matrix of the
  codes (runs of identical time units, ``timeline.code_runs``) and L the runs' lengths, every pair's table is a
  block of X' diag(L) X: one matrix product, work in runs x (coders x categories)^2, not pairs x runs passes.
* **tolerance tally**: a unit where i has x and j has y != x moves from (x, y) to (x, x) when x occurs in j's
  record within w units in the same video (and to (y, y) when y occurs in i's): per run and coder, the units
  within w of the coder's nearest x-runs before and after (the arithmetic of ``timeline._near``), summed over
  i's x-runs by the same product.
* **time-unit kappa**: from the pair's table, or, with enough videos for clustered SEs, as the engine's Conger
  kappa of the two coders' columns (chance agreement from each coder's marginals over every unit it rated).
* **event matching**: the pairs' episodes are laid out pair after pair, each pair's in (video, onset, index)
  order, cut into the blocks of ``events._blocks`` by one vectorised pass; blocks with one episode of each
  coder (most) are matched by the rule's test, blocks of two episodes of one coder and one of the other by
  the lexicographic optimum written out (more pairs, then more same-code pairs, then the smaller onset
  difference); every other block, and any exact tie, by ``events._dense``/``events._sparse`` as before.
* **EasyDIAg links**: a coder's episodes do not overlap in such items, so each episode of i overlaps a
  contiguous range of j's (binary search); with the 60% criterion each episode has at most one link.

Only values: no per-pair SE (the means over pairs never had one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from irrkit.episodes import easydiag, events
from irrkit.episodes.timecode import EpisodeSet
from irrkit.episodes.timeline import Runs

MANY_CODERS = 20  # more coders than this (190 pairs): every pair at once, values only (irrkit video --pairs all: each)
MAX_CATEGORIES = 16  # categories (codes + "no code") up to which the pairs' tables are dense arrays
CHUNK = 1_000_000  # episodes of the pairs laid out at once for the event matching


def pair_index(m: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``m`` coders in ``itertools.combinations`` order: (first coders, second coders)."""
    a, b = np.triu_indices(m, 1)
    return a.astype(np.int64), b.astype(np.int64)


def kappas(tables: np.ndarray) -> dict[str, np.ndarray]:
    """Cohen's kappa and percent agreement of a stack of q x q tables (P x q x q), values only:
    (pa - pe) / (1 - pe), pa = trace / n, pe = sum_k rows_k cols_k / n^2 (``two_coders.table_coefficients``);
    ``ok`` false where it is undefined there (no unit; chance agreement 1), ``n`` the units."""
    t = np.asarray(tables, dtype=float)
    n = t.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = t / n[:, None, None]
        rows, cols = p.sum(axis=2), p.sum(axis=1)
        pa = np.trace(p, axis1=1, axis2=2)
        pe = (rows * cols).sum(axis=1)
        ok = (n >= 1) & (pe < 1 - 1e-12)
        kappa = np.where(ok, (pa - pe) / np.where(ok, 1 - pe, 1.0), np.nan)
    return {"kappa": kappa, "ok": ok, "pa": np.where(n >= 1, pa, np.nan), "n": n}


# --------------------------------------------------------------------------------------------- time units


def _near_counts(cj: np.ndarray, runs: Runs, x: int, w: int) -> np.ndarray:
    """Per run and coder (``cj``: runs x coders): how many of the run's units have ``x`` in the coder's record
    within ``w`` units in the same video, where the coder has a category other than x there (else 0):
    ``timeline._near`` for every run and coder at once."""
    r_n, mc = cj.shape
    flat = cj.T.ravel()  # coder after coder
    out = np.zeros(r_n * mc)
    at = np.flatnonzero((flat >= 0) & (flat != x))
    pos = np.flatnonzero(flat == x)
    if not len(at) or not len(pos):
        return out.reshape(mc, r_n).T
    start, video = runs.start, runs.video
    r = at % r_n
    s, e = start[r], start[r + 1]
    k = np.searchsorted(pos, at)
    prev = pos[np.maximum(k - 1, 0)]
    has = (k > 0) & (prev // r_n == at // r_n) & (video[prev % r_n] == video[r])
    left = np.where(has, start[prev % r_n + 1] - 1, -(1 << 62))
    nxt = pos[np.minimum(k, len(pos) - 1)]
    has = (k < len(pos)) & (nxt // r_n == at // r_n) & (video[nxt % r_n] == video[r])
    right = np.where(has, start[nxt % r_n], 1 << 62)
    hi_left = np.clip(left + w + 1, s, e)
    lo_right = np.clip(right - w, s, e)
    out[at] = (hi_left - s) + (e - lo_right) - np.maximum(hi_left - lo_right, 0)
    return out.reshape(mc, r_n).T


ROWS = 4_000_000  # numbers in one block of the runs x (coders x categories) indicator matrices


def _onehot(codes: np.ndarray, q: int, weight: np.ndarray) -> np.ndarray:
    """runs x (coders x q): ``weight[r, j]`` in column j q + (j's code at run r), 0 where j did not code."""
    r_n, m = codes.shape
    out = np.zeros((r_n, m * q))
    rr, jj = np.nonzero(codes >= 0)
    out[rr, jj * q + codes[rr, jj]] = weight[rr, jj]
    return out


def unit_tables(runs: Runs, q: int, ws: tuple[int, ...] = ()) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Every pair's q x q time-unit table (P x q x q, pairs in :func:`pair_index` order, rows: the first coder)
    and, for each tolerance of ``ws`` (units, > 0), every pair's tolerance tally (``timeline.tolerant_table_runs``).

    With X the runs x (coders x categories) indicator matrix of the codes and L the runs' lengths, all tables are
    one product X' diag(L) X; the units moved by the tolerance, for reference code x, X_x' Z_x, where Z_x holds
    per run and coder j the units within w of x in j's record (:func:`_near_counts`) in the column of j's code.
    Whole numbers in doubles (exact below 2^53); blocks of runs keep memory bounded; work runs x (coders x q)^2."""
    codes = runs.codes
    r_n, m = codes.shape
    length = runs.length.astype(float)
    full = np.zeros((m * q, m * q))
    moved = {w: np.zeros((q, m, m * q)) for w in ws}  # [x, i, j q + y]: units i x, j y, x in j's record within w
    near = {(w, x): _near_counts(codes, runs, x, w) for w in ws for x in range(q)}
    step = max(1, ROWS // max(1, m * q))
    for r0 in range(0, r_n, step):
        c = codes[r0:r0 + step]
        x_ = _onehot(c, q, np.ones(c.shape))
        full += x_.T @ (x_ * length[r0:r0 + step, None])
        for (w, x), nx in near.items():
            if nx[r0:r0 + step].any():
                moved[w][x] += x_[:, x::q].T @ _onehot(c, q, nx[r0:r0 + step])
    plain = full.reshape(m, q, m, q).transpose(0, 2, 1, 3)  # [i, j, x, y]
    moved = {w: mv.reshape(q, m, m, q).transpose(1, 2, 0, 3) for w, mv in moved.items()}
    a, b = pair_index(m)
    tol = {}
    for w, mv in moved.items():
        d1 = mv[a, b]  # i = a the reference: a's code in b's record
        d2 = np.swapaxes(mv[b, a], 1, 2)  # b the reference: b's code in a's record, as (a's code, b's code)
        t = 2 * plain[a, b] - d1 - d2
        idx = np.arange(q)
        t[:, idx, idx] += d1.sum(axis=2) + d2.sum(axis=1)
        tol[w] = t
    return plain[a, b], tol


def time_kappas(plain: np.ndarray, runs: Runs, n_videos: int, several: bool, q: int) -> dict[str, np.ndarray]:
    """Every pair's time-unit Cohen's kappa as ``timeline._result`` gives it: from the pair's table
    (:func:`kappas`), or, with enough videos for clustered SEs (``timeline.MIN_VIDEOS``, several), as the engine's
    Conger kappa of the two coders' columns, whose chance agreement takes each coder's marginals over every unit
    that coder rated (``chance_corrected.conger_kappa``: for two coders pe = sum_k p_ak p_bk) and n the units
    either rated."""
    from irrkit.episodes.timeline import MIN_VIDEOS
    from irrkit.statistics.chance_corrected import PE_ONE

    base = kappas(plain)
    if n_videos < MIN_VIDEOS or not several:
        return base
    codes, length = runs.codes, runs.length.astype(float)
    r_n, m = codes.shape
    rr, jj = np.nonzero(codes >= 0)
    marg = np.bincount(jj * q + codes[rr, jj], weights=length[rr], minlength=m * q).reshape(m, q)
    n_g = marg.sum(axis=1)
    a, b = pair_index(m)
    n_both = base["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = marg / n_g[:, None]
        pe = (p[a] * p[b]).sum(axis=1)
        pa = np.trace(plain, axis1=1, axis2=2) / n_both
        n_any = n_g[a] + n_g[b] - n_both
        ok = (n_both > 0) & (n_any >= 2) & (pe < PE_ONE)
        kappa = np.where(ok, (pa - pe) / np.where(ok, 1 - pe, 1.0), np.nan)
    return {"kappa": kappa, "ok": ok, "pa": np.where(n_both > 0, pa, np.nan), "n": n_any}


# --------------------------------------------------------------------------------------------- events


@dataclass
class EventValues:
    """Every pair's event tally (pairs in :func:`pair_index` order) and the onset/offset differences of matched
    same-code episodes pooled over the pairs (B - A, ms)."""

    agreements: np.ndarray
    code_disagreements: np.ndarray
    only_a: np.ndarray
    only_b: np.ndarray
    tally: np.ndarray  # P x (q + 1) x (q + 1), nil last (``events.event_based``'s rows, counted)
    matched: np.ndarray  # P x q x q, matched pairs only
    same_code: np.ndarray  # code of each matched same-code pair (pooled)
    onset: np.ndarray  # its onset difference B - A (ms)
    offset: np.ndarray  # its offset difference
    fallback_blocks: int = 0  # blocks given to the per-block solver


def _layout(es: EpisodeSet, pa: np.ndarray, pb: np.ndarray, rank: np.ndarray, by_coder: np.ndarray,
            bounds: np.ndarray, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The episodes of pairs (pa[k], pb[k]) in videos both coded, pair after pair, each pair's in (video, onset,
    index) order: (episode, pair position k) per element."""
    na = bounds[pa + 1] - bounds[pa]
    nb = bounds[pb + 1] - bounds[pb]
    cnt = np.stack([na, nb], axis=1).ravel()
    beg = np.stack([bounds[pa], bounds[pb]], axis=1).ravel()
    tot = int(cnt.sum())
    grp = np.repeat(np.arange(len(cnt)), cnt)
    pos = np.arange(tot) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(beg, cnt)
    ep = by_coder[pos]
    k = grp // 2
    keep = done[es.video[ep], pa[k]] & done[es.video[ep], pb[k]]
    ep, k = ep[keep], k[keep]
    order = np.argsort(k * len(es) + rank[ep], kind="stable")
    return ep[order], k[order]


def event_values(es: EpisodeSet, tols: tuple[int, ...], rule: str = "onset", pooled: int | None = None,
                 progress: Callable[[int], Any] | None = None, steps: int | None = None) -> dict[int, EventValues]:
    """Every pair's optimal matching (``events.match``) and tally at each tolerance of ``tols`` (ms), the pairs
    laid out once for all of them; at the tolerance ``pooled`` also the onset/offset differences of matched
    same-code episodes (pooled over pairs). ``progress(k)``: ``steps`` (default: the tolerances) per pair done."""
    from irrkit.episodes.timeline import coded

    m, q = len(es.coders), len(es.spec.codes)
    pa_all, pb_all = pair_index(m)
    n_pairs = len(pa_all)
    rank_order = np.lexsort((np.arange(len(es)), es.start, es.video))
    rank = np.empty(len(es), dtype=np.int64)
    rank[rank_order] = np.arange(len(es))
    by_coder = np.lexsort((rank, es.coder))  # each coder's episodes in rank order
    bounds = np.searchsorted(es.coder[by_coder], np.arange(m + 1))
    done = coded(es)
    per_coder = np.diff(bounds)
    out = {t: _Acc(n_pairs, q, t == pooled) for t in tols}
    span = int(max(es.end.max(), es.start.max())) + max(tols) + 2 if len(es) else 1
    nv = len(es.videos)
    p0 = 0
    while p0 < n_pairs:  # chunks of pairs with about CHUNK episodes laid out
        size = per_coder[pa_all[p0:]] + per_coder[pb_all[p0:]]
        p1 = p0 + max(1, int(np.searchsorted(np.cumsum(size), CHUNK)))
        pa, pb = pa_all[p0:p1], pb_all[p0:p1]
        ep, k = _layout(es, pa, pb, rank, by_coder, bounds, done)
        if len(ep):
            ch = _Chunk(es, ep, k, es.coder[ep] == pa[k], span, nv, p1 - p0)
            for t in tols:
                _match_chunk(es, ch, t, rule, q, out[t], p0)
        if progress:
            progress((p1 - p0) * (steps or len(tols)))
        p0 = p1
    return {t: acc.finish() for t, acc in out.items()}


class _Acc:
    """One tolerance's tallies over the chunks."""

    def __init__(self, n_pairs: int, q: int, pooled: bool):
        self.q, self.pooled = q, pooled
        self.tally = np.zeros(n_pairs * (q + 1) ** 2)
        self.matched = np.zeros(n_pairs * q * q)
        self.same: list[np.ndarray] = []
        self.on: list[np.ndarray] = []
        self.off: list[np.ndarray] = []
        self.fallback = 0

    def finish(self) -> EventValues:
        q = self.q
        tally = self.tally.reshape(-1, q + 1, q + 1)
        matched = self.matched.reshape(-1, q, q)
        agree = np.trace(matched, axis1=1, axis2=2)

        def cat(xs: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64)

        return EventValues(agree.astype(np.int64), (matched.sum(axis=(1, 2)) - agree).astype(np.int64),
                           tally[:, :q, q].sum(axis=1).astype(np.int64), tally[:, q, :q].sum(axis=1).astype(np.int64),
                           tally, matched, cat(self.same), cat(self.on), cat(self.off), self.fallback)


class _Chunk:
    """A chunk's layout and what does not depend on the tolerance: each element's episode, pair (local), side,
    onset, offset, code, global onset (pair x video x span + onset), and each pair's episodes by side and code."""

    def __init__(self, es: EpisodeSet, ep: np.ndarray, k: np.ndarray, isa: np.ndarray, span: int, nv: int,
                 n_pairs: int):
        self.ep, self.k, self.isa, self.n_pairs = ep, k, isa, n_pairs
        self.start, self.end, self.code = es.start[ep], es.end[ep], es.code[ep].astype(np.int64)
        video = es.video[ep].astype(np.int64)
        self.base = (k * nv + video) * span
        self.s = self.base + self.start
        self.gap = np.diff(self.s)  # > span across pairs and videos: always a cut in the onset rule
        self.cum_a = np.concatenate([[0], np.cumsum(isa)])
        q = len(es.spec.codes)
        self.q = q
        # each pair's episodes by side and code: (pair, side, code) counts, side 0 = A
        self.by_code = np.bincount((k * 2 + ~isa) * q + self.code, minlength=n_pairs * 2 * q).reshape(n_pairs, 2, q)


def _match_chunk(es: EpisodeSet, ch: _Chunk, tol: int, rule: str, q: int, acc: _Acc, p0: int) -> None:
    """Blocks, matching and tally of one chunk of pairs at one tolerance (see the module docstring); matched
    episodes are kept as positions in the chunk's layout (an episode is in many pairs)."""
    ep, isa = ch.ep, ch.isa
    if rule == "onset":
        cut = ch.gap > tol
    else:
        reach = np.maximum.accumulate(ch.base + np.maximum(ch.end, ch.start + tol + 1))
        cut = ch.s[1:] >= reach[:-1]
    bstart = np.concatenate([[0], np.flatnonzero(cut) + 1])
    bend = np.append(bstart[1:], len(ep))
    size = bend - bstart
    n_a = ch.cum_a[bend] - ch.cum_a[bstart]
    n_b = size - n_a
    found_a, found_b = [], []  # positions in the layout of matched A and B episodes
    # one of each: matched when the rule allows
    one = bstart[(n_a == 1) & (n_b == 1)]
    first_a = isa[one]
    pa_, pb_ = np.where(first_a, one, one + 1), np.where(first_a, one + 1, one)
    ok = events._eligible(ch, pa_, pb_, tol, rule)  # the rule on the layout's onsets and offsets
    found_a.append(pa_[ok])
    found_b.append(pb_[ok])
    # two of one coder, one of the other: the optimum written out; exact ties to the solver as before
    rest = []
    for two_a in (True, False):
        sel = np.flatnonzero((n_a == 2) & (n_b == 1) if two_a else (n_a == 1) & (n_b == 2))
        if not len(sel):
            continue
        pos = bstart[sel][:, None] + np.arange(3)[None, :]
        lone = isa[pos] != two_a  # the one episode of the other coder
        rows = np.arange(len(sel))
        po = pos[rows, np.argmax(lone, axis=1)]
        twin = np.sort(np.where(lone, 3, np.arange(3)[None, :]), axis=1)[:, :2]  # the two, in block order
        p1, p2 = pos[rows, twin[:, 0]], pos[rows, twin[:, 1]]
        if two_a:
            ok1, ok2 = events._eligible(ch, p1, po, tol, rule), events._eligible(ch, p2, po, tol, rule)
        else:
            ok1, ok2 = events._eligible(ch, po, p1, tol, rule), events._eligible(ch, po, p2, tol, rule)
        s1, s2 = ch.code[p1] == ch.code[po], ch.code[p2] == ch.code[po]
        d1, d2 = np.abs(ch.start[p1] - ch.start[po]), np.abs(ch.start[p2] - ch.start[po])
        tie = ok1 & ok2 & (s1 == s2) & (d1 == d2)
        pick1 = ok1 & (~ok2 | (s1 & ~s2) | ((s1 == s2) & (d1 < d2))) & ~tie
        pick2 = ok2 & (~ok1 | (s2 & ~s1) | ((s1 == s2) & (d2 < d1))) & ~tie
        for pick, pt in ((pick1, p1), (pick2, p2)):
            found_a.append(pt[pick] if two_a else po[pick])
            found_b.append(po[pick] if two_a else pt[pick])
        rest.append(sel[tie])
    rest.append(np.flatnonzero((n_a >= 1) & (n_b >= 1) & (size > 3)))
    todo = np.sort(np.concatenate(rest))
    acc.fallback += len(todo)
    for g in todo.tolist():
        at = np.arange(bstart[g], bend[g])
        side = isa[at]
        la, lb = at[side], at[~side]
        solve = events._dense if len(la) * len(lb) <= events.DENSE_MAX_CELLS else events._sparse
        r, c = solve(es, ep[la], ep[lb], tol, rule)
        found_a.append(la[r])
        found_b.append(lb[c])
    fa, fb = np.concatenate(found_a).astype(np.int64), np.concatenate(found_b).astype(np.int64)
    ca, cb = ch.code[fa], ch.code[fb]
    g = ch.k[fa]
    q1, n = q + 1, ch.n_pairs
    matched = np.bincount(g * q * q + ca * q + cb, minlength=n * q * q).reshape(n, q, q)
    acc.matched[p0 * q * q:(p0 + n) * q * q] += matched.ravel()
    tally = np.zeros((n, q1, q1))  # matched pairs, then each side's unmatched episodes by code (all less matched)
    tally[:, :q, :q] = matched
    tally[:, :q, q] = ch.by_code[:, 0] - matched.sum(axis=2)
    tally[:, q, :q] = ch.by_code[:, 1] - matched.sum(axis=1)
    acc.tally[p0 * q1 * q1:(p0 + n) * q1 * q1] += tally.ravel()
    if acc.pooled:  # in the per-pair path's order: pair, then block, then A's episode (its layout position)
        same = ca == cb
        order = np.lexsort((fa[same], g[same]))
        small = np.int32 if len(ch.start) and np.abs(ch.start).max() < 2**31 and np.abs(ch.end).max() < 2**31 \
            else np.int64  # (differences of times below 24.8 days in ms)
        acc.same.append(ca[same][order].astype(np.int16 if q < 2**15 else np.int32))
        acc.on.append((ch.start[fb] - ch.start[fa])[same][order].astype(small))
        acc.off.append((ch.end[fb] - ch.end[fa])[same][order].astype(small))


# --------------------------------------------------------------------------------------------- EasyDIAg


def easydiag_tables(es: EpisodeSet, threshold: float = easydiag.OVERLAP) -> np.ndarray:
    """Every pair's ELAN agreement matrix (P x (K+1) x (K+1), ``easydiag.pair_table``) from the links of each
    coder's episodes with each other coder's (binary search; each episode has at most one link when a coder's
    episodes do not overlap, as in items with ``overlap: false``)."""
    from irrkit.episodes.timeline import coded

    m, kq = len(es.coders), len(es.spec.codes)
    a_all, b_all = pair_index(m)
    n_pairs = len(a_all)
    if not len(es):
        return np.zeros((n_pairs, kq + 1, kq + 1), dtype=np.int64)
    done = coded(es)
    span = int(es.end.max()) + 1
    big = (len(es.videos) + 1) * span
    order = np.lexsort((es.start, es.video, es.coder))
    gs = es.coder[order].astype(np.int64) * big + es.video[order].astype(np.int64) * span + es.start[order]
    ge = es.coder[order].astype(np.int64) * big + es.video[order].astype(np.int64) * span + es.end[order]
    pid = np.full((m, m), -1, dtype=np.int64)
    pid[a_all, b_all] = np.arange(n_pairs)
    code = es.code.astype(np.int64)
    k1 = kq + 1
    cells: list[np.ndarray] = []  # flat cell of each count (pair, row, column)
    twice: list[np.ndarray] = []
    for i in range(m - 1):  # links of coder i's episodes with every later coder's
        ei = np.flatnonzero(es.coder == i)
        others = np.arange(i + 1, m)
        e_rep = np.tile(ei, len(others))  # coder after coder: the searches below go forward
        j_rep = np.repeat(others, len(ei))
        both = done[es.video[e_rep], i] & done[es.video[e_rep], j_rep]
        e_rep, j_rep = e_rep[both], j_rep[both]
        off = j_rep * big + es.video[e_rep].astype(np.int64) * span
        lo = np.searchsorted(ge, off + es.start[e_rep], side="right")
        hi = np.searchsorted(gs, off + es.end[e_rep], side="left")
        n = np.maximum(hi - lo, 0)
        qi = np.repeat(np.arange(len(e_rep)), n)
        cand = order[np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)]
        ea, eb = e_rep[qi], cand
        ov = np.minimum(es.end[ea], es.end[eb]) - np.maximum(es.start[ea], es.start[eb])
        longer = np.maximum(es.end[ea] - es.start[ea], es.end[eb] - es.start[eb])
        ok = (ov > 0) & (longer > 0)
        ea, eb, ov, longer = ea[ok], eb[ok], ov[ok], longer[ok]
        keep = ov / longer >= threshold
        ea, eb = ea[keep], eb[keep]
        p = pid[i, es.coder[eb]]
        twice.append(p * k1 * k1 + code[ea] * k1 + code[eb])
        # unlinked episodes: i's in each pair (i, j) and j's in each pair (i, j), videos both coded
        linked_i = np.zeros(len(e_rep), dtype=bool)
        key = j_rep * len(es) + e_rep  # sorted
        linked_i[np.searchsorted(key, es.coder[eb].astype(np.int64) * len(es) + ea)] = True
        u = ~linked_i
        cells.append(pid[i, j_rep[u]] * k1 * k1 + code[e_rep[u]] * k1 + kq)
        ej = np.flatnonzero(es.coder > i)
        okj = done[es.video[ej], i]
        ej = ej[okj]
        linked_j = np.zeros(len(es), dtype=bool)
        linked_j[eb] = True
        uj = ej[~linked_j[ej]]
        cells.append(pid[i, es.coder[uj]] * k1 * k1 + kq * k1 + code[uj])
    size = n_pairs * k1 * k1
    flat = 2 * np.bincount(np.concatenate([np.zeros(0, dtype=np.int64), *twice]), minlength=size)
    flat += np.bincount(np.concatenate([np.zeros(0, dtype=np.int64), *cells]), minlength=size)
    return flat.reshape(n_pairs, k1, k1).astype(np.int64)


def kappa_ipf(tables: np.ndarray, threshold: float = easydiag.OVERLAP) -> list[float | None]:
    """Each table's ELAN kappa_ipf (``easydiag.figures(t).kappa_ipf``), tables with the same codes in use fitted
    together."""
    t = np.asarray(tables, dtype=np.int64)
    kq = t.shape[1] - 1
    occurs = (t[:, :-1, :].sum(axis=2) + t[:, :, :-1].sum(axis=1)) > 0  # P x K
    pattern = occurs @ (1 << np.arange(kq, dtype=np.int64)) if kq else np.zeros(len(t), dtype=np.int64)
    out: list[float | None] = [None] * len(t)
    for pat in np.unique(pattern).tolist():
        sel = np.flatnonzero(pattern == pat)
        keep = np.flatnonzero([(pat >> c) & 1 for c in range(kq)])
        idx = np.append(keep, kq)
        sub = t[sel][:, idx][:, :, idx]
        n = sub.sum(axis=(1, 2))
        r, c = sub.sum(axis=2), sub.sum(axis=1)
        seed = np.ones(sub.shape[1:])
        seed[-1, -1] = 0.0
        fit = _ipf(r, c, seed)
        with np.errstate(divide="ignore", invalid="ignore"):
            po = np.trace(sub, axis1=1, axis2=2) / n
            pe_ipf = np.trace(fit[:, :-1, :-1], axis1=1, axis2=2) / n
        rf, cf = r.astype(float), c.astype(float)  # easydiag.quasi_independence_chance, stacked
        nf = rf.sum(axis=1)
        rp, cp = nf - rf[:, -1], nf - cf[:, -1]
        mm = nf - rf[:, -1] - cf[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = np.where((nf == 0) | (mm <= 0), 0.0, (rf[:, :-1] * cf[:, :-1]).sum(axis=1) * mm / (rp * cp * nf))
        for s, ni, poi, pei, ex in zip(sel.tolist(), n.tolist(), po.tolist(), pe_ipf.tolist(), exact.tolist()):
            if ni and ex < 1 - 1e-9:
                out[s] = (poi - pei) / (1 - pei)
    return out


def _ipf(rows: np.ndarray, cols: np.ndarray, seed: np.ndarray, sweeps: int = easydiag.IPF_SWEEPS) -> np.ndarray:
    """``easydiag.ipf`` for a stack of margins (P x K) and one seed."""
    m = np.broadcast_to(np.where(seed == 0, easydiag.ZERO_SEED, seed), (len(rows), *seed.shape)).astype(float)
    r = np.where(rows == 0, easydiag.ZERO_SEED, rows).astype(float)
    c = np.where(cols == 0, easydiag.ZERO_SEED, cols).astype(float)
    for _ in range(sweeps):
        m *= (r / m.sum(axis=2))[:, :, None]
        m *= (c / m.sum(axis=1))[:, None, :]
    return m


# --------------------------------------------------------------------------------------------- all of it


def applies(es: EpisodeSet) -> bool:
    """Whether an item takes this path: more than MANY_CODERS coders, episodes that do not overlap, few
    categories (else each pair in turn, as for fewer coders)."""
    if len(es.coders) <= MANY_CODERS or es.spec.overlap or len(es.spec.codes) + 1 > MAX_CATEGORIES:
        return False
    o = np.lexsort((es.start, es.video, es.coder))  # (readers refuse overlaps in such items; built by hand, check)
    same = (es.coder[o][1:] == es.coder[o][:-1]) & (es.video[o][1:] == es.video[o][:-1])
    return not (same & (es.start[o][1:] < es.end[o][:-1])).any()


@dataclass
class PairValues:
    """Every pair's values (pairs in :func:`pair_index` order; NaN where undefined)."""

    a: np.ndarray
    b: np.ndarray
    time: dict[str, np.ndarray]  # :func:`kappas` of the time-unit tables
    tolerance: dict[str, np.ndarray] | None  # of the tolerance tallies (None: no tolerance)
    events: EventValues
    event: dict[str, np.ndarray]  # of the event tallies (nil included)
    matched: dict[str, np.ndarray]  # of the matched pairs' codes
    easydiag_tables: np.ndarray
    easydiag_kappa: list[float | None]
    rule: str
    tolerance_ms: int
    sweep: dict[int, tuple[dict[str, np.ndarray], EventValues]] = field(default_factory=dict)  # tolerance (ms):
    # the time-unit kappas (:func:`kappas`) and the event tallies at that tolerance
    tables: dict[str, Any] = field(default_factory=dict, repr=False)  # tables made from these once (onsets)


def video_counts(g) -> tuple[int, bool]:
    """Videos with time units and whether there are several (``timeline._result``'s test for clustered SEs)."""
    return int(np.count_nonzero(np.diff(g.offset))), len(g.offset) > 2


def analyse(es: EpisodeSet, tol: int, rule: str, progress: Callable[[int], Any] | None = None,
            sweep_ms: tuple[int, ...] = ()) -> PairValues:
    """Every pair's time-unit kappa, tolerance kappa (tolerance ``tol`` ms in whole time units), event tally and
    kappas (rule ``rule``), ELAN agreement matrix and kappa_ipf; with ``sweep_ms``, also the time-unit and event
    values at those tolerances (the tolerance sweep), in the same passes."""
    from irrkit.episodes.timeline import code_runs

    runs, g = code_runs(es)
    w = tol // g.step_ms
    q = len(es.spec.codes) + 1
    ws = tuple(sorted({t // g.step_ms for t in (tol, *sweep_ms) if t // g.step_ms > 0}))
    plain, tl = unit_tables(runs, q, ws)
    tols = tuple(dict.fromkeys((tol, *sweep_ms)))
    ev = event_values(es, tols, rule, pooled=tol, progress=progress, steps=1 + len(sweep_ms))
    tables = easydiag_tables(es)
    a, b = pair_index(len(es.coders))
    tk = time_kappas(plain, runs, *video_counts(g), q)
    by_w = {0: tk, **{x: kappas(t) for x, t in tl.items()}}
    return PairValues(a, b, tk, by_w[w] if w > 0 else None, ev[tol], kappas(ev[tol].tally),
                      kappas(ev[tol].matched), tables, kappa_ipf(tables), rule, tol,
                      {t: (by_w[t // g.step_ms if t // g.step_ms > 0 else 0], ev[t]) for t in sweep_ms})
