"""speed, end to end through `lab compare speed --systems all --json`, on the short sweep
(LAB_SWEEP=short, set for the whole suite in conftest.py: 4 and 1,024 rows, every compile paid).

Measured on CPU, 2 cores under load, one thread per worker (torch 2.13, tensorflow-cpu 2.21,
jax 0.10), short sweep, steady-state speed-up over the framework's eager system at 4 / 1,024 rows:
jax.jit 26× / 1.8× on the chain and 419× / 60× on the training step (op by op, JAX traces the
gradient again on every call), paid back after 1 call (op by op, JAX compiles every primitive per
shape on its first call, so its first call costs more than jit's); TF 1.x 6.2× / 6.5× and
tf.function 3.1× / 4.5× on the training step (paid back after 21-96 calls); torch.compile
(inductor) ~1× at these sizes, its cold first compile 1-11 s. torch.export, torch.jit.trace and
torch.jit.script refuse the training step as written. These numbers move with the load; the
tests assert the lessons (jit wins over op by op at small sizes, the arithmetic of the break-even,
who compiles again per size, what refuses), never the timings.
"""
import copy
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

from compare import systems
from compare.contract import ReadingError
from compare.discovery import get
from _docs import typed
from compare.results import Run
from lab.charts import speedup_series, sweep_sizes
from _docs import scoreboard
from lab.session import relate
from scenarios import speed as spec

REFUSE_TRAINING = {  # the tool's own words, measured (torch 2.13)
    "torch-export": "We found a fake tensor in the exported program constant's list",
    "torch-jit-trace": "Cannot insert a Tensor that requires grad as a constant",
    "torch-jit-script": "python value of type 'float' cannot be used as a value",
}


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("speed", "--systems", "all")


def run(doc, system, variant):
    (found,) = [r for r in doc["runs"] if (r["system"], r["variant"]) == (system, variant)]
    return found


def eager_of(system: str) -> str:
    """The framework's eager system, from the registry."""
    (eager,) = [s.id for s in systems.of_framework(systems.get(system).framework) if not s.static]
    return eager


def test_the_full_sweep_spans_dispatch_to_memory_bound_without_running(monkeypatch):
    monkeypatch.delenv("LAB_SWEEP", raising=False)
    sizes = spec.sizes()
    assert len(sizes) >= 4 and list(sizes) == sorted(set(sizes))
    assert math.log10(sizes[-1] / sizes[0]) >= 3  # at least 3 orders of magnitude
    assert [c[0].shape[0] for c in spec.calls(0)] == list(sizes)  # one growing call per size
    # The document's inputs say the sweep (a replace once renamed describe_calls, and they went missing).
    assert spec.describe_calls(spec.calls(0))["sweep_rows"] == list(sizes)
    monkeypatch.setenv("LAB_SWEEP", "short")
    short = spec.sizes()
    assert len(short) == 2 and short[0] == sizes[0] and short[1] > short[0]


def test_every_system_runs_every_workload_it_can_and_records_why_not(doc):
    assert doc["_exit_code"] == 0 and not doc["drift"] and not doc["reading_errors"]
    assert set(doc["systems"]) == set(systems.IDS)
    sizes = list(spec.sizes())
    for r in doc["runs"]:
        assert r["workload"] in spec.WORKLOADS, (r["system"], r["variant"])
        if r["status"] == "ok":
            assert [e["size"] for e in r["sweep"]] == sizes
            for e in r["sweep"]:
                assert e["error"] is None and e["matched"] is True, (r["system"], r["variant"], e)
                assert e["first_s"] > 0 and e["steady_s"] > 0
        else:  # not evidence for or against speed: no sweep at all
            assert r["sweep"] == []
    for system, words in REFUSE_TRAINING.items():
        r = run(doc, system, "mlp")
        assert r["status"] == "error" and r["error"]["type"] == "RuntimeError"
        assert words in r["error"]["message"]
        assert run(doc, system, "chain")["status"] == "ok"  # the chain goes through every tool


def test_torch_compile_runs_inductor_whatever_the_lab_wide_default(doc):
    for variant in ("chain", "mlp"):
        r = run(doc, "torch-compile", variant)
        assert r["capture"]["backend"] == "inductor" and r["timing"]["backend"] == "inductor"


def test_break_even_is_the_arithmetic_of_first_call_and_steady_state(doc):
    checked = 0
    for r in doc["runs"]:
        if r["mode"] != "static" or r["status"] != "ok":
            continue
        base = run(doc, eager_of(r["system"]), r["variant"].split("-")[0])
        assert r["baseline"] == f"{base['system']}/{base['variant']}"
        for e, b in zip(r["sweep"], base["sweep"]):
            assert e["speedup"] == pytest.approx(b["steady_s"] / e["steady_s"])
            n = e["break_even_calls"]
            if e["steady_s"] >= b["steady_s"]:
                assert n is None  # never paid back: not faster per call
                continue
            def cost(calls, first, steady):
                return first + (calls - 1) * steady
            assert n >= 1 and cost(n, e["first_s"], e["steady_s"]) <= cost(n, b["first_s"], b["steady_s"]) * (1 + 1e-9)
            if n > 1:  # and not one call sooner
                assert cost(n - 1, e["first_s"], e["steady_s"]) > cost(n - 1, b["first_s"], b["steady_s"])
            checked += 1
    assert checked  # at least one compiled run pays back somewhere (jax.jit does)
    for eager in ("tf-eager", "jax-eager", "torch-eager"):  # the baselines carry no break-even
        assert all(e["break_even_calls"] is None for r in doc["runs"] if r["system"] == eager for e in r["sweep"])


def test_a_compiled_graph_beats_op_by_op_where_dispatch_dominates(doc):
    small = spec.sizes()[0]
    for system, variant in (("jax-jit", "chain"), ("jax-jit", "mlp"), ("tf1-graph", "mlp"), ("tf-function", "mlp")):
        e = run(doc, system, variant)["sweep"][0]
        assert e["size"] == small and e["faster"] is True and e["break_even_calls"] is not None, (system, variant, e)
    # jax op by op traces the gradient on every call: the jitted step wins by far the most.
    jit = run(doc, "jax-jit", "mlp")["sweep"][0]["speedup"]
    assert jit > 10 and jit > run(doc, "jax-jit", "chain")["sweep"][0]["speedup"]


def test_one_function_at_growing_sizes_compiles_per_shape_or_once(doc):
    # tf.function and jax.jit trace anew for a new input shape; a TF 1.x graph with a [None, 32]
    # placeholder, an export with a dynamic batch and a trace serve every size with one graph.
    for system, variant in (("tf-function", "chain"), ("tf-function", "mlp-xla"), ("jax-jit", "mlp")):
        assert run(doc, system, variant)["call_compiles"] == [1, 1]
        assert run(doc, system, variant)["sweep"][1]["growing_compiles"] == 1
    for system in ("tf1-graph", "torch-export", "torch-jit-trace"):
        assert run(doc, system, "chain")["call_compiles"] == [1, 0]
    text = " ".join(doc["takeaways"])
    assert "compiled again for new sizes: " in text and "compiled once and ran every size: " in text


def test_takeaways_use_the_registry_labels_and_say_what_refused(doc):
    text = " ".join(doc["takeaways"])
    assert "jax.jit against jax op-by-op (disable_jit): " in text
    assert "tf.function (jit_compile=True, XLA) against tf eager (run_functions_eagerly)" in text
    assert "Could not run a workload, so no evidence for or against speed: torch.export on mlp (RuntimeError" in text
    assert not re.search(r"\b(jax-jit|tf-eager|torch-eager) ", text)  # ids never stand for labels


def test_the_cells_say_where_faster_by_how_much_and_after_how_many_calls(doc):
    (row,) = scoreboard(doc)["claims"]
    cells = row["cells"]
    for eager in ("tf-eager", "jax-eager", "torch-eager"):
        assert cells[eager]["verdict"] == "not-applicable" and cells[eager]["evidence"].startswith("the baseline")
    for system in systems.static_ids():
        runs = [r for r in doc["runs"] if r["system"] == system and r["status"] == "ok"]
        points = [e for r in runs for e in r["sweep"]]
        faster = [e for e in points if e["faster"] is True]
        want = "holds" if len(faster) == len(points) else "partly" if faster else "does-not-hold"
        c = cells[system]
        assert c["verdict"] == want, (system, c["evidence"])
        # On this benefit row a cell holds on the speed-up itself, measured, and says so.
        assert c["cause"] == ("faster" if faster else None) and (not faster or c["cause_words"] in c["evidence"])
        if faster:
            assert "up to " in c["evidence"] and "× at " in c["evidence"]
        if any(e["break_even_calls"] is not None for e in faster):
            assert "paid back after " in c["evidence"]
    # A workload the tool refused is listed, not counted.
    for system in REFUSE_TRAINING:
        assert [u["run"] for u in cells[system]["unrelated"]] == [f"{system}/mlp"]
        assert "not counted, mlp: another cause: RuntimeError" in cells[system]["evidence"]


def test_the_cell_and_the_break_even_follow_altered_data(doc):
    altered = copy.deepcopy(doc)
    for r in altered["runs"]:
        if r["system"] == "jax-eager":  # op by op now as fast as jit: no speed-up left anywhere
            jit = run(altered, "jax-jit", r["variant"])
            for e, j in zip(r["sweep"], jit["sweep"]):
                e["steady_s"] = j["steady_s"]
    related = spec.relate(altered)
    for label, fields in related.items():
        if label.startswith("jax-jit/"):
            assert all(e["break_even_calls"] is None and e["faster"] is None for e in fields["sweep"])
            run(altered, *label.split("/"))["sweep"] = fields["sweep"]
    verdict, evidence, *_ = spec.claim_rule(altered, "jax-jit")
    assert verdict == "does-not-hold" and "faster at no size" in evidence


def test_relate_is_checked_like_every_reading(doc):
    scenario = get("speed")
    scenario.fields = dict(scenario.fields, relate=lambda d: {"no-such/run": {}})
    data = copy.deepcopy(doc)
    typed = SimpleNamespace(runs=[Run.from_dict(r) for r in data["runs"]])  # what relate reads of a CompareDoc
    with pytest.raises(ReadingError, match="relate did not return"):
        relate(typed, data, scenario)


def test_the_charts_carry_speed_up_against_size_with_the_break_even(doc):
    from lab.views.render import speedup_tables
    from lab.views.web import svg
    series = speedup_series(typed(doc).runs)
    measured = [r for r in doc["runs"] if r["mode"] == "static" and r["status"] == "ok"]
    assert len(series) == len(measured)
    assert sweep_sizes(series) == list(spec.sizes())
    tables = speedup_tables(typed(doc))
    assert [t.title.split(":")[0] for t in tables] == ["chain", "mlp"]
    for table, workload in zip(tables, ("chain", "mlp")):
        rows = [x for x in series if x["workload"] == workload]
        assert len(table.columns) == 2 + len(spec.sizes()) + 1 and table.row_count == 2 * len(rows)
        # Under each size, the speed-up of every run and, a row below, its break-even, from the data.
        first = [cell.plain for cell in table.columns[2]._cells]
        assert first[1::2] == ["never" if x["points"][0]["break_even_calls"] is None
                               else f"{x['points'][0]['break_even_calls']:,}" for x in rows]
        assert [float(c.rstrip("×").replace(",", "")) for c in first[::2]] == \
            [pytest.approx(x["points"][0]["speedup"], rel=0.06, abs=0.006) for x in rows]
    drawn = svg.speedup([s for s in series if s["workload"] == "chain"])
    chain = [s for s in series if s["workload"] == "chain"]
    assert drawn.count("<path ") == len(chain) and drawn.count("<circle ") == sum(len(s["points"]) for s in chain)
    e = chain[0]["points"][0]
    paid = "never" if e["break_even_calls"] is None else f"{e['break_even_calls']:,}"
    assert f"paid back after {paid} calls" in drawn


def test_the_arithmetic_and_the_reference_check_without_a_worker():
    assert spec.break_even(first_c=1.0, steady_c=0.001, first_e=0.0, steady_e=0.002) == 1001
    assert spec.break_even(first_c=0.1, steady_c=0.001, first_e=0.5, steady_e=0.002) == 1  # cheaper at once
    assert spec.break_even(first_c=0.1, steady_c=0.002, first_e=0.0, steady_e=0.002) is None  # never faster
    arrays = spec.inputs(4)
    want = spec.mlp_reference(*arrays)
    assert spec._matches([np.asarray(w, np.float32) for w in want], want)[0]
    wrong = [np.asarray(w, np.float32) + 1e-2 for w in want]
    assert spec._matches(wrong, want)[0] is False
    # A NaN or a wrong shape is a mismatch with no error size to report (the JSON stays strict).
    assert spec._matches([np.full((4, spec.WIDTH), np.nan)], spec.chain_reference(*arrays)) == (False, None)
    assert spec._matches([np.zeros((2, 2))], spec.chain_reference(*arrays)) == (False, None)
