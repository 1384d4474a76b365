"""Rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from reliability.analysis import TITLES, ItemResult, Options
from reliability.interpret import label
from reliability.report import ci_text, fmt

MAIN_NOMINAL = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha", "cohen_kappa")
MAIN_SCALE = ("icc2", "icc3", "icc1", "gwet_ac2", "krippendorff_alpha", "percent_agreement")
LABEL_STYLE = {"Poor": "red", "Slight": "red", "Fair": "yellow", "Moderate": "yellow", "Substantial": "green",
               "Almost perfect": "bold green", "Good": "green", "Excellent": "bold green", "Very good": "bold green",
               "Unacceptable": "red", "Tentative": "yellow", "Acceptable": "green",
               "Intermediate to good": "yellow"}


def results_table(items: Sequence[ItemResult], opts: Options, show_all: bool = False,
                  title: str | None = None) -> Table:
    """One table, a section per item; the primary statistic in bold."""
    t = Table(title=title, header_style="bold", show_lines=False, pad_edge=False)
    for col, just in (("item", "left"), ("level", "left"), ("units", "right"), ("coders", "right"),
                      ("statistic", "left"), ("value", "right"), (f"{opts.confidence:.0%} CI", "left"),
                      ("interpretation", "left")):
        t.add_column(col, justify=just, no_wrap=col in ("value", "statistic"))
    for it in items:
        keys = list(it.coefficients) if show_all else [
            k for k in (MAIN_NOMINAL if it.level == "nominal" else MAIN_SCALE) if k in it.coefficients]
        if it.primary not in keys:
            keys.insert(0, it.primary)
        keys.sort(key=lambda k: k != it.primary)
        for i, key in enumerate(keys):
            c = it.coefficients[key]
            name = TITLES.get(key, key)
            if c.ok:
                lab = label(c.value, it.scale_for(key, opts)) or ""
                value, interp = fmt(c.value), Text(lab, style=LABEL_STYLE.get(lab, ""))
            else:
                value, interp = "—", Text(f"undefined: {c.reason}", style="dim")
            first = i == 0
            t.add_row(it.item if first else "", it.level if first else "", str(it.n_units) if first else "",
                      str(it.n_coders) if first else "", Text(name, style="bold" if key == it.primary else ""),
                      value, ci_text(c.ci_low, c.ci_high), interp, end_section=i == len(keys) - 1)
    return t


def print_notes(console: Console, items: Sequence[ItemResult], warnings: Sequence[str]) -> None:
    for it in items:
        for n in it.notes:
            console.print(f"[yellow]note[/] {it.item}: {n}", highlight=False)
    for w in warnings:
        console.print(f"[yellow]warning[/] {w}", highlight=False)
