"""ELAN annotation files (.eaf, XML): time-aligned tiers as episodes.

ELAN keeps times in a TIME_ORDER of TIME_SLOTs (milliseconds) and each tier's ALIGNABLE_ANNOTATIONs refer to
two slots; the ANNOTATION_VALUE is the code. Tiers map to codebook items and coders:

* a tier named after an item (``crying``; case and surrounding spaces do not matter): that item;
* a tier named ``item@coder`` (``crying@anna``): one file holding every coder's tier;
* ``tiers={"Tier name": "item"}`` or ``"item@coder"`` maps other names. Tiers that match nothing are skipped
  with a warning (transcriptions, comments); a file none of whose tiers matches an item is an error that names
  its tiers and the closest item.

The coder of a tier is, in this order: the tier's ANNOTATOR; the ``@coder`` part of its name or mapping; the
file's coder, which is the one ANNOTATOR its tiers name (one file is one coder unless its tiers name different
annotators), else the document's AUTHOR, else the ``coder`` given (for files that name none), else the file
name. PARTICIPANT names the person filmed, never a coder. Where each coder's name came from is returned
(``Read.coder_sources``).

The video is the first MEDIA_DESCRIPTOR's file name without its extension, else the ``video`` given, else the
file name. Parsed with expat (no DTDs, no entities expanded), so that every problem names the line and the
element. Symbolic (REF_ANNOTATION) tiers have no times and are skipped with a warning. A tier id or a time slot
id defined twice is an error naming both lines.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from pathlib import Path, PurePosixPath, PureWindowsPath

from irrkit.errors import InputError, Problem
from irrkit.readers.episode_rows import Raw, Read
from irrkit.readers.files import read_bytes
from irrkit.readers.limits import MAX_CELL_CHARS, long_cell
from irrkit.readers.place import raise_if


class _Refused(Exception):
    pass


def _key(name: str) -> str:
    """Tier and item names compare without case and surrounding spaces (``Intervention `` = ``intervention``)."""
    return name.strip().casefold()


def _closest(names: list[str], items: list[str]) -> str:
    """A ``--tier`` hint mapping the tier closest to an item name onto it."""
    import difflib

    best = max(((difflib.SequenceMatcher(None, _key(n), _key(i)).ratio(), n, i) for n in names for i in items),
               default=None)
    if best is None or best[0] < 0.5:
        return ""
    return f" (did you mean --tier '{best[1]}={best[2]}'?)"


def _media_stem(url: str) -> str:
    name = url.rsplit("/", 1)[-1] if "/" in url else PureWindowsPath(url).name
    return PurePosixPath(name).stem or name


def read_elan(path: str | Path, items: set[str], tiers: dict[str, str] | None = None, coder: str | None = None,
              video: str | None = None) -> Read:
    """Episodes of the tiers that map to ``items`` (see the module docstring)."""
    name = str(path)
    data = read_bytes(Path(path), name)
    if not data.strip():
        raise InputError.single(name, "file is empty")
    slots: dict[str, tuple[int | None, int]] = {}
    doc: dict[str, str] = {}
    anns: list[tuple[str, str, str, str, int, str]] = []  # tier, ref1, ref2, value, line, id
    tier_attrs: dict[str, dict[str, str]] = {}
    media: list[str] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    stack: list[str] = []
    state: dict = {"tier": None, "ann": None, "text": None}
    p = xml.parsers.expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise _Refused("DTDs and entity declarations are not allowed in ELAN files")

    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse

    def start(tag: str, attrs: dict[str, str]) -> None:
        line = p.CurrentLineNumber
        stack.append(tag)
        if tag == "TIME_SLOT":
            sid, tv = attrs.get("TIME_SLOT_ID", ""), attrs.get("TIME_VALUE")
            ms = None
            if tv is not None:
                if not re.fullmatch(r"\d{1,12}", tv.strip()):
                    problems.append(Problem(name, f"TIME_VALUE '{tv}' of slot '{sid}' is not a whole number of "
                                            "milliseconds", line, None, "TIME_SLOT"))
                else:
                    ms = int(tv)
            if sid in slots:
                problems.append(Problem(name, f"time slot id '{sid}' is defined twice (first on line "
                                        f"{slots[sid][1]}): ELAN would not open this file", line, None, "TIME_SLOT"))
            else:
                slots[sid] = (ms, line)
        elif tag == "ANNOTATION_DOCUMENT":
            doc.update(attrs)
        elif tag == "MEDIA_DESCRIPTOR" and attrs.get("MEDIA_URL"):
            media.append(attrs.get("MEDIA_URL", ""))
        elif tag == "TIER":
            tid = attrs.get("TIER_ID", "")
            if tid in tier_attrs:
                first = tier_attrs[tid]["_line"]
                problems.append(Problem(name, f"tier id '{tid}' is used twice (first on line {first}); the second "
                                        "tier's annotations would be credited to the first's coder: rename one",
                                        line, None, "TIER"))
                tid = f"{tid}\x00{line}"  # kept apart, so that its annotations are not mixed with the first's
            state["tier"] = tid
            tier_attrs[tid] = {**attrs, "_line": str(line)}
        elif tag == "ALIGNABLE_ANNOTATION":
            state["ann"] = [state["tier"] or "", attrs.get("TIME_SLOT_REF1", ""), attrs.get("TIME_SLOT_REF2", ""),
                            "", line, attrs.get("ANNOTATION_ID", "")]
        elif tag == "REF_ANNOTATION" and state["tier"] is not None:
            tier_attrs[state["tier"]]["_symbolic"] = "1"
        elif tag == "ANNOTATION_VALUE" and state["ann"] is not None:
            state["text"] = []

    def end(tag: str) -> None:
        stack.pop()
        if tag == "ANNOTATION_VALUE" and state["ann"] is not None and state["text"] is not None:
            state["ann"][3] = "".join(state["text"]).strip()
            state["text"] = None
        elif tag == "ALIGNABLE_ANNOTATION" and state["ann"] is not None:
            anns.append(tuple(state["ann"]))  # type: ignore[arg-type]
            state["ann"] = None
        elif tag == "TIER":
            state["tier"] = None

    def chars(s: str) -> None:
        if state["text"] is not None:
            state["text"].append(s)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    try:
        p.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        raise InputError.single(name, f"is not a well-formed ELAN (XML) file: "
                                f"{xml.parsers.expat.ErrorString(e.code)} at column {e.offset + 1}",
                                e.lineno) from None
    except _Refused as e:
        raise InputError.single(name, str(e), p.CurrentLineNumber) from None
    except (ValueError, LookupError, RecursionError) as e:  # LookupError: an unknown encoding in the XML declaration
        raise InputError.single(name, f"cannot be read as XML: {e}") from None
    if not tier_attrs and not slots:
        raise InputError.single(name, "has no TIER and no TIME_SLOT: not an ELAN annotation file")
    vid = video or (_media_stem(media[0]) if media else Path(name).stem)
    mapping = {_key(k): v for k, v in (tiers or {}).items()}
    by_key = {_key(i): i for i in items}
    found: dict[str, tuple[str, str]] = {}  # tier -> (item, @coder)
    for tid, attrs in tier_attrs.items():
        spec = mapping.get(_key(tid), tid.split("\x00")[0])
        item_part, _, who = spec.partition("@")
        item = by_key.get(_key(item_part))
        if item is None:
            warnings.append(f"{name}: tier '{tid.split(chr(0))[0]}' matches no episode item; skipped")
            continue
        if attrs.get("_symbolic"):
            warnings.append(f"{name}: tier '{tid}' is symbolic (no times); skipped")
            continue
        found[tid] = (item, who.strip())
    if not found and tier_attrs:
        names = [t.split("\x00")[0] for t in tier_attrs]
        hint = _closest(names, sorted(items))
        problems.append(Problem(name, f"no tier matches an episode item of the codebook (tiers: "
                                f"{', '.join(repr(n) for n in names[:12])}; items: {', '.join(sorted(items))}){hint}"))
    raise_if(problems)
    annotators = {a for a in (tier_attrs[t].get("ANNOTATOR", "").strip() for t in found) if a}
    author = doc.get("AUTHOR", "").strip()
    if len(annotators) == 1:
        file_coder, file_source = next(iter(annotators)), "the ANNOTATOR its tiers name"
    elif author:
        file_coder, file_source = author, "the document's AUTHOR"
    elif coder:
        file_coder, file_source = coder, "--coder"
    else:
        file_coder, file_source = Path(name).stem, "the file name"
    targets: dict[str, tuple[str, str]] = {}
    sources: dict[str, str] = {}
    for tid, (item, at) in found.items():
        annotator = tier_attrs[tid].get("ANNOTATOR", "").strip()
        if annotator:
            who, how = annotator, f"ANNOTATOR of tier '{tid}'"
        elif at:
            who, how = at, f"the @coder part of tier '{tid}'"
        else:
            who, how = file_coder, file_source
        targets[tid] = (item, who)
        sources.setdefault(who, f"{name}: {how}")
    out: list[Raw] = []
    for item, who in targets.values():
        out.append(Raw(name, None, vid, who, -1, -1, "", item))  # the tier exists: the coder coded the video
    for tid, r1, r2, value, line, aid in anns:
        if tid not in targets:
            continue
        item, who = targets[tid]
        times = []
        for ref in (r1, r2):
            slot = slots.get(ref)
            if slot is None:
                problems.append(Problem(name, f"annotation '{aid}' of tier '{tid}' refers to time slot '{ref}', "
                                        "which TIME_ORDER does not define", line, None, "ALIGNABLE_ANNOTATION"))
            elif slot[0] is None:
                problems.append(Problem(name, f"annotation '{aid}' of tier '{tid}' uses time slot '{ref}' that has "
                                        "no TIME_VALUE (unaligned); align it in ELAN", line, None,
                                        "ALIGNABLE_ANNOTATION"))
            times.append(None if slot is None else slot[0])
        if not value:
            problems.append(Problem(name, f"annotation '{aid}' of tier '{tid}' has no value (code)", line, None,
                                    "ANNOTATION_VALUE"))
            continue
        if len(value) > MAX_CELL_CHARS:
            problems.append(Problem(name, f"annotation '{aid}' of tier '{tid}': {long_cell(len(value))}", line, None,
                                    "ANNOTATION_VALUE"))
            continue
        if None in times:
            continue
        out.append(Raw(name, line, vid, who, int(times[0]), int(times[1]), value, item, "ALIGNABLE_ANNOTATION"))
    # annotations that could not be read: raised by readers.episodes.assemble with the checks of the others
    # (an unknown code in the same file), every problem at once
    return Read(out, {}, warnings, per_item=True, coder_sources=sources, problems=problems)
