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


def apa3(key: str, v: float) -> str:
    """APA 7 style, written here: three decimals, no leading zero for statistics bounded by 1 (not the mean
    absolute difference), a true minus sign."""
    s = f"{abs(v):.3f}"
    if key != "mean_abs_diff" and s.startswith("0."):
        s = s[1:]
    return ("\u2212" if v < 0 and float(s) else "") + s


def test_video_report_shows_every_item_with_the_json_numbers(reports):
    text = (reports / "video.html").read_text(encoding="utf-8")
    assert_offline(text)
    doc = json.loads((reports / "video" / "results.json").read_text())
    page = parse(text)
    for it in doc["items"]:
        assert f"{it['item']}-forest" in page.sections[it["item"]]
        for k, c in it["statistics"].items():
            if c["value"] is not None:
                assert apa3(k, c["value"]) in text


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
        for k, c in it["coefficients"].items():
            if c["value"] is not None:
                assert apa3(k, c["value"]) in text
                if c.get("p_value") is not None:  # APA p: "< .001" or three decimals without the zero
                    assert ("&lt; .001" if c["p_value"] < 0.001 else apa3("p", c["p_value"])) in text
    assert not re.search(r"\d\.?\d*e-\d", re.sub(r"<svg.*?</svg>", "", text, flags=re.S))  # no 4.8e-15
    assert "Inter-rater reliability: Forms of patient crying" in text  # the codebook's title, not its id
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
        assert apa3("cohen_kappa", t['items']['form']['statistics']['cohen_kappa']['value']) in text
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


# --- a German lab's interval item and the interventions demo, at desktop and phone width (issue 21) ----------

DURATION_CB = """id: dauer-test
title: Weinepisoden – Dauer und Form
version: "2.1"
items:
  - id: dauer
    label: Dauer der Episode (s)
    level: interval
    scale: {min: 0, max: 120}
  - id: form
    label: Form
    level: nominal
    categories: [protest, traurig, hilflos, erleichtert, berührt, unterdrückt]
"""


@pytest.fixture(scope="module")
def interval_reports(tmp_path_factory):
    """Three coders (umlauts in the names) in German Excel CSV (';', decimal comma, BOM), a 0-120 s duration
    item with ~90 distinct values and a 6-category item; and the interventions demo."""
    import numpy as np

    d = tmp_path_factory.mktemp("interval")
    (d / "dauer.yaml").write_text(DURATION_CB, encoding="utf-8")
    rng = np.random.default_rng(21)
    true = rng.uniform(5, 115, 60)
    forms = ["protest", "traurig", "hilflos", "erleichtert", "berührt", "unterdrückt"]
    cats = rng.integers(0, 6, 60)
    files = []
    for k, coder in enumerate(("Jürgen", "Anna-Lena Müller", "Özlem")):
        lines = ["unit;dauer;form"]
        for u in range(60):
            v = min(120.0, max(0.0, round(true[u] + rng.normal(0, 6) + 2 * k, 1)))
            f = forms[cats[u]] if rng.random() < 0.8 else forms[rng.integers(0, 6)]
            lines.append(f"S{u + 1:02d};{str(v).replace('.', ',')};{f}")
        p = d / f"{coder}.csv"
        p.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
        files.append(p)
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(d / "dauer.yaml"), "--report",
                              str(d / "interval.html"), "--out", str(d / "out"), "-f", "json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["check", *map(str, sorted(DEMO.glob("interventions_coder_*.csv"))), "-c",
                              "interventions", "--report", str(d / "interventions.html"), "-f", "json"])
    assert res.exit_code == 0, res.output
    # issue 24's pages: a set-valued item, and a model's three runs against the human coders
    res = runner.invoke(app, ["check", *map(str, sorted(DEMO.glob("intervention-sets_coder_*.csv"))), "-c",
                              "intervention-sets", "--report", str(d / "sets.html"), "-f", "json"])
    assert res.exit_code == 0, res.output
    runs = ",".join(str(p) for p in sorted(DEMO.glob("model_crying-forms_run*.csv")))
    res = runner.invoke(app, ["model", *map(str, sorted(DEMO.glob("crying-forms_coder_*.csv"))), "--model",
                              f"llm={runs}", "-c", "crying-forms", "--report", str(d / "model.html"), "--no-gate",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    return d


def test_interval_item_has_bland_altman_plots_and_a_ccc_matrix(interval_reports):
    text = (interval_reports / "interval.html").read_text(encoding="utf-8")
    plots = re.findall(r'<figure[^>]*>.*?</figure>', text, flags=re.S)
    ba = [f for f in plots if "Bland-Altman plot of" in f]
    assert len(ba) == 6  # three pairs and each coder against the mean of the others
    assert any("Jürgen − Anna-Lena Müller" in f for f in ba)
    assert any("concordance correlation" in f and "dauer" in f for f in plots)


def test_interval_item_shows_a_box_per_coder_and_named_heatmaps(interval_reports):
    text = (interval_reports / "interval.html").read_text(encoding="utf-8")
    assert_offline(text)
    assert "<title>Inter-rater reliability: Weinepisoden – Dauer und Form</title>" in text
    dauer = text[text.index('data-item="dauer"'):text.index('data-item="form"')]
    assert "ratings per coder" in dauer and "M = " in dauer and "SD = " in dauer  # a box per coder, not slices
    assert "category use per coder" not in dauer
    assert "Jürgen" in dauer and "Özlem" in dauer and "Anna-Lena Müller" in dauer  # the heatmap's labels
    assert "bootstrap CI" not in text  # no empty column
    conv = text[text.index("<h2>Conventions</h2>"):]
    assert "se:" not in conv and "p_value" not in conv and "Standard errors:" in conv
    doc = json.loads((interval_reports / "out" / "results.json").read_text())
    dist = next(p for p in doc["items"][0]["diagnostics"]["coder_profiles"] if p["coder"] == "Jürgen")
    values = [float(v) for v, n in dist["distribution"].items() for _ in range(n)]
    mean, sd = sum(values) / len(values), (sum((v - sum(values) / len(values)) ** 2 for v in values)
                                           / (len(values) - 1)) ** 0.5
    assert f"M = {mean:.3g}, SD = {sd:.3g}" in dauer  # mean and SD as computed here from the counts


def test_legend_of_six_categories_is_whole_and_below_the_title():
    from irrkit.outputs import figures

    labels = ["protest", "traurig", "hilflos", "erleichtert", "berührt", "unterdrückt"]
    fig = figures.category_use(["A", "B", "C"], labels, [[3, 2, 1, 4, 5, 6]] * 3, "form: category use per coder")
    svg = figures.svg(fig, "t")
    for label in labels:
        assert f">{label}<" in svg or label in svg  # no label cut ("su...")
    fig.canvas.draw() if hasattr(fig, "canvas") else None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    texts = [t for t in fig.findobj(lambda a: type(a).__name__ == "Text") if t.get_text()]
    title = next(t for t in texts if t.get_text().startswith("form:")).get_window_extent(r)
    for t in texts:
        if t.get_text() in labels:
            box = t.get_window_extent(r)
            assert not box.overlaps(title), t.get_text()  # the legend never covers the title
            assert box.x1 <= fig.bbox.x1 + 0.5  # and is not cut at the right edge


def test_a_700_coder_heatmap_is_one_image():
    import time

    from irrkit.outputs import figures

    n = 700
    m = [[None if i == j else ((i * 7 + j * 3) % 100) / 100 for j in range(n)] for i in range(n)]
    names = [f"coder {i}" for i in range(n)]
    t0 = time.perf_counter()
    svg = figures.svg(figures.heatmap(m, names, names, "700 coders"), "big")
    took = time.perf_counter() - t0
    assert svg.count("<text") + svg.count("<g id=\"text") < 200 and "<image" in svg
    assert took < 30  # (not a timed test: a guard against one text per cell, which took > 60 s)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed: the browser screenshots are skipped")
@pytest.mark.parametrize("name", ["interventions.html", "interval.html", "sets.html", "model.html"])
@pytest.mark.parametrize("width", [1280, 412])
def test_screenshots_at_desktop_and_phone_width(interval_reports, tmp_path, name, width):
    page = interval_reports / name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{page.stem}-{width}.png"
    run = chromium([f"--window-size={width},2400", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert run.returncode == 0 and shot.stat().st_size > 10_000, run.stderr[-2000:]
    # at phone width every figure keeps a readable size (it scrolls in its box) and no table overflows the page
    text = page.read_text(encoding="utf-8")
    probe = tmp_path / f"probe-{name}"
    probe.write_text(text.replace("</body>", PROBE.replace(
        "document.body.setAttribute('data-probe', JSON.stringify(figs));",
        "document.body.setAttribute('data-probe', JSON.stringify(figs));"
        "document.body.setAttribute('data-wide', String(document.documentElement.scrollWidth - innerWidth));")
        + "</body>"),
        encoding="utf-8")
    run = chromium(["--dump-dom", "--virtual-time-budget=5000", f"--window-size={width},2400", probe.as_uri()],
                   tmp_path)
    figs = json.loads(re.search(r'data-probe="([^"]*)"', run.stdout).group(1).replace("&quot;", '"'))
    assert figs and all(w >= (480 if width < 600 else 100) for _, w, _h in figs), figs  # phone: 34rem, scrolls
    wide = int(re.search(r'data-wide="(-?\d+)"', run.stdout).group(1))
    assert wide <= 1, wide  # nothing wider than the window: tables and figures scroll in their boxes
