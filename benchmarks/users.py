"""Benchmark section ``users`` (irrkit issue 22): whole commands as users run them, each beside its floor.

The floor is the least work any whole process must do for the coefficients: Python, NumPy, pyarrow's
multi-threaded CSV reader and the units x categories count table (``FLOOR`` below; pyarrow is a benchmark
dependency only, never irrkit's). Rows: ``compute`` of 1,000,000 x 6 nominal codes with and without
``--level nominal --categories 1,2,3,4,5`` (and the irrCAC port's whole process), ``check`` of the same ratings
as one file per coder with a codebook, ``compute --level interval`` of 3,000 x 8 against the bare Python + NumPy
start-up (and pingouin's whole process), a unit rated by 10,000 coders (long file), 100,000 categories (1,000
units x 5 coders, a codebook), a crowd (100,000 units, 2,000 annotators, 3-7 ratings each; ``check`` and
``compute --long``) and ``--help``.
Every row is a whole process: median wall time of several runs after a warm-up, peak RSS of the child.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.scales import PORT, _have, _popen_rusage, cli, run_whole

FLOOR = """
import sys
import numpy as np
import pyarrow.csv as pc
q = int(sys.argv[1])
cols = []
for f in sys.argv[2:]:
    t = pc.read_csv(f)
    cols += [t.column(i).fill_null(0).to_numpy() for i in range(1, t.num_columns)]  # 0: missing, 1..q: codes
n = len(cols[0])
key = np.arange(n, dtype=np.int64)[:, None] * (q + 1) + np.stack(cols, axis=1)
counts = np.bincount(key.ravel(), minlength=n * (q + 1)).reshape(n, q + 1)[:, 1:]  # units x categories
print(int(counts.sum()))
"""

START = "import numpy"

PINGOUIN = """
import sys, warnings
import pandas as pd
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pingouin as pg
df = pd.read_csv(sys.argv[1])
long = df.melt(id_vars="unit", var_name="coder", value_name="y")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    out = pg.intraclass_corr(long, targets="unit", raters="coder", ratings="y")
print(out.set_index("Type").loc["ICC2", "ICC"] if "ICC2" in set(out["Type"]) else out.iloc[1]["ICC"])
"""


def _codes_text(col: np.ndarray) -> np.ndarray:
    """One-digit codes (NaN: empty) as text cells."""
    out = np.full(len(col), "", dtype="<U1")
    ok = ~np.isnan(col)
    out[ok] = col[ok].astype(int).astype(str)
    return out


def _write_lines(path: Path, header: str, columns: list[np.ndarray]) -> None:
    body = columns[0].astype(str)
    for c in columns[1:]:
        body = np.char.add(np.char.add(body, ","), c)
    path.write_text(header + "\n" + "\n".join(body.tolist()) + "\n")


def _byte_code_cached() -> bool:
    """True if every irrkit module has a valid .pyc (as after `pip install .`), so that a run compiles none."""
    import importlib.util
    import os

    import irrkit

    for src in Path(irrkit.__file__).parent.rglob("*.py"):
        try:
            head = Path(importlib.util.cache_from_source(str(src))).read_bytes()[:16]
        except OSError:
            return False
        st = os.stat(src)
        flags = int.from_bytes(head[4:8], "little")
        if not flags & 1 and (int.from_bytes(head[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF
                              or int.from_bytes(head[12:16], "little") != st.st_size & 0xFFFFFFFF):
            return False
    return True


def section_users(rep, args) -> dict[str, Any]:
    from benchmarks.data import nominal_ratings
    from benchmarks.scales import continuous, write_wide

    runs = 1 if args.quick else 3
    full = rep.full
    out: dict[str, Any] = {}
    py = sys.executable
    rep.notes.append("users: on the floor and start-up rows 'peer / irrkit' is floor / irrkit (below 1: irrkit takes "
                     "longer than the floor); the target compares irrkit with that multiple of the floor. The floor "
                     "and irrkit are timed in the same run, one after the other.")
    if not _byte_code_cached():
        rep.notes.append("users: irrkit's modules have no byte-code cache (an editable install with "
                         "PYTHONDONTWRITEBYTECODE set?): every process compiles them, ~0.1 s a user of "
                         "`pip install .` never pays; run the benchmark from a venv with `pip install '.[bench]'`")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "floor.py").write_text(FLOOR)
        have_arrow = _have("pyarrow")
        if not have_arrow:
            rep.skip("floor", "pyarrow not installed: pip install pyarrow (benchmarks only)")
        n = 100_000 if args.quick else 1_000_000
        x = nominal_ratings(n, 6, seed=args.seed)
        units = np.arange(1, n + 1).astype(str)
        wide = tmp / "nominal.csv"
        _write_lines(wide, "unit," + ",".join(f"c{j}" for j in range(6)), [units, *(_codes_text(x[:, j])
                                                                                  for j in range(6))])
        floor_t = floor_mb = None
        if have_arrow:
            floor_t, floor_mb, fout = run_whole([py, str(tmp / "floor.py"), "5", str(wide)], runs)
            assert int(fout) == int((~np.isnan(x)).sum())
        size = f"{n:,} x 6, q=5, 10% missing"
        port_t = None
        if _have("irrCAC"):
            (tmp / "port.py").write_text(PORT)
            port_t, _, pout = run_whole([py, str(tmp / "port.py"), str(wide)], 1 if args.quick else 2)
            port_vals = [float(v) for v in pout.decode().strip().split(",")]
        for label, extra in (("with --level nominal --categories 1,2,3,4,5",
                              ["--level", "nominal", "--categories", "1,2,3,4,5"]), ("without options", [])):
            t, mb, res = run_whole(cli("compute", str(wide), "-f", "json", *extra), runs)
            c = json.loads(res)["items"][0]["coefficients"]
            if port_t:
                for key, v in zip(("fleiss_kappa", "gwet_ac1", "krippendorff_alpha"), port_vals, strict=True):
                    assert abs(c[key]["value"] - v) < 1e-9, (key, c[key]["value"], v)
            rep.add(f"compute {label}", size, t, peer="floor (python+numpy+pyarrow+count table)" if floor_t else "",
                    peer_s=floor_t, target="<= 1.3x the floor", ok=(t <= 1.3 * floor_t) if full and floor_t else None,
                    runs=str(runs))
            rep.add("  peak RSS (irrkit / floor)", size, mb, unit="MB", peer="floor" if floor_mb else "",
                    peer_s=floor_mb)
            if port_t:
                rep.add(f"compute {label}", size, t, peer="irrCAC port, whole process", peer_s=port_t,
                        target=">= 6x", ok=(port_t / t >= 6) if full else None, runs=f"{runs}/2")
            out[f"compute {label}"] = {"wall": t, "rss_mb": mb, "floor": floor_t, "floor_rss_mb": floor_mb,
                                       "irrcac": port_t}

        # check with a codebook, one file per coder (the same ratings)
        files = []
        for j in range(6):
            f = tmp / f"coder{j}.csv"
            _write_lines(f, "unit,code", [units, _codes_text(x[:, j])])
            files.append(str(f))
        (tmp / "cb.yaml").write_text("id: nom\nunit_column: unit\nitems:\n  - id: code\n    level: nominal\n"
                                     "    categories: ['1', '2', '3', '4', '5']\n")
        floor6 = None
        if have_arrow:
            floor6, _, _ = run_whole([py, str(tmp / "floor.py"), "5", *files], runs)
        t, mb, res = run_whole(cli("check", *files, "-c", str(tmp / "cb.yaml"), "-f", "json"), runs)
        rep.add("check, codebook, one file per coder", f"{n:,} x 6", t, peer="floor (the 6 files)" if floor6 else "",
                peer_s=floor6, target="<= 1.5x the floor", ok=(t <= 1.5 * floor6) if full and floor6 else None,
                runs=str(runs))
        rep.add("  peak RSS", f"{n:,} x 6", mb, unit="MB")
        out["check one file per coder"] = {"wall": t, "rss_mb": mb, "floor": floor6}

        # compute --level interval 3,000 x 8: against the bare start-up and pingouin's whole process
        m = 600 if args.quick else 3_000
        xc = continuous(m, 8, seed=args.seed)
        write_wide(xc, tmp / "c.csv")
        (tmp / "start.py").write_text(START)
        start_t, _, _ = run_whole([py, str(tmp / "start.py")], max(runs, 5))
        t, mb, _ = run_whole(cli("compute", str(tmp / "c.csv"), "--level", "interval", "-f", "json"), max(runs, 5))
        rep.add("compute --level interval", f"{m:,} x 8 continuous", t, peer="python + numpy start-up",
                peer_s=start_t, target="<= 2x the start-up", ok=(t <= 2 * start_t) if full else None,
                runs=str(max(runs, 5)))
        if _have("pingouin"):
            (tmp / "ping.py").write_text(PINGOUIN)
            ping_t, _, _ = run_whole([py, str(tmp / "ping.py"), str(tmp / "c.csv")], 1 if args.quick else 2)
            rep.add("compute --level interval", f"{m:,} x 8 continuous", t, peer="pingouin, whole process",
                    peer_s=ping_t, target=">= 20x", ok=(ping_t / t >= 20) if full else None, runs=f"{runs}/2")
        out["interval 3000x8"] = {"wall": t, "rss_mb": mb, "start": start_t}
        t, _, _ = run_whole(cli("--help"), max(runs, 5))
        rep.add("irrkit --help", "", t, target="< 0.2 s", ok=t < 0.2 if full else None, runs=str(max(runs, 5)))

        # a unit rated by 10,000 coders (long file, continuous), 200 small units beside it
        rng = np.random.default_rng(args.seed)
        k = 2_000 if args.quick else 10_000
        rows = [f"big,c{c},{v:.3f}" for c, v in enumerate(rng.normal(size=k))]
        for u in range(200):
            b = rng.normal()
            rows += [f"u{u},c{c},{b + e:.3f}" for c, e in zip(rng.choice(k, 3, replace=False), rng.normal(0, .5, 3),
                                                               strict=True)]
        (tmp / "one.csv").write_text("unit,coder,value\n" + "\n".join(rows) + "\n")
        (tmp / "s.yaml").write_text("id: s\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: value\n"
                                    "    level: interval\n    scale: {min: -10, max: 10}\n")
        t, mb, res = run_whole(cli("check", str(tmp / "one.csv"), "-c", str(tmp / "s.yaml"), "-f", "json"), runs)
        doc = json.loads(res)
        assert doc["items"][0]["coefficients"]["icc2"]["status"] == "ok"
        rep.add("check -f json, a unit rated by many coders (long file)", f"{k:,} coders + 200 units x 3", t,
                target="< 5 s", ok=t < 5 if full else None, runs=str(runs))
        rep.add("  peak RSS; JSON size", f"{len(res) / 1e6:.1f} MB of JSON", mb, unit="MB")
        out["one unit, many coders"] = {"wall": t, "rss_mb": mb, "json_mb": len(res) / 1e6}

        # 100,000 categories (a codebook), 1,000 units x 5 coders
        q = 10_000 if args.quick else 100_000
        truth = rng.integers(0, q, 1000)
        xq = np.where(rng.random((1000, 5)) < 0.6, truth[:, None], rng.integers(0, q, (1000, 5)))
        qfiles = []
        for j in range(5):
            f = tmp / f"q{j}.csv"
            f.write_text("unit,code\n" + "".join(f"{i + 1},k{v}\n" for i, v in enumerate(xq[:, j].tolist())))
            qfiles.append(str(f))
        (tmp / "q.yaml").write_text("id: big\nunit_column: unit\nitems:\n  - id: code\n    level: nominal\n"
                                    "    categories: [" + ", ".join(f"k{v}" for v in range(q)) + "]\n")
        t, mb, res = run_whole(cli("check", *qfiles, "-c", str(tmp / "q.yaml"), "-f", "json"), runs)
        assert json.loads(res)["items"][0]["coefficients"]["fleiss_kappa"]["status"] == "ok"
        rep.add("check, identity weights", f"{q:,} categories, 1,000 x 5", t, target="< 5 s",
                ok=t < 5 if full else None, runs=str(runs))
        rep.add("  peak RSS", f"{q:,} categories", mb, unit="MB", target="< 1024 MB", ok=mb < 1024 if full else None)
        out["100k categories"] = {"wall": t, "rss_mb": mb}

        # the crowd: 100,000 units, 2,000 annotators, 3-7 ratings each (long file)
        nu, na = (10_000, 400) if args.quick else (100_000, 2_000)
        per = rng.integers(3, 8, nu)
        unit_of = np.repeat(np.arange(nu), per)
        coder_of = np.concatenate([rng.choice(na, p_, replace=False) for p_ in per.tolist()])
        score = np.clip(np.rint(rng.integers(1, 6, nu)[unit_of] + rng.normal(0, 0.7, len(unit_of))), 1, 5)
        _write_lines(tmp / "crowd.csv", "unit,coder,score",
                     [np.char.add("u", unit_of.astype(str)), np.char.add("a", coder_of.astype(str)),
                      score.astype(int).astype(str)])
        (tmp / "crowd.yaml").write_text("id: crowd\nunit_column: unit\ncoder_column: coder\nitems:\n  - id: score\n"
                                        "    level: interval\n    scale: {min: 1, max: 5, step: 1}\n")
        t0 = time.perf_counter()
        wall, mb, res, err, code = _popen_rusage(cli("check", str(tmp / "crowd.csv"), "-c", str(tmp / "crowd.yaml"),
                                                      "-f", "json"))
        first = (err.decode(errors="replace").strip().splitlines() or [""])[0][:90]
        status = "ok" if code in (0, 1) else f"exit {code}: {first}"
        rep.add(f"check -f json, crowd ({status})", f"{nu:,} units, {na:,} annotators, 3-7 each", wall,
                target="< 10 s, < 2 GB, JSON < 20 MB", ok=(code in (0, 1) and wall < 10 and mb < 2048
                                                           and len(res) < 20e6) if full else None, runs="1")
        rep.add("  peak RSS; JSON size", f"{len(res) / 1e6:.1f} MB of JSON", mb, unit="MB")
        out["crowd"] = {"wall": wall, "rss_mb": mb, "json_mb": len(res) / 1e6, "status": status,
                        "elapsed": time.perf_counter() - t0}
        wall, mb, res, err, code = _popen_rusage(cli("compute", str(tmp / "crowd.csv"), "--long", "--value-col",
                                                      "score", "--level", "interval", "-f", "json"))
        first = (err.decode(errors="replace").strip().splitlines() or [""])[0][:90]
        status = "ok" if code in (0, 1) else f"exit {code}: {first}"
        if code in (0, 1):
            icc2 = json.loads(res)["items"][0]["coefficients"]["icc2"]
            assert icc2["status"] == "ok" and "Henderson" in icc2["method"], icc2
        rep.add(f"compute --long, crowd ({status})", f"{nu:,} units, {na:,} annotators, 3-7 each", wall,
                target="< 10 s, < 2 GB", ok=(code in (0, 1) and wall < 10 and mb < 2048) if full else None, runs="1")
        rep.add("  peak RSS", "", mb, unit="MB")
        out["crowd compute --long"] = {"wall": wall, "rss_mb": mb, "status": status}
    return out
