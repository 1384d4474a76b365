"""BORIS exports (CSV / TSV text, or an Excel .xlsx workbook): tabular events or aggregated events.

* Tabular events: one row per event with ``Time`` and START / STOP (a state event) or POINT (a point event,
  kept as an episode of no duration) in ``Behavior type`` (BORIS 8, since 2023) or ``Status`` (older exports);
  a START is closed by the next STOP of the same observation, subject, behavior and modifiers.
* Aggregated events: one row per event with ``Start (s)`` and ``Stop (s)``.

Columns are found by name (case-insensitive); metadata lines above the table header (older exports) are skipped.
The code is ``Behavior``; the item is the ``Behavioral category`` when it names an episode item, else the item
whose codes hold the behavior. The coder is a ``Coder`` or ``Observer`` column, else the ``coder`` given, else the
observation id after the video's name (``session01_cleo`` -> ``cleo``), else the id; the video is the media file's
name without extension (``Media file name`` / ``Media file``), else the observation id; with several subjects,
``video/subject``. ``Total length`` gives the recording length (times past it are refused).

Workbooks are read by :func:`irrkit.readers.excel.read_xlsx` (the optional openpyxl, with its zip-bomb and
size guards), every sheet that has a BORIS header; problems name the file, the sheet and the Excel row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path, PurePosixPath, PureWindowsPath

from irrkit.episodes.timecode import TIME_HELP, parse_time
from irrkit.errors import InputError, Problem
from irrkit.readers.delimited import read_text, sniff_delimiter
from irrkit.readers.episode_rows import Raw, Read
from irrkit.readers.excel import EXCEL_SUFFIXES
from irrkit.readers.place import quoted, raise_if


def _find(header: list[str], *names: str) -> int | None:
    low = [h.strip().casefold() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return PurePosixPath(name).stem or PureWindowsPath(name).stem or name


def _coder_of(obs: str, media: str) -> str:
    """The coder in an observation id named ``<video>_<coder>`` (or ``-``, ``.``, space) after its media file;
    else the observation id itself."""
    if media and obs.startswith(media) and len(obs) > len(media) + 1 and obs[len(media)] in "_-. ":
        return obs[len(media) + 1:]
    return obs


def looks_like_boris(header: list[str]) -> bool:
    """A BORIS events header: Behavior with Status (before 2023), Behavior type and Time (since), or Start (s)."""
    return _find(header, "behavior") is not None and (
        _find(header, "status") is not None or _find(header, "start (s)", "start") is not None
        or (_find(header, "behavior type") is not None and _find(header, "time") is not None))


def read_boris(path: str | Path, items: set[str], coder: str | None = None, encoding: str | None = None) -> Read:
    """The events of a BORIS export (CSV/TSV/XLSX) or project file (.boris)."""
    name = str(path)
    if Path(path).suffix.lower() == ".boris":
        return read_boris_project(path, items, coder)
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        return _read_workbook(Path(path), name, items, coder)
    text = read_text(Path(path), name, encoding)
    lines = text.splitlines()
    head_at = None
    for i, line in enumerate(lines[:200]):
        delim = sniff_delimiter(line) if line else ","
        cells = next(csv.reader([line], delimiter=delim), [])
        if looks_like_boris(cells):
            head_at, header = i, cells
            break
    if head_at is None:
        raise InputError.single(name, "no BORIS header found (a row with 'Behavior' and 'Behavior type' "
                                "and 'Time', 'Status' or 'Start (s)' in the first 200 lines)")
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines[head_at + 1:])), delimiter=delim))
    except csv.Error as e:
        raise InputError.single(name, f"broken CSV: {e}") from None
    sources: dict[str, str] = {}
    out, lengths = _events(name, header, [(head_at + 2 + n, r) for n, r in enumerate(rows)], items, coder,
                           Path(name).stem, sources)
    return Read(out, lengths, [], coder_sources=sources)


def _read_workbook(path: Path, name: str, items: set[str], coder: str | None) -> Read:
    """Every sheet of a BORIS .xlsx export with a BORIS header among its first 200 rows (rows above it:
    metadata of older exports); the coder falls back to the sheet's name when there are several sheets."""
    from irrkit.readers.excel import read_xlsx

    warnings: list[str] = []
    sheets = read_xlsx(path, name, warnings)
    out: list[Raw] = []
    lengths: dict[str, int] = {}
    problems: list[Problem] = []
    sources: dict[str, str] = {}
    found = False
    for table, title in sheets:
        rows = [(int(table.header_line or 1), list(table.header))] + [
            (int(line), [str(c[k]) for c in table.cells]) for k, line in enumerate(table.lines)]
        at = next((i for i, (_, r) in enumerate(rows[:200]) if looks_like_boris(r)), None)
        if at is None:
            warnings.append(f"{table.file}: no BORIS header (a row with 'Behavior' and 'Behavior type' and 'Time', "
                            "'Status' or 'Start (s)'): "
                            "sheet ignored")
            continue
        found = True
        try:
            got, lens = _events(table.file, rows[at][1], rows[at + 1:], items, coder,
                                title if len(sheets) > 1 else path.stem, sources,
                                f"the sheet's name '{title}'" if len(sheets) > 1 else "the file name")
        except InputError as e:
            problems.extend(e.problems)
            continue
        out += got
        lengths.update(lens)
    if not found:
        raise InputError.single(name, "no BORIS header found in any sheet (a row with 'Behavior' and "
                                "'Behavior type' and 'Time', 'Status' or 'Start (s)' in the first 200 rows)")
    raise_if(problems)
    return Read(out, lengths, warnings, coder_sources=sources)


def _events(name: str, header: list[str], rows: list[tuple[int, list[str]]], items: set[str], coder: str | None,
            fallback: str, sources: dict[str, str] | None = None, fallback_source: str = "the file name"
            ) -> tuple[list[Raw], dict[str, int]]:
    """Episodes from the rows below a BORIS header, each with its line (or Excel row) number; problems raised
    together, naming ``name``, the line and the column. ``fallback``: the coder and video when nothing names
    them (``fallback_source`` says what it is). ``sources``: filled with where each coder's name came from."""
    sources = {} if sources is None else sources
    problems: list[Problem] = []
    col = {k: _find(header, *n) for k, n in {
        "obs": ("observation id",), "media": ("media file name", "media file", "media file path"),
        "length": ("total length", "media duration (s)"), "subject": ("subject",), "behavior": ("behavior",),
        "category": ("behavioral category",), "modifiers": ("modifiers",), "time": ("time",),
        "status": ("status", "behavior type"), "start": ("start (s)", "start"), "stop": ("stop (s)", "stop"),
        "coder": ("coder", "observer")}.items()}
    # The START/STOP/POINT column: ``Status`` in exports before 2023, ``Behavior type`` since (BORIS 8); in the
    # aggregated export ``Behavior type`` says STATE/POINT beside Start (s)/Stop (s) and is not a status.
    col["status"] = _find(header, "status")
    if col["status"] is None and col["time"] is not None and col["start"] is None:
        col["status"] = _find(header, "behavior type")
    tabular = col["time"] is not None and col["status"] is not None
    status_name = header[col["status"]].strip() if col["status"] is not None else "Status"
    subjects = {r[col["subject"]].strip() for _, r in rows if col["subject"] is not None and len(r) > col["subject"]}
    subjects.discard("")
    open_: dict[tuple, tuple[int, int]] = {}
    out: list[Raw] = []
    lengths: dict[str, int] = {}

    def cell(r: list[str], k: str) -> str:
        i = col[k]
        return r[i].strip() if i is not None and i < len(r) else ""

    for line, r in rows:
        if not any(c.strip() for c in r):
            continue
        obs = cell(r, "obs")
        vid = _stem(cell(r, "media")) if cell(r, "media") else obs or fallback
        if len(subjects) > 1 and cell(r, "subject"):
            vid = f"{vid}/{cell(r, 'subject')}"
        in_obs = _coder_of(obs, _stem(cell(r, "media")))
        who = cell(r, "coder") or coder or in_obs or fallback
        if who not in sources:
            sources[who] = f"{name}: " + (
                f"column '{header[col['coder']].strip()}' (first at line {line})" if cell(r, "coder") else
                "--coder" if coder else f"the observation id '{obs}' after the media's name" if in_obs
                else fallback_source)
        code = cell(r, "behavior")
        cat = cell(r, "category")
        item = cat if cat in items else None
        if not code:
            problems.append(Problem(name, "empty Behavior", line, header[col["behavior"]]))
            continue
        if cell(r, "length"):
            ms = parse_time(cell(r, "length"))
            if ms is not None and ms > 0:
                lengths[vid] = ms
        if tabular:
            t = parse_time(cell(r, "time"))
            status = cell(r, "status").upper()
            if t is None:
                problems.append(Problem(name, f"{quoted(cell(r, 'time'))} is not a time ({TIME_HELP})", line, "Time"))
                continue
            key = (obs, vid, who, code, cell(r, "modifiers"))
            if status == "START":
                if key in open_:
                    problems.append(Problem(name, f"'{code}' STARTs again before its STOP (START on line "
                                            f"{open_[key][1]})", line, status_name))
                open_[key] = (t, line)
            elif status == "STOP":
                if key not in open_:
                    problems.append(Problem(name, f"'{code}' STOPs without a START", line, status_name))
                    continue
                s, sl = open_.pop(key)
                out.append(Raw(name, sl, vid, who, s, t, code, item))
            elif status == "POINT":
                out.append(Raw(name, line, vid, who, t, t, code, item))
            else:
                problems.append(Problem(name, f"{status_name} '{cell(r, 'status')}' is not START, STOP or POINT",
                                        line, status_name))
        else:
            s, e = parse_time(cell(r, "start")), parse_time(cell(r, "stop"))
            if s is None or e is None:
                bad = "start" if s is None else "stop"
                problems.append(Problem(name, f"{quoted(cell(r, bad))} is not a time ({TIME_HELP})", line,
                                        header[col[bad]] if col[bad] is not None else bad))
                continue
            out.append(Raw(name, line, vid, who, s, e, code, item))
    for (_, _, _, code, _), (_, sl) in open_.items():
        problems.append(Problem(name, f"'{code}' STARTs but never STOPs", sl, status_name))
    raise_if(problems)
    return out, lengths


def read_boris_project(path: str | Path, items: set[str], coder: str | None = None) -> Read:
    """The observations of a BORIS project file (``.boris``, JSON), without exporting them first.

    Each observation's ``events`` are ``[time, subject, behavior, modifiers, comment, ...]``; the project's
    ``behaviors_conf`` says whether a behavior is a state event (its occurrences alternate START / STOP per
    subject, behavior and modifiers) or a point event (an episode of no duration), and its category (the item
    when it names one). The video is the first media file of player 1 (its length from ``media_info``), the
    coder as in the exports (``--coder``, else the observation id after the video's name)."""
    import json

    from irrkit.readers.files import read_bytes

    name = str(path)
    try:
        doc = json.loads(read_bytes(Path(path), name).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputError.single(name, f"is not a BORIS project file (JSON): {str(e)[:120]}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("observations"), dict):
        raise InputError.single(name, "is not a BORIS project file: no 'observations'")
    conf = doc.get("behaviors_conf") if isinstance(doc.get("behaviors_conf"), dict) else {}
    kinds = {str(b.get("code", "")): (str(b.get("type", "")), str(b.get("category", "") or ""))
             for b in conf.values() if isinstance(b, dict)}
    problems: list[Problem] = []
    out: list[Raw] = []
    lengths: dict[str, int] = {}
    sources: dict[str, str] = {}
    for obs, o in doc["observations"].items():
        if not isinstance(o, dict):
            problems.append(Problem(name, f"observation '{obs}' is not an object"))
            continue
        media = [str(m) for m in ((o.get("file") or {}).get("1") or [])] if isinstance(o.get("file"), dict) else []
        vid = _stem(media[0]) if media else str(obs)
        who = coder or _coder_of(str(obs), vid) or str(obs)
        sources.setdefault(who, f"{name}: " + ("--coder" if coder else f"the observation id '{obs}'" + (
            " after the media's name" if who != str(obs) else "")))
        length = ((o.get("media_info") or {}).get("length") or {}).get(media[0]) if media else None
        if isinstance(length, (int, float)) and 0 < length < 1e9:
            lengths[vid] = int(round(float(length) * 1000))
        events = o.get("events") or []
        if not isinstance(events, list):
            problems.append(Problem(name, f"observation '{obs}': 'events' is not a list"))
            continue
        subjects = {str(e[1]) for e in events if isinstance(e, list) and len(e) > 2 and e[1]}
        open_: dict[tuple[str, str, str], int] = {}
        for k, e in enumerate(events):
            where = f"observation '{obs}', event {k + 1}"
            if not isinstance(e, list) or len(e) < 3:
                problems.append(Problem(name, f"{where}: not [time, subject, behavior, ...]"))
                continue
            t = parse_time(str(e[0]))
            code, subject = str(e[2]).strip(), str(e[1] or "")
            modifiers = str(e[3]) if len(e) > 3 and e[3] is not None else ""
            if t is None:
                problems.append(Problem(name, f"{where}: time {quoted(str(e[0]))} is not a time ({TIME_HELP})"))
                continue
            kind, category = kinds.get(code, ("", ""))
            v = f"{vid}/{subject}" if len(subjects) > 1 and subject else vid
            item = category if category in items else None
            if "point" in kind.casefold():
                out.append(Raw(name, None, v, who, t, t, code, item, where))
                continue
            key = (subject, code, modifiers)
            if key in open_:
                out.append(Raw(name, None, v, who, open_.pop(key), t, code, item, where))
            else:
                open_[key] = t
        for (_, code, _), _t in open_.items():
            problems.append(Problem(name, f"observation '{obs}': state event '{code}' STARTs but never STOPs"))
    raise_if(problems)
    return Read(out, lengths, [], coder_sources=sources)
