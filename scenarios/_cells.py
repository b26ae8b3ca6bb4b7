"""The cause fields of a cell that a spec's own CLAIM_RULE grades (lab/claims.py fills them for
its built-in rule kinds, which a scenario may not import): which of the spec's CAUSES each
troubled run shows, which runs went silently wrong, and which failed for another cause.

A cause's conditions read as in lab/causes.py; only the two these rules need, written here once
(lab/causes.py reads them through `holds`): "error" (a regex over the error's "Type: message")
and "fields" ({name: regex} over the run's facts)."""
import re

OTHER = "other"


def label(run: dict) -> str:
    return f"{run['system']}/{run['variant']}"


CONDITIONS = ("error", "fields")


def holds(condition: str, want, run: dict, facts: dict) -> bool:
    """One of CONDITIONS over the run (its error) and its facts (its fields, or a probe's)."""
    if condition == "error":
        e = run.get("error") or {}
        return run["status"] == "error" and re.search(want, f"{e.get('type')}: {e.get('message') or ''}") is not None
    if condition == "fields":
        return all(re.search(pattern, str(facts.get(name))) for name, pattern in want.items())
    raise ValueError(f"unknown cause condition {condition!r}")


def _shows(run: dict, facts: dict, cause: dict) -> bool:
    return all(holds(condition, want, run, facts) for condition, want in cause.items() if condition != "words")


def judged(runs: list[dict], causes: dict, troubled, said, facts=lambda run: run) -> dict[str, dict]:
    """{label: {run, cause, words, said, silent}} for the runs `troubled(run)` picks: the first of
    the claim's causes their facts show, else OTHER in the run's own words (`said(run)`)."""
    out = {}
    for run in runs:
        if not troubled(run):
            continue
        cause = next((c for c, spec in causes.items() if _shows(run, facts(run), spec)), None)
        words = causes[cause]["words"] if cause else f"another cause: {said(run)}"
        out[label(run)] = {"run": label(run), "cause": cause or OTHER, "words": words, "said": said(run),
                           "silent": False}
    return out


def counted(runs: list[dict], judgement: dict) -> list[dict]:
    """The runs the claim may rest on: all but those that failed for another cause."""
    return [r for r in runs if judgement.get(label(r), {}).get("cause") != OTHER]


def graded(verdict: str, evidence: str, runs: list[dict], judgement: dict, silent: list[dict]) -> tuple:
    """A callable rule's (verdict, evidence, labels, fields): the cause a holds/partly cell rests on
    (the first counted run's), the silent runs ({run, words}) and the unrelated ones, each said in
    the evidence too."""
    mine = [j for j in judgement.values() if j["cause"] != OTHER]
    unrelated = [j for j in judgement.values() if j["cause"] == OTHER]
    cause = mine[0] if mine and verdict in ("holds", "partly") else None
    if cause:
        evidence += f"; cause: {cause['words']}"
    if silent:
        evidence += "; silent: " + "; ".join(f"{s['run'].split('/', 1)[1]} {s['words']}" for s in silent)
    if unrelated:
        evidence += "; not counted, " + "; ".join(f"{u['run'].split('/', 1)[1]}: {u['words']}" for u in unrelated)
    silent = [{**s, "cause": "silent", "said": s["words"], "silent": True} for s in silent]
    return verdict, evidence, [label(r) for r in runs], {
        "cause": cause and cause["cause"], "cause_words": cause and cause["words"],
        "causes": sorted({j["cause"] for j in mine}), "silent": silent, "unrelated": unrelated}


def rule(runs: list[dict], causes: dict, troubled, said, decide, *, facts=lambda run: run,
         silent=lambda run: None, none="no run reached the claim"):
    """A callable rule's whole cell (None without runs): the runs `troubled(run)` picks judged on
    the claim's causes, those of another cause listed and not counted, `silent(run)`'s words for a
    counted run that went wrong without raising; `decide(counted)` -> (verdict, evidence[, cause,
    words]) for the rest, the cause given where it is the runs' together, not one run's. `none` is the
    evidence when no run counts (or a function of the runs that writes it)."""
    if not runs:
        return None
    none = none(runs) if callable(none) else none
    judgement = judged(runs, causes, troubled, said, facts)
    kept = counted(runs, judgement)
    quiet = [{"run": label(r), "words": words} for r in kept if (words := silent(r))]
    verdict, evidence, *cause = decide(kept) if kept else ("not-applicable", none)
    if cause and cause[0]:
        judgement[label(kept[0])] = {"run": label(kept[0]), "cause": cause[0], "words": cause[1],
                                     "said": evidence, "silent": False}
    return graded(verdict, evidence, runs, judgement, quiet)


def claim(keep, causes: dict, troubled, said, decide, **options):
    """A whole callable CLAIM_RULE `(doc, system) -> cell`: the system's runs that `keep(run)`
    accepts, graded by `rule` (its options too)."""
    def graded_rule(doc: dict, system: str):
        runs = [r for r in doc["runs"] if r["system"] == system and keep(r)]
        return rule(runs, causes, troubled, said, decide, **options)
    return graded_rule


def share(hits: int, total: int, some=None) -> str:
    """The verdict by how many counted runs showed what the claim says: all of them holds, some
    (`some`, where the spec counts partial hits apart) partly, none does not hold."""
    return "holds" if hits == total else "partly" if (hits if some is None else some) else "does-not-hold"
