"""Event matching: the vectorised matcher (one-to-one blocks at once, the Hungarian algorithm on the others)
gives the matching of the plain per-video, per-block loop below (the previous implementation, kept here as the
reference), pair for pair and in the same order, for both rules, with point events and several videos."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from irrkit.episodes import events
from irrkit.episodes.timecode import EpisodeSpec, build


def reference_match(es, a, b, tol, rule):
    pairs = []
    both = np.flatnonzero((es.coder == a) | (es.coder == b))
    for v in np.unique(es.video[both]):
        idx = both[es.video[both] == v]
        o = idx[np.argsort(es.start[idx], kind="stable")]
        s = es.start[o]
        if rule == "onset":
            cut = np.flatnonzero(np.diff(s) > tol) + 1
        else:
            reach = np.maximum.accumulate(np.maximum(es.end[o], es.start[o] + tol + 1))
            cut = np.flatnonzero(s[1:] >= reach[:-1]) + 1
        for blk in np.split(o, cut):
            ia, ib = blk[es.coder[blk] == a], blk[es.coder[blk] == b]
            if not len(ia) or not len(ib):
                continue
            ok = events._eligible(es, ia[:, None], ib[None, :], tol, rule)
            if not ok.any():
                continue
            k = min(len(ia), len(ib))
            d = np.abs(es.start[ia][:, None] - es.start[ib][None, :]).astype(float)
            dn = d / (d[ok].max() + 1.0) / (k + 1)
            same = es.code[ia][:, None] == es.code[ib][None, :]
            r, c = linear_sum_assignment(np.where(ok, (k + 1.0) * (k + 2.0) + same * 1.0 - dn, 0.0), maximize=True)
            pairs += [(int(ia[i]), int(ib[j])) for i, j in zip(r, c) if ok[i, j]]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def generated(seed):
    rnd = random.Random(seed)
    spec = EpisodeSpec("cry", ("a", "b", "c"), overlap=True, step=1.0, tolerance=2.0)
    rows, line = [], 2
    for v in ("v1", "v2", "v3")[: 1 + seed % 3]:
        truth = []
        t = 0.0
        while t < 200:
            t += rnd.uniform(0.2, 8)
            truth.append((t, rnd.uniform(0, 6) if rnd.random() < 0.8 else 0.0, rnd.randrange(3)))
        for c in ("A", "B", "C"):
            for s, d, k in truth:
                if rnd.random() < 0.15:
                    continue
                s2 = max(0.0, s + rnd.gauss(0, 1.5))
                rows.append((v, c, round(s2 * 1000), round((s2 + d) * 1000), k if rnd.random() < 0.8 else
                             rnd.randrange(3), 0, line))
                line += 1
    return build(spec, rows, ["generated.csv"])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("rule", events.RULES)
def test_vectorised_matching_equals_the_block_loop(seed, rule):
    es = generated(seed)
    for tol in (0, 500, 2000, 6000):
        for a, b in ((0, 1), (1, 2), (2, 0)):
            got = events.match(es, a, b, tol, rule)
            want = reference_match(es, a, b, tol, rule)
            assert np.array_equal(got.pairs, want), (tol, a, b)
            matched = set(want.ravel().tolist())
            assert got.only_a.tolist() == [i for i in np.flatnonzero(es.coder == a) if i not in matched]
            assert got.only_b.tolist() == [i for i in np.flatnonzero(es.coder == b) if i not in matched]


def test_no_episodes_of_one_coder():
    es = generated(0)
    none = es.select(es.coder != 1)
    got = events.match(none, 0, 1, 2000)
    assert got.pairs.shape == (0, 2) and got.only_b.size == 0 and got.only_a.size == int((none.coder == 0).sum())
    empty = events.match(es.select(es.coder > 5), 0, 1, 2000)
    assert empty.pairs.shape == (0, 2) and empty.only_a.size == 0 and empty.only_b.size == 0


def objective(es, pairs):
    """The matching's lexicographic objective: (pairs, same-code pairs, total onset difference)."""
    a, b = pairs[:, 0], pairs[:, 1]
    return len(pairs), int((es.code[a] == es.code[b]).sum()), int(np.abs(es.start[a] - es.start[b]).sum())


def contiguous(n, jitter, seed=0, tol=5.0):
    """Two coders' contiguous episodes of 10 s, B's shifted by 5 s (and jittered): one long chain of choices."""
    rng = np.random.default_rng(seed)
    spec = EpisodeSpec("cry", ("a", "b", "c"), step=1.0, tolerance=tol)
    rows = []
    for c, off in (("A", 0), ("B", 5000)):
        t = np.arange(n) * 10000 + off
        if jitter and c == "B":
            t = np.sort(t + rng.integers(-jitter, jitter + 1, n))
        ends = np.append(t[1:], t[-1] + 10000)
        rows += [("v", c, int(s), int(e), int(rng.integers(3)), 0, 0) for s, e in zip(t, ends)]
    return build(spec, rows, ["x"])


@pytest.mark.parametrize("stages", [False, True])
@pytest.mark.parametrize("rule", events.RULES)
def test_sparse_solver_equals_the_dense_one(monkeypatch, rule, stages):
    """Every block solved sparsely (in one solve, or in two stages through the LP's tight edges) reaches the
    dense Hungarian's optimum on every criterion, on random blocks and on a small analogue of the 12,000-episode
    chain; the matching's pairs are eligible and one to one."""
    cases = [(generated(seed), tol) for seed in range(6) for tol in (500, 2000, 6000)]
    cases += [(contiguous(300, j, seed), 5000) for seed in range(3) for j in (0, 3000)]
    for es, tol in cases:
        for a, b in ((0, 1), (1, 0)) if len(es.coders) == 2 else ((0, 1), (1, 2), (2, 0)):
            monkeypatch.setattr(events, "DENSE_MAX_CELLS", 10**12)
            dense = events.match(es, a, b, tol, rule)
            monkeypatch.setattr(events, "DENSE_MAX_CELLS", 0)
            monkeypatch.setattr(events, "EXACT_MAX", 0.0 if stages else 2.0**52)
            sparse = events.match(es, a, b, tol, rule)
            assert objective(es, sparse.pairs) == objective(es, dense.pairs), (tol, a, b)
            p = sparse.pairs
            assert events._eligible(es, p[:, 0], p[:, 1], tol, rule).all()
            assert len(np.unique(p[:, 0])) == len(p) == len(np.unique(p[:, 1]))
            assert set(p[:, 0]) | set(sparse.only_a) == set(np.flatnonzero(es.coder == a))


def test_large_chain_is_solved_sparsely(monkeypatch):
    """12,000 contiguous episodes per coder (one block): never a 12k x 12k table (the dense path is refused
    here), every episode matched: a full matching exists (A_i with B_i)."""
    es = contiguous(12_000, 0)

    def refuse(*args):
        raise AssertionError("dense table for a large block")

    monkeypatch.setattr(events, "_dense", refuse)
    for rule in events.RULES:
        m = events.match(es, 0, 1, 5000, rule)
        assert len(m.pairs) == 12_000 and not len(m.only_a) and not len(m.only_b)
