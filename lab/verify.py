"""`lab verify` as a typed report: numeric equivalence (forward and gradients) and lesson drift.

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

from compare import systems
from compare.contract import ReadingError
from compare.discovery import get
from compare.expectations import drift
from compare.numeric import compare_arrays, leaves
from compare.results import VerifyReport, VerifyRow
from lab import errors
from lab.runner import run_workers

DEFAULT_GRAD_TOL = (1e-4, 1e-5)  # (rtol, atol): float32 gradients against float64 differences
FD_EPS = 1e-6
EXAMPLES = {"default": 6, "thorough": 60}


def hypothesis_cases(scenario, n: int, seed: int = 0) -> list[tuple]:
    """`n` inputs drawn by the spec's strategy; derandomized, so every run sees the same ones."""
    make = scenario.field("strategy")
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
        outs = leaves(reference(*args64))
        return sum(float(np.sum(leaf.astype(np.float64) * w)) for leaf, w in zip(outs, weights)
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


def _row(scenario, system, variant, quantity, status, err=None, tol=None, case=None,
         detail=None) -> VerifyRow:
    framework = " vs ".join(systems.get(x).framework for x in system.split(" vs ")) \
        if system != "*" else "*"
    return VerifyRow(scenario=scenario, system=system, framework=framework, variant=variant,
                     quantity=quantity, status=status, max_abs_err=err,
                     tolerance={"rtol": tol[0], "atol": tol[1]} if tol else None, case=case,
                     detail=detail or "")


def drift_rows(name: str, scenario, outcome: dict) -> list[VerifyRow]:
    """One naive variant's observed outcome against the spec's expectation, key by key."""
    system = outcome["system"]
    declared = scenario.declared_expectation(system, outcome["variant"]) or {}
    observed, mismatches = drift(declared, outcome, scenario.describe(0))
    status = "drift" if mismatches else "pass"
    detail = "; ".join(mismatches) if mismatches else f"behaves as the lesson says: {observed}"
    return [_row(name, system, outcome["variant"], "outcome", status, detail=detail)]


def _numeric_rows(name, scenario, per_fw: dict, cases, refs, fd_grads) -> list[VerifyRow]:
    rows = []
    ftol = (scenario.rtol, scenario.atol)
    gtol = scenario.field("GRAD_TOL") or DEFAULT_GRAD_TOL
    not_diff = scenario.field("NOT_DIFFERENTIABLE")
    collected: dict = {}  # (system, variant) -> per case forward/grad arrays, for pairwise
    for result in per_fw.values():
        for variant in result["variants"]:
            label, fw = variant["variant"], variant["system"]
            fwd_worst, fwd_fail, grad_worst, grad_fail, grad_error = 0.0, None, 0.0, None, None
            skipped_fd = 0
            for c, entry in enumerate(variant["cases"]):
                if "forward_error" in entry:
                    fwd_fail = fwd_fail or (c, entry["forward_error"], None)
                else:
                    err, ok, why = compare_arrays(_arrays(entry["forward"]), refs[c], *ftol)
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
                    err, ok, why = compare_arrays(_arrays(entry["gradient"]), fd_grads[c], *gtol)
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
            elif reason and grad_fail:
                # A wrong gradient the spec records as a finding: shown, not failed; its gradients
                # stay out of the pairwise comparison.
                rows.append(_row(name, fw, label, "gradient", "known wrong", grad_fail[2], gtol, grad_fail[0],
                                 f"{reason} (observed on case {grad_fail[0]}: {grad_fail[1]})"))
                for key in [k for k in collected.get((fw, label), {}) if k[0] == "gradient"]:
                    del collected[(fw, label)][key]
            elif reason:
                rows.append(_row(name, fw, label, "gradient", "drift", grad_worst, gtol, None,
                                 f"expected a gradient finding ({reason}), but gradients were computed "
                                 "and agree on every case"))
            elif grad_fail:
                rows.append(_row(name, fw, label, "gradient", "fail", grad_fail[2], gtol, grad_fail[0],
                                 f"case {grad_fail[0]}: {grad_fail[1]}"))
            else:
                note = (f"; {skipped_fd} at non-differentiable points compared pairwise only"
                        if skipped_fd else "")
                rows.append(_row(name, fw, label, "gradient", "pass", grad_worst, gtol, None,
                                 f"{n - skipped_fd} cases agree with float64 central differences{note}"))
    # Pairwise: every two systems' variants on the same cases.
    for (a, b) in combinations(sorted(collected, key=lambda k: systems.IDS.index(k[0])), 2):
        if a[0] == b[0]:
            continue
        # Each side may be off from the truth by its tolerance, so two sides by twice that.
        for quantity, tol in (("forward", (2 * ftol[0], 2 * ftol[1])), ("gradient", (2 * gtol[0], 2 * gtol[1]))):
            worst, ok_all, failed_case = 0.0, True, None
            common = [k for k in collected[a] if k[0] == quantity and k in collected[b]]
            for key in common:
                err, ok, _ = compare_arrays(collected[a][key], collected[b][key], *tol)
                worst = max(worst, err or 0.0)
                if not ok and failed_case is None:
                    ok_all, failed_case = False, key[1]
            if common:
                rows.append(_row(name, f"{a[0]} vs {b[0]}", f"{a[1]} vs {b[1]}", f"{quantity} (pairwise)",
                                 "pass" if ok_all else "fail", worst, tol, failed_case,
                                 f"{len(common)} cases"))
    return rows


def verify(names: list[str], *, systems_: list[str], device: str, threads: int, timeout: float,
           thorough: bool = False, on_progress=None) -> VerifyReport:
    examples = EXAMPLES["thorough" if thorough else "default"]
    plan = {}
    rows, workers = [], {}
    with tempfile.TemporaryDirectory(prefix="lab-verify-") as tmp:
        for name in names:
            scenario = get(name)
            try:  # the spec's own code, run here: its failure costs this scenario alone
                cases = list(scenario.read("calls", 0)) + hypothesis_cases(scenario, examples)
                refs = [leaves(scenario.read("reference", *c)) for c in cases]
            except Exception as exc:  # noqa: BLE001 - calls, reference or the hypothesis strategy
                why = exc if isinstance(exc, ReadingError) else scenario.reading_error(
                    "strategy", f"raised {type(exc).__name__}: {exc}")
                rows.append(_row(name, "*", "*", "all", "crashed", detail=str(why)))
                continue
            weights = [weights_for(r, seed=i) for i, r in enumerate(refs)]
            path = os.path.join(tmp, f"{scenario.module_name}.npz")
            arrays = {}
            for c, (case, ws) in enumerate(zip(cases, weights)):
                arrays.update({f"c{c}_a{i}": a for i, a in enumerate(case)})
                arrays.update({f"c{c}_w{k}": (w if w is not None else np.empty(0)) for k, w in enumerate(ws)})
            np.savez(path, **arrays)
            plan[name] = {"scenario": scenario, "cases": cases, "refs": refs, "weights": weights, "path": path}
        frameworks = systems.frameworks_of(systems_)
        requests = {fw: {"task": "verify", "cases": {n: p["path"] for n, p in plan.items()},
                         "systems": [s for s in systems_ if systems.get(s).framework == fw]}
                    for fw in frameworks}
        results, interrupted = (run_workers(frameworks, requests, device=device, threads=threads,
                                            timeout=timeout, on_progress=on_progress)
                                if plan else ({}, False))
    for name, p in plan.items():
        scenario = p["scenario"]
        gtol = scenario.field("GRAD_TOL") or DEFAULT_GRAD_TOL
        fd = [fd_or_none(scenario.reference, c, w, gtol) for c, w in zip(p["cases"], p["weights"])]
        per_fw = {}
        for fw in frameworks:
            result = results.get(fw, {"status": "interrupted"})
            workers[fw] = {k: v for k, v in result.items() if k not in ("scenarios", "log")}
            entry = result.get("scenarios", {}).get(name)
            if entry is None or entry.get("status") != "ok":
                status = result["status"] if result["status"] != "ok" else (entry or {}).get("status", "interrupted")
                reason = result.get("reason") if entry is None else entry.get("reason")
                for system in requests[fw]["systems"]:
                    rows.append(_row(name, system, "*", "all", status, detail=reason))
                continue
            per_fw[fw] = entry
            for outcome in entry["outcomes"]:
                try:
                    rows.extend(drift_rows(name, scenario, outcome))
                except ReadingError as exc:  # describe_calls raised: that check alone fails
                    rows.append(_row(name, outcome["system"], outcome["variant"], "outcome", "crashed",
                                     detail=str(exc)))
        rows.extend(_numeric_rows(name, scenario, per_fw, p["cases"], p["refs"], fd))
    statuses = {r.status for r in rows}
    code = errors.outcome(interrupted=interrupted, failed=bool(statuses & {"fail", "crashed"}),
                          drift="drift" in statuses,
                          incomplete=bool(statuses & {"unavailable", "timeout", "interrupted"}))
    return VerifyReport(scenarios=names, systems=systems_, device=device, examples_per_scenario=examples,
                        cases={n: len(plan[n]["cases"]) if n in plan else 0 for n in names},
                        workers=workers, results=rows, exit_code=code)
