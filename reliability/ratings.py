"""Ratings of one item: a units x coders matrix, the input every coefficient works from, or for crowd data (many
coders, each rating a few of many units) the rated cells alone (:class:`Cells`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np


class IntegerIds(Sequence[str]):
    """Unit ids that are whole numbers written canonically (digits, no leading zero): kept as int64, each made
    a string (str() of the number: its text) only when asked for. Behaves as the list of those strings: equal to
    any sequence of the same strings, a slice is a list."""

    __slots__ = ("ids",)

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return list(map(str, self.ids[i].tolist()))
        return str(int(self.ids[i]))

    def __iter__(self) -> Iterator[str]:
        return map(str, self.ids.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IntegerIds):
            return bool(np.array_equal(self.ids, other.ids))
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (as a list's)

    def __repr__(self) -> str:
        return f"IntegerIds({self.ids!r})"


SPARSE_FROM = 1 << 22  # units x coders cells from which a sparse design is kept as its rated cells ...
SPARSE_SHARE = 0.1  # ... when fewer than this share of the cells are rated


@dataclass(frozen=True)
class Cells:
    """The rated cells of a units x coders matrix: unit index, coder index and value of each rating, sorted by
    unit, then coder (at most one rating per cell). Memory O(ratings), not O(units x coders)."""

    unit: np.ndarray  # int64
    coder: np.ndarray  # int64
    value: np.ndarray  # float64
    shape: tuple[int, int]  # (units, coders)

    @classmethod
    def of(cls, unit: np.ndarray, coder: np.ndarray, value: np.ndarray, shape: tuple[int, int]) -> Cells:
        """Cells from unsorted (unit, coder, value) arrays; missing values (NaN) are dropped."""
        ok = ~np.isnan(value)
        unit, coder, value = (np.asarray(a)[ok] for a in (unit, coder, value))
        key = unit.astype(np.int64) * shape[1] + coder
        order = None if key.size < 2 or bool(np.all(key[1:] > key[:-1])) else np.argsort(key, kind="stable")
        if order is not None:
            unit, coder, value = unit[order], coder[order], value[order]
        return cls(unit.astype(np.int64, copy=False), coder.astype(np.int64, copy=False),
                   value.astype(float, copy=False), (int(shape[0]), int(shape[1])))

    @classmethod
    def from_matrix(cls, m: np.ndarray) -> Cells:
        """The rated cells of a units x coders matrix (NaN = missing)."""
        unit, coder = np.nonzero(~np.isnan(m))
        return cls(unit, coder, m[unit, coder], m.shape)

    def dense(self) -> np.ndarray:
        m = np.full(self.shape, np.nan)
        m[self.unit, self.coder] = self.value
        return m

    def per_unit(self) -> np.ndarray:
        """Ratings of each unit."""
        return np.bincount(self.unit, minlength=self.shape[0])

    def per_coder(self) -> np.ndarray:
        """Ratings of each coder."""
        return np.bincount(self.coder, minlength=self.shape[1])

    def column(self, j: int) -> np.ndarray:
        """Coder j's ratings of every unit (NaN = not rated)."""
        out = np.full(self.shape[0], np.nan)
        sel = self.coder == j
        out[self.unit[sel]] = self.value[sel]
        return out

    def without_coders(self, drop: np.ndarray | list[int]) -> Cells:
        """The cells of the other coders, renumbered 0..k-1 in their order."""
        keep = np.ones(self.shape[1], dtype=bool)
        keep[np.asarray(drop, dtype=np.int64)] = False
        new = np.cumsum(keep) - 1
        sel = keep[self.coder]
        return Cells(self.unit[sel], new[self.coder[sel]], self.value[sel], (self.shape[0], int(keep.sum())))

    def with_values(self, value: np.ndarray) -> Cells:
        return Cells(self.unit, self.coder, value, self.shape)


def keep_sparse(n_units: int, n_coders: int, n_ratings: int) -> bool:
    """Whether a design is kept as its rated cells (:class:`Cells`): many cells, few of them rated."""
    cells = n_units * n_coders
    return cells >= SPARSE_FROM and n_ratings < SPARSE_SHARE * cells


@dataclass
class ItemRatings:
    """Ratings of one item.

    ``values`` is float64 (n_units x n_coders), NaN = missing. For categorical items each value is the
    numeric value of a category (``categories[k]``); for scale items it is the rating itself. Crowd data (many
    coders, few ratings each) come as their rated ``cells`` instead, ``values`` None (:meth:`dense` makes the
    matrix, :meth:`column` one coder's ratings, :meth:`rated_cells` the cells of either form).
    ``categories`` lists every admissible category value in codebook order (used or not); for a continuous
    scale it is the sorted observed values.
    """

    item: str
    level: str
    units: list[str] | IntegerIds  # (IntegerIds: from a file whose unit ids are whole numbers)
    coders: list[str]
    values: np.ndarray | None
    categories: tuple[float, ...]
    labels: tuple[str, ...] = ()  # codebook code of each category (same order), for tables
    weights: str = "identity"
    weight_matrix: np.ndarray | None = None
    primary: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Category list given (codebook, --categories): weights use ranks 1..q, as R irrCAC does with categ.labels;
    # inferred from the data: weights use the numeric values themselves.
    explicit_categories: bool = True
    # cluster of each unit (e.g. the session a sequence comes from): cluster-robust SEs and cluster bootstrap
    clusters: np.ndarray | None = None
    # a set-valued item (codebook ``multiple: true``): its codes; each value is then a set of them as a bitmask
    # (bit k: set_codes[k]; 0: the empty set) and ``categories`` are the distinct sets given
    set_codes: tuple[str, ...] = ()
    cells: Cells | None = None  # crowd data: the rated cells (``values`` is then None)

    @property
    def sparse(self) -> bool:
        return self.values is None

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape if self.values is None else self.values.shape

    @property
    def n_units(self) -> int:
        return self.shape[0]

    @property
    def n_coders(self) -> int:
        return self.shape[1]

    @property
    def n_ratings(self) -> int:
        if self.values is None:
            return len(self.cells.value)
        return int(np.count_nonzero(~np.isnan(self.values)))

    def dense(self) -> np.ndarray:
        """The units x coders matrix (NaN = missing), made from the cells when sparse."""
        return self.cells.dense() if self.values is None else self.values

    def column(self, j: int) -> np.ndarray:
        """Coder j's ratings of every unit (NaN = not rated)."""
        return self.cells.column(j) if self.values is None else self.values[:, j]

    def rated_cells(self) -> Cells:
        """The rated cells of either form."""
        return self.cells if self.values is None else Cells.from_matrix(self.values)

    def as_sparse(self) -> ItemRatings:
        """The same ratings as their rated cells."""
        return self if self.values is None else replace(self, values=None, cells=Cells.from_matrix(self.values))

    def as_dense(self) -> ItemRatings:
        """The same ratings as a units x coders matrix."""
        return self if self.values is not None else replace(self, values=self.cells.dense(), cells=None)


SAFE_EXPONENT = 400  # |values| between 2^-400 and 2^400: squares and sums of squares stay finite and normal


def magnitude_exponent(values: np.ndarray, categories: np.ndarray | None = None) -> int:
    """e such that values / 2^e lie below 1 in size, when their magnitude would overflow (or underflow) the
    squares and sums of squares that ICCs and weights are made of (values near 1e308: (x - y)^2 is inf); else 0.
    Dividing by a power of two is exact (the binary exponent changes, the digits do not)."""
    vals = values[~np.isnan(values)]
    if not vals.size:
        return 0
    big = float(np.abs(vals).max())
    if categories is not None and categories.size:
        big = max(big, float(np.abs(categories).max()))
    if big == 0 or 2.0**-SAFE_EXPONENT <= big <= 2.0**SAFE_EXPONENT:
        return 0
    return int(np.frexp(big)[1])  # big < 2^e


def rescaled(r: ItemRatings) -> tuple[ItemRatings, int]:
    """A scale item's ratings (and categories) divided by 2^e (:func:`magnitude_exponent`) when their magnitude
    is extreme: every coefficient irrkit computes for a scale item is unchanged by it (ICCs, weights and
    Krippendorff's metrics are ratios of differences). Returns the ratings and e (0: nothing was done)."""
    if r.level == "nominal":
        return r, 0
    cats = np.asarray(r.categories, dtype=float)
    e = magnitude_exponent(r.cells.value if r.sparse else r.values, cats)
    if not e:
        return r, 0
    if r.sparse:
        return replace(r, cells=r.cells.with_values(np.ldexp(r.cells.value, -e)),
                       categories=tuple(float(c) for c in np.ldexp(cats, -e))), e
    return replace(r, values=np.ldexp(r.values, -e), categories=tuple(float(c) for c in np.ldexp(cats, -e))), e
