"""The report's figures, read back: every inline SVG is valid XML whose references resolve inside it and whose
ids are unique on the page, the numbers drawn are the JSON's, the SVG files of --figures are the page's, the PNG
files decode at the figure's size, the faster SVG path writes what ``savefig`` writes, and commands that draw no
figure never import matplotlib.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from irrkit.cli.main import app

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "cli" / "demo"
SVG_NS = "{http://www.w3.org/2000/svg}"
REF = re.compile(r'(?:url\(#|href="#)([^")]+)')
runner = CliRunner()


@pytest.fixture(scope="module")
def check_json(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fig")
    files = sorted(DEMO.glob("crying-forms_coder_*.csv"))
    res = runner.invoke(app, ["check", *map(str, files), "-c", str(ROOT / "codebooks" / "crying-forms.yaml"),
                              "--out", str(d / "out"), "-f", "json"])
    assert res.exit_code == 0, res.output
    return d / "out" / "results.json"


@pytest.fixture(scope="module")
def written(check_json, tmp_path_factory) -> tuple[dict, str, Path]:
    d = tmp_path_factory.mktemp("written")
    res = runner.invoke(app, ["report", str(check_json), "-o", str(d / "r.html"), "--figures", str(d / "fig")])
    assert res.exit_code == 0, res.output
    return json.loads(check_json.read_text()), (d / "r.html").read_text(encoding="utf-8"), d / "fig"


def inline_svgs(html: str) -> dict[str, str]:
    """figure id -> the SVG inside that <figure> of the page."""
    out = {}
    for m in re.finditer(r'<figure class="plot" id="([^"]+)"[^>]*>(<svg .*?</svg>)', html, re.S):
        out[m.group(1)] = m.group(2)
    return out


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_every_inline_svg_is_valid_xml_with_its_references_inside_and_unique_ids(written):
    _, html, _ = written
    svgs = inline_svgs(html)
    assert len(svgs) == html.count("<figure") and svgs
    seen: set[str] = set()
    for key, svg in svgs.items():
        root = ET.fromstring(svg)  # raises on invalid XML
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert all(i.startswith(f"{key}-") for i in ids), (key, ids[:5])
        assert not seen & set(ids), key
        seen |= set(ids)
        assert set(REF.findall(svg)) <= set(ids), key  # every url(#..) / href="#.." resolves in this SVG
        assert root.get("aria-label")  # the caption, for screen readers
        assert root.get("aria-labelledby") is None  # it named an element that did not exist
        assert texts(svg), key  # text kept as text (svg.fonttype none)


def test_the_figures_show_the_json_numbers(written):
    from irrkit.outputs.html import _forest_rows

    doc, html, _ = written
    svgs = inline_svgs(html)
    for it in doc["items"]:
        name = it["item"]
        forest = " ".join(texts(next(s for k, s in svgs.items() if k.endswith(f"-{name}-forest"))))
        shown = [r["key"] for r in _forest_rows(it)]
        assert shown and it["primary"] in shown
        for key in shown:
            c = it["coefficients"][key]
            if c.get("value") is not None:
                # APA style (issue 21): no leading zero for statistics bounded by 1
                apa = f"{c['value']:.3f}"
                apa = apa.replace("0.", ".", 1) if key != "mean_abs_diff" and apa.startswith("0.") else apa
                assert apa in forest, (name, key)
            if c.get("ci_low") is not None:
                lo, hi = (f"{x:.3f}" for x in (c["ci_low"], c["ci_high"]))
                if key != "mean_abs_diff":
                    lo, hi = (x[1:] if x.startswith("0.") else x for x in (lo, hi))
                assert f"[{lo}, {hi}]" in forest, (name, key)
        d = it["diagnostics"]
        first = d["matrix"]["statistics"][0]
        cells = texts(next(s for k, s in svgs.items() if k.endswith(f"-{name}-coder-matrix")))
        want = [f"{v:.2f}" for row in d["matrix"][first] for v in row if v is not None]
        assert sorted(c for c in cells if re.fullmatch(r"-?\d\.\d\d", c)) == sorted(want), name
        use = texts(next(s for k, s in svgs.items() if k.endswith(f"-{name}-category-use")))
        for p in d["coder_profiles"]:
            assert p["coder"] in use
            total = sum(p["distribution"].values())
            for n in p["distribution"].values():
                if n / total >= 0.08:  # smaller shares are too narrow to carry their number
                    assert str(n) in use, (name, p["coder"], n)
        for code in it["distribution"]:
            assert str(code) in use, (name, code)  # the legend names every category


def test_figure_files_are_the_pages_figures_and_pngs_decode_at_their_size(written):
    from matplotlib.image import imread

    _, html, figdir = written
    svgs = inline_svgs(html)
    for key, svg in svgs.items():
        assert (figdir / f"{key}.svg").read_text(encoding="utf-8").strip() == svg.strip()
        png = figdir / f"{key}.png"
        img = imread(png)
        root = ET.fromstring(svg)
        w_pt, h_pt = (float(root.get(a).removesuffix("pt")) for a in ("width", "height"))
        assert img.shape[1] == round(w_pt / 72 * 150) and img.shape[0] == round(h_pt / 72 * 150), key
        assert img[..., :3].std() > 0.05, key  # not blank


def test_svg_path_writes_what_savefig_writes(check_json):
    from irrkit.outputs import figures
    from irrkit.outputs.html import report

    rep = report(json.loads(check_json.read_text()))
    for fig in rep.figures.values():
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        assert figures.svg_document(fig) == buf.getvalue()


@pytest.mark.parametrize("vals, want", [([0.0, 0.5, 1.0], ["0.0", "0.5", "1.0"]),
                                        ([0.0, 0.25, 0.5], ["0.00", "0.25", "0.50"]),
                                        ([0.0, 5.0, 10.0], ["0", "5", "10"]),
                                        ([-0.2, 0.0, 0.2], ["\u22120.2", "0.0", "0.2"])])
def test_tick_texts_as_matplotlib_formats_them(vals, want):
    from matplotlib.ticker import ScalarFormatter

    from irrkit.outputs.figures import tick_texts

    assert tick_texts(vals) == want
    fmt = ScalarFormatter()

    class Axis:  # the least ScalarFormatter needs to format a fixed set of ticks
        def get_view_interval(self):
            return min(vals), max(vals)

    fmt.axis = Axis()
    fmt.set_locs(vals)
    assert [fmt(v) for v in vals] == want


@pytest.mark.parametrize("lo, hi, n", [(-0.05, 1.0, 7), (0.0, 1.0, 9), (-0.3, 1.0, 3), (0.0, 21.0, 5)])
def test_ticks_as_matplotlibs_locator_places_them(lo, hi, n):
    from matplotlib.ticker import MaxNLocator

    from irrkit.outputs.figures import nice_ticks

    want = [v for v in MaxNLocator(n, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi) if lo - 1e-9 <= v <= hi + 1e-9]
    assert nice_ticks(lo, hi, n) == pytest.approx(want)
    assert nice_ticks(lo, hi, n)[0] >= lo - 1e-9 and nice_ticks(lo, hi, n)[-1] <= hi + 1e-9


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["report", "--help"]])
def test_commands_that_draw_nothing_do_not_import_the_plotting_library(args):
    code = ("import sys\nfrom cli.main import app\ntry:\n    app(" + repr(args) + ")\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'docx', 'PIL'}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "LOADED []" in run.stdout, run.stdout[-500:]


def test_report_help_says_where_the_slide_figures_come_from():
    res = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "--figures" in res.output and "PNG" in res.output and "SVG" in res.output
    assert "writes the HTML only" in " ".join(res.output.split())  # --report elsewhere: no figure files


EDGE = {
    "no-values": lambda F: F.heatmap([[None, None], [None, None]], ["a", "b"], ["1", "2"], "t"),
    "empty-matrix": lambda F: F.heatmap([], [], [], "t"),
    "zero-counts": lambda F: F.heatmap([[0, 0], [0, 0]], ["a", "b"], ["a", "b"], vmax=1, integer=True, xlabel="x",
                                       ylabel="y"),
    "outside-the-scale": lambda F: F.heatmap([[-0.4, 1.2]], ["a"], ["1", "2"]),
    "every-category-undefined": lambda F: F.per_category([{"code": "x", "ratings": 0, "kappa": None,
                                                           "kappa_low": None, "kappa_high": None, "ac1": None}]),
    "negative-kappa": lambda F: F.per_category([{"code": "x", "ratings": 3, "kappa": -0.5, "kappa_low": -0.9,
                                                 "kappa_high": 0.1, "ac1": -0.2}]),
    "negative-forest": lambda F: F.forest([{"name": "k", "value": -0.3, "ci_low": -0.8, "ci_high": 0.2,
                                            "scale": "landis_koch", "label": "Poor", "primary": True}]),
    "no-ci": lambda F: F.forest([{"name": "k", "value": 0.3, "ci_low": None, "ci_high": None, "scale": None,
                                  "label": None, "primary": False}]),
    "coder-without-ratings": lambda F: F.category_use(["a", "b"], ["x", "y"], [[0, 0], [3, 1]]),
    "fifteen-categories": lambda F: F.category_use(["a"], [f"c{i}" for i in range(15)], [list(range(15))]),
    "one-round": lambda F: F.trend(["r1"], {"a": [0.5]}, 0.6, "t", "k"),
    "gaps-and-negative": lambda F: F.trend(["r1", "r2", "r3"], {"a": [None, -0.2, 0.5], "b": [0.9, None, None]}),
    "nothing-in-any-round": lambda F: F.trend(["r1"], {"a": [None]}),
    "no-scales": lambda F: F.band_legend([]),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", sorted(EDGE))
def test_edge_cases_draw_valid_svg_and_png_without_warnings(case):
    from irrkit.outputs import figures

    fig = EDGE[case](figures)
    ET.fromstring(figures.svg(fig, case))
    assert figures.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_video_timeline_from_the_results_json(tmp_path) -> None:
    """The video JSON lists its episodes; the timeline of a video draws one bar per episode in its coder's row,
    marks where codes differ, and labels the time axis in clock time (read back from the SVG)."""
    import json
    import xml.etree.ElementTree as ET

    from typer.testing import CliRunner

    from irrkit.cli.demo import demo_video
    from irrkit.cli.main import app
    from irrkit.outputs import figures

    res = CliRunner().invoke(app, ["video", *map(str, demo_video()), "-c", "crying-episodes", "--no-gate",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    it = json.loads(res.stdout)["items"][0]
    rows = it["episodes"]["rows"]
    assert len(rows) == it["n_episodes"]
    v = 0
    eps = [(c, s, e, k) for vid, c, s, e, k in rows if vid == v]
    svg = figures.svg(figures.timeline(it["coders"], it["codes"], eps, it["episodes"]["lengths_s"][v],
                                       title=f"{it['videos'][v]}: {it['item']}"), "t")
    root = ET.fromstring(svg)  # valid XML
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"anna", "ben", "cleo", "disagree", "0:00", "1:00", "protest"} <= set(texts)
    assert figures.clock(3725) == "1:02:05" and figures.clock(65) == "1:05"
    assert figures.clock_ticks(420, 8) == [0, 60, 120, 180, 240, 300, 360, 420]


def test_the_video_report_reads_its_statistics_and_draws_timelines(tmp_path) -> None:
    """The video HTML report: display names (no raw keys), a benchmark reading for each kappa and alpha, one
    timeline per video; a hand-edited episodes list of the wrong shape draws no timeline instead of failing."""
    import json

    from typer.testing import CliRunner

    from irrkit.cli.demo import demo_video
    from irrkit.cli.main import app

    out = tmp_path / "v.html"
    res = CliRunner().invoke(app, ["video", *map(str, demo_video()), "-c", "crying-episodes", "--no-gate",
                                   "--out", str(tmp_path / "r"), "--report", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert page.count('data-figure="crying-timeline-') == 3 and page.count('data-figure="intervention-timeline-') == 3
    assert "Time-unit Fleiss&#x27; kappa" in page or "Time-unit Fleiss' kappa" in page
    assert "tolerance_kappa" not in page and "binary_u_alpha" not in page
    assert "Substantial" in page and "Acceptable" in page
    assert 'data-figure="crying-sweep"' in page and "Onset and offset differences per code" in page
    doc = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    doc["items"][0]["episodes"]["rows"][0] = ["x", 0, 1, 2, 0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tool": "irrkit", **doc}), encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(bad), "-o", str(tmp_path / "bad.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "bad.html").read_text(encoding="utf-8")
    assert 'data-figure="crying-timeline-' not in page and 'data-figure="intervention-timeline-' in page
