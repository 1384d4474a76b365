"""Gates: minimum values of statistics that a coding round must reach (for CI), and their reports.

A gate compares the estimate (default) or the lower confidence bound (``on="lower-bound"``, what a careful lab
uses) with a minimum. An undefined coefficient under a gate fails: agreement has not been shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from irrkit.analysis.item import ItemResult
from irrkit.codebooks.model import Gate
from irrkit.errors import InputError
from irrkit.outputs.tables import reported_statistics
from irrkit.statistics import registry
from irrkit.statistics.registry import name as stat_name

STATISTICS = registry.gateable()  # every statistic a gate may name (registry order)


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
    name: str = ""  # the statistic's display name (with the item's weights)


def parse_min(specs: Iterable[str], statistics: Sequence[str] = STATISTICS, items: Sequence[str] | None = None,
              kind: str = "") -> list[Gate]:
    """``--min STAT=VALUE`` or ``--min ITEM:STAT=VALUE`` -> gates; ``statistics`` are the keys allowed, ``items``
    (when given) the items an ``ITEM:`` may name, ``kind`` words them in messages (``"episode"``)."""
    what = f"{kind} " if kind else ""
    a_stat = "an " if what[:1] in tuple("aeiou") and what else "a "  # a statistic, an episode statistic
    a_item = "an " if (what or "item")[:1] in tuple("aeiou") else "a "
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
        if stat not in statistics:
            raise InputError.single("--min", f"'{stat}' is not {a_stat}{what}statistic (allowed: "
                                    f"{', '.join(statistics)})")
        if items is not None and item.strip() and item.strip() not in items:
            raise InputError.single("--min", f"item '{item.strip()}' is not {a_item}{what}item of the "
                                    f"codebook (items: {', '.join(items)})")
        gates.append(Gate(stat, value, item.strip() or None))
    return gates


def not_computed(stat: str, item: str, level: str, weights: str | None) -> str | None:
    """Why a gate on ``stat`` cannot apply to an item of ``level`` with ``weights`` (its level does not compute
    the statistic), with the statistic to gate instead and those allowed; None when it applies."""
    if stat not in registry.BY_KEY or registry.applies(stat, level, weights):
        return None
    w = weights or registry.DEFAULT_WEIGHTS.get(level, "identity")
    how = f"{level} item '{item}'" + (f" ({w} weights)" if registry.weighted(w) else "")
    alt = registry.instead(stat, level, weights)
    hint = f": gate {alt} ({stat_name(alt, w)}) instead" if alt else ""
    return (f"{stat} ({stat_name(stat)}) is not computed for {how}{hint} (allowed for this item: "
            f"{', '.join(registry.gateable(level, weights))})")


def item_weights(it: Any) -> str:
    """The weights an analysis of a codebook item uses: identity for nominal items, custom with a weight
    matrix, else the item's (or its level's default) weights."""
    if getattr(it, "weight_matrix", None) is not None:
        return "custom"
    return "identity" if it.level == "nominal" else it.default_weights()


def combine(codebook_gates: Sequence[Gate], cli_gates: Sequence[Gate], items: Sequence[Any]) -> list[Gate]:
    """Codebook gates, overridden by command-line gates for the same (item, statistic). ``items``: the
    codebook's item ids, or its items (with ``level`` and ``default_weights()``): then a command-line gate on
    a statistic its item's level does not compute (AC1 of an ordinal item with weights) is a usage error."""
    by_id = {getattr(it, "id", it): it for it in items}
    items = list(by_id)
    for g in cli_gates:
        if g.item is not None and g.item not in items:
            raise InputError.single("--min", f"item '{g.item}' is not in the codebook (items: {', '.join(items)})")
        it = by_id.get(g.item) if g.item is not None else None
        if it is not None and hasattr(it, "level"):
            why = not_computed(g.statistic, g.item, getattr(it, "analysis_level", it.level), item_weights(it))
            if why:
                raise InputError.single("--min", why)
    keys = {(g.item, g.statistic) for g in cli_gates}
    return [g for g in codebook_gates if (g.item, g.statistic) not in keys] + list(cli_gates)


def evaluate(results: Sequence[ItemResult], gates: Sequence[Gate], on: str = "estimate") -> list[GateResult]:
    """Every (item, gated statistic) pair: passed or not, and why. Item-specific gates win over global ones."""
    out: list[GateResult] = []

    def add(nm: str, *fields: Any) -> None:
        out.append(GateResult(*fields, name=nm))

    for it in results:
        specific = {g.statistic: g for g in gates if g.item == it.item}
        applicable = dict({g.statistic: g for g in gates if g.item is None}, **specific)
        weights = getattr(it, "weights", None)
        time = getattr(it, "level", "") == registry.EPISODES
        for stat, g in applicable.items():
            nm = stat_name(stat, weights, time=time)
            c = it.coefficients.get(stat)
            if stat not in specific and stat in STATISTICS and stat not in reported_statistics(it):
                continue  # a gate for all items applies where its statistic is reported (see coverage())
            if c is None:
                add(nm, it.item, stat, g.minimum, on, None, None, None, False,
                    f"{nm} is not computed for {it.level} item '{it.item}'")
                continue
            if not c.ok:
                add(nm, it.item, stat, g.minimum, on, None, None, None, False,
                    f"{nm} is undefined: {c.reason}")
                continue
            got = c.value if on == "estimate" else c.ci_low
            ci = f"95% CI [{c.ci_low:.3f}, {c.ci_high:.3f}]" if c.ci_low is not None else "no CI"
            what = "estimate" if on == "estimate" else "CI lower bound"
            if got is None:
                add(nm, it.item, stat, g.minimum, on, c.value, c.ci_low, c.ci_high, False,
                    f"{nm} has no {what}: {c.reason}")
                continue
            passed = bool(got >= g.minimum)  # a numpy bool is not JSON
            verdict = "reaches" if passed else f"falls short by {g.minimum - got:.3f} of"
            msg = (f"{nm} = {c.value:.3f} ({ci}); {what} {got:.3f} {verdict} "
                   f"the minimum {g.minimum:.2f}")
            add(nm, it.item, stat, g.minimum, on, c.value, c.ci_low, c.ci_high, passed, msg)
    return out


def coverage(results: Sequence[ItemResult],
             gates: Sequence[Gate]) -> list[tuple[Gate, list[str], list[str], str]]:
    """For each gate: the items it gated, the items it left out (a gate for all items skips an item whose
    level does not report its statistic, e.g. fleiss_kappa for an interval item; an item gate of its own for
    the same statistic wins) and the statistic's name (an item's gate: with the item's weights)."""
    out: list[tuple[Gate, list[str], list[str], str]] = []
    for g in gates:
        if g.item is not None:
            mine = [it for it in results if it.item == g.item]
            nm = stat_name(g.statistic, getattr(mine[0], "weights", None) if mine else None,
                           time=bool(mine) and getattr(mine[0], "level", "") == registry.EPISODES)
            out.append((g, [it.item for it in mine], [], nm))
            continue
        own = {it.item for it in results for h in gates if h.item == it.item and h.statistic == g.statistic}
        covered = [it.item for it in results if it.item not in own and (
            g.statistic in reported_statistics(it) if g.statistic in STATISTICS else g.statistic in it.coefficients)]
        out.append((g, covered, [it.item for it in results if it.item not in own and it.item not in covered],
                    stat_name(g.statistic)))
    return out


