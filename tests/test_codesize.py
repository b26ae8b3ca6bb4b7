"""Code-size counting and the eager/static diff on fixed snippets with known counts."""
import textwrap

import pytest

from compare.codesize import measure, variant_source
from compare.diff import changed_lines, normalise
from compare.systems import EAGER_BASELINE
from conftest import ROOT, SCENARIOS, SYSTEMS
from lab.strict_json import loads_strict

SNIPPET = textwrap.dedent('''
    """Module docstring: prose, not code."""
    import tensorflow as tf

    # a comment line


    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def forward(x):  # trailing comment
        """Docstring."""
        y = tf.cond(x[0] > 0, lambda: x, lambda: -x)
        return tf.while_loop(lambda y: y[0] > 1, lambda y: (y / 2,), (y,))
''')


def test_lines_exclude_blanks_comments_and_docstrings():
    counts = measure(SNIPPET)
    # import, decorator, def, y = ..., return ...
    assert counts["lines"] == 5


def test_tokens_and_chars_exact():
    counts = measure("y = x + 1  # comment\n")
    assert counts["tokens"] == 5            # y = x + 1
    assert counts["chars"] == 5             # whitespace and the comment excluded
    assert measure("f(a, b)\n")["tokens"] == 6


def test_constructs_counted_from_code_not_comments():
    counts = measure(SNIPPET + "# tf.cond in a comment does not count\n")
    assert counts["constructs"] == {"tf.cond": 1, "tf.while_loop": 1, "input_signature": 1,
                                    "TensorSpec": 1}


def test_jax_constructs():
    src = ("from functools import partial\n"
           "@partial(jax.jit, static_argnums=1)\n"
           "def f(x, n):\n"
           "    mask = jnp.arange(n) < 3\n"
           "    return lax.scan(step, 0, jnp.pad(x, (0, n)))[0] * mask\n")
    c = measure(src)["constructs"]
    assert c == {"static_argnums": 1, "lax.scan": 1, "padding": 1, "masking": 2}


def test_variant_source_follows_private_helpers_only():
    src = ("def _helper(x):\n    return x\n\n"
           "def other(x):\n    return x\n\n"
           "def forward(x):\n    return _helper(other(x))\n")
    text = variant_source(src, "forward")
    assert "def _helper" in text and "def forward" in text and "def other" not in text
    assert variant_source(src, "missing") == ""


def test_normalise_ignores_framework_namespaces():
    assert normalise("y = torch.sin(x) * 4.0  # c") == normalise("y = tf.sin(x) * 4.0")
    assert normalise("y = jnp.sin(x) * 4.0") == "y = F.sin(x) * 4.0"


def test_changed_lines_aligned_by_function():
    eager = "def forward(x):\n    y = torch.sin(x)\n    if y.sum() > 0:\n        y = -y\n    return y\n"
    static = ("@tf.function\n"
              "def forward(x):\n"
              "    y = tf.sin(x)\n"
              "    y = tf.cond(tf.reduce_sum(y) > 0, lambda: -y, lambda: y)\n"
              "    return y\n"
              "\n"
              "def helper(z):\n"
              "    return z\n")
    diff = changed_lines(eager, static)
    # decorator and the tf.cond line differ; the whole helper is static-only.
    assert diff["changed"] == [1, 4, 7, 8]
    assert diff["functions"]["forward"] == {"changed": 2, "lines": 5, "only_static": False}
    assert diff["functions"]["helper"] == {"changed": 2, "lines": 2, "only_static": True}


def test_alias_in_eager_file_is_a_counterpart():
    eager = "def forward(x):\n    return x + 1\n\nnaive = forward\n"
    static = "def naive(x):\n    return x + 1\n"
    assert changed_lines(eager, static)["functions"]["naive"]["changed"] == 0


def test_lab_diff_aligns_each_static_function_with_its_eager_twin():
    from conftest import invoke
    result = invoke(["diff", "control-flow", "--json"])
    assert result.exit_code == 0, result.stderr
    view = loads_strict(result.stdout)
    eager_lines = (ROOT / view["eager_file"]).read_text().splitlines()
    assert list(view["systems"]) == ["tf-function", "jax-jit"]  # the default trio less the eager baseline
    for fw, info in view["systems"].items():
        static_lines = (ROOT / info["file"]).read_text().splitlines()
        by_name = {f["function"]: f for f in info["functions"]}
        assert by_name["forward"]["in_eager"] and by_name["naive"]["in_eager"]
        for fn in info["functions"]:
            # Both sides appear whole and in order, each row quoting its file's real line.
            for side, lines in (("static", static_lines), ("eager", eager_lines)):
                numbers = [r[side][0] for r in fn["rows"] if r[side]]
                assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
                assert all(lines[r[side][0] - 1] == r[side][1] for r in fn["rows"] if r[side])
        # The same count as the code table's highlighted lines.
        doc_counts = changed_lines("\n".join(eager_lines), "\n".join(static_lines))["functions"]
        assert {f["function"]: f["changed"] for f in info["functions"]} == \
            {name: c["changed"] for name, c in doc_counts.items()}
    jax_forward = {f["function"]: f for f in view["systems"]["jax-jit"]["functions"]}["forward"]
    assert jax_forward["changed"] == 7
    tags = [r["tag"] for r in jax_forward["rows"]]
    assert tags.count("same") == 3  # def forward, n = 0, return y, n
    assert "removed" in tags  # `y = x * x` has no line of its own under lax.cond


def test_lab_diff_rejects_torch_alone():
    from conftest import invoke
    result = invoke(["diff", "control-flow", "--frameworks", "torch"])
    assert result.exit_code == 2 and "torch-eager is the left-hand side" in result.stderr
    result = invoke(["diff", "control-flow", "--systems", "torch-eager"])
    assert result.exit_code == 2 and "torch-eager is the left-hand side" in result.stderr


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lab_diff_json_is_the_typed_views_to_dict(scenario):
    """`lab diff --json` is the use case's typed DiffView written out, byte for byte, and each
    typed field reads what the JSON says."""
    from conftest import invoke
    from lab.strict_json import dumps
    from lab.usecases import diff as use
    result = invoke(["diff", scenario, "--systems", "all", "--json"])
    assert result.exit_code == 0, result.stderr
    view = use.run(scenario, [s for s in SYSTEMS if s != EAGER_BASELINE]).view
    assert result.stdout == dumps(view.to_dict()) + "\n"
    data = loads_strict(result.stdout)
    assert (view.scenario, view.eager_system, view.eager_file) == \
        (data["scenario"], data["eager_system"], data["eager_file"])
    assert list(view.systems) == list(data["systems"]) and view.systems
    for system, info in view.systems.items():
        assert info.file == data["systems"][system]["file"]
        assert [(f.function, f.in_eager, f.changed) for f in info.functions] == \
            [(f["function"], f["in_eager"], f["changed"]) for f in data["systems"][system]["functions"]]
        rows = [(r.eager, r.static, r.tag) for f in info.functions for r in f.rows]
        assert rows == [(tuple(r["eager"]) if r["eager"] else None, tuple(r["static"]) if r["static"] else None,
                         r["tag"]) for f in data["systems"][system]["functions"] for r in f["rows"]]
