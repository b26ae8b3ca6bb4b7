"""Code-size counting and the eager/static diff on fixed snippets with known counts."""
import textwrap

from compare.codesize import measure, variant_source
from compare.diff import changed_lines, normalise

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
