"""The one way the lab writes a duration, for the terminal, the web page and every file format."""
from __future__ import annotations

import math


def fmt_s(seconds: float | None) -> str:
    """A duration in the unit that reads best; the unit is chosen after rounding, so 0.99996 s
    reads "1.00 s", never "1000.0 ms", and 999.6 µs never "1e+03 µs"."""
    if seconds is None or isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not math.isfinite(seconds):
        return "n/a"
    if round(abs(seconds) * 1e6, 1) < 1000:
        return f"{seconds * 1e6:.1f} µs"
    if round(abs(seconds) * 1e3, 1) < 1000:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"
