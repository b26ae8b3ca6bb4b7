"""Source files as HTML lines: light syntax colouring from `tokenize`, escaped here, marked up by
the template. Lines that differ from eager and lines marked `# BUG` are flagged per line."""
from __future__ import annotations

import io
import keyword
import tokenize
from html import escape

_CLASS = {tokenize.COMMENT: "c", tokenize.STRING: "s", tokenize.NUMBER: "n"}


def _token_class(tok) -> str:
    if tok.type == tokenize.NAME and keyword.iskeyword(tok.string):
        return "k"
    if tok.type == tokenize.OP and tok.string == "@":
        return "k"
    if tok.type == tokenize.COMMENT and "# BUG" in tok.string:
        return "bug"
    return _CLASS.get(tok.type, "")


def highlight_lines(source: str) -> list[str]:
    """One escaped HTML string per source line, tokens wrapped in <span class="t-x">."""
    lines = source.splitlines()
    marks: dict[int, list[tuple[int, int, str]]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            cls = _token_class(tok)
            if not cls:
                continue
            (r0, c0), (r1, c1) = tok.start, tok.end
            for r in range(r0, r1 + 1):  # a multi-line string colours each of its lines
                if 1 <= r <= len(lines):
                    a = c0 if r == r0 else 0
                    b = c1 if r == r1 else len(lines[r - 1])
                    marks.setdefault(r, []).append((a, b, cls))
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        pass  # a partial file: whatever was coloured before the error stays coloured
    out = []
    for i, text in enumerate(lines, 1):
        pos, parts = 0, []
        for a, b, cls in sorted(marks.get(i, [])):
            if a < pos:
                continue
            parts.append(escape(text[pos:a]))
            parts.append(f'<span class="t-{cls}">{escape(text[a:b])}</span>')
            pos = b
        parts.append(escape(text[pos:]))
        out.append("".join(parts))
    return out


def file_model(system: str, entry: dict, label: str, baseline: bool) -> dict:
    """One column of the side-by-side code: header facts and flagged lines. `entry` is the document's
    code table entry (lab.session.code_view): file, source, counts, and the diff against eager."""
    source = entry.get("source") or ""
    diff = entry.get("diff_vs_eager") or {}
    changed = set(diff.get("changed") or ())
    raw = source.splitlines()
    lines = [{"n": i, "html": h, "changed": i in changed, "bug": "# BUG" in raw[i - 1]}
             for i, h in enumerate(highlight_lines(source), 1)]
    funcs = [{"name": name, "changed": f.get("changed"), "lines": f.get("lines"),
              "only_static": bool(f.get("only_static"))} for name, f in (diff.get("functions") or {}).items()]
    counts = entry.get("counts") or {}
    return {"framework": system, "label": label, "file": entry.get("file") or "", "lines": lines,
            "baseline": baseline, "n_changed": len(changed), "functions": funcs,
            "counts": {k: counts.get(k) for k in ("lines", "tokens", "chars")},
            "constructs": ", ".join(f"{k}×{v}" for k, v in (counts.get("constructs") or {}).items())}
