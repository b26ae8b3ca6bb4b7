"""`lab list` reads each spec's NAME/TITLE/CLAIM/ORDER lines (compare/spec_headers.py) instead of
parsing the files; compare/discovery.py's parser is the reference it must agree with."""
from compare import discovery, spec_headers
from compare.contract import REQUIRED


def test_the_line_reader_lists_what_the_parser_lists():
    fast = spec_headers.summaries(REQUIRED)
    parsed, problems = discovery.summaries()
    assert fast is not None, "a spec here needs the parser: `lab list` pays ~20 ms for it"
    assert problems == [] and fast == parsed


def test_anything_less_plain_is_left_to_the_parser(tmp_path):
    def read(source: str):
        path = tmp_path / "spec.py"
        path.write_text(source)
        return spec_headers.read(str(path), ("NAME", "TITLE", "CLAIM", "reference"))
    plain = "NAME = 'x'\nTITLE = \"T\"\nCLAIM = 'C'\nORDER = 3\ndef reference(x):\n    return x\n"
    assert read(plain) == {"NAME": "x", "TITLE": "T", "CLAIM": "C", "ORDER": 3}
    assert read(plain.replace("\"T\"", "'T' + 's'")) is None            # computed
    assert read(plain.replace("\"T\"", "(\n  'T')")) is None            # over several lines
    assert read(plain.replace("'C'", "'C\\'s'")) is None                # an escape
    assert read(plain + "TITLE = 'again'\n") is None                    # assigned twice
    assert read(plain.replace("def reference", "def other")) is None    # a required name missing
    assert read(plain.replace("def reference(x):\n    return x\n",
                              "from numpy import negative as reference\n"))["NAME"] == "x"
