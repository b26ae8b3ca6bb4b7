"""`lab verify` as plain data: numeric equivalence (forward and gradients) and lesson drift.

Inputs are the scenario's own calls plus examples that hypothesis draws within the spec's
declared bounds (derandomized: the same examples every run). Workers compute; this module
compares, against the numpy reference (gradients by central finite differences in float64) and
pairwise across frameworks.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from itertools import combinations

import numpy as np

from lab import discovery, errors
from lab.runner import run_workers

DEFAULT_GRAD_TOL = (1e-4, 1e-5)  # (rtol, atol): float32 gradients against float64 differences
FD_EPS = 1e-6
EXAMPLES = {"default": 6, "thorough": 60}


def _flat(value) -> list[np.ndarray]:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _flat(item)]
    return [np.asarray(value)]


def hypothesis_cases(scenario, n: int, seed: int = 0) -> list[tuple]:
    """`n` inputs drawn by the spec's strategy; derandomized, so every run sees the same ones."""
    make = getattr(scenario.spec, "strategy", None)
    if make is None or n == 0:
        return []
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
    drawn: list[tuple] = []

    @settings(derandomize=True, max_examples=n, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(make(st, hnp))
    def collect(case):
        drawn.append(tuple(np.asarray(a) for a in case))

    with _no_local_constants():
        collect()
    return drawn[:n]


@contextlib.contextmanager
def _no_local_constants():
    """Hypothesis mixes literals from every local module imported so far into its draws, so the
    cases would depend on what this process had imported (`lab verify X` alone, after other
    scenarios, or under pytest). Keep its global constants only, so "derandomized" holds."""
    try:
        from hypothesis.internal.conjecture import providers
        original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE
    except (ImportError, AttributeError):  # another hypothesis version: nothing to pin
        yield
        return
    providers._get_local_constants = providers.Constants
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def weights_for(ref_leaves: list[np.ndarray], seed: int) -> list[np.ndarray | None]:
    """A fixed random cotangent per floating-point output; integer outputs get none."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=leaf.shape).astype(np.float32) if np.issubdtype(leaf.dtype, np.floating)
            else None for leaf in ref_leaves]


def fd_gradient(reference, args: tuple, weights: list, eps: float = FD_EPS):
    """Central finite differences of sum_k <ref_k(args), w_k>, in float64, for each float arg.

    Also returns, per arg, the gap between the one-sided differences: large where the reference
    has a kink or a jump within reach (a ReLU at 0, a branch boundary), where no derivative
    exists to compare against."""
    args64 = [a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a for a in args]

    def loss():
        leaves = _flat(reference(*args64))
        return sum(float(np.sum(leaf.astype(np.float64) * w)) for leaf, w in zip(leaves, weights)
                   if w is not None)

    centre = loss()
    grads, gaps = [], []
    for a in args64:
        if not np.issubdtype(a.dtype, np.floating):
            continue
        g, gap = np.zeros_like(a), np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            original = a[idx]
            h = eps * max(1.0, abs(original))
            a[idx] = original + h  # perturbed in place and restored: no copies per element
            plus = loss()
            a[idx] = original - h
            minus = loss()
            a[idx] = original
            g[idx] = (plus - minus) / (2 * h)
            gap[idx] = abs((plus - centre) - (centre - minus)) / h
        grads.append(g)
        gaps.append(gap)
    return grads, gaps


def fd_or_none(reference, args: tuple, weights: list, tol: tuple[float, float]):
    """FD gradient, or None where the reference is not differentiable at this input: there the
    forward and backward differences disagree by more than ten times the tolerance."""
    grads, gaps = fd_gradient(reference, args, weights)
    rtol, atol = tol
    smooth = all(np.all(gap <= 10 * (atol + rtol * np.abs(g))) for g, gap in zip(grads, gaps))
    return grads if smooth else None


def _arrays(plain: list[dict]) -> list[np.ndarray]:
    return [np.asarray(p["data"], dtype=np.float64).reshape(p["shape"]) for p in plain]


def _check(got: list[np.ndarray], want: list[np.ndarray], rtol: float, atol: float):
    """(max abs error, passes, why not). Integer outputs must match exactly."""
    if len(got) != len(want):
        return None, False, f"{len(got)} arrays, expected {len(want)}"
    worst, ok = 0.0, True
    for g, w in zip(got, want):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        if g.shape != w.shape:
            return None, False, f"shape {g.shape}, expected {w.shape}"
        if g.size:
            diff = np.where(np.isnan(g - w), np.inf, np.abs(g - w))
            worst = max(worst, float(diff.max()))
            ok = ok and bool(np.all(diff <= atol + rtol * np.abs(w)))
    return worst, ok, None


def _row(scenario, framework, variant, quantity, status, err=None, tol=None, case=None, detail=None):
    return {"scenario": scenario, "framework": framework, "variant": variant, "quantity": quantity,
            "status": status, "max_abs_err": err,
            "tolerance": {"rtol": tol[0], "atol": tol[1]} if tol else None,
            "case": case, "detail": detail}


def _resolve(expected_value, run: dict):
    """An expectation may name a count that the run reports (e.g. 'distinct_lengths')."""
    if isinstance(expected_value, str) and expected_value in run:
        value = run[expected_value]
        return len(set(value)) if isinstance(value, list) else value
    return expected_value


def drift_rows(name: str, framework: str, scenario, outcome: dict) -> list[dict]:
    """Compare one naive variant's observed outcome with the spec's expectation, key by key."""
    expected = scenario.declared_expectation(framework, outcome["variant"]) or {}
    error = outcome.get("error") or {}
    observed, mismatches = {}, []
    for key, want in expected.items():
        if key == "status":
            got = outcome["status"]
        elif key == "error_type":
            got = error.get("type")
        elif key in outcome:
            got = outcome[key]
        else:
            got = error.get(key)
        if key not in ("status", "error_type"):
            want = _resolve(want, outcome)
        observed[key] = got
        if got != want:
            mismatches.append(f"{key}: expected {want!r}, observed {got!r}")
    status = "drift" if mismatches else "pass"
    detail = "; ".join(mismatches) if mismatches else f"behaves as the lesson says: {observed}"
    return [_row(name, framework, outcome["variant"], "outcome", status, detail=detail)]


def _numeric_rows(name, scenario, per_fw: dict, cases, refs, fd_grads) -> list[dict]:
    rows = []
    ftol = (scenario.rtol, scenario.atol)
    gtol = getattr(scenario.spec, "GRAD_TOL", DEFAULT_GRAD_TOL)
    not_diff = getattr(scenario.spec, "NOT_DIFFERENTIABLE", {})
    collected: dict = {}  # (framework, variant) -> per case forward/grad arrays, for pairwise
    for fw, result in per_fw.items():
        for variant in result["variants"]:
            label = variant["variant"]
            fwd_worst, fwd_fail, grad_worst, grad_fail, grad_error = 0.0, None, 0.0, None, None
            skipped_fd = 0
            for c, entry in enumerate(variant["cases"]):
                if "forward_error" in entry:
                    fwd_fail = fwd_fail or (c, entry["forward_error"], None)
                else:
                    err, ok, why = _check(_arrays(entry["forward"]), refs[c], *ftol)
                    fwd_worst = max(fwd_worst, err or 0.0)
                    if not ok and fwd_fail is None:
                        fwd_fail = (c, why or "outside tolerance", err)
                    collected.setdefault((fw, label), {})[("forward", c)] = _arrays(entry["forward"])
                if "gradient_error" in entry:
                    grad_error = grad_error or entry["gradient_error"]
                elif fd_grads[c] is None:
                    skipped_fd += 1
                    collected.setdefault((fw, label), {})[("gradient", c)] = _arrays(entry["gradient"])
                else:
                    err, ok, why = _check(_arrays(entry["gradient"]), fd_grads[c], *gtol)
                    grad_worst = max(grad_worst, err or 0.0)
                    if not ok and grad_fail is None:
                        grad_fail = (c, why or "outside tolerance", err)
                    collected.setdefault((fw, label), {})[("gradient", c)] = _arrays(entry["gradient"])
            n = len(variant["cases"])
            if fwd_fail:
                rows.append(_row(name, fw, label, "forward", "fail", fwd_fail[2], ftol, fwd_fail[0],
                                 f"case {fwd_fail[0]}: {fwd_fail[1]}"))
            else:
                rows.append(_row(name, fw, label, "forward", "pass", fwd_worst, ftol, None,
                                 f"{n} cases agree with the numpy reference"))
            reason = not_diff.get((fw, label))
            if grad_error and reason:
                rows.append(_row(name, fw, label, "gradient", "not differentiable", None, gtol, None,
                                 f"{reason} (observed {grad_error})"))
            elif grad_error:
                rows.append(_row(name, fw, label, "gradient", "fail", None, gtol, None, grad_error))
            elif reason:
                rows.append(_row(name, fw, label, "gradient", "drift", grad_worst, gtol, None,
                                 f"expected not differentiable ({reason}), but gradients were computed"))
            elif grad_fail:
                rows.append(_row(name, fw, label, "gradient", "fail", grad_fail[2], gtol, grad_fail[0],
                                 f"case {grad_fail[0]}: {grad_fail[1]}"))
            else:
                note = (f"; {skipped_fd} at non-differentiable points compared pairwise only"
                        if skipped_fd else "")
                rows.append(_row(name, fw, label, "gradient", "pass", grad_worst, gtol, None,
                                 f"{n - skipped_fd} cases agree with float64 central differences{note}"))
    # Pairwise: every two framework variants on the same cases.
    for (a, b) in combinations(sorted(collected, key=lambda k: discovery.FRAMEWORKS.index(k[0])), 2):
        if a[0] == b[0]:
            continue
        # Each side may be off from the truth by its tolerance, so two sides by twice that.
        for quantity, tol in (("forward", (2 * ftol[0], 2 * ftol[1])), ("gradient", (2 * gtol[0], 2 * gtol[1]))):
            worst, ok_all, failed_case = 0.0, True, None
            common = [k for k in collected[a] if k[0] == quantity and k in collected[b]]
            for key in common:
                err, ok, _ = _check(collected[a][key], collected[b][key], *tol)
                worst = max(worst, err or 0.0)
                if not ok and failed_case is None:
                    ok_all, failed_case = False, key[1]
            if common:
                rows.append(_row(name, f"{a[0]} vs {b[0]}", f"{a[1]} vs {b[1]}", f"{quantity} (pairwise)",
                                 "pass" if ok_all else "fail", worst, tol, failed_case,
                                 f"{len(common)} cases"))
    return rows


def verify(names: list[str], *, frameworks: list[str], device: str, threads: int, timeout: float,
           thorough: bool = False, on_progress=None) -> dict:
    examples = EXAMPLES["thorough" if thorough else "default"]
    plan = {}
    with tempfile.TemporaryDirectory(prefix="lab-verify-") as tmp:
        for name in names:
            scenario = discovery.get(name)
            cases = list(scenario.spec.calls(0)) + hypothesis_cases(scenario, examples)
            refs = [_flat(scenario.spec.reference(*c)) for c in cases]
            weights = [weights_for(r, seed=i) for i, r in enumerate(refs)]
            path = os.path.join(tmp, f"{scenario.module_name}.npz")
            arrays = {}
            for c, (case, ws) in enumerate(zip(cases, weights)):
                arrays.update({f"c{c}_a{i}": a for i, a in enumerate(case)})
                arrays.update({f"c{c}_w{k}": (w if w is not None else np.empty(0)) for k, w in enumerate(ws)})
            np.savez(path, **arrays)
            plan[name] = {"scenario": scenario, "cases": cases, "refs": refs, "weights": weights, "path": path}
        requests = {fw: {"task": "verify", "cases": {n: p["path"] for n, p in plan.items()}}
                    for fw in frameworks}
        results, interrupted = run_workers(frameworks, requests, device=device, threads=threads,
                                           timeout=timeout, on_progress=on_progress)
    rows, workers = [], {}
    for name, p in plan.items():
        scenario = p["scenario"]
        gtol = getattr(scenario.spec, "GRAD_TOL", DEFAULT_GRAD_TOL)
        fd = [fd_or_none(scenario.spec.reference, c, w, gtol) for c, w in zip(p["cases"], p["weights"])]
        per_fw = {}
        for fw in frameworks:
            result = results.get(fw, {"status": "interrupted"})
            workers[fw] = {k: v for k, v in result.items() if k not in ("scenarios", "log")}
            if result["status"] != "ok":
                rows.append(_row(name, fw, "*", "all", result["status"], detail=result.get("reason")))
                continue
            entry = next(s for s in result["scenarios"] if s["scenario"] == name)
            per_fw[fw] = entry
            for outcome in entry["outcomes"]:
                rows.extend(drift_rows(name, fw, scenario, outcome))
        rows.extend(_numeric_rows(name, scenario, per_fw, p["cases"], p["refs"], fd))
    statuses = {r["status"] for r in rows}
    if interrupted:
        code = errors.INTERRUPTED
    elif "fail" in statuses or "crashed" in statuses:
        code = errors.FAILED
    elif "drift" in statuses:
        code = errors.DRIFT
    elif statuses & {"unavailable", "timeout", "interrupted"}:
        code = errors.INCOMPLETE
    else:
        code = errors.OK
    return {"scenarios": names, "device": device, "examples_per_scenario": examples,
            "cases": {n: len(p["cases"]) for n, p in plan.items()},
            "workers": workers, "results": rows, "exit_code": code}


def junit_xml(report: dict) -> str:
    """One <testsuite> per scenario, one <testcase> per result row."""
    from xml.sax.saxutils import quoteattr
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites name=\"lab verify\">"]
    for name in report["scenarios"]:
        rows = [r for r in report["results"] if r["scenario"] == name]
        failures = sum(r["status"] in ("fail", "drift", "crashed") for r in rows)
        skipped = sum(r["status"] in ("unavailable", "timeout", "interrupted") for r in rows)
        lines.append(f"  <testsuite name={quoteattr(name)} tests=\"{len(rows)}\" failures=\"{failures}\" "
                     f"errors=\"0\" skipped=\"{skipped}\">")
        for r in rows:
            case = f"{r['framework']} {r['variant']} {r['quantity']}"
            lines.append(f"    <testcase classname={quoteattr('lab.verify.' + name)} name={quoteattr(case)}>")
            message = r["detail"] or ""
            if r["max_abs_err"] is not None and r["tolerance"]:
                message += f" (max abs err {r['max_abs_err']:.3g}; rtol {r['tolerance']['rtol']:g}, atol {r['tolerance']['atol']:g})"
            if r["status"] in ("fail", "drift", "crashed"):
                kind = "lesson drift" if r["status"] == "drift" else "numeric mismatch"
                lines.append(f"      <failure message={quoteattr(message)} type={quoteattr(kind)}/>")
            elif r["status"] in ("unavailable", "timeout", "interrupted"):
                lines.append(f"      <skipped message={quoteattr(message)}/>")
            else:
                lines.append(f"      <system-out>{quoteattr(r['status'] + ': ' + message)[1:-1]}</system-out>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
