"""Mathet, Widlöcher & Métivier's (2015) gamma and gamma-cat (Computational Linguistics 41(3):437-479) through
the optional package ``pygamma-agreement`` (``pip install 'irrkit[gamma]'``; Titeux & Riad 2021, JOSS 6:2989).

Gamma unitizes and categorizes at once: the coders' units of one continuum (here: one video) are aligned so
that the total disorder is smallest (each unit in one "unitary alignment" with at most one unit of every other
coder, a coder's missing unit costing ``delta_empty``), the disorder of a unitary alignment being the mean over
its pairs of ``alpha * d_pos + beta * d_cat`` (positional: ((|start_a - start_b| + |end_a - end_b|) /
(len_a + len_b))^2, sporadic; categorical: 0 for the same code, 1 else). Then::

    gamma = 1 - observed disorder / expected disorder

where the expected disorder is the mean best disorder of random continua drawn with the coders' numbers of
units, gaps, durations and codes (pygamma's ``StatisticalContinuumSampler``). gamma-cat is the same with only
the categorical part of the disorder. The expected disorder is an estimate: irrkit draws the random continua
with a fixed seed (``SEED``), 30 at first and then as many as the precision level ``PRECISION`` (the relative
error of the expected disorder at 95% confidence, Mathet et al. 2015, sect. 5.3) asks for, so a run gives the
same value every time; the seed of NumPy's global generator, which pygamma draws from, is put back afterwards.

Per video, one continuum (episodes in seconds, the coder as annotator, the code as category); point episodes
(zero length) cannot be units and are left out (said in the note). For several videos the item's value is the
mean over the videos that two or more coders coded with units, each video's value in ``extra``. The package is
imported only here and only when called; without it, the coefficients are ``undefined`` with the install line.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

import numpy as np

from irrkit.episodes.timecode import EpisodeSet
from irrkit.statistics.results import Coefficient, undefined

INSTALL = "pip install 'irrkit[gamma]'"
KEYS = ("gamma", "gamma_cat")
SEED = 0
PRECISION = 0.05  # relative error of the expected disorder (95% confidence); pygamma: high .01, medium .02
ALPHA, BETA, DELTA_EMPTY = 1.0, 1.0, 1.0  # pygamma's and Mathet et al.'s defaults


def available() -> bool:
    """Whether ``pygamma-agreement`` is installed (without importing it: its import compiles for ~10 s)."""
    return importlib.util.find_spec("pygamma_agreement") is not None


def continuum(rows: list[tuple[str, float, float, str]]) -> Any:
    """A pygamma Continuum from (coder, start s, end s, code) rows; zero-length rows are skipped."""
    from pyannote.core import Segment
    from pygamma_agreement import Continuum

    c = Continuum()
    for coder, start, end, code in rows:
        if end > start:
            c.add(coder, Segment(start, end), code)
    return c


def video_rows(es: EpisodeSet, video: int) -> list[tuple[str, float, float, str]]:
    """(coder, start s, end s, code) of every episode of one video."""
    m = np.flatnonzero(es.video == video)
    return [(es.coders[es.coder[i]], es.start[i] / 1000, es.end[i] / 1000, es.spec.codes[es.code[i]]) for i in m]


class _QuietSolverChoice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # pygamma logs "CBC solver not installed" per sample
        return "solver not installed" not in record.getMessage()


def gamma_of(cont: Any, precision: float = PRECISION, seed: int = SEED, alpha: float = ALPHA, beta: float = BETA,
             delta_empty: float = DELTA_EMPTY, sampler: Any = None) -> dict[str, float]:
    """{"gamma", "gamma_cat", "observed_disorder", "expected_disorder", "n_samples"} of one continuum, the random
    continua drawn with ``seed`` (NumPy's global generator is restored afterwards)."""
    from pygamma_agreement import CombinedCategoricalDissimilarity

    diss = CombinedCategoricalDissimilarity(alpha=alpha, beta=beta, delta_empty=delta_empty)
    state = np.random.get_state()
    quiet = _QuietSolverChoice()
    logging.getLogger().addFilter(quiet)
    try:
        np.random.seed(seed)
        res = cont.compute_gamma(diss, precision_level=precision, sampler=sampler)
        out = {"gamma": float(res.gamma), "observed_disorder": float(res.observed_disorder),
               "expected_disorder": float(res.expected_disorder), "n_samples": int(res.n_samples)}
        try:
            out["gamma_cat"] = float(res.gamma_cat)
        except Exception as e:  # e.g. no pair of units aligned: gamma-cat has no disorder to compare
            out["gamma_cat_error"] = str(e) or type(e).__name__
        return out
    finally:
        logging.getLogger().removeFilter(quiet)
        np.random.set_state(state)


def coefficients(es: EpisodeSet, precision: float = PRECISION, seed: int = SEED) -> dict[str, Coefficient]:
    """``gamma`` and ``gamma_cat`` of an item (mean over videos), or ``undefined`` with the reason."""
    if not available():
        return {k: undefined(k, f"needs the package pygamma-agreement: {INSTALL}") for k in KEYS}
    if len(es.coders) < 2:
        return {k: undefined(k, "fewer than two coders") for k in KEYS}
    try:
        import pygamma_agreement  # noqa: F401  (10-15 s the first time: numba compiles its functions)
    except Exception as e:  # installed but broken (e.g. a dependency that does not fit): say so, do not fail
        return {k: undefined(k, f"pygamma-agreement does not import ({type(e).__name__}: {e}); {INSTALL}")
                for k in KEYS}
    method = (f"Mathet et al. (2015) via pygamma-agreement: combined categorical dissimilarity (alpha {ALPHA:g}, "
              f"beta {BETA:g}, delta_empty {DELTA_EMPTY:g}); expected disorder from random continua (seed {seed}, "
              f"precision level {precision:g})")
    per: dict[str, dict[str, Any]] = {}
    points = int((es.end == es.start).sum())
    for v, name in enumerate(es.videos):
        rows = video_rows(es, v)
        if len({r[0] for r in rows if r[2] > r[1]}) < 2:
            continue
        per[name] = gamma_of(continuum(rows), precision, seed)
    if not per:
        return {k: undefined(k, "no video has units of two or more coders") for k in KEYS}
    note = f"; {points} point episodes (zero length) left out" if points else ""
    out: dict[str, Coefficient] = {}
    for k in KEYS:
        vals = [r[k] for r in per.values() if k in r]
        extra = {"per_video": {n: r.get(k) for n, r in per.items()}, "precision_level": precision, "seed": seed,
                 "n_videos": len(vals)}
        if not vals:
            errs = sorted({r.get(f"{k}_error", "undefined") for r in per.values()})
            out[k] = undefined(k, "; ".join(errs), method=method, extra=extra)
            continue
        mean = f"mean over {len(vals)} videos; " if len(vals) > 1 else ""
        out[k] = Coefficient(k, float(np.mean(vals)), n_units=len(es), method=f"{mean}{method}{note}",
                             reason=f"{mean}no SE (the expected disorder is estimated by sampling)", extra=extra)
    return out
