"""The codebook model: items (level, codes or scale, weights, primary statistic), time-coded episode items,
gates, and the limits and key lists the loader checks against. Format and rules: :mod:`.codebook`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from irrkit.statistics import registry

LEVELS = ("nominal", "ordinal", "interval", "ratio")

STATISTIC_KEYS = registry.gateable()  # the statistics an item's gate or primary may name

WEIGHTS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")

TOP_KEYS = ("id", "title", "version", "source", "unit_column", "coder_column", "missing", "items", "gate", "study")
# the optional description of the reliability study (GRRAS, Kottner et al. 2011: items 3, 4, 7, 8, 9): free text
STUDY_KEYS = ("population", "raters", "sampling", "blinding", "independence")

ITEM_KEYS = ("id", "label", "definition", "level", "categories", "scale", "primary", "weights",
             "weight_matrix", "gate", "multiple", "separator", "empty")

SEPARATOR = "|"  # between the codes of a set-valued item in one cell ("sad|moved"); ";" is read as one too
EMPTY = "none"  # the cell of a set-valued item that says no code applies (the empty set, not a missing rating)
MAX_SET_CODES = 52  # codes of a set-valued item (a set is a bitmask held exactly in a float64)

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
    """A code of a categorical item."""

    code: str  # canonical code as written in the codebook, e.g. "1" or "addressing"
    label: str = ""
    definition: str = ""

@dataclass(frozen=True)
class Scale:
    """A rating scale: its range, step (None: continuous) and anchors."""

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
    """A minimum a statistic must reach (of one item, or of all)."""

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
    """A rated item: level, codes or scale, weights, primary statistic and gate."""

    id: str
    label: str = ""
    definition: str = ""
    level: str = "nominal"
    categories: tuple[Category, ...] = ()
    scale: Scale | None = None
    primary: str | None = None  # primary statistic key; default by level
    weights: str | None = None  # weight name for AC2 & co.; default by level
    weight_matrix: tuple[tuple[float, ...], ...] | None = None  # custom weights (q x q)
    multiple: bool = False  # the value is a set of codes (a nominal item): "sad|moved", or one 0/1 column per code
    separator: str = SEPARATOR  # between a set's codes in one cell
    empty: str = EMPTY  # the cell meaning "no code applies" (the empty set)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    @property
    def analysis_level(self) -> str:
        """The level the analysis and the gates go by: ``sets`` for a set-valued item, else its level."""
        return registry.SETS if self.multiple else self.level

    def code_column(self, code: str) -> str:
        """The 0/1 column of one code of a set-valued item: ``item:code``."""
        return f"{self.id}:{code}"

    def category_values(self) -> tuple[float, ...]:
        """Numeric value of each category: the code itself if every code is a number, else its rank 1..q."""
        try:
            return tuple(float(c) for c in self.codes)
        except ValueError:
            return tuple(float(i + 1) for i in range(len(self.categories)))

    def default_primary(self) -> str:
        if self.primary:
            return self.primary
        if self.multiple:
            return "masi_alpha"
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

    def spec(self):  # -> irrkit.episodes.timecode.EpisodeSpec (imported here: the codebook stays light)
        from irrkit.episodes.timecode import EpisodeSpec

        return EpisodeSpec(self.id, self.codes, tuple(c.label for c in self.categories), self.overlap, self.step,
                           self.tolerance, dict(self.lengths), self.primary)

@dataclass(frozen=True)
class Codebook:
    """A codebook: its rated and time-coded items, gates and study description."""

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
    study: tuple[tuple[str, str], ...] = ()  # (key, text) of the optional study section (STUDY_KEYS)

    def item(self, item_id: str) -> Item | None:
        for it in self.items:
            if it.id == item_id:
                return it
        return None
