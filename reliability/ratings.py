"""Ratings of one item: a units x coders matrix, the input every coefficient works from."""

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


@dataclass
class ItemRatings:
    """Ratings of one item.

    ``values`` is float64 (n_units x n_coders), NaN = missing. For categorical items each value is the
    numeric value of a category (``categories[k]``); for scale items it is the rating itself.
    ``categories`` lists every admissible category value in codebook order (used or not); for a continuous
    scale it is the sorted observed values.
    """

    item: str
    level: str
    units: list[str] | IntegerIds  # (IntegerIds: from a file whose unit ids are whole numbers)
    coders: list[str]
    values: np.ndarray
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

    @property
    def n_units(self) -> int:
        return self.values.shape[0]

    @property
    def n_coders(self) -> int:
        return self.values.shape[1]

    @property
    def n_ratings(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.values)))


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
    e = magnitude_exponent(r.values, cats)
    if not e:
        return r, 0
    return replace(r, values=np.ldexp(r.values, -e), categories=tuple(float(c) for c in np.ldexp(cats, -e))), e
