"""graph-lifetime, end to end through `lab compare graph-lifetime --systems all --json`.

Measured on CPU (torch 2.13, tensorflow-cpu 2.21, jax 0.10.2): a second loss.backward() on one
forward raises "Trying to backward through the graph a second time" in every PyTorch system, and
retain_graph=True keeps the graph, except in torch.compile, whose compiled backward raises "This
backward function was compiled with non-empty donated buffers which requires create_graph=False
and retain_graph=False". A non-persistent GradientTape gives one gradient ("A non-persistent
GradientTape can only be used to compute one set of gradients"), a persistent one any number.
TF 1.x runs its gradient ops again, and a jax.vjp pullback can be called again, with the same
gradient.
"""
import copy

import numpy as np
import pytest

from scenarios import graph_lifetime as spec
from _docs import copy_of as _doc, graded as _cell, run_in as _run, scoreboard

TORCH = ("torch-eager", "torch-compile", "torch-export", "torch-jit-trace", "torch-jit-script")


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("graph-lifetime", "--systems", "all")


def lives(doc, system):
    runs = [r for r in doc["runs"] if r["system"] == system]
    assert runs
    return [r["lifetime"] for r in runs]


def test_every_run_works_and_carries_its_lifetime(doc):
    assert doc["_exit_code"] == 0 and not doc["drift"]
    for run in doc["runs"]:
        assert run["status"] == "ok", (run["system"], run["variant"])
        life = run["lifetime"]
        assert life["second_backward"] in ("ok", "error") and life["retain_graph"] in ("ok", "error", "n/a")
        assert (life["second_backward_error"] is None) == (life["second_backward"] == "ok")
        assert (life["retain_graph"] == "n/a") == (life["retain_option"] is None)


def test_pytorch_frees_the_graph_after_one_backward(doc):
    for system in TORCH:
        for life in lives(doc, system):
            assert life["second_backward"] == "error"
            assert life["second_backward_error"].startswith(
                "RuntimeError: Trying to backward through the graph a second time"), system


def test_retain_graph_keeps_it_except_in_torch_compile(doc):
    for system in ("torch-eager", "torch-export", "torch-jit-trace", "torch-jit-script"):
        for life in lives(doc, system):
            assert life["retain_graph"] == "ok" and life["same_gradient_twice"], system
    for life in lives(doc, "torch-compile"):
        assert life["retain_graph"] == "error"
        assert "compiled with non-empty donated buffers" in life["retain_graph_error"]
        assert "retain_graph=False" in life["retain_graph_error"]


def test_a_gradient_tape_gives_one_gradient_unless_persistent(doc):
    for system in ("tf-function", "tf-eager"):
        for life in lives(doc, system):
            assert life["second_backward_error"].startswith(
                "RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients")
            assert life["retain_option"] == "persistent=True" and life["retain_graph"] == "ok"
            assert life["same_gradient_twice"]


def test_static_graphs_compute_the_gradient_again(doc):
    for system in ("tf1-graph", "jax-jit", "jax-eager"):
        for life in lives(doc, system):
            assert (life["second_backward"], life["retain_graph"]) == ("ok", "n/a")
            assert life["same_gradient_twice"] is True, system
    # TF 1.x records nothing per call: no recording cost to measure.
    assert all(life["record_cost_s"] is None for life in lives(doc, "tf1-graph"))


def test_recording_is_measured_beside_the_plain_forward(doc):
    for run in doc["runs"]:
        life = run["lifetime"]
        if life["record_tool"] is None:
            continue
        assert life["forward_s"] > 0 and life["recording_s"] > 0
        assert life["record_cost_s"] == pytest.approx(life["recording_s"] - life["forward_s"])
    # jax.vjp traces the forward anew on every call: 20x and more the jitted forward here.
    for life in lives(doc, "jax-jit"):
        assert life["recording_s"] > 3 * life["forward_s"]


def test_takeaways_state_the_measured_lifetimes(doc):
    text = " ".join(doc["takeaways"])
    assert ("torch eager, torch.export, torch.jit.trace (deprecated), torch.jit.script (deprecated): the second "
            "backward raised RuntimeError: "
            "Trying to backward through the graph a second time; with retain_graph=True it ran") in text
    assert ("torch.compile: the second backward raised RuntimeError: Trying to backward through the graph a "
            "second time; with retain_graph=True it raised RuntimeError: This backward function was compiled "
            "with non-empty donated buffers") in text
    assert ("TF 1.x graph + Session, jax.jit, jax op-by-op (disable_jit): the second backward on the same "
            "forward ran and gave the same gradient") in text
    assert "TF 1.x graph + Session: nothing is recorded per call" in text


def test_takeaways_and_claim_follow_the_data(doc):
    altered = copy.deepcopy(doc)
    for run in altered["runs"]:
        if run["system"] == "torch-compile":
            run["lifetime"].update(retain_graph="ok", retain_graph_error=None, same_gradient_twice=True)
        if run["system"] == "jax-jit" and run["variant"] == "naive":
            run["lifetime"].update(second_backward="error", second_backward_error="ValueError: gone")
    text = " ".join(spec.verdicts(altered))
    assert "donated buffers" not in text
    assert ("torch eager, torch.compile, torch.export, torch.jit.trace (deprecated), torch.jit.script (deprecated): "
            "the second backward raised") in text
    assert spec.claim_rule(doc, "jax-jit")[0] == "does-not-hold"
    verdict, evidence, labels, _ = spec.claim_rule(altered, "jax-jit")
    # Another error than a freed graph is not the claim's: listed, not counted.
    assert verdict == "does-not-hold" and "not counted, naive: another cause: ValueError: gone" in evidence
    assert labels == ["jax-jit/naive", "jax-jit/static"]


# The cell of each system and the cause it rests on, measured (`lab claims graph-lifetime --systems all`).
CELLS = {"tf1-graph": ("does-not-hold", None), "tf-function": ("holds", "freed"), "tf-eager": ("holds", "freed"),
         "jax-jit": ("does-not-hold", None), "jax-eager": ("does-not-hold", None),
         **{system: ("holds", "freed") for system in TORCH}}


def test_claim_rests_on_the_freed_graph(doc):
    (row,) = scoreboard(doc)["claims"]
    assert {s: (c["verdict"], c["cause"]) for s, c in row["cells"].items()} == CELLS
    for system, (verdict, cause) in CELLS.items():
        c = row["cells"][system]
        assert not c["silent"] and not c["unrelated"]
        if cause:  # the framework's own words, which the cause's condition read
            said = ("Trying to backward through the graph a second time" if system.startswith("torch")
                    else "A non-persistent GradientTape can only be used to compute one set of gradients")
            assert said in c["evidence"] and c["cause_words"] in c["evidence"]


def test_lifetime_cells_follow_the_cause_and_the_silence(doc):
    """Alter a real document: the cell follows the second backward's cause and its silence."""
    altered = _doc([doc], "graph-lifetime")
    # torch eager's second backward failing for another reason is not a freed graph.
    _run(altered, "torch-eager", "eager")["lifetime"]["second_backward_error"] = "RuntimeError: out of memory"
    c = _cell(altered, "torch-eager")
    assert (c["verdict"], c["cause"]) == ("not-applicable", None)
    assert [(u["run"], u["said"]) for u in c["unrelated"]] == [("torch-eager/eager", "RuntimeError: out of memory")]
    # One of torch.export's two runs keeps its graph: the claim only partly holds there.
    _run(altered, "torch-export", "static")["lifetime"].update(second_backward="ok", second_backward_error=None)
    assert (_cell(altered, "torch-export")["verdict"], _cell(altered, "torch-export")["cause"]) == ("partly", "freed")
    # A second gradient that ran but differs is silent, and said.
    _run(altered, "jax-jit", "naive")["lifetime"]["same_gradient_twice"] = False
    c = _cell(altered, "jax-jit")
    assert [x["run"] for x in c["silent"]] == ["jax-jit/naive"] and "silent: naive ran the second backward" in c["evidence"]


def test_the_hand_written_gradient_is_the_gradient():
    x, W = spec.calls(0)[0]
    x, W = x.astype(np.float64), W.astype(np.float64)
    eps, (i, j) = 1e-6, (3, 5)
    bumped = W.copy()
    bumped[i, j] += eps

    def loss(W):  # the reference's forward, in float64 throughout
        h = x
        for _ in range(spec.DEPTH):
            h = np.tanh(h @ W)
        return np.sum(h * h)
    numeric = (loss(bumped) - loss(W)) / eps
    assert spec.reference_grad(x, W)[i, j] == pytest.approx(numeric, rel=1e-3)
