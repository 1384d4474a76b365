"""Agreement on one time-coded item, all of it: time-based, event-based, unitizing, onsets, a tolerance sweep,
the disagreement list, and the tables/JSON written from them (the ``irrkit video`` job, library side).

``analyse_episodes(es)`` returns a :class:`VideoResult` whose ``coefficients`` are flat (one Coefficient per
key, the shape gates and JUnit read): the time-based family (``percent_agreement``, ``cohen_kappa`` for two
coders, else ``fleiss_kappa`` and ``conger_kappa``; ``gwet_ac1``, ``krippendorff_alpha``), ``tolerance_kappa``,
``event_kappa`` and ``matched_kappa`` (two coders: the pair; more: the mean over pairs), and the unitizing
alphas ``u_alpha``, ``binary_u_alpha``, ``cu_alpha``. Items whose episodes may overlap are analysed per code
(present / absent); their flat coefficients are the means over codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from irrkit.episodes import events, timeline, unitizing
from irrkit.episodes.timecode import EpisodeSet, fmt_time
from irrkit.statistics.results import Coefficient, undefined

TITLES = {
    "percent_agreement": "time-unit percent agreement", "cohen_kappa": "time-unit Cohen's kappa",
    "fleiss_kappa": "time-unit Fleiss' kappa", "conger_kappa": "time-unit Conger's kappa",
    "gwet_ac1": "time-unit Gwet's AC1", "krippendorff_alpha": "time-unit Krippendorff's alpha",
    "scott_pi": "time-unit Scott's pi", "brennan_prediger": "time-unit Brennan-Prediger",
    "tolerance_kappa": "time-unit kappa with tolerance", "event_kappa": "event-based kappa (with nil)",
    "matched_kappa": "kappa of matched events' codes", "u_alpha": "Krippendorff's u-alpha",
    "binary_u_alpha": "Krippendorff's |u-alpha (segmentation)", "cu_alpha": "Krippendorff's cu-alpha (codes)",
}
SWEEP_S = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)


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


def _mean(key: str, cs: list[Coefficient], what: str) -> Coefficient:
    """One coefficient, or the mean over codes / pairs of coders (``what``: "code", "pair") without an SE."""
    ok = [c.value for c in cs if c.ok]
    plural = "pairs of coders" if what == "pair" else f"{what}s"
    if not ok:
        reasons = {c.reason for c in cs if c.reason}
        return undefined(key, "; ".join(sorted(reasons)) or f"undefined for all {plural}")
    if len(cs) == 1:
        return cs[0].with_(key=key)
    return Coefficient(key, float(np.mean(ok)), n_units=max(c.n_units for c in cs),
                       method=f"mean over {len(ok)} {plural}", reason=f"mean over {len(ok)} {plural}: no SE")


def analyse_episodes(es: EpisodeSet, confidence: float = 0.95, rule: str = "onset",
                     tolerance_ms: int | None = None) -> VideoResult:
    """Every statistic of one item (see the module docstring)."""
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
    pairs = [events.event_based(es, a, b, tol, rule, confidence) for a, b in combinations(range(m), 2)]
    for k in ("event_kappa", "matched_kappa"):
        flat[k] = _mean(k, [p.coefficients[k] for p in pairs], "pair") if pairs else undefined(
            k, "fewer than two coders")
    un = None
    if es.spec.overlap:
        why = "episodes of this item may overlap: the unitizing alphas need each coder's record to be a partition"
        for k in ("u_alpha", "binary_u_alpha", "cu_alpha"):
            flat[k] = undefined(k, why)
    else:
        un = unitizing.unitizing(es)
        flat.update({k: un.alphas[k] for k in ("u_alpha", "binary_u_alpha", "cu_alpha")})
    if m > 2:
        notes.append("tolerance, event and matched kappas are means over the pairs of coders (each pair in "
                     "pairs.csv)")
    notes += [n for n in time[0].notes] if time else []
    return VideoResult(es.spec.item, "episodes", es, flat, time, pairs, un, rule, notes)


# --------------------------------------------------------------------------------------------- tables


def _num(x: Any) -> float | None:
    """A plain float for tables (numpy scalars print as np.float64(...) in repr), None for missing/non-finite."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _coef_row(item: str, key: str, name: str, c: Coefficient) -> dict[str, Any]:
    return {"item": item, "statistic": key, "name": name, "value": _num(c.value), "se": _num(c.se),
            "ci_low": _num(c.ci_low), "ci_high": _num(c.ci_high), "n": c.n_units, "status": c.status,
            "reason": c.reason or "", "method": c.method}


def summary_rows(res: VideoResult) -> list[dict[str, Any]]:
    out = []
    for key, c in res.coefficients.items():
        out.append(_coef_row(res.item, key, TITLES.get(key, key), c))
    for t in res.time if res.es.spec.overlap else []:
        for key in ("percent_agreement", "cohen_kappa", "fleiss_kappa"):
            c = t.coefficients.get(key)
            if c is not None:
                out.append(_coef_row(t.what, key, TITLES.get(key, key), c))
    for code, c in (res.unitizing.per_code.items() if res.unitizing else ()):
        out.append(_coef_row(f"{res.item}: {code}", "ku_alpha", f"Krippendorff's ({code})u-alpha", c))
    return out


def pair_rows(res: VideoResult) -> list[dict[str, Any]]:
    names = res.es.coders
    rows = []
    tpairs = {tuple(p["coders"]): p for p in res.time[0].pairs} if len(res.time) == 1 else {}
    for p in res.pairs:
        a, b = p.coders
        tp = tpairs.get((a, b), {})
        rows.append({"item": res.item, "coder_a": names[a], "coder_b": names[b],
                     "time_kappa": _num(tp["cohen_kappa"].value) if tp.get("cohen_kappa") else None,
                     "tolerance_kappa": _num(tp["tolerance_kappa"].value) if tp.get("tolerance_kappa") else None,
                     "event_kappa": _num(p.coefficients["event_kappa"].value),
                     "matched_kappa": _num(p.coefficients["matched_kappa"].value),
                     "agreements": p.agreements, "code_disagreements": p.code_disagreements,
                     "only_a": p.only_a, "only_b": p.only_b, "rule": p.rule, "tolerance_s": p.tolerance_ms / 1000})
    return rows


def onset_rows(res: VideoResult) -> list[dict[str, Any]]:
    """Onset and offset differences (B - A, seconds) of matched same-code episodes, per code, pooled pairs."""
    rows = []
    for k, code in enumerate(res.es.spec.codes):
        for which in ("onset", "offset"):
            d = []
            for p in res.pairs:
                mt, sub = p.matching, p.episodes
                if sub is None or not len(mt.pairs):
                    continue
                ia, ib = mt.pairs[:, 0], mt.pairs[:, 1]
                sel = (sub.code[ia] == k) & (sub.code[ib] == k)
                arr = sub.start if which == "onset" else sub.end
                d.append((arr[ib[sel]] - arr[ia[sel]]) / 1000)
            x = np.concatenate(d) if d else np.zeros(0)
            if not len(x):
                rows.append({"item": res.item, "code": code, "boundary": which, "n": 0})
                continue
            q1, med, q3 = np.percentile(x, [25, 50, 75])
            rows.append({"item": res.item, "code": code, "boundary": which, "n": int(len(x)),
                         "median_s": float(med), "iqr_s": float(q3 - q1), "largest_abs_s": float(np.abs(x).max()),
                         "mean_abs_s": float(np.abs(x).mean())})
    return rows


def sweep_rows(es: EpisodeSet, rule: str = "onset", tolerances_s: tuple[float, ...] = SWEEP_S,
               confidence: float = 0.95) -> list[dict[str, Any]]:
    """Each tolerance-dependent statistic as a function of the tolerance (a table, and the data for a plot):
    the time-unit Cohen's kappa with that tolerance (mean over pairs of coders; the tolerance is used in whole
    time units, so below one step it is none), the event-based kappa and the matching counts."""
    m = len(es.coders)
    rows = []
    for tol_s in tolerances_s:
        tol = int(round(tol_s * 1000))
        time = timeline.time_based(es, confidence, tol)
        per = [_mean("k", [p.get("tolerance_kappa", p["cohen_kappa"]) for p in t.pairs], "pair") for t in time]
        kappa = _mean("time_kappa", per, "code")
        pairs = [events.event_based(es, a, b, tol, rule, confidence) for a, b in combinations(range(m), 2)]
        ek = _mean("event_kappa", [p.coefficients["event_kappa"] for p in pairs], "pair") if pairs else None
        rows.append({"item": es.spec.item, "tolerance_s": tol_s, "time_kappa": _num(kappa.value),
                     "event_kappa": _num(ek.value) if ek else None,
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


def to_json(res: VideoResult, sweep: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    es = res.es
    out: dict[str, Any] = {
        "item": res.item, "kind": "episodes", "videos": es.videos, "coders": es.coders, "codes": list(es.spec.codes),
        "n_episodes": len(es), "step_s": es.spec.step, "tolerance_s": es.spec.tolerance, "match_rule": res.rule,
        "statistics": {k: c.to_dict() for k, c in res.coefficients.items()},
        "time_based": [{"what": t.what, "n_units": t.n_units, "labels": t.labels,
                        "coefficients": {k: c.to_dict() for k, c in t.coefficients.items()},
                        "tolerance": {k: c.to_dict() for k, c in t.tolerance.items()}} for t in res.time],
        "pairs": pair_rows(res), "onsets": onset_rows(res), "notes": res.notes,
    }
    if res.unitizing is not None:
        out["unitizing"] = {"per_code": {k: c.to_dict() for k, c in res.unitizing.per_code.items()},
                            "coverage": res.unitizing.coverage, "labels": res.unitizing.labels,
                            "observed": res.unitizing.observed.round(9).tolist(),
                            "expected": res.unitizing.expected.round(9).tolist()}
    if sweep is not None:
        out["sweep"] = sweep
    return out


def markdown(results: list[VideoResult], title: str) -> str:
    def f(x: float | None) -> str:
        return "" if x is None else f"{x:.3f}"

    lines = [f"# {title}", ""]
    for r in results:
        lines += [f"## {r.item}", "", f"{len(r.es.videos)} videos, {r.n_coders} coders, {len(r.es)} episodes; "
                  f"time unit {r.es.spec.step:g} s, tolerance {r.es.spec.tolerance:g} s, matching rule: {r.rule}", "",
                  "| statistic | value | 95% CI | n | note |", "|---|---:|---|---:|---|"]
        for k, c in r.coefficients.items():
            ci = f"[{f(c.ci_low)}, {f(c.ci_high)}]" if c.ci_low is not None else ""
            lines.append(f"| {TITLES.get(k, k)} | {f(c.value) if c.ok else 'undefined'} | {ci} | {c.n_units} | "
                         f"{(c.reason or '').replace('|', '/')} |")
        lines += ["", *(f"- {n}" for n in r.notes), ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- training


def against_gold(es: EpisodeSet, gold: str, confidence: float = 0.95, rule: str = "onset") -> list[VideoResult]:
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
        res = analyse_episodes(sub, confidence, rule)
        res.item = f"{es.spec.item} ({name})"
        out.append(res)
    return out


def handout_rows(res: VideoResult) -> list[dict[str, Any]]:
    """What a trainee should look at again, in time order: missed gold episodes, extra episodes, other codes
    (from the optimal matching), and stretches where the codes differ at the time unit."""
    es = res.es
    rows: list[dict[str, Any]] = []
    codes = es.spec.codes
    for p in res.pairs:
        sub = p.episodes
        if sub is None:
            continue
        found = [("missed episode", int(i), codes[sub.code[i]], "") for i in p.matching.only_a]
        found += [("extra episode", int(i), "", codes[sub.code[i]]) for i in p.matching.only_b]
        found += [("other code", int(a), codes[sub.code[a]], codes[sub.code[b]]) for a, b in p.matching.pairs
                  if sub.code[a] != sub.code[b]]
        for kind, i, gold, trainee in found:
            rows.append({"video": sub.videos[sub.video[i]], "from": fmt_time(int(sub.start[i])),
                         "to": fmt_time(int(sub.end[i])), "what": kind, "gold": gold, "trainee": trainee,
                         "_t": (int(sub.video[i]), int(sub.start[i]))})
    rows.sort(key=lambda r: r["_t"])
    for r in rows:
        del r["_t"]
    return rows


def handout_markdown(res: VideoResult, trainee: str, gate_lines: list[str] | None = None) -> str:
    rows = handout_rows(res)
    c = res.coefficients
    def f(key: str) -> str:
        x = c.get(key)
        return f"{x.value:.3f}" if x is not None and x.ok else "undefined"

    lines = [f"# {trainee}: {res.es.spec.item} against the gold segmentation", "",
             f"Time-unit kappa {f('cohen_kappa')} (with {res.es.spec.tolerance:g} s tolerance {f('tolerance_kappa')}), "
             f"event kappa {f('event_kappa')}, codes of matched episodes {f('matched_kappa')}, "
             f"u-alpha {f('u_alpha')}.", ""]
    if gate_lines:
        lines += [*gate_lines, ""]
    if not rows:
        lines.append("Every gold episode was found with its code. Nothing to look at again.")
        return "\n".join(lines) + "\n"
    lines += ["## Look again at", "", "| video | from | to | what | gold | you |", "|---|---|---|---|---|---|"]
    def cell(x: str) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines += ["| " + " | ".join(cell(r[k]) for k in ("video", "from", "to", "what", "gold", "trainee")) + " |"
              for r in rows]
    return "\n".join(lines) + "\n"
