"""Reading codebook YAML safely: the node tree only (no Python objects built, no anchors, aliases or custom
tags, a nesting limit), and :class:`NodeChecker`, which reads nodes and collects every problem with its line."""

from __future__ import annotations

import difflib
import math
import re

import yaml

from irrkit.codebooks.model import MAX_DEPTH, EpisodeItem, Gate
from irrkit.errors import InputError, Problem

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

FAST_FROM = 0  # characters from which a codebook is composed by libyaml (every one; tests set it high)
_C_DEPTH = 1000  # bound on the nesting libyaml's (recursive) composer is given
# an anchor, alias or tag may start where a token starts: "&", "*" or "!" there, not followed by a space (so
# "Bland & Altman" in a text is none; "!" inside a word neither); anything more in doubt takes the Python composer
_PROPERTY = re.compile(r"(?:^|[\s\[\]{},])[&*!][^\s]", re.MULTILINE)
_COMPACT = re.compile(r"(?:^|\s)[-?](?=\s|$)|:(?=\s|$)")  # block indicators that open a level on one line


def compose(text: str) -> tuple[_Node | None, list[tuple[int, str]]]:
    """The node tree of a codebook and its tag problems (line, message). :class:`CodebookLoader` (PyYAML's
    Python composer, every rule checked as each node is made) is exact but composes about 20,000 nodes a
    second (0.1 s for the demo's codebooks, 6 s for 100,000 categories); a codebook without any of the characters
    of anchors, aliases and explicit tags (``&``, ``*``, ``!``) and with a nesting bound well below C stack
    limits is composed by libyaml (``yaml.CSafeLoader``) instead, when PyYAML has it, and the same rules are
    applied to the finished tree (nesting depth, core tags; the same nodes, marks and line numbers). Any
    doubt (a YAML error, too deep) falls back to the Python composer, whose message is the one shown."""
    if len(text) >= FAST_FROM and hasattr(yaml, "CSafeLoader") and _plain(text):
        loader = yaml.CSafeLoader(text)
        try:
            root = loader.get_single_node()
        except yaml.YAMLError:
            root = False
        finally:
            loader.dispose()
        if root is not False:
            problems = _tree_rules(root)
            if problems is not None:
                return root, problems
    loader = CodebookLoader(text)
    try:
        return loader.get_single_node(), loader.tag_problems
    finally:
        loader.dispose()


def _plain(text: str) -> bool:
    """No anchor, alias or tag (:data:`_PROPERTY`), and a bound on the nesting below _C_DEPTH: flow brackets
    in all, plus per line twice its indentation and its block indicators (a block collection nests by
    indentation, a compact indicator, or a sequence at its key's indentation)."""
    if ("&" in text or "*" in text or "!" in text) and _PROPERTY.search(text):
        return False
    flow = text.count("[") + text.count("{")
    if flow >= _C_DEPTH:
        return False
    block = 0
    for line in text.splitlines():
        body = line.lstrip(" ")
        if body:
            block = max(block, 2 * (len(line) - len(body) + len(_COMPACT.findall(body)) + 1))
    return flow + block < _C_DEPTH


def _tree_rules(root: _Node | None) -> list[tuple[int, str]] | None:
    """The rules :class:`CodebookLoader` applies while composing, on a finished tree: None when it nests
    deeper than MAX_DEPTH (the careful composer then says so), else the tag problems in the order it finds
    them (each node after its children), non-core scalar tags read as text."""
    problems: list[tuple[int, str]] = []
    if root is None:
        return problems
    stack: list[tuple[_Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            return None
        if not done:
            stack.append((node, depth, True))
            if isinstance(node, yaml.SequenceNode):
                stack.extend((c, depth + 1, False) for c in reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                stack.extend((c, depth + 1, False) for kv in reversed(node.value) for c in reversed(kv))
            continue
        if node.tag not in _SAFE_TAGS:
            shown = node.tag.replace(_T, "!!")
            problems.append((node.start_mark.line + 1, f"tag '{shown}' is not allowed: codebooks are loaded "
                             "safely (text, numbers, lists and mappings only)"))
            node.tag = _STR if isinstance(node, yaml.ScalarNode) else node.tag
    return problems


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


class NodeChecker:
    """Collects every problem of a codebook while its YAML nodes are read: each reader below checks one kind of
    node (a mapping with known keys, a text, a number, a choice) and notes what is wrong with its line."""

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
