"""Hand-written inline SVG charts for the report page (no matplotlib: its import alone would take
longer than drawing these). Every chart has a size, a <title>, no ids, and colours given both as
attributes (for a chart used on its own) and as classes the page's stylesheet recolours per theme."""
from __future__ import annotations

import math
from html import escape

from compare.units import fmt_s

W = 1000            # viewBox width; the page scales charts to their column
LABEL_W = 290       # left column for run labels
FONT = 16

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLORS = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "sky": "#56B4E9",
          "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#8C8C8C"}


def _num(x) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def _open(height: float, title: str, desc: str = "") -> list[str]:
    h = max(1, int(math.ceil(height)))
    out = [f'<svg class="lab-chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{W}" height="{h}" '
           f'viewBox="0 0 {W} {h}" font-size="{FONT}" font-family="inherit" fill="currentColor">',
           f"<title>{escape(title)}</title>"]
    if desc:
        out.append(f"<desc>{escape(desc)}</desc>")
    return out


def _text(x, y, s, anchor="start", cls="", weight="") -> str:
    c = f' class="{cls}"' if cls else ""
    w = f' font-weight="{weight}"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{w}>{escape(str(s))}</text>'


def _rect(x, y, w, h, color, cls="", tip="") -> str:
    head = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{COLORS[color]}" class="lab-f-{color}{" " + cls if cls else ""}"')
    return f"{head}><title>{escape(tip)}</title></rect>" if tip else f"{head}/>"


def _clip_label(s: str, n: int = 32) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def per_call(series: list[dict], title: str = "Time of every call") -> str:
    """One row per run, one bar per call, bar height on a log scale shared by all rows; calls that
    traced or compiled are orange and marked with a triangle. series: [{label, times, compiles}]."""
    rows = [(s, [_num(t) for t in (s.get("times") or [])]) for s in series]
    rows = [(s, ts) for s, ts in rows if any(t and t > 0 for t in ts)]
    if not rows:
        return ""
    vals = [t for _, ts in rows for t in ts if t and t > 0]
    lo, hi = math.log10(min(vals)), math.log10(max(vals))
    span = (hi - lo) or 1.0
    row_h, top, plot_x, plot_r = 46, 8, LABEL_W + 10, W - 190
    n = max(len(ts) for _, ts in rows)  # call k sits at the same x in every row
    out = _open(top + row_h * len(rows) + 4, title,
                "Bar height is the call's time on a log scale shared by all rows; orange bars with a "
                "triangle are calls that traced or compiled.")
    for i, (s, ts) in enumerate(rows):
        y0 = top + i * row_h
        base = y0 + row_h - 14
        comp = list(s.get("compiles") or [])
        step = (plot_r - plot_x) / n
        bw = max(2.0, min(22.0, step * 0.75))
        out.append(f'<line x1="{plot_x}" x2="{plot_r}" y1="{base}" y2="{base}" stroke="currentColor" '
                   f'stroke-opacity="0.35"/>')
        out.append(_text(LABEL_W, y0 + row_h / 2 + 2, _clip_label(s.get("label", "")), "end"))
        for j, t in enumerate(ts):
            if not t or t <= 0:
                continue
            h = 3 + (math.log10(t) - lo) / span * (row_h - 22)
            x = plot_x + j * step + (step - bw) / 2
            compiled = j < len(comp) and isinstance(comp[j], (int, float)) and comp[j] > 0
            out.append(_rect(x, base - h, bw, h, "orange" if compiled else "blue"))
            if compiled:
                cx = x + bw / 2
                out.append(f'<path d="M{cx - 5:.1f} {base + 11:.1f} L{cx + 5:.1f} {base + 11:.1f} '
                           f'L{cx:.1f} {base + 3:.1f} Z" fill="{COLORS["orange"]}" class="lab-f-orange"/>')
        first = next((t for t in ts if t), None)
        compiled_at = {j for j, c in enumerate(comp) if isinstance(c, (int, float)) and c > 0}
        later = [t for j, t in enumerate(ts) if j > 0 and t]
        rest = sorted(t for j, t in enumerate(ts) if j > 0 and t and j not in compiled_at) or sorted(later)
        n_comp = len(compiled_at)
        out.append(_text(plot_r + 12, y0 + row_h / 2 - 4, f"first {fmt_s(first)}", cls="lab-small"))
        if rest:
            out.append(_text(plot_r + 12, y0 + row_h / 2 + 14,
                             f"then {fmt_s(rest[(len(rest) - 1) // 2])}"
                             + (f" · {n_comp} comp." if n_comp else ""), cls="lab-small"))
    out.append("</svg>")
    return "\n".join(out)


def _log_ticks(lo: float, hi: float) -> list[float]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if a == b:
        b += 1
    return [10.0 ** k for k in range(a, b + 1)]


def first_vs_steady(rows: list[dict], title: str = "First call against steady state") -> str:
    """Two bars per run on a shared log axis: the first call (with tracing and compiling) and the
    steady-state median. rows: [{label, first_s, steady_s}]."""
    rows = [r for r in rows if (_num(r.get("first_s")) or 0) > 0 or (_num(r.get("steady_s")) or 0) > 0]
    if not rows:
        return ""
    vals = [v for r in rows for v in (_num(r.get("first_s")), _num(r.get("steady_s"))) if v and v > 0]
    ticks = _log_ticks(min(vals), max(vals))
    lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])
    row_h, top, plot_x, plot_r = 54, 34, LABEL_W + 10, W - 110

    def x_of(v):
        return plot_x + (math.log10(v) - lo) / ((hi - lo) or 1.0) * (plot_r - plot_x)

    out = _open(top + row_h * len(rows) + 6, title,
                "Log axis. Upper bar (orange): the first call, tracing and compiling included. Lower bar "
                "(blue): the median steady-state call.")
    for t in ticks:
        x = x_of(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{top + row_h * len(rows)}" '
                   f'stroke="currentColor" stroke-opacity="0.2"/>')
        out.append(_text(x, top - 12, fmt_s(t), "middle", "lab-small"))
    for i, r in enumerate(rows):
        y0 = top + i * row_h + 6
        out.append(_text(LABEL_W, y0 + 24, _clip_label(r.get("label", "")), "end"))
        for k, (key, color, name) in enumerate((("first_s", "orange", "first"), ("steady_s", "blue", "steady"))):
            v = _num(r.get(key))
            y = y0 + k * 20
            if not v or v <= 0:
                out.append(_text(plot_x + 4, y + 15, f"{name}: –", cls="lab-small"))
                continue
            x1 = max(x_of(v), plot_x + 2)
            out.append(_rect(plot_x, y, x1 - plot_x, 17, color))
            out.append(_text(x1 + 6, y + 14, f"{fmt_s(v)}", cls="lab-small"))
    out.append("</svg>")
    return "\n".join(out)


SPLIT_COLORS = {"trace": "blue", "lower": "purple", "compile": "orange", "rest": "grey"}


def _nice_ticks(hi: float, n: int = 5) -> list[float]:
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [k * step for k in range(0, int(hi / step) + 2)]


def first_call_split(rows: list[dict], title: str = "First call, split by the framework's own counters") -> str:
    """A stacked bar per run: trace, lower, compile and the rest of the first call, linear axis.
    rows: [{label, first_s, rest_s, parts: {column: (seconds, the system's own phase names)}}]."""
    rows = [r for r in rows if (_num(r.get("first_s")) or 0) > 0]
    if not rows:
        return ""
    ticks = _nice_ticks(max(_num(r["first_s"]) for r in rows))
    hi = ticks[-1]
    row_h, top, plot_x, plot_r = 40, 34, LABEL_W + 10, W - 110

    def x_of(v):
        return plot_x + v / hi * (plot_r - plot_x)

    out = _open(top + row_h * len(rows) + 6, title,
                "Linear axis. Each bar is one first call: blue trace, purple lower, orange compile, grey the rest.")
    for t in ticks:
        x = x_of(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{top + row_h * len(rows)}" '
                   f'stroke="currentColor" stroke-opacity="0.2"/>')
        out.append(_text(x, top - 12, fmt_s(t) if t else "0", "middle", "lab-small"))
    for i, r in enumerate(rows):
        y0 = top + i * row_h + 8
        first = _num(r["first_s"])
        parts = dict(r.get("parts") or {})
        parts["rest"] = (_num(r.get("rest_s")) or 0.0, "rest (run, optimise, other)")
        out.append(_text(LABEL_W, y0 + 18, _clip_label(r.get("label", "")), "end"))
        x = plot_x
        for column, color in SPLIT_COLORS.items():
            seconds, name = parts.get(column, (0.0, column))
            w = max(_num(seconds) or 0.0, 0.0) / hi * (plot_r - plot_x)
            if w <= 0:
                continue
            out.append(_rect(x, y0, w, 24, color, "lab-seg", f"{name or column}: {fmt_s(seconds)}"))
            x += w
        out.append(_text(x + 6, y0 + 18, fmt_s(first), cls="lab-small"))
    out.append("</svg>")
    return "\n".join(out)


SERIES_COLORS = ("blue", "orange", "green", "vermillion", "purple", "sky", "grey")


def speedup(series: list[dict], title: str = "Speed-up over the framework's eager system") -> str:
    """Speed-up (log axis, 1× = the eager system) against size (log axis), one line per run; the
    legend gives each run's calls to pay back its first call, size by size ("never": not faster
    there), and each point's tooltip says both. series: [{label, points: [{size, speedup,
    break_even_calls}]}]."""
    rows = [(s, [p for p in s.get("points") or [] if (_num(p.get("speedup")) or 0) > 0 and (_num(p.get("size")) or 0) > 0])
            for s in series]
    rows = [(s, ps) for s, ps in rows if ps]
    if not rows:
        return ""
    sizes = sorted({p["size"] for _, ps in rows for p in ps})
    ratios = [p["speedup"] for _, ps in rows for p in ps] + [1.0]
    y_ticks = _log_ticks(min(ratios), max(ratios))
    top, plot_h, plot_x, plot_r, row_h = 30, 300, 90, W - 420, 40
    lo_y, hi_y = math.log10(y_ticks[0]), math.log10(y_ticks[-1])
    lo_x, hi_x = math.log10(sizes[0]), math.log10(sizes[-1])

    def x_of(v):
        return plot_x + (math.log10(v) - lo_x) / ((hi_x - lo_x) or 1.0) * (plot_r - plot_x)

    def y_of(v):
        return top + plot_h - (math.log10(v) - lo_y) / ((hi_y - lo_y) or 1.0) * plot_h

    def paid(p) -> str:
        return "never" if p.get("break_even_calls") is None else f"{p['break_even_calls']:,}"

    out = _open(top + max(plot_h + 50, row_h * len(rows) + 10), title,
                "Log axes. Each line is one compiled run: its steady-state speed-up over its framework's "
                "eager system at each size; the dashed line at 1× is the eager system. The legend gives, "
                "size by size, the calls after which the first call (compile included) is paid back.")
    for t in y_ticks:
        y = y_of(t)
        out.append(f'<line x1="{plot_x}" x2="{plot_r}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" '
                   f'stroke-opacity="0.2"/>')
        out.append(_text(plot_x - 8, y + 5, f"{t:g}×", "end", "lab-small"))
    one = y_of(1.0)
    out.append(f'<line x1="{plot_x}" x2="{plot_r}" y1="{one:.1f}" y2="{one:.1f}" stroke="currentColor" '
               f'stroke-dasharray="6 4" stroke-opacity="0.8"/>')
    for size in sizes:
        out.append(_text(x_of(size), top + plot_h + 22, f"{size:,}", "middle", "lab-small"))
    out.append(_text((plot_x + plot_r) / 2, top + plot_h + 44, "size (log)", "middle", "lab-small"))
    for i, (s, ps) in enumerate(rows):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        dash = ' stroke-dasharray="10 5"' if i >= len(SERIES_COLORS) else ""  # colours ran out
        points = [(x_of(p["size"]), y_of(p["speedup"]), p) for p in ps]
        path = " ".join(f"{'M' if k == 0 else 'L'}{x:.1f} {y:.1f}" for k, (x, y, _) in enumerate(points))
        out.append(f'<path d="{path}" fill="none" stroke="{COLORS[color]}" stroke-width="2.5"{dash} '
                   f'class="lab-s-{color}"/>')
        for x, y, p in points:
            tip = f"{s.get('label', '')} at {p['size']:,}: {p['speedup']:.3g}×, paid back after {paid(p)} calls"
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{COLORS[color]}" class="lab-f-{color}">'
                       f"<title>{escape(tip)}</title></circle>")
        ly = top + i * row_h
        out.append(f'<line x1="{plot_r + 20}" x2="{plot_r + 44}" y1="{ly - 5}" y2="{ly - 5}" '
                   f'stroke="{COLORS[color]}" stroke-width="4"{dash} class="lab-s-{color}"/>')
        out.append(_text(plot_r + 52, ly, _clip_label(s.get("label", ""), 34)))
        out.append(_text(plot_r + 52, ly + 18, "paid back: " + " · ".join(paid(p) for p in ps), cls="lab-small"))
    out.append("</svg>")
    return "\n".join(out)
