"""``irrkit compare A.json B.json``: the difference of two results' coefficients with its SE, CI and p."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from irrkit.cli.options import (
    BootOpt,
    ConfidenceOpt,
    CsvDialectChoice,
    CsvDialectOpt,
    Format,
    FormatOpt,
    SeedOpt,
    err_console,
    guarded,
    print_written,
)


@guarded
def compare(
    a: Annotated[Path, typer.Argument(help="First result: results.json of check or compute (--out or -f json).",
                                      show_default=False)],
    b: Annotated[Path, typer.Argument(help="Second result (may be the same file, with --item A_ITEM:B_ITEM).",
                                      show_default=False)],
    items: Annotated[list[str] | None, typer.Option("--item", metavar="ITEM[:ITEM]", help="Item to compare (the same "
                                                    "id in both, or A's:B's); repeatable. Default: every item "
                                                    "in both.")] = None,
    statistics: Annotated[list[str] | None, typer.Option("--statistic", metavar="KEY[:KEY]", help="Statistic key "
                                                         "(e.g. fleiss_kappa); repeatable. Default: the item's "
                                                         "primary statistic.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every statistic both items have.")] = False,
    shared: Annotated[bool, typer.Option("--shared", help="When the results share only some units: compare on "
                                                          "the shared units (recomputed on them).")] = False,
    independent: Annotated[bool, typer.Option("--independent", help="Treat the results as from different units "
                                                                    "(for results without unit ids).")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DIR", help="Write comparison.csv, "
                                             "comparison.md and comparison.json to this folder.")] = None,
    fmt: FormatOpt = Format.table,
    confidence: ConfidenceOpt = 0.95,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = None,
    csv_dialect: CsvDialectOpt = CsvDialectChoice.auto,
) -> None:
    """Is the difference real? Compare the coefficients of two results.

    All units shared: a dependent comparison (the difference of the units' linearised terms; cluster-robust when
    the results were computed with --cluster); no unit shared: independent (sqrt(se1^2 + se2^2)); the kind is
    stated. Exit codes: 0 compared, 2 bad input, 3 internal error.

    Example: [bold]irrkit compare round1/results.json round2/results.json --statistic fleiss_kappa[/]
    """
    from irrkit.outputs.files import write_all
    from irrkit.workflows.compare import comparison_files, run_compare

    run = run_compare(a, b, items=items, statistics=statistics, every=every, shared=shared, independent=independent,
                      confidence=confidence, bootstrap=bootstrap, seed=seed)
    doc = run.to_dict()
    files = {}
    if out is not None:
        files = comparison_files(out, doc, csv_dialect.value)
    written = write_all(files, [a, b])
    show(doc, fmt)
    if fmt is Format.table:
        print_written(written)


def show(doc: dict, fmt: Format) -> None:
    """The comparison on stdout in ``fmt`` (table: a terminal table, the statement and notes on stderr)."""
    from irrkit.outputs import comparison_tables as ct

    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt is Format.markdown:
        sys.stdout.write(ct.compare_markdown(doc))
        return
    if fmt is Format.csv:
        from irrkit.outputs.tables import to_csv

        sys.stdout.write(to_csv(ct.compare_rows(doc), ct.COMPARE_FIELDS, visible=True))
        return
    from rich.markup import escape

    from irrkit.cli.render import table_console
    from irrkit.outputs.escaping import terminal

    console = table_console()
    console.print(compare_table(doc))
    for n in doc.get("notes") or ():
        err_console().print(f"[yellow]note[/] {escape(terminal(n))}", highlight=False)


def compare_table(doc: dict):
    """A rich table of the comparison (one row per item and statistic)."""
    from rich.table import Table
    from rich.text import Text

    from irrkit.outputs import comparison_tables as ct
    from irrkit.outputs.escaping import terminal
    from irrkit.outputs.tables import ci_text, fmt

    rows = ct.compare_rows(doc)
    boot = any(r["bootstrap_ci_low"] is not None for r in rows)
    t = Table(title=Text(terminal(f"{doc['a']} vs {doc['b']}: {doc['statement']}")), header_style="bold",
              pad_edge=False, title_justify="left")
    for col, just in (("item", "left"), ("statistic", "left"), ("A", "right"), ("B", "right"),
                      ("A − B", "right"), ("SE", "right"), (f"{doc.get('confidence', 0.95):.0%} CI", "left"),
                      *((("bootstrap CI", "left"),) if boot else ()), ("p", "right")):
        t.add_column(col, justify=just, overflow="fold")
    for r in rows:
        item = r["item_a"] if r["item_a"] == r["item_b"] else f"{r['item_a']} / {r['item_b']}"
        diff = fmt(r["difference"]) if r["status"] == "ok" else Text(terminal(f"undefined: {r['reason']}"),
                                                                      style="dim")
        t.add_row(Text(terminal(item)), Text(terminal(r["name"])), fmt(r["a_value"]), fmt(r["b_value"]), diff,
                  fmt(r["difference_se"]), ci_text(r["difference_ci_low"], r["difference_ci_high"]),
                  *((ci_text(r["bootstrap_ci_low"], r["bootstrap_ci_high"]),) if boot else ()),
                  ct.p_text(r["p_value"]))
    return t


def by_table(by: dict, confidence: float = 0.95):
    """``check --by``: each group's coefficient, then the test of equality, as one rich table per item."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from irrkit.outputs import comparison_tables as ct
    from irrkit.outputs.escaping import terminal
    from irrkit.outputs.tables import ci_text, fmt

    t = Table(title=Text(terminal(f"Agreement by {by['column']}")), header_style="bold", pad_edge=False,
              title_justify="left")
    for col, just in (("item", "left"), ("statistic", "left"), (by["column"], "left"), ("units", "right"),
                      ("value", "right"), ("SE", "right"), (f"{confidence:.0%} CI", "left")):
        t.add_column(terminal(col), justify=just, overflow="fold")
    for r in ct.by_rows(by):
        value = fmt(r["value"]) if r["status"] == "ok" else Text(terminal(f"undefined: {r['reason']}"), style="dim")
        t.add_row(Text(terminal(r["item"])), Text(terminal(r["name"])), Text(terminal(r["group"])),
                  str(r["n_units"]), value, fmt(r["se"]), ci_text(r["ci_low"], r["ci_high"]))
    e = Table(title=Text(terminal(f"Equal across the groups of {by['column']}? (chi-square, df = groups - 1)")),
              header_style="bold", pad_edge=False, title_justify="left")
    for col, just in (("item", "left"), ("statistic", "left"), ("groups", "right"), ("chi2", "right"),
                      ("df", "right"), ("p", "right"), ("pooled [CI]", "left")):
        e.add_column(col, justify=just, overflow="fold")
    for r in ct.equality_rows(by):
        chi = fmt(r["chi2"]) if r["status"] == "ok" else Text(terminal(f"undefined: {r['reason']}"), style="dim")
        pooled = f"{fmt(r['pooled'])} {ci_text(r['pooled_ci_low'], r['pooled_ci_high'])}" if r["pooled"] is not None \
            else ""
        e.add_row(Text(terminal(r["item"])), Text(terminal(r["name"])), str(r["groups"]), chi, fmt(r["df"], 0),
                  ct.p_text(r["p_value"]), pooled)
    return Group(t, e)
