"""The readings toolkit's shared shapes (scenarios/_readings.py, scenarios/_cells.py), on plain
runs: no worker starts."""
from scenarios import _cells
from scenarios._readings import at, constructs, each, printed, series


def test_series_joins_the_last_item_with_its_word():
    assert series([]) == "" and series(["a"]) == "a"
    assert series(["a", "b"]) == "a and b" and series(["a", "b"], "or") == "a or b"
    assert series(iter(["4", "64", "1,024"])) == "4, 64 and 1,024"


def test_each_names_every_run_by_its_variant_unless_told():
    runs = [{"variant": "naive", "n": 1}, {"variant": "static", "n": 2}]
    assert each(runs, lambda r: f"{r['n']} calls") == "naive: 1 calls; static: 2 calls"
    assert each(runs, lambda r: "ran", lambda r: r["n"]) == "1: ran; 2: ran"


def test_the_site_constructs_and_print_writers_read_the_run():
    assert at({"file": "static_impl/jax_impl.py", "line": 42, "code": "if x:"}) == "static_impl/jax_impl.py:42"
    assert constructs({"tf.cond": 1, "tf.while_loop": 2}) == "tf.cond ×1, tf.while_loop ×2"
    assert constructs({"tf.cond": 1, "tf.while_loop": 2}, " and ") == "tf.cond ×1 and tf.while_loop ×2"
    assert constructs({}) == ""
    run = {"print_counts": [1, 0, 2, 0, 0], "inspection": "symbolic"}
    assert printed(run, "jax.jit", 5) == "jax.jit printed on 2 of 5 calls (symbolic)"
    assert printed(run, "jax.jit", 5, ": `Traced`") == "jax.jit printed on 2 of 5 calls (symbolic: `Traced`)"


def test_share_grades_by_how_many_runs_showed_it():
    assert [_cells.share(2, 2), _cells.share(1, 2), _cells.share(0, 2)] == ["holds", "partly", "does-not-hold"]
    # a spec that counts partial hits apart (deployment: matched, not shipped) says so
    assert _cells.share(0, 2, some=[{"run": 1}]) == "partly" and _cells.share(0, 2, some=[]) == "does-not-hold"


def test_claim_grades_the_systems_kept_runs_and_writes_none_from_them():
    runs = [{"system": "a", "variant": "v", "status": "ok", "keep": True},
            {"system": "a", "variant": "w", "status": "error", "keep": False, "error": {"type": "E"}},
            {"system": "b", "variant": "v", "status": "error", "keep": True, "error": {"type": "E"}}]
    seen = []

    def decide(counted):
        seen.append([r["variant"] for r in counted])
        return _cells.share(sum(r["status"] == "ok" for r in counted), len(counted)), "said"

    rule = _cells.claim(lambda r: r["keep"], {}, lambda r: r["status"] != "ok", lambda r: "broke", decide,
                        none=lambda kept: f"{len(kept)} run(s), none counted")
    verdict, evidence, labels, fields = rule({"runs": runs}, "a")
    assert (verdict, evidence, labels, seen) == ("holds", "said", ["a/v"], [["v"]])
    verdict, evidence, labels, fields = rule({"runs": runs}, "b")  # its one run failed for another cause
    assert verdict == "not-applicable" and evidence.startswith("1 run(s), none counted")
    assert [u["run"] for u in fields["unrelated"]] == ["b/v"]
    assert rule({"runs": runs}, "c") is None
