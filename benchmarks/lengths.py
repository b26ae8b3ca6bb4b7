"""Inputs with N distinct lengths for a variable-length scenario (numpy and the spec only).

The lab's CLI has no flag for the number of lengths, so the benchmark builds the inputs itself:

1. a spec hook, if the spec has one: a function named in HOOKS taking (lengths, seed);
2. calls() itself, if it takes a `lengths` (or `lens`, `sizes`) parameter;
3. otherwise inferred from calls(): the array arguments whose shapes differ between calls vary
   along those axes; new arrays of each length are drawn like the spec's (float: normal with the
   same mean and spread; int: uniform over the same range; bool: same density), and an integer
   scalar argument that equals the length in every call is set to the new length.

The N lengths are spread evenly over one range for every N ([shortest length in calls(),
that + max N - 1]), so the mean length, and the cost of a call, stays the same as N grows.

Returns (calls per size, how they were built).
"""
from __future__ import annotations

import inspect

import numpy as np

HOOKS = ("calls_for_lengths", "calls_with_lengths", "make_calls", "inputs_for_lengths")
LENGTH_PARAMS = ("lengths", "lens", "sizes")


def _try_hook(fn, lengths, seed):
    for attempt in (lambda: fn(lengths=lengths, seed=seed), lambda: fn(lengths, seed), lambda: fn(lengths)):
        try:
            return list(attempt())
        except TypeError:
            continue
    return None


def _varying(base: list[tuple]) -> tuple[dict[int, list[int]], list[int]]:
    """({arg index: varying axes}, [arg indices of integer scalars equal to the length])."""
    arrays, scalars = {}, []
    n_args = len(base[0])
    for i in range(n_args):
        values = [call[i] for call in base]
        if all(isinstance(v, np.ndarray) and v.ndim > 0 for v in values):
            shapes = [v.shape for v in values]
            if len({len(s) for s in shapes}) != 1:
                continue
            axes = [ax for ax in range(len(shapes[0])) if len({s[ax] for s in shapes}) > 1]
            if axes:
                arrays[i] = axes
    if not arrays:
        return arrays, scalars
    i0, axes0 = next(iter(arrays.items()))
    lengths = [call[i0].shape[axes0[0]] for call in base]
    for i in range(n_args):
        values = [np.asarray(call[i]) for call in base]
        if all(v.ndim == 0 and np.issubdtype(v.dtype, np.integer) for v in values) \
                and [int(v) for v in values] == lengths:
            scalars.append(i)
    return arrays, scalars


def base_lengths(spec, seed: int = 0) -> list[int]:
    base = spec.calls(seed)
    arrays, _ = _varying(base)
    if not arrays:
        return []
    i0, axes = next(iter(arrays.items()))
    return [call[i0].shape[axes[0]] for call in base]


def _draw(rng, like: list[np.ndarray], shape: tuple) -> np.ndarray:
    pool = np.concatenate([v.ravel() for v in like])
    dtype = like[0].dtype
    if dtype == np.bool_:
        return rng.random(shape) < (pool.mean() if pool.size else 0.5)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(pool.min(), pool.max() + 1, size=shape).astype(dtype)
    return (rng.normal(pool.mean(), pool.std() or 1.0, size=shape)).astype(dtype)


def calls_for_sizes(spec, sizes: list[int], seed: int = 0) -> tuple[dict[int, list[tuple]], str]:
    base = spec.calls(seed)
    known = base_lengths(spec, seed)
    start = max(1, min(known)) if known else 2

    span = max(sizes)

    def lengths_for(n):
        # n distinct lengths spread evenly over the same range for every n, so the mean length
        # (and the cost of one call) stays put while the number of distinct lengths grows.
        return [int(v) for v in np.unique(np.round(np.linspace(start, start + span - 1, n)).astype(int))]

    for hook in HOOKS:
        fn = getattr(spec, hook, None)
        if callable(fn):
            built = {n: _try_hook(fn, lengths_for(n), seed) for n in sizes}
            if all(v is not None for v in built.values()):
                return built, f"scenario hook {hook}(lengths, seed), N lengths evenly spaced over {start}..{start + span - 1}"
    params = inspect.signature(spec.calls).parameters
    for p in LENGTH_PARAMS:
        if p in params:
            return ({n: list(spec.calls(seed=seed, **{p: lengths_for(n)})) for n in sizes},
                    f"calls({p}=...), N lengths evenly spaced over {start}..{start + span - 1}")
    arrays, scalars = _varying(base)
    if not arrays:
        raise ValueError("cannot tell which axis is the length: the spec's calls() all have the "
                         "same shapes and it exposes no lengths parameter")
    rng = np.random.default_rng(seed)
    out = {}
    for n in sizes:
        calls = []
        for length in lengths_for(n):
            args = []
            for i, template in enumerate(base[0]):
                if i in arrays:
                    shape = list(template.shape)
                    for ax in arrays[i]:
                        shape[ax] = length
                    args.append(_draw(rng, [c[i] for c in base], tuple(shape)))
                elif i in scalars:
                    args.append(type(template)(length) if not isinstance(template, np.ndarray)
                                else np.asarray(length, dtype=template.dtype))
                else:
                    args.append(template)
            calls.append(tuple(args))
        out[n] = calls
    how = (f"inferred from calls(): argument(s) {sorted(arrays)} vary along axes "
           f"{[arrays[i] for i in sorted(arrays)]}" + (f", length scalar(s) {scalars}" if scalars else "")
           + f"; N lengths evenly spaced over {start}..{start + span - 1} (same mean length for every N), "
             "values drawn like the spec's")
    return out, how
