"""Figures of the report, drawn with matplotlib from the results JSON (no pyplot, no global state but rcParams).

Each function takes the plain dicts of the JSON contract and returns a ``matplotlib.figure.Figure``;
:func:`svg` turns one into inline SVG text (text kept as text, ids made unique), :func:`png` into PNG bytes.
matplotlib is imported here only, and this module only by the report (``irrkit --help`` stays fast).

Drawn for speed: fixed margins (no layout engine), no matplotlib tick machinery (tick marks are one marker
line per axis, labels plain texts: a matplotlib Tick costs about ten texts), and bars, bands and colour scales
as one collection each instead of a patch per rectangle.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
from collections.abc import Sequence
from typing import Any

from irrkit.statistics.interpret import SCALES
from irrkit.statistics.registry import SCALE_TITLES, in_text, source
from irrkit.statistics.registry import name as stat_name

# light band colours, worst to best (a red-to-green ramp that prints legibly in grey too)
BAND_COLOURS = ("#f6c6c1", "#f9dcc0", "#fbeec4", "#e4efc6", "#c9e5c2", "#a9d8b8")
INK, MUTED, ACCENT = "#1f2933", "#6b7785", "#1f5f99"
RC = {"font.size": 9, "font.family": "DejaVu Sans", "svg.fonttype": "none", "svg.hashsalt": "irrkit",
      "axes.edgecolor": MUTED, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
      "axes.spines.top": False, "axes.spines.right": False, "text.parse_math": False}
TICK = 3.5  # tick length and label pad in points (matplotlib's defaults)
MINUS = "\u2212"


class _Plot:
    """A figure with one plotting frame at fixed margins (inches), drawn with matplotlib artists placed on the
    figure itself: a matplotlib Axes costs more to make and draw than most of these figures' content."""

    def __init__(self, width: float, height: float, left: float = 1.9, right: float = 0.3, top: float = 0.35,
                 bottom: float = 0.55) -> None:
        import matplotlib

        matplotlib.rcParams.update({k: v for k, v in RC.items() if k in matplotlib.rcParams})
        from matplotlib.figure import Figure
        from matplotlib.transforms import Bbox, BboxTransformTo, TransformedBbox

        self.fig = Figure(figsize=(width, height))
        x0, x1 = min(left / width, 0.6), 1 - right / width
        y0, y1 = min(bottom / height, 0.5), 1 - top / height
        self.frame = TransformedBbox(Bbox([[x0, y0], [x1, y1]]), self.fig.transFigure)
        self.axes = BboxTransformTo(self.frame)  # axes fraction -> display
        self.w, self.h = (x1 - x0) * width * 72, (y1 - y0) * height * 72  # frame size in points
        self.data: Any = None
        self.xdata_yaxes: Any = None
        self.xaxes_ydata: Any = None

    def limits(self, x0: float, x1: float, y0: float, y1: float) -> None:
        """Data limits of the frame (y0 > y1: rows from the top); call before drawing data."""
        from matplotlib.transforms import Bbox, BboxTransformFrom, blended_transform_factory

        x1 = x1 if x1 != x0 else x0 + 1.0  # an empty plot: any non-singular limits
        y1 = y1 if y1 != y0 else y0 - 1.0
        self.data = BboxTransformFrom(Bbox([[x0, y0], [x1, y1]])) + self.axes
        self.xdata_yaxes = blended_transform_factory(self.data, self.axes)
        self.xaxes_ydata = blended_transform_factory(self.axes, self.data)

    def dx(self, pt: float) -> float:
        """Points as a fraction of the frame width."""
        return pt / self.w

    def dy(self, pt: float) -> float:
        return pt / self.h

    def line(self, xs: Sequence[float], ys: Sequence[float], transform: Any = None, clip: bool = True,
             **kw: Any) -> None:
        from matplotlib.lines import Line2D

        ln = Line2D(list(xs), list(ys), **kw)
        ln.set_transform(transform if transform is not None else self.data)
        if clip:
            ln.set_clip_box(self.frame)
        self.fig.add_artist(ln)

    def text(self, x: float, y: float, s: str, transform: Any = None, **kw: Any) -> None:
        from matplotlib.text import Text

        kw.setdefault("color", INK)
        t = Text(x, y, figure_text(s), **kw)
        t.set_transform(transform if transform is not None else self.data)
        self.fig.add_artist(t)

    def rects(self, rects: Sequence[tuple[float, float, float, float]], colours: Sequence[Any],
              transform: Any = None, clip: bool = True, **kw: Any) -> None:
        """Rectangles (x0, y0, x1, y1) as one collection (a patch each costs as much as a text)."""
        from matplotlib.collections import PolyCollection

        if not rects:
            return
        verts = [((a, b), (c, b), (c, d), (a, d)) for a, b, c, d in rects]
        kw.setdefault("linewidths", 0)
        coll = PolyCollection(verts, facecolors=list(colours), **kw)
        coll.set_transform(transform if transform is not None else self.data)
        if clip:
            coll.set_clip_box(self.frame)
        self.fig.add_artist(coll)

    def segments(self, segs: Sequence[tuple[float, float, float, float]], **kw: Any) -> None:
        """Line segments (x0, y0, x1, y1) in data units as one line (NaN-separated)."""
        if not segs:
            return
        xs: list[float] = []
        ys: list[float] = []
        for a, b, c, d in segs:
            xs += [a, c, math.nan]
            ys += [b, d, math.nan]
        self.line(xs, ys, **kw)

    def spines(self) -> None:
        """The left and bottom edges of the frame."""
        self.line([0, 0, 1], [1, 0, 0], transform=self.axes, clip=False, color=MUTED, lw=0.8,
                  solid_capstyle="projecting", solid_joinstyle="miter")

    def ylabels(self, ys: Sequence[float], labels: Sequence[str], right: bool = False, ticks: bool = True) -> None:
        """Category labels beside the frame (left, or right), with tick marks."""
        from matplotlib.markers import TICKLEFT, TICKRIGHT

        edge = 1.0 if right else 0.0
        if ticks and len(ys):
            self.line([edge] * len(ys), ys, transform=self.xaxes_ydata, clip=False, ls="none",
                      marker=TICKRIGHT if right else TICKLEFT, ms=TICK, mew=0.8, color=INK)
        off = self.dx(2 * TICK if ticks else TICK)
        for y, s in zip(ys, labels):
            self.text(edge + off if right else -off, y, str(s), transform=self.xaxes_ydata,
                      ha="left" if right else "right", va="center_baseline")

    def xlabels(self, xs: Sequence[float], labels: Sequence[str], rotation: float = 0) -> None:
        """Labels below the frame, with tick marks."""
        from matplotlib.markers import TICKDOWN

        if len(xs):
            self.line(xs, [0.0] * len(xs), transform=self.xdata_yaxes, clip=False, ls="none", marker=TICKDOWN,
                      ms=TICK, mew=0.8, color=INK)
        for x, s in zip(xs, labels):
            self.text(x, -self.dy(2 * TICK), str(s), transform=self.xdata_yaxes,
                      ha="right" if rotation else "center", va="top", rotation=rotation)

    def xnumbers(self, lo: float, hi: float) -> None:
        """Numeric x ticks over [lo, hi] at matplotlib's default density."""
        vals = nice_ticks(lo, hi, max(1, min(9, int(self.w // 27))))
        self.xlabels(vals, tick_texts(vals))

    def ynumbers(self, lo: float, hi: float) -> None:
        vals = nice_ticks(lo, hi, max(1, min(9, int(self.h // 18))))  # a y axis: 2 font sizes a tick
        self.ylabels(vals, tick_texts(vals))

    def xlabel(self, text: str, below: float = 20.0) -> None:
        """The x axis label, ``below`` points under the frame."""
        self.text(0.5, -self.dy(below), text, transform=self.axes, ha="center", va="top")

    def ylabel(self, text: str, left: float) -> None:
        """The y axis label, ``left`` points left of the frame."""
        self.text(-self.dx(left), 0.5, text, transform=self.axes, ha="left", va="center", rotation=90)

    def title(self, text: str) -> None:
        """A title over the frame's left end (as ``Axes.set_title(loc="left")``)."""
        if text:
            self.text(0.0, 1 + self.dy(6), text, transform=self.axes, ha="left", va="baseline", fontsize=10)


def figure_text(s: Any) -> str:
    """Text drawn in a figure: control and bidi characters of names shown as visible escapes (``\\x1b``, as
    :func:`irrkit.outputs.escaping.terminal`), so that every SVG is valid XML and no raw ESC reaches
    matplotlib's glyph warnings; the figure's own line breaks are kept."""
    from irrkit.outputs.escaping import terminal

    return "\n".join(terminal(part) for part in str(s).split("\n"))


@contextlib.contextmanager
def _quiet_glyphs() -> Any:
    """matplotlib warns on stderr, with its source path, for each character its font lacks (a CJK name):
    the figure draws a box instead, which is all the reader needs to see."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)
        yield


def nice_ticks(lo: float, hi: float, nbins: int) -> list[float]:
    """Tick positions within [lo, hi] as matplotlib's AutoLocator places them."""
    from matplotlib.ticker import MaxNLocator

    vals = MaxNLocator(nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    eps = 1e-9 * max(hi - lo, 1e-12)
    return [float(v) + 0.0 for v in vals if lo - eps <= v <= hi + eps]


def tick_texts(vals: Sequence[float]) -> list[str]:
    """Tick labels with the fewest decimals that show every value exactly (as ScalarFormatter: 0.0, 0.5, 1.0)."""
    d = 0
    while d < 6 and any(abs(v * 10 ** d - round(v * 10 ** d)) > 1e-6 for v in vals):
        d += 1
    return [f"{v:.{d}f}".replace("-", MINUS) for v in vals]


def _left(labels: Sequence[str]) -> float:
    """Left margin (inches) for y tick labels of these lengths at font size 9."""
    return 0.25 + 0.075 * max((len(str(s)) for s in labels), default=4)


def band_colours(scale: str) -> list[tuple[float, float, str, str]]:
    """(low, high, colour, label) of each band of a benchmark scale, lowest first (the first starts at -1)."""
    bands = SCALES[scale]
    n = len(bands)
    idx = [round(i * (len(BAND_COLOURS) - 1) / max(n - 1, 1)) for i in range(n)]
    out, low = [], -1.0
    for (high, label), k in zip(bands, idx):
        out.append((low, high, BAND_COLOURS[k], label))
        low = high
    return out


def forest(rows: Sequence[dict[str, Any]], title: str = "") -> Any:
    """Coefficients with their CIs, each over the shaded bands of its own benchmark scale.

    ``rows``: dicts with name, value, ci_low, ci_high, scale (a key of ``SCALES`` or None), label, primary.
    """
    rows = [r for r in rows if r.get("value") is not None]
    p = _Plot(7.2, 0.42 * max(len(rows), 1) + 0.9, left=_left([r["name"] + " (primary)" for r in rows]),
              right=_left([_value_text(r) for r in rows]))
    lows = [r["ci_low"] for r in rows if r.get("ci_low") is not None] + [r["value"] for r in rows]
    x0 = min(0.0, min(lows, default=0.0)) - 0.05
    p.limits(x0, 1.0, len(rows) - 0.5, -0.5)
    bands, colours = [], []
    for y, r in enumerate(rows):
        if r.get("scale") in SCALES:
            for low, high, colour, _ in band_colours(r["scale"]):
                if high > x0:
                    bands.append((max(low, x0), y - 0.45, min(high, 1.0), y + 0.45))
                    colours.append(colour)
    p.rects(bands, colours)
    for primary, colour, marker in ((False, ACCENT, "o"), (True, INK, "D")):
        sel = [(y, r) for y, r in enumerate(rows) if bool(r.get("primary")) == primary]
        p.segments([(r["ci_low"], y, r["ci_high"], y) for y, r in sel
                    if r.get("ci_low") is not None and r.get("ci_high") is not None],
                   color=colour, lw=2, solid_capstyle="butt")
        if sel:
            p.line([r["value"] for _, r in sel], [y for y, _ in sel], ls="none", marker=marker, color=colour, ms=6)
    p.spines()
    p.ylabels(range(len(rows)), [r["name"] + (" (primary)" if r.get("primary") else "") for r in rows])
    p.ylabels(range(len(rows)), [_value_text(r) for r in rows], right=True, ticks=False)
    p.xnumbers(x0, 1.0)
    p.xlabel("value with 95% CI; shading: benchmark bands of each row's scale")
    p.title(title)
    return p.fig


def _value_text(r: dict[str, Any]) -> str:
    """'.966 [.939, .981] Excellent': APA style, no leading zero for statistics bounded by 1."""
    bounded = r.get("key") != "mean_abs_diff"

    def apa(x: float) -> str:
        s = f"{abs(x):.3f}"
        s = s[1:] if bounded and s.startswith("0.") else s
        return (MINUS if x < 0 and float(s) else "") + s

    txt = apa(r["value"])
    if r.get("ci_low") is not None and r.get("ci_high") is not None:
        txt += f" [{apa(r['ci_low'])}, {apa(r['ci_high'])}]"
    if r.get("label"):
        txt += f" {r['label']}"
    return txt


def band_legend(scales: Sequence[str]) -> Any:
    """The benchmark bands of the scales used, as a small strip chart."""
    scales = [s for s in dict.fromkeys(scales) if s in SCALES]
    p = _Plot(6.4, 0.38 * max(len(scales), 1) + 0.7, left=_left([SCALE_TITLES[s] for s in scales]), top=0.1)
    p.limits(0.0, 1.0, len(scales) - 0.5, -0.5)
    rects, colours = [], []
    for y, s in enumerate(scales):
        for low, high, colour, label in band_colours(s):
            lo = max(low, 0.0)
            rects.append((lo, y - 0.4, high, y + 0.4))
            colours.append(colour)
            if high > lo:  # a band wholly below 0 (Landis & Koch's "Poor") has no width to be labelled in
                p.text((lo + high) / 2, y, label, ha="center", va="center", fontsize=7)
    p.rects(rects, colours)
    p.spines()
    p.ylabels(range(len(scales)), [SCALE_TITLES[s] for s in scales])
    p.xnumbers(0.0, 1.0)
    p.xlabel("benchmark bands (below 0: lowest band)")
    return p.fig


def per_category(cats: Sequence[dict[str, Any]], title: str = "") -> Any:
    """Per category (that category against all others): Fleiss' kappa with CI, Gwet's AC1, ratings.

    ``cats``: dicts with code, ratings, kappa, kappa_low, kappa_high, ac1 (values None when undefined)."""
    labels = [f"{c['code']} (n={c.get('ratings', 0)})" for c in cats]
    p = _Plot(6.4, 0.36 * max(len(cats), 1) + 0.9, left=_left(labels))
    x0 = min([-0.1, *(c["kappa_low"] for c in cats if c.get("kappa_low") is not None)])
    p.limits(x0, 1.0, len(cats) - 0.5, -0.5)
    bars, cis, ac1 = [], [], []
    for y, c in enumerate(cats):
        if c.get("kappa") is not None:
            bars.append((min(0.0, c["kappa"]), y - 0.3, max(0.0, c["kappa"]), y + 0.3))
            if c.get("kappa_low") is not None and c.get("kappa_high") is not None:
                cis.append((c["kappa_low"], y, c["kappa_high"], y))
        else:
            p.text(0.01, y, "undefined (never used)", va="center", fontsize=7, color=MUTED)
        if c.get("ac1") is not None:
            ac1.append((c["ac1"], y))
    p.rects(bars, ["#9fc3e3"] * len(bars))
    p.segments(cis, color=INK, lw=1.2)
    if ac1:
        p.line([a for a, _ in ac1], [y for _, y in ac1], ls="none", marker="|", ms=12, mew=2, color="#c0392b")
    p.line([0, 0], [0, 1], transform=p.xdata_yaxes, color=MUTED, lw=0.6)
    p.spines()
    p.ylabels(range(len(cats)), labels)
    p.xnumbers(x0, 1.0)
    p.xlabel(f"bars: category {stat_name('fleiss_kappa')} with 95% CI ({in_text(source('fleiss_kappa'))}); red tick: "
             f"{stat_name('gwet_ac1')}; n: ratings")
    p.title(title)
    return p.fig


def heatmap(matrix: Sequence[Sequence[float | None]], rows: Sequence[str], cols: Sequence[str], title: str = "",
            vmin: float = 0.0, vmax: float = 1.0, reverse: bool = False, integer: bool = False,
            xlabel: str = "", ylabel: str = "") -> Any:
    """A matrix with each cell's number written in it (None: blank), and its colour scale. Beyond
    :data:`MAX_CELL_TEXTS` rows or columns (a few dozen coders), one image without numbers in the cells and
    every k-th label (700 coders: one image, not 490,000 texts)."""
    import matplotlib

    n_r, n_c = len(matrix), len(matrix[0]) if len(matrix) else 0
    if max(n_r, n_c) > MAX_CELL_TEXTS:
        return _heatmap_image(matrix, rows, cols, title, vmin, vmax, reverse, integer, xlabel, ylabel)
    m = [[None if v is None or not math.isfinite(float(v)) else float(v) for v in row] for row in matrix]
    n_r, n_c = (len(m), len(m[0])) if m and m[0] else (len(rows), len(cols))
    longest = max((len(str(c)) for c in cols), default=1)
    left = _left(rows) + (0.3 if ylabel else 0)
    p = _Plot(min(left + 0.6 * max(n_c, 2) + 1.4, 7.5), 0.42 * max(n_r, 2) + 1.3 + 0.06 * longest, left=left,
              right=1.2, bottom=0.35 + 0.06 * longest + (0.25 if xlabel else 0))
    p.limits(-0.5, n_c - 0.5, n_r - 0.5, -0.5)
    cmap = matplotlib.colormaps["Blues" if integer else "RdYlGn_r" if reverse else "RdYlGn"]
    span = (vmax - vmin) or 1.0
    cells, fills = [], []
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            if v is None:
                continue
            cells.append((j - 0.5, i - 0.5, j + 0.5, i + 0.5))
            fills.append(cmap(min(max((v - vmin) / span, 0.0), 1.0)))
            light = integer and v > 0.6 * vmax
            p.text(j, i, f"{int(v)}" if integer else f"{v:.2f}", ha="center", va="center", fontsize=8,
                   color="white" if light else INK)
    p.rects(cells, fills, edgecolors="white", linewidths=1)
    rot = 35
    p.xlabels(range(n_c), list(cols), rotation=rot)
    p.ylabels(range(n_r), list(rows))
    if xlabel:
        p.xlabel(xlabel, below=2 * TICK + 5.4 * longest * math.sin(math.radians(rot)) + 13)
    if ylabel:
        p.ylabel(ylabel, left * 72 - 4)
    _colour_scale(p, cmap, vmin, vmax, integer)
    p.title(title)
    return p.fig


MAX_CELL_TEXTS = 30  # rows/columns of a heatmap with numbers in its cells


def _heatmap_image(matrix: Any, rows: Sequence[str], cols: Sequence[str], title: str, vmin: float, vmax: float,
                   reverse: bool, integer: bool, xlabel: str, ylabel: str) -> Any:
    """A large matrix as one raster image (missing cells blank), labels thinned to about 30 per axis."""
    import matplotlib
    import numpy as np

    m = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    m[~np.isfinite(m)] = np.nan
    n_r, n_c = m.shape
    cmap = matplotlib.colormaps["Blues" if integer else "RdYlGn_r" if reverse else "RdYlGn"]
    step_r, step_c = max(1, -(-n_r // 30)), max(1, -(-n_c // 30))
    shown_r = [str(rows[i]) if i < len(rows) else "" for i in range(0, n_r, step_r)]
    shown_c = [str(cols[j]) if j < len(cols) else "" for j in range(0, n_c, step_c)]
    longest = max((len(c) for c in shown_c), default=1)
    left = _left(shown_r) + (0.3 if ylabel else 0)
    p = _Plot(7.5, 7.0 + 0.06 * longest, left=left, right=1.2, bottom=0.35 + 0.06 * longest + (0.25 if xlabel else 0))
    p.limits(-0.5, n_c - 0.5, n_r - 0.5, -0.5)
    from matplotlib.image import BboxImage

    span = (vmax - vmin) or 1.0
    rgba = cmap(np.clip((m - vmin) / span, 0.0, 1.0))
    rgba[np.isnan(m)] = (1.0, 1.0, 1.0, 1.0)
    img = BboxImage(p.frame, interpolation="nearest", origin="upper")
    img.set_data(rgba)
    p.fig.add_artist(img)
    rot = 35
    p.xlabels(list(range(0, n_c, step_c)), shown_c, rotation=rot)
    p.ylabels(list(range(0, n_r, step_r)), shown_r)
    if xlabel:
        p.xlabel(xlabel, below=2 * TICK + 5.4 * longest * math.sin(math.radians(rot)) + 13)
    if ylabel:
        p.ylabel(ylabel, left * 72 - 4)
    _colour_scale(p, cmap, vmin, vmax, integer)
    p.title(title + (f" ({n_r} x {n_c}, every {step_r}th label)" if step_r > 1 else ""))
    return p.fig


def _colour_scale(p: _Plot, cmap: Any, vmin: float, vmax: float, integer: bool = False) -> None:
    """A colour bar right of the frame (as ``Figure.colorbar(shrink=0.8)``), drawn without a second axes."""
    from matplotlib.markers import TICKRIGHT

    x0, x1, y0, y1 = 1 + p.dx(18), 1 + p.dx(28), 0.1, 0.9
    n = 16  # steps of the gradient: 64 drew 4x the SVG paths (~0.1 s of the demo report) for no visible gain
    steps = [(x0, y0 + (y1 - y0) * k / n, x1, y0 + (y1 - y0) * (k + 1) / n) for k in range(n)]
    p.rects(steps, [cmap((k + 0.5) / n) for k in range(n)], transform=p.axes, clip=False, antialiaseds=False)
    p.line([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], transform=p.axes, clip=False, color=MUTED, lw=0.8)
    span = (vmax - vmin) or 1.0
    vals = nice_ticks(vmin, vmax, max(1, min(9, int(p.h * 0.8 // 18))))
    if integer:
        vals = [v for v in vals if float(v).is_integer()]
    ys = [y0 + (y1 - y0) * (v - vmin) / span for v in vals]
    p.line([x1] * len(ys), ys, transform=p.axes, clip=False, ls="none", marker=TICKRIGHT, ms=TICK, mew=0.8,
           color=INK)
    for y, s in zip(ys, tick_texts(vals)):
        p.text(x1 + p.dx(2 * TICK), y, s, transform=p.axes, ha="left", va="center_baseline")


def category_use(coders: Sequence[str], categories: Sequence[str], counts: Sequence[Sequence[int]],
                 title: str = "") -> Any:
    """Each coder's share of ratings per category, as stacked bars (one bar per coder), for categories; the
    legend wraps into as many rows as its labels need, between the title and the frame (never over either)."""
    import matplotlib

    width = 6.4
    left = _left(coders)
    labels = [figure_text(c) for c in categories]
    ncol, nrow, col_w = _legend_layout(labels, (width - min(left, 0.6 * width) - 0.3) * 72)
    top = 0.3 + (nrow * 11 + 8) / 72 + (0.25 if title else 0)
    p = _Plot(width, 0.4 * max(len(coders), 1) + 0.9 + top, left=left, top=top)
    p.limits(0.0, 1.0, len(coders) - 0.5, -0.5)
    cmap = matplotlib.colormaps["tab10" if len(categories) <= 10 else "tab20"]
    colours = [cmap(k % cmap.N) for k in range(len(categories))]
    rects, fills = [], []
    for y, row in enumerate(counts):
        total = sum(row) or 1
        x0 = 0.0
        for k, n in enumerate(row):
            share = n / total
            if share > 0:
                rects.append((x0, y - 0.35, x0 + share, y + 0.35))
                fills.append(colours[k])
            if share >= 0.08:
                p.text(x0 + share / 2, y, f"{n}", ha="center", va="center", fontsize=7, color="white")
            x0 += share
    p.rects(rects, fills, zorder=1)
    p.spines()
    p.ylabels(range(len(coders)), list(coders))
    p.xnumbers(0.0, 1.0)
    p.xlabel("share of the coder's ratings (numbers: ratings)")
    _legend(p, labels, colours, ncol, nrow, col_w)
    if title:
        p.text(0.01, 1 - 0.08 / p.fig.get_size_inches()[1], title, transform=p.fig.transFigure, ha="left",
               va="top", fontsize=10)
    return p.fig


def _legend_layout(labels: Sequence[str], width_pt: float) -> tuple[int, int, float]:
    """Columns, rows and column width (points) of a legend that fits ``width_pt``; a label longer than the
    width is shortened when drawn."""
    col_w = min(10 + 4 + 4.4 * max((len(s) for s in labels), default=1) + 10, width_pt)
    ncol = max(1, min(len(labels), int(width_pt // col_w)))
    nrow = -(-len(labels) // ncol) if labels else 0
    return ncol, nrow, col_w


def _legend(p: _Plot, labels: Sequence[str], colours: Sequence[Any], ncol: int, nrow: int | None = None,
            col_w: float | None = None) -> None:
    """Colour swatches with their labels in rows above the frame, font size 7 (as ``Axes.legend``)."""
    ncol = max(ncol, 1)
    nrow = nrow or -(-len(labels) // ncol)
    col_w = col_w or 10 + 4 + 4.4 * max((len(s) for s in labels), default=1) + 10  # swatch, gap, text, gap
    fit = max(4, int((col_w - 24) / 4.4))
    swatches = []
    for k, label in enumerate(labels):
        r, c = k % nrow, k // nrow  # filled column by column, as matplotlib does
        x = p.dx(c * col_w)
        y = 1 + p.dy(6 + (nrow - 1 - r) * 11)
        swatches.append((x, y, x + p.dx(10), y + p.dy(5)))
        text = label if len(label) <= fit else label[:fit - 1] + "…"
        p.text(x + p.dx(14), y + p.dy(2.5), text, transform=p.axes, ha="left", va="center", fontsize=7)
    p.rects(swatches, list(colours), transform=p.axes, clip=False)


def coder_distribution(coders: Sequence[str], distributions: Sequence[dict[str, int]], title: str = "",
                       unit: str = "") -> Any:
    """For interval and ratio items: one box per coder (quartiles, whiskers to the smallest and largest value,
    the mean as a diamond) with each coder's mean and SD written beside it; ``distributions``: each coder's
    {value: number of ratings}. Values that are not numbers are left out."""
    stats = [_weighted_summary(d) for d in distributions]
    lo = min((s["min"] for s in stats if s), default=0.0)
    hi = max((s["max"] for s in stats if s), default=1.0)
    pad = (hi - lo) * 0.05 or 0.5
    p = _Plot(6.4, 0.45 * max(len(coders), 1) + 1.3, left=_left(coders), right=1.5, top=0.45)
    p.limits(lo - pad, hi + pad, len(coders) - 0.5, -0.5)
    boxes, segs, means = [], [], []
    for y, s in enumerate(stats):
        if not s:
            continue
        boxes.append((s["q1"], y - 0.3, s["q3"], y + 0.3))
        segs += [(s["min"], y, s["q1"], y), (s["q3"], y, s["max"], y), (s["median"], y - 0.3, s["median"], y + 0.3),
                 (s["min"], y - 0.15, s["min"], y + 0.15), (s["max"], y - 0.15, s["max"], y + 0.15)]
        means.append((s["mean"], y))
        p.text(1 + p.dx(6), y, f"M = {s['mean']:.3g}, SD = {s['sd']:.3g}", transform=p.xaxes_ydata, ha="left",
               va="center", fontsize=7)
    p.rects(boxes, ["#c6dbef"] * len(boxes), edgecolors=ACCENT, linewidths=0.8, zorder=1)
    p.segments(segs, color=ACCENT, lw=1)
    if means:
        p.line([m for m, _ in means], [y for _, y in means], ls="none", marker="D", ms=4, color=INK)
    p.spines()
    p.ylabels(range(len(coders)), list(coders))
    p.xnumbers(lo - pad, hi + pad)
    p.xlabel(unit or "rated value (box: quartiles; whiskers: smallest and largest; diamond: mean)")
    p.title(title)
    return p.fig


def _weighted_summary(dist: dict[str, int]) -> dict[str, float] | None:
    """Mean, SD, quartiles (type 7, as numpy's default), min and max of values given with their counts."""
    import numpy as np

    pairs = []
    for k, n in dist.items():
        try:
            v = float(k)
        except (TypeError, ValueError):
            continue
        if math.isfinite(v) and isinstance(n, (int, float)) and n > 0:
            pairs.append((v, int(n)))
    if not pairs:
        return None
    x = np.repeat([v for v, _ in pairs], [n for _, n in pairs])
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    return {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if len(x) > 1 else 0.0, "q1": float(q1),
            "median": float(med), "q3": float(q3), "min": float(x.min()), "max": float(x.max()), "n": len(x)}


def trend(rounds: Sequence[str], series: dict[str, Sequence[float | None]], minimum: float | None = None,
          title: str = "", ylabel: str = "") -> Any:
    """One line per trainee over the rounds of the history (None: not in that round)."""
    import matplotlib

    p = _Plot(6.4, 2.8, left=0.7, bottom=0.8)
    x = list(range(len(rounds)))
    lo = min([0.0, *(v for ys in series.values() for v in ys if v is not None)])
    pad = 0.5 if len(x) < 2 else 0.05 * (len(x) - 1)
    p.limits(-pad, max(len(x) - 1, 0) + pad, lo, 1.0)
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color") or [ACCENT]
    entries: list[tuple[str, dict[str, Any]]] = []
    for k, (name, ys) in enumerate(series.items()):
        pts = [(i, v) for i, v in zip(x, ys) if v is not None]
        if pts:
            style = {"color": cycle[k % len(cycle)], "marker": "o", "lw": 1.5, "ms": 6}
            p.line([q[0] for q in pts], [q[1] for q in pts], **style)
            entries.append((name, style))
    if minimum is not None:
        style = {"color": "#c0392b", "ls": "--", "lw": 1}
        p.line([0, 1], [minimum, minimum], transform=p.xaxes_ydata, **style)
        entries.append((f"minimum {minimum:.2f}", style))
    p.spines()
    p.xlabels(x, list(rounds), rotation=20)
    p.ynumbers(lo, 1.0)
    if ylabel:
        p.ylabel(ylabel, 0.7 * 72 - 4)
    # legend in the lower right corner, last entry at the bottom (as Axes.legend(loc="lower right"))
    x_text = 1 - p.dx(6 + 4.4 * max((len(n) for n, _ in entries), default=1))
    for k, (name, style) in enumerate(reversed(entries)):
        y = p.dy(8 + 11 * k)
        p.line([x_text - p.dx(26), x_text - p.dx(6)], [y, y], transform=p.axes, clip=False,
               **{k: v for k, v in style.items() if k not in ("marker", "ms")})
        if style.get("marker"):
            p.line([x_text - p.dx(16)], [y], transform=p.axes, clip=False, ls="none", marker=style["marker"],
                   ms=style["ms"], color=style["color"])
        p.text(x_text, y, name, transform=p.axes, ha="left", va="center", fontsize=7)
    p.title(title)
    return p.fig


def bland_altman(loa: dict[str, Any], title: str = "", unit: str = "") -> Any:
    """A Bland-Altman plot (Bland & Altman 1986): each unit's difference a − b against the pair's mean, the bias
    and the limits of agreement as lines with their CIs as shaded bands, and the regression line of the
    differences on the means when it flags proportional bias. ``loa``: a ``bland_altman`` entry of the results
    JSON (with ``points``); ``unit``: the measure's unit for the axis labels."""
    pts = loa.get("points") or {}
    xs, ys = list(pts.get("mean") or []), list(pts.get("difference") or [])
    p = _Plot(6.4, 3.4, left=0.85, right=1.35, bottom=0.6)
    lines = [(k, loa.get(k), loa.get(f"{k}_ci_low"), loa.get(f"{k}_ci_high")) for k in ("upper", "bias", "lower")]
    ally = ys + [v for _, *vals in lines for v in vals if v is not None]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    padx = 0.05 * (x1 - x0 or abs(x0) or 1.0)
    y0, y1 = (min(ally), max(ally)) if ally else (-1.0, 1.0)
    pady = 0.08 * (y1 - y0 or abs(y0) or 1.0)
    p.limits(x0 - padx, x1 + padx, y0 - pady, y1 + pady)
    bands = [(0.0, lo, 1.0, hi) for _, v, lo, hi in lines if lo is not None and hi is not None]
    p.rects(bands, ["#e3ecf5"] * len(bands), transform=p.xaxes_ydata)
    p.line([0, 1], [0, 0], transform=p.xaxes_ydata, color=MUTED, lw=0.6, ls=":")
    names = {"upper": "upper limit", "bias": "bias", "lower": "lower limit"}
    for k, v, _, _ in lines:
        if v is not None:
            p.line([0, 1], [v, v], transform=p.xaxes_ydata, color=ACCENT if k == "bias" else INK,
                   lw=1.4 if k == "bias" else 1.0, ls="-" if k == "bias" else "--")
            p.text(1 + p.dx(4), v, f"{names[k]} {_num(v)}", transform=p.xaxes_ydata, ha="left",
                   va="center_baseline", fontsize=8, clip_on=False)
    if xs:
        p.line(xs, ys, ls="none", marker="o", ms=4, color=INK, alpha=0.7, mew=0)
    if loa.get("proportional_bias") and loa.get("slope") is not None and loa.get("intercept") is not None:
        a, b = loa["intercept"], loa["slope"]
        p.line([x0, x1], [a + b * x0, a + b * x1], color="#c0392b", lw=1.2, ls="-.")
        p.text(0.02, 0.96, f"proportional bias: slope {_num(b, 3)}, p {_p(loa.get('slope_p'))}",
               transform=p.axes, ha="left", va="top", fontsize=8, color="#c0392b")
    p.spines()
    p.xnumbers(x0 - padx, x1 + padx)
    p.ynumbers(y0 - pady, y1 + pady)
    u = f" ({unit})" if unit else ""
    p.xlabel(f"mean of {loa.get('a')} and {loa.get('b')}{u}")
    p.ylabel(f"{loa.get('a')} − {loa.get('b')}{u}", 0.85 * 72 - 4)
    p.title(title)
    return p.fig


def _num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-", MINUS)


def _p(x: float | None) -> str:
    if x is None:
        return "—"
    return "< .001" if x < 0.001 else f"{x:.3f}".lstrip("0")


_REF = re.compile(r'(?:url\(#|href="#)([^")]+)')
_ID = re.compile(r'\sid="([^"]+)"')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def svg(fig: Any, prefix: str) -> str:
    """Inline SVG text of a figure: XML prologue and metadata dropped, ids nothing refers to dropped, every
    other id prefixed (several SVGs share one page)."""
    text = svg_document(fig)
    text = _METADATA.sub("", text[text.index("<svg"):], count=1)
    used = set(_REF.findall(text))
    text = _ID.sub(lambda m: f' id="{prefix}-{m.group(1)}"' if m.group(1) in used else "", text)
    text = _REF.sub(lambda m: f"{m.group(0)[:-len(m.group(1))]}{prefix}-{m.group(1)}", text)
    return text.replace("<svg ", '<svg role="img" ', 1)


def svg_document(fig: Any) -> str:
    """The figure as an SVG document, as ``fig.savefig(format="svg")`` writes it (without date and creator),
    through a renderer that remembers text sizes across figures (matplotlib measures each text string with
    FreeType, about 70 us a character, and forgets with each figure's renderer) and font heights."""
    from matplotlib.backends.backend_mixed import MixedModeRenderer

    buf = io.StringIO()
    dpi = fig.dpi
    fig.dpi = 72  # as FigureCanvasSVG.print_svg: SVG user units are points
    try:
        w, h = fig.get_size_inches()
        renderer = MixedModeRenderer(fig, w, h, dpi, _svg_renderer()(w * 72, h * 72, buf, image_dpi=dpi,
                                                                    metadata={"Date": None, "Creator": None}))
        with _quiet_glyphs():
            fig.draw(renderer)
            renderer.finalize()
    finally:
        fig.dpi = dpi
    return buf.getvalue()


@functools.cache
def _svg_renderer() -> type:
    from matplotlib.backends.backend_svg import RendererSVG

    metrics: dict[tuple[str, Any, Any], tuple[float, float, float]] = {}
    heights: dict[Any, tuple[float | None, float | None, float | None]] = {}

    class CachedTextSVG(RendererSVG):  # type: ignore[misc]
        """RendererSVG whose text measurements (independent of dpi in SVG) are kept for the process."""

        def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float | None]:
            """Ascent, descent and line gap of the font (``Text._get_layout`` asks its renderer for them if it
            can, else reads the same OS/2 table of the font for every text): read once per font and size."""
            got = heights.get(prop)
            if got is None:
                from matplotlib.font_manager import fontManager, get_font

                font = get_font(fontManager._find_fonts_by_props(prop))
                table = font.get_sfnt_table("OS/2")
                if table is None:
                    got = (None, None, None)  # Text measures the font itself, as without this method
                else:
                    scale = prop.get_size_in_points() / font.get_sfnt_table("head")["unitsPerEm"]  # 72 dpi
                    got = (table["sTypoAscender"] * scale, -table["sTypoDescender"] * scale,
                           table["sTypoLineGap"] * scale)
                heights[prop.copy()] = got
            return got

        def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
            key = (s, prop, ismath)
            got = metrics.get(key)
            if got is None:
                if len(metrics) > 20_000:
                    metrics.clear()
                got = metrics[(s, prop.copy(), ismath)] = super().get_text_width_height_descent(s, prop, ismath)
            return got

    return CachedTextSVG


def png(fig: Any, dpi: int = 150) -> bytes:
    """PNG bytes of a figure (no software tag: the same figure gives the same bytes)."""
    buf = io.BytesIO()
    with _quiet_glyphs():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def clock(seconds: float) -> str:
    """A time on the axis of a video: ``h:mm:ss`` (``m:ss`` below an hour)."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def clock_ticks(end: float, most: int) -> list[float]:
    """Ticks at whole clock steps (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 6 h), at most ``most``."""
    steps = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600)
    step = next((s for s in steps if end / s <= most), steps[-1])
    return [k * step for k in range(int(end // step) + 1)]


def timeline(coders: Sequence[str], codes: Sequence[str], episodes: Sequence[tuple[int, float, float, int]],
             length_s: float | None = None, title: str = "") -> Any:
    """One video's episodes, a row per coder (bars coloured by code, one colour per code and a legend), with a
    strip above them marking where the coders disagree (some coder's code, or its absence, differs from
    another's), and a time axis in h:mm:ss. ``episodes``: (coder index, start s, end s, code index)."""
    import matplotlib

    m = len(coders)
    end = max([length_s or 0.0, *(e for _, _, e, _ in episodes)]) or 1.0
    p = _Plot(7.2, 0.32 * m + 1.45, left=_left(list(coders)), top=0.75, bottom=0.8)
    p.limits(0.0, end, m + 0.2, -1.0)
    cmap = matplotlib.colormaps["tab10" if len(codes) <= 10 else "tab20"]
    colours = [cmap(k % cmap.N) for k in range(len(codes))]
    p.rects([(0.0, i - 0.36, end, i + 0.36) for i in range(m)], ["#f3f5f7"] * m, zorder=0)
    p.rects([(s, c - 0.36, max(e, s + end / 2000), c + 0.36) for c, s, e, _ in episodes],
            [colours[k] for *_, k in episodes], zorder=1)
    # the stretches where the coders' codes differ: between consecutive boundaries every code is constant
    cuts = sorted({0.0, end, *(s for _, s, _, _ in episodes), *(e for _, _, e, _ in episodes)})
    spans = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        mid = (a + b) / 2
        now = {c: -1 for c in range(m)}
        for c, s, e, k in episodes:
            if s <= mid < e:
                now[c] = k
        if len(set(now.values())) > 1:
            spans.append((a, -0.85, b, -0.55))
    p.rects(spans, [INK] * len(spans), zorder=1)  # dark: no code colour is mistaken for it
    p.text(-p.dx(2 * TICK), -0.7, "disagree", transform=p.xaxes_ydata, ha="right", va="center_baseline",
           fontsize=7, color=MUTED)
    p.spines()
    p.ylabels(range(m), list(coders))
    vals = clock_ticks(end, max(2, min(9, int(p.w // 45))))
    p.xlabels(vals, [clock(v) for v in vals])
    p.xlabel("time in the video (h:mm:ss)")
    _legend(p, [str(c) for c in codes], colours, ncol=min(len(codes), 6))
    if title:
        p.text(0.01, 0.98, title, transform=p.fig.transFigure, ha="left", va="top", fontsize=10)
    return p.fig
