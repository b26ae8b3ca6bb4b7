"""`--plot out.png`: the same charts as the terminal's, drawn with matplotlib (optional extra)."""
from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from lab import atomic
from lab.charts import first_vs_steady, per_call_series
from lab.errors import LabError

if TYPE_CHECKING:
    from compare.results import CompareDoc


DPI = 120
PANEL_SIZE = (6.5, 4.2)  # inches per panel: 780 x 504 pixels at DPI


def scenario_paths(plot: str | None, names: list[str]) -> dict[str, str]:
    """{scenario: PNG path} for `--plot` (none without it): the path itself for one scenario;
    for several, the file name gets `-<scenario>` before its ending, and only the file name:
    the folders are as given."""
    if plot is None:
        return {}
    if len(names) == 1 or not plot.strip():
        return {name: plot for name in names}
    folder, file = os.path.split(plot)
    stem, ext = os.path.splitext(file)
    return {name: os.path.join(folder, f"{stem}-{name}{ext}") for name in names}


def png_bytes(doc: CompareDoc) -> bytes:
    fig = figure(doc)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return buffer.getvalue()


def save_png(doc: CompareDoc, path: str) -> None:
    atomic.write(path, png_bytes(doc))


def figure(doc: CompareDoc):
    """The charts as a matplotlib Figure (one panel per chart the run has data for), not yet saved:
    what `save_png` writes, and what a test can inspect (its axes, lines and bars)."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise LabError("--plot needs matplotlib: pip install -e '.[plot]'") from None
    series = per_call_series(doc)
    bars = first_vs_steady(doc)
    panels = (1 if series else 0) + (1 if bars else 0)
    if not panels:
        raise LabError(f"--plot: this run of {doc.scenario} produced no timings to chart.", code=1)
    fig, axes = plt.subplots(1, panels, figsize=(PANEL_SIZE[0] * panels, PANEL_SIZE[1]), squeeze=False)
    axes = list(axes[0])
    if series:
        ax = axes.pop(0)
        for s in series:
            label = s["label"] + ("" if s["compiles"] is None else f" ({s['compiles']} compiles)")
            line, = ax.plot(range(1, len(s["times"]) + 1), [t * 1e3 for t in s["times"]], marker="o",
                            markersize=3, label=label)
            hits = [i for i, n in enumerate(s["call_compiles"]) if n > 0]
            ax.scatter([i + 1 for i in hits], [s["times"][i] * 1e3 for i in hits], marker="o", s=40,
                       facecolors="none", edgecolors=line.get_color())
        ax.set_yscale("log")
        ax.set_xlabel("call index")
        ax.set_ylabel("time per call (ms, log)")
        ax.set_title("Per-call time (ringed: calls that traced/compiled)")
        ax.legend(fontsize=8)
    if bars:
        ax = axes.pop(0)
        ys = range(len(bars))
        ax.barh([y + 0.2 for y in ys], [b["first_s"] * 1e3 for b in bars], height=0.4, label="first call")
        ax.barh([y - 0.2 for y in ys], [b["steady_s"] * 1e3 for b in bars], height=0.4, label="steady median")
        ax.set_yticks(list(ys), [b["label"] for b in bars], fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("ms (log)")
        ax.set_title("First call vs steady state")
        ax.legend(fontsize=8)
    fig.suptitle(f"lab compare {doc.scenario} on {doc.device}: "
                 + ", ".join(f"{k} {v}" for k, v in doc.versions.items() if v), fontsize=9)
    fig.tight_layout()
    return fig
