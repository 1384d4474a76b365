"""What a CI job reads of a gate: JUnit XML, the GitHub step summary (Markdown), workflow annotations, and the
coverage of the gates (which items each gate applies to)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from irrkit.codebooks.model import Gate
from irrkit.outputs.escaping import md, md_line, workflow_command, xml_attr, xml_content
from irrkit.statistics.registry import name as stat_name

if TYPE_CHECKING:
    from irrkit.workflows.gates import GateResult


def coverage_markdown(cover: Sequence[tuple[Gate, list[str], list[str], str]]) -> str:
    """The "which items each gate covered" section of the summary (``gates.coverage``: each gate, its items,
    those left out, and the statistic's name)."""
    if not cover:
        return ""
    lines = ["", "### Gates and the items they cover", "", "| gate | minimum | items gated | not gated (statistic "
             "not reported for the item's level, or the item has its own gate) |", "|---|---:|---|---|"]
    for g, covered, skipped, *named in cover:
        scope = f"{md(g.item)}: " if g.item is not None else "all items: "
        lines.append(f"| {scope}{md(named[0] if named else stat_name(g.statistic))} | {g.minimum:.2f} | "
                     f"{', '.join(md(i) for i in covered) or 'none'} | {', '.join(md(i) for i in skipped)} |")
    return "\n".join(lines) + "\n"


def _classname(suite: str, item: str) -> str:
    """A JUnit class name: no white space (reporters split or drop names with spaces)."""
    return re.sub(r"\s+", "_", f"{suite}.{item}".strip())


def _suite_head(suite: str, tests: int, failures: int, errors: int, elapsed: float) -> list[str]:
    return ['<?xml version="1.0" encoding="UTF-8"?>',
            f'<testsuites name={xml_attr(suite)} tests="{tests}" failures="{failures}" errors="{errors}" '
            f'time="{elapsed:.3f}">',
            f'  <testsuite name={xml_attr(suite)} tests="{tests}" failures="{failures}" errors="{errors}" '
            f'skipped="0" time="{elapsed:.3f}">']


def junit_xml(results: Sequence[GateResult], suite: str = "irrkit", elapsed: float = 0.0) -> str:
    """JUnit XML: one test case per item and gated statistic; failures carry value, CI and threshold. Every
    test case has a ``time`` (a gate is a comparison: 0; the suite carries the run's ``elapsed`` seconds);
    names are XML-safe (characters XML 1.0 forbids are shown as escapes)."""
    failures = sum(not r.passed for r in results)
    lines = _suite_head(suite, len(results), failures, 0, elapsed)
    for r in results:
        head = (f'    <testcase classname={xml_attr(_classname(suite, r.item))} name={xml_attr(r.statistic)} '
                f'time="0.000"')
        if r.passed:
            lines.append(f"{head}>\n      <system-out>{xml_content(r.message)}</system-out>\n    </testcase>")
        else:
            lines.append(f'{head}>\n      <failure message={xml_attr(r.message)} type="GateFailure">'
                         f"{xml_content(r.message)}</failure>\n    </testcase>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def junit_problems(problems: Sequence[str], suite: str = "irrkit", elapsed: float = 0.0) -> str:
    """JUnit XML for a run refused for bad input (exit 2): one test case in error per problem."""
    lines = _suite_head(suite, max(1, len(problems)), 0, max(1, len(problems)), elapsed)
    for k, p in enumerate(problems or ["bad input"], 1):
        lines.append(f'    <testcase classname={xml_attr(_classname(suite, "input"))} name="problem {k}" '
                     f'time="0.000">\n      <error message={xml_attr(p)} type="InputError">{xml_content(p)}'
                     "</error>\n    </testcase>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def summary_markdown(results: Sequence[GateResult], title: str = "irrkit reliability gate") -> str:
    """A Markdown summary for $GITHUB_STEP_SUMMARY or a merge-request note (user text escaped)."""
    failed = [r for r in results if not r.passed]
    head = "❌ failed" if failed else "✅ passed"
    lines = [f"## {md_line(title)}: {head}", "",
             f"{len(results) - len(failed)} of {len(results)} gated statistics reach their minimum.", "",
             "| | item | statistic | value | 95% CI | minimum | compared |", "|---|---|---|---:|---|---:|---|"]
    for r in results:
        ci = f"[{r.ci_low:.3f}, {r.ci_high:.3f}]" if r.ci_low is not None and r.ci_high is not None else ""
        val = f"{r.value:.3f}" if r.value is not None else "undefined"
        lines.append(f"| {'✅' if r.passed else '❌'} | {md(r.item)} | {md(r.name or stat_name(r.statistic))} | "
                     f"{val} | {ci} | {r.minimum:.2f} | {r.on} |")
    if failed:
        lines += ["", "### Why", ""] + [f"- **{md(r.item)}**: {md(r.message)}" for r in failed]
    return "\n".join(lines) + "\n"


def summary_problems(problems: Sequence[str], title: str = "irrkit") -> str:
    """A Markdown summary of a run refused for bad input (exit 2): every problem, escaped."""
    lines = [f"## {md_line(title)}: ❌ bad input (exit 2), nothing computed", ""]
    lines += [f"- {md(p)}" for p in problems] or ["- bad input"]
    return "\n".join(lines) + "\n"


def github_annotations(results: Sequence[GateResult], file: str | None = None) -> list[str]:
    """``::error`` workflow commands for failing items (GitHub Actions); every field escaped."""
    return [workflow_command("error", r.message, file=file, title=f"irrkit gate: {r.item} "
                             f"{r.name or stat_name(r.statistic)}")
            for r in results if not r.passed]
