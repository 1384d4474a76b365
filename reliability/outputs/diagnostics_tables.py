"""The coder diagnostics as tables: coders.csv, coder_pairs.csv and the Markdown section of summary.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from irrkit.analysis.diagnostics import Diagnostics, summary_text
from irrkit.analysis.item import ItemResult
from irrkit.statistics.registry import name as stat_name

CODER_FIELDS = ("item", "coder", "n_rated", "n_missing", "distribution", "mean", "sd", "with_others_statistic",
                "with_others", "without_statistic", "without", "change", "lowers_most")


PAIR_FIELDS = ("item", "coder_a", "coder_b", "n_units", "statistic", "name", "value", "se", "ci_low", "ci_high",
               "p_value", "status", "reason")


def coder_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """One row per item and coder (``coders.csv``): ratings, missing, categories used, mean agreement with the
    others, the primary statistic without the coder."""
    rows = []
    for it in items:
        d: Diagnostics | None = it.diagnostics
        if d is None:
            continue
        first, loo = d.statistics[0], d.leave_one_out
        means = d.mean_with_others(first)
        for p in d.profiles:
            w = loo.without.get(p.coder)
            rows.append({"item": it.item, "coder": p.coder, "n_rated": p.n_rated, "n_missing": p.n_missing,
                         "distribution": "; ".join(f"{k}={v}" for k, v in p.distribution.items()),
                         "mean": p.mean, "sd": p.sd, "with_others_statistic": first,
                         "with_others": means.get(p.coder), "without_statistic": loo.statistic,
                         "without": w.value if w is not None and w.ok else None, "change": loo.change(p.coder),
                         "lowers_most": p.coder == loo.lowers_most})
    return rows


def pair_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """One row per item, pair of coders and statistic (``coder_pairs.csv``)."""
    rows = []
    for it in items:
        d: Diagnostics | None = it.diagnostics
        if d is None:
            continue
        for p in d.pairs:
            for key, c in p.statistics.items():
                rows.append({"item": it.item, "coder_a": p.a, "coder_b": p.b, "n_units": p.n_units,
                             "statistic": key, "name": stat_name(key), "value": c.value, "se": c.se,
                             "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value, "status": c.status,
                             "reason": c.reason or ""})
    return rows


def markdown_lines(items: Sequence[ItemResult], esc: Callable[[str], str] = str) -> list[str]:
    """The coder diagnostics section of ``summary.md`` (``esc`` escapes user text for Markdown)."""
    shown = [it for it in items if it.diagnostics is not None and len(it.diagnostics.coders) >= 2]
    if not shown:
        return []

    def f(x: float | None) -> str:
        return "" if x is None else f"{x:.3f}"

    out = ["", "## Coders", "",
           "Each coder's ratings and missing ratings, mean agreement with the other coders, and the item's primary "
           "statistic without that coder (leave-one-coder-out); **bold**: the coder who lowers agreement most.", ""]
    for it in shown:
        d = it.diagnostics
        loo, first = d.leave_one_out, d.statistics[0]
        means = d.mean_with_others(first)
        head = f"### {esc(it.item)}: {loo.name} {f(loo.full.value)} with all coders"
        if d.light_kappa is not None:
            head += f"; Light's kappa {f(d.light_kappa.value) if d.light_kappa.ok else 'undefined'}"
        out += [head, "", f"| coder | rated | missing | mean {stat_name(first)} with others | "
                f"{loo.name} without | change |", "|---|---:|---:|---:|---:|---:|"]
        for p in d.profiles:
            w = loo.without.get(p.coder)
            ch = loo.change(p.coder)
            name = f"**{esc(p.coder)}**" if p.coder == loo.lowers_most else esc(p.coder)
            out.append(f"| {name} | {p.n_rated} | {p.n_missing} | {f(means.get(p.coder))} | "
                       f"{f(w.value) if w is not None and w.ok else ''} | {'' if ch is None else f'{ch:+.3f}'} |")
        out += ["", f"{esc(summary_text(d))}.", ""]
    return out
