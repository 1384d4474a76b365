#!/usr/bin/env python
"""irrkit benchmarks: irrkit and its peers on the same generated data, in one run.

    python benchmarks/run.py            # full run (about 5 minutes; pingouin alone takes ~40 s a run)
    python benchmarks/run.py --quick    # small sizes, a few seconds per section
    python benchmarks/run.py --only family,irrcac --markdown

Every comparison first checks that irrkit and the peer agree (values within 1e-9, standard errors and
F statistics within 1e-6) and stops with an AssertionError if they do not; then it prints the median
wall time of several runs of each, and the ratio. Peers (irrCAC, pingouin, krippendorff, matplotlib) are
optional: a missing one is skipped with a message. Data come from a seeded generator (``--seed``).

No timing is asserted anywhere: targets are printed beside the figures ("ok" / "MISSED") for a person to
read, and the exit code does not depend on them.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scales, users  # noqa: E402
from benchmarks.data import nominal_ratings  # noqa: E402
from irrkit.statistics import chance_corrected as cc  # noqa: E402
from irrkit.statistics import counting  # noqa: E402

Q = 5
CATS = [float(k) for k in range(1, Q + 1)]
SECTIONS = ("cli", "family", "memory", "csv", "irrcac", "pingouin", "krippendorff", "bootstrap", "scaling", "scales",
            "commands", "scaling_continuous", "users")




def scale_ratings(n: int, k: int, seed: int = 0) -> np.ndarray:
    """Complete units x coders ratings: unit effect + coder effect + noise (for the ICCs)."""
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.3, (1, k)) + rng.normal(0, 0.7, (n, k))


# ----------------------------------------------------------------------------------------------- timing


def measure(fn: Callable[[], Any], repeat: int, budget: float = 60.0) -> tuple[float, int, Any]:
    """Median wall time of ``repeat`` runs after one warm-up run (imports, caches). A slow function (warm-up
    over ``budget`` / 4 s) is not warmed up separately, and runs stop once ``budget`` seconds are spent
    (at least one timed run). Returns (median seconds, timed runs, last result)."""
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = [first] if first > budget / 4 else []
    spent = first
    while len(times) < repeat and (not times or spent < budget):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
    return statistics.median(times), len(times), out


def close(a: float | None, b: float | None, tol: float, what: str, rel: bool = False) -> None:
    """Assert that two figures agree (absolute tolerance, or relative with ``rel``)."""
    assert a is not None and b is not None, f"{what}: missing value ({a!r} vs {b!r})"
    scale = max(1.0, abs(a), abs(b)) if rel else 1.0
    assert abs(a - b) <= tol * scale, f"{what}: irrkit {a!r} vs peer {b!r} (differ by {abs(a - b):.3g})"


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Report:
    """Rows of the results table."""

    def __init__(self, full: bool) -> None:
        self.rows: list[dict[str, Any]] = []
        self.full = full
        self.notes: list[str] = []

    def add(self, what: str, size: str, irrkit: float | None, peer: str = "", peer_s: float | None = None,
            target: str = "", ok: bool | None = None, runs: str = "", unit: str = "s") -> None:
        ratio = peer_s / irrkit if peer_s and irrkit else None
        row = {"what": what, "size": size, "irrkit": irrkit, "unit": unit, "peer": peer, "peer_s": peer_s,
               "ratio": ratio, "target": target, "ok": ok, "runs": runs}
        self.rows.append(row)
        print(f"  {what} [{size}]: irrkit {fmt(irrkit, unit)}"
              + (f", {peer} {fmt(peer_s, unit)} ({ratio:.1f}x)" if peer_s and ratio else "")
              + (f"  target {target}: {verdict(ok)}" if target else ""), flush=True)

    def skip(self, what: str, why: str) -> None:
        self.notes.append(f"{what}: skipped ({why})")
        print(f"  SKIPPED {what}: {why}", flush=True)


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "-"
    if unit == "MB":
        return f"{x:,.0f} MB"
    if unit == "":
        return f"{x:.3f}"
    if unit == "ns":
        return f"{x * 1e9:.1f} ns"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("ok" if ok else "MISSED")


# ---------------------------------------------------------------------------------------------- irrkit


def irrkit_family(x: np.ndarray) -> dict[str, Any]:
    """The chance-corrected family with linearised SEs from a units x coders matrix, as ``analyse`` computes
    it for a nominal item: percent agreement, Fleiss, AC1, Brennan-Prediger, Krippendorff's alpha, Conger."""
    codes = counting.category_index(x, CATS)
    a = cc.agreement(counting.count_table(codes, Q))
    return {
        "percent_agreement": cc.percent_agreement(a), "fleiss_kappa": cc.fleiss_kappa(a),
        "gwet_ac1": cc.gwet_ac(a), "brennan_prediger": cc.brennan_prediger(a),
        "krippendorff_alpha": cc.krippendorff_alpha(a), "conger_kappa": cc.conger_kappa(codes, Q, a=a),
    }


def irrkit_analyse(x: np.ndarray):
    """The whole per-item analysis (``irrkit.analysis.item.analyse``), as ``irrkit check`` runs it: the family
    above plus per-category kappas and the Fleiss-Nee-Landis null test."""
    from irrkit.analysis.item import analyse
    from irrkit.ratings import ItemRatings

    n, r = x.shape
    item = ItemRatings("bench", "nominal", [str(i) for i in range(n)], [f"c{g}" for g in range(r)], x, tuple(CATS))
    return analyse(item)


# ------------------------------------------------------------------------------------------------ sections


def section_cli(rep: Report, args: argparse.Namespace) -> None:
    """Wall time of whole CLI commands (Python start-up included), median of several runs."""
    runs = 3 if args.quick else 10
    cmds = [
        ("irrkit --help", ["--help"], 0.3),
        ("irrkit codebook validate crying-forms.yaml", ["codebook", "validate", "codebooks/crying-forms.yaml"], 0.3),
        ("irrkit demo", ["demo"], 1.0),
    ]
    for name, argv, limit in cmds:
        times = []
        for i in range(runs + 1):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "irrkit.cli.main", *argv], cwd=ROOT, capture_output=True)
            dt = time.perf_counter() - t0
            assert p.returncode == 0, f"{name} exited {p.returncode}: {p.stderr.decode()[-500:]}"
            if i:  # the first run warms the file cache
                times.append(dt)
        med = statistics.median(times)
        rep.add(name, "wall, python -m cli.main", med, target=f"< {limit} s", ok=med < limit, runs=str(runs))


def section_family(rep: Report, args: argparse.Namespace) -> None:
    n, r = (200_000, 10) if args.quick else (1_000_000, 10)
    x = nominal_ratings(n, r, seed=args.seed)
    size = f"{n:,} x {r}, q={Q}, 10% missing"
    t, runs, res = measure(lambda: irrkit_family(x), args.repeat)
    assert all(c.ok and c.se is not None for c in res.values()), res
    rep.add("6 coefficients + SEs (engine)", size, t, target="< 1 s", ok=t < 1 if rep.full else None, runs=str(runs))
    t, runs, item = measure(lambda: irrkit_analyse(x), args.repeat)
    for key, c in res.items():  # the full analysis reports the same figures
        close(item.coefficients[key].value, c.value, 1e-12, f"analyse {key}")
    rep.add("analyse(): all of the item's output", size, t, target="< 1 s", ok=t < 1 if rep.full else None,
            runs=str(runs))


def section_memory(rep: Report, args: argparse.Namespace) -> None:
    n, r = (200_000, 10) if args.quick else (1_000_000, 10)
    p = subprocess.run([sys.executable, __file__, "--child-memory", str(n), str(r), "--seed", str(args.seed)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    m = json.loads(p.stdout.strip().splitlines()[-1])
    size = f"{n:,} x {r}"
    full = rep.full
    rep.add("peak RSS: process running the 6 coefficients", size, m["rss_engine_mb"], unit="MB",
            target="< 2048 MB", ok=m["rss_engine_mb"] < 2048 if full else None)
    rep.add("peak RSS: ... then analyse() as well", size, m["rss_analyse_mb"], unit="MB", target="< 2048 MB",
            ok=m["rss_analyse_mb"] < 2048 if full else None)
    rep.add("  ratings matrix (input, float64)", size, m["data_mb"], unit="MB")
    rep.add("  allocated at the peak: 6 coefficients", size, m["traced_engine_mb"], unit="MB")
    rep.add("  allocated at the peak: analyse()", size, m["traced_analyse_mb"], unit="MB")
    rep.notes.append("Memory: peak RSS (VmHWM) of a fresh process (Python, NumPy and the input matrix "
                     "included); 'allocated at the peak' is tracemalloc's peak during the call, input excluded.")


def child_memory(n: int, r: int, seed: int) -> None:
    """Run in a fresh process: peak RSS and traced allocations of the engine, then of analyse()."""
    import tracemalloc

    def rss_mb() -> float:
        """Peak resident set of this process image: VmHWM (getrusage's ru_maxrss would carry over the
        parent's peak across fork and exec)."""
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    x = nominal_ratings(n, r, seed=seed)
    tracemalloc.start()
    irrkit_family(x)
    traced_engine = tracemalloc.get_traced_memory()[1]
    rss_engine = rss_mb()
    tracemalloc.reset_peak()
    irrkit_analyse(x)
    traced_analyse = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"rss_engine_mb": rss_engine, "rss_analyse_mb": rss_mb(), "data_mb": x.nbytes / 2**20,
                      "traced_engine_mb": traced_engine / 2**20, "traced_analyse_mb": traced_analyse / 2**20}))


def section_csv(rep: Report, args: argparse.Namespace) -> None:
    import pandas as pd

    from irrkit.readers import read_compute_input

    n, r = (200_000, 10) if args.quick else (1_000_000, 10)
    x = nominal_ratings(n, r, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.csv"
        cols = {"unit": np.arange(1, n + 1)}
        cols |= {f"coder{g + 1}": pd.array(np.where(np.isnan(x[:, g]), None, x[:, g]), dtype="Int64")
                 for g in range(r)}
        pd.DataFrame(cols).to_csv(path, index=False)
        mb = path.stat().st_size / 1e6
        t_pd, runs_pd, df = measure(lambda: pd.read_csv(path), args.repeat_slow)
        t_ik, runs_ik, item = measure(lambda: read_compute_input(path), args.repeat_slow)
    assert np.array_equal(item.values, x, equal_nan=True), "read_compute_input did not give back the ratings"
    assert np.array_equal(df.iloc[:, 1:].to_numpy(dtype=float), x, equal_nan=True)
    rep.add("read wide CSV (read_compute_input)", f"{n:,} x {r}, {mb:.0f} MB", t_ik, peer="pandas.read_csv",
            peer_s=t_pd, runs=f"{runs_ik}/{runs_pd}")
    rep.notes.append("CSV: the ratio is pandas time / irrkit time; below 1 means irrkit's validating reader "
                     "(every cell checked, problems reported with file:line:column) is slower than pandas' parser.")


def section_irrcac(rep: Report, args: argparse.Namespace) -> None:
    if not have("irrCAC"):
        rep.skip("irrCAC", "not installed: pip install --no-deps irrCAC (see benchmarks/README.md)")
        return
    import pandas as pd
    from irrCAC.raw import CAC

    n, r = (100_000, 6) if args.quick else (1_000_000, 6)
    x = nominal_ratings(n, r, seed=args.seed)
    df = pd.DataFrame(x, columns=[f"coder{g + 1}" for g in range(r)])

    def ours():
        codes = counting.category_index(df.to_numpy(dtype=float), CATS)
        a = cc.agreement(counting.count_table(codes, Q))
        return cc.fleiss_kappa(a), cc.gwet_ac(a), cc.krippendorff_alpha(a)

    def theirs():
        # categories given explicitly: under pandas >= 3 irrCAC's own category detection counts NaN as one
        cac = CAC(df, categories=CATS, digits=15)
        return cac.fleiss()["est"], cac.gwet()["est"], cac.krippendorff()["est"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_them, runs_them, est = measure(theirs, args.repeat_slow, budget=args.budget)
    t_us, runs_us, res = measure(ours, args.repeat)
    for c, e in zip(res, est, strict=True):
        close(c.value, float(e["coefficient_value"]), 1e-9, f"irrCAC {c.key} value")
        close(c.se, float(e["se"]), 1e-6, f"irrCAC {c.key} SE")
        close(c.pe, float(e["pe"]), 1e-9, f"irrCAC {c.key} pe")
    size = f"{n:,} x {r}, q={Q}, 10% missing"
    rep.add("Fleiss + AC1 + alpha with SEs", size, t_us, peer="irrCAC", peer_s=t_them, target=">= 10x",
            ok=t_them / t_us >= 10 if rep.full else None, runs=f"{runs_us}/{runs_them}")


def section_pingouin(rep: Report, args: argparse.Namespace) -> None:
    if not have("pingouin"):
        rep.skip("pingouin", "not installed: pip install pingouin")
        return
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pingouin as pg
    from irrkit.statistics.icc import icc_all
    n, k = (2_000, 8) if args.quick else (20_000, 8)
    x = scale_ratings(n, k, seed=args.seed)
    long = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "coder": np.tile(np.arange(k), n), "y": x.ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_them, runs_them, tab = measure(
            lambda: pg.intraclass_corr(long, targets="unit", raters="coder", ratings="y"), args.repeat_slow,
            budget=args.budget)
    t_us, runs_us, res = measure(lambda: icc_all(x), args.repeat)
    # pingouin's rows: ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k (named ICC(1,1), ICC(A,1), ... in newer versions)
    names = {"icc1": ("ICC1", "ICC(1,1)"), "icc2": ("ICC2", "ICC(A,1)"), "icc3": ("ICC3", "ICC(C,1)"),
             "icc1k": ("ICC1k", "ICC(1,k)"), "icc2k": ("ICC2k", "ICC(A,k)"), "icc3k": ("ICC3k", "ICC(C,k)")}
    by_type = tab.set_index("Type")
    for key, aliases in names.items():
        pname = next(a for a in aliases if a in by_type.index)
        row = by_type.loc[pname]
        close(res[key].value, float(row["ICC"]), 1e-9, f"pingouin {pname}")
        close(res[key].extra["f"], float(row["F"]), 1e-6, f"pingouin {pname} F", rel=True)
        close(res[key].extra["df2"], float(row["df2"]), 1e-9, f"pingouin {pname} df2")
    rep.add("six ICCs with F tests and CIs", f"{n:,} x {k}, complete", t_us, peer="pingouin.intraclass_corr",
            peer_s=t_them, target=">= 100x", ok=t_them / t_us >= 100 if rep.full else None,
            runs=f"{runs_us}/{runs_them}")


def section_krippendorff(rep: Report, args: argparse.Namespace) -> None:
    if not have("krippendorff"):
        rep.skip("krippendorff", "not installed: pip install krippendorff")
        return
    import krippendorff as kd

    n, r = (200_000, 10) if args.quick else (1_000_000, 10)
    counts = counting.count_table(counting.category_index(nominal_ratings(n, r, seed=args.seed), CATS), Q)
    t_them, runs_them, value = measure(
        lambda: kd.alpha(value_counts=counts, level_of_measurement="nominal"), args.repeat)
    t_us, runs_us, res = measure(
        lambda: cc.krippendorff_alpha(cc.agreement(counts), counts_input=True), args.repeat)
    close(res.value, float(value), 1e-9, "krippendorff alpha")
    rep.add("Krippendorff's alpha from the count table", f"{n:,} units, {r} coders, q={Q}", t_us,
            peer="krippendorff.alpha (value only)", peer_s=t_them, target=">= 1x (no slower)",
            ok=t_them >= t_us if rep.full else None, runs=f"{runs_us}/{runs_them}")
    rep.notes.append("Krippendorff: irrkit's time includes the linearised SE and CI; the package gives the value "
                     "only.")


def section_bootstrap(rep: Report, args: argparse.Namespace) -> None:
    if importlib.util.find_spec("irrkit.statistics.bootstrap") is None:
        rep.skip("bootstrap", "reliability/bootstrap.py is not there yet")
        return
    from irrkit.statistics import bootstrap

    n, r, b = 10_000, 6, (500 if args.quick else 2000)
    counts = counting.count_table(counting.category_index(nominal_ratings(n, r, seed=args.seed), CATS), Q)
    t, runs, res = measure(lambda: bootstrap.bootstrap_family(counts, None, b, seed=args.seed), args.repeat)
    a = cc.agreement(counts)
    for key, lin in (("fleiss_kappa", cc.fleiss_kappa(a)), ("gwet_ac", cc.gwet_ac(a))):
        low, high, se, n_ok = res[key]
        assert n_ok == b and low < lin.value < high, (key, res[key], lin.value)
        # the bootstrap SE estimates the same sampling SD as the linearisation
        assert abs(se / lin.se - 1) < 0.25, (key, se, lin.se)
    rep.add(f"bootstrap, {b} resamples (Fleiss, AC1, BP, alpha, %)", f"{n:,} x {r}", t, target="< 5 s",
            ok=t < 5 if b == 2000 else None, runs=str(runs))


def section_scaling(rep: Report, args: argparse.Namespace) -> dict[str, Any]:
    """Engine time over a grid of units (10 coders) and of coders (fixed units); linear fits."""
    if args.quick:
        units, coders, n_fixed = [10_000, 30_000, 100_000, 200_000], [2, 5, 10, 20], 50_000
    else:
        units, coders, n_fixed = [10_000, 30_000, 100_000, 300_000, 1_000_000], [2, 4, 6, 8, 10, 15, 20], 200_000
    out: dict[str, Any] = {"units": [], "coders": [], "n_fixed": n_fixed}
    for n in units:
        x = nominal_ratings(n, 10, seed=args.seed)
        t, _, _ = measure(lambda x=x: irrkit_family(x), args.repeat)
        out["units"].append((n, t))
        print(f"    {n:>9,} units x 10 coders: {fmt(t)}", flush=True)
    for r in coders:
        x = nominal_ratings(n_fixed, r, seed=args.seed)
        t, _, _ = measure(lambda x=x: irrkit_family(x), args.repeat)
        out["coders"].append((r, t))
        print(f"    {n_fixed:>9,} units x {r:>2} coders: {fmt(t)}", flush=True)
    nu, tu = np.array(out["units"], dtype=float).T
    slope = float(np.polyfit(np.log(nu), np.log(tu), 1)[0])
    nc, tc = np.array(out["coders"], dtype=float).T
    slope_c = float(np.polyfit(np.log(nc), np.log(tc), 1)[0])
    fit = np.polyfit(nc, tc, 1)
    r2 = 1 - ((tc - np.polyval(fit, nc)) ** 2).sum() / ((tc - tc.mean()) ** 2).sum()
    ns_per_rating = 1e9 * tu[-1] / (nu[-1] * 10)
    out |= {"units_loglog_slope": slope, "coders_loglog_slope": slope_c, "coders_linear_r2": float(r2),
            "coders_line": [float(fit[0]), float(fit[1])], "ns_per_rating": ns_per_rating}
    # linear growth: time ~ units^b and ~ coders^b with b <= 1 (a fixed per-unit cost makes b < 1 in coders)
    rep.add("units: log-log slope of time", f"{int(nu[0]):,}..{int(nu[-1]):,} x 10", slope, unit="",
            target="<= 1.1 (at most linear)", ok=slope <= 1.1 if rep.full else None)
    rep.add("coders: log-log slope of time", f"{n_fixed:,} x {int(nc[0])}..{int(nc[-1])}", slope_c, unit="",
            target="<= 1.1 (at most linear)", ok=slope_c <= 1.1 if rep.full else None)
    rep.add("time per rating at the largest size", f"{int(nu[-1]):,} x 10", ns_per_rating * 1e-9, unit="ns")
    rep.notes.append(f"Coders: the time is close to a straight line a + b r (R^2 {r2:.3f}, "
                     f"a = {fit[1] * 1000:.1f} ms per {n_fixed:,} units, b = {fit[0] * 1000:.2f} ms per coder): "
                     "part of the work is per unit (the units x categories table), part per rating.")
    if not args.no_plot:
        plot_scaling(out, Path(args.plot))
    return out


def plot_scaling(data: dict[str, Any], path: Path) -> None:
    if not have("matplotlib"):
        print("  (matplotlib not installed: no plot)")
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    nu, tu = np.array(data["units"], dtype=float).T
    ax1.loglog(nu, tu, "o-", label="irrkit")
    ax1.loglog(nu, tu[-1] * nu / nu[-1], "--", color="grey", label="linear (through the largest)")
    ax1.set_xlabel("units (10 coders, 5 categories, 10% missing)")
    ax1.set_ylabel("seconds")
    ax1.set_title(f"units: time ~ units^{data['units_loglog_slope']:.2f}")
    ax1.legend()
    ax1.grid(True, which="both", alpha=0.3)
    nc, tc = np.array(data["coders"], dtype=float).T
    fit = np.polyfit(nc, tc, 1)
    ax2.plot(nc, tc, "o-", label="irrkit")
    ax2.plot(nc, np.polyval(fit, nc), "--", color="grey", label=f"straight line, R^2 {data['coders_linear_r2']:.3f}")
    ax2.set_xlabel(f"coders ({data['n_fixed']:,} units)")
    ax2.set_ylabel("seconds")
    ax2.set_ylim(bottom=0)
    ax2.set_title(f"coders: time ~ coders^{data['coders_loglog_slope']:.2f}")
    ax2.legend()
    ax2.grid(True, alpha=0.3)
    fig.suptitle("irrkit: percent agreement, Fleiss, AC1, BP, Krippendorff's alpha, Conger, all with SEs")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"  wrote {path}")


# ----------------------------------------------------------------------------------------------- output


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import numpy

    versions = {"numpy": numpy.__version__}
    for mod in ("pandas", "scipy", "irrCAC", "pingouin", "krippendorff"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:
            versions[mod] = "not installed"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem, "load average at start": load,
            "python": platform.python_version(),
            "os": platform.platform(), "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)")}


def table(rep: Report, markdown: bool) -> str:
    head = ["benchmark", "size", "irrkit", "peer", "peer time", "peer / irrkit", "target", "", "runs"]
    rows = [[r["what"], r["size"], fmt(r["irrkit"], r["unit"]), r["peer"] or "",
             fmt(r["peer_s"], r["unit"]) if r["peer_s"] else "", f"{r['ratio']:.1f}x" if r["ratio"] else "",
             r["target"], verdict(r["ok"]) if r["target"] else "", r["runs"]] for r in rep.rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and few runs (targets are not judged)")
    ap.add_argument("--only", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    ap.add_argument("--repeat", type=int, help="timed runs of fast functions (default 7; --quick 3)")
    ap.add_argument("--repeat-slow", type=int, help="timed runs of slow peers (default 3; --quick 1)")
    ap.add_argument("--budget", type=float, default=120.0, help="seconds one slow peer may take in all")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--json", help="also write all figures to this JSON file")
    ap.add_argument("--plot", default=str(HERE / "scaling.png"), help="where the scaling plot goes")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--child-memory", nargs=2, type=int, metavar=("UNITS", "CODERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_memory:
        child_memory(*args.child_memory, args.seed)
        return 0
    args.repeat = args.repeat or (3 if args.quick else 7)
    args.repeat_slow = args.repeat_slow or (1 if args.quick else 3)
    wanted = SECTIONS if not args.only else tuple(s.strip() for s in args.only.split(","))
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    info = machine()
    print("irrkit benchmarks" + (" (--quick: small sizes, targets not judged)" if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    rep = Report(full=not args.quick)
    extra: dict[str, Any] = {}
    funcs = {"cli": section_cli, "family": section_family, "memory": section_memory, "csv": section_csv,
             "irrcac": section_irrcac, "pingouin": section_pingouin, "krippendorff": section_krippendorff,
             "bootstrap": section_bootstrap, "scaling": section_scaling, "scales": scales.section_scales,
             "commands": scales.section_commands, "scaling_continuous": scales.section_scaling_continuous,
             "users": users.section_users}
    for name in SECTIONS:
        if name in wanted:
            print(f"\n[{name}]", flush=True)
            got = funcs[name](rep, args)
            if got:
                extra[name] = got
    print()
    print(table(rep, args.markdown))
    for note in rep.notes:
        print(f"- {note}" if args.markdown else f"note: {note}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "quick": args.quick, "rows": rep.rows,
                                               "notes": rep.notes, **extra}, indent=2,
                                              default=lambda o: o.item() if hasattr(o, "item") else str(o)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
