"""The shapes most readings share, written once: a run index, who a run is on screen, a run's
outcome in a few words, counts, durations, and the list and total sentences. A spec's `verdicts`
and `CLAIM_RULE` keep only what is particular to their lesson.

Plain functions over the run's JSON. Registry facts a reading needs arrive in the document (each
run's `mode`, `mode_name` and `counter`, set by the harness from compare/systems.py), since a
spec imports only numpy and its own package; lab/ and compare/ use the same functions (imports
flow lab -> compare -> scenarios)."""
from __future__ import annotations

import math


def index(doc: dict, keep=None) -> dict[tuple[str, str], dict]:
    """{(system, variant): run}, of the runs `keep(run)` accepts (all by default)."""
    return {(r["system"], r["variant"]): r for r in doc["runs"] if keep is None or keep(r)}


def per_system(runs: list[dict]) -> list[dict]:
    """The first run of each system, in the runs' (registry) order."""
    seen: dict = {}
    for r in runs:
        seen.setdefault(r["system"], r)
    return list(seen.values())


# --- who a run is ---------------------------------------------------------------------------------

def role_of(function: str | None, variant: str, static: bool, fullgraph: bool = False) -> str:
    """The eager code run as written, the hand port a static system needed, or, for a variant of
    the scenario's own (`shape_bug`, `with_print`), its own name."""
    if function == "naive" or (function == "forward" and not static):
        # torch.compile(fullgraph=True) of the code as written: the flag is what this run tests.
        return "fullgraph" if fullgraph and static else "as written"
    if function == "forward":
        return "ported"
    return variant


def role(run: dict) -> str:
    return role_of(run.get("function"), run.get("variant") or "", run.get("mode") != "dynamic",
                   bool((run.get("capture") or {}).get("fullgraph")))


def as_written(run: dict) -> bool:
    """Does the run put the eager code through its system as it is (the naive port)?"""
    return role(run) in ("as written", "fullgraph")


def who(run: dict) -> str:
    """'jax.jit as written', 'tf.function ported', 'TF 1.x graph + Session rebuild'."""
    return f"{run['mode_name']} {role(run)}"


def served(run: dict, n: int) -> bool:
    """Did the run answer all n calls without raising or going wrong, its compiles counted?"""
    return run["status"] == "ok" and run.get("compiles") is not None and len(run.get("call_times_s") or []) == n


def changed_lines(doc: dict, run: dict) -> int | None:
    """How many lines of the run's function differ from the eager code (the document's code diff)."""
    diff = ((doc.get("code") or {}).get(run["system"]) or {}).get("diff_vs_eager") or {}
    return diff.get("functions", {}).get(run["function"], {}).get("changed")


# --- numbers in words -------------------------------------------------------------------------------

def plural(n, word: str) -> str:
    """'1 call', '1,024 calls'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def series(items, last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (or 'a or b' with last="or")."""
    items = list(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else "".join(items)


def counted(n: int, counter: str | None) -> str:
    """'1 trace', '3 compiles', '2 graphs': n of what the system's counter counts (its registry
    word, plural; compiles when it names none)."""
    unit = counter or "compiles"
    return f"{n} {unit[:-1] if n == 1 else unit}"


def constructs(counts: dict, sep: str = ", ") -> str:
    """The compiler-only constructs a version uses, from its code view: 'tf.cond ×1, tf.while_loop ×1'."""
    return sep.join(f"{k} ×{v}" for k, v in counts.items())


def fmt_s(seconds: float | None) -> str:
    """A duration in the unit that reads best; the unit is chosen after rounding, so 0.99996 s
    reads "1.00 s", never "1000.0 ms", and 999.6 µs never "1e+03 µs". The lab's one formatter."""
    if seconds is None or isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not math.isfinite(seconds):
        return "n/a"
    if round(abs(seconds) * 1e6, 1) < 1000:
        return f"{seconds * 1e6:.1f} µs"
    if round(abs(seconds) * 1e3, 1) < 1000:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: int | None) -> str:
    """'512 B', '3.4 KiB', '1.2 MiB'; 'no file' for none."""
    if n is None:
        return "no file"
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 1024 ** 2 else f"{n / 1024 ** 2:.1f} MiB"


# --- what a run did ---------------------------------------------------------------------------------

def said(error: dict | None) -> str:
    """An error in its own words: 'Type: the first line of its message' (160 characters at most)."""
    e = error or {}
    message = (e.get("message") or "").strip().splitlines()
    return f"{e.get('type')}: {message[0][:160]}" if message else str(e.get("type"))


def at(place: dict) -> str:
    """Where a frame or a named location is: 'static_impl/jax_impl.py:42'."""
    return f"{place['file']}:{place['line']}"


def printed(run: dict, who: str, n, detail: str = "") -> str:
    """'who printed on 3 of 5 calls (concrete)': the calls whose print showed, of n, and what it
    showed (the run's `inspection`, then `detail`)."""
    shown = sum(1 for c in run.get("print_counts") or [] if c)
    return f"{who} printed on {shown} of {n} calls ({run.get('inspection')}{detail})"


def on_call(index, before: str = "", of=None) -> str:
    """' on call 3' (' on call 3 of 5'), or `before` when no call is named."""
    if index is None:
        return before
    return f" on call {index + 1}" + (f" of {of}" if of is not None else "")


def matched(run: dict, who: str) -> str:
    """A clean run: 'matched the reference' only where every call was compared with it (a spec's
    reference may return None: then the sentence says only what ran)."""
    n = len(run.get("call_times_s") or []) or run.get("calls") or "?"
    compared = run.get("call_errors") or []
    if compared and len(compared) == n and all(err is not None for err in compared):
        return f"{who} matched the reference on all {n} calls"
    return f"{who} ran all {n} calls without raising (no reference to compare with)"


def outcome(run: dict, who: str, ok=matched, *, at: str = "", call=on_call) -> str:
    """What one run did, in a few words, from its data (no full stop):
    error  `who raised T[ at where]` and the call that raised it in `call(index)`'s words
           (' on call k' by default; index None: the tool refused the code before any call);
    wrong  `who raised nothing and returned a wrong result on call k (max abs error x): why`;
    ok     `ok(run, who)` (by default whether it matched the reference on every call);
    other  `who did not run to an outcome (status)`."""
    status, e = run["status"], run.get("error")
    if status == "error" and e:
        return f"{who} raised {e.get('type')}" + (f" at {at}" if at else "") + call(e.get("call_index"))
    if status == "wrong":
        w, err = run.get("wrong") or {}, run.get("max_abs_err")
        return (f"{who} raised nothing and returned a wrong result" + on_call(w.get("call_index"))
                + (f" (max abs error {err:.3g})" if err is not None else "") + (f": {w['why']}" if w.get("why") else ""))
    if status == "ok":
        return ok(run, who)
    return f"{who} did not run to an outcome ({status})"


# --- sentences of many runs -------------------------------------------------------------------------

def each(items, say, name=lambda run: run["variant"]) -> str:
    """'name: what say(item) says; ...': one clause per run (by default named by its variant), as a
    claim cell's evidence lists them."""
    return "; ".join(f"{name(x)}: {say(x)}" for x in items)


def listed(head: str, parts, sep: str = "; ") -> list[str]:
    """['head: a; b; c.'], or [] when there is nothing to list."""
    parts = [p for p in parts if p]
    return [f"{head}: " + sep.join(parts) + "."] if parts else []


def grouped(runs: list[dict], say, key=None) -> list[str]:
    """One clause per group of runs (the same `key(run)`, by default the same `say(run)`): the
    systems that had it, in registry order, then what the group's first run says."""
    groups: dict = {}
    for r in runs:
        first, names = groups.setdefault((key or say)(r), (r, []))
        if r["mode_name"] not in names:
            names.append(r["mode_name"])
    return [f"{', '.join(names)}: {say(first)}" for first, names in groups.values()]


def tallied(runs: list[dict], key, name=lambda run: run["mode_name"], order=()) -> list[str]:
    """One clause per outcome: 'key: the names of the runs with it', outcomes in `order` first, then
    as met; each name once."""
    groups: dict = {k: [] for k in order}
    for r in runs:
        names = groups.setdefault(key(r), [])
        if name(r) not in names:
            names.append(name(r))
    return [f"{k}: {', '.join(names)}" for k, names in groups.items() if names]


def totals(doc: dict, what: str) -> list[str]:
    """The whole batch's time per clean run, first calls (traces, compiles) included."""
    return listed(f"All {what}, compiles included",
                  [f"{who(r)} {fmt_s(r['timing']['total_calls_s'])}" for r in doc["runs"]
                   if r["status"] == "ok" and (r.get("timing") or {}).get("total_calls_s")])
