"""Bad input in CI: the problems of a run refused with exit 2, as annotations and in the --junit/--summary files
the command was given (written through the one writer, ``irrkit.outputs.files``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from irrkit.errors import InputError
from irrkit.outputs.files import _resolve, gate_outputs, write_all

REPORT_TARGETS = ("junit", "summary")
NOT_INPUTS = ("out", "history", "junit", "summary")


def report_problems(problems: list, command: str, options: Mapping[str, object], write: bool = True) -> list[str]:
    """A run refused for bad input (exit 2) in CI: ``::error file=...,line=...`` annotations to stderr under
    GITHUB_ACTIONS=true, and the problems written into the ``--junit`` and ``--summary`` files the command was
    given (so the run page and the test report show why), unless ``write`` is False (an output of the run
    failed: nothing at all is written). Nothing else is written. Returns notes on reports that could not be
    written."""
    import sys

    from irrkit.outputs import ci
    from irrkit.outputs.escaping import workflow_command

    if os.environ.get("GITHUB_ACTIONS") == "true":
        for p in problems:
            where = Path(p.file).is_file() if p.file and not p.file.startswith("-") else False
            col = f"column '{p.column}': " if p.column else ""
            print(workflow_command("error", f"{col}{p.message}", title=f"irrkit {command}: bad input",
                                   file=p.file if where else None, line=p.line if where else None),
                  file=sys.stderr)
    junit, summary = (options.get(k) for k in REPORT_TARGETS)
    if not write:  # an output of the run itself failed: the problem report would be a file written anyway
        return []
    if not isinstance(junit, Path) and not isinstance(summary, Path):
        return []
    named = set()
    for p in problems:  # a problem with a report target itself: write no report there
        with contextlib.suppress(InputError):
            named.add(_resolve(Path(p.file)))
    for k in REPORT_TARGETS:
        v = options.get(k)
        try:
            if isinstance(v, Path) and (_resolve(v) in named or v.is_dir()):
                return []
        except (InputError, OSError):  # the report target itself is unusable: no report
            return []
    texts = [str(p) for p in problems]
    inputs: list[Path] = []
    for k, v in options.items():
        if k not in NOT_INPUTS:
            inputs += [x for x in (v if isinstance(v, list) else [v]) if isinstance(x, Path)]
    files, appends = gate_outputs(junit if isinstance(junit, Path) else None,
                                  ci.junit_problems(texts, suite=f"irrkit.{command}"),
                                  summary if isinstance(summary, Path) else None,
                                  ci.summary_problems(texts, title=f"irrkit {command}"))
    try:
        write_all(files, inputs, appends=appends)
    except (InputError, OSError) as e:
        return [f"the problem report could not be written: {e}"]
    return []
