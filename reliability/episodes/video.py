"""Agreement on one time-coded item, all of it: time-based, event-based, unitizing, onsets, a tolerance sweep,
the disagreement list, and the tables/JSON written from them (the ``irrkit video`` job, library side).

``analyse_episodes(es)`` returns a :class:`VideoResult` whose ``coefficients`` are flat (one Coefficient per
key, the shape gates and JUnit read): the time-based family (``percent_agreement``, ``cohen_kappa`` for two
coders, else ``fleiss_kappa`` and ``conger_kappa``; ``gwet_ac1``, ``krippendorff_alpha``), ``tolerance_kappa``,
``event_kappa`` and ``matched_kappa`` (two coders: the pair; more: the mean over pairs), and the unitizing
alphas ``u_alpha``, ``binary_u_alpha``, ``cu_alpha``; ELAN's modified kappa ``easydiag_kappa`` and
``easydiag_kappa_max`` (Holle & Rein 2015, see easydiag.py) and, when asked, ``gamma`` and ``gamma_cat``. Items whose
episodes may overlap are analysed per code (present / absent); their flat coefficients are the means over codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from irrkit.episodes import easydiag, events, gamma, timeline, unitizing
from irrkit.episodes.timecode import EpisodeSet, fmt_time
from irrkit.statistics.results import Coefficient, finite_or_none, undefined

SWEEP_S = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
BOOTSTRAP = 1000  # resamples of videos for the CIs of the unitizing alphas and the event kappas


@dataclass
class VideoResult:
    item: str
    level: str  # "episodes" (what gate.evaluate names in its messages)
    es: EpisodeSet
    coefficients: dict[str, Coefficient]
    time: list[timeline.TimeResult]
    pairs: list[events.EventResult]
    unitizing: unitizing.UnitizingResult | None
    rule: str
    notes: list[str] = field(default_factory=list)

    @property
    def n_coders(self) -> int:
        return len(self.es.coders)

    @property
    def primary(self) -> str:
        """The headline statistic: the codebook's ``primary``, else a chance-corrected one, as Bakeman, Quera &
        Gnisci (2009) recommend: the time-unit Cohen's kappa for two coders, Fleiss' kappa for more."""
        return self.es.spec.primary or ("cohen_kappa" if self.n_coders <= 2 else "fleiss_kappa")


def _mean(key: str, cs: list[Coefficient], what: str) -> Coefficient:
    """One coefficient, or the mean over codes / pairs of coders (``what``: "code", "pair") without an SE."""
    ok = [c.value for c in cs if c.ok]
    plural = "pairs of coders" if what == "pair" else f"{what}s"
    if not ok:
        reasons = {c.reason for c in cs if c.reason}
        return undefined(key, "; ".join(sorted(reasons)) or f"undefined for all {plural}")
    if len(cs) == 1:
        return cs[0].with_(key=key)
    one = "pair of coders" if what == "pair" else what
    over = f"mean over {len(ok)} {plural}" if len(ok) > 1 else f"mean over 1 {one}"
    return Coefficient(key, float(np.mean(ok)), n_units=max(c.n_units for c in cs), method=over,
                       reason=f"{over}: no SE")


def analyse_episodes(es: EpisodeSet, confidence: float = 0.95, rule: str = "onset",
                     tolerance_ms: int | None = None, with_gamma: bool = False,
                     progress: Callable[[int], Any] | None = None) -> VideoResult:
    """Every statistic of one item (see the module docstring); ``with_gamma``: also Mathet et al.'s gamma and
    gamma-cat (optional package, seconds per video: asked for, never by default). ``progress(k)``: called as
    pairs of coders are done (k at a time)."""
    tol = es.spec.tolerance_ms if tolerance_ms is None else tolerance_ms
    m = len(es.coders)
    notes: list[str] = []
    time = timeline.time_based(es, confidence, tol)
    flat: dict[str, Coefficient] = {}
    keys = ("percent_agreement", "cohen_kappa", "scott_pi", "gwet_ac1", "krippendorff_alpha") if m == 2 else (
        "percent_agreement", "fleiss_kappa", "conger_kappa", "gwet_ac1", "krippendorff_alpha")
    for k in keys:
        flat[k] = _mean(k, [t.coefficients.get(k, undefined(k, "not computed")) for t in time], "code")
    if m > 2:  # Cohen's kappa of every pair of coders, averaged (per code for overlapping items, then averaged)
        per = [_mean("cohen_kappa", [p["cohen_kappa"] for p in t.pairs], "pair") for t in time]
        flat["cohen_kappa"] = _mean("cohen_kappa", per, "code")
    tk = [t.tolerance.get("cohen_kappa") for t in time if t.tolerance.get("cohen_kappa") is not None]
    flat["tolerance_kappa"] = _mean("tolerance_kappa", tk, "code") if tk else undefined(
        "tolerance_kappa", "no tolerance (0 s)" if tol == 0 else "fewer than two coders")
    index = events.coder_index(es)  # each pair's episodes without a pass over everyone's
    pairs = []
    for a, b in combinations(range(m), 2):
        pairs.append(events.event_based(es, a, b, tol, rule, confidence, index))
        if progress:
            progress(1)
    n_videos = int((timeline.coded(es).sum(axis=1) >= 2).sum())  # videos two or more coders coded
    means = events.with_inference(pairs, n_videos, BOOTSTRAP, seed=0, confidence=confidence)
    for k in ("event_kappa", "matched_kappa"):
        flat[k] = _mean(k, [p.coefficients[k] for p in pairs], "pair") if pairs else undefined(
            k, "fewer than two coders")
        if means and k in means and flat[k].ok:
            flat[k] = means[k]
    flat.update(easydiag.coefficients(es))  # ELAN's modified kappa (Holle & Rein 2015): 60% overlap linking
    if with_gamma:
        flat.update(gamma.coefficients(es))  # undefined, with the install line, without pygamma-agreement
    un = None
    if es.spec.overlap:
        why = "episodes of this item may overlap: the unitizing alphas need each coder's record to be a partition"
        for k in ("u_alpha", "binary_u_alpha", "cu_alpha"):
            flat[k] = undefined(k, why)
    else:
        un = unitizing.unitizing(es)
        if n_videos >= timeline.MIN_VIDEOS:
            ci = unitizing.bootstrap_over_videos(es, BOOTSTRAP, seed=0, confidence=confidence)
            for k, (lo, hi, n) in ci.items():
                if un.alphas[k].ok and lo is not None:
                    un.alphas[k] = un.alphas[k].with_(
                        ci_low=lo, ci_high=hi, reason=None,
                        method=f"Krippendorff et al. (2016); percentile bootstrap over the {n_videos} videos "
                               f"({n:,} of {BOOTSTRAP:,} resamples defined, seed 0)")
        else:
            un.alphas = {k: timeline.without_inference(c, timeline.too_few_videos(n_videos))
                         for k, c in un.alphas.items()}
        flat.update({k: un.alphas[k] for k in ("u_alpha", "binary_u_alpha", "cu_alpha")})
        notes += un.notes
    if m > 2:
        notes.append("tolerance, event and matched kappas are means over the pairs of coders (each pair in "
                     "pairs.csv)")
    notes += [n for n in time[0].notes] if time else []
    return VideoResult(es.spec.item, "episodes", es, flat, time, pairs, un, rule, notes)


# --------------------------------------------------------------------------------------------- tables


def sweep_rows(es: EpisodeSet, rule: str = "onset", tolerances_s: tuple[float, ...] = SWEEP_S,
               confidence: float = 0.95, progress: Callable[[int], Any] | None = None) -> list[dict[str, Any]]:
    """Each tolerance-dependent statistic as a function of the tolerance (a table, and the data for a plot):
    the time-unit Cohen's kappa with that tolerance (mean over pairs of coders; the tolerance is used in whole
    time units, so below one step it is none), the event-based kappa and the matching counts."""
    m = len(es.coders)
    rows = []
    index = events.coder_index(es)
    for tol_s in tolerances_s:
        tol = int(round(tol_s * 1000))
        time = timeline.time_based(es, confidence, tol, values_only=True)
        per = [_mean("k", [p.get("tolerance_kappa", p["cohen_kappa"]) for p in t.pairs], "pair") for t in time]
        kappa = _mean("time_kappa", per, "code")
        pairs = [events.event_based(es, a, b, tol, rule, confidence, index) for a, b in combinations(range(m), 2)]
        if progress:
            progress(len(pairs))
        ek = _mean("event_kappa", [p.coefficients["event_kappa"] for p in pairs], "pair") if pairs else None
        rows.append({"item": es.spec.item, "tolerance_s": tol_s, "time_kappa": finite_or_none(kappa.value),
                     "event_kappa": finite_or_none(ek.value) if ek else None,
                     "matched": sum(p.agreements + p.code_disagreements for p in pairs),
                     "agreements": sum(p.agreements for p in pairs),
                     "unmatched": sum(p.only_a + p.only_b for p in pairs)})
    return rows


def disagreement_rows(es: EpisodeSet, limit: int | None = None) -> list[dict[str, Any]]:
    """Stretches of time where the coders' codes differ (at the time unit), for the consensus meeting: video,
    from, to (hh:mm:ss.mmm) and each coder's code; consecutive units with the same codes form one stretch."""
    if es.spec.overlap or len(es.coders) < 2:
        return []
    runs, g = timeline.code_runs(es)  # runs of identical time units, never the units x coders matrix
    labels = [*es.spec.codes, "no code", ""]
    if not g.n:
        return []
    codes = runs.codes
    change = np.ones(len(codes), dtype=bool)  # a stretch: consecutive runs of one video with the same codes
    change[1:] = (codes[1:] != codes[:-1]).any(axis=1) | (runs.video[1:] != runs.video[:-1])
    first = np.flatnonzero(change)
    c = np.where(codes[first] < 0, len(labels) - 1, codes[first])
    valid = codes[first] >= 0
    ref = np.where(valid, codes[first], -2).max(axis=1)
    differ = valid & (codes[first] != ref[:, None])
    starts = runs.start[first]
    ends = np.append(starts[1:], g.n)
    keep = differ.any(axis=1)
    rows = []
    for k, s, e in zip(np.flatnonzero(keep), starts[keep], ends[keep]):
        v = int(runs.video[first[k]])
        t0 = int((s - g.offset[v]) * g.step_ms)
        t1 = int((e - g.offset[v]) * g.step_ms)
        row: dict[str, Any] = {"item": es.spec.item, "video": es.videos[v], "from": fmt_time(t0), "to": fmt_time(t1),
                               "seconds": (t1 - t0) / 1000}
        for j, name in enumerate(es.coders):
            row[name] = labels[c[k, j]]
        rows.append(row)
        if limit and len(rows) >= limit:
            break
    return rows


# --------------------------------------------------------------------------------------------- training


def against_gold(es: EpisodeSet, gold: str, confidence: float = 0.95, rule: str = "onset",
                 with_gamma: bool = False) -> list[VideoResult]:
    """Each trainee against the gold segmentation (coder ``gold``): one two-coder VideoResult per trainee,
    named ``item (trainee)``; videos the gold does not cover are left out."""
    if gold not in es.coders:
        raise ValueError(f"no coder '{gold}'")
    g = es.coders.index(gold)
    out = []
    for j, name in enumerate(es.coders):
        if j == g:
            continue
        sub = es.select((es.coder == g) | (es.coder == j))
        sub.coders = [gold, name]
        sub.coder = np.where(sub.coder == g, 0, 1).astype(np.int32)
        if sub.declared is not None:
            sub.declared = sub.declared[:, [g, j]]
        res = analyse_episodes(sub, confidence, rule, with_gamma=with_gamma)
        res.item = f"{es.spec.item} ({name})"
        out.append(res)
    return out


