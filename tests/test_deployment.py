"""deployment, end to end through `lab compare deployment --systems all --json`.

Measured on CPU (tensorflow-cpu 2.21, jax 0.10, torch 2.13, g++ on PATH), each artifact loaded by
a fresh `python -I -S` that could not import the lab's modules: the TF 1.x SavedModel, the
tf.function SavedModel (input_signature [None, None]), the serialized jax.export (symbolic batch),
torch.export's .pt2 exported with a dynamic batch, its AOTInductor package and torch.jit.script's
TorchScript all load, match, take a batch of 3 and keep both branches. torch.jit.trace's file
loads and takes a new batch size but returns a wrong result on the other branch, without an error
(the trace recorded one branch). A .pt2 exported with static shapes refuses a batch of 3
("Guard failed: x.size()[0] == 8"). The eager pickles do not load without the source
("No module named 'dynamic_impl'" / "'static_impl'"), torch.compile's compiled module included,
and a jax.jit function does not pickle at all ("it's not the same object as ...naive").
"""
import copy
import re
import shutil

import pytest

from _docs import scoreboard
from scenarios import deployment as spec

GRAPHS = ("tf1-graph", "tf-function", "jax-jit", "torch-jit-script")
PICKLES = {"tf-eager": "static_impl", "torch-eager": "dynamic_impl", "torch-compile": "dynamic_impl"}


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("deployment", "--systems", "all")


def run_of(doc, system, variant=None):
    (run,) = [r for r in doc["runs"] if r["system"] == system and variant in (None, r["variant"])]
    return run


def test_every_system_runs_in_process_and_carries_its_artifact(doc):
    assert doc["_exit_code"] == 0 and not doc["drift"] and not doc["reading_errors"]
    assert {r["system"] for r in doc["runs"]} == set(doc["systems"]) and len(doc["systems"]) == 10
    for run in doc["runs"]:
        assert run["status"] == "ok", (run["system"], run["variant"])
        art = run["artifact"]
        assert set(art) >= {"format", "bytes", "save_s", "load_s", "fresh_process", "source_importable",
                            "loaded", "error", "checks"}
        assert set(art["checks"]) == {"matched", "new_batch_size", "both_branches"}


def test_every_loader_is_a_fresh_python_that_cannot_import_the_source(doc):
    loaded = [a for r in doc["runs"] for a in spec.made(r) if a["bytes"]]
    assert len(loaded) >= 10
    for art in loaded:
        assert art["fresh_process"] is True and art["source_importable"] is False
        assert art["isolation"]["no_site"] and art["isolation"]["isolated"]
        tried = art["import_attempts"]
        assert set(spec.PROJECT_MODULES) <= set(tried)
        assert all(said.startswith("ModuleNotFoundError: No module named") for said in tried.values()), tried
        assert art["load_s"] >= 0 and art["import_s"] > 0 and art["bytes"] > 0


def test_static_graphs_ship_whole(doc):
    for system in GRAPHS:
        art = run_of(doc, system)["artifact"]
        assert art["loaded"] and art["checks"] == {"matched": True, "new_batch_size": True, "both_branches": True}, system
    assert run_of(doc, "torch-export", "dynamic")["artifact"]["checks"] == {
        "matched": True, "new_batch_size": True, "both_branches": True}


def test_a_trace_ships_one_branch_silently(doc):
    art = run_of(doc, "torch-jit-trace")["artifact"]
    assert art["loaded"] and art["checks"] == {"matched": True, "new_batch_size": True, "both_branches": False}
    other = art["tried"]["other_branch"]
    assert other["status"] == "wrong" and other["branch"] == "negative" and other["max_abs_err"] > 0.1


def test_a_pt2_takes_a_new_batch_size_only_with_dynamic_shapes(doc):
    static = run_of(doc, "torch-export", "static")["artifact"]
    assert static["loaded"] and static["checks"]["matched"] and static["checks"]["both_branches"]
    assert static["checks"]["new_batch_size"] is False
    assert static["tried"]["new_batch"]["error"] == f"AssertionError: Guard failed: x.size()[0] == {spec.BATCH}"
    assert run_of(doc, "torch-export", "dynamic")["artifact"]["checks"]["new_batch_size"] is True


def test_aot_inductor_package_where_a_compiler_is_found(doc):
    (package,) = run_of(doc, "torch-export", "dynamic")["more_artifacts"]
    assert run_of(doc, "torch-export", "static")["more_artifacts"] == []
    if package.get("skipped"):  # no C++ compiler on PATH: said in the data, nothing loaded
        assert package["error"].startswith("no C++ compiler") and package["loaded"] is None
        assert not any(shutil.which(c) for c in ("g++", "c++", "clang++"))
        return
    compiler = re.search(r"compiled with (\S+)\)$", package["format"]).group(1)
    assert package["format"].startswith("AOTInductor package") and shutil.which(compiler)
    assert package["loaded"] and package["checks"] == {"matched": True, "new_batch_size": True, "both_branches": True}
    # A shared library inside: far bigger than the .pt2 it was compiled from.
    assert package["bytes"] > 10 * run_of(doc, "torch-export", "dynamic")["artifact"]["bytes"]


def test_eager_pickles_do_not_load_without_the_source(doc):
    for system, package in PICKLES.items():
        art = run_of(doc, system)["artifact"]
        assert art["bytes"] > 0 and art["loaded"] is False, system
        assert art["error"] == f"ModuleNotFoundError: No module named '{package}'", system
        assert art["checks"] == {"matched": None, "new_batch_size": None, "both_branches": None}
    # jax.jit's function is not the module's attribute it wraps: pickle refuses it.
    art = run_of(doc, "jax-eager")["artifact"]
    assert art["bytes"] is None and art["error"].startswith("save raised PicklingError: Can't pickle <function naive")
    assert "it's not the same object as static_impl.jax.deployment.naive" in art["error"]


def test_deprecations_on_the_way_are_data(doc):
    for system in ("torch-jit-trace", "torch-jit-script"):
        art = run_of(doc, system)["artifact"]
        said = {(w["where"], w["category"], w["message"]) for w in art["warnings"]}
        assert ("save", "DeprecationWarning", "`torch.jit.save` is deprecated. Please switch to `torch.export`.") in said
        assert ("load", "DeprecationWarning", "`torch.jit.load` is deprecated. Please switch to `torch.export`.") in said
        assert "`torch.jit.load` is deprecated. Please switch to `torch.export`." in art["deprecations"]
        # The tool's own deprecation is the run's signal, from the run itself.
        assert any(s["kind"] == "deprecation" and s["said"].startswith(f"`torch.jit.{system[10:]}` is deprecated")
                   for s in run_of(doc, system)["signals"])
    # TensorFlow logs its own: TF 1.x's simple_save and loader, without the "From <file>:<line>:" prefix.
    tf1 = run_of(doc, "tf1-graph")["artifact"]["deprecations"]
    assert ("simple_save (from tensorflow.python.saved_model.simple_save) is deprecated and will be removed "
            "in a future version.") in tf1
    assert any(d.startswith("load (from tensorflow.python.saved_model.loader_impl) is deprecated") for d in tf1)
    assert run_of(doc, "jax-jit")["artifact"]["deprecations"] == []
    assert run_of(doc, "tf-function")["artifact"]["deprecations"] == []


def test_takeaways_state_what_ships_and_what_survives(doc):
    text = " ".join(doc["takeaways"])
    assert "torch.jit.trace (deprecated): TorchScript (torch.jit.trace, torch.jit.save)" in text
    assert "took a batch of 3 and lost the other branch (a wrong result there, without an error)" in text
    assert f"torch.export, static: torch.export .pt2 (static shapes)" in text
    assert "torch eager: torch.save of the module (a pickle)" in text
    assert "it did not load: ModuleNotFoundError: No module named 'dynamic_impl'" in text
    assert "that could not import the lab's source" in text
    assert ("shipped (loaded without the source, every check passed): TF 1.x graph + Session, tf.function, jax.jit, "
            "torch.export, dynamic, torch.jit.script (deprecated)") in text


CELLS = {"tf1-graph": "holds", "tf-function": "holds", "tf-eager": "does-not-hold", "jax-jit": "holds",
         "jax-eager": "does-not-hold", "torch-eager": "does-not-hold", "torch-compile": "does-not-hold",
         "torch-export": "partly", "torch-jit-trace": "partly", "torch-jit-script": "holds"}


def test_claim_holds_where_the_artifact_survived(doc):
    (row,) = scoreboard(doc)["claims"]
    assert {s: c["verdict"] for s, c in row["cells"].items()} == CELLS
    assert row["cells"]["torch-export"]["cause"] == "fixed-shape"
    assert row["cells"]["torch-jit-trace"]["cause"] == "baked-branch"
    assert "No module named 'dynamic_impl'" in row["cells"]["torch-eager"]["evidence"]
    assert not any(c["unrelated"] for c in row["cells"].values())


def test_claim_follows_the_data(doc):
    altered = copy.deepcopy(doc)
    trace = run_of(altered, "torch-jit-trace")["artifact"]
    trace["checks"]["both_branches"] = True
    trace["tried"]["other_branch"]["status"] = "ok"
    assert spec.claim_rule(altered, "torch-jit-trace")[0] == "holds"
    # A loader that crashed is another cause: listed, not counted.
    script = run_of(altered, "torch-jit-script")["artifact"]
    script.update(loaded=False, error="loader failed: Segmentation fault", loader_failed=True)
    verdict, evidence, _, fields = spec.claim_rule(altered, "torch-jit-script")
    assert verdict == "not-applicable" and [u["run"] for u in fields["unrelated"]] == ["torch-jit-script/scripted"]
    assert "loader failed: Segmentation fault" in evidence


def test_inputs_take_the_branches_they_are_named_for():
    x, W = spec.calls(0)[0]
    assert all(spec._branch(c[0], c[1]) for c in spec.calls(0))
    trips = spec.trip_inputs(x, W)
    assert spec._branch(trips["new_batch"], W) and not spec._branch(trips["other_branch"], W)
    assert trips["new_batch"].shape[0] != x.shape[0]
