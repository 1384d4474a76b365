"""From ratings to counts: category indices of the ratings (a look-up table for integer and few-decimal codes,
a binary search otherwise), the units x categories count table (dense up to DENSE_MAX_Q categories, sparse
beyond), and the distinct rows of a code matrix with their frequencies (the speed-up of large nominal items and
of leave-one-coder-out: one mechanism, :func:`keyed_rows`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np

from irrkit.statistics.sparse import SparseCounts, sparse_count_table

CHUNK = 1 << 14  # units per block in the blocked loops: their temporaries stay in the CPU cache
INT_SPAN = 1 << 16  # integer category codes spanning up to this many values take the look-up-table path


def unique(v: np.ndarray) -> np.ndarray:
    """np.unique(v), the same sorted values. Asked for the counts too, np.unique (NumPy >= 2.3) does not first call
    np.ma.is_masked, whose first use imports numpy.ma (10-13 ms of a 0.3 s ``compute`` of 3,000 x 8 ratings);
    float arrays take np.unique's sorting path either way. The one np.unique of the paths every run takes."""
    return np.unique(v, return_counts=True)[0]



_SHARED: list | None = None  # inside shared(): (function, array, arguments, result) of the last calls
_SHARED_KEEP = 4
_SHARED_Q, _SHARED_CELLS = 64, 1 << 16  # shared for matrices this large and categories this few (the others are
# quick to recompute, and a key of 100,000 categories is not)


@contextlib.contextmanager
def shared() -> Iterator[None]:
    """Inside this block :func:`category_index` and :func:`keyed_rows` of the same matrix (the same object,
    held by the block, so unchanged as long as nobody writes into an item's ratings) with the same arguments
    are computed once: ``analyse`` and the coder diagnostics of an item both need the item's category indices
    and their distinct rows (1M x 6: 30 ms and 24 MB once instead of twice). Results given out twice are
    read-only; only 2-D matrices of the last few calls are kept."""
    global _SHARED
    outer = _SHARED
    _SHARED = [] if outer is None else outer
    try:
        yield
    finally:
        _SHARED = outer


def _recall(fn: str, m: np.ndarray, args: tuple) -> object | None:
    for f, a, k, out in _SHARED or ():
        if f == fn and a is m and k == args:
            return out
    return None


def _remember(fn: str, m: np.ndarray, args: tuple, out: object) -> None:
    if _SHARED is None or np.ndim(m) != 2:
        return
    for x in out if isinstance(out, tuple) else (out,):
        if isinstance(x, np.ndarray):
            x.flags.writeable = False
    _SHARED.append((fn, m, args, out))
    del _SHARED[:-_SHARED_KEEP]


def category_index(values: np.ndarray, categories: Sequence[float]) -> np.ndarray:
    """Map a units x coders float matrix (NaN = missing) to category indices (-1 = missing).

    The indices are int32 (int64 when q^2 would not fit in int32, so ``codes * q + codes`` cannot overflow).
    A value within 1e-9 of the category at or above it counts as that category; any other value is an error.
    Integer category codes (the usual case) go through a look-up table instead of a binary search.
    """
    if _SHARED is not None and len(categories) <= _SHARED_Q and np.ndim(values) == 2 and \
            np.size(values) >= _SHARED_CELLS:
        args = tuple(float(c) for c in categories)
        got = _recall("category_index", values, args)
        if got is None:
            got = _category_index(values, categories)
            _remember("category_index", values, args, got)
        return got  # type: ignore[return-value]
    return _category_index(values, categories)


def _category_index(values: np.ndarray, categories: Sequence[float]) -> np.ndarray:
    cats = np.asarray(categories, dtype=float)
    q = len(cats)
    order = np.argsort(cats, kind="stable")
    sorted_cats = cats[order]
    arr = np.asarray(values, dtype=float)
    itype = np.int32 if q * q < 2**31 - 1 else np.int64
    if q and np.all(np.isfinite(cats)) and np.all(cats == np.round(cats)) and abs(cats).max() < 2**30 \
            and sorted_cats[-1] - sorted_cats[0] < INT_SPAN:
        # a column-major matrix (e.g. DataFrame.to_numpy()) is read in memory order, not copied, and its
        # indices come back column-major too
        fortran = arr.ndim == 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous
        idx = _index_integer_codes(arr.ravel(order="K"), sorted_cats, order, itype)
        if idx is not None:
            return idx.reshape(arr.shape[::-1]).T if fortran else idx.reshape(arr.shape)
    return _index_search(arr.ravel(), sorted_cats, order, itype, categories).reshape(arr.shape)


def _index_integer_codes(flat: np.ndarray, sorted_cats: np.ndarray, order: np.ndarray, itype: type,
                         chunk: int = 1 << 16) -> np.ndarray | None:
    """Indices for integer category codes by a table over [min, max] (or, for the codes lo, lo+1, ... in order,
    by subtraction), ``chunk`` values at a time (the temporaries stay in the CPU cache); None if any value needs
    the general path (neither NaN nor exactly a category)."""
    q = len(sorted_cats)
    lo, span = int(sorted_cats[0]), int(sorted_cats[-1] - sorted_cats[0])
    direct = itype is np.int32 and span == q - 1 and np.array_equal(order, np.arange(q))
    if not direct:
        lut = np.full(span + 2, -2, dtype=itype)  # -2: an integer that is not a category; slot span + 1: outside
        lut[(sorted_cats - lo).astype(np.int64)[::-1]] = order[::-1]  # equal codes: the first, as searchsorted
    out = np.empty(flat.shape, dtype=itype)
    vi = np.empty(min(chunk, flat.size), dtype=np.int32)
    for s in range(0, flat.size, chunk):
        f = flat[s:s + chunk]
        v = vi[:len(f)]
        with np.errstate(invalid="ignore", over="ignore"):
            np.copyto(v, f, casting="unsafe")  # NaN and huge values give garbage, caught by the exactness test
        exact = v == f
        v -= lo
        k = v.view(np.uint32)  # below the minimum wraps to a huge number
        o = out[s:s + len(f)]
        if direct:  # categories lo, lo+1, ..., lo+q-1 in this order: the offset is the index
            bad = k >= q
            o[:] = v
        else:
            np.minimum(k, span + 1, out=k)
            np.take(lut, k, out=o)
            bad = o < -1
        bad |= ~exact
        if bad.any():
            off = np.flatnonzero(bad)
            if not np.isnan(f[off]).all():
                return None
            o[off] = -1
    return out


DECIMAL_SPAN = 1 << 22  # categories with few decimals spanning up to this many steps: found by a look-up table


def _decimal_positions(flat: np.ndarray, sorted_cats: np.ndarray, chunk: int = 1 << 16) -> np.ndarray | None:
    """``np.searchsorted(sorted_cats, flat)`` where that finds an exactly equal category, for categories with at
    most 6 decimals (durations in 0.5 s, VAS scores, measurements to 4 decimals): each value's step
    ``round(x * 10^d)`` indexes a table of positions, checked against the category itself; values that are not
    exactly a category (NaN, others) get searchsorted's answer. None when the categories have more decimals,
    repeat, or span too many steps (then searchsorted does it all). O(1) per value instead of a binary search
    over thousands of distinct values."""
    q = len(sorted_cats)
    if q < 64 or not np.isfinite(sorted_cats).all() or float(np.abs(sorted_cats).max()) >= 2.0**40:
        return None
    for d in range(1, 7):
        scale = 10.0**d
        steps = np.round(sorted_cats * scale)
        if np.array_equal(steps / scale, sorted_cats):  # every category is exactly its step / 10^d
            break
    else:
        return None
    lo, span = float(steps[0]), float(steps[-1] - steps[0])
    if span >= DECIMAL_SPAN or len(unique(steps)) != q:
        return None
    table = np.full(int(span) + 2, q, dtype=np.int64)  # slot span + 1: outside the categories' steps
    table[(steps - lo).astype(np.int64)] = np.arange(q)
    ext = np.append(sorted_cats, np.nan)
    pos = np.empty(flat.shape, dtype=np.int64)
    for s in range(0, flat.size, chunk):
        f = flat[s:s + chunk]
        with np.errstate(invalid="ignore", over="ignore"):
            k = np.round(f * scale) - lo
            k = np.where((k >= 0) & (k <= span), k, span + 1).astype(np.int64)  # NaN compares False: outside
        p = table[k]
        miss = ext[p] != f  # not exactly that category (NaN included): searchsorted's position
        if miss.any():
            p[miss] = np.searchsorted(sorted_cats, f[miss])
        pos[s:s + len(f)] = p
    return pos


def _index_search(flat: np.ndarray, sorted_cats: np.ndarray, order: np.ndarray, itype: type,
                  categories: Sequence[float], scaled: bool = True) -> np.ndarray:
    q = len(sorted_cats)
    # one pass: position in the sorted categories (NaN sorts last, to q), exact hits checked by a gather
    pos = _decimal_positions(flat, sorted_cats) if scaled else None
    if pos is None:
        pos = np.searchsorted(sorted_cats, flat)
    lut = np.append(order, -1).astype(itype)  # position q (NaN or above the largest category) -> -1 for now
    idx = lut[pos]
    exact = np.append(sorted_cats, np.nan)[pos] == flat
    if not exact.all():
        off = np.flatnonzero(~exact & ~np.isnan(flat))  # not NaN and not exactly a category
        if len(off):
            p = np.minimum(pos[off], q - 1) if q else pos[off]
            if not q or not np.all(np.isclose(sorted_cats[p], flat[off], rtol=0, atol=1e-9)):
                bad = flat[off] if not q else flat[off][~np.isclose(sorted_cats[p], flat[off], rtol=0, atol=1e-9)]
                raise ValueError(f"value {bad[0]:g} is not one of the categories {list(categories)}")
            idx[off] = order[p]
    return idx


def keyed_rows(m: np.ndarray, base: int, offset: int = 0, ids: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """The distinct rows of a matrix of whole numbers ``-offset .. base - 1 - offset``, in order of their keys
    ``sum_g (m_g + offset) base^g``, how many rows each stands for (float) and, with ``ids``, the index of each
    row among them; None when a key would not fit in int64. Keys over a small range are counted by one
    bincount (block by block), others by a sort. The one mechanism behind the engine's distinct rows of codes
    (:func:`distinct_rows`) and of count tables (``diagnostics.distinct_rows``)."""
    if _SHARED is not None and m.size >= _SHARED_CELLS:
        got = _recall("keyed_rows", m, (base, offset, ids))
        if got is None:
            got = _keyed_rows(m, base, offset, ids)
            if got is not None:
                _remember("keyed_rows", m, (base, offset, ids), got)
        return got  # type: ignore[return-value]
    return _keyed_rows(m, base, offset, ids)


def _keyed_rows(m: np.ndarray, base: int, offset: int = 0, ids: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    n, r = m.shape
    size = base**r  # (a Python int: no overflow)
    if size >= 2**62:
        return None
    key = np.empty(n, dtype=np.int64)
    for s in range(0, n, CHUNK):  # Horner: ((m_{r-1} + o) base + m_{r-2} + o) base + ...
        c, k = m[s:s + CHUNK], key[s:s + CHUNK]
        k[:] = c[:, r - 1]
        k += offset
        for g in range(r - 2, -1, -1):
            k *= base
            k += c[:, g]
            k += offset
    if size <= 4 * n + 4096:
        cnt = np.bincount(key, minlength=size)
        nz = np.flatnonzero(cnt)
        counts = cnt[nz]
        if ids:
            rank = np.zeros(size, dtype=np.int64)
            rank[nz] = np.arange(len(nz))
            row_id = rank[key]
    else:
        nz, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        row_id = inverse.reshape(-1)
    rows = np.empty((len(nz), r), dtype=m.dtype)
    rest = nz.copy()
    for g in range(r):
        rows[:, g] = rest % base - offset
        rest //= base
    return rows, counts.astype(float), row_id if ids else None


def distinct_rows(codes: np.ndarray, q: int, most: float = 0.5) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct rows of a units x coders index matrix (-1 = missing), in order of their keys, and how many
    units each stands for (float), when each row is one small integer key (sum_g (c_g + 1) (q + 1)^g, counted by
    one bincount) and there are at most ``most`` times as many distinct rows as units; else None. With the
    engine's ``freq=`` they give every coefficient of the full matrix (see the module docstring)."""
    codes = np.asarray(codes)
    if codes.ndim != 2 or not codes.size:
        return None
    n, r = codes.shape
    if (q + 1) ** r > 4 * n + 4096:
        return None
    got = keyed_rows(codes, q + 1, offset=1)
    if got is None or len(got[0]) > most * n:
        return None
    return got[0], got[1]


def count_table(codes: np.ndarray, q: int, chunk: int = 1 << 14) -> np.ndarray:
    """Units x categories counts (float) from a units x coders index matrix (-1 = missing).

    ``np.bincount`` over ``unit * (q + 1) + code + 1`` (slot 0 of each unit collects the missing ratings and
    is dropped, so no boolean compaction of the matrix), ``chunk`` units at a time so the temporaries stay in
    the CPU cache.
    """
    codes = np.asarray(codes)
    n = codes.shape[0]
    out = np.empty((n, q))
    if codes.size == 0:
        out[:] = 0.0
        return out
    if codes.ndim == 1:
        codes = codes[:, None]
    base = np.arange(1, min(chunk, n) * (q + 1) + 1, q + 1, dtype=np.int64)[:, None]
    for s in range(0, n, chunk):
        c = codes[s:s + chunk]
        m = len(c)
        flat = (c + base[:m]).ravel(order="K")
        out[s:s + m] = np.bincount(flat, minlength=m * (q + 1)).reshape(m, q + 1)[:, 1:]
    return out


DENSE_MAX_Q = 64  # up to this many categories the n x q count table and q x q weights are built


def table(codes: np.ndarray, q: int, dense_max: int = DENSE_MAX_Q) -> np.ndarray | SparseCounts:
    """The count table of a units x coders index matrix: dense for few categories, else its nonzero cells."""
    return count_table(codes, q) if q <= dense_max else sparse_count_table(codes, q)


def cells_table(unit: np.ndarray, code: np.ndarray, n: int, q: int, dense_max: int = DENSE_MAX_Q
                ) -> np.ndarray | SparseCounts:
    """The count table of rated cells (unit index, category index of each rating; crowd data): dense n x q
    for few categories, else its nonzero cells; one bincount either way."""
    ok = code >= 0
    if not ok.all():
        unit, code = unit[ok], code[ok]
    key = unit.astype(np.int64) * q + code
    if q <= dense_max:
        return np.bincount(key, minlength=n * q).astype(float).reshape(n, q)
    keys, cnt = np.unique(key, return_counts=True)
    return SparseCounts(keys // q, keys % q, cnt.astype(float), n, q)
