"""The fast paths of the coder diagnostics (check) against the straightforward computations they replace, on
random data with missing ratings and unequal numbers of coders per unit: leave-one-coder-out from the item's
count table = analyse() without the coder, field for field, bit for bit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from irrkit.analysis import diagnostics
from irrkit.analysis.item import Options, analyse
from irrkit.ratings import ItemRatings
from irrkit.statistics.results import Coefficient


def nominal(n: int, k: int, q: int, missing: float, seed: int, empty_coder: bool = False) -> ItemRatings:
    """n units x k coders, categories 0..q-1 (agreement well above chance), NaN = missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    x = np.where(rng.random((n, k)) < 0.6, truth[:, None], rng.integers(0, q, (n, k))).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    if empty_coder:
        x[:, 1] = np.nan
    return ItemRatings("item", "nominal", [f"u{i}" for i in range(n)], [f"c{j}" for j in range(k)], x,
                       tuple(float(c) for c in range(q)), labels=tuple(f"k{c}" for c in range(q)))


def same(a: Coefficient, b: Coefficient) -> bool:
    return a.to_dict() == b.to_dict()


def slow_loo(r: ItemRatings, key: str) -> dict[str, Coefficient]:
    """The primary statistic without each coder by analyse() (the straightforward path)."""
    coders = [j for j in range(r.n_coders) if not np.isnan(r.values[:, j]).all()]
    out = {}
    for j in coders:
        keep = [c for c in coders if c != j]
        sub = replace(r, coders=[r.coders[c] for c in keep], values=r.values[:, keep], warnings=[])
        out[r.coders[j]] = analyse(sub, Options(per_category=False)).coefficients[key]
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 60), k=st.integers(3, 6), q=st.integers(1, 5), missing=st.sampled_from([0.0, 0.2, 0.6]),
       seed=st.integers(0, 10_000), key=st.sampled_from(diagnostics.TABLE_LOO), empty=st.booleans())
def test_leave_one_out_from_the_table_is_analyse_without_the_coder(n, k, q, missing, seed, key, empty):
    r = replace(nominal(n, k, q, missing, seed, empty_coder=empty), primary=key)
    try:
        res = analyse(r)
    except ZeroDivisionError:  # two_coders.cohen_fce on degenerate two-coder data (analyse's own problem)
        assume(False)
    if key not in res.coefficients:
        return
    loo = diagnostics.leave_one_out(r, res, Options())
    try:
        ref = slow_loo(r, key)
    except ZeroDivisionError:  # two_coders.cohen_fce on degenerate two-coder data (analyse's own problem)
        assume(False)
    if len([j for j in range(k) if not np.isnan(r.values[:, j]).all()]) < 3:
        assert loo.without == {}
        return
    assert loo.without.keys() == ref.keys()
    for coder, c in ref.items():
        assert same(loo.without[coder], c), (coder, loo.without[coder], c)


@pytest.mark.parametrize("key", diagnostics.TABLE_LOO)
def test_leave_one_out_fast_path_is_taken_and_exact_on_a_larger_item(key):
    r = replace(nominal(5_000, 7, 4, 0.15, 3), primary=key)
    assert diagnostics._loo_from_table(r, key, list(range(7)), Options()) is not None
    loo = diagnostics.leave_one_out(r, analyse(r), Options())
    ref = slow_loo(r, key)
    assert all(same(loo.without[c], ref[c]) for c in ref)


def test_leave_one_out_other_paths_stay_with_analyse():
    r = nominal(50, 4, 3, 0.1, 1)
    assert diagnostics._loo_from_table(r, "conger_kappa", [0, 1, 2, 3], Options()) is None
    assert diagnostics._loo_from_table(r, "fleiss_kappa", [0, 1, 2, 3], Options(weights="identity")) is None
    assert diagnostics._loo_from_table(replace(r, clusters=np.arange(50) % 5), "fleiss_kappa", [0, 1, 2, 3],
                                       Options()) is None


# ----------------------------------------------------------------------------------------------- disagreements


def old_disagreement_rows(ratings) -> list[dict]:
    """The row-by-row disagreement list (the implementation the columnar one replaced)."""
    import math

    rows = []
    for r in ratings:
        labels = list(r.labels) if r.labels else [f"{c:g}" for c in r.categories]
        lookup = {float(c): lab for c, lab in zip(r.categories, labels)}
        v = r.values
        lo = np.nanmin(np.where(np.isnan(v), np.inf, v), axis=1)
        hi = np.nanmax(np.where(np.isnan(v), -np.inf, v), axis=1)
        keep = np.flatnonzero(((~np.isnan(v)).sum(axis=1) >= 2) & (hi > lo))
        if keep.size == 0:
            continue
        sub = v[keep]
        distinct, inverse = np.unique(sub.ravel(), return_inverse=True)
        spelled = np.array(["" if math.isnan(x) else lookup.get(float(x), f"{x:g}") for x in distinct.tolist()],
                           dtype=object)
        cells = spelled[inverse.reshape(sub.shape)].tolist()
        rows.extend({"unit": r.units[i], "item": r.item, **dict(zip(r.coders, c))}
                    for i, c in zip(keep.tolist(), cells))
    return rows


NAMES = st.sampled_from(["u1", "-3", "=cmd()", "a,b", 'say "hi"', "Zoë", "line\nbreak", "", "+x", " sp", "x;y"])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), k=st.integers(2, 5), q=st.integers(1, 4), missing=st.sampled_from([0.0, 0.3, 0.8]),
       seed=st.integers(0, 10_000), odd_units=st.booleans(), odd_labels=st.booleans(), scale=st.booleans(),
       dialect=st.sampled_from(["standard", "excel-de"]), chunk=st.sampled_from([3, 1 << 16]),
       unit_name=NAMES, label=NAMES)
def test_disagreements_csv_is_the_row_by_row_text(n, k, q, missing, seed, odd_units, odd_labels, scale, dialect,
                                                   chunk, unit_name, label):
    from irrkit.outputs import tables

    a = nominal(n, k, q, missing, seed)
    if odd_units and n:
        a.units[0] = unit_name
    if odd_labels:
        a = replace(a, labels=(label, *a.labels[1:]))
    b = nominal(n, k + 1, q, missing, seed + 1)
    b = replace(b, item="second", coders=[*a.coders[1:], "extra", "c0"][:k + 1], units=list(a.units) + [])
    if scale:  # values off the categories: spelled with :g
        vals = b.values.copy()
        vals[vals == 1] = 1.5
        b = replace(b, level="interval", values=vals, labels=())
    d = tables.DIALECTS[dialect]
    new = tables.disagreement_rows([a, b], chunk=chunk)
    old = old_disagreement_rows([a, b])
    assert [dict(x) for x in new] == old
    assert tables.to_csv(new, None, d) == tables.to_csv(old, None, d)


def test_disagreements_fast_text_is_taken_on_plain_data():
    from irrkit.outputs import tables

    r = nominal(3_000, 6, 5, 0.2, 5)
    rows = tables.disagreement_rows([r])
    text = tables._disagreements_csv(rows, tables.STANDARD)
    assert text is not None and text == tables.to_csv(old_disagreement_rows([r]), None)


# ----------------------------------------------------------------------------------------------- coder pairs


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=1e-12, abs=1e-13)  # abs: a CI bound near 0 is a difference of larger terms


def same_but_last_bits(fast: Coefficient, slow: Coefficient) -> None:
    """Values, n, status, reasons and pa/pe bit for bit; SE, CI and p to 1e-12 relative or 1e-13 absolute
    (the same sums over units, taken cell by cell)."""
    f, s = fast.to_dict(), slow.to_dict()
    for k in ("se", "ci_low", "ci_high", "p_value"):
        assert close(f.pop(k), s.pop(k)), (k, fast, slow)
    assert f == s


def slow_pairs(r: ItemRatings) -> dict[tuple[str, str], dict[str, Coefficient]]:
    """Each pair through training.pair_statistics on the pair's ratings (the per-unit path)."""
    from itertools import combinations

    from irrkit.analysis.pairs import pair_statistics
    coders = [j for j in range(r.n_coders) if not np.isnan(r.values[:, j]).all()]
    return {(r.coders[x], r.coders[y]): {k: diagnostics._explained(c) for k, c in pair_statistics(
        r.values[:, x], r.values[:, y], r, 0.95, diagnostics.NOMINAL_MATRIX).items()}
        for x, y in combinations(coders, 2)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(0, 80), k=st.integers(2, 6), q=st.integers(1, 6), missing=st.sampled_from([0.0, 0.3, 0.7]),
       seed=st.integers(0, 10_000), empty=st.booleans())
def test_pairs_from_tables_are_the_per_pair_computation(n, k, q, missing, seed, empty):
    r = nominal(n, k, q, missing, seed, empty_coder=empty and k > 2)
    fast = diagnostics.pairwise(r)
    slow = slow_pairs(r)
    assert [(p.a, p.b) for p in fast] == list(slow)
    for p in fast:
        both = ~np.isnan(r.values[:, r.coders.index(p.a)]) & ~np.isnan(r.values[:, r.coders.index(p.b)])
        assert p.n_units == int(both.sum())
        assert list(p.statistics) == list(slow[p.a, p.b])
        for key, c in p.statistics.items():
            same_but_last_bits(c, slow[p.a, p.b][key])


def old_light_kappa_values(r: ItemRatings) -> list[float] | str:
    """Light's pairwise kappas as computed before: conger_kappa on the complete units of each pair."""
    from itertools import combinations

    from irrkit.statistics import chance_corrected, counting

    cols = [j for j in range(r.n_coders) if not np.isnan(r.values[:, j]).all()]
    x = r.values[:, cols]
    x = x[~np.isnan(x).any(axis=1)]
    codes = counting.category_index(x, r.categories)
    out = []
    for a, b in combinations(range(len(cols)), 2):
        c = chance_corrected.conger_kappa(codes[:, [a, b]], len(r.categories), None, 0.95, key="cohen_kappa")
        if not c.ok:
            return c.reason
        out.append(c.value)
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 80), k=st.integers(2, 6), q=st.integers(1, 5), missing=st.sampled_from([0.0, 0.1, 0.4]),
       seed=st.integers(0, 10_000))
def test_light_kappa_from_tables_is_the_mean_of_the_old_pairwise_kappas(n, k, q, missing, seed):
    r = nominal(n, k, q, missing, seed)
    lk = diagnostics.light_kappa(r)
    cols = [j for j in range(k) if not np.isnan(r.values[:, j]).all()]  # coders without ratings are left out
    complete = int((~np.isnan(r.values[:, cols])).all(axis=1).sum())
    if len(cols) < 2:
        assert not lk.ok
        return
    if complete < 2:
        assert not lk.ok
        return
    ref = old_light_kappa_values(r)
    if isinstance(ref, str):
        assert not lk.ok and ref in lk.reason
        return
    assert lk.ok and lk.value == float(np.mean(ref))  # bit for bit
    assert (lk.extra["min_pair"], lk.extra["max_pair"]) == (min(ref), max(ref))


def test_pair_tables_count_units_both_rated():
    rng = np.random.default_rng(2)
    codes = rng.integers(-1, 4, (500, 4)).astype(np.int32)
    tabs = diagnostics.pair_tables(codes, 4, [(0, 1), (2, 3), (3, 0)])
    for (x, y), t in zip([(0, 1), (2, 3), (3, 0)], tabs):
        ref = np.zeros((4, 4), dtype=int)
        for a, b in zip(codes[:, x], codes[:, y]):
            if a >= 0 and b >= 0:
                ref[a, b] += 1
        assert np.array_equal(t, ref)


def test_pair_tables_from_the_joint_count_of_many_units_are_the_counts_of_units_both_rated():
    """Beyond JOINT_FROM units the pairs' tables come from one count of each unit's combination of ratings:
    the same tables as counting the units both rated, pair by pair (here in plain Python on a sample)."""
    rng = np.random.default_rng(5)
    codes = rng.integers(-1, 5, (diagnostics.JOINT_FROM + 5_000, 5)).astype(np.int32)
    pairs = [(0, 1), (4, 2), (1, 3), (3, 0), (2, 4), (0, 4)]
    tabs = diagnostics.pair_tables(codes, 5, pairs)
    loop = diagnostics.pair_tables(codes, 5, pairs[:1]) + [diagnostics.pair_tables(codes, 5, [p])[0] for p in pairs[1:]]
    for (x, y), t, one in zip(pairs, tabs, loop):
        ref = np.zeros((5, 5), dtype=int)
        np.add.at(ref, (codes[:, x], codes[:, y]), (codes[:, x] >= 0) & (codes[:, y] >= 0))
        assert np.array_equal(t, ref) and np.array_equal(one, ref)
    rows = np.flatnonzero((codes >= 0).all(axis=1))
    sub = diagnostics.pair_tables(codes, 5, pairs, rows=rows)
    assert [int(t.sum()) for t in sub] == [len(rows)] * len(pairs)


@pytest.mark.parametrize("missing", [0.0, 0.05])
def test_diagnose_shares_the_pair_tables_with_light_kappa_only_when_every_unit_is_complete(missing):
    r = nominal(2_000, 5, 4, missing, 11)
    d = diagnostics.diagnose(r, analyse(r))
    assert same(d.light_kappa, diagnostics.light_kappa(r))
    ref = old_light_kappa_values(r)
    assert d.light_kappa.value == float(np.mean(ref))
    assert [(p.a, p.b) for p in d.pairs] == list(slow_pairs(r))
    assert d.profiles == diagnostics.profiles(replace(r, level="nominal"))


def test_identical_coders_compares_cells_not_only_counts_and_sums():
    """Coders alike on the sampled units but not on every unit (or with the same number and sum of ratings) are
    not called identical; groups are named in the order of their first coder, as the cell-by-cell comparison
    of every coder named them."""
    from types import SimpleNamespace

    from irrkit.workflows.check import identical_coders

    a, b, c = [1.0, 2.0, 3.0, np.nan], [3.0, 2.0, 1.0, np.nan], [2.0, 2.0, 2.0, 1.0]
    x = np.array([b, c, a, c, a, b]).T  # coders 0 and 5 alike, 1 and 3, 2 and 4; 0, 2 have the same sum and count
    data = SimpleNamespace(coders=list("pqrstu"), units=list("1234"),
                           items={"i": SimpleNamespace(sparse=False, values=x)})
    notes = identical_coders(data)
    assert [n.split(" gave")[0] for n in notes] == ["coders 'p', 'u'", "coders 'q', 's'", "coders 'r', 't'"]
    x[0, 5] = 2.0  # u: the same count; no longer equal to p
    x[1, 5] = 3.0
    assert [n.split(" gave")[0] for n in identical_coders(data)] == ["coders 'q', 's'", "coders 'r', 't'"]
    y = np.tile(x, (3000, 1))  # 12,000 units: every second one sampled
    y[1, 1] = 9.0  # q and s differ on one unit outside the sample only
    big = SimpleNamespace(coders=data.coders, units=[str(i) for i in range(len(y))],
                          items={"i": SimpleNamespace(sparse=False, values=y)})
    assert [n.split(" gave")[0] for n in identical_coders(big)] == ["coders 'r', 't'"]
