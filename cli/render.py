"""Rich tables for the terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from irrkit.analysis.item import ItemResult, Options
from irrkit.outputs.escaping import counted, terminal
from irrkit.outputs.tables import ci_text, fmt, main_statistics, statistic_name
from irrkit.statistics.interpret import label
from irrkit.statistics.registry import benchmarked

LABEL_STYLE = {"Poor": "red", "Slight": "red", "Fair": "yellow", "Moderate": "yellow", "Substantial": "green",
               "Almost perfect": "bold green", "Good": "green", "Excellent": "bold green", "Very good": "bold green",
               "Unacceptable": "red", "Tentative": "yellow", "Acceptable": "green",
               "Intermediate to good": "yellow"}


def statistic_rows(it: ItemResult, opts: Options, show_all: bool) -> list[tuple[Text, str, str, str, str, Text]]:
    """(name, value, SE, p, CI, interpretation) of the statistics shown for one item, the primary first."""
    keys = main_statistics(it)
    if show_all:
        keys = sorted(it.coefficients, key=lambda k: k != it.primary)
    rows = []
    for key in keys:
        c = it.coefficients[key]
        name = Text(statistic_name(key, it.weights, bool(it.codes)), style="bold" if key == it.primary else "")
        if c.ok:
            lab = label(c.value, it.scale_for(key, opts)) if benchmarked(key) else ""
            value, interp = fmt(c.value), Text(lab or "", style=LABEL_STYLE.get(lab or "", ""))
        else:
            value, interp = "—", Text(terminal(f"undefined: {c.reason}"), style="dim")
        rows.append((name, value, fmt(c.se), p_text(c.p_value), ci_text(c.ci_low, c.ci_high), interp))
    return rows


def p_text(p: float | None) -> str:
    """A p value for the terminal: three decimals, '< 0.001' below that."""
    if p is None or not math.isfinite(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _head(it: ItemResult) -> list[Text]:
    return [Text(terminal(it.item), style="bold")] + [Text(terminal(x), style="dim") for x in (
        it.level, counted(it.n_units, "unit"), counted(it.n_coders, "coder"))]


def _new_table(title: str | Text | None, opts: Options, show_all: bool, item_column: bool) -> Table:
    t = Table(title=None if title is None else Text(terminal(title)) if isinstance(title, str) else title,
              header_style="bold", pad_edge=False, title_justify="left")
    if item_column:
        t.add_column("item", overflow="fold")
    t.add_column("statistic", overflow="fold")
    t.add_column("value", justify="right", no_wrap=True)
    if show_all:
        t.add_column("SE", justify="right", no_wrap=True)
        t.add_column("p", justify="right", no_wrap=True)
    t.add_column(f"{opts.confidence:.0%} CI", no_wrap=True)
    t.add_column("interpretation", overflow="fold")
    return t


def results_table(items: Sequence[ItemResult], opts: Options, show_all: bool = False,
                  title: str | None = None, width: int | None = None) -> RenderableType:
    """A section per item (item, level, units, coders in the first column); primary statistic in bold; with
    ``show_all`` every coefficient and its SE and p.

    When the table is wider than ``width`` (the terminal), the items are stacked instead: one narrower table per
    item with the item, level, units and coders in its title, long names and interpretations wrapped."""
    t = _new_table(title, opts, show_all, item_column=True)
    for it in items:
        head = _head(it)
        rows = statistic_rows(it, opts, show_all)
        for i, (name, value, se, p, ci, interp) in enumerate(rows):
            extra = (se, p) if show_all else ()
            t.add_row(head[i] if i < len(head) else "", name, value, *extra, ci, interp,
                      end_section=i == len(rows) - 1)
    if width is None or natural_width(t) <= width:
        return t
    parts: list[RenderableType] = [] if title is None else [Text(terminal(title), style="bold")]
    for it in items:
        s = _new_table(Text(", ").join(_head(it)), opts, show_all, item_column=False)
        for name, value, se, p, ci, interp in statistic_rows(it, opts, show_all):
            s.add_row(name, value, *((se, p) if show_all else ()), ci, interp)
        parts.append(s)
    return Group(*parts)


def natural_width(renderable: RenderableType) -> int:
    """The width a renderable takes when nothing is wrapped (for output to a pipe or a file)."""
    from rich.console import Console

    return Console(width=10_000).measure(renderable).maximum


CODERS_SHOWN = 20  # coders listed in the terminal beyond CODERS_ALL (--all: every one); the others in one row
CODERS_ALL = 50  # up to this many coders every one is listed


def coders_table(counts: Sequence[dict], limit: int | None = CODERS_SHOWN) -> Table:
    """Per coder: units with a row, ratings given and (unit, item) cells missing; the file(s) too unless each
    coder is simply named after their one file. More than CODERS_ALL coders (a crowd): the ``limit`` with the
    fewest ratings, and one row for the others (their range of units and ratings)."""
    from pathlib import PurePath

    rest: list[dict] = []
    if limit is not None and len(counts) > max(limit, CODERS_ALL):
        ranked = sorted(counts, key=lambda c: c["ratings"])
        counts, rest = ranked[:limit], ranked[limit:]

    show_files = any(len(c["files"]) != 1 or PurePath(c["files"][0]).stem != c["coder"] for c in counts)
    t = Table(title=Text("Coders"), header_style="bold", pad_edge=False, title_justify="left")
    t.add_column("coder", overflow="fold")
    if show_files:
        t.add_column("file", overflow="fold")
    for c in ("units", "ratings", "missing"):
        t.add_column(c, justify="right", no_wrap=True)
    for c in counts:
        absent = c.get("n_absent_units", len(c["absent_units"]))
        missing = f"{c['missing']}" + (f" ({counted(absent, 'unit')} absent)" if absent else "")
        files = [Text(terminal(", ".join(c["files"])))] if show_files else []
        t.add_row(Text(terminal(c["coder"])), *files, str(c["units"]), str(c["ratings"]),
                  Text(missing, style="yellow" if c["missing"] else ""))
    if rest:
        def span(key: str) -> str:
            lo, hi = min(c[key] for c in rest), max(c[key] for c in rest)
            return str(lo) if lo == hi else f"{lo}-{hi}"

        t.add_row(Text(f"{counted(len(rest), 'more coder')} (--all lists them)", style="dim"),
                  *([Text("")] if show_files else []), span("units"), span("ratings"), span("missing"))
    return t


def table_console() -> Console:
    """The stdout console for tables: the terminal's width (COLUMNS if set); a pipe or a file gets the full
    width of each table, never a table cropped to 80 columns."""
    import os

    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(width=10_000)
    return console


def continuous_table(items: Sequence[ItemResult]) -> Table | None:
    """Interval and ratio items: each coder pair's CCC and Bland-Altman bias and limits of agreement, one statistic
    per line with its 95% CI (so the table fits an 80-column terminal), and each coder against the mean of the
    others; proportional bias flagged. None without such items."""
    from irrkit.outputs.tables import ci_text2, loa_rows
    from irrkit.statistics.registry import name

    rows = loa_rows(items)
    if not rows:
        return None
    several = len({r["item"] for r in rows}) > 1
    t = Table(title=Text(f"{name('limits_of_agreement')} and {name('ccc')}"), header_style="bold", pad_edge=False,
              title_justify="left")
    if several:
        t.add_column("item", overflow="fold")
    t.add_column("comparison", overflow="fold")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    t.add_column("95% CI", no_wrap=True)
    for r in rows:
        a, _, b = str(r["comparison"]).partition(" − ")
        lines = [f"{a} −", b] if b else [a]
        lines.append(f"({r['n_units']} units)")  # one line of the comparison beside each statistic
        who = Text("\n").join([Text(terminal(x)) for x in lines])
        first = [Text(terminal(r["item"]))] if several else []
        if r["bias"] is None:
            t.add_row(*first, who, "bias", "—", Text(terminal(f"undefined: {r['reason']}"), style="dim"),
                      end_section=True)
            continue
        stats = [] if r["ccc"] is None else [("CCC", fmt(r["ccc"]), ci_text(r["ccc_ci_low"], r["ccc_ci_high"]))]
        stats += [("bias", fmt(r["bias"], 2), ci_text2(r["bias_ci_low"], r["bias_ci_high"])),
                  ("lower limit", fmt(r["lower"], 2), ci_text2(r["lower_ci_low"], r["lower_ci_high"])),
                  ("upper limit", fmt(r["upper"], 2), ci_text2(r["upper_ci_low"], r["upper_ci_high"]))]
        for k, (stat, value, ci) in enumerate(stats):
            t.add_row(*(first if k == 0 else [""] * len(first)), Text(terminal(lines[k])) if k < len(lines) else "",
                      stat, value, ci)
        if r["slope"] is not None:
            prop = (f"yes: slope {fmt(r['slope'])}, p {p_text(r['slope_p'])}" if r["proportional_bias"]
                    else f"no (p {p_text(r['slope_p'])})")
            t.add_row(*[""] * len(first), Text(terminal(lines[-1])) if len(stats) < len(lines) else "",
                      "proportional bias", "",
                      Text(prop, style="yellow" if r["proportional_bias"] else ""))
        t.rows[-1].end_section = True
    return t
