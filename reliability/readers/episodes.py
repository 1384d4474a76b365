"""Time-coded episodes: the plain CSV format, and the checks every episode reader shares.

Plain CSV (or TSV / semicolon CSV), one row per episode::

    video,coder,start,end,code            # optional column 'item' when the codebook has several episode items
    v01,anna,00:00:12.5,00:00:19.0,protest
    v01,anna,,,                           # a row with no times and no code: anna coded v01 (nothing found)

Times are seconds (``12.5``) or ``[hh:]mm:ss[.mmm]``. Every reader (:mod:`.elan`, :mod:`.boris`,
:mod:`.datavyu`, this one) produces :class:`Raw` episodes; :func:`assemble` checks them against the items'
:class:`~irrkit.episodes.timecode.EpisodeSpec` (unknown codes, ends before starts, overlaps, times past the
recording) and returns one :class:`~irrkit.episodes.timecode.EpisodeSet` per item, all problems of all files at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from irrkit.episodes.timecode import TIME_HELP, EpisodeSet, EpisodeSpec, build, check_episodes, parse_time
from irrkit.errors import InputError, Problem
from irrkit.readers.delimited import read_table
from irrkit.readers.episode_rows import PLAIN_COLUMNS, Raw, Read
from irrkit.readers.place import quoted, raise_if
from irrkit.readers.table import close_hint, columns, quote_names

NO_LAYOUT = ("the plain format's columns video, coder, start, end, code; a BORIS export's header (Behavior and "
             "Behavior type with Time, Status or Start (s)); Datavyu column groups (<column>.onset, "
             "<column>.offset); ELAN XML (.eaf)")


def read_plain(path: str | Path, encoding: str | None = None) -> Read:
    """The plain CSV format (module docstring)."""
    t = read_table(path, encoding)
    problems = list(t.problems)
    warnings: list[str] = []
    pos = columns(t, problems, warnings)
    folded = {h.casefold(): h for h in pos}
    need = {c: pos[folded[c]] for c in PLAIN_COLUMNS if c in folded}
    missing = [c for c in PLAIN_COLUMNS if c not in folded]
    if len(missing) == len(PLAIN_COLUMNS):  # nothing of any layout: said once, with what was looked for
        problems.append(Problem(t.file, f"no known layout (columns found: {quote_names(list(pos))}); looked for "
                                f"{NO_LAYOUT}", t.header_line))
    elif missing:  # the plain format, some columns missing: one line naming them all
        hints = "".join(close_hint(c, list(pos)) for c in missing)
        problems.append(Problem(t.file, f"no {', '.join(repr(c) for c in missing)} column{'s' * (len(missing) > 1)} "
                                f"(columns found: {quote_names(list(pos))}){hints}; the plain format needs "
                                f"{', '.join(PLAIN_COLUMNS)}", t.header_line))
    raise_if(problems)
    item_col = pos.get(folded.get("item", ""), None)
    out: list[Raw] = []
    sources: dict[str, str] = {}
    for r, line in enumerate(t.lines.tolist()):
        cell = {c: str(t.cells[i][r]).strip() for c, i in need.items()}
        if cell["coder"] and cell["coder"] not in sources:
            sources[cell["coder"]] = f"{t.file}: column '{folded['coder']}' (first at line {line})"
        item = str(t.cells[item_col][r]).strip() or None if item_col is not None else None
        for c in ("video", "coder"):
            if not cell[c]:
                problems.append(Problem(t.file, f"empty {c}", line, c))
        if not cell["code"] and not cell["start"] and not cell["end"]:
            out.append(Raw(t.file, line, cell["video"], cell["coder"], -1, -1, "", item))
            continue
        times = []
        for c in ("start", "end"):
            ms = parse_time(cell[c])
            if ms is None:
                problems.append(Problem(t.file, f"{quoted(cell[c])} is not a time ({TIME_HELP})", line, c))
            times.append(ms)
        if not cell["code"]:
            problems.append(Problem(t.file, "empty code (leave start, end and code all empty to record that "
                                    "the coder coded the video and found nothing)", line, "code"))
        if None not in times and cell["code"]:
            out.append(Raw(t.file, line, cell["video"], cell["coder"], times[0], times[1], cell["code"], item))
    # problems are raised by assemble, together with the checks of the rows read
    return Read(out, {}, warnings, problems=problems, coder_sources=sources)


def _item_for(raw: Raw, specs: dict[str, EpisodeSpec], by_code: dict[str, list[str]], problems: list[Problem]
              ) -> str | None:
    if raw.item is not None:
        if raw.item in specs:
            return raw.item
        problems.append(Problem(raw.file, f"unknown episode item {quoted(raw.item)} (items: {quote_names(list(specs))})"
                                f"{close_hint(raw.item, list(specs))}", raw.line, None, raw.element))
        return None
    if len(specs) == 1:
        return next(iter(specs))
    items = by_code.get(raw.code.casefold(), [])
    if len(items) == 1:
        return items[0]
    if not items:
        return None  # reported as an unknown code below
    problems.append(Problem(raw.file, f"code '{raw.code}' belongs to several items ({', '.join(items)}): add an "
                            "'item' column (or name the tier after the item)", raw.line, None, raw.element))
    return None


def assemble(reads: Sequence[Read], specs: dict[str, EpisodeSpec]) -> dict[str, EpisodeSet]:
    """Check raw episodes against the specs and build one EpisodeSet per item; one InputError for everything.

    A coder who appears in any item of a video in a file that does not say per item who coded what (plain CSV,
    BORIS, Datavyu) is taken to have coded that whole video for every item (a coder with episodes of one item and
    none of another found nothing of the other). In a file that does (ELAN: a tier per item and coder), a coder
    without a tier for an item is missing for that item, and a note says so."""
    if not specs:
        raise InputError.single("<codebook>", "the codebook has no episode item (kind: episodes)")
    problems: list[Problem] = [p for rd in reads for p in rd.problems]  # rows the readers could not read
    by_code: dict[str, list[str]] = {}  # codes match ignoring case, as in rated items (readers/values.py)
    folded: dict[str, dict[str, str]] = {}
    for s in specs.values():
        for c in s.codes:
            by_code.setdefault(c.casefold(), []).append(s.item)
            folded.setdefault(s.item, {}).setdefault(c.casefold(), c)
    files = list(dict.fromkeys(r.file for rd in reads for r in rd.episodes))
    fidx = {f: i for i, f in enumerate(files)}
    lengths = {v: ms for rd in reads for v, ms in rd.lengths_ms.items()}
    rows: dict[str, list[tuple]] = {k: [] for k in specs}
    pairs: dict[tuple[str, str], Raw] = {}  # (video, coder): coded the video, for every item
    item_pairs: dict[tuple[str, str, str], Raw] = {}  # (video, coder, item): coded the video for that item
    for rd in reads:
        for raw in rd.episodes:
            if rd.per_item and raw.item is not None:
                item_pairs.setdefault((raw.video, raw.coder, raw.item), raw)
            else:
                pairs.setdefault((raw.video, raw.coder), raw)
            if not raw.code:
                continue
            item = _item_for(raw, specs, by_code, problems)
            if item is None and raw.item is not None:
                continue
            spec = specs[item] if item else None
            if spec is not None and raw.code not in spec.codes and raw.code.casefold() in folded[item]:
                raw = replace(raw, code=folded[item][raw.code.casefold()])  # 'Sad' is the code 'sad'
            if spec is None or raw.code not in spec.codes:
                allowed = spec.codes if spec else tuple(dict.fromkeys(c for sp in specs.values() for c in sp.codes))
                where = f" in item {item!r}" if item else ""
                problems.append(Problem(raw.file, f"unknown code {quoted(raw.code)}{where}"
                                        f" (allowed: {', '.join(allowed)}){close_hint(raw.code, list(allowed))}",
                                        raw.line, None, raw.element))
                continue
            rows[item].append((raw.video, raw.coder, raw.start, raw.end, spec.codes.index(raw.code),
                               fidx[raw.file], raw.line or 0))
    # rows refused above are left out; the rows read are still checked (ends before starts, overlaps), so every
    # problem of every file is raised at once
    videos = list(dict.fromkeys(r.video for rd in reads for r in rd.episodes))  # in the order read
    coders = list(dict.fromkeys(r.coder for rd in reads for r in rd.episodes))
    per_item_coders = {(v, c): r for (v, c, _), r in item_pairs.items()}
    out: dict[str, EpisodeSet] = {}
    for item, spec in specs.items():
        known = {**{v: ms / 1000 for v, ms in lengths.items()}, **spec.lengths}
        declared = [(v, c, -1, -1, -1, fidx.get(r.file, 0), r.line or 0) for (v, c), r in pairs.items()]
        declared += [(v, c, -1, -1, -1, fidx.get(r.file, 0), r.line or 0)
                     for (v, c, i), r in item_pairs.items() if i == item]
        notes = [f"{r.file}: coder '{c}' has no tier for item '{item}' (video '{v}'): missing for that item, "
                 "not counted as having found nothing"
                 for (v, c), r in per_item_coders.items() if (v, c, item) not in item_pairs and (v, c) not in pairs]
        es = build(replace(spec, lengths=known), rows[item] + declared, files, videos, coders)
        es.warnings = notes
        try:
            check_episodes(es)
        except InputError as e:
            problems.extend(e.problems)
        out[item] = es
    raise_if(problems)
    return out


def detect(path: str | Path, encoding: str | None = None) -> str:
    """The format of an episode file: 'elan' (.eaf or XML), 'datavyu', 'boris' (also any .xlsx) or 'plain'."""
    from irrkit.readers.boris import looks_like_boris
    from irrkit.readers.datavyu import looks_like_datavyu
    from irrkit.readers.excel import EXCEL_SUFFIXES
    from irrkit.readers.files import read_bytes

    p = Path(path)
    if p.suffix.lower() == ".eaf":
        return "elan"
    if p.suffix.lower() in (*EXCEL_SUFFIXES, ".boris"):  # only BORIS exports come as workbooks
        return "boris"
    head = read_bytes(p, str(path))[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<ANNOTATION_DOCUMENT")):
        return "elan"
    t = read_table(path, encoding)
    if looks_like_datavyu(t.header):
        return "datavyu"
    if looks_like_boris(t.header) or any("behavior" in h.casefold() for r in range(min(30, t.n_rows))
                                         for h in (str(c[r]) for c in t.cells)):
        return "boris"
    return "plain"


def read_episode_files(paths: Sequence[str | Path], specs: dict[str, EpisodeSpec], fmt: str = "auto", *,
                       tiers: dict[str, str] | None = None, coder: str | None = None, video: str | None = None,
                       encoding: str | None = None) -> tuple[dict[str, EpisodeSet], list[str]]:
    """Read episode files of any supported format and check them together; all problems raised at once."""
    reads = read_episode_sources(paths, set(specs), fmt, tiers=tiers, coder=coder, video=video, encoding=encoding)
    sets = assemble(reads, specs)
    return sets, [w for rd in reads for w in rd.warnings] + [w for es in sets.values() for w in es.warnings]


def read_episode_sources(paths: Sequence[str | Path], items: set[str], fmt: str = "auto", *,
                         tiers: dict[str, str] | None = None, coder: str | None = None, video: str | None = None,
                         encoding: str | None = None) -> list[Read]:
    """Each file read as it is, once (raw episodes of the ``items``; ``assemble`` checks them together); all
    problems raised at once."""
    from irrkit.readers.boris import read_boris
    from irrkit.readers.datavyu import read_datavyu
    from irrkit.readers.elan import read_elan

    reads: list[Read] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            kind = detect(path, encoding) if fmt == "auto" else fmt
            if kind == "elan":
                reads.append(read_elan(path, items, tiers, coder, video))
            elif kind == "boris":
                reads.append(read_boris(path, items, coder, encoding))
            elif kind == "datavyu":
                reads.append(read_datavyu(path, items, coder, video, encoding))
            else:
                reads.append(read_plain(path, encoding))
        except InputError as e:
            problems.extend(e.problems)
    raise_if(problems)
    return reads
