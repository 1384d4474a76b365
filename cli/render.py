"""Rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
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
    """One table, a section per item (item, level, units, coders in the first column); primary in bold."""
    t = Table(title=None if title is None else Text(title), header_style="bold", pad_edge=False, title_justify="left")
    t.add_column("item", no_wrap=True)
    t.add_column("statistic", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column(f"{opts.confidence:.0%} CI", no_wrap=True)
    t.add_column("interpretation", overflow="fold", min_width=12)
    for it in items:
        keys = list(it.coefficients) if show_all else [
            k for k in (MAIN_NOMINAL if it.level == "nominal" else MAIN_SCALE) if k in it.coefficients]
        if it.primary not in keys:
            keys.insert(0, it.primary)
        keys.sort(key=lambda k: k != it.primary)
        head = [Text(it.item, style="bold")] + [Text(x, style="dim") for x in (
            it.level, f"{it.n_units} units", f"{it.n_coders} coders")]
        for i, key in enumerate(keys):
            c = it.coefficients[key]
            name = TITLES.get(key, key)
            if key == "percent_agreement" and it.weights not in ("identity", None):
                name = f"Agreement ({it.weights})"
            if c.ok:
                lab = label(c.value, it.scale_for(key, opts)) if key != "percent_agreement" else ""
                value, interp = fmt(c.value), Text(lab or "", style=LABEL_STYLE.get(lab or "", ""))
            else:
                value, interp = "—", Text(f"undefined: {c.reason}", style="dim")
            t.add_row(head[i] if i < len(head) else "", Text(name, style="bold" if key == it.primary else ""), value,
                      ci_text(c.ci_low, c.ci_high), interp, end_section=i == len(keys) - 1)
    return t


def print_notes(console: Console, items: Sequence[ItemResult], warnings: Sequence[str]) -> None:
    for it in items:
        for n in it.notes:
            console.print(f"[yellow]note[/] {escape(it.item)}: {escape(n)}", highlight=False)
    for w in warnings:
        console.print(f"[yellow]warning[/] {escape(w)}", highlight=False)


def coders_table(counts: Sequence[dict]) -> Table:
    """Per coder: file(s), units with a row, ratings given and (unit, item) cells missing."""
    t = Table(title=Text("Coders"), header_style="bold", pad_edge=False, title_justify="left")
    t.add_column("coder", overflow="fold")
    t.add_column("file", overflow="fold")
    for c in ("units", "ratings", "missing"):
        t.add_column(c, justify="right", no_wrap=True)
    for c in counts:
        absent = len(c["absent_units"])
        missing = f"{c['missing']}" + (f" ({absent} units absent)" if absent else "")
        t.add_row(Text(c["coder"]), Text(", ".join(c["files"])), str(c["units"]), str(c["ratings"]),
                  Text(missing, style="yellow" if c["missing"] else ""))
    return t
