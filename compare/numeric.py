"""The one numeric comparison, with one NaN rule, for the harness, `lab verify` and benchmarks.

A value agrees with its reference when |got - want| <= atol + rtol * |want|. NaN in the same
place in both agrees (a reference may be NaN on purpose); NaN on one side only is an error of
infinite size. Shapes must match exactly.
"""
from __future__ import annotations

import numpy as np


def leaves(value) -> list[np.ndarray]:
    """A result (array, scalar, or nested tuples/lists of them) as a flat list of arrays."""
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in leaves(item)]
    return [np.asarray(value)]


def compare_arrays(got: list, want: list, rtol: float, atol: float) -> tuple[float | None, bool, str | None]:
    """(max abs error, within tolerance, why not) of arrays against reference arrays."""
    if len(got) != len(want):
        return None, False, f"{len(got)} outputs, reference has {len(want)}"
    worst, ok = 0.0, True
    for g, w in zip(got, want):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        if g.shape != w.shape:
            return None, False, f"shape {g.shape}, reference {w.shape}"
        if not g.size:
            continue
        both_nan = np.isnan(g) & np.isnan(w)
        diff = np.where(both_nan, 0.0, np.abs(g - w))
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only
        worst = max(worst, float(diff.max()))
        bound = atol + rtol * np.abs(np.where(np.isnan(w), 0.0, w))
        ok = ok and bool(np.all(diff <= bound))
    return worst, ok, None


def compare_outputs(outs: list, ref, rtol: float, atol: float) -> tuple[float | None, bool, str | None]:
    """A call's outputs against the scenario's reference (None: no reference, nothing to check)."""
    if ref is None:
        return None, True, None
    return compare_arrays(outs, leaves(ref), rtol, atol)
