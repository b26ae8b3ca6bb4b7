"""The scoreboard in two groups: what static graphs cost, then what they buy (a spec's SIDE), in
the JSON, the terminal, the Markdown export and the web page; a bad SIDE is a spec error."""
import copy
import os
import types
from html.parser import HTMLParser

import pytest

from compare import contract
from compare.discovery import SpecError, discover
from compare.results import CompareDoc
from lab.claims import SIDES, grade


@pytest.fixture(scope="module")
def board(compare_doc):
    """The deployment run (a benefit) given first, and a copy of it standing for a cost claim."""
    buys = compare_doc("deployment", "--systems", "all")
    costs = copy.deepcopy(buys)
    costs.update(scenario="graph-lifetime", claim="The graph lives for one backward pass.")
    return grade([CompareDoc.from_dict(buys), CompareDoc.from_dict(costs)])


def test_every_spec_names_a_side():
    sides = {s.name: s.field("SIDE") for s in discover()[0]}
    assert set(sides.values()) <= set(SIDES) and sides["deployment"] == "buys"
    assert sides["control-flow"] == "costs"  # the default: the six seed claims are costs


def test_rows_are_grouped_costs_first_whatever_the_order_given(board):
    assert [(r.scenario, r.side) for r in board.claims] == [("graph-lifetime", "costs"), ("deployment", "buys")]
    assert [s.side for s in board.sides] == ["costs", "buys"]
    assert {s.side: s.holds for s in board.sides} == {"costs": "the cost was measured",
                                                      "buys": "the benefit was measured"}


def test_only_the_sides_present_are_listed(compare_doc):
    only = grade([CompareDoc.from_dict(compare_doc("deployment", "--systems", "all"))])
    assert [s.side for s in only.sides] == ["buys"] and only.claims[0].side == "buys"


def test_markdown_puts_each_group_under_its_heading(board):
    from lab.views.claims import markdown
    text = markdown(board)
    costs, buys = text.index("## What static graphs cost"), text.index("## What static graphs buy")
    assert costs < text.index("| graph-lifetime: ") < buys < text.index("| deployment: ")
    assert "On these rows, holds means the benefit was measured for that system." in text[buys:]
    assert "On these rows, holds means the cost was measured for that system." in text[costs:buys]


class _Groups(HTMLParser):
    """{side: [row scenario links]} from the scoreboard's tbody elements, plus the legend lines."""

    def __init__(self):
        super().__init__()
        self.groups, self.legends, self._side, self._legend, self._link = {}, [], None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody" and "data-side" in a:  # the scoreboard's (the results tables have their own)
            self._side = a["data-side"]
            self.groups[self._side] = []
        if tag == "a" and "lab-scen-link" in (a.get("class") or ""):
            self._link = True
        if tag == "p" and "lab-side-legend" in (a.get("class") or ""):
            self._legend = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._side = None
        if tag == "p" and self._legend is not None:
            self.legends.append(" ".join(self._legend.split()))
            self._legend = None
        if tag == "a":
            self._link = False

    def handle_data(self, data):
        if self._legend is not None:
            self._legend += data
        if self._link and self._side is not None:
            self.groups[self._side].append(data.replace("\u200b", ""))


def test_web_page_groups_the_rows_and_says_what_holds_means(board, compare_doc):
    from lab.views.web.page import render_page
    from _docs import typed
    docs = [typed(compare_doc("deployment", "--systems", "all"))]
    page = _Groups()
    page.feed(render_page(docs, claims=board))
    assert list(page.groups) == ["costs", "buys"]
    assert page.groups["buys"] == ["deployment"]
    assert page.legends == ["What static graphs cost: holds means the cost was measured for that system.",
                            "What static graphs buy: holds means the benefit was measured for that system."]


def test_terminal_legend_reads_for_both_groups_at_80_columns(board):
    from lab.views import render
    from lab.views.claims import scoreboard
    con = render.console(width=80, no_color=True, record=True, file=open(os.devnull, "w"))
    scoreboard(con, board, evidence=False)
    text = con.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert "benefit rows: ● holds (the benefit was measured) ◐ partly ○ does-not-hold" in text
    assert "cost rows: ● holds (the cost was measured) ◐ partly ○ does-not-hold" in text
    assert text.index("What static graphs cost") < text.index("What static graphs buy")


def test_a_bad_side_is_a_spec_error():
    module = types.ModuleType("fake")
    module.__dict__.update(NAME="fake", TITLE="t", CLAIM="c", LESSON="l", RTOL=1e-5, ATOL=1e-6,
                           calls=lambda seed=0: [], reference=lambda *a: None, SIDE="benefits")
    with pytest.raises(SpecError) as info:
        contract.values(module, "scenarios/fake.py")
    assert str(info.value) == "scenarios/fake.py: SIDE should be one of 'costs', 'buys', got 'benefits'"
    module.SIDE = "buys"
    assert contract.values(module, "scenarios/fake.py")["SIDE"] == "buys"


def test_readme_documents_the_scoreboard_json(board):
    import json
    import re
    from conftest import ROOT
    section = (ROOT / "README.md").read_text().split("## JSON", 1)[1].split("\n## ", 1)[0]
    (documented,) = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", section, re.S) if '"sides"' in b]
    data = board.to_dict()
    assert set(documented) == set(data)
    (row,) = documented["claims"]
    assert set(row) == set(data["claims"][0])
    (cell,) = row["cells"].values()
    assert set(cell) == set(data["claims"][0]["cells"]["torch-jit-trace"])
    assert set(documented["sides"][0]) == set(data["sides"][0])
