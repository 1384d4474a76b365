"""The tables of a video round: the summary per item and statistic, coder pairs, onset/offset differences, the
JSON document, the Markdown report and each trainee's handout."""

from __future__ import annotations

from typing import Any

import numpy as np

from irrkit.episodes.timecode import fmt_time
from irrkit.episodes.video import LISTED_PAIRS, VideoResult, pair_summary
from irrkit.outputs.escaping import counted
from irrkit.statistics import interpret, registry
from irrkit.statistics.registry import name as stat_name
from irrkit.statistics.results import Coefficient, finite_or_none

EPISODES_MAX = 20_000  # episodes listed in the JSON (indices into videos, coders and codes) for the timelines
MATRIX_MAX = 65  # codes in use (+ 'no code') up to which the coincidence matrices are listed in the JSON


def _reading(key: str, c: Coefficient) -> dict[str, str | None]:
    """The benchmark reading of a coefficient (the scale of its kind in the registry: Landis & Koch for the
    kappa-type, Krippendorff for the alphas), as the rated items' JSON gives it."""
    scale = registry.scale(key) if registry.benchmarked(key) else None
    lab = interpret.label(c.value, scale) if scale and c.ok else None
    return {"scale": scale if lab else None, "label": lab}


def _coef_row(item: str, key: str, name: str, c: Coefficient) -> dict[str, Any]:
    return {"item": item, "statistic": key, "name": name, "value": finite_or_none(c.value),
            "se": finite_or_none(c.se), "ci_low": finite_or_none(c.ci_low), "ci_high": finite_or_none(c.ci_high),
            "n": c.n_units, "status": c.status, "reason": c.reason or "", "method": c.method}


def summary_rows(res: VideoResult) -> list[dict[str, Any]]:
    out = []
    for key, c in res.coefficients.items():
        out.append(_coef_row(res.item, key, stat_name(key, time=True), c))
    for t in res.time if res.es.spec.overlap else []:
        for key in ("percent_agreement", "cohen_kappa", "fleiss_kappa"):
            c = t.coefficients.get(key)
            if c is not None:
                out.append(_coef_row(t.what, key, stat_name(key, time=True), c))
    for code, c in (res.unitizing.per_code.items() if res.unitizing else ()):
        out.append(_coef_row(f"{res.item}: {code}", "ku_alpha", stat_name("ku_alpha", code=code), c))
    return out


def pair_rows(res: VideoResult, listed: int | None = None) -> list[dict[str, Any]]:
    """One row per pair of coders (values); ``listed``: with many coders, only that many, the lowest time-unit
    kappa first."""
    names = res.es.coders
    if res.many is not None:
        return _many_pair_rows(res, listed)
    rows = []
    tpairs = {tuple(p["coders"]): p for p in res.time[0].pairs} if len(res.time) == 1 else {}
    for p in res.pairs:
        a, b = p.coders
        tp = tpairs.get((a, b), {})
        rows.append({"item": res.item, "coder_a": names[a], "coder_b": names[b],
                     "time_kappa": finite_or_none(tp["cohen_kappa"].value) if tp.get("cohen_kappa") else None,
                     "tolerance_kappa": (finite_or_none(tp["tolerance_kappa"].value) if tp.get("tolerance_kappa")
                                         else None),
                     "event_kappa": finite_or_none(p.coefficients["event_kappa"].value),
                     "matched_kappa": finite_or_none(p.coefficients["matched_kappa"].value),
                     "agreements": p.agreements, "code_disagreements": p.code_disagreements,
                     "only_a": p.only_a, "only_b": p.only_b, "rule": p.rule, "tolerance_s": p.tolerance_ms / 1000})
    return rows


def _many_pair_rows(res: VideoResult, listed: int | None) -> list[dict[str, Any]]:
    pv, names = res.many, res.es.coders
    order = np.arange(len(pv.a))
    if listed is not None and listed < len(order):
        k = pv.time["kappa"]
        order = np.argsort(np.where(np.isfinite(k), k, np.inf), kind="stable")[:listed]
    tk = pv.tolerance["kappa"] if pv.tolerance is not None else None
    ev = pv.events
    rows = []
    for p in order.tolist():
        rows.append({"item": res.item, "coder_a": names[pv.a[p]], "coder_b": names[pv.b[p]],
                     "time_kappa": finite_or_none(pv.time["kappa"][p]),
                     "tolerance_kappa": finite_or_none(tk[p]) if tk is not None else None,
                     "event_kappa": finite_or_none(pv.event["kappa"][p]),
                     "matched_kappa": finite_or_none(pv.matched["kappa"][p]),
                     "agreements": int(ev.agreements[p]), "code_disagreements": int(ev.code_disagreements[p]),
                     "only_a": int(ev.only_a[p]), "only_b": int(ev.only_b[p]), "rule": pv.rule,
                     "tolerance_s": pv.tolerance_ms / 1000})
    return rows


def onset_rows(res: VideoResult) -> list[dict[str, Any]]:
    """Onset and offset differences (B - A, seconds) of matched same-code episodes, per code, pooled pairs."""
    if res.many is not None:  # millions of differences with many coders: the table is made once
        if "onsets" not in res.many.tables:
            res.many.tables["onsets"] = _onset_rows(res)
        return [dict(r) for r in res.many.tables["onsets"]]
    return _onset_rows(res)


def _onset_rows(res: VideoResult) -> list[dict[str, Any]]:
    rows = []
    for k, code in enumerate(res.es.spec.codes):
        for which in ("onset", "offset"):
            d = []
            if res.many is not None:  # pooled already, in the per-pair order
                ev = res.many.events
                d.append((ev.onset if which == "onset" else ev.offset)[ev.same_code == k] / 1000)
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


def to_json(res: VideoResult, sweep: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    es = res.es
    out: dict[str, Any] = {
        "item": res.item, "kind": "episodes", "videos": es.videos, "coders": es.coders, "codes": list(es.spec.codes),
        "n_episodes": len(es), "step_s": es.spec.step, "tolerance_s": es.spec.tolerance, "match_rule": res.rule,
        "primary": res.primary,
        "statistics": {k: {**c.to_dict(), "name": stat_name(k, time=True), "interpretation": _reading(k, c)}
                       for k, c in res.coefficients.items()},
        "time_based": [{"what": t.what, "n_units": t.n_units, "labels": t.labels,
                        "coefficients": {k: c.to_dict() for k, c in t.coefficients.items()},
                        "tolerance": {k: c.to_dict() for k, c in t.tolerance.items()}} for t in res.time],
        "pairs": pair_rows(res, LISTED_PAIRS), "onsets": onset_rows(res), "notes": res.notes,
    }
    if res.many is not None:  # many coders: the pairs summarised ('pairs' the lowest, pairs.csv every one)
        out["pair_summary"] = pair_summary(es, res.many)
    if res.unitizing is not None:
        small = len(res.unitizing.labels) <= MATRIX_MAX  # the coincidence matrices: (codes + 1)^2 numbers
        out["unitizing"] = {"per_code": {k: c.to_dict() for k, c in res.unitizing.per_code.items()},
                            "coverage": res.unitizing.coverage, "labels": res.unitizing.labels,
                            "observed": res.unitizing.observed.round(9).tolist() if small else None,
                            "expected": res.unitizing.expected.round(9).tolist() if small else None}
        if not small:
            out["unitizing"]["matrices"] = (f"not listed: {len(res.unitizing.labels)} values in use, more than "
                                            f"{MATRIX_MAX}")
    if sweep is not None:
        out["sweep"] = sweep
    if len(es) <= EPISODES_MAX:  # the episodes themselves, for the report's timelines
        out["episodes"] = {"columns": ["video", "coder", "start_s", "end_s", "code"],
                           "rows": [[int(v), int(c), int(s) / 1000, int(e) / 1000, int(k)] for v, c, s, e, k in
                                    zip(es.video, es.coder, es.start, es.end, es.code, strict=True)],
                           "lengths_s": [float(x) / 1000 for x in es.horizon()]}
    return out


def markdown(results: list[VideoResult], title: str) -> str:
    def f(x: float | None) -> str:
        return "" if x is None else f"{x:.3f}"

    lines = [f"# {title}", ""]
    for r in results:
        lines += [f"## {r.item}", "", f"{counted(len(r.es.videos), 'video')}, {counted(r.n_coders, 'coder')}, "
                                    f"{counted(len(r.es), 'episode')}; "
                  f"time unit {r.es.spec.step:g} s, tolerance {r.es.spec.tolerance:g} s, matching rule: {r.rule}", "",
                  "| statistic | value | 95% CI | n | note |", "|---|---:|---|---:|---|"]
        for k, c in r.coefficients.items():
            ci = f"[{f(c.ci_low)}, {f(c.ci_high)}]" if c.ci_low is not None else ""
            lines.append(f"| {stat_name(k, time=True)} | {f(c.value) if c.ok else 'undefined'} | {ci} | {c.n_units} | "
                         f"{(c.reason or '').replace('|', '/')} |")
        lines += ["", *(f"- {n}" for n in r.notes), ""]
    return "\n".join(lines)


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
