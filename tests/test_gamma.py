"""Mathet et al.'s (2015) gamma through the optional package pygamma-agreement (``irrkit[gamma]``).

The reference: pygamma-agreement's own test ``test_gamma_alexpaulsuzan`` (bootphon/pygamma-agreement @44587ef,
tests/test_gammas.py) on its AlexPaulSuzan continuum (copied to fixtures/video/gamma_alexpaulsuzan.csv): with the
combined categorical dissimilarity (alpha 3, beta 1, delta_empty 1), the shuffle sampler, precision level 0.05 and
NumPy seed 4772 it asserts 6 unitary alignments, a best-alignment disorder of 0.96 (within 1%), gamma in
[0.44, 0.47] and gamma-cat in [0.38, 0.42]. The same continuum is built here through irrkit's reader (CSV and
codebook -> EpisodeSet -> irrkit.episodes.gamma.continuum) and must give the same.

Skipped without the package. Importing pygamma-agreement compiles its numba functions (10-15 s, once per
process, in the module fixture); each test itself takes about a second.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from irrkit.episodes import gamma

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "video"

needs = pytest.mark.skipif(not gamma.available(), reason="pygamma-agreement is not installed (irrkit[gamma])")


def episodes():
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.readers.episodes import read_episode_files

    cb = load_codebook(HERE / "gamma_alexpaulsuzan.yaml")
    specs = {e.id: e.spec() for e in cb.episodes}
    sets, _ = read_episode_files([HERE / "gamma_alexpaulsuzan.csv"], specs)
    return sets["units"]


@pytest.fixture(scope="module")
def pa():
    return pytest.importorskip("pygamma_agreement")


def test_without_the_package_the_reason_is_the_install_line(monkeypatch) -> None:
    monkeypatch.setattr(gamma, "available", lambda: False)
    c = gamma.coefficients(episodes())
    for k in ("gamma", "gamma_cat"):
        assert c[k].status == "undefined" and c[k].value is None
        assert c[k].reason == "needs the package pygamma-agreement: pip install 'irrkit[gamma]'"


def test_analyse_episodes_asks_for_gamma_only_when_told(monkeypatch) -> None:
    from irrkit.episodes.video import analyse_episodes

    monkeypatch.setattr(gamma, "available", lambda: False)
    es = episodes()
    assert "gamma" not in analyse_episodes(es).coefficients
    got = analyse_episodes(es, with_gamma=True).coefficients
    assert got["gamma"].status == "undefined" and "irrkit[gamma]" in got["gamma"].reason


@needs
def test_the_packages_documented_example_through_irrkit(pa) -> None:
    es = episodes()
    assert es.coders == ["Alex", "Paul", "Suzan"] and len(es) == 16
    cont = gamma.continuum(gamma.video_rows(es, 0))
    r = gamma.gamma_of(cont, precision=0.05, seed=4772, alpha=3, beta=1, delta_empty=1,
                       sampler=pa.ShuffleContinuumSampler())
    assert r["observed_disorder"] == pytest.approx(0.96, rel=0.01)
    assert 0.44 <= r["gamma"] <= 0.47
    assert 0.38 <= r["gamma_cat"] <= 0.42
    best = cont.get_best_alignment(pa.CombinedCategoricalDissimilarity(alpha=3, beta=1, delta_empty=1))
    assert len(best.unitary_alignments) == 6


@needs
def test_fixed_seed_same_value_and_the_global_generator_is_left_alone(pa) -> None:
    es = episodes()
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = gamma.coefficients(es)
    assert np.array_equal(np.random.get_state()[1], before)
    b = gamma.coefficients(es)
    for k in ("gamma", "gamma_cat"):
        assert a[k].ok and a[k].value == b[k].value
        assert f"seed {gamma.SEED}" in a[k].method and f"precision level {gamma.PRECISION:g}" in a[k].method
        assert a[k].extra["per_video"] == {"aps": a[k].value}
    assert -1 < a["gamma"].value < 1


@needs
def test_several_videos_mean_and_points_left_out(pa) -> None:
    es = episodes()
    two = replace(es, videos=["aps", "aps2"], video=np.concatenate([es.video, es.video + 1]),
                  coder=np.concatenate([es.coder, es.coder]), start=np.concatenate([es.start, es.start]),
                  end=np.concatenate([es.end, es.end]), code=np.concatenate([es.code, es.code]),
                  lines=None, file_index=None, lengths_ms=None, declared=None)
    c = gamma.coefficients(two)
    per = c["gamma"].extra["per_video"]
    assert set(per) == {"aps", "aps2"} and per["aps"] == per["aps2"] == pytest.approx(c["gamma"].value)
    assert "mean over 2 videos" in c["gamma"].method
    pts = replace(es, end=np.where(np.arange(len(es)) == 0, es.start, es.end))
    assert "1 point episodes (zero length) left out" in gamma.coefficients(pts)["gamma"].method
