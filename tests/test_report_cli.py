"""`irrkit report` on the results.json that the video command writes (it names no tool): the page has every
episode item with its forest plot and the JSON's numbers; a JSON without a tool that is not video results is
still refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from irrkit.cli.main import app

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
runner = CliRunner()


def test_report_reads_the_video_commands_results_json(tmp_path):
    eafs = sorted(DEMO.glob("video_session0*_*.eaf"))
    res = runner.invoke(app, ["video", *map(str, eafs), "-c", str(ROOT / "codebooks" / "crying-episodes.yaml"),
                              "--out", str(tmp_path / "video"), "-f", "json"])
    assert res.exit_code == 0, res.output
    results = tmp_path / "video" / "results.json"
    doc = json.loads(results.read_text())
    res = runner.invoke(app, ["report", str(results), "-o", str(tmp_path / "video.html")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "video.html").read_text(encoding="utf-8")
    for it in doc["items"]:
        assert f'data-item="{it["item"]}"' in html
        assert f'data-figure="{it["item"]}-forest"' in html
        for s in it["statistics"].values():
            if s.get("value") is not None:
                v = f"{s['value']:.3f}"
                assert (v[1:] if v.startswith("0.") else v) in html  # APA: no leading zero (bounded statistics)


def test_a_json_without_tool_that_is_not_video_results_is_refused(tmp_path):
    p = tmp_path / "other.json"
    p.write_text(json.dumps({"items": [{"item": "x", "coefficients": {}}]}))
    res = runner.invoke(app, ["report", str(p)])
    assert res.exit_code == 2 and "is not an irrkit results JSON" in res.output and "Traceback" not in res.output
    assert str(p) in " ".join(res.output.split()) or p.name in res.output
