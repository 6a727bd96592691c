"""The gradient table page: generated from a list of gradient rules (a fixture list of real ops here; the
built page in the fixture site comes from tinygrad_ref.ops.gradient_rules())."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from sitebuild import BuildError
from sitebuild.gradients import gradient_page, source_url

from .conftest import ROOT

REPO, BRANCH = "https://github.com/example/course", "main"


def _rule(cls, forward: str, backward: str) -> dict:
    """A rule for a real class, its place found by inspect (as gradient_rules() reports it)."""
    path = inspect.getsourcefile(cls)
    return {
        "op": cls.__name__,
        "forward": forward,
        "backward": backward,
        "module": cls.__module__,
        "path": Path(path).resolve().relative_to(ROOT).as_posix(),
        "line": inspect.getsourcelines(cls)[1],
    }


@pytest.fixture
def rules():
    from tinygrad_ref import ops

    return [
        _rule(ops.Mul, r"z = x y", r"\bar x = \bar z\, y,\quad \bar y = \bar z\, x"),
        _rule(ops.Abs, r"z = |x|", r"\bar x = \bar z\, \operatorname{sign}(x)"),
        _rule(ops.Sum, r"z = \sum_i x_i", r"\bar x_i = \bar z"),
    ]


def _rows(page: str) -> list[list[list[str]]]:
    """The list-table's rows (the header first), each a list of cells, each a list of its paragraphs."""
    table = page.split("```{list-table}", 1)[1].split("```", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("* - "):
            rows.append([[line[4:]]])
        elif line.startswith("  - "):
            rows[-1].append([line[4:]])
        elif line.startswith("    ") and rows:  # a further paragraph of the cell
            rows[-1][-1].append(line[4:])
    return rows


def test_one_row_per_op_with_forward_and_backward_as_math(rules):
    rows = _rows(gradient_page(rules, REPO, BRANCH))
    assert rows[0] == [["Op"], ["Forward and backward"]]
    assert len(rows) == 1 + len(rules)
    for (op, math), rule in zip(rows[1:], rules):
        assert op[0] == f"{{py:class}}`{rule['op']} <{rule['module']}.{rule['op']}>`"
        assert math == [f"Forward: ${rule['forward']}$", f"Backward: ${rule['backward']}$"]
    assert rows[2][1][0] == "Forward: $z = |x|$"  # a bar in a formula does not split the table (no pipes)


def test_source_links_point_at_the_class_statement(rules):
    rows = _rows(gradient_page(rules, REPO, BRANCH))
    for (op, _), rule in zip(rows[1:], rules):
        m = re.fullmatch(r"\[(\S+):(\d+)\]\((\S+)\)", op[1])
        assert m, op
        url = m.group(3)
        assert url == source_url(REPO, BRANCH, rule["path"], rule["line"])
        path, line = re.fullmatch(rf"{REPO}/blob/{BRANCH}/(\S+)#L(\d+)", url).groups()
        source = (ROOT / path).read_text().splitlines()
        assert source[int(line) - 1].startswith(f"class {rule['op']}(")


def test_bad_rules_are_refused_naming_the_op(rules):
    broken = dict(rules[0])
    del broken["backward"]
    with pytest.raises(BuildError, match=r"Mul.*lacks backward"):
        gradient_page([broken], REPO, BRANCH)
    dollars = dict(rules[0], forward="$z = x y$")
    with pytest.raises(BuildError, match=r"Mul: give the LaTeX without \$"):
        gradient_page([dollars], REPO, BRANCH)


@pytest.mark.slow
@pytest.mark.xdist_group("site")
def test_built_gradient_table_has_every_op_linked_to_its_entry_and_source(fixture_site):
    from sitebuild.gradients import gradient_rules

    from tinygrad_ref import ops

    html = fixture_site / "html"
    page = (html / "gradients.html").read_text()
    rules = gradient_rules()
    # every op (tests/tinygrad_ref/test_gradient_rules.py proves ops.functions() is every Function)
    every_op = {f"{f.__module__}.{f.__name__}" for f in ops.functions()}
    assert {f"{r['module']}.{r['op']}" for r in rules} == every_op
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    assert len(rows) == len(rules)
    for row, rule in zip(rows, rules):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert len(cells) == 2
        # the name: a link to the op's entry in the API reference, which exists
        target = f"{rule['module']}.{rule['op']}"
        links = re.findall(r'href="([^"]+)"', cells[0])
        assert len(links) == 2 and links[0].endswith(f"#{target}"), cells[0]
        assert f'id="{target}"' in (html / links[0].split("#")[0]).read_text()
        # forward over backward: math for MathJax
        forward, backward = re.findall(r"<p>(.*?)</p>", cells[1], re.S)
        assert forward.startswith('Forward: <span class="math')
        assert backward.startswith('Backward: <span class="math')
        # the file: a link to the class statement in the repository
        url = links[1]
        path, line = re.fullmatch(r"https://github\.com/[^/]+/[^/]+/blob/[^/]+/(\S+)#L(\d+)", url).groups()
        assert (ROOT / path).read_text().splitlines()[int(line) - 1].startswith(f"class {rule['op']}(")
    assert "_static/mathjax/tex-chtml.js" in page
    # in the navigation of every page, and listed on the home page
    index = (html / "index.html").read_text()
    assert 'href="gradients.html"' in index
    nav = (html / "notebooks" / "01-alpha.html").read_text().split('bd-docs-nav"', 1)[1]
    assert 'href="../gradients.html"' in nav.split("</nav>", 1)[0]
