"""`--cluster COLUMN` on check and compute: cluster-robust SEs through the CLI, the number of clusters in the
output, and clear errors for a missing column, an empty cell or a unit in two clusters."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

runner = CliRunner()
CATS = ["protest", "sad", "helpless"]


@pytest.fixture
def study(tmp_path):
    """30 sequences from 10 sessions (3 each), 3 coders; a session's sequences are coded alike."""
    rng = np.random.default_rng(4)
    n = 30
    session = [f"P{i // 3:02d}" for i in range(n)]
    good = np.repeat(rng.random(10), 3)  # per-session chance that a coder codes the true form
    true = rng.integers(0, 3, n)
    files = []
    for c in "ABC":
        p = tmp_path / f"coder_{c}.csv"
        rows = [f"S{i:02d},{session[i]},{CATS[true[i] if rng.random() < good[i] else rng.integers(0, 3)]}"
                for i in range(n)]
        p.write_text("unit,session,form\n" + "\n".join(rows) + "\n")
        files.append(p)
    cb = tmp_path / "cb.yaml"
    cb.write_text("id: t\nitems:\n  - id: form\n    level: nominal\n    categories: [{code: protest}, {code: sad}, "
                  "{code: helpless}]\n")
    wide = tmp_path / "wide.csv"
    lines = ["unit,session,A,B,C"]
    for i in range(n):
        lines.append(f"S{i:02d},{session[i]}," + ",".join(str(CATS.index(
            p.read_text().splitlines()[i + 1].split(",")[2])) for p in files))
    wide.write_text("\n".join(lines) + "\n")
    return files, cb, wide, session


def invoke(*args):
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.stdout if "json" in args else res.output


def test_check_with_clusters_reports_them_and_widens_the_ci(study):
    files, cb, _, session = study
    code, out = invoke("check", *files, "-c", cb, "--cluster", "session", "--format", "json")
    assert code == 0, out
    item = json.loads(out)["items"][0]
    assert item["n_clusters"] == 10
    fk = item["coefficients"]["fleiss_kappa"]
    assert fk["n_clusters"] == 10 and "cluster-robust over 10 clusters" in fk["method"]
    code, plain = invoke("check", *files, "-c", cb, "--format", "json")
    pk = json.loads(plain)["items"][0]["coefficients"]["fleiss_kappa"]
    assert fk["value"] == pytest.approx(pk["value"], rel=1e-12) and fk["se"] != pk["se"]
    # percent agreement: the cluster SE of a mean of per-unit agreements, by hand (CR1)
    pa_i = []
    codes = [[line.split(",")[2] for line in p.read_text().splitlines()[1:]] for p in files]
    for u in range(30):
        r = [c[u] for c in codes]
        pa_i.append(sum(r.count(k) * (r.count(k) - 1) for k in CATS) / 6)
    pa_i = np.array(pa_i)
    sums = np.array([np.sum(pa_i[np.array(session) == s] - pa_i.mean()) for s in sorted(set(session))])
    se = np.sqrt(10 / 9 * (sums**2).sum()) / 30
    assert item["coefficients"]["percent_agreement"]["se"] == pytest.approx(se, rel=1e-10)
    code, table = invoke("check", *files, "-c", cb, "--cluster", "session")
    assert code == 0 and "30 units in 10 clusters" in table and "kept as context" not in table


def test_compute_wide_with_a_cluster_column(study):
    _, _, wide, _ = study
    code, out = invoke("compute", wide, "--cluster", "session", "--format", "json", "--bootstrap", "300",
                       "--seed", "1")
    assert code == 0, out
    item = json.loads(out)["items"][0]
    assert item["n_coders"] == 3 and item["n_clusters"] == 10  # the cluster column is not a coder
    boot = item["coefficients"]["fleiss_kappa"]["bootstrap"]
    assert "whole clusters" in boot["method"] and boot["replicates"] == 300


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace("S05,P01", "S05,P09"), "for the same unit in"),
    (lambda t: t.replace("S05,P01", "S05,"), "empty cluster value"),
])
def test_bad_cluster_cells_exit_2(study, edit, words):
    files, cb, _, _ = study
    files[1].write_text(edit(files[1].read_text()))
    code, out = invoke("check", *files, "-c", cb, "--cluster", "session")
    assert code == 2 and words in out and "coder_B.csv:7" in out and "Traceback" not in out


def test_missing_cluster_column_exit_2(study):
    files, cb, wide, _ = study
    code, out = invoke("check", *files, "-c", cb, "--cluster", "patient")
    assert code == 2 and "no column 'patient'" in out and "session" in out
    code, out = invoke("compute", wide, "--cluster", "patient")
    assert code == 2 and "patient" in out
    code, out = invoke("compute", wide, "--counts", "--cluster", "session")
    assert code == 2 and "--cluster" in out


def test_train_with_clusters(study):
    files, cb, _, session = study
    code, out = invoke("train", files[1], "--gold", files[0], "-c", cb, "--cluster", "session", "--sequential",
                       "--format", "json")
    assert code in (0, 1), out
    doc = json.loads(out)
    stats = doc["trainees"]["coder_B"]["items"]["form"]["statistics"]
    assert stats["cohen_kappa"]["n_clusters"] == 10 and "cluster-robust" in stats["cohen_kappa"]["method"]
    # percent agreement of two codings: the CR1 cluster SE of the mean agreement indicator, by hand
    gold = [line.split(",")[2] for line in files[0].read_text().splitlines()[1:]]
    trainee = [line.split(",")[2] for line in files[1].read_text().splitlines()[1:]]
    agree = np.array([g == t for g, t in zip(gold, trainee, strict=True)], dtype=float)
    sums = np.array([np.sum(agree[np.array(session) == s] - agree.mean()) for s in sorted(set(session))])
    assert stats["percent_agreement"]["se"] == pytest.approx(np.sqrt(10 / 9 * (sums**2).sum()) / 30, rel=1e-10)
    assert any("10 clusters" in w for w in doc["warnings"])
    assert doc["sequential"][0]["trainee"] == "coder_B"
