"""The one way the lab writes a duration, for the terminal, the web page, every file format and
the specs' own sentences: written once in scenarios/_readings.py, which specs may import."""
from __future__ import annotations

from scenarios._readings import fmt_s  # noqa: F401 - re-exported: the views read it from here
