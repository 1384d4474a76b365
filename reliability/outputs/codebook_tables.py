"""A codebook as its readers see it: rows for the terminal table of `irrkit codebook show` and a printable
Markdown handout for coders (`--format markdown`)."""

from __future__ import annotations

from irrkit.codebooks.model import Codebook
from irrkit.codebooks.yaml_nodes import _fmt


def codebook_to_rows(cb: Codebook) -> list[dict[str, str]]:
    """The codebook as a table for coders: per item one row (code: "" or the scale's range), then one row
    per category or scale anchor; keys item, level, code, label, definition."""
    rows: list[dict[str, str]] = []
    for it in cb.items:
        s, code = it.scale, ""
        if s is not None:
            code = f"{_fmt(s.min)} to {_fmt(s.max)}" + (f", step {_fmt(s.step)}" if s.step else "")
        if it.multiple:  # a set of codes: how the coder writes one
            code = f"set of codes: '{it.separator}' between codes, '{it.empty}' for none"
        entries = [(code, it.label, it.definition), *((c.code, c.label, c.definition) for c in it.categories)]
        if s is not None:
            entries += [(_fmt(v), label, "") for v, label in sorted(s.anchors.items())]
        rows += [{"item": it.id, "level": it.level, "code": c, "label": lab, "definition": d}
                 for c, lab, d in entries]
    for ep in cb.episodes:
        how = (f"episodes{' (may overlap)' if ep.overlap else ''}, step {_fmt(ep.step)} s, tolerance "
               f"{_fmt(ep.tolerance)} s")
        rows += [{"item": ep.id, "level": "episodes", "code": c, "label": lab, "definition": d}
                 for c, lab, d in [(how, ep.label, ep.definition),
                                   *((c.code, c.label, c.definition) for c in ep.categories)]]
    return rows


def codebook_to_markdown(cb: Codebook) -> str:
    """The codebook as a printable coder handout in Markdown: title, version and source, then per item its
    label, definition and how it is coded (a table of codes, labels and definitions; a scale's range and
    anchors; for a time-coded item: what to mark, the time unit, the tolerance and whether episodes may
    overlap). Every field goes through ``outputs.escaping.md`` (no text of the codebook becomes markup)."""
    from irrkit.outputs.escaping import md, md_line

    out = [f"# {md_line(cb.title or cb.id)}", ""]
    meta = [f"Codebook `{md_line(cb.id)}`"] + ([f"version {md_line(cb.version)}"] if cb.version else [])
    out += [", ".join(meta), ""]
    if cb.source:
        out += [f"Source: {md_line(cb.source)}", ""]

    def codes_table(rows: list[tuple[str, str, str]]) -> list[str]:
        lines = ["| Code | Label | Definition |", "|---|---|---|"]
        lines += [f"| {md(c)} | {md(lab)} | {md(d)} |" for c, lab, d in rows]
        return [*lines, ""]

    for it in cb.items:
        out += [f"## {md_line(it.id)}" + (f": {md_line(it.label)}" if it.label else ""), ""]
        if it.definition:
            out += [md(it.definition), ""]
        s = it.scale
        if s is not None:
            step = f" in steps of {_fmt(s.step)}" if s.step else ""
            out += [f"Rate on the scale {_fmt(s.min)} to {_fmt(s.max)}{step} ({md_line(it.level)}).", ""]
            if s.anchors:
                out += codes_table([(_fmt(v), str(lab), "") for v, lab in sorted(s.anchors.items())])
        elif it.multiple:
            out += [f"Give every code that applies, separated by '{md_line(it.separator)}' (for example "
                    f"'{md_line(it.separator.join(it.codes[:2]))}'), or '{md_line(it.empty)}' when none applies; a "
                    f"blank cell is a missing rating. Or one column per code, '{md_line(it.code_column('code'))}', "
                    "with 1 (given) or 0 (not given):", ""]
            out += codes_table([(c.code, c.label, c.definition) for c in it.categories])
        elif it.categories:
            out += [f"Give one code per unit ({md_line(it.level)}):", ""]
            out += codes_table([(c.code, c.label, c.definition) for c in it.categories])
    for ep in cb.episodes:
        out += [f"## {md_line(ep.id)}: time-coded" + (f" ({md_line(ep.label)})" if ep.label else ""), ""]
        if ep.definition:
            out += [md(ep.definition), ""]
        overlap = "may overlap" if ep.overlap else "may not overlap (one code at a time)"
        out += [f"Mark where each episode begins and ends and give its code; one coder's episodes {overlap}. "
                f"Agreement is counted in time units of {_fmt(ep.step)} s, with a tolerance of "
                f"{_fmt(ep.tolerance)} s.", ""]
        out += codes_table([(c.code, c.label, c.definition) for c in ep.categories])
    return "\n".join(out).rstrip("\n") + "\n"
