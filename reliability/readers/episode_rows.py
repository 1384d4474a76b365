"""What an episode reader returns: raw episode rows with their place (file, line) and the read of one file.
Shared by the plain CSV, ELAN, BORIS and Datavyu readers and the dispatcher in :mod:`.episodes`."""

from __future__ import annotations

from dataclasses import dataclass, field

PLAIN_COLUMNS = ("video", "coder", "start", "end", "code")


@dataclass(frozen=True)
class Raw:
    """One episode as read: ``code`` "" with start = end = -1 declares that the coder coded the video."""

    file: str
    line: int | None
    video: str
    coder: str
    start: int
    end: int
    code: str
    item: str | None = None  # None: the item is found from the code
    element: str | None = None  # XML element, for ELAN


@dataclass
class Read:
    """What a reader found: the raw episodes, known recording lengths (ms), warnings. ``per_item``: the file
    says per item which coder coded it (an ELAN tier per item and coder), so a coder without a tier for an item
    is missing for that item; otherwise a coder who coded a video coded it for every item. ``coder_sources``:
    where each coder's name came from."""

    episodes: list[Raw]
    lengths_ms: dict[str, int]
    warnings: list[str]
    per_item: bool = False
    coder_sources: dict[str, str] = field(default_factory=dict)
    problems: list = field(default_factory=list)  # rows that could not be read (a bad time, an unaligned slot):
    # raised by readers.episodes.assemble with the problems of the rows read (every problem at once)
