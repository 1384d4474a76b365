"""Codebook model and loader: a coding system's items, their level, their codes or scale, and gates.

``load_codebook(path)`` / ``parse_codebook(text, name)`` read YAML *safely* (node tree only, no object
construction) and report every problem at once as one ``InputError`` of ``file:line: message`` lines.

Format (UTF-8 YAML, at most 5 MB, one document; no anchors/aliases; no tags but the YAML core types)::

    id: my-codebook                   # required: letters, digits, '.', '_', '-'
    title: Free text                  # optional, like version and source (a citation)
    version: "1.0"
    source: Author (2024). Title. Journal, 1(1), 1-10.
    unit_column: unit                 # column naming the rated unit   (default "unit")
    coder_column: coder               # column naming the coder        (default "coder")
    missing: ["", NA, N/A, "-", "."]  # tokens meaning a missing rating (default: these and "na")
    items:                            # required, non-empty list
      - id: pause                     # required: a letter, then letters, digits, '_' or '-'; unique
        label: Pause                  # optional short name
        definition: An intentional pause emerges.   # optional
        level: ordinal                # required: nominal | ordinal | interval | ratio
        categories:                   # EITHER categories: at least 2, unique codes, listed in order
          - {code: 0, label: absent, definition: Not observed.}   # code int or str, kept as str ("0")
          - {code: 1, label: present}                             # a bare code (- 1) is also accepted
        scale: {min: 1, max: 7, step: 1, anchors: {1: never, 7: always}}  # OR a scale (min < max;
                                      #   step optional, > 0, dividing max - min; anchors on the scale)
        primary: gwet_ac2             # optional statistic key (default: by level)
        weights: ordinal              # optional: identity|linear|quadratic|ordinal|radical|ratio|circular|
                                      #   bipolar -- or weight_matrix: q x q values in [0, 1], diagonal 1
        gate: {gwet_ac2: 0.6}         # optional: statistic: minimum, or [{statistic, minimum}]
    gate:                             # optional: statistic: minimum (all items),
      krippendorff_alpha: 0.667       #   or [{statistic, minimum, item (optional)}]

Rules: nominal items need categories; interval/ratio categories need numeric codes (ratio: >= 0);
ordinal items need categories in order (numeric codes monotone) or a scale; ICC is not a primary
statistic for nominal items; gate minimums are numbers in [-1, 1]; statistic keys are STATISTIC_KEYS.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from irrkit.codebooks import bundled_or_missing
from irrkit.errors import InputError, Problem
from irrkit.statistics import registry

LEVELS = ("nominal", "ordinal", "interval", "ratio")
STATISTIC_KEYS = registry.gateable()  # the statistics an item's gate or primary may name
WEIGHTS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")
TOP_KEYS = ("id", "title", "version", "source", "unit_column", "coder_column", "missing", "items", "gate")
ITEM_KEYS = ("id", "label", "definition", "level", "categories", "scale", "primary", "weights",
             "weight_matrix", "gate")
CATEGORY_KEYS = ("code", "label", "definition")
SCALE_KEYS = ("min", "max", "step", "anchors")
GATE_KEYS = ("statistic", "minimum", "item")
EPISODE_KEYS = ("id", "kind", "label", "definition", "categories", "overlap", "step", "tolerance", "match",
                "lengths", "primary", "gate")
EPISODE_STATISTIC_KEYS = registry.gateable(registry.EPISODES)
MATCH_RULES = ("onset", "overlap")
MAX_BYTES = 5 * 1024 * 1024  # codebooks larger than this are refused
MAX_DEPTH = 20  # YAML nesting limit
MAX_GRID = 10_000  # most admissible values of a stepped scale
MAX_LENGTH_S = 10**9  # longest recording length (s): its milliseconds stay within the time model's range


@dataclass(frozen=True)
class Category:
    code: str  # canonical code as written in the codebook, e.g. "1" or "addressing"
    label: str = ""
    definition: str = ""


@dataclass(frozen=True)
class Scale:
    min: float
    max: float
    step: float | None = None  # None: continuous
    anchors: dict[float, str] = field(default_factory=dict)

    def grid(self) -> tuple[float, ...]:
        """The admissible values when the scale has a step, else ()."""
        if not self.step:
            return ()
        n = int(round((self.max - self.min) / self.step))
        return tuple(round(self.min + i * self.step, 10) for i in range(n + 1))


@dataclass(frozen=True)
class Gate:
    statistic: str  # a coefficient key, e.g. "gwet_ac1", "icc2"
    minimum: float
    item: str | None = None  # None: all items


def analysis_weights(level: str, weights: str | None, matrix: object | None) -> str:
    """The weights an item's analysis uses: custom with a weight matrix, identity for a nominal item, else its
    weights or its level's default."""
    if matrix is not None:
        return "custom"
    if level == "nominal":
        return "identity"
    return weights or registry.DEFAULT_WEIGHTS.get(level, "identity")


@dataclass(frozen=True)
class Item:
    id: str
    label: str = ""
    definition: str = ""
    level: str = "nominal"
    categories: tuple[Category, ...] = ()
    scale: Scale | None = None
    primary: str | None = None  # primary statistic key; default by level
    weights: str | None = None  # weight name for AC2 & co.; default by level
    weight_matrix: tuple[tuple[float, ...], ...] | None = None  # custom weights (q x q)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category_values(self) -> tuple[float, ...]:
        """Numeric value of each category: the code itself if every code is a number, else its rank 1..q."""
        try:
            return tuple(float(c) for c in self.codes)
        except ValueError:
            return tuple(float(i + 1) for i in range(len(self.categories)))

    def default_primary(self) -> str:
        if self.primary:
            return self.primary
        return "fleiss_kappa" if self.level == "nominal" else "icc2"

    def default_weights(self) -> str:
        if self.weights:
            return self.weights
        defaults = {"nominal": "identity", "ordinal": "quadratic", "interval": "quadratic", "ratio": "ratio"}
        return defaults[self.level]


@dataclass(frozen=True)
class EpisodeItem:
    """A time-coded item (``kind: episodes``): coders mark where episodes of its codes begin and end."""

    id: str
    categories: tuple[Category, ...]
    label: str = ""
    definition: str = ""
    overlap: bool = False  # may one coder's episodes overlap (then one analysis per code)?
    step: float = 1.0  # seconds: the time unit of time-based agreement
    tolerance: float = 2.0  # seconds: tolerance window (time-based and event matching)
    match: str = "onset"  # event matching rule: onset | overlap
    lengths: tuple[tuple[str, float], ...] = ()  # (video, recording length in seconds)
    primary: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def spec(self):  # -> reliability.timecode.EpisodeSpec (imported here: the codebook stays light)
        from irrkit.episodes.timecode import EpisodeSpec

        return EpisodeSpec(self.id, self.codes, tuple(c.label for c in self.categories), self.overlap, self.step,
                           self.tolerance, dict(self.lengths), self.primary)


@dataclass(frozen=True)
class Codebook:
    id: str
    title: str = ""
    version: str = ""
    source: str = ""
    unit_column: str = "unit"
    coder_column: str = "coder"
    missing: tuple[str, ...] = ("", "NA", "na", "N/A", "-", ".")
    items: tuple[Item, ...] = ()
    gates: tuple[Gate, ...] = ()
    path: Path | None = None
    episodes: tuple[EpisodeItem, ...] = ()  # time-coded items (kind: episodes), kept apart from rated items
    episode_gates: tuple[Gate, ...] = ()

    def item(self, item_id: str) -> Item | None:
        for it in self.items:
            if it.id == item_id:
                return it
        return None


# --------------------------------------------------------------------------------------------- loading

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_T + t for t in ("str", "int", "float", "bool", "null"))
_SAFE_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _T + "timestamp", _T + "map", _T + "seq"}
_CTOR = yaml.constructor.SafeConstructor()
_ITEM_ID = re.compile(r"[^\W\d_][\w-]{0,63}\Z")  # letters of any script (intensität), digits, _ and -
_ZERO_PADDED = re.compile(r"0[0-9_]+")  # plain 010, 007: YAML 1.1 octal, zero-padded codes to coders
_CODEBOOK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_Node = yaml.Node


class _Refused(yaml.MarkedYAMLError):
    """A YAML feature codebooks do not allow (alias, anchor, deep nesting)."""


class CodebookLoader(yaml.SafeLoader):
    """Composes the node tree only (every node keeps ``start_mark``); never constructs Python objects.

    Refuses anchors/aliases and nesting deeper than MAX_DEPTH; records non-core tags in ``tag_problems``
    (line, message) and reads such nodes as plain strings.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.tag_problems: list[tuple[int, str]] = []

    def compose_node(self, parent: _Node | None, index: object) -> _Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(problem="aliases are not allowed in codebooks", problem_mark=event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused(problem="anchors (&name) and aliases are not allowed in codebooks",
                           problem_mark=event.start_mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=event.start_mark)
        node = super().compose_node(parent, index)
        self.depth -= 1
        if node.tag not in _SAFE_TAGS:
            shown = node.tag.replace(_T, "!!")
            self.tag_problems.append((node.start_mark.line + 1, f"tag '{shown}' is not allowed: codebooks "
                                      "are loaded safely (text, numbers, lists and mappings only)"))
            node.tag = _STR if isinstance(node, yaml.ScalarNode) else node.tag
        return node


def load_codebook(path: str | Path) -> Codebook:
    """Read, check and return the codebook at ``path`` (or the bundled one of that name, e.g. ``crying-forms``);
    InputError lists every problem as file:line."""
    p, name = Path(path), str(path)
    if not p.exists():
        p = bundled_or_missing(name)  # a bundled codebook by name ("crying-forms"), else the error naming them
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InputError.single(name, f"cannot read codebook: {e.strerror or e}") from None
    return replace(parse_codebook(data, name), path=p)


def parse_codebook(text: str | bytes, name: str = "<codebook>") -> Codebook:
    """Parse and check codebook YAML (str, or bytes that must be UTF-8); ``name`` labels the problems."""
    if len(text) > MAX_BYTES or (isinstance(text, str) and len(text.encode("utf-8", "replace")) > MAX_BYTES):
        limit = f"{MAX_BYTES / 2**20:g} MB" if MAX_BYTES >= 2**20 else f"{MAX_BYTES} bytes"
        raise InputError.single(name, f"codebook is larger than {limit}, the limit for codebooks")
    if isinstance(text, bytes):
        text = _decode(text, name)
    if not text.strip():
        raise InputError.single(name, "the codebook is empty")
    loader = None
    try:
        loader = CodebookLoader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        raise InputError([_yaml_problem(name, e)]) from None
    except yaml.YAMLError as e:  # ReaderError: a character YAML does not allow
        pos = getattr(e, "position", 0)
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        char = getattr(e, "character", None)
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        msg = f"character {shown} at column {col} is not allowed in YAML"
        raise InputError.single(name, msg, line) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise InputError.single(name, "the codebook is empty (only comments)")
    return _Checker(name, loader.tag_problems).codebook(root)


def _yaml_problem(name: str, e: yaml.MarkedYAMLError) -> Problem:
    """A YAML error as file:line with the column in the message."""
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    msg = e.problem or e.context or "invalid YAML"
    if isinstance(e, _Refused):
        return Problem(name, msg, line)
    if e.context and e.context_mark:
        ctx = f"{e.context} (line {e.context_mark.line + 1})"
        msg = f"{ctx}, {msg}" if msg.startswith("but ") else f"{msg} ({ctx})"
    hint = " (indent with spaces, not tabs)" if "'\\t'" in msg else ""
    return Problem(name, f"YAML syntax error, column {col}: {msg}{hint}", line)


def _decode(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError.single(name, "codebook is UTF-16 (or UTF-32) encoded; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError.single(name, f"codebook is not UTF-8 text (byte 0x{data[e.start]:02x}); "
                                "save it as UTF-8", line) from None


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line(node: _Node) -> int:
    return node.start_mark.line + 1


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else f"{x:g}"


def _to_float(s: str) -> float | None:
    """The finite number a text spells ("1", "-0.5", "1e3"), else None."""
    try:
        x = float(s) if "_" not in s else math.nan
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _number(node: _Node, strings: bool = False) -> float | None:
    """The finite number a scalar node holds (YAML int/float; numeric text if ``strings``), else None."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        if node.tag == _INT:
            x = float(_CTOR.construct_yaml_int(node))
        elif node.tag == _FLOAT:
            x = _CTOR.construct_yaml_float(node)
        else:
            return _to_float(node.value) if strings and node.tag == _STR else None
    except (ValueError, OverflowError, IndexError):  # IndexError: an explicit !!int "" or !!float ""
        return None
    return x if math.isfinite(x) else None


def _describe(node: _Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    value = str(node.value)
    return f"'{value if len(value) <= 40 else value[:37] + '...'}'"


class _Checker:
    """Walks the node tree collecting every problem; ``codebook`` raises one InputError if there are any."""

    def __init__(self, name: str, tag_problems: list[tuple[int, str]]) -> None:
        self.name = name
        self.problems = [Problem(name, msg, line) for line, msg in tag_problems]
        self.item_gates: list[Gate] = []
        self.episode_items: list[EpisodeItem] = []
        self.episode_gates: list[Gate] = []

    def err(self, where: _Node | int, msg: str) -> None:
        self.problems.append(Problem(self.name, msg, where if isinstance(where, int) else _line(where)))

    def mapping(self, node: _Node, keys: tuple[str, ...] | None, what: str) -> dict[str, tuple[_Node, _Node]]:
        """Key -> (key node, value node); reports a non-mapping, non-scalar, duplicate and unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            self.err(node, f"{what}must be a mapping (key: value), not {_describe(node)}")
            return {}
        out: dict[str, tuple[_Node, _Node]] = {}
        first: dict[str, int] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.err(k, f"{what}keys must be plain names, not {_describe(k)}")
            elif k.value in first:
                self.err(k, f"{what}duplicate key '{k.value}' (first at line {first[k.value]})")
            else:
                first[k.value] = _line(k)
                if keys is None or k.value in keys:
                    out[k.value] = (k, v)
                else:
                    hint = _suggest(k.value, keys) or f" (valid keys: {', '.join(keys)})"
                    self.err(k, f"{what}unknown key '{k.value}'{hint}")
        return out

    def require(self, node: _Node, m: dict[str, tuple[_Node, _Node]], key: str, what: str, hint: str = "",
                ) -> bool:
        if key not in m:
            self.err(node, f"{what}missing required key '{key}'{hint}")
        return key in m

    def text(self, node: _Node, what: str) -> str:
        """A scalar's text as written (1.10 stays "1.10", no stays "no"); null -> ""."""
        if not isinstance(node, yaml.ScalarNode):
            self.err(node, f"{what} must be text, not {_describe(node)}")
            return ""
        return "" if node.tag == _NULL else node.value.strip()

    def opt_text(self, m: dict[str, tuple[_Node, _Node]], key: str, what: str) -> str:
        return self.text(m[key][1], f"{what}'{key}'") if key in m else ""

    def number(self, node: _Node, what: str) -> float | None:
        x = _number(node)
        if x is None:
            self.err(node, f"{what} must be a finite number, not {_describe(node)}")
        return x

    def choice(self, kv: tuple[_Node, _Node] | None, valid: tuple[str, ...], what: str) -> str | None:
        if kv is None:
            return None
        value = self.text(kv[1], what)
        if value in valid:
            return value
        if isinstance(kv[1], yaml.ScalarNode):
            self.err(kv[1], f"{what} '{value}' is not one of {', '.join(valid)}{_suggest(value, valid)}")
        return None

    def codebook(self, root: _Node) -> Codebook:
        if not isinstance(root, yaml.MappingNode):
            self.err(root, f"the top level must be a mapping (id: ..., items: ...), not {_describe(root)}")
            raise InputError(self.problems)
        m = self.mapping(root, TOP_KEYS, "")
        cb_id = ""
        if self.require(root, m, "id", ""):
            cb_id = self.text(m["id"][1], "'id'")
            if not _CODEBOOK_ID.match(cb_id) and isinstance(m["id"][1], yaml.ScalarNode):
                self.err(m["id"][1], f"codebook id '{cb_id}' must be letters, digits, '.', '_' or '-'")
        fields: dict = {k: self.opt_text(m, k, "") for k in ("title", "version", "source") if k in m}
        for k in ("unit_column", "coder_column"):
            if k in m:
                fields[k] = self.opt_text(m, k, "")
                if not fields[k]:
                    self.err(m[k][1], f"'{k}' must not be empty")
        cols = (fields.get("unit_column", "unit"), fields.get("coder_column", "coder"))
        if cols[0] == cols[1]:
            self.err(m.get("coder_column", m.get("unit_column", (root, root)))[1],
                     "unit_column and coder_column must differ")
        if "missing" in m:
            node = m["missing"][1]
            if isinstance(node, yaml.SequenceNode):
                fields["missing"] = tuple(self.text(t, "a 'missing' token") for t in node.value)
            else:
                self.err(node, f"'missing' must be a list of tokens, not {_describe(node)}")
        items: list[Item] = []
        ids: dict[str, int] = {}
        if self.require(root, m, "items", "", " (a non-empty list)"):
            node = m["items"][1]
            if not isinstance(node, yaml.SequenceNode) or not node.value:
                got = "an empty list" if isinstance(node, yaml.SequenceNode) else _describe(node)
                self.err(node, f"'items' must be a non-empty list of items, not {got}")
            else:
                items = [it for i, n in enumerate(node.value) if (it := self.item(n, i, ids, cols))]
        levels = {it.id: (it.level, analysis_weights(it.level, it.weights, it.weight_matrix)) for it in items}
        gates = self.gates(m["gate"][1], "gate: ", None, ids, levels=levels) if "gate" in m else []
        if self.problems:
            self.problems.sort(key=lambda p: p.line or 0)
            raise InputError(self.problems)
        return Codebook(id=cb_id, **fields, items=tuple(items), gates=tuple(gates + self.item_gates),
                        episodes=tuple(self.episode_items), episode_gates=tuple(self.episode_gates))

    def item(self, node: _Node, index: int, ids: dict[str, int], cols: tuple[str, str]) -> Item | None:
        what = f"item {index + 1}: "
        if isinstance(node, yaml.MappingNode):  # name the item by its id in every message, if it has one
            what = next((f"item '{v.value}': " for k, v in node.value if isinstance(k, yaml.ScalarNode)
                         and k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value), what)
        if isinstance(node, yaml.MappingNode) and any(isinstance(k, yaml.ScalarNode) and k.value == "kind"
                                                      for k, _ in node.value):
            self.episode_item(node, what, ids, cols)
            return None
        m = self.mapping(node, ITEM_KEYS, what)
        if not isinstance(node, yaml.MappingNode):
            return None
        iid = ""
        if self.require(node, m, "id", what):
            id_node = m["id"][1]
            iid = unicodedata.normalize("NFC", self.text(id_node, f"{what}'id'"))
            if not isinstance(id_node, yaml.ScalarNode):
                pass
            elif not _ITEM_ID.match(iid):
                self.err(id_node, f"{what}id must start with a letter and hold only letters, digits, '_' or "
                         "'-' (at most 64)")
            elif iid in ids:
                self.err(id_node, f"duplicate item id '{iid}' (first at line {ids[iid]})")
            elif iid in cols:
                self.err(id_node, f"{what}the item id clashes with the unit or coder column name")
            else:
                ids[iid] = _line(id_node)
        level = ""
        if self.require(node, m, "level", what, f" (one of {', '.join(LEVELS)})"):
            level = self.text(m["level"][1], f"{what}'level'")
            if level not in LEVELS and isinstance(m["level"][1], yaml.ScalarNode):
                self.err(m["level"][1], f"{what}level '{level}' is not one of {', '.join(LEVELS)}"
                         f"{_suggest(level, LEVELS)}")
        cats: tuple[Category, ...] = ()
        scale = None
        if "categories" in m and "scale" in m:
            self.err(m["scale"][0], f"{what}give either 'categories' or 'scale', not both")
        elif "categories" in m:
            cats = self.categories(m["categories"], what, level)
        elif "scale" in m:
            scale = self.scale(m["scale"], what, level)
        elif level == "ordinal":
            self.err(node, f"{what}an ordinal item needs its categories listed in order ('categories') "
                     "or a 'scale'")
        else:
            self.err(node, f"{what}needs 'categories' (a list of codes) or a 'scale' (min, max)")
        primary = self.choice(m.get("primary"), STATISTIC_KEYS, f"{what}primary statistic")
        if primary and primary.startswith("icc") and level == "nominal":
            self.err(m["primary"][1], f"{what}{primary} is not defined for a nominal item")
        weights = self.choice(m.get("weights"), WEIGHTS, f"{what}weights")
        matrix = None
        if "weight_matrix" in m:
            if "weights" in m:
                self.err(m["weight_matrix"][0], f"{what}give either 'weights' or 'weight_matrix', not both")
            q = len(cats) or (len(scale.grid()) if scale else 0)
            matrix = self.matrix(m["weight_matrix"][1], q, what)
        if "gate" in m:
            levels = {iid: (level, analysis_weights(level, weights, matrix))} if level in LEVELS else {}
            self.item_gates += self.gates(m["gate"][1], f"{what}gate: ", iid, None, levels=levels)
        return Item(id=iid, label=self.opt_text(m, "label", what),
                    definition=self.opt_text(m, "definition", what),
                    level=level if level in LEVELS else "nominal", categories=cats, scale=scale,
                    primary=primary, weights=weights, weight_matrix=matrix)

    def categories(self, kv: tuple[_Node, _Node], what: str, level: str, least: int = 2) -> tuple[Category, ...]:
        key, node = kv
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, f"{what}'categories' must be a list, not {_describe(node)}")
            return ()
        cats: list[Category] = []
        first: dict[object, int] = {}
        for i, c in enumerate(node.value):
            cw = f"{what}category {i + 1}: "
            if isinstance(c, yaml.ScalarNode):  # a bare code
                code, label, definition = self.code(c, cw), "", ""
            else:
                cm = self.mapping(c, CATEGORY_KEYS, cw)
                if not isinstance(c, yaml.MappingNode) or not self.require(c, cm, "code", cw):
                    continue
                code = self.code(cm["code"][1], cw)
                label, definition = self.opt_text(cm, "label", cw), self.opt_text(cm, "definition", cw)
            value = _to_float(code)
            canon = code if value is None else value
            if not code:
                continue
            if canon in first:
                self.err(c, f"{what}duplicate category code '{code}' (first at line {first[canon]})")
                continue
            first[canon] = _line(c)
            cats.append(Category(code, label, definition))
        if len(node.value) < least:
            self.err(key, f"{what}a categorical item needs at least {least} categories, found {len(node.value)}")
        values = [_to_float(c.code) for c in cats]
        nums = [v for v in values if v is not None]
        if level in ("interval", "ratio") and len(nums) < len(values):
            bad = next(c.code for c, v in zip(cats, values, strict=True) if v is None)
            self.err(key, f"{what}{level} items need numeric category codes ('{bad}' is not a number); "
                     "use level ordinal or nominal")
        if level == "ratio" and any(v < 0 for v in nums):
            self.err(key, f"{what}ratio items need category codes >= 0")
        ups = {b > a for a, b in zip(nums, nums[1:], strict=False)}
        if level == "ordinal" and len(nums) == len(values) and len(ups) > 1:
            self.err(key, f"{what}ordinal categories must be listed in order, but the numeric codes go up "
                     f"and down ({', '.join(c.code for c in cats)})")
        return tuple(cats)

    def code(self, node: _Node, what: str) -> str:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT and _ZERO_PADDED.fullmatch(node.value):
            return node.value  # 010 stays "010" (YAML 1.1 would read the octal 8): codes are kept as written
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT and (x := _number(node)) is not None:
            return str(int(x)) if abs(x) < 2**53 else node.value  # 1, +1, 0x1 -> "1"
        code = self.text(node, f"{what}code")
        if not code and isinstance(node, yaml.ScalarNode):
            self.err(node, f"{what}code must not be empty")
        return code

    def scale(self, kv: tuple[_Node, _Node], what: str, level: str) -> Scale | None:
        key, node = kv
        sw = f"{what}scale: "
        m = self.mapping(node, SCALE_KEYS, sw)
        if not isinstance(node, yaml.MappingNode):
            return None
        if level == "nominal":
            self.err(key, f"{what}a nominal item needs 'categories', not a 'scale'")
        lo = self.number(m["min"][1], f"{sw}min") if self.require(node, m, "min", sw) else None
        hi = self.number(m["max"][1], f"{sw}max") if self.require(node, m, "max", sw) else None
        if lo is None or hi is None:
            return None
        if lo >= hi:
            self.err(m["max"][1], f"{sw}min ({_fmt(lo)}) must be less than max ({_fmt(hi)})")
            return None
        if level == "ratio" and lo < 0:
            self.err(m["min"][1], f"{sw}a ratio scale cannot go below 0 (min is {_fmt(lo)})")
        step = self.number(m["step"][1], f"{sw}step") if "step" in m else None
        if step is not None:
            n = (hi - lo) / step if step > 0 else 0.0
            if step <= 0:
                self.err(m["step"][1], f"{sw}step must be greater than 0, not {_fmt(step)}")
            elif abs(n - round(n)) > 1e-9 * max(1.0, n):
                self.err(m["step"][1], f"{sw}step {_fmt(step)} does not divide the range {_fmt(lo)} to "
                         f"{_fmt(hi)}")
            elif n + 1 > MAX_GRID:
                self.err(m["step"][1], f"{sw}step {_fmt(step)} gives more than {MAX_GRID} values; leave step "
                         "out for a continuous scale")
            else:
                return Scale(lo, hi, step, self.anchors(m.get("anchors"), sw, Scale(lo, hi, step)))
            return None
        return Scale(lo, hi, None, self.anchors(m.get("anchors"), sw, Scale(lo, hi)))

    def anchors(self, kv: tuple[_Node, _Node] | None, what: str, scale: Scale) -> dict[float, str]:
        if kv is None:
            return {}
        node, out, first = kv[1], {}, {}
        if not isinstance(node, yaml.MappingNode):
            self.err(node, f"{what}'anchors' must be a mapping (value: label), not {_describe(node)}")
            return {}
        grid = scale.grid()
        for k, v in node.value:
            x = _number(k, strings=True)
            if x is None:
                self.err(k, f"{what}anchor {_describe(k)} must be a number on the scale")
            elif x in first:
                self.err(k, f"{what}duplicate anchor {_fmt(x)} (first at line {first[x]})")
            elif not scale.min <= x <= scale.max:
                self.err(k, f"{what}anchor {_fmt(x)} is outside the scale {_fmt(scale.min)} to "
                         f"{_fmt(scale.max)}")
            elif grid and all(abs(x - g) > 1e-9 for g in grid):
                self.err(k, f"{what}anchor {_fmt(x)} is not on the scale's steps of {_fmt(scale.step or 0)}")
            else:
                first[x] = _line(k)
                out[x] = self.text(v, f"{what}anchor {_fmt(x)}")
        return out

    def matrix(self, node: _Node, q: int, what: str) -> tuple[tuple[float, ...], ...] | None:
        mw = f"{what}weight_matrix: "
        rows = node.value if isinstance(node, yaml.SequenceNode) else None
        if q < 2:
            self.err(node, f"{mw}needs categories or a scale with a step (for a q x q matrix)")
            return None
        if rows is None or len(rows) != q:
            got = _describe(node) if rows is None else f"{len(rows)} rows"
            self.err(node, f"{mw}must be a list of {q} rows of {q} weights (one per category), not {got}")
            return None
        out: list[tuple[float, ...]] = []
        for i, row in enumerate(rows):
            vals = [_number(x) for x in row.value] if isinstance(row, yaml.SequenceNode) else []
            ws = [v for v in vals if v is not None and 0 <= v <= 1]
            if len(ws) != q or len(vals) != q:
                self.err(row, f"{mw}row {i + 1} must be a list of {q} numbers between 0 and 1")
            elif ws[i] != 1:
                self.err(row, f"{mw}row {i + 1}: the diagonal weight must be 1, not {_fmt(ws[i])}")
            else:
                out.append(tuple(ws))
        return tuple(out) if len(out) == q else None

    def episode_item(self, node: _Node, what: str, ids: dict[str, int], cols: tuple[str, str]) -> None:
        """An item of ``kind: episodes`` (time-coded): codes, overlap, step, tolerance, match, lengths."""
        m = self.mapping(node, EPISODE_KEYS, what)
        kind = self.text(m["kind"][1], f"{what}'kind'")
        if kind != "episodes":
            self.err(m["kind"][1], f"{what}kind '{kind}' is not 'episodes' (rated items have no 'kind')")
            return
        iid = unicodedata.normalize("NFC", self.text(m["id"][1], f"{what}'id'")) if self.require(
            node, m, "id", what) else ""
        if iid and not _ITEM_ID.match(iid):
            self.err(m["id"][1], f"{what}id must start with a letter and hold only letters, digits, '_' or '-'")
        elif iid in ids or iid in {e.id for e in self.episode_items}:
            self.err(m["id"][1], f"duplicate item id '{iid}'")
        # one code is enough: present vs "no code" (Krippendorff 1995; Bakeman et al. 2009)
        cats = self.categories(m["categories"], what, "nominal", least=1) if self.require(
            node, m, "categories", what, " (the episode codes)") else ()
        reserved = {"no code", "nil"} & {c.code for c in cats}
        if reserved:
            self.err(m["categories"][0], f"{what}'{reserved.pop()}' is reserved (irrkit's name for no episode)")
        fields: dict = {}
        if "overlap" in m:
            v = m["overlap"][1]
            if not (isinstance(v, yaml.ScalarNode) and v.tag == _BOOL):
                self.err(v, f"{what}'overlap' must be true or false, not {_describe(v)}")
            else:
                fields["overlap"] = v.value.lower() in ("true", "yes", "on", "y")
        for key, lo in (("step", 0.001), ("tolerance", 0.0)):
            if key in m:
                x = self.number(m[key][1], f"{what}'{key}' (seconds)")
                if x is not None and not lo <= x <= 3600:
                    self.err(m[key][1], f"{what}'{key}' must be between {_fmt(lo)} and 3600 seconds, not {_fmt(x)}")
                elif x is not None:
                    fields[key] = x
        rule = self.choice(m.get("match"), MATCH_RULES, f"{what}match rule")
        if rule:
            fields["match"] = rule
        if "lengths" in m:
            lengths = []
            for k, v in self.mapping(m["lengths"][1], None, f"{what}lengths: ").values():
                x = self.number(v, f"{what}length of video '{k.value}' (seconds)")
                if x is not None and x <= 0:
                    self.err(v, f"{what}length of video '{k.value}' must be > 0 seconds")
                elif x is not None and x > MAX_LENGTH_S:
                    self.err(v, f"{what}length of video '{k.value}' must be at most {MAX_LENGTH_S:,} seconds "
                                "(about 31 years)")
                elif x is not None:
                    lengths.append((str(k.value), x))
            fields["lengths"] = tuple(lengths)
        primary = self.choice(m.get("primary"), EPISODE_STATISTIC_KEYS, f"{what}primary statistic")
        if "gate" in m:
            self.episode_gates += self.gates(m["gate"][1], f"{what}gate: ", iid, None, EPISODE_STATISTIC_KEYS)
        self.episode_items.append(EpisodeItem(iid, cats, self.opt_text(m, "label", what),
                                              self.opt_text(m, "definition", what), primary=primary, **fields))

    def gates(self, node: _Node, what: str, item: str | None, ids: dict[str, int] | None,
              keys_allowed: tuple[str, ...] = STATISTIC_KEYS,
              levels: dict[str, tuple[str, str]] | None = None) -> list[Gate]:
        """An item's gate (``item`` = its id) or the top-level gate (``ids``: item ids, for ``item:``);
        ``levels``: item id -> (level, weights), to refuse a gate on a statistic the item does not compute."""
        triples: list[tuple[_Node, _Node, _Node | None]] = []  # statistic, minimum, item nodes
        if isinstance(node, yaml.MappingNode):
            triples = [(k, v, None) for k, v in self.mapping(node, None, what).values()]
        elif isinstance(node, yaml.SequenceNode):
            keys = GATE_KEYS if ids is not None else GATE_KEYS[:2]
            for entry in node.value:
                m = self.mapping(entry, keys, what)
                if isinstance(entry, yaml.MappingNode) and all(
                        [self.require(entry, m, "statistic", what), self.require(entry, m, "minimum", what)]):
                    item_node = m["item"][1] if "item" in m else None
                    triples.append((m["statistic"][1], m["minimum"][1], item_node))
        else:
            keys_shown = "statistic, minimum, item" if ids is not None else "statistic, minimum"
            self.err(node, f"{what}must be a mapping (statistic: minimum) or a list of {{{keys_shown}}}, "
                     f"not {_describe(node)}")
        out: list[Gate] = []
        for s_node, v_node, i_node in triples:
            stat = self.text(s_node, f"{what}statistic")
            if stat not in keys_allowed and isinstance(s_node, yaml.ScalarNode):
                hint = _suggest(stat, keys_allowed) or f" (valid: {', '.join(keys_allowed)})"
                self.err(s_node, f"{what}unknown statistic '{stat}'{hint}")
            x = _number(v_node)
            if x is None or not -1 <= x <= 1:
                hint = f" (write {_fmt(x / 100)} for {_fmt(x)}%)" if x is not None and 1 < x <= 100 else ""
                self.err(v_node, f"{what}minimum for {stat} must be a number between -1 and 1, "
                         f"not {_describe(v_node)}{hint}")
            target = item
            if i_node is not None and ids is not None:
                target = self.text(i_node, f"{what}item")
                if target not in ids and isinstance(i_node, yaml.ScalarNode):
                    self.err(i_node, f"{what}unknown item '{target}'{_suggest(target, list(ids))}")
            if target is not None and levels and target in levels and stat in keys_allowed:
                lv, w = levels[target]
                if not registry.applies(stat, lv, w):
                    alt = registry.instead(stat, lv, w)
                    how = f"{lv} item '{target}'" + (f" ({w} weights)" if registry.weighted(w) else "")
                    self.err(s_node, f"{what}{stat} ({registry.name(stat)}) is not computed for {how}"
                             + (f": gate {alt} instead" if alt else "")
                             + f" (allowed: {', '.join(registry.gateable(lv, w))})")
            out.append(Gate(stat, x if x is not None else 0.0, target))
        return out


# --------------------------------------------------------------------------------------------- rendering


def codebook_to_rows(cb: Codebook) -> list[dict[str, str]]:
    """The codebook as a table for coders: per item one row (code: "" or the scale's range), then one row
    per category or scale anchor; keys item, level, code, label, definition."""
    rows: list[dict[str, str]] = []
    for it in cb.items:
        s, code = it.scale, ""
        if s is not None:
            code = f"{_fmt(s.min)} to {_fmt(s.max)}" + (f", step {_fmt(s.step)}" if s.step else "")
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
