"""`lab report` as a web page: one self-contained HTML file (inline CSS and SVG, no network)."""
from lab.views.web.page import render_page, render_sections

__all__ = ["render_page", "render_sections"]
