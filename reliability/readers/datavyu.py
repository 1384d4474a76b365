"""Datavyu spreadsheet exports (CSV): one column group per Datavyu column.

A group is ``<column>.ordinal``, ``<column>.onset``, ``<column>.offset`` and its code arguments
(``<column>.code01`` ...); onset and offset are milliseconds (``12500``) or ``hh:mm:ss:mmm``. A group whose
column is named after an episode item gives that item's episodes; the code is its first code argument. One
file per coder and video: the ``coder`` and ``video`` given, else the file name ``video_coder.csv`` split at
its last underscore. Rows past the end of a shorter group are blank cells and skipped.
"""

from __future__ import annotations

from pathlib import Path

from irrkit.episodes.timecode import MAX_MS, parse_time
from irrkit.errors import InputError, Problem
from irrkit.readers.delimited import read_table
from irrkit.readers.episode_rows import Raw, Read
from irrkit.readers.place import quoted, raise_if


def groups(header: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for i, h in enumerate(header):
        col, dot, arg = h.rpartition(".")
        if dot and col:
            out.setdefault(col, {})[arg.casefold()] = i
    return {c: g for c, g in out.items() if "onset" in g and "offset" in g}


def looks_like_datavyu(header: list[str]) -> bool:
    return bool(groups(header))


def names_from_file(path: str) -> tuple[str, str]:
    stem = Path(path).stem
    video, _, coder = stem.rpartition("_")
    return (video, coder) if video and coder else (stem, stem)


def read_datavyu(path: str | Path, items: set[str], coder: str | None = None, video: str | None = None,
                 encoding: str | None = None) -> Read:
    t = read_table(path, encoding)
    problems = list(t.problems)
    gs = groups(t.header)
    if not gs:
        raise InputError.single(t.file, "no Datavyu column group (<column>.onset and <column>.offset)",
                                t.header_line)
    v0, c0 = names_from_file(t.file)
    vid, who = video or v0, coder or c0
    how = "--coder" if coder else (f"the file name '{Path(t.file).stem}' (video_coder)" if c0 != Path(t.file).stem
                                   else "the file name")
    warnings = [f"{t.file}: Datavyu column '{c}' matches no episode item; skipped" for c in gs if c not in items]
    out = [Raw(t.file, None, vid, who, -1, -1, "", c) for c in gs if c in items]
    for colname, g in gs.items():
        if colname not in items:
            continue
        args = [i for k, i in g.items() if k not in ("ordinal", "onset", "offset")]
        for r, line in enumerate(t.lines.tolist()):
            on, off = (str(t.cells[g[k]][r]).strip() for k in ("onset", "offset"))
            code = str(t.cells[args[0]][r]).strip() if args else ""
            if not on and not off and not code:
                continue
            times = []
            for text, k in ((on, "onset"), (off, "offset")):
                ms = parse_time(text, unit="ms")
                if ms is None:
                    problems.append(Problem(t.file, f"{quoted(text)} is not a time (milliseconds or hh:mm:ss:mmm, "
                                            f"below {MAX_MS // 3_600_000:,} h)", line, f"{colname}.{k}"))
                times.append(ms)
            if not code:
                problems.append(Problem(t.file, "empty code", line, t.header[args[0]] if args else colname))
                continue
            if None not in times:
                out.append(Raw(t.file, line, vid, who, int(times[0]), int(times[1]), code, colname))
    raise_if(problems)
    return Read(out, {}, warnings, coder_sources={who: f"{t.file}: {how}"})
