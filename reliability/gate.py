"""Gates: minimum values of statistics that a coding round must reach (for CI), and their reports.

A gate compares the estimate (default) or the lower confidence bound (``on="lower-bound"``, what a careful lab
uses) with a minimum. An undefined coefficient under a gate fails: agreement has not been shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .analysis import TITLES, ItemResult
from .codebook import Gate
from .errors import InputError

STATISTICS = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "gwet_ac2", "krippendorff_alpha", "conger_kappa",
              "brennan_prediger", "cohen_kappa", "scott_pi", "icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")


@dataclass(frozen=True)
class GateResult:
    item: str
    statistic: str
    minimum: float
    on: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    passed: bool
    message: str

    @property
    def shortfall(self) -> float | None:
        got = self.value if self.on == "estimate" else self.ci_low
        return None if got is None else self.minimum - got


def parse_min(specs: Iterable[str]) -> list[Gate]:
    """``--min STAT=VALUE`` or ``--min ITEM:STAT=VALUE`` -> gates."""
    gates = []
    for spec in specs:
        target, sep, num = spec.partition("=")
        item, _, stat = target.rpartition(":")
        stat = stat.strip()
        try:
            value = float(num.replace(",", "."))
        except ValueError:
            value = None
        if not sep or value is None or not -1 <= value <= 1:
            raise InputError.single("--min", f"'{spec}' is not STAT=VALUE or ITEM:STAT=VALUE with VALUE in [-1, 1]")
        if stat not in STATISTICS:
            raise InputError.single("--min", f"'{stat}' is not a statistic (allowed: {', '.join(STATISTICS)})")
        gates.append(Gate(stat, value, item.strip() or None))
    return gates


def combine(codebook_gates: Sequence[Gate], cli_gates: Sequence[Gate], items: Sequence[str]) -> list[Gate]:
    """Codebook gates, overridden by command-line gates for the same (item, statistic)."""
    for g in cli_gates:
        if g.item is not None and g.item not in items:
            raise InputError.single("--min", f"item '{g.item}' is not in the codebook (items: {', '.join(items)})")
    keys = {(g.item, g.statistic) for g in cli_gates}
    return [g for g in codebook_gates if (g.item, g.statistic) not in keys] + list(cli_gates)


def evaluate(results: Sequence[ItemResult], gates: Sequence[Gate], on: str = "estimate") -> list[GateResult]:
    """Every (item, gated statistic) pair: passed or not, and why. Item-specific gates win over global ones."""
    out = []
    for it in results:
        specific = {g.statistic: g for g in gates if g.item == it.item}
        applicable = dict({g.statistic: g for g in gates if g.item is None}, **specific)
        for stat, g in applicable.items():
            c = it.coefficients.get(stat)
            if c is None:
                if stat not in specific:
                    continue  # a global gate applies where the statistic belongs to the item's level
                out.append(GateResult(it.item, stat, g.minimum, on, None, None, None, False,
                                      f"{TITLES.get(stat, stat)} is not computed for {it.level} item '{it.item}'"))
                continue
            if not c.ok:
                out.append(GateResult(it.item, stat, g.minimum, on, None, None, None, False,
                                      f"{TITLES.get(stat, stat)} is undefined: {c.reason}"))
                continue
            got = c.value if on == "estimate" else c.ci_low
            ci = f"95% CI [{c.ci_low:.3f}, {c.ci_high:.3f}]" if c.ci_low is not None else "no CI"
            what = "estimate" if on == "estimate" else "CI lower bound"
            if got is None:
                out.append(GateResult(it.item, stat, g.minimum, on, c.value, c.ci_low, c.ci_high, False,
                                      f"{TITLES.get(stat, stat)} has no {what}: {c.reason}"))
                continue
            passed = got >= g.minimum
            verdict = "reaches" if passed else f"falls short by {g.minimum - got:.3f} of"
            msg = (f"{TITLES.get(stat, stat)} = {c.value:.3f} ({ci}); {what} {got:.3f} {verdict} "
                   f"the minimum {g.minimum:.2f}")
            out.append(GateResult(it.item, stat, g.minimum, on, c.value, c.ci_low, c.ci_high, passed, msg))
    return out


def junit_xml(results: Sequence[GateResult], suite: str = "irrkit") -> str:
    """JUnit XML: one test case per item and gated statistic; failures carry value, CI and threshold."""
    failures = sum(not r.passed for r in results)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name={quoteattr(suite)} tests="{len(results)}" failures="{failures}">',
             f'  <testsuite name={quoteattr(suite)} tests="{len(results)}" failures="{failures}" errors="0">']
    for r in results:
        head = f'    <testcase classname={quoteattr(f"{suite}.{r.item}")} name={quoteattr(r.statistic)}'
        if r.passed:
            lines.append(f"{head}>\n      <system-out>{escape(r.message)}</system-out>\n    </testcase>")
        else:
            lines.append(f'{head}>\n      <failure message={quoteattr(r.message)} type="GateFailure">'
                         f"{escape(r.message)}</failure>\n    </testcase>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def summary_markdown(results: Sequence[GateResult], title: str = "irrkit reliability gate") -> str:
    """A Markdown summary for $GITHUB_STEP_SUMMARY or a merge-request note."""
    failed = [r for r in results if not r.passed]
    head = "❌ failed" if failed else "✅ passed"
    lines = [f"## {title}: {head}", "",
             f"{len(results) - len(failed)} of {len(results)} gated statistics reach their minimum.", "",
             "| | item | statistic | value | 95% CI | minimum | compared |", "|---|---|---|---:|---|---:|---|"]
    for r in results:
        ci = f"[{r.ci_low:.3f}, {r.ci_high:.3f}]" if r.ci_low is not None and r.ci_high is not None else ""
        val = f"{r.value:.3f}" if r.value is not None else "undefined"
        lines.append(f"| {'✅' if r.passed else '❌'} | {r.item} | {TITLES.get(r.statistic, r.statistic)} | {val} | "
                     f"{ci} | {r.minimum:.2f} | {r.on} |")
    if failed:
        lines += ["", "### Why", ""] + [f"- **{r.item}**: {r.message}" for r in failed]
    return "\n".join(lines) + "\n"


def github_annotations(results: Sequence[GateResult], file: str | None = None) -> list[str]:
    """``::error`` workflow commands for failing items (GitHub Actions)."""
    where = f"file={file}," if file else ""
    out = []
    for r in results:
        if not r.passed:
            msg = r.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            out.append(f"::error {where}title=irrkit gate: {r.item} {r.statistic}::{msg}")
    return out
