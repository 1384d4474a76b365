"""irrkit.statistics.distributions against closed forms and against scipy.special (an independent implementation:
Boost / Cephes), and the whole demo run without importing scipy."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import special

from irrkit.statistics import distributions as D

DFS = [0.5, 1, 1.5, 2, 3, 4.7, 9, 10, 29, 45, 99, 100, 1000, 12345.6, 1e5]
PS = [1e-12, 1e-6, 1e-3, 0.005, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.995, 1 - 1e-6]


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.mark.parametrize("t", [-1e3, -30, -2.5, -1, -1e-8, 0, 1e-8, 0.3, 1.96, 12, 1e4])
def test_t_closed_forms(t):
    # df = 1 (Cauchy) and df = 2 have elementary cdfs (Johnson, Kotz & Balakrishnan 1995, ch. 28), written for
    # the lower tail without cancellation: P(T <= -|t|) = atan(1/|t|)/pi and 1/(s (s + |t|)), s = sqrt(2 + t^2).
    a, s = abs(t), math.sqrt(2 + t * t)
    lower1 = math.atan2(1.0, a) / math.pi
    lower2 = 1.0 / (s * (s + a))
    assert rel(D.stdtr(1, t), lower1 if t <= 0 else 1 - lower1) < 1e-13
    assert rel(D.stdtr(2, t), lower2 if t <= 0 else 1 - lower2) < 1e-13


@pytest.mark.parametrize("p", PS)
def test_t_and_f_quantiles_closed_forms(p):
    q = min(p, 1 - p)  # Cauchy quantile, from the nearer tail: -cot(pi q) below the median
    assert rel(D.stdtrit(1, p), (1 if p > 0.5 else -1) / math.tan(math.pi * q) if p != 0.5 else 0.0) < 1e-12
    assert rel(D.stdtrit(2, p), (2 * p - 1) / math.sqrt(2 * p * (1 - p))) < 1e-12 or p == 0.5
    for d2 in (1, 3, 10, 250):  # F(2, d2): P(F > f) = (1 + 2 f / d2)^(-d2 / 2)
        f = D.fdtri(2, d2, p)
        assert rel(D.fdtrc(2, d2, f), 1 - p) < 1e-11
        assert rel(D.fdtrc(2, d2, 1.7), (1 + 2 * 1.7 / d2) ** (-d2 / 2)) < 1e-13


def test_against_scipy_on_grids():
    for df in DFS:
        for p in PS:
            assert rel(D.stdtrit(df, p), float(special.stdtrit(df, p))) < 1e-11, (df, p)
        for t in (-50, -5, -2, -1e-3, 0, 0.5, 1.96, 3, 10, 100):
            ref = float(special.stdtr(df, t))
            assert rel(D.stdtr(df, t), ref) < 1e-11, (df, t)
    for d1 in (1, 2, 3.3, 5, 9, 29, 100, 1e3, 1e5):
        for d2 in (1, 2, 3.7, 7, 18, 90, 200, 1e4, 1e5):
            for p in (1e-6, 0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999):
                assert rel(D.fdtri(d1, d2, p), float(special.fdtri(d1, d2, p))) < 1e-11, (d1, d2, p)
            for f in (1e-6, 0.01, 0.5, 1, 2, 5, 30, 1e3):
                ref = float(special.fdtrc(d1, d2, f))
                if ref > 1e-250:
                    assert rel(D.fdtrc(d1, d2, f), ref) < 1e-11, (d1, d2, f)


def test_random_arguments_up_to_millions_of_degrees_of_freedom():
    """ICCs of a million units have F(999999, 9e6): the Stirling-corrected log-beta keeps ~1e-9 there."""
    rng = np.random.default_rng(7)
    for _ in range(400):
        df, d1, d2 = (float(10 ** rng.uniform(-0.3, 7)) for _ in range(3))
        t, p, f = float(rng.normal() * 10 ** rng.uniform(-3, 1.5)), float(rng.uniform(1e-6, 1 - 1e-6)), \
            float(10 ** rng.uniform(-3, 3))
        tol = 1e-12 if max(df, d1, d2) < 1e3 else 1e-9
        assert rel(D.stdtr(df, t), float(special.stdtr(df, t))) < tol, (df, t)
        assert rel(D.stdtrit(df, p), float(special.stdtrit(df, p))) < tol, (df, p)
        assert rel(D.fdtri(d1, d2, p), float(special.fdtri(d1, d2, p))) < tol, (d1, d2, p)
        ref = float(special.fdtrc(d1, d2, f))
        if ref > 1e-250:
            assert rel(D.fdtrc(d1, d2, f), ref) < tol, (d1, d2, f)


def test_normal():
    for x in (-38, -10, -3, -1, 0, 0.5, 2, 8):
        assert rel(D.ndtr(x), float(special.ndtr(x))) < 1e-13
    for p in (1e-300, 1e-20, 1e-5, 0.025, 0.5, 0.975, 1 - 1e-12):
        assert rel(D.ndtri(p), float(special.ndtri(p))) < 1e-13


def test_edges_like_scipy():
    for ours, ref in [(D.ndtri(0.0), -math.inf), (D.ndtri(1.0), math.inf), (D.stdtrit(5, 0.0), -math.inf),
                      (D.stdtrit(5, 1.0), math.inf), (D.fdtri(3, 4, 0.0), 0.0), (D.fdtri(3, 4, 1.0), math.inf),
                      (D.fdtrc(3, 4, 0.0), 1.0), (D.fdtrc(3, 4, math.inf), 0.0), (D.stdtr(4, math.inf), 1.0)]:
        assert ours == ref
    for v in (D.ndtri(1.5), D.stdtr(0, 1), D.stdtrit(-1, 0.5), D.fdtrc(3, 4, math.nan), D.fdtri(0, 4, 0.5)):
        assert math.isnan(v)
    assert rel(D.stdtrit(3e8, 0.975), float(special.stdtrit(3e8, 0.975))) < 1e-12  # handed to scipy


def test_a_whole_check_imports_no_scipy():
    code = ("import sys\nfrom cli.main import app\ntry:\n    app(['demo', '--format', 'json'])\nexcept SystemExit:\n"
            "    pass\nsys.stderr.write('SCIPY=' + str(sorted(m for m in sys.modules if m.startswith('scipy'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "SCIPY=[]" in done.stderr, done.stderr[-500:]
    assert '"fleiss_kappa"' in done.stdout  # the demo did compute (CIs and p-values included)


def test_any_degrees_of_freedom_give_a_number_never_an_exception():
    """Satterthwaite degrees of freedom of ICC CIs can be tiny (1e-32 seen): tails and quantiles stay numbers."""
    rng = np.random.default_rng(11)
    for _ in range(3000):
        d1, d2 = (float(10 ** rng.uniform(-40, 10)) for _ in range(2))
        p, t, f = float(rng.uniform(0, 1)), float(rng.normal() * 10 ** rng.uniform(-5, 5)), \
            float(10 ** rng.uniform(-300, 300))
        for v in (D.fdtrc(d1, d2, f), D.stdtr(d1, t)):
            assert 0.0 <= v <= 1.0, (d1, d2, p, t, f)
        for v in (D.fdtri(d1, d2, p), D.stdtrit(d1, p)):
            assert not math.isnan(v), (d1, d2, p)
    assert D.fdtri(1.6099202147367587e-32, 1, 0.95) < 1e-250  # the true quantile underflows to 0
