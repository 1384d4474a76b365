"""Coder diagnostics at the terminal (names through ``terminal``: no control character reaches it raw), and the
``irrkit report`` command (HTML report, figures, manuscript; the job is ``irrkit.workflows.report.run_report``).

The plotting library is imported only inside the functions that draw (``irrkit --help`` stays fast).
"""

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from irrkit.cli.options import guarded
from irrkit.outputs.escaping import terminal


def print_diagnostics(console: Any, items: Sequence[Any], show_all: bool = False) -> None:
    """One table: per item, the primary statistic with all coders, the coder who lowers it most and the value
    without that coder, Light's kappa. With ``show_all``, per item: each coder's ratings, missing ratings, mean
    agreement with the others and the statistic without that coder, and the coder x coder matrix."""
    from rich.table import Table
    from rich.text import Text

    from irrkit.outputs.tables import fmt

    shown = [it for it in items if it.diagnostics is not None and len(it.diagnostics.coders) >= 2]
    if not shown:
        return
    light = any(it.diagnostics.light_kappa is not None for it in shown)
    reasons = {it.item: it.diagnostics.leave_one_out.reason or "—" for it in shown
               if not it.diagnostics.leave_one_out.lowers_most}
    title = "Coders: who lowers agreement most (leave-one-coder-out)"
    one_reason = next(iter(reasons.values())) if len(reasons) == len(shown) and len(set(reasons.values())) == 1 \
        else None  # the same for every item (two coders: nothing to leave out): said once, not once per item
    if one_reason is not None and not light:
        console.print(Text(terminal(f"{title}: {one_reason}"), style="dim"))
        if show_all:
            for it in shown:
                _print_coders(console, it.diagnostics, fmt)
                _print_matrix(console, it.diagnostics, fmt)
        return
    t = Table(title=Text(title), title_justify="left", header_style="bold", pad_edge=False)
    t.add_column("item", overflow="fold")
    t.add_column("with all coders", overflow="fold")
    longest = max((len(terminal(it.diagnostics.leave_one_out.lowers_most or "")) for it in shown), default=0)
    t.add_column("lowers most", **({"no_wrap": True} if longest <= 30 and (one_reason or not reasons)
                                   else {"overflow": "fold"}))
    t.add_column("without (change)")
    if light:
        t.add_column("Light's kappa", justify="right")
    for it in shown:
        d = it.diagnostics
        loo = d.leave_one_out
        who = loo.lowers_most
        row = [terminal(it.item),
               f"{loo.name} {fmt(loo.full.value) if loo.full.ok else '—'}",
               Text(terminal(who), style="bold") if who else Text("—" if one_reason else terminal(loo.reason or "—"),
                                                                   style="dim"),
               f"{fmt(loo.without[who].value)} ({loo.change(who):+.3f})" if who else ""]
        if light:
            lk = d.light_kappa
            row.append("" if lk is None else fmt(lk.value) if lk.ok else "undefined")
        t.add_row(*row)
    console.print(t)
    if one_reason is not None:
        console.print(Text(terminal(f"lowers most: {one_reason}"), style="dim"))
    if show_all:
        for it in shown:
            _print_coders(console, it.diagnostics, fmt)
            _print_matrix(console, it.diagnostics, fmt)


def _print_coders(console: Any, d: Any, fmt: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    from irrkit.statistics.registry import name as stat_name

    loo = d.leave_one_out
    first = d.statistics[0]
    means = d.mean_with_others(first)
    t = Table(title=Text(f"{terminal(d.item)}: each coder (with others: mean {stat_name(first)}; without: "
                         f"{loo.name} without the coder)"),
              title_justify="left", header_style="bold", pad_edge=False)
    for col, kw in (("coder", {"overflow": "fold"}), ("rated", {"justify": "right"}),
                    ("missing", {"justify": "right"}), ("with others", {"justify": "right"}),
                    ("without", {"justify": "right"}), ("change", {"justify": "right"})):
        t.add_column(col, **kw)
    for p in d.profiles:
        if p.coder not in d.coders:
            continue
        w = loo.without.get(p.coder)
        ch = loo.change(p.coder)
        style = "bold red" if p.coder == loo.lowers_most else ""
        t.add_row(Text(terminal(p.coder), style=style), str(p.n_rated), str(p.n_missing),
                  fmt(means.get(p.coder)) or "—",
                  (fmt(w.value) if w.ok else "undefined") if w is not None else "—",
                  Text(f"{ch:+.3f}" if ch is not None else "—", style=style))
    console.print(t)


def _print_matrix(console: Any, d: Any, fmt: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    from irrkit.statistics.registry import name as stat_name

    up, lo = d.statistics[0], d.statistics[-1]
    upper, lower = d.matrix(up), d.matrix(lo)
    t = Table(title=Text(f"{terminal(d.item)}: between coders (upper: {stat_name(up)}, lower: {stat_name(lo)})"),
              title_justify="left", header_style="bold", pad_edge=False)
    t.add_column("")
    for k in range(len(d.coders)):
        t.add_column(str(k + 1), justify="right")
    for x, a in enumerate(d.coders):
        cells = ["—" if x == y else fmt((upper if y > x else lower)[x][y]) or "—" for y in range(len(d.coders))]
        t.add_row(Text(terminal(f"{x + 1} {a}"), style="bold"), *cells)
    console.print(t)


# ----------------------------------------------------------------------------------------------- irrkit report


class Lang(str, Enum):
    en = "en"
    de = "de"


class Paper(str, Enum):
    a4 = "a4"
    letter = "letter"


@guarded
def report_cmd(
    results: Annotated[Path, typer.Argument(help="results.json of check (or --format json output), or "
                                                 "training.json of train/retest.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML file to write (default: the JSON's name "
                                             "with .html).")] = None,
    figures_dir: Annotated[Path | None, typer.Option("--figures", help="Also save every figure as PNG (150 dpi) "
                                                     "and SVG in this folder, for slides.")] = None,
    history: Annotated[Path | None, typer.Option("--history", help="History folder of training rounds: each "
                                                 "trainee's trend over the rounds.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the report.")] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="Write the APA 7 table as a Word document.")] = None,
    latex: Annotated[Path | None, typer.Option("--latex", help="Write the APA 7 table as LaTeX (booktabs).")] = None,
    table_md: Annotated[Path | None, typer.Option("--table-md", help="Write the APA 7 table as Markdown.")] = None,
    methods_md: Annotated[Path | None, typer.Option("--methods", help="Write a methods paragraph with the figures "
                                                    "in APA style and the references (Markdown).")] = None,
    checklist: Annotated[Path | None, typer.Option("--checklist", help="Write the reporting checklist (GRRAS, "
                                                   "Kottner et al. 2011) as Markdown: each item with what irrkit "
                                                   "filled in and what to add.")] = None,
    plan: Annotated[Path | None, typer.Option("--plan", help="The JSON of irrkit plan -f json: the planned sample "
                                              "size for the checklist.")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the table, methods paragraph and "
                                                      "checklist.")] = Lang.en,
    paper: Annotated[Paper | None, typer.Option("--paper", help="Page size of the Word table (default: A4 with "
                                                "--lang de, US Letter otherwise).", show_default=False)] = None,
) -> None:
    """Write a self-contained HTML report (offline, phone-readable, printable) from irrkit's JSON.

    --report on check, train, retest and video writes the HTML only; the PNG and SVG files of the figures (for
    slides) come from this command's --figures.

    Example: [bold]irrkit report results/results.json -o results/report.html --figures results/figures[/]
    """
    from irrkit.cli.options import err_console
    from irrkit.outputs.files import write_all
    from irrkit.workflows.report import run_report

    run = run_report(results, out=out, figures_dir=figures_dir, history=history, title=title, lang=lang.value,
                     paper=paper.value if paper is not None else None,
                     manuscript={"--docx": docx, "--latex": latex, "--table-md": table_md, "--methods": methods_md,
                                 "--checklist": checklist}, plan=plan)
    written = write_all(run.files, inputs=run.inputs)
    err_console().print(terminal(f"wrote {', '.join(str(p) for p in written)}"), markup=False)
