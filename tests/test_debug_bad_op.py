"""debug-bad-op, end to end through `lab compare debug-bad-op --json`, plus traceback anatomy."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compare.tracebacks import anatomy
from conftest import FRAMEWORKS, NATIVE, ROOT, runs_of
from compare.discovery import get
from scenarios import debug_bad_op as spec

IMPL = {fw: get("debug-bad-op").impl_file(NATIVE[fw]) for fw in FRAMEWORKS}
WORKING = {"tensorflow": "static", "jax": "static", "torch": "eager"}


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("debug-bad-op")


@pytest.fixture(scope="module")
def eager_doc(compare_doc):
    """The static frameworks run eagerly: their own debugging advice."""
    return compare_doc("debug-bad-op", "--modes", "dynamic", "--frameworks", "tensorflow,jax")


def one(doc, framework, label):
    (run,) = runs_of(doc, framework, label)
    return run


def bug_line(framework: str, function: str) -> int:
    """The line number of the `# BUG` line inside `function` of the framework's file."""
    lines = IMPL[framework].read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("def ", "@"))), len(lines))
    (hit,) = [i + 1 for i in range(start, end) if "# BUG" in lines[i]]
    return hit


# --- the inputs and the reference ---------------------------------------------------------------

def test_calls_plant_one_oov_id_in_call_3_only():
    inputs = spec.calls(0)
    assert len(inputs) == 3
    assert [int((ids >= spec.VOCAB).sum()) for _, _, ids in inputs] == [0, 0, 1]
    assert all(ids.dtype == np.int32 for _, _, ids in inputs)
    # The valid ids never touch the UNK row nor the last row, so clamping and UNK differ visibly.
    for _, _, ids in inputs:
        valid = ids[ids < spec.VOCAB]
        assert valid.min() >= 1 and valid.max() <= spec.VOCAB - 2


def test_reference_reads_the_unk_row_for_oov_ids():
    table, w, ids = spec.calls(0)[2]
    out = spec.reference(table, w, ids)
    bad = int(np.argmax(ids >= spec.VOCAB))
    np.testing.assert_allclose(out[bad], table[spec.UNK] @ w, rtol=1e-6)
    good = ids < spec.VOCAB
    np.testing.assert_allclose(out[good], table[ids[good]] @ w, rtol=1e-6)


def test_every_bug_variant_marks_exactly_one_bug_line_and_forward_none():
    for fw in FRAMEWORKS:
        for function in ("shape_bug", "value_bug"):
            assert bug_line(fw, function) > 0
        source = IMPL[fw].read_text()
        forward = source[source.index("def forward("):source.index("def shape_bug(")]
        assert "# BUG" not in forward


# --- the run ------------------------------------------------------------------------------------

def test_doc_shape(doc):
    assert doc["scenario"] == "debug-bad-op" and doc["_exit_code"] == 0
    assert doc["oov_per_call"] == [0, 0, 1] and doc["vocab"] == spec.VOCAB
    labels = {fw: [r["variant"] for r in runs_of(doc, fw)] for fw in FRAMEWORKS}
    assert labels == {fw: list(spec.VARIANTS[NATIVE[fw]]) for fw in FRAMEWORKS}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_fixed_forward_matches_reference_on_every_call(doc, framework):
    run = one(doc, framework, WORKING[framework])
    assert run["status"] == "ok"
    assert len(run["call_errors"]) == 3
    assert max(run["call_errors"]) <= doc["tolerances"]["atol"]
    assert run["timing"]["steady_median_s"] > 0  # STEADY_STATE = False times the working version only


def test_failing_variants_are_not_timed(doc):
    for run in doc["runs"]:
        if run["variant"] not in WORKING.values():
            assert run["timing"]["steady_median_s"] is None, run["variant"]


def test_shape_bug_tensorflow_message_names_the_line_traceback_does_not(doc):
    run = one(doc, "tensorflow", "shape_bug")
    e = run["error"]
    assert (e["type"], e["call_index"]) == ("ValueError", 0)
    assert e["innermost_user"] is None and not e["points_to_bug"]
    assert [f["origin"] for f in e["frames"]] == ["framework", "generated"]  # AutoGraph's copy
    assert e["message_points_to_bug"]
    assert {"file": "static_impl/tensorflow/debug_bad_op.py",
            "line": bug_line("tensorflow", "shape_bug")} in e["message_locations"]
    assert "Dimensions must be equal" in e["message"]
    assert run["compiles"] == 0  # found while tracing: no trace completed
    assert e["unfiltered_len"] > e["filtered_len"]


def test_shape_bug_jax_traceback_reaches_the_line_from_inside(doc):
    run = one(doc, "jax", "shape_bug")
    e = run["error"]
    assert (e["type"], e["call_index"]) == ("TypeError", 0)
    assert e["points_to_bug"] and not e["message_points_to_bug"]
    assert e["innermost_user"]["line"] == bug_line("jax", "shape_bug")
    # JAX's filtered traceback ends inside jnp's matmul: the BUG line is the last line of yours,
    # and every frame below it is framework code (how many, and their names, are jax's business).
    below = e["frames"][e["frames"].index(e["innermost_user"]) + 1:]
    assert below and e["frames_before_user"] == len(below)
    assert all(f["origin"] == "framework" for f in below)
    assert run["compiles"] == 0
    assert e["unfiltered_len"] > e["filtered_len"]


def test_shape_bug_torch_one_frame_at_the_line(doc):
    e = one(doc, "torch", "shape_bug")["error"]
    assert (e["type"], e["call_index"]) == ("RuntimeError", 0)
    assert e["points_to_bug"] and e["filtered_len"] == 1 and e["frames_before_user"] == 0
    assert e["innermost_user"]["line"] == bug_line("torch", "shape_bug")


def test_value_bug_tensorflow_raises_on_call_3_with_no_user_frame(doc):
    run = one(doc, "tensorflow", "value_bug")
    e = run["error"]
    assert (e["type"], e["call_index"]) == ("InvalidArgumentError", 2)
    assert len(run["call_errors"]) == 2 and max(run["call_errors"]) <= doc["tolerances"]["atol"]
    assert e["innermost_user"] is None and e["frames_before_user"] == e["filtered_len"]
    assert all(f["origin"] == "framework" for f in e["frames"])
    assert e["message_points_to_bug"] and "defined at" in e["message"]
    assert {"file": "static_impl/tensorflow/debug_bad_op.py",
            "line": bug_line("tensorflow", "value_bug")} in e["message_locations"]
    assert f"= {spec.OOV_ID} is not in [0, {spec.VOCAB})" in e["message"]


def test_value_bug_jax_is_silent_and_wrong_only_on_call_3(doc):
    run = one(doc, "jax", "value_bug")
    assert run["status"] == "wrong" and run["error"] is None
    assert run["wrong"]["call_index"] == 2 and run["failed_call"] == 2
    atol = doc["tolerances"]["atol"]
    assert run["call_errors"][0] <= atol and run["call_errors"][1] <= atol
    # Exactly the error of reading the last row instead of UNK: XLA clamps the index.
    table, w, ids = spec.calls(0)[2]
    clamped = np.abs(table[np.clip(ids, 0, spec.VOCAB - 1)] @ w - spec.reference(table, w, ids)).max()
    assert run["call_errors"][2] == pytest.approx(clamped, rel=1e-5)
    assert any("clamped to the last row" in v for v in doc["takeaways"])


def test_value_bug_torch_raises_index_error_at_the_line(doc):
    e = one(doc, "torch", "value_bug")["error"]
    assert (e["type"], e["call_index"]) == ("IndexError", 2)
    assert e["points_to_bug"] and e["filtered_len"] == 1
    assert e["innermost_user"]["line"] == bug_line("torch", "value_bug")
    assert f"index {spec.OOV_ID} is out of bounds" in e["message"]


def test_checkify_catches_the_value_bug_on_call_3(doc):
    run = one(doc, "jax", "value_bug_checked")
    e = run["error"]
    assert (e["type"], e["call_index"]) == ("JaxRuntimeError", 2)
    assert f"index {spec.OOV_ID} is out of bounds for axis 0 with size {spec.VOCAB}" in e["message"]
    assert max(run["call_errors"]) <= doc["tolerances"]["atol"]  # calls 1-2 unchanged by the checks
    # Raised by err.throw() on the host: the traceback's user line is the throw, not the BUG line.
    assert e["innermost_user"]["code"].startswith("err.throw()") and not e["points_to_bug"]


@pytest.mark.parametrize("framework, error_type", [("tensorflow", "InvalidArgumentError"), ("torch", "IndexError")])
def test_tf_and_torch_tools_never_see_the_bad_id(doc, framework, error_type):
    """On CPU the unchecked lookup raises before check_numerics / detect_anomaly can look, and
    the takeaway says so from the message rather than claiming the tool caught it."""
    e = one(doc, framework, "value_bug_checked")["error"]
    assert (e["type"], e["call_index"]) == (error_type, 2)
    assert "Tensor had" not in e["message"] and "returned nan" not in e["message"]
    tool = spec.TOOLS[NATIVE[framework]][0]
    (sentence,) = [t for t in doc["takeaways"] if t.startswith(tool)]
    # What the tool checks comes first (NaN/Inf; anomaly mode: the backward pass), never indices.
    assert sentence.startswith(f"{tool} {spec.CHECKS[tool]}; ") and "not indices" in sentence
    assert f"the unchecked lookup itself raised {error_type} on call 3" in sentence
    assert f"{spec.OOV_ID}" in sentence  # quotes the line of the message that names the bad id
    assert f"{IMPL[framework].relative_to(ROOT)}:" in sentence  # and the lookup's BUG line


def test_checkify_takeaway_says_it_catches(doc):
    (sentence,) = [t for t in doc["takeaways"] if t.startswith("checkify")]
    assert sentence.startswith("checkify (index_checks) checks every indexing operation's indices")
    assert "it reported the bad id: value_bug_checked raised JaxRuntimeError on call 3" in sentence


def test_checkify_cause_carries_the_bug_line():
    """The harness reads exc.__traceback__ only; checkify chains the trace-time location as
    __cause__. Shown in a subprocess (this process must never import a framework)."""
    probe = (
        "import json\n"
        "from compare.tracebacks import anatomy\n"
        "from scenarios.debug_bad_op import calls\n"
        "from static_impl.jax.debug_bad_op import value_bug_checked\n"
        "try:\n"
        "    value_bug_checked(*calls(0)[2])\n"
        "except Exception as exc:\n"
        "    dirs = ('static_impl',)\n"
        "    print(json.dumps([anatomy(exc, dirs), anatomy(exc.__cause__, dirs)]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=300)
    raised, cause = json.loads(out.stdout.strip().splitlines()[-1])
    assert raised["type"] == "JaxRuntimeError" and not raised["points_to_bug"]
    assert cause["type"] == "OOBError" and cause["points_to_bug"]
    assert cause["innermost_user"]["line"] == bug_line("jax", "value_bug")


def test_expected_table_matches_the_run(doc):
    checked = 0
    for (fw, label), expected in spec.EXPECTED.items():
        runs = runs_of(doc, fw, label)
        if not runs:
            continue  # another mode's variant
        (run,) = runs
        for key, value in expected.items():
            actual = run["error"]["type"] if key == "error_type" else run[key]
            assert actual == value, (fw, label, key)
        checked += 1
    assert checked == 9  # the default mode's failing variants


def test_verdicts_say_where_each_bug_shows(doc):
    text = "\n".join(doc["takeaways"])
    assert "tf.function raised InvalidArgumentError on call 3; none of its 2 frames is yours" in text
    assert "but its message names the BUG line (static_impl/tensorflow/debug_bad_op.py:" in text
    assert "torch eager raised IndexError on call 3; its traceback reaches your BUG line" in text
    assert "jax.jit raised nothing and returned a wrong result on call 3" in text
    assert "checkify (index_checks) checks every indexing operation's indices against the bounds, " \
           "and it reported the bad id" in text


def test_running_eagerly_moves_the_traceback_to_the_bug_line(eager_doc):
    for label, call in (("shape_bug_eager", 0), ("value_bug_eager", 2)):
        e = one(eager_doc, "tensorflow", label)["error"]
        assert e["type"] == "InvalidArgumentError" and e["call_index"] == call
        assert e["points_to_bug"] and e["frames_before_user"] == 0
    assert one(eager_doc, "jax", "shape_bug_eager")["error"]["points_to_bug"]
    # Clamping is the gather's semantics, not a jit artefact: op by op it is just as silent.
    run = one(eager_doc, "jax", "value_bug_eager")
    assert run["status"] == "wrong" and run["failed_call"] == 2
    for fw in ("tensorflow", "jax"):
        assert one(eager_doc, fw, "eager")["status"] == "ok"


# --- compare.tracebacks.anatomy on plain Python, no framework -----------------------------------

USER_SRC = '''\
import fwlib


def outer(x):
    return fwlib.apply(inner, x)


def inner(x):
    return fwlib.check(x)  # BUG: passes a negative number on
'''
FW_SRC = '''\
_trampoline = eval(compile("lambda f, x: f(x)", "<generated>", "eval"))


def apply(f, x):
    return _trampoline(f, x)


def check(x):
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x


def fail_naming(path, line):
    raise RuntimeError(f'defined at (most recent call last):\\n  File "{path}", line {line}, in inner')
'''


@pytest.fixture()
def planted(tmp_path, monkeypatch):
    (tmp_path / "user").mkdir()
    (tmp_path / "fw").mkdir()
    (tmp_path / "user" / "usermod.py").write_text(USER_SRC)
    (tmp_path / "fw" / "fwlib.py").write_text(FW_SRC)
    monkeypatch.syspath_prepend(str(tmp_path / "fw"))
    monkeypatch.delitem(sys.modules, "fwlib", raising=False)
    spec_ = importlib.util.spec_from_file_location("usermod_planted", tmp_path / "user" / "usermod.py")
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return tmp_path, module


def test_anatomy_counts_and_classifies_every_frame(planted):
    root, module = planted
    try:
        module.outer(-1)
    except ValueError as exc:
        info = anatomy(exc, (str(root / "user"),), (str(Path(__file__).parent),), root=str(root))
    assert [(f["origin"], f["function"]) for f in info["frames"]] == [
        ("user", "outer"), ("framework", "apply"), ("generated", "<lambda>"),
        ("user", "inner"), ("framework", "check")]
    assert [f["line"] for f in info["frames"]] == [5, 5, 1, 9, 10]
    assert info["frames"][0]["file"] == os.path.join("user", "usermod.py")
    assert info["innermost_user"]["function"] == "inner"
    assert info["points_to_bug"] is True
    assert info["frames_before_user"] == 1
    assert info["filtered_len"] == 5 and info["unfiltered_len"] is None
    assert info["message_points_to_bug"] is False and info["message_locations"] == []
    assert (info["type"], info["message"]) == ("ValueError", "negative: -1")


def test_anatomy_finds_the_bug_line_named_in_the_message(planted):
    root, module = planted
    import fwlib
    path = str(root / "user" / "usermod.py")
    try:
        fwlib.fail_naming(path, 9)
    except RuntimeError as exc:
        info = anatomy(exc, (str(root / "user"),), (str(Path(__file__).parent),), root=str(root))
    assert [f["origin"] for f in info["frames"]] == ["framework"]
    assert info["innermost_user"] is None and info["points_to_bug"] is False
    assert info["frames_before_user"] == 1  # no user frame: every frame counts
    assert info["message_points_to_bug"] is True
    assert info["message_locations"] == [{"file": os.path.join("user", "usermod.py"), "line": 9}]
    try:
        fwlib.fail_naming(path, 5)  # a user line without the marker
    except RuntimeError as exc:
        assert anatomy(exc, (str(root / "user"),))["message_points_to_bug"] is False


# --- the takeaways against altered runs: each sentence follows the fact it cites ------------------

TAKEAWAYS = get("debug-bad-op").field("verdicts")
TOOL = {fw: spec.TOOLS[NATIVE[fw]][0] for fw in FRAMEWORKS}
BLAME = "the unchecked lookup itself raised"


def tool_sentence(doc, framework):
    (sentence,) = [t for t in TAKEAWAYS(doc) if t.startswith(TOOL[framework])]
    return sentence


@pytest.mark.parametrize("framework", ["tensorflow", "torch"])
def test_lookup_is_blamed_only_for_an_index_error_message(altered, framework):
    assert BLAME in tool_sentence(altered, framework)
    e = one(altered, framework, "value_bug_checked")["error"]
    e["message"] = "something unrelated went wrong"
    sentence = tool_sentence(altered, framework)
    assert BLAME not in sentence and "lookup" not in sentence
    assert "its report is not in the message: value_bug_checked raised" in sentence
    assert sentence.startswith(f"{TOOL[framework]} {spec.CHECKS[TOOL[framework]]}")  # still says what it checks


def test_lookup_is_blamed_only_at_the_lookup_line_torch(altered):
    e = one(altered, "torch", "value_bug_checked")["error"]
    # The same message, raised from the projection line (not the lookup, not a BUG line).
    e["innermost_user"] = dict(e["innermost_user"], line=bug_line("torch", "value_bug") + 1,
                               code="return e @ w")
    e["points_to_bug"] = False
    assert BLAME not in tool_sentence(altered, "torch")


def test_lookup_is_blamed_only_at_the_lookup_line_tensorflow(altered):
    e = one(altered, "tensorflow", "value_bug_checked")["error"]
    assert e["innermost_user"] is None  # TF names the line in its message only
    e["message_locations"] = [{"file": loc["file"], "line": loc["line"] + 1} for loc in e["message_locations"]]
    assert BLAME not in tool_sentence(altered, "tensorflow")


def test_checkify_reports_only_with_its_marker_on_the_bad_ids_call(altered):
    assert "it reported the bad id" in tool_sentence(altered, "jax")
    e = one(altered, "jax", "value_bug_checked")["error"]
    e["call_index"] = 1
    assert "not on the bad id's call 3" in tool_sentence(altered, "jax")
    e["call_index"], e["message"] = 2, "index 12 went somewhere"
    sentence = tool_sentence(altered, "jax")
    assert "reported the bad id" not in sentence and "its report is not in the message" in sentence


def test_a_silent_tool_is_said_to_raise_nothing(altered):
    run = one(altered, "torch", "value_bug_checked")
    run.update(status="wrong", error=None, failed_call=2, max_abs_err=1.5)
    assert tool_sentence(altered, "torch").endswith(
        "; it raised nothing: value_bug_checked returned a wrong result on call 3 (max abs err 1.5).")


def test_clamp_sentence_follows_the_measured_error(altered):
    start = "jax.jit's error on call 3"
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "clamped to the last row, silently" in sentence
    one(altered, "jax", "value_bug")["call_errors"][2] *= 2
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "not a clamp" in sentence and "clamped" not in sentence
    one(altered, "jax", "value_bug")["status"] = "ok"
    assert not [t for t in TAKEAWAYS(altered) if t.startswith(start)]


def test_where_sentence_follows_the_anatomy(altered):
    start = "The shape bug (w.T): jax.jit"
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    e = one(altered, "jax", "shape_bug")["error"]
    below = len(e["frames"]) - 1 - e["frames"].index(e["innermost_user"])
    assert f"reaches your BUG line (static_impl/jax/debug_bad_op.py:{bug_line('jax', 'shape_bug')}) " \
           f"with {below} framework frame{'s' if below != 1 else ''} below it" in sentence
    e["frames"][-1]["origin"] = "generated"
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "and 1 generated frame" in sentence
    e["points_to_bug"] = False
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "BUG line" in sentence and "reaches your BUG line" not in sentence
    e["type"] = "NameError"
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "jax.jit raised NameError on call 1" in sentence


def test_message_names_the_bug_line_only_when_it_does(altered):
    start = "The out-of-vocabulary id: tf.function"
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert f"its message names the BUG line (static_impl/tensorflow/debug_bad_op.py:{bug_line('tensorflow', 'value_bug')})" in sentence
    one(altered, "tensorflow", "value_bug")["error"]["message_locations"] = []
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "message names" not in sentence


def test_a_bug_that_raised_nothing_is_not_given_a_traceback(altered):
    run = one(altered, "torch", "value_bug")
    run.update(status="ok", error=None)
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith("The out-of-vocabulary id: torch eager")]
    assert sentence == "The out-of-vocabulary id: torch eager raised nothing and matched the reference on every call."
