"""Benchmark sections for fine-grained and continuous scales and whole commands (irrkit issue 13).

``scales``: whole ``irrkit compute`` / ``irrkit check`` processes on continuous and 241-value data (wall time and
peak RSS of the child process), pingouin's ``intraclass_corr`` and the ``krippendorff`` package on the same data.
``commands``: whole processes on nominal data against the irrCAC port's whole process (pandas read + Fleiss, AC1,
alpha). ``scaling_continuous``: analyse() of a continuous item over 10,000..1,000,000 units (plot).
Used by ``benchmarks/run.py``; every comparison checks that the figures agree before timing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def continuous(n: int, k: int, missing: float = 0.0, seed: int = 0) -> np.ndarray:
    """unit + coder + noise, 4 decimals (nearly every rating a distinct value)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) * 0.3 + rng.normal(size=(n, k)) * 0.7, 4)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return x


def write_wide(x: np.ndarray, path: Path) -> None:
    import pandas as pd

    df = pd.DataFrame(x, columns=[f"c{j}" for j in range(x.shape[1])])
    df.insert(0, "unit", np.arange(1, len(x) + 1))
    df.to_csv(path, index=False, float_format="%.4f" if np.issubdtype(x.dtype, np.floating) else None)


# Peak RSS of the child itself: VmHWM of its own process image, printed at exit (getrusage / wait4 would carry
# the benchmark process's own peak over the fork).
HWM = """
import atexit, runpy, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nVMHWM_KB " + line.split()[1] + "\\n")
atexit.register(_hwm)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True) if not sys.argv[0].endswith(".py") else \\
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _popen_rusage(argv: list[str]) -> tuple[float, float, bytes, bytes, int]:
    """(wall, peak RSS MB, stdout, stderr, exit code) of ``python -m MODULE ARGS`` or ``python SCRIPT ARGS``."""
    assert argv[0] == sys.executable
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", HWM, *argv[1:]], cwd=ROOT, capture_output=True)
    dt = time.perf_counter() - t0
    err = p.stderr
    kb = [int(line.split()[1]) for line in err.decode(errors="replace").splitlines() if line.startswith("VMHWM_KB ")]
    return dt, (kb[-1] / 1024 if kb else float("nan")), p.stdout, err, p.returncode


def run_whole(argv: list[str], runs: int = 3) -> tuple[float, float, bytes]:
    """Median wall time and the largest peak RSS (MB) of a whole process (wait4 per child), after a warm-up."""
    times, peak, out = [], 0.0, b""
    for i in range(runs + 1):
        dt, rss, out, err, code = _popen_rusage(argv)
        if code not in (0, 1):
            raise AssertionError(f"{' '.join(argv[2:6])} ... exited {code}: {err.decode()[-800:]}")
        if i:
            times.append(dt)
        peak = max(peak, rss)
    return statistics.median(times), peak, out


def cli(*args: str) -> list[str]:
    return [sys.executable, "irrkit.cli.main", *args]


def coefficients(out: bytes) -> dict[str, Any]:
    doc = json.loads(out)
    return doc["items"][0]["coefficients"]


def section_scales(rep, args) -> dict[str, Any]:
    from irrkit.analysis.item import krippendorff_alpha
    from irrkit.statistics.icc import icc_all
    runs = 1 if args.quick else 3
    full = rep.full
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. compute --level interval, 3,000 x 8 continuous, whole process; pingouin on the same data
        n, k = (600, 8) if args.quick else (3_000, 8)
        x = continuous(n, k, seed=args.seed)
        write_wide(x, tmp / "c.csv")
        t, mb, res = run_whole(cli("compute", str(tmp / "c.csv"), "--level", "interval", "-f", "json"), runs)
        ours = coefficients(res)
        peer_t = None
        if _have("pingouin"):
            import pandas as pd

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import pingouin as pg
            long = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "coder": np.tile(np.arange(k), n),
                                 "y": x.ravel()})
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                icc = pg.intraclass_corr(long, targets="unit", raters="coder", ratings="y")
            peer_t = time.perf_counter() - t0
            names = {"icc1": ("ICC1", "ICC(1,1)"), "icc2": ("ICC2", "ICC(A,1)"), "icc3": ("ICC3", "ICC(C,1)"),
                     "icc1k": ("ICC1k", "ICC(1,k)"), "icc2k": ("ICC2k", "ICC(A,k)"), "icc3k": ("ICC3k", "ICC(C,k)")}
            by_type = icc.set_index("Type")
            for key, aliases in names.items():
                got = float(by_type.loc[next(a for a in aliases if a in by_type.index), "ICC"])
                assert abs(got - ours[key]["value"]) < 1e-9, (key, got, ours[key]["value"])
        ratio = peer_t / t if peer_t else None
        rep.add("compute --level interval (whole process)", f"{n:,} x {k} continuous, 4 decimals", t,
                peer="pingouin.intraclass_corr (ICCs only)" if peer_t else "", peer_s=peer_t,
                target=">= 100x", ok=(ratio >= 100) if full and ratio else None, runs=f"{runs}/1")
        rep.add("  peak RSS of that process", f"{n:,} x {k}", mb, unit="MB", target="< 300 MB",
                ok=mb < 300 if full else None)
        out["interval_3000x8"] = {"wall": t, "rss_mb": mb, "pingouin": peer_t}

        # 2. check, 20,000 units x 5 coders, a 241-value duration item (0-120 s in 0.5 s steps)
        n = 2_000 if args.quick else 20_000
        rng = np.random.default_rng(args.seed)
        grid = np.round(np.arange(241) * 0.5, 10)
        truth = rng.integers(0, 241, n)
        d = grid[np.clip(truth[:, None] + rng.integers(-6, 7, (n, 5)), 0, 240)]
        (tmp / "dur.yaml").write_text("id: dur\nunit_column: unit\nitems:\n  - id: duration\n    level: interval\n"
                                      "    scale: {min: 0, max: 120, step: 0.5}\n")
        files = []
        for j in range(5):
            f = tmp / f"coder_{j}.csv"
            f.write_text("unit,duration\n" + "".join(f"u{i},{v:g}\n" for i, v in enumerate(d[:, j])))
            files.append(str(f))
        t, mb, res = run_whole(cli("check", *files, "-c", str(tmp / "dur.yaml"), "-f", "json"), runs)
        c = coefficients(res)
        want = icc_all(d)["icc2"].value
        assert abs(c["icc2"]["value"] - want) < 1e-9 and c["krippendorff_alpha"]["status"] == "ok"
        rep.add("check, 241-value duration item (whole process)", f"{n:,} units x 5 coders", t,
                target="< 2 s", ok=t < 2 if full else None, runs=str(runs))
        rep.add("  peak RSS of that process", f"{n:,} x 5", mb, unit="MB", target="< 500 MB",
                ok=mb < 500 if full else None)
        out["check_241"] = {"wall": t, "rss_mb": mb}

        # 3. 100,000 x 8 continuous, 10% missing: REML ICCs included
        n = 20_000 if args.quick else 100_000
        x = continuous(n, 8, missing=0.1, seed=args.seed)
        write_wide(x, tmp / "m.csv")
        t, mb, res = run_whole(cli("compute", str(tmp / "m.csv"), "--level", "interval", "-f", "json"), runs)
        c = coefficients(res)
        assert "REML" in c["icc2"]["method"], c["icc2"]["method"]
        rep.add("compute interval, 10% missing, REML ICCs (whole process)", f"{n:,} x 8 continuous", t,
                target="< 5 s", ok=t < 5 if full else None, runs=str(runs))
        rep.add("  peak RSS of that process", f"{n:,} x 8", mb, unit="MB", target="< 1536 MB",
                ok=mb < 1536 if full else None)
        out["reml_100k"] = {"wall": t, "rss_mb": mb}

        # 4. 1,000,000 x 10 continuous, complete
        n = 100_000 if args.quick else 1_000_000
        x = continuous(n, 10, seed=args.seed)
        write_wide(x, tmp / "big.csv")
        t, mb, res = run_whole(cli("compute", str(tmp / "big.csv"), "--level", "interval", "-f", "json"),
                               1 if not args.quick else 1)
        c = coefficients(res)
        assert c["krippendorff_alpha"]["status"] == "ok" and c["icc2"]["status"] == "ok"
        rep.add("compute interval (whole process)", f"{n:,} x 10 continuous", t, target="< 10 s",
                ok=t < 10 if full else None, runs="1")
        rep.add("  peak RSS of that process", f"{n:,} x 10", mb, unit="MB", target="< 3072 MB",
                ok=mb < 3072 if full else None)
        out["continuous_1m"] = {"wall": t, "rss_mb": mb}

    # 5. Krippendorff's interval alpha: irrkit at 1,000,000 x 10 continuous; the package where it still runs
    from irrkit.statistics import counting
    from irrkit.statistics.sparse import sparse_count_table

    def ours_alpha(x: np.ndarray):
        cats = np.unique(x[~np.isnan(x)])
        tab = sparse_count_table(counting.category_index(x, cats), len(cats))
        return krippendorff_alpha(tab, list(cats), "interval")

    x = continuous(n, 10, seed=args.seed)
    t0 = time.perf_counter()
    big = ours_alpha(x)
    t_big = time.perf_counter() - t0
    assert big.ok
    small_n = 100  # the package builds units x values x values arrays: 100 x 10 (1,000 values) takes seconds
    xs = continuous(small_n, 10, seed=args.seed)
    t0 = time.perf_counter()
    small = ours_alpha(xs)
    t_small = time.perf_counter() - t0
    peer_t = None
    if _have("krippendorff"):
        import krippendorff as kd

        t0 = time.perf_counter()
        v = kd.alpha(reliability_data=xs.T, level_of_measurement="interval")
        peer_t = time.perf_counter() - t0
        assert abs(v - small.value) < 1e-9, (v, small.value)
    q_big = len(np.unique(x))
    rep.add("Krippendorff's interval alpha with SE (engine)", f"{n:,} x 10 continuous, {q_big:,} values", t_big,
            runs="1")
    rep.add("Krippendorff's interval alpha (engine)", f"{small_n} x 10 continuous, {small_n * 10:,} values",
            t_small, peer="krippendorff.alpha" if peer_t else "", peer_s=peer_t, target=">= 100x",
            ok=(peer_t / t_small >= 100) if full and peer_t else None, runs="1/1")
    rep.notes.append(f"Krippendorff package: it builds a values x values matrix (and units x values x values "
                     f"arrays), so at {n:,} x 10 continuous ({q_big:,} values) it would need "
                     f"{q_big**2 * 8 / 2**30:,.0f} GiB for that matrix alone; it is timed at {small_n} units x 10 "
                     "coders, where it runs.")
    out["alpha"] = {"irrkit_big": t_big, "irrkit_small": t_small, "package_small": peer_t}
    return out


PORT = """
import sys, time, warnings
t0 = time.perf_counter()
import pandas as pd
from irrCAC.raw import CAC
df = pd.read_csv(sys.argv[1]).drop(columns=["unit"])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    cac = CAC(df, categories=[1, 2, 3, 4, 5], digits=15)
    out = [cac.fleiss()["est"], cac.gwet()["est"], cac.krippendorff()["est"]]
print(",".join(repr(float(e["coefficient_value"])) for e in out))
"""


def section_commands(rep, args) -> dict[str, Any]:
    """Whole processes on nominal data: compute against the irrCAC port's whole process; check of per-coder
    files with --out."""
    from benchmarks.data import nominal_ratings

    full = rep.full
    out: dict[str, Any] = {}
    runs = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n, target in ((30_000, 3), (100_000, 5)) if args.quick else ((300_000, 3), (1_000_000, 5)):
            x = nominal_ratings(n, 6, seed=args.seed)
            path = tmp / f"nom{n}.csv"
            import pandas as pd

            df = pd.DataFrame({f"c{j}": pd.array(np.where(np.isnan(x[:, j]), None, x[:, j]), dtype="Int64")
                               for j in range(6)})
            df.insert(0, "unit", np.arange(1, n + 1))
            df.to_csv(path, index=False)
            t, mb, res = run_whole(cli("compute", str(path), "-f", "json"), runs)
            c = coefficients(res)
            peer_t = None
            if _have("irrCAC"):
                (tmp / "port.py").write_text(PORT)
                peer_t, _, pout = run_whole([sys.executable, str(tmp / "port.py"), str(path)], 1 if args.quick else 2)
                vals = [float(v) for v in pout.decode().strip().split(",")]
                for key, v in zip(("fleiss_kappa", "gwet_ac1", "krippendorff_alpha"), vals, strict=True):
                    assert abs(c[key]["value"] - v) < 1e-9, (key, c[key]["value"], v)
            ratio = peer_t / t if peer_t else None
            rep.add("compute, nominal (whole process)", f"{n:,} x 6, q=5, 10% missing", t,
                    peer="irrCAC port, whole process" if peer_t else "", peer_s=peer_t, target=f">= {target}x",
                    ok=(ratio >= target) if full and ratio else None, runs=f"{runs}/{2 if not args.quick else 1}")
            out[f"nominal_{n}"] = {"wall": t, "rss_mb": mb, "irrcac": peer_t}
        # check of 1,000,000 units x 10 coders, one file per coder, with --out
        n = 100_000 if args.quick else 1_000_000
        x = nominal_ratings(n, 10, seed=args.seed, missing=0.0)
        names = np.array(["a", "b", "c", "d", "e"], dtype=object)
        units = np.array([f"u{i}" for i in range(n)], dtype=object)
        files = []
        for j in range(10):
            f = tmp / f"coder{j}.csv"
            pd.DataFrame({"unit": units, "code": names[x[:, j].astype(int) - 1]}).to_csv(f, index=False)
            files.append(str(f))
        (tmp / "cb.yaml").write_text("id: nom\nunit_column: unit\nitems:\n  - id: code\n    level: nominal\n"
                                     "    categories: [a, b, c, d, e]\n")
        t, mb, _ = run_whole(cli("check", *files, "-c", str(tmp / "cb.yaml"), "--out", str(tmp / "out"),
                                 "-f", "json"), 1)
        assert (tmp / "out" / "summary.csv").exists()
        rep.add("check, one file per coder, --out (whole process)", f"{n:,} units x 10 coders", t,
                target="< 3 s", ok=t < 3 if full else None, runs="1")
        rep.add("  peak RSS of that process", f"{n:,} x 10", mb, unit="MB", target="< 1536 MB",
                ok=mb < 1536 if full else None)
        # the same files read only (the readers' share of that process): the rest is analysis, diagnostics, output
        (tmp / "read_only.py").write_text(READ_ONLY)
        t_read, mb_read, _ = run_whole([sys.executable, str(tmp / "read_only.py"), str(tmp / "cb.yaml"), *files], 1)
        rep.add("  of which start-up + reading the files", f"{n:,} x 10", t_read, runs="1")
        rep.add("  of which analysis, coder diagnostics, tables", f"{n:,} x 10", max(t - t_read, 0.0), runs="1")
        out["check_1m"] = {"wall": t, "rss_mb": mb, "read_wall": t_read, "read_rss_mb": mb_read}
    return out


READ_ONLY = """
import sys
from pathlib import Path
from irrkit.codebooks.codebook import load_codebook
from irrkit.readers import read_coder_files
read_coder_files([Path(f) for f in sys.argv[2:]], load_codebook(Path(sys.argv[1])))
"""


def section_scaling_continuous(rep, args) -> dict[str, Any]:
    """analyse() of a continuous interval item (every coefficient and the six ICCs) over a grid of units."""
    from irrkit.analysis.item import analyse
    from irrkit.ratings import ItemRatings

    units = [10_000, 30_000, 100_000] if args.quick else [10_000, 30_000, 100_000, 300_000, 1_000_000]
    pts = []
    for n in units:
        x = continuous(n, 10, seed=args.seed)
        cats = tuple(np.unique(x).tolist())
        r = ItemRatings("y", "interval", [], [], x, cats, weights="quadratic", explicit_categories=False)
        t0 = time.perf_counter()
        analyse(r)
        pts.append((n, time.perf_counter() - t0, len(cats)))
        print(f"    {n:>9,} units x 10 coders, {len(cats):,} values: {pts[-1][1]:.2f} s", flush=True)
    nu, tu, _ = np.array(pts, dtype=float).T
    slope = float(np.polyfit(np.log(nu), np.log(tu), 1)[0])
    rep.add("continuous: log-log slope of analyse() time", f"{units[0]:,}..{units[-1]:,} x 10", slope, unit="",
            target="<= 1.1 (at most linear)", ok=slope <= 1.1 if rep.full else None)
    if not args.no_plot and _have("matplotlib"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.loglog(nu, tu, "o-", label="irrkit analyse()")
        ax.loglog(nu, tu[-1] * nu / nu[-1], "--", color="grey", label="linear (through the largest)")
        ax.set_xlabel("units (10 coders, continuous: ~10 distinct values per unit)")
        ax.set_ylabel("seconds")
        ax.set_title(f"continuous interval item: time ~ units^{slope:.2f}")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(HERE / "scaling_continuous.png", dpi=110)
        plt.close(fig)
    return {"points": pts, "slope": slope}


def _have(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None
