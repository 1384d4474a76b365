"""Regular delimited text as byte offsets: a tokenizer for big quote-free files, without pandas.

A file qualifies when it is plain (no quotes, no white space next to a delimiter or line break, see
``delimited._is_plain``), its first line is the header, and every other line holds exactly the header's number of
delimiters or is empty. Then cell ``(r, j)`` is ``data[starts[r, j]:ends[r, j]]`` and nothing else needs parsing.
Text columns are cut out of the text only when a reader asks for them (:class:`LazyColumns`); numeric columns can
be read straight to float64 (:meth:`Grid.numbers`) with the result ``values.parse_number`` gives, cell by cell.
Anything else (quotes, ragged rows, white space) goes to the existing parsers, which report it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from irrkit.readers.limits import MAX_CELL_CHARS

_CHUNK = 1 << 20  # rows per block of the numeric parser: bounded temporary memory
_WIDTH = 17  # longest cell the numeric parser reads (sign, 15 digits, separator); longer ones are "odd"
_CUT_FROM = 2_000  # cells from which a column's strings are cut by one split (Grid._cut)
_DIGITS = 15  # at most this many digits: the mantissa is below 2**53, so mantissa / 10**k is exact rounding
_POW10 = np.array([float(10**k) for k in range(_DIGITS + 1)])  # exact powers of ten


@dataclass
class Grid:
    """Cell spans of a regular file: ``delims`` (rows x columns-1) are the byte offsets of the delimiters of each
    data row in ``buf`` (the UTF-8 bytes of ``text``, then 8 zero bytes), ``first``/``last`` where each row
    starts and ends; ``rows`` are the 0-based physical lines of the data rows."""

    text: str
    buf: np.ndarray
    delims: np.ndarray
    first: np.ndarray
    last: np.ndarray
    rows: np.ndarray
    _cont: np.ndarray | None = field(default=None, repr=False)  # offsets of UTF-8 continuation bytes (non-ASCII)
    _factorized: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _span: tuple[int, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _first_bytes: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _keys_cache: dict[int, list[np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_columns(self) -> int:
        return int(self.delims.shape[1]) + 1

    def span(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Byte offsets (start, end) of the cells of column ``j`` (the last column asked for is remembered:
        readers ask numbers, empty cells and lengths of one column in a row)."""
        if self._span is not None and self._span[0] == j:
            return self._span[1], self._span[2]
        s = self.first if j == 0 else self.delims[:, j - 1] + 1
        e = self.last if j == self.n_columns - 1 else self.delims[:, j]
        self._span = (j, s, e)
        return s, e

    def _char_pos(self, pos: np.ndarray) -> np.ndarray:
        """Character offsets in ``text`` of byte offsets in ``buf``."""
        if self._cont is None:
            return pos
        return pos - np.searchsorted(self._cont, pos)

    def texts(self, j: int, rows: np.ndarray | None = None) -> np.ndarray:
        """The cells of column ``j`` (optionally only ``rows``) as an object array of str."""
        s, e = self.span(j)
        if rows is not None:
            s, e = s[rows], e[rows]
        whole = self._split_column(j) if rows is None and len(s) > _CUT_FROM else None
        if whole is not None:
            return np.fromiter(whole, dtype=object, count=len(whole))  # (fromiter: 13 vs 19 ms for 1M)
        out = np.empty(len(s), dtype=object)
        if len(s) > _CUT_FROM and bool((s[1:] > e[:-1]).all()):  # cells in order: one split of their bytes
            out[:] = self._cut(s, e)
        else:
            out[:] = list(map(self.text.__getitem__, map(slice, self._char_pos(s).tolist(),
                                                         self._char_pos(e).tolist())))
        return out

    def _split_column(self, j: int) -> list[str] | None:
        """Every cell of column ``j`` by one split of the text of the data rows at delimiters and line breaks
        (every n-th piece), when the data rows are consecutive lines without "\\r" and every other column's
        cells are at most one byte (pieces of one character or none are Python's cached strings: nothing is
        made for them); else None. A unit column beside a code column: 1M cells in ~70 instead of ~85 ms."""
        n, rows = self.n_columns, self.rows
        if n > _COLUMNWISE or not len(rows) or int(rows[-1] - rows[0]) != len(rows) - 1 or "\r" in self.text:
            return None
        for k in range(n):
            if k != j:
                s, e = self.span(k)
                if int((e - s).max()) > 1:
                    return None
        a, b = self._char_pos(np.array([self.first[0], self.last[-1]])).tolist()
        body = self.text[a:b]
        if n > 1:  # (the delimiter: an ASCII byte, plain_grid)
            body = body.replace(chr(int(self.buf[self.delims[0, 0]])), "\n")
        pieces = body.split("\n")
        if len(pieces) != n * len(rows):
            return None
        return pieces[j::n]

    def _cut(self, s: np.ndarray, e: np.ndarray) -> list[str]:
        """The cells from ``s`` to ``e`` (in order, not overlapping) as strings: their bytes, each followed by a
        line break in place of the delimiter after it, decoded and split in one go (str.split makes the strings
        in C, several times faster than a slice per cell)."""
        inside = np.zeros(len(self.buf) + 1, dtype=np.int8)
        inside[s] = 1
        inside[e] -= 1  # an empty cell (s == e): nothing inside
        inside = np.cumsum(inside[:-1], dtype=np.int8).view(bool)
        inside[e] = True  # the byte after each cell (a delimiter, a line end or the padding) ...
        marked = self.buf.copy()
        marked[e] = 10  # ... becomes the line break the split cuts at (no cell holds one)
        return marked[inside].tobytes().decode("utf-8").split("\n")[:-1]

    def factorize(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(index of each cell among the distinct cells, the distinct cells in order of first appearance) of
        column ``j``: pandas.factorize of ``texts(j)``, from the bytes. Cells are keyed 8 bytes at a time, so
        a string is made once per distinct value, not once per cell."""
        got = self._factorized.get(j)
        if got is not None:
            return got
        s, e = self.span(j)
        codes, first = None, np.zeros(min(len(s), 1), dtype=np.int64)
        one = self.first_bytes(j) if self.n_columns <= _BYTE_TABLE_COLUMNS else None
        ends = [10, 13, 0, *([int(self.buf[self.delims[0, 0]])] if self.delims.size else [])]
        few = None if one is None else _few_bytes(one, ends)
        if few is not None:  # one-byte cells, a few distinct: codes and first cells from the bytes themselves
            codes, first = few
            got = self._factorized[j] = (codes, self.texts(j, first))
            return got
        if one is not None:  # one-byte cells (codes): the byte is the key, every empty cell's byte one key
            empty = np.arange(257, dtype=np.int64)
            empty[ends] = 256
            codes = _first_codes(empty[one])[0]
        elif len(s) > _SORT_FROM and self._rising(j):  # each cell after the one before (ids 1, 2, 3, ...)
            codes = np.arange(len(s), dtype=np.int64)
            got = self._factorized[j] = (codes, self.texts(j))  # each cell its own first appearance
            return got
        elif len(s) > _SORT_FROM:  # ids as rising whole numbers (1, 2, 3, ...): every cell a new value
            iv = self.digits(j)
            if iv is not None and bool((iv[1:] > iv[:-1]).all()):
                codes = np.arange(len(s), dtype=np.int64)
                got = self._factorized[j] = (codes, self.texts(j))  # each cell its own first appearance
                return got
        for block, key in enumerate(self._keys(s, e) if one is None else ()):
            part, m = _first_codes(key)
            # a pair of codes is one code (no NUL in text: injective); the first block's codes are the codes
            codes = part if block == 0 else _first_codes(codes * m + part)[0]
        if codes is None:  # every cell empty
            codes = np.zeros(len(s), dtype=np.int64)
        if len(s):
            first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
        got = self._factorized[j] = (codes, self.texts(j, first))
        return got

    def _rising(self, j: int) -> bool:
        """True if every cell of column ``j`` (each of at most 8 bytes) comes after the one before in the order of
        (length, bytes): then no two are equal. Ids 1, 2, ..., 10, 11, ... in a few passes over their keys (which
        :meth:`same_column` uses next), without reading them as numbers."""
        key = self.column_key(j)
        if len(key) != 2:
            return False
        length, word = key
        big = word.byteswap()  # big-endian: the first byte most significant, so integer order is byte order
        longer = length[1:] > length[:-1]
        return bool((longer | ((length[1:] == length[:-1]) & (big[1:] > big[:-1]))).all())

    def numbers(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(value of each cell of column ``j``, which cells the vectorised parser left to the careful one).

        A cell is read here when it is written ``[+-]?digits[.,]digits`` with at least one and at most 15
        digits (one separator at most): then mantissa / 10**(digits after the separator) is the correctly rounded
        value, exactly what float() of the text gives (a negative zero read as 0, as readers.values.parse_number
        does). Every other cell (empty, a missing-value token, an exponent, text, more digits) is marked; its
        value is NaN."""
        s_all, e_all = self.span(j)
        n = len(s_all)
        values = np.full(n, np.nan)
        odd = np.ones(n, dtype=bool)
        buf = self.buf
        top = len(buf) - 1
        for a in range(0, n, _CHUNK):
            s, e = s_all[a:a + _CHUNK], e_all[a:a + _CHUNK]
            length = e - s
            w = int(min(length.max(initial=0), _WIDTH))
            if w == 0:
                continue
            if w == 1:  # one-character cells (codes 0-9): a digit is its value
                dig = buf[np.minimum(s, top)] - np.uint8(48)
                ok = (length == 1) & (dig < 10)
                values[a:a + _CHUNK][ok] = dig[ok]
                odd[a:a + _CHUNK] = ~ok
                continue
            mant = np.zeros(len(s), dtype=np.int64)
            ndig = np.zeros(len(s), dtype=np.int64)
            frac = np.zeros(len(s), dtype=np.int64)
            seps = np.zeros(len(s), dtype=np.int64)
            bad = length > w
            neg = np.zeros(len(s), dtype=bool)
            for k in range(w):
                inside = k < length
                ch = buf[np.minimum(s + k, top)]
                digit = inside & (ch >= 48) & (ch <= 57)
                sep = inside & ((ch == 46) | (ch == 44))
                if k == 0:
                    sign = inside & ((ch == 43) | (ch == 45))
                    neg = inside & (ch == 45)
                    bad |= inside & ~(digit | sep | sign)
                else:
                    bad |= inside & ~(digit | sep)
                frac += digit & (seps > 0)
                seps += sep
                ndig += digit
                mant = np.where(digit, mant * 10 + (ch.astype(np.int64) - 48), mant)
            bad |= (ndig == 0) | (ndig > _DIGITS) | (seps > 1)
            good = ~bad
            v = mant[good] / _POW10[np.minimum(frac[good], _DIGITS)]
            values[a:a + _CHUNK][good] = np.where(neg[good], -v, v) + 0.0  # + 0.0: '-0,00' is 0, not -0.0
            odd[a:a + _CHUNK] = bad
        return values, odd

    def first_bytes(self, j: int) -> np.ndarray | None:
        """The byte of each cell of column ``j`` (uint8) when no cell is longer than one byte, else None. An
        empty cell gives the byte after it: the delimiter, "\\n", "\\r" (of "\\r\\n") or 0 (past the end of
        the text), none of which is ever a cell of a plain file. (A column of :meth:`first_byte_table`.)"""
        if self._first_bytes is None and self.n_columns <= _COLUMNWISE:  # a column's own offsets: no table
            s, e = self.span(j)
            return None if len(s) and int((e - s).max()) > 1 else self.buf[s]
        table, longest = self.first_byte_table()
        return None if longest[j] > 1 else table[:, j]

    def first_byte_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(the first byte of every cell, rows x columns uint8; the longest cell of each column in bytes), from
        one pass over the delimiters a block of rows at a time (a column's offsets are strided: reading them
        column by column would stream the whole offset table once per column). Remembered."""
        if self._first_bytes is not None:
            return self._first_bytes
        rows, nc = len(self.first), self.n_columns
        table = np.empty((rows, nc), dtype=np.uint8)
        longest = np.zeros(nc, dtype=np.int64)
        starts = np.empty((min(rows, _DIGIT_CHUNK), nc), dtype=np.int64)
        lengths = np.empty_like(starts)
        for a in range(0, rows, _DIGIT_CHUNK):
            d = self.delims[a:a + _DIGIT_CHUNK]
            start, length = starts[:len(d)], lengths[:len(d)]
            start[:, 0] = self.first[a:a + _DIGIT_CHUNK]
            np.add(d, 1, out=start[:, 1:])
            length[:, :-1] = d
            length[:, -1] = self.last[a:a + _DIGIT_CHUNK]
            length -= start
            np.maximum(longest, length.max(axis=0), out=longest)
            np.take(self.buf, start, out=table[a:a + _DIGIT_CHUNK], mode="clip")  # (offsets inside the buffer)
        self._first_bytes = (table, longest)
        return self._first_bytes

    def digits(self, j: int) -> np.ndarray | None:
        """The cells of column ``j`` as int64 when every one is 1 to 16 ASCII digits (leading zeros allowed),
        else None: unit ids written as whole numbers, read 8 bytes at a time. The 8 bytes ending at a cell's
        end are one little-endian integer (its last digit in the top byte); the bytes before the cell become
        "0", each byte is checked to be a digit and the eight digits are combined in three multiplications
        (digit pairs, then quads, then the eight); a 9- to 16-digit cell has a second such word before it."""
        s, e = self.span(j)
        n = len(s)
        if not n:
            return np.zeros(0, dtype=np.int64)
        length = e - s
        w = int(length.max())
        if w > 16 or int(length.min()) < 1:
            return None
        words = self._words()
        out = np.empty(n, dtype=np.int64)
        top = len(words) - 1
        near = np.flatnonzero(e < 16)  # the first cells of a small file: read below, as Python ints
        if len(near):
            length = length.copy()
            length[near] = 0  # all "0" in the words (wherever they are read from)
        for a in range(0, n, _DIGIT_CHUNK):
            ee, ln = e[a:a + _DIGIT_CHUNK], length[a:a + _DIGIT_CHUNK]
            if not a and len(near):
                ee = np.clip(ee, 16, top + 8)
            low = _eight_digits(words[ee - 8], np.minimum(ln, 8))
            if low is None:
                return None
            if w > 8:
                high = _eight_digits(words[np.maximum(ee - 16, 0)], np.maximum(ln - 8, 0))
                if high is None:
                    return None
                low += high * 10**8
            out[a:a + _DIGIT_CHUNK] = low
        for i in near.tolist():
            cell = self.buf[s[i]:e[i]].tobytes()
            if not cell.isdigit():  # bytes.isdigit: ASCII digits only
                return None
            out[i] = int(cell)
        return out

    def same_column(self, j: int, other: Grid | list[np.ndarray], k: int = 0) -> bool:
        """True if column ``j`` holds, row by row, the same bytes (hence the same text) as column ``k`` of
        ``other`` (or the cells :meth:`column_key` gave): the unit column of one coder file after another,
        compared without making strings."""
        s, e = self.span(j)
        theirs = other if isinstance(other, list) else other.column_key(k)
        if len(s) != len(theirs[0]) or not np.array_equal(e - s, theirs[0]):
            return False
        return all(np.array_equal(a, b) for a, b in zip(self._keys(s, e), theirs[1:], strict=True))

    def column_key(self, j: int) -> list[np.ndarray]:
        """The cells of column ``j`` as [lengths, 8-byte keys, ...] (with the lengths they determine the cells:
        :meth:`same_column` compares other files' columns with them once the grid itself is gone). Kept."""
        got = self._keys_cache.get(j)
        if got is None:
            s, e = self.span(j)
            got = self._keys_cache[j] = [e - s, *self._keys(s, e)]
        return got

    def _words(self) -> np.ndarray:
        """The 8 bytes from each offset of ``buf`` as one little-endian integer: an unaligned view, no copy."""
        return np.ndarray(shape=(len(self.buf) - 7,), dtype="<u8", buffer=self.buf, strides=(1,))

    def _keys(self, s: np.ndarray, e: np.ndarray) -> Iterator[np.ndarray]:
        """The cells from ``s`` to ``e`` as integers, 8 bytes at a time (bytes 0-7, 8-15, ...; zero past a
        cell's end): with the lengths they determine the cells, as the text holds no NUL."""
        length = e - s
        words = self._words()
        top = len(words) - 1
        if len(s) and int(length.max()) <= 8:  # one word per cell, from its start (always inside the padded buffer)
            key = words[s]
            key &= _MASKS[length]
            yield key
            return
        for block in range(0, int(length.max(initial=0)), 8):
            key = words[np.minimum(s + block, top)]
            key &= _MASKS[np.clip(length - block, 0, 8)]
            yield key

    def empty(self, j: int) -> np.ndarray:
        """Which cells of column ``j`` are empty (in a plain file: blank)."""
        s, e = self.span(j)
        return e == s


_BYTE_TABLE_COLUMNS = 16  # files of up to this many columns factorize one-byte columns from the first-byte table
_COLUMNWISE = 4  # ... which files of up to this many columns (coder files: unit, code) skip: 2 vs 17 ms per 1M rows
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # the low k bytes of a key
_DIGIT_CHUNK = 1 << 16  # cells per block of Grid.digits: its temporaries stay in the CPU cache
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_HIGH = np.uint64(0x8080808080808080)  # the top bit of each byte


def _eight_digits(word: np.ndarray, k: np.ndarray) -> np.ndarray | None:
    """The number written in the top ``k`` bytes (0 to 8) of each little-endian word (the lower bytes read as
    "0"), or None when one of those bytes is not an ASCII digit."""
    keep = ~_MASKS[8 - k]  # the top k bytes
    x = (word & keep) | (_ZEROS & ~keep)
    # a byte b is a digit when b < 0x80, b + 0x46 < 0x80 (b <= 0x39) and b + 0x50 >= 0x80 (b >= 0x30); bytes
    # below 0x80 do not carry into the next when 0x46 or 0x50 is added
    if ((x | (x + np.uint64(0x4646464646464646)) | ~(x + np.uint64(0x5050505050505050))) & _HIGH).any():
        return None
    x -= _ZEROS  # the digits, the first in the lowest byte
    x = (x * np.uint64(10) + (x >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)  # pairs: 10 d0 + d1
    x = (x * np.uint64(100) + (x >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)  # quads
    x = (x * np.uint64(10000) + (x >> np.uint64(32))) & np.uint64(0xFFFFFFFF)  # the eight
    return x.astype(np.int64)


_FEW_RANGE, _FEW = 1 << 16, 32  # keys below 2^16 with at most 32 distinct values: found value by value
_SORT_FROM = 50_000  # from this many keys numpy's unique beats pandas' hash table (1M distinct: 15 vs 113 ms)


def _few_bytes(one: np.ndarray, ends: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    """(code of each byte in order of first appearance, the first cell of each code) of one-byte cells, the
    bytes ``ends`` (what an empty cell's byte is) all one code; None for more than _FEW distinct. The bytes are
    counted and looked for as they are (no int64 key per cell: 3 vs 12 ms per 1M cells)."""
    present = np.flatnonzero(np.bincount(one, minlength=256))
    group = np.arange(256)
    group[ends] = 256  # every empty cell's byte: one value
    if len(set(group[present].tolist())) > _FEW:  # (a set: np.unique would import numpy.ma, 8 ms)
        return None
    firsts = {}
    for b in present.tolist():
        at = int(np.argmax(one == b))
        g = int(group[b])
        firsts[g] = min(at, firsts.get(g, at))
    order = sorted(firsts, key=firsts.__getitem__)
    lut = np.empty(257, dtype=np.int64)
    lut[order] = np.arange(len(order))
    return lut[group].take(one), np.array(sorted(firsts.values()), dtype=np.int64)


def _first_codes(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer keys as codes 0, 1, ... in order of first appearance, and how many distinct keys there are
    (a few small keys value by value; else pandas' hash table when pandas is loaded anyway and the keys are
    few, else a sort: the same codes)."""
    if len(key) and int(key.max()) < _FEW_RANGE:  # e.g. one-byte codes: the few values found one at a time
        present = np.flatnonzero(np.bincount(key.astype(np.int64)))
        if len(present) <= _FEW:
            firsts = [int(np.argmax(key == v)) for v in present.tolist()]
            lut = np.empty(int(present[-1]) + 1, dtype=np.int64)
            lut[present[np.argsort(firsts, kind="stable")]] = np.arange(len(present))
            return lut[key], len(present)
    pd = sys.modules.get("pandas")
    if pd is not None and len(key) < _SORT_FROM:
        codes, uniq = pd.factorize(key)
        return codes.astype(np.int64, copy=False), len(uniq)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)], len(first)


class LazyColumns(Sequence[np.ndarray]):
    """The text columns of a Grid, each cut out of the text on first use (a numeric column read by
    Grid.numbers never becomes strings)."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return self.grid.n_columns

    def __getitem__(self, j):  # type: ignore[override]
        if isinstance(j, slice):
            return [self[i] for i in range(len(self))[j]]
        j = range(len(self))[j]
        col = self._cache.get(j)
        if col is None:
            if "pandas" in sys.modules:  # a hash table is at hand: one string per distinct value
                codes, distinct = self.grid.factorize(j)
                col = distinct[codes]
            else:
                col = self.grid.texts(j)
            self._cache[j] = col
        return col

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[j] for j in range(len(self)))


def plain_grid(text: str, delim: str, data: bytes | None = None) -> tuple[list[str], Grid] | None:
    """(header cells, Grid) of a plain text (see the module docstring), or None when the file needs a real
    tokenizer. ``text`` must have no quotes and "\\r" only in "\\r\\n" (the caller checks plainness);
    ``data``: ``text.encode("utf-8")`` when the caller has it (the file's bytes)."""
    if len(delim) != 1 or not delim.isascii() or delim in "\"\r\n" or '"' in text:
        return None
    data = text.encode("utf-8") if data is None else data
    buf = np.frombuffer(data + bytes(8), dtype=np.uint8)  # padded: every offset starts 8 readable bytes
    # (fewer fresh temporaries: each is a first touch of new memory in a new process, 6 files x 1M rows: ~30 ms)
    hit = np.equal(buf, 10)
    nl = np.flatnonzero(hit)
    line_start = np.empty(len(nl) + 1, dtype=np.int64)
    line_start[0] = 0
    np.add(nl, 1, out=line_start[1:])
    line_end = nl if text.endswith("\n") else np.append(nl, len(data))
    if text.endswith("\n"):
        line_start = line_start[:-1]
    lengths = line_end - line_start
    if not len(line_start) or int(lengths.max()) > MAX_CELL_CHARS:
        return None
    if "\r" in text:
        cr = (line_end > line_start) & (buf[np.maximum(line_end - 1, 0)] == 13)
        line_end = line_end - cr  # "\r\n": the "\r" is no cell's
        lengths -= cr
    n = data[: int(line_end[0])].count(delim.encode()) + 1
    if line_end[0] == line_start[0]:
        return None
    filled = lengths > 0
    if filled.all():  # no empty line: no copies
        keep = np.arange(len(line_start))
    else:
        keep = np.flatnonzero(filled)
        line_start, line_end, lengths = line_start[keep], line_end[keep], lengths[keep]
    dpos = np.flatnonzero(np.equal(buf, ord(delim), out=hit))
    del hit
    if len(dpos) != len(keep) * (n - 1):
        return None
    d = dpos.reshape(len(keep), n - 1)
    # consecutive groups of n - 1 delimiters, each inside its own line: every line has exactly n - 1
    if n > 1 and ((d[:, 0] < line_start).any() or (d[:, -1] >= line_end).any()):
        return None
    cont = None if text.isascii() else np.flatnonzero((buf & 0xC0) == 0x80)
    grid = Grid(text, buf, d, line_start, line_end, keep, cont)
    header = [str(grid.texts(j, np.array([0]))[0]).strip() for j in range(n)]
    body = slice(1, None)
    blank = lengths[1:] == n - 1  # only delimiters: every cell empty (a plain file's blank)
    if blank.any():
        body = np.flatnonzero(~blank) + 1
    grid.delims, grid.first, grid.last, grid.rows = d[body], line_start[body], line_end[body], keep[body]
    grid._span = None
    return header, grid
