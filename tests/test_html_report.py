"""The HTML report: self-contained and offline, every item's figures present, user text escaped, figures saved
as PNG/SVG, and a real browser (headless Chromium) opens it without console errors and draws every figure.

The browser test is skipped, saying so, when no Chromium is installed (.ci/run installs Debian's chromium).
A screenshot of each page goes to $IRRKIT_ARTIFACTS (default: artifacts/ in the repository) for CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
CB = ROOT / "codebooks" / "crying-forms.yaml"
ARTIFACTS = Path(os.environ.get("IRRKIT_ARTIFACTS", ROOT / "artifacts"))
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)
runner = CliRunner()


class Page(HTMLParser):
    """Sections (data-item) with their figures, every src/href, every script/link/iframe/img tag."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.refs: list[str] = []
        self.tags: set[str] = set()
        self.svg_in_figure = 0
        self._fig: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        for k in ("src", "href"):
            if a.get(k):
                self.refs.append(a[k])
        if tag == "section":
            self.current = a.get("data-item")
            self.sections.setdefault(self.current or "", [])
        if tag == "figure":
            self._fig = a.get("data-figure")
            if self.current is not None:
                self.sections[self.current].append(a.get("data-figure") or "")
        if tag == "svg" and self._fig is not None:
            self.svg_in_figure += 1

    def handle_endtag(self, tag):
        if tag == "section":
            self.current = None
        if tag == "figure":
            self._fig = None


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    return p


def assert_offline(text: str) -> None:
    page = parse(text)
    assert not page.tags & {"script", "link", "iframe", "img", "object", "embed"}, page.tags
    # only in-page anchors; the SVG namespace URI is a name, not a fetch
    assert all(r.startswith("#") for r in page.refs), [r for r in page.refs if not r.startswith("#")][:5]
    assert "@import" not in text and "url(http" not in text
    assert len(text.encode()) < 1_000_000


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    d = tmp_path_factory.mktemp("reports")
    files = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(CB), "--min", "gwet_ac1=0.6", "--out",
                              str(d / "out"), "--report", str(d / "check.html"), "-f", "json"])
    assert res.exit_code == 1, res.output  # AC1 of 'form' is below 0.6: the gate fails, the report is written
    trainees = sorted(DEMO.glob("crying-forms_trainee_*.csv"))
    for name in ("r1", "r2"):
        res = runner.invoke(app, ["train", *map(str, trainees), "--gold", str(DEMO / "crying-forms_gold.csv"), "-c",
                                  str(CB), "--history", str(d / "hist"), "--round", name, "--out", str(d / name),
                                  "--report", str(d / f"train-{name}.html"), "-f", "json"])
        assert res.exit_code == 1, res.output  # ben fails
    eafs = sorted(DEMO.glob("video_session0*_*.eaf"))
    res = runner.invoke(app, ["video", *map(str, eafs), "-c", str(ROOT / "codebooks" / "crying-episodes.yaml"),
                              "--out", str(d / "video"), "--report", str(d / "video.html"), "-f", "json"])
    assert res.exit_code == 0, res.output
    return d


def test_video_report_shows_every_item_with_the_json_numbers(reports):
    text = (reports / "video.html").read_text(encoding="utf-8")
    assert_offline(text)
    doc = json.loads((reports / "video" / "results.json").read_text())
    page = parse(text)
    for it in doc["items"]:
        assert f"{it['item']}-forest" in page.sections[it["item"]]
        for c in it["statistics"].values():
            if c["value"] is not None:
                assert f"{c['value']:.3f}" in text


def test_check_report_is_offline_and_has_every_items_figures(reports):
    text = (reports / "check.html").read_text(encoding="utf-8")
    assert_offline(text)
    doc = json.loads((reports / "out" / "results.json").read_text())
    page = parse(text)
    for it in doc["items"]:
        figs = page.sections[it["item"]]
        assert any(f.endswith("-forest") for f in figs) and any(f.endswith("-coder-matrix") for f in figs)
        if it["level"] == "nominal":
            assert any(f.endswith("-per-category") for f in figs)
        assert any(f.endswith("-category-use") for f in figs)
    assert page.svg_in_figure == text.count("<figure")


def test_check_report_numbers_and_gates_agree_with_the_json(reports):
    text = (reports / "check.html").read_text(encoding="utf-8")
    doc = json.loads((reports / "out" / "results.json").read_text())
    for it in doc["items"]:
        for c in it["coefficients"].values():
            if c["value"] is not None:
                assert f"{c['value']:.3f}" in text
    form = doc["items"][0]
    assert form["diagnostics"]["leave_one_out"]["lowers_most"] in re.search(
        r'class="who"><strong>([^<]+)</strong> lowers agreement most', text).group(1)
    assert "FAIL" in text and "falls short by 0.054 of the minimum 0.60" in text
    for note in form.get("notes", []):
        assert note[:40].replace("'", "&#x27;") in text


def test_training_report_has_confusions_and_trend(reports):
    text = (reports / "train-r2.html").read_text(encoding="utf-8")
    assert_offline(text)
    figs = [f for fs in parse(text).sections.values() for f in fs]
    assert sum(f.endswith("-confusion") for f in figs) == 2  # anna and ben, item 'form'
    assert {"form-trend", "intensity-trend"} <= set(figs)
    assert "r1" in text and "r2" in text
    rec = json.loads((reports / "r2" / "training.json").read_text())
    for t in rec["trainees"].values():
        assert f"{t['items']['form']['statistics']['cohen_kappa']['value']:.3f}" in text
        assert ("passed" if t["passed"] else "FAILED") in text


def test_report_command_reads_the_json_and_saves_png_and_svg(reports, tmp_path):
    res = runner.invoke(app, ["report", str(reports / "out" / "results.json"), "-o", str(tmp_path / "r.html"),
                              "--figures", str(tmp_path / "fig"), "--title", "Round 1"])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<title>Round 1</title>" in text
    figs = sorted((tmp_path / "fig").iterdir())
    pngs = [p for p in figs if p.suffix == ".png"]
    svgs = [p for p in figs if p.suffix == ".svg"]
    assert len(pngs) == len(svgs) == text.count("<figure")
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(p.read_text(encoding="utf-8").startswith("<svg") for p in svgs)


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not JSON"), ('{"tool": "other"}', "is not an irrkit results JSON"),
    ('{"tool": "irrkit"}', "has neither items"), (b"\xff\xfe", "is not UTF-8")])
def test_report_command_refuses_bad_input(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    res = runner.invoke(app, ["report", str(p)])
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "bad.html").exists()


def test_user_text_is_escaped(reports):
    from irrkit.outputs.html import report

    doc = json.loads((reports / "out" / "results.json").read_text())
    evil = '<script>alert("x")</script>&'
    text = json.dumps(doc).replace("crying-forms_coder_B", evil.replace('"', '\\"')).replace(
        '"helpless"', json.dumps(evil))
    rep = report(json.loads(text))
    assert "<script>" not in rep.html and "&lt;script&gt;" in rep.html
    assert_offline(rep.html)


# ------------------------------------------------------------------------------------------------ browser

PROBE = """<script>
addEventListener('load', () => {
  const figs = [...document.querySelectorAll('figure.plot')].map(f => {
    const s = f.querySelector('svg'); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
    return [f.dataset.figure, Math.round(r.width), Math.round(r.height)]; });
  document.body.setAttribute('data-probe', JSON.stringify(figs));
});
</script>"""


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium; .ci/run does): "
                                             "the browser test of the HTML report is skipped")
@pytest.mark.parametrize("name", ["check.html", "train-r2.html", "video.html"])
def test_chromium_opens_the_report(reports, tmp_path, name):
    page = reports / name
    text = page.read_text(encoding="utf-8")
    # the page itself, unchanged: screenshot at phone width, console must stay silent
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{page.stem}.png"
    run = chromium(["--window-size=412,2400", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], console
    # a copy with a probe script: every figure is laid out with a size (the report itself has no script)
    probe = tmp_path / f"probe-{name}"
    probe.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = chromium(["--dump-dom", "--virtual-time-budget=5000", probe.as_uri()], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    m = re.search(r'data-probe="([^"]*)"', run.stdout)
    assert m, run.stdout[:500]
    figs = json.loads(m.group(1).replace("&quot;", '"'))
    assert len(figs) == text.count("<figure") and figs
    assert all(w > 100 and h > 50 for _, w, h in figs), figs
