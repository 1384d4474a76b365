"""Two coders whose table leaves no variance under H0 (one coder used a single category): Cohen's kappa is
reported without the Fleiss-Cohen-Everitt test instead of an internal error."""

import json
import subprocess
import sys

import numpy as np

from irrkit.statistics.two_coders import cohen_fce, cohen_null_se

CODEBOOK = """id: t
title: T
items:
  - id: kind
    level: nominal
    categories:
      - {code: a, label: A}
      - {code: b, label: B}
      - {code: c, label: C}
      - {code: d, label: D}
"""


def test_null_se_zero_gives_no_test():
    table = np.zeros((4, 4))
    table[2, 3] = table[3, 3] = 1  # coder A: c, d; coder B: d, d
    se0, z, p = cohen_null_se(table)
    assert se0 == 0 and np.isnan(z) and np.isnan(p)
    assert cohen_fce(table) is None


def test_check_of_two_such_coders_exits_0_with_cohens_kappa(tmp_path):
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "A.csv").write_text("unit,kind\nu1,c\nu2,d\n", encoding="utf-8")
    (tmp_path / "B.csv").write_text("unit,kind\nu1,d\nu2,d\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "irrkit.cli.main", "check", "A.csv", "B.csv", "-c", "cb.yaml",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    item = next(i for i in json.loads(done.stdout)["items"] if i["item"] == "kind")
    assert item["coefficients"]["cohen_kappa"]["value"] == 0.0  # pa = 1/2 = pe
