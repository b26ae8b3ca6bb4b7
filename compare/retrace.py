"""Why each trace or compile happened: the framework's own account where it gives one (Dynamo's
failed guards, source "framework"; JAX's `jax_explain_cache_misses` log, source
"explain-cache-misses"), otherwise the difference between the call's inputs and those already
traced (source "derived").

Categories: shape, dtype, python-value, new-function, data-dependent, other. Framework-free.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

CATEGORIES = ("shape", "dtype", "python-value", "new-function", "data-dependent", "other")


def signature(call: tuple) -> list[tuple]:
    """Per input: (index, shape, dtype, a digest of its values)."""
    out = []
    for i, a in enumerate(call):
        arr = np.asarray(a)
        out.append((i, tuple(arr.shape), str(arr.dtype), hashlib.sha1(arr.tobytes()).hexdigest()[:12]))
    return out


# JAX 0.10's explanation: "different input types: * at xs, now f32[3,4] and before f32[2,4]".
_JAX_TYPES = re.compile(r"now (\w+)\[([^\]]*)\] and before (\w+)\[([^\]]*)\]")


def _from_jax(text: str) -> str:
    """A JAX tracing-cache miss in one category (its wording, jax 0.10)."""
    if "never seen function" in text:
        return "new-function"
    types = _JAX_TYPES.search(text)
    if types:
        return "dtype" if types.group(1) != types.group(3) else "shape"
    if "Static(" in text or "static argument" in text or "different input pytree" in text:
        return "python-value"
    return "other"


def _from_guard(text: str) -> str:
    """A Dynamo guard failure (torch 2.13) or a JAX cache miss in one category."""
    if text.startswith("JAX tracing cache miss"):
        return _from_jax(text)
    t = text.lower()
    if "size mismatch" in t or "stride mismatch" in t or ".size()" in t or "shape" in t:
        return "shape"
    if "dtype" in t:
        return "dtype"
    if "type(" in t or "___check_type_id" in t or "___check_obj_id" in t or "==" in t:
        return "python-value"
    return "other"


def _derived(sig: list[tuple], seen: list[list[tuple]]) -> tuple[str, str]:
    """The first input that differs from every signature already traced, and how."""
    for i, shape, dtype, digest in sig:
        before = [s[i] for s in seen if i < len(s)]
        if all(b[1] != shape for b in before):
            return "shape", f"input {i}: shape {shape} not traced before ({', '.join(sorted({str(b[1]) for b in before}))})"
        if all(b[2] != dtype for b in before if b[1] == shape):
            return "dtype", f"input {i}: dtype {dtype} with shape {shape} not traced before"
    for i, shape, dtype, digest in sig:
        if all(s[i][3] != digest for s in seen if i < len(s)):
            return "python-value", (f"input {i}: same shape and dtype, new values (the code reads them "
                                    "as Python data, or branches on them)")
    return "other", "inputs identical to a call already traced"


def reasons(calls: list[tuple], call_compiles: list[int], accounts: list[list[str]] | None = None,
            source: str = "framework") -> list[dict]:
    """One reason per call that traced or compiled: call 0 is a new function; later calls take
    the framework's account (`accounts[k]`: what it said during call k; `source` names where it
    came from) or the derived one."""
    out, seen = [], []
    for k, (call, n) in enumerate(zip(calls, call_compiles)):
        sig = signature(call)
        if n:
            said = (accounts or [])[k] if accounts and k < len(accounts) else []
            if k == 0:
                out.append({"call": 0, "category": "new-function", "detail": "first call: nothing traced yet",
                            "source": "derived"})
            elif said:
                out.append({"call": k, "category": _from_guard(said[0]), "detail": said[0][:200],
                            "source": source})
            else:
                category, detail = _derived(sig, seen)
                out.append({"call": k, "category": category, "detail": detail, "source": "derived"})
        seen.append(sig)  # traced, or served by a trace: either way not new any more
    return out
