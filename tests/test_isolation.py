"""Each worker imports its own framework and no other; one worker per framework serves every
scenario of a command, and each scenario still pays its own traces and compiles."""
import time

from conftest import SCENARIOS, invoke, runs_of
from lab.strict_json import loads_strict
from shadows.make import shadow

HANG_TIMEOUT = 25


def test_each_worker_loaded_only_its_framework(compare_doc):
    doc = compare_doc("control-flow")
    for fw, info in doc["frameworks"].items():
        assert info["status"] == "ok"
        assert info["info"]["foreign_modules"] == [], fw


def test_a_hanging_jax_does_not_touch_tensorflow(tmp_path):
    """TensorFlow 2.21 imports jax when it is installed; the TF worker blocks it."""
    env = {"PYTHONPATH": str(shadow(tmp_path, "jax", "hang"))}
    start = time.monotonic()
    # The hung import takes the whole --timeout; TF's own work (import and one run) fits in it.
    result = invoke(["compare", "control-flow", "--json", "--repeats", "1", "--frameworks",
                     "tensorflow,jax", "--timeout", str(HANG_TIMEOUT)], env=env)
    doc = loads_strict(result.stdout)
    assert doc["frameworks"]["tensorflow"]["status"] == "ok"
    assert all(r["status"] == "ok" for r in runs_of(doc, "tensorflow"))
    assert doc["frameworks"]["jax"]["status"] == "timeout"
    assert result.exit_code == 3
    assert time.monotonic() - start < HANG_TIMEOUT + 20


def test_one_worker_per_framework_for_every_scenario():
    from lab.session import run_many
    names = SCENARIOS[:2]
    docs = [d.to_dict() for d in run_many(names, systems_=["jax-jit", "torch-eager"], repeats=1, device="cpu",
                                          threads=1, timeout=300)]
    assert [d["scenario"] for d in docs] == names
    for fw in ("jax", "torch"):
        pids = {d["frameworks"][fw]["info"]["pid"] for d in docs}
        assert len(pids) == 1, fw  # one process served both scenarios
    for doc in docs:
        # Fresh functions per scenario: the second scenario's first call compiles too.
        for run in runs_of(doc, "jax-jit"):
            if run["status"] == "ok":
                assert run["call_compiles"][0] >= 1, (doc["scenario"], run["variant"])
