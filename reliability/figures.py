"""Figures of the report, drawn with matplotlib from the results JSON (no pyplot, no global state).

Each function takes the plain dicts of the JSON contract and returns a ``matplotlib.figure.Figure``;
:func:`svg` turns one into inline SVG text (text kept as text, ids made unique), :func:`png` into PNG bytes.
matplotlib is imported here only, and this module only by the report (``irrkit --help`` stays fast).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from .interpret import SCALE_TITLES, SCALES

# light band colours, worst to best (a red-to-green ramp that prints legibly in grey too)
BAND_COLOURS = ("#f6c6c1", "#f9dcc0", "#fbeec4", "#e4efc6", "#c9e5c2", "#a9d8b8")
INK, MUTED, ACCENT = "#1f2933", "#6b7785", "#1f5f99"
RC = {"font.size": 9, "font.family": "DejaVu Sans", "svg.fonttype": "none", "svg.hashsalt": "irrkit",
      "axes.edgecolor": MUTED, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
      "axes.spines.top": False, "axes.spines.right": False, "text.parse_math": False}


def _figure(width: float, height: float, left: float = 1.9, right: float = 0.3, top: float = 0.35,
            bottom: float = 0.55) -> Any:
    """A figure with fixed margins in inches (no layout engine: it measured every text twice)."""
    import matplotlib

    matplotlib.rcParams.update({k: v for k, v in RC.items() if k in matplotlib.rcParams})
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=min(left / width, 0.6), right=1 - right / width, top=1 - top / height,
                        bottom=min(bottom / height, 0.5))
    return fig


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
    fig = _figure(7.2, 0.42 * max(len(rows), 1) + 0.9, left=_left([r["name"] + " (primary)" for r in rows]),
                  right=_left([_value_text(r) for r in rows]))
    ax = fig.add_subplot()
    lows = [r["ci_low"] for r in rows if r.get("ci_low") is not None] + [r["value"] for r in rows]
    x0 = min(0.0, min(lows, default=0.0)) - 0.05
    for y, r in enumerate(rows):
        if r.get("scale") in SCALES:
            for low, high, colour, _ in band_colours(r["scale"]):
                if high > x0:
                    ax.axhspan(y - 0.45, y + 0.45, xmin=(max(low, x0) - x0) / (1 - x0),
                               xmax=(high - x0) / (1 - x0), color=colour, lw=0)
        colour = INK if r.get("primary") else ACCENT
        if r.get("ci_low") is not None and r.get("ci_high") is not None:
            ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=colour, lw=2, solid_capstyle="butt")
        ax.plot([r["value"]], [y], marker="D" if r.get("primary") else "o", color=colour, ms=6)
    ax.set_yticks(range(len(rows)), [r["name"] + (" (primary)" if r.get("primary") else "") for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(x0, 1.0)
    ax.set_xlabel("value with 95% CI; shading: benchmark bands of each row's scale")
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(range(len(rows)), [_value_text(r) for r in rows])
    sec.tick_params(length=0)
    sec.spines["right"].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=10, color=INK)
    return fig


def _value_text(r: dict[str, Any]) -> str:
    txt = f"{r['value']:.3f}"
    if r.get("ci_low") is not None and r.get("ci_high") is not None:
        txt += f" [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
    if r.get("label"):
        txt += f" {r['label']}"
    return txt


def band_legend(scales: Sequence[str]) -> Any:
    """The benchmark bands of the scales used, as a small strip chart."""
    scales = [s for s in dict.fromkeys(scales) if s in SCALES]
    fig = _figure(6.4, 0.38 * max(len(scales), 1) + 0.7, left=_left([SCALE_TITLES[s] for s in scales]),
                  top=0.1)
    ax = fig.add_subplot()
    for y, s in enumerate(scales):
        for low, high, colour, label in band_colours(s):
            lo = max(low, 0.0)
            ax.barh(y, high - lo, left=lo, color=colour, height=0.8, lw=0)
            ax.text((lo + high) / 2, y, label, ha="center", va="center", fontsize=7, color=INK)
    ax.set_yticks(range(len(scales)), [SCALE_TITLES[s] for s in scales])
    ax.set_ylim(len(scales) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("benchmark bands (below 0: lowest band)")
    return fig


def per_category(cats: Sequence[dict[str, Any]], title: str = "") -> Any:
    """Per category (that category against all others): Fleiss' kappa with CI, Gwet's AC1, ratings.

    ``cats``: dicts with code, ratings, kappa, kappa_low, kappa_high, ac1 (values None when undefined)."""
    fig = _figure(6.4, 0.36 * max(len(cats), 1) + 0.9,
                  left=_left([f"{c['code']} (n={c.get('ratings', 0)})" for c in cats]))
    ax = fig.add_subplot()
    for y, c in enumerate(cats):
        if c.get("kappa") is not None:
            ax.barh(y, c["kappa"], color="#9fc3e3", height=0.6)
            if c.get("kappa_low") is not None:
                ax.plot([c["kappa_low"], c["kappa_high"]], [y, y], color=INK, lw=1.2)
        else:
            ax.text(0.01, y, "undefined (never used)", va="center", fontsize=7, color=MUTED)
        if c.get("ac1") is not None:
            ax.plot([c["ac1"]], [y], marker="|", ms=12, mew=2, color="#c0392b")
    ax.axvline(0, color=MUTED, lw=0.6)
    ax.set_yticks(range(len(cats)), [f"{c['code']} (n={c.get('ratings', 0)})" for c in cats])
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.set_xlim(min(-0.1, *(c["kappa_low"] for c in cats if c.get("kappa_low") is not None)), 1.0)
    ax.set_xlabel("bars: category kappa with 95% CI (Fleiss 1971); red tick: Gwet's AC1; n: ratings")
    if title:
        ax.set_title(title, loc="left", fontsize=10, color=INK)
    return fig


def heatmap(matrix: Sequence[Sequence[float | None]], rows: Sequence[str], cols: Sequence[str], title: str = "",
            vmin: float = 0.0, vmax: float = 1.0, reverse: bool = False, integer: bool = False,
            xlabel: str = "", ylabel: str = "") -> Any:
    """A matrix with each cell's number written in it (None: blank)."""
    import numpy as np

    m = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    n_r, n_c = m.shape if m.size else (len(rows), len(cols))
    left = _left(rows) + (0.3 if ylabel else 0)
    fig = _figure(min(left + 0.6 * max(n_c, 2) + 1.4, 7.5), 0.42 * max(n_r, 2) + 1.3 + 0.06 * max(
        (len(str(c)) for c in cols), default=1), left=left, right=1.2, bottom=0.35 + 0.06 * max(
        (len(str(c)) for c in cols), default=1) + (0.25 if xlabel else 0))
    ax = fig.add_subplot()
    cmap = "Blues" if integer else "RdYlGn_r" if reverse else "RdYlGn"
    im = ax.pcolormesh(np.arange(n_c + 1) - 0.5, np.arange(n_r + 1) - 0.5, np.ma.masked_invalid(m), cmap=cmap,
                       vmin=vmin, vmax=vmax, edgecolors="white", linewidth=1)
    ax.set_ylim(n_r - 0.5, -0.5)
    for i in range(n_r):
        for j in range(n_c):
            v = m[i, j]
            if np.isfinite(v):
                light = integer and v > 0.6 * vmax
                ax.text(j, i, f"{int(v)}" if integer else f"{v:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if light else INK)
    ax.set_xticks(range(n_c), list(cols), rotation=35, ha="right")
    ax.set_yticks(range(n_r), list(rows))
    ax.spines[:].set_visible(False)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.colorbar(im, ax=ax, shrink=0.8)
    if title:
        ax.set_title(title, loc="left", fontsize=10, color=INK)
    return fig


def category_use(coders: Sequence[str], categories: Sequence[str], counts: Sequence[Sequence[int]],
                 title: str = "") -> Any:
    """Each coder's share of ratings per category, as stacked bars (one bar per coder)."""
    import matplotlib

    fig = _figure(6.4, 0.4 * max(len(coders), 1) + 1.3, left=_left(coders), top=0.8)
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["tab10" if len(categories) <= 10 else "tab20"]
    for y, row in enumerate(counts):
        total = sum(row) or 1
        left = 0.0
        for k, n in enumerate(row):
            share = n / total
            ax.barh(y, share, left=left, color=cmap(k % cmap.N), height=0.7,
                    label=categories[k] if y == 0 else None)
            if share >= 0.08:
                ax.text(left + share / 2, y, f"{n}", ha="center", va="center", fontsize=7, color="white")
            left += share
    ax.set_yticks(range(len(coders)), list(coders))
    ax.set_ylim(len(coders) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the coder's ratings (numbers: ratings)")
    ax.legend(ncol=min(len(categories), 6), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False,
              fontsize=7)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=10, color=INK)
    return fig


def trend(rounds: Sequence[str], series: dict[str, Sequence[float | None]], minimum: float | None = None,
          title: str = "", ylabel: str = "") -> Any:
    """One line per trainee over the rounds of the history (None: not in that round)."""
    fig = _figure(6.4, 2.8, left=0.7, bottom=0.8)
    ax = fig.add_subplot()
    x = list(range(len(rounds)))
    for name, ys in series.items():
        pts = [(i, v) for i, v in zip(x, ys) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    if minimum is not None:
        ax.axhline(minimum, color="#c0392b", ls="--", lw=1, label=f"minimum {minimum:.2f}")
    ax.set_xticks(x, list(rounds), rotation=20, ha="right")
    ax.set_ylim(min(0.0, *(v for ys in series.values() for v in ys if v is not None)), 1.0)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    if title:
        ax.set_title(title, loc="left", fontsize=10, color=INK)
    return fig


_ID = re.compile(r'\bid="([^"]+)"')


def svg(fig: Any, prefix: str) -> str:
    """Inline SVG text of a figure: XML prologue dropped, every id prefixed (several SVGs share one page)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    ids = set(_ID.findall(text))
    for name in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{name}"
        text = text.replace(f'id="{name}"', f'id="{new}"').replace(f"#{name})", f"#{new})") \
            .replace(f'href="#{name}"', f'href="#{new}"')
    return text.replace("<svg ", f'<svg role="img" aria-labelledby="{prefix}-title" ', 1)


def png(fig: Any, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
