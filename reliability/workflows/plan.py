"""``irrkit plan --from RESULTS.json``: a study planned from a pilot's results (the JSON read through the one JSON
reader, then :func:`irrkit.planning.planner.from_pilot`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from irrkit.errors import InputError
from irrkit.planning.planner import Request, from_pilot


def read_pilot(path: Path) -> list[dict[str, Any]]:
    """The items of an irrkit results JSON (``--format json`` of check/compute, or results.json)."""
    from irrkit.readers.json_input import read_json

    data = read_json(Path(path), "an irrkit results JSON (check/compute --format json, or results.json)")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InputError.single(str(path), "not an irrkit results JSON: no 'items' list (write one with "
                                           "`irrkit check ... --format json` or take results.json of --out)")
    return items


def plan_from_pilot(path: Path, req: Request, item: str | None = None,
                    progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Each item of the pilot (or the one named) planned with the pilot's estimate, coders and categories."""
    return from_pilot(read_pilot(path), req, item, progress, path=path)
