"""Coder diagnostics at the terminal, and the ``irrkit report`` command (HTML report, figures, manuscript).

The plotting library is imported only inside the functions that draw (``irrkit --help`` stays fast).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from irrkit.cli.options import guarded


def print_diagnostics(console: Any, items: Sequence[Any], show_all: bool = False) -> None:
    """One table: per item, the primary statistic with all coders, the coder who lowers it most and the value
    without that coder, Light's kappa. With ``show_all``, per item: each coder's ratings, missing ratings, mean
    agreement with the others and the statistic without that coder, and the coder x coder matrix."""
    from irrkit.outputs.tables import fmt
    from rich.table import Table
    from rich.text import Text

    shown = [it for it in items if it.diagnostics is not None and len(it.diagnostics.coders) >= 2]
    if not shown:
        return
    light = any(it.diagnostics.light_kappa is not None for it in shown)
    t = Table(title=Text("Coders: who lowers agreement most (leave-one-coder-out)"), title_justify="left",
              header_style="bold", pad_edge=False)
    t.add_column("item", overflow="fold")
    t.add_column("with all coders", overflow="fold")
    t.add_column("lowers most", overflow="fold", min_width=12)
    t.add_column("without (change)", no_wrap=True)
    if light:
        t.add_column("Light's kappa", justify="right")
    for it in shown:
        d = it.diagnostics
        loo = d.leave_one_out
        who = loo.lowers_most
        row = [it.item, f"{loo.name} {fmt(loo.full.value) if loo.full.ok else '—'}",
               Text(who, style="bold") if who else Text(loo.reason or "—", style="dim"),
               f"{fmt(loo.without[who].value)} ({loo.change(who):+.3f})" if who else ""]
        if light:
            lk = d.light_kappa
            row.append("" if lk is None else fmt(lk.value) if lk.ok else "undefined")
        t.add_row(*row)
    console.print(t)
    if show_all:
        for it in shown:
            _print_coders(console, it.diagnostics, fmt)
            _print_matrix(console, it.diagnostics, fmt)


def _print_coders(console: Any, d: Any, fmt: Any) -> None:
    from irrkit.statistics.registry import name as stat_name
    from rich.table import Table
    from rich.text import Text

    loo = d.leave_one_out
    first = d.statistics[0]
    means = d.mean_with_others(first)
    t = Table(title=Text(f"{d.item}: each coder (with others: mean {stat_name(first)}; without: "
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
        t.add_row(Text(p.coder, style=style), str(p.n_rated), str(p.n_missing), fmt(means.get(p.coder)) or "—",
                  (fmt(w.value) if w.ok else "undefined") if w is not None else "—",
                  Text(f"{ch:+.3f}" if ch is not None else "—", style=style))
    console.print(t)


def _print_matrix(console: Any, d: Any, fmt: Any) -> None:
    from irrkit.statistics.registry import name as stat_name
    from rich.table import Table
    from rich.text import Text

    up, lo = d.statistics[0], d.statistics[-1]
    upper, lower = d.matrix(up), d.matrix(lo)
    t = Table(title=Text(f"{d.item}: between coders (upper: {stat_name(up)}, lower: {stat_name(lo)})"),
              title_justify="left", header_style="bold", pad_edge=False)
    t.add_column("")
    for k in range(len(d.coders)):
        t.add_column(str(k + 1), justify="right")
    for x, a in enumerate(d.coders):
        cells = ["—" if x == y else fmt((upper if y > x else lower)[x][y]) or "—" for y in range(len(d.coders))]
        t.add_row(Text(f"{x + 1} {a}", style="bold"), *cells)
    console.print(t)


# ----------------------------------------------------------------------------------------------- irrkit report


def read_json(path: Path) -> dict[str, Any]:
    """An irrkit JSON (results of check/compute, or a train/retest round); bad input -> InputError."""
    import json

    from irrkit.errors import InputError

    if not path.exists():
        raise InputError.single(str(path), "no such file")
    if path.is_dir():
        raise InputError.single(str(path), "is a folder; give the results JSON (results.json, training.json)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError.single(str(path), "is not UTF-8 text; give the JSON irrkit wrote") from None
    except ValueError as e:
        raise InputError.single(str(path), f"is not JSON (line {getattr(e, 'lineno', '?')}: "
                                f"{getattr(e, 'msg', e)})") from None
    if isinstance(doc, dict) and "tool" not in doc and _episode_results(doc):
        doc = {"tool": "irrkit", **doc}  # the video command's results.json (it names no tool)
    if not isinstance(doc, dict) or doc.get("tool") != "irrkit":
        raise InputError.single(str(path), "is not an irrkit results JSON (no \"tool\": \"irrkit\"); give the "
                                "results.json of check or the training.json of train/retest")
    if doc.get("kind") not in ("training-round", "retest") and not isinstance(doc.get("items"), list):
        raise InputError.single(str(path), "has neither items (check, compute) nor trainees (train, retest)")
    return doc


def _episode_results(doc: dict[str, Any]) -> bool:
    """A results JSON of ``irrkit video``: items, each an episode item with its statistics."""
    items = doc.get("items")
    return (isinstance(items, list) and bool(items) and all(isinstance(it, dict) and it.get("kind") == "episodes"
                                                            and isinstance(it.get("statistics"), dict)
                                                            for it in items))


def read_history(folder: Path, current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The round records of a history folder (plus ``current``, if it is not recorded there yet)."""
    import json

    from irrkit.errors import InputError
    from irrkit.workflows.training import ROUND_FILE
    if not folder.is_dir():
        raise InputError.single(str(folder), "--history must be a folder of round records")
    out = []
    for p in sorted(folder.iterdir()):
        if ROUND_FILE.fullmatch(p.name):
            try:
                rec = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise InputError.single(str(p), f"is not a readable round record ({e})") from None
            if isinstance(rec, dict):
                out.append(rec)
    if current is not None and not any(r.get("round") == current.get("round") and r.get("name") ==
                                       current.get("name") for r in out):
        out.append(current)
    return out


def report_files(doc: dict[str, Any], html_path: Path, figures_dir: Path | None = None,
                 history: list[dict[str, Any]] | None = None, title: str | None = None,
                 gates: list[dict[str, Any]] | None = None) -> dict[Path, str | bytes]:
    """The HTML report (and, with ``figures_dir``, each figure as PNG and SVG) as {path: content}."""
    from irrkit.outputs import figures
    from irrkit.outputs.html import report

    rep = report(doc, history, title, gates)
    files: dict[Path, str | bytes] = {html_path: rep.html}
    if figures_dir is not None:
        for name, fig in rep.figures.items():
            files[figures_dir / f"{name}.svg"] = rep.svgs.get(name) or figures.svg(fig, name)
            files[figures_dir / f"{name}.png"] = figures.png(fig)
    return files


class Lang(str, Enum):
    en = "en"
    de = "de"


def manuscript_files(doc: dict[str, Any], wanted: dict[Path, str], lang: str = "en") -> dict[Path, str | bytes]:
    """APA table (docx / latex / md) and methods paragraph ('methods') for the paths asked for."""
    from irrkit.outputs import manuscript

    make = {"docx": manuscript.docx_table, "latex": manuscript.latex_table, "md": manuscript.markdown_table,
            "methods": manuscript.methods}
    return {p: make[kind](doc, lang) for p, kind in wanted.items()}


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
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the table and methods paragraph.")] = Lang.en,
) -> None:
    """Write a self-contained HTML report (offline, phone-readable, printable) from irrkit's JSON.

    --report on check, train, retest and video writes the HTML only; the PNG and SVG files of the figures (for
    slides) come from this command's --figures.

    Example: [bold]irrkit report results/results.json -o results/report.html --figures results/figures[/]
    """
    from irrkit.cli.options import err_console
    from irrkit.cli.output import write_all

    doc = read_json(results)
    html_path = out if out is not None else results.with_suffix(".html")
    hist = read_history(history, doc if doc.get("kind") else None) if history is not None else None
    files = report_files(doc, html_path, figures_dir, hist, title)
    wanted = {p: f for p, f in ((docx, "docx"), (latex, "latex"), (table_md, "md"), (methods_md, "methods")) if p}
    if wanted:
        if doc.get("kind"):
            from irrkit.errors import InputError

            raise InputError.single(str(results), "the manuscript table and methods paragraph are made from a check "
                                    "results JSON (results.json), not from a training round")
        files.update(manuscript_files(doc, wanted, lang.value))
    written = write_all(files, inputs=[results])
    err_console().print(f"wrote {', '.join(str(p) for p in written)}", markup=False)



def gate_dicts(results: Sequence[Any]) -> list[dict[str, Any]]:
    """Gate results (reliability.gate.GateResult) as the dicts the report reads."""
    return [{"item": r.item, "statistic": r.statistic, "minimum": r.minimum, "on": r.on, "value": r.value,
             "ci_low": r.ci_low, "ci_high": r.ci_high, "passed": r.passed, "message": r.message,
             "name": getattr(r, "name", "") or r.statistic} for r in results]
