"""REML variance components of rating = mu + unit + coder + error (crossed random effects), by Newton's method.

The model psych::ICC fits with lme4 when ``lmer = TRUE`` (Bates et al. 2015): y = mu 1 + Z_A a + Z_B b + e with
a ~ N(0, s2_A I), b ~ N(0, s2_B I), e ~ N(0, s2 I). With the error variance profiled out, the REML criterion in
the variance ratios t = (t_A, t_B) = (s2_A, s2_B) / s2 is (Harville 1977; Searle, Casella & McCulloch 1992, ch. 6)

    f(t) = (N - 1) log(y'Py) + log|H| + log(1'H^-1 1),   H = I + t_A Z_A Z_A' + t_B Z_B Z_B',
    P = H^-1 - H^-1 1 1' H^-1 / (1'H^-1 1),   s2 = y'Py / (N - 1),

with the analytic gradient and Hessian (V_j = Z_j Z_j'):

    df/dt_j = tr(P V_j) - (N - 1) |Z_j'Py|^2 / y'Py
    d2f/dt_i dt_j = (N - 1) [2 (Z_i'Py)'(Z_i'P Z_j)(Z_j'Py) / y'Py - |Z_i'Py|^2 |Z_j'Py|^2 / (y'Py)^2]
                    - |Z_i'P Z_j|_F^2.

Group A (the factor with more levels) is absorbed in closed form: W = (I + t_A Z_A Z_A')^-1 is block diagonal,
I - t_A/(1 + t_A d_i) 11' per level i with d_i ratings; the factor with fewer levels (m of them) goes through
the m x m matrix Q = I + t_B K, K = Z_B'W Z_B = D_B - t_A Inc' diag(s) Inc, s_i = 1 / (1 + t_A d_i), so that
H^-1 = W - t_B W Z_B Q^-1 Z_B' W and log|H| = sum log(1 + t_A d_i) + log|Q|. Every quantity above is then a sum
over levels, weighted Gram matrices Inc' diag(w) Inc of the levels x levels incidence, or m x m algebra: one
Newton step costs O(N + levels x m^2 + m^3), never O(N^2) or O(N^3), and nothing divides by a ratio, so a
ratio of 0 (the boundary, a common optimum for coders) is evaluated exactly. Projected Newton steps with a
backtracking line search; the bound t >= 0 is kept by fixing a ratio at 0 while its gradient points outward.
At t_B = 0 (where most coder ratios end) Q = I: the state and its derivatives leave out the terms that are
exactly 0 there (the same bits as the general formulas, tested), and one free ratio takes the 1 x 1 case of the
Newton direction without LAPACK.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

MAX_DENSE_LEVELS = 3000  # the smaller factor's levels go through an m x m matrix: at most this many
MAX_WORK = 2e9  # levels x m^2 per Newton step, the bound on the work of one fit (about 15 steps)


@dataclass(frozen=True)
class Design:
    """Sufficient statistics of y over a levels(A) x levels(B) incidence. Levels of A rated by the same set of
    B levels share a pattern (a row of ``pat``): the Gram matrices Inc' diag(w) Inc, with w a function of the
    number of ratings d_i, are sums over the patterns, not over the levels."""

    pat: np.ndarray  # patterns x B, 1.0 where rated
    pid: np.ndarray  # pattern of each level of A
    d_a: np.ndarray  # ratings per level of A
    d_b: np.ndarray
    y_a: np.ndarray  # sums of y per level
    y_b: np.ndarray
    yy: float
    y1: float
    n_obs: int
    sparse: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None  # see sparse_incidence

    @cached_property
    def diag_b(self) -> np.ndarray:
        """diag(D_B), the ratings per level of B on the diagonal (made once per design, not per step)."""
        return np.diag(self.d_b)

    @cached_property
    def eye_b(self) -> np.ndarray:
        return np.eye(len(self.d_b))

    def inc_t(self, v: np.ndarray) -> np.ndarray:
        """Inc' v."""
        agg = np.bincount(self.pid, weights=v, minlength=len(self.pat))
        if self.sparse is not None:
            pr, pc = self.sparse[:2]
            return np.bincount(pc, weights=agg[pr], minlength=len(self.d_b))
        return self.pat.T @ agg

    def inc(self, w: np.ndarray) -> np.ndarray:
        """Inc w."""
        if self.sparse is not None:
            pr, pc = self.sparse[:2]
            return np.bincount(pr, weights=w[pc], minlength=len(self.pat))[self.pid]
        return (self.pat @ w)[self.pid]

    def gram(self, w: np.ndarray) -> np.ndarray:
        """Inc' diag(w) Inc."""
        agg = np.bincount(self.pid, weights=w, minlength=len(self.pat))
        if self.sparse is not None:
            key, of = self.sparse[2:]
            m = len(self.d_b)
            return np.bincount(key, weights=agg[of], minlength=m * m).reshape(m, m)
        return (self.pat * agg[:, None]).T @ self.pat


SPARSE_BELOW = 0.05  # patterns x levels(B) filled below this share (crowd designs): the incidence as index lists
SPARSE_FROM = 1 << 18  # ... and at least this many cells in the pattern matrix


def sparse_incidence(pat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The rated cells of a sparse pattern matrix as index lists: (pattern, level of B) of each, and each
    ordered pair (b, b') of levels rated in one pattern as the key b m + b' with its pattern. Then Inc' v, Inc w
    and Inc' diag(w) Inc are bincounts over these (O(cells + pairs), not O(patterns x m^2)); the same sums in
    another order (equal to about 1e-15 relative). None for a dense matrix."""
    if pat.size < SPARSE_FROM:
        return None
    per = np.count_nonzero(pat, axis=1)
    if per.sum() > SPARSE_BELOW * pat.size:
        return None
    m = pat.shape[1]
    pr, pc = np.nonzero(pat)
    keys, ofs = [], []
    start = np.concatenate(([0], np.cumsum(per)[:-1]))
    for r in np.unique(per[per > 0]).tolist():
        rows = np.flatnonzero(per == r)
        cols = pc[start[rows][:, None] + np.arange(r)]  # the pattern's levels, r of them
        keys.append((cols[:, :, None] * m + cols[:, None, :]).ravel())
        ofs.append(np.repeat(rows, r * r))
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    of = np.concatenate(ofs) if ofs else np.zeros(0, dtype=np.int64)
    return pr, pc, key, of


def design(x: np.ndarray) -> Design:
    obs = ~np.isnan(x)
    y = np.where(obs, x, 0.0)
    first, pid = _patterns(obs)
    pat = obs[first].astype(float)
    return Design(pat, pid, np.count_nonzero(obs, axis=1).astype(float),
                  np.count_nonzero(obs, axis=0).astype(float), np.einsum("ij->i", y), np.einsum("ij->j", y),
                  float(np.einsum("ij,ij->", y, y)), float(np.einsum("ij->", y)), int(np.count_nonzero(obs)),
                  sparse_incidence(pat))


def _patterns(obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a row of each distinct pattern, the pattern of each row) of a boolean matrix."""
    m = obs.shape[1]
    if m <= 20:  # the pattern as an integer: a table over 2^m keys, no sort
        key = np.zeros(obs.shape[0], dtype=np.int64)
        for j in range(m):
            key |= obs[:, j].astype(np.int64) << j
        seen = np.zeros(1 << m, dtype=np.int64)
        seen[key] = 1
        ids = np.cumsum(seen) - 1
        pid = ids[key]
        first = np.empty(int(seen.sum()), dtype=np.int64)
        first[pid[::-1]] = np.arange(len(pid))[::-1]
        return first, pid
    _, first, pid = np.unique(np.packbits(obs, axis=1), axis=0, return_index=True, return_inverse=True)
    return first, pid.ravel()


def work(shape: tuple[int, int]) -> float:
    """Levels x m^2: the cost of one Newton step on a units x coders matrix of this shape."""
    big, small = max(shape), min(shape)
    return float(big) * small * small


def too_large(shape: tuple[int, int]) -> str | None:
    """Why a design of this shape is not fitted (None: it is)."""
    small = min(shape)
    if small > MAX_DENSE_LEVELS:
        return (f"both factors have more than {MAX_DENSE_LEVELS} levels ({shape[0]} units, {shape[1]} coders): "
                f"mixed model not fitted")
    if work(shape) > MAX_WORK:
        return f"{shape[0]} units x {shape[1]} coders is beyond the mixed model's work bound: not fitted"
    return None


class _State:
    """Everything f, its gradient and Hessian need at one t."""

    def __init__(self, d: Design, t_a: float, t_b: float, shortcut: bool = True) -> None:
        """``shortcut``: at t_B = 0 leave out the terms that are exactly 0 there (False: the general formulas)."""
        self.d, self.t_a, self.t_b = d, t_a, t_b
        s = 1.0 / (1.0 + t_a * d.d_a)
        self.s = s
        k = d.diag_b - t_a * d.gram(s)
        self.k = k
        self.zero_b = shortcut and t_b == 0  # Q = I exactly: Q^-1 = I, log|Q| = 0 and every t_B term vanishes; skipped
        if self.zero_b:
            self.q_inv = d.eye_b
            self.logdet = float(np.log1p(t_a * d.d_a).sum() + 0.0)
        else:
            q = d.eye_b + t_b * k
            self.q_inv = np.linalg.inv(q)
            self.logdet = float(np.log1p(t_a * d.d_a).sum() + np.linalg.slogdet(q)[1])
        # H^-1 applied to y and 1, through their level sums
        self.g_y = self._g_b(d.y_a, d.y_b)
        self.g_1 = self._g_b(d.d_a, d.d_b)
        c1 = self._quad(d.n_obs, d.d_a, d.d_a, self.g_1, self.g_1)
        cy = self._quad(d.y1, d.y_a, d.d_a, self.g_y, self.g_1)
        yy = self._quad(d.yy, d.y_a, d.y_a, self.g_y, self.g_y)
        self.c1, self.beta = c1, cy / c1
        self.rss = yy - cy * cy / c1
        # residual r = y - beta 1: Z_j'Py = Z_j'H^-1 r
        r_a, r_b = d.y_a - self.beta * d.d_a, d.y_b - self.beta * d.d_b
        self.py_a, self.py_b = self._zh(r_a, r_b)
        self.h1_a, self.h1_b = self._zh(d.d_a, d.d_b)  # Z_j'H^-1 1

    def _solve(self, v: np.ndarray) -> np.ndarray:
        return v if self.zero_b else self.q_inv @ v

    def _g_b(self, v_a: np.ndarray, v_b: np.ndarray) -> np.ndarray:
        """Z_B'W v from the level sums of v."""
        return v_b - self.t_a * self.d.inc_t(self.s * v_a)

    def _quad(self, vw: float, v_a: np.ndarray, w_a: np.ndarray, gv: np.ndarray, gw: np.ndarray) -> float:
        """v'H^-1 w = v'w - t_A sum s (Z_A'v)(Z_A'w) - t_B (Z_B'W v)' Q^-1 (Z_B'W w)."""
        if self.zero_b:
            return float(vw - self.t_a * np.einsum("i,i,i->", self.s, v_a, w_a))
        return float(vw - self.t_a * np.einsum("i,i,i->", self.s, v_a, w_a) - self.t_b * gv @ self._solve(gw))

    def _zh(self, v_a: np.ndarray, v_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Z_A'H^-1 v, Z_B'H^-1 v) = (s v_A - t_B diag(s) Inc Q^-1 g, Q^-1 g), g = Z_B'W v."""
        qg = self._solve(self._g_b(v_a, v_b))
        if self.zero_b:
            return self.s * v_a, qg
        return self.s * (v_a - self.t_b * self.d.inc(qg)), qg

    @property
    def f(self) -> float:
        return (self.d.n_obs - 1) * np.log(max(self.rss, 1e-300)) + self.logdet + np.log(self.c1)

    def derivatives(self) -> tuple[np.ndarray, np.ndarray]:
        if self.zero_b:
            return self._derivatives_zero_b()
        d, s, t_b = self.d, self.s, self.t_b
        qi = self.q_inv
        e = d.gram(s * s)  # Inc' diag(s^2) Inc
        kq = self.k @ qi  # Z_B'H^-1 Z_B = K Q^-1
        qe = qi @ e
        # Z_j'H^-1 Z_j traces and squared Frobenius norms of G_ij = Z_i'H^-1 Z_j
        ds = d.d_a * s
        tr_a = float(ds.sum() - t_b * np.trace(qe))
        tr_b = float(np.trace(kq))
        fro_bb = float((kq * kq).sum())
        fro_ab = float(np.trace(qe @ qi))
        fro_aa = float((ds * ds).sum() - 2 * t_b * np.trace(qi @ d.gram(d.d_a * s**3))
                       + t_b * t_b * np.trace(qe @ qe))

        def g_aa(v: np.ndarray) -> np.ndarray:  # (Z_A'H^-1 Z_A) v
            return ds * v - t_b * s * d.inc(qi @ d.inc_t(s * v))

        def g_ab(v: np.ndarray) -> np.ndarray:  # (Z_A'H^-1 Z_B) v = diag(s) Inc Q^-1 v
            return s * d.inc(qi @ v)

        def g_ba(v: np.ndarray) -> np.ndarray:  # (Z_B'H^-1 Z_A) v
            return qi @ d.inc_t(s * v)

        apply = {(0, 0): g_aa, (0, 1): g_ab, (1, 0): g_ba, (1, 1): lambda v: kq @ v}
        fro = {(0, 0): fro_aa, (0, 1): fro_ab, (1, 0): fro_ab, (1, 1): fro_bb}
        return self._assemble(apply, fro, tr_a, tr_b)

    def _derivatives_zero_b(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`derivatives` at t_B = 0 (the boundary, where most coder ratios end): Q^-1 = I and the t_B terms
        are 0, so the same formulas without them (K Q^-1 = K, Q^-1 E = E, ...)."""
        d, s, k = self.d, self.s, self.k
        e = d.gram(s * s)
        ds = d.d_a * s
        tr_a = float(ds.sum())
        tr_b = float(np.trace(k))
        fro_bb = float((k * k).sum())
        fro_ab = float(np.trace(e))
        fro_aa = float((ds * ds).sum())
        apply = {(0, 0): lambda v: ds * v, (0, 1): lambda v: s * d.inc(v), (1, 0): lambda v: d.inc_t(s * v),
                 (1, 1): lambda v: k @ v}
        fro = {(0, 0): fro_aa, (0, 1): fro_ab, (1, 0): fro_ab, (1, 1): fro_bb}
        return self._assemble(apply, fro, tr_a, tr_b)

    def _assemble(self, apply: dict, fro: dict, tr_a: float, tr_b: float) -> tuple[np.ndarray, np.ndarray]:
        """The gradient and Hessian from the traces, the products G_ij v (``apply``) and |G_ij|_F^2 (``fro``)."""
        n1, rss, c1 = self.d.n_obs - 1, self.rss, self.c1
        h = (self.h1_a, self.h1_b)
        u = (self.py_a, self.py_b)
        uu = [_dot(u[j], u[j]) for j in range(2)]
        hh = [_dot(h[j], h[j]) for j in range(2)]
        grad = np.array([tr_a - hh[0] / c1 - n1 * uu[0] / rss, tr_b - hh[1] / c1 - n1 * uu[1] / rss])
        hess = np.empty((2, 2))
        for i in range(2):
            for j in range(i, 2):
                g = apply[(i, j)]
                # Z_i'P Z_j = G_ij - h_i h_j' / c1
                upu = _dot(u[i], g(u[j])) - _dot(u[i], h[i]) * _dot(h[j], u[j]) / c1
                tr_pp = fro[(i, j)] - 2 * _dot(h[i], g(h[j])) / c1 + hh[i] * hh[j] / (c1 * c1)
                hess[i, j] = hess[j, i] = n1 * (2 * upu / rss - uu[i] * uu[j] / (rss * rss)) - tr_pp
        return grad, hess


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """a'b without BLAS (multithreaded BLAS is slow on long vectors on a few busy cores)."""
    return float(np.einsum("i,i->", a, b))


def fit(d: Design, start: tuple[float, float], max_steps: int = 100) -> tuple[float, float, _State, int]:
    """Projected Newton on f(t), t >= 0, from ``start``; returns (t_A, t_B, state at the optimum, steps)."""
    t = np.maximum(np.asarray(start, dtype=float), 0.0)
    st = _State(d, *t)
    tss = d.yy - d.y1 * d.y1 / d.n_obs  # total sum of squares: y'Py is at most this
    last = np.inf
    for step in range(1, max_steps + 1):
        if not st.rss > 1e-13 * tss:  # the effects fit the ratings exactly: no error variance left to profile
            return float(t[0]), float(t[1]), st, step
        g, h = st.derivatives()
        free = ~((t <= 0) & (g > 0))  # a ratio at 0 whose gradient points outward stays there
        if not free.any():
            return float(t[0]), float(t[1]), st, step
        direction = _direction(h, g, free)
        decrement = -float(g @ direction)  # the Newton decrement: the decrease a full step would bring
        near = decrement <= 1e-8 * max(1.0, abs(st.f))  # f no longer resolves the decrease: trust the model
        lam, moved = 1.0, False
        for _ in range(1 if near else 40):
            cand = np.maximum(t + lam * direction, 0.0)
            nst = _State(d, *cand)
            if near or nst.f <= st.f - 1e-4 * lam * decrement:
                moved = True
                break
            lam /= 2
        if not moved:  # no decrease left above rounding: the optimum
            return float(t[0]), float(t[1]), st, step
        delta = np.abs(cand - t).max()
        t, st = cand, nst
        # converged: a step below rounding, or (near the optimum) steps no longer shrinking: rounding noise
        if delta <= 1e-11 * (1 + np.abs(t).max()) or t.max() > 1e12 or (near and delta >= last):
            return float(t[0]), float(t[1]), st, step
        last = delta if near else np.inf
    return float(t[0]), float(t[1]), st, max_steps


def _direction(h: np.ndarray, g: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The Newton direction -|H|^-1 g on the free ratios (|H|: eigenvalues by their absolute values, floored: a
    saddle or a flat direction gives a descent step anyway); 0 on the fixed ones. One free ratio: the 1 x 1
    case of the same formula (eigenvalue h_ii, eigenvector 1), without LAPACK."""
    direction = np.zeros(2)
    if free.all():
        w, v = np.linalg.eigh(h)
        w = np.abs(w)
        w = np.maximum(w, 1e-10 * w.max() + 1e-300)
        direction[:] = -(v @ ((v.T @ g) / w))
        return direction
    i = 0 if free[0] else 1
    w1 = abs(float(h[i, i]))
    direction[i] = -(float(g[i]) / max(w1, 1e-10 * w1 + 1e-300))
    return direction


class NotFitted(ValueError):
    """The mixed model cannot be fitted to these ratings; the message says why."""


def variance_components(values: np.ndarray, start: tuple[float, float] | None = None) -> dict[str, float]:
    """REML (unit, coder, error) variances of a units x coders matrix (NaN = missing); ``start``: initial
    (unit/error, coder/error) ratios (default: from the two-way ANOVA of the complete units, else 1 and 0.1).
    Raises :class:`NotFitted` when no residual variance is left to estimate (ratings <= units + coders - 1, or
    the effects fit every rating exactly: the REML optimum is at an infinite ratio)."""
    x = np.asarray(values, dtype=float)
    n, k = x.shape
    swap = k > n  # the factor with more levels is absorbed in closed form
    d = design(x.T if swap else x)
    if d.n_obs <= n + k - 1:
        raise NotFitted(f"{d.n_obs} ratings leave no residual degrees of freedom beside {n} unit and {k} coder "
                        f"effects: mixed model not fitted")
    if start is None:
        start = _start(x)
    t0 = (start[1], start[0]) if swap else start
    t_a, t_b, st, _ = fit(d, t0)
    if not st.rss > 1e-12 * (d.yy - d.y1 * d.y1 / d.n_obs):
        raise NotFitted("the unit and coder effects fit every rating exactly (no error variance): mixed model "
                        "not fitted")
    err = st.rss / (d.n_obs - 1)
    t_u, t_c = (t_b, t_a) if swap else (t_a, t_b)
    return {"unit": t_u * err, "coder": t_c * err, "error": err}


def _start(x: np.ndarray) -> tuple[float, float]:
    from irrkit.statistics.anova import mean_squares
    n, k = x.shape
    complete = x[~np.isnan(x).any(axis=1)]
    if len(complete) >= 2:
        ms = mean_squares(complete)
        e0 = ms.ems if ms.ems > 0 else float(np.nanvar(x)) / 2 or 1.0
        return max((ms.bms - ms.ems) / k, 0.0) / e0 + 1e-3, max((ms.jms - ms.ems) / len(complete), 0.0) / e0 + 1e-3
    return 1.0, 0.1
