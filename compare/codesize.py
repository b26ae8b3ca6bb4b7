"""Code size as counts, not feelings: lines, tokens, characters and compiler-only constructs.

Pure standard library, so the CLI process can use it without importing any framework.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

from compare.systems import FRAMEWORKS

# Constructs that exist only to satisfy a graph compiler, from each framework's registry entry,
# plus the framework-free ones. Matched on code tokens (never comments).
CONSTRUCTS: dict[str, str] = {name: pattern for f in FRAMEWORKS for name, pattern in f.constructs.items()}
CONSTRUCTS.update({"padding": r"\b\w*pad\w*\b", "masking": r"\b\w*mask\w*\b"})
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENCODING, tokenize.ENDMARKER}


def _code_tokens(source: str) -> list[tokenize.TokenInfo]:
    return [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in _SKIP]


def _docstring_lines(source: str) -> set[int]:
    """Line numbers of docstrings: prose, not code."""
    lines: set[int] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def measure(source: str) -> dict:
    """Counts for one piece of Python source.

    lines:      non-blank lines that hold code (comments and docstrings excluded);
    tokens:     Python tokens from `tokenize`, without comments, newlines and indentation;
    chars:      characters of those tokens (whitespace and comments excluded);
    constructs: {name: count} of compiler-only constructs, from code tokens only.
    """
    docs = _docstring_lines(source)
    tokens = [t for t in _code_tokens(source) if t.start[0] not in docs]
    code_lines = {row for t in tokens for row in range(t.start[0], t.end[0] + 1)}
    # Constructs are found on the token stream re-joined, so comments never count.
    joined = " ".join(t.string for t in tokens).replace(" . ", ".")
    constructs = {}
    for name, pattern in CONSTRUCTS.items():
        n = len(re.findall(pattern, joined))
        if n:
            constructs[name] = n
    return {
        "lines": len(code_lines),
        "tokens": len(tokens),
        "chars": sum(len(t.string) for t in tokens),
        "constructs": constructs,
    }


def function_sources(source: str) -> dict[str, str]:
    """Top-level function and assignment sources by name, decorators included, in file order."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            out[node.name] = "".join(lines[start - 1:node.end_lineno])
    return out


def function_spans(source: str) -> dict[str, tuple[int, int]]:
    """(first, last) line of each top-level function, decorators included.

    A plain alias (`naive = forward`) gets the span of the function it names.
    """
    tree = ast.parse(source)
    spans = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            spans[node.name] = (start, node.end_lineno)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for target in node.targets:
                if isinstance(target, ast.Name) and node.value.id in spans:
                    spans[target.id] = spans[node.value.id]
    return spans


def _aliases(source: str) -> dict[str, str]:
    """Plain top-level aliases (`naive = forward`): {alias: function}."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = out.get(node.value.id, node.value.id)
    return out


def _called_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def variant_source(source: str, function: str) -> str:
    """The function's source plus the module's private helpers it reaches (transitively).

    A variant is what a reader must write to get it working, so helpers count; the other
    variants in the same file do not.
    """
    funcs = function_sources(source)
    function = _aliases(source).get(function, function)
    if function not in funcs:
        return ""
    seen, todo = [function], [function]
    while todo:
        for name in sorted(_called_names(funcs[todo.pop()])):
            if name in funcs and name not in seen and name.startswith("_"):
                seen.append(name)
                todo.append(name)
    return "".join(funcs[name] for name in funcs if name in seen)


def measure_file(path: str, functions: list[str] | None = None) -> dict:
    """Counts for a whole file, and for each named function (with its private helpers)."""
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    result = {"file": measure(source), "functions": {}}
    for name in functions or []:
        result["functions"][name] = measure(variant_source(source, name))
    return result
