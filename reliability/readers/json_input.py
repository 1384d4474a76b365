"""The one reader of irrkit's own JSON when it comes back as input: ``report`` (results.json, training.json),
``plan --from`` (a pilot's results) and ``--history`` (round records).

JSON is input like any other: the file-size limit of every reader (:data:`irrkit.readers.files.MAX_BYTES`,
200 MB; a device such as /dev/zero is refused before it is read), a nesting limit (:data:`MAX_DEPTH`; a
100,000-deep array is bad input, not a RecursionError), finite numbers only (``NaN``/``Infinity``, which
Python's json accepts, are refused) and the published schema ``irrkit/codebooks/results.schema.json`` (next to
the codebook schema). A value of the wrong type is bad input naming its JSON path, e.g.
``results.json: $.items[0].n_units: expected an integer or null, found the string "46"``.

The schema is checked here by a small validator for the subset of JSON Schema it uses (type, properties,
additionalProperties, items, required, minimum, $ref to its own $defs), so that reading needs no extra
package; the tests hold it against the ``jsonschema`` package.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

from irrkit.errors import InputError

MAX_DEPTH = 64  # irrkit writes at most ~8 levels; a hand-edited file has no reason for more
_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


@cache
def results_schema() -> dict[str, Any]:
    """The published schema of irrkit's results JSON (``irrkit.codebooks/results.schema.json``)."""
    from irrkit.codebooks import HERE

    return json.loads((HERE / "results.schema.json").read_text(encoding="utf-8"))


def _kind(v: Any) -> str:
    """What a JSON value is, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    if isinstance(v, str):
        shown = v if len(v) <= 30 else v[:27] + "..."
        return "the string " + json.dumps(shown)
    return "an object" if isinstance(v, dict) else "an array"


def _is(v: Any, t: str) -> bool:
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, _JSON_TYPES[t])


_ARTICLE = {"object": "an object", "array": "an array", "string": "a string", "boolean": "true or false",
            "null": "null", "integer": "an integer", "number": "a number"}


def _key(path: str, k: str) -> str:
    return f"{path}.{k}" if k.isidentifier() else f"{path}[{json.dumps(k)}]"


def validate(doc: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """The problems of ``doc`` against ``schema`` (default: the results schema), each ``$.path: message``;
    iterative (no recursion, whatever the depth), the first 20 problems."""
    root = schema if schema is not None else results_schema()
    problems: list[str] = []
    stack: list[tuple[Any, dict[str, Any], str, int]] = [(doc, root, "$", 0)]
    while stack and len(problems) < 20:
        v, s, path, depth = stack.pop()
        while "$ref" in s:
            ref = s["$ref"]
            s = root
            for part in ref.removeprefix("#/").split("/"):
                s = s[part]
        if depth > MAX_DEPTH:
            problems.append(f"{path}: nested deeper than {MAX_DEPTH} levels")
            continue
        if isinstance(v, float) and not math.isfinite(v):
            problems.append(f"{path}: {v!r} is not a number JSON allows; write null for a value that is undefined")
            continue
        types = s.get("type")
        if types is not None:
            types = [types] if isinstance(types, str) else types
            if not any(_is(v, t) for t in types):
                want = " or ".join(_ARTICLE[t] for t in types)
                problems.append(f"{path}: expected {want}, found {_kind(v)}")
                continue
        if "minimum" in s and _is(v, "number") and v < s["minimum"]:
            problems.append(f"{path}: expected at least {s['minimum']}, found {v!r}")
        if isinstance(v, dict):
            for k in s.get("required", ()):
                if k not in v:
                    problems.append(f"{path}: the key {json.dumps(k)} is missing")
            props = s.get("properties", {})
            extra = s.get("additionalProperties", True)
            for k, x in reversed(list(v.items())):
                if k in props:
                    stack.append((x, props[k], _key(path, k), depth + 1))
                elif extra is False:
                    problems.append(f"{_key(path, k)}: not a key of this object")
                elif isinstance(extra, dict):
                    stack.append((x, extra, _key(path, k), depth + 1))
                elif isinstance(x, (dict, list)):
                    stack.append((x, {}, _key(path, k), depth + 1))  # unknown keys: only depth and numbers
                elif isinstance(x, float) and not math.isfinite(x):
                    stack.append((x, {}, _key(path, k), depth + 1))
        elif isinstance(v, list):
            item = s.get("items", {})
            for i in range(len(v) - 1, -1, -1):
                x = v[i]
                if item or isinstance(x, (dict, list)) or (isinstance(x, float) and not math.isfinite(x)):
                    stack.append((x, item, f"{path}[{i}]", depth + 1))
    return problems


def read_json(path: Path, what: str = "an irrkit results JSON", schema: dict[str, Any] | None = None) -> Any:
    """The JSON document of ``path``, checked (size, encoding, syntax, depth, finite numbers, the schema);
    bad input -> InputError naming the file and, for a wrong value, its JSON path."""
    from irrkit.readers.files import read_bytes

    name = str(path)
    if path.is_dir():
        raise InputError.single(name, f"is a folder; give {what}")
    data = read_bytes(path, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError.single(name, f"is not UTF-8 text; give {what}") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError.single(name, f"is nested deeper than {MAX_DEPTH} levels; give {what}") from None
    except json.JSONDecodeError as e:
        raise InputError.single(name, f"is not JSON ({e.msg}, column {e.colno}); give {what}", line=e.lineno) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise InputError.single(name, f"is not JSON irrkit can read ({e}); give {what}") from None
    problems = validate(doc, schema)
    if problems:
        raise InputError([InputError.single(name, p).problems[0] for p in problems])
    return doc
