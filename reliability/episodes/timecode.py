"""Time-coded episodes: the model every video statistic works from, time parsing and checking.

An episode is one coder's statement that, in one video, the code ``c`` of an item holds from ``start`` to
``end``. Times are kept as whole milliseconds (int64), so interval arithmetic is exact: ELAN stores
milliseconds, BORIS and Datavyu three decimals of a second. A point event (BORIS POINT) has ``end == start``.

``EpisodeSpec`` says how an item's episodes are to be read and compared (codes, whether one coder's episodes
may overlap, the time step of the time-based statistics, the tolerance, known recording lengths);
``check_episodes`` refuses what cannot be analysed, naming file and line of each offending episode.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from irrkit.errors import InputError, Problem

MAX_MS = 10 ** 12  # ~31 years: larger times are typing errors, and stay far from int64 overflow


@dataclass(frozen=True)
class EpisodeSpec:
    """How one item's episodes are compared (the codebook's ``kind: episodes`` item, or options).

    ``step`` and ``tolerance`` are in seconds; ``lengths`` maps a video to its recording length in seconds.
    """

    item: str
    codes: tuple[str, ...]
    labels: tuple[str, ...] = ()
    overlap: bool = False
    step: float = 1.0
    tolerance: float = 2.0
    lengths: dict[str, float] = field(default_factory=dict)
    primary: str | None = None  # the headline statistic (default: time-unit Cohen's kappa, Fleiss' for 3+ coders)

    @property
    def step_ms(self) -> int:
        return max(1, int(round(self.step * 1000)))

    @property
    def tolerance_ms(self) -> int:
        return int(round(self.tolerance * 1000))


@dataclass
class EpisodeSet:
    """The episodes of one item: parallel arrays, one entry per episode, sorted by (video, coder, start, end).

    ``video``/``coder``/``code`` index ``videos``/``coders``/``spec.codes``; ``files``/``lines`` say where each
    episode was read (for messages and disagreement lists). ``lengths_ms[v]`` is the known length of video v,
    or -1 when unknown (then the latest end over all coders is used).
    """

    spec: EpisodeSpec
    videos: list[str]
    coders: list[str]
    video: np.ndarray
    coder: np.ndarray
    start: np.ndarray
    end: np.ndarray
    code: np.ndarray
    files: list[str] = field(default_factory=list)
    lines: np.ndarray | None = None
    file_index: np.ndarray | None = None
    lengths_ms: np.ndarray | None = None
    declared: np.ndarray | None = None  # videos x coders: coded the video even without an episode there
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.start)

    @property
    def n_coders(self) -> int:
        return len(self.coders)

    def horizon(self) -> np.ndarray:
        """Per video: its known length, else the latest episode end (ms)."""
        h = np.zeros(len(self.videos), dtype=np.int64)
        if len(self):
            np.maximum.at(h, self.video, self.end)
        if self.lengths_ms is not None:
            h = np.where(self.lengths_ms >= 0, self.lengths_ms, h)
        return h

    def select(self, mask: np.ndarray) -> EpisodeSet:
        """The episodes where ``mask`` holds (same videos, coders and spec)."""
        return EpisodeSet(self.spec, self.videos, self.coders, self.video[mask], self.coder[mask],
                          self.start[mask], self.end[mask], self.code[mask], self.files,
                          None if self.lines is None else self.lines[mask],
                          None if self.file_index is None else self.file_index[mask], self.lengths_ms,
                          self.declared, self.warnings)

    def of(self, video: int, coder: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, code) of one coder in one video, sorted by start."""
        m = (self.video == video) & (self.coder == coder)
        return self.start[m], self.end[m], self.code[m]


def build(spec: EpisodeSpec, rows: Sequence[tuple[str, str, int, int, int, int, int]], files: Sequence[str],
          videos: Sequence[str] | None = None, coders: Sequence[str] | None = None) -> EpisodeSet:
    """An EpisodeSet from rows ``(video, coder, start_ms, end_ms, code_index, file_index, line)``.

    A row with code_index -1 only declares that the coder coded the video (and found nothing there).
    ``videos``/``coders`` fix the order (else order of first appearance). Rows are sorted; nothing is checked
    here (see ``check_episodes``).
    """
    vids = list(dict.fromkeys([*(videos or ()), *(r[0] for r in rows)]))
    cods = list(dict.fromkeys([*(coders or ()), *(r[1] for r in rows)]))
    vi = {v: i for i, v in enumerate(vids)}
    ci = {c: i for i, c in enumerate(cods)}
    declared = np.zeros((len(vids), len(cods)), dtype=bool)
    for r in rows:
        if r[4] < 0:
            declared[vi[r[0]], ci[r[1]]] = True
    rows = [r for r in rows if r[4] >= 0]
    n = len(rows)
    video = np.fromiter((vi[r[0]] for r in rows), np.int32, n)
    coder = np.fromiter((ci[r[1]] for r in rows), np.int32, n)
    start = np.fromiter((r[2] for r in rows), np.int64, n)
    end = np.fromiter((r[3] for r in rows), np.int64, n)
    code = np.fromiter((r[4] for r in rows), np.int32, n)
    fidx = np.fromiter((r[5] for r in rows), np.int32, n)
    line = np.fromiter((r[6] for r in rows), np.int64, n)
    order = np.lexsort((end, start, coder, video))
    lengths = np.array([_ms(spec.lengths[v]) if v in spec.lengths else -1 for v in vids], dtype=np.int64)
    return EpisodeSet(spec, vids, cods, video[order], coder[order], start[order], end[order], code[order],
                      list(files), line[order], fidx[order], lengths, declared)


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def where(es: EpisodeSet, i: int) -> tuple[str, int | None]:
    """(file, line) of episode i."""
    fidx = es.file_index
    f = es.files[int(fidx[i])] if fidx is not None and es.files else "<episodes>"
    line = int(es.lines[i]) if es.lines is not None and es.lines[i] > 0 else None
    return f, line


def check_episodes(es: EpisodeSet, limit: int = 50) -> None:
    """Refuse what cannot be analysed: an end before its start, overlapping episodes of one coder in an item
    whose spec says they may not overlap, times past the recording's known length. Raises one InputError
    listing every problem (at most ``limit``, then a count), each with its file and line."""
    problems: list[Problem] = []

    def add(i: int, msg: str) -> None:
        f, line = where(es, i)
        problems.append(Problem(f, msg, line))

    item = es.spec.item
    for i in np.flatnonzero(es.end < es.start)[:limit]:
        add(int(i), f"item '{item}': episode ends at {fmt_time(int(es.end[i]))}, before it starts at "
                    f"{fmt_time(int(es.start[i]))}")
    if not es.spec.overlap and len(es) > 1:
        same = (es.video[1:] == es.video[:-1]) & (es.coder[1:] == es.coder[:-1])
        bad = np.flatnonzero(same & (es.start[1:] < es.end[:-1]))
        for j in bad[:limit]:
            prev, cur = int(j), int(j) + 1
            _, pl = where(es, prev)
            add(cur, f"item '{item}': coder '{es.coders[es.coder[cur]]}' has overlapping episodes in video "
                     f"'{es.videos[es.video[cur]]}': {_span(es, prev)} (line {pl}) and {_span(es, cur)}; the "
                     "codebook says this item's episodes may not overlap (overlap: true allows it)")
    if es.lengths_ms is not None and len(es):
        length = es.lengths_ms[es.video]
        for i in np.flatnonzero((length >= 0) & (es.end > length))[:limit]:
            add(int(i), f"item '{item}': episode {_span(es, int(i))} ends after the end of video "
                        f"'{es.videos[es.video[i]]}' ({fmt_time(int(length[i]))})")
    if problems:
        if len(problems) > limit:
            extra = len(problems) - limit
            problems = problems[:limit] + [Problem(problems[0].file, f"... and {extra} more problems")]
        raise InputError(problems)


def _span(es: EpisodeSet, i: int) -> str:
    code = es.spec.codes[es.code[i]]
    return f"'{code}' {fmt_time(int(es.start[i]))}-{fmt_time(int(es.end[i]))}"


# --------------------------------------------------------------------------------------------- time text

_HMS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\Z")
_HMSF = re.compile(r"(\d+):(\d{1,2}):(\d{1,2})[:;](\d{1,3})\Z")  # Datavyu hh:mm:ss:mmm


def parse_time(text: str, unit: str = "s") -> int | None:
    """Milliseconds from a time as written: seconds (``12.5`` or ``12,5``; ``unit='ms'``: milliseconds) or
    ``[hh:]mm:ss[.mmm]`` or Datavyu's ``hh:mm:ss:mmm``. None if it is not a time (or negative, or absurd)."""
    t = text.strip()
    if not t:
        return None
    if len(t) > 64:  # no time is written with more characters; a 5,000-digit hour would not even convert
        return None
    m = _HMSF.match(t)
    if m:
        h, mi, s, ms = (int(g) for g in m.groups())
        if mi >= 60 or s >= 60:
            return None
        return _bounded(((h * 60 + mi) * 60 + s) * 1000 + ms)
    m = _HMS.match(t)
    if m:
        h = int(m.group(1) or 0)
        mi = int(m.group(2))
        s = float(m.group(3).replace(",", "."))
        if mi >= 60 or s >= 60:
            return None
        return _bounded(int(round(((h * 60 + mi) * 60 + s) * 1000)))
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")  # a decimal comma (German Excel: 131,2), as in ratings
    try:
        x = float(t)
    except ValueError:
        return None
    ms = x if unit == "ms" else x * 1000
    if not math.isfinite(ms) or ms < 0 or ms > MAX_MS or t.lower().startswith(("inf", "nan", "+inf")):
        return None  # checked before converting: 1e308 s is finite, its milliseconds are not
    return _bounded(int(round(ms)))


def _bounded(ms: int) -> int | None:
    return ms if 0 <= ms <= MAX_MS else None


def fmt_time(ms: int) -> str:
    """``hh:mm:ss.mmm`` (the handout and disagreement-list format)."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{sign}{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


TIME_HELP = "seconds (12.5) or [hh:]mm:ss[.mmm] (00:01:02.500), below 277,777 h"
