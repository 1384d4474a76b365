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

from irrkit.episodes import allpairs, easydiag, events, gamma, timeline, unitizing
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
    many: allpairs.PairValues | None = None  # many coders: every pair's values at once (``pairs`` then empty)

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
                     progress: Callable[[int], Any] | None = None, all_pairs: bool = False,
                     sweep: tuple[float, ...] = ()) -> VideoResult:
    """Every statistic of one item (see the module docstring); ``with_gamma``: also Mathet et al.'s gamma and
    gamma-cat (optional package, seconds per video: asked for, never by default). ``progress(k)``: called as
    pairs of coders are done (k at a time). Beyond ``allpairs.MANY_CODERS`` coders every pair's values are
    computed at once (``allpairs``: the same figures, no per-pair SE) unless ``all_pairs``; ``sweep``: tolerances
    (s) whose values :func:`sweep_rows` will ask for, computed in the same passes then."""
    tol = es.spec.tolerance_ms if tolerance_ms is None else tolerance_ms
    if not all_pairs and allpairs.applies(es):
        return _analyse_many(es, confidence, rule, tol, with_gamma, progress, sweep)
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
    un = _rest(es, flat, notes, n_videos, confidence, with_gamma)
    if m > 2:
        notes.append("tolerance, event and matched kappas are means over the pairs of coders (each pair in "
                     "pairs.csv)")
    notes += [n for n in time[0].notes] if time else []
    return VideoResult(es.spec.item, "episodes", es, flat, time, pairs, un, rule, notes)


def _rest(es: EpisodeSet, flat: dict[str, Coefficient], notes: list[str], n_videos: int, confidence: float,
          with_gamma: bool) -> unitizing.UnitizingResult | None:
    """Gamma (when asked) and the unitizing alphas with their bootstrap over videos, into ``flat``."""
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
    return un


UNDEFINED_PAIR = {"event_kappa": "neither coder has an episode in a video both coded",
                  "matched_kappa": "no episodes were matched",
                  "cohen_kappa": "no unit rated by both coders"}
CHANCE_ONE = "chance agreement is 1 (every rating falls in one category): 0/0"


def _mean_values(key: str, v: dict[str, np.ndarray], n_empty: str) -> Coefficient:
    """:func:`_mean` over pairs from :func:`allpairs.kappas` values (``n_empty``: the reason of a pair without
    units): the mean of the defined values, n the largest pair's."""
    ok = v["ok"]
    if not ok.any():
        reasons = {n_empty if n < 1 else CHANCE_ONE for n in v["n"].tolist()}  # (the engine's words may differ)
        return undefined(key, "; ".join(sorted(reasons)) or "undefined for all pairs of coders")
    vals = v["kappa"][ok]
    over = f"mean over {len(vals)} pairs of coders" if len(vals) > 1 else "mean over 1 pair of coders"
    return Coefficient(key, float(np.mean(vals)), n_units=int(v["n"].max()), method=over, reason=f"{over}: no SE")


def _tolerance_mean(key: str, v: np.ndarray, ok: np.ndarray, n_first: int) -> Coefficient:
    """``timeline._mean`` over pairs from values."""
    if not ok.any():
        return undefined(key, "undefined for every pair of coders")
    vals = v[ok]
    over = "mean over " + ("1 pair" if len(vals) == 1 else f"{len(vals)} pairs")
    return Coefficient(key, float(np.mean(vals)), n_units=n_first, method=over,
                       reason="no SE for the mean over pairs")


def _analyse_many(es: EpisodeSet, confidence: float, rule: str, tol: int, with_gamma: bool,
                  progress: Callable[[int], Any] | None, sweep: tuple[float, ...] = ()) -> VideoResult:
    """:func:`analyse_episodes` for many coders: the multi-coder family as always (linear in runs x coders),
    every pair's values at once (:mod:`allpairs`), the means over pairs as before; no per-pair SE."""
    notes: list[str] = []
    time = timeline.time_based(es, confidence, tol, pairs=False)
    pv = allpairs.analyse(es, tol, rule, progress, tuple(dict.fromkeys(int(round(t * 1000)) for t in sweep)))
    flat: dict[str, Coefficient] = {}
    for k in ("percent_agreement", "fleiss_kappa", "conger_kappa", "gwet_ac1", "krippendorff_alpha"):
        flat[k] = _mean(k, [t.coefficients.get(k, undefined(k, "not computed")) for t in time], "code")
    flat["cohen_kappa"] = _mean("cohen_kappa", [_mean_values("cohen_kappa", pv.time, UNDEFINED_PAIR["cohen_kappa"])],
                                "code")
    t0 = time[0]
    if pv.tolerance is not None:
        n_first = int(pv.tolerance["n"][0]) if len(pv.tolerance["n"]) else 0
        t0.tolerance = {"cohen_kappa": _tolerance_mean("cohen_kappa", pv.tolerance["kappa"], pv.tolerance["ok"],
                                                       n_first),
                        "percent_agreement": _tolerance_mean("percent_agreement", pv.tolerance["pa"],
                                                             pv.tolerance["n"] >= 1, n_first)}
    tk = [t0.tolerance["cohen_kappa"]] if t0.tolerance.get("cohen_kappa") is not None else []
    flat["tolerance_kappa"] = _mean("tolerance_kappa", tk, "code") if tk else undefined(
        "tolerance_kappa", "no tolerance (0 s)" if tol == 0 else "fewer than two coders")
    flat["event_kappa"] = _mean_values("event_kappa", pv.event, UNDEFINED_PAIR["event_kappa"])
    flat["matched_kappa"] = _mean_values("matched_kappa", pv.matched, UNDEFINED_PAIR["matched_kappa"])
    n_videos = int((timeline.coded(es).sum(axis=1) >= 2).sum())
    flat.update(easydiag.coefficients(es, tables=pv.easydiag_tables, pair_kappas=pv.easydiag_kappa))
    un = _rest(es, flat, notes, n_videos, confidence, with_gamma)
    notes.append("tolerance, event and matched kappas are means over the pairs of coders (each pair in "
                 "pairs.csv)")
    notes.append(pair_summary_text(es, pv))
    notes += list(t0.notes)
    return VideoResult(es.spec.item, "episodes", es, flat, time, [], un, rule, notes, many=pv)


LISTED_PAIRS = 100  # pairs listed in the JSON when there are many (the lowest time-unit kappa first)
WORST_CODERS = 5  # coders named in the note by their mean time-unit kappa with the others


def pair_quantiles(v: np.ndarray) -> dict[str, float]:
    """min, 10%, 25%, median, 75%, 90%, max of the defined values."""
    x = v[np.isfinite(v)]
    qs = {"min": 0.0, "p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9, "max": 1.0}
    return {k: float(np.quantile(x, p)) for k, p in qs.items()} if len(x) else {}


def coder_means(es: EpisodeSet, pv: allpairs.PairValues) -> np.ndarray:
    """Each coder's mean time-unit Cohen's kappa over its pairs (NaN: none defined)."""
    m = len(es.coders)
    k = pv.time["kappa"]
    ok = np.isfinite(k)
    tot = np.bincount(pv.a[ok], k[ok], minlength=m) + np.bincount(pv.b[ok], k[ok], minlength=m)
    cnt = np.bincount(pv.a[ok], minlength=m) + np.bincount(pv.b[ok], minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def pair_summary(es: EpisodeSet, pv: allpairs.PairValues) -> dict[str, Any]:
    """The pairs of many coders summarised (JSON ``pair_summary``): how many, the spread of each pair value,
    the coders with the lowest mean time-unit kappa with the others."""
    m = len(es.coders)
    means = coder_means(es, pv)
    order = [int(j) for j in np.argsort(np.where(np.isfinite(means), means, np.inf), kind="stable")
             if np.isfinite(means[j])]
    spread = {"time_kappa": pair_quantiles(pv.time["kappa"]), "event_kappa": pair_quantiles(pv.event["kappa"]),
              "matched_kappa": pair_quantiles(pv.matched["kappa"])}
    if pv.tolerance is not None:
        spread["tolerance_kappa"] = pair_quantiles(pv.tolerance["kappa"])
    return {"n_coders": m, "n_pairs": len(pv.a), "threshold_coders": allpairs.MANY_CODERS, "quantiles": spread,
            "worst_coders": [{"coder": es.coders[j], "mean_time_kappa": float(means[j])} for j in order[:10]],
            "listed_pairs": min(LISTED_PAIRS, len(pv.a)),
            "method": f"more than {allpairs.MANY_CODERS} coders: every pair's values computed at once (no per-pair "
                      f"SE); 'pairs' lists the {LISTED_PAIRS} with the lowest time-unit kappa, pairs.csv every "
                      "pair (irrkit video --pairs all: each pair in turn, with SEs)"}


def pair_summary_text(es: EpisodeSet, pv: allpairs.PairValues) -> str:
    """The pair summary in one note."""
    m, n = len(es.coders), len(pv.a)
    q = pair_quantiles(pv.time["kappa"])
    txt = (f"{m:,} coders, {n:,} pairs: each pair's values computed at once, without per-pair SEs (more than "
           f"{allpairs.MANY_CODERS} coders; irrkit video --pairs all computes each pair in turn)")
    if q:
        txt += (f"; time-unit Cohen's kappa over the pairs: median {q['median']:.3f} (10-90%: {q['p10']:.3f}-"
                f"{q['p90']:.3f}, min {q['min']:.3f})")
    means = coder_means(es, pv)
    order = [int(j) for j in np.argsort(np.where(np.isfinite(means), means, np.inf), kind="stable")
             if np.isfinite(means[j])][:WORST_CODERS]
    if order:
        txt += "; lowest mean with the others: " + ", ".join(f"{es.coders[j]} {means[j]:.3f}" for j in order)
    return txt


# --------------------------------------------------------------------------------------------- tables


def sweep_rows(es: EpisodeSet, rule: str = "onset", tolerances_s: tuple[float, ...] = SWEEP_S,
               confidence: float = 0.95, progress: Callable[[int], Any] | None = None,
               all_pairs: bool = False, result: VideoResult | None = None) -> list[dict[str, Any]]:
    """Each tolerance-dependent statistic as a function of the tolerance (a table, and the data for a plot):
    the time-unit Cohen's kappa with that tolerance (mean over pairs of coders; the tolerance is used in whole
    time units, so below one step it is none), the event-based kappa and the matching counts. Many coders:
    every pair at once (``allpairs``) unless ``all_pairs``; ``result``: its analysis, whose values at these
    tolerances are used when it has them (``analyse_episodes(..., sweep=...)``)."""
    m = len(es.coders)
    if not all_pairs and allpairs.applies(es):
        return _sweep_many(es, rule, tolerances_s, progress, result.many if result is not None else None)
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


def _sweep_many(es: EpisodeSet, rule: str, tolerances_s: tuple[float, ...], progress: Callable[[int], Any] | None,
                pv: allpairs.PairValues | None = None) -> list[dict[str, Any]]:
    """:func:`sweep_rows` from every pair's values at once (the same means and sums); ``pv``: values computed
    with the analysis (``analyse_episodes(..., sweep=...)``)."""
    tols = [int(round(t * 1000)) for t in tolerances_s]
    if pv is None or pv.rule != rule or not set(tols) <= set(pv.sweep):
        pv = allpairs.analyse(es, es.spec.tolerance_ms, rule, progress, tuple(dict.fromkeys(tols)))
    rows = []
    for tol_s, tol in zip(tolerances_s, tols):
        tv, e = pv.sweep[tol]
        ek = allpairs.kappas(e.tally)
        rows.append({"item": es.spec.item, "tolerance_s": tol_s,
                     "time_kappa": float(np.mean(tv["kappa"][tv["ok"]])) if tv["ok"].any() else None,
                     "event_kappa": float(np.mean(ek["kappa"][ek["ok"]])) if ek["ok"].any() else None,
                     "matched": int((e.agreements + e.code_disagreements).sum()),
                     "agreements": int(e.agreements.sum()), "unmatched": int((e.only_a + e.only_b).sum())})
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


