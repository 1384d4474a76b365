"""The units x categories count table without its zeros, for items with many distinct values.

A 241-value duration item over 20,000 units or a continuous scale with a value per rating would make the dense
n x q table (and a q x q weight matrix) the largest object of a run. :class:`SparseCounts` keeps only the
nonzero cells (unit i, category k, r_ik), at most one per rating, sorted by unit and category; every sum the
engine (:mod:`irrkit.statistics.chance_corrected`) takes over the table is a ``bincount`` over these cells, and the
weighted sums over pairs of ratings go through the kernel's closed form (:mod:`irrkit.statistics.weights`). Memory
and time are O(ratings + q), whatever q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from irrkit.statistics.weights import DifferenceKernel, IdentityKernel, Kernel

PAIR_CHUNK = 1 << 21  # pairs of cells evaluated at a time where a kernel has no closed form


@dataclass(frozen=True)
class SparseCounts:
    """Nonzero cells of a units x categories count table, sorted by unit, then category."""

    unit: np.ndarray  # int64
    code: np.ndarray  # int64, 0..q-1
    count: np.ndarray  # float
    n: int
    q: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.n, self.q

    def row_sums(self) -> np.ndarray:
        # (np.bincount of no cells is int64 even with weights: float always, so in-place division works)
        return np.bincount(self.unit, weights=self.count, minlength=self.n).astype(float, copy=False)

    def row_dot(self, v: np.ndarray) -> np.ndarray:
        """sum_k r_ik v_k for each unit."""
        return np.bincount(self.unit, weights=self.count * v[self.code], minlength=self.n).astype(float, copy=False)

    def col_sums(self, per_unit: np.ndarray | None = None) -> np.ndarray:
        """sum_i r_ik (times ``per_unit[i]``) for each category."""
        w = self.count if per_unit is None else self.count * per_unit[self.unit]
        return np.bincount(self.code, weights=w, minlength=self.q)

    def take_units(self, keep: np.ndarray) -> SparseCounts:
        """The rows ``keep`` (ascending unit indices), renumbered 0..len(keep)-1."""
        new = np.full(self.n, -1, dtype=np.int64)
        new[keep] = np.arange(len(keep))
        u = new[self.unit]
        sel = u >= 0
        return SparseCounts(u[sel], self.code[sel], self.count[sel], len(keep), self.q)

    def dense(self) -> np.ndarray:
        out = np.zeros((self.n, self.q))
        out[self.unit, self.code] = self.count
        return out

    def pair_sums(self, kernel: Kernel) -> np.ndarray:
        """sum_kl r_ik r_il w_kl for each unit: the weighted number of ordered pairs of ratings (pairs of a
        rating with itself included)."""
        c, n = self.count, self.n
        if isinstance(kernel, IdentityKernel):
            return np.bincount(self.unit, weights=c * c, minlength=n)
        ri = self.row_sums()
        if isinstance(kernel, DifferenceKernel) and kernel.closed_form:
            out = ri * ri
            t = kernel.t[self.code]
            if kernel.sq:  # sum_jj' (t_j - t_j')^2 = 2 r SS, SS about the unit's mean
                mean = np.bincount(self.unit, weights=c * t, minlength=n) / np.where(ri > 0, ri, 1)
                d = t - mean[self.unit]
                out = out - kernel.sq * 2 * ri * np.bincount(self.unit, weights=c * d * d, minlength=n)
            if kernel.ab:
                # the cell k of a unit holds the ratings ranked C_<k + 1 .. C_<k + c_k among the unit's sorted
                # ratings, and sum_jj' |t_j - t_j'| = 2 sum_j (2 j - r - 1) t_(j), so the cell adds
                # 2 t_k c_k (2 C_<k + c_k - r); C_<k are whole numbers: exact running sums
                start = np.searchsorted(self.unit, np.arange(n))
                run = np.cumsum(c) - c
                below = run - run[start[self.unit]]
                lin = np.bincount(self.unit, weights=t * c * (2 * below + c - ri[self.unit]), minlength=n)
                out = out - kernel.ab * 2 * lin
            return out
        return self._pairs(kernel)

    def _pairs(self, kernel: Kernel) -> np.ndarray:
        """Every pair of cells of a unit, ``PAIR_CHUNK`` pairs at a time, through ``kernel.pair``."""
        n, m = self.n, len(self.unit)
        start = np.searchsorted(self.unit, np.arange(n + 1))
        size = np.diff(start)
        per_cell = size[self.unit]  # partners of each cell
        out = np.zeros(n)
        lo = 0
        ends = np.cumsum(per_cell)
        while lo < m:
            hi = int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + PAIR_CHUNK, side="right"))
            hi = max(hi, lo + 1)
            cells = np.arange(lo, hi)
            reps = per_cell[cells]
            e = np.repeat(cells, reps)
            offs = np.arange(len(e)) - np.repeat(np.cumsum(reps) - reps, reps)
            f = start[self.unit[e]] + offs
            w = kernel.pair(self.code[e], self.code[f]) * self.count[e] * self.count[f]
            out += np.bincount(self.unit[e], weights=w, minlength=n)
            lo = hi
        return out


def sparse_count_table(codes: np.ndarray, q: int, chunk: int = 1 << 16) -> SparseCounts:
    """The nonzero cells of the count table of a units x coders index matrix (-1 = missing): each row sorted,
    runs of equal codes counted, ``chunk`` units at a time."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[:, None]
    n = codes.shape[0]
    units, cats, counts = [], [], []
    for s in range(0, n, chunk):
        b = np.sort(codes[s:s + chunk], axis=1)
        valid = b >= 0
        new = valid.copy()
        new[:, 1:] &= b[:, 1:] != b[:, :-1]
        rows, cols = np.nonzero(new)
        cell = np.cumsum(new.ravel()) - 1  # the cell of each entry (entries of a run share the run's cell)
        counts.append(np.bincount(cell[valid.ravel()], minlength=len(rows)).astype(float))
        units.append(rows.astype(np.int64) + s)
        cats.append(b[rows, cols].astype(np.int64))
    if not units:
        return SparseCounts(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n, q)
    return SparseCounts(np.concatenate(units), np.concatenate(cats), np.concatenate(counts), n, q)
