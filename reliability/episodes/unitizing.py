"""Krippendorff's unitizing alphas for time-coded episodes (two or more coders).

Krippendorff, Mathet, Bouvry & Widloecher (2016), On the reliability of unitizing textual continua: further
developments, Qual Quant 50:2347-2364 (the same family in Krippendorff 2019, Content Analysis, 4th ed.,
sect. 12.6). Each coder partitions each video into units (valued with a code) and the gaps between them
(valued phi). With ``|g ∩ h|`` the length of the intersection of coder i's segment g and coder j's segment h:

* observed coincidences (eq. 1): ``l_ck = 1/(m-1) sum_i sum_{j != i} sum_g sum_h |s_icg ∩ s_jkh|``
* expected coincidences (eq. 4): ``e_ck = l.. (l_c. l_.k - [c = k] S_c) / (l..^2 - S)`` with ``S_c`` the sum
  over every coder's segments valued c of their squared lengths (units) or lengths (gaps), ``S = sum_c S_c``
* ``u-alpha = 1 - (l.. - sum_c l_cc) / (l.. - sum_c e_cc)`` (eq. 5a): boundaries and codes, gaps included;
* ``|u-alpha`` (eq. 6): the same coincidences collapsed to phi / not phi: the segmentation alone;
* ``cu-alpha`` (eqs. 10-11): the coding of intersecting units only, ``l*_ck = l_ck`` for c, k != phi and
  ``e*_ck = (l*_c. l*_.k - [c = k] S*_c / (m-1)) / (l*.. - S* / (l*.. (m-1)))`` where ``S*_c`` sums, over every
  coder i, unit g valued c and other coder j, the squared length of g's overlap with j's units;
* ``(k)u-alpha`` (eq. 13b): ``1 - (e*_k. / l*_k.) (l*_k. - l*_kk) / (e*_k. - e*_kk)`` for each code k.

With three or more coders the correction of cu-alpha can be read two ways; irrkit divides ``S*_c`` by
``(m - 1)`` in the numerator and by ``l*.. (m - 1)`` in the denominator, as eq. 11 prints it (0.72556 on
Krippendorff's 2019 fig. 12.11; the other reading, found in some independent implementations, gives 0.72835).
Every output with three or more coders says which reading was used.

Uncertainty (Krippendorff et al. 2016 bootstrap the unitizing alphas): coincidences and corrections are sums
over videos, so a bootstrap over videos (:func:`bootstrap_over_videos`) re-weights each video's sums and applies
the same formulas (:func:`alphas_from`) to every replicate: a percentile CI per alpha, from
``timeline.MIN_VIDEOS`` videos on.

Lengths are counted in time units of the item's ``step`` (the continuum's atoms: gaps enter S by their length
in these units). Several videos are several continua: their coincidences are added. A coder who did not code
a video is left out of that video (``m`` is then the number who did). Computation: one sweep over the merged
segment boundaries (pieces where every coder's value is constant), ``l = sum_p L_p (n_p n_p' - diag n_p) /
(m_p - 1)``: no loop over time units.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.episodes.timeline import coded
from irrkit.statistics import counting
from irrkit.statistics.results import Coefficient, undefined

NO_SE = "no SE: a percentile bootstrap CI over videos instead (Krippendorff et al. 2016), from enough videos on"


@dataclass
class UnitizingResult:
    alphas: dict[str, Coefficient]
    per_code: dict[str, Coefficient]
    observed: np.ndarray  # (q + 1) x (q + 1), phi last
    expected: np.ndarray
    labels: list[str]
    coverage: float | None = None  # share of the coded length that cu-alpha sees (intersecting units)
    notes: list[str] = field(default_factory=list)


def _pieces(es: EpisodeSet, unit_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(length in units, video index, pieces x coders values: code, q = phi, -1 = coder did not code)."""
    q = len(es.spec.codes)
    h = es.horizon()
    base = np.concatenate([[0], np.cumsum(h)])  # videos laid end to end (ms)
    g_start = es.start + base[es.video]
    g_end = es.end + base[es.video]
    cuts = np.unique(np.concatenate([base, g_start, g_end]))
    lo, hi = cuts[:-1], cuts[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    mid2 = lo + hi  # twice the midpoint: exact in integers
    vid = np.searchsorted(base, lo, side="right") - 1
    vid = np.minimum(vid, len(h) - 1)
    done = coded(es)
    m = len(es.coders)
    vals = np.full((len(lo), m), q, dtype=np.int32)
    for j in range(m):
        sel = np.flatnonzero(es.coder == j)
        s, e, c = g_start[sel], g_end[sel], es.code[sel]
        o = np.argsort(s, kind="stable")
        s, e, c = s[o], e[o], c[o]
        k = np.searchsorted(2 * s, mid2, side="right") - 1
        inside = (k >= 0) & (mid2 < 2 * e[np.maximum(k, 0)]) if len(s) else np.zeros(len(lo), bool)
        vals[inside, j] = c[k[inside]]
        vals[~done[vid, j], j] = -1
    return (hi - lo) / unit_ms, vid, vals


def _corrections(es: EpisodeSet, unit_ms: int, by_video: bool = False) -> np.ndarray:
    """S_c per value (phi last): units' squared lengths, gaps' lengths, over coders who coded the video;
    ``by_video``: one row per video."""
    q = len(es.spec.codes)
    h = es.horizon()
    done = coded(es)
    mv = done.sum(axis=1)
    ok = mv[es.video] >= 2
    length = (es.end - es.start)[ok] / unit_ms
    rows = len(h) if by_video else 1
    key = es.code[ok] + (es.video[ok].astype(np.int64) * q if by_video else 0)
    s = np.bincount(key, weights=length ** 2, minlength=rows * q)[:rows * q].reshape(rows, q)
    gaps = np.zeros(rows)
    for v in np.flatnonzero(mv >= 2):
        for j in np.flatnonzero(done[v]):
            st, en, _ = es.of(int(v), int(j))
            edges = np.concatenate([[0], en]), np.concatenate([st, [h[v]]])
            gl = np.maximum(edges[1] - edges[0], 0)
            gaps[v if by_video else 0] += gl.sum() / unit_ms
    out = np.concatenate([s, gaps[:, None]], axis=1)
    return out if by_video else out[0]


_SQUARES: list = []  # the last item's ((episodes, its arrays), unit, total, per video): unitizing() and its
# bootstrap share it


def _overlap_squares(es: EpisodeSet, unit_ms: int, by_video: bool = False) -> np.ndarray:
    """S*_c (m - 1): for every unit g of every coder i and every other coder j who coded the video, the squared
    length of g's overlap with j's units, divided by (m_v - 1), summed per code; ``by_video``: per video. Both
    are made in one pass over the coders (work in coders x episodes) and kept for the same episodes."""
    key = (es, es.start, es.end, es.code, es.video, es.coder)
    if not (_SQUARES and _SQUARES[1] == unit_ms and all(a is b for a, b in zip(_SQUARES[0], key))):
        _SQUARES[:] = [key, unit_ms, *_squares(es, unit_ms)]
    return _SQUARES[3] if by_video else _SQUARES[2]


def _squares(es: EpisodeSet, unit_ms: int) -> tuple[np.ndarray, np.ndarray]:
    q = len(es.spec.codes)
    done = coded(es)
    mv = done.sum(axis=1)
    h = es.horizon()
    rows = len(h)
    out = np.zeros(q)
    per = np.zeros(rows * q)
    base = np.concatenate([[0], np.cumsum(h)])
    gs, ge = es.start + base[es.video], es.end + base[es.video]
    for j in range(len(es.coders)):
        sj = np.flatnonzero(es.coder == j)
        o = sj[np.argsort(gs[sj], kind="stable")]
        s, e = gs[o], ge[o]
        cum = np.concatenate([[0], np.cumsum(e - s)])

        def cover(t: np.ndarray, s: np.ndarray = s, e: np.ndarray = e, cum: np.ndarray = cum) -> np.ndarray:
            k = np.searchsorted(s, t, side="right") - 1
            kk = np.maximum(k, 0)
            part = np.where(k >= 0, np.minimum(t - s[kk] if len(s) else 0, (e - s)[kk] if len(s) else 0), 0)
            return np.where(k >= 0, cum[kk] + part, 0) if len(s) else np.zeros(len(t))

        others = np.flatnonzero((es.coder != j) & done[es.video, j] & (mv[es.video] >= 2))
        ov = (cover(ge[others]) - cover(gs[others])) / unit_ms
        wt = ov ** 2 / (mv[es.video[others]] - 1)
        out += np.bincount(es.code[others], weights=wt, minlength=q)[:q]
        per += np.bincount(es.code[others] + es.video[others].astype(np.int64) * q, weights=wt,
                           minlength=rows * q)[:rows * q]
    return out, per.reshape(rows, q)


@dataclass
class Sums:
    """The sums the alphas are made of (any leading batch shape: one set, or one per video or replicate):
    observed coincidences ``obs`` ((q + 1) x (q + 1), phi last), the corrections ``s_c`` (q + 1) of eq. 4 and
    ``s_star`` (q) of eq. 11."""

    obs: np.ndarray
    s_c: np.ndarray
    s_star: np.ndarray


def alphas_from(s: Sums) -> dict[str, np.ndarray]:
    """u-alpha, |u-alpha and cu-alpha (eqs. 4, 5a, 6, 10, 11) and the intermediate sums, element-wise over the
    leading batch shape; NaN where an alpha is 0/0. The one place these formulas are written."""
    q = s.s_star.shape[-1]
    obs, s_c, s_star = s.obs, s.s_c, s.s_star
    tot = obs.sum(axis=(-2, -1))
    lc = obs.sum(axis=-1)
    diag = np.arange(q + 1)
    outer = lc[..., :, None] * lc[..., None, :]
    corr = np.zeros_like(outer)
    corr[..., diag, diag] = s_c
    with np.errstate(divide="ignore", invalid="ignore"):
        exp = (outer - corr) * tot[..., None, None] / (tot ** 2 - s_c.sum(axis=-1))[..., None, None]
    star = obs[..., :q, :q]
    ts = star.sum(axis=(-2, -1))
    ls = star.sum(axis=-1)
    cstar = np.zeros(star.shape)
    cstar[..., diag[:q], diag[:q]] = s_star
    with np.errstate(divide="ignore", invalid="ignore"):
        e_star = (ls[..., :, None] * ls[..., None, :] - cstar) / (ts - s_star.sum(axis=-1) / ts)[..., None, None]

    def ratio(d_o: np.ndarray, d_e: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d_e <= 1e-12 * np.maximum(1.0, np.abs(d_o)), np.nan, 1 - d_o / d_e)

    trace = np.trace(obs, axis1=-2, axis2=-1)
    out = {"u_alpha": ratio(tot - trace, tot - np.trace(exp, axis1=-2, axis2=-1)),
           "binary_u_alpha": ratio(obs[..., q, :q].sum(axis=-1), exp[..., q, :q].sum(axis=-1)),
           "cu_alpha": np.where(ts > 0, ratio(ts - np.trace(star, axis1=-2, axis2=-1),
                                              ts - np.trace(e_star, axis1=-2, axis2=-1)), np.nan)}
    out.update(exp=exp, e_star=e_star, star=star, ts=ts, ls=ls, tot=tot)
    return out


WHAT = {"u_alpha": "the segmentation", "binary_u_alpha": "units versus gaps",
        "cu_alpha": "the codes of intersecting units"}
CU_READING = ("cu-alpha with three or more coders: S*_c divided by (m - 1) as eq. 11 of Krippendorff et al. (2016) "
              "prints it (another reading, used by some implementations, differs slightly)")


def _sums(es: EpisodeSet, unit: int) -> tuple[Sums, np.ndarray | None, int]:
    """The sums over all videos, the same per video (for the bootstrap) and the number of pieces used."""
    q = len(es.spec.codes)
    length, vid, vals = _pieces(es, unit)
    mp = (vals >= 0).sum(axis=1)
    use = mp >= 2
    if not use.any():
        return Sums(np.zeros((q + 1, q + 1)), np.zeros(q + 1), np.zeros(q)), None, 0
    n = counting.count_table(vals[use], q + 1)  # pieces x values: coders with that value
    wt = length[use] / (mp[use] - 1)
    obs = np.einsum("p,pc,pk->ck", wt, n, n) - np.diag(wt @ n)
    total = Sums(obs, _corrections(es, unit), _overlap_squares(es, unit))
    return total, vid[use], int(use.sum())


def per_video(es: EpisodeSet, unit_ms: int | None = None) -> Sums:
    """The sums of each video (leading axis: videos); their sum over videos is the item's sums."""
    unit = unit_ms or es.spec.step_ms
    q = len(es.spec.codes)
    length, vid, vals = _pieces(es, unit)
    mp = (vals >= 0).sum(axis=1)
    use = mp >= 2
    n_v = len(es.videos)
    obs = np.zeros((n_v, q + 1, q + 1))
    if use.any():
        n = counting.count_table(vals[use], q + 1)
        wt = length[use] / (mp[use] - 1)
        v = vid[use]
        for k in np.unique(v):  # pieces come in video order: one block per video
            s = v == k
            obs[k] = np.einsum("p,pc,pk->ck", wt[s], n[s], n[s]) - np.diag(wt[s] @ n[s])
    return Sums(obs, _corrections(es, unit, True), _overlap_squares(es, unit, True))


def bootstrap_over_videos(es: EpisodeSet, n_boot: int = 1000, seed: int = 0, confidence: float = 0.95,
                          unit_ms: int | None = None) -> dict[str, tuple[float | None, float | None, int]]:
    """Percentile bootstrap CIs of the three alphas, resampling videos with replacement (each replicate: the
    videos' sums weighted by how often each was drawn, then :func:`alphas_from`). Returns per alpha
    (low, high, number of replicates where it is defined)."""
    from irrkit.statistics.bootstrap import multiplicities, percentile_ci

    pv = per_video(in_use(es), unit_ms)
    m = multiplicities(len(es.videos), n_boot, np.random.default_rng(seed))
    reps = alphas_from(Sums(np.einsum("bv,vck->bck", m, pv.obs), m @ pv.s_c, m @ pv.s_star))
    out = {}
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        lo, hi, _, n = percentile_ci(reps[key], confidence)
        out[key] = (lo, hi, n)
    return out


def in_use(es: EpisodeSet) -> EpisodeSet:
    """The item with only the codes that occur, when it has more than ``DENSE_MAX_Q`` (the coincidence matrices
    are (q + 1)^2: 5,000 codes would be 200 MB each). Exact: a code no coder used adds nothing to any
    coincidence or correction, so every alpha is the same."""
    q = len(es.spec.codes)
    if q <= counting.DENSE_MAX_Q:
        return es
    used = np.unique(es.code)
    lut = np.full(q, -1, dtype=es.code.dtype)
    lut[used] = np.arange(len(used), dtype=es.code.dtype)
    labels = es.spec.labels
    spec = replace(es.spec, codes=tuple(es.spec.codes[k] for k in used),
                   labels=tuple(labels[k] for k in used) if len(labels) == q else labels)
    return replace(es, spec=spec, code=lut[es.code])


def unitizing(es: EpisodeSet, unit_ms: int | None = None) -> UnitizingResult:
    """u-alpha, |u-alpha, cu-alpha and (k)u-alpha of a non-overlapping item (see the module docstring)."""
    every_code = es.spec.codes
    es = in_use(es)
    unit = unit_ms or es.spec.step_ms
    q = len(es.spec.codes)
    labels = [*es.spec.codes, "no code"]
    n_units = len(es)
    total, _, used = _sums(es, unit)
    if not used:
        why = "no video was coded by two or more coders"
        keys = ("u_alpha", "binary_u_alpha", "cu_alpha")
        return UnitizingResult({k: undefined(k, why) for k in keys}, {}, np.zeros((q + 1, q + 1)),
                               np.zeros((q + 1, q + 1)), labels)
    a = alphas_from(total)
    alphas: dict[str, Coefficient] = {}
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        if key == "cu_alpha" and not a["ts"] > 0:
            alphas[key] = undefined(key, "no two coders' units intersect", n_units)
        elif np.isnan(a[key]):
            alphas[key] = undefined(key, f"no expected disagreement on {WHAT[key]}: alpha is 0/0", n_units)
        else:
            alphas[key] = Coefficient(key, float(a[key]), n_units=n_units, reason=NO_SE,
                                      method="Krippendorff et al. (2016)")
    per_code: dict[str, Coefficient] = {}
    star, e_star, ls = a["star"], a["e_star"], a["ls"]
    if a["ts"] > 0:
        ek = e_star.sum(axis=1)
        for k, code in enumerate(es.spec.codes):
            key = "ku_alpha"
            if ls[k] <= 0:
                per_code[code] = undefined(key, f"no unit coded '{code}' intersects another coder's unit")
            elif ek[k] - e_star[k, k] <= 1e-12:
                per_code[code] = undefined(key, f"no expected disagreement on '{code}'")
            else:
                v = 1 - (ek[k] / ls[k]) * (ls[k] - star[k, k]) / (ek[k] - e_star[k, k])
                per_code[code] = Coefficient(key, float(v), n_units=n_units, reason=NO_SE,
                                             method="Krippendorff et al. (2016) eq. 13b")
    for code in every_code:
        if code not in per_code:
            per_code[code] = undefined("ku_alpha", f"no unit coded '{code}' intersects another coder's unit")
    per_code = {code: per_code[code] for code in every_code}
    tot = float(a["tot"])
    coverage = float(a["ts"] / tot) if tot else None
    notes = [CU_READING] if len(es.coders) >= 3 else []
    return UnitizingResult(alphas, per_code, total.obs, a["exp"], labels, coverage, notes)
