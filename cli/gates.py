"""The gate lines of every command (check, train, retest, video): GitHub annotations, the count or the verdict
per trainee, and one ``gate failed ITEM: MESSAGE`` line per failed gate.

One printer, so every command escapes alike: names and messages come from the data (coder, trainee and item
names), so the terminal gets them through ``terminal`` (ESC, CR, LF, bidi overrides shown as ``\\x1b``, ``\\n``,
``\\u202e``) and rich's ``escape`` (no markup), and GitHub gets ``workflow_command`` fields (``ci.github_annotations``),
so no name can forge a ``::error`` line or recolour the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from irrkit.cli.options import err_console


def print_gates(results: Sequence[Any], *, quiet: bool, on: str, note: str | None = None,
                verdicts: Sequence[tuple[str, int, int]] | None = None) -> int:
    """Print the gate results; return the exit code (1 when a gate failed).

    ``quiet``: stdout carries JSON/Markdown/CSV (annotations go to stderr, no count line). ``note``: said when
    there are no results. ``verdicts``: (who, gates, failed) per trainee, printed instead of the count."""
    from rich.markup import escape

    from irrkit.outputs import ci
    from irrkit.outputs.escaping import terminal

    if os.environ.get("GITHUB_ACTIONS") == "true":  # workflow commands; stderr keeps JSON/CSV stdout parseable
        for line in ci.github_annotations(results):
            print(line, file=sys.stderr if quiet else sys.stdout)
    err = err_console()
    failed = [r for r in results if not r.passed]
    if not results and note:
        err.print(note)
    if verdicts is not None:
        if not quiet:
            for who, n, bad in verdicts:
                verdict = (f"[green]passed[/] ({n} of {n} gates)" if not bad else
                           f"[bold red]FAILED[/] ({n - bad} of {n} gates, compared: {on})")
                err.print(f"[bold]{escape(terminal(who))}[/] {verdict}")
    elif results and not quiet:
        err.print(f"[bold]gates[/] {len(results) - len(failed)} of {len(results)} passed"
                  + (f" (compared: {on})" if failed else ""))
    for r in failed:
        err.print(f"[bold red]gate failed[/] {escape(terminal(r.item))}: {escape(terminal(r.message))}",
                  soft_wrap=True)
    return 1 if failed else 0
