"""Tables from results, as rows and text (no file I/O: the CLI writes them)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import __version__, interpret
from .analysis import TITLES, ItemResult, Options
from .ratings import ItemRatings

SUMMARY_FIELDS = ("item", "level", "weights", "statistic", "name", "primary", "n_units", "n_coders", "value", "se",
                  "ci_low", "ci_high", "p_value", "pa", "pe", "interpretation", "scale", "status", "reason")


def results_json(items: Sequence[ItemResult], opts: Options, **meta: Any) -> dict[str, Any]:
    """The stable JSON contract: {"tool", "version", "items": [...]} (see README)."""
    out: dict[str, Any] = {"tool": "irrkit", "version": __version__}
    out.update({k: v for k, v in meta.items() if v is not None})
    out["conventions"] = {
        "se": "Gwet (2008) linearisation over units, no finite-population correction",
        "ci": f"{opts.confidence:.0%} CI = value +/- t(n_units - 1) x SE, upper bound capped at 1; ICC: F-based "
              f"({opts.icc_convention} convention)",
        "p_value": "one-sided, H1: agreement above chance (ICC: F test of H0 ICC = 0)",
    }
    out["items"] = [it.to_dict(opts) for it in items]
    return out


def summary_rows(items: Sequence[ItemResult], opts: Options, primary_only: bool = False) -> list[dict[str, Any]]:
    """One row per item and coefficient."""
    rows = []
    for it in items:
        for key, c in it.coefficients.items():
            if primary_only and key != it.primary:
                continue
            scale = it.scale_for(key, opts)
            rows.append({
                "item": it.item, "level": it.level, "weights": it.weights, "statistic": key,
                "name": statistic_name(key, it.weights), "primary": key == it.primary,
                "n_units": c.n_units or it.n_units,
                "n_coders": it.n_coders, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                "p_value": c.p_value, "pa": c.pa, "pe": c.pe,
                "interpretation": interpret.label(c.value, scale) if c.ok and key != "percent_agreement" else "",
                "scale": interpret.SCALE_TITLES[scale] if key != "percent_agreement" else "",
                "status": c.status, "reason": c.reason or "",
            })
    return rows


def per_category_rows(items: Sequence[ItemResult]) -> list[dict[str, Any]]:
    rows = []
    for it in items:
        null = it.fleiss_null or {}
        for k, (code, stats) in enumerate(it.per_category.items()):
            for key, c in stats.items():
                row = {"item": it.item, "category": code, "ratings": it.distribution.get(code, 0),
                       "statistic": key, "value": c.value, "se": c.se, "ci_low": c.ci_low, "ci_high": c.ci_high,
                       "p_value": c.p_value, "status": c.status, "reason": c.reason or ""}
                if key == "fleiss_kappa" and null:
                    row["z_fleiss_1971"] = null["per_category_z"][k]
                    row["se_null"] = null["per_category_se_null"]
                rows.append(row)
    return rows


def disagreement_rows(ratings: Iterable[ItemRatings]) -> list[dict[str, Any]]:
    """Every unit and item where the coders' ratings are not all the same: unit, item, each coder's code."""
    rows = []
    for r in ratings:
        labels = list(r.labels) if r.labels else [f"{c:g}" for c in r.categories]
        lookup = {float(c): lab for c, lab in zip(r.categories, labels)}
        v = r.values
        lo, hi = np.nanmin(np.where(np.isnan(v), np.inf, v), axis=1), np.nanmax(np.where(np.isnan(v), -np.inf, v),
                                                                                   axis=1)
        n_rated = (~np.isnan(v)).sum(axis=1)
        for i in np.flatnonzero((n_rated >= 2) & (hi > lo)):
            row: dict[str, Any] = {"unit": r.units[i], "item": r.item}
            for j, coder in enumerate(r.coders):
                x = v[i, j]
                row[coder] = "" if math.isnan(x) else lookup.get(float(x), f"{x:g}")
            rows.append(row)
    return rows


def statistic_name(key: str, weights: str | None = None) -> str:
    """The one label of a statistic in every table: weighted percent agreement is 'Agreement (quadratic)'."""
    if key == "percent_agreement" and weights not in ("identity", None):
        return f"Agreement ({weights})"
    return TITLES.get(key, key)


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else ""
    if isinstance(x, float):
        if not math.isfinite(x):
            return ""
        if x != 0 and abs(x) < 10 ** -digits:
            return f"{x:.1e}"
        return f"{x:.{digits}f}"
    return str(x)


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str] | None = None) -> str:
    """CSV text with full precision (numbers as repr, empty for missing)."""
    if fields is None:
        fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else (repr(v) if isinstance(v, float) else v)) for k, v in r.items()})
    return buf.getvalue()


def ci_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{fmt(low)}, {fmt(high)}]"


def to_markdown(items: Sequence[ItemResult], opts: Options, title: str = "Inter-rater reliability",
                warnings: Sequence[str] = ()) -> str:
    """A Markdown report: one table of every item's coefficients, notes and warnings below."""
    lines = [f"# {title}", "",
             f"{opts.confidence:.0%} CIs: value ± t(n−1)·SE (Gwet 2008 linearisation), upper bound capped at 1; "
             f"ICC CIs from the F distribution ({opts.icc_convention} convention). p one-sided.", "",
             "| item | level | units | coders | statistic | value | SE | CI | p | interpretation |",
             "|---|---|---:|---:|---|---:|---:|---|---:|---|"]
    for row in summary_rows(items, opts):
        name = f"**{row['name']}**" if row["primary"] else row["name"]
        value = fmt(row["value"]) if row["status"] == "ok" else f"undefined: {row['reason']}"
        lines.append(f"| {row['item']} | {row['level']} | {row['n_units']} | {row['n_coders']} | {name} | {value} | "
                     f"{fmt(row['se'])} | {ci_text(row['ci_low'], row['ci_high'])} | {fmt(row['p_value'])} | "
                     f"{row['interpretation']} |")
    notes = [f"- {it.item}: {n}" for it in items for n in it.notes] + [f"- {w}" for w in warnings]
    if notes:
        lines += ["", "## Notes and warnings", "", *notes]
    from .diagnostics import markdown_lines

    lines += markdown_lines(items)
    lines += ["", "Primary statistic of each item in bold. Interpretation: Landis & Koch (1977) for kappa-type, "
              "Koo & Li (2016) for ICC, Krippendorff (2004) for alpha, unless chosen otherwise.", ""]
    return "\n".join(lines)
