"""The checks of a codebook's sections: the codebook itself, its items (categories, codes, scales and their
anchors, weight matrices), its time-coded episode items and its gates. Each function reads YAML nodes through a
:class:`~irrkit.codebooks.yaml_nodes.NodeChecker`, which collects every problem with its line."""

from __future__ import annotations

import unicodedata

import yaml

from irrkit.codebooks.model import (
    CATEGORY_KEYS,
    EPISODE_KEYS,
    EPISODE_STATISTIC_KEYS,
    GATE_KEYS,
    ITEM_KEYS,
    LEVELS,
    MATCH_RULES,
    MAX_GRID,
    MAX_LENGTH_S,
    MAX_SET_CODES,
    SCALE_KEYS,
    STATISTIC_KEYS,
    STUDY_KEYS,
    TOP_KEYS,
    WEIGHTS,
    Category,
    Codebook,
    EpisodeItem,
    Gate,
    Item,
    Scale,
    analysis_weights,
)
from irrkit.codebooks.yaml_nodes import (
    _BOOL,
    _CODEBOOK_ID,
    _INT,
    _ITEM_ID,
    _ZERO_PADDED,
    NodeChecker,
    _describe,
    _fmt,
    _line,
    _Node,
    _number,
    _suggest,
    _to_float,
)
from irrkit.errors import InputError
from irrkit.statistics import registry


def check_codebook(chk: NodeChecker, root: _Node) -> Codebook:
    if not isinstance(root, yaml.MappingNode):
        chk.err(root, f"the top level must be a mapping (id: ..., items: ...), not {_describe(root)}")
        raise InputError(chk.problems)
    m = chk.mapping(root, TOP_KEYS, "")
    cb_id = ""
    if chk.require(root, m, "id", ""):
        cb_id = chk.text(m["id"][1], "'id'")
        if not _CODEBOOK_ID.match(cb_id) and isinstance(m["id"][1], yaml.ScalarNode):
            chk.err(m["id"][1], f"codebook id '{cb_id}' must be letters, digits, '.', '_' or '-'")
    fields: dict = {k: chk.opt_text(m, k, "") for k in ("title", "version", "source") if k in m}
    for k in ("unit_column", "coder_column"):
        if k in m:
            fields[k] = chk.opt_text(m, k, "")
            if not fields[k]:
                chk.err(m[k][1], f"'{k}' must not be empty")
    cols = (fields.get("unit_column", "unit"), fields.get("coder_column", "coder"))
    if cols[0] == cols[1]:
        chk.err(m.get("coder_column", m.get("unit_column", (root, root)))[1],
                 "unit_column and coder_column must differ")
    if "missing" in m:
        node = m["missing"][1]
        if isinstance(node, yaml.SequenceNode):
            fields["missing"] = tuple(chk.text(t, "a 'missing' token") for t in node.value)
        else:
            chk.err(node, f"'missing' must be a list of tokens, not {_describe(node)}")
    items: list[Item] = []
    ids: dict[str, int] = {}
    if chk.require(root, m, "items", "", " (a non-empty list)"):
        node = m["items"][1]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            got = "an empty list" if isinstance(node, yaml.SequenceNode) else _describe(node)
            chk.err(node, f"'items' must be a non-empty list of items, not {got}")
        else:
            items = [it for i, n in enumerate(node.value) if (it := check_item(chk, n, i, ids, cols))]
    gone = set(fields.get("missing", Codebook.missing))
    for it in items:
        if it.multiple and it.empty in gone:
            chk.err(m["items"][1], f"item '{it.id}': its empty-set token '{it.empty}' is also a 'missing' token; "
                     "the empty set (no code applies) must differ from a missing rating")
    if "study" in m:  # the study's description: free text per key (GRRAS items the data cannot tell)
        sm = chk.mapping(m["study"][1], STUDY_KEYS, "study: ")
        fields["study"] = tuple((k, chk.opt_text(sm, k, "study: ")) for k in STUDY_KEYS if k in sm)
    levels = {it.id: (it.analysis_level, analysis_weights(it.level, it.weights, it.weight_matrix)) for it in items}
    gates = check_gates(chk, m["gate"][1], "gate: ", None, ids, levels=levels) if "gate" in m else []
    if chk.problems:
        chk.problems.sort(key=lambda p: p.line or 0)
        raise InputError(chk.problems)
    return Codebook(id=cb_id, **fields, items=tuple(items), gates=tuple(gates + chk.item_gates),
                    episodes=tuple(chk.episode_items), episode_gates=tuple(chk.episode_gates))


def check_item(chk: NodeChecker, node: _Node, index: int, ids: dict[str, int], cols: tuple[str, str]) -> Item | None:
    what = f"item {index + 1}: "
    if isinstance(node, yaml.MappingNode):  # name the item by its id in every message, if it has one
        what = next((f"item '{v.value}': " for k, v in node.value if isinstance(k, yaml.ScalarNode)
                     and k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value), what)
    if isinstance(node, yaml.MappingNode) and any(isinstance(k, yaml.ScalarNode) and k.value == "kind"
                                                  for k, _ in node.value):
        check_episode_item(chk, node, what, ids, cols)
        return None
    m = chk.mapping(node, ITEM_KEYS, what)
    if not isinstance(node, yaml.MappingNode):
        return None
    iid = ""
    if chk.require(node, m, "id", what):
        id_node = m["id"][1]
        iid = unicodedata.normalize("NFC", chk.text(id_node, f"{what}'id'"))
        if not isinstance(id_node, yaml.ScalarNode):
            pass
        elif not _ITEM_ID.match(iid):
            chk.err(id_node, f"{what}id must start with a letter and hold only letters, digits, '_' or "
                     "'-' (at most 64)")
        elif iid in ids:
            chk.err(id_node, f"duplicate item id '{iid}' (first at line {ids[iid]})")
        elif iid in cols:
            chk.err(id_node, f"{what}the item id clashes with the unit or coder column name")
        else:
            ids[iid] = _line(id_node)
    level = ""
    if chk.require(node, m, "level", what, f" (one of {', '.join(LEVELS)})"):
        level = chk.text(m["level"][1], f"{what}'level'")
        if level not in LEVELS and isinstance(m["level"][1], yaml.ScalarNode):
            chk.err(m["level"][1], f"{what}level '{level}' is not one of {', '.join(LEVELS)}"
                     f"{_suggest(level, LEVELS)}")
    cats: tuple[Category, ...] = ()
    scale = None
    if "categories" in m and "scale" in m:
        chk.err(m["scale"][0], f"{what}give either 'categories' or 'scale', not both")
    elif "categories" in m:
        cats = check_categories(chk, m["categories"], what, level)
    elif "scale" in m:
        scale = check_scale(chk, m["scale"], what, level)
    elif level == "ordinal":
        chk.err(node, f"{what}an ordinal item needs its categories listed in order ('categories') "
                 "or a 'scale'")
    else:
        chk.err(node, f"{what}needs 'categories' (a list of codes) or a 'scale' (min, max)")
    primary = chk.choice(m.get("primary"), STATISTIC_KEYS, f"{what}primary statistic")
    if primary and primary.startswith("icc") and level == "nominal":
        chk.err(m["primary"][1], f"{what}{primary} is not defined for a nominal item")
    weights = chk.choice(m.get("weights"), WEIGHTS, f"{what}weights")
    matrix = None
    if "weight_matrix" in m:
        if "weights" in m:
            chk.err(m["weight_matrix"][0], f"{what}give either 'weights' or 'weight_matrix', not both")
        q = len(cats) or (len(scale.grid()) if scale else 0)
        matrix = check_matrix(chk, m["weight_matrix"][1], q, what)
    sets = check_multiple(chk, m, what, level, cats, set(m) & {"weights", "weight_matrix"})
    if primary and sets.get("multiple") and not registry.applies(primary, registry.SETS) and not (
            primary.startswith("icc") and level == "nominal"):  # (said above)
        chk.err(m["primary"][1], f"{what}{primary} is not computed for a set-valued item (multiple: true; "
                 f"allowed: {', '.join(registry.gateable(registry.SETS))})")
    elif primary in ("masi_alpha", "jaccard_alpha") and not sets.get("multiple"):
        chk.err(m["primary"][1], f"{what}{primary} is computed for set-valued items only (multiple: true)")
    if "gate" in m:
        lv = registry.SETS if sets.get("multiple") else level
        levels = {iid: (lv, analysis_weights(level, weights, matrix))} if level in LEVELS else {}
        chk.item_gates += check_gates(chk, m["gate"][1], f"{what}gate: ", iid, None, levels=levels)
    return Item(id=iid, label=chk.opt_text(m, "label", what),
                definition=chk.opt_text(m, "definition", what),
                level=level if level in LEVELS else "nominal", categories=cats, scale=scale,
                primary=primary, weights=weights, weight_matrix=matrix, **sets)


def check_multiple(chk: NodeChecker, m: dict, what: str, level: str, cats: tuple[Category, ...],
                   weighted: set[str]) -> dict:
    """``multiple: true`` (the value is a set of codes), its ``separator`` and its ``empty`` token: a nominal item
    with categories, no weights, codes that hold neither the separator nor ';', at most MAX_SET_CODES codes."""
    out: dict = {}
    if "multiple" in m:
        v = m["multiple"][1]
        if not (isinstance(v, yaml.ScalarNode) and v.tag == _BOOL):
            chk.err(v, f"{what}'multiple' must be true or false, not {_describe(v)}")
        else:
            out["multiple"] = v.value.lower() in ("true", "yes", "on", "y")
    for key in ("separator", "empty"):
        if key in m:
            if not out.get("multiple"):
                chk.err(m[key][0], f"{what}'{key}' is for set-valued items only (multiple: true)")
            else:
                out[key] = chk.text(m[key][1], f"{what}'{key}'").strip()
    if not out.get("multiple"):
        return out
    key_node = m["multiple"][0]
    if level != "nominal":
        chk.err(key_node, f"{what}multiple: true needs level nominal (a set of codes), not '{level}'")
    if not cats:
        chk.err(key_node, f"{what}multiple: true needs 'categories' (the codes a set is made of)")
    if len(cats) > MAX_SET_CODES:
        chk.err(key_node, f"{what}a set-valued item may have at most {MAX_SET_CODES} codes, not {len(cats)}")
    for k in sorted(weighted):
        chk.err(m[k][0], f"{what}'{k}' does not apply to a set-valued item (its distances are MASI and Jaccard)")
    sep = out.get("separator", "|")
    if len(sep) != 1 or sep.isalnum() or sep in "_-.,\"":
        chk.err(m["separator"][1], f"{what}separator must be one character that is not a letter, digit, "
                 f"'_', '-', '.', ',' or a quote, such as '|' or '+' (not '{sep}')")
    empty = out.get("empty", "none")
    if not empty:
        chk.err(m["empty"][1], f"{what}'empty' (the cell for 'no code applies') must not be empty: a blank cell "
                 "is a missing rating")
    for c in cats:
        bad = [ch for ch in dict.fromkeys((sep, ";")) if ch in c.code]
        if bad:
            chk.err(key_node, f"{what}code '{c.code}' holds '{bad[0]}', which separates the codes of a set")
        if c.code.casefold() == empty.casefold():
            chk.err(m.get("empty", (key_node,))[0], f"{what}'{empty}' is a code and the empty-set token; give "
                     "another 'empty:' token (the cell meaning no code applies)")
    return out


def check_categories(chk: NodeChecker, kv: tuple[_Node, _Node], what: str, level: str, least: int = 2
                     ) -> tuple[Category, ...]:
    key, node = kv
    if not isinstance(node, yaml.SequenceNode):
        chk.err(node, f"{what}'categories' must be a list, not {_describe(node)}")
        return ()
    cats: list[Category] = []
    first: dict[object, int] = {}
    for i, c in enumerate(node.value):
        cw = f"{what}category {i + 1}: "
        if isinstance(c, yaml.ScalarNode):  # a bare code
            code, label, definition = check_code(chk, c, cw), "", ""
        else:
            cm = chk.mapping(c, CATEGORY_KEYS, cw)
            if not isinstance(c, yaml.MappingNode) or not chk.require(c, cm, "code", cw):
                continue
            code = check_code(chk, cm["code"][1], cw)
            label, definition = chk.opt_text(cm, "label", cw), chk.opt_text(cm, "definition", cw)
        value = _to_float(code)
        canon = code if value is None else value
        if not code:
            continue
        if canon in first:
            chk.err(c, f"{what}duplicate category code '{code}' (first at line {first[canon]})")
            continue
        first[canon] = _line(c)
        cats.append(Category(code, label, definition))
    if len(node.value) < least:
        chk.err(key, f"{what}a categorical item needs at least {least} categories, found {len(node.value)}")
    values = [_to_float(c.code) for c in cats]
    nums = [v for v in values if v is not None]
    if level in ("interval", "ratio") and len(nums) < len(values):
        bad = next(c.code for c, v in zip(cats, values, strict=True) if v is None)
        chk.err(key, f"{what}{level} items need numeric category codes ('{bad}' is not a number); "
                 "use level ordinal or nominal")
    if level == "ratio" and any(v < 0 for v in nums):
        chk.err(key, f"{what}ratio items need category codes >= 0")
    ups = {b > a for a, b in zip(nums, nums[1:], strict=False)}
    if level == "ordinal" and len(nums) == len(values) and len(ups) > 1:
        chk.err(key, f"{what}ordinal categories must be listed in order, but the numeric codes go up "
                 f"and down ({', '.join(c.code for c in cats)})")
    return tuple(cats)


def check_code(chk: NodeChecker, node: _Node, what: str) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag == _INT and _ZERO_PADDED.fullmatch(node.value):
        return node.value  # 010 stays "010" (YAML 1.1 would read the octal 8): codes are kept as written
    if isinstance(node, yaml.ScalarNode) and node.tag == _INT and (x := _number(node)) is not None:
        return str(int(x)) if abs(x) < 2**53 else node.value  # 1, +1, 0x1 -> "1"
    code = chk.text(node, f"{what}code")
    if not code and isinstance(node, yaml.ScalarNode):
        chk.err(node, f"{what}code must not be empty")
    return code


def check_scale(chk: NodeChecker, kv: tuple[_Node, _Node], what: str, level: str) -> Scale | None:
    key, node = kv
    sw = f"{what}scale: "
    m = chk.mapping(node, SCALE_KEYS, sw)
    if not isinstance(node, yaml.MappingNode):
        return None
    if level == "nominal":
        chk.err(key, f"{what}a nominal item needs 'categories', not a 'scale'")
    lo = chk.number(m["min"][1], f"{sw}min") if chk.require(node, m, "min", sw) else None
    hi = chk.number(m["max"][1], f"{sw}max") if chk.require(node, m, "max", sw) else None
    if lo is None or hi is None:
        return None
    if lo >= hi:
        chk.err(m["max"][1], f"{sw}min ({_fmt(lo)}) must be less than max ({_fmt(hi)})")
        return None
    if level == "ratio" and lo < 0:
        chk.err(m["min"][1], f"{sw}a ratio scale cannot go below 0 (min is {_fmt(lo)})")
    step = chk.number(m["step"][1], f"{sw}step") if "step" in m else None
    if step is not None:
        n = (hi - lo) / step if step > 0 else 0.0
        if step <= 0:
            chk.err(m["step"][1], f"{sw}step must be greater than 0, not {_fmt(step)}")
        elif abs(n - round(n)) > 1e-9 * max(1.0, n):
            chk.err(m["step"][1], f"{sw}step {_fmt(step)} does not divide the range {_fmt(lo)} to "
                     f"{_fmt(hi)}")
        elif n + 1 > MAX_GRID:
            chk.err(m["step"][1], f"{sw}step {_fmt(step)} gives more than {MAX_GRID} values; leave step "
                     "out for a continuous scale")
        else:
            return Scale(lo, hi, step, check_anchors(chk, m.get("anchors"), sw, Scale(lo, hi, step)))
        return None
    return Scale(lo, hi, None, check_anchors(chk, m.get("anchors"), sw, Scale(lo, hi)))


def check_anchors(chk: NodeChecker, kv: tuple[_Node, _Node] | None, what: str, scale: Scale) -> dict[float, str]:
    if kv is None:
        return {}
    node, out, first = kv[1], {}, {}
    if not isinstance(node, yaml.MappingNode):
        chk.err(node, f"{what}'anchors' must be a mapping (value: label), not {_describe(node)}")
        return {}
    grid = scale.grid()
    for k, v in node.value:
        x = _number(k, strings=True)
        if x is None:
            chk.err(k, f"{what}anchor {_describe(k)} must be a number on the scale")
        elif x in first:
            chk.err(k, f"{what}duplicate anchor {_fmt(x)} (first at line {first[x]})")
        elif not scale.min <= x <= scale.max:
            chk.err(k, f"{what}anchor {_fmt(x)} is outside the scale {_fmt(scale.min)} to "
                     f"{_fmt(scale.max)}")
        elif grid and all(abs(x - g) > 1e-9 for g in grid):
            chk.err(k, f"{what}anchor {_fmt(x)} is not on the scale's steps of {_fmt(scale.step or 0)}")
        else:
            first[x] = _line(k)
            out[x] = chk.text(v, f"{what}anchor {_fmt(x)}")
    return out


def check_matrix(chk: NodeChecker, node: _Node, q: int, what: str) -> tuple[tuple[float, ...], ...] | None:
    mw = f"{what}weight_matrix: "
    rows = node.value if isinstance(node, yaml.SequenceNode) else None
    if q < 2:
        chk.err(node, f"{mw}needs categories or a scale with a step (for a q x q matrix)")
        return None
    if rows is None or len(rows) != q:
        got = _describe(node) if rows is None else f"{len(rows)} rows"
        chk.err(node, f"{mw}must be a list of {q} rows of {q} weights (one per category), not {got}")
        return None
    out: list[tuple[float, ...]] = []
    for i, row in enumerate(rows):
        vals = [_number(x) for x in row.value] if isinstance(row, yaml.SequenceNode) else []
        ws = [v for v in vals if v is not None and 0 <= v <= 1]
        if len(ws) != q or len(vals) != q:
            chk.err(row, f"{mw}row {i + 1} must be a list of {q} numbers between 0 and 1")
        elif ws[i] != 1:
            chk.err(row, f"{mw}row {i + 1}: the diagonal weight must be 1, not {_fmt(ws[i])}")
        else:
            out.append(tuple(ws))
    return tuple(out) if len(out) == q else None


def check_episode_item(chk: NodeChecker, node: _Node, what: str, ids: dict[str, int], cols: tuple[str, str]) -> None:
    """An item of ``kind: episodes`` (time-coded): codes, overlap, step, tolerance, match, lengths."""
    m = chk.mapping(node, EPISODE_KEYS, what)
    kind = chk.text(m["kind"][1], f"{what}'kind'")
    if kind != "episodes":
        chk.err(m["kind"][1], f"{what}kind '{kind}' is not 'episodes' (rated items have no 'kind')")
        return
    iid = unicodedata.normalize("NFC", chk.text(m["id"][1], f"{what}'id'")) if chk.require(
        node, m, "id", what) else ""
    if iid and not _ITEM_ID.match(iid):
        chk.err(m["id"][1], f"{what}id must start with a letter and hold only letters, digits, '_' or '-'")
    elif iid in ids or iid in {e.id for e in chk.episode_items}:
        chk.err(m["id"][1], f"duplicate item id '{iid}'")
    # one code is enough: present vs "no code" (Krippendorff 1995; Bakeman et al. 2009)
    cats = check_categories(chk, m["categories"], what, "nominal", least=1) if chk.require(
        node, m, "categories", what, " (the episode codes)") else ()
    reserved = {"no code", "nil"} & {c.code for c in cats}
    if reserved:
        chk.err(m["categories"][0], f"{what}'{reserved.pop()}' is reserved (irrkit's name for no episode)")
    fields: dict = {}
    if "overlap" in m:
        v = m["overlap"][1]
        if not (isinstance(v, yaml.ScalarNode) and v.tag == _BOOL):
            chk.err(v, f"{what}'overlap' must be true or false, not {_describe(v)}")
        else:
            fields["overlap"] = v.value.lower() in ("true", "yes", "on", "y")
    for key, lo in (("step", 0.001), ("tolerance", 0.0)):
        if key in m:
            x = chk.number(m[key][1], f"{what}'{key}' (seconds)")
            if x is not None and not lo <= x <= 3600:
                chk.err(m[key][1], f"{what}'{key}' must be between {_fmt(lo)} and 3600 seconds, not {_fmt(x)}")
            elif x is not None:
                fields[key] = x
    rule = chk.choice(m.get("match"), MATCH_RULES, f"{what}match rule")
    if rule:
        fields["match"] = rule
    if "lengths" in m:
        lengths = []
        for k, v in chk.mapping(m["lengths"][1], None, f"{what}lengths: ").values():
            x = chk.number(v, f"{what}length of video '{k.value}' (seconds)")
            if x is not None and x <= 0:
                chk.err(v, f"{what}length of video '{k.value}' must be > 0 seconds")
            elif x is not None and x > MAX_LENGTH_S:
                chk.err(v, f"{what}length of video '{k.value}' must be at most {MAX_LENGTH_S:,} seconds "
                            "(about 31 years)")
            elif x is not None:
                lengths.append((str(k.value), x))
        fields["lengths"] = tuple(lengths)
    primary = chk.choice(m.get("primary"), EPISODE_STATISTIC_KEYS, f"{what}primary statistic")
    if "gate" in m:
        chk.episode_gates += check_gates(chk, m["gate"][1], f"{what}gate: ", iid, None, EPISODE_STATISTIC_KEYS)
    chk.episode_items.append(EpisodeItem(iid, cats, chk.opt_text(m, "label", what),
                                          chk.opt_text(m, "definition", what), primary=primary, **fields))


def check_gates(chk: NodeChecker, node: _Node, what: str, item: str | None, ids: dict[str, int] | None,
          keys_allowed: tuple[str, ...] = STATISTIC_KEYS,
          levels: dict[str, tuple[str, str]] | None = None) -> list[Gate]:
    """An item's gate (``item`` = its id) or the top-level gate (``ids``: item ids, for ``item:``);
    ``levels``: item id -> (level, weights), to refuse a gate on a statistic the item does not compute."""
    triples: list[tuple[_Node, _Node, _Node | None]] = []  # statistic, minimum, item nodes
    if isinstance(node, yaml.MappingNode):
        triples = [(k, v, None) for k, v in chk.mapping(node, None, what).values()]
    elif isinstance(node, yaml.SequenceNode):
        keys = GATE_KEYS if ids is not None else GATE_KEYS[:2]
        for entry in node.value:
            m = chk.mapping(entry, keys, what)
            if isinstance(entry, yaml.MappingNode) and all(
                    [chk.require(entry, m, "statistic", what), chk.require(entry, m, "minimum", what)]):
                item_node = m["item"][1] if "item" in m else None
                triples.append((m["statistic"][1], m["minimum"][1], item_node))
    else:
        keys_shown = "statistic, minimum, item" if ids is not None else "statistic, minimum"
        chk.err(node, f"{what}must be a mapping (statistic: minimum) or a list of {{{keys_shown}}}, "
                 f"not {_describe(node)}")
    out: list[Gate] = []
    for s_node, v_node, i_node in triples:
        stat = chk.text(s_node, f"{what}statistic")
        if stat not in keys_allowed and isinstance(s_node, yaml.ScalarNode):
            hint = _suggest(stat, keys_allowed) or f" (valid: {', '.join(keys_allowed)})"
            chk.err(s_node, f"{what}unknown statistic '{stat}'{hint}")
        x = _number(v_node)
        if x is None or not -1 <= x <= 1:
            hint = f" (write {_fmt(x / 100)} for {_fmt(x)}%)" if x is not None and 1 < x <= 100 else ""
            chk.err(v_node, f"{what}minimum for {stat} must be a number between -1 and 1, "
                     f"not {_describe(v_node)}{hint}")
        target = item
        if i_node is not None and ids is not None:
            target = chk.text(i_node, f"{what}item")
            if target not in ids and isinstance(i_node, yaml.ScalarNode):
                chk.err(i_node, f"{what}unknown item '{target}'{_suggest(target, list(ids))}")
        if target is not None and levels and target in levels and stat in keys_allowed:
            lv, w = levels[target]
            if not registry.applies(stat, lv, w):
                alt = registry.instead(stat, lv, w)
                how = f"{lv} item '{target}'" + (f" ({w} weights)" if registry.weighted(w) else "")
                chk.err(s_node, f"{what}{stat} ({registry.name(stat)}) is not computed for {how}"
                         + (f": gate {alt} instead" if alt else "")
                         + f" (allowed: {', '.join(registry.gateable(lv, w))})")
        out.append(Gate(stat, x if x is not None else 0.0, target))
    return out
