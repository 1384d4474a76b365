"""Time-based (time-unit) agreement on episodes, through the one chance-corrected engine (``chance_corrected.py``).

The recording is cut into time units of ``step`` (Bakeman, Quera & Gnisci 2009, Behav Res Methods 41:137,
"time-unit kappa"); each unit takes, for each coder, the code whose episode covers the unit's midpoint, or
"no code" when none does ("no code" is a category like any other). That gives a units x coders code matrix,
from which the engines compute percent agreement, Cohen's kappa and Scott's pi, Gwet's AC1 and Krippendorff's
alpha with their linearised SEs: for two coders from their q x q contingency table (``two_coders``, R irrCAC's
*.table functions), for more from the units x categories count table (``chance_corrected.py``: Fleiss, Conger, AC1,
alpha), with each pair's Cohen's kappa beside them.

The matrix is never built for the statistics: between two consecutive episode boundaries (of any coder) or
video starts every coder's code is constant, so the units x coders matrix is a sequence of *runs* of identical
rows (:class:`Runs`, built from the episode intervals by binary search: O(episodes), whatever the step). Every
statistic is a sum of per-unit terms, so the engine takes each run once with its length as a frequency weight
(``chance_corrected.agreement(..., freq=)``) and gives the numbers of the expanded matrix; a run never crosses a video,
so the cluster-robust sums are those of the units too. 100 h at a 0.1 s step: 3.6 M units, ~70,000 runs.

Time units are not independent observations: with several videos the SEs are cluster-robust over the videos
(``chance_corrected.agreement(..., clusters=)``: Gwet's unit terms summed within a video, CI t(G - 1)); with one video
the plain SE treats the units as independent and understates the uncertainty (said in a note).

Items whose episodes may overlap (``overlap: true``) get one present/absent analysis per code.

Tolerance (Bakeman et al. 2009): with a window of ``w`` units, a unit where two coders disagree counts as an
agreement when the reference coder's code occurs in the other coder's record within ``w`` units either side.
The tally is made with each coder of the pair in turn as the reference (every unit counted twice, in a q x q
table built by counting, not per unit) and Cohen's kappa computed from it by ``two_coders``; for more than two
coders every pair is reported with the mean over pairs. On runs (:func:`tolerant_table_runs`): within a run
where the reference coder has ``x`` and the other ``y != x``, a unit t agrees iff the other's nearest ``x``
before the run (last unit L) or after it (first unit R), in the same video, is within ``w`` units: the units
``t <= L + w`` and ``t >= R - w`` of the run, counted by arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import combinations

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.statistics import chance_corrected, counting, two_coders
from irrkit.statistics.results import Coefficient, undefined

MIN_VIDEOS = 5  # fewest videos for an SE with videos as the independent observations (t with G - 1 df)
SE_CLUSTERED = ("time units within a video are not independent observations: SEs, CIs and p-values treat the "
                "videos as the independent observations (Gwet's unit terms summed within each video, cluster-robust, "
                "CI t(videos - 1))")


def too_few_videos(n_videos: int) -> str:
    """The reason given where no SE is computed because there are too few videos."""
    return (f"no SE, CI or p: {n_videos} video{'s' * (n_videos != 1)}, fewer than {MIN_VIDEOS}; time units within "
            "a video are not independent observations, so the videos are (Cameron & Miller 2015: cluster-robust "
            "SEs need enough clusters)")


def without_inference(c: Coefficient, reason: str) -> Coefficient:
    """The value alone: SE, CI and p removed, with the reason (a value that is undefined stays as it is)."""
    if not c.ok:
        return c
    return c.with_(se=None, ci_low=None, ci_high=None, p_value=None, reason=reason, method="")


@dataclass
class Grid:
    """The time units of all videos laid end to end: video v owns units ``offset[v]:offset[v + 1]``."""

    step_ms: int
    offset: np.ndarray  # len(videos) + 1

    @property
    def n(self) -> int:
        return int(self.offset[-1])

    @cached_property
    def unit_video(self) -> np.ndarray:
        """Per unit: its video index (computed once)."""
        return np.repeat(np.arange(len(self.offset) - 1, dtype=np.int32), np.diff(self.offset))

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per unit: the first and last unit of its video."""
        v = self.unit_video
        return self.offset[v], self.offset[v + 1] - 1


def grid(es: EpisodeSet, step_ms: int | None = None) -> Grid:
    step = step_ms or es.spec.step_ms
    h = es.horizon()
    n = -(-h // step)  # ceil
    return Grid(step, np.concatenate([[0], np.cumsum(n)]).astype(np.int64))


def _unit_range(g: Grid, video: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units whose midpoint lies in [start, end): global ``lo`` (inclusive) and ``hi`` (exclusive).

    Midpoint of unit i: (i + 1/2) step, inside iff 2 start <= (2i + 1) step < 2 end, i.e. i from
    ceil((2 start - step) / 2 step) to ceil((2 end - step) / 2 step) - 1 (integer arithmetic, exact)."""
    s = g.step_ms
    two = 2 * s
    lo = -((s - 2 * start) // two)
    hi = -((s - 2 * end) // two)
    size = g.offset[video + 1] - g.offset[video]
    lo = np.clip(lo, 0, size) + g.offset[video]
    hi = np.clip(hi, 0, size) + g.offset[video]
    return lo, np.maximum(hi, lo)


def coded(es: EpisodeSet) -> np.ndarray:
    """videos x coders: did the coder code that video (an episode there, or declared by the reader)?"""
    out = np.zeros((len(es.videos), len(es.coders)), dtype=bool)
    out[es.video, es.coder] = True
    if es.declared is not None:
        out |= es.declared
    return out


@dataclass
class Runs:
    """The units x coders code matrix as runs of identical rows: run r is units ``start[r]:start[r + 1]``
    (global unit indices of the :class:`Grid`), all with the codes ``codes[r]``; a run lies in one video."""

    start: np.ndarray  # R + 1 (the last: the number of units)
    codes: np.ndarray  # R x coders, int32 (-1: the coder did not code the video)
    video: np.ndarray  # R: video index of each run

    @property
    def length(self) -> np.ndarray:
        return np.diff(self.start)

def _breaks(g: Grid, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run starts (every episode boundary and video start inside the grid) and each run's video."""
    b = np.unique(np.concatenate([g.offset[:-1], lo, hi]))
    b = b[b < g.n]
    return b, (np.searchsorted(g.offset, b, side="right") - 1).astype(np.int32)


def _mark_missing(es: EpisodeSet, video: np.ndarray, codes: np.ndarray) -> None:
    done = coded(es)
    codes[~done[video]] = -1


def code_runs(es: EpisodeSet, g: Grid | None = None) -> tuple[Runs, Grid]:
    """The units x coders code matrix (the code covering each unit's midpoint, ``len(codes)`` for none, -1 where
    the coder did not code the video; dense reference: tests/timeline_reference.py) as :class:`Runs`, from the
    episodes by binary search (O(episodes log episodes)): the code of coder j at a run's first unit is that of
    j's last episode starting at or before it, if that episode has not ended (episodes of one coder do not
    overlap)."""
    g = g or grid(es)
    q = len(es.spec.codes)
    lo, hi = _unit_range(g, es.video, es.start, es.end)
    keep = hi > lo
    starts, video = _breaks(g, lo[keep], hi[keep])
    out = np.empty((len(starts), len(es.coders)), dtype=np.int32)
    for j in range(len(es.coders)):
        sel = np.flatnonzero((es.coder == j) & keep)
        order = sel[np.argsort(lo[sel], kind="stable")]
        a, b, c = lo[order], hi[order], es.code[order].astype(np.int32)
        k = np.searchsorted(a, starts, side="right") - 1
        kk = np.maximum(k, 0)
        inside = (k >= 0) & (starts < b[kk]) if len(a) else np.zeros(len(starts), dtype=bool)
        out[:, j] = np.where(inside, c[kk] if len(a) else q, q)
    _mark_missing(es, video, out)
    return Runs(np.append(starts, g.n), out, video), g


def presence_runs(es: EpisodeSet, code: int, g: Grid | None = None) -> tuple[Runs, Grid]:
    """The units x coders presence matrix of ``code`` (1 covered, 0 not, -1 video not coded; dense reference:
    tests/timeline_reference.py) as :class:`Runs`: present where more episodes of ``code`` have started than
    ended at the run's first unit (overlaps allowed)."""
    g = g or grid(es)
    sel = es.code == code
    lo, hi = _unit_range(g, es.video[sel], es.start[sel], es.end[sel])
    starts, video = _breaks(g, lo, hi)
    coder = es.coder[sel]
    out = np.empty((len(starts), len(es.coders)), dtype=np.int32)
    for j in range(len(es.coders)):
        k = coder == j
        n_on = np.searchsorted(np.sort(lo[k]), starts, side="right") - np.searchsorted(np.sort(hi[k]), starts,
                                                                                      side="right")
        out[:, j] = n_on > 0
    _mark_missing(es, video, out)
    return Runs(np.append(starts, g.n), out, video), g


@dataclass
class TimeResult:
    """Time-based agreement of one item (or one code of an overlapping item)."""

    what: str
    labels: list[str]  # categories in code order, "no code" last
    n_units: int
    step_ms: int
    coefficients: dict[str, Coefficient]
    tolerance_ms: int = 0
    tolerance: dict[str, Coefficient] = field(default_factory=dict)  # mean over pairs (two coders: the pair)
    pairs: list[dict] = field(default_factory=list)  # per pair with tolerance
    notes: list[str] = field(default_factory=list)


def engine_family(codes: np.ndarray, q: int, confidence: float = 0.95,
                  clusters: np.ndarray | None = None, freq: np.ndarray | None = None) -> dict[str, Coefficient]:
    """The chance-corrected family on a units x coders code matrix (-1 = missing).

    With ``clusters`` (the video of each time unit) or more than two coders: the count table through
    ``chance_corrected.py`` (percent agreement, Fleiss, AC1, alpha, Conger = Cohen for two), SEs cluster-robust over
    the clusters (Gwet's unit terms summed within a video, CI t(G - 1)). Two coders without clusters: from
    their q x q contingency table by ``two_coders.table_coefficients`` (R irrCAC's *.table functions; q^2
    cells whatever the number of time units). ``freq``: each row stands for that many identical units (runs):
    the results are those of the expanded matrix (frequency weights in ``chance_corrected.py``)."""
    if codes.shape[1] == 2 and clusters is None:
        c, u = in_use(codes, q)
        return pair_family(contingency(c[:, 0], c[:, 1], u, freq), confidence, q)
    counts = counting.table(codes, q)  # sparse beyond a few dozen categories
    a = chance_corrected.agreement(counts, clusters=clusters, freq=freq)
    cc = chance_corrected
    res = {c.key: c for c in (cc.percent_agreement(a, confidence), cc.fleiss_kappa(a, confidence),
                              cc.gwet_ac(a, confidence), cc.krippendorff_alpha(a, confidence))}
    res["conger_kappa"] = chance_corrected.conger_kappa(codes, q, None, confidence, a=a, freq=freq)
    if codes.shape[1] == 2:
        res["cohen_kappa"] = res["conger_kappa"].with_(key="cohen_kappa")
        res["scott_pi"] = res["fleiss_kappa"].with_(key="scott_pi")
    return res


def contingency(a: np.ndarray, b: np.ndarray, q: int, freq: np.ndarray | None = None) -> np.ndarray:
    """The pair's q x q table of units both coded (``two_coders.contingency``), rows weighted by ``freq``."""
    if freq is None:
        return two_coders.contingency(a, b, q)
    both = (a >= 0) & (b >= 0)
    return np.bincount(a[both] * q + b[both], weights=freq[both], minlength=q * q).reshape(q, q).astype(float)


def in_use(codes: np.ndarray, q: int) -> tuple[np.ndarray, int]:
    """The codes renumbered over the categories in use, and their number, when there are more categories than
    ``counting.DENSE_MAX_Q`` (a pair's tables then have rows and columns for those only, not (q + 1)^2: an item
    with 5,000 codes); else the codes and q as they are. -1 (missing) stays -1."""
    if q <= counting.DENSE_MAX_Q:
        return codes, q
    used = np.unique(codes[codes >= 0])
    lut = np.full(q, -1, dtype=np.int32)
    lut[used] = np.arange(len(used), dtype=np.int32)
    return np.where(codes >= 0, lut[np.maximum(codes, 0)], -1).astype(codes.dtype), max(len(used), 1)


def pair_family(table: np.ndarray, confidence: float = 0.95, n_categories: int | None = None
                ) -> dict[str, Coefficient]:
    """Two coders' coefficients from their contingency table (rows: first coder); ``n_categories``: the item's
    number of categories when the table lists only those in use (:func:`in_use`)."""
    res = two_coders.table_coefficients(table, None, confidence, n_categories)
    res["fleiss_kappa"] = res["scott_pi"].with_(key="fleiss_kappa")
    res["conger_kappa"] = res["cohen_kappa"].with_(key="conger_kappa")
    return res


def tolerant_table_runs(runs: Runs, i: int, j: int, q: int, w: int, plain: np.ndarray | None = None) -> np.ndarray:
    """The q x q tally of Bakeman et al. (2009) with a tolerance of ``w`` units (both coders in turn as the
    reference: a unit where a's code occurs in b's record within the window counts as (a, a), else (a, b)) of
    coders ``i`` and ``j`` on :class:`Runs` (O(runs log runs), see the module docstring; dense reference:
    tests/timeline_reference.py). ``plain``: the pair's contingency table."""
    a, b = runs.codes[:, i], runs.codes[:, j]
    n_len = runs.length
    table = 2 * (contingency(a, b, q, n_len) if plain is None else plain)
    dis = np.flatnonzero((a >= 0) & (b >= 0) & (a != b))
    if not len(dis) or w <= 0:
        return table
    s, e = runs.start[dis], runs.start[dis + 1]
    da, db = a[dis], b[dis]
    ok_b = _near(b, da, dis, runs, s, e, w, q)  # a's code in b's record within the window
    ok_a = _near(a, db, dis, runs, s, e, w, q)  # b's code in a's record
    cells = np.concatenate([da * q + db, da * q + da, db * q + db])
    moved = np.bincount(cells, weights=np.concatenate([-(ok_b + ok_a), ok_b, ok_a]), minlength=q * q)
    return table + moved.reshape(q, q)


def _near(other: np.ndarray, want: np.ndarray, at: np.ndarray, runs: Runs, s: np.ndarray, e: np.ndarray, w: int,
          q: int) -> np.ndarray:
    """For each run ``at[r]`` (units s..e-1, where ``other`` has a code other than ``want[r]``): how many of its
    units have ``want[r]`` in ``other``'s record within ``w`` units in the same video."""
    left = np.full(len(at), -(1 << 62), dtype=np.int64)  # last unit of the nearest earlier run coded ``want``
    right = np.full(len(at), 1 << 62, dtype=np.int64)  # first unit of the nearest later one
    for x in range(q):
        sel = np.flatnonzero(want == x)
        if not len(sel):
            continue
        pos = np.flatnonzero(other == x)
        if not len(pos):
            continue
        r = at[sel]
        k = np.searchsorted(pos, r)
        has = k > 0
        prev = pos[np.maximum(k - 1, 0)]
        has &= runs.video[prev] == runs.video[r]
        left[sel[has]] = runs.start[prev[has] + 1] - 1
        has = k < len(pos)
        nxt = pos[np.minimum(k, len(pos) - 1)]
        has &= runs.video[nxt] == runs.video[r]
        right[sel[has]] = runs.start[nxt[has]]
    hi_left = np.clip(left + w + 1, s, e)  # units s..hi_left-1 are within w of the earlier one
    lo_right = np.clip(right - w, s, e)  # units lo_right..e-1 within w of the later one
    return ((hi_left - s) + (e - lo_right) - np.maximum(hi_left - lo_right, 0)).astype(float)


def time_based(es: EpisodeSet, confidence: float = 0.95, tolerance_ms: int | None = None,
               step_ms: int | None = None, min_videos: int = MIN_VIDEOS, values_only: bool = False,
               pairs: bool = True) -> list[TimeResult]:
    """Time-unit agreement of an item: one result for a non-overlapping item (codes + "no code"), one per
    code (present / absent) for an overlapping one. ``tolerance_ms`` defaults to the spec's (0: none).

    SEs, CIs and p-values treat videos as the independent observations (cluster-robust over videos); with fewer
    than ``min_videos`` videos only the values are given, and the reason (``min_videos=1``: the SE of one video
    treats its time units as independent, for comparison with the expanded matrix). ``values_only``: only each
    pair's Cohen's kappa and tolerance kappa, without SEs and without the family (the tolerance sweep).
    ``pairs=False``: the family only, no pair (many coders: ``allpairs`` computes every pair at once)."""
    tol = es.spec.tolerance_ms if tolerance_ms is None else tolerance_ms
    g = grid(es, step_ms)
    out: list[TimeResult] = []
    if not es.spec.overlap:
        runs, _ = code_runs(es, g)
        labels = [*es.spec.codes, "no code"]
        out.append(_result(es.spec.item, labels, runs, g, tol, confidence, min_videos, values_only, pairs))
    else:
        for k, code in enumerate(es.spec.codes):
            pres, _ = presence_runs(es, k, g)
            out.append(_result(f"{es.spec.item}: {code}", [f"not {code}", code], pres, g, tol, confidence,
                               min_videos, values_only, pairs))
    return out


def _result(what: str, labels: list[str], runs: Runs, g: Grid, tol: int, confidence: float,
            min_videos: int = MIN_VIDEOS, values_only: bool = False, pairs: bool = True) -> TimeResult:
    q = len(labels)
    codes, freq = runs.codes, runs.length.astype(float)
    m = codes.shape[1]
    if g.n == 0 or m < 2:
        why = "no time units (no episodes and no recording length)" if g.n == 0 else "fewer than two coders"
        coefs = {k: undefined(k, why) for k in ("percent_agreement", "cohen_kappa" if m == 2 else "fleiss_kappa")}
        return TimeResult(what, labels, g.n, g.step_ms, coefs, tol)
    n_videos = int(np.count_nonzero(np.diff(g.offset)))  # videos with time units
    enough = n_videos >= min_videos
    several = len(g.offset) > 2
    coefs = {} if values_only else engine_family(codes, q, confidence, runs.video if several else None, freq=freq)
    if not enough:
        coefs = {k: without_inference(c, too_few_videos(n_videos)) for k, c in coefs.items()}
    res = TimeResult(what, labels, g.n, g.step_ms, coefs, tol,
                     notes=[SE_CLUSTERED if enough else too_few_videos(n_videos)])
    w = tol // g.step_ms
    res.tolerance_ms = w * g.step_ms
    if not pairs:
        return res
    vals = []
    pair_codes, u = in_use(codes, q)  # the pairs' tables over the categories in use
    pair_runs = runs if u == q else replace(runs, codes=pair_codes)
    no_tally_se = ("no SE, CI or p: the tolerance tally counts each time unit twice (once per reference coder), "
                   "not units of a video")
    for i, j in combinations(range(m), 2):
        plain = contingency(pair_codes[:, i], pair_codes[:, j], u, freq)
        if values_only and w > 0:  # the sweep reads the tolerance kappa: no clustered SE for this one
            kappa = pair_family(plain, confidence, q)["cohen_kappa"]
        elif enough and several:
            kappa = engine_family(codes[:, [i, j]], q, confidence, runs.video, freq=freq)["cohen_kappa"]
        elif enough:
            kappa = pair_family(plain, confidence, q)["cohen_kappa"]
        else:
            kappa = without_inference(pair_family(plain, confidence, q)["cohen_kappa"], too_few_videos(n_videos))
        entry: dict = {"coders": (i, j), "cohen_kappa": kappa}
        if w > 0:
            fam = pair_family(tolerant_table_runs(pair_runs, i, j, u, w, plain), confidence, q)
            entry["tolerance_kappa"] = without_inference(fam["cohen_kappa"], no_tally_se)
            entry["tolerance_percent_agreement"] = without_inference(fam["percent_agreement"], no_tally_se)
            vals.append((entry["tolerance_kappa"], entry["tolerance_percent_agreement"]))
        res.pairs.append(entry)
    if m == 2 and vals:
        res.tolerance = {"cohen_kappa": vals[0][0], "percent_agreement": vals[0][1]}
    elif vals:
        res.tolerance = {k: _mean(k, [v[i] for v in vals]) for i, k in enumerate(("cohen_kappa",
                                                                                  "percent_agreement"))}
    return res


def _mean(key: str, coefs: list[Coefficient]) -> Coefficient:
    ok = [c.value for c in coefs if c.ok]
    if not ok:
        return undefined(key, "undefined for every pair of coders")
    over = "mean over " + ("1 pair" if len(ok) == 1 else f"{len(ok)} pairs")
    return Coefficient(key, float(np.mean(ok)), n_units=coefs[0].n_units, method=over,
                       reason="no SE for the mean over pairs")
