"""Dense reference implementations of the time-unit tallies (units x coders matrices, a window per
disagreement), once irrkit's own and now only the tests': the run-based functions of
:mod:`irrkit.episodes.timeline` (``code_runs``, ``presence_runs``, ``tolerant_table_runs``) must give the same
matrices and tables."""

from __future__ import annotations

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.episodes.timeline import Grid, Runs, _unit_range, coded, grid
from irrkit.statistics import two_coders


def expand(runs: Runs) -> np.ndarray:
    """The units x coders matrix of :class:`Runs` itself (what :func:`code_matrix` / :func:`presence_matrix`
    give)."""
    return np.repeat(runs.codes, runs.length, axis=0)


def code_matrix(es: EpisodeSet, g: Grid | None = None) -> tuple[np.ndarray, Grid]:
    """units x coders codes: the index of the code covering the unit's midpoint, ``len(codes)`` for "no
    code", -1 where the coder did not code that video. Episodes of one coder must not overlap."""
    g = g or grid(es)
    q = len(es.spec.codes)
    m = len(es.coders)
    out = np.empty((g.n, m), dtype=np.int32)
    lo, hi = _unit_range(g, es.video, es.start, es.end)
    done = coded(es)
    sizes = np.diff(g.offset)
    for j in range(m):
        sel = np.flatnonzero(es.coder == j)
        order = sel[np.argsort(lo[sel], kind="stable")]
        a, b, c = lo[order], hi[order], es.code[order]
        keep = b > a
        a, b, c = a[keep], b[keep], c[keep]
        gaps = a - np.concatenate([[0], b[:-1]])
        runs = np.empty(2 * len(a) + 1, dtype=np.int64)
        vals = np.empty(2 * len(a) + 1, dtype=np.int32)
        runs[0:-1:2], runs[1::2], runs[-1] = gaps, b - a, g.n - (b[-1] if len(a) else 0)
        vals[0::2], vals[1::2] = q, c
        col = np.repeat(vals, runs)
        missing = ~done[:, j]
        if missing.any():
            col[np.repeat(missing, sizes)] = -1
        out[:, j] = col
    return out, g


def presence_matrix(es: EpisodeSet, code: int, g: Grid | None = None) -> tuple[np.ndarray, Grid]:
    """units x coders: 1 where an episode of ``code`` covers the unit's midpoint, 0 where none does, -1 where
    the coder did not code the video (overlapping episodes allowed: a difference array, no loop over units)."""
    g = g or grid(es)
    m = len(es.coders)
    out = np.empty((g.n, m), dtype=np.int32)
    sel = es.code == code
    lo, hi = _unit_range(g, es.video[sel], es.start[sel], es.end[sel])
    done = coded(es)
    sizes = np.diff(g.offset)
    for j in range(m):
        k = es.coder[sel] == j
        diff = np.zeros(g.n + 1, dtype=np.int32)
        np.add.at(diff, lo[k], 1)
        np.add.at(diff, hi[k], -1)
        col = (np.cumsum(diff[:-1]) > 0).astype(np.int32)
        missing = ~done[:, j]
        if missing.any():
            col[np.repeat(missing, sizes)] = -1
        out[:, j] = col
    return out, g


def cumulative_counts(x: np.ndarray, q: int) -> np.ndarray:
    """q x (n + 1) running counts of each code in a coder's record: ``c[k, t]`` = units before t coded k."""
    out = np.zeros((q, len(x) + 1), dtype=np.int32)
    for k in range(q):
        np.cumsum(x == k, dtype=np.int32, out=out[k, 1:])
    return out


def _in_window(cs: np.ndarray, codes: np.ndarray, at: np.ndarray, w: int, first: np.ndarray, last: np.ndarray
               ) -> np.ndarray:
    """For each position ``at[i]``: does ``codes[i]`` occur in the record whose running counts are ``cs``
    within units [max(t - w, first), min(t + w, last)]? Evaluated at the asked positions only."""
    lo = np.maximum(at - w, first[at])
    hi = np.minimum(at + w, last[at])
    return cs[codes, hi + 1] - cs[codes, lo] > 0


def tolerant_table(a: np.ndarray, b: np.ndarray, q: int, w: int, g: Grid, plain: np.ndarray | None = None,
                   cs_a: np.ndarray | None = None, cs_b: np.ndarray | None = None) -> np.ndarray:
    """The q x q tally of Bakeman et al. (2009) with a tolerance of ``w`` units, both coders in turn as the
    reference: a unit where a's code occurs in b's record within the window counts as (a, a), else (a, b);
    then likewise with b as the reference. Units that either coder did not code are left out. ``plain``: the
    pair's contingency table, ``cs_a``/``cs_b``: the coders' running counts, when the caller has them."""
    first, last = g.bounds
    dis = np.flatnonzero((a >= 0) & (b >= 0) & (a != b))
    da, db = a[dis], b[dis]
    ok_b = _in_window(cumulative_counts(b, q) if cs_b is None else cs_b, da, dis, w, first, last)  # a's code in b
    ok_a = _in_window(cumulative_counts(a, q) if cs_a is None else cs_a, db, dis, w, first, last)  # b's code in a
    table = 2 * (two_coders.contingency(a, b, q) if plain is None else plain)
    np.subtract.at(table, (da, db), ok_b.astype(float) + ok_a)  # those disagreements become agreements
    np.add.at(table, (da, da), ok_b.astype(float))
    np.add.at(table, (db, db), ok_a.astype(float))
    return table


