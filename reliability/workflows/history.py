"""The round history of coder training (``--history DIR``): one reader of the round records, for ``train`` (the
next number, the previous round, a name already recorded) and ``report`` (each trainee's trend).

A history folder holds ``round-<NNN>-<name>.json`` records (``training.ROUND_FILE``); it is append-only. Every
record is checked the same way wherever it is read: a readable JSON object, else bad input naming the file.
Other files in the folder are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from irrkit.errors import InputError


@dataclass
class Round:
    """One round record of a history folder."""

    number: int
    name: str
    path: Path
    record: dict[str, Any]


def rounds(folder: Path, *, must_exist: bool = False) -> list[Round]:
    """The round records of ``folder`` in round order (a folder not there yet has none, unless ``must_exist``)."""
    from irrkit.workflows.training import ROUND_FILE

    if not folder.exists() and not must_exist:
        return []
    if not folder.is_dir():
        raise InputError.single(str(folder), "--history must be a folder of round records")
    found = []
    for p in folder.iterdir():
        if m := ROUND_FILE.fullmatch(p.name):
            found.append((int(m.group(1)), m.group(2), p))
    out = []
    for number, name, p in sorted(found, key=lambda x: (x[0], x[2].name)):
        from irrkit.readers.json_input import read_json

        try:
            record = read_json(p, "a round record that irrkit train wrote")
        except InputError as e:
            first = e.problems[0]
            why = first.message if first.line is None else f"line {first.line}: {first.message}"
            raise InputError.single(str(p), f"is not a round record: {why}") from None
        if not isinstance(record, dict):
            raise InputError.single(str(p), "is not a round record (a JSON object)")
        out.append(Round(number, name, p, record))
    return out


def scan(folder: Path, name: str) -> tuple[int, dict[str, Any] | None, Path | None]:
    """The number of the next round, and the previous round's record (and file), if any; a name already
    recorded is refused."""
    found = rounds(folder)
    for r in found:
        if r.name == name:
            raise InputError.single(str(r.path), f"round '{name}' is already recorded here; the history is "
                                    "append-only and an earlier round is never rewritten: choose another "
                                    "--round name; nothing was written")
    if not found:
        return 1, None, None
    last = found[-1]
    return last.number + 1, last.record, last.path


def read_history(folder: Path, current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The round records of a history folder (plus ``current``, if it is not recorded there yet)."""
    out = [r.record for r in rounds(folder, must_exist=True)]
    if current is not None and not any(r.get("round") == current.get("round") and r.get("name") ==
                                       current.get("name") for r in out):
        out.append(current)
    return out


def change_ci(inf: dict[str, Any] | None) -> str:
    """' (95% CI -0.05 to +0.31, same units)': the change's CI and how it was obtained, '' without one."""
    if not inf or inf.get("ci_low") is None:
        return ""
    kind = {"dependent": "same units", "independent": "new units"}.get(inf.get("kind"), "")
    return f" (CI {inf['ci_low']:+.2f} to {inf['ci_high']:+.2f}, {kind})"


def changes(previous: dict[str, Any], prev_file: Path, current: dict[str, Any]) -> list[str]:
    """One line per trainee, item and gated (else headline) statistic: change since the previous round."""
    from irrkit.outputs.escaping import terminal
    from irrkit.workflows.training import compare_rounds
    lines = [f"since round {previous.get('round')} '{previous.get('name')}' ({prev_file.name}, "
             f"{previous.get('timestamp') or 'no time'}):"]
    pc, cc = previous.get("codebook") or {}, current["codebook"]
    if pc != cc:
        lines.append(f"  note: codebook changed from {pc.get('id')} {pc.get('version') or ''} to "
                     f"{cc['id']} {cc['version'] or ''}")
    rows = compare_rounds(previous, current)
    shown = [r for r in rows if r["gated"]] or [r for r in rows if r["statistic"] in ("cohen_kappa", "icc2")]
    wc = max((len(terminal(r["trainee"])) for r in shown), default=0)
    wi = max((len(terminal(r["item"])) for r in shown), default=0)
    for c in current["trainees"]:
        mine = [r for r in shown if r["trainee"] == c]
        if c not in previous.get("trainees", {}):
            lines.append(f"  {terminal(c)}: first round")
            continue
        for r in mine:
            def v(x: float | None) -> str:
                return "—" if x is None else f"{x:.2f}"

            def verdict(x: bool | None) -> str:
                return "not gated" if x is None else "pass" if x else "fail"

            ch = "" if r["change"] is None else f", {r['change']:+.2f}{change_ci(r.get('change_inference'))}"
            how = f" (compared: {r['was_compared']} -> {r['compared']})" if r["was_compared"] != r["compared"] \
                and r["was_compared"] and r["compared"] else ""
            m0, m1 = r.get("was_minimum"), r.get("minimum")
            if m0 is not None and m1 is not None and m0 != m1:  # the verdict may have changed with the threshold
                how += f" (minimum changed: {m0:g} -> {m1:g}; judge the change by its CI)"
            lines.append(f"  {terminal(c):<{wc}}  {terminal(r['item']):<{wi}}  {r['name']} {v(r['previous'])} -> "
                         f"{v(r['current'])}{ch}  {verdict(r['was_passed'])} -> {verdict(r['passed'])}{how}")
    return lines
