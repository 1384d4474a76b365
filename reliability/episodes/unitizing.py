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

Lengths are counted in time units of the item's ``step`` (the continuum's atoms: gaps enter S by their length
in these units). Several videos are several continua: their coincidences are added. A coder who did not code
a video is left out of that video (``m`` is then the number who did). Computation: one sweep over the merged
segment boundaries (pieces where every coder's value is constant), ``l = sum_p L_p (n_p n_p' - diag n_p) /
(m_p - 1)``: no loop over time units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from irrkit.episodes.timecode import EpisodeSet
from irrkit.episodes.timeline import coded
from irrkit.statistics import chance_corrected
from irrkit.statistics.results import Coefficient, undefined

NO_SE = "no SE (Krippendorff et al. 2016 bootstrap it; not done here)"


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


def _corrections(es: EpisodeSet, unit_ms: int) -> np.ndarray:
    """S_c per value (phi last): units' squared lengths, gaps' lengths, over coders who coded the video."""
    q = len(es.spec.codes)
    h = es.horizon()
    done = coded(es)
    mv = done.sum(axis=1)
    ok = mv[es.video] >= 2
    length = (es.end - es.start)[ok] / unit_ms
    s = np.bincount(es.code[ok], weights=length ** 2, minlength=q)[:q]
    gaps = 0.0
    for v in np.flatnonzero(mv >= 2):
        for j in np.flatnonzero(done[v]):
            st, en, _ = es.of(int(v), int(j))
            edges = np.concatenate([[0], en]), np.concatenate([st, [h[v]]])
            gl = np.maximum(edges[1] - edges[0], 0)
            gaps += gl.sum() / unit_ms
    return np.append(s, gaps)


def _overlap_squares(es: EpisodeSet, unit_ms: int) -> np.ndarray:
    """S*_c (m - 1): for every unit g of every coder i and every other coder j who coded the video, the squared
    length of g's overlap with j's units, divided by (m_v - 1), summed per code."""
    q = len(es.spec.codes)
    done = coded(es)
    mv = done.sum(axis=1)
    out = np.zeros(q)
    h = es.horizon()
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
        out += np.bincount(es.code[others], weights=ov ** 2 / (mv[es.video[others]] - 1), minlength=q)[:q]
    return out


def _alpha(key: str, d_o: float, d_e: float, n: int, what: str) -> Coefficient:
    if d_e <= 1e-12 * max(1.0, abs(d_o)):
        return undefined(key, f"no expected disagreement on {what}: alpha is 0/0", n)
    return Coefficient(key, float(1 - d_o / d_e), n_units=n, reason=NO_SE, method="Krippendorff et al. (2016)")


def unitizing(es: EpisodeSet, unit_ms: int | None = None) -> UnitizingResult:
    """u-alpha, |u-alpha, cu-alpha and (k)u-alpha of a non-overlapping item (see the module docstring)."""
    unit = unit_ms or es.spec.step_ms
    q = len(es.spec.codes)
    labels = [*es.spec.codes, "no code"]
    length, vid, vals = _pieces(es, unit)
    mp = (vals >= 0).sum(axis=1)
    use = mp >= 2
    n_units = len(es)
    if not use.any():
        why = "no video was coded by two or more coders"
        keys = ("u_alpha", "binary_u_alpha", "cu_alpha")
        return UnitizingResult({k: undefined(k, why) for k in keys}, {}, np.zeros((q + 1, q + 1)),
                               np.zeros((q + 1, q + 1)), labels)
    n = chance_corrected.count_table(vals[use], q + 1)  # pieces x values: coders with that value
    wt = length[use] / (mp[use] - 1)
    obs = np.einsum("p,pc,pk->ck", wt, n, n) - np.diag(wt @ n)
    s_c = _corrections(es, unit)
    tot = obs.sum()
    lc = obs.sum(axis=1)
    exp = (np.outer(lc, lc) - np.diag(s_c)) * tot / (tot ** 2 - s_c.sum())
    alphas = {"u_alpha": _alpha("u_alpha", tot - np.trace(obs), tot - np.trace(exp), n_units, "the segmentation"),
              "binary_u_alpha": _alpha("binary_u_alpha", obs[q, :q].sum(), exp[q, :q].sum(), n_units,
                                       "units versus gaps")}
    star = obs[:q, :q]
    ts = star.sum()
    per_code: dict[str, Coefficient] = {}
    coverage = float(ts / tot) if tot else None
    if ts <= 0:
        alphas["cu_alpha"] = undefined("cu_alpha", "no two coders' units intersect", n_units)
    else:
        s_star = _overlap_squares(es, unit)
        ls = star.sum(axis=1)
        e_star = (np.outer(ls, ls) - np.diag(s_star)) / (ts - s_star.sum() / ts)
        alphas["cu_alpha"] = _alpha("cu_alpha", ts - np.trace(star), ts - np.trace(e_star), n_units,
                                    "the codes of intersecting units")
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
    return UnitizingResult(alphas, per_code, obs, exp, labels, coverage)
